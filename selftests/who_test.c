// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds and who waits (0.3): the SABUF_CMD_HOLDERS_GET and
 * SABUF_CMD_WAITERS_GET dumps (raw netlink, nl_client.h, every attribute
 * checked against the header), and `sabuf show` / `sabuf locks` with its
 * deadlock report (cli_run.h; SKIP without the tool).
 *
 *  - fixture "who": each holder kind (fds only, mappings only, both, dups
 *    counted, a process with neither left out), ascending pids, a dump of
 *    more holders than one message holds; every waiter kind at its offsets
 *    in FIFO order, a robust waiter's owner alive, dead and none, a dump of
 *    more waiters than one message holds with nothing skipped or repeated;
 *    what uid 1000 may see; a reader in another pid namespace; each
 *    rejected request.
 *  - fixture "locks": `sabuf locks` for a two-process ABBA deadlock, a
 *    three-process ring and two threads of one process (exit status 5, the
 *    cycle in text and JSON), and no report for a long acyclic chain or a
 *    mutex whose owner is dead (exit 0).
 *
 * Waiters are made with the raw ABI: a robust "mutex" here is a word that
 * holds an owner id from SABUF_IOC_ROBUST_REGISTER (| bit 30, as libsabuf's
 * contended mutex does), and a sleeper is a SABUF_WAIT_ROBUST wait on it.
 */
#include "cli_run.h"
#include "nl_client.h"

#include <sched.h>
#include <sys/prctl.h>

#define CONTENDED	0x40000000u	/* libsabuf's mutex word: somebody sleeps */

/* ---- helpers ---- */

static int who_dump(int fd, uint16_t family, uint8_t cmd, uint64_t id, struct nl_reply *r)
{
	int ret = nl_dump_who(fd, family, cmd, id, r);

	return ret ? ret : r->error;
}

/* How many waiters the WAITERS dump of @id lists now (-errno on failure). */
static int count_waiters(int fd, uint16_t family, uint64_t id, struct nl_reply *r)
{
	int ret = who_dump(fd, family, SABUF_CMD_WAITERS_GET, id, r);

	return ret ? ret : (int)r->nr_waiters;
}

static const struct nl_holder *find_holder(const struct nl_reply *r, pid_t pid)
{
	for (unsigned int i = 0; i < r->nr_holders && i < NL_MAX_HOLDERS; i++)
		if (r->holders[i].pid == (uint32_t)pid)
			return &r->holders[i];
	return NULL;
}

static void self_comm(char *out)
{
	prctl(PR_GET_NAME, out);
}

