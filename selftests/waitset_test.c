// SPDX-License-Identifier: GPL-2.0
/*
 * Waitsets at the ioctl level (SABUF_IOC_WAITSET_CREATE/ADD/CANCEL, read,
 * poll): asynchronous waits are ordinary waiters of their index (one FIFO
 * with blocking waiters, counted by notify the same way), settle exactly
 * once ("ok" only when a notify picked them, "timed-out" by a kernel
 * timer), cancel exactly against concurrent notifies, and leave nothing
 * behind when the waitset closes, its process is killed, or its buffer's
 * fds go first. Every rejected input has its own case with otherwise
 * valid arguments. The library's calls are tested in lib_waitset.
 */
#include "sabuf_test.h"

#include <poll.h>
#include <sys/epoll.h>

#define MSEC	SABUF_T_NSEC_PER_MSEC

static int ws_create(int fd, uint32_t flags)
{
	struct sabuf_waitset_create c = { .flags = flags };

	return sabuf_t_ioctl(fd, SABUF_IOC_WAITSET_CREATE, &c);
}

static struct sabuf_waitset_add ws_args(int bfd, uint64_t offset, uint32_t expected,
					int64_t timeout_ns, uint64_t tag)
{
	struct sabuf_waitset_add a = {
		.fd = bfd, .tag = tag,
		.wait = sabuf_t_wait_args(4, offset, expected, timeout_ns),
	};
	return a;
}

static int ws_add_args(int ws, struct sabuf_waitset_add *a)
{
	return sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, a);
}

static int ws_add(int ws, int bfd, uint64_t offset, uint32_t expected, int64_t timeout_ns,
		  uint64_t tag)
{
	struct sabuf_waitset_add a = ws_args(bfd, offset, expected, timeout_ns, tag);

	return ws_add_args(ws, &a);
}

static int ws_cancel(int ws, uint64_t tag)
{
	struct sabuf_waitset_cancel c = { .tag = tag };

	return sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_CANCEL, &c);
}

/* Read up to n results without blocking (the fd may block: poll first). */
static int ws_read(int ws, struct sabuf_waitset_result *r, unsigned int n)
{
	struct pollfd p = { .fd = ws, .events = POLLIN };
	ssize_t got;

	if (poll(&p, 1, 0) != 1)
		return 0;
	got = read(ws, r, n * sizeof(*r));
	if (got < 0)
		return -errno;
	return (int)(got / (ssize_t)sizeof(*r));
}

/* Wait (patiently) until a result is ready; 1 or 0. */
static int ws_ready(int ws)
{
	struct pollfd p = { .fd = ws, .events = POLLIN };

	return poll(&p, 1, SABUF_T_PATIENCE_MS) == 1;
}

FIXTURE(ws) {
	struct sabuf_t_buf b;
	int ws;
};

FIXTURE_SETUP(ws)
{
	SABUF_T_BUF_NEW(&self->b, 4096);
	self->ws = ws_create(self->b.fd, 0);
	ASSERT_LE(0, self->ws);
}

FIXTURE_TEARDOWN(ws)
{
	if (self->ws >= 0)
		close(self->ws);
	sabuf_t_buf_free(&self->b);
}

