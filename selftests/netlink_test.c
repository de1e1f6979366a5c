// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "sabuf" (uapi/linux/sabuf_netlink.h), and the
 * sabuf(8) command line tool built on it.
 *
 * The family is spoken here with raw netlink sockets (nl_client.h), so
 * that requests can be malformed on purpose and replies are checked byte
 * for byte against the ABI. who_test.c has who holds and who waits.
 *
 *  - fixture "nl": what a buffer looks like in a dump and a GET, its
 *    waited-on queues, its end; one test per rejected request; dumps
 *    interrupted by buffers coming and going; what an unprivileged caller
 *    may see (those tests fork a child that drops to uid 1000, so they need
 *    root and SKIP otherwise).
 *  - fixture "cli": runs `sabuf` (found on PATH, or $SABUF_CLI) and checks
 *    its JSON, text and exit codes; SKIPs when the tool is not installed.
 *
 * Everything SKIPs when the family is not registered (module not loaded).
 * The tests with hundreds of buffers or waiters get 120 s instead of the
 * harness's 30 (TCG, and later the debug kernel, are slow). The requests
 * with a wrongly sized attribute make the kernel log one rate-limited
 * "netlink: ... attribute type 2 has an invalid length." line: expected.
 */
#include "cli_run.h"
#include "nl_client.h"

#include <ctype.h>

/* ======================================================================
 * fixture nl: the family itself
 * ====================================================================== */

FIXTURE(nl) {
	int fd;
	uint16_t family;
	struct nl_reply *r;
};

FIXTURE_SETUP(nl)
{
	int ret;

	self->r = nl_reply_new();
	ASSERT_NE(NULL, self->r);
	self->fd = nl_socket(true);
	ASSERT_LE(0, self->fd) TH_LOG("netlink socket: %s", strerror(-self->fd));
	ret = nl_resolve(self->fd, self->r);
	if (ret == -ENOENT)
		SKIP(return, "generic netlink family '%s' not registered: is the sabuf module loaded?",
		     SABUF_GENL_NAME);
	ASSERT_LT(0, ret) TH_LOG("resolving '%s': %s", SABUF_GENL_NAME, strerror(-ret));
	self->family = ret;
}

FIXTURE_TEARDOWN(nl)
{
	if (self->fd >= 0)
		close(self->fd);
	free(self->r);
}

/* The controller describes the family as the header does. */
TEST_F(nl, family_describes_its_operations)
{
	struct nl_reply *r = self->r;

	ASSERT_LT(0, nl_resolve(self->fd, r));
	EXPECT_EQ((uint32_t)SABUF_GENL_VERSION, r->family_version);
	EXPECT_EQ((uint32_t)(GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP),
		  r->op_flags[SABUF_CMD_GET] & (GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP));
	EXPECT_EQ((uint32_t)(GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP),
		  r->op_flags[SABUF_CMD_QUEUES_GET] & (GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP));
	EXPECT_NE(0u, r->op_flags[SABUF_CMD_GET] & GENL_CMD_CAP_HASPOL);
	EXPECT_NE(0u, r->op_flags[SABUF_CMD_QUEUES_GET] & GENL_CMD_CAP_HASPOL);
	EXPECT_EQ(0u, r->op_flags[SABUF_CMD_MAX + 1]);
}

/* A buffer this process created is in the dump, described exactly. */
TEST_F(nl, dump_lists_own_buffer)
{
	int64_t before = sabuf_t_now(CLOCK_REALTIME), after;
	struct nl_reply *r = self->r;
	const struct nl_buffer *b;
	struct sabuf_t_buf buf;

	SABUF_T_BUF_NEW(&buf, 12345);
	after = sabuf_t_now(CLOCK_REALTIME);
	ASSERT_EQ(0, nl_dump(self->fd, self->family, r));
	ASSERT_EQ(0, r->error);
	EXPECT_STREQ("", r->malformed);
	EXPECT_FALSE(r->mixed_cmds);
	EXPECT_EQ(SABUF_CMD_GET, r->cmd);
	b = nl_find(r, buf.info.id);
	ASSERT_NE(NULL, b) TH_LOG("buffer %llu not in a dump of %u",
				  (unsigned long long)buf.info.id, r->nr);
	EXPECT_EQ(SABUF_ALL_ATTRS, b->have);
	EXPECT_FALSE(b->has_queues);
	EXPECT_EQ(12345ull, b->byte_length);
	EXPECT_EQ((uint32_t)getpid(), b->pid);
	EXPECT_EQ((uint32_t)getuid(), b->uid);
	EXPECT_EQ(1u, b->fds);
	EXPECT_EQ(2u, b->mappings);	/* data and counters */
	EXPECT_EQ(0u, b->waiters);
	EXPECT_EQ(0ull, b->waits);
	EXPECT_EQ(0ull, b->notifies);
	EXPECT_LE((uint64_t)before, b->created_ns);
	EXPECT_GE((uint64_t)after, b->created_ns);
	sabuf_t_buf_free(&buf);
}

/* GET by id answers with exactly that buffer, in one message. */
TEST_F(nl, get_by_id)
{
	struct nl_reply *r = self->r;
	const struct nl_buffer *b;
	struct sabuf_t_buf buf, other;

	SABUF_T_BUF_NEW(&buf, 3 * 4096);
	SABUF_T_BUF_NEW(&other, 100);
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, buf.info.id, r));
	ASSERT_EQ(0, r->error) TH_LOG("GET: %s (%s)", strerror(-r->error), r->msg);
	ASSERT_TRUE(r->acked);
	EXPECT_STREQ("", r->malformed);
	ASSERT_EQ(1u, r->nr_msgs);
	EXPECT_EQ(SABUF_CMD_GET, r->cmd);
	b = &r->bufs[0];
	EXPECT_EQ(SABUF_ALL_ATTRS, b->have);
	EXPECT_FALSE(b->has_queues);
	EXPECT_EQ(buf.info.id, b->id);
	EXPECT_EQ(3ull * 4096, b->byte_length);
	EXPECT_EQ((uint32_t)getpid(), b->pid);
	EXPECT_EQ((uint32_t)getuid(), b->uid);
	sabuf_t_buf_free(&other);
	sabuf_t_buf_free(&buf);
}

/* Ids ascend in creation order, along the dump, and are never reused. */
TEST_F(nl, ids_ascend_and_are_never_reused)
{
	struct nl_reply *r = self->r;
	struct sabuf_t_buf a, b, c;
	uint64_t gone_id;

	SABUF_T_BUF_NEW(&a, 8);
	SABUF_T_BUF_NEW(&b, 8);
	EXPECT_LT(a.info.id, b.info.id);
	gone_id = b.info.id;
	sabuf_t_buf_free(&b);
	SABUF_T_BUF_NEW(&c, 8);
	EXPECT_LT(gone_id, c.info.id);

	ASSERT_EQ(0, nl_dump(self->fd, self->family, r));
	ASSERT_EQ(0, r->error);
	for (unsigned int i = 1; i < r->nr; i++)
		EXPECT_LT(r->bufs[i - 1].id, r->bufs[i].id);
	EXPECT_NE(NULL, nl_find(r, a.info.id));
	EXPECT_EQ(NULL, nl_find(r, gone_id));
	EXPECT_NE(NULL, nl_find(r, c.info.id));
	sabuf_t_buf_free(&c);
	sabuf_t_buf_free(&a);
}

