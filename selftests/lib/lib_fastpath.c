// SPDX-License-Identifier: GPL-2.0
/*
 * The fast paths make no system call, proved with seccomp.
 *
 * A forked child installs a filter that lets through only exit,
 * exit_group and rt_sigreturn and turns every other system call into a
 * SIGSYS (SECCOMP_RET_TRAP), whose handler counts it in memory the test
 * can read. The child then runs the fast path many times and exits. So a
 * pass means: not one system call of any kind, not just no ioctl.
 *
 * The controls run the slow paths under the very same filter and must see
 * the trap fire, on ioctl: the filter can catch what the fast paths avoid,
 * so the fast-path tests are able to fail.
 */
#include <stddef.h>
#include <sys/syscall.h>

#include "lib_seccomp.h"
#include "lib_test.h"

#define ROUNDS 1000

/* In a MAP_SHARED page, so the parent reads what the child saw. */
struct report {
	int traps;		/* system calls the filter caught */
	int last_nr;		/* the last one's number */
	int wrong;		/* fast-path calls that returned something else */
	int done;		/* the child got to the end */
};

static struct report *report;

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
	report->traps++;
	report->last_nr = info->si_syscall;
}

FIXTURE(fast) {
	struct sabuf *sb;
	int32_t *w32;
	int64_t *w64;
};

FIXTURE_SETUP(fast)
{
#ifndef FILTER_ARCH
	SKIP(return, "no seccomp arch constant for this architecture");
#endif
	report = mmap(NULL, sizeof(*report), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, report);
	CREATE_OR_SKIP(4096, &self->sb);
	self->w32 = sabuf_data(self->sb);
	self->w64 = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(fast)
{
	sabuf_destroy(self->sb);
	munmap(report, sizeof(*report));
}

/*
 * In a child: run setup, install the filter, run body, exit. The test then
 * checks that the child got to the end and how many calls were caught.
 */
#define IN_FILTERED_CHILD(setup, body) do {					\
	pid_t pid_ = fork();							\
	ASSERT_GE(pid_, 0);							\
	if (pid_ == 0) {							\
		setup;								\
		if (forbid_system_calls(on_sigsys))					\
			_exit(2);						\
		body;								\
		report->done = 1;						\
		_exit(0);							\
	}									\
	ASSERT_EQ(0, wait_child(pid_, 20000));					\
	ASSERT_EQ(1, report->done);						\
} while (0)

#define UNDER_FILTER(body) IN_FILTERED_CHILD(, body)

TEST_F(fast, wait_on_a_different_value_makes_no_system_call)
{
	self->w32[0] = 1;
	self->w64[1] = 1LL << 33;
	UNDER_FILTER({
		int i;

		for (i = 0; i < ROUNDS; i++) {
			if (sabuf_wait32(self->sb, &self->w32[0], 0,
					 SABUF_FOREVER) != SABUF_NOT_EQUAL)
				report->wrong++;
			if (sabuf_wait64(self->sb, &self->w64[1], 1,
					 SABUF_FOREVER) != SABUF_NOT_EQUAL)
				report->wrong++;
		}
	});
	EXPECT_EQ(0, report->traps) TH_LOG("system call %d", report->last_nr);
	EXPECT_EQ(0, report->wrong);
}

TEST_F(fast, notify_with_nobody_waiting_makes_no_system_call)
{
	UNDER_FILTER({
		int i;

		for (i = 0; i < ROUNDS; i++) {
			sabuf_store(&self->w32[2], i);
			if (sabuf_notify(self->sb, &self->w32[2], 1) != 0 ||
			    sabuf_notify(self->sb, &self->w64[3], SABUF_ALL) != 0)
				report->wrong++;
		}
	});
	EXPECT_EQ(0, report->traps) TH_LOG("system call %d", report->last_nr);
	EXPECT_EQ(0, report->wrong);
}

/* waitAsync's { async: false } results: settled without the kernel. */
TEST_F(fast, async_wait_settled_at_once_makes_no_system_call)
{
	struct sabuf_waitset *ws;

	self->w32[4] = 3;
	IN_FILTERED_CHILD({
		if (sabuf_waitset_create(&ws))
			_exit(3);
	}, {
		int i;

		for (i = 0; i < ROUNDS; i++) {
			report->wrong += sabuf_wait32_async(ws, self->sb, &self->w32[4], 0,
							    SABUF_FOREVER, i) != SABUF_NOT_EQUAL;
			report->wrong += sabuf_wait32_async(ws, self->sb, &self->w32[5], 0,
							    0, i) != SABUF_TIMED_OUT;
			report->wrong += sabuf_wait64_async(ws, self->sb, &self->w64[3], 0,
							    -5, i) != SABUF_TIMED_OUT;
		}
	});
	EXPECT_EQ(0, report->traps) TH_LOG("system call %d", report->last_nr);
	EXPECT_EQ(0, report->wrong);
}

