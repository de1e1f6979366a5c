// SPDX-License-Identifier: GPL-2.0
/*
 * Every kind of fork starts with no owner id (DESIGN.md 0.3, "Owner death,
 * exactly"; issue 18 item 5): fork(), _Fork() (no atfork handlers),
 * syscall(SYS_clone, SIGCHLD, ...) and clone3 without CLONE_VM. In each
 * child, a mutex its parent holds is not the child's: trylock -EBUSY,
 * unlock -EPERM, a timed lock times out; and a child killed holding a
 * mutex of its own is seen dead by its parent (-EOWNERDEAD).
 *
 * 0.2 kept the cached owner id valid until a pthread_atfork handler ran,
 * so the last three kinds failed: the child unlocked its parent's mutex
 * (0, not -EPERM), its timed lock said -EDEADLK, and the parent's lock of
 * the killed child's mutex said -EDEADLK (the word named the parent).
 */
#include <sched.h>
#include <sys/syscall.h>

#include "lib_test.h"

#ifndef SYS_clone3
#define SYS_clone3 435		/* the same number on every architecture */
#endif

struct shared {
	sabuf_mutex_t parents;		/* held by the parent */
	sabuf_mutex_t childs;		/* locked by the child, which is killed */
	int32_t child_holds;
};

enum kind { FORK, UNDERSCORE_FORK, CLONE, CLONE3 };

/* The first fields of struct clone_args (CLONE_ARGS_SIZE_VER0). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls;
};

/* Like fork(), by @kind: the child returns 0; -1 with errno ENOSYS when
 * the kind does not exist here. */
static pid_t fork_by(enum kind kind)
{
	struct clone3_args args = { .exit_signal = SIGCHLD };

	switch (kind) {
	case FORK:
		return fork();
	case UNDERSCORE_FORK:
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
		return _Fork();
#else
		errno = ENOSYS;
		return -1;
#endif
	case CLONE:
		/* the raw system call, as runtimes other than glibc's make it */
		return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	case CLONE3:
		return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	}
	errno = EINVAL;
	return -1;
}

FIXTURE(rf) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_VARIANT(rf) {
	enum kind kind;
};

FIXTURE_VARIANT_ADD(rf, fork) { .kind = FORK };
FIXTURE_VARIANT_ADD(rf, _Fork) { .kind = UNDERSCORE_FORK };
FIXTURE_VARIANT_ADD(rf, clone) { .kind = CLONE };
FIXTURE_VARIANT_ADD(rf, clone3) { .kind = CLONE3 };

FIXTURE_SETUP(rf)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(rf)
{
	sabuf_destroy(self->sb);
}

#define SKIP_IF_MISSING(child) do {						\
	if ((child) < 0 && errno == ENOSYS)					\
		SKIP(return, "this kind of fork does not exist here");		\
} while (0)

/* The parent's held mutex is not the child's. */
TEST_F(rf, child_does_not_own_the_parents_mutex)
{
	sabuf_mutex_t *m = &self->s->parents;
	pid_t child;

	/* the parent's thread has its owner id cached before the fork */
	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, m));
	child = fork_by(variant->kind);
	SKIP_IF_MISSING(child);
	ASSERT_LE(0, child);
	if (child == 0) {
		if (sabuf_mutex_trylock(self->sb, m) != -EBUSY)
			_exit(1);
		if (sabuf_mutex_unlock(self->sb, m) != -EPERM)
			_exit(2);
		if (sabuf_mutex_timedlock(self->sb, m, 20 * NSEC_PER_MSEC) != -ETIMEDOUT)
			_exit(3);
		if (sabuf_mutex_timedlock(self->sb, m, 0) != -ETIMEDOUT)
			_exit(4);
		if (sabuf_mutex_consistent(self->sb, m) != -EINVAL)
			_exit(5);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(child, 10000)) TH_LOG("1 trylock, 2 unlock, 3-4 timedlock, 5 consistent");
	/* still the parent's */
	EXPECT_EQ(-EDEADLK, sabuf_mutex_lock(self->sb, m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, m));
}

/* A child killed holding its own lock is seen dead by its parent. */
TEST_F(rf, child_killed_holding_is_seen_dead)
{
	sabuf_mutex_t *m = &self->s->childs;
	pid_t child;
	int i;

	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->parents));
	ASSERT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->parents));
	child = fork_by(variant->kind);
	SKIP_IF_MISSING(child);
	ASSERT_LE(0, child);
	if (child == 0) {
		if (sabuf_mutex_lock(self->sb, m) != 0)
			_exit(1);
		sabuf_store(&self->s->child_holds, 1);
		for (;;)
			pause();
	}
	for (i = 0; i < 10000 && !sabuf_load(&self->s->child_holds); i++)
		sleep_ms(1);
	ASSERT_EQ(1, sabuf_load(&self->s->child_holds));
	/* held by the child, which is someone else */
	EXPECT_EQ(-EBUSY, sabuf_mutex_trylock(self->sb, m));
	EXPECT_EQ(-EPERM, sabuf_mutex_unlock(self->sb, m));
	ASSERT_EQ(0, kill(child, SIGKILL));
	waitpid(child, NULL, 0);
	EXPECT_EQ(-EOWNERDEAD, sabuf_mutex_lock(self->sb, m));
	EXPECT_EQ(0, sabuf_mutex_consistent(self->sb, m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, m));
}

/* A child's own child (a second generation of the same kind) too. */
TEST_F(rf, grandchild_does_not_own_the_childs_mutex)
{
	sabuf_mutex_t *m = &self->s->childs;
	pid_t child;

	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->s->parents));
	child = fork_by(variant->kind);
	SKIP_IF_MISSING(child);
	ASSERT_LE(0, child);
	if (child == 0) {
		pid_t grandchild;

		if (sabuf_mutex_lock(self->sb, m) != 0)
			_exit(1);
		grandchild = fork_by(variant->kind);
		if (grandchild < 0)
			_exit(2);
		if (grandchild == 0)
			_exit(sabuf_mutex_unlock(self->sb, m) == -EPERM &&
			       sabuf_mutex_unlock(self->sb, &self->s->parents) == -EPERM ? 0 : 3);
		if (wait_child(grandchild, 10000) != 0)
			_exit(4);
		_exit(sabuf_mutex_unlock(self->sb, m) == 0 ? 0 : 5);
	}
	EXPECT_EQ(0, wait_child(child, 10000)) TH_LOG("3: the grandchild unlocked");
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->s->parents));
}

TEST_HARNESS_MAIN