/* Start n waiter threads on offset, each queued before the next starts. */
static int start_waiters(struct sabuf_t_buf *buf, struct sabuf_t_waiter *wt, int n,
			 unsigned int size, uint64_t offset)
{
	for (int i = 0; i < n; i++) {
		int ret;

		memset(&wt[i], 0, sizeof(wt[i]));
		wt[i].fd = buf->fd;
		wt[i].args = sabuf_t_wait_args(size, offset, 0, -1);
		ret = sabuf_t_waiter_start_queued(buf, &wt[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* While 3 threads wait on offset 8 and 1 on offset 16, QUEUES_GET says exactly that. */
TEST_F(nl, queues_get_reports_waiters)
{
	struct sabuf_t_waiter at8[3], at16[1];
	struct nl_reply *r = self->r;
	const struct nl_buffer *b;
	struct sabuf_t_buf buf;

	SABUF_T_BUF_NEW(&buf, 4096);
	ASSERT_EQ(0, start_waiters(&buf, at8, 3, 4, 8));
	ASSERT_EQ(0, start_waiters(&buf, at16, 1, 4, 16));

	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_QUEUES_GET, buf.info.id, r));
	ASSERT_EQ(0, r->error) TH_LOG("QUEUES_GET: %s (%s)", strerror(-r->error), r->msg);
	EXPECT_STREQ("", r->malformed);
	ASSERT_EQ(1u, r->nr_msgs);
	EXPECT_EQ(SABUF_CMD_QUEUES_GET, r->cmd);
	b = &r->bufs[0];
	EXPECT_EQ(buf.info.id, b->id);
	EXPECT_EQ(SABUF_ALL_ATTRS, b->have & SABUF_ALL_ATTRS);
	EXPECT_EQ(4u, b->waiters);
	EXPECT_EQ(4ull, b->waits);
	ASSERT_TRUE(b->has_queues);
	ASSERT_EQ(2u, b->nr_queues);
	EXPECT_EQ(3u, nl_queue_length(b, 8));
	EXPECT_EQ(1u, nl_queue_length(b, 16));

	/* GET alone does not list queues; the dump agrees on the count. */
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, buf.info.id, r));
	ASSERT_EQ(0, r->error);
	EXPECT_FALSE(r->bufs[0].has_queues);
	EXPECT_EQ(4u, r->bufs[0].waiters);

	EXPECT_EQ(3, sabuf_t_notify(buf.fd, 8, SABUF_NOTIFY_ALL));
	EXPECT_EQ(1, sabuf_t_notify(buf.fd, 16, SABUF_NOTIFY_ALL));
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(0, sabuf_t_waiter_join(&at8[i]));
	EXPECT_EQ(0, sabuf_t_waiter_join(&at16[0]));

	/* Nobody waits any more: an empty list of queues. */
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_QUEUES_GET, buf.info.id, r));
	ASSERT_EQ(0, r->error);
	b = &r->bufs[0];
	EXPECT_EQ(0u, b->waiters);
	EXPECT_EQ(0u, b->nr_queues);
	EXPECT_EQ(4ull, b->waits);
	EXPECT_EQ(2ull, b->notifies);
	sabuf_t_buf_free(&buf);
}

/* A thread in SABUF_IOC_WAIT_ANY on two words of one buffer. */
struct any_waiter {
	struct sabuf_wait_any_item items[2];
	struct sabuf_wait_any args;
	int fd, ret;
	pthread_t thread;
};

static void *any_waiter_main(void *arg)
{
	struct any_waiter *w = arg;

	w->ret = sabuf_t_ioctl(w->fd, SABUF_IOC_WAIT_ANY, &w->args);
	return NULL;
}

/* Every kind of waiter is counted, and async and wait-any ones apart as well. */
TEST_F(nl, waiter_kinds_are_counted)
{
	struct sabuf_t_waiter plain[1];
	struct nl_reply *r = self->r;
	struct any_waiter any = { 0 };
	struct sabuf_waitset_create wc = { 0 };
	struct sabuf_waitset_add add = { .tag = 1 };
	const struct nl_buffer *b;
	struct sabuf_t_buf buf;
	int ws;

	SABUF_T_BUF_NEW(&buf, 4096);
	ASSERT_EQ(0, start_waiters(&buf, plain, 1, 4, 0));
	ws = sabuf_t_ioctl(buf.fd, SABUF_IOC_WAITSET_CREATE, &wc);
	ASSERT_LE(0, ws);
	add.fd = buf.fd;
	add.wait = sabuf_t_wait_args(4, 0, 0, -1);
	ASSERT_EQ(0, sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &add));
	add.wait.offset = 4;
	ASSERT_EQ(0, sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &add));
	any.fd = buf.fd;
	for (int i = 0; i < 2; i++)
		any.items[i] = (struct sabuf_wait_any_item){
			.fd = buf.fd, .flags = SABUF_WAIT_SIZE_U32, .offset = 8 + 4 * i,
		};
	any.args = (struct sabuf_wait_any){
		.items = (uintptr_t)any.items, .count = 2, .timeout_ns = -1,
		.clockid = CLOCK_MONOTONIC,
	};
	ASSERT_EQ(0, pthread_create(&any.thread, NULL, any_waiter_main, &any));
	ASSERT_TRUE(SABUF_T_EVENTUALLY(sabuf_t_counter(&buf, 12) == 1));

	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_QUEUES_GET, buf.info.id, r));
	ASSERT_EQ(0, r->error);
	b = &r->bufs[0];
	EXPECT_EQ(5u, b->waiters);
	EXPECT_EQ(2u, b->waiters_any);
	EXPECT_EQ(2u, b->waiters_async);
	EXPECT_EQ(4u, b->nr_queues);
	EXPECT_EQ(2u, nl_queue_length(b, 0));

	EXPECT_EQ(1, sabuf_t_notify(buf.fd, 12, 1));
	pthread_join(any.thread, NULL);
	EXPECT_EQ(1, any.ret);
	close(ws);
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, buf.info.id, r));
	b = &r->bufs[0];
	EXPECT_EQ(1u, b->waiters);
	EXPECT_EQ(0u, b->waiters_any);
	EXPECT_EQ(0u, b->waiters_async);
	EXPECT_EQ(1, sabuf_t_notify(buf.fd, 0, 1));
	EXPECT_EQ(0, sabuf_t_waiter_join(&plain[0]));
	sabuf_t_buf_free(&buf);
}

/*
 * Many waiters, each on its own offset (0, 4, 8, ...): more queues than fit
 * in an 8 KiB netlink message. Started all at once; ready when the kernel
 * counts them all. 0 or -errno.
 */
#define MANY_QUEUES 400

static int start_many_waiters(int nl_fd, uint16_t family, struct nl_reply *r,
			      struct sabuf_t_buf *buf, struct sabuf_t_waiter *wt)
{
	for (int i = 0; i < MANY_QUEUES; i++) {
		pid_t tid;

		memset(&wt[i], 0, sizeof(wt[i]));
		wt[i].fd = buf->fd;
		wt[i].args = sabuf_t_wait_args(4, 4 * i, 0, -1);
		tid = sabuf_t_waiter_start(&wt[i]);
		if (tid < 0)
			return tid;
	}
	if (!SABUF_T_EVENTUALLY(nl_get(nl_fd, family, SABUF_CMD_GET, buf->info.id, r) == 0 &&
				r->nr == 1 && r->bufs[0].waiters == MANY_QUEUES))
		return -ETIMEDOUT;
	return 0;
}

