// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_wait_any (DESIGN.md, "Waiting on any of N words"): the item whose
 * notify woke the caller, counted by that notify alone (the caller leaves
 * every other queue at once); the lowest item already not equal; a FIFO
 * place in each queue; items from two buffers, 32- and 64-bit mixed; the
 * maximum of 128 items; timeouts; every argument error; and a torture of
 * racing notifies in which every wake-up is counted exactly once.
 */
#include "lib_test.h"

struct words {
	int32_t w32[256];
	int64_t w64[64];
};

FIXTURE(any) {
	struct sabuf *sb, *sb2;
	struct words *a, *b;
};

FIXTURE_SETUP(any)
{
	CREATE_OR_SKIP(4096, &self->sb);
	CREATE_OR_SKIP(4096, &self->sb2);
	self->a = sabuf_data(self->sb);
	self->b = sabuf_data(self->sb2);
}

FIXTURE_TEARDOWN(any)
{
	sabuf_destroy(self->sb);
	sabuf_destroy(self->sb2);
}

struct anywaiter {
	struct sabuf_wait_item items[SABUF_WAIT_ANY_MAX];
	unsigned int n, which;
	int64_t timeout_ns;
	int ret, done;
	pthread_t thread;
};

static void *any_main(void *arg)
{
	struct anywaiter *w = arg;

	w->ret = sabuf_wait_any(w->items, w->n, w->timeout_ns, &w->which);
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int start(struct anywaiter *w)
{
	w->done = 0;
	if (pthread_create(&w->thread, NULL, any_main, w))
		return -1;
	sleep_ms(100);	/* long enough to be queued under TCG */
	return __atomic_load_n(&w->done, __ATOMIC_SEQ_CST) ? -1 : 0;
}

static struct sabuf_wait_item item32(struct sabuf *sb, int32_t *p)
{
	return (struct sabuf_wait_item){ .sb = sb, .addr = p, .expected = *p, .size = 4 };
}

static struct sabuf_wait_item item64(struct sabuf *sb, int64_t *p)
{
	return (struct sabuf_wait_item){ .sb = sb, .addr = p, .expected = *p, .size = 8 };
}

TEST_F(any, notify_of_one_item_wakes_and_only_it_counts)
{
	struct anywaiter w = { .n = 4, .timeout_ns = 10 * NSEC_PER_SEC };

	for (int i = 0; i < 4; i++)
		w.items[i] = item32(self->sb, &self->a->w32[i]);
	ASSERT_EQ(0, start(&w));
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->a->w32[2], 1));
	ASSERT_EQ(0, join_within(w.thread, 10000));
	EXPECT_EQ(SABUF_OK, w.ret);
	EXPECT_EQ(2u, w.which);
	/* it left the other queues: nobody is counted there */
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, sabuf_notify(self->sb, &self->a->w32[i], SABUF_ALL));
}

TEST_F(any, lowest_not_equal_item)
{
	struct sabuf_wait_item items[4];
	unsigned int which = 99;

	for (int i = 0; i < 4; i++)
		items[i] = item32(self->sb, &self->a->w32[i]);
	items[3].expected = 5;
	items[2].expected = 7;
	EXPECT_EQ(SABUF_NOT_EQUAL, sabuf_wait_any(items, 4, SABUF_FOREVER, &which));
	EXPECT_EQ(2u, which);
}

/* Items from two buffers, 32- and 64-bit mixed. */
TEST_F(any, items_from_two_buffers)
{
	struct anywaiter w = { .n = 3, .timeout_ns = 10 * NSEC_PER_SEC };

	w.items[0] = item32(self->sb, &self->a->w32[10]);
	w.items[1] = item64(self->sb2, &self->b->w64[3]);
	w.items[2] = item64(self->sb, &self->a->w64[1]);
	ASSERT_EQ(0, start(&w));
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->a->w64[3], 1));	/* same offset, other buffer */
	EXPECT_EQ(1, sabuf_notify(self->sb2, &self->b->w64[3], 1));
	ASSERT_EQ(0, join_within(w.thread, 10000));
	EXPECT_EQ(SABUF_OK, w.ret);
	EXPECT_EQ(1u, w.which);
}

struct plain {
	struct sabuf *sb;
	int32_t *word;
	int ret, done;
};

static void *plain_main(void *arg)
{
	struct plain *p = arg;

	p->ret = sabuf_wait32(p->sb, p->word, 0, 10 * NSEC_PER_SEC);
	__atomic_store_n(&p->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* The wait-any keeps its FIFO place: queued first, woken first. */
TEST_F(any, fifo_place_in_each_queue)
{
	struct anywaiter w = { .n = 2, .timeout_ns = 10 * NSEC_PER_SEC };
	struct plain p = { .sb = self->sb, .word = &self->a->w32[21] };
	pthread_t t;

	w.items[0] = item32(self->sb, &self->a->w32[20]);
	w.items[1] = item32(self->sb, &self->a->w32[21]);
	ASSERT_EQ(0, start(&w));
	ASSERT_EQ(0, pthread_create(&t, NULL, plain_main, &p));
	sleep_ms(100);
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->a->w32[21], 1));
	ASSERT_EQ(0, join_within(w.thread, 10000));
	EXPECT_EQ(1u, w.which);
	sleep_ms(50);
	EXPECT_FALSE(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST));
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->a->w32[21], 1));
	ASSERT_EQ(0, join_within(t, 10000));
	EXPECT_EQ(SABUF_OK, p.ret);
}

