// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_mutex_t is robust and error-checking (DESIGN.md, "Synchronization
 * objects"): relock -EDEADLK, foreign unlock -EPERM, a corrupt word is not
 * overwritten; when the holder's process dies (killed, exited, exec'ed),
 * or the holding thread exits, the next locker and one already asleep get
 * the mutex with -EOWNERDEAD; sabuf_mutex_consistent() repairs it, and an
 * unlock without it makes the mutex -ENOTRECOVERABLE for everyone. The
 * 0.1 mutex (a 0/1/2 word) fails every one of these.
 */
#include "lib_test.h"

#include <sched.h>

struct shared {
	sabuf_mutex_t m;
	int32_t ready;
	int32_t go;
	int32_t pad;
};

FIXTURE(rb) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(rb)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(rb)
{
	sabuf_destroy(self->sb);
}

TEST_F(rb, relock_edeadlk_trylock_ebusy)
{
	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(-EDEADLK, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(-EDEADLK, sabuf_mutex_timedlock(self->sb, &self->s->m, NSEC_PER_SEC));
	EXPECT_EQ(-EBUSY, sabuf_mutex_trylock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
	EXPECT_EQ(-EPERM, sabuf_mutex_unlock(self->sb, &self->s->m));
}

static void *try_unlock(void *arg)
{
	void **a = arg;

	return (void *)(long)sabuf_mutex_unlock(a[0], a[1]);
}

TEST_F(rb, unlock_by_another_thread_eperm)
{
	void *args[2] = { self->sb, &self->s->m };
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->m));
	ASSERT_EQ(0, pthread_create(&t, NULL, try_unlock, args));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(-EPERM, (int)(long)ret);
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
}

