// SPDX-License-Identifier: GPL-2.0
/*
 * Waitsets through libsabuf (DESIGN.md, "Asynchronous waits"): results
 * settled at once (not-equal, timeout <= 0), SABUF_PENDING then SABUF_OK
 * from the notify that picked it (counted by it) or SABUF_TIMED_OUT from
 * the kernel's timer; sabuf_waitset_next's timeout rules; cancel exactly
 * once; a notify from another process; async and blocking waiters in one
 * FIFO; threads taking results concurrently, each result once; the fd in
 * an epoll loop; destroy with pending waits; every argument error.
 */
#include "lib_test.h"

#include <poll.h>
#include <sys/epoll.h>

FIXTURE(ws) {
	struct sabuf *sb;
	int32_t *w32;
	int64_t *w64;
	struct sabuf_waitset *ws;
};

FIXTURE_SETUP(ws)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->w32 = sabuf_data(self->sb);
	self->w64 = sabuf_data(self->sb);
	ASSERT_EQ(0, sabuf_waitset_create(&self->ws));
}

FIXTURE_TEARDOWN(ws)
{
	sabuf_waitset_destroy(self->ws);
	sabuf_destroy(self->sb);
}

TEST_F(ws, settled_at_once)
{
	uint64_t tag;
	int result;

	self->w32[1] = 7;
	EXPECT_EQ(SABUF_NOT_EQUAL, sabuf_wait32_async(self->ws, self->sb, &self->w32[1], 0,
						      SABUF_FOREVER, 1));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32_async(self->ws, self->sb, &self->w32[0], 0, 0, 2));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait64_async(self->ws, self->sb, &self->w64[2], 0, -1, 3));
	/* nothing was queued, nothing will be reported */
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->w32[0], SABUF_ALL));
	EXPECT_EQ(0, sabuf_waitset_next(self->ws, &tag, &result, 0));
}

TEST_F(ws, pending_then_ok_counted_by_its_notify)
{
	uint64_t tag = 0;
	int result = -1;

	ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[0], 0,
						    SABUF_FOREVER, 0xfeedULL << 32));
	ASSERT_EQ(SABUF_PENDING, sabuf_wait64_async(self->ws, self->sb, &self->w64[1], 0,
						    SABUF_FOREVER, 2));
	EXPECT_EQ(0, sabuf_waitset_next(self->ws, &tag, &result, 0));
	EXPECT_EQ(0, sabuf_waitset_next(self->ws, &tag, &result, 20 * NSEC_PER_MSEC));
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w32[0], SABUF_ALL));
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, SABUF_FOREVER));
	EXPECT_EQ(0xfeedULL << 32, tag);
	EXPECT_EQ(SABUF_OK, result);
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w64[1], 1));
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, SABUF_FOREVER));
	EXPECT_EQ(2ull, tag);
	EXPECT_EQ(0, sabuf_waitset_next(self->ws, NULL, NULL, 0));
}

TEST_F(ws, timeout_in_the_kernel)
{
	int64_t start = now_ns();
	uint64_t tag;
	int result;

	ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[0], 0,
						    40 * NSEC_PER_MSEC, 5));
	/* nobody calls into the library meanwhile: the kernel's timer settles it */
	sleep_ms(100);
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, 0));
	EXPECT_EQ(5ull, tag);
	EXPECT_EQ(SABUF_TIMED_OUT, result);
	EXPECT_LE(start + 40 * NSEC_PER_MSEC, now_ns());
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->w32[0], 1));
}

TEST_F(ws, cancel)
{
	uint64_t tag;
	int result;

	ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[0], 0,
						    SABUF_FOREVER, 1));
	ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[0], 0,
						    SABUF_FOREVER, 2));
	EXPECT_EQ(0, sabuf_waitset_cancel(self->ws, 1));
	EXPECT_EQ(-ENOENT, sabuf_waitset_cancel(self->ws, 1));
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w32[0], SABUF_ALL));
	EXPECT_EQ(-ENOENT, sabuf_waitset_cancel(self->ws, 2));	/* settled */
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, SABUF_FOREVER));
	EXPECT_EQ(2ull, tag);
}

TEST_F(ws, notify_from_another_process)
{
	uint64_t tag;
	int result;
	pid_t pid;

	ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[3], 0,
						    SABUF_FOREVER, 33));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		sabuf_store(&self->w32[3], 1);
		_exit(sabuf_notify(self->sb, &self->w32[3], 1) == 1 ? 0 : 1);
	}
	EXPECT_EQ(0, wait_child(pid, 20000));
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, SABUF_FOREVER));
	EXPECT_EQ(33ull, tag);
	EXPECT_EQ(SABUF_OK, result);
}

