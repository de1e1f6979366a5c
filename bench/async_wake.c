// SPDX-License-Identifier: GPL-2.0
/*
 * An asynchronous wait woken in an event loop: the latency from the notify
 * of a pending sabuf_wait32_async until epoll_wait returns in the waiting
 * process, against writing an eventfd that the waiter polls.
 *
 * Two processes. The waiter (CPU 1) keeps one async wait pending in a
 * waitset (or an eventfd) registered in its epoll set, announces "armed"
 * and sleeps in epoll_wait. The notifier (CPU 0) sees "armed", waits until
 * the waiter sleeps, reads the TSC into the shared page, and notifies (or
 * writes the eventfd). The waiter reads the TSC when epoll_wait returns:
 * one sample. Then it consumes the event (sabuf_waitset_next and a new
 * sabuf_wait32_async; or read(2) of the eventfd) outside the measurement.
 *
 *   async_wake --peer sabuf|eventfd [--round N] [--budget-ms MS]
 *
 * Prints the median latency (ns) as @result async_wake.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

static const char *const peers[] = { "sabuf", "eventfd", NULL };

struct shared {
	int32_t word;
	int32_t armed __attribute__((aligned(64)));	/* the round the waiter is in */
	int32_t stop;
	pid_t pid;
	uint64_t t0 __attribute__((aligned(64)));
	int64_t nsamples;
	double samples[];	/* the waiter's, for the notifier to sum up */
};

#define MAX_SAMPLES	(1 << 18)

static void waiter(bool is_sabuf, struct sabuf *sb, struct shared *sh, int efd)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct sabuf_waitset *ws = NULL;
	double overhead = ticks_overhead_ns();
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t tag;
	int result;

	pin_to_cpu(1);
	CHECK_SYS(ep);
	if (is_sabuf) {
		CHECK_NEG(sabuf_waitset_create(&ws));
		CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, sabuf_waitset_fd(ws), &ev));
	} else {
		CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
	}
	for (int32_t round = 1;; round++) {
		if (is_sabuf &&
		    sabuf_wait32_async(ws, sb, &sh->word, 0, SABUF_FOREVER, 1) != SABUF_PENDING)
			die("sabuf_wait32_async: not pending");
		__atomic_store_n(&sh->armed, round, __ATOMIC_SEQ_CST);
		futex_wake(&sh->armed, 1, false);
		if (epoll_wait(ep, &out, 1, -1) != 1)
			die("epoll_wait: %m");
		if (sh->nsamples < MAX_SAMPLES)
			sh->samples[sh->nsamples++] =
				ticks_to_ns(ticks() - __atomic_load_n(&sh->t0, __ATOMIC_SEQ_CST)) -
				overhead;
		if (is_sabuf) {
			if (sabuf_waitset_next(ws, &tag, &result, 0) != 1 || result != SABUF_OK)
				die("sabuf_waitset_next: no result");
		} else {
			uint64_t v;

			if (read(efd, &v, sizeof(v)) != sizeof(v))
				die("read(eventfd): %m");
		}
		if (__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST))
			break;
		__atomic_store_n(&sh->word, 0, __ATOMIC_SEQ_CST);
	}
	sabuf_waitset_destroy(ws);
}

/*
 * The notifier sleeps, never spins, while the waiter gets ready: under
 * emulation a spinning vCPU takes a host core the waiter's vCPU needs.
 */
static int32_t wait_for_round(int32_t *armed, int32_t round)
{
	int32_t v;

	/* >=: a waiter that returned without our wake-up has moved on; follow it */
	while ((v = __atomic_load_n(armed, __ATOMIC_SEQ_CST)) < round)
		futex_wait(armed, v, false);
	return v;
}

static bool asleep(int stat_fd)
{
	char buf[256], *p;
	ssize_t n = pread(stat_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

int main(int argc, char **argv)
{
	size_t len = sizeof(struct shared) + MAX_SAMPLES * sizeof(double);
	struct sabuf *sb = NULL;
	struct samples s;
	struct bench_opts o;
	struct shared *sh;
	bool is_sabuf;
	char path[64];
	uint64_t end;
	int efd = -1, stat_fd, status;
	pid_t pid;

	bench_parse(argc, argv, &o, peers);
	is_sabuf = !strcmp(o.peer, "sabuf");
	ticks_overhead_ns();
	if (is_sabuf) {
		CHECK_NEG(sabuf_create(len, &sb));
		sh = sabuf_data(sb);
	} else {
		sh = memfd_shared_map(len);
		efd = eventfd(0, EFD_CLOEXEC);
		CHECK_SYS(efd);
	}
	fflush(stdout);
	pid = fork();
	CHECK_SYS(pid);
	if (pid == 0) {
		waiter(is_sabuf, sb, sh, efd);
		_exit(0);
	}
	pin_to_cpu(0);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	stat_fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK_SYS(stat_fd);
	end = now_ns() + (uint64_t)(o.budget_ms * 1e6);
	for (int32_t round = 1;; round++) {
		bool last = now_ns() >= end;

		round = wait_for_round(&sh->armed, round);
		while (!asleep(stat_fd))
			usleep(5);
		if (last)
			__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&sh->t0, ticks(), __ATOMIC_SEQ_CST);
		if (is_sabuf) {
			sabuf_store(&sh->word, 1);
			CHECK_NEG(sabuf_notify(sb, &sh->word, 1));
		} else {
			uint64_t one = 1;

			if (write(efd, &one, sizeof(one)) != sizeof(one))
				die("write(eventfd): %m");
		}
		if (last)
			break;
	}
	CHECK_SYS(waitpid(pid, &status, 0));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("the waiter failed (status 0x%x)", status);
	samples_init(&s, MAX_SAMPLES);
	for (int64_t i = 0; i < sh->nsamples; i++)
		samples_add(&s, sh->samples[i]);
	bench_result("async_wake", &o, samples_median(&s));
	bench_progress("async wake -> epoll_wait, %-7s round %d: %8.2f us (%zu samples)",
		       o.peer, o.round, samples_median(&s) / 1e3, s.n);
	return 0;
}
