// SPDX-License-Identifier: GPL-2.0
/*
 * Fan-out: 64 waiters, each sleeping on its own index (its own cache
 * line), and one notifier that wakes them one index at a time. Measures
 * the notifier's cost per notify that wakes a sleeper: sabuf_notify()
 * against futex(FUTEX_WAKE) on a memfd mapping (shared futexes).
 *
 * Each round: wait until all 64 waiters have announced themselves and
 * are asleep (every one's /proc/self/task/TID/stat says S), then time the
 * loop "store a new value in word i, notify index i" for i = 0..63. A
 * round where a notify found nobody (it cannot happen once all are in S,
 * but is checked) is discarded. The notifier runs on CPU 0 and the
 * waiters on CPU 1, so that the woken waiters never preempt the loop.
 *
 *   fanout --peer sabuf|futex [--round N] [--budget-ms MS] [--threads 64]
 *
 * Prints ns per notify (the median over rounds) as @result fanout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

static const char *const peers[] = { "sabuf", "futex", NULL };

#define STRIDE 16	/* int32 words: one index per 64-byte line */

struct fanout {
	bool is_sabuf;
	struct sabuf *sb;
	int32_t *words;		/* nthreads * STRIDE words */
	int32_t *armed;		/* waiters about to sleep this generation */
	int32_t *stop;
	int nthreads;
	pid_t *tids;
	int *stat_fds;
};

struct waiter_arg {
	struct fanout *f;
	int index;
};

static void *waiter(void *arg_)
{
	struct waiter_arg *arg = arg_;
	struct fanout *f = arg->f;
	int32_t *w = &f->words[arg->index * STRIDE];
	int32_t gen = 0;

	pin_to_cpu(1);
	__atomic_store_n(&f->tids[arg->index], (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	for (;;) {
		__atomic_add_fetch(f->armed, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == gen) {
			if (f->is_sabuf) {
				int r = sabuf_wait32(f->sb, w, gen, SABUF_FOREVER);

				if (r < 0 && r != -EINTR)
					die("sabuf_wait32: %s", bench_strerror(r));
			} else if (futex_wait(w, gen, false) < 0 && errno != EAGAIN && errno != EINTR) {
				die("FUTEX_WAIT: %m");
			}
		}
		gen = __atomic_load_n(w, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(f->stop, __ATOMIC_SEQ_CST))
			return NULL;
	}
}

/* Is thread i asleep? Its stat's state field, after the ")" of the name. */
static bool asleep(struct fanout *f, int i)
{
	char buf[256], *paren;
	ssize_t n = pread(f->stat_fds[i], buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		die("reading /proc/self/task/%d/stat: %m", f->tids[i]);
	buf[n] = 0;
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] == 'S';
}

static void wait_all_asleep(struct fanout *f)
{
	int i;

	while (__atomic_load_n(f->armed, __ATOMIC_SEQ_CST) < f->nthreads)
		usleep(100);
	for (i = 0; i < f->nthreads; i++)
		while (!asleep(f, i))
			usleep(100);
}

/* Wake every index once with the new generation; ticks per notify, or -1 if one found nobody. */
static double notify_all(struct fanout *f, int32_t gen)
{
	long woken = 0;
	uint64_t t0, t1;
	int i;

	__atomic_store_n(f->armed, 0, __ATOMIC_SEQ_CST);
	t0 = ticks();
	for (i = 0; i < f->nthreads; i++) {
		int32_t *w = &f->words[i * STRIDE];

		if (f->is_sabuf) {
			sabuf_store(w, gen);
			woken += sabuf_notify(f->sb, w, 1);
		} else {
			__atomic_store_n(w, gen, __ATOMIC_SEQ_CST);
			woken += futex_wake(w, 1, false);
		}
	}
	t1 = ticks();
	return woken == f->nthreads ? (double)(t1 - t0) / f->nthreads : -1;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct fanout f = { 0 };
	struct waiter_arg *args;
	pthread_t *threads;
	struct samples s;
	size_t bytes;
	int32_t gen = 0;
	long discarded = 0;
	uint64_t start;
	double med;
	int i;

	bench_parse(argc, argv, &o, peers);
	f.nthreads = o.threads > 1 ? o.threads : 64;
	f.is_sabuf = !strcmp(o.peer, "sabuf");
	bytes = (size_t)(f.nthreads + 2) * STRIDE * sizeof(int32_t);
	if (f.is_sabuf) {
		CHECK_NEG(sabuf_create(bytes, &f.sb));
		f.words = sabuf_data(f.sb);
	} else {
		f.words = memfd_shared_map(bytes);
	}
	/* the bookkeeping words are never waited on by the peer under test */
	f.armed = &f.words[f.nthreads * STRIDE];
	f.stop = &f.words[(f.nthreads + 1) * STRIDE];
	f.tids = calloc(f.nthreads, sizeof(*f.tids));
	f.stat_fds = calloc(f.nthreads, sizeof(*f.stat_fds));
	args = calloc(f.nthreads, sizeof(*args));
	threads = calloc(f.nthreads, sizeof(*threads));
	if (!f.tids || !f.stat_fds || !args || !threads)
		die("out of memory");
	ticks_per_ns();
	pin_to_cpu(0);

	for (i = 0; i < f.nthreads; i++) {
		int err;

		args[i] = (struct waiter_arg){ &f, i };
		err = pthread_create(&threads[i], NULL, waiter, &args[i]);
		if (err)
			die("pthread_create: %s", strerror(err));
	}
	for (i = 0; i < f.nthreads; i++) {
		char path[64];

		while (!__atomic_load_n(&f.tids[i], __ATOMIC_SEQ_CST))
			usleep(100);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", f.tids[i]);
		f.stat_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		CHECK_SYS(f.stat_fds[i]);
	}

	samples_init(&s, 1 << 20);
	/* warm-up: a few rounds */
	for (i = 0; i < 5; i++) {
		wait_all_asleep(&f);
		notify_all(&f, ++gen);
	}
	start = ticks();
	while (ticks_to_ns(ticks() - start) < o.budget_ms * 1e6) {
		double t;

		wait_all_asleep(&f);
		t = notify_all(&f, ++gen);
		if (t < 0)
			discarded++;
		else
			samples_add(&s, t / ticks_per_ns());
	}

	wait_all_asleep(&f);
	__atomic_store_n(f.stop, 1, __ATOMIC_SEQ_CST);
	notify_all(&f, ++gen);
	for (i = 0; i < f.nthreads; i++) {
		pthread_join(threads[i], NULL);
		close(f.stat_fds[i]);
	}

	med = samples_median(&s);
	bench_result("fanout", &o, med);
	bench_progress("fan-out, %d waiters   %-14s round %d: %9.2f us/notify "
		       "(%.0f wakes/s; median of %zu rounds, %ld discarded)",
		       f.nthreads, o.peer, o.round, med / 1e3, 1e9 / med, s.n, discarded);
	sabuf_destroy(f.sb);
	return 0;
}