/* A child that does @what, says so on @ready, then sleeps until killed. */
static pid_t fork_holder(int ready, const char *name, void (*what)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (name)
			prctl(PR_SET_NAME, name);
		if (what)
			what(arg);
		if (write(ready, "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	return pid;
}

static int await_ready(int ready, int n)
{
	char c;

	for (int i = 0; i < n; i++)
		if (read(ready, &c, 1) != 1)
			return -EIO;
	return 0;
}

static void kill_reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* ---- robust waiters, with the raw ABI ---- */

/*
 * A thread or process that takes the mutex at @hold (stores its owner id
 * there), reports its id and tid, waits for @go, then sleeps on the mutex
 * at @wait (unless @wait is NO_WAIT: then it just holds). @comm names it.
 */
#define NO_WAIT	UINT64_MAX

struct part {
	struct sabuf_t_buf *buf;
	uint64_t hold, wait;
	const char *comm;
	int report;			/* write end: id, tid */
	int go_r, go_w;			/* a byte on go_w says go */
	uint32_t id;
	pid_t tid;
	pthread_t thread;
};

static void *part_main(void *arg)
{
	struct part *p = arg;
	struct sabuf_wait w;
	uint32_t word;
	int id;
	char c;

	if (p->comm)
		prctl(PR_SET_NAME, p->comm);
	id = sabuf_t_robust_register(p->buf->fd);
	if (id <= 0)
		return NULL;
	p->id = id;
	p->tid = gettid();
	if (p->hold != NO_WAIT)
		__atomic_store_n(sabuf_t_u32(p->buf, p->hold), (uint32_t)id | CONTENDED,
				 __ATOMIC_SEQ_CST);
	if (write(p->report, &p->id, sizeof(p->id)) != sizeof(p->id) ||
	    write(p->report, &p->tid, sizeof(p->tid)) != sizeof(p->tid))
		return NULL;
	if (read(p->go_r, &c, 1) != 1)
		return NULL;
	if (p->wait == NO_WAIT) {
		for (;;)
			pause();
	}
	word = __atomic_load_n(sabuf_t_u32(p->buf, p->wait), __ATOMIC_SEQ_CST);
	w = sabuf_t_robust_args(p->wait, word, -1);
	sabuf_t_wait(p->buf->fd, &w);
	return NULL;
}

/* Start @p as a thread of this process, or (@process) in a child. Reads its id and tid. */
static pid_t part_start(struct part *p, bool process)
{
	int rep[2], go[2];
	pid_t pid = 0;

	if (pipe(rep) || pipe(go))
		return -errno;
	p->report = rep[1];
	p->go_r = go[0];
	p->go_w = go[1];
	if (process) {
		pid = fork();
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			part_main(p);
			_exit(0);
		}
		if (pid < 0)
			return -errno;
	} else if (pthread_create(&p->thread, NULL, part_main, p)) {
		return -EAGAIN;
	}
	if (read(rep[0], &p->id, sizeof(p->id)) != sizeof(p->id) ||
	    read(rep[0], &p->tid, sizeof(p->tid)) != sizeof(p->tid))
		return -EIO;
	close(rep[0]);
	close(rep[1]);
	return pid;
}

static int part_go(struct part *p)
{
	return write(p->go_w, "g", 1) == 1 ? 0 : -errno;
}

/* ======================================================================
 * fixture who: the dumps
 * ====================================================================== */

FIXTURE(who) {
	int fd;
	uint16_t family;
	struct nl_reply *r;
	struct sabuf_t_buf buf;
};

FIXTURE_SETUP(who)
{
	int ret;

	self->buf.fd = -1;
	self->r = nl_reply_new();
	ASSERT_NE(NULL, self->r);
	self->fd = nl_socket(true);
	ASSERT_LE(0, self->fd);
	ret = nl_resolve(self->fd, self->r);
	if (ret == -ENOENT)
		SKIP(return, "generic netlink family '%s' not registered: is the sabuf module loaded?",
		     SABUF_GENL_NAME);
	ASSERT_LT(0, ret);
	self->family = ret;
	SABUF_T_BUF_NEW(&self->buf, 1 << 20);
}

FIXTURE_TEARDOWN(who)
{
	sabuf_t_buf_free(&self->buf);
	if (self->fd >= 0)
		close(self->fd);
	free(self->r);
}

static void dup_twice(void *arg)
{
	int fd = *(int *)arg;

	if (dup(fd) < 0 || dup(fd) < 0)
		_exit(1);
}

static void drop_all(void *arg)
{
	struct sabuf_t_buf *b = arg;

	munmap(b->data, b->info.map_length);
	munmap((void *)b->counters, b->info.counters_length);
	close(b->fd);
}

static void close_fd(void *arg)
{
	close(((struct sabuf_t_buf *)arg)->fd);
}

static void unmap_all(void *arg)
{
	struct sabuf_t_buf *b = arg;

	munmap(b->data, b->info.map_length);
	munmap((void *)b->counters, b->info.counters_length);
}

/* Each process with an fd or a mapping, with its counts; one with neither is left out. */
TEST_F(who, holders_are_processes_with_fds_or_mappings)
{
	struct nl_reply *r = self->r;
	const struct nl_holder *h;
	char comm[NL_COMM_LEN] = "";
	pid_t a, b, c, d;
	int ready[2];

	ASSERT_EQ(0, pipe(ready));
	a = fork_holder(ready[1], "who-both", dup_twice, &self->buf.fd);
	b = fork_holder(ready[1], "who-none", drop_all, &self->buf);
	c = fork_holder(ready[1], "who-maps", close_fd, &self->buf);
	d = fork_holder(ready[1], "who-fd", unmap_all, &self->buf);
	ASSERT_EQ(0, await_ready(ready[0], 4));

	ASSERT_EQ(0, who_dump(self->fd, self->family, SABUF_CMD_HOLDERS_GET, self->buf.info.id, r));
	EXPECT_STREQ("", r->malformed);
	EXPECT_EQ(self->buf.info.id, r->who_id);
	EXPECT_EQ(4u, r->nr_holders);
	for (unsigned int i = 1; i < r->nr_holders; i++)
		EXPECT_LT(r->holders[i - 1].pid, r->holders[i].pid);
	self_comm(comm);
	h = find_holder(r, getpid());
	ASSERT_NE(NULL, h);
	EXPECT_EQ(1u, h->fds);
	EXPECT_EQ(2u, h->mappings);	/* the data and the counter page */
	EXPECT_STREQ(comm, h->comm);
	h = find_holder(r, a);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(3u, h->fds);
	EXPECT_EQ(2u, h->mappings);
	EXPECT_STREQ("who-both", h->comm);
	EXPECT_EQ(NULL, find_holder(r, b));
	h = find_holder(r, c);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(0u, h->fds);
	EXPECT_EQ(2u, h->mappings);
	EXPECT_STREQ("who-maps", h->comm);
	h = find_holder(r, d);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(1u, h->fds);
	EXPECT_EQ(0u, h->mappings);

	/* the dead hold nothing */
	kill_reap(a);
	kill_reap(b);
	kill_reap(c);
	kill_reap(d);
	ASSERT_EQ(0, who_dump(self->fd, self->family, SABUF_CMD_HOLDERS_GET, self->buf.info.id, r));
	EXPECT_EQ(1u, r->nr_holders);
	EXPECT_NE(NULL, find_holder(r, getpid()));
}

/* A thread's own file table (unshare(CLONE_FILES)) counts too, each table once. */
static void *unshared_files_main(void *arg)
{
	int *fds = arg;

	if (unshare(CLONE_FILES) || dup(fds[0]) < 0)
		return (void *)1;
	if (write(fds[1], "x", 1) != 1)
		return (void *)1;
	pause();
	return NULL;
}

TEST_F(who, holders_count_every_file_table_once)
{
	struct nl_reply *r = self->r;
	const struct nl_holder *h;
	int ready[2], args[2];
	pthread_t t;
	char c;

	ASSERT_EQ(0, pipe(ready));
	args[0] = self->buf.fd;
	args[1] = ready[1];
	ASSERT_EQ(0, pthread_create(&t, NULL, unshared_files_main, args));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	/* ours: buf.fd; the thread's copy of our table: buf.fd and its dup */
	ASSERT_EQ(0, who_dump(self->fd, self->family, SABUF_CMD_HOLDERS_GET, self->buf.info.id, r));
	h = find_holder(r, getpid());
	ASSERT_NE(NULL, h);
	EXPECT_EQ(3u, h->fds);
	pthread_cancel(t);
	pthread_join(t, NULL);
}

/* More holders than one message holds: every one once, ascending, over several parts. */
TEST_F_TIMEOUT(who, holders_dump_resumes_by_pid, 120)
{
	enum { N = 1000 };
	struct nl_reply *r = self->r;
	char *stacks = malloc((size_t)N * SABUF_T_SLEEPER_STACK);
	pid_t kids[N];
	int block[2];

	ASSERT_NE(NULL, stacks);
	ASSERT_EQ(0, pipe(block));
	for (int i = 0; i < N; i++) {
		kids[i] = sabuf_t_clone_sleeper(stacks + (size_t)i * SABUF_T_SLEEPER_STACK, &block[0]);
		ASSERT_LT(0, kids[i]) TH_LOG("child %d: %s", i, strerror(-kids[i]));
	}
	ASSERT_EQ(0, who_dump(self->fd, self->family, SABUF_CMD_HOLDERS_GET, self->buf.info.id, r));
	EXPECT_STREQ("", r->malformed);
	EXPECT_FALSE(r->mixed_cmds);
	EXPECT_LT(1u, r->nr_msgs) TH_LOG("%d holders fit in one message: the test proves nothing", N + 1);
	EXPECT_EQ((unsigned int)N + 1, r->nr_holders);
	for (unsigned int i = 1; i < r->nr_holders && i < NL_MAX_HOLDERS; i++)
		EXPECT_LT(r->holders[i - 1].pid, r->holders[i].pid);
	for (int i = 0; i < N; i++) {
		const struct nl_holder *h = find_holder(r, kids[i]);

		EXPECT_TRUE(h && h->fds == 1 && h->mappings == 2) TH_LOG("child %d", kids[i]);
	}
	for (int i = 0; i < N; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < N; i++)
		waitpid(kids[i], NULL, 0);
	free(stacks);
}

static void *any_main(void *arg)
{
	struct sabuf_t_waiter *wt = arg;
	struct sabuf_wait_any_item items[2] = {
		{ .fd = wt->fd, .flags = SABUF_WAIT_SIZE_U32, .offset = 8 },
		{ .fd = wt->fd, .flags = SABUF_WAIT_SIZE_U32, .offset = 16 },
	};
	struct sabuf_wait_any a = {
		.items = (uintptr_t)items, .count = 2, .timeout_ns = -1,
		.clockid = CLOCK_MONOTONIC,
	};

	__atomic_store_n(&wt->tid, gettid(), __ATOMIC_SEQ_CST);
	wt->ret = sabuf_t_ioctl(wt->fd, SABUF_IOC_WAIT_ANY, &a);
	__atomic_store_n(&wt->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Every kind at its offsets, oldest first; an async wait names who added it. */
TEST_F(who, waiters_every_kind_in_fifo_order)
{
	struct sabuf_t_waiter w1 = { .fd = self->buf.fd }, w2 = { .fd = self->buf.fd };
	struct sabuf_t_waiter any = { .fd = self->buf.fd };
	struct nl_reply *r = self->r;
	struct sabuf_waitset_create wc = { 0 };
	struct sabuf_waitset_add add = { .fd = self->buf.fd, .tag = 1 };
	struct part owner = { .buf = &self->buf, .hold = 24, .wait = NO_WAIT, .comm = "who-owner" };
	struct sabuf_t_waiter rob = { .fd = self->buf.fd };
	const struct nl_waiter *x;
	int ws;

	w1.args = sabuf_t_wait_args(4, 8, 0, -1);
	w2.args = w1.args;
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->buf, &w1));
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->buf, &w2));
	ASSERT_EQ(0, pthread_create(&any.thread, NULL, any_main, &any));
	ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n(&any.tid, __ATOMIC_SEQ_CST) &&
				       sabuf_t_wait_queued(&self->buf, 16, any.tid) == 0));
	ws = sabuf_t_ioctl(self->buf.fd, SABUF_IOC_WAITSET_CREATE, &wc);
	ASSERT_LE(0, ws);
	add.wait = sabuf_t_wait_args(4, 16, 0, -1);
	ASSERT_EQ(0, sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &add));
	ASSERT_LE(0, part_start(&owner, false));
	rob.args = sabuf_t_robust_args(24, owner.id | CONTENDED, -1);
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->buf, &rob));

	ASSERT_EQ(6, count_waiters(self->fd, self->family, self->buf.info.id, r));
	EXPECT_STREQ("", r->malformed);
	x = r->waiters;
	EXPECT_EQ(8u, x[0].offset);
	EXPECT_EQ(SABUF_WAITER_KIND_WAIT, (int)x[0].kind);
	EXPECT_EQ((uint32_t)w1.tid, x[0].tid);
	EXPECT_EQ((uint32_t)getpid(), x[0].pid);
	EXPECT_EQ(8u, x[1].offset);
	EXPECT_EQ((uint32_t)w2.tid, x[1].tid);
	EXPECT_EQ(8u, x[2].offset);
	EXPECT_EQ(SABUF_WAITER_KIND_ANY, (int)x[2].kind);
	EXPECT_EQ((uint32_t)any.tid, x[2].tid);
	EXPECT_EQ(16u, x[3].offset);
	EXPECT_EQ(SABUF_WAITER_KIND_ANY, (int)x[3].kind);
	EXPECT_EQ((uint32_t)any.tid, x[3].tid);
	EXPECT_EQ(16u, x[4].offset);
	EXPECT_EQ(SABUF_WAITER_KIND_ASYNC, (int)x[4].kind);
	EXPECT_EQ(0u, x[4].tid);
	EXPECT_EQ((uint32_t)getpid(), x[4].pid);
	EXPECT_EQ(24u, x[5].offset);
	EXPECT_EQ(SABUF_WAITER_KIND_ROBUST, (int)x[5].kind);
	EXPECT_EQ((uint32_t)rob.tid, x[5].tid);
	EXPECT_TRUE(x[5].has_owner);
	EXPECT_EQ(owner.id, x[5].owner_id);
	EXPECT_FALSE(x[5].owner_dead);
	EXPECT_EQ((uint32_t)owner.tid, x[5].owner_tid);
	EXPECT_EQ((uint32_t)getpid(), x[5].owner_pid);
	EXPECT_STREQ("who-owner", x[5].owner_comm);
	for (int i = 0; i < 5; i++) {
		EXPECT_FALSE(x[i].has_owner);
	}

	/* The word names a dead owner now (the sleeper watches the old one: it stays). */
	{
		struct part gone = { .buf = &self->buf, .hold = NO_WAIT, .wait = NO_WAIT };

		ASSERT_LE(0, part_start(&gone, false));
		pthread_cancel(gone.thread);
		pthread_join(gone.thread, NULL);
		__atomic_store_n(sabuf_t_u32(&self->buf, 24), gone.id | CONTENDED, __ATOMIC_SEQ_CST);
		ASSERT_TRUE(SABUF_T_EVENTUALLY(
			count_waiters(self->fd, self->family, self->buf.info.id, r) == 6 &&
			r->waiters[5].owner_dead));
		EXPECT_STREQ("", r->malformed);
		EXPECT_EQ(gone.id, r->waiters[5].owner_id);
		EXPECT_EQ(0u, r->waiters[5].owner_tid);
	}
	/* No owner (0, and the not-recoverable id): SABUF_A_OWNER_ID 0 alone. */
	__atomic_store_n(sabuf_t_u32(&self->buf, 24), CONTENDED, __ATOMIC_SEQ_CST);
	ASSERT_EQ(6, count_waiters(self->fd, self->family, self->buf.info.id, r));
	EXPECT_STREQ("", r->malformed);
	EXPECT_EQ(0u, r->waiters[5].owner_id);
	EXPECT_FALSE(r->waiters[5].owner_dead);
	__atomic_store_n(sabuf_t_u32(&self->buf, 24), SABUF_ROBUST_ID_MASK, __ATOMIC_SEQ_CST);
	ASSERT_EQ(6, count_waiters(self->fd, self->family, self->buf.info.id, r));
	EXPECT_EQ(0u, r->waiters[5].owner_id);

	EXPECT_EQ(3, sabuf_t_notify(self->buf.fd, 8, SABUF_NOTIFY_ALL));
	EXPECT_EQ(1, sabuf_t_notify(self->buf.fd, 16, SABUF_NOTIFY_ALL));
	EXPECT_EQ(1, sabuf_t_notify(self->buf.fd, 24, SABUF_NOTIFY_ALL));
	EXPECT_EQ(0, sabuf_t_waiter_join(&w1));
	EXPECT_EQ(0, sabuf_t_waiter_join(&w2));
	EXPECT_EQ(0, sabuf_t_waiter_join(&rob));
	ASSERT_TRUE(SABUF_T_EVENTUALLY(sabuf_t_waiter_done(&any)));
	pthread_join(any.thread, NULL);
	pthread_cancel(owner.thread);
	pthread_join(owner.thread, NULL);
	EXPECT_EQ(0, count_waiters(self->fd, self->family, self->buf.info.id, r));
	close(ws);
}

