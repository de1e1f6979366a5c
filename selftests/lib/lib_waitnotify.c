// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_wait32, sabuf_wait64 and sabuf_notify: each result of JavaScript's
 * Atomics.wait ("ok", "not-equal", "timed-out"), notify counts, FIFO order,
 * signals (-EINTR; SA_RESTART keeps the deadline), every argument error,
 * and waking across processes.
 */
#include <sys/syscall.h>

#include "lib_test.h"

FIXTURE(wn) {
	struct sabuf *sb;
	int32_t *w32;		/* the buffer as Int32Array */
	int64_t *w64;		/* ... and as BigInt64Array */
};

FIXTURE_SETUP(wn)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->w32 = sabuf_data(self->sb);
	self->w64 = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(wn)
{
	sabuf_destroy(self->sb);
}

/* A thread that waits once and records what it got. */
struct waiter {
	struct sabuf *sb;
	int32_t *w32;		/* wait32 on this ... */
	int64_t *w64;		/* ... or wait64 on this */
	int64_t expected;
	int64_t timeout_ns;
	int ret;
	pid_t tid;
	int64_t elapsed_ns;
	int order;		/* the position it woke in */
	int *next_order;
	pthread_t thread;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	int64_t start;

	sabuf_store(&w->tid, (pid_t)syscall(SYS_gettid));
	start = now_ns();
	if (w->w64)
		w->ret = sabuf_wait64(w->sb, w->w64, w->expected, w->timeout_ns);
	else
		w->ret = sabuf_wait32(w->sb, w->w32, (int32_t)w->expected,
				      w->timeout_ns);
	sabuf_store(&w->elapsed_ns, now_ns() - start);
	if (w->next_order)
		w->order = sabuf_add(w->next_order, 1);
	return NULL;
}

static int start_waiter(struct waiter *w)
{
	w->tid = 0;
	if (pthread_create(&w->thread, NULL, waiter_main, w))
		return -1;
	while (!sabuf_load(&w->tid))
		sleep_ms(1);
	/* asleep in the kernel: the only place this thread can block */
	return wait_until_sleeping(w->tid, 10000);
}

TEST_F(wn, not_equal_when_the_word_differs)
{
	self->w32[0] = 5;
	self->w64[1] = 1LL << 40;
	EXPECT_EQ(SABUF_NOT_EQUAL, sabuf_wait32(self->sb, &self->w32[0], 4, 0));
	EXPECT_EQ(SABUF_NOT_EQUAL,
		  sabuf_wait32(self->sb, &self->w32[0], 4, SABUF_FOREVER));
	/* the high half matters: 1 << 40 is not 0 */
	EXPECT_EQ(SABUF_NOT_EQUAL, sabuf_wait64(self->sb, &self->w64[1], 0, -5));
}

TEST_F(wn, timed_out_when_nobody_notifies)
{
	int64_t start;

	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(self->sb, &self->w32[0], 0, 0));
	start = now_ns();
	EXPECT_EQ(SABUF_TIMED_OUT,
		  sabuf_wait32(self->sb, &self->w32[0], 0, 30 * NSEC_PER_MSEC));
	EXPECT_GE(now_ns() - start, 30 * NSEC_PER_MSEC);

	self->w64[1] = 1LL << 40;
	start = now_ns();
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait64(self->sb, &self->w64[1],
						1LL << 40, 30 * NSEC_PER_MSEC));
	EXPECT_GE(now_ns() - start, 30 * NSEC_PER_MSEC);
}

/* Negative 32-bit values reach the kernel as the same bit pattern. */
TEST_F(wn, negative_values_compare_equal)
{
	self->w32[2] = -5;
	self->w64[2] = -7;
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(self->sb, &self->w32[2], -5, 0));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait64(self->sb, &self->w64[2], -7, 0));
	self->w32[3] = INT32_MIN;
	EXPECT_EQ(SABUF_TIMED_OUT,
		  sabuf_wait32(self->sb, &self->w32[3], INT32_MIN, 0));
}

TEST_F(wn, ok_when_notified)
{
	struct waiter w = { .sb = self->sb, .w32 = &self->w32[4],
			    .timeout_ns = 20 * NSEC_PER_SEC };

	ASSERT_EQ(0, start_waiter(&w));
	sabuf_store(&self->w32[4], 1);
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w32[4], 1));
	ASSERT_EQ(0, join_within(w.thread, 10000));
	EXPECT_EQ(SABUF_OK, w.ret);
}

