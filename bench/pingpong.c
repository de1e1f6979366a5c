// SPDX-License-Identifier: GPL-2.0
/*
 * Ping-pong: the wake round trip. Two threads (--mode threads) or two
 * processes (--mode procs) hand a turn word back and forth; each sleeps
 * until the other hands it back. The pinging side times every round trip
 * (store 1, wake, sleep until the word is 0 again) with the TSC.
 *
 * Peers, all on a word of a MAP_SHARED mapping:
 *   sabuf          sabuf_store + sabuf_notify / sabuf_wait32 on a sabuf buffer
 *   futex          futex(FUTEX_WAKE / FUTEX_WAIT) on a memfd mapping (shared futexes)
 *   futex_private  the same with FUTEX_PRIVATE_FLAG (threads only; for reference)
 *   pthread        a process-shared pthread mutex + condition variable on a memfd mapping
 * (Node.js Atomics.wait/notify across two workers is pingpong.js.)
 *
 * The handoff, reported as pingpong_handoff_threads|procs with its peer
 * named "sabuf" there:
 *   sabuf_handoff  each side hands the turn over and waits for it back in
 *                  one sabuf_notify_wait32 call
 * With PINGPONG_ONE_CPU=1 in the environment every party is pinned to CPU
 * 0 (benches pingpong_pinned_*, pingpong_handoff_pinned_*); with
 * PINGPONG_TWO_CPUS=1 the ping to CPU 0 and the pong to CPU 1 (benches
 * pingpong_split_*, pingpong_handoff_split_*).
 *
 * Not run by make bench; a prototype for the lead, to weigh a proposal:
 *   sabuf_spin     the sabuf peer, but each wait first spins on the word for up
 *                  to $BENCH_SPIN_NS ns (default 20000) before sabuf_wait32
 *
 *   pingpong --mode threads|procs --peers P,Q,... [--round N] [--budget-ms MS]
 *            [--slice-ms MS]
 *
 * The peers take turns in slices of --slice-ms (default 100), each with a
 * fresh pong and a short warm-up, until each has had --budget-ms. Prints,
 * per peer, the median round trip (ns) over all its slices as @result
 * pingpong_threads|pingpong_procs, and its latency histogram.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

static const char *const peers[] = {
	"sabuf", "futex", "futex_private", "pthread", "sabuf_spin", "sabuf_handoff", NULL
};

enum kind { SABUF, FUTEX, FUTEX_PRIVATE, PTHREAD, SABUF_SPIN, SABUF_HANDOFF };

/* Lives in the shared mapping; each hot word on its own cache line. */
struct shared {
	int32_t turn __attribute__((aligned(64)));	/* 1: pong's turn, 0: ping's */
	int32_t stop __attribute__((aligned(64)));
	pthread_mutex_t mutex __attribute__((aligned(64)));
	pthread_cond_t cond;
};

struct pp {
	enum kind kind;
	struct sabuf *sb;
	struct shared *sh;
	uint64_t spin_ticks;	/* SABUF_SPIN: how long a wait spins first */
	struct samples samples;
};

static inline int32_t load(const int32_t *w) { return __atomic_load_n(w, __ATOMIC_SEQ_CST); }

/* Sleep while *w == v; sabuf_store/sabuf_notify are the library's own pair. */
static inline void wait_while(struct pp *p, int32_t *w, int32_t v)
{
	if (p->kind == SABUF_SPIN && load(w) == v) {
		uint64_t until = ticks() + p->spin_ticks;

		while (load(w) == v && ticks() < until)
			__builtin_ia32_pause();
	}
	while (load(w) == v) {
		long r;

		switch (p->kind) {
		case SABUF:
		case SABUF_SPIN:
		case SABUF_HANDOFF:
			r = sabuf_wait32(p->sb, w, v, SABUF_FOREVER);
			if (r < 0 && r != -EINTR)
				die("sabuf_wait32: %s", bench_strerror(r));
			break;
		case FUTEX:
		case FUTEX_PRIVATE:
			r = futex_wait(w, v, p->kind == FUTEX_PRIVATE);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				die("FUTEX_WAIT: %m");
			break;
		default:
			die("wait_while: pthread has its own loop");
		}
	}
}

static inline void set_and_wake(struct pp *p, int32_t *w, int32_t v)
{
	long r;

	if (p->kind == SABUF || p->kind == SABUF_SPIN || p->kind == SABUF_HANDOFF) {
		sabuf_store(w, v);
		r = sabuf_notify(p->sb, w, 1);
		if (r < 0)
			die("sabuf_notify: %s", bench_strerror(r));
	} else {
		__atomic_store_n(w, v, __ATOMIC_SEQ_CST);
		if (futex_wake(w, 1, p->kind == FUTEX_PRIVATE) < 0)
			die("FUTEX_WAKE: %m");
	}
}