/* Children that each add @per async waits on offset 0, one after the other. */
static void add_async_waits(void *arg)
{
	struct sabuf_t_buf *b = arg;
	struct sabuf_waitset_create wc = { 0 };
	int ws = sabuf_t_ioctl(b->fd, SABUF_IOC_WAITSET_CREATE, &wc);

	if (ws < 0)
		_exit(1);
	for (int i = 0; i < 1000; i++) {
		struct sabuf_waitset_add add = {
			.fd = b->fd, .tag = i, .wait = sabuf_t_wait_args(4, 0, 0, -1),
		};

		if (sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &add))
			_exit(1);
	}
}

/* More waiters than one message holds: each once, in queue order, over several parts. */
TEST_F_TIMEOUT(who, waiters_dump_resumes_in_fifo_order, 120)
{
	enum { KIDS = 3, PER = 1000 };
	struct nl_reply *r = self->r;
	pid_t kids[KIDS];
	int ready[2];

	ASSERT_EQ(0, pipe(ready));
	for (int i = 0; i < KIDS; i++) {
		kids[i] = fork_holder(ready[1], NULL, add_async_waits, &self->buf);
		ASSERT_LT(0, kids[i]);
		ASSERT_EQ(0, await_ready(ready[0], 1));	/* one after the other */
	}
	ASSERT_EQ(KIDS * PER, count_waiters(self->fd, self->family, self->buf.info.id, r));
	EXPECT_STREQ("", r->malformed);
	EXPECT_LT(1u, r->nr_msgs);
	for (int i = 0; i < KIDS * PER; i++) {
		if (r->waiters[i].pid != (uint32_t)kids[i / PER] || r->waiters[i].offset) {
			EXPECT_EQ((uint32_t)kids[i / PER], r->waiters[i].pid) TH_LOG("waiter %d", i);
			break;
		}
	}
	for (int i = 0; i < KIDS; i++)
		kill_reap(kids[i]);
	EXPECT_EQ(0, count_waiters(self->fd, self->family, self->buf.info.id, r));
}

