// SPDX-License-Identifier: GPL-2.0
/*
 * Timeouts, contract 0.2: SABUF_FOREVER is INT64_MAX; a timeout <= 0
 * never sleeps in any timed call (0.1 slept for ever on a negative one);
 * INT64_MAX and near it wait until woken; the _clock forms take absolute
 * deadlines on CLOCK_MONOTONIC and CLOCK_REALTIME, reject other clocks and
 * bad timespecs, and keep their deadline across SA_RESTART handlers.
 *
 * Every call that might block runs in a helper thread joined with a
 * bound, so a call that sleeps for ever fails the test instead of hanging.
 */
#include "lib_test.h"

struct shared {
	sabuf_mutex_t mutex;
	sabuf_cond_t cond;
	sabuf_sem_t sem;
	int32_t w32;
	int32_t pad;
	int64_t w64;
};

FIXTURE(to) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(to)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(to)
{
	sabuf_destroy(self->sb);
}

/* ---- a helper thread that makes one call, for a bounded join ---- */

enum call {
	WAIT32, WAIT64, SEM_TIMEDWAIT, MUTEX_TIMEDLOCK, COND_TIMEDWAIT,
	WAIT32_CLOCK, WAIT64_CLOCK, SEM_CLOCKWAIT, MUTEX_CLOCKLOCK,
	COND_CLOCKWAIT,
};

struct call_args {
	struct sabuf *sb;
	struct shared *s;
	enum call call;
	int64_t timeout_ns;		/* relative forms */
	clockid_t clock;		/* _clock forms */
	struct timespec abstime;
	int32_t expected;
	int ret;
	int held_after;			/* cond: the mutex was held on return */
	pid_t tid;
	int64_t took_ns;		/* CLOCK_MONOTONIC, call to return */
	int64_t end_ns;			/* _clock forms: clock at return */
};

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static void *call_main(void *arg)
{
	struct call_args *a = arg;
	struct shared *s = a->s;
	int64_t start;

	sabuf_store(&a->tid, (pid_t)gettid());
	if (a->call == COND_TIMEDWAIT || a->call == COND_CLOCKWAIT)
		lock_or_abort(a->sb, &s->mutex);
	start = now_ns();
	switch (a->call) {
	case WAIT32:
		a->ret = sabuf_wait32(a->sb, &s->w32, a->expected, a->timeout_ns);
		break;
	case WAIT64:
		a->ret = sabuf_wait64(a->sb, &s->w64, a->expected, a->timeout_ns);
		break;
	case SEM_TIMEDWAIT:
		a->ret = sabuf_sem_timedwait(a->sb, &s->sem, a->timeout_ns);
		break;
	case MUTEX_TIMEDLOCK:
		a->ret = sabuf_mutex_timedlock(a->sb, &s->mutex, a->timeout_ns);
		if (a->ret == 0)
			sabuf_mutex_unlock(a->sb, &s->mutex);
		break;
	case COND_TIMEDWAIT:
		a->ret = sabuf_cond_timedwait(a->sb, &s->cond, &s->mutex,
					      a->timeout_ns);
		break;
	case WAIT32_CLOCK:
		a->ret = sabuf_wait32_clock(a->sb, &s->w32, a->expected,
					    a->clock, &a->abstime);
		break;
	case WAIT64_CLOCK:
		a->ret = sabuf_wait64_clock(a->sb, &s->w64, a->expected,
					    a->clock, &a->abstime);
		break;
	case SEM_CLOCKWAIT:
		a->ret = sabuf_sem_clockwait(a->sb, &s->sem, a->clock,
					     &a->abstime);
		break;
	case MUTEX_CLOCKLOCK:
		a->ret = sabuf_mutex_clocklock(a->sb, &s->mutex, a->clock,
					       &a->abstime);
		if (a->ret == 0)
			sabuf_mutex_unlock(a->sb, &s->mutex);
		break;
	case COND_CLOCKWAIT:
		a->ret = sabuf_cond_clockwait(a->sb, &s->cond, &s->mutex,
					      a->clock, &a->abstime);
		break;
	}
	a->took_ns = now_ns() - start;
	a->end_ns = clock_ns(a->clock);
	if (a->call == COND_TIMEDWAIT || a->call == COND_CLOCKWAIT) {
		a->held_after = sabuf_load(&s->mutex.state) != 0;
		sabuf_mutex_unlock(a->sb, &s->mutex);
	}
	return NULL;
}