/* Hand the turn over (*w = v, wake the other) and sleep while *w == v: one call. */
static inline void handoff(struct pp *p, int32_t *w, int32_t v)
{
	long r;

	sabuf_store(w, v);
	do {
		r = sabuf_notify_wait32(p->sb, w, 1, w, v, SABUF_FOREVER);
		if (r < 0 && r != -EINTR)
			die("sabuf_notify_wait32: %s", bench_strerror(r));
	} while (load(w) == v);	/* a spurious-free kernel, but a signal may end it */
}

/* ---- the word peers ---- */

static void pong_word(struct pp *p)
{
	int32_t *turn = &p->sh->turn;

	wait_while(p, turn, 0);
	for (;;) {
		if (load(&p->sh->stop))
			return;
		if (p->kind == SABUF_HANDOFF) {
			handoff(p, turn, 0);
		} else {
			set_and_wake(p, turn, 0);
			wait_while(p, turn, 0);
		}
	}
}

/* Round trips for budget_ns; recorded only if record. */
static void ping_word(struct pp *p, double budget_ns, bool record)
{
	int32_t *turn = &p->sh->turn;
	double overhead = ticks_overhead_ns();
	uint64_t start = ticks(), t0, t1;

	do {
		t0 = ticks();
		if (p->kind == SABUF_HANDOFF) {
			handoff(p, turn, 1);
		} else {
			set_and_wake(p, turn, 1);
			wait_while(p, turn, 1);
		}
		t1 = ticks();
		if (record)
			samples_add(&p->samples, ticks_to_ns(t1 - t0) - overhead);
	} while (ticks_to_ns(t1 - start) < budget_ns);
}

static void stop_word(struct pp *p)
{
	__atomic_store_n(&p->sh->stop, 1, __ATOMIC_SEQ_CST);
	set_and_wake(p, &p->sh->turn, 1);
}

/* ---- the pthread peer: mutex + condition variable ---- */

static void pong_pthread(struct pp *p)
{
	struct shared *sh = p->sh;

	pthread_mutex_lock(&sh->mutex);
	for (;;) {
		while (sh->turn == 0)
			pthread_cond_wait(&sh->cond, &sh->mutex);
		if (sh->stop)
			break;
		sh->turn = 0;
		pthread_cond_signal(&sh->cond);
	}
	pthread_mutex_unlock(&sh->mutex);
}

static void ping_pthread(struct pp *p, double budget_ns, bool record)
{
	struct shared *sh = p->sh;
	double overhead = ticks_overhead_ns();
	uint64_t start = ticks(), t0, t1;

	pthread_mutex_lock(&sh->mutex);
	do {
		t0 = ticks();
		sh->turn = 1;
		pthread_cond_signal(&sh->cond);
		while (sh->turn == 1)
			pthread_cond_wait(&sh->cond, &sh->mutex);
		t1 = ticks();
		if (record)
			samples_add(&p->samples, ticks_to_ns(t1 - t0) - overhead);
	} while (ticks_to_ns(t1 - start) < budget_ns);
	pthread_mutex_unlock(&sh->mutex);
}

static void stop_pthread(struct pp *p)
{
	pthread_mutex_lock(&p->sh->mutex);
	p->sh->stop = 1;
	p->sh->turn = 1;
	pthread_cond_signal(&p->sh->cond);
	pthread_mutex_unlock(&p->sh->mutex);
}

/* ---- both sides ---- */

static void pong(struct pp *p)
{
	if (p->kind == PTHREAD)
		pong_pthread(p);
	else
		pong_word(p);
}

/* One slice: warm-up, then round trips recorded for slice_ns, then stop the pong. */
static void ping(struct pp *p, double slice_ns)
{
	/* warm-up: a tenth of the slice, at least 10 ms: the pong asleep, caches warm */
	double warm = slice_ns / 10 > 10e6 ? slice_ns / 10 : 10e6;

	if (p->kind == PTHREAD) {
		ping_pthread(p, warm, false);
		ping_pthread(p, slice_ns, true);
		stop_pthread(p);
	} else {
		ping_word(p, warm, false);
		ping_word(p, slice_ns, true);
		stop_word(p);
	}
}

static bool two_cpus;

static void *pong_thread(void *arg)
{
	if (two_cpus)
		pin_to_cpu(1);
	pong(arg);
	return NULL;
}

static void init_pthread_objects(struct shared *sh)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->mutex, &ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&sh->cond, &ca);
}

