// SPDX-License-Identifier: MIT
/*
 * shared_config: the seed's "shared state management". One buffer holds
 * a configuration that the main process changes while workers run:
 *
 *   config[0] = max workers     config[2] = timeout (ms)
 *   config[1] = batch size      config[3] = active workers count
 *   config[4] = version: bumped after every change, and notified, so
 *               sleeping workers wake up and see the change at once
 *   config[5] = stop flag
 *
 * Workers read config[1] before every batch with sabuf_load(); between
 * batches they sleep in sabuf_wait32() on the version word, which doubles
 * as "sleep 30 ms, but wake me early if the configuration changes".
 *
 * Runs with worker threads, then with worker processes that received the
 * buffer over a Unix socket. --threads or --processes picks one.
 */
#include <pthread.h>
#include <stdio.h>

#include "common.h"

enum { MAX_WORKERS, BATCH_SIZE, TIMEOUT, ACTIVE, VERSION, STOP, FIELDS };

static int work(struct sabuf *sb, int index)
{
	uint32_t *config = sabuf_data(sb);
	uint32_t seen_batch = 0, batches = 0, items = 0;

	sabuf_add(&config[ACTIVE], 1);
	while (!sabuf_load(&config[STOP])) {
		uint32_t version = sabuf_load(&config[VERSION]);
		uint32_t batch = sabuf_load(&config[BATCH_SIZE]);

		if (batch != seen_batch) {
			printf("  worker %d: batch size is %u (after %u batches)\n",
			       index, batch, batches);
			seen_batch = batch;
		}
		batches++;
		items += batch;		/* "process" one batch */
		/* until the next batch, or until the configuration changes */
		sabuf_wait32(sb, (int32_t *)&config[VERSION], (int32_t)version,
			     30 * 1000000LL);
	}
	printf("  worker %d: stopping: %u batches, %u items\n", index,
	       batches, items);
	sabuf_sub(&config[ACTIVE], 1);
	return 0;
}

/* Change one field, then bump the version and wake every worker. */
static void change(struct sabuf *sb, int field, uint32_t value)
{
	uint32_t *config = sabuf_data(sb);

	sabuf_store(&config[field], value);
	sabuf_add(&config[VERSION], 1);
	sabuf_notify(sb, &config[VERSION], SABUF_ALL);
}

static void run_main(struct sabuf *sb)
{
	uint32_t *config = sabuf_data(sb);
	int64_t until = monotonic_ns() + 5000000000LL;

	while (sabuf_load(&config[ACTIVE]) < sabuf_load(&config[MAX_WORKERS]) &&
	       monotonic_ns() < until)
		sleep_ms(5);
	printf("main: %u workers active, batch size %u, timeout %u ms\n",
	       sabuf_load(&config[ACTIVE]), sabuf_load(&config[BATCH_SIZE]),
	       sabuf_load(&config[TIMEOUT]));
	sleep_ms(200);
	printf("main: changing batch size to 200\n");
	change(sb, BATCH_SIZE, 200);	/* Atomics.store(config, 1, 200) */
	sleep_ms(200);
	printf("main: changing batch size to 50\n");
	change(sb, BATCH_SIZE, 50);
	sleep_ms(200);
	printf("main: stop\n");
	change(sb, STOP, 1);
}

static struct sabuf *new_config(void)
{
	struct sabuf *sb;
	uint32_t *config;

	must(sabuf_create(1024, &sb), "sabuf_create");
	config = sabuf_data(sb);
	sabuf_store(&config[MAX_WORKERS], 4);
	sabuf_store(&config[BATCH_SIZE], 100);
	sabuf_store(&config[TIMEOUT], 5000);
	return sb;
}

struct worker_arg {
	struct sabuf *sb;
	int index;
};

static void *thread_main(void *arg)
{
	struct worker_arg *w = arg;

	work(w->sb, w->index);
	return NULL;
}

static int with_threads(void)
{
	struct sabuf *sb = new_config();
	struct worker_arg args[4];
	pthread_t t[4];
	int i;

	puts("-- 4 worker threads --");
	for (i = 0; i < 4; i++) {
		args[i] = (struct worker_arg){ sb, i };
		pthread_create(&t[i], NULL, thread_main, &args[i]);
	}
	run_main(sb);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("main: active workers now %u\n",
	       sabuf_load(&((uint32_t *)sabuf_data(sb))[ACTIVE]));
	sabuf_destroy(sb);
	return 0;
}

static int with_processes(void)
{
	struct sabuf *sb = new_config();
	pid_t pids[4];
	int i, failed;

	puts("-- 4 worker processes (each got the buffer over a Unix socket) --");
	for (i = 0; i < 4; i++)
		pids[i] = spawn_worker(sb, "worker", i);
	run_main(sb);
	failed = wait_workers(pids, 4);
	printf("main: active workers now %u\n",
	       sabuf_load(&((uint32_t *)sabuf_data(sb))[ACTIVE]));
	sabuf_destroy(sb);
	return failed;
}

int main(int argc, char **argv)
{
	int modes, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (is_worker(argc, argv)) {
		struct sabuf *sb = worker_receive();

		failed = work(sb, worker_index(argv));
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