TEST_F(ws, notify_settles_ok_with_its_tag)
{
	struct sabuf_waitset_result r[2];

	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 77));
	EXPECT_EQ(1u, sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(0, ws_read(self->ws, r, 2));	/* nothing settled yet */
	EXPECT_EQ(1, sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
	ASSERT_EQ(1, ws_read(self->ws, r, 2));
	EXPECT_EQ(77ull, r[0].tag);
	EXPECT_EQ(0, r[0].result);
	EXPECT_EQ(0u, r[0].reserved);
	/* settled once: no second result, no second count */
	EXPECT_EQ(0, sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
	EXPECT_EQ(0, ws_read(self->ws, r, 2));
}

TEST_F(ws, settled_at_once_queue_nothing)
{
	*sabuf_t_u32(&self->b, 4) = 5;
	EXPECT_EQ(-EAGAIN, ws_add(self->ws, self->b.fd, 4, 0, -1, 1));
	EXPECT_EQ(-ETIMEDOUT, ws_add(self->ws, self->b.fd, 0, 0, 0, 2));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 4));
	EXPECT_EQ(0, sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
}

TEST_F(ws, timer_settles_timed_out)
{
	struct sabuf_waitset_result r;
	int64_t start = sabuf_t_now(CLOCK_MONOTONIC);

	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, 50 * MSEC, 9));
	ASSERT_TRUE(ws_ready(self->ws));
	EXPECT_LE(start + 50 * MSEC, sabuf_t_now(CLOCK_MONOTONIC));	/* never early */
	ASSERT_EQ(1, ws_read(self->ws, &r, 1));
	EXPECT_EQ(9ull, r.tag);
	EXPECT_EQ(-ETIMEDOUT, r.result);
	/* it left the queue: a notify finds nobody */
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(0, sabuf_t_notify(self->b.fd, 0, 1));
}

TEST_F(ws, absolute_deadlines_on_both_clocks)
{
	struct sabuf_waitset_add a = ws_args(self->b.fd, 0, 0, 0, 1);
	struct sabuf_waitset_result r[2];
	int n = 0;

	a.wait.flags |= SABUF_WAIT_ABSTIME;
	a.wait.timeout_ns = sabuf_t_now(CLOCK_MONOTONIC) + 30 * MSEC;
	ASSERT_EQ(0, ws_add_args(self->ws, &a));
	a.tag = 2;
	a.wait.clockid = CLOCK_REALTIME;
	a.wait.timeout_ns = sabuf_t_now(CLOCK_REALTIME) + 30 * MSEC;
	ASSERT_EQ(0, ws_add_args(self->ws, &a));
	a.wait.timeout_ns = sabuf_t_now(CLOCK_REALTIME) - SABUF_T_NSEC_PER_SEC;
	EXPECT_EQ(-ETIMEDOUT, ws_add_args(self->ws, &a));
	while (n < 2 && ws_ready(self->ws)) {
		int got = ws_read(self->ws, r + n, 2 - n);

		ASSERT_LE(0, got);
		n += got;
	}
	ASSERT_EQ(2, n);
	EXPECT_EQ(-ETIMEDOUT, r[0].result);
	EXPECT_EQ(-ETIMEDOUT, r[1].result);
}

TEST_F(ws, fifo_with_blocking_waiters)
{
	struct sabuf_t_log log = { 0 };
	struct sabuf_t_waiter w1 = { .fd = self->b.fd, .id = 1, .log = &log };
	struct sabuf_t_waiter w3 = { .fd = self->b.fd, .id = 3, .log = &log };
	struct sabuf_waitset_result r;

	w1.args = sabuf_t_wait_args(4, 0, 0, -1);
	w3.args = w1.args;
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &w1));
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 2));
	ASSERT_EQ(2u, sabuf_t_counter(&self->b, 0));
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &w3));
	/* a 64-bit async wait on the same offset is in the same queue */
	struct sabuf_waitset_add a = ws_args(self->b.fd, 0, 0, -1, 4);

	a.wait.flags = SABUF_WAIT_SIZE_U64;
	ASSERT_EQ(0, ws_add_args(self->ws, &a));

	EXPECT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	EXPECT_EQ(0, sabuf_t_waiter_join(&w1));
	EXPECT_EQ(0, ws_read(self->ws, &r, 1));
	EXPECT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	ASSERT_TRUE(ws_ready(self->ws));
	ASSERT_EQ(1, ws_read(self->ws, &r, 1));
	EXPECT_EQ(2ull, r.tag);
	EXPECT_FALSE(sabuf_t_waiter_done(&w3));
	EXPECT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	EXPECT_EQ(0, sabuf_t_waiter_join(&w3));
	EXPECT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	ASSERT_EQ(1, ws_read(self->ws, &r, 1));
	EXPECT_EQ(4ull, r.tag);
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
}

