// SPDX-License-Identifier: MIT
/*
 * race: the seed's "race condition problem". 4 workers add 1, 10000 times
 * each, to one shared counter, twice:
 *
 *   unsafe:  value = counter; value = value + 1; counter = value;
 *            (sharedArray[0]++: two workers read the same value, both
 *            write value + 1, and one increment is lost)
 *   atomic:  sabuf_add(&counter, 1)   (Atomics.add: indivisible)
 *
 * The workers start together from a gate, so their increments overlap.
 * How many updates the unsafe version loses depends on the CPUs and on
 * luck (on one CPU it can lose none); the atomic one never loses any.
 */
#include <pthread.h>
#include <stdio.h>

#include "common.h"

#define WORKERS		4
#define INCREMENTS	10000

struct shared {
	int32_t gate;		/* 0 closed, 1 open: everyone starts together */
	int32_t ready;		/* workers at the gate */
	int32_t unsafe_counter;
	int32_t atomic_counter;
};

struct worker_arg {
	struct sabuf *sb;
	struct shared *s;
	int atomic;
};

/*
 * Spin at the gate rather than sleep: a sleeper takes far longer to wake
 * than 10000 increments take to run, so sleepers would start one by one
 * and never overlap. Spinners on different CPUs leave at the same moment.
 */
static void wait_at_the_gate(struct worker_arg *w)
{
	sabuf_add(&w->s->ready, 1);
	while (sabuf_load(&w->s->gate) == 0)
		;
}

static void *worker(void *arg)
{
	struct worker_arg *w = arg;
	volatile int32_t *unsafe = &w->s->unsafe_counter;
	int i;

	wait_at_the_gate(w);
	if (w->atomic) {
		for (i = 0; i < INCREMENTS; i++)
			sabuf_add(&w->s->atomic_counter, 1);
	} else {
		for (i = 0; i < INCREMENTS; i++) {
			int32_t value = *unsafe;	/* both read 0 ... */

			value = value + 1;		/* both compute 1 ... */
			*unsafe = value;		/* both write 1 */
		}
	}
	return NULL;
}

static int32_t run(struct sabuf *sb, struct shared *s, int atomic)
{
	struct worker_arg w = { sb, s, atomic };
	pthread_t t[WORKERS];
	int i;

	sabuf_store(&s->gate, 0);
	sabuf_store(&s->ready, 0);
	for (i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, worker, &w);
	while (sabuf_load(&s->ready) < WORKERS)
		sleep_ms(1);
	sabuf_store(&s->gate, 1);		/* open: all start at once */
	for (i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	return atomic ? sabuf_load(&s->atomic_counter) : s->unsafe_counter;
}

static void show(const char *title, int32_t actual)
{
	int32_t expected = WORKERS * INCREMENTS;

	printf("%s\n", title);
	printf("  Expected: %d\n", expected);
	printf("  Actual: %d\n", actual);
	if (actual == expected)
		printf("  Match: ✓\n");
	else
		printf("  Match: ✗ (%d increments lost: overwritten by a worker "
		       "that had read the same old value)\n", expected - actual);
}

int main(void)
{
	struct sabuf *sb;
	struct shared *s;
	int32_t unsafe, atomic;

	setvbuf(stdout, NULL, _IOLBF, 0);
	must(sabuf_create(sizeof(*s), &sb), "sabuf_create");
	s = sabuf_data(sb);
	printf("%d workers x %d increments of one shared counter\n\n",
	       WORKERS, INCREMENTS);

	unsafe = run(sb, s, 0);
	show("Without atomics (value = counter; value + 1; counter = value):",
	     unsafe);
	if (unsafe == WORKERS * INCREMENTS)
		printf("  (no update was lost this time, but the race is "
		       "still there: try again, or on more CPUs)\n");

	atomic = run(sb, s, 1);
	show("\nWith sabuf_add(&counter, 1):", atomic);

	sabuf_destroy(sb);
	return atomic == WORKERS * INCREMENTS ? 0 : 1;
}
