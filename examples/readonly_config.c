// SPDX-License-Identifier: MIT
/*
 * readonly_config: the seed's shared configuration, with rights. The main
 * process owns the configuration buffer and is the only one that can
 * change it; workers get a read-only handle of the same buffer
 * (sabuf_dup_readonly), so a bug in a worker cannot corrupt what every
 * other worker reads. The kernel enforces it: a store through a
 * read-only mapping faults, and sabuf_notify / sabuf_grow say -EBADF.
 *
 *   config[VERSION]  a seqlock word: odd while the main process writes,
 *                    bumped to the next even number when it is done, and
 *                    notified; workers sleep on it between reloads
 *   config[BATCH_SIZE], config[LEVEL], config[STOP]: the settings
 *
 * A reader cannot take a lock (it cannot write), so it reads the settings
 * as a seqlock reader does: version, fields, version again; if the two
 * differ, or the first was odd, it reads again.
 *
 * Two workers inherit the read-only fd across fork() and attach it; two
 * more are new programs that receive it over a Unix socket (sabuf_send of
 * a read-only handle sends a read-only fd). A fifth, "rogue" worker tries
 * to store into the configuration and is killed by SIGSEGV.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

enum { VERSION, BATCH_SIZE, LEVEL, STOP, FIELDS };

static const char *const levels[] = { "error", "warning", "info", "debug" };

struct settings {
	uint32_t version, batch_size, level, stop;
};

/* A consistent copy of the settings (seqlock read side: no stores). */
static struct settings load_settings(struct sabuf *sb)
{
	uint32_t *config = sabuf_data(sb);
	struct settings s;

	for (;;) {
		s.version = sabuf_load(&config[VERSION]);
		if (s.version & 1) {		/* being written: wait for the end */
			sabuf_wait32(sb, (int32_t *)&config[VERSION],
				     (int32_t)s.version, 10 * 1000000LL);
			continue;
		}
		s.batch_size = sabuf_load(&config[BATCH_SIZE]);
		s.level = sabuf_load(&config[LEVEL]);
		s.stop = sabuf_load(&config[STOP]);
		if (sabuf_load(&config[VERSION]) == s.version)
			return s;
	}
}

static int work(struct sabuf *sb, int index, const char *how)
{
	uint32_t *config = sabuf_data(sb);
	struct settings s = load_settings(sb);
	int reloads = 0;

	printf("  worker %d (%s): read-only handle: %s; config v%u: batch %u, level %s\n",
	       index, how, sabuf_is_readonly(sb) ? "yes" : "NO", s.version,
	       s.batch_size, levels[s.level & 3]);
	if (index == 0)
		printf("  worker %d: sabuf_notify through it: %s\n", index,
		       strerror(-sabuf_notify(sb, &config[VERSION], 1)));
	while (!s.stop) {
		/* sleep until the main process publishes a new version */
		sabuf_wait32(sb, (int32_t *)&config[VERSION], (int32_t)s.version,
			     SABUF_FOREVER);
		s = load_settings(sb);
		reloads++;
		if (!s.stop)
			printf("  worker %d: reloaded config v%u: batch %u, level %s\n",
			       index, s.version, s.batch_size, levels[s.level & 3]);
	}
	printf("  worker %d: stopping after %d reloads\n", index, reloads);
	return sabuf_is_readonly(sb) ? 0 : 1;
}

/* Seqlock write side: only the owner of the writable handle runs this. */
static void publish(struct sabuf *sb, int field, uint32_t value)
{
	uint32_t *config = sabuf_data(sb);

	sabuf_add(&config[VERSION], 1);		/* odd: writing */
	sabuf_store(&config[field], value);
	sabuf_add(&config[VERSION], 1);		/* even: done */
	sabuf_notify(sb, &config[VERSION], SABUF_ALL);
}

/* A worker that tries to change the configuration it was only lent. */
static void rogue(int ro_fd)
{
	struct rlimit no_core = { 0, 0 };
	struct sabuf *ro;
	uint32_t *config;
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		must(-errno, "fork");
	if (pid == 0) {
		must(sabuf_attach(ro_fd, &ro), "sabuf_attach");
		config = sabuf_data(ro);
		setrlimit(RLIMIT_CORE, &no_core);
		printf("  rogue worker: mprotect(PROT_WRITE) on its mapping: %s\n",
		       mprotect(config, 4096, PROT_READ | PROT_WRITE) ? strerror(errno)
								       : "allowed?!");
		printf("  rogue worker: storing batch size 0 ...\n");
		sabuf_store(&config[BATCH_SIZE], 0);	/* faults */
		printf("  rogue worker: the store went through?!\n");
		_exit(1);
	}
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		printf("main: the rogue worker was killed by %s; the config is intact\n",
		       strsignal(WTERMSIG(status)));
	else
		printf("main: the rogue worker was NOT stopped (status %d)\n", status);
}

int main(int argc, char **argv)
{
	struct sabuf *sb, *ro;
	uint32_t *config;
	pid_t pids[4];
	int ro_fd, i, failed;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (is_worker(argc, argv)) {
		struct sabuf *got = worker_receive();

		failed = work(got, worker_index(argv), "received");
		sabuf_destroy(got);
		return failed;
	}

	must(sabuf_create(4096, &sb), "sabuf_create");
	config = sabuf_data(sb);
	publish(sb, BATCH_SIZE, 100);
	publish(sb, LEVEL, 1);
	ro_fd = must(sabuf_dup_readonly(sb), "sabuf_dup_readonly");
	printf("main: config v%u; my handle is read-only: %s; "
	       "the workers get a read-only fd\n",
	       sabuf_load(&config[VERSION]), sabuf_is_readonly(sb) ? "yes" : "no");

	/* two workers inherit the read-only fd across fork() */
	fflush(NULL);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			must(-errno, "fork");
		if (pids[i] == 0) {
			sabuf_destroy(sb);	/* keep nothing writable */
			must(sabuf_attach(ro_fd, &ro), "sabuf_attach");
			close(ro_fd);
			failed = work(ro, i, "forked");
			sabuf_destroy(ro);
			_exit(failed);
		}
	}
	/* two more are new programs; a read-only handle sends a read-only fd */
	must(sabuf_attach(ro_fd, &ro), "sabuf_attach");
	for (i = 2; i < 4; i++)
		pids[i] = spawn_worker(ro, "worker", i);
	sabuf_destroy(ro);

	sleep_ms(200);
	rogue(ro_fd);
	close(ro_fd);

	sleep_ms(100);
	printf("main: batch size -> 200\n");
	publish(sb, BATCH_SIZE, 200);
	sleep_ms(100);
	printf("main: level -> debug\n");
	publish(sb, LEVEL, 3);
	sleep_ms(100);
	printf("main: stop\n");
	publish(sb, STOP, 1);
	failed = wait_workers(pids, 4);
	failed |= sabuf_load(&config[BATCH_SIZE]) != 200;
	printf("main: batch size is %u (nobody else could change it); %s\n",
	       sabuf_load(&config[BATCH_SIZE]), failed ? "FAILED" : "all workers ok");
	sabuf_destroy(sb);
	return failed;
}
