// SPDX-License-Identifier: GPL-2.0
/*
 * SABUF_IOC_WAIT: the value check (all 32 or all 64 bits, at the right
 * word of the right page), timeouts (zero, relative, absolute on both
 * clocks, infinite), and which waiters share a queue.
 *
 * Timing asserts are only ever "did not return early": TCG makes anything
 * late.
 */
#include "sabuf_test.h"

#define NR_PAGES 4
#define WORD	64	/* the index most tests wait on: aligned for both sizes */

FIXTURE(wait) {
	struct sabuf_t_buf b;
};

FIXTURE_VARIANT(wait) {
	unsigned int size;
};

FIXTURE_VARIANT_ADD(wait, u32) { .size = 4 };
FIXTURE_VARIANT_ADD(wait, u64) { .size = 8 };

FIXTURE_SETUP(wait)
{
	SABUF_T_BUF_NEW(&self->b, NR_PAGES * sabuf_t_page_size());
}

FIXTURE_TEARDOWN(wait)
{
	sabuf_t_buf_free(&self->b);
}

static void set_word(const struct sabuf_t_buf *b, unsigned int size, uint64_t off, uint64_t v)
{
	if (size == 4)
		__atomic_store_n(sabuf_t_u32(b, off), (uint32_t)v, __ATOMIC_SEQ_CST);
	else
		__atomic_store_n(sabuf_t_u64(b, off), v, __ATOMIC_SEQ_CST);
}

static int wait_on(const struct sabuf_t_buf *b, unsigned int size, uint64_t off,
		   uint64_t expected, int64_t timeout_ns)
{
	struct sabuf_wait w = sabuf_t_wait_args(size, off, expected, timeout_ns);

	return sabuf_t_wait(b->fd, &w);
}

/* ---- the value check ---- */

/* A long timeout: a module that sleeps instead of saying not-equal fails by timing out. */
TEST_F(wait, not_equal_eagain)
{
	set_word(&self->b, variant->size, WORD, 5);
	ASSERT_EQ(-EAGAIN, wait_on(&self->b, variant->size, WORD, 6, 5 * SABUF_T_NSEC_PER_SEC));
	ASSERT_EQ(-EAGAIN, wait_on(&self->b, variant->size, WORD, 0, 5 * SABUF_T_NSEC_PER_SEC));
}

TEST_F(wait, not_equal_eagain_when_waiting_forever)
{
	set_word(&self->b, variant->size, WORD, 1);
	ASSERT_EQ(-EAGAIN, wait_on(&self->b, variant->size, WORD, 0, -1));
}

/* As in JavaScript: "not-equal" is decided before the timeout is looked at. */
TEST_F(wait, not_equal_beats_timeout_zero)
{
	set_word(&self->b, variant->size, WORD, 5);
	ASSERT_EQ(-EAGAIN, wait_on(&self->b, variant->size, WORD, 6, 0));
}

TEST_F(wait, equal_with_timeout_zero_etimedout)
{
	set_word(&self->b, variant->size, WORD, 5);
	ASSERT_EQ(-ETIMEDOUT, wait_on(&self->b, variant->size, WORD, 5, 0));
}

/* The top bit of the word, all ones: no sign trouble. */
TEST_F(wait, all_ones_word_compares_equal)
{
	uint64_t ones = variant->size == 4 ? 0xffffffffull : UINT64_MAX;

	set_word(&self->b, variant->size, WORD, ones);
	ASSERT_EQ(-ETIMEDOUT, wait_on(&self->b, variant->size, WORD, ones, 0));
	ASSERT_EQ(-EAGAIN, wait_on(&self->b, variant->size, WORD, ones - 1, 0));
}

/* Each page holds a different value at a different place: the kernel must read the right one. */
TEST_F(wait, reads_the_word_on_each_page)
{
	long page = sabuf_t_page_size();

	for (int p = 0; p < NR_PAGES; p++) {
		uint64_t off = p * page + 8 * (p + 1);

		set_word(&self->b, variant->size, off, 1000 + p);
	}
	for (int p = 0; p < NR_PAGES; p++) {
		uint64_t off = p * page + 8 * (p + 1);

		EXPECT_EQ(-ETIMEDOUT, wait_on(&self->b, variant->size, off, 1000 + p, 0))
			TH_LOG("page %d", p);
		EXPECT_EQ(-EAGAIN, wait_on(&self->b, variant->size, off, 0, 0))
			TH_LOG("page %d", p);
	}
}