TEST_F(any, timeouts)
{
	struct sabuf_wait_item items[2] = {
		item32(self->sb, &self->a->w32[30]), item64(self->sb, &self->a->w64[30]),
	};
	unsigned int which;
	int64_t t0 = now_ns();

	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait_any(items, 2, 0, &which));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait_any(items, 2, -1, &which));
	t0 = now_ns();
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait_any(items, 2, 30 * NSEC_PER_MSEC, &which));
	EXPECT_LE(30 * NSEC_PER_MSEC, now_ns() - t0);
	/* nothing left queued */
	EXPECT_EQ(0, sabuf_notify(self->sb, &self->a->w32[30], SABUF_ALL));
}

TEST_F(any, the_maximum_of_128_items)
{
	struct anywaiter w = { .n = SABUF_WAIT_ANY_MAX, .timeout_ns = 10 * NSEC_PER_SEC };

	for (unsigned int i = 0; i < SABUF_WAIT_ANY_MAX; i++)
		w.items[i] = item32(self->sb, &self->a->w32[i]);
	ASSERT_EQ(0, start(&w));
	EXPECT_EQ(1, sabuf_notify(self->sb, &self->a->w32[127], 1));
	ASSERT_EQ(0, join_within(w.thread, 10000));
	EXPECT_EQ(127u, w.which);
}

TEST_F(any, argument_errors)
{
	struct sabuf_wait_item items[SABUF_WAIT_ANY_MAX + 1];
	int32_t outside = 0;
	unsigned int which;

	for (unsigned int i = 0; i <= SABUF_WAIT_ANY_MAX; i++)
		items[i] = item32(self->sb, &self->a->w32[i % 256]);
	EXPECT_EQ(-EINVAL, sabuf_wait_any(items, 0, 0, &which));
	EXPECT_EQ(-EINVAL, sabuf_wait_any(items, SABUF_WAIT_ANY_MAX + 1, 0, &which));
	items[1].size = 2;
	EXPECT_EQ(-EINVAL, sabuf_wait_any(items, 2, 0, &which));
	items[1] = item64(self->sb, (int64_t *)&self->a->w32[1]);	/* misaligned */
	EXPECT_EQ(-EINVAL, sabuf_wait_any(items, 2, 0, &which));
	items[1] = item32(self->sb, &outside);
	EXPECT_EQ(-ERANGE, sabuf_wait_any(items, 2, 0, &which));
	items[1] = item32(NULL, &self->a->w32[1]);
	EXPECT_EQ(-EINVAL, sabuf_wait_any(items, 2, 0, &which));
	items[1] = item32(self->sb, &self->a->w32[1]);
	items[1].expected = (int64_t)INT32_MAX + 1;
	EXPECT_EQ(-EINVAL, sabuf_wait_any(items, 2, 0, &which));
}

/*
 * Racing notifies: W waiters each wait on the same 4 words; notifier
 * threads notify random words with count 1. Every wake-up a notify
 * reports is a waiter that returned SABUF_OK, exactly: none lost, none
 * counted twice (by two queues).
 */
struct torture {
	struct sabuf *sb;
	struct words *a;
	int stop;
	int64_t notified;	/* sum of notify results */
	int64_t woke;		/* waiter returns with SABUF_OK */
	int64_t bad;
};

static void *t_waiter(void *arg)
{
	struct torture *t = arg;
	struct sabuf_wait_item items[4];
	unsigned int which;

	while (!__atomic_load_n(&t->stop, __ATOMIC_SEQ_CST)) {
		for (int i = 0; i < 4; i++)
			items[i] = (struct sabuf_wait_item){ t->sb, &t->a->w32[100 + i], 0, 4 };
		int r = sabuf_wait_any(items, 4, 200 * NSEC_PER_MSEC, &which);

		if (r == SABUF_OK)
			__atomic_fetch_add(&t->woke, 1, __ATOMIC_SEQ_CST);
		else if (r != SABUF_TIMED_OUT || which > 3)
			__atomic_fetch_add(&t->bad, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void *t_notifier(void *arg)
{
	struct torture *t = arg;
	uint64_t seed = (uint64_t)(uintptr_t)&seed;

	while (!__atomic_load_n(&t->stop, __ATOMIC_SEQ_CST)) {
		int r;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = sabuf_notify(t->sb, &t->a->w32[100 + (seed >> 60) % 4], 1);
		if (r > 0)
			__atomic_fetch_add(&t->notified, r, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

TEST_F_TIMEOUT(any, racing_notifies_count_each_wakeup_once, 120)
{
	struct torture t = { .sb = self->sb, .a = self->a };
	pthread_t w[6], n[2];

	for (int i = 0; i < 6; i++)
		ASSERT_EQ(0, pthread_create(&w[i], NULL, t_waiter, &t));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&n[i], NULL, t_notifier, &t));
	sleep_ms(3000);
	__atomic_store_n(&t.stop, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 2; i++)
		pthread_join(n[i], NULL);
	/* wake whoever still sleeps, counting it too */
	for (int i = 0; i < 4; i++)
		t.notified += sabuf_notify(self->sb, &self->a->w32[100 + i], SABUF_ALL);
	for (int i = 0; i < 6; i++)
		ASSERT_EQ(0, join_within(w[i], 10000));
	EXPECT_EQ(0, t.bad);
	EXPECT_LT(0, t.woke);
	EXPECT_EQ(t.notified, t.woke) TH_LOG("notifies counted %lld, waiters woke %lld",
					     (long long)t.notified, (long long)t.woke);
}

TEST_HARNESS_MAIN
