// SPDX-License-Identifier: GPL-2.0
/*
 * What a process's exit costs while another user holds many owner ids
 * (issue 18, item 4): a bystander with 32 mappings of a buffer exits; the
 * time from its last instruction to the parent's waitpid() return is one
 * sample. Peer "sabuf": 10^5 owner ids registered by another uid (65534)
 * are alive meanwhile; peer "none": nobody registered any. The key
 * exit_cost_foreign_owners is sabuf / none: an exit must cost what the
 * exiting process holds, not what others registered (0.2 walked the whole
 * owner registry once per sabuf mapping and fd).
 *
 *   exit_cost --peer sabuf|none [--round N] [--count TRIALS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sabuf.h>
#include <sabuf.h>

#include "bench.h"

#define FOREIGN_OWNERS	100000
#define MAPPINGS	32

static const char *const peers[] = { "sabuf", "none", NULL };

/* A child of another uid that registers @n owner ids and stays alive. */
static pid_t start_registrant(int fd, long n)
{
	int pipefd[2];
	pid_t pid;
	char c;

	if (pipe(pipefd))
		die("pipe: %m");
	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		struct sabuf_robust args = { 0 };

		close(pipefd[0]);
		if (setresuid(65534, 65534, 65534))
			_exit(1);
		for (long i = 0; i < n; i++)
			if (ioctl(fd, SABUF_IOC_ROBUST_REGISTER, &args) < 0)
				_exit(2);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		die("the registrant of %ld owner ids failed (max_user_owners?)", n);
	close(pipefd[0]);
	return pid;
}

static double trial(struct sabuf *sb, uint64_t *exit_ticks)
{
	uint64_t t1;
	pid_t child = fork();

	if (child < 0)
		die("fork: %m");
	if (child == 0) {
		for (int i = 0; i < MAPPINGS; i++)
			if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
				 sabuf_fd(sb), 0) == MAP_FAILED)
				_exit(1);
		__atomic_store_n(exit_ticks, ticks(), __ATOMIC_SEQ_CST);
		_exit(0);
	}
	if (waitpid(child, NULL, 0) != child)
		die("waitpid: %m");
	t1 = ticks();
	return ticks_to_ns(t1 - __atomic_load_n(exit_ticks, __ATOMIC_SEQ_CST));
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .count = 30 };
	struct samples s;
	struct sabuf *sb;
	uint64_t *exit_ticks;
	pid_t registrant = 0;
	FILE *f;

	bench_parse(argc, argv, &o, peers);
	CHECK_NEG(sabuf_create(4096, &sb));
	exit_ticks = sabuf_data(sb);
	if (!strcmp(o.peer, "sabuf")) {
		/* room for them: the default limit is below 10^5 */
		f = fopen("/sys/module/sabuf/parameters/max_user_owners", "w");
		if (f) {
			fprintf(f, "%d\n", 2 * FOREIGN_OWNERS);
			fclose(f);
		}
		registrant = start_registrant(sabuf_fd(sb), FOREIGN_OWNERS);
	}
	samples_init(&s, o.count);
	for (long i = 0; i < o.count; i++)
		samples_add(&s, trial(sb, exit_ticks));
	bench_progress("exit_cost %s round %d: median %.1f us over %ld trials", o.peer,
		       o.round, samples_median(&s) / 1e3, o.count);
	bench_result("exit_cost", &o, samples_median(&s));
	samples_free(&s);
	if (registrant) {
		kill(registrant, SIGKILL);
		waitpid(registrant, NULL, 0);
	}
	sabuf_destroy(sb);
	return 0;
}
