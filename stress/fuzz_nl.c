// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_nl.c: the fuzzer's generic netlink requests to the "sabuf" family:
 * dumps and doits with valid, stale, random and malformed ids, wrong
 * attribute types and lengths, unknown commands and attributes, bad
 * versions, reserved bits, truncated and overlong messages, batches, and
 * hostile buffers for sendmsg/recvmsg. Replies are read partly or fully
 * (a dump left half-read, then the socket closed, is part of the game),
 * and every datagram that comes back must be well-formed.
 */
#include "fuzz.h"
#include "genl.h"

#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

int fz_nl_family(void)
{
	int sock = genl_open(), id;

	if (sock < 0)
		return sock;
	id = genl_family_id(sock, SABUF_GENL_NAME);
	close(sock);
	return id;
}

/* Every message of a datagram from the kernel must be well-formed. */
static void check_datagram(const char *buf, ssize_t n, uint16_t family)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	ssize_t left = n;

	while (left >= (ssize_t)NLMSG_HDRLEN) {
		if (nlh->nlmsg_len < NLMSG_HDRLEN || (ssize_t)nlh->nlmsg_len > left) {
			fz_fail("netlink: a reply's length %u overruns its %zd-byte datagram",
				nlh->nlmsg_len, left);
			return;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error > 0 ||
			    e->error < -4095)
				fz_fail("netlink: a malformed error message (len %u, error %d)",
					nlh->nlmsg_len, e->error);
		} else if (nlh->nlmsg_type == family && family) {
			if (genl_attrs(nlh, NULL, NULL))
				fz_fail("netlink: a reply of the sabuf family has malformed attributes");
		}
		fz_stats->nl_replies++;
		left -= NLMSG_ALIGN(nlh->nlmsg_len);
		nlh = (const struct nlmsghdr *)((const char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
	}
}

/* Some id to ask about: one of ours, a stale or foreign one, or nonsense. */
static uint64_t pick_id(struct fz_thread *t)
{
	struct fz_fd *f;
	uint64_t id = 0;

	if (rng_chance(&t->rng, 60)) {
		pthread_mutex_lock(&fz_lock);
		f = fz_fd_random(&t->rng, FD_SABUF);
		if (f && f->created)
			id = f->id;
		pthread_mutex_unlock(&fz_lock);
		if (id)
			return id;
	}
	switch (rng_below(&t->rng, 4)) {
	case 0: return 0;
	case 1: return UINT64_MAX;
	case 2: return rng_below(&t->rng, 64);
	default: return rng_next(&t->rng);
	}
}

static void put_random_attr(struct fz_thread *t, struct genl_req *r)
{
	struct rng *g = &t->rng;
	unsigned int k = (unsigned int)rng_below(g, 100);
	uint64_t id = pick_id(t), junk[4] = { rng_next(g), rng_next(g), rng_next(g), rng_next(g) };

	if (k < 60)
		genl_req_put(r, SABUF_A_ID, &id, 8);
	else if (k < 70)	/* the right type, the wrong length */
		genl_req_put(r, SABUF_A_ID, &id, (uint16_t)(rng_chance(g, 50) ? 4 : rng_below(g, 17)));
	else if (k < 80)	/* a reply-only or unknown attribute in a request */
		genl_req_put(r, (uint16_t)rng_range(g, SABUF_A_BYTE_LENGTH, SABUF_A_MAX + 5), junk,
			     (uint16_t)(rng_chance(g, 50) ? 4 : 8));
	else if (k < 85)
		genl_req_put(r, 0, junk, 8);
	else if (k < 90)
		genl_req_put(r, NLA_F_NESTED | SABUF_A_ID, &id, 8);
	else
		genl_req_put(r, (uint16_t)rng_next(g), junk, (uint16_t)rng_below(g, 33));
}