struct blocker {
	struct sabuf *sb;
	int32_t *addr;
	int ret;
	pthread_t thread;
};

static void *blocker_main(void *arg)
{
	struct blocker *b = arg;

	b->ret = sabuf_wait32(b->sb, b->addr, 0, SABUF_FOREVER);
	return NULL;
}

TEST_F(ws, one_fifo_with_blocking_waiters)
{
	struct blocker b = { .sb = self->sb, .addr = &self->w32[0], .ret = -1 };
	uint64_t tag;
	int result;

	ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[0], 0,
						    SABUF_FOREVER, 1));
	ASSERT_EQ(0, pthread_create(&b.thread, NULL, blocker_main, &b));
	sleep_ms(100);		/* queued behind the async wait */
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w32[0], 1));
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, SABUF_FOREVER));
	EXPECT_EQ(-1, b.ret);	/* still asleep: the async wait was first */
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w32[0], 1));
	EXPECT_EQ(0, join_within(b.thread, 20000));
	EXPECT_EQ(SABUF_OK, b.ret);
}

struct taker {
	struct sabuf_waitset *ws;
	int got;
	uint8_t *seen;
	int dup;
	pthread_t thread;
};

static void *taker_main(void *arg)
{
	struct taker *t = arg;
	uint64_t tag;
	int result;

	while (sabuf_waitset_next(t->ws, &tag, &result, 300 * NSEC_PER_MSEC) == 1) {
		if (__atomic_fetch_add(&t->seen[tag], 1, __ATOMIC_SEQ_CST))
			t->dup++;
		t->got++;
	}
	return NULL;
}

TEST_F(ws, threads_take_each_result_once)
{
	enum { N = 3000 };
	static uint8_t seen[N];
	struct taker t[3];
	int total = 0;

	for (int i = 0; i < N; i++)
		ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[i % 8],
							    0, SABUF_FOREVER, i));
	for (int i = 0; i < 3; i++) {
		t[i] = (struct taker){ .ws = self->ws, .seen = seen };
		ASSERT_EQ(0, pthread_create(&t[i].thread, NULL, taker_main, &t[i]));
	}
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(N / 8, sabuf_notify(self->sb, &self->w32[i], SABUF_ALL));
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i].thread, NULL);
		EXPECT_EQ(0, t[i].dup);
		total += t[i].got;
	}
	EXPECT_EQ(N, total);
}

TEST_F(ws, fd_in_an_epoll_loop)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep = epoll_create1(EPOLL_CLOEXEC), served = 0;
	uint64_t tag;
	int result;

	ASSERT_LE(0, ep);
	ASSERT_LE(0, sabuf_waitset_fd(self->ws));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, sabuf_waitset_fd(self->ws), &ev));
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[i], 0,
							    SABUF_FOREVER, i));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(1, sabuf_notify(self->sb, &self->w32[i], 1));
	while (served < 4 && epoll_wait(ep, &out, 1, 10000) == 1)
		while (sabuf_waitset_next(self->ws, &tag, &result, 0) == 1)
			served++;
	EXPECT_EQ(4, served);
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	close(ep);
}

TEST_F(ws, destroy_cancels_pending)
{
	struct sabuf_waitset *ws2;
	int fds = open_fd_count();

	ASSERT_EQ(0, sabuf_waitset_create(&ws2));
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(ws2, self->sb, &self->w32[0], 0,
							    i % 2 ? SABUF_FOREVER : NSEC_PER_SEC,
							    i));
	sabuf_waitset_destroy(ws2);
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->w32[0], SABUF_ALL));
	EXPECT_EQ(fds, open_fd_count());
}

TEST_F(ws, argument_errors)
{
	uint64_t tag;
	int result;

	EXPECT_EQ(-EINVAL, sabuf_waitset_create(NULL));
	EXPECT_EQ(-EINVAL, sabuf_wait32_async(NULL, self->sb, &self->w32[0], 0, 1, 1));
	EXPECT_EQ(-EINVAL, sabuf_wait32_async(self->ws, NULL, &self->w32[0], 0, 1, 1));
	EXPECT_EQ(-EINVAL, sabuf_wait32_async(self->ws, self->sb,
					      (const int32_t *)((char *)self->w32 + 2), 0, 1, 1));
	EXPECT_EQ(-EINVAL, sabuf_wait64_async(self->ws, self->sb,
					      (const int64_t *)((char *)self->w64 + 4), 0, 1, 1));
	EXPECT_EQ(-ERANGE, sabuf_wait32_async(self->ws, self->sb, &self->w32[1024], 0, 1, 1));
	EXPECT_EQ(-ERANGE, sabuf_wait32_async(self->ws, self->sb, &result, 0, 1, 1));
	EXPECT_EQ(-EINVAL, sabuf_waitset_next(NULL, &tag, &result, 0));
	EXPECT_EQ(-EINVAL, sabuf_waitset_cancel(NULL, 1));
	EXPECT_EQ(-EINVAL, sabuf_waitset_fd(NULL));
	sabuf_waitset_destroy(NULL);	/* a no-op, as free(NULL) */
}

