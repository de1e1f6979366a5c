/* SPDX-License-Identifier: GPL-2.0 */
/*
 * genl.h: just enough generic netlink, on raw sockets, to talk to the
 * "sabuf" family (uapi/linux/sabuf_netlink.h): resolve it, list buffers,
 * read one buffer's counts, and send arbitrary bytes for the fuzzer.
 * Every function returns 0 (or a non-negative result) or -errno.
 */
#ifndef STRESS_GENL_H
#define STRESS_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/sabuf_netlink.h>

/* A NETLINK_GENERIC socket, bound, close-on-exec. */
int genl_open(void);
/* The id of a family by name, or -ENOENT when it is not registered. */
int genl_family_id(int sock, const char *name);

/* A request being built: header, genl header, then attributes. */
struct genl_req {
	union {
		struct nlmsghdr nlh;
		char buf[1024];
	};
};
void genl_req_init(struct genl_req *r, uint16_t type, uint8_t cmd, uint8_t version,
		   uint16_t flags, uint32_t seq);
/* Append one attribute (silently dropped when the request is full). */
void genl_req_put(struct genl_req *r, uint16_t type, const void *data, uint16_t len);
int genl_send(int sock, const void *msg, size_t len);

/*
 * Called for each reply message of the request; returning non-zero stops
 * the walk early (the rest is drained).
 */
typedef int (*genl_msg_cb)(const struct nlmsghdr *nlh, void *arg);
/*
 * Read the replies to request seq until NLMSG_DONE or an NLMSG_ERROR
 * (an ack is 0), or until timeout_ms pass with nothing to read (-ETIMEDOUT).
 * Malformed replies (lengths that run past the datagram, attributes that
 * overrun their message) fail with -EPROTO.
 */
int genl_recv(int sock, uint32_t seq, genl_msg_cb cb, void *arg, int timeout_ms);

/* Walk the attributes after the genl header of a reply; -EPROTO if malformed. */
typedef void (*genl_attr_cb)(uint16_t type, const void *data, uint16_t len, void *arg);
int genl_attrs(const struct nlmsghdr *nlh, genl_attr_cb cb, void *arg);

/* One buffer as SABUF_CMD_GET describes it. */
struct sabuf_nl_buffer {
	uint64_t id, byte_length, waits, notifies, created_ns;
	uint32_t creator_pid, creator_uid, fds, mappings, waiters;
	uint32_t waiters_any, waiters_async;	/* of waiters: wait-any places, waitset waits */
	uint32_t nr_queues;		/* QUEUES_GET only */
	uint64_t queued;		/* QUEUES_GET only: sum of queue lengths */
};

/* SABUF_CMD_GET (or QUEUES_GET) for one id: 0, -ENOENT, ... */
int sabuf_nl_get(int sock, int family, uint64_t id, bool queues, struct sabuf_nl_buffer *out);
/* SABUF_CMD_GET dump: calls cb for each visible buffer; the count, or -errno. */
int sabuf_nl_dump(int sock, int family,
		  void (*cb)(const struct sabuf_nl_buffer *b, void *arg), void *arg);

#endif /* STRESS_GENL_H */
