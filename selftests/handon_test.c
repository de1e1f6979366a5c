// SPDX-License-Identifier: GPL-2.0
/*
 * SABUF_WAIT_HANDON: a waiter that a notify picked but that is killed
 * before it returns hands its wake-up to the next waiter of the index, so
 * a lock or semaphore built on the word never strands its sleepers.
 * Without the flag the wake-up dies with the waiter (ECMAScript's exact
 * counts), which the control test shows, so the test can fail.
 *
 * Making "picked, then killed before it ran" certain: the picked waiter
 * is pinned to the notifier's CPU, and the notifier runs SCHED_FIFO, so
 * the waiter cannot run between the notify and the SIGKILL. Needs root.
 */
#include "sabuf_test.h"

#define WORD 128

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static pid_t fork_pinned_waiter(int fd, uint32_t flags, int cpu)
{
	pid_t child = fork();

	if (child == 0) {
		struct sabuf_wait w = sabuf_t_wait_args(4, WORD, 0, -1);

		w.flags |= flags;
		if (cpu >= 0 && pin_to(cpu))
			_exit(10);
		_exit(sabuf_t_wait(fd, &w) == 0 ? 0 : 11);
	}
	return child;
}

static void check(struct __test_metadata *_metadata, uint32_t flags, bool expect_handed_on)
{
	struct sched_param fifo = { .sched_priority = 1 };
	struct sabuf_t_buf b;
	struct sabuf_notify n = { .offset = WORD, .count = 1 };
	pid_t picked, next;
	int status, cpu;

	if (geteuid())
		SKIP(return, "needs root for SCHED_FIFO");
	SABUF_T_BUF_NEW(&b, 4096);
	cpu = sched_getcpu();
	ASSERT_LE(0, cpu);
	ASSERT_EQ(0, pin_to(cpu));
	picked = fork_pinned_waiter(b.fd, flags, cpu);
	ASSERT_LT(0, picked);
	ASSERT_EQ(0, sabuf_t_wait_queued(&b, WORD, picked));
	next = fork_pinned_waiter(b.fd, 0, -1);
	ASSERT_LT(0, next);
	ASSERT_EQ(0, sabuf_t_wait_queued(&b, WORD, next));

	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &fifo));
	/* Picks the older waiter; it cannot run before the kill. */
	EXPECT_EQ(1, sabuf_t_ioctl(b.fd, SABUF_IOC_NOTIFY, &n));
	EXPECT_EQ(0, kill(picked, SIGKILL));
	fifo.sched_priority = 0;
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_OTHER, &fifo));
	ASSERT_EQ(picked, waitpid(picked, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("the picked waiter ran before the kill: the test proves nothing");

	if (expect_handed_on) {
		ASSERT_EQ(0, sabuf_t_reap(next)) TH_LOG("the next waiter was not woken");
		EXPECT_EQ(0u, sabuf_t_counter(&b, WORD));
	} else {
		/* The wake-up died with the picked waiter: next still sleeps. */
		EXPECT_EQ(0, sabuf_t_wait_queued(&b, WORD, next));
		EXPECT_EQ(1, sabuf_t_ioctl(b.fd, SABUF_IOC_NOTIFY, &n));
		ASSERT_EQ(0, sabuf_t_reap(next));
	}
	sabuf_t_buf_free(&b);
}

TEST(killed_picked_waiter_hands_on)
{
	check(_metadata, SABUF_WAIT_HANDON, true);
}

TEST(without_handon_the_wakeup_is_lost)
{
	check(_metadata, 0, false);
}

/* A hand-on waiter that is not killed is an ordinary waiter: one wake-up each. */
TEST(handon_waiter_counts_normally)
{
	struct sabuf_t_buf b;
	struct sabuf_notify n = { .offset = WORD, .count = SABUF_NOTIFY_ALL };
	pid_t a, c;

	SABUF_T_BUF_NEW(&b, 4096);
	a = fork_pinned_waiter(b.fd, SABUF_WAIT_HANDON, -1);
	ASSERT_LT(0, a);
	ASSERT_EQ(0, sabuf_t_wait_queued(&b, WORD, a));
	c = fork_pinned_waiter(b.fd, SABUF_WAIT_HANDON, -1);
	ASSERT_LT(0, c);
	ASSERT_EQ(0, sabuf_t_wait_queued(&b, WORD, c));
	EXPECT_EQ(2, sabuf_t_ioctl(b.fd, SABUF_IOC_NOTIFY, &n));
	ASSERT_EQ(0, sabuf_t_reap(a));
	ASSERT_EQ(0, sabuf_t_reap(c));
	EXPECT_EQ(0, sabuf_t_ioctl(b.fd, SABUF_IOC_NOTIFY, &n));
	sabuf_t_buf_free(&b);
}

TEST_HARNESS_MAIN
