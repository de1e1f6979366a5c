// SPDX-License-Identifier: GPL-2.0
/*
 * Robust owners, at the ioctl level (libsabuf's robust mutex is built on
 * this): SABUF_IOC_ROBUST_REGISTER hands out owner ids; a SABUF_WAIT_ROBUST
 * wait whose expected word names a dead owner fails with EOWNERDEAD instead
 * of sleeping, and a sleeper is woken with EOWNERDEAD when its owner's
 * process is killed or execs. Ids are the kernel's: they work across PID
 * namespaces, where TIDs would collide.
 */
#include "sabuf_test.h"

#include <sys/syscall.h>

#define WORD 64
#define NO_PIDNS	0x7fff0077u
#define UNSHARE_FAILED	0x7fff0010u

#define robust_register(fd)		sabuf_t_robust_register(fd)
#define robust_args(owner, timeout_ns)	sabuf_t_robust_args(WORD, owner, timeout_ns)

FIXTURE(robust) {
	struct sabuf_t_buf b;
};

FIXTURE_SETUP(robust)
{
	SABUF_T_BUF_NEW(&self->b, 4096);
}

FIXTURE_TEARDOWN(robust)
{
	sabuf_t_buf_free(&self->b);
}

TEST_F(robust, register_gives_distinct_ids_in_range)
{
	int a = robust_register(self->b.fd), b = robust_register(self->b.fd);

	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	EXPECT_NE(a, b);
	EXPECT_GE((int)SABUF_ROBUST_ID_MAX, a);
	EXPECT_GE((int)SABUF_ROBUST_ID_MAX, b);
}

TEST_F(robust, register_flags_reserved_einval)
{
	struct sabuf_robust args = { .flags = 1 };

	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->b.fd, SABUF_IOC_ROBUST_REGISTER, &args));
	args.flags = 0;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->b.fd, SABUF_IOC_ROBUST_REGISTER, &args));
}

TEST(register_on_an_empty_handle)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	EXPECT_LT(0, robust_register(fd));
	close(fd);
}

TEST_F(robust, only_32_bit_words_einval)
{
	struct sabuf_wait w = sabuf_t_wait_args(8, WORD, 1, 0);

	w.flags |= SABUF_WAIT_ROBUST;
	EXPECT_EQ(-EINVAL, sabuf_t_wait(self->b.fd, &w));
}

/* A live owner: the robust wait is an ordinary one. */
TEST_F(robust, live_owner_waits_normally)
{
	int id = robust_register(self->b.fd);
	struct sabuf_wait w;

	ASSERT_LT(0, id);
	*sabuf_t_u32(&self->b, WORD) = id;
	w = robust_args(id, 10 * SABUF_T_NSEC_PER_MSEC);
	EXPECT_EQ(-ETIMEDOUT, sabuf_t_wait(self->b.fd, &w));
	w = robust_args(id + 1, 0);	/* the word differs */
	EXPECT_EQ(-EAGAIN, sabuf_t_wait(self->b.fd, &w));
}

TEST_F(robust, unknown_owner_eownerdead)
{
	struct sabuf_wait w = robust_args(SABUF_ROBUST_ID_MAX, -1);

	*sabuf_t_u32(&self->b, WORD) = SABUF_ROBUST_ID_MAX;
	EXPECT_EQ(-EOWNERDEAD, sabuf_t_wait(self->b.fd, &w));
	/* without the flag the same wait would sleep: the flag is the cause */
	w.flags &= ~SABUF_WAIT_ROBUST;
	w.timeout_ns = 0;
	EXPECT_EQ(-ETIMEDOUT, sabuf_t_wait(self->b.fd, &w));
}

/* A process that registered and exited is a dead owner. */
TEST_F(robust, exited_process_eownerdead)
{
	uint32_t *word = sabuf_t_u32(&self->b, WORD);
	struct sabuf_wait w;
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (child == 0) {
		int id = robust_register(self->b.fd);

		if (id <= 0)
			_exit(10);
		__atomic_store_n(word, id, __ATOMIC_SEQ_CST);
		_exit(0);
	}
	ASSERT_EQ(0, sabuf_t_reap(child));
	w = robust_args(*word, -1);
	EXPECT_EQ(-EOWNERDEAD, sabuf_t_wait(self->b.fd, &w));
}

/* A thread that registered and exited is a dead owner too. */
static void *register_and_exit(void *arg)
{
	uint32_t *word = arg;

	__atomic_store_n(word, robust_register(*(int *)(word + 1)), __ATOMIC_SEQ_CST);
	return NULL;
}