static void stop_many_waiters(struct __test_metadata *_metadata, struct sabuf_t_buf *buf,
			      struct sabuf_t_waiter *wt)
{
	for (int i = 0; i < MANY_QUEUES; i++)
		EXPECT_EQ(1, sabuf_t_notify(buf->fd, 4 * i, SABUF_NOTIFY_ALL));
	for (int i = 0; i < MANY_QUEUES; i++)
		EXPECT_EQ(0, sabuf_t_waiter_join(&wt[i]));
}

/*
 * More queues than a doit reply holds (256): the doit says EMSGSIZE with a
 * message (ABI 1 sent a corrupt nest past ~2730); the dump lists them all.
 */
TEST_F_TIMEOUT(nl, queues_get_hundreds_of_queues, 120)
{
	struct sabuf_t_waiter *wt = calloc(MANY_QUEUES, sizeof(*wt));
	struct nl_reply *r = self->r;
	struct sabuf_t_buf buf;
	unsigned int total = 0;
	struct nl_req req;

	ASSERT_NE(NULL, wt);
	SABUF_T_BUF_NEW(&buf, 4096);
	ASSERT_EQ(0, start_many_waiters(self->fd, self->family, r, &buf, wt));
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_QUEUES_GET, buf.info.id, r));
	EXPECT_EQ(-EMSGSIZE, r->error);
	EXPECT_TRUE(r->has_msg && strstr(r->msg, "dump")) TH_LOG("extack: %s", r->msg);

	nl_req_init(&req, self->family, SABUF_CMD_QUEUES_GET, NLM_F_DUMP);
	nl_req_put_u64(&req, SABUF_A_ID, buf.info.id);
	ASSERT_EQ(0, nl_transact(self->fd, &req, r));
	ASSERT_EQ(0, r->error) TH_LOG("QUEUES_GET dump: %s (%s)", strerror(-r->error), r->msg);
	EXPECT_STREQ("", r->malformed);
	EXPECT_FALSE(r->mixed_cmds);
	EXPECT_EQ(SABUF_CMD_QUEUES_GET, r->cmd);
	for (unsigned int m = 0; m < r->nr; m++) {
		EXPECT_EQ(buf.info.id, r->bufs[m].id);
		total += r->bufs[m].nr_queues;
		for (unsigned int i = 0; i < r->bufs[m].nr_queues && i < NL_MAX_QUEUES; i++)
			EXPECT_EQ(1u, r->bufs[m].queues[i].length);
	}
	EXPECT_EQ((unsigned int)MANY_QUEUES, total);
	stop_many_waiters(_metadata, &buf, wt);
	sabuf_t_buf_free(&buf);
	free(wt);
}

/* 32-bit and 64-bit waiters at one offset are one queue. */
TEST_F(nl, queues_get_mixed_widths_share_a_queue)
{
	struct sabuf_t_waiter w32[2], w64[1];
	struct nl_reply *r = self->r;
	struct sabuf_t_buf buf;

	SABUF_T_BUF_NEW(&buf, 4096);
	ASSERT_EQ(0, start_waiters(&buf, w32, 2, 4, 64));
	ASSERT_EQ(0, start_waiters(&buf, w64, 1, 8, 64));
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_QUEUES_GET, buf.info.id, r));
	ASSERT_EQ(0, r->error);
	EXPECT_STREQ("", r->malformed);
	ASSERT_EQ(1u, r->bufs[0].nr_queues);
	EXPECT_EQ(3u, nl_queue_length(&r->bufs[0], 64));
	EXPECT_EQ(3, sabuf_t_notify(buf.fd, 64, SABUF_NOTIFY_ALL));
	for (int i = 0; i < 2; i++)
		EXPECT_EQ(0, sabuf_t_waiter_join(&w32[i]));
	EXPECT_EQ(0, sabuf_t_waiter_join(&w64[0]));
	sabuf_t_buf_free(&buf);
}

/* Waits that return at once (not equal) and notifies of nobody are counted too. */
TEST_F(nl, counts_waits_and_notifies)
{
	struct nl_reply *r = self->r;
	struct sabuf_t_buf buf;

	SABUF_T_BUF_NEW(&buf, 4096);
	*sabuf_t_u32(&buf, 0) = 1;
	EXPECT_EQ(-EAGAIN, sabuf_t_wait32(buf.fd, 0, 0, -1));
	EXPECT_EQ(-EAGAIN, sabuf_t_wait32(buf.fd, 0, 7, -1));
	EXPECT_EQ(0, sabuf_t_notify(buf.fd, 0, 1));
	EXPECT_EQ(0, sabuf_t_notify(buf.fd, 4, 1));
	EXPECT_EQ(0, sabuf_t_notify(buf.fd, 8, SABUF_NOTIFY_ALL));
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, buf.info.id, r));
	ASSERT_EQ(0, r->error);
	EXPECT_EQ(2ull, r->bufs[0].waits);
	EXPECT_EQ(3ull, r->bufs[0].notifies);
	sabuf_t_buf_free(&buf);
}

/* FDS and MAPS follow dup, munmap and close; a mapping alone keeps the buffer listed. */
TEST_F(nl, fds_and_mappings_follow_the_buffer)
{
	struct nl_reply *r = self->r;
	struct sabuf_t_buf buf;
	uint64_t id;
	void *data;
	int fd2;

	SABUF_T_BUF_NEW(&buf, 4096);
	id = buf.info.id;
	fd2 = dup(buf.fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, id, r));
	ASSERT_EQ(0, r->error);
	EXPECT_EQ(2u, r->bufs[0].fds);
	EXPECT_EQ(2u, r->bufs[0].mappings);

	munmap((void *)buf.counters, buf.info.counters_length);
	buf.counters = NULL;
	close(fd2);
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, id, r));
	ASSERT_EQ(0, r->error);
	EXPECT_EQ(1u, r->bufs[0].fds);
	EXPECT_EQ(1u, r->bufs[0].mappings);

	/* No fd left, one mapping: still alive, still listed. */
	data = buf.data;
	buf.data = NULL;
	sabuf_t_buf_free(&buf);
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, id, r));
	ASSERT_EQ(0, r->error) TH_LOG("a mapped buffer must stay: %s", strerror(-r->error));
	EXPECT_EQ(0u, r->bufs[0].fds);
	EXPECT_EQ(1u, r->bufs[0].mappings);

	munmap(data, 4096);
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, id, r));
	EXPECT_EQ(-ENOENT, r->error);
}