TEST_F(ws, cancel_exactly)
{
	struct sabuf_waitset_result r;

	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 5));
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 5));
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 6));
	EXPECT_EQ(-ENOENT, ws_cancel(self->ws, 7));
	EXPECT_EQ(0, ws_cancel(self->ws, 5));	/* the older of the two */
	EXPECT_EQ(2u, sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	ASSERT_EQ(1, ws_read(self->ws, &r, 1));
	EXPECT_EQ(5ull, r.tag);
	/* settled: cancel cannot take it back */
	EXPECT_EQ(-ENOENT, ws_cancel(self->ws, 5));
	EXPECT_EQ(0, ws_cancel(self->ws, 6));
	EXPECT_EQ(-ENOENT, ws_cancel(self->ws, 6));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(0, sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
	EXPECT_EQ(0, ws_read(self->ws, &r, 1));
}

TEST_F(ws, settled_result_not_cancelled)
{
	struct sabuf_waitset_result r;

	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, 10 * MSEC, 3));
	ASSERT_TRUE(ws_ready(self->ws));
	EXPECT_EQ(-ENOENT, ws_cancel(self->ws, 3));
	ASSERT_EQ(1, ws_read(self->ws, &r, 1));
	EXPECT_EQ(-ETIMEDOUT, r.result);
}

/* A notifier that notifies once per round, as soon as the round starts. */
struct racer {
	int fd;
	int round;	/* __atomic: the round to notify in; -1 ends */
	int done;	/* __atomic: the last round notified */
	int ret;	/* that notify's return */
	pthread_t thread;
};

static void *notify_racer(void *arg)
{
	struct racer *ra = arg;

	for (int seen = 0;;) {
		int r = __atomic_load_n(&ra->round, __ATOMIC_ACQUIRE);

		if (r < 0)
			return NULL;
		if (r == seen) {
			sched_yield();
			continue;
		}
		ra->ret = sabuf_t_notify(ra->fd, 0, 1);
		__atomic_store_n(&ra->done, r, __ATOMIC_RELEASE);
		seen = r;
	}
}

TEST_F_TIMEOUT(ws, cancel_races_notify_exactly_once, 300)
{
	struct racer ra = { .fd = self->b.fd };
	int rounds = 10000, ok = 0, cancelled = 0;

	ASSERT_EQ(0, pthread_create(&ra.thread, NULL, notify_racer, &ra));
	for (int i = 1; i <= rounds; i++) {
		struct sabuf_waitset_result r;
		int c, n;

		ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, i));
		__atomic_store_n(&ra.round, i, __ATOMIC_RELEASE);
		/* a varying head start for the notifier, so that both win often */
		for (volatile int k = 0; k < (i % 128) * 200; k++)
			;
		c = ws_cancel(self->ws, i);
		while (__atomic_load_n(&ra.done, __ATOMIC_ACQUIRE) != i)
			sched_yield();
		n = ws_read(self->ws, &r, 1);
		if (c == 0) {
			/* removed first: never reported, not counted */
			ASSERT_EQ(0, ra.ret);
			ASSERT_EQ(0, n);
			cancelled++;
		} else {
			ASSERT_EQ(-ENOENT, c);
			ASSERT_EQ(1, ra.ret);
			if (n == 0) {
				ASSERT_TRUE(ws_ready(self->ws));
				n = ws_read(self->ws, &r, 1);
			}
			ASSERT_EQ(1, n);
			ASSERT_EQ((uint64_t)i, r.tag);
			ASSERT_EQ(0, r.result);
			ok++;
		}
		ASSERT_EQ(0u, sabuf_t_counter(&self->b, 0));
	}
	__atomic_store_n(&ra.round, -1, __ATOMIC_RELEASE);
	pthread_join(ra.thread, NULL);
	TH_LOG("%d cancelled first, %d notified first", cancelled, ok);
}