/* The last word of the buffer is read from the last page. */
TEST_F(wait, reads_the_last_word)
{
	uint64_t off = self->b.info.byte_length - variant->size;

	set_word(&self->b, variant->size, off, 77);
	ASSERT_EQ(-ETIMEDOUT, wait_on(&self->b, variant->size, off, 77, 0));
	ASSERT_EQ(-EAGAIN, wait_on(&self->b, variant->size, off, 0, 0));
}

/* 64-bit waits compare all 64 bits: a difference in the high half alone is not-equal. */
TEST(wait64_compares_the_high_half)
{
	const uint64_t word = 0x0000000100000005ull;
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, sabuf_t_page_size());
	*sabuf_t_u64(&b, WORD) = word;
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait64(b.fd, WORD, word, 0));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait64(b.fd, WORD, 0x0000000000000005ull, 0));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait64(b.fd, WORD, 0x0000000200000005ull, 0));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait64(b.fd, WORD, 0x8000000100000005ull, 0));
	sabuf_t_buf_free(&b);
}

TEST(wait64_compares_the_low_half)
{
	const uint64_t word = 0x0000000100000005ull;
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, sabuf_t_page_size());
	*sabuf_t_u64(&b, WORD) = word;
	ASSERT_EQ(-EAGAIN, sabuf_t_wait64(b.fd, WORD, 0x0000000100000004ull, 0));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait64(b.fd, WORD, 0x0000000180000005ull, 0));
	sabuf_t_buf_free(&b);
}

/* A 32-bit wait reads its 4 bytes only, not the neighbouring word. */
TEST(wait32_reads_only_its_own_word)
{
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, sabuf_t_page_size());
	*sabuf_t_u32(&b, WORD) = 5;
	*sabuf_t_u32(&b, WORD + 4) = 7;
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(b.fd, WORD, 5, 0));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(b.fd, WORD + 4, 7, 0));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait32(b.fd, WORD + 4, 5, 0));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait32(b.fd, WORD, 7, 0));
	sabuf_t_buf_free(&b);
}

/* ---- timeouts ---- */

TEST_F(wait, relative_timeout_never_returns_early)
{
	const int64_t timeouts[] = { 1, 1000, SABUF_T_NSEC_PER_MSEC, 20 * SABUF_T_NSEC_PER_MSEC,
				     100 * SABUF_T_NSEC_PER_MSEC };

	for (unsigned int i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		int64_t start = sabuf_t_now(CLOCK_MONOTONIC), elapsed;
		int ret = wait_on(&self->b, variant->size, WORD, 0, timeouts[i]);

		elapsed = sabuf_t_now(CLOCK_MONOTONIC) - start;
		EXPECT_EQ(-ETIMEDOUT, ret);
		EXPECT_LE(timeouts[i], elapsed) TH_LOG("timeout %lld ns returned after %lld ns",
						       (long long)timeouts[i], (long long)elapsed);
	}
}

/* A relative timeout on CLOCK_REALTIME is as long as asked, too. */
TEST_F(wait, relative_realtime_timeout_never_returns_early)
{
	const int64_t timeout = 50 * SABUF_T_NSEC_PER_MSEC;
	struct sabuf_wait w = sabuf_t_wait_args(variant->size, WORD, 0, timeout);
	int64_t start, elapsed;

	w.clockid = CLOCK_REALTIME;
	start = sabuf_t_now(CLOCK_MONOTONIC);
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait(self->b.fd, &w));
	elapsed = sabuf_t_now(CLOCK_MONOTONIC) - start;
	ASSERT_LE(timeout, elapsed);
}