/* uid 1000 sees its own buffer's holders and waiters, and nothing of root's. */
TEST_F(who, unprivileged_sees_only_its_own)
{
	uint64_t root_id = self->buf.info.id;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to uid %d", TEST_UID);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct nl_reply *r = nl_reply_new();
		struct sabuf_t_buf mine = { .fd = -1 };
		struct sabuf_t_waiter w;
		int fd, family;

		CHILD_CHECK(r != NULL, "");
		CHILD_CHECK(drop_to_test_user() == 0, "");
		fd = nl_socket(true);
		CHILD_CHECK(fd >= 0, "");
		family = nl_resolve(fd, r);
		CHILD_CHECK(family > 0, "%d", family);
		CHILD_CHECK(who_dump(fd, family, SABUF_CMD_HOLDERS_GET, root_id, r) == -ENOENT, "");
		CHILD_CHECK(who_dump(fd, family, SABUF_CMD_WAITERS_GET, root_id, r) == -ENOENT, "");
		mine.fd = sabuf_t_open();
		CHILD_CHECK(mine.fd >= 0, "");
		CHILD_CHECK(sabuf_t_buf_create_map(&mine, 4096) == 0, "");
		w = (struct sabuf_t_waiter){ .fd = mine.fd, .args = sabuf_t_wait_args(4, 4, 0, -1) };
		CHILD_CHECK(sabuf_t_waiter_start_queued(&mine, &w) == 0, "");
		CHILD_CHECK(who_dump(fd, family, SABUF_CMD_HOLDERS_GET, mine.info.id, r) == 0, "");
		CHILD_CHECK(r->nr_holders == 1 && r->holders[0].pid == (uint32_t)getpid(),
			    "%u holders", r->nr_holders);
		CHILD_CHECK(who_dump(fd, family, SABUF_CMD_WAITERS_GET, mine.info.id, r) == 0, "");
		CHILD_CHECK(r->nr_waiters == 1 && r->waiters[0].tid == (uint32_t)w.tid, "");
		CHILD_CHECK(!r->malformed[0], "%s", r->malformed);
		CHILD_CHECK(sabuf_t_notify(mine.fd, 4, 1) == 1, "");
		CHILD_CHECK(sabuf_t_waiter_join(&w) == 0, "");
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
}

