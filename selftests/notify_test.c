// SPDX-License-Identifier: GPL-2.0
/*
 * SABUF_IOC_NOTIFY: exact counts (0, 1, 2, more than queued, all), FIFO
 * order, a queue that stays intact when a waiter leaves from its middle,
 * and that plain atomic stores, adds, compare-exchanges and exchanges wake
 * nobody.
 *
 * To fix the order in which waiters queue, each is started only once the
 * one before it is asleep in the kernel (sabuf_t_waiter_start_queued()).
 */
#include "sabuf_test.h"

#define WORD 128
#define MAX_WAITERS 16

FIXTURE(notify) {
	struct sabuf_t_buf b;
	struct sabuf_t_waiter wt[MAX_WAITERS];
	struct sabuf_t_log log;
	int nr;
};

FIXTURE_SETUP(notify)
{
	SABUF_T_BUF_NEW(&self->b, sabuf_t_page_size());
	self->nr = 0;
}

FIXTURE_TEARDOWN(notify)
{
	sabuf_t_buf_free(&self->b);
}

/* Queue n more waiters at WORD (expecting 0, forever), one after the other. */
static int queue_waiters(FIXTURE_DATA(notify) *self, int n, int64_t timeout_ns)
{
	for (int i = 0; i < n; i++) {
		struct sabuf_t_waiter *wt = &self->wt[self->nr];
		int ret;

		*wt = (struct sabuf_t_waiter){
			.fd = self->b.fd, .id = self->nr, .log = &self->log,
			.args = sabuf_t_wait_args(4, WORD, 0, timeout_ns),
		};
		ret = sabuf_t_waiter_start_queued(&self->b, wt);
		if (ret)
			return ret;
		self->nr++;
	}
	return 0;
}

/* How many of the waiters have returned. */
static int nr_returned(FIXTURE_DATA(notify) *self)
{
	return (int)sabuf_t_log_len(&self->log);
}

/* Wait until exactly n waiters have returned, every one of them with 0. */
static void expect_woken(struct __test_metadata *_metadata, FIXTURE_DATA(notify) *self, int n)
{
	ASSERT_TRUE(SABUF_T_EVENTUALLY(nr_returned(self) >= n));
	ASSERT_EQ(n, nr_returned(self));
	for (int i = 0; i < self->nr; i++) {
		if (sabuf_t_waiter_done(&self->wt[i])) {
			ASSERT_EQ(0, self->wt[i].ret) TH_LOG("waiter %d", i);
		}
	}
}

TEST_F(notify, no_waiters_returns_0)
{
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, 2));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
}

TEST_F(notify, count_0_wakes_none)
{
	ASSERT_EQ(0, queue_waiters(self, 3, -1));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, 0));
	/* All three still queued: the next notify finds every one. */
	ASSERT_EQ(3, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
	expect_woken(_metadata, self, 3);
}

TEST_F(notify, count_1_wakes_one)
{
	ASSERT_EQ(0, queue_waiters(self, 3, -1));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	expect_woken(_metadata, self, 1);
	ASSERT_EQ(2, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
	expect_woken(_metadata, self, 3);
}

TEST_F(notify, count_2_wakes_two)
{
	ASSERT_EQ(0, queue_waiters(self, 4, -1));
	ASSERT_EQ(2, sabuf_t_notify(self->b.fd, WORD, 2));
	expect_woken(_metadata, self, 2);
	ASSERT_EQ(2, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
	expect_woken(_metadata, self, 4);
}

TEST_F(notify, count_above_queued_wakes_all_there_are)
{
	ASSERT_EQ(0, queue_waiters(self, 2, -1));
	ASSERT_EQ(2, sabuf_t_notify(self->b.fd, WORD, 10));
	expect_woken(_metadata, self, 2);
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, 10));
}

/* More waiters than the module may wake in one batch. */
TEST_F(notify, all_wakes_every_waiter)
{
	ASSERT_EQ(0, queue_waiters(self, MAX_WAITERS, -1));
	ASSERT_EQ(MAX_WAITERS, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
	expect_woken(_metadata, self, MAX_WAITERS);
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
}

/* A large count that is not SABUF_NOTIFY_ALL is just a large count. */
TEST_F(notify, count_all_but_one_wakes_every_waiter)
{
	ASSERT_EQ(0, queue_waiters(self, 3, -1));
	ASSERT_EQ(3, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL - 1));
	expect_woken(_metadata, self, 3);
}

/* Woken one at a time, the waiters come back in the order they queued. */
static void check_fifo(struct __test_metadata *_metadata, FIXTURE_DATA(notify) *self,
		       const int *expected_order, int n)
{
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1)) TH_LOG("notify %d", i);
		ASSERT_TRUE(SABUF_T_EVENTUALLY(nr_returned(self) >= i + 1));
		ASSERT_EQ(expected_order[i], self->log.ids[i]) TH_LOG("wake-up %d", i);
		ASSERT_EQ(0, self->wt[expected_order[i]].ret);
	}
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
}

