// SPDX-License-Identifier: GPL-2.0
/*
 * runloop.c: the torture programs' shared run loop (runloop.h).
 */
#include "runloop.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

struct rl_shared *rl;
static unsigned int nr_counters, flush_every;

void *rl_init(size_t extra, unsigned int counters, unsigned int every)
{
	size_t base = (sizeof(*rl) + 63) & ~(size_t)63;
	char *p;

	if (counters > RL_MAX_COUNTERS)
		die("rl_init: %u counters, at most %d", counters, RL_MAX_COUNTERS);
	p = mmap(NULL, base + extra, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	rl = (struct rl_shared *)p;
	nr_counters = counters;
	flush_every = every ? every : 1;
	return extra ? p + base : NULL;
}

void rl_fail(const char *fmt, ...)
{
	va_list ap;
	int expected = 0;

	if (atomic_compare_exchange_strong(&rl->failed, &expected, 1)) {
		va_start(ap, fmt);
		vsnprintf(rl->first_error, sizeof(rl->first_error), fmt, ap);
		va_end(ap);
	}
	rl->stop = 1;
}

/* ---- tallies ---- */

void rl_flush(struct rl_tally *t)
{
	for (unsigned int i = 0; i < nr_counters; i++)
		if (t->c[i])
			rl->c[i] += t->c[i];
	memset(t, 0, sizeof(*t));
}

void rl_tick(struct rl_tally *t)
{
	if (++t->ops >= flush_every)
		rl_flush(t);
}

bool rl_exact(const char *label, uint64_t notified, uint64_t ok)
{
	if (notified == ok)
		return true;
	complain("%s: notify returned %llu in total, but %llu waits came back ok", label,
		 (unsigned long long)notified, (unsigned long long)ok);
	return false;
}

/* ---- signals ---- */

enum rl_sig_mode rl_sig_mode;
static _Atomic uint64_t caught;		/* this process's */

static void on_sigusr1(int sig)
{
	(void)sig;
	caught++;
}

static void set_handler(bool restart)
{
	struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = restart ? SA_RESTART : 0 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* ---- worker processes ---- */

struct rl_worker {
	pthread_t thread;
	unsigned int nr;
	rl_worker_fn fn;
};

static pid_t worker_tids[RL_MAX_THREADS];
static _Atomic unsigned int nr_worker_tids;

static void *worker_main(void *arg)
{
	struct rl_worker *w = arg;
	struct rl_tally *t = calloc(1, sizeof(*t));
	unsigned int slot = nr_worker_tids++;

	if (!t)
		die("out of memory");
	if (slot < RL_MAX_THREADS)
		worker_tids[slot] = (pid_t)syscall(SYS_gettid);
	w->fn(w->nr, t);
	rl_flush(t);
	free(t);
	rl->live--;
	return NULL;
}

struct signaller_arg {
	struct rng rng;
	unsigned int signal_us;
};

/* SIGUSR1 to random worker threads of this process; flips SA_RESTART in RL_SIG_FLIPPING. */
static void *signaller_main(void *arg)
{
	struct signaller_arg *s = arg;
	uint64_t sent = 0;
	bool restart = true;

	while (!rl->stop) {
		unsigned int n = nr_worker_tids;

		sleep_ns((int64_t)rng_below(&s->rng, 2 * (uint64_t)s->signal_us * NSEC_PER_USEC + 1));
		if (!n)
			continue;
		if (rl_sig_mode == RL_SIG_FLIPPING && rng_chance(&s->rng, 10)) {
			restart = !restart;
			set_handler(restart);
		}
		if (!syscall(SYS_tgkill, getpid(),
			     worker_tids[rng_below(&s->rng, n < RL_MAX_THREADS ? n : RL_MAX_THREADS)],
			     SIGUSR1) && ++sent == 64) {
			rl->signals_sent += sent;
			sent = 0;
		}
	}
	rl->signals_sent += sent;
	return NULL;
}

int rl_process_main(unsigned int proc, unsigned int n, rl_worker_fn fn,
		    unsigned int signal_us, uint64_t seed)
{
	static struct rl_worker workers[RL_MAX_THREADS];
	struct signaller_arg sig = { .rng = rng_derive(seed, proc, 0xffff), .signal_us = signal_us };
	pthread_t signaller;
	sigset_t usr1;
	unsigned int i;

	if (n > RL_MAX_THREADS)
		die("%u worker threads, at most %d", n, RL_MAX_THREADS);
	rl_sig_mode = (enum rl_sig_mode)(proc % 3);
	set_handler(rl_sig_mode != RL_SIG_NO_RESTART);
	rl->live += (int)n;
	for (i = 0; i < n; i++) {
		workers[i].nr = i;
		workers[i].fn = fn;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i])) {
			rl_fail("pthread_create failed");
			rl->live -= (int)(n - i);
			n = i;
			break;
		}
	}
	/* Process-directed signals go to the workers, not to this thread. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	if (signal_us && pthread_create(&signaller, NULL, signaller_main, &sig))
		rl_fail("pthread_create failed");
	rl->ready++;
	for (i = 0; i < n; i++)
		pthread_join(workers[i].thread, NULL);
	if (signal_us)
		pthread_join(signaller, NULL);
	rl->signals_caught += caught;
	return 0;
}

void rl_fork_procs(unsigned int n, int (*child)(unsigned int proc))
{
	if (n > RL_MAX_PROCS)
		die("%u worker processes, at most %d", n, RL_MAX_PROCS);
	for (unsigned int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid)
			_exit(child(i));
		rl->pids[i] = pid;
	}
	rl->nr_procs = n;
}

void rl_wait_ready(int n)
{
	while (rl->ready < n && !rl->failed)
		sleep_ns(NSEC_PER_MSEC);
}

/* ---- doomed processes ---- */

