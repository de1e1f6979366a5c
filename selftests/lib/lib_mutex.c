// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_mutex: zero-filled means unlocked, trylock -EBUSY, timedlock
 * -ETIMEDOUT (and a deadline that retries do not stretch), unlock of an
 * unlocked mutex -EPERM, argument errors, and mutual exclusion between
 * threads and between processes.
 */
#include "lib_test.h"

struct shared {
	sabuf_mutex_t mutex;
	int32_t pad;
	int64_t counter;	/* plain, non-atomic: the mutex guards it */
	int32_t inside;		/* callers inside the critical section */
	int32_t overlaps;	/* times two were inside at once */
	int32_t failures;
};

FIXTURE(mtx) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(mtx)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(mtx)
{
	sabuf_destroy(self->sb);
}

TEST_F(mtx, zero_filled_is_unlocked)
{
	EXPECT_EQ(0, sabuf_mutex_trylock(self->sb, &self->s->mutex));
	EXPECT_EQ(-EBUSY, sabuf_mutex_trylock(self->sb, &self->s->mutex));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->mutex));
	EXPECT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->mutex));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->mutex));
	EXPECT_EQ(0, self->s->mutex.state);
}

TEST_F(mtx, unlock_of_an_unlocked_mutex_is_eperm)
{
	EXPECT_EQ(-EPERM, sabuf_mutex_unlock(self->sb, &self->s->mutex));
}

TEST_F(mtx, outside_or_misaligned_is_refused)
{
	sabuf_mutex_t elsewhere = { 0 };
	char *base = sabuf_data(self->sb);
	sabuf_mutex_t *odd = (sabuf_mutex_t *)(base + 2);

	EXPECT_EQ(-ERANGE, sabuf_mutex_lock(self->sb, &elsewhere));
	EXPECT_EQ(-ERANGE, sabuf_mutex_trylock(self->sb, &elsewhere));
	EXPECT_EQ(-ERANGE, sabuf_mutex_timedlock(self->sb, &elsewhere, 0));
	EXPECT_EQ(-ERANGE, sabuf_mutex_unlock(self->sb, &elsewhere));
	EXPECT_EQ(-EINVAL, sabuf_mutex_lock(self->sb, odd));
	EXPECT_EQ(-EINVAL, sabuf_mutex_unlock(self->sb, odd));
	EXPECT_EQ(0, elsewhere.state);
}

static void *hold_for_a_while(void *arg)
{
	struct sabuf **sbp = arg;
	struct shared *s = sabuf_data(*sbp);

	lock_or_abort(*sbp, &s->mutex);
	sabuf_store(&s->inside, 1);
	sleep_ms(300);
	sabuf_mutex_unlock(*sbp, &s->mutex);
	return NULL;
}

TEST_F(mtx, timedlock_times_out_while_another_holds_it)
{
	pthread_t t;
	int64_t start;

	ASSERT_EQ(0, pthread_create(&t, NULL, hold_for_a_while, &self->sb));
	while (!sabuf_load(&self->s->inside))
		sleep_ms(1);
	EXPECT_EQ(-ETIMEDOUT, sabuf_mutex_timedlock(self->sb, &self->s->mutex, 0));
	EXPECT_EQ(-EBUSY, sabuf_mutex_trylock(self->sb, &self->s->mutex));
	start = now_ns();
	EXPECT_EQ(-ETIMEDOUT, sabuf_mutex_timedlock(self->sb, &self->s->mutex,
						    50 * NSEC_PER_MSEC));
	EXPECT_GE(now_ns() - start, 50 * NSEC_PER_MSEC);
	/* a long enough timeout gets it once the holder lets go */
	EXPECT_EQ(0, sabuf_mutex_timedlock(self->sb, &self->s->mutex,
					   20 * NSEC_PER_SEC));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->mutex));
	ASSERT_EQ(0, join_within(t, 10000));
}

/*
 * Retries do not stretch the timeout: a holder that keeps unlocking and
 * relocking wakes our timed waiter again and again (each time it loses
 * the race), yet timedlock gives up near its deadline.
 */
