// SPDX-License-Identifier: MIT
/*
 * basics: the seed's first three sections in C.
 *
 *   new SharedArrayBuffer(1024)          sabuf_create(1024, &sb)
 *   new Int32Array(sab)                  int32_t *int32 = sabuf_data(sb)
 *   Atomics.load/store/add/sub/          sabuf_load/store/add/sub/
 *     exchange/compareExchange             exchange/compare_exchange
 *   worker.postMessage(sharedBuffer)     a thread uses the same handle
 *                                        (processes: see counter.c)
 */
#include <pthread.h>
#include <stdio.h>

#include "common.h"

static void creating(void)
{
	struct sabuf *sb;
	int32_t *int32View;

	puts("== Creating a shared buffer ==");
	must(sabuf_create(1024, &sb), "sabuf_create");
	printf("byte length: %zu\n", sabuf_byte_length(sb));	/* 1024 */
	int32View = sabuf_data(sb);	/* a typed view: just a pointer */
	int32View[0] = 42;
	int32View[1] = 100;
	printf("int32View[0] = %d, int32View[1] = %d\n", int32View[0],
	       int32View[1]);
	sabuf_destroy(sb);
}

static void basic_atomics(void)
{
	struct sabuf *sb;
	int32_t *int32, old;

	puts("\n== Basic atomic operations ==");
	must(sabuf_create(16, &sb), "sabuf_create");
	int32 = sabuf_data(sb);

	printf("load:             %d\n", sabuf_load(&int32[0]));
	printf("store(42)      -> %d\n", sabuf_store(&int32[0], 42));
	old = sabuf_add(&int32[0], 5);
	printf("add(5)         -> %d (returns the old value; now %d)\n", old,
	       sabuf_load(&int32[0]));				/* 42, 47 */
	old = sabuf_sub(&int32[0], 10);
	printf("sub(10)        -> %d (now %d)\n", old, sabuf_load(&int32[0]));
	old = sabuf_exchange(&int32[0], 100);
	printf("exchange(100)  -> %d (now %d)\n", old, sabuf_load(&int32[0]));
	old = sabuf_compare_exchange(&int32[0], 100, 200);
	printf("compare_exchange(100, 200) -> %d (matched: now %d)\n", old,
	       sabuf_load(&int32[0]));
	old = sabuf_compare_exchange(&int32[0], 100, 300);
	printf("compare_exchange(100, 300) -> %d (no match: still %d)\n", old,
	       sabuf_load(&int32[0]));
	printf("lock-free sizes: 1:%d 2:%d 4:%d 8:%d\n", sabuf_is_lock_free(1),
	       sabuf_is_lock_free(2), sabuf_is_lock_free(4),
	       sabuf_is_lock_free(8));
	sabuf_destroy(sb);
}

/* The seed's worker: bump the counter every 50 ms (the seed: 500 ms). */
struct sharing {
	struct sabuf *sb;
	int32_t *sharedArray;
};

static void *worker(void *arg)
{
	struct sharing *s = arg;
	int i;

	for (i = 0; i < 6; i++) {
		sleep_ms(50);
		printf("Worker incremented counter to: %d\n",
		       sabuf_add(&s->sharedArray[0], 1) + 1);
	}
	return NULL;
}

static void sharing_with_a_worker(void)
{
	struct sharing s;
	pthread_t t;
	int i;

	puts("\n== Sharing with a worker ==");
	must(sabuf_create(16, &s.sb), "sabuf_create");	/* 4 x int32 */
	s.sharedArray = sabuf_data(s.sb);
	sabuf_store(&s.sharedArray[0], 0);	/* counter */
	sabuf_store(&s.sharedArray[1], 100);	/* shared data */
	pthread_create(&t, NULL, worker, &s);
	for (i = 0; i < 3; i++) {
		sleep_ms(100);
		printf("Main thread sees counter: %d\n",
		       sabuf_load(&s.sharedArray[0]));
	}
	pthread_join(t, NULL);
	printf("Main thread sees counter: %d (both see every change)\n",
	       sabuf_load(&s.sharedArray[0]));
	sabuf_destroy(s.sb);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	creating();
	basic_atomics();
	sharing_with_a_worker();
	return 0;
}
