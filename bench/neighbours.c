// SPDX-License-Identifier: GPL-2.0
/*
 * Isolation between users (DESIGN.md, 0.3): what another user's waits
 * cost our calls.
 *
 *   neighbours --peer slowdown [--count N] [--round N] [--budget-ms MS]
 *       Our calls that enter the kernel and come straight back (a notify
 *       nobody waits for; SABUF_IOC_WAIT on a word that differs) on our own
 *       buffer, alone, then while another uid (1001, a child process) has
 *       N (10^5) asynchronous waits pending on distinct indices of its own
 *       buffer, then alone again. Prints @result neighbour_notify and
 *       neighbour_wait_notequal with peer "sabuf" (the neighbour there)
 *       and peer "alone" (median ns per call, batches of 64).
 *
 *   neighbours --peer stall [--count N] [--round N]
 *       A notify-all of N asynchronous waits on one index, while a probe
 *       thread on another CPU keeps calling notify and a not-equal wait on
 *       the 1023 other words of the same 4 KiB buffer (some of which share
 *       the notified index's bucket lock, whatever the hash). Prints @result notify_all_stall
 *       sabuf: the longest probe call that overlapped the notify-all, as a
 *       fraction of the notify-all's duration.
 *
 * Needs root (to become uid 1001 for the neighbour).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sabuf.h>
#include <sabuf.h>

#include "bench.h"

#define NEIGHBOUR_UID	1001
#define BATCH		64
/*
 * The probe goes round every other word of a 4 KiB buffer: whichever
 * hash spreads indices over bucket locks (0.2's global table of 256 per
 * CPU, or a buffer's own 4..64), some of them share the notified index's.
 */
#define PROBE_WORDS	1024

static int waitset_create(int fd)
{
	struct sabuf_waitset_create c = { 0 };
	int ws = ioctl(fd, SABUF_IOC_WAITSET_CREATE, &c);

	if (ws < 0)
		die("SABUF_IOC_WAITSET_CREATE: %m");
	return ws;
}

static void async_wait(int ws, int fd, uint64_t offset, uint64_t tag)
{
	struct sabuf_waitset_add a = {
		.fd = fd, .tag = tag,
		.wait = { .offset = offset, .expected = 0, .timeout_ns = -1,
			  .flags = SABUF_WAIT_SIZE_U32, .clockid = 1 /* CLOCK_MONOTONIC */ },
	};

	if (ioctl(ws, SABUF_IOC_WAITSET_ADD, &a))
		die("SABUF_IOC_WAITSET_ADD (wait %llu): %m", (unsigned long long)tag);
}

static void call_notify(int fd, uint64_t offset)
{
	struct sabuf_notify n = { .offset = offset, .count = 1 };

	if (ioctl(fd, SABUF_IOC_NOTIFY, &n) < 0)
		die("SABUF_IOC_NOTIFY: %m");
}

static void call_wait_eagain(int fd, uint64_t offset)
{
	struct sabuf_wait w = {
		.offset = offset, .expected = 1, .timeout_ns = -1,
		.flags = SABUF_WAIT_SIZE_U32, .clockid = 1,
	};

	if (ioctl(fd, SABUF_IOC_WAIT, &w) != -1 || errno != EAGAIN)
		die("SABUF_IOC_WAIT did not answer EAGAIN: %m");
}

/* ---- slowdown ---- */

/* Median ns per call of notify and of wait-EAGAIN, alternating, for budget_ms. */
static void measure(int fd, double budget_ms, struct samples *sn, struct samples *sw)
{
	uint64_t start = ticks();

	while (ticks_to_ns(ticks() - start) < budget_ms * 1e6) {
		uint64_t t0 = ticks();

		for (int i = 0; i < BATCH; i++)
			call_notify(fd, 0);
		samples_add(sn, ticks_to_ns(ticks() - t0) / BATCH);
		t0 = ticks();
		for (int i = 0; i < BATCH; i++)
			call_wait_eagain(fd, 0);
		samples_add(sw, ticks_to_ns(ticks() - t0) / BATCH);
	}
}

/* The neighbour: uid 1001, N waits pending on distinct indices; says "ready" on @out. */
static pid_t start_neighbour(long count, int out)
{
	pid_t pid = fork();

	CHECK_SYS(pid);
	if (pid == 0) {
		struct sabuf *sb;
		int ws;

		if (setresgid(NEIGHBOUR_UID, NEIGHBOUR_UID, NEIGHBOUR_UID) ||
		    setresuid(NEIGHBOUR_UID, NEIGHBOUR_UID, NEIGHBOUR_UID))
			die("becoming uid %d: %m", NEIGHBOUR_UID);
		CHECK_NEG(sabuf_create((size_t)count * 4, &sb));
		ws = waitset_create(sabuf_fd(sb));
		for (long i = 0; i < count; i++)
			async_wait(ws, sabuf_fd(sb), (uint64_t)i * 4, i);
		if (write(out, "r", 1) != 1)
			die("write: %m");
		pause();
		_exit(0);
	}
	return pid;
}