static void spawner_main(const struct rl_doomed *d)
{
	struct rng r = rng_derive(d->seed, 0xdead, 0);
	pid_t pids[RL_MAX_DOOMED] = { 0 };
	double dies[RL_MAX_DOOMED] = { 0 };
	unsigned int child = 0;

	while (!rl->stop) {
		for (unsigned int i = 0; i < d->slots; i++) {
			if (!pids[i]) {
				pid_t pid = fork();

				if (pid < 0) {
					rl_fail("fork: %s", strerror(errno));
					break;
				}
				if (!pid) {
					d->child(child);
					_exit(1);	/* must not return */
				}
				child++;
				rl->doomed_spawned++;
				pids[i] = pid;
				dies[i] = mono_seconds() + (double)rng_range(&r, d->min_ms, d->max_ms) / 1000;
			} else if (mono_seconds() >= dies[i]) {
				int status;

				kill(pids[i], SIGKILL);
				if (waitpid(pids[i], &status, 0) == pids[i] &&
				    (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL))
					rl_fail("a doomed process ended with status %#x before its SIGKILL",
						status);
				rl->doomed_killed++;
				pids[i] = 0;
			}
		}
		sleep_ns(2 * NSEC_PER_MSEC);
	}
	for (unsigned int i = 0; i < d->slots; i++) {
		if (pids[i]) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			rl->doomed_killed++;
		}
	}
}

pid_t rl_spawner_start(const struct rl_doomed *d)
{
	pid_t pid;

	if (d->slots > RL_MAX_DOOMED)
		die("%u doomed processes, at most %d", d->slots, RL_MAX_DOOMED);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		spawner_main(d);
		_exit(0);
	}
	return pid;
}

bool rl_spawner_wait(pid_t spawner)
{
	int status = 0;

	if (waitpid(spawner, &status, 0) != spawner || !WIFEXITED(status) || WEXITSTATUS(status)) {
		complain("the spawner ended with status %#x", status);
		return false;
	}
	return true;
}

/* ---- the parent ---- */

double rl_run(const struct rl_loop *l, double *start)
{
	double last, now;
	uint64_t last_done = 0;

	*start = last = mono_seconds();
	while (!rl->stop) {
		uint64_t done;
		int status;
		pid_t pid;

		sleep_ns(l->signal_us ? (int64_t)rng_below(l->rng, 10 * NSEC_PER_MSEC)
				      : 20 * NSEC_PER_MSEC);
		now = mono_seconds();
		if (l->signal_us && rl->nr_procs)
			kill(rl->pids[rng_below(l->rng, rl->nr_procs)], SIGUSR1);
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			for (unsigned int i = 0; i < rl->nr_procs; i++)
				if (rl->pids[i] == pid)
					rl->pids[i] = 0;
			rl_fail("process %d ended before the stop (status %#x)", pid, status);
			break;
		}
		if (l->check)
			l->check(now);
		done = l->done();
		if (now - last >= l->progress) {
			l->progress_line(now - *start, done, (double)(done - last_done) / (now - last));
			last = now;
			last_done = done;
		}
		if (done >= l->target || (l->seconds && now - *start >= l->seconds))
			break;
	}
	return mono_seconds();
}

bool rl_drain(void (*wake)(struct rl_tally *t))
{
	struct rl_tally *t = calloc(1, sizeof(*t));
	double until = mono_seconds() + 120;
	bool ok = true;

	if (!t)
		die("out of memory");
	rl->stop = 1;
	while (rl->live > 0) {
		if (mono_seconds() > until) {
			complain("%d worker threads still running 120 s after the stop", rl->live);
			ok = false;
			break;
		}
		wake(t);
		sleep_ns(NSEC_PER_MSEC);
	}
	rl_flush(t);
	free(t);
	return ok;
}

bool rl_reap(void)
{
	bool ok = true;

	for (unsigned int i = 0; i < rl->nr_procs; i++) {
		int status = 0;

		if (!rl->pids[i])
			continue;
		if (waitpid(rl->pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			complain("worker process %u ended with status %#x", i, status);
			ok = false;
		}
		rl->pids[i] = 0;
	}
	return ok;
}

bool rl_check_failed(void)
{
	if (!rl->failed)
		return true;
	complain("%s", rl->first_error);
	return false;
}

int rl_verdict(bool ok, uint64_t seed, const char *what)
{
	if (!ok) {
		say("FAILED (seed %#llx)", (unsigned long long)seed);
		return STRESS_FAIL;
	}
	say("PASS: %s (seed %#llx)", what, (unsigned long long)seed);
	return STRESS_PASS;
}