/* A reader in a new pid namespace: holders outside it are left out, waiters read 0. */
TEST_F(who, ids_are_the_readers_pid_namespace)
{
	struct sabuf_t_waiter w = { .fd = self->buf.fd };
	pid_t pid;

	w.args = sabuf_t_wait_args(4, 4, 0, -1);
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->buf, &w));
	if (unshare(CLONE_NEWPID))
		SKIP(goto out, "unshare(CLONE_NEWPID): %s", strerror(errno));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct nl_reply *r = nl_reply_new();
		int fd = nl_socket(true), family;

		CHILD_CHECK(r && fd >= 0 && getpid() == 1, "");
		family = nl_resolve(fd, r);
		CHILD_CHECK(family > 0, "");
		CHILD_CHECK(who_dump(fd, family, SABUF_CMD_HOLDERS_GET, self->buf.info.id, r) == 0, "");
		/* only itself (it inherited the fd and the mappings), as pid 1 */
		CHILD_CHECK(r->nr_holders == 1 && r->holders[0].pid == 1, "%u holders, first %u",
			    r->nr_holders, r->holders[0].pid);
		CHILD_CHECK(who_dump(fd, family, SABUF_CMD_WAITERS_GET, self->buf.info.id, r) == 0, "");
		CHILD_CHECK(r->nr_waiters == 1 && !r->waiters[0].tid && !r->waiters[0].pid &&
			    r->waiters[0].kind == SABUF_WAITER_KIND_WAIT, "");
		CHILD_CHECK(!r->malformed[0], "%s", r->malformed);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
out:
	EXPECT_EQ(1, sabuf_t_notify(self->buf.fd, 4, 1));
	EXPECT_EQ(0, sabuf_t_waiter_join(&w));
}