/* After close (and unmap) the buffer is gone: GET and QUEUES_GET say ENOENT, the dump omits it. */
TEST_F(nl, gone_after_close)
{
	struct nl_reply *r = self->r;
	struct sabuf_t_buf buf;
	uint64_t id;

	SABUF_T_BUF_NEW(&buf, 4096);
	id = buf.info.id;
	sabuf_t_buf_free(&buf);

	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, id, r));
	EXPECT_EQ(-ENOENT, r->error);
	EXPECT_EQ(0u, r->nr_msgs);
	EXPECT_TRUE(r->has_msg) TH_LOG("ENOENT without an extack message");
	EXPECT_TRUE(r->has_offs) TH_LOG("ENOENT without pointing at SABUF_A_ID");
	TH_LOG("kernel says: \"%s\"", r->msg);

	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_QUEUES_GET, id, r));
	EXPECT_EQ(-ENOENT, r->error);

	ASSERT_EQ(0, nl_dump(self->fd, self->family, r));
	ASSERT_EQ(0, r->error);
	EXPECT_EQ(NULL, nl_find(r, id));
}

TEST_F(nl, get_id_zero_enoent)
{
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, 0, self->r));
	EXPECT_EQ(-ENOENT, self->r->error);
}

TEST_F(nl, get_id_never_used_enoent)
{
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_QUEUES_GET, UINT64_MAX, self->r));
	EXPECT_EQ(-ENOENT, self->r->error);
}

/* ---- malformed requests: each rejected, with its reason ---- */

/* A request of cmd with SABUF_A_ID = an existing buffer's id, then attribute @type of @len bytes. */
static void send_get_with(struct __test_metadata *_metadata, FIXTURE_DATA(nl) *self,
			  uint8_t cmd, uint16_t flags, bool with_id, uint16_t type,
			  const void *data, uint16_t len)
{
	struct sabuf_t_buf buf;
	struct nl_req req;

	SABUF_T_BUF_NEW(&buf, 4096);
	nl_req_init(&req, self->family, cmd, flags);
	if (with_id)
		nl_req_put_u64(&req, SABUF_A_ID, buf.info.id);
	if (type)
		nl_req_put(&req, type, data, len);
	ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
	sabuf_t_buf_free(&buf);
}

static void expect_einval_with_message(struct __test_metadata *_metadata, const struct nl_reply *r)
{
	EXPECT_EQ(-EINVAL, r->error) TH_LOG("got %d (%s)", r->error, strerror(-r->error));
	EXPECT_EQ(0u, r->nr_msgs);
	EXPECT_TRUE(r->has_msg) TH_LOG("EINVAL without an extack message");
	TH_LOG("kernel says: \"%s\"", r->msg);
}

TEST_F(nl, get_unknown_attribute_5_einval)
{
	uint32_t v = 0;

	send_get_with(_metadata, self, SABUF_CMD_GET, NLM_F_ACK, true, 5, &v, sizeof(v));
	expect_einval_with_message(_metadata, self->r);
	EXPECT_TRUE(self->r->has_offs);
}

TEST_F(nl, get_unknown_attribute_100_einval)
{
	uint64_t v = 0;

	send_get_with(_metadata, self, SABUF_CMD_GET, NLM_F_ACK, true, 100, &v, sizeof(v));
	expect_einval_with_message(_metadata, self->r);
}

TEST_F(nl, queues_get_unknown_attribute_einval)
{
	uint64_t v = 0;

	send_get_with(_metadata, self, SABUF_CMD_QUEUES_GET, NLM_F_ACK, true,
		      SABUF_A_QUEUE_OFFSET, &v, sizeof(v));
	expect_einval_with_message(_metadata, self->r);
}

/* SABUF_A_PAD is for replies; a request has no use for it. */
TEST_F(nl, get_pad_attribute_einval)
{
	uint32_t v = 0;

	send_get_with(_metadata, self, SABUF_CMD_GET, NLM_F_ACK, true, SABUF_A_PAD, &v, sizeof(v));
	expect_einval_with_message(_metadata, self->r);
}

/* Dumps are validated as strictly as doits. */
TEST_F(nl, dump_unknown_attribute_einval)
{
	uint32_t v = 0;

	send_get_with(_metadata, self, SABUF_CMD_GET, NLM_F_DUMP, false, 5, &v, sizeof(v));
	expect_einval_with_message(_metadata, self->r);
}

TEST_F(nl, get_id_as_u32_einval)
{
	struct nl_req req;
	uint32_t id32;
	struct sabuf_t_buf buf;

	SABUF_T_BUF_NEW(&buf, 4096);
	id32 = (uint32_t)buf.info.id;
	nl_req_init(&req, self->family, SABUF_CMD_GET, NLM_F_ACK);
	nl_req_put(&req, SABUF_A_ID, &id32, sizeof(id32));
	ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
	expect_einval_with_message(_metadata, self->r);
	sabuf_t_buf_free(&buf);
}

TEST_F(nl, get_id_of_twelve_bytes_einval)
{
	uint8_t id[12] = { 1 };
	struct nl_req req;

	nl_req_init(&req, self->family, SABUF_CMD_QUEUES_GET, NLM_F_ACK);
	nl_req_put(&req, SABUF_A_ID, id, sizeof(id));
	ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
	expect_einval_with_message(_metadata, self->r);
}

/* An attribute header that claims more bytes than the message has. */
TEST_F(nl, get_truncated_attribute_einval)
{
	struct nl_req req;
	struct nlattr *nla;

	nl_req_init(&req, self->family, SABUF_CMD_GET, NLM_F_ACK);
	nl_req_put_u64(&req, SABUF_A_ID, 1);
	nla = (struct nlattr *)((char *)&req + NLMSG_LENGTH(GENL_HDRLEN));
	nla->nla_len += 8;
	ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
	EXPECT_EQ(-EINVAL, self->r->error);
	EXPECT_EQ(0u, self->r->nr_msgs);
}

static void expect_missing_id(struct __test_metadata *_metadata, const struct nl_reply *r)
{
	expect_einval_with_message(_metadata, r);
	EXPECT_TRUE(r->has_miss_type) TH_LOG("no NLMSGERR_ATTR_MISS_TYPE");
	EXPECT_EQ((uint32_t)SABUF_A_ID, r->miss_type);
}

TEST_F(nl, get_missing_id_einval)
{
	send_get_with(_metadata, self, SABUF_CMD_GET, NLM_F_ACK, false, 0, NULL, 0);
	expect_missing_id(_metadata, self->r);
}

TEST_F(nl, queues_get_missing_id_einval)
{
	send_get_with(_metadata, self, SABUF_CMD_QUEUES_GET, NLM_F_ACK, false, 0, NULL, 0);
	expect_missing_id(_metadata, self->r);
}

TEST_F(nl, unknown_commands_eopnotsupp)
{
	static const uint8_t cmds[] = { SABUF_CMD_UNSPEC, SABUF_CMD_MAX + 1, 200 };
	struct nl_req req;

	for (unsigned int i = 0; i < sizeof(cmds); i++) {
		nl_req_init(&req, self->family, cmds[i], NLM_F_ACK);
		nl_req_put_u64(&req, SABUF_A_ID, 1);
		ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
		EXPECT_EQ(-EOPNOTSUPP, self->r->error) TH_LOG("cmd %u", cmds[i]);
	}
}

/* QUEUES_GET's dump is of one buffer: without SABUF_A_ID it is refused. */
TEST_F(nl, queues_get_dump_without_id_einval)
{
	struct nl_req req;

	nl_req_init(&req, self->family, SABUF_CMD_QUEUES_GET, NLM_F_DUMP);
	ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
	EXPECT_EQ(-EINVAL, self->r->error);
	EXPECT_TRUE(self->r->has_msg && strstr(self->r->msg, "SABUF_A_ID"))
		TH_LOG("extack: %s", self->r->msg);
}

