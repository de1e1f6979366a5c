// SPDX-License-Identifier: GPL-2.0
/*
 * Contended mutex: N threads loop { lock; a critical section; unlock; as
 * much work of their own } on one mutex. sabuf_mutex (robust, in a sabuf
 * buffer) against a process-shared pthread_mutex (PTHREAD_MUTEX_NORMAL,
 * and PTHREAD_MUTEX_ROBUST as peer pthread_robust, in a memfd mapping).
 * With --threads 1 it is the uncontended lock/unlock pair. Both are the three-state futex mutex of "Futexes Are Tricky"
 * without spinning (glibc's normal mutex is), so the difference is the
 * kernel path and the library's fast paths.
 *
 *   mutex --peers sabuf,pthread --threads N [--round N] [--budget-ms MS]
 *         [--slice-ms MS]
 *
 * The peers take turns in slices of --slice-ms (default 100; fresh threads
 * and a short warm-up each) until each has had --budget-ms. Prints, per
 * peer, ns per lock/unlock pair over all threads (wall time / pairs, over
 * all its slices) as @result mutex_Nt.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

/* pthread_robust: PTHREAD_MUTEX_ROBUST, the peer of sabuf's robust mutex */
static const char *const peers[] = { "sabuf", "pthread", "pthread_robust", NULL };

/*
 * Loop iterations inside and outside the lock ($BENCH_MUTEX_CRIT,
 * $BENCH_MUTEX_OUTSIDE): equal, so that each thread wants the lock half of
 * the time and two running threads collide often. How contended a run
 * really was shows in the progress line as sleeps (voluntary context
 * switches) per 1000 lock/unlock pairs; system calls that do not sleep
 * (a wait whose word changed meanwhile, a wake of nobody) do not show there.
 */
static int critical_work = 40, outside_work = 40;

struct shared {
	sabuf_mutex_t smutex __attribute__((aligned(64)));
	pthread_mutex_t pmutex __attribute__((aligned(64)));
	long counter __attribute__((aligned(64)));	/* guarded by the mutex */
	int stop __attribute__((aligned(64)));
};

struct peer {
	const char *name;
	bool is_sabuf;
	struct sabuf *sb;
	struct shared *sh;
	double ns;		/* measured wall time, all slices */
	long ops;		/* lock/unlock pairs in it */
	long sleeps;		/* voluntary context switches in it */
};

struct worker {
	struct peer *peer;
	long ops __attribute__((aligned(64)));	/* read by main while running */
};

/* A little work the compiler cannot remove. */
static inline void work(int n)
{
	for (int i = 0; i < n; i++)
		__asm__ __volatile__("" ::: "memory");
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct peer *p = w->peer;
	struct shared *sh = p->sh;
	long ops = 0;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		if (p->is_sabuf) {
			int r = sabuf_mutex_lock(p->sb, &sh->smutex);

			if (r)
				die("sabuf_mutex_lock: %s", bench_strerror(r));
			sh->counter++;
			work(critical_work);
			r = sabuf_mutex_unlock(p->sb, &sh->smutex);
			if (r)
				die("sabuf_mutex_unlock: %s", bench_strerror(r));
		} else {
			if (pthread_mutex_lock(&sh->pmutex))
				die("pthread_mutex_lock");
			sh->counter++;
			work(critical_work);
			pthread_mutex_unlock(&sh->pmutex);
		}
		work(outside_work);
		__atomic_store_n(&w->ops, ++ops, __ATOMIC_RELAXED);
	}
	return NULL;
}

static long total_ops(struct worker *w, int n)
{
	long sum = 0;

	for (int i = 0; i < n; i++)
		sum += __atomic_load_n(&w[i].ops, __ATOMIC_RELAXED);
	return sum;
}

static void setup(struct peer *p, const char *name)
{
	p->name = name;
	p->is_sabuf = !strcmp(name, "sabuf");
	if (p->is_sabuf) {
		CHECK_NEG(sabuf_create(4096, &p->sb));
		p->sh = sabuf_data(p->sb);
	} else {
		pthread_mutexattr_t ma;

		p->sh = memfd_shared_map(4096);
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
		if (!strcmp(name, "pthread_robust"))
			pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
		pthread_mutex_init(&p->sh->pmutex, &ma);
	}
}

/* One slice: fresh threads, a warm-up, slice_ms measured, stop, check. */
static void run_slice(struct peer *p, int nthreads, double slice_ms)
{
	struct worker *w = aligned_alloc(64, sizeof(*w) * nthreads);
	pthread_t *t = calloc(nthreads, sizeof(*t));
	double warm_ms = slice_ms / 10 > 10 ? slice_ms / 10 : 10;
	struct rusage ru0, ru1;
	long ops0, ops1;
	uint64_t t0, t1;
	int i;

	if (!w || !t)
		die("out of memory");
	memset(w, 0, sizeof(*w) * nthreads);
	p->sh->stop = 0;
	p->sh->counter = 0;
	for (i = 0; i < nthreads; i++) {
		int err;

		w[i].peer = p;
		err = pthread_create(&t[i], NULL, worker, &w[i]);
		if (err)
			die("pthread_create: %s", strerror(err));
	}
	usleep((useconds_t)(warm_ms * 1e3));
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now_ns();
	ops0 = total_ops(w, nthreads);
	usleep((useconds_t)(slice_ms * 1e3));
	ops1 = total_ops(w, nthreads);
	t1 = now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	__atomic_store_n(&p->sh->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	if (p->sh->counter != total_ops(w, nthreads))
		die("the counter is %ld after %ld critical sections: the mutex is broken",
		    p->sh->counter, total_ops(w, nthreads));
	p->ns += (double)(t1 - t0);
	p->ops += ops1 - ops0;
	/* main's own usleep is one of them: negligible */
	p->sleeps += ru1.ru_nvcsw - ru0.ru_nvcsw;
	free(w);
	free(t);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct peer ps[BENCH_MAX_PEERS] = { 0 };
	char bench[32];
	int i, k, nslices;

	bench_parse(argc, argv, &o, peers);
	if (getenv("BENCH_MUTEX_CRIT"))
		critical_work = atoi(getenv("BENCH_MUTEX_CRIT"));
	if (getenv("BENCH_MUTEX_OUTSIDE"))
		outside_work = atoi(getenv("BENCH_MUTEX_OUTSIDE"));
	for (i = 0; i < o.npeers; i++)
		setup(&ps[i], o.peer_list[i]);

	nslices = (int)(o.budget_ms / o.slice_ms + 0.5);
	if (nslices < 1)
		nslices = 1;
	for (k = 0; k < nslices; k++)
		for (i = 0; i < o.npeers; i++)
			run_slice(&ps[(i + k) % o.npeers], o.threads, o.budget_ms / nslices);

	snprintf(bench, sizeof(bench), "mutex_%dt", o.threads);
	for (i = 0; i < o.npeers; i++) {
		struct peer *p = &ps[i];
		struct bench_opts po = o;
		double per_op;

		if (!p->ops)
			die("%s: no progress in %.0f ms", p->name, o.budget_ms);
		per_op = p->ns / (double)p->ops;
		po.peer = p->name;
		bench_result(bench, &po, per_op);
		bench_progress("contended mutex, %d thr %-14s round %d: %9.1f ns/lock+unlock "
			       "(%ld pairs in %.0f ms, %d slices; %.2f sleeps per 1000)",
			       o.threads, p->name, o.round, per_op, p->ops, p->ns / 1e6, nslices,
			       1000.0 * (double)p->sleeps / (double)p->ops);
		sabuf_destroy(p->sb);
	}
	return 0;
}