/* Run one call in a thread: its result, or -999 if it did not return
 * within ms (the thread is left behind; the test process ends soon). */
static int call_within(struct call_args *a, int ms)
{
	pthread_t t;

	a->ret = -998;
	if (pthread_create(&t, NULL, call_main, a))
		return -997;
	if (join_within(t, ms))
		return -999;
	return a->ret;
}

/* A mutex held by another thread for as long as the test runs. */
static void *hold_main(void *arg)
{
	struct call_args *a = arg;

	lock_or_abort(a->sb, &a->s->mutex);
	sabuf_store(&a->ret, 1);
	while (sabuf_load(&a->expected) == 0)
		sleep_ms(1);
	sabuf_mutex_unlock(a->sb, &a->s->mutex);
	return NULL;
}

static int hold_mutex(struct call_args *h, pthread_t *t)
{
	h->ret = 0;
	h->expected = 0;
	if (pthread_create(t, NULL, hold_main, h))
		return -1;
	while (!sabuf_load(&h->ret))
		sleep_ms(1);
	return 0;
}

static void release_mutex(struct call_args *h, pthread_t t)
{
	sabuf_store(&h->expected, 1);
	join_within(t, 5000);
}

static struct timespec ts_from_ns(int64_t ns)
{
	struct timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

	return ts;
}

TEST(constants)
{
	EXPECT_EQ(INT64_MAX, SABUF_FOREVER);
	EXPECT_EQ(0, SABUF_OK);
	EXPECT_EQ(1, SABUF_NOT_EQUAL);
	EXPECT_EQ(2, SABUF_TIMED_OUT);
	EXPECT_EQ(3, SABUF_PENDING);
}

/* As Atomics.wait with a negative timeout: "timed-out" (test262's
 * negative-timeout.js), or "not-equal" when the word differs. */
TEST_F(to, a_negative_timeout_never_sleeps_in_a_wait)
{
	static const int64_t timeouts[] = { 0, -1, -1000, -NSEC_PER_SEC,
					    INT64_MIN };
	struct call_args a = { .sb = self->sb, .s = self->s };
	unsigned int i;

	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		a.timeout_ns = timeouts[i];
		a.expected = 0;
		a.call = WAIT32;
		EXPECT_EQ(SABUF_TIMED_OUT, call_within(&a, 2000))
			TH_LOG("wait32, timeout %lld", (long long)timeouts[i]);
		a.call = WAIT64;
		EXPECT_EQ(SABUF_TIMED_OUT, call_within(&a, 2000))
			TH_LOG("wait64, timeout %lld", (long long)timeouts[i]);
		a.expected = 7;
		a.call = WAIT32;
		EXPECT_EQ(SABUF_NOT_EQUAL, call_within(&a, 2000));
		a.call = WAIT64;
		EXPECT_EQ(SABUF_NOT_EQUAL, call_within(&a, 2000));
	}
}