/* A wait with an absolute deadline on clk returns ETIMEDOUT, and not before the deadline. */
static void check_abs_deadline(struct __test_metadata *_metadata, const struct sabuf_t_buf *b,
			       unsigned int size, clockid_t clk, int64_t from_now_ns)
{
	struct sabuf_wait w = sabuf_t_wait_args(size, WORD, 0, 0);
	int64_t now;

	w.flags |= SABUF_WAIT_ABSTIME;
	w.clockid = clk;
	w.timeout_ns = sabuf_t_now(clk) + from_now_ns;
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait(b->fd, &w));
	now = sabuf_t_now(clk);
	if (from_now_ns > 0) {
		ASSERT_LE(w.timeout_ns, now) TH_LOG("returned %lld ns before the deadline",
						    (long long)(w.timeout_ns - now));
	}
}

TEST_F(wait, abs_monotonic_deadline)
{
	check_abs_deadline(_metadata, &self->b, variant->size, CLOCK_MONOTONIC,
			   50 * SABUF_T_NSEC_PER_MSEC);
}

TEST_F(wait, abs_realtime_deadline)
{
	check_abs_deadline(_metadata, &self->b, variant->size, CLOCK_REALTIME,
			   50 * SABUF_T_NSEC_PER_MSEC);
}

TEST_F(wait, abs_monotonic_deadline_in_the_past)
{
	struct sabuf_wait w = sabuf_t_wait_args(variant->size, WORD, 0, 0);

	check_abs_deadline(_metadata, &self->b, variant->size, CLOCK_MONOTONIC,
			   -SABUF_T_NSEC_PER_SEC);
	w.flags |= SABUF_WAIT_ABSTIME;
	w.timeout_ns = 0;	/* the clock's epoch */
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait(self->b.fd, &w));
}

TEST_F(wait, abs_realtime_deadline_in_the_past)
{
	struct sabuf_wait w = sabuf_t_wait_args(variant->size, WORD, 0, 0);

	check_abs_deadline(_metadata, &self->b, variant->size, CLOCK_REALTIME,
			   -SABUF_T_NSEC_PER_SEC);
	w.flags |= SABUF_WAIT_ABSTIME;
	w.clockid = CLOCK_REALTIME;
	w.timeout_ns = 1;
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait(self->b.fd, &w));
}

/*
 * Start a waiter thread with args and report how it ended when, whenever
 * it goes to sleep, a notify wakes it: 0 means it slept (so its deadline
 * lay in the future), -ETIMEDOUT means it did not.
 */
static int wait_or_get_notified(const struct sabuf_t_buf *b, struct sabuf_wait args)
{
	struct sabuf_t_waiter wt = { .fd = b->fd, .args = args };
	pid_t tid = sabuf_t_waiter_start(&wt);

	if (tid < 0)
		return tid;
	if (!SABUF_T_EVENTUALLY(sabuf_t_waiter_done(&wt) || sabuf_t_task_blocked(tid) == 1))
		return INT_MIN;
	if (!sabuf_t_waiter_done(&wt))
		sabuf_t_notify(b->fd, args.offset, SABUF_NOTIFY_ALL);
	return sabuf_t_waiter_join(&wt);
}

/*
 * A deadline of "monotonic now + 10 s" on CLOCK_REALTIME lies decades in
 * the past: the wait must time out at once. A module that used the wrong
 * clock would sleep, and be caught by the notify.
 */
TEST_F(wait, abs_realtime_uses_the_realtime_clock)
{
	struct sabuf_wait w = sabuf_t_wait_args(variant->size, WORD, 0, 0);

	w.flags |= SABUF_WAIT_ABSTIME;
	w.clockid = CLOCK_REALTIME;
	w.timeout_ns = sabuf_t_now(CLOCK_MONOTONIC) + 10 * SABUF_T_NSEC_PER_SEC;
	ASSERT_EQ(-ETIMEDOUT, wait_or_get_notified(&self->b, w));
}

/* And "realtime now" on CLOCK_MONOTONIC lies decades ahead: the wait must sleep. */
TEST_F(wait, abs_monotonic_uses_the_monotonic_clock)
{
	struct sabuf_wait w = sabuf_t_wait_args(variant->size, WORD, 0, 0);

	w.flags |= SABUF_WAIT_ABSTIME;
	w.clockid = CLOCK_MONOTONIC;
	w.timeout_ns = sabuf_t_now(CLOCK_REALTIME);
	ASSERT_EQ(0, wait_or_get_notified(&self->b, w));
}

