// SPDX-License-Identifier: GPL-2.0
/*
 * Thread cancellation: the blocking calls are cancellation points, as
 * sem_wait() is. A thread cancelled in sabuf_wait32/64 (and _clock),
 * sabuf_sem_wait or sabuf_cond_wait ends with PTHREAD_CANCELED, and leaves
 * the kernel's queue: a later notify(1) does not count it, it wakes the
 * next waiter. A cancelled semaphore waiter takes no token; a cancelled
 * condition waiter runs its cleanup handlers with the mutex held. The
 * mutex and the barrier are not cancellation points (as in pthreads).
 *
 * 0.1 blocked in an ioctl that pthread_cancel() could not interrupt: every
 * join below would time out.
 */
#include "lib_test.h"

struct shared {
	sabuf_mutex_t mutex;
	sabuf_cond_t cond;
	sabuf_sem_t sem;
	int32_t w32;
	int64_t w64;
};

FIXTURE(cx) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(cx)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(cx)
{
	sabuf_destroy(self->sb);
}

enum call { WAIT32, WAIT64, WAIT32_CLOCK, SEM_WAIT, SEM_TIMEDWAIT,
	    COND_WAIT, COND_TIMEDWAIT, MUTEX_LOCK };

struct waiter {
	struct sabuf *sb;
	struct shared *s;
	enum call call;
	pthread_t thread;
	pid_t tid;
	int ret;		/* -998 until the call returned */
	int cleanup_ran;
	int held_in_cleanup;	/* cond: the mutex was held in the cleanup */
	int got_lock;		/* mutex: it locked after the cancel */
};

static void cond_cleanup(void *arg)
{
	struct waiter *w = arg;

	sabuf_store(&w->held_in_cleanup,
		    sabuf_load(&w->s->mutex.state) != 0);
	sabuf_store(&w->cleanup_ran, 1);
	sabuf_mutex_unlock(w->sb, &w->s->mutex);
}

static void plain_cleanup(void *arg)
{
	struct waiter *w = arg;

	sabuf_store(&w->cleanup_ran, 1);
}

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	struct shared *s = w->s;
	struct timespec abstime;
	int ret = -997;

	clock_gettime(CLOCK_REALTIME, &abstime);
	abstime.tv_sec += 30;
	if (w->call == COND_WAIT || w->call == COND_TIMEDWAIT)
		lock_or_abort(w->sb, &s->mutex);
	sabuf_store(&w->tid, (pid_t)gettid());
	pthread_cleanup_push(w->call == COND_WAIT || w->call == COND_TIMEDWAIT ?
			     cond_cleanup : plain_cleanup, w);
	switch (w->call) {
	case WAIT32:
		ret = sabuf_wait32(w->sb, &s->w32, 0, SABUF_FOREVER);
		break;
	case WAIT64:
		ret = sabuf_wait64(w->sb, &s->w64, 0, 30 * NSEC_PER_SEC);
		break;
	case WAIT32_CLOCK:
		ret = sabuf_wait32_clock(w->sb, &s->w32, 0, CLOCK_REALTIME,
					 &abstime);
		break;
	case SEM_WAIT:
		ret = sabuf_sem_wait(w->sb, &s->sem);
		break;
	case SEM_TIMEDWAIT:
		ret = sabuf_sem_timedwait(w->sb, &s->sem, 30 * NSEC_PER_SEC);
		break;
	case COND_WAIT:
		ret = sabuf_cond_wait(w->sb, &s->cond, &s->mutex);
		break;
	case COND_TIMEDWAIT:
		ret = sabuf_cond_timedwait(w->sb, &s->cond, &s->mutex,
					   30 * NSEC_PER_SEC);
		break;
	case MUTEX_LOCK:
		ret = sabuf_mutex_lock(w->sb, &s->mutex);
		if (ret == 0) {
			sabuf_store(&w->got_lock, 1);
			sabuf_mutex_unlock(w->sb, &s->mutex);
		}
		break;
	}
	sabuf_store(&w->ret, ret);
	pthread_cleanup_pop(0);
	if (w->call == COND_WAIT || w->call == COND_TIMEDWAIT)
		sabuf_mutex_unlock(w->sb, &s->mutex);
	pthread_testcancel();	/* the mutex case acts on its cancel here */
	return NULL;
}