TEST_F(to, a_negative_timeout_never_sleeps_in_the_objects)
{
	static const int64_t timeouts[] = { 0, -1, -1000, INT64_MIN };
	struct call_args a = { .sb = self->sb, .s = self->s };
	struct call_args h = { .sb = self->sb, .s = self->s };
	pthread_t holder;
	unsigned int i;

	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		a.timeout_ns = timeouts[i];
		a.call = SEM_TIMEDWAIT;
		EXPECT_EQ(-ETIMEDOUT, call_within(&a, 2000))
			TH_LOG("sem, timeout %lld", (long long)timeouts[i]);
		a.call = COND_TIMEDWAIT;
		EXPECT_EQ(-ETIMEDOUT, call_within(&a, 2000))
			TH_LOG("cond, timeout %lld", (long long)timeouts[i]);
		EXPECT_EQ(1, a.held_after);
	}
	/* what can succeed at once still does */
	ASSERT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
	a.call = SEM_TIMEDWAIT;
	a.timeout_ns = -1;
	EXPECT_EQ(0, call_within(&a, 2000));
	a.call = MUTEX_TIMEDLOCK;
	EXPECT_EQ(0, call_within(&a, 2000));

	ASSERT_EQ(0, hold_mutex(&h, &holder));
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		a.timeout_ns = timeouts[i];
		a.call = MUTEX_TIMEDLOCK;
		EXPECT_EQ(-ETIMEDOUT, call_within(&a, 2000))
			TH_LOG("mutex, timeout %lld", (long long)timeouts[i]);
	}
	release_mutex(&h, holder);
}

/* SABUF_FOREVER and timeouts just below it wait until woken: no overflow
 * turns them into "already passed" or into garbage. */
TEST_F(to, int64_max_timeouts_wait_until_woken)
{
	static const int64_t timeouts[] = { INT64_MAX, INT64_MAX - 1,
					    INT64_MAX / 2 };
	struct call_args a = { .sb = self->sb, .s = self->s };
	unsigned int i, c;

	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		for (c = 0; c < 3; c++) {
			pthread_t t;

			a.call = c == 0 ? WAIT32 : c == 1 ? SEM_TIMEDWAIT
							  : COND_TIMEDWAIT;
			a.timeout_ns = timeouts[i];
			a.expected = 0;
			a.tid = 0;
			a.ret = -998;
			ASSERT_EQ(0, pthread_create(&t, NULL, call_main, &a));
			while (!sabuf_load(&a.tid))
				sleep_ms(1);
			ASSERT_EQ(0, wait_until_sleeping(a.tid, 10000));
			sleep_ms(20);
			EXPECT_EQ(-998, sabuf_load(&a.ret))
				TH_LOG("call %u returned early", c);
			if (c == 0) {
				EXPECT_EQ(1, sabuf_notify(self->sb,
							  &self->s->w32, 1));
			} else if (c == 1) {
				EXPECT_EQ(0, sabuf_sem_post(self->sb,
							    &self->s->sem));
			} else {
				EXPECT_EQ(0, sabuf_cond_signal(self->sb,
							       &self->s->cond));
			}
			ASSERT_EQ(0, join_within(t, 10000));
			EXPECT_EQ(0, a.ret) TH_LOG("call %u, timeout %lld", c,
						   (long long)timeouts[i]);
		}
	}
}

/* ---- absolute deadlines ---- */

static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };

TEST_F(to, clock_forms_time_out_at_their_deadline)
{
	static const enum call calls[] = { WAIT32_CLOCK, WAIT64_CLOCK,
					   SEM_CLOCKWAIT, COND_CLOCKWAIT,
					   MUTEX_CLOCKLOCK };
	struct call_args a = { .sb = self->sb, .s = self->s };
	struct call_args h = { .sb = self->sb, .s = self->s };
	pthread_t holder;
	unsigned int c, k;

	ASSERT_EQ(0, hold_mutex(&h, &holder));
	for (k = 0; k < 2; k++) {
		for (c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
			int expect = calls[c] <= WAIT64_CLOCK ? SABUF_TIMED_OUT
							      : -ETIMEDOUT;

			if (calls[c] == COND_CLOCKWAIT)
				continue;	/* the mutex is held: below */
			a.call = calls[c];
			a.clock = clocks[k];
			a.expected = 0;
			a.abstime = ts_from_ns(clock_ns(clocks[k]) +
					       50 * NSEC_PER_MSEC);
			EXPECT_EQ(expect, call_within(&a, 5000))
				TH_LOG("call %d, clock %d", calls[c], clocks[k]);
			EXPECT_GE(a.end_ns, ts_ns(&a.abstime));	/* not early */
		}
	}
	release_mutex(&h, holder);
	for (k = 0; k < 2; k++) {
		a.call = COND_CLOCKWAIT;
		a.clock = clocks[k];
		a.abstime = ts_from_ns(clock_ns(clocks[k]) + 50 * NSEC_PER_MSEC);
		EXPECT_EQ(-ETIMEDOUT, call_within(&a, 5000));
		EXPECT_EQ(1, a.held_after);
		EXPECT_GE(a.end_ns, ts_ns(&a.abstime));
	}
}