void op_netlink(struct fz_thread *t)
{
	static __thread char rbuf[65536] __attribute__((aligned(8)));
	static __thread uint32_t seq = 1;
	struct rng *g = &t->rng;
	unsigned int k = (unsigned int)rng_below(g, 100), i, nattrs, reads;
	uint16_t family, flags;
	uint8_t cmd, version;
	struct genl_req r;
	char msg[2 * sizeof(r)];
	size_t len;
	long ret;

	if (t->nl_sock >= 0 && k < 8) {
		fz_trace_op(t, "netlink: close the socket (perhaps mid-dump)");
		close(t->nl_sock);
		t->nl_sock = -1;
		return;
	}
	if (t->nl_sock < 0) {
		t->nl_sock = genl_open();
		if (t->nl_sock < 0) {
			fz_count(OP_NETLINK, t->nl_sock);
			t->nl_sock = -1;
			return;
		}
	}

	k = (unsigned int)rng_below(g, 100);
	family = fz_family > 0 && k < 90 ? (uint16_t)fz_family :
		 k < 95 ? GENL_ID_CTRL : (uint16_t)(rng_chance(g, 50) ? rng_below(g, 5) : 0xffff);
	k = (unsigned int)rng_below(g, 100);
	cmd = k < 30 ? SABUF_CMD_GET : k < 50 ? SABUF_CMD_QUEUES_GET :
	      k < 65 ? SABUF_CMD_HOLDERS_GET : k < 80 ? SABUF_CMD_WAITERS_GET : (uint8_t)rng_next(g);
	if (family == GENL_ID_CTRL)
		cmd = rng_chance(g, 80) ? CTRL_CMD_GETFAMILY : (uint8_t)rng_below(g, 16);
	flags = NLM_F_REQUEST;
	if (rng_chance(g, 5))
		flags = (uint16_t)rng_next(g);
	if (rng_chance(g, 40))
		flags |= NLM_F_DUMP;
	if (rng_chance(g, 50))
		flags |= NLM_F_ACK;
	if (rng_chance(g, 3))
		flags |= NLM_F_ECHO;
	version = rng_chance(g, 90) ? SABUF_GENL_VERSION : (uint8_t)rng_next(g);
	genl_req_init(&r, family, cmd, version, flags, ++seq);
	if (rng_chance(g, 5))	/* the genl header's reserved field */
		((struct genlmsghdr *)NLMSG_DATA(&r.nlh))->reserved = (uint16_t)rng_next(g);
	nattrs = (unsigned int)rng_below(g, 4);
	if (family == GENL_ID_CTRL && rng_chance(g, 70))
		genl_req_put(&r, CTRL_ATTR_FAMILY_NAME, SABUF_GENL_NAME, sizeof(SABUF_GENL_NAME));
	else
		for (i = 0; i < nattrs; i++)
			put_random_attr(t, &r);

	len = r.nlh.nlmsg_len;
	memcpy(msg, &r, len);
	k = (unsigned int)rng_below(g, 100);
	if (k < 5)		/* the header claims less than is sent */
		((struct nlmsghdr *)msg)->nlmsg_len = (uint32_t)rng_below(g, len);
	else if (k < 10)	/* ... or more */
		((struct nlmsghdr *)msg)->nlmsg_len = (uint32_t)(len + rng_range(g, 1, 64));
	else if (k < 20) {	/* two requests in one datagram */
		memcpy(msg + NLMSG_ALIGN(len), &r, len);
		len = NLMSG_ALIGN(len) + len;
	}

	fz_trace_op(t, "netlink: family %u cmd %u flags %#x version %u len %zu", family, cmd,
		    flags, version, len);
	fz_stats->nl_requests++;
	if (rng_chance(g, 5)) {
		bool good, locked;
		void *p = fz_pick_ptr(t, len, &good, &locked);
		struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

		if (good)
			memcpy(p, msg, len);
		ret = sendto(t->nl_sock, p, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
		if (locked)
			pthread_mutex_unlock(&fz_lock);
		ret = ret < 0 ? -errno : 0;
	} else {
		ret = genl_send(t->nl_sock, msg, len);
	}
	fz_count(OP_NETLINK, ret);
	if (ret)
		return;

	/* Read some or all of what comes back. */
	reads = rng_chance(g, 20) ? (unsigned int)rng_below(g, 2) : 64;
	for (i = 0; i < reads; i++) {
		struct pollfd pfd = { .fd = t->nl_sock, .events = POLLIN };
		bool done = false;
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			break;
		k = (unsigned int)rng_below(g, 100);
		if (k < 3) {
			bool good, locked;
			void *p = fz_pick_ptr(t, 256, &good, &locked);

			n = recv(t->nl_sock, p, 256, MSG_DONTWAIT);
			if (locked)
				pthread_mutex_unlock(&fz_lock);
			continue;	/* whatever it was, it is consumed or an error */
		}
		n = recv(t->nl_sock, rbuf, k < 8 ? 64 : sizeof(rbuf), MSG_DONTWAIT | (k < 8 ? MSG_TRUNC : 0));
		if (n < 0)
			continue;	/* EAGAIN, ENOBUFS (overrun), EINTR */
		if (k >= 8) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf;

			check_datagram(rbuf, n, fz_family > 0 ? (uint16_t)fz_family : 0);
			for (ssize_t left = n; left >= (ssize_t)NLMSG_HDRLEN && nlh->nlmsg_len >= NLMSG_HDRLEN &&
			     (ssize_t)nlh->nlmsg_len <= left; ) {
				if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
					done = true;
				left -= NLMSG_ALIGN(nlh->nlmsg_len);
				nlh = (const struct nlmsghdr *)((const char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
			}
		}
		if (done && rng_chance(g, 70))
			break;
	}
}

static void visible_buffer(const struct sabuf_nl_buffer *b, void *arg)
{
	uid_t uid = *(uid_t *)arg;

	if (b->creator_uid != uid)
		fz_fail("netlink: uid %u sees buffer %llu of uid %u", uid,
			(unsigned long long)b->id, b->creator_uid);
}

/* In a child that dropped root: netlink shows it its own buffers only. */
void fz_nl_check_visibility(struct fz_thread *t)
{
	struct sabuf_nl_buffer b;
	int sock = genl_open(), family = fz_family, ret;

	if (sock < 0 || family <= 0) {
		if (sock >= 0)
			close(sock);
		return;
	}
	ret = sabuf_nl_dump(sock, family, visible_buffer, &t->uid);
	if (ret < 0)
		fz_fail("netlink dump as uid %u: %s", t->uid, strerror(-ret));
	/* Every id the parent knew (most of them root's): visible only if ours. */
	for (unsigned int i = 0; i < fz_nr_fds; i++) {
		if (!fz_fds[i].created)
			continue;
		ret = sabuf_nl_get(sock, family, fz_fds[i].id, rng_chance(&t->rng, 50), &b);
		if (!ret && b.creator_uid != t->uid)
			fz_fail("netlink: uid %u can GET buffer %llu of uid %u", t->uid,
				(unsigned long long)b.id, b.creator_uid);
		else if (ret && ret != -ENOENT)
			fz_fail("netlink GET as uid %u: %s", t->uid, strerror(-ret));
	}
	close(sock);
}
