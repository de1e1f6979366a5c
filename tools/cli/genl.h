/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A generic netlink connection on libmnl: open a socket, resolve a family
 * by name (CTRL_CMD_GETFAMILY), send one request and run its replies
 * through a callback, collecting the kernel's error and extack message.
 */
#ifndef SABUF_CLI_GENL_H
#define SABUF_CLI_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* What the kernel said about the last failed request. */
struct genl_error {
	int errnum;		/* positive errno, 0 if the kernel sent none */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE, valid if has_miss_type */
	bool has_miss_type;
};

struct genl_conn {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;			/* of the last request sent */
	uint16_t family_id;
	uint32_t family_version;
	char family_name[32];
	void *rx;			/* receive buffer, grown to the largest datagram */
	size_t rx_size;
	struct genl_error err;
	bool dump_interrupted;		/* the last dump had NLM_F_DUMP_INTR set */
};

/*
 * Open a connection and resolve @family. 0, or -errno: -ENOENT when the
 * family is not registered (for sabuf: the module is not loaded).
 */
int genl_open(struct genl_conn *c, const char *family);
void genl_close(struct genl_conn *c);

/* Start a request for @cmd of the resolved family in @buf (MNL_SOCKET_BUFFER_SIZE bytes). */
struct nlmsghdr *genl_request(struct genl_conn *c, void *buf, uint8_t cmd, uint16_t flags);

/*
 * Send @req and run every reply message through @cb until the kernel's
 * final ack, NLMSG_DONE or error. 0 on success; -errno otherwise, with the
 * kernel's error and extack details in c->err. A dump is always read to
 * its end; c->dump_interrupted tells whether the kernel flagged it
 * NLM_F_DUMP_INTR (the objects changed while it ran: try again).
 */
int genl_transact(struct genl_conn *c, struct nlmsghdr *req, mnl_cb_t cb, void *data);

#endif /* SABUF_CLI_GENL_H */