/* A word no lock or unlock ever writes is reported, not overwritten. */
TEST_F(rb, corrupt_word_einval_untouched)
{
	self->s->m.state = 0x40000000;	/* "contended" with no owner */
	EXPECT_EQ(-EINVAL, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(-EINVAL, sabuf_mutex_trylock(self->sb, &self->s->m));
	EXPECT_EQ(0x40000000, self->s->m.state);
	EXPECT_EQ(-EPERM, sabuf_mutex_unlock(self->sb, &self->s->m));
	self->s->m.state = 0;
}

/* Fork a child that locks the mutex, says so, then does @then. */
enum then { EXIT, HANG, EXEC };

static pid_t fork_holder(struct sabuf *sb, struct shared *s, enum then then)
{
	pid_t child = fork();

	if (child == 0) {
		if (sabuf_mutex_lock(sb, &s->m))
			_exit(10);
		sabuf_store(&s->ready, 1);
		if (then == EXEC) {
			while (!sabuf_load(&s->go))
				sleep_ms(1);
			execl("/bin/sh", "sh", "-c", "sleep 30", (char *)NULL);
			_exit(11);
		}
		if (then == HANG)
			pause();
		_exit(0);
	}
	return child;
}

static bool eventually_ready(struct shared *s)
{
	for (int i = 0; i < 10000 && !sabuf_load(&s->ready); i++)
		sleep_ms(1);
	return sabuf_load(&s->ready);
}

TEST_F(rb, next_locker_after_process_exit_eownerdead_then_consistent)
{
	pid_t child = fork_holder(self->sb, self->s, EXIT);

	ASSERT_LT(0, child);
	ASSERT_EQ(0, wait_child(child, 10000));
	ASSERT_EQ(-EOWNERDEAD, sabuf_mutex_lock(self->sb, &self->s->m));
	/* held now: relock is EDEADLK, and consistent repairs it */
	EXPECT_EQ(-EDEADLK, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, &self->s->m));
	EXPECT_EQ(-EINVAL, sabuf_mutex_consistent(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
}

TEST_F(rb, trylock_and_timedlock_see_the_dead_owner)
{
	pid_t child = fork_holder(self->sb, self->s, EXIT);

	ASSERT_LT(0, child);
	ASSERT_EQ(0, wait_child(child, 10000));
	ASSERT_EQ(-EOWNERDEAD, sabuf_mutex_trylock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));

	self->s->ready = 0;
	child = fork_holder(self->sb, self->s, EXIT);
	ASSERT_LT(0, child);
	ASSERT_EQ(0, wait_child(child, 10000));
	ASSERT_EQ(-EOWNERDEAD, sabuf_mutex_timedlock(self->sb, &self->s->m, 0));
	EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
}

TEST_F(rb, unlock_without_consistent_notrecoverable)
{
	pid_t child = fork_holder(self->sb, self->s, EXIT);

	ASSERT_LT(0, child);
	ASSERT_EQ(0, wait_child(child, 10000));
	ASSERT_EQ(-EOWNERDEAD, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
	EXPECT_EQ(-ENOTRECOVERABLE, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(-ENOTRECOVERABLE, sabuf_mutex_trylock(self->sb, &self->s->m));
	EXPECT_EQ(-ENOTRECOVERABLE, sabuf_mutex_timedlock(self->sb, &self->s->m, NSEC_PER_SEC));
	EXPECT_EQ(-EPERM, sabuf_mutex_unlock(self->sb, &self->s->m));
	EXPECT_EQ(-EINVAL, sabuf_mutex_consistent(self->sb, &self->s->m));
}

struct locker {
	struct sabuf *sb;
	sabuf_mutex_t *m;
	int ret, consistent, unlock;	/* what lock, consistent, unlock said */
	int done;
};

/* Lock; after -EOWNERDEAD repair and unlock (only the holder may). */
static void *lock_thread(void *arg)
{
	struct locker *l = arg;

	l->ret = sabuf_mutex_lock(l->sb, l->m);
	if (l->ret == -EOWNERDEAD) {
		l->consistent = sabuf_mutex_consistent(l->sb, l->m);
		l->unlock = sabuf_mutex_unlock(l->sb, l->m);
	}
	__atomic_store_n(&l->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A locker already asleep gets -EOWNERDEAD when the holder dies. */
static void check_sleeper(struct __test_metadata *_metadata, FIXTURE_DATA(rb) *self,
			  enum then then)
{
	struct locker l = { .sb = self->sb, .m = &self->s->m };
	pid_t child = fork_holder(self->sb, self->s, then);
	pthread_t t;

	ASSERT_LT(0, child);
	ASSERT_TRUE(eventually_ready(self->s));
	ASSERT_EQ(0, pthread_create(&t, NULL, lock_thread, &l));
	sleep_ms(50);
	ASSERT_FALSE(__atomic_load_n(&l.done, __ATOMIC_SEQ_CST));
	if (then == EXEC)
		sabuf_store(&self->s->go, 1);
	else
		ASSERT_EQ(0, kill(child, SIGKILL));
	ASSERT_EQ(0, join_within(t, 10000)) TH_LOG("the sleeping locker was not woken");
	EXPECT_EQ(-EOWNERDEAD, l.ret);
	EXPECT_EQ(0, l.consistent);
	EXPECT_EQ(0, l.unlock);
	EXPECT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

TEST_F(rb, sleeping_locker_gets_eownerdead_when_holder_killed)
{
	check_sleeper(_metadata, self, HANG);
}

TEST_F(rb, sleeping_locker_gets_eownerdead_when_holder_execs)
{
	if (access("/bin/sh", X_OK))
		SKIP(return, "no /bin/sh");
	check_sleeper(_metadata, self, EXEC);
}

static void *lock_and_exit(void *arg)
{
	struct locker *l = arg;

	l->ret = sabuf_mutex_lock(l->sb, l->m);
	return NULL;	/* exits holding it */
}

/* Sleeps on the mutex, gets it, exits holding it. */
static void *wait_lock_and_exit(void *arg)
{
	struct locker *l = arg;

	l->ret = sabuf_mutex_lock(l->sb, l->m);
	__atomic_store_n(&l->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST_F(rb, thread_exit_holding_eownerdead)
{
	struct locker l = { .sb = self->sb, .m = &self->s->m }, w = l;
	pthread_t t, u;

	ASSERT_EQ(0, pthread_create(&t, NULL, lock_and_exit, &l));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, l.ret);
	EXPECT_EQ(-EOWNERDEAD, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));

	/* and one asleep on it while the holder thread exits */
	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->m));
	ASSERT_EQ(0, pthread_create(&u, NULL, wait_lock_and_exit, &w));
	sleep_ms(50);
	ASSERT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
	ASSERT_EQ(0, join_within(u, 10000));
	EXPECT_EQ(0, w.ret);	/* a plain hand-over: its locker unlocked */
	/* w's thread ended holding it: next is EOWNERDEAD */
	EXPECT_EQ(-EOWNERDEAD, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
}

/*
 * A thread exits holding the mutex while two others sleep on it: both get
 * it in the end (the first with EOWNERDEAD). Found by robust_torture: the
 * exit used to drop CONTENDED, so the second sleeper was never woken.
 */
static void *lock_hold_exit(void *arg)
{
	struct locker *l = arg;

	l->ret = sabuf_mutex_lock(l->sb, l->m);
	__atomic_store_n(&l->done, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&l->consistent, __ATOMIC_SEQ_CST) == 0)
		sleep_ms(1);	/* until both sleepers are asleep */
	return NULL;		/* exits holding it */
}

TEST_F(rb, thread_exit_with_two_sleepers_wakes_both)
{
	struct locker holder = { .sb = self->sb, .m = &self->s->m };
	struct locker a = holder, b = holder;
	pthread_t th, ta, tb;

	ASSERT_EQ(0, pthread_create(&th, NULL, lock_hold_exit, &holder));
	while (!__atomic_load_n(&holder.done, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	ASSERT_EQ(0, holder.ret);
	ASSERT_EQ(0, pthread_create(&ta, NULL, lock_thread, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, lock_thread, &b));
	sleep_ms(100);
	EXPECT_FALSE(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST));
	EXPECT_FALSE(__atomic_load_n(&b.done, __ATOMIC_SEQ_CST));
	__atomic_store_n(&holder.consistent, 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, join_within(ta, 10000)) TH_LOG("a sleeper was never woken");
	ASSERT_EQ(0, join_within(tb, 10000)) TH_LOG("a sleeper was never woken");
	/* one got it from the dead thread, the other from that one's unlock */
	EXPECT_EQ(-EOWNERDEAD, a.ret == -EOWNERDEAD ? a.ret : b.ret);
	EXPECT_EQ(0, a.ret == -EOWNERDEAD ? b.ret : a.ret);
}

/* A fork child is not the holder: it cannot unlock the parent's mutex. */
TEST_F(rb, fork_child_does_not_own_parents_lock)
{
	pid_t child;

	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->m));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		if (sabuf_mutex_unlock(self->sb, &self->s->m) != -EPERM)
			_exit(1);
		if (sabuf_mutex_timedlock(self->sb, &self->s->m, 20 * NSEC_PER_MSEC) != -ETIMEDOUT)
			_exit(2);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(child, 10000));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
}

/* A holder in another PID namespace dies: the id in the word still says so. */
TEST_F(rb, holder_in_another_pid_namespace)
{
	pid_t child;
	int ret;

	if (geteuid())
		SKIP(return, "needs root for CLONE_NEWPID");
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(errno == EINVAL ? 77 : 20);	/* 77: no PID namespaces */
		inner = fork_holder(self->sb, self->s, EXIT);
		_exit(inner > 0 && wait_child(inner, 10000) == 0 ? 0 : 21);
	}
	ret = wait_child(child, 10000);
	if (ret == 77)
		SKIP(return, "no PID namespaces in this kernel");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(-EOWNERDEAD, sabuf_mutex_lock(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, &self->s->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->m));
}

TEST_HARNESS_MAIN
