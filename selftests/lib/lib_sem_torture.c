// SPDX-License-Identifier: GPL-2.0
/*
 * Token conservation of sabuf_sem under random short timed waits.
 *
 * Threads (and then processes) post, trywait, timedwait and clockwait at
 * random, with timeouts from a little below 0 to a few hundred
 * microseconds and absolute deadlines on both clocks, some already
 * passed: so waits time out in every phase (before sleeping, in the
 * kernel, racing a post's notify). At the end every token posted was
 * taken exactly once or is still in count: posted == taken + count. A
 * token lost to a timed-out waiter, or taken twice, breaks the sum.
 */
#include "lib_test.h"

#define WORKERS		4
#define OPS		6000

struct shared {
	sabuf_sem_t sem;
	int64_t posted;
	int64_t taken;
	int32_t errors;
	int32_t last_error;
};

FIXTURE(tort) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(tort)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(tort)
{
	sabuf_destroy(self->sb);
}

static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void error(struct shared *s, int ret)
{
	sabuf_add(&s->errors, 1);
	sabuf_store(&s->last_error, ret);
}

static void count_take(struct shared *s, int ret, int timed_out)
{
	if (ret == 0)
		sabuf_add(&s->taken, 1);
	else if (ret != timed_out)
		error(s, ret);
}

static void work(struct sabuf *sb, struct shared *s, uint32_t seed)
{
	uint32_t rnd = seed | 1;
	int i;

	for (i = 0; i < OPS; i++) {
		uint32_t r = next_random(&rnd);
		/* -50 us .. +250 us */
		int64_t t = (int64_t)(r >> 8) % 300000 - 50000;
		struct timespec abstime;
		clockid_t clock;
		int64_t ns;
		int ret;

		switch (r & 7) {
		case 0:
		case 1:
		case 2:
			ret = sabuf_sem_post(sb, &s->sem);
			if (ret)
				error(s, ret);
			else
				sabuf_add(&s->posted, 1);
			break;
		case 3:
			count_take(s, sabuf_sem_trywait(sb, &s->sem), -EAGAIN);
			break;
		case 4:
		case 5:
			count_take(s, sabuf_sem_timedwait(sb, &s->sem, t),
				   -ETIMEDOUT);
			break;
		default:
			clock = r & 16 ? CLOCK_REALTIME : CLOCK_MONOTONIC;
			clock_gettime(clock, &abstime);
			ns = (int64_t)abstime.tv_sec * NSEC_PER_SEC +
			     abstime.tv_nsec + t;
			abstime.tv_sec = ns / NSEC_PER_SEC;
			abstime.tv_nsec = ns % NSEC_PER_SEC;
			count_take(s, sabuf_sem_clockwait(sb, &s->sem, clock,
							  &abstime),
				   -ETIMEDOUT);
			break;
		}
	}
}

struct worker {
	struct sabuf *sb;
	struct shared *s;
	uint32_t seed;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	work(w->sb, w->s, w->seed);
	return NULL;
}

static void check_sum(struct __test_metadata *_metadata, struct sabuf *sb,
		      struct shared *s)
{
	int64_t left = 0;

	EXPECT_EQ(0, s->errors) TH_LOG("last error %d", s->last_error);
	while (sabuf_sem_trywait(sb, &s->sem) == 0)
		left++;
	TH_LOG("posted %lld, taken %lld, left %lld", (long long)s->posted,
	       (long long)s->taken, (long long)left);
	EXPECT_EQ(s->posted, s->taken + left);
	EXPECT_GT(s->taken, 0);
	EXPECT_EQ(0, s->sem.count);
}

TEST_F_TIMEOUT(tort, threads_conserve_tokens, 300)
{
	struct worker w[WORKERS];
	pthread_t t[WORKERS];
	int i;

	for (i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){ self->sb, self->s,
					(uint32_t)(0x9e3779b9u * (i + 1)) };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_main, &w[i]));
	}
	for (i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, join_within(t[i], 250000));
	check_sum(_metadata, self->sb, self->s);
}

TEST_F_TIMEOUT(tort, processes_conserve_tokens, 300)
{
	pid_t pid[WORKERS];
	int i;

	for (i = 0; i < WORKERS; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0) {
			work(self->sb, self->s,
			     (uint32_t)(0x85ebca6bu * (i + 7)));
			_exit(0);
		}
	}
	for (i = 0; i < WORKERS; i++)
		EXPECT_EQ(0, wait_child(pid[i], 250000));
	check_sum(_metadata, self->sb, self->s);
}

TEST_HARNESS_MAIN