/* ok means a notify picked it: even if the value never changed. */
TEST_F(wn, ok_without_a_change_of_value)
{
	struct waiter w = { .sb = self->sb, .w64 = &self->w64[3],
			    .timeout_ns = 20 * NSEC_PER_SEC };

	ASSERT_EQ(0, start_waiter(&w));
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w64[3], SABUF_ALL));
	ASSERT_EQ(0, join_within(w.thread, 10000));
	EXPECT_EQ(SABUF_OK, w.ret);
}

TEST_F(wn, notify_counts_and_fifo_order)
{
	struct waiter w[4];
	int next = 0, i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct waiter){ .sb = self->sb, .w32 = &self->w32[8],
					.timeout_ns = 20 * NSEC_PER_SEC,
					.next_order = &next };
		ASSERT_EQ(0, start_waiter(&w[i]));	/* queued in this order */
	}
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->w32[8], 0));
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w32[8], 1));
	ASSERT_EQ(0, join_within(w[0].thread, 10000));	/* the oldest */
	EXPECT_EQ(SABUF_OK, w[0].ret);
	EXPECT_EQ(0, w[0].order);
	EXPECT_EQ(2, sabuf_notify(self->sb, &self->w32[8], 2));
	ASSERT_EQ(0, join_within(w[1].thread, 10000));
	ASSERT_EQ(0, join_within(w[2].thread, 10000));
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->w32[8], SABUF_ALL));
	ASSERT_EQ(0, join_within(w[3].thread, 10000));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(SABUF_OK, w[i].ret);
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->w32[8], SABUF_ALL));
}

TEST_F(wn, notify_with_nobody_waiting_is_zero)
{
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->w32[0], 1));
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->w32[0], SABUF_ALL));
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->w64[5], SABUF_ALL));
}

/* A 32-bit and a 64-bit waiter at one offset share one queue. */
TEST_F(wn, wait32_and_wait64_share_an_index)
{
	struct waiter a = { .sb = self->sb, .w32 = &self->w32[12],
			    .timeout_ns = 20 * NSEC_PER_SEC };
	struct waiter b = { .sb = self->sb, .w64 = &self->w64[6],
			    .timeout_ns = 20 * NSEC_PER_SEC };

	ASSERT_EQ((void *)&self->w32[12], (void *)&self->w64[6]);
	ASSERT_EQ(0, start_waiter(&a));
	ASSERT_EQ(0, start_waiter(&b));
	EXPECT_EQ(2, sabuf_notify(self->sb, &self->w32[12], SABUF_ALL));
	ASSERT_EQ(0, join_within(a.thread, 10000));
	ASSERT_EQ(0, join_within(b.thread, 10000));
	EXPECT_EQ(SABUF_OK, a.ret);
	EXPECT_EQ(SABUF_OK, b.ret);
}

TEST_F(wn, misaligned_is_einval)
{
	char *base = sabuf_data(self->sb);

	EXPECT_EQ(-EINVAL, sabuf_wait32(self->sb, (int32_t *)(base + 2), 0, 0));
	EXPECT_EQ(-EINVAL, sabuf_wait64(self->sb, (int64_t *)(base + 4), 0, 0));
	EXPECT_EQ(-EINVAL, sabuf_notify(self->sb, base + 1, 1));
	EXPECT_EQ(-EINVAL, sabuf_notify(self->sb, base + 6, SABUF_ALL));
}

