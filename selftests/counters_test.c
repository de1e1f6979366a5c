// SPDX-License-Identifier: GPL-2.0
/*
 * The waiter counters page: the slot SABUF_COUNTER_SLOT(offset) is
 * non-zero exactly while a waiter of that index is queued, whatever way its
 * wait ends; the counters are the buffer's own; and the protocol libsabuf
 * builds on them (store, full fence, read the counter, skip the notify when
 * it is 0) never loses a wake-up.
 */
#include "sabuf_test.h"

#define WORD 64

FIXTURE(counters) {
	struct sabuf_t_buf b;
};

FIXTURE_SETUP(counters)
{
	SABUF_T_BUF_NEW(&self->b, 2 * sabuf_t_page_size());
}

FIXTURE_TEARDOWN(counters)
{
	sabuf_t_buf_free(&self->b);
}

/* Which slots are non-zero, as a count, and whether slot is one of them. */
static unsigned int nonzero_slots(const struct sabuf_t_buf *b, uint32_t slot, bool *slot_set)
{
	unsigned int n = 0;

	*slot_set = false;
	for (uint32_t i = 0; i < b->info.counters_slots; i++) {
		if (__atomic_load_n(&b->counters[i], __ATOMIC_SEQ_CST)) {
			n++;
			if (i == slot)
				*slot_set = true;
		}
	}
	return n;
}

TEST_F(counters, slot_raised_while_waiting_zero_after_notify)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
	};

	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_NE(0u, sabuf_t_counter(&self->b, WORD));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
}

TEST_F(counters, slot_zero_after_timeout)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd,
		.args = sabuf_t_wait_args(8, WORD, 0, SABUF_T_SEEN_ASLEEP_TIMEOUT_NS),
	};

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_NE(0u, sabuf_t_counter(&self->b, WORD));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_waiter_join(&wt));
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
}

/* The not-equal and timeout-0 paths raise nothing for good. */
TEST_F(counters, slot_zero_after_not_equal_and_instant_timeouts)
{
	*sabuf_t_u32(&self->b, WORD) = 1;
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(-EAGAIN, sabuf_t_wait32(self->b.fd, WORD, 0, -1));
		ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(self->b.fd, WORD, 1, 0));
	}
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
}

/* A waiter raises exactly the slot the header's formula names, nothing else. */
TEST_F(counters, only_the_documented_slot_is_raised)
{
	const uint32_t slots = self->b.info.counters_slots;
	const uint64_t offsets[] = { 0, 4, WORD, sabuf_t_page_size() + 12,
				     4ull * slots - 4, self->b.info.byte_length - 8 };

	for (unsigned int i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		uint64_t off = offsets[i];
		uint32_t slot = SABUF_COUNTER_SLOT(off, slots);
		struct sabuf_t_waiter wt = {
			.fd = self->b.fd, .args = sabuf_t_wait_args(4, off, 0, -1),
		};
		bool slot_set;

		if (off + 4 > self->b.info.byte_length)
			continue;
		ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt)) TH_LOG("offset %llu",
										(unsigned long long)off);
		ASSERT_EQ(1u, nonzero_slots(&self->b, slot, &slot_set))
			TH_LOG("offset %llu", (unsigned long long)off);
		ASSERT_TRUE(slot_set) TH_LOG("offset %llu: slot %u not raised",
					     (unsigned long long)off, slot);
		ASSERT_EQ(1, sabuf_t_notify(self->b.fd, off, 1));
		ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
		ASSERT_EQ(0u, nonzero_slots(&self->b, slot, &slot_set));
	}
}

TEST_F(counters, slot_stays_raised_until_the_last_waiter_leaves)
{
	struct sabuf_t_waiter wt[2];

	for (int i = 0; i < 2; i++) {
		wt[i] = (struct sabuf_t_waiter){
			.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
		};
		ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt[i]));
	}
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt[0]));
	ASSERT_NE(0u, sabuf_t_counter(&self->b, WORD));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt[1]));
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
}

/* Another buffer's waiters do not show in this buffer's counters. */
TEST_F(counters, counters_belong_to_their_buffer)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
	};
	struct sabuf_t_buf other;
	bool slot_set;

	SABUF_T_BUF_NEW(&other, 2 * sabuf_t_page_size());
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(0u, nonzero_slots(&other, 0, &slot_set));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
	sabuf_t_buf_free(&other);
}

/* A second mapping of the counters (here in a child) shows the same values. */
TEST_F(counters, counters_seen_from_another_process)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
	};
	pid_t child;

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		const uint32_t *c;
		void *m;

		if (sabuf_t_mmap(&m, self->b.fd, self->b.info.counters_length, PROT_READ,
				 MAP_SHARED, self->b.info.counters_offset))
			_exit(1);
		c = m;
		_exit(c[SABUF_COUNTER_SLOT(WORD, self->b.info.counters_slots)] ? 0 : 2);
	}
	ASSERT_EQ(0, sabuf_t_reap(child));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
}

/*
 * Two threads hand a turn back and forth through one word: each waits for
 * its parity, then stores the next value, fences, and notifies only when
 * the counter says somebody waits. A lost wake-up leaves one side asleep
 * until its (generous) timeout: the test fails with ETIMEDOUT.
 */
#define HANDOFF_ROUNDS 1000

struct handoff {
	const struct sabuf_t_buf *b;
	int parity;
	int ret;	/* 0, or the failing wait's result */
	int notifies_skipped;
};

static int handoff_take_turn(struct handoff *h, uint32_t *word)
{
	uint32_t v;

	while ((v = __atomic_load_n(word, __ATOMIC_SEQ_CST)) % 2 != (uint32_t)h->parity) {
		int ret = sabuf_t_wait32(h->b->fd, WORD, v, 5 * SABUF_T_NSEC_PER_SEC);

		if (ret != 0 && ret != -EAGAIN)
			return ret;
	}
	__atomic_store_n(word, v + 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* libsabuf's barrier (B) */
	if (sabuf_t_counter(h->b, WORD) == 0) {
		h->notifies_skipped++;
		return 0;
	}
	return sabuf_t_notify(h->b->fd, WORD, SABUF_NOTIFY_ALL) < 0 ? -EIO : 0;
}

static void *handoff_main(void *arg)
{
	struct handoff *h = arg;
	uint32_t *word = sabuf_t_u32(h->b, WORD);

	for (int i = 0; i < HANDOFF_ROUNDS && !h->ret; i++)
		h->ret = handoff_take_turn(h, word);
	return NULL;
}

TEST_F_TIMEOUT(counters, skipping_notify_on_zero_counter_loses_no_wakeup, 120)
{
	struct handoff even = { .b = &self->b, .parity = 0 };
	struct handoff odd = { .b = &self->b, .parity = 1 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, handoff_main, &odd));
	handoff_main(&even);
	pthread_join(t, NULL);
	TH_LOG("notifies skipped: %d of %d", even.notifies_skipped + odd.notifies_skipped,
	       2 * HANDOFF_ROUNDS);
	ASSERT_EQ(0, even.ret);
	ASSERT_EQ(0, odd.ret);
	ASSERT_EQ(2u * HANDOFF_ROUNDS, *sabuf_t_u32(&self->b, WORD));
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
}

TEST_HARNESS_MAIN