/* A new family validates the genetlink header's reserved field too. */
TEST_F(nl, get_reserved_header_field_einval)
{
	struct sabuf_t_buf buf;
	struct nl_req req;

	SABUF_T_BUF_NEW(&buf, 4096);
	nl_req_init(&req, self->family, SABUF_CMD_GET, NLM_F_ACK);
	req.genl.reserved = 1;
	nl_req_put_u64(&req, SABUF_A_ID, buf.info.id);
	ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
	EXPECT_EQ(-EINVAL, self->r->error)
		TH_LOG("genlmsghdr.reserved = 1 accepted: is resv_start_op 0 (validate every op)?");
	sabuf_t_buf_free(&buf);
}

/* Without NETLINK_EXT_ACK the errors are the same, just without messages. */
TEST_F(nl, errors_without_ext_ack)
{
	struct nl_req req;
	int fd = nl_socket(false);

	ASSERT_LE(0, fd);
	nl_req_init(&req, self->family, SABUF_CMD_GET, NLM_F_ACK);
	ASSERT_EQ(0, nl_transact(fd, &req, self->r));
	EXPECT_EQ(-EINVAL, self->r->error);
	EXPECT_FALSE(self->r->has_msg);
	nl_req_put_u64(&req, SABUF_A_ID, UINT64_MAX);
	ASSERT_EQ(0, nl_transact(fd, &req, self->r));
	EXPECT_EQ(-ENOENT, self->r->error);
	close(fd);
}

/* ---- dumps interrupted by buffers coming and going ---- */

/*
 * A dump of many buffers comes in several parts; the kernel makes the next
 * part while we receive the previous one. A buffer created after the first
 * part was received changes the registry under the dump, so a later part
 * must carry NLM_F_DUMP_INTR. Small receive buffers keep the parts small.
 */
TEST_F_TIMEOUT(nl, dump_reports_interruption, 120)
{
	enum { N = 200, RECV_SIZE = 4096 };
	struct nl_reply *r = self->r;
	struct sabuf_t_buf extra;
	struct nl_req req;
	int fds[N], fd, ret, parts = 0;

	for (int i = 0; i < N; i++) {
		SABUF_T_OPEN_OR_SKIP(fds[i]);
		ASSERT_EQ(0, sabuf_t_create(fds[i], 64)) TH_LOG("buffer %d", i);
	}
	/* A fresh socket: its dump parts are sized by its (small) receive calls. */
	fd = nl_socket(true);
	ASSERT_LE(0, fd);
	memset(r, 0, sizeof(*r));
	nl_req_init(&req, self->family, SABUF_CMD_GET, NLM_F_DUMP);
	ASSERT_EQ(0, nl_send(fd, &req));
	ret = nl_recv_step(fd, self->family, r, RECV_SIZE);
	ASSERT_EQ(0, ret) TH_LOG("the dump of %d buffers fit in one part", N);
	parts++;
	EXPECT_FALSE(r->dump_intr);

	SABUF_T_BUF_NEW(&extra, 64);
	while ((ret = nl_recv_step(fd, self->family, r, RECV_SIZE)) == 0)
		parts++;
	ASSERT_EQ(1, ret);
	EXPECT_EQ(0, r->error);
	EXPECT_STREQ("", r->malformed);
	TH_LOG("%u buffers in %d parts", r->nr, parts + 1);
	ASSERT_LE(3, parts + 1) TH_LOG("too few parts to see an interruption");
	EXPECT_TRUE(r->dump_intr) TH_LOG("a buffer came mid-dump without NLM_F_DUMP_INTR");

	/* A dump that nothing disturbs is not flagged. */
	ASSERT_EQ(0, nl_dump(fd, self->family, r));
	EXPECT_FALSE(r->dump_intr);
	EXPECT_LE((unsigned int)N + 1, r->nr);

	close(fd);
	sabuf_t_buf_free(&extra);
	for (int i = 0; i < N; i++)
		close(fds[i]);
}

/* A thread that creates and closes buffers until told to stop. */
struct churn {
	pthread_t thread;
	int stop;		/* __atomic */
	unsigned long rounds;	/* __atomic */
};