/* The library keeps no results: the fd is readable while one is unclaimed. */
TEST_F(ws, fd_readable_while_a_result_is_unclaimed)
{
	struct pollfd p = { .fd = sabuf_waitset_fd(self->ws), .events = POLLIN };
	uint64_t tag;
	int result;

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[0], 0,
							    SABUF_FOREVER, i));
	EXPECT_EQ(2, sabuf_notify(self->sb, &self->w32[0], SABUF_ALL));
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, SABUF_FOREVER));
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, 0));
	EXPECT_EQ(0, poll(&p, 1, 0));
}

/* fork shares the waitset, not a copy of results: each is reported once. */
TEST_F(ws, fork_reports_each_result_once)
{
	uint64_t tag;
	int result;
	pid_t pid;

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(SABUF_PENDING, sabuf_wait32_async(self->ws, self->sb, &self->w32[0], 0,
							    SABUF_FOREVER, i));
	EXPECT_EQ(2, sabuf_notify(self->sb, &self->w32[0], SABUF_ALL));
	EXPECT_EQ(1, sabuf_waitset_next(self->ws, &tag, &result, SABUF_FOREVER));
	EXPECT_EQ(0ull, tag);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(sabuf_waitset_next(self->ws, &tag, &result, 0) == 1 && tag == 1 ? 0 : 1);
	EXPECT_EQ(0, wait_child(pid, 20000));
	EXPECT_EQ(0, sabuf_waitset_next(self->ws, &tag, &result, 0));
}

static struct timespec in_ms(clockid_t clock, int ms)
{
	struct timespec t;

	clock_gettime(clock, &t);
	t.tv_nsec += (long)ms * 1000000L;
	t.tv_sec += t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

TEST_F(ws, absolute_deadline_forms)
{
	struct timespec past = { .tv_sec = 1 }, t;
	struct sabuf_wait_item item = { .sb = self->sb, .addr = &self->w32[0], .size = 4 };
	uint64_t tag;
	unsigned int which;
	int result;
	int64_t start = now_ns();

	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32_async_clock(self->ws, self->sb, &self->w32[0], 0,
							    CLOCK_MONOTONIC, &past, 1));
	EXPECT_EQ(-EINVAL, sabuf_wait32_async_clock(self->ws, self->sb, &self->w32[0], 0,
						    CLOCK_BOOTTIME, &past, 1));
	t = in_ms(CLOCK_REALTIME, 30);
	ASSERT_EQ(SABUF_PENDING, sabuf_wait64_async_clock(self->ws, self->sb, &self->w64[1], 0,
							  CLOCK_REALTIME, &t, 2));
	t = in_ms(CLOCK_MONOTONIC, 5000);
	EXPECT_EQ(1, sabuf_waitset_next_clock(self->ws, &tag, &result, CLOCK_MONOTONIC, &t));
	EXPECT_EQ(2ull, tag);
	EXPECT_EQ(SABUF_TIMED_OUT, result);
	EXPECT_LE(start + 30 * NSEC_PER_MSEC, now_ns());
	t = in_ms(CLOCK_MONOTONIC, 20);
	start = now_ns();
	EXPECT_EQ(0, sabuf_waitset_next_clock(self->ws, &tag, &result, CLOCK_MONOTONIC, &t));
	EXPECT_LE(start + 19 * NSEC_PER_MSEC, now_ns());
	EXPECT_EQ(-EINVAL, sabuf_waitset_next_clock(self->ws, &tag, &result, CLOCK_MONOTONIC, NULL));
	t = in_ms(CLOCK_MONOTONIC, 20);
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait_any_clock(&item, 1, CLOCK_MONOTONIC, &t, &which));
	EXPECT_EQ(-EINVAL, sabuf_wait_any_clock(&item, 1, CLOCK_TAI, &t, &which));
	t = in_ms(CLOCK_REALTIME, 20);
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_notify_wait32_clock(self->sb, &self->w32[4], 1,
							     &self->w32[0], 0, CLOCK_REALTIME, &t));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_notify_wait64_clock(self->sb, &self->w32[4], 1,
							     &self->w64[1], 0, CLOCK_MONOTONIC, &past));
	EXPECT_EQ(-EINVAL, sabuf_notify_wait32_clock(self->sb, &self->w32[4], 1, &self->w32[0], 0,
						     CLOCK_MONOTONIC, NULL));
}

TEST_HARNESS_MAIN