TEST_F_TIMEOUT(ws, ten_thousand_pending_settle_once, 300)
{
	enum { N = 10000 };
	static struct sabuf_waitset_result r[N];
	static uint8_t seen[N];
	int n = 0;

	for (int i = 0; i < N; i++)
		ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 4 * (i % 64), 0, -1, i));
	for (int off = 0; off < 64 * 4; off += 4)
		ASSERT_EQ(N / 64 + (off / 4 < N % 64), sabuf_t_notify(self->b.fd, off, SABUF_NOTIFY_ALL));
	while (n < N) {
		int got;

		ASSERT_TRUE(ws_ready(self->ws));
		got = ws_read(self->ws, r + n, N - n);
		ASSERT_LT(0, got);
		n += got;
	}
	for (int i = 0; i < N; i++) {
		ASSERT_EQ(0, r[i].result);
		ASSERT_EQ(0, seen[r[i].tag]);
		seen[r[i].tag] = 1;
	}
	EXPECT_EQ(0, ws_read(self->ws, r, 1));
}

TEST_F(ws, results_come_in_settle_order_in_batches)
{
	struct sabuf_waitset_result r[8];

	for (int i = 0; i < 5; i++)
		ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 8 * i, 0, -1, 100 + i));
	for (int i = 4; i >= 0; i--)
		ASSERT_EQ(1, sabuf_t_notify(self->b.fd, 8 * i, 1));
	ASSERT_EQ(2, ws_read(self->ws, r, 2));
	ASSERT_EQ(3, ws_read(self->ws, r + 2, 8));
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(104ull - i, r[i].tag);
}

TEST_F(ws, read_rules)
{
	struct sabuf_waitset_result r;
	char small[15];
	int nb = ws_create(self->b.fd, SABUF_WAITSET_NONBLOCK);

	ASSERT_LE(0, nb);
	EXPECT_NE(0, fcntl(nb, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, fcntl(self->ws, F_GETFL) & O_NONBLOCK);
	EXPECT_NE(0, fcntl(nb, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(-1, read(nb, &r, sizeof(r)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, ws_add(nb, self->b.fd, 0, 0, -1, 1));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	EXPECT_EQ(-1, read(nb, small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	/* a fault delivers nothing and loses nothing */
	EXPECT_EQ(-1, read(nb, sabuf_t_bad_ptr(0), sizeof(r)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ((ssize_t)sizeof(r), read(nb, &r, sizeof(r)));
	EXPECT_EQ(1ull, r.tag);
	close(nb);
}

static void *blocking_reader(void *arg)
{
	int *fd = arg;
	struct sabuf_waitset_result r;

	return (void *)(intptr_t)(read(*fd, &r, sizeof(r)) == sizeof(r) ? (int)r.tag : -1);
}

TEST_F(ws, blocking_read_woken_by_notify)
{
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 42));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_reader, &self->ws));
	sabuf_t_sleep_ms(20);
	EXPECT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	pthread_join(t, &ret);
	EXPECT_EQ(42, (int)(intptr_t)ret);
}

TEST_F(ws, epoll_level_and_edge)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out;
	struct sabuf_waitset_result r[2];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->ws, &ev));
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 1));
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 2));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, SABUF_T_PATIENCE_MS));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));	/* edge seen, nothing new */
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));	/* a new settle: a new edge */
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, SABUF_T_PATIENCE_MS));
	EXPECT_EQ(2, ws_read(self->ws, r, 2));
	/* level-triggered poll: readable exactly while a result is ready */
	struct pollfd p = { .fd = self->ws, .events = POLLIN };

	EXPECT_EQ(0, poll(&p, 1, 0));
	close(ep);
}

TEST_F(ws, close_cancels_pending)
{
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 1));
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, 5 * SABUF_T_NSEC_PER_SEC, 2));
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 8, 0, -1, 3));
	EXPECT_EQ(2u, sabuf_t_counter(&self->b, 0));
	close(self->ws);
	self->ws = -1;
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 8));
	EXPECT_EQ(0, sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
}

TEST_F(ws, close_with_unread_results)
{
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 1));
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, 1 * MSEC, 2));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	ASSERT_TRUE(ws_ready(self->ws));
	sabuf_t_sleep_ms(20);
	close(self->ws);	/* kmemleak on the debug kernel sees any loss */
	self->ws = -1;
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
}

