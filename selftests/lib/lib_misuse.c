// SPDX-License-Identifier: GPL-2.0
/*
 * The synchronization objects under misuse and mishap (issue 10, items 3,
 * 4 and 8): sabuf_sem_init on a semaphore with sleepers wakes them, and a
 * later post still wakes a sleeper; a SIGKILLed semaphore waiter leaves no
 * state behind; a second barrier init while a party waits is -EBUSY (0.1
 * reset the round and both sides slept for ever); cond_wait reports an
 * error of its sleep other than EINTR (0.1 returned 0), with the mutex
 * held again.
 */
#include <fcntl.h>

#include "lib_test.h"

struct shared {
	sabuf_mutex_t mutex;
	sabuf_cond_t cond;
	sabuf_sem_t sem;
	sabuf_barrier_t barrier;
	int32_t started;
	int32_t done;
	int32_t results[8];
};

FIXTURE(mis) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(mis)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(mis)
{
	sabuf_destroy(self->sb);
}

struct helper {
	struct sabuf *sb;
	struct shared *s;
	pthread_t thread;
	pid_t tid;
	int ret;
};

static void *sem_waiter(void *arg)
{
	struct helper *h = arg;

	sabuf_store(&h->tid, (pid_t)gettid());
	sabuf_store(&h->ret, sabuf_sem_timedwait(h->sb, &h->s->sem,
						 30 * NSEC_PER_SEC));
	return NULL;
}

static void *barrier_waiter(void *arg)
{
	struct helper *h = arg;

	sabuf_store(&h->tid, (pid_t)gettid());
	sabuf_store(&h->ret, sabuf_barrier_wait(h->sb, &h->s->barrier));
	return NULL;
}

static int start(struct helper *h, struct sabuf *sb, struct shared *s,
		 void *(*fn)(void *))
{
	h->sb = sb;
	h->s = s;
	h->tid = 0;
	h->ret = -998;
	if (pthread_create(&h->thread, NULL, fn, h))
		return -1;
	while (!sabuf_load(&h->tid))
		sleep_ms(1);
	return wait_until_sleeping(h->tid, 10000);
}

/* 0.1: init zeroed `waiters`, and set count without waking anyone. */
TEST_F(mis, sem_init_wakes_its_sleepers)
{
	struct helper h[3];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, start(&h[i], self->sb, self->s, sem_waiter));
	ASSERT_EQ(0, sabuf_sem_init(self->sb, &self->s->sem, 3));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, join_within(h[i].thread, 5000))
			TH_LOG("sleeper %d stranded by init", i);
		EXPECT_EQ(0, h[i].ret);
	}
	EXPECT_EQ(0, self->s->sem.count);
}

/* 0.1: after init zeroed `waiters`, post skipped its notify. */
TEST_F(mis, a_post_after_init_wakes_a_sleeper)
{
	struct helper h;

	ASSERT_EQ(0, start(&h, self->sb, self->s, sem_waiter));
	ASSERT_EQ(0, sabuf_sem_init(self->sb, &self->s->sem, 0));
	ASSERT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
	ASSERT_EQ(0, join_within(h.thread, 5000)) TH_LOG("sleeper stranded");
	EXPECT_EQ(0, h.ret);
	EXPECT_EQ(0, self->s->sem.count);
}

/* A waiter killed in its sleep: nothing of it stays raised, and the
 * semaphore works on for the others. */
TEST_F(mis, a_killed_sem_waiter_leaves_no_state)
{
	struct helper h;
	pid_t pid;
	int i;

	for (i = 0; i < 3; i++) {
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0)
			_exit(sabuf_sem_wait(self->sb, &self->s->sem) ? 1 : 0);
		ASSERT_EQ(0, wait_until_sleeping_pid(pid, 10000));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		EXPECT_EQ(128 + SIGKILL, wait_child(pid, 10000));
	}
	/* 0.1 left `waiters` at 3 for ever (and every post made a syscall) */
	EXPECT_EQ(0, self->s->sem.waiters);
	EXPECT_EQ(0, self->s->sem.count);
	ASSERT_EQ(0, start(&h, self->sb, self->s, sem_waiter));
	ASSERT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
	ASSERT_EQ(0, join_within(h.thread, 5000));
	EXPECT_EQ(0, h.ret);
	EXPECT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
	EXPECT_EQ(1, self->s->sem.count);
}

TEST_F(mis, barrier_init_while_a_party_waits_is_ebusy)
{
	struct helper h;

	ASSERT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, 2));
	ASSERT_EQ(0, start(&h, self->sb, self->s, barrier_waiter));
	EXPECT_EQ(-EBUSY, sabuf_barrier_init(self->sb, &self->s->barrier, 2));
	EXPECT_EQ(-EBUSY, sabuf_barrier_init(self->sb, &self->s->barrier, 3));
	/* the round goes on as it was */
	EXPECT_EQ(2, self->s->barrier.parties);
	EXPECT_EQ(1, self->s->barrier.arrived);
	EXPECT_GE(sabuf_barrier_wait(self->sb, &self->s->barrier), 0);
	ASSERT_EQ(0, join_within(h.thread, 5000)) TH_LOG("the party slept on");
	EXPECT_GE(h.ret, 0);
	/* between rounds, init is fine again */
	EXPECT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, 1));
	EXPECT_EQ(SABUF_BARRIER_SERIAL,
		  sabuf_barrier_wait(self->sb, &self->s->barrier));
}

/* Memory that held something else: init resets it. */
TEST_F(mis, barrier_init_over_garbage)
{
	self->s->barrier.parties = -7;
	self->s->barrier.arrived = 12345;
	self->s->barrier.generation = 99;
	EXPECT_EQ(-EINVAL, sabuf_barrier_wait(self->sb, &self->s->barrier));
	ASSERT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, 1));
	EXPECT_EQ(0, self->s->barrier.arrived);
	EXPECT_EQ(SABUF_BARRIER_SERIAL,
		  sabuf_barrier_wait(self->sb, &self->s->barrier));
	EXPECT_EQ(100, self->s->barrier.generation);
}

/*
 * Make the buffer's own fd something that is not /dev/sabuf (the
 * mapping stays): every system call the library makes on it now fails
 * with ENOTTY, which cond_wait must report, not swallow.
 */
TEST_F(mis, cond_wait_returns_errors_of_its_sleep)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	int ret;

	ASSERT_GE(null_fd, 0);
	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->mutex));
	ASSERT_EQ(sabuf_fd(self->sb), dup2(null_fd, sabuf_fd(self->sb)));
	ret = sabuf_cond_timedwait(self->sb, &self->s->cond, &self->s->mutex,
				   2 * NSEC_PER_SEC);
	EXPECT_EQ(-ENOTTY, ret);
	EXPECT_NE(0, self->s->mutex.state);	/* held again */
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->mutex));
	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->mutex));
	EXPECT_EQ(-ENOTTY, sabuf_cond_wait(self->sb, &self->s->cond,
					   &self->s->mutex));
	EXPECT_NE(0, self->s->mutex.state);
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->mutex));
	/* a semaphore reports it too (it always did) */
	EXPECT_EQ(-ENOTTY, sabuf_sem_timedwait(self->sb, &self->s->sem,
					       NSEC_PER_SEC));
	close(null_fd);
}

TEST_HARNESS_MAIN
