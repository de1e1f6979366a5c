// SPDX-License-Identifier: MIT
/*
 * counter: the seed's thread-safe counter. 4 workers each add 1, 10000
 * times, with sabuf_add() (Atomics.add); the total is always 40000.
 *
 * It runs twice: with threads sharing one handle, then with 4 separate
 * programs that each received the buffer over a Unix socket
 * (worker.postMessage(sharedBuffer)). --threads or --processes picks one.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

#define WORKERS		4
#define INCREMENTS	10000

static void count(int32_t *counter, int index)
{
	int i;

	for (i = 0; i < INCREMENTS; i++)
		sabuf_add(counter, 1);
	printf("Worker %d completed %d increments\n", index, INCREMENTS);
}

struct worker_arg {
	int32_t *counter;
	int index;
};

static void *thread_main(void *arg)
{
	struct worker_arg *w = arg;

	count(w->counter, w->index);
	return NULL;
}

static int report(int32_t *counter)
{
	int32_t finalValue = sabuf_load(counter);

	printf("Expected: %d\n", WORKERS * INCREMENTS);
	printf("Actual: %d\n", finalValue);
	printf("Match: %s\n", finalValue == WORKERS * INCREMENTS ? "✓" : "✗");
	return finalValue == WORKERS * INCREMENTS ? 0 : 1;
}

static int with_threads(void)
{
	struct worker_arg args[WORKERS];
	pthread_t t[WORKERS];
	struct sabuf *sb;
	int32_t *counter;
	int i, ret;

	puts("-- 4 threads, one buffer --");
	must(sabuf_create(4, &sb), "sabuf_create");
	counter = sabuf_data(sb);
	sabuf_store(counter, 0);
	for (i = 0; i < WORKERS; i++) {
		args[i] = (struct worker_arg){ counter, i };
		pthread_create(&t[i], NULL, thread_main, &args[i]);
	}
	for (i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	ret = report(counter);
	sabuf_destroy(sb);
	return ret;
}

static int with_processes(void)
{
	pid_t pids[WORKERS];
	struct sabuf *sb;
	int32_t *counter;
	int i, ret;

	puts("-- 4 processes, each given the buffer over a Unix socket --");
	must(sabuf_create(4, &sb), "sabuf_create");
	counter = sabuf_data(sb);
	sabuf_store(counter, 0);
	for (i = 0; i < WORKERS; i++)
		pids[i] = spawn_worker(sb, "count", i);
	if (wait_workers(pids, WORKERS))
		fprintf(stderr, "a worker failed\n");
	ret = report(counter);
	sabuf_destroy(sb);
	return ret;
}

int main(int argc, char **argv)
{
	int modes, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (is_worker(argc, argv)) {
		struct sabuf *sb = worker_receive();

		count(sabuf_data(sb), worker_index(argv));
		sabuf_destroy(sb);
		return 0;
	}
	modes = modes_from_args(argc, argv);
	if (modes & THREADS)
		failed |= with_threads();
	if (modes & PROCESSES) {
		if (modes & THREADS)
			putchar('\n');
		failed |= with_processes();
	}
	return failed;
}
