// SPDX-License-Identifier: GPL-2.0
/*
 * Owner-death recovery: how long from the SIGKILL of a process holding a
 * robust mutex until a thread already asleep on it holds it (with
 * EOWNERDEAD). sabuf_mutex (the kernel wakes robust sleepers when the
 * holder's process ends) against a process-shared PTHREAD_MUTEX_ROBUST
 * (the kernel walks the dead thread's robust list and wakes one futex
 * waiter).
 *
 *   owner_death --peer sabuf|pthread_robust [--round N] [--count TRIALS]
 *
 * Each trial: a child locks and sleeps; a thread here locks (and sleeps);
 * the time from just before kill() to the thread's return is one sample.
 * Prints the median as @result owner_death.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

static const char *const peers[] = { "sabuf", "pthread_robust", NULL };

struct shared {
	sabuf_mutex_t smutex __attribute__((aligned(64)));
	pthread_mutex_t pmutex __attribute__((aligned(64)));
	int ready __attribute__((aligned(64)));
	uint64_t kill_ticks __attribute__((aligned(64)));
};

static bool is_sabuf;
static struct sabuf *sb;
static struct shared *sh;
static double sample_ns;

static void *locker(void *arg)
{
	uint64_t t1;
	int r;

	(void)arg;
	if (is_sabuf) {
		r = sabuf_mutex_lock(sb, &sh->smutex);
		t1 = ticks();
		if (r != -EOWNERDEAD)
			die("sabuf_mutex_lock: %s, not EOWNERDEAD", bench_strerror(r));
		CHECK_NEG(sabuf_mutex_consistent(sb, &sh->smutex));
		CHECK_NEG(sabuf_mutex_unlock(sb, &sh->smutex));
	} else {
		r = pthread_mutex_lock(&sh->pmutex);
		t1 = ticks();
		if (r != EOWNERDEAD)
			die("pthread_mutex_lock: %s, not EOWNERDEAD", strerror(r));
		pthread_mutex_consistent(&sh->pmutex);
		pthread_mutex_unlock(&sh->pmutex);
	}
	sample_ns = ticks_to_ns(t1 - __atomic_load_n(&sh->kill_ticks, __ATOMIC_SEQ_CST));
	return NULL;
}

static double trial(void)
{
	pthread_t t;
	pid_t child;

	__atomic_store_n(&sh->ready, 0, __ATOMIC_SEQ_CST);
	child = fork();
	if (child < 0)
		die("fork: %m");
	if (child == 0) {
		if (is_sabuf ? sabuf_mutex_lock(sb, &sh->smutex) : pthread_mutex_lock(&sh->pmutex))
			_exit(1);
		__atomic_store_n(&sh->ready, 1, __ATOMIC_SEQ_CST);
		pause();
		_exit(0);
	}
	while (!__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST))
		usleep(100);
	if (pthread_create(&t, NULL, locker, NULL))
		die("pthread_create");
	usleep(20000);	/* asleep on the mutex by now, even under TCG */
	__atomic_store_n(&sh->kill_ticks, ticks(), __ATOMIC_SEQ_CST);
	kill(child, SIGKILL);
	pthread_join(t, NULL);
	waitpid(child, NULL, 0);
	return sample_ns;
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .count = 30 };
	struct samples s;

	bench_parse(argc, argv, &o, peers);
	is_sabuf = !strcmp(o.peer, "sabuf");
	if (is_sabuf) {
		CHECK_NEG(sabuf_create(4096, &sb));
		sh = sabuf_data(sb);
	} else {
		pthread_mutexattr_t ma;

		sh = memfd_shared_map(4096);
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
		pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
		pthread_mutex_init(&sh->pmutex, &ma);
	}
	samples_init(&s, o.count);
	for (long i = 0; i < o.count; i++)
		samples_add(&s, trial());
	bench_progress("owner_death %s round %d: median %.1f us over %ld trials", o.peer,
		       o.round, samples_median(&s) / 1e3, o.count);
	bench_result("owner_death", &o, samples_median(&s));
	samples_free(&s);
	if (sb)
		sabuf_destroy(sb);
	return 0;
}
