// SPDX-License-Identifier: GPL-2.0
/*
 * The seed's counter: 4 threads, or 4 processes, each add 1 to one word of
 * the buffer 10000 times with __atomic builtins; the word ends at exactly
 * 40000. The processes map the buffer themselves after fork, so a mapping
 * that was not really shared would leave them counting on private copies.
 * Everyone starts together: they wait on a "go" word until the test
 * stores 1 there and notifies them all.
 */
#include "sabuf_test.h"

#define WORKERS		4
#define INCREMENTS	10000
#define GO		0	/* u32: 0 until the start */
#define COUNTER		64	/* the counter, 32 or 64 bits */

FIXTURE(seed) {
	struct sabuf_t_buf b;
};

FIXTURE_VARIANT(seed) {
	unsigned int size;
};

FIXTURE_VARIANT_ADD(seed, u32) { .size = 4 };
FIXTURE_VARIANT_ADD(seed, u64) { .size = 8 };

FIXTURE_SETUP(seed)
{
	SABUF_T_BUF_NEW(&self->b, sabuf_t_page_size());
}

FIXTURE_TEARDOWN(seed)
{
	sabuf_t_buf_free(&self->b);
}

/* Wait for the go word, then count. 0, or -errno of a failed wait. */
static int count_up(int fd, uint8_t *data, unsigned int size)
{
	uint32_t *go = (uint32_t *)(data + GO);

	while (!__atomic_load_n(go, __ATOMIC_SEQ_CST)) {
		int ret = sabuf_t_wait32(fd, GO, 0, -1);

		if (ret && ret != -EAGAIN)
			return ret;
	}
	for (int i = 0; i < INCREMENTS; i++) {
		if (size == 4)
			__atomic_fetch_add((uint32_t *)(data + COUNTER), 1, __ATOMIC_SEQ_CST);
		else
			__atomic_fetch_add((sabuf_t_u64_word *)(data + COUNTER), 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

static uint64_t counter_value(const struct sabuf_t_buf *b, unsigned int size)
{
	if (size == 4)
		return __atomic_load_n(sabuf_t_u32(b, COUNTER), __ATOMIC_SEQ_CST);
	return __atomic_load_n(sabuf_t_u64(b, COUNTER), __ATOMIC_SEQ_CST);
}

static void start_everyone(struct __test_metadata *_metadata, const struct sabuf_t_buf *b)
{
	int ret;

	__atomic_store_n(sabuf_t_u32(b, GO), 1, __ATOMIC_SEQ_CST);
	ret = sabuf_t_notify(b->fd, GO, SABUF_NOTIFY_ALL);
	ASSERT_LE(0, ret);
	ASSERT_GE(WORKERS, ret);
}

struct worker {
	pthread_t thread;
	const struct sabuf_t_buf *b;
	unsigned int size;
	int ret;
};

static void *worker_thread(void *arg)
{
	struct worker *w = arg;

	w->ret = count_up(w->b->fd, w->b->data, w->size);
	return NULL;
}

TEST_F(seed, four_threads_count_to_40000)
{
	struct worker w[WORKERS];

	for (int i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){ .b = &self->b, .size = variant->size };
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, worker_thread, &w[i]));
	}
	start_everyone(_metadata, &self->b);
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(w[i].thread, NULL);
		ASSERT_EQ(0, w[i].ret) TH_LOG("worker %d", i);
	}
	ASSERT_EQ((uint64_t)WORKERS * INCREMENTS, counter_value(&self->b, variant->size));
}

TEST_F(seed, four_processes_count_to_40000)
{
	pid_t child[WORKERS];

	for (int i = 0; i < WORKERS; i++) {
		child[i] = fork();
		ASSERT_LE(0, child[i]);
		if (child[i] == 0) {
			void *m;

			/* Drop the inherited mapping and map the buffer anew. */
			munmap(self->b.data, self->b.info.map_length);
			if (sabuf_t_mmap(&m, self->b.fd, self->b.info.map_length,
					 PROT_READ | PROT_WRITE, MAP_SHARED, 0))
				_exit(100);
			_exit(sabuf_t_exit_code(count_up(self->b.fd, m, variant->size)));
		}
	}
	start_everyone(_metadata, &self->b);
	for (int i = 0; i < WORKERS; i++) {
		ASSERT_EQ(0, sabuf_t_reap(child[i])) TH_LOG("worker %d", i);
	}
	ASSERT_EQ((uint64_t)WORKERS * INCREMENTS, counter_value(&self->b, variant->size));
}

TEST_HARNESS_MAIN
