/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A raw generic netlink client of the "sabuf" family for the selftests
 * (netlink_test.c, who_test.c): no library, so that requests can be
 * malformed on purpose and replies are checked byte for byte against the
 * ABI: every attribute the kernel sends must be one the header documents,
 * with exactly its documented size, where the header puts it. Replies of
 * SABUF_CMD_GET and _QUEUES_GET decode into nl_reply.bufs, of
 * _HOLDERS_GET into .holders, of _WAITERS_GET into .waiters.
 */
#ifndef SABUF_NL_CLIENT_H
#define SABUF_NL_CLIENT_H

#include "sabuf_test.h"

#include <grp.h>
#include <stdarg.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sabuf_netlink.h>

/* The unprivileged user the tests drop to (the VM rig's "user"). */
#define TEST_UID	1000
#define TEST_GID	1000

/* ======================================================================
 * A raw generic netlink client
 * ====================================================================== */

#define NL_RECV_SIZE	(64 * 1024)
#define NL_MAX_BUFFERS	1024
#define NL_MAX_QUEUES	16

struct nl_req {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	uint8_t attrs[256];
};

/* One buffer as a reply described it. */
struct nl_buffer {
	uint32_t have;			/* 1u << SABUF_A_* of each attribute present */
	uint64_t id, byte_length, waits, notifies, created_ns;
	uint32_t pid, uid, fds, mappings, waiters, waiters_any, waiters_async;
	bool has_queues;
	uint64_t max_byte_length;
	unsigned int nr_queues;
	struct {
		uint64_t offset;
		uint32_t length;
	} queues[NL_MAX_QUEUES];
};

#define NL_MAX_HOLDERS	1024
#define NL_MAX_WAITERS	8192
#define NL_COMM_LEN	16		/* TASK_COMM_LEN */

/* One process of a SABUF_CMD_HOLDERS_GET reply. */
struct nl_holder {
	uint32_t pid, fds, mappings;
	char comm[NL_COMM_LEN];
};

/* One waiter of a SABUF_CMD_WAITERS_GET reply, with its mutex's owner if robust. */
struct nl_waiter {
	uint64_t offset;
	uint32_t tid, pid, kind;
	bool has_owner, owner_dead;
	uint32_t owner_id, owner_tid, owner_pid;
	char owner_comm[NL_COMM_LEN];
};

/* Everything one request got back. */
struct nl_reply {
	int error;			/* the kernel's verdict: 0 or -errno */
	bool acked;			/* an NLMSG_ERROR (ack or error) or NLMSG_DONE ended it */
	char msg[256];			/* NLMSGERR_ATTR_MSG */
	bool has_msg;
	uint32_t offs;			/* NLMSGERR_ATTR_OFFS */
	bool has_offs;
	uint32_t miss_type;		/* NLMSGERR_ATTR_MISS_TYPE */
	bool has_miss_type;
	bool dump_intr;			/* some reply had NLM_F_DUMP_INTR */
	unsigned int nr_msgs;		/* data messages */
	uint8_t cmd;			/* genl cmd of the last data message */
	bool mixed_cmds;		/* data messages with different cmds */
	unsigned int nr;		/* buffers decoded (at most NL_MAX_BUFFERS) */
	struct nl_buffer bufs[NL_MAX_BUFFERS];
	char malformed[256];		/* the first way a reply broke the ABI, "" if none */

	/* SABUF_CMD_HOLDERS_GET, SABUF_CMD_WAITERS_GET (at most NL_MAX_* kept, all counted) */
	uint64_t who_id;		/* SABUF_A_ID of their messages (the same in each) */
	unsigned int nr_holders, nr_waiters;
	struct nl_holder holders[NL_MAX_HOLDERS];
	struct nl_waiter waiters[NL_MAX_WAITERS];

	/* CTRL_CMD_GETFAMILY */
	uint16_t family_id;
	uint32_t family_version;
	uint32_t op_flags[SABUF_CMD_MAX + 2];	/* GENL_CMD_CAP_* per command */
};

static inline struct nl_reply *nl_reply_new(void)
{
	return calloc(1, sizeof(struct nl_reply));
}

