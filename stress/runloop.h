/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runloop.h: the run loop the torture programs share (torture,
 * kinds_torture, neighbours). One program = a parent that forks worker
 * processes (each running worker threads and, optionally, a signaller
 * that sends SIGUSR1 to them), maybe a spawner that keeps "doomed"
 * processes alive and SIGKILLs each at a random moment, and a main loop
 * that watches them until a count target or a time limit, printing a
 * progress line every few seconds. Then it stops everyone, wakes whoever
 * still waits (drain), reaps, checks the accounting, and gives a verdict.
 *
 * Accounting is exact by construction: each thread counts into a private
 * tally (plain uint64_t counters, numbered by the program) and adds it to
 * the shared totals every few operations and when it ends; the totals
 * live in memory shared by every process (MAP_SHARED), so what a process
 * counted survives it, except what a SIGKILLed process had not flushed
 * yet (programs count what doomed processes do separately, as a bound).
 *
 * The first failure anywhere (rl_fail) is kept with its message, stops
 * the run, and makes the verdict FAIL; rl_verdict() prints the seed.
 */
#ifndef STRESS_RUNLOOP_H
#define STRESS_RUNLOOP_H

#include "common.h"

#include <pthread.h>

#define RL_MAX_PROCS	16		/* worker processes */
#define RL_MAX_THREADS	256		/* worker threads per process */
#define RL_MAX_COUNTERS	256		/* a program's counters */
#define RL_MAX_DOOMED	16		/* doomed processes alive at once */

/* What every process shares (one MAP_SHARED mapping, made by rl_init()). */
struct rl_shared {
	_Atomic int stop;		/* everyone: finish now */
	_Atomic int failed;		/* rl_fail() was called */
	_Atomic int ready;		/* worker processes whose threads run */
	_Atomic int live;		/* worker threads not yet finished */
	char first_error[512];
	_Atomic uint64_t c[RL_MAX_COUNTERS];	/* the program's totals */
	_Atomic uint64_t signals_sent, signals_caught;
	_Atomic uint64_t doomed_spawned, doomed_killed;
	pid_t pids[RL_MAX_PROCS];	/* the worker processes (0: reaped) */
	unsigned int nr_procs;
};
extern struct rl_shared *rl;

/*
 * Map the shared state, with extra bytes of zeroed shared memory for the
 * program (returned; NULL when extra is 0). counters: how many of c[] the
 * program uses; flush_every: a tally is added to the totals every that
 * many rl_tick()s.
 */
void *rl_init(size_t extra, unsigned int counters, unsigned int flush_every);

/* Keep the first failure's message, stop the run. Any process, any thread. */
void rl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- tallies ---- */

struct rl_tally {
	uint64_t c[RL_MAX_COUNTERS];
	unsigned int ops;
};

/* Add every counter to the shared totals and zero the tally. */
void rl_flush(struct rl_tally *t);
/* One operation done: flush every flush_every of them. */
void rl_tick(struct rl_tally *t);

/* A total and its tally-counterpart check: what notifies returned at an
 * index must equal the waits that came back ok there; complains with label. */
bool rl_exact(const char *label, uint64_t notified, uint64_t ok);

/* ---- signals (per process) ---- */

/* SIGUSR1's handler: with SA_RESTART, without, or flipping between them. */
enum rl_sig_mode { RL_SIG_RESTART, RL_SIG_NO_RESTART, RL_SIG_FLIPPING };
extern enum rl_sig_mode rl_sig_mode;	/* this process's */

/* Whether an EINTR is a failure: SA_RESTART in force, and the wait absolute
 * or infinite (ABI 2: a relative wait with a timeout may end with EINTR). */
static inline bool rl_eintr_forbidden(bool infinite_or_absolute)
{
	return rl_sig_mode == RL_SIG_RESTART && infinite_or_absolute;
}

/* ---- worker processes ---- */

/* A worker thread's body: runs until rl->stop, counting into t. */
typedef void (*rl_worker_fn)(unsigned int nr, struct rl_tally *t);

/*
 * Run in a worker process: n threads running fn(0..n-1), each flushing its
 * tally when it ends; with signal_us, a signaller thread sending SIGUSR1
 * to random worker threads every ~signal_us microseconds (the handler's
 * mode is proc % 3; RL_SIG_FLIPPING flips it now and then). Counts the
 * process as ready once its threads run; returns when they all ended
 * (0), for _exit().
 */
int rl_process_main(unsigned int proc, unsigned int n, rl_worker_fn fn,
		    unsigned int signal_us, uint64_t seed);

/* Fork n worker processes, child(i) in each (its return value is the
 * exit status); their pids go to rl->pids. Dies when fork fails. */
void rl_fork_procs(unsigned int n, int (*child)(unsigned int proc));
/* Wait until n processes are ready (or something failed). */
void rl_wait_ready(int n);

/* ---- doomed processes, SIGKILLed at random ---- */

struct rl_doomed {
	unsigned int slots;		/* alive at once */
	unsigned int min_ms, max_ms;	/* each lives this long, then SIGKILL */
	/* The doomed process's body (nr counts from 0): must not return. */
	void (*child)(unsigned int nr);
	uint64_t seed;
};

/* Fork a spawner process that keeps d->slots doomed processes alive until
 * rl->stop, each SIGKILLed after min..max ms (a doomed process that ends
 * otherwise fails the run), then kills the rest. Returns its pid. */
pid_t rl_spawner_start(const struct rl_doomed *d);
/* After rl->stop: wait for the spawner; false (complained) if it failed. */
bool rl_spawner_wait(pid_t spawner);

/* ---- the parent's loop ---- */

struct rl_loop {
	uint64_t seconds;		/* time limit (0: none) */
	uint64_t target;		/* stop when done() reaches it */
	unsigned int progress;		/* seconds between progress lines */
	unsigned int signal_us;		/* nonzero: process-directed SIGUSR1 too */
	struct rng *rng;
	uint64_t (*done)(void);		/* the count the target is about */
	/* Optional: called every round (stall checks), now on CLOCK_MONOTONIC. */
	void (*check)(double now);
	/* The progress line: seconds since start, done(), its rate since the last line. */
	void (*progress_line)(double elapsed, uint64_t done, double rate);
};

/*
 * Watch until rl->stop, the target or the time limit: every ~10 ms
 * (random with signals, else 20 ms) send SIGUSR1 to a random worker
 * process, fail when any child ends before the stop, run check, print a
 * progress line. Sets *start (when the loop began); returns when it
 * ended. Does not set rl->stop.
 */
double rl_run(const struct rl_loop *l, double *start);

/* Stop everyone (rl->stop), then call wake() (notifies of everything)
 * every millisecond until no worker thread runs; false (complained) when
 * some still run 120 s later. */
bool rl_drain(void (*wake)(struct rl_tally *t));

/* Reap the worker processes: each must exit 0 (false, complained, if not). */
bool rl_reap(void);

/* The first failure's message, if any: false when there was one. */
bool rl_check_failed(void);

/* Print the verdict ("FAILED (seed ...)" or "PASS: what (seed ...)"), return
 * the exit status. */
int rl_verdict(bool ok, uint64_t seed, const char *what);

#endif /* STRESS_RUNLOOP_H */
