// SPDX-License-Identifier: GPL-2.0
/* genl.c: see genl.h. */
#include "common.h"
#include "genl.h"

#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define NLA_HDR		((int)NLA_ALIGN(sizeof(struct nlattr)))
#define GENL_HDR	((int)NLMSG_ALIGN(sizeof(struct genlmsghdr)))

int genl_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	int one = 1;
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (sock < 0)
		return -errno;
	if (bind(sock, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;

		close(sock);
		return err;
	}
	/* Extended acks (error messages) and strict checking, as a modern client asks. */
	setsockopt(sock, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(sock, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	return sock;
}

void genl_req_init(struct genl_req *r, uint16_t type, uint8_t cmd, uint8_t version,
		   uint16_t flags, uint32_t seq)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDR;
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = flags;
	r->nlh.nlmsg_seq = seq;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = version;
}

void genl_req_put(struct genl_req *r, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(r->buf + NLMSG_ALIGN(r->nlh.nlmsg_len));
	size_t need = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(NLA_HDR + len);

	if (need > sizeof(r->buf))
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDR + len;
	if (len)
		memcpy((char *)a + NLA_HDR, data, len);
	r->nlh.nlmsg_len = need;
}

int genl_send(int sock, const void *msg, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n = sendto(sock, msg, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));

	return n < 0 ? -errno : 0;
}

int genl_attrs(const struct nlmsghdr *nlh, genl_attr_cb cb, void *arg)
{
	const char *p = (const char *)nlh + NLMSG_HDRLEN + GENL_HDR;
	const char *end = (const char *)nlh + nlh->nlmsg_len;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDR)
		return -EPROTO;
	while (p + NLA_HDR <= end) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDR || p + a->nla_len > end)
			return -EPROTO;
		if (cb)
			cb(a->nla_type & NLA_TYPE_MASK, p + NLA_HDR, a->nla_len - NLA_HDR, arg);
		p += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

int genl_recv(int sock, uint32_t seq, genl_msg_cb cb, void *arg, int timeout_ms)
{
	/* Big enough for any datagram the kernel sends us (a dump part is ~1 page). */
	static __thread char buf[65536] __attribute__((aligned(8)));
	bool stopped = false;

	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		ssize_t n;
		int ret;

		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* a late reply to an earlier request */
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error;
			}
			if (!stopped && cb) {
				ret = cb(nlh, arg);
				if (ret < 0)
					return ret;
				stopped = ret > 0;
			}
		}
		if (n > 0)
			return -EPROTO;	/* trailing bytes that are not a message */
	}
}

/* ---- the ctrl family: name -> id ---- */

static void family_id_attr(uint16_t type, const void *data, uint16_t len, void *arg)
{
	if (type == CTRL_ATTR_FAMILY_ID && len >= 2)
		memcpy(arg, data, 2);
}

static int family_id_msg(const struct nlmsghdr *nlh, void *arg)
{
	return genl_attrs(nlh, family_id_attr, arg);
}

int genl_family_id(int sock, const char *name)
{
	static uint32_t seq = 0x10000;
	struct genl_req r;
	uint16_t id = 0;
	int ret;

	genl_req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_REQUEST | NLM_F_ACK, ++seq);
	genl_req_put(&r, CTRL_ATTR_FAMILY_NAME, name, (uint16_t)(strlen(name) + 1));
	ret = genl_send(sock, &r, r.nlh.nlmsg_len);
	if (ret)
		return ret;
	ret = genl_recv(sock, seq, family_id_msg, &id, 10000);
	if (ret)
		return ret;
	return id ? id : -ENOENT;
}

/* ---- the sabuf family ---- */

static void queue_attr(uint16_t type, const void *data, uint16_t len, void *arg)
{
	struct sabuf_nl_buffer *b = arg;
	uint32_t v;

	if (type == SABUF_A_QUEUE_LENGTH && len == 4) {
		memcpy(&v, data, 4);
		b->queued += v;
	}
}

