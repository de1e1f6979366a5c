// SPDX-License-Identifier: MIT
/*
 * spinlock_vs_mutex: the seed's SpinLock class next to sabuf_mutex, and
 * why blocking beats spinning.
 *
 * 4 threads take turns in a critical section that holds the lock for
 * 1 ms while it waits (as if on a disk). With the SpinLock, every thread
 * that wants the lock burns a CPU in its compare_exchange loop the whole
 * time ("In production, use Atomics.wait instead", says the seed). With
 * sabuf_mutex, waiters sleep in the kernel (sabuf_wait32) and the unlock
 * wakes exactly one (sabuf_notify): the same work, almost no CPU.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "common.h"

#define THREADS_N	4
#define SECTIONS	40	/* per thread */
#define HOLD_MS		1

/* The seed's class: 0 = unlocked, 1 = locked. */
struct spinlock {
	int32_t word;
};

static void spin_lock(struct spinlock *l)
{
	while (true) {
		/* try to acquire the lock */
		if (sabuf_compare_exchange(&l->word, 0, 1) == 0)
			return;		/* successfully acquired */
		/* held: spin (the seed: "use Atomics.wait instead") */
	}
}

static void spin_unlock(struct spinlock *l)
{
	sabuf_store(&l->word, 0);
}

static bool spin_trylock(struct spinlock *l)
{
	return sabuf_compare_exchange(&l->word, 0, 1) == 0;
}

struct shared {
	struct spinlock spin;
	sabuf_mutex_t mutex;
	int32_t counter;	/* plain: the lock guards it */
};

struct run {
	struct sabuf *sb;
	struct shared *s;
	bool use_mutex;
};

static void *contender(void *arg)
{
	struct run *r = arg;
	int i;

	for (i = 0; i < SECTIONS; i++) {
		if (r->use_mutex)
			must(sabuf_mutex_lock(r->sb, &r->s->mutex), "lock");
		else
			spin_lock(&r->s->spin);
		r->s->counter++;	/* the critical section ... */
		sleep_ms(HOLD_MS);	/* ... waits while holding the lock */
		if (r->use_mutex)
			must(sabuf_mutex_unlock(r->sb, &r->s->mutex), "unlock");
		else
			spin_unlock(&r->s->spin);
	}
	return NULL;
}

static int measure(struct sabuf *sb, struct shared *s, bool use_mutex)
{
	struct run r = { sb, s, use_mutex };
	pthread_t t[THREADS_N];
	int64_t wall = monotonic_ns(), cpu = process_cpu_ns();
	double wall_s, cpu_s;
	int i;

	s->counter = 0;
	for (i = 0; i < THREADS_N; i++)
		pthread_create(&t[i], NULL, contender, &r);
	for (i = 0; i < THREADS_N; i++)
		pthread_join(t[i], NULL);
	wall_s = (monotonic_ns() - wall) / 1e9;
	cpu_s = (process_cpu_ns() - cpu) / 1e9;
	printf("%-12s wall %.2f s, CPU %.2f s (%.1f CPUs busy on average), "
	       "counter %d/%d\n", use_mutex ? "sabuf_mutex:" : "SpinLock:",
	       wall_s, cpu_s, cpu_s / wall_s, s->counter,
	       THREADS_N * SECTIONS);
	return s->counter == THREADS_N * SECTIONS ? 0 : 1;
}

int main(void)
{
	struct sabuf *sb;
	struct shared *s;
	int failed;

	setvbuf(stdout, NULL, _IOLBF, 0);
	must(sabuf_create(sizeof(*s), &sb), "sabuf_create");
	s = sabuf_data(sb);

	spin_lock(&s->spin);
	printf("tryLock while held: %s\n", spin_trylock(&s->spin) ? "true" : "false");
	spin_unlock(&s->spin);
	must(sabuf_mutex_lock(sb, &s->mutex), "lock");
	printf("sabuf_mutex_trylock on a held mutex: %d (-EBUSY)\n",
	       sabuf_mutex_trylock(sb, &s->mutex));
	sabuf_mutex_unlock(sb, &s->mutex);

	printf("\n%d threads x %d critical sections, each holding the lock "
	       "%d ms:\n", THREADS_N, SECTIONS, HOLD_MS);
	failed = measure(sb, s, false);
	failed |= measure(sb, s, true);
	printf("The same work: spinning waiters burn CPUs (and steal them "
	       "from the holder); sleeping waiters cost nothing.\n");
	sabuf_destroy(sb);
	return failed;
}