static void setup(struct pp *p, const char *peer, bool procs)
{
	p->kind = !strcmp(peer, "sabuf") ? SABUF : !strcmp(peer, "futex") ? FUTEX :
		  !strcmp(peer, "futex_private") ? FUTEX_PRIVATE :
		  !strcmp(peer, "sabuf_spin") ? SABUF_SPIN :
		  !strcmp(peer, "sabuf_handoff") ? SABUF_HANDOFF : PTHREAD;
	if (procs && p->kind == FUTEX_PRIVATE)
		die("private futexes do not work between processes");
	if (p->kind == SABUF_SPIN)
		p->spin_ticks = (uint64_t)((getenv("BENCH_SPIN_NS") ?
					    atof(getenv("BENCH_SPIN_NS")) : 20000) * ticks_per_ns());
	if (p->kind == SABUF || p->kind == SABUF_SPIN || p->kind == SABUF_HANDOFF) {
		CHECK_NEG(sabuf_create(4096, &p->sb));
		p->sh = sabuf_data(p->sb);
	} else {
		p->sh = memfd_shared_map(4096);
		if (p->kind == PTHREAD)
			init_pthread_objects(p->sh);
	}
	samples_init(&p->samples, 1 << 21);
}

/* A fresh pong (thread or process) for one slice of one peer. */
static void run_slice(struct pp *p, bool procs, double slice_ns)
{
	p->sh->turn = 0;
	p->sh->stop = 0;
	if (procs) {
		pid_t pid;
		int status;

		fflush(stdout);
		pid = fork();
		CHECK_SYS(pid);
		if (pid == 0) {
			if (two_cpus)
				pin_to_cpu(1);
			pong(p);
			_exit(0);
		}
		ping(p, slice_ns);
		CHECK_SYS(waitpid(pid, &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			die("the pong process failed (status 0x%x)", status);
	} else {
		pthread_t t;
		int err = pthread_create(&t, NULL, pong_thread, p);

		if (err)
			die("pthread_create: %s", strerror(err));
		ping(p, slice_ns);
		pthread_join(t, NULL);
	}
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct pp pps[BENCH_MAX_PEERS] = { 0 };
	bool procs, one_cpu, handoff_run = false;
	char bench[48];
	int i, k, nslices;

	bench_parse(argc, argv, &o, peers);
	procs = !strcmp(o.mode, "procs");
	one_cpu = getenv("PINGPONG_ONE_CPU") && atoi(getenv("PINGPONG_ONE_CPU"));
	two_cpus = getenv("PINGPONG_TWO_CPUS") && atoi(getenv("PINGPONG_TWO_CPUS"));
	if (one_cpu || two_cpus)
		pin_to_cpu(0);	/* threads and forked pongs inherit it (two_cpus: pongs move) */
	for (i = 0; i < o.npeers; i++)
		handoff_run |= !strcmp(o.peer_list[i], "sabuf_handoff");
	ticks_overhead_ns();	/* calibrate before the clock matters */
	for (i = 0; i < o.npeers; i++)
		setup(&pps[i], o.peer_list[i], procs);

	/*
	 * The peers take turns slice by slice (the order rotating), so that
	 * a slow or fast stretch of the shared host lands on all of them
	 * alike rather than on whichever peer ran then.
	 */
	nslices = (int)(o.budget_ms / o.slice_ms + 0.5);
	if (nslices < 1)
		nslices = 1;
	for (k = 0; k < nslices; k++)
		for (i = 0; i < o.npeers; i++)
			run_slice(&pps[(i + k) % o.npeers], procs, o.budget_ms * 1e6 / nslices);

	snprintf(bench, sizeof(bench), "pingpong_%s%s%s", handoff_run ? "handoff_" : "",
		 one_cpu ? "pinned_" : two_cpus ? "split_" : "", o.mode);
	for (i = 0; i < o.npeers; i++) {
		struct pp *p = &pps[i];
		struct bench_opts po = o;
		double p10 = samples_quantile(&p->samples, 0.1);
		double p90 = samples_quantile(&p->samples, 0.9);
		double med = samples_median(&p->samples);

		/* in a handoff run, the handoff is the "sabuf" of the ratio */
		po.peer = p->kind == SABUF_HANDOFF ? "sabuf" :
			  handoff_run && p->kind == SABUF ? "sabuf_wait_notify" : o.peer_list[i];
		bench_result(bench, &po, med);
		bench_hist(bench, &po, &p->samples);
		bench_progress("ping-pong, %-7s    %-14s round %d: %9.2f us/round trip "
			       "(p10 %.2f, p90 %.2f; %zu round trips in %d slices)",
			       o.mode, po.peer, o.round, med / 1e3, p10 / 1e3, p90 / 1e3,
			       p->samples.n, nslices);
		sabuf_destroy(p->sb);
	}
	return 0;
}