TEST_F(ws, pending_wait_holds_its_buffer)
{
	struct sabuf_waitset_result r;
	int dup = fcntl(self->b.fd, F_DUPFD_CLOEXEC, 0);
	void *data = self->b.data;

	ASSERT_LE(0, dup);
	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 1));
	/* every fd and mapping but one fd gone: the queue stays, the notify finds it */
	munmap(self->b.data, self->b.info.map_length);
	munmap((void *)self->b.counters, self->b.info.counters_length);
	self->b.data = NULL;
	self->b.counters = NULL;
	close(self->b.fd);
	self->b.fd = -1;
	EXPECT_EQ(1, sabuf_t_notify(dup, 0, 1));
	ASSERT_EQ(1, ws_read(self->ws, &r, 1));
	/* now with no fd at all: the wait alone holds the buffer until close */
	ASSERT_EQ(0, ws_add(self->ws, dup, 0, 0, -1, 2));
	close(dup);
	(void)data;
}

TEST_F(ws, shared_across_fork)
{
	struct sabuf_waitset_result r;
	pid_t pid;

	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 11));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* the child notifies and reads the shared waitset's result */
		if (sabuf_t_notify(self->b.fd, 0, 1) != 1 || !ws_ready(self->ws) ||
		    ws_read(self->ws, &r, 1) != 1 || r.tag != 11)
			_exit(1);
		_exit(0);
	}
	EXPECT_EQ(0, sabuf_t_reap(pid));
	EXPECT_EQ(0, ws_read(self->ws, &r, 1));
}

TEST_F(ws, killed_process_leaves_nothing)
{
	int pipefd[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ws = ws_create(self->b.fd, 0);

		for (int i = 0; i < 100; i++)
			if (ws < 0 || ws_add(ws, self->b.fd, 4 * (i % 4), 0,
					     i % 2 ? -1 : 60 * SABUF_T_NSEC_PER_SEC, i))
				_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(25u, sabuf_t_counter(&self->b, 0));
	kill(pid, SIGKILL);
	EXPECT_EQ(SABUF_T_KILLED(SIGKILL), sabuf_t_reap(pid));
	for (int off = 0; off < 16; off += 4) {
		EXPECT_EQ(0u, sabuf_t_counter(&self->b, off));
		EXPECT_EQ(0, sabuf_t_notify(self->b.fd, off, SABUF_NOTIFY_ALL));
	}
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(ws, readonly_fd_may_wait_async)
{
	struct sabuf_dup d = { 0 };
	struct sabuf_waitset_result r;
	int ro = sabuf_t_ioctl(self->b.fd, SABUF_IOC_DUP_READONLY, &d);
	int ws2;

	ASSERT_LE(0, ro);
	ws2 = ws_create(ro, 0);		/* a read-only handle makes waitsets too */
	ASSERT_LE(0, ws2);
	ASSERT_EQ(0, ws_add(ws2, ro, 0, 0, -1, 1));
	EXPECT_EQ(1, sabuf_t_notify(self->b.fd, 0, 1));
	ASSERT_EQ(1, ws_read(ws2, &r, 1));
	close(ws2);
	close(ro);
}

TEST_F(ws, max_waitset_waits_enospc)
{
	unsigned long long old;

	if (sabuf_t_param_read("max_waitset_waits", &old))
		SKIP(return, "no max_waitset_waits parameter");
	if (sabuf_t_param_write("max_waitset_waits", 2))
		SKIP(return, "cannot set max_waitset_waits (not root?)");
	EXPECT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 1));
	EXPECT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 2));
	EXPECT_EQ(-ENOSPC, ws_add(self->ws, self->b.fd, 0, 0, -1, 3));
	EXPECT_EQ(0, ws_cancel(self->ws, 1));
	EXPECT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 3));
	EXPECT_EQ(0, sabuf_t_param_write("max_waitset_waits", old));
	EXPECT_EQ(2u, sabuf_t_counter(&self->b, 0));
}

/* ---- every rejected input, with otherwise valid arguments ---- */

