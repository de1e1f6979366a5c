// SPDX-License-Identifier: GPL-2.0
/*
 * Absolute deadlines are read in the caller's time namespace, as futex
 * does (timens_ktime_to_host). In a namespace whose CLOCK_MONOTONIC runs
 * 100000 s ahead of the host's, "now + 200 ms" must fire after ~200 ms;
 * ABI 1 compared it with the host clock and slept for 100000 s. REALTIME
 * has no namespace offset, so it must be unaffected.
 *
 * Needs root (CLONE_NEWTIME); SKIPs where time namespaces do not exist.
 */
#include "sabuf_test.h"

#define WORD 0
#define OFFSET_S 100000

/*
 * Run one absolute wait of 200 ms on clk in a child inside a new time
 * namespace; the child's exit status says what happened. The parent gives
 * it 10 s and then kills it: a deadline read on the wrong clock fails
 * instead of hanging the run.
 */
static int wait_in_timens(int fd, clockid_t clk, int64_t *elapsed_ms)
{
	char offsets[64];
	int status, ofd, pfd[2];
	int64_t start;
	pid_t child;

	if (unshare(CLONE_NEWTIME))
		return -errno;
	ofd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (ofd < 0)
		return -errno;
	snprintf(offsets, sizeof(offsets), "monotonic %d 0", OFFSET_S);
	if (write(ofd, offsets, strlen(offsets)) < 0) {
		close(ofd);
		return -errno;
	}
	close(ofd);
	if (pipe(pfd))
		return -errno;
	start = sabuf_t_now(CLOCK_MONOTONIC);
	child = fork();		/* the first child enters the namespace */
	if (child < 0)
		return -errno;
	if (child == 0) {
		struct sabuf_wait w = sabuf_t_wait_args(4, WORD, 0, 0);
		int64_t host_now;
		int ret;

		w.flags |= SABUF_WAIT_ABSTIME;
		w.clockid = clk;
		w.timeout_ns = sabuf_t_now(clk) + 200 * SABUF_T_NSEC_PER_MSEC;
		/* the namespace's monotonic clock must really be ahead */
		host_now = 0;
		if (read(pfd[0], &host_now, sizeof(host_now)) != sizeof(host_now))
			_exit(20);
		if (clk == CLOCK_MONOTONIC &&
		    sabuf_t_now(CLOCK_MONOTONIC) < host_now + (OFFSET_S - 10) * SABUF_T_NSEC_PER_SEC)
			_exit(21);
		ret = sabuf_t_wait(fd, &w);
		_exit(ret == -ETIMEDOUT ? 0 : 30 + (-ret % 50));
	}
	{
		int64_t now = sabuf_t_now(CLOCK_MONOTONIC);

		if (write(pfd[1], &now, sizeof(now)) != sizeof(now))
			return -EIO;
	}
	close(pfd[0]);
	close(pfd[1]);
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(child, &status, WNOHANG);

		if (r == child) {
			*elapsed_ms = (sabuf_t_now(CLOCK_MONOTONIC) - start) / SABUF_T_NSEC_PER_MSEC;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
		}
		sabuf_t_sleep_ms(10);
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return 99;	/* still asleep after 10 s */
}

static void check(struct __test_metadata *_metadata, clockid_t clk)
{
	struct sabuf_t_buf b;
	int64_t elapsed = 0;
	int ret;

	if (geteuid())
		SKIP(return, "needs root for CLONE_NEWTIME");
	SABUF_T_BUF_NEW(&b, 4096);
	ret = wait_in_timens(b.fd, clk, &elapsed);
	if (ret == -EINVAL || ret == -ENOENT)
		SKIP(return, "no time namespaces in this kernel");
	ASSERT_EQ(0, ret) TH_LOG("child: %d (99: never fired, 30+: wrong errno, 21: no offset)",
				 ret);
	EXPECT_LE(150, elapsed) TH_LOG("fired after %lld ms", (long long)elapsed);
	sabuf_t_buf_free(&b);
}

TEST(absolute_monotonic_deadline_in_offset_namespace)
{
	check(_metadata, CLOCK_MONOTONIC);
}

TEST(absolute_realtime_deadline_in_offset_namespace)
{
	check(_metadata, CLOCK_REALTIME);
}

TEST_HARNESS_MAIN
