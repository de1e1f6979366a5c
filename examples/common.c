// SPDX-License-Identifier: MIT
/* Helpers the examples share: see common.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* The fd number a worker finds its socket on, after exec. */
#define WORKER_SOCKET_FD 3

int must(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(-ret));
		exit(1);
	}
	return ret;
}

pid_t spawn_worker(const struct sabuf *sb, const char *role, int index)
{
	char index_text[16];
	int sock[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		must(-errno, "socketpair");
	fflush(NULL);	/* nothing buffered gets printed twice */
	pid = fork();
	if (pid < 0)
		must(-errno, "fork");
	if (pid == 0) {
		/* a fresh program: it inherits the socket and nothing else */
		if (sock[1] == WORKER_SOCKET_FD)
			fcntl(sock[1], F_SETFD, 0);
		else if (dup2(sock[1], WORKER_SOCKET_FD) < 0)
			_exit(127);
		snprintf(index_text, sizeof(index_text), "%d", index);
		execl("/proc/self/exe", program_invocation_short_name,
		      "--worker", role, index_text, (char *)NULL);
		_exit(127);
	}
	close(sock[1]);
	/* C's worker.postMessage(sharedBuffer): no copy, the same memory */
	must(sabuf_send(sock[0], sb), "sabuf_send");
	close(sock[0]);
	return pid;
}

int is_worker(int argc, char **argv)
{
	return argc >= 4 && strcmp(argv[1], "--worker") == 0;
}

const char *worker_role(char **argv)
{
	return argv[2];
}

int worker_index(char **argv)
{
	return atoi(argv[3]);
}

struct sabuf *worker_receive(void)
{
	struct sabuf *sb;

	must(sabuf_recv(WORKER_SOCKET_FD, &sb), "sabuf_recv");
	close(WORKER_SOCKET_FD);
	return sb;
}

int wait_workers(const pid_t *pids, int n)
{
	int i, status, failed = 0;

	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	return failed;
}

int modes_from_args(int argc, char **argv)
{
	int i, modes = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--threads") == 0)
			modes |= THREADS;
		else if (strcmp(argv[i], "--processes") == 0)
			modes |= PROCESSES;
	}
	return modes ? modes : THREADS | PROCESSES;
}

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t process_cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