static inline void nl_malformed(struct nl_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void nl_malformed(struct nl_reply *r, const char *fmt, ...)
{
	va_list ap;

	if (r->malformed[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->malformed, sizeof(r->malformed), fmt, ap);
	va_end(ap);
}

/* Attribute walking (the uapi header has no NLA_OK / NLA_NEXT). */
static inline bool nla_ok(const struct nlattr *nla, int rem)
{
	return rem >= (int)sizeof(*nla) && nla->nla_len >= sizeof(*nla) && nla->nla_len <= rem;
}

static inline const struct nlattr *nla_next(const struct nlattr *nla, int *rem)
{
	int len = NLA_ALIGN(nla->nla_len);

	*rem -= len;
	return (const struct nlattr *)((const char *)nla + len);
}

#define nla_for_each(pos, head, len, rem)				\
	for (pos = (head), rem = (len); nla_ok(pos, rem); pos = nla_next(pos, &rem))

static inline const void *nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static inline int nla_payload_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static inline int nla_type(const struct nlattr *nla)
{
	return nla->nla_type & NLA_TYPE_MASK;
}

static inline uint64_t nla_u64(const struct nlattr *nla)
{
	uint64_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

static inline uint32_t nla_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

static inline const struct nlattr *genl_attrs(const struct nlmsghdr *nlh, int *len)
{
	*len = (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	return (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
}

/* A raw NETLINK_GENERIC socket, bound, with a receive timeout. */
static inline int nl_socket(bool ext_ack)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };
	int one = 1, fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if ((ext_ack && setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one))) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static inline void nl_req_init(struct nl_req *req, uint16_t family, uint8_t cmd, uint16_t flags)
{
	memset(req, 0, sizeof(*req));
	req->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req->nlh.nlmsg_type = family;
	req->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	req->genl.cmd = cmd;
	req->genl.version = SABUF_GENL_VERSION;
}

/* Append an attribute of any length: the point is to be able to get it wrong. */
static inline void nl_req_put(struct nl_req *req, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)req + NLMSG_ALIGN(req->nlh.nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	req->nlh.nlmsg_len = NLMSG_ALIGN(req->nlh.nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

static inline void nl_req_put_u64(struct nl_req *req, uint16_t type, uint64_t v)
{
	nl_req_put(req, type, &v, sizeof(v));
}

static uint32_t nl_seq;

static inline int nl_send(int fd, struct nl_req *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	req->nlh.nlmsg_seq = ++nl_seq;
	if (sendto(fd, req, req->nlh.nlmsg_len, 0,
		   (struct sockaddr *)&kernel, sizeof(kernel)) != (ssize_t)req->nlh.nlmsg_len)
		return -errno;
	return 0;
}

/* ---- decoding replies ---- */

/* The payload size each attribute must have; -1: any (padding); 0: a nest. */
static inline int sabuf_attr_size(int type)
{
	switch (type) {
	case SABUF_A_PAD:
	case SABUF_A_NAME:	/* a NUL-terminated string */
	case SABUF_A_HOLDER_COMM: case SABUF_A_OWNER_COMM:
		return -1;
	case SABUF_A_WAITER_OFFSET:
		return 8;
	case SABUF_A_HOLDER_PID: case SABUF_A_HOLDER_FDS: case SABUF_A_HOLDER_MAPPINGS:
	case SABUF_A_WAITER_TID: case SABUF_A_WAITER_PID: case SABUF_A_WAITER_KIND:
	case SABUF_A_OWNER_ID: case SABUF_A_OWNER_TID: case SABUF_A_OWNER_PID:
		return 4;
	case SABUF_A_ID: case SABUF_A_BYTE_LENGTH: case SABUF_A_WAITS:
	case SABUF_A_NOTIFIES: case SABUF_A_CREATED_NS: case SABUF_A_QUEUE_OFFSET:
	case SABUF_A_MAX_BYTE_LENGTH:
		return 8;
	case SABUF_A_CREATOR_PID: case SABUF_A_CREATOR_UID: case SABUF_A_FDS:
	case SABUF_A_MAPPINGS: case SABUF_A_WAITERS: case SABUF_A_QUEUE_LENGTH:
	case SABUF_A_WAITERS_ANY: case SABUF_A_WAITERS_ASYNC:
		return 4;
	default:
		return 0;
	}
}

/* Check that @nla is allowed here and has its documented size. */
static inline bool sabuf_attr_ok(struct nl_reply *r, const struct nlattr *nla, const char *where,
			  const int *allowed)
{
	int type = nla_type(nla), size;

	for (; *allowed; allowed++)
		if (*allowed == type)
			break;
	if (!*allowed) {
		nl_malformed(r, "attribute %d is not expected %s", type, where);
		return false;
	}
	size = sabuf_attr_size(type);
	if (size > 0 && nla_payload_len(nla) != size) {
		nl_malformed(r, "attribute %d %s has %d bytes, not %d",
			     type, where, nla_payload_len(nla), size);
		return false;
	}
	return true;
}

static inline void decode_queue(struct nl_reply *r, struct nl_buffer *b, const struct nlattr *queue)
{
	static const int allowed[] = { SABUF_A_PAD, SABUF_A_QUEUE_OFFSET, SABUF_A_QUEUE_LENGTH, 0 };
	const struct nlattr *nla;
	bool has_offset = false, has_length = false;
	uint64_t offset = 0;
	uint32_t length = 0;
	int rem;

	nla_for_each(nla, (const struct nlattr *)nla_data(queue), nla_payload_len(queue), rem) {
		if (!sabuf_attr_ok(r, nla, "in a queue", allowed))
			continue;
		if (nla_type(nla) == SABUF_A_QUEUE_OFFSET) {
			offset = nla_u64(nla);
			has_offset = true;
		} else if (nla_type(nla) == SABUF_A_QUEUE_LENGTH) {
			length = nla_u32(nla);
			has_length = true;
		}
	}
	if (rem)
		nl_malformed(r, "%d stray bytes in a queue", rem);
	if (!has_offset || !has_length) {
		nl_malformed(r, "a queue without its offset or length");
		return;
	}
	if (b->nr_queues < NL_MAX_QUEUES) {
		b->queues[b->nr_queues].offset = offset;
		b->queues[b->nr_queues].length = length;
	}
	b->nr_queues++;
}

static inline void decode_buffer(struct nl_reply *r, const struct nlmsghdr *nlh)
{
	static const int allowed[] = {
		SABUF_A_PAD, SABUF_A_ID, SABUF_A_BYTE_LENGTH, SABUF_A_CREATOR_PID,
		SABUF_A_CREATOR_UID, SABUF_A_FDS, SABUF_A_MAPPINGS, SABUF_A_WAITERS,
		SABUF_A_WAITS, SABUF_A_NOTIFIES, SABUF_A_CREATED_NS, SABUF_A_QUEUES,
		SABUF_A_MAX_BYTE_LENGTH, SABUF_A_WAITERS_ANY, SABUF_A_WAITERS_ASYNC, SABUF_A_NAME, 0,
	};
	static const int allowed_in_queues[] = { SABUF_A_QUEUE, 0 };
	const struct genlmsghdr *genl = NLMSG_DATA(nlh);
	const struct nlattr *nla, *queue;
	struct nl_buffer scratch, *b;
	int len, rem, qrem;

	if (r->nr_msgs && genl->cmd != r->cmd)
		r->mixed_cmds = true;
	r->cmd = genl->cmd;
	r->nr_msgs++;
	b = r->nr < NL_MAX_BUFFERS ? &r->bufs[r->nr++] : &scratch;
	memset(b, 0, sizeof(*b));
	nla_for_each(nla, genl_attrs(nlh, &len), len, rem) {
		int type = nla_type(nla);

		if (!sabuf_attr_ok(r, nla, "in a buffer", allowed))
			continue;
		if (type != SABUF_A_PAD && (b->have & (1u << type)))
			nl_malformed(r, "attribute %d twice in one buffer", type);
		b->have |= 1u << type;
		switch (type) {
		case SABUF_A_ID:		b->id = nla_u64(nla); break;
		case SABUF_A_BYTE_LENGTH:	b->byte_length = nla_u64(nla); break;
		case SABUF_A_CREATOR_PID:	b->pid = nla_u32(nla); break;
		case SABUF_A_CREATOR_UID:	b->uid = nla_u32(nla); break;
		case SABUF_A_FDS:		b->fds = nla_u32(nla); break;
		case SABUF_A_MAPPINGS:		b->mappings = nla_u32(nla); break;
		case SABUF_A_WAITERS:		b->waiters = nla_u32(nla); break;
		case SABUF_A_WAITERS_ANY:	b->waiters_any = nla_u32(nla); break;
		case SABUF_A_WAITERS_ASYNC:	b->waiters_async = nla_u32(nla); break;
		case SABUF_A_WAITS:		b->waits = nla_u64(nla); break;
		case SABUF_A_NOTIFIES:		b->notifies = nla_u64(nla); break;
		case SABUF_A_CREATED_NS:	b->created_ns = nla_u64(nla); break;
		case SABUF_A_MAX_BYTE_LENGTH:	b->max_byte_length = nla_u64(nla); break;
		case SABUF_A_QUEUES:
			b->has_queues = true;
			nla_for_each(queue, (const struct nlattr *)nla_data(nla),
				     nla_payload_len(nla), qrem)
				if (sabuf_attr_ok(r, queue, "in the queues", allowed_in_queues))
					decode_queue(r, b, queue);
			if (qrem)
				nl_malformed(r, "%d stray bytes in the queues", qrem);
			break;
		}
	}
	if (rem)
		nl_malformed(r, "%d stray bytes after a buffer's attributes", rem);
}

/* A command name: NUL-terminated, at most NL_COMM_LEN bytes with its NUL. */
static inline void decode_comm(struct nl_reply *r, const struct nlattr *nla, char *out)
{
	int n = nla_payload_len(nla);
	const char *s = nla_data(nla);

	if (n < 1 || n > NL_COMM_LEN || s[n - 1] || strlen(s) != (size_t)n - 1) {
		nl_malformed(r, "a command name of %d bytes, not a string of < %d", n, NL_COMM_LEN);
		return;
	}
	memcpy(out, s, n);
}

/* The attributes of a HOLDERS or WAITERS message: its SABUF_A_ID and its one list nest. */
static inline const struct nlattr *decode_who_message(struct nl_reply *r,
						       const struct nlmsghdr *nlh, int list)
{
	const int allowed[] = { SABUF_A_PAD, SABUF_A_ID, list, 0 };
	const struct nlattr *nla, *found = NULL;
	bool has_id = false;
	int len, rem;

	nla_for_each(nla, genl_attrs(nlh, &len), len, rem) {
		if (!sabuf_attr_ok(r, nla, "in a holders/waiters message", allowed))
			continue;
		if (nla_type(nla) == SABUF_A_ID) {
			if (r->nr_msgs > 1 && r->who_id != nla_u64(nla))
				nl_malformed(r, "parts of one dump name different buffers");
			r->who_id = nla_u64(nla);
			has_id = true;
		} else if (nla_type(nla) == list) {
			if (found)
				nl_malformed(r, "two lists in one message");
			found = nla;
		}
	}
	if (rem)
		nl_malformed(r, "%d stray bytes after a message's attributes", rem);
	if (!has_id || !found)
		nl_malformed(r, "a holders/waiters message without its id or list");
	return found;
}

static inline void decode_holder(struct nl_reply *r, const struct nlattr *holder)
{
	static const int allowed[] = {
		SABUF_A_HOLDER_PID, SABUF_A_HOLDER_COMM, SABUF_A_HOLDER_FDS,
		SABUF_A_HOLDER_MAPPINGS, 0,
	};
	struct nl_holder h = { 0 };
	const struct nlattr *nla;
	unsigned int have = 0;
	int rem;

	nla_for_each(nla, (const struct nlattr *)nla_data(holder), nla_payload_len(holder), rem) {
		if (!sabuf_attr_ok(r, nla, "in a holder", allowed))
			continue;
		have |= 1u << (nla_type(nla) - SABUF_A_HOLDER_PID);
		switch (nla_type(nla)) {
		case SABUF_A_HOLDER_PID:	h.pid = nla_u32(nla); break;
		case SABUF_A_HOLDER_FDS:	h.fds = nla_u32(nla); break;
		case SABUF_A_HOLDER_MAPPINGS:	h.mappings = nla_u32(nla); break;
		case SABUF_A_HOLDER_COMM:	decode_comm(r, nla, h.comm); break;
		}
	}
	if (rem)
		nl_malformed(r, "%d stray bytes in a holder", rem);
	if (have != 0xf)
		nl_malformed(r, "a holder without all of pid, comm, fds, mappings");
	if (!h.fds && !h.mappings)
		nl_malformed(r, "a holder with neither fds nor mappings");
	if (r->nr_holders < NL_MAX_HOLDERS)
		r->holders[r->nr_holders] = h;
	r->nr_holders++;
}

static inline void decode_owner(struct nl_reply *r, struct nl_waiter *w, const struct nlattr *owner)
{
	static const int allowed[] = {
		SABUF_A_OWNER_ID, SABUF_A_OWNER_TID, SABUF_A_OWNER_PID, SABUF_A_OWNER_COMM,
		SABUF_A_OWNER_DEAD, 0,
	};
	const struct nlattr *nla;
	unsigned int have = 0;
	int rem;

	w->has_owner = true;
	nla_for_each(nla, (const struct nlattr *)nla_data(owner), nla_payload_len(owner), rem) {
		if (!sabuf_attr_ok(r, nla, "in an owner", allowed))
			continue;
		have |= 1u << (nla_type(nla) - SABUF_A_OWNER_ID);
		switch (nla_type(nla)) {
		case SABUF_A_OWNER_ID:		w->owner_id = nla_u32(nla); break;
		case SABUF_A_OWNER_TID:		w->owner_tid = nla_u32(nla); break;
		case SABUF_A_OWNER_PID:		w->owner_pid = nla_u32(nla); break;
		case SABUF_A_OWNER_COMM:	decode_comm(r, nla, w->owner_comm); break;
		case SABUF_A_OWNER_DEAD:
			if (nla_payload_len(nla))
				nl_malformed(r, "SABUF_A_OWNER_DEAD is a flag, with no payload");
			w->owner_dead = true;
			break;
		}
	}
	if (rem)
		nl_malformed(r, "%d stray bytes in an owner", rem);
	/* id alone (none), id + dead, or id + tid + pid + comm (alive) */
	if (!(have & 1) || (w->owner_id && have != 0x10 + 1 && have != 0xf) ||
	    (!w->owner_id && have != 1))
		nl_malformed(r, "an owner with attributes 0x%x for id %u", have, w->owner_id);
}

static inline void decode_waiter(struct nl_reply *r, const struct nlattr *waiter)
{
	static const int allowed[] = {
		SABUF_A_PAD, SABUF_A_WAITER_OFFSET, SABUF_A_WAITER_TID, SABUF_A_WAITER_PID,
		SABUF_A_WAITER_KIND, SABUF_A_OWNER, 0,
	};
	struct nl_waiter w = { 0 };
	const struct nlattr *nla;
	unsigned int have = 0;
	int rem;

	nla_for_each(nla, (const struct nlattr *)nla_data(waiter), nla_payload_len(waiter), rem) {
		if (!sabuf_attr_ok(r, nla, "in a waiter", allowed) || nla_type(nla) == SABUF_A_PAD)
			continue;
		have |= 1u << (nla_type(nla) - SABUF_A_WAITER_OFFSET);
		switch (nla_type(nla)) {
		case SABUF_A_WAITER_OFFSET:	w.offset = nla_u64(nla); break;
		case SABUF_A_WAITER_TID:	w.tid = nla_u32(nla); break;
		case SABUF_A_WAITER_PID:	w.pid = nla_u32(nla); break;
		case SABUF_A_WAITER_KIND:	w.kind = nla_u32(nla); break;
		case SABUF_A_OWNER:		decode_owner(r, &w, nla); break;
		}
	}
	if (rem)
		nl_malformed(r, "%d stray bytes in a waiter", rem);
	if ((have & 0xf) != 0xf)
		nl_malformed(r, "a waiter without all of offset, tid, pid, kind");
	if (w.kind > SABUF_WAITER_KIND_ROBUST)
		nl_malformed(r, "a waiter of kind %u", w.kind);
	if (w.has_owner != (w.kind == SABUF_WAITER_KIND_ROBUST))
		nl_malformed(r, "an owner on a waiter of kind %u, or none on a robust one", w.kind);
	if (w.kind == SABUF_WAITER_KIND_ASYNC && w.tid)
		nl_malformed(r, "a waiter of kind %u with tid %u", w.kind, w.tid);
	if (r->nr_waiters < NL_MAX_WAITERS)
		r->waiters[r->nr_waiters] = w;
	r->nr_waiters++;
}

/* A message of a SABUF_CMD_HOLDERS_GET or _WAITERS_GET dump. */
static inline void decode_who(struct nl_reply *r, const struct nlmsghdr *nlh, uint8_t cmd)
{
	bool holders = cmd == SABUF_CMD_HOLDERS_GET;
	const int allowed[] = { holders ? SABUF_A_HOLDER : SABUF_A_WAITER, 0 };
	const struct nlattr *list, *nla;
	int rem;

	if (r->nr_msgs && cmd != r->cmd)
		r->mixed_cmds = true;
	r->cmd = cmd;
	r->nr_msgs++;
	list = decode_who_message(r, nlh, holders ? SABUF_A_HOLDERS : SABUF_A_WAITER_LIST);
	if (!list)
		return;
	nla_for_each(nla, (const struct nlattr *)nla_data(list), nla_payload_len(list), rem) {
		if (!sabuf_attr_ok(r, nla, "in a list", allowed))
			continue;
		if (holders)
			decode_holder(r, nla);
		else
			decode_waiter(r, nla);
	}
	if (rem)
		nl_malformed(r, "%d stray bytes in a list", rem);
}

static inline void decode_family(struct nl_reply *r, const struct nlmsghdr *nlh)
{
	const struct nlattr *nla, *op, *a;
	int len, rem, orem, arem;

	nla_for_each(nla, genl_attrs(nlh, &len), len, rem) {
		switch (nla_type(nla)) {
		case CTRL_ATTR_FAMILY_ID:
			r->family_id = *(const uint16_t *)nla_data(nla);
			break;
		case CTRL_ATTR_VERSION:
			r->family_version = nla_u32(nla);
			break;
		case CTRL_ATTR_OPS:
			nla_for_each(op, (const struct nlattr *)nla_data(nla), nla_payload_len(nla), orem) {
				uint32_t id = 0, flags = 0;

				nla_for_each(a, (const struct nlattr *)nla_data(op), nla_payload_len(op), arem) {
					if (nla_type(a) == CTRL_ATTR_OP_ID)
						id = nla_u32(a);
					else if (nla_type(a) == CTRL_ATTR_OP_FLAGS)
						flags = nla_u32(a);
				}
				if (id < sizeof(r->op_flags) / sizeof(r->op_flags[0]))
					r->op_flags[id] = flags;
			}
			break;
		}
	}
}

/* The extack attributes of an NLMSG_ERROR or NLMSG_DONE, @offset bytes into its payload. */
static inline void decode_extack(struct nl_reply *r, const struct nlmsghdr *nlh, size_t offset)
{
	const struct nlattr *nla;
	int len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)offset, rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		return;
	nla_for_each(nla, (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + offset), len, rem) {
		switch (nla_type(nla)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(r->msg, sizeof(r->msg), "%.*s", nla_payload_len(nla),
				 (const char *)nla_data(nla));
			r->has_msg = true;
			break;
		case NLMSGERR_ATTR_OFFS:
			r->offs = nla_u32(nla);
			r->has_offs = true;
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			r->miss_type = nla_u32(nla);
			r->has_miss_type = true;
			break;
		}
	}
}

/*
 * Receive one datagram of the answer to request nl_seq and decode it into r.
 * 1 when the answer is complete, 0 when more is to come, -errno on failure.
 */
static inline int nl_recv_step(int fd, uint16_t family, struct nl_reply *r, size_t size)
{
	char *buf = malloc(size);
	const struct nlmsghdr *nlh;
	int done = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	do
		n = recv(fd, buf, size, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		done = -errno;
		goto out;
	}
	for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
		if (nlh->nlmsg_seq != nl_seq) {
			nl_malformed(r, "a reply with seq %u, not %u", nlh->nlmsg_seq, nl_seq);
			continue;
		}
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			r->dump_intr = true;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);
			size_t offset = sizeof(*e);

			if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
				offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
			r->error = e->error;
			decode_extack(r, nlh, offset);
			r->acked = true;
			done = 1;
		} else if (nlh->nlmsg_type == NLMSG_DONE) {
			int error = 0;

			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
				memcpy(&error, NLMSG_DATA(nlh), sizeof(error));
			r->error = error;
			decode_extack(r, nlh, sizeof(int));
			r->acked = true;
			done = 1;
		} else if (nlh->nlmsg_type == GENL_ID_CTRL) {
			decode_family(r, nlh);
		} else if (nlh->nlmsg_type == family) {
			uint8_t cmd = ((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd;

			if (cmd == SABUF_CMD_HOLDERS_GET || cmd == SABUF_CMD_WAITERS_GET)
				decode_who(r, nlh, cmd);
			else
				decode_buffer(r, nlh);
		} else if (nlh->nlmsg_type != NLMSG_NOOP) {
			nl_malformed(r, "a reply of type %u", nlh->nlmsg_type);
		}
	}
out:
	free(buf);
	return done;
}

/* Send req and decode its whole answer into r (cleared first). 0 or -errno (local failure). */
static inline int nl_transact(int fd, struct nl_req *req, struct nl_reply *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = nl_send(fd, req);
	while (!ret)
		ret = nl_recv_step(fd, req->nlh.nlmsg_type, r, NL_RECV_SIZE);
	return ret < 0 ? ret : 0;
}

/* The family's id, or -ENOENT when it is not registered (or -errno). */
static inline int nl_resolve(int fd, struct nl_reply *r)
{
	struct nl_req req;
	int ret;

	nl_req_init(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	req.genl.version = 1;
	nl_req_put(&req, CTRL_ATTR_FAMILY_NAME, SABUF_GENL_NAME, sizeof(SABUF_GENL_NAME));
	ret = nl_transact(fd, &req, r);
	if (ret)
		return ret;
	if (r->error)
		return r->error;
	return r->family_id ? r->family_id : -EPROTO;
}

/* ---- requests of the sabuf family ---- */

static inline int nl_dump(int fd, uint16_t family, struct nl_reply *r)
{
	struct nl_req req;

	nl_req_init(&req, family, SABUF_CMD_GET, NLM_F_DUMP);
	return nl_transact(fd, &req, r);
}

static inline int nl_get(int fd, uint16_t family, uint8_t cmd, uint64_t id, struct nl_reply *r)
{
	struct nl_req req;

	nl_req_init(&req, family, cmd, NLM_F_ACK);
	nl_req_put_u64(&req, SABUF_A_ID, id);
	return nl_transact(fd, &req, r);
}

/* The whole dump of @cmd (SABUF_CMD_HOLDERS_GET, _WAITERS_GET) of buffer @id. */
static inline int nl_dump_who(int fd, uint16_t family, uint8_t cmd, uint64_t id,
			      struct nl_reply *r)
{
	struct nl_req req;

	nl_req_init(&req, family, cmd, NLM_F_DUMP);
	nl_req_put_u64(&req, SABUF_A_ID, id);
	return nl_transact(fd, &req, r);
}

static inline const struct nl_buffer *nl_find(const struct nl_reply *r, uint64_t id)
{
	for (unsigned int i = 0; i < r->nr; i++)
		if (r->bufs[i].id == id)
			return &r->bufs[i];
	return NULL;
}

/* The length of the queue of @offset in @b, 0 if it has none. */
static inline uint32_t nl_queue_length(const struct nl_buffer *b, uint64_t offset)
{
	for (unsigned int i = 0; i < b->nr_queues && i < NL_MAX_QUEUES; i++)
		if (b->queues[i].offset == offset)
			return b->queues[i].length;
	return 0;
}

#define SABUF_ALL_ATTRS							\
	((1u << SABUF_A_ID) | (1u << SABUF_A_BYTE_LENGTH) |		\
	 (1u << SABUF_A_CREATOR_PID) | (1u << SABUF_A_CREATOR_UID) |	\
	 (1u << SABUF_A_FDS) | (1u << SABUF_A_MAPPINGS) |		\
	 (1u << SABUF_A_WAITERS) | (1u << SABUF_A_WAITS) |		\
	 (1u << SABUF_A_NOTIFIES) | (1u << SABUF_A_CREATED_NS) | (1u << SABUF_A_MAX_BYTE_LENGTH) | \
	 (1u << SABUF_A_WAITERS_ANY) | (1u << SABUF_A_WAITERS_ASYNC))

/* ---- privileges ---- */

static inline int drop_to_test_user(void)
{
	if (setgroups(0, NULL) || setresgid(TEST_GID, TEST_GID, TEST_GID) ||
	    setresuid(TEST_UID, TEST_UID, TEST_UID))
		return -errno;
	return 0;
}

/* In a forked child: report a failed check on stderr (as a TAP comment) and exit non-zero. */
#define CHILD_CHECK(cond, fmt, ...) do {				\
	if (!(cond)) {							\
		fprintf(stderr, "# child, line %d: %s: " fmt "\n",	\
			__LINE__, #cond, ##__VA_ARGS__);		\
		_exit(1);						\
	}								\
} while (0)

/* Wait for a forked child: its exit status, or 128 + signal. */
static inline int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif /* SABUF_NL_CLIENT_H */
