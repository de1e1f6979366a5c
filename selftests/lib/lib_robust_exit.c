// SPDX-License-Identifier: GPL-2.0
/*
 * A thread's end is the kernel's to see (DESIGN.md 0.3, "Owner death,
 * exactly"; issue 18 items 6 and 3b): libsabuf keeps no list of held
 * mutexes and runs nothing at thread exit, so nothing it does depends on
 * an address the caller may have unmapped.
 *
 *  - lock through handle A, unlock through handle B (a second attach of
 *    the same buffer), destroy A, the thread exits: no crash, no fd or
 *    mapping left behind (0.2: SIGSEGV at thread exit, its destructor
 *    read the mutex through A's unmapped address);
 *  - sabuf_destroy while holding, then the thread exits: no crash, and the
 *    next locker gets -EOWNERDEAD (0.2: SIGSEGV);
 *  - a thread that returns or calls pthread_exit holding a mutex: the next
 *    locker gets -EOWNERDEAD;
 *  - a thread that ends with a raw SYS_exit (no TSD destructors) holding
 *    a mutex while another sleeps in sabuf_mutex_lock on it: the sleeper
 *    wakes with -EOWNERDEAD (0.2: it slept until its timeout). This needs
 *    the kernel to see every thread end (kmod/robust.c, issue 18 item 3b).
 */
#include <sys/syscall.h>

#include "lib_test.h"

struct shared {
	sabuf_mutex_t m;
	int32_t go;
};

FIXTURE(re) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(re)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(re)
{
	sabuf_destroy(self->sb);
}

struct job {
	struct sabuf *sb;	/* the test's own handle */
	int fail;		/* which step failed, 0: none */
	int how;		/* how the thread ends */
	pid_t tid;
	struct shared *s;
};

enum { RETURN, PTHREAD_EXIT, RAW_EXIT };

static void end_thread(int how)
{
	if (how == PTHREAD_EXIT)
		pthread_exit(NULL);
	if (how == RAW_EXIT)
		syscall(SYS_exit, 0);	/* no TSD destructors, no unwinding */
}

/* Handles A and B of one buffer; lock via A, unlock via B, destroy A. */
static void *a_then_b(void *arg)
{
	struct job *j = arg;
	struct sabuf *a, *b;
	int i;

	if (sabuf_attach(sabuf_fd(j->sb), &a) || sabuf_attach(sabuf_fd(j->sb), &b)) {
		j->fail = 1;
		return NULL;
	}
	for (i = 0; i < 100; i++) {
		sabuf_mutex_t *ma = &((struct shared *)sabuf_data(a))->m;
		sabuf_mutex_t *mb = &((struct shared *)sabuf_data(b))->m;

		if (sabuf_mutex_lock(a, ma) != 0) {
			j->fail = 2;
			break;
		}
		if (sabuf_mutex_unlock(b, mb) != 0) {
			j->fail = 3;
			break;
		}
	}
	sabuf_destroy(a);
	sabuf_destroy(b);
	end_thread(j->how);
	return NULL;
}

TEST_F(re, lock_via_a_unlock_via_b_destroy_a_then_exit)
{
	int fds = open_fd_count(), maps = sabuf_mapping_count();
	int how;

	for (how = RETURN; how <= PTHREAD_EXIT; how++) {
		struct job j = { .sb = self->sb, .how = how };
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, a_then_b, &j));
		ASSERT_EQ(0, join_within(t, 10000));
		EXPECT_EQ(0, j.fail);
	}
	/* unlocked, not owner-dead: nothing was left held */
	EXPECT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
	EXPECT_EQ(fds, open_fd_count());
	EXPECT_EQ(maps, sabuf_mapping_count());
}

/* Lock through a handle of its own, destroy it while holding, end. */
static void *destroy_holding(void *arg)
{
	struct job *j = arg;
	struct sabuf *a;

	if (sabuf_attach(sabuf_fd(j->sb), &a)) {
		j->fail = 1;
		return NULL;
	}
	if (sabuf_mutex_lock(a, &((struct shared *)sabuf_data(a))->m) != 0)
		j->fail = 2;
	sabuf_destroy(a);
	end_thread(j->how);
	return NULL;
}