/* A deadline already passed (a second ago, the epoch, before it) never
 * sleeps; "not-equal" still comes first. */
TEST_F(to, a_passed_deadline_never_sleeps)
{
	static const enum call calls[] = { WAIT32_CLOCK, WAIT64_CLOCK,
					   SEM_CLOCKWAIT, COND_CLOCKWAIT };
	struct call_args a = { .sb = self->sb, .s = self->s };
	unsigned int c, k, p;

	for (k = 0; k < 2; k++) {
		struct timespec passed[3] = {
			ts_from_ns(clock_ns(clocks[k]) - NSEC_PER_SEC),
			{ 0, 0 },
			{ -5, 0 },
		};

		for (p = 0; p < 3; p++) {
			for (c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
				int expect = calls[c] <= WAIT64_CLOCK ?
					     SABUF_TIMED_OUT : -ETIMEDOUT;

				a.call = calls[c];
				a.clock = clocks[k];
				a.abstime = passed[p];
				a.expected = 0;
				EXPECT_EQ(expect, call_within(&a, 2000))
					TH_LOG("call %d clock %d deadline %u",
					       calls[c], clocks[k], p);
			}
			a.call = WAIT32_CLOCK;
			a.expected = 3;
			EXPECT_EQ(SABUF_NOT_EQUAL, call_within(&a, 2000));
		}
	}
}

TEST_F(to, clock_forms_check_their_arguments)
{
	static const clockid_t bad_clocks[] = { CLOCK_PROCESS_CPUTIME_ID,
						CLOCK_THREAD_CPUTIME_ID,
						CLOCK_BOOTTIME, -1, 99 };
	struct timespec ok = ts_from_ns(clock_ns(CLOCK_MONOTONIC) +
					NSEC_PER_SEC);
	struct timespec bad_ns[] = { { ok.tv_sec, -1 },
				     { ok.tv_sec, NSEC_PER_SEC } };
	struct shared *s = self->s;
	struct sabuf *sb = self->sb;
	int32_t elsewhere32 = 0;
	unsigned int i;

	for (i = 0; i < sizeof(bad_clocks) / sizeof(bad_clocks[0]); i++) {
		EXPECT_EQ(-EINVAL, sabuf_wait32_clock(sb, &s->w32, 0,
						      bad_clocks[i], &ok));
		EXPECT_EQ(-EINVAL, sabuf_wait64_clock(sb, &s->w64, 0,
						      bad_clocks[i], &ok));
		EXPECT_EQ(-EINVAL, sabuf_sem_clockwait(sb, &s->sem,
						       bad_clocks[i], &ok));
		EXPECT_EQ(-EINVAL, sabuf_mutex_clocklock(sb, &s->mutex,
							 bad_clocks[i], &ok));
		EXPECT_EQ(-EINVAL, sabuf_cond_clockwait(sb, &s->cond, &s->mutex,
							bad_clocks[i], &ok));
	}
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-EINVAL, sabuf_wait32_clock(sb, &s->w32, 0,
					CLOCK_MONOTONIC, &bad_ns[i]));
		EXPECT_EQ(-EINVAL, sabuf_sem_clockwait(sb, &s->sem,
					CLOCK_REALTIME, &bad_ns[i]));
		EXPECT_EQ(-EINVAL, sabuf_mutex_clocklock(sb, &s->mutex,
					CLOCK_MONOTONIC, &bad_ns[i]));
	}
	EXPECT_EQ(-EINVAL, sabuf_wait32_clock(sb, &s->w32, 0, CLOCK_MONOTONIC,
					      NULL));
	EXPECT_EQ(-EINVAL, sabuf_wait32_clock(sb, (int32_t *)((char *)&s->w32 + 1),
					      0, CLOCK_MONOTONIC, &ok));
	EXPECT_EQ(-ERANGE, sabuf_wait32_clock(sb, &elsewhere32, 0,
					      CLOCK_MONOTONIC, &ok));
	/* nothing was taken or left locked by the rejected calls */
	EXPECT_EQ(0, s->mutex.state);
	EXPECT_EQ(0, s->sem.count);
}

