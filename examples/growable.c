// SPDX-License-Identifier: MIT
/*
 * growable: an append-only log in a growable buffer (ES2024's
 * new SharedArrayBuffer(len, { maxByteLength }) and sab.grow()).
 *
 * The buffer starts as just its header and may grow to 1 MiB. Producers
 * append records: each reserves a range with one atomic add, grows the
 * buffer to cover it (sabuf_grow; -EINVAL means another producer already
 * grew past it, which is just as good), writes the record and then
 * publishes its length word, and wakes the readers. Readers follow the
 * log: sabuf_byte_length() tells them how far the buffer reaches now,
 * read from a page the kernel shares, so learning the new length costs
 * no system call; a record whose length word is still 0 is being
 * written, and they wait for the next one.
 *
 *   header:  int64 reserved     bytes reserved after the header so far
 *            int32 published    records published (readers wait on it)
 *            int32 finished     producers that are done
 *   record:  int32 length       payload bytes; 0 = not written yet
 *            int32 producer, int32 seq, payload (length bytes, padded to 4)
 *
 * sabuf_data() never moves while the buffer grows: every mapping spans
 * the maximum from the start, so pointers into the log stay valid.
 *
 * Runs with threads, then with processes that got the buffer over a Unix
 * socket. --threads or --processes picks one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

#define MAX_LENGTH	(1 << 20)
#define PRODUCERS	3
#define READERS		2
#define RECORDS		400		/* per producer */

struct header {
	int64_t reserved;
	int32_t published;
	int32_t finished;
};

struct record {
	int32_t length;
	int32_t producer;
	int32_t seq;
	unsigned char payload[];
};

#define LOG_START	((size_t)sizeof(struct header))

static size_t record_size(size_t payload)
{
	return (sizeof(struct record) + payload + 3) & ~(size_t)3;
}

static unsigned char pattern(int producer, int seq, size_t i)
{
	return (unsigned char)(producer * 31 + seq * 7 + i);
}

static int produce(struct sabuf *sb, int me)
{
	unsigned char *log = sabuf_data(sb);
	struct header *h = (struct header *)log;
	int seq;

	for (seq = 0; seq < RECORDS; seq++) {
		size_t payload = 8 + (size_t)(seq * 13 + me * 5) % 200;
		size_t size = record_size(payload);
		size_t at = LOG_START + (size_t)sabuf_add(&h->reserved, (int64_t)size);
		struct record *r = (struct record *)(log + at);
		size_t i;
		int ret;

		/* make [at, at + size) exist; -EINVAL: someone grew further */
		ret = sabuf_grow(sb, at + size);
		if (ret < 0 && ret != -EINVAL)
			return must(ret, "sabuf_grow");
		r->producer = me;
		r->seq = seq;
		for (i = 0; i < payload; i++)
			r->payload[i] = pattern(me, seq, i);
		sabuf_store(&r->length, (int32_t)payload);	/* publish */
		sabuf_add(&h->published, 1);
		sabuf_notify(sb, &h->published, SABUF_ALL);
		if (seq % 40 == 39)
			sleep_ms(2);	/* let the readers watch it grow */
	}
	sabuf_add(&h->finished, 1);
	sabuf_add(&h->published, 1);	/* a change for sleeping readers */
	sabuf_notify(sb, &h->published, SABUF_ALL);
	return 0;
}