TEST_F(re, destroy_while_holding_then_exit)
{
	int how;

	for (how = RETURN; how <= PTHREAD_EXIT; how++) {
		struct job j = { .sb = self->sb, .how = how };
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, destroy_holding, &j));
		ASSERT_EQ(0, join_within(t, 10000));
		ASSERT_EQ(0, j.fail);
		EXPECT_EQ(-EOWNERDEAD, sabuf_mutex_lock(self->sb, &self->s->m)) TH_LOG("how %d", how);
		EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, &self->s->m));
		EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
	}
}

/* Lock, wait for go, end holding it. */
static void *hold_then_end(void *arg)
{
	struct job *j = arg;

	if (sabuf_mutex_lock(j->sb, &j->s->m) != 0) {
		j->fail = 1;
		return NULL;
	}
	sabuf_store(&j->tid, (pid_t)gettid());
	while (!sabuf_load(&j->s->go))
		sleep_ms(1);
	end_thread(j->how);
	return NULL;
}

/* Sleep in sabuf_mutex_lock; say what it returned. */
static void *sleeper(void *arg)
{
	struct job *j = arg;
	int ret;

	sabuf_store(&j->tid, (pid_t)gettid());
	ret = sabuf_mutex_lock(j->sb, &j->s->m);
	if (ret == -EOWNERDEAD && sabuf_mutex_consistent(j->sb, &j->s->m) == 0 &&
	    sabuf_mutex_unlock(j->sb, &j->s->m) == 0)
		ret = 1;		/* owner dead, repaired, released */
	sabuf_store(&j->fail, ret);
	return NULL;
}

TEST_F(re, every_thread_end_is_seen_by_the_next_locker)
{
	int how;

	for (how = RETURN; how <= RAW_EXIT; how++) {
		struct job h = { .sb = self->sb, .s = self->s, .how = how };
		pthread_t t;

		sabuf_store(&self->s->go, 1);
		ASSERT_EQ(0, pthread_create(&t, NULL, hold_then_end, &h));
		ASSERT_EQ(0, join_within(t, 10000));
		ASSERT_EQ(0, h.fail);
		EXPECT_EQ(-EOWNERDEAD, sabuf_mutex_lock(self->sb, &self->s->m)) TH_LOG("how %d", how);
		EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, &self->s->m));
		EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
		sabuf_store(&self->s->go, 0);
	}
}

/* The kernel sees each end (3b): a sleeper already asleep is woken. */
TEST_F(re, a_sleeper_wakes_when_the_holder_ends_in_any_way)
{
	int how;

	for (how = RETURN; how <= RAW_EXIT; how++) {
		struct job h = { .sb = self->sb, .s = self->s, .how = how };
		struct job w = h;
		pthread_t th, tw;

		ASSERT_EQ(0, pthread_create(&th, NULL, hold_then_end, &h));
		while (!sabuf_load(&h.tid) && !sabuf_load(&h.fail))
			sleep_ms(1);
		ASSERT_EQ(0, h.fail);
		ASSERT_EQ(0, pthread_create(&tw, NULL, sleeper, &w));
		while (!sabuf_load(&w.tid))
			sleep_ms(1);
		ASSERT_EQ(0, wait_until_sleeping(w.tid, 10000));
		sabuf_store(&self->s->go, 1);
		ASSERT_EQ(0, join_within(th, 10000));
		ASSERT_EQ(0, join_within(tw, 10000))
			TH_LOG("how %d: the sleeper was not woken when the holder ended", how);
		EXPECT_EQ(1, w.fail) TH_LOG("how %d: lock said %d, not -EOWNERDEAD", how, w.fail);
		sabuf_store(&self->s->go, 0);
	}
}

TEST_HARNESS_MAIN