/* The largest timeouts must not overflow into the past. */
TEST_F(wait, int64_max_relative_timeout_sleeps)
{
	struct sabuf_wait w = sabuf_t_wait_args(variant->size, WORD, 0, INT64_MAX);

	ASSERT_EQ(0, wait_or_get_notified(&self->b, w));
	w.clockid = CLOCK_REALTIME;
	ASSERT_EQ(0, wait_or_get_notified(&self->b, w));
}

TEST_F(wait, forever_woken_by_notify)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd,
		.args = sabuf_t_wait_args(variant->size, WORD, 0, -1),
	};

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_FALSE(sabuf_t_waiter_done(&wt));
	set_word(&self->b, variant->size, WORD, 1);
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
}

/* Any negative timeout waits forever, relative or ABSTIME. */
TEST_F(wait, any_negative_timeout_waits_forever)
{
	struct sabuf_t_waiter wt[3];
	const int64_t timeouts[3] = { -2, INT64_MIN, -1 };

	for (int i = 0; i < 3; i++) {
		wt[i] = (struct sabuf_t_waiter){
			.fd = self->b.fd,
			.args = sabuf_t_wait_args(variant->size, WORD, 0, timeouts[i]),
		};
		if (i == 2)
			wt[i].args.flags |= SABUF_WAIT_ABSTIME;
		ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt[i]));
	}
	for (int i = 0; i < 3; i++) {
		ASSERT_FALSE(sabuf_t_waiter_done(&wt[i]));
	}
	ASSERT_EQ(3, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, sabuf_t_waiter_join(&wt[i]));
	}
}

/* ---- which waiters share a queue ---- */

/* 32- and 64-bit waiters at one offset are one FIFO queue. */
TEST(wait32_and_wait64_share_a_queue)
{
	struct sabuf_t_waiter wt[3];
	struct sabuf_t_log log = { 0 };
	const unsigned int sizes[3] = { 4, 8, 4 };
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, sabuf_t_page_size());
	for (int i = 0; i < 3; i++) {
		wt[i] = (struct sabuf_t_waiter){
			.fd = b.fd, .id = i, .log = &log,
			.args = sabuf_t_wait_args(sizes[i], WORD, 0, -1),
		};
		ASSERT_EQ(0, sabuf_t_waiter_start_queued(&b, &wt[i]));
	}
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(1, sabuf_t_notify(b.fd, WORD, 1));
		ASSERT_EQ(0, sabuf_t_waiter_join(&wt[i])) TH_LOG("waiter %d (size %u)", i, sizes[i]);
		ASSERT_EQ((unsigned int)i + 1, sabuf_t_log_len(&log));
	}
	ASSERT_EQ(0, sabuf_t_notify(b.fd, WORD, SABUF_NOTIFY_ALL));
	sabuf_t_buf_free(&b);
}

/*
 * Waiters at off_a and off_b (two indices, possibly of two buffers) are
 * independent: notifying one wakes nobody of the other.
 */
static void check_independent(struct __test_metadata *_metadata,
			      const struct sabuf_t_buf *ba, uint64_t off_a, unsigned int size_a,
			      const struct sabuf_t_buf *bb, uint64_t off_b, unsigned int size_b)
{
	struct sabuf_t_waiter a = {
		.fd = ba->fd, .args = sabuf_t_wait_args(size_a, off_a, 0, -1),
	};
	struct sabuf_t_waiter w_b = {
		.fd = bb->fd, .args = sabuf_t_wait_args(size_b, off_b, 0, -1),
	};

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(ba, &a));
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(bb, &w_b));

	ASSERT_EQ(1, sabuf_t_notify(ba->fd, off_a, SABUF_NOTIFY_ALL));
	ASSERT_EQ(0, sabuf_t_waiter_join(&a));
	ASSERT_FALSE(sabuf_t_waiter_done(&w_b));
	ASSERT_EQ(0, sabuf_t_notify(ba->fd, off_a, SABUF_NOTIFY_ALL));

	ASSERT_EQ(1, sabuf_t_notify(bb->fd, off_b, SABUF_NOTIFY_ALL));
	ASSERT_EQ(0, sabuf_t_waiter_join(&w_b));
}

