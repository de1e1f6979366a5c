/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the libsabuf tests share: make a buffer (or SKIP when the module
 * is absent), count open fds for leak checks, read the clock, and run a
 * function in a forked child or a thread with a bounded wait for it.
 *
 * Rule for every test: ASSERT/EXPECT only in the test's own thread and
 * process. Helper threads and forked children report through memory or
 * their exit status, and the test checks that.
 */
#ifndef SABUF_LIB_TEST_H
#define SABUF_LIB_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sabuf.h>

#include "kselftest_harness.h"

#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_SEC	1000000000LL

/* Create a buffer, or SKIP the test when /dev/sabuf does not exist. */
#define CREATE_OR_SKIP(len, sbp) do {						\
	int create_ret_ = sabuf_create((len), (sbp));				\
	if (create_ret_ == -ENOENT)						\
		SKIP(return, "no /dev/sabuf (is the module loaded?)");		\
	ASSERT_EQ(0, create_ret_);						\
} while (0)

/*
 * Lock in a helper thread or child, where a failure has nowhere to be
 * reported: abort, which fails the test (the lock's result must be used:
 * sabuf_mutex_lock is warn_unused_result).
 */
static inline void lock_or_abort(struct sabuf *sb, sabuf_mutex_t *m)
{
	if (sabuf_mutex_lock(sb, m) != 0)
		abort();
}

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * NSEC_PER_MSEC };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Number of open fds of this process (the directory's own fd excluded). */
static inline int open_fd_count(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *d;
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;
}

/*
 * Number of lines in /proc/self/maps that map a sabuf buffer: its counter
 * page through /dev/sabuf (or a read-only handle's anon inode), its data
 * through the buffer's own file, "/sabuf:ID (deleted)".
 */
static inline int sabuf_mapping_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " /dev/sabuf") || strstr(line, " /sabuf:") ||
		    strstr(line, "anon_inode:[sabuf]"))
			n++;
	fclose(f);
	return n;
}

/*
 * Wait for a child for at most timeout_ms; kill it if it overstays.
 * Returns its exit status (0..255), 128 + signal if a signal ended it,
 * or -1 if it had to be killed (a hang is a failure, never a hung suite).
 */
static inline int wait_child(pid_t pid, int timeout_ms)
{
	int64_t end = now_ns() + (int64_t)timeout_ms * NSEC_PER_MSEC;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
		if (r < 0 || now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(2);
	}
}

/* Join a thread, giving up (and reporting -ETIMEDOUT) after timeout_ms. */
static inline int join_within(pthread_t t, int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (timeout_ms % 1000) * NSEC_PER_MSEC;
	if (ts.tv_nsec >= NSEC_PER_SEC) {
		ts.tv_sec++;
		ts.tv_nsec -= NSEC_PER_SEC;
	}
	return -pthread_timedjoin_np(t, NULL, &ts);
}

/* Is the task whose stat file is at path asleep (state S) right now? */
static inline int task_is_sleeping(const char *path)
{
	char buf[256], *p;
	FILE *f = fopen(path, "r");
	int sleeping = 0;

	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');	/* the name may hold spaces */
		sleeping = p && p[1] == ' ' && p[2] == 'S';
	}
	fclose(f);
	return sleeping;
}

/*
 * Poll until a thread of ours (tid) or a child process (pid) sleeps; 0, or
 * -ETIMEDOUT after timeout_ms. Tests call it only when the task's one
 * blocking point is the wait under test, so "asleep" means "queued".
 */
static inline int wait_until_stat_sleeping(const char *path, int timeout_ms)
{
	int64_t end = now_ns() + (int64_t)timeout_ms * NSEC_PER_MSEC;

	while (!task_is_sleeping(path)) {
		if (now_ns() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
	return 0;
}

static inline int wait_until_sleeping(pid_t tid, int timeout_ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	return wait_until_stat_sleeping(path, timeout_ms);
}

static inline int wait_until_sleeping_pid(pid_t pid, int timeout_ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return wait_until_stat_sleeping(path, timeout_ms);
}

#endif /* SABUF_LIB_TEST_H */
