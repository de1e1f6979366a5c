// SPDX-License-Identifier: GPL-2.0
/*
 * What the module's tracepoints cost while they are on (issue 21): a
 * sleeping wait round trip between two threads (sabuf_store +
 * sabuf_notify / sabuf_wait32 on one word, as pingpong's sabuf peer) with
 * every sabuf event enabled, recording into a ring buffer nobody reads,
 * over the same with them disabled, in the same boot and the same
 * process. The two states take turns in slices of --slice-ms (the order
 * rotating with the round), each after a short warm-up, so that the
 * shared host's slow and fast stretches fall on both alike.
 *
 * The events go to a tracefs instance of our own
 * (instances/sabuf_bench_PID: its own buffer, deleted at the end), so
 * the global trace and anyone else's tracing stay as they were; enabling
 * an event anywhere turns its static key on, which is the cost measured.
 * Needs root (tracefs), as the VM runs it.
 *
 * Peers in the results: "sabuf" (events on) and "untraced" (off); the key
 * trace_enabled_wait_overhead is sabuf / untraced. To see what one event
 * costs, TRACE_OVERHEAD_EVENTS=sabuf_notify,... enables only those.
 *
 *   trace_overhead [--round N] [--budget-ms MS] [--slice-ms MS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

static const char *const peers[] = { "sabuf", "untraced", NULL };

struct shared {
	int32_t turn __attribute__((aligned(64)));	/* 1: pong's turn, 0: ping's */
	int32_t stop __attribute__((aligned(64)));
};

static struct sabuf *sb;
static struct shared *sh;
static char inst[256];
static const char *only;	/* $TRACE_OVERHEAD_EVENTS, or NULL: every sabuf event */

static int32_t load(const int32_t *w) { return __atomic_load_n(w, __ATOMIC_SEQ_CST); }

static void wait_while(int32_t *w, int32_t v)
{
	while (load(w) == v) {
		long r = sabuf_wait32(sb, w, v, SABUF_FOREVER);

		if (r < 0 && r != -EINTR)
			die("sabuf_wait32: %s", bench_strerror(r));
	}
}

static void set_and_wake(int32_t *w, int32_t v)
{
	long r;

	sabuf_store(w, v);
	r = sabuf_notify(sb, w, 1);
	if (r < 0)
		die("sabuf_notify: %s", bench_strerror(r));
}

static void *pong(void *arg)
{
	(void)arg;
	wait_while(&sh->turn, 0);
	while (!load(&sh->stop)) {
		set_and_wake(&sh->turn, 0);
		wait_while(&sh->turn, 0);
	}
	return NULL;
}

/* Round trips for budget_ns, into s if not NULL. */
static void ping(double budget_ns, struct samples *s)
{
	double overhead = ticks_overhead_ns();
	uint64_t start = ticks(), t0, t1;

	do {
		t0 = ticks();
		set_and_wake(&sh->turn, 1);
		wait_while(&sh->turn, 1);
		t1 = ticks();
		if (s)
			samples_add(s, ticks_to_ns(t1 - t0) - overhead);
	} while (ticks_to_ns(t1 - start) < budget_ns);
}

static void write_file(const char *file, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", inst, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %m", path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write %s: %m", path);
	close(fd);
}

/* Turn the events on or off: all of sabuf's, or those named in @only. */
static void set_events(bool on)
{
	char list[256], file[320], *save, *ev;

	if (!only) {
		write_file("events/sabuf/enable", on ? "1\n" : "0\n");
		return;
	}
	snprintf(list, sizeof(list), "%s", only);
	for (ev = strtok_r(list, ",", &save); ev; ev = strtok_r(NULL, ",", &save)) {
		snprintf(file, sizeof(file), "events/sabuf/%s/enable", ev);
		write_file(file, on ? "1\n" : "0\n");
	}
}

/* Where tracefs is (mounted at /sys/kernel/tracing if need be). */
static const char *tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0)
		return "/sys/kernel/tracing";
	if (access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return "/sys/kernel/debug/tracing";
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		die("no tracefs: mount: %m");
	return "/sys/kernel/tracing";
}

/* Our own tracefs instance, with sabuf's events present (and off). */
static void make_instance(void)
{
	snprintf(inst, sizeof(inst), "%s/instances/sabuf_bench_%d", tracefs(), (int)getpid());
	if (mkdir(inst, 0700))
		die("mkdir %s: %m (tracefs, as root)", inst);
	write_file("events/sabuf/enable", "0\n");
}

int main(int argc, char **argv)
{
	struct bench_opts o = { 0 };
	struct samples s[2];	/* [0] events on ("sabuf"), [1] off ("untraced") */
	double slice_ns, warm_ns;
	pthread_t th;
	int nslices, k;

	bench_parse(argc, argv, &o, peers);
	slice_ns = o.slice_ms * 1e6;
	warm_ns = slice_ns / 10 > 10e6 ? slice_ns / 10 : 10e6;
	nslices = (int)(o.budget_ms / o.slice_ms + 0.5);
	if (nslices < 1)
		nslices = 1;
	only = getenv("TRACE_OVERHEAD_EVENTS");
	make_instance();
	CHECK_NEG(sabuf_create(4096, &sb));
	sh = sabuf_data(sb);
	samples_init(&s[0], 1 << 21);
	samples_init(&s[1], 1 << 21);
	if (pthread_create(&th, NULL, pong, NULL))
		die("pthread_create");
	/* each state nslices times, alternating; which goes first rotates with the round */
	for (k = 0; k < 2 * nslices; k++) {
		int on = (k + o.round) % 2 == 0;

		set_events(on);
		ping(warm_ns, NULL);
		ping(slice_ns, &s[on ? 0 : 1]);
	}
	write_file("events/sabuf/enable", "0\n");
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	set_and_wake(&sh->turn, 1);
	pthread_join(th, NULL);
	if (rmdir(inst))
		die("rmdir %s: %m", inst);

	bench_progress("trace_overhead round %d: events on %.2f us, off %.2f us (%zu + %zu round trips)",
		       o.round, samples_median(&s[0]) / 1e3, samples_median(&s[1]) / 1e3,
		       s[0].n, s[1].n);
	o.peer = "sabuf";
	bench_result("trace_wait", &o, samples_median(&s[0]));
	o.peer = "untraced";
	bench_result("trace_wait", &o, samples_median(&s[1]));
	samples_free(&s[0]);
	samples_free(&s[1]);
	sabuf_destroy(sb);
	return 0;
}