TEST_F(robust, exited_thread_eownerdead)
{
	uint32_t *word = sabuf_t_u32(&self->b, WORD);
	struct sabuf_wait w;
	pthread_t t;

	*(int *)(word + 1) = self->b.fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, register_and_exit, word));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_LT(0, (int)*word);
	w = robust_args(*word, 5 * SABUF_T_NSEC_PER_SEC);
	EXPECT_EQ(-EOWNERDEAD, sabuf_t_wait(self->b.fd, &w));
}

/*
 * A sleeper is woken when the owner's process dies (how: @kill_it) and
 * reports EOWNERDEAD, well before its 60 s timeout.
 */
static void check_sleeper_woken(struct __test_metadata *_metadata, FIXTURE_DATA(robust) *self,
				bool by_exec)
{
	uint32_t *word = sabuf_t_u32(&self->b, WORD);
	struct sabuf_t_waiter wt = { .fd = self->b.fd };
	pid_t child;

	*word = 0;
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int id = robust_register(self->b.fd);

		if (id <= 0)
			_exit(10);
		__atomic_store_n(word, id, __ATOMIC_SEQ_CST);
		if (by_exec) {
			/* wait for the parent's go, then exec (the fd is close-on-exec) */
			while (__atomic_load_n(word + 1, __ATOMIC_SEQ_CST) != 1)
				usleep(1000);
			execl("/bin/sh", "sh", "-c", "sleep 30", (char *)NULL);
			_exit(11);
		}
		pause();
		_exit(12);
	}
	ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n(word, __ATOMIC_SEQ_CST) != 0));
	wt.args = robust_args(*word, 60 * SABUF_T_NSEC_PER_SEC);
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	if (by_exec)
		__atomic_store_n(word + 1, 1, __ATOMIC_SEQ_CST);
	else
		ASSERT_EQ(0, kill(child, SIGKILL));
	EXPECT_EQ(-EOWNERDEAD, sabuf_t_waiter_join(&wt));
	EXPECT_GT(30 * SABUF_T_NSEC_PER_SEC, wt.end_ns - wt.start_ns);
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, WORD));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

TEST_F_TIMEOUT(robust, sleeper_woken_when_owner_killed, 60)
{
	check_sleeper_woken(_metadata, self, false);
}

TEST_F_TIMEOUT(robust, sleeper_woken_when_owner_execs, 60)
{
	if (access("/bin/sh", X_OK))
		SKIP(return, "no /bin/sh to exec");
	check_sleeper_woken(_metadata, self, true);
}

/* An owner in another PID namespace: its id means the same here. */
TEST_F(robust, owner_in_another_pid_namespace)
{
	uint32_t *word = sabuf_t_u32(&self->b, WORD);
	struct sabuf_wait w;
	pid_t child;

	if (geteuid())
		SKIP(return, "needs root for CLONE_NEWPID");
	*word = 0;
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		pid_t inner;
		int status;

		if (unshare(CLONE_NEWPID)) {
			/* above every owner id: cannot be mistaken for one */
			__atomic_store_n(word, errno == EINVAL ? NO_PIDNS : UNSHARE_FAILED,
					 __ATOMIC_SEQ_CST);
			_exit(10);
		}
		inner = fork();
		if (inner == 0) {	/* pid 1 of the new namespace */
			int id = robust_register(self->b.fd);

			__atomic_store_n(word, id > 0 ? id : 0, __ATOMIC_SEQ_CST);
			while (__atomic_load_n(word + 1, __ATOMIC_SEQ_CST) != 2)
				usleep(1000);
			_exit(getpid() == 1 ? 0 : 11);
		}
		if (inner < 0 || waitpid(inner, &status, 0) != inner)
			_exit(12);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 13);
	}
	ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n(word, __ATOMIC_SEQ_CST) != 0));
	if (*word == NO_PIDNS || *word == UNSHARE_FAILED) {
		waitpid(child, NULL, 0);
		if (*word == NO_PIDNS)
			SKIP(return, "no PID namespaces in this kernel");
		ASSERT_TRUE(false) TH_LOG("unshare(CLONE_NEWPID) failed");
	}
	/* alive: a short wait times out */
	w = robust_args(*word, 10 * SABUF_T_NSEC_PER_MSEC);
	EXPECT_EQ(-ETIMEDOUT, sabuf_t_wait(self->b.fd, &w));
	__atomic_store_n(word + 1, 2, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, sabuf_t_reap(child));
	w = robust_args(*word, -1);
	EXPECT_EQ(-EOWNERDEAD, sabuf_t_wait(self->b.fd, &w));
}

TEST_HARNESS_MAIN