static void *churn_main(void *arg)
{
	struct churn *ch = arg;

	while (!__atomic_load_n(&ch->stop, __ATOMIC_SEQ_CST)) {
		int fd = sabuf_t_open();

		if (fd < 0)
			break;
		sabuf_t_create(fd, 64);
		close(fd);
		__atomic_fetch_add(&ch->rounds, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static int churn_start(struct churn *ch)
{
	memset(ch, 0, sizeof(*ch));
	return -pthread_create(&ch->thread, NULL, churn_main, ch);
}

static unsigned long churn_stop(struct churn *ch)
{
	__atomic_store_n(&ch->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(ch->thread, NULL);
	return ch->rounds;
}

enum { STABLE = 300 };

/* STABLE buffers that live through a test; their ids in ids[]. 0 or -errno. */
static int create_stable(int *fds, uint64_t *ids)
{
	for (int i = 0; i < STABLE; i++) {
		struct sabuf_info info;
		int ret;

		fds[i] = sabuf_t_open();
		if (fds[i] < 0)
			return fds[i];
		ret = sabuf_t_create(fds[i], 64);
		if (!ret)
			ret = sabuf_t_info(fds[i], &info);
		if (ret)
			return ret;
		ids[i] = info.id;
	}
	return 0;
}

/*
 * While buffers come and go, a dump may be flagged NLM_F_DUMP_INTR, but it
 * still lists every buffer that lived throughout (dumps resume by id).
 */
TEST_F_TIMEOUT(nl, dump_under_churn_lists_every_stable_buffer, 120)
{
	struct nl_reply *r = self->r;
	uint64_t ids[STABLE];
	int fds[STABLE], intr = 0;
	struct churn ch;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	ASSERT_EQ(0, create_stable(fds, ids));
	fd = nl_socket(true);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, churn_start(&ch));
	for (int round = 0; round < 10; round++) {
		struct nl_req req;
		int ret;

		/* Receive in small pieces: many parts, many chances to be interrupted. */
		memset(r, 0, sizeof(*r));
		nl_req_init(&req, self->family, SABUF_CMD_GET, NLM_F_DUMP);
		ASSERT_EQ(0, nl_send(fd, &req));
		while ((ret = nl_recv_step(fd, self->family, r, 4096)) == 0)
			;
		ASSERT_EQ(1, ret);
		ASSERT_EQ(0, r->error);
		EXPECT_STREQ("", r->malformed);
		intr += r->dump_intr;
		for (int i = 0; i < STABLE; i++) {
			ASSERT_NE(NULL, nl_find(r, ids[i])) TH_LOG("round %d: buffer %llu missing",
								  round, (unsigned long long)ids[i]);
		}
		for (unsigned int i = 1; i < r->nr; i++)
			ASSERT_LT(r->bufs[i - 1].id, r->bufs[i].id);
	}
	TH_LOG("%lu buffers came and went; %d of 10 dumps flagged", churn_stop(&ch), intr);
	close(fd);
	for (int i = 0; i < STABLE; i++)
		close(fds[i]);
}

/* ---- who sees what ---- */

/*
 * As uid 1000 (in a forked child, after root created a buffer): root's
 * buffer is neither listed nor gettable; the child's own buffer is both.
 */
TEST_F(nl, unprivileged_sees_only_own_buffers)
{
	struct sabuf_t_buf root_buf;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root, to drop to uid %d", TEST_UID);
	SABUF_T_BUF_NEW(&root_buf, 4096);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct nl_reply *r = nl_reply_new();
		const struct nl_buffer *b;
		uint64_t own_id;
		int fd, dev, ret;

		CHILD_CHECK(r, "out of memory");
		ret = drop_to_test_user();
		CHILD_CHECK(ret == 0, "%s", strerror(-ret));
		dev = sabuf_t_open();
		CHILD_CHECK(dev >= 0, "open %s as uid %d: %s", SABUF_DEVICE_PATH, TEST_UID,
			    strerror(-dev));
		ret = sabuf_t_create(dev, 777);
		CHILD_CHECK(ret == 0, "create: %s", strerror(-ret));
		{
			struct sabuf_info info;

			CHILD_CHECK(sabuf_t_info(dev, &info) == 0, "info");
			own_id = info.id;
		}
		/* The socket is opened after the drop: it belongs to uid 1000. */
		fd = nl_socket(true);
		CHILD_CHECK(fd >= 0, "socket: %s", strerror(-fd));

		CHILD_CHECK(nl_dump(fd, self->family, r) == 0 && r->error == 0,
			    "dump: %d", r->error);
		CHILD_CHECK(!nl_find(r, root_buf.info.id), "root's buffer is listed");
		b = nl_find(r, own_id);
		CHILD_CHECK(b, "own buffer not listed");
		CHILD_CHECK(b->uid == TEST_UID && b->pid == (uint32_t)getpid() &&
			    b->byte_length == 777, "own buffer: uid %u pid %u length %llu",
			    b->uid, b->pid, (unsigned long long)b->byte_length);
		for (unsigned int i = 0; i < r->nr; i++)
			CHILD_CHECK(r->bufs[i].uid == TEST_UID, "buffer %llu of uid %u listed",
				    (unsigned long long)r->bufs[i].id, r->bufs[i].uid);

		CHILD_CHECK(nl_get(fd, self->family, SABUF_CMD_GET, root_buf.info.id, r) == 0 &&
			    r->error == -ENOENT, "GET of root's buffer: %d", r->error);
		CHILD_CHECK(r->nr_msgs == 0, "GET of root's buffer answered");
		CHILD_CHECK(nl_get(fd, self->family, SABUF_CMD_QUEUES_GET, root_buf.info.id, r) == 0 &&
			    r->error == -ENOENT, "QUEUES_GET of root's buffer: %d", r->error);
		CHILD_CHECK(nl_get(fd, self->family, SABUF_CMD_GET, own_id, r) == 0 &&
			    r->error == 0 && r->nr == 1 && r->bufs[0].id == own_id,
			    "GET of own buffer: %d", r->error);
		CHILD_CHECK(nl_get(fd, self->family, SABUF_CMD_QUEUES_GET, own_id, r) == 0 &&
			    r->error == 0, "QUEUES_GET of own buffer: %d", r->error);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	sabuf_t_buf_free(&root_buf);
}

/* Root (CAP_SYS_ADMIN) sees another user's buffer, with that user's uid and pid. */
TEST_F(nl, root_sees_every_users_buffers)
{
	struct nl_reply *r = self->r;
	const struct nl_buffer *b;
	int to_parent[2], to_child[2];
	uint64_t child_id = 0;
	char go = 'x';
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root, to drop to uid %d", TEST_UID);
	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sabuf_info info;
		int dev, ret;

		ret = drop_to_test_user();
		CHILD_CHECK(ret == 0, "%s", strerror(-ret));
		dev = sabuf_t_open();
		CHILD_CHECK(dev >= 0, "open: %s", strerror(-dev));
		CHILD_CHECK(sabuf_t_create(dev, 4242) == 0 && sabuf_t_info(dev, &info) == 0, "create");
		CHILD_CHECK(write(to_parent[1], &info.id, sizeof(info.id)) == sizeof(info.id), "write");
		CHILD_CHECK(read(to_child[0], &go, 1) == 1, "read");	/* hold it until root looked */
		_exit(0);
	}
	ASSERT_EQ((ssize_t)sizeof(child_id), read(to_parent[0], &child_id, sizeof(child_id)));
	ASSERT_EQ(0, nl_dump(self->fd, self->family, r));
	b = nl_find(r, child_id);
	EXPECT_NE(NULL, b);
	if (b) {
		EXPECT_EQ((uint32_t)TEST_UID, b->uid);
		EXPECT_EQ((uint32_t)pid, b->pid);
		EXPECT_EQ(4242ull, b->byte_length);
	}
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_QUEUES_GET, child_id, r));
	EXPECT_EQ(0, r->error);
	EXPECT_EQ(1, write(to_child[1], &go, 1));
	EXPECT_EQ(0, reap(pid));
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

/* Whoever runs this (root, or the rig's --user), its own buffers carry its uid. */
TEST_F(nl, creator_uid_is_the_callers)
{
	struct nl_reply *r = self->r;
	struct sabuf_t_buf buf;

	SABUF_T_BUF_NEW(&buf, 4096);
	ASSERT_EQ(0, nl_get(self->fd, self->family, SABUF_CMD_GET, buf.info.id, r));
	ASSERT_EQ(0, r->error);
	EXPECT_EQ((uint32_t)getuid(), r->bufs[0].uid);
	if (getuid() != 0) {
		/* Unprivileged: everything listed is ours. */
		ASSERT_EQ(0, nl_dump(self->fd, self->family, r));
		for (unsigned int i = 0; i < r->nr; i++)
			EXPECT_EQ((uint32_t)getuid(), r->bufs[i].uid);
	}
	sabuf_t_buf_free(&buf);
}

/* ======================================================================
 * fixture cli: the sabuf(8) tool
 * ====================================================================== */

/* ---- the fixture ---- */

FIXTURE(cli) {
	struct cli_run *run;
	struct json_doc *doc;
};

FIXTURE_SETUP(cli)
{
	struct nl_reply *r = nl_reply_new();
	int fd, ret;

	self->run = calloc(1, sizeof(*self->run));
	self->doc = calloc(1, sizeof(*self->doc));
	ASSERT_NE(NULL, self->run);
	ASSERT_NE(NULL, self->doc);
	ASSERT_NE(NULL, r);
	if (!cli_path())
		SKIP(return, "the sabuf tool is not on PATH (nor in $SABUF_CLI)");
	fd = nl_socket(false);
	ASSERT_LE(0, fd);
	ret = nl_resolve(fd, r);
	close(fd);
	free(r);
	if (ret == -ENOENT)
		SKIP(return, "generic netlink family '%s' not registered", SABUF_GENL_NAME);
}

FIXTURE_TEARDOWN(cli)
{
	free(self->run);
	free(self->doc);
}

#define CLI(...) ({							\
	const char *const __args[] = { __VA_ARGS__, NULL };		\
	int __ret = cli_run(self->run, __args);				\
	ASSERT_EQ(0, __ret) TH_LOG("running sabuf: %s", strerror(-__ret)); \
	self->run->status;						\
})