/* The objects built on them inherit the fast paths when uncontended. */
TEST_F(fast, uncontended_objects_make_no_system_call)
{
	sabuf_mutex_t *m = (sabuf_mutex_t *)&self->w32[16];
	sabuf_cond_t *c = (sabuf_cond_t *)&self->w32[17];
	sabuf_sem_t *s = (sabuf_sem_t *)&self->w32[18];
	sabuf_barrier_t *b = (sabuf_barrier_t *)&self->w32[20];

	ASSERT_EQ(0, sabuf_barrier_init(self->sb, b, 1));
	/*
	 * A thread's first lock asks the kernel for its owner id (one ioctl,
	 * once per thread, sabuf_mutex_lock(3)): take it before the filter.
	 */
	IN_FILTERED_CHILD({
		if (sabuf_mutex_lock(self->sb, m) || sabuf_mutex_unlock(self->sb, m))
			_exit(3);
	}, {
		int i;

		for (i = 0; i < ROUNDS; i++) {
			report->wrong += sabuf_mutex_lock(self->sb, m) != 0;
			report->wrong += sabuf_mutex_trylock(self->sb, m) != -EBUSY;
			report->wrong += sabuf_cond_signal(self->sb, c) != 0;
			report->wrong += sabuf_cond_broadcast(self->sb, c) != 0;
			report->wrong += sabuf_mutex_unlock(self->sb, m) != 0;
			report->wrong += sabuf_sem_post(self->sb, s) != 0;
			report->wrong += sabuf_sem_wait(self->sb, s) != 0;
			report->wrong += sabuf_sem_trywait(self->sb, s) != -EAGAIN;
			/* a barrier for one party */
			report->wrong += sabuf_barrier_wait(self->sb, b) !=
					 SABUF_BARRIER_SERIAL;
		}
	});
	EXPECT_EQ(0, report->traps) TH_LOG("system call %d", report->last_nr);
	EXPECT_EQ(0, report->wrong);
}

/*
 * A timeout <= 0 never sleeps (contract 0.2), so it needs no kernel: not
 * for a wait on an unchanged word, nor for a semaphore without tokens or
 * a condition variable. (0.1 asked the kernel for a 0 ns sleep, and slept
 * for ever on a negative timeout.)
 */
TEST_F(fast, a_timeout_of_zero_or_less_makes_no_system_call)
{
	static const int64_t timeouts[] = { 0, -1, -1000000, INT64_MIN };
	sabuf_mutex_t *m = (sabuf_mutex_t *)&self->w32[16];
	sabuf_cond_t *c = (sabuf_cond_t *)&self->w32[17];
	sabuf_sem_t *s = (sabuf_sem_t *)&self->w32[18];

	/* the owner id first, as above */
	IN_FILTERED_CHILD({
		if (sabuf_mutex_lock(self->sb, m) || sabuf_mutex_unlock(self->sb, m))
			_exit(3);
	}, {
		int64_t t;
		int i;
		int j;

		for (i = 0; i < ROUNDS; i++) {
			for (j = 0; j < 4; j++) {
				t = timeouts[j];
				report->wrong += sabuf_wait32(self->sb,
					&self->w32[4], 0, t) != SABUF_TIMED_OUT;
				report->wrong += sabuf_wait64(self->sb,
					&self->w64[3], 0, t) != SABUF_TIMED_OUT;
				report->wrong += sabuf_sem_timedwait(self->sb,
					s, t) != -ETIMEDOUT;
				report->wrong += sabuf_mutex_lock(self->sb, m);
				report->wrong += sabuf_cond_timedwait(self->sb,
					c, m, t) != -ETIMEDOUT;
				report->wrong += sabuf_mutex_unlock(self->sb, m);
			}
		}
	});
	EXPECT_EQ(0, report->traps) TH_LOG("system call %d", report->last_nr);
	EXPECT_EQ(0, report->wrong);
}

/* Control: a wait that must sleep is caught by the same filter. */
TEST_F(fast, control_the_filter_catches_a_wait_that_sleeps)
{
	UNDER_FILTER({
		sabuf_wait32(self->sb, &self->w32[4], 0, NSEC_PER_MSEC);
	});
	EXPECT_GE(report->traps, 1);
	EXPECT_EQ(__NR_ioctl, report->last_nr);
}

struct sleeper {
	struct sabuf *sb;
	int32_t *word;
	pid_t tid;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;

	sabuf_store(&s->tid, (pid_t)syscall(SYS_gettid));
	sabuf_wait32(s->sb, s->word, 0, 20 * NSEC_PER_SEC);
	return NULL;
}

/* Control: a notify with a waiter queued is caught by the same filter. */
TEST_F(fast, control_the_filter_catches_a_notify_with_a_waiter)
{
	struct sleeper s = { .sb = self->sb, .word = &self->w32[6] };

	IN_FILTERED_CHILD({
		pthread_t t;

		/* before the filter: a thread asleep on the word (the
		 * filter then applies to the calling thread only) */
		if (pthread_create(&t, NULL, sleeper_main, &s))
			_exit(3);
		while (!sabuf_load(&s.tid))
			;
		if (wait_until_sleeping(s.tid, 10000))
			_exit(4);
	}, {
		sabuf_store(s.word, 1);
		sabuf_notify(self->sb, s.word, 1);
	});
	EXPECT_GE(report->traps, 1);
	EXPECT_EQ(__NR_ioctl, report->last_nr);
}

TEST_HARNESS_MAIN