/* ---- rejected requests, each otherwise valid ---- */

TEST_F(who, rejects_a_request_without_the_id)
{
	struct nl_req req;

	for (uint8_t cmd = SABUF_CMD_HOLDERS_GET; cmd <= SABUF_CMD_WAITERS_GET; cmd++) {
		nl_req_init(&req, self->family, cmd, NLM_F_DUMP);
		ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
		EXPECT_EQ(-EINVAL, self->r->error) TH_LOG("cmd %u", cmd);
	}
}

TEST_F(who, rejects_an_unknown_id)
{
	for (uint8_t cmd = SABUF_CMD_HOLDERS_GET; cmd <= SABUF_CMD_WAITERS_GET; cmd++)
		EXPECT_EQ(-ENOENT, who_dump(self->fd, self->family, cmd, UINT64_MAX - 1, self->r));
}

TEST_F(who, rejects_a_request_without_dump)
{
	for (uint8_t cmd = SABUF_CMD_HOLDERS_GET; cmd <= SABUF_CMD_WAITERS_GET; cmd++) {
		ASSERT_EQ(0, nl_get(self->fd, self->family, cmd, self->buf.info.id, self->r));
		EXPECT_EQ(-EOPNOTSUPP, self->r->error) TH_LOG("cmd %u", cmd);
	}
}

TEST_F(who, rejects_a_wrongly_sized_id)
{
	struct nl_req req;
	uint32_t small = (uint32_t)self->buf.info.id;

	for (uint8_t cmd = SABUF_CMD_HOLDERS_GET; cmd <= SABUF_CMD_WAITERS_GET; cmd++) {
		nl_req_init(&req, self->family, cmd, NLM_F_DUMP);
		nl_req_put(&req, SABUF_A_ID, &small, sizeof(small));
		ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
		EXPECT_EQ(-EINVAL, self->r->error) TH_LOG("cmd %u", cmd);
	}
}

TEST_F(who, rejects_an_unknown_attribute)
{
	struct nl_req req;

	for (uint8_t cmd = SABUF_CMD_HOLDERS_GET; cmd <= SABUF_CMD_WAITERS_GET; cmd++) {
		nl_req_init(&req, self->family, cmd, NLM_F_DUMP);
		nl_req_put_u64(&req, SABUF_A_ID, self->buf.info.id);
		nl_req_put_u64(&req, SABUF_A_BYTE_LENGTH, 1);
		ASSERT_EQ(0, nl_transact(self->fd, &req, self->r));
		EXPECT_EQ(-EINVAL, self->r->error) TH_LOG("cmd %u", cmd);
	}
}

/* ======================================================================
 * fixture locks: `sabuf locks` and `sabuf show` (the tool)
 * ====================================================================== */

FIXTURE(locks) {
	struct cli_run *run;
	struct json_doc *doc;
	struct sabuf_t_buf buf;
	struct part parts[6];
	pid_t pids[6];
	int n;
	int nl_fd;
	uint16_t family;
	struct nl_reply *r;
};

FIXTURE_SETUP(locks)
{
	int ret;

	self->buf.fd = -1;
	self->n = 0;
	self->run = calloc(1, sizeof(*self->run));
	self->doc = calloc(1, sizeof(*self->doc));
	self->r = nl_reply_new();
	ASSERT_TRUE(self->run && self->doc && self->r);
	if (!cli_path())
		SKIP(return, "the sabuf tool is not on PATH (nor in $SABUF_CLI)");
	self->nl_fd = nl_socket(true);
	ASSERT_LE(0, self->nl_fd);
	ret = nl_resolve(self->nl_fd, self->r);
	if (ret == -ENOENT)
		SKIP(return, "generic netlink family '%s' not registered", SABUF_GENL_NAME);
	ASSERT_LT(0, ret);
	self->family = ret;
	SABUF_T_BUF_NEW(&self->buf, 4096);
}

FIXTURE_TEARDOWN(locks)
{
	for (int i = 0; i < self->n; i++) {
		if (self->pids[i] > 0)
			kill_reap(self->pids[i]);
	}
	/* threads of ours asleep in robust waits: end with the test's process */
	sabuf_t_buf_free(&self->buf);
	free(self->run);
	free(self->doc);
	free(self->r);
}

#define CLI(...) ({							\
	const char *const __args[] = { __VA_ARGS__, NULL };		\
	int __ret = cli_run(self->run, __args);				\
	ASSERT_EQ(0, __ret) TH_LOG("running sabuf: %s", strerror(-__ret)); \
	self->run->status;						\
})

/*
 * Start participants holding/waiting as (hold[i], wait[i]) (byte offsets,
 * NO_WAIT for a holder that only holds), processes or threads, and return
 * once the @sleepers of them sleep.
 */
static int start_parts(struct _test_data_locks *self, const uint64_t *hold, const uint64_t *wait,
		       int n, bool processes, int sleepers)
{
	static const char *const names[] = { "lk-a", "lk-b", "lk-c", "lk-d", "lk-e", "lk-f" };
	int i, ret;

	for (i = 0; i < n; i++) {
		self->parts[i] = (struct part){
			.buf = &self->buf, .hold = hold[i], .wait = wait[i], .comm = names[i],
		};
		self->pids[i] = part_start(&self->parts[i], processes);
		if (self->pids[i] < 0)
			return self->pids[i];
		self->n = i + 1;
	}
	for (i = 0; i < n; i++) {
		ret = part_go(&self->parts[i]);
		if (ret)
			return ret;
	}
	if (!SABUF_T_EVENTUALLY(count_waiters(self->nl_fd, self->family, self->buf.info.id,
					      self->r) == sleepers))
		return -ETIMEDOUT;
	return 0;
}