/* `sabuf list --json` shows a buffer this process created, with its size, pid and uid. */
TEST_F(cli, list_json_shows_buffer)
{
	struct sabuf_t_buf buf;
	const char *at;

	SABUF_T_BUF_NEW(&buf, 12345);
	ASSERT_EQ(0, CLI("list", "--json")) TH_LOG("stderr: %s", self->run->err);
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	at = json_find_buffer(self->doc, buf.info.id);
	ASSERT_NE(NULL, at) TH_LOG("buffer %llu not in: %s",
				   (unsigned long long)buf.info.id, self->run->out);
	EXPECT_EQ(12345ull, json_u64(self->doc, at, "byte_length"));
	EXPECT_EQ((uint64_t)getpid(), json_u64(self->doc, at, "creator_pid"));
	EXPECT_EQ((uint64_t)getuid(), json_u64(self->doc, at, "creator_uid"));
	EXPECT_EQ(1ull, json_u64(self->doc, at, "fds"));
	EXPECT_EQ(2ull, json_u64(self->doc, at, "mappings"));
	EXPECT_EQ(0ull, json_u64(self->doc, at, "waiters"));
	EXPECT_NE(UINT64_MAX, json_u64(self->doc, at, "created_ns"));
	EXPECT_STREQ("", self->run->err);
	sabuf_t_buf_free(&buf);
}

static int named_ioctl(unsigned long cmd, void *args)
{
	int dev = sabuf_t_open(), ret;

	if (dev < 0)
		return dev;
	ret = sabuf_t_ioctl(dev, cmd, args);
	close(dev);
	return ret;
}

/* A named buffer's name is in `sabuf list` (JSON and table) while it has one. */
TEST_F(cli, list_shows_the_name)
{
	struct sabuf_open o = {
		.byte_length = 100, .mode = 0600,
		.oflag = SABUF_OPEN_RDWR | SABUF_OPEN_CREAT | SABUF_OPEN_EXCL,
	};
	struct sabuf_unlink u = { 0 };
	char name[64], *line, *save;
	struct sabuf_info info;
	const char *at;
	bool row = false;
	int fd;

	snprintf(name, sizeof(name), "nl-%d-named", (int)getpid());
	o.name = u.name = (uintptr_t)name;
	fd = named_ioctl(SABUF_IOC_OPEN, &o);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	ASSERT_EQ(0, CLI("list", "--json")) TH_LOG("stderr: %s", self->run->err);
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	at = json_find_buffer(self->doc, info.id);
	ASSERT_NE(NULL, at);
	EXPECT_STREQ(name, json_get(self->doc, "%sname", at) ?: "(none)");
	ASSERT_EQ(0, CLI("list"));
	for (line = strtok_r(self->run->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long id;

		if (sscanf(line, " %llu", &id) == 1 && id == info.id)
			row = strstr(line, name) != NULL;
	}
	EXPECT_TRUE(row) TH_LOG("no row with the name %s", name);
	/* unlinked: the buffer is still there, without a name */
	ASSERT_EQ(0, named_ioctl(SABUF_IOC_UNLINK, &u));
	ASSERT_EQ(0, CLI("list", "--json"));
	memset(self->doc, 0, sizeof(*self->doc));
	ASSERT_TRUE(json_parse(self->run->out, self->doc));
	at = json_find_buffer(self->doc, info.id);
	ASSERT_NE(NULL, at);
	EXPECT_STREQ("null", json_get(self->doc, "%sname", at) ?: "(none)");
	close(fd);
}

/* The table has the ipcs-like header and a row for the buffer. */
TEST_F(cli, list_table_shows_buffer)
{
	char id[32], *line, *save;
	struct sabuf_t_buf buf;
	bool header = false, row = false;

	SABUF_T_BUF_NEW(&buf, 12345);
	ASSERT_EQ(0, CLI("list"));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)buf.info.id);
	for (line = strtok_r(self->run->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char first[32];

		if (sscanf(line, " %31s", first) != 1)
			continue;
		if (!strcmp(first, "ID"))
			header = strstr(line, "SIZE") && strstr(line, "PID") && strstr(line, "WAITERS");
		else if (!strcmp(first, id))
			row = strstr(line, "12345 (12.1 KiB)") != NULL;
	}
	EXPECT_TRUE(header);
	EXPECT_TRUE(row) TH_LOG("no row for buffer %s with its size", id);
	sabuf_t_buf_free(&buf);
}

/* `sabuf show ID` reports exactly the queues: 3 waiters on 8, 1 on 16. */
TEST_F(cli, show_reports_queues)
{
	struct sabuf_t_waiter at8[3], at16[1];
	struct sabuf_t_buf buf;
	char id[32], *line, *save;
	int rows = 0;

	SABUF_T_BUF_NEW(&buf, 4096);
	ASSERT_EQ(0, start_waiters(&buf, at8, 3, 4, 8));
	ASSERT_EQ(0, start_waiters(&buf, at16, 1, 4, 16));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)buf.info.id);

	ASSERT_EQ(0, CLI("show", id, "--json")) TH_LOG("stderr: %s", self->run->err);
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	EXPECT_EQ(buf.info.id, json_u64(self->doc, "", "id"));
	EXPECT_EQ(4ull, json_u64(self->doc, "", "waiters"));
	EXPECT_EQ(8ull, json_u64(self->doc, "queues[0].", "offset"));
	EXPECT_EQ(3ull, json_u64(self->doc, "queues[0].", "waiters"));
	EXPECT_EQ(16ull, json_u64(self->doc, "queues[1].", "offset"));
	EXPECT_EQ(1ull, json_u64(self->doc, "queues[1].", "waiters"));
	EXPECT_EQ(NULL, json_get(self->doc, "queues[2].offset"));

	ASSERT_EQ(0, CLI("show", id));
	for (line = strtok_r(self->run->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long offset, waiters;
		char extra;

		if (sscanf(line, " %llu %llu %c", &offset, &waiters, &extra) == 2)
			rows += (offset == 8 && waiters == 3) || (offset == 16 && waiters == 1);
	}
	EXPECT_EQ(2, rows) TH_LOG("text output:\n%s", self->run->out);

	EXPECT_EQ(3, sabuf_t_notify(buf.fd, 8, SABUF_NOTIFY_ALL));
	EXPECT_EQ(1, sabuf_t_notify(buf.fd, 16, SABUF_NOTIFY_ALL));
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(0, sabuf_t_waiter_join(&at8[i]));
	EXPECT_EQ(0, sabuf_t_waiter_join(&at16[0]));
	sabuf_t_buf_free(&buf);
}