TEST_F(notify, fifo_order_of_12_waiters)
{
	int order[12];

	for (int i = 0; i < 12; i++)
		order[i] = i;
	ASSERT_EQ(0, queue_waiters(self, 12, -1));
	check_fifo(_metadata, self, order, 12);
}

/* Woken two at a time, still oldest first. */
TEST_F(notify, fifo_order_in_pairs)
{
	ASSERT_EQ(0, queue_waiters(self, 8, -1));
	for (int i = 0; i < 8; i += 2) {
		int a, b;

		ASSERT_EQ(2, sabuf_t_notify(self->b.fd, WORD, 2));
		ASSERT_TRUE(SABUF_T_EVENTUALLY(nr_returned(self) >= i + 2));
		ASSERT_EQ(i + 2, nr_returned(self));
		a = self->log.ids[i];
		b = self->log.ids[i + 1];
		/* The pair's own order is up to the scheduler; which pair it is, is not. */
		ASSERT_EQ(2 * i + 1, a + b);
		ASSERT_TRUE((a == i || a == i + 1) && (b == i || b == i + 1));
	}
}

/*
 * A waiter that times out leaves from the middle of the queue: the others
 * keep their order and nobody is skipped or counted twice.
 */
TEST_F(notify, fifo_survives_a_timed_out_waiter)
{
	const int order[] = { 0, 1, 3, 4 };

	ASSERT_EQ(0, queue_waiters(self, 2, -1));
	ASSERT_EQ(0, queue_waiters(self, 1, SABUF_T_SEEN_ASLEEP_TIMEOUT_NS));	/* id 2 */
	ASSERT_EQ(0, queue_waiters(self, 2, -1));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_waiter_join(&self->wt[2]));
	ASSERT_EQ(1, nr_returned(self));
	self->log.len = self->log.reserved = 0;	/* only the notified ones from here */
	check_fifo(_metadata, self, order, 4);
}

/* A waiter requeued after a not-equal wait goes to the back. */
TEST_F(notify, newcomer_queues_behind)
{
	const int order[] = { 0, 1, 2 };

	ASSERT_EQ(0, queue_waiters(self, 2, -1));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_TRUE(SABUF_T_EVENTUALLY(nr_returned(self) == 1));
	ASSERT_EQ(0, self->log.ids[0]);
	ASSERT_EQ(0, queue_waiters(self, 1, -1));	/* id 2, behind 1 */
	self->log.len = self->log.reserved = 0;
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_TRUE(SABUF_T_EVENTUALLY(nr_returned(self) == 1));
	ASSERT_EQ(1, self->log.ids[0]);
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_TRUE(SABUF_T_EVENTUALLY(nr_returned(self) == 2));
	ASSERT_EQ(order[2], self->log.ids[1]);
}

/*
 * Changing the word with plain atomics wakes nobody: only a notify does.
 * After every kind of change the waiter is still asleep and still queued,
 * which the final notify proves by counting it.
 */
TEST_F(notify, atomics_without_notify_wake_nobody)
{
	uint32_t *word = sabuf_t_u32(&self->b, WORD);
	uint32_t expected = 1;

	ASSERT_EQ(0, queue_waiters(self, 1, -1));

	__atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(word, 5, __ATOMIC_SEQ_CST);
	expected = 6;
	ASSERT_TRUE(__atomic_compare_exchange_n(word, &expected, 9, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	__atomic_exchange_n(word, 0x12345678, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(word, 0x80000000u, __ATOMIC_SEQ_CST);
	word[1] = 0xffffffffu;			/* the neighbour, non-atomically */

	/* Give a (wrong) wake-up time to happen, then look. */
	sabuf_t_sleep_ms(200);
	ASSERT_FALSE(sabuf_t_waiter_done(&self->wt[0]));
	ASSERT_NE(0, sabuf_t_task_blocked(self->wt[0].tid));
	ASSERT_NE(0u, sabuf_t_counter(&self->b, WORD));

	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&self->wt[0]));
}

/* Notifying another index of the same buffer does not wake this one. */
TEST_F(notify, other_index_wakes_nobody_here)
{
	ASSERT_EQ(0, queue_waiters(self, 1, -1));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD + 4, SABUF_NOTIFY_ALL));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD - 4, SABUF_NOTIFY_ALL));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
	ASSERT_FALSE(sabuf_t_waiter_done(&self->wt[0]));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
	expect_woken(_metadata, self, 1);
}

/* A waiter in another process is woken, and counted, like a thread. */
TEST_F(notify, wakes_a_waiter_in_another_process)
{
	struct sabuf_wait w = sabuf_t_wait_args(4, WORD, 0, -1);
	pid_t child = sabuf_t_fork_waiter(self->b.fd, &w);

	ASSERT_LT(0, child);
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, child));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_reap(child));
}

TEST_HARNESS_MAIN