static bool json_has_tid(const struct json_doc *d, const char *prefix, pid_t tid, int n)
{
	char key[64];

	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%sthreads[%d].tid", prefix, i);
		if (json_get(d, "%s", key) && strtoull(json_get(d, "%s", key), NULL, 10) == (uint64_t)tid)
			return true;
	}
	return false;
}

/* Each of @n parts is in the one deadlock, in text and JSON; exit status 5. */
static void expect_one_deadlock(struct __test_metadata *_metadata, struct _test_data_locks *self,
				int n)
{
	char expect[64];

	EXPECT_EQ(5, CLI("locks")) TH_LOG("stdout: %s\nstderr: %s", self->run->out, self->run->err);
	snprintf(expect, sizeof(expect), "DEADLOCK 1 of 1: %d thread", n);
	EXPECT_NE(NULL, strstr(self->run->out, expect)) TH_LOG("%s", self->run->out);
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "(%s)", self->parts[i].comm);
		EXPECT_NE(NULL, strstr(self->run->out, name)) TH_LOG("%s", self->run->out);
	}
	EXPECT_EQ(5, CLI("locks", "--json"));
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	EXPECT_NE(NULL, json_get(self->doc, "deadlocks[0].threads[%d].tid", n - 1));
	EXPECT_EQ(NULL, json_get(self->doc, "deadlocks[0].threads[%d].tid", n));
	EXPECT_EQ(NULL, json_get(self->doc, "deadlocks[1].threads[0].tid"));
	for (int i = 0; i < n; i++) {
		EXPECT_TRUE(json_has_tid(self->doc, "deadlocks[0].", self->parts[i].tid, n))
			TH_LOG("tid %d (%s) not in the cycle", self->parts[i].tid, self->parts[i].comm);
	}
}

TEST_F(locks, abba_between_two_processes)
{
	const uint64_t hold[] = { 0, 4 }, wait[] = { 4, 0 };

	ASSERT_EQ(0, start_parts(self, hold, wait, 2, true, 2));
	expect_one_deadlock(_metadata, self, 2);
	EXPECT_EQ(NULL, json_get(self->doc, "locks[2].offset"));
	EXPECT_NE(NULL, json_get(self->doc, "locks[1].offset"));
}

TEST_F(locks, ring_of_three_processes)
{
	const uint64_t hold[] = { 0, 4, 8 }, wait[] = { 4, 8, 0 };

	ASSERT_EQ(0, start_parts(self, hold, wait, 3, true, 3));
	expect_one_deadlock(_metadata, self, 3);
}

TEST_F(locks, abba_between_two_threads_of_one_process)
{
	const uint64_t hold[] = { 0, 4 }, wait[] = { 4, 0 };
	pid_t child = fork();

	/* in a child, whose end takes the two sleeping threads with it */
	ASSERT_LE(0, child);
	if (child == 0) {
		self->n = 0;
		self->nl_fd = nl_socket(true);	/* not the parent's: replies would mix */
		if (self->nl_fd < 0 || start_parts(self, hold, wait, 2, false, 2))
			_exit(2);
		for (;;)
			pause();
	}
	self->pids[0] = child;
	self->n = 1;
	ASSERT_TRUE(SABUF_T_EVENTUALLY(count_waiters(self->nl_fd, self->family, self->buf.info.id,
						     self->r) == 2));
	EXPECT_EQ(5, CLI("locks", "--json"));
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	EXPECT_EQ((uint64_t)child, json_u64(self->doc, "deadlocks[0].threads[0].", "pid"));
	EXPECT_EQ((uint64_t)child, json_u64(self->doc, "deadlocks[0].threads[1].", "pid"));
	EXPECT_NE(json_u64(self->doc, "deadlocks[0].threads[0].", "tid"),
		  json_u64(self->doc, "deadlocks[0].threads[1].", "tid"));
	EXPECT_EQ(NULL, json_get(self->doc, "deadlocks[0].threads[2].tid"));
}

/* a waits on b's, b on c's, ... the last holds and runs: contended, not a deadlock */
TEST_F(locks, long_chain_is_no_deadlock)
{
	const uint64_t hold[] = { 0, 4, 8, 12, 16 }, wait[] = { 4, 8, 12, 16, NO_WAIT };

	ASSERT_EQ(0, start_parts(self, hold, wait, 5, true, 4));
	EXPECT_EQ(0, CLI("locks")) TH_LOG("%s", self->run->out);
	EXPECT_EQ(NULL, strstr(self->run->out, "DEADLOCK"));
	EXPECT_NE(NULL, strstr(self->run->out, "(lk-e)")) TH_LOG("%s", self->run->out);
	EXPECT_EQ(0, CLI("locks", "--json"));
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	for (int i = 0; i < 4; i++) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "locks[%d].", i);
		EXPECT_EQ(self->buf.info.id, json_u64(self->doc, prefix, "id"));
		EXPECT_EQ((uint64_t)4 * (i + 1), json_u64(self->doc, prefix, "offset"));
		snprintf(prefix, sizeof(prefix), "locks[%d].owner.", i);
		EXPECT_EQ((uint64_t)self->parts[i + 1].tid, json_u64(self->doc, prefix, "tid"));
		snprintf(prefix, sizeof(prefix), "locks[%d].sleepers[0].", i);
		EXPECT_EQ((uint64_t)self->parts[i].tid, json_u64(self->doc, prefix, "tid"));
	}
	EXPECT_EQ(NULL, json_get(self->doc, "locks[4].offset"));
	EXPECT_EQ(NULL, json_get(self->doc, "deadlocks[0].threads[0].tid"));
}