TEST_F(ws, create_rejects)
{
	struct sabuf_waitset_create c = { .flags = 1u << 5 };
	int empty = sabuf_t_open();

	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->b.fd, SABUF_IOC_WAITSET_CREATE, &c));
	c.flags = 0;
	c.reserved = 1;
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->b.fd, SABUF_IOC_WAITSET_CREATE, &c));
	/* an empty handle is fine */
	ASSERT_LE(0, empty);
	int ws = ws_create(empty, 0);

	EXPECT_LE(0, ws);
	close(ws);
	close(empty);
}

TEST_F(ws, add_rejects)
{
	struct sabuf_waitset_add a;
	int empty = sabuf_t_open(), pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));
	a = ws_args(self->b.fd, 0, 0, -1, 1);
	a.flags = 1;
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a = ws_args(-1, 0, 0, -1, 1);
	EXPECT_EQ(-EBADF, ws_add_args(self->ws, &a));
	a = ws_args(pipefd[0], 0, 0, -1, 1);
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a = ws_args(self->ws, 0, 0, -1, 1);	/* a waitset is no buffer */
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a = ws_args(empty, 0, 0, -1, 1);
	EXPECT_EQ(-EBADFD, ws_add_args(self->ws, &a));
	a = ws_args(self->b.fd, 2, 0, -1, 1);
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a = ws_args(self->b.fd, 4096, 0, -1, 1);
	EXPECT_EQ(-ERANGE, ws_add_args(self->ws, &a));
	a = ws_args(self->b.fd, 0, 0, -1, 1);
	a.wait.flags = 0;
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a.wait.flags = SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64;
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a.wait.flags = SABUF_WAIT_SIZE_U32 | (1u << 20);
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a.wait.flags = SABUF_WAIT_SIZE_U32 | SABUF_WAIT_HANDON;
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a.wait.flags = SABUF_WAIT_SIZE_U32 | SABUF_WAIT_ROBUST;
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a = ws_args(self->b.fd, 0, 0, -1, 1);
	a.wait.clockid = CLOCK_BOOTTIME;
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a = ws_args(self->b.fd, 0, 0, -1, 1);
	a.wait.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	a = ws_args(self->b.fd, 0, 0, -1, 1);
	a.wait.expected = 1ull << 32;
	EXPECT_EQ(-EINVAL, ws_add_args(self->ws, &a));
	/* nothing of it was queued */
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(-EFAULT, sabuf_t_ioctl(self->ws, SABUF_IOC_WAITSET_ADD, sabuf_t_bad_ptr(0)));
	close(pipefd[0]);
	close(pipefd[1]);
	close(empty);
}

TEST_F(ws, cancel_rejects)
{
	struct sabuf_waitset_cancel c = { .tag = 1, .flags = 1 };

	ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, 0, -1, 1));
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->ws, SABUF_IOC_WAITSET_CANCEL, &c));
	c.flags = 0;
	c.reserved = 1;
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->ws, SABUF_IOC_WAITSET_CANCEL, &c));
	EXPECT_EQ(1u, sabuf_t_counter(&self->b, 0));	/* still pending */
}

TEST_F(ws, commands_of_the_other_file_enotty)
{
	struct sabuf_waitset_cancel c = { .tag = 1 };
	struct sabuf_waitset_add a = ws_args(self->b.fd, 0, 0, -1, 1);
	struct sabuf_notify n = { .offset = 0, .count = 1 };

	EXPECT_EQ(-ENOTTY, sabuf_t_ioctl(self->b.fd, SABUF_IOC_WAITSET_CANCEL, &c));
	EXPECT_EQ(-ENOTTY, sabuf_t_ioctl(self->b.fd, SABUF_IOC_WAITSET_ADD, &a));
	EXPECT_EQ(-ENOTTY, sabuf_t_ioctl(self->ws, SABUF_IOC_NOTIFY, &n));
	EXPECT_EQ(-ENOTTY, ws_create(self->ws, 0));
	EXPECT_EQ(-ENOTTY, sabuf_t_ioctl(self->ws, _IO(0x42, 1), NULL));
}

TEST_F(ws, waitset_feature_bit)
{
	EXPECT_NE(0ull, (unsigned long long)(self->b.info.features & SABUF_FEATURE_WAITSET));
}

TEST_HARNESS_MAIN
