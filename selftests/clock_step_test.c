// SPDX-License-Identifier: GPL-2.0
/*
 * Timeouts when CLOCK_REALTIME is stepped (settimeofday, NTP, a VM resume):
 * an absolute CLOCK_REALTIME deadline follows the step, as it means a
 * wall-clock time; a relative timeout does not, whatever clockid says, as
 * it means a duration. That is POSIX's rule for relative sleeps on
 * CLOCK_REALTIME (clock_nanosleep: setting the clock "shall have no effect
 * on threads that are blocked waiting for a relative time service") and
 * the only way "a relative timeout never returns early" can hold.
 *
 * Needs root (clock_settime); SKIPs otherwise. The clock is put back in a
 * parent-side teardown, advanced by the monotonic time that passed.
 */
#include "sabuf_test.h"

#define WORD	64
#define STEP_NS	(3600 * SABUF_T_NSEC_PER_SEC)	/* one hour */

FIXTURE(clock_step) {
	struct sabuf_t_buf b;
	int64_t mono0, real0;	/* to put the clock back: real0 + (mono - mono0) */
	bool stepped;
};

FIXTURE_SETUP(clock_step)
{
	self->stepped = false;
	if (geteuid() != 0)
		SKIP(return, "stepping CLOCK_REALTIME needs root");
	SABUF_T_BUF_NEW(&self->b, sabuf_t_page_size());
	self->mono0 = sabuf_t_now(CLOCK_MONOTONIC);
	self->real0 = sabuf_t_now(CLOCK_REALTIME);
}

static int set_realtime(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / SABUF_T_NSEC_PER_SEC, .tv_nsec = ns % SABUF_T_NSEC_PER_SEC,
	};

	return clock_settime(CLOCK_REALTIME, &ts) ? -errno : 0;
}

static int step_realtime(FIXTURE_DATA(clock_step) *self, int64_t by_ns)
{
	self->stepped = true;
	return set_realtime(sabuf_t_now(CLOCK_REALTIME) + by_ns);
}

FIXTURE_TEARDOWN_PARENT(clock_step)
{
	if (self->stepped)
		EXPECT_EQ(0, set_realtime(self->real0 + sabuf_t_now(CLOCK_MONOTONIC) - self->mono0));
	sabuf_t_buf_free(&self->b);
}

/* A relative wait of timeout_ns on clk, the realtime clock stepped an hour ahead under it. */
static void check_relative_ignores_step(struct __test_metadata *_metadata,
					FIXTURE_DATA(clock_step) *self, clockid_t clk)
{
	const int64_t timeout_ns = SABUF_T_SEEN_ASLEEP_TIMEOUT_NS;
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, timeout_ns),
	};

	wt.args.clockid = clk;
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(0, step_realtime(self, STEP_NS));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_waiter_join(&wt));
	ASSERT_LE(timeout_ns, wt.end_ns - wt.start_ns)
		TH_LOG("a %lld ns relative wait returned after %lld ns: it followed the clock step",
		       (long long)timeout_ns, (long long)(wt.end_ns - wt.start_ns));
}

TEST_F(clock_step, relative_monotonic_wait_ignores_realtime_step)
{
	check_relative_ignores_step(_metadata, self, CLOCK_MONOTONIC);
}

TEST_F(clock_step, relative_realtime_wait_ignores_realtime_step)
{
	check_relative_ignores_step(_metadata, self, CLOCK_REALTIME);
}

static unsigned int restarts;	/* __atomic */

static void count_restart(int sig)
{
	(void)sig;
	__atomic_fetch_add(&restarts, 1, __ATOMIC_SEQ_CST);
}

/*
 * The same after an SA_RESTART signal, the way libsabuf waits: an absolute
 * CLOCK_MONOTONIC deadline (the kernel never rewrites the caller's struct;
 * a raw relative wait reports EINTR instead, see signal_test.c). The
 * restarted wait must still end at that deadline and not follow the step.
 */
TEST_F(clock_step, restarted_absolute_monotonic_wait_ignores_realtime_step)
{
	const int64_t deadline = sabuf_t_now(CLOCK_MONOTONIC) + SABUF_T_SEEN_ASLEEP_TIMEOUT_NS;
	struct sigaction sa = { .sa_handler = count_restart, .sa_flags = SA_RESTART };
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, deadline),
	};

	wt.args.flags |= SABUF_WAIT_ABSTIME;
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR2));
	ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n(&restarts, __ATOMIC_SEQ_CST) == 1));
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, wt.tid));
	ASSERT_EQ(0, step_realtime(self, STEP_NS));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_waiter_join(&wt));
	ASSERT_LE(deadline, wt.end_ns)
		TH_LOG("returned %lld ns before its deadline: it followed the clock step",
		       (long long)(deadline - wt.end_ns));
}

/*
 * An absolute CLOCK_REALTIME deadline an hour away is reached at once when
 * the clock is stepped past it. (A module that turned it into a duration
 * would sleep for an hour: the harness's timeout fails the test.)
 */
TEST_F(clock_step, absolute_realtime_deadline_follows_realtime_step)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, 0),
	};

	wt.args.flags |= SABUF_WAIT_ABSTIME;
	wt.args.clockid = CLOCK_REALTIME;
	wt.args.timeout_ns = sabuf_t_now(CLOCK_REALTIME) + STEP_NS;
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(0, step_realtime(self, STEP_NS + SABUF_T_NSEC_PER_SEC));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_waiter_join(&wt));
	ASSERT_LE(wt.args.timeout_ns, sabuf_t_now(CLOCK_REALTIME));
}

/* An absolute CLOCK_MONOTONIC deadline does not move with the realtime clock. */
TEST_F(clock_step, absolute_monotonic_deadline_ignores_realtime_step)
{
	const int64_t deadline = sabuf_t_now(CLOCK_MONOTONIC) + SABUF_T_SEEN_ASLEEP_TIMEOUT_NS;
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, deadline),
	};

	wt.args.flags |= SABUF_WAIT_ABSTIME;
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(0, step_realtime(self, STEP_NS));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_waiter_join(&wt));
	ASSERT_LE(deadline, wt.end_ns);
}

TEST_HARNESS_MAIN
