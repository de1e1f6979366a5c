// SPDX-License-Identifier: MIT
/*
 * progress: the seed's "progress tracking". Workers take items from a
 * shared queue position and count them done or failed; the main program
 * draws the progress live: a bar redrawn in place on a terminal, plain
 * "Progress: 4500/10000 (121 failed)" lines when stdout is not a terminal.
 *
 *   progress[0] = total items       progress[2] = failed items
 *   progress[1] = completed items   progress[3] = next item to take
 *   progress[4] = finished flag: the last worker sets it and notifies, so
 *                 the monitor's sleep between frames (a timed
 *                 sabuf_wait32) ends at once when the work is done
 *
 * Runs with worker threads, then with worker processes that received the
 * buffer over a Unix socket. --threads or --processes picks one.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define TOTAL		10000
#define WORKERS		4

enum { TOTAL_ITEMS, COMPLETED, FAILED, NEXT, FINISHED };

/* One "item": every 3rd waits 1 ms (as if on I/O); every 37th fails. */
static int process_item(uint32_t item)
{
	struct timespec ts = { 0, 1000000 };

	if (item % 3 == 0)
		nanosleep(&ts, NULL);
	return item % 37 == 0 ? -1 : 0;
}

static void work(struct sabuf *sb)
{
	uint32_t *progress = sabuf_data(sb);
	uint32_t total = sabuf_load(&progress[TOTAL_ITEMS]);

	for (;;) {
		uint32_t item = sabuf_add(&progress[NEXT], 1);

		if (item >= total)
			break;
		if (process_item(item))
			sabuf_add(&progress[FAILED], 1);
		/* completed counts every item handled, failed ones included */
		if (sabuf_add(&progress[COMPLETED], 1) + 1 == total) {
			sabuf_store(&progress[FINISHED], 1);
			sabuf_notify(sb, &progress[FINISHED], 1);
		}
	}
}

static void draw(uint32_t completed, uint32_t total, uint32_t failed,
		 int on_terminal)
{
	if (on_terminal) {
		int width = 40, filled = (int)((uint64_t)completed * width / total);

		printf("\r[%.*s%*s] %3u%% %u/%u (%u failed)", filled,
		       "########################################",
		       width - filled, "", (unsigned)((uint64_t)completed * 100 / total),
		       completed, total, failed);
		fflush(stdout);
	} else {
		printf("Progress: %u/%u (%u failed)\n", completed, total, failed);
	}
}

/* The seed's setInterval(..., 1000) monitor: a frame every 100 ms on a
 * terminal, a line every 250 ms otherwise. */
static void monitor(struct sabuf *sb)
{
	uint32_t *progress = sabuf_data(sb);
	int on_terminal = isatty(STDOUT_FILENO);
	int64_t start = monotonic_ns();

	while (!sabuf_load(&progress[FINISHED])) {
		draw(sabuf_load(&progress[COMPLETED]),
		     sabuf_load(&progress[TOTAL_ITEMS]),
		     sabuf_load(&progress[FAILED]), on_terminal);
		/* sleep until the next frame, or until the work is done */
		sabuf_wait32(sb, (int32_t *)&progress[FINISHED], 0,
			     on_terminal ? 100000000 : 250000000);
	}
	draw(sabuf_load(&progress[COMPLETED]), sabuf_load(&progress[TOTAL_ITEMS]),
	     sabuf_load(&progress[FAILED]), on_terminal);
	if (on_terminal)
		putchar('\n');
	printf("Done in %.2f s\n", (monotonic_ns() - start) / 1e9);
}

static struct sabuf *new_progress(void)
{
	struct sabuf *sb;

	must(sabuf_create(32, &sb), "sabuf_create");
	sabuf_store(&((uint32_t *)sabuf_data(sb))[TOTAL_ITEMS], TOTAL);
	return sb;
}

static void *thread_main(void *arg)
{
	work(arg);
	return NULL;
}

static int with_threads(void)
{
	struct sabuf *sb = new_progress();
	pthread_t t[WORKERS];
	int i;

	puts("-- 4 worker threads --");
	for (i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, thread_main, sb);
	monitor(sb);
	for (i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	sabuf_destroy(sb);
	return 0;
}

static int with_processes(void)
{
	struct sabuf *sb = new_progress();
	pid_t pids[WORKERS];
	int i, failed;

	puts("-- 4 worker processes (each got the buffer over a Unix socket) --");
	for (i = 0; i < WORKERS; i++)
		pids[i] = spawn_worker(sb, "worker", i);
	monitor(sb);
	failed = wait_workers(pids, WORKERS);
	sabuf_destroy(sb);
	return failed;
}

int main(int argc, char **argv)
{
	int modes, failed = 0;

	if (is_worker(argc, argv)) {
		struct sabuf *sb = worker_receive();

		work(sb);
		sabuf_destroy(sb);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
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
