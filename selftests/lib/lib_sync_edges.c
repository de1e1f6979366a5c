// SPDX-License-Identifier: GPL-2.0
/*
 * Edges of the synchronization objects that issue 10 lists:
 *  - a handler without SA_RESTART: the mutex retries (the lock still
 *    waits for the unlock), the condition variable returns 0 with the
 *    mutex held, the semaphore returns -EINTR, the barrier retries;
 *  - cond_signal wakes exactly one of three sleepers (broadcast the rest);
 *  - the condition variable's sequence and the barrier's generation wrap
 *    from INT32_MAX without losing a wake-up;
 *  - 32- and 64-bit waiters of one index form one FIFO, one notify(1) each.
 */
#include "lib_test.h"

struct shared {
	sabuf_mutex_t mutex;
	sabuf_cond_t cond;
	sabuf_sem_t sem;
	sabuf_barrier_t barrier;
	int32_t woken;
	int32_t order_next;
	int32_t serial;
	int32_t pad;
	union {			/* 8-aligned: a 64-bit and a 32-bit waiter */
		int64_t w64;	/* of one index (w32[0] starts at w64) */
		int32_t w32[2];
	} word;
};

FIXTURE(edge) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(edge)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(edge)
{
	sabuf_destroy(self->sb);
}

enum call { MUTEX_LOCK, COND_WAIT, SEM_WAIT, BARRIER_WAIT, WAIT32, WAIT64 };

struct helper {
	struct sabuf *sb;
	struct shared *s;
	enum call call;
	pthread_t thread;
	pid_t tid;
	int ret;		/* -998 until the call returned */
	int held_after;		/* cond: the mutex was held on return */
	int order;		/* waits: position among the woken */
};

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	struct shared *s = h->s;
	int ret = -997;

	if (h->call == COND_WAIT)
		lock_or_abort(h->sb, &s->mutex);
	sabuf_store(&h->tid, (pid_t)gettid());
	switch (h->call) {
	case MUTEX_LOCK:
		ret = sabuf_mutex_lock(h->sb, &s->mutex);
		if (ret == 0)
			sabuf_mutex_unlock(h->sb, &s->mutex);
		break;
	case COND_WAIT:
		ret = sabuf_cond_wait(h->sb, &s->cond, &s->mutex);
		h->held_after = sabuf_load(&s->mutex.state) != 0;
		sabuf_add(&s->woken, 1);
		sabuf_mutex_unlock(h->sb, &s->mutex);
		break;
	case SEM_WAIT:
		ret = sabuf_sem_wait(h->sb, &s->sem);
		break;
	case BARRIER_WAIT:
		ret = sabuf_barrier_wait(h->sb, &s->barrier);
		break;
	case WAIT32:
		ret = sabuf_wait32(h->sb, &s->word.w32[0], 0,
				   20 * NSEC_PER_SEC);
		h->order = sabuf_add(&s->order_next, 1);
		break;
	case WAIT64:
		ret = sabuf_wait64(h->sb, &s->word.w64, 0, 20 * NSEC_PER_SEC);
		h->order = sabuf_add(&s->order_next, 1);
		break;
	}
	sabuf_store(&h->ret, ret);
	return NULL;
}

static int start(struct helper *h, struct sabuf *sb, struct shared *s,
		 enum call call)
{
	h->sb = sb;
	h->s = s;
	h->call = call;
	h->tid = 0;
	h->ret = -998;
	h->held_after = 0;
	if (pthread_create(&h->thread, NULL, helper_main, h))
		return -1;
	while (!sabuf_load(&h->tid))
		sleep_ms(1);
	return wait_until_sleeping(h->tid, 10000);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Interrupt h's sleep a few times with a handler without SA_RESTART. */
static int interrupt(struct helper *h)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = 0 };
	int i;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return -1;
	for (i = 0; i < 3; i++) {
		if (sabuf_load(&h->ret) != -998)
			break;
		pthread_kill(h->thread, SIGUSR1);
		sleep_ms(20);
	}
	return 0;
}

TEST_F(edge, eintr_mutex_retries)
{
	struct helper h;

	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->mutex));
	ASSERT_EQ(0, start(&h, self->sb, self->s, MUTEX_LOCK));
	ASSERT_EQ(0, interrupt(&h));
	sleep_ms(30);
	EXPECT_EQ(-998, sabuf_load(&h.ret));	/* still waiting */
	ASSERT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->mutex));
	ASSERT_EQ(0, join_within(h.thread, 5000));
	EXPECT_EQ(0, h.ret);
}