struct churn {
	struct sabuf *sb;
	struct shared *s;
	int32_t stop;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;

	int64_t give_up = now_ns() + 3 * NSEC_PER_SEC;	/* never a hang */

	lock_or_abort(c->sb, &c->s->mutex);
	sabuf_store(&c->s->inside, 1);
	while (!sabuf_load(&c->stop) && now_ns() < give_up) {
		int64_t until = now_ns() + 5 * NSEC_PER_MSEC;

		while (now_ns() < until)
			;	/* hold it, running */
		/* unlock wakes the waiter; relocking at once mostly wins */
		sabuf_mutex_unlock(c->sb, &c->s->mutex);
		lock_or_abort(c->sb, &c->s->mutex);
	}
	sabuf_mutex_unlock(c->sb, &c->s->mutex);
	return NULL;
}

TEST_F(mtx, timedlock_deadline_holds_across_wakeups)
{
	struct churn c = { self->sb, self->s, 0 };
	pthread_t t;
	int64_t start, took;
	int ret;

	ASSERT_EQ(0, pthread_create(&t, NULL, churn_main, &c));
	while (!sabuf_load(&self->s->inside))
		sleep_ms(1);
	start = now_ns();
	ret = sabuf_mutex_timedlock(self->sb, &self->s->mutex,
				    200 * NSEC_PER_MSEC);
	took = now_ns() - start;
	if (ret == 0)	/* won a race against the churner: legal, and done */
		sabuf_mutex_unlock(self->sb, &self->s->mutex);
	else
		EXPECT_EQ(-ETIMEDOUT, ret);
	sabuf_store(&c.stop, 1);
	ASSERT_EQ(0, join_within(t, 10000));
	EXPECT_LT(took, 1500 * NSEC_PER_MSEC);
	if (ret)
		EXPECT_GE(took, 200 * NSEC_PER_MSEC);
}

#define WORKERS		4
#define ROUNDS		20000

/* Lock, check nobody else is inside, bump the plain counter, unlock. */
static int hammer(struct sabuf *sb, struct shared *s, int rounds)
{
	int i;

	for (i = 0; i < rounds; i++) {
		if (sabuf_mutex_lock(sb, &s->mutex))
			return -1;
		if (sabuf_add(&s->inside, 1) != 0)
			sabuf_add(&s->overlaps, 1);
		s->counter++;
		sabuf_sub(&s->inside, 1);
		if (sabuf_mutex_unlock(sb, &s->mutex))
			return -1;
	}
	return 0;
}

static void *hammer_main(void *arg)
{
	struct sabuf *sb = arg;

	if (hammer(sb, sabuf_data(sb), ROUNDS))
		sabuf_add(&((struct shared *)sabuf_data(sb))->failures, 1);
	return NULL;
}

TEST_F_TIMEOUT(mtx, threads_exclude_each_other, 120)
{
	pthread_t t[WORKERS];
	int i;

	for (i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hammer_main, self->sb));
	for (i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, join_within(t[i], 100000));
	EXPECT_EQ(0, self->s->failures);
	EXPECT_EQ(0, self->s->overlaps);
	EXPECT_EQ(WORKERS * ROUNDS, self->s->counter);
	EXPECT_EQ(0, self->s->mutex.state);	/* unlocked, nobody waiting */
}

TEST_F_TIMEOUT(mtx, processes_exclude_each_other, 120)
{
	pid_t pid[WORKERS];
	int i;

	for (i = 0; i < WORKERS; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0)
			_exit(hammer(self->sb, self->s, ROUNDS / 2) ? 1 : 0);
	}
	for (i = 0; i < WORKERS; i++)
		EXPECT_EQ(0, wait_child(pid[i], 100000));
	EXPECT_EQ(0, self->s->overlaps);
	EXPECT_EQ(WORKERS * ROUNDS / 2, self->s->counter);
	EXPECT_EQ(0, self->s->mutex.state);
}

TEST_HARNESS_MAIN
