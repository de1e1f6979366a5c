// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel entry points alone, without sleeping: what one call costs when
 * it enters the kernel and comes straight back. Explains the other results
 * (a wake round trip is two of these plus two context switches).
 *
 *   wait_eagain    SABUF_IOC_WAIT whose word differs (the kernel's EAGAIN,
 *                  libsabuf bypassed) vs FUTEX_WAIT whose word differs
 *   notify_empty   SABUF_IOC_NOTIFY with nobody queued (libsabuf bypassed)
 *                  vs FUTEX_WAKE with nobody queued
 *   null_syscall   getppid(), the floor of any system call
 *
 * futex is measured both shared (a memfd mapping: what works between
 * processes) and private (FUTEX_PRIVATE_FLAG: threads of one process).
 * The variants alternate batch by batch; each prints the median ns per call.
 *
 *   kernel_path [--round N] [--budget-ms MS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sabuf.h>
#include <sabuf.h>

#include "bench.h"

enum variant {
	SABUF_WAIT, FUTEX_WAIT_SHARED, FUTEX_WAIT_PRIVATE,
	SABUF_NOTIFY, FUTEX_WAKE_SHARED, FUTEX_WAKE_PRIVATE,
	NULL_SYSCALL, NVARIANTS
};

static const struct { const char *bench, *peer; } names[NVARIANTS] = {
	{ "kernel_wait_eagain", "sabuf" }, { "kernel_wait_eagain", "futex" },
	{ "kernel_wait_eagain", "futex_private" },
	{ "kernel_notify_empty", "sabuf" }, { "kernel_notify_empty", "futex" },
	{ "kernel_notify_empty", "futex_private" },
	{ "kernel_null_syscall", "getppid" },
};

static int sb_fd;
static int32_t *sb_word, *memfd_word;

static void call(enum variant v)
{
	struct sabuf_wait w = {
		.offset = 0, .expected = 1, .timeout_ns = -1,
		.flags = SABUF_WAIT_SIZE_U32, .clockid = 1 /* CLOCK_MONOTONIC */,
	};
	struct sabuf_notify n = { .offset = 0, .count = 1 };

	switch (v) {
	case SABUF_WAIT:
		if (ioctl(sb_fd, SABUF_IOC_WAIT, &w) != -1 || errno != EAGAIN)
			die("SABUF_IOC_WAIT did not answer EAGAIN: %m");
		break;
	case FUTEX_WAIT_SHARED:
	case FUTEX_WAIT_PRIVATE:
		if (futex_wait(memfd_word, 1, v == FUTEX_WAIT_PRIVATE) != -1 || errno != EAGAIN)
			die("FUTEX_WAIT did not answer EAGAIN: %m");
		break;
	case SABUF_NOTIFY:
		if (ioctl(sb_fd, SABUF_IOC_NOTIFY, &n) != 0)
			die("SABUF_IOC_NOTIFY: %m");
		break;
	case FUTEX_WAKE_SHARED:
	case FUTEX_WAKE_PRIVATE:
		if (futex_wake(memfd_word, 1, v == FUTEX_WAKE_PRIVATE) != 0)
			die("FUTEX_WAKE: %m");
		break;
	default:
		syscall(SYS_getppid);
	}
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct sabuf *sb;
	struct samples s[NVARIANTS];
	const long batch = 64;
	uint64_t start;
	int v;

	bench_parse(argc, argv, &o, NULL);
	CHECK_NEG(sabuf_create(4096, &sb));
	sb_fd = sabuf_fd(sb);
	sb_word = sabuf_data(sb);	/* 0, so a wait for 1 is EAGAIN */
	memfd_word = memfd_shared_map(4096);
	for (v = 0; v < NVARIANTS; v++)
		samples_init(&s[v], 1 << 18);

	for (v = 0; v < NVARIANTS; v++)		/* warm-up */
		for (long i = 0; i < 1000; i++)
			call(v);
	start = ticks();
	while (ticks_to_ns(ticks() - start) < o.budget_ms * 1e6) {
		for (v = 0; v < NVARIANTS; v++) {
			uint64_t t0 = ticks();

			for (long i = 0; i < batch; i++)
				call(v);
			samples_add(&s[v], ticks_to_ns(ticks() - t0) / batch);
		}
	}
	for (v = 0; v < NVARIANTS; v++) {
		struct bench_opts vo = o;
		double med = samples_median(&s[v]);

		vo.peer = names[v].peer;
		bench_result(names[v].bench, &vo, med);
		bench_progress("kernel path, no sleep  %-20s %-14s round %d: %8.1f ns/call",
			       names[v].bench + 7, names[v].peer, o.round, med);
		samples_free(&s[v]);
	}
	sabuf_destroy(sb);
	return 0;
}