/* The clock forms wake like the relative ones. */
TEST_F(to, clock_forms_are_woken)
{
	struct call_args a = { .sb = self->sb, .s = self->s };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		pthread_t t;

		a.call = WAIT32_CLOCK;
		a.clock = clocks[k];
		a.abstime = ts_from_ns(clock_ns(clocks[k]) + 20 * NSEC_PER_SEC);
		a.expected = 0;
		a.tid = 0;
		ASSERT_EQ(0, pthread_create(&t, NULL, call_main, &a));
		while (!sabuf_load(&a.tid))
			sleep_ms(1);
		ASSERT_EQ(0, wait_until_sleeping(a.tid, 10000));
		EXPECT_EQ(1, sabuf_notify(self->sb, &self->s->w32, 1));
		ASSERT_EQ(0, join_within(t, 10000));
		EXPECT_EQ(SABUF_OK, a.ret);

		a.call = SEM_CLOCKWAIT;
		a.tid = 0;
		ASSERT_EQ(0, pthread_create(&t, NULL, call_main, &a));
		while (!sabuf_load(&a.tid))
			sleep_ms(1);
		ASSERT_EQ(0, wait_until_sleeping(a.tid, 10000));
		EXPECT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
		ASSERT_EQ(0, join_within(t, 10000));
		EXPECT_EQ(0, a.ret);
	}
}

/*
 * SA_RESTART handlers every 5 ms: each interrupted sleep restarts with
 * the same absolute deadline, so the call ends once, at its deadline
 * (never earlier; "later" is bounded by the join, which only a deadline
 * pushed back on every restart would miss).
 */
static void on_signal(int sig)
{
	(void)sig;
}

static void deadline_under_signals(struct __test_metadata *_metadata,
				   struct call_args *a, int expect)
{
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESTART };
	pthread_t t;
	int64_t end;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	a->tid = 0;
	a->ret = -998;
	ASSERT_EQ(0, pthread_create(&t, NULL, call_main, a));
	end = now_ns() + 3 * NSEC_PER_SEC;
	while (sabuf_load(&a->ret) == -998 && now_ns() < end) {
		pthread_kill(t, SIGUSR1);
		sleep_ms(5);
	}
	ASSERT_EQ(0, join_within(t, 5000));
	EXPECT_EQ(expect, a->ret);
	if (a->call == WAIT32_CLOCK || a->call == SEM_CLOCKWAIT) {
		EXPECT_GE(a->end_ns, ts_ns(&a->abstime));
	} else {
		EXPECT_GE(a->took_ns, a->timeout_ns);
	}
}

TEST_F(to, sa_restart_keeps_absolute_deadlines)
{
	struct call_args a = { .sb = self->sb, .s = self->s };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		a.clock = clocks[k];
		a.expected = 0;
		a.call = WAIT32_CLOCK;
		a.abstime = ts_from_ns(clock_ns(clocks[k]) + 200 * NSEC_PER_MSEC);
		deadline_under_signals(_metadata, &a, SABUF_TIMED_OUT);
		a.call = SEM_CLOCKWAIT;
		a.abstime = ts_from_ns(clock_ns(clocks[k]) + 200 * NSEC_PER_MSEC);
		deadline_under_signals(_metadata, &a, -ETIMEDOUT);
	}
	a.call = SEM_TIMEDWAIT;
	a.timeout_ns = 200 * NSEC_PER_MSEC;
	deadline_under_signals(_metadata, &a, -ETIMEDOUT);
	a.call = WAIT64;
	deadline_under_signals(_metadata, &a, SABUF_TIMED_OUT);
}

TEST_HARNESS_MAIN
