// SPDX-License-Identifier: GPL-2.0
/*
 * Wait on any of 64 words, woken through one of them: the latency from the
 * notify to the waiter's return. sabuf_wait_any on 64 words of a sabuf
 * buffer against futex_waitv(2) on 64 words of a memfd mapping (shared
 * futexes, 32-bit).
 *
 * A waiter thread (CPU 1) announces round r ("armed") and waits on all 64
 * words; the notifier (CPU 0) sees round r armed, waits until the waiter sleeps (its
 * /proc/self/task/TID/stat says S), then reads the TSC into the shared
 * page, changes word k (k rotates over the 64) and wakes it. The waiter
 * reads the TSC when its call returns: one sample, t1 - t0. A return that
 * did not sleep (not-equal / EAGAIN) is not a sample.
 *
 *   wait_any --peer sabuf|futex [--round N] [--budget-ms MS]
 *
 * Prints the median latency (ns) as @result wait_any_64.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

static const char *const peers[] = { "sabuf", "futex", NULL };

#define NWORDS	64
#define STRIDE	16	/* one word per cache line */

struct shared {
	int32_t words[NWORDS * STRIDE];
	int32_t armed __attribute__((aligned(64)));	/* the round the waiter is in */
	int32_t stop;
	pid_t tid;
	uint64_t t0 __attribute__((aligned(64)));
};

struct ctx {
	bool is_sabuf;
	struct sabuf *sb;
	struct shared *sh;
	struct samples samples;
	int stat_fd;
};

static void *waiter(void *arg)
{
	struct ctx *c = arg;
	struct shared *sh = c->sh;
	struct sabuf_wait_item items[NWORDS];
	struct futex_waitv fw[NWORDS];
	double overhead = ticks_overhead_ns();

	pin_to_cpu(1);
	__atomic_store_n(&sh->tid, gettid(), __ATOMIC_SEQ_CST);
	for (int32_t round = 1;; round++) {
		int i, slept;

		for (i = 0; i < NWORDS; i++) {
			int32_t *w = &sh->words[i * STRIDE];

			items[i] = (struct sabuf_wait_item){ .sb = c->sb, .addr = w,
							     .expected = 0, .size = 4 };
			fw[i] = (struct futex_waitv){ .val = 0, .uaddr = (uintptr_t)w,
						      .flags = FUTEX_32 };
		}
		__atomic_store_n(&sh->armed, round, __ATOMIC_SEQ_CST);
		futex_wake(&sh->armed, 1, false);
		if (c->is_sabuf) {
			unsigned int which;

			slept = sabuf_wait_any(items, NWORDS, SABUF_FOREVER, &which) == SABUF_OK;
		} else {
			slept = syscall(SYS_futex_waitv, fw, NWORDS, 0, NULL, CLOCK_MONOTONIC) >= 0;
		}
		if (slept) {
			uint64_t t1 = ticks();

			samples_add(&c->samples, ticks_to_ns(t1 - __atomic_load_n(&sh->t0,
						__ATOMIC_SEQ_CST)) - overhead);
		}
		if (__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST))
			return NULL;
		/* words back to 0 before announcing the next round */
		for (i = 0; i < NWORDS; i++)
			__atomic_store_n(&sh->words[i * STRIDE], 0, __ATOMIC_SEQ_CST);
	}
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

/* Is the waiter asleep (state S in its stat)? */
static bool asleep(struct ctx *c)
{
	char buf[256], *p;
	ssize_t n = pread(c->stat_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static void wake(struct ctx *c, int k)
{
	int32_t *w = &c->sh->words[k * STRIDE];

	__atomic_store_n(&c->sh->t0, ticks(), __ATOMIC_SEQ_CST);
	__atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
	if (c->is_sabuf)
		CHECK_NEG(sabuf_notify(c->sb, w, 1));
	else
		futex_wake(w, 1, false);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct ctx c = { 0 };
	pthread_t t;
	char path[64];
	uint64_t end;
	int k = 0;

	bench_parse(argc, argv, &o, peers);
	c.is_sabuf = !strcmp(o.peer, "sabuf");
	ticks_overhead_ns();
	if (c.is_sabuf) {
		CHECK_NEG(sabuf_create(sizeof(struct shared), &c.sb));
		c.sh = sabuf_data(c.sb);
	} else {
		c.sh = memfd_shared_map(sizeof(struct shared));
	}
	samples_init(&c.samples, 1 << 20);
	pin_to_cpu(0);
	if (pthread_create(&t, NULL, waiter, &c))
		die("pthread_create");
	while (!__atomic_load_n(&c.sh->tid, __ATOMIC_SEQ_CST))
		;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", c.sh->tid);
	c.stat_fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK_SYS(c.stat_fd);

	end = now_ns() + (uint64_t)(o.budget_ms * 1e6);
	for (int32_t round = 1;; round++) {
		bool last = now_ns() >= end;

		round = wait_for_round(&c.sh->armed, round);
		while (!asleep(&c))
			usleep(5);
		if (last)
			__atomic_store_n(&c.sh->stop, 1, __ATOMIC_SEQ_CST);
		wake(&c, k);
		k = (k + 7) % NWORDS;
		if (last)
			break;
	}
	pthread_join(t, NULL);
	bench_result("wait_any_64", &o, samples_median(&c.samples));
	bench_progress("wait any of 64, %-6s round %d: %8.2f us notify-to-return (%zu samples)",
		       o.peer, o.round, samples_median(&c.samples) / 1e3, c.samples.n);
	return 0;
}
