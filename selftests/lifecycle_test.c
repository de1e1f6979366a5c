// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes: a waiter that dies leaves its queue; a buffer lives while any
 * fd, mapping or sleeping waiter refers to it, even when another thread
 * closes and unmaps everything under a waiter; fork shares the buffer and
 * its queues both ways.
 */
#include "sabuf_test.h"

#define WORD 512

FIXTURE(life) {
	struct sabuf_t_buf b;
};

FIXTURE_SETUP(life)
{
	SABUF_T_BUF_NEW(&self->b, 2 * sabuf_t_page_size());
}

FIXTURE_TEARDOWN(life)
{
	sabuf_t_buf_free(&self->b);
}

TEST_F(life, sigkilled_waiter_leaves_the_queue)
{
	struct sabuf_wait w = sabuf_t_wait_args(4, WORD, 0, -1);
	pid_t child = sabuf_t_fork_waiter(self->b.fd, &w);

	ASSERT_LT(0, child);
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, child));
	ASSERT_EQ(0, kill(child, SIGKILL));
	ASSERT_EQ(SABUF_T_KILLED(SIGKILL), sabuf_t_reap(child));
	/* Reaped means its wait is over: nothing of it may remain queued or counted. */
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
}

/* The killed waiter was first in line: the ones behind it move up, in order. */
TEST_F(life, sigkilled_head_of_queue_others_keep_order)
{
	struct sabuf_wait w = sabuf_t_wait_args(4, WORD, 0, -1);
	struct sabuf_t_waiter thread = { .fd = self->b.fd, .args = w };
	pid_t doomed, last;

	doomed = sabuf_t_fork_waiter(self->b.fd, &w);
	ASSERT_LT(0, doomed);
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, doomed));
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &thread));
	last = sabuf_t_fork_waiter(self->b.fd, &w);
	ASSERT_LT(0, last);
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, last));

	ASSERT_EQ(0, kill(doomed, SIGKILL));
	ASSERT_EQ(SABUF_T_KILLED(SIGKILL), sabuf_t_reap(doomed));

	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&thread));
	ASSERT_NE(0, sabuf_t_task_blocked(last));	/* still asleep */
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_reap(last));
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
}

/* A process exiting with several threads asleep in waits leaves no waiter behind. */
TEST_F(life, exit_with_waiting_threads_leaves_nothing)
{
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (child == 0) {
		struct sabuf_t_waiter wt[3];

		for (int i = 0; i < 3; i++) {
			wt[i] = (struct sabuf_t_waiter){
				.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
			};
			if (sabuf_t_waiter_start_queued(&self->b, &wt[i]))
				_exit(1);
		}
		_exit(0);	/* exit_group: the three sleeping threads die with it */
	}
	ASSERT_EQ(0, sabuf_t_reap(child));
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
}

/*
 * Another thread closes the waiter's fd and unmaps everything while it
 * sleeps. The buffer must live on under the waiter: a notify through a
 * dup of the fd still finds and wakes it.
 */
TEST_F(life, close_and_munmap_under_a_waiter_then_notify_via_dup)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
	};
	int fd2 = dup(self->b.fd);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	sabuf_t_buf_free(&self->b);	/* munmap data and counters, close the fd */
	ASSERT_FALSE(sabuf_t_waiter_done(&wt));
	ASSERT_EQ(1, sabuf_t_notify(fd2, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
	close(fd2);
}

/* The same with no fd left at all: the wait still times out cleanly. */
TEST_F(life, close_and_munmap_under_a_waiter_then_timeout)
{
	const int64_t timeout_ns = SABUF_T_SEEN_ASLEEP_TIMEOUT_NS;
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(8, WORD, 0, timeout_ns),
	};

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	sabuf_t_buf_free(&self->b);
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_waiter_join(&wt));
	ASSERT_LE(timeout_ns, wt.end_ns - wt.start_ns);
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* ... and a forever wait with nothing left ends cleanly on a signal. */
TEST_F(life, close_and_munmap_under_a_waiter_then_signal)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
	};

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	sabuf_t_buf_free(&self->b);
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR1));
	ASSERT_EQ(-EINTR, sabuf_t_waiter_join(&wt));
}

TEST_F(life, fork_child_waits_parent_notifies)
{
	struct sabuf_wait w = sabuf_t_wait_args(4, WORD, 0, -1);
	pid_t child = sabuf_t_fork_waiter(self->b.fd, &w);

	ASSERT_LT(0, child);
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, child));
	__atomic_store_n(sabuf_t_u32(&self->b, WORD), 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_reap(child));
}

TEST_F(life, fork_parent_waits_child_notifies)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(8, WORD, 0, -1),
	};
	pid_t child;

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		__atomic_store_n(sabuf_t_u64(&self->b, WORD), 1, __ATOMIC_SEQ_CST);
		_exit(sabuf_t_notify(self->b.fd, WORD, 1) == 1 ? 0 : 1);
	}
	ASSERT_EQ(0, sabuf_t_reap(child));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
}

/* With the fd closed, the mapping alone keeps the buffer, shared across fork. */
TEST_F(life, mapping_outlives_the_fd)
{
	uint32_t *word = sabuf_t_u32(&self->b, WORD);
	pid_t child;

	*word = 0x600d;
	close(self->b.fd);
	self->b.fd = -1;
	ASSERT_EQ(0x600du, *word);
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		if (*word != 0x600d)
			_exit(1);
		*word = 0xbeef;
		_exit(0);
	}
	ASSERT_EQ(0, sabuf_t_reap(child));
	ASSERT_EQ(0xbeefu, *word);
}

/* The child keeps the buffer after the parent let go of it entirely. */
TEST_F(life, child_keeps_the_buffer_after_parent_lets_go)
{
	int pipefd[2];
	pid_t child;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	*sabuf_t_u32(&self->b, WORD) = 41;
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		uint32_t *word = sabuf_t_u32(&self->b, WORD);

		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) != 0)	/* until the parent let go */
			_exit(2);
		if (*word != 41)
			_exit(3);
		(*word)++;
		/* Its fd still works for the kernel side too. */
		if (sabuf_t_wait32(self->b.fd, WORD, 42, 0) != -ETIMEDOUT)
			_exit(4);
		_exit(0);
	}
	close(pipefd[0]);
	sabuf_t_buf_free(&self->b);
	close(pipefd[1]);
	ASSERT_EQ(0, sabuf_t_reap(child));
}

TEST_HARNESS_MAIN
