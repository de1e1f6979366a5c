// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_sem: zero-filled is 0, init sets the count, trywait -EAGAIN,
 * timedwait -ETIMEDOUT, post wakes a sleeper, post past INT32_MAX is
 * -EOVERFLOW, and tokens are neither lost nor duplicated between threads
 * and between processes.
 */
#include "lib_test.h"

struct shared {
	sabuf_sem_t sem;
	sabuf_sem_t done;
	int32_t taken;
	int32_t failures;
};

FIXTURE(sem) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(sem)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(sem)
{
	sabuf_destroy(self->sb);
}

TEST_F(sem, zero_filled_is_zero)
{
	EXPECT_EQ(-EAGAIN, sabuf_sem_trywait(self->sb, &self->s->sem));
	EXPECT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
	EXPECT_EQ(0, sabuf_sem_trywait(self->sb, &self->s->sem));
	EXPECT_EQ(-EAGAIN, sabuf_sem_trywait(self->sb, &self->s->sem));
}

TEST_F(sem, init_sets_the_count)
{
	int i;

	EXPECT_EQ(0, sabuf_sem_init(self->sb, &self->s->sem, 3));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, sabuf_sem_wait(self->sb, &self->s->sem));
	EXPECT_EQ(-EAGAIN, sabuf_sem_trywait(self->sb, &self->s->sem));
	EXPECT_EQ(-EINVAL, sabuf_sem_init(self->sb, &self->s->sem,
					  (unsigned int)INT32_MAX + 1));
}

TEST_F(sem, post_past_the_maximum_is_eoverflow)
{
	EXPECT_EQ(0, sabuf_sem_init(self->sb, &self->s->sem, INT32_MAX));
	EXPECT_EQ(-EOVERFLOW, sabuf_sem_post(self->sb, &self->s->sem));
	EXPECT_EQ(0, sabuf_sem_trywait(self->sb, &self->s->sem));
	EXPECT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
}

TEST_F(sem, timedwait_times_out)
{
	int64_t start = now_ns();

	EXPECT_EQ(-ETIMEDOUT, sabuf_sem_timedwait(self->sb, &self->s->sem, 0));
	EXPECT_EQ(-ETIMEDOUT, sabuf_sem_timedwait(self->sb, &self->s->sem,
						  50 * NSEC_PER_MSEC));
	EXPECT_GE(now_ns() - start, 50 * NSEC_PER_MSEC);
	EXPECT_EQ(0, self->s->sem.waiters);	/* it counted itself out */
	sabuf_sem_post(self->sb, &self->s->sem);
	EXPECT_EQ(0, sabuf_sem_timedwait(self->sb, &self->s->sem, 0));
}

TEST_F(sem, outside_the_buffer_is_erange)
{
	sabuf_sem_t elsewhere = { 0, 0 };

	EXPECT_EQ(-ERANGE, sabuf_sem_init(self->sb, &elsewhere, 1));
	EXPECT_EQ(-ERANGE, sabuf_sem_post(self->sb, &elsewhere));
	EXPECT_EQ(-ERANGE, sabuf_sem_wait(self->sb, &elsewhere));
	EXPECT_EQ(-ERANGE, sabuf_sem_trywait(self->sb, &elsewhere));
	EXPECT_EQ(-ERANGE, sabuf_sem_timedwait(self->sb, &elsewhere, 0));
	EXPECT_EQ(0, elsewhere.count);
}

static void *wait_once(void *arg)
{
	struct sabuf *sb = arg;
	struct shared *s = sabuf_data(sb);

	if (sabuf_sem_timedwait(sb, &s->sem, 20 * NSEC_PER_SEC) == 0)
		sabuf_add(&s->taken, 1);
	return NULL;
}

TEST_F(sem, post_wakes_a_sleeper)
{
	pthread_t t[3];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, wait_once, self->sb));
	sleep_ms(50);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, join_within(t[i], 20000));
	EXPECT_EQ(3, self->s->taken);
	EXPECT_EQ(0, self->s->sem.count);
	EXPECT_EQ(0, self->s->sem.waiters);
}

/* Producers post, consumers wait, all concurrently: every token counts. */
#define TOKENS_EACH	10000
#define SIDES		2

static int take(struct sabuf *sb, struct shared *s)
{
	int i;

	for (i = 0; i < TOKENS_EACH; i++) {
		if (sabuf_sem_timedwait(sb, &s->sem, 10 * NSEC_PER_SEC))
			return -1;
		sabuf_add(&s->taken, 1);
	}
	return 0;
}

static int give(struct sabuf *sb, struct shared *s)
{
	int i;

	for (i = 0; i < TOKENS_EACH; i++)
		if (sabuf_sem_post(sb, &s->sem))
			return -1;
	return 0;
}

static void *side_main(void *arg)
{
	struct sabuf **sbp = arg;
	struct shared *s = sabuf_data(sbp[0]);
	int ret = sbp[1] ? give(sbp[0], s) : take(sbp[0], s);

	if (ret)
		sabuf_add(&s->failures, 1);
	return NULL;
}

TEST_F_TIMEOUT(sem, tokens_between_threads, 120)
{
	struct sabuf *args[2][2] = { { self->sb, NULL },
				     { self->sb, (struct sabuf *)1 } };
	pthread_t t[2 * SIDES];
	int i;

	for (i = 0; i < 2 * SIDES; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, side_main,
					    args[i % 2]));
	for (i = 0; i < 2 * SIDES; i++)
		ASSERT_EQ(0, join_within(t[i], 100000));
	EXPECT_EQ(0, self->s->failures);
	EXPECT_EQ(SIDES * TOKENS_EACH, self->s->taken);
	EXPECT_EQ(0, self->s->sem.count);
	EXPECT_EQ(0, self->s->sem.waiters);
}

TEST_F_TIMEOUT(sem, tokens_between_processes, 120)
{
	pid_t pid[2 * SIDES];
	int i;

	for (i = 0; i < 2 * SIDES; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0)
			_exit((i % 2 ? give(self->sb, self->s)
				     : take(self->sb, self->s)) ? 1 : 0);
	}
	for (i = 0; i < 2 * SIDES; i++)
		EXPECT_EQ(0, wait_child(pid[i], 100000));
	EXPECT_EQ(SIDES * TOKENS_EACH, self->s->taken);
	EXPECT_EQ(0, self->s->sem.count);
	EXPECT_EQ(0, self->s->sem.waiters);
}

TEST_HARNESS_MAIN