/* Walk nested attributes (the payload of a nest) with cb. */
static void nested_attrs(const void *data, uint16_t len, genl_attr_cb cb, void *arg)
{
	const char *p = data, *end = p + len;

	while (p + NLA_HDR <= end) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDR || p + a->nla_len > end)
			return;
		cb(a->nla_type & NLA_TYPE_MASK, p + NLA_HDR, a->nla_len - NLA_HDR, arg);
		p += NLA_ALIGN(a->nla_len);
	}
}

static void queues_attr(uint16_t type, const void *data, uint16_t len, void *arg)
{
	struct sabuf_nl_buffer *b = arg;

	if (type == SABUF_A_QUEUE) {
		b->nr_queues++;
		nested_attrs(data, len, queue_attr, b);
	}
}

static void buffer_attr(uint16_t type, const void *data, uint16_t len, void *arg)
{
	struct sabuf_nl_buffer *b = arg;
	uint64_t v64 = 0;
	uint32_t v32 = 0;

	if (len == 8)
		memcpy(&v64, data, 8);
	if (len == 4)
		memcpy(&v32, data, 4);
	switch (type) {
	case SABUF_A_ID: b->id = v64; break;
	case SABUF_A_BYTE_LENGTH: b->byte_length = v64; break;
	case SABUF_A_CREATOR_PID: b->creator_pid = v32; break;
	case SABUF_A_CREATOR_UID: b->creator_uid = v32; break;
	case SABUF_A_FDS: b->fds = v32; break;
	case SABUF_A_MAPPINGS: b->mappings = v32; break;
	case SABUF_A_WAITERS: b->waiters = v32; break;
	case SABUF_A_WAITERS_ANY: b->waiters_any = v32; break;
	case SABUF_A_WAITERS_ASYNC: b->waiters_async = v32; break;
	case SABUF_A_WAITS: b->waits = v64; break;
	case SABUF_A_NOTIFIES: b->notifies = v64; break;
	case SABUF_A_CREATED_NS: b->created_ns = v64; break;
	case SABUF_A_QUEUES: nested_attrs(data, len, queues_attr, b); break;
	}
}

static int get_msg(const struct nlmsghdr *nlh, void *arg)
{
	memset(arg, 0, sizeof(struct sabuf_nl_buffer));
	return genl_attrs(nlh, buffer_attr, arg);
}

static uint32_t sabuf_seq = 0x20000;

int sabuf_nl_get(int sock, int family, uint64_t id, bool queues, struct sabuf_nl_buffer *out)
{
	struct genl_req r;
	uint32_t seq = __atomic_add_fetch(&sabuf_seq, 1, __ATOMIC_RELAXED);
	int ret;

	genl_req_init(&r, (uint16_t)family, queues ? SABUF_CMD_QUEUES_GET : SABUF_CMD_GET,
		      SABUF_GENL_VERSION, NLM_F_REQUEST | NLM_F_ACK, seq);
	genl_req_put(&r, SABUF_A_ID, &id, sizeof(id));
	ret = genl_send(sock, &r, r.nlh.nlmsg_len);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	return genl_recv(sock, seq, get_msg, out, 30000);
}

struct dump_walk {
	void (*cb)(const struct sabuf_nl_buffer *b, void *arg);
	void *arg;
	int count;
};

static int dump_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_walk *w = arg;
	struct sabuf_nl_buffer b = { 0 };
	int ret = genl_attrs(nlh, buffer_attr, &b);

	if (ret)
		return ret;
	w->count++;
	if (w->cb)
		w->cb(&b, w->arg);
	return 0;
}

int sabuf_nl_dump(int sock, int family,
		  void (*cb)(const struct sabuf_nl_buffer *b, void *arg), void *arg)
{
	struct dump_walk w = { cb, arg, 0 };
	struct genl_req r;
	uint32_t seq = __atomic_add_fetch(&sabuf_seq, 1, __ATOMIC_RELAXED);
	int ret;

	genl_req_init(&r, (uint16_t)family, SABUF_CMD_GET, SABUF_GENL_VERSION,
		      NLM_F_REQUEST | NLM_F_DUMP, seq);
	ret = genl_send(sock, &r, r.nlh.nlmsg_len);
	if (ret)
		return ret;
	ret = genl_recv(sock, seq, dump_msg, &w, 30000);
	return ret ? ret : w.count;
}