/* A reply bigger than libmnl's default 8 KiB buffer is read whole. */
TEST_F_TIMEOUT(cli, show_hundreds_of_queues, 120)
{
	struct sabuf_t_waiter *wt = calloc(MANY_QUEUES, sizeof(*wt));
	struct nl_reply *r = nl_reply_new();
	struct sabuf_t_buf buf;
	int fd = nl_socket(false);
	uint16_t family;
	char id[32];

	ASSERT_NE(NULL, wt);
	ASSERT_NE(NULL, r);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, nl_resolve(fd, r));
	family = r->family_id;
	SABUF_T_BUF_NEW(&buf, 4096);
	ASSERT_EQ(0, start_many_waiters(fd, family, r, &buf, wt));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)buf.info.id);

	ASSERT_EQ(0, CLI("show", id, "--json")) TH_LOG("stderr: %s", self->run->err);
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON");
	for (int i = 0; i < MANY_QUEUES; i++) {
		char at[32];

		snprintf(at, sizeof(at), "queues[%d].", i);
		EXPECT_EQ(4ull * i, json_u64(self->doc, at, "offset"));
		EXPECT_EQ(1ull, json_u64(self->doc, at, "waiters"));
	}
	EXPECT_EQ(NULL, json_get(self->doc, "queues[%d].offset", MANY_QUEUES));

	stop_many_waiters(_metadata, &buf, wt);
	sabuf_t_buf_free(&buf);
	close(fd);
	free(r);
	free(wt);
}

/* While buffers come and go, `list --json` stays valid and lists every buffer that stays. */
TEST_F_TIMEOUT(cli, list_while_buffers_come_and_go, 120)
{
	uint64_t ids[STABLE];
	int fds[STABLE], warned = 0;
	struct churn ch;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	ASSERT_EQ(0, create_stable(fds, ids));
	ASSERT_EQ(0, churn_start(&ch));
	for (int round = 0; round < 5; round++) {
		static uint64_t listed[4096];
		unsigned int n;

		ASSERT_EQ(0, CLI("list", "--json")) TH_LOG("stderr: %s", self->run->err);
		ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON");
		n = json_list_ids(self->doc, listed, 4096);
		for (int i = 0; i < STABLE; i++) {
			unsigned int j = 0;

			while (j < n && listed[j] != ids[i])
				j++;
			ASSERT_LT(j, n) TH_LOG("round %d: buffer %llu missing",
					       round, (unsigned long long)ids[i]);
		}
		warned += strstr(self->run->err, "warning") != NULL;
	}
	TH_LOG("%lu buffers came and went; %d of 5 listings warned", churn_stop(&ch), warned);
	for (int i = 0; i < STABLE; i++)
		close(fds[i]);
}

/* After close the buffer is gone: not listed, and `show` exits 4 saying so. */
TEST_F(cli, gone_buffer)
{
	struct sabuf_t_buf buf;
	uint64_t gone;
	char id[32];

	SABUF_T_BUF_NEW(&buf, 4096);
	gone = buf.info.id;
	sabuf_t_buf_free(&buf);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)gone);

	ASSERT_EQ(0, CLI("list", "--json"));
	ASSERT_TRUE(json_parse(self->run->out, self->doc));
	EXPECT_EQ(NULL, json_find_buffer(self->doc, gone));

	EXPECT_EQ(4, CLI("show", id));
	EXPECT_STREQ("", self->run->out);
	EXPECT_NE(NULL, strstr(self->run->err, "no buffer with id")) TH_LOG("stderr: %s", self->run->err);
	EXPECT_EQ(4, CLI("show", id, "--json"));
	EXPECT_EQ(4, CLI("watch", id, "--count", "1"));
}

/* Bad command lines exit 2 with a message and no output. */
TEST_F(cli, bad_usage_exits_2)
{
	static const char *const cases[][4] = {
		{ "frobnicate" },
		{ "show" },
		{ "show", "abc" },
		{ "show", "-1" },
		{ "show", "1", "2" },
		{ "list", "extra" },
		{ "list", "--count", "2" },
		{ "watch", "--count", "0" },
		{ "watch", "--interval", "0" },
		{ "watch", "--interval", "soon" },
		{ "--no-such-option" },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *c = cases[i];
		struct cli_run *run = self->run;
		int ret = cli_run(run, c);

		ASSERT_EQ(0, ret);
		EXPECT_EQ(2, run->status) TH_LOG("sabuf %s %s %s", c[0], c[1] ?: "", c[2] ?: "");
		EXPECT_STREQ("", run->out);
		EXPECT_NE('\0', run->err[0]);
	}
}

TEST_F(cli, help_and_version)
{
	EXPECT_EQ(0, CLI("--help"));
	EXPECT_NE(NULL, strstr(self->run->out, "Usage:"));
	EXPECT_EQ(0, CLI("--version"));
	EXPECT_EQ(0, strncmp(self->run->out, "sabuf ", 6));
}

/* `watch` with --count and --json: one JSON document per line and refresh. */
TEST_F(cli, watch_json_lines)
{
	struct sabuf_t_buf buf;
	char id[32], *line, *save;
	int lines = 0;

	SABUF_T_BUF_NEW(&buf, 4096);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)buf.info.id);
	ASSERT_EQ(0, CLI("watch", "--json", "--count", "3", "--interval", "0.05"));
	for (line = strtok_r(self->run->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ASSERT_TRUE(json_parse(line, self->doc)) TH_LOG("not JSON: %s", line);
		EXPECT_NE(NULL, json_find_buffer(self->doc, buf.info.id));
		lines++;
	}
	EXPECT_EQ(3, lines);

	lines = 0;
	ASSERT_EQ(0, CLI("watch", id, "--json", "--count", "2", "--interval", "0.05"));
	for (line = strtok_r(self->run->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ASSERT_TRUE(json_parse(line, self->doc)) TH_LOG("not JSON: %s", line);
		EXPECT_EQ(buf.info.id, json_u64(self->doc, "", "id"));
		lines++;
	}
	EXPECT_EQ(2, lines);

	/* Text blocks too, when stdout is not a terminal. */
	ASSERT_EQ(0, CLI("watch", "--count", "2", "--interval", "0.05"));
	EXPECT_EQ(NULL, strstr(self->run->out, "\033["));
	EXPECT_NE(NULL, strstr(self->run->out, "Every"));
	sabuf_t_buf_free(&buf);
}

/* As uid 1000, `sabuf list --json` hides root's buffer and shows the user's own. */
TEST_F(cli, unprivileged_list_hides_root_buffer)
{
	struct sabuf_t_buf root_buf;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root, to drop to uid %d", TEST_UID);
	SABUF_T_BUF_NEW(&root_buf, 4096);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		const char *const args[] = { "list", "--json", NULL };
		struct sabuf_info info;
		int dev, ret;

		ret = drop_to_test_user();
		CHILD_CHECK(ret == 0, "%s", strerror(-ret));
		dev = sabuf_t_open();
		CHILD_CHECK(dev >= 0 && sabuf_t_create(dev, 999) == 0 && sabuf_t_info(dev, &info) == 0,
			    "create as uid %d", TEST_UID);
		CHILD_CHECK(cli_run(self->run, args) == 0 && self->run->status == 0,
			    "sabuf list: %d: %s", self->run->status, self->run->err);
		CHILD_CHECK(json_parse(self->run->out, self->doc), "not JSON: %s", self->run->out);
		CHILD_CHECK(!json_find_buffer(self->doc, root_buf.info.id), "root's buffer listed");
		CHILD_CHECK(json_find_buffer(self->doc, info.id), "own buffer not listed");
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	sabuf_t_buf_free(&root_buf);
}

TEST_HARNESS_MAIN
