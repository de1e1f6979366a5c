// SPDX-License-Identifier: MIT
/*
 * producer_consumer: the seed's wait/notify example.
 *
 *   int32[0] = the data, int32[1] = the ready flag (0 not ready, 1 ready)
 *
 * The consumer sleeps in sabuf_wait32(&int32[1], 0) (Atomics.wait) while
 * the flag is 0. The producer stores the data, then the flag, then calls
 * sabuf_notify(&int32[1], 1) (Atomics.notify). Stores are sequentially
 * consistent, so a consumer that sees the flag also sees the data.
 *
 * The consumer loops on the flag, as real code must: if the producer was
 * first, the wait answers "not-equal" at once instead of "ok".
 *
 * Runs with a consumer thread, then with a consumer process that received
 * the buffer over a Unix socket. --threads or --processes picks one.
 */
#include <pthread.h>
#include <stdio.h>

#include "common.h"

static const char *result_name(int result)
{
	switch (result) {
	case SABUF_OK:		return "ok";
	case SABUF_NOT_EQUAL:	return "not-equal";
	case SABUF_TIMED_OUT:	return "timed-out";
	default:		return "error";
	}
}

static int consume(struct sabuf *sb)
{
	int32_t *int32 = sabuf_data(sb);
	int result = SABUF_NOT_EQUAL;

	printf("Consumer: Waiting for data\n");
	while (sabuf_load(&int32[1]) == 0) {
		/* sleeps only while the flag is still 0 */
		result = sabuf_wait32(sb, &int32[1], 0, SABUF_FOREVER);
		if (result < 0)
			return must(result, "sabuf_wait32");
	}
	printf("Consumer: wait said \"%s\"\n", result_name(result));
	printf("Consumer: Received data: %d\n", sabuf_load(&int32[0]));
	return sabuf_load(&int32[0]) == 42 ? 0 : 1;
}

static void produce(struct sabuf *sb)
{
	int32_t *int32 = sabuf_data(sb);
	int woken;

	sleep_ms(300);		/* the seed's setTimeout(..., 2000), shorter */
	printf("Producer: Creating data\n");
	sabuf_store(&int32[0], 42);	/* the data */
	sabuf_store(&int32[1], 1);	/* the ready flag */
	woken = must(sabuf_notify(sb, &int32[1], 1), "sabuf_notify");
	printf("Producer: Notified consumer (%d woken)\n", woken);
}

static void *consumer_thread(void *arg)
{
	return (void *)(intptr_t)consume(arg);
}

static int with_threads(void)
{
	struct sabuf *sb;
	pthread_t t;
	void *failed;

	puts("-- consumer thread --");
	must(sabuf_create(8, &sb), "sabuf_create");
	pthread_create(&t, NULL, consumer_thread, sb);
	produce(sb);
	pthread_join(t, &failed);
	sabuf_destroy(sb);
	return failed != NULL;
}

static int with_processes(void)
{
	struct sabuf *sb;
	pid_t pid;
	int failed;

	puts("-- consumer process (got the buffer over a Unix socket) --");
	must(sabuf_create(8, &sb), "sabuf_create");
	pid = spawn_worker(sb, "consumer", 0);
	produce(sb);
	failed = wait_workers(&pid, 1);
	sabuf_destroy(sb);
	return failed;
}

int main(int argc, char **argv)
{
	int modes, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (is_worker(argc, argv)) {
		struct sabuf *sb = worker_receive();

		failed = consume(sb);
		sabuf_destroy(sb);
		return failed;
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