/* Start a waiter and return once it sleeps in the kernel. */
static int start(struct waiter *w, struct sabuf *sb, struct shared *s,
		 enum call call)
{
	w->sb = sb;
	w->s = s;
	w->call = call;
	w->tid = 0;
	w->ret = -998;
	w->cleanup_ran = 0;
	w->held_in_cleanup = 0;
	w->got_lock = 0;
	if (pthread_create(&w->thread, NULL, waiter_main, w))
		return -1;
	while (!sabuf_load(&w->tid))
		sleep_ms(1);
	return wait_until_sleeping(w->tid, 10000);
}

/* Join within ms: 1 if it ended cancelled, 0 if it returned, -1 if it
 * did not end (still blocked: the cancel did nothing). */
static int join_cancelled(struct waiter *w, int ms)
{
	struct timespec ts;
	void *res = NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * NSEC_PER_MSEC;
	if (ts.tv_nsec >= NSEC_PER_SEC) {
		ts.tv_sec++;
		ts.tv_nsec -= NSEC_PER_SEC;
	}
	if (pthread_timedjoin_np(w->thread, &res, &ts))
		return -1;
	return res == PTHREAD_CANCELED;
}

static const enum call word_calls[] = { WAIT32, WAIT64, WAIT32_CLOCK };

TEST_F(cx, a_wait_is_a_cancellation_point)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct waiter w;
		const void *word = word_calls[i] == WAIT64 ?
				   (const void *)&self->s->w64 :
				   (const void *)&self->s->w32;

		ASSERT_EQ(0, start(&w, self->sb, self->s, word_calls[i]));
		ASSERT_EQ(0, pthread_cancel(w.thread));
		ASSERT_EQ(1, join_cancelled(&w, 5000))
			TH_LOG("call %d was not cancelled", word_calls[i]);
		EXPECT_EQ(1, w.cleanup_ran);
		EXPECT_EQ(-998, w.ret);	/* it never returned */
		/* it left the kernel's queue: nobody to count */
		EXPECT_EQ(0, sabuf_notify(self->sb, word, 1));
	}
}

/* A cancelled waiter ahead in the FIFO does not absorb the next notify. */
TEST_F(cx, a_cancelled_waiter_does_not_absorb_a_notify)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		const void *word = word_calls[i] == WAIT64 ?
				   (const void *)&self->s->w64 :
				   (const void *)&self->s->w32;
		struct waiter first, second;

		ASSERT_EQ(0, start(&first, self->sb, self->s, word_calls[i]));
		ASSERT_EQ(0, start(&second, self->sb, self->s, word_calls[i]));
		ASSERT_EQ(0, pthread_cancel(first.thread));
		ASSERT_EQ(1, join_cancelled(&first, 5000));
		EXPECT_EQ(1, sabuf_notify(self->sb, word, 1));
		ASSERT_EQ(0, join_cancelled(&second, 5000));
		EXPECT_EQ(SABUF_OK, second.ret);
	}
}

TEST_F(cx, a_cancelled_sem_waiter_takes_no_token)
{
	enum call calls[] = { SEM_WAIT, SEM_TIMEDWAIT };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct waiter first, second;

		ASSERT_EQ(0, start(&first, self->sb, self->s, calls[i]));
		ASSERT_EQ(0, start(&second, self->sb, self->s, calls[i]));
		ASSERT_EQ(0, pthread_cancel(first.thread));
		ASSERT_EQ(1, join_cancelled(&first, 5000));
		EXPECT_EQ(-998, first.ret);
		/* the token goes to the waiter still sleeping */
		EXPECT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
		ASSERT_EQ(0, join_cancelled(&second, 5000));
		EXPECT_EQ(0, second.ret);
		EXPECT_EQ(0, self->s->sem.count);
	}
}

/* As sem_wait(): the cancellation point acts even when a token is there,
 * and then takes no token. */
static void *pending_main(void *arg)
{
	struct waiter *w = arg;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	sabuf_store(&w->tid, 1);
	while (!sabuf_load(&w->got_lock))	/* the go signal here */
		sleep_ms(1);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	sabuf_store(&w->ret, sabuf_sem_wait(w->sb, &w->s->sem));
	return NULL;
}

TEST_F(cx, a_pending_cancel_acts_in_sem_wait_with_a_token)
{
	struct waiter w = { .sb = self->sb, .s = self->s, .ret = -998 };

	ASSERT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, pending_main, &w));
	while (!sabuf_load(&w.tid))
		sleep_ms(1);
	ASSERT_EQ(0, pthread_cancel(w.thread));
	sabuf_store(&w.got_lock, 1);
	ASSERT_EQ(1, join_cancelled(&w, 5000));
	EXPECT_EQ(-998, w.ret);
	EXPECT_EQ(1, self->s->sem.count);
}