/* A ring whose one link's owner died: no deadlock (its sleeper is about to take over). */
TEST_F(locks, dead_owner_is_no_deadlock)
{
	const uint64_t hold[] = { 0, 4 }, wait[] = { 4, 0 };
	struct part gone = { .buf = &self->buf, .hold = NO_WAIT, .wait = NO_WAIT };
	pid_t g;

	ASSERT_EQ(0, start_parts(self, hold, wait, 2, true, 2));
	g = part_start(&gone, true);
	ASSERT_LT(0, g);
	kill_reap(g);
	/* b's mutex now names the dead one; a still watches b, so it sleeps on */
	__atomic_store_n(sabuf_t_u32(&self->buf, 4), gone.id | CONTENDED, __ATOMIC_SEQ_CST);
	EXPECT_EQ(0, CLI("locks", "--json")) TH_LOG("%s", self->run->out);
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	EXPECT_STREQ("true", json_get(self->doc, "locks[1].owner.dead"));
	EXPECT_EQ(NULL, json_get(self->doc, "deadlocks[0].threads[0].tid"));
	EXPECT_EQ(0, CLI("locks"));
	EXPECT_NE(NULL, strstr(self->run->out, "dead (owner id")) TH_LOG("%s", self->run->out);
}

TEST_F(locks, none_contended)
{
	EXPECT_EQ(0, CLI("locks"));
	EXPECT_STREQ("no contended mutexes\n", self->run->out);
	EXPECT_EQ(0, CLI("locks", "--json"));
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	EXPECT_EQ(2, CLI("locks", "extra"));
}

/* `sabuf show ID` lists holders and waiters with their pids, in text and JSON. */
TEST_F(locks, show_lists_holders_and_waiters)
{
	const uint64_t hold[] = { 0, NO_WAIT }, wait[] = { NO_WAIT, 0 };
	char id[32], line[128];

	ASSERT_EQ(0, start_parts(self, hold, wait, 2, true, 1));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)self->buf.info.id);
	EXPECT_EQ(0, CLI("show", id, "--json")) TH_LOG("%s", self->run->err);
	ASSERT_TRUE(json_parse(self->run->out, self->doc)) TH_LOG("not JSON: %s", self->run->out);
	EXPECT_EQ((uint64_t)getpid(), json_u64(self->doc, "holders[0].", "pid"));
	EXPECT_EQ(1ull, json_u64(self->doc, "holders[0].", "fds"));
	EXPECT_EQ(2ull, json_u64(self->doc, "holders[0].", "mappings"));
	EXPECT_EQ((uint64_t)self->pids[0], json_u64(self->doc, "holders[1].", "pid"));
	EXPECT_STREQ("lk-a", json_get(self->doc, "holders[1].comm"));
	EXPECT_EQ((uint64_t)self->pids[1], json_u64(self->doc, "holders[2].", "pid"));
	EXPECT_EQ(NULL, json_get(self->doc, "holders[3].pid"));
	EXPECT_STREQ("robust", json_get(self->doc, "waiter_list[0].kind"));
	EXPECT_EQ((uint64_t)self->parts[1].tid, json_u64(self->doc, "waiter_list[0].", "tid"));
	EXPECT_EQ((uint64_t)self->parts[0].tid, json_u64(self->doc, "waiter_list[0].owner.", "tid"));
	EXPECT_STREQ("lk-a", json_get(self->doc, "waiter_list[0].owner.comm"));

	EXPECT_EQ(0, CLI("show", id));
	snprintf(line, sizeof(line), "%d  lk-a", self->pids[0]);
	EXPECT_NE(NULL, strstr(self->run->out, line)) TH_LOG("%s", self->run->out);
	/* OFFSET KIND PID TID OWNER: "0  robust  PID  TID  OWNER-TID (lk-a)" */
	{
		const char *at = strstr(self->run->out, " robust ");
		int pid = 0, tid = 0, owner = 0;
		char comm[16] = "";

		ASSERT_NE(NULL, at) TH_LOG("%s", self->run->out);
		EXPECT_EQ(4, sscanf(at, " robust %d %d %d (%15[^)])", &pid, &tid, &owner, comm))
			TH_LOG("%s", self->run->out);
		EXPECT_EQ(self->pids[1], pid);
		EXPECT_EQ(self->parts[1].tid, tid);
		EXPECT_EQ(self->parts[0].tid, owner);
		EXPECT_STREQ("lk-a", comm);
	}
	(void)line;
}

TEST_HARNESS_MAIN