static void slowdown(const struct bench_opts *o, long count)
{
	struct samples alone_n, alone_w, near_n, near_w;
	struct bench_opts po = *o;
	int p[2], status;
	struct sabuf *sb;
	pid_t pid;
	char c;

	CHECK_NEG(sabuf_create(4096, &sb));
	samples_init(&alone_n, 1 << 18);
	samples_init(&alone_w, 1 << 18);
	samples_init(&near_n, 1 << 18);
	samples_init(&near_w, 1 << 18);
	measure(sabuf_fd(sb), 100, &alone_n, &alone_w);	/* warm-up */
	alone_n.n = alone_w.n = 0;

	measure(sabuf_fd(sb), o->budget_ms / 2, &alone_n, &alone_w);
	CHECK_SYS(pipe(p));
	pid = start_neighbour(count, p[1]);
	if (read(p[0], &c, 1) != 1)
		die("the neighbour did not get ready");
	measure(sabuf_fd(sb), o->budget_ms, &near_n, &near_w);
	kill(pid, SIGKILL);
	CHECK_SYS(waitpid(pid, &status, 0));
	measure(sabuf_fd(sb), o->budget_ms / 2, &alone_n, &alone_w);

	po.peer = "sabuf";
	bench_result("neighbour_notify", &po, samples_median(&near_n));
	bench_result("neighbour_wait_notequal", &po, samples_median(&near_w));
	po.peer = "alone";
	bench_result("neighbour_notify", &po, samples_median(&alone_n));
	bench_result("neighbour_wait_notequal", &po, samples_median(&alone_w));
	bench_progress("neighbours, %ld waits next door, round %d: notify %.0f ns (alone %.0f), "
		       "wait not-equal %.0f ns (alone %.0f)", count, o->round,
		       samples_median(&near_n), samples_median(&alone_n),
		       samples_median(&near_w), samples_median(&alone_w));
	samples_free(&alone_n);
	samples_free(&alone_w);
	samples_free(&near_n);
	samples_free(&near_w);
	close(p[0]);
	close(p[1]);
	sabuf_destroy(sb);
}

/* ---- stall ---- */

struct probe {
	int fd;
	int phase;			/* 0 warm-up, 1 recording, 2 stop */
	uint64_t *t;			/* start and end ticks of each recorded call */
	size_t n, cap;
};

static void *probe_main(void *arg)
{
	struct probe *pr = arg;
	unsigned int k = 0;
	int phase;

	pin_to_cpu(1);
	while ((phase = __atomic_load_n(&pr->phase, __ATOMIC_ACQUIRE)) != 2) {
		uint64_t offset = 4 * (1 + k / 2 % (PROBE_WORDS - 1)), t0 = ticks();

		if (k++ % 2)
			call_notify(pr->fd, offset);
		else
			call_wait_eagain(pr->fd, offset);
		if (phase == 1 && pr->n + 2 <= pr->cap) {
			pr->t[pr->n++] = t0;
			pr->t[pr->n++] = ticks();
		}
	}
	return NULL;
}

static void stall(const struct bench_opts *o, long count)
{
	struct probe pr = { .cap = 1 << 22 };
	struct bench_opts po = *o;
	uint64_t quiet, start, end, longest = 0, longest_quiet = 0;
	struct sabuf *sb;
	pthread_t t;
	int ws, woken;
	struct sabuf_notify n = { .offset = 0, .count = SABUF_NOTIFY_ALL };

	pin_to_cpu(0);
	CHECK_NEG(sabuf_create(4096, &sb));
	pr.fd = sabuf_fd(sb);
	pr.t = malloc(pr.cap * sizeof(*pr.t));
	if (!pr.t)
		die("out of memory");
	ws = waitset_create(pr.fd);
	for (long i = 0; i < count; i++)
		async_wait(ws, pr.fd, 0, i);
	if (pthread_create(&t, NULL, probe_main, &pr))
		die("pthread_create");
	usleep(100000);		/* the probe runs */
	__atomic_store_n(&pr.phase, 1, __ATOMIC_RELEASE);
	quiet = ticks();
	usleep(300000);		/* the probe alone: the host's own stalls, for comparison */
	start = ticks();
	woken = ioctl(pr.fd, SABUF_IOC_NOTIFY, &n);
	end = ticks();
	usleep(10000);
	__atomic_store_n(&pr.phase, 2, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	if (woken != count)
		die("the notify-all woke %d of %ld", woken, count);
	for (size_t i = 0; i + 1 < pr.n; i += 2) {
		uint64_t d = pr.t[i + 1] - pr.t[i];

		if (pr.t[i] < end && pr.t[i + 1] > start && d > longest)
			longest = d;
		if (pr.t[i] >= quiet && pr.t[i + 1] <= start && d > longest_quiet)
			longest_quiet = d;
	}
	po.peer = "sabuf";
	bench_result("notify_all_stall", &po, (double)longest / (double)(end - start));
	bench_info("notify_all_stall_quiet_us", ticks_to_ns(longest_quiet) / 1e3);
	bench_progress("notify-all of %ld async waits, round %d: %.1f ms, longest probe call "
		       "during it %.1f us (%.4f of it; in 300 ms alone before it: %.1f us), "
		       "%zu probe calls", count, o->round, ticks_to_ns(end - start) / 1e6,
		       ticks_to_ns(longest) / 1e3, (double)longest / (double)(end - start),
		       ticks_to_ns(longest_quiet) / 1e3, pr.n / 2);
	close(ws);
	free(pr.t);
	sabuf_destroy(sb);
}

int main(int argc, char **argv)
{
	static const char *const peers[] = { "slowdown", "stall", NULL };
	struct bench_opts o;
	long count;

	bench_parse(argc, argv, &o, peers);
	count = o.count > 0 ? o.count : 100000;
	if (geteuid() != 0)
		die("neighbours needs root (the neighbour is another uid)");
	if (!strcmp(o.peer, "stall"))
		stall(&o, count);
	else
		slowdown(&o, count);
	return 0;
}