TEST_F(wn, outside_the_buffer_is_erange)
{
	int32_t elsewhere = 0;
	char *base = sabuf_data(self->sb);
	size_t len = sabuf_byte_length(self->sb);

	EXPECT_EQ(-ERANGE, sabuf_wait32(self->sb, &elsewhere, 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_notify(self->sb, &elsewhere, 1));
	EXPECT_EQ(-ERANGE, sabuf_wait32(self->sb, (int32_t *)(base - 4), 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_wait32(self->sb, (int32_t *)(base + len), 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_wait64(self->sb, (int64_t *)(base + len), 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_notify(self->sb, base + len, 1));
	/* the last words are inside */
	EXPECT_EQ(SABUF_TIMED_OUT,
		  sabuf_wait32(self->sb, (int32_t *)(base + len - 4), 0, 0));
	EXPECT_EQ(SABUF_TIMED_OUT,
		  sabuf_wait64(self->sb, (int64_t *)(base + len - 8), 0, 0));
}

/* The type-generic names still take void pointers and NULL, as the 0.1
 * functions did, and integers of every spelling of the width. */
TEST_F(wn, void_pointers_null_and_other_spellings)
{
	void *base = sabuf_data(self->sb);
	struct timespec ts = { 0, 0 };

	EXPECT_EQ(-ERANGE, sabuf_wait32(self->sb, NULL, 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_wait64(self->sb, NULL, 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_wait32_clock(self->sb, NULL, 0,
					      CLOCK_MONOTONIC, &ts));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(self->sb, base, 0, 0));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait64(self->sb, base, 0, 0));
	self->w32[0] = -1;
	EXPECT_EQ(SABUF_TIMED_OUT,
		  sabuf_wait32(self->sb, (uint32_t *)&self->w32[0],
			       (int32_t)0xffffffffu, 0));
	EXPECT_EQ(SABUF_TIMED_OUT,
		  sabuf_wait32(self->sb, (_Atomic int *)&self->w32[0], -1, 0));
	EXPECT_EQ(SABUF_NOT_EQUAL,
		  sabuf_wait64(self->sb, (long long *)&self->w64[1], 5, 0));
	EXPECT_EQ(SABUF_TIMED_OUT,
		  sabuf_wait64(self->sb, (volatile unsigned long long *)
					 &self->w64[1], 0, 0));
}

/* Inside the page but past byte_length is outside the buffer too. */
TEST(past_byte_length_is_erange)
{
	struct sabuf *sb;
	char *base;

	CREATE_OR_SKIP(6, &sb);
	base = sabuf_data(sb);
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(sb, (int32_t *)base, 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_wait32(sb, (int32_t *)(base + 4), 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_wait64(sb, (int64_t *)base, 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_notify(sb, base + 4, 1));
	EXPECT_EQ(-ERANGE, sabuf_wait32(sb, (int32_t *)(base + 4096), 0, 0));
	sabuf_destroy(sb);
}

static void on_signal(int sig)
{
	(void)sig;
}

static void install_handler(int sig, int flags)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

TEST_F(wn, a_handler_without_sa_restart_gives_eintr)
{
	struct waiter w = { .sb = self->sb, .w32 = &self->w32[16],
			    .timeout_ns = 20 * NSEC_PER_SEC };

	install_handler(SIGUSR1, 0);
	ASSERT_EQ(0, start_waiter(&w));
	pthread_kill(w.thread, SIGUSR1);
	ASSERT_EQ(0, join_within(w.thread, 10000));
	EXPECT_EQ(-EINTR, w.ret);
}

/*
 * With SA_RESTART the wait resumes by itself and keeps its deadline: a
 * 300 ms wait under a signal every 20 ms for 1.5 s still ends near 300 ms
 * (restarting with the full timeout each time would last past 1.5 s).
 */
TEST_F(wn, sa_restart_resumes_and_keeps_the_deadline)
{
	struct waiter w = { .sb = self->sb, .w32 = &self->w32[20],
			    .timeout_ns = 300 * NSEC_PER_MSEC };
	int64_t end;

	install_handler(SIGUSR1, SA_RESTART);
	ASSERT_EQ(0, start_waiter(&w));
	end = now_ns() + 1500 * NSEC_PER_MSEC;
	while (now_ns() < end && pthread_kill(w.thread, SIGUSR1) == 0 &&
	       !sabuf_load(&w.elapsed_ns))
		sleep_ms(20);
	ASSERT_EQ(0, join_within(w.thread, 10000));
	EXPECT_EQ(SABUF_TIMED_OUT, w.ret);
	EXPECT_GE(w.elapsed_ns, 300 * NSEC_PER_MSEC);
	EXPECT_LT(w.elapsed_ns, 1200 * NSEC_PER_MSEC);
}

TEST_F(wn, a_notify_from_another_process_wakes)
{
	int32_t *word = &self->w32[24], *started = &self->w32[25];
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int ret;

		sabuf_store(started, 1);
		ret = sabuf_wait32(self->sb, word, 0, 20 * NSEC_PER_SEC);
		_exit(ret == SABUF_OK && sabuf_load(word) == 7 ? 0 : 10 + ret);
	}
	while (!sabuf_load(started))
		sleep_ms(1);
	ASSERT_EQ(0, wait_until_sleeping_pid(pid, 10000));
	sabuf_store(word, 7);
	EXPECT_EQ(1, sabuf_notify(self->sb, word, 1));
	EXPECT_EQ(0, wait_child(pid, 10000));
}

TEST_HARNESS_MAIN