TEST_F(edge, eintr_cond_returns_with_the_mutex_held)
{
	struct helper h;

	ASSERT_EQ(0, start(&h, self->sb, self->s, COND_WAIT));
	ASSERT_EQ(0, interrupt(&h));
	ASSERT_EQ(0, join_within(h.thread, 5000));
	EXPECT_EQ(0, h.ret);		/* a spurious wake-up, as pthreads */
	EXPECT_EQ(1, h.held_after);
	EXPECT_EQ(0, self->s->mutex.state);	/* unlocked by the helper */
}

TEST_F(edge, eintr_sem_returns_eintr)
{
	struct helper h;

	ASSERT_EQ(0, start(&h, self->sb, self->s, SEM_WAIT));
	ASSERT_EQ(0, interrupt(&h));
	ASSERT_EQ(0, join_within(h.thread, 5000));
	EXPECT_EQ(-EINTR, h.ret);
	EXPECT_EQ(0, self->s->sem.count);
}

TEST_F(edge, eintr_barrier_retries)
{
	struct helper h;

	ASSERT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, 2));
	ASSERT_EQ(0, start(&h, self->sb, self->s, BARRIER_WAIT));
	ASSERT_EQ(0, interrupt(&h));
	sleep_ms(30);
	EXPECT_EQ(-998, sabuf_load(&h.ret));	/* still waiting */
	EXPECT_EQ(SABUF_BARRIER_SERIAL,
		  sabuf_barrier_wait(self->sb, &self->s->barrier));
	ASSERT_EQ(0, join_within(h.thread, 5000));
	EXPECT_EQ(0, h.ret);
}

TEST_F(edge, cond_signal_wakes_exactly_one_of_three)
{
	struct helper h[3];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, start(&h[i], self->sb, self->s, COND_WAIT));
	EXPECT_EQ(0, sabuf_cond_signal(self->sb, &self->s->cond));
	sleep_ms(300);
	EXPECT_EQ(1, sabuf_load(&self->s->woken));
	EXPECT_EQ(0, sabuf_cond_broadcast(self->sb, &self->s->cond));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, join_within(h[i].thread, 5000));
		EXPECT_EQ(0, h[i].ret);
	}
	EXPECT_EQ(3, self->s->woken);
}

TEST_F(edge, cond_sequence_wraps)
{
	int i;

	self->s->cond.seq = INT32_MAX - 1;
	for (i = 0; i < 4; i++) {
		struct helper h;

		ASSERT_EQ(0, start(&h, self->sb, self->s, COND_WAIT));
		EXPECT_EQ(0, sabuf_cond_signal(self->sb, &self->s->cond));
		ASSERT_EQ(0, join_within(h.thread, 5000))
			TH_LOG("signal %d (sequence %d) lost", i,
			       self->s->cond.seq);
		EXPECT_EQ(0, h.ret);
	}
	EXPECT_EQ(INT32_MIN + 2, self->s->cond.seq);
}

TEST_F(edge, barrier_generation_wraps)
{
	int i;

	ASSERT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, 2));
	self->s->barrier.generation = INT32_MAX - 1;
	for (i = 0; i < 4; i++) {
		struct helper h;
		int mine;

		ASSERT_EQ(0, start(&h, self->sb, self->s, BARRIER_WAIT));
		mine = sabuf_barrier_wait(self->sb, &self->s->barrier);
		ASSERT_EQ(0, join_within(h.thread, 5000))
			TH_LOG("round %d (generation %d) stuck", i,
			       self->s->barrier.generation);
		EXPECT_EQ(SABUF_BARRIER_SERIAL, mine + h.ret);
	}
	EXPECT_EQ(INT32_MIN + 2, self->s->barrier.generation);
}

/* 64, 32, 64, 32 at one index: one FIFO, each notify(1) wakes the next. */
TEST_F(edge, mixed_width_fifo_with_notify_one)
{
	static const enum call calls[4] = { WAIT64, WAIT32, WAIT64, WAIT32 };
	struct helper h[4];
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, start(&h[i], self->sb, self->s, calls[i]));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(1, sabuf_notify(self->sb, &self->s->word, 1));
		ASSERT_EQ(0, join_within(h[i].thread, 5000))
			TH_LOG("waiter %d was not the one woken", i);
		EXPECT_EQ(SABUF_OK, h[i].ret);
		EXPECT_EQ(i, h[i].order);
	}
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->s->word, 1));
}

TEST_HARNESS_MAIN