/* POSIX: a cancelled condition wait re-acquires the mutex before the
 * first cleanup handler runs, and does not consume a signal meant for
 * another waiter. */
TEST_F(cx, a_cancelled_cond_waiter_holds_the_mutex_in_its_cleanup)
{
	enum call calls[] = { COND_WAIT, COND_TIMEDWAIT };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct waiter first, second;

		ASSERT_EQ(0, start(&first, self->sb, self->s, calls[i]));
		ASSERT_EQ(0, start(&second, self->sb, self->s, calls[i]));
		ASSERT_EQ(0, pthread_cancel(first.thread));
		ASSERT_EQ(1, join_cancelled(&first, 5000));
		EXPECT_EQ(1, first.cleanup_ran);
		EXPECT_EQ(1, first.held_in_cleanup);
		EXPECT_EQ(-998, first.ret);
		/* the cleanup unlocked it: free now */
		ASSERT_EQ(0, sabuf_mutex_trylock(self->sb, &self->s->mutex));
		ASSERT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->mutex));
		EXPECT_EQ(0, sabuf_cond_signal(self->sb, &self->s->cond));
		ASSERT_EQ(0, join_cancelled(&second, 5000));
		EXPECT_EQ(0, second.ret);
	}
}

/* pthread_mutex_lock() is not a cancellation point; nor is ours. */
TEST_F(cx, mutex_lock_is_not_a_cancellation_point)
{
	struct waiter w;

	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->mutex));
	ASSERT_EQ(0, start(&w, self->sb, self->s, MUTEX_LOCK));
	ASSERT_EQ(0, pthread_cancel(w.thread));
	sleep_ms(50);
	EXPECT_EQ(-998, sabuf_load(&w.ret));	/* still waiting for it */
	ASSERT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->mutex));
	ASSERT_EQ(1, join_cancelled(&w, 5000));	/* at its testcancel */
	EXPECT_EQ(1, w.got_lock);
	EXPECT_EQ(0, w.ret);
}

/*
 * A post racing with the cancel of a sleeper: the token must reach the
 * other sleeper (the cancelled one may have been picked by the post's
 * notify: its cleanup passes the wake-up on), or be taken by the
 * cancelled one before it was cancelled. Never stranded while the other
 * sleeps.
 */
TEST_F_TIMEOUT(cx, cancel_racing_a_post_strands_no_token, 120)
{
	int round;

	for (round = 0; round < 200; round++) {
		struct waiter a, b;
		int ra, rb;

		ASSERT_EQ(0, start(&a, self->sb, self->s, SEM_WAIT));
		ASSERT_EQ(0, start(&b, self->sb, self->s, SEM_WAIT));
		ASSERT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
		if (round & 1)
			sched_yield();
		pthread_cancel(a.thread);
		ra = join_cancelled(&a, 5000);
		ASSERT_GE(ra, 0);
		if (sabuf_load(&a.ret) == 0) {
			/* a took the token (and may have been cancelled
			 * after, at its testcancel): b still needs one */
			ASSERT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
		}
		rb = join_cancelled(&b, 5000);
		ASSERT_EQ(0, rb) TH_LOG("round %d: the token was stranded "
					"(count %d)", round, self->s->sem.count);
		EXPECT_EQ(0, b.ret);
		ASSERT_EQ(0, self->s->sem.count);
	}
}

/* The same for a condition variable: a signal racing the cancel of a
 * waiter reaches the other waiter, unless the cancelled one consumed it
 * by returning from its wait first. */
TEST_F_TIMEOUT(cx, cancel_racing_a_signal_loses_no_signal, 120)
{
	int round;

	for (round = 0; round < 200; round++) {
		struct waiter a, b;

		ASSERT_EQ(0, start(&a, self->sb, self->s, COND_WAIT));
		ASSERT_EQ(0, start(&b, self->sb, self->s, COND_WAIT));
		ASSERT_EQ(0, sabuf_cond_signal(self->sb, &self->s->cond));
		if (round & 1)
			sched_yield();
		pthread_cancel(a.thread);
		ASSERT_GE(join_cancelled(&a, 5000), 0);
		if (sabuf_load(&a.ret) == 0)	/* a consumed the signal */
			ASSERT_EQ(0, sabuf_cond_signal(self->sb,
						       &self->s->cond));
		ASSERT_EQ(0, join_cancelled(&b, 5000))
			TH_LOG("round %d: the signal was lost", round);
		EXPECT_EQ(0, b.ret);
		ASSERT_EQ(0, self->s->mutex.state);
	}
}

TEST_HARNESS_MAIN