/* Neighbouring words: for 32-bit, the word right after; for 64-bit, the next 64-bit word. */
TEST_F(wait, different_offsets_are_independent)
{
	check_independent(_metadata, &self->b, WORD, variant->size,
			  &self->b, WORD + variant->size, variant->size);
}

/* Offsets that share a waiter-counter slot (and likely a hash bucket) are still two queues. */
TEST_F(wait, offsets_sharing_a_counter_slot_are_independent)
{
	uint64_t other = WORD + 4ull * self->b.info.counters_slots;

	ASSERT_LE(other + variant->size, self->b.info.byte_length)
		TH_LOG("buffer too small for %u counter slots", self->b.info.counters_slots);
	ASSERT_EQ(SABUF_COUNTER_SLOT(WORD, self->b.info.counters_slots),
		  SABUF_COUNTER_SLOT(other, self->b.info.counters_slots));
	check_independent(_metadata, &self->b, WORD, variant->size,
			  &self->b, other, variant->size);
}

/* The same offset of two buffers is two indices. */
TEST_F(wait, same_offset_of_another_buffer_is_independent)
{
	struct sabuf_t_buf other;

	SABUF_T_BUF_NEW(&other, self->b.info.byte_length);
	check_independent(_metadata, &self->b, WORD, variant->size,
			  &other, WORD, variant->size);
	sabuf_t_buf_free(&other);
}

/* The high half of a 64-bit word is its own index (offset + 4). */
TEST(high_half_of_a_64bit_word_is_another_index)
{
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, sabuf_t_page_size());
	check_independent(_metadata, &b, WORD, 8, &b, WORD + 4, 4);
	sabuf_t_buf_free(&b);
}

/*
 * Many indices of many buffers at once: 16 buffers x 16 offsets, one
 * waiter each. Whatever the module's hashing, this many (buffer, offset)
 * pairs put several into one bucket (for 512 buckets, nearly surely both
 * two offsets of one buffer and one offset of two buffers): a notify that
 * woke a bucket neighbour instead of its own waiter would leave a later
 * notify with nobody to wake.
 */
#define MANY_BUFS	16
#define MANY_OFFSETS	16

TEST(many_indices_each_notify_wakes_only_its_own)
{
	static struct sabuf_t_waiter wt[MANY_BUFS][MANY_OFFSETS];
	struct sabuf_t_buf b[MANY_BUFS];
	struct sabuf_t_log log = { 0 };

	for (int i = 0; i < MANY_BUFS; i++) {
		SABUF_T_BUF_NEW(&b[i], sabuf_t_page_size());
		for (int j = 0; j < MANY_OFFSETS; j++) {
			wt[i][j] = (struct sabuf_t_waiter){
				.fd = b[i].fd, .id = i * MANY_OFFSETS + j, .log = &log,
				.args = sabuf_t_wait_args(4, 4 * j, 0, -1),
			};
			ASSERT_EQ(0, sabuf_t_waiter_start_queued(&b[i], &wt[i][j]));
		}
	}
	/* Offsets in the outer loop: each notify has same-offset neighbours in other buffers. */
	for (int j = 0; j < MANY_OFFSETS; j++) {
		for (int i = 0; i < MANY_BUFS; i++) {
			unsigned int n = j * MANY_BUFS + i;

			ASSERT_EQ(1, sabuf_t_notify(b[i].fd, 4 * j, SABUF_NOTIFY_ALL))
				TH_LOG("buffer %d offset %d", i, 4 * j);
			ASSERT_TRUE(SABUF_T_EVENTUALLY(sabuf_t_log_len(&log) >= n + 1));
			ASSERT_EQ(i * MANY_OFFSETS + j, log.ids[n])
				TH_LOG("notify of buffer %d offset %d woke waiter %d", i, 4 * j,
				       log.ids[n]);
			ASSERT_EQ(0, sabuf_t_waiter_join(&wt[i][j]));
		}
	}
	for (int i = 0; i < MANY_BUFS; i++)
		sabuf_t_buf_free(&b[i]);
}

TEST_HARNESS_MAIN