static int follow(struct sabuf *sb, int me)
{
	unsigned char *log = sabuf_data(sb);
	struct header *h = (struct header *)log;
	int next_seq[PRODUCERS] = { 0 };
	size_t pos = LOG_START, milestone = 64 * 1024;
	int records = 0, bad = 0;

	for (;;) {
		/* how far the log reaches now: no system call */
		size_t length = sabuf_byte_length(sb);
		int32_t published = sabuf_load(&h->published);
		int finished = sabuf_load(&h->finished) == PRODUCERS;

		while (pos + sizeof(struct record) <= length) {
			struct record *r = (struct record *)(log + pos);
			int32_t payload = sabuf_load(&r->length);
			int32_t i;

			if (payload == 0)
				break;		/* reserved, still being written */
			if (r->producer < 0 || r->producer >= PRODUCERS ||
			    r->seq != next_seq[r->producer]) {
				bad++;
			} else {
				for (i = 0; i < payload; i++)
					if (r->payload[i] != pattern(r->producer, r->seq, (size_t)i))
						break;
				bad += i != payload;
				next_seq[r->producer]++;
			}
			records++;
			pos += record_size((size_t)payload);
		}
		if (length >= milestone) {
			printf("  reader %d: sees the log at %zu bytes (no system call), %d records read\n",
			       me, length, records);
			while (milestone <= length)
				milestone *= 2;
		}
		if (finished && pos >= LOG_START + (size_t)sabuf_load(&h->reserved))
			break;
		/* until the next record is published */
		sabuf_wait32(sb, &h->published, published, 100 * 1000000LL);
	}
	printf("  reader %d: %d records from %d producers, %s; log %zu of %zu bytes\n",
	       me, records, PRODUCERS, bad ? "SOME DAMAGED" : "all intact, in order",
	       sabuf_byte_length(sb), sabuf_max_byte_length(sb));
	return bad || records != PRODUCERS * RECORDS;
}

static int role_main(struct sabuf *sb, const char *role, int index)
{
	return strcmp(role, "producer") == 0 ? produce(sb, index) : follow(sb, index);
}

static struct sabuf *new_log(void)
{
	struct sabuf *sb;

	/* new SharedArrayBuffer(16, { maxByteLength: 1 MiB }) */
	must(sabuf_create_growable(LOG_START, MAX_LENGTH, &sb), "sabuf_create_growable");
	printf("log: %zu bytes now (the header), growable (%s) up to %zu\n",
	       sabuf_byte_length(sb), sabuf_is_growable(sb) ? "yes" : "no",
	       sabuf_max_byte_length(sb));
	return sb;
}

static int report(struct sabuf *sb, void *data_before)
{
	printf("log: %zu bytes at the end; sabuf_data() %s\n", sabuf_byte_length(sb),
	       sabuf_data(sb) == data_before ? "never moved" : "MOVED");
	return sabuf_data(sb) != data_before;
}

struct thread_arg {
	struct sabuf *sb;
	const char *role;
	int index, result;
};

static void *thread_main(void *arg)
{
	struct thread_arg *t = arg;

	t->result = role_main(t->sb, t->role, t->index);
	return NULL;
}

static int with_threads(void)
{
	struct thread_arg args[PRODUCERS + READERS];
	pthread_t t[PRODUCERS + READERS];
	struct sabuf *sb;
	void *data;
	int i, failed = 0;

	printf("-- %d producer threads, %d reader threads --\n", PRODUCERS, READERS);
	sb = new_log();
	data = sabuf_data(sb);
	for (i = 0; i < PRODUCERS + READERS; i++) {
		args[i] = (struct thread_arg){ sb, i < READERS ? "reader" : "producer",
					       i < READERS ? i : i - READERS, 0 };
		pthread_create(&t[i], NULL, thread_main, &args[i]);
	}
	for (i = 0; i < PRODUCERS + READERS; i++) {
		pthread_join(t[i], NULL);
		failed |= args[i].result;
	}
	failed |= report(sb, data);
	sabuf_destroy(sb);
	return failed;
}

static int with_processes(void)
{
	pid_t pids[PRODUCERS + READERS];
	struct sabuf *sb;
	void *data;
	int i, failed;

	printf("-- %d producer processes, %d reader processes "
	       "(each got the buffer over a Unix socket) --\n", PRODUCERS, READERS);
	sb = new_log();
	data = sabuf_data(sb);
	for (i = 0; i < READERS; i++)
		pids[i] = spawn_worker(sb, "reader", i);
	for (i = 0; i < PRODUCERS; i++)
		pids[READERS + i] = spawn_worker(sb, "producer", i);
	failed = wait_workers(pids, PRODUCERS + READERS);
	failed |= report(sb, data);
	sabuf_destroy(sb);
	return failed;
}

int main(int argc, char **argv)
{
	int modes, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (is_worker(argc, argv)) {
		struct sabuf *sb = worker_receive();

		failed = role_main(sb, worker_role(argv), worker_index(argv));
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
