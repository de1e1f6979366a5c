// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing on libmnl: the socket, family resolution and
 * one request/reply exchange (doit or dump), with the kernel's errors and
 * extack messages kept for the caller to report.
 *
 * Habits taken from libmnl's genl examples: every attribute's type is
 * checked with mnl_attr_validate(), attributes newer than this program are
 * skipped rather than rejected, and replies are matched by sequence number
 * and port id (mnl_cb_run2 does that).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl.h"

/* A reply that takes longer than this means something is badly wrong. */
#define GENL_RECV_TIMEOUT_S	30

/* What the reply callbacks of one exchange share. */
struct genl_run {
	struct genl_conn *c;
	mnl_cb_t cb;
	void *data;
	bool kernel_error;	/* the kernel answered with an error */
};

static int genl_socket_open(struct genl_conn *c)
{
	struct timeval timeout = { .tv_sec = GENL_RECV_TIMEOUT_S };
	int one = 1;

	c->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!c->sock)
		return -errno;
	/*
	 * Extended acks carry the kernel's reason for a rejected request;
	 * capped acks leave our request out of the error message. Both are
	 * optional: an old kernel refusing them is not a reason to fail.
	 */
	mnl_socket_setsockopt(c->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(c->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(c->sock), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (mnl_socket_bind(c->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(c->sock);
		c->sock = NULL;
		return err;
	}
	c->portid = mnl_socket_get_portid(c->sock);
	return 0;
}

struct nlmsghdr *genl_request(struct genl_conn *c, void *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = c->family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = c->family_id == GENL_ID_CTRL ? 1 : c->family_version;
	return nlh;
}

/* Receive the next datagram whole, growing c->rx as needed. Its length or -errno. */
static ssize_t genl_receive(struct genl_conn *c)
{
	int fd = mnl_socket_get_fd(c->sock);
	ssize_t len;

	/*
	 * MSG_TRUNC with MSG_PEEK reports the datagram's real length, so a big
	 * reply (a buffer with thousands of waited-on indices) is never cut.
	 */
	do
		len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return -errno;
	if ((size_t)len > c->rx_size) {
		void *bigger = realloc(c->rx, len);

		if (!bigger)
			return -ENOMEM;
		c->rx = bigger;
		c->rx_size = len;
	}
	do
		len = mnl_socket_recvfrom(c->sock, c->rx, c->rx_size);
	while (len < 0 && errno == EINTR);
	return len < 0 ? -errno : len;
}

static int genl_extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct genl_error *err = data;

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;	/* newer than us: skip */
	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_OK;
		snprintf(err->msg, sizeof(err->msg), "%s", mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_OK;
		err->miss_type = mnl_attr_get_u32(attr);
		err->has_miss_type = true;
		break;
	}
	return MNL_CB_OK;
}

/* Record a kernel error and the extack attributes found @offset bytes into the payload. */
static int genl_kernel_error(struct genl_run *run, const struct nlmsghdr *nlh,
			     int error, size_t offset)
{
	struct genl_error *err = &run->c->err;

	err->errnum = error < 0 ? -error : error;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && offset < mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, offset, genl_extack_attr_cb, err);
	run->kernel_error = true;
	errno = err->errnum;
	return MNL_CB_ERROR;
}

static int genl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;	/* the ack that ends a doit exchange */
	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	return genl_kernel_error(data, nlh, e->error, offset);
}

static int genl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	int error = 0;

	/* A dump that failed half-way says why in NLMSG_DONE's payload. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(error))
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (error < 0)
		return genl_kernel_error(data, nlh, error, sizeof(error));
	return MNL_CB_STOP;
}

static int genl_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int genl_overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOBUFS;
	return MNL_CB_ERROR;
}

static int genl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_run *run = data;

	if (nlh->nlmsg_type != run->c->family_id)
		return MNL_CB_OK;	/* not ours (cannot happen with matching seq) */
	return run->cb ? run->cb(nlh, run->data) : MNL_CB_OK;
}

/* Not const: mnl_cb_run2() takes a plain pointer. */
static mnl_cb_t genl_ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP]	= genl_noop_cb,
	[NLMSG_ERROR]	= genl_error_cb,
	[NLMSG_DONE]	= genl_done_cb,
	[NLMSG_OVERRUN]	= genl_overrun_cb,
};

/*
 * mnl_cb_run2() stops at the first message flagged NLM_F_DUMP_INTR, leaving
 * the rest of the dump unread. We would rather read it all: our dumps
 * resume by ascending id, so an interrupted one still holds every buffer
 * that lived through it. So note the flag here and clear it.
 */
static void genl_take_dump_intr(struct genl_conn *c, size_t len)
{
	struct nlmsghdr *nlh = c->rx;
	int rem = (int)len;

	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			c->dump_interrupted = true;
		}
	}
}

int genl_transact(struct genl_conn *c, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct genl_run run = { .c = c, .cb = cb, .data = data };
	ssize_t len;
	int ret;

	memset(&c->err, 0, sizeof(c->err));
	c->dump_interrupted = false;
	req->nlmsg_seq = ++c->seq;
	if (mnl_socket_sendto(c->sock, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = genl_receive(c);
		if (len < 0)
			return (int)len;
		genl_take_dump_intr(c, len);
		ret = mnl_cb_run2(c->rx, len, c->seq, c->portid, genl_data_cb, &run,
				  genl_ctl_cbs, MNL_ARRAY_SIZE(genl_ctl_cbs));
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
		/* MNL_CB_OK: a dump goes on in the next datagram. */
	}
}

/* ---- family resolution ---- */

static int genl_family_attr_cb(const struct nlattr *attr, void *data)
{
	struct genl_conn *c = data;

	if (mnl_attr_type_valid(attr, CTRL_ATTR_MAX) < 0)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		c->family_id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		c->family_version = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), genl_family_attr_cb, data);
}

static int genl_resolve(struct genl_conn *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	/* The controller's own id until its answer tells us the family's. */
	c->family_id = GENL_ID_CTRL;
	nlh = genl_request(c, buf, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, c->family_name);
	ret = genl_transact(c, nlh, genl_family_cb, c);
	if (ret)
		return ret;	/* -ENOENT: no family of that name */
	if (c->family_id == GENL_ID_CTRL)
		return -EPROTO;	/* the controller answered without an id */
	return 0;
}

int genl_open(struct genl_conn *c, const char *family)
{
	int ret;

	memset(c, 0, sizeof(*c));
	snprintf(c->family_name, sizeof(c->family_name), "%s", family);
	c->seq = (uint32_t)time(NULL);
	ret = genl_socket_open(c);
	if (ret)
		return ret;
	ret = genl_resolve(c);
	if (ret)
		genl_close(c);
	return ret;
}

void genl_close(struct genl_conn *c)
{
	if (c->sock)
		mnl_socket_close(c->sock);
	c->sock = NULL;
	free(c->rx);
	c->rx = NULL;
	c->rx_size = 0;
}
