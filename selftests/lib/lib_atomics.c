// SPDX-License-Identifier: GPL-2.0
/*
 * The type-generic atomics: every integer type selects, every operation
 * returns what JavaScript's Atomics returns, values wrap as the type does,
 * qualified pointers work, concurrent adds lose nothing. Plain memory is
 * enough here (the atomics never touch the kernel), so these run anywhere.
 */
#include <limits.h>

#include "lib_test.h"

/*
 * One test per C type. The _Static_asserts prove each operation's result
 * has the pointee's type (so sabuf_load on a uint8_t * is a uint8_t).
 */
#define ATOMIC_OPS_TEST(name, T, MIN, MAX)					\
TEST(ops_##name)								\
{										\
	T x = 0;								\
										\
	_Static_assert(_Generic(sabuf_load(&x), T: 1, default: 0),		\
		       "load returns the pointee type");			\
	_Static_assert(_Generic(sabuf_add(&x, 1), T: 1, default: 0),		\
		       "add returns the pointee type");			\
	_Static_assert(_Generic(sabuf_compare_exchange(&x, 0, 1),		\
				T: 1, default: 0), "cmpxchg type");		\
	/* store returns the value, everything else the old value */		\
	EXPECT_EQ((T)42, sabuf_store(&x, 42));					\
	EXPECT_EQ((T)42, sabuf_load(&x));					\
	EXPECT_EQ((T)42, sabuf_add(&x, 5));					\
	EXPECT_EQ((T)47, x);							\
	EXPECT_EQ((T)47, sabuf_sub(&x, 10));					\
	EXPECT_EQ((T)37, x);							\
	EXPECT_EQ((T)37, sabuf_exchange(&x, 100));				\
	EXPECT_EQ((T)100, x);							\
	/* compareExchange: swaps only on a match, returns the old value */	\
	EXPECT_EQ((T)100, sabuf_compare_exchange(&x, 100, 120));		\
	EXPECT_EQ((T)120, x);							\
	EXPECT_EQ((T)120, sabuf_compare_exchange(&x, 100, 7));		\
	EXPECT_EQ((T)120, x);							\
	EXPECT_EQ((T)120, sabuf_and(&x, 0x0f));				\
	EXPECT_EQ((T)(120 & 0x0f), x);						\
	EXPECT_EQ((T)(120 & 0x0f), sabuf_or(&x, 0x50));			\
	EXPECT_EQ((T)((120 & 0x0f) | 0x50), x);				\
	EXPECT_EQ((T)((120 & 0x0f) | 0x50), sabuf_xor(&x, 0x7f));		\
	EXPECT_EQ((T)(((120 & 0x0f) | 0x50) ^ 0x7f), x);			\
	/* wrap-around as the type does (two's complement, no UB) */		\
	sabuf_store(&x, MAX);							\
	EXPECT_EQ((T)MAX, sabuf_add(&x, 1));					\
	EXPECT_EQ((T)MIN, sabuf_load(&x));					\
	EXPECT_EQ((T)MIN, sabuf_sub(&x, 1));					\
	EXPECT_EQ((T)MAX, sabuf_load(&x));					\
	/* the extreme values round-trip through every operation */		\
	EXPECT_EQ((T)MAX, sabuf_exchange(&x, MIN));				\
	EXPECT_EQ((T)MIN, sabuf_compare_exchange(&x, MIN, MAX));		\
	EXPECT_EQ((T)MAX, sabuf_load(&x));					\
}

ATOMIC_OPS_TEST(int8, int8_t, INT8_MIN, INT8_MAX)
ATOMIC_OPS_TEST(uint8, uint8_t, 0, UINT8_MAX)
ATOMIC_OPS_TEST(int16, int16_t, INT16_MIN, INT16_MAX)
ATOMIC_OPS_TEST(uint16, uint16_t, 0, UINT16_MAX)
ATOMIC_OPS_TEST(int32, int32_t, INT32_MIN, INT32_MAX)
ATOMIC_OPS_TEST(uint32, uint32_t, 0, UINT32_MAX)
ATOMIC_OPS_TEST(int64, int64_t, INT64_MIN, INT64_MAX)
ATOMIC_OPS_TEST(uint64, uint64_t, 0, UINT64_MAX)
/* the C types that are not (on this ABI) the intN_t ones */
ATOMIC_OPS_TEST(char, char, CHAR_MIN, CHAR_MAX)
ATOMIC_OPS_TEST(long, long, LONG_MIN, LONG_MAX)
ATOMIC_OPS_TEST(ulong, unsigned long, 0, ULONG_MAX)
ATOMIC_OPS_TEST(llong, long long, LLONG_MIN, LLONG_MAX)
ATOMIC_OPS_TEST(ullong, unsigned long long, 0, ULLONG_MAX)

TEST(sixty_four_bit_values_keep_their_high_bits)
{
	int64_t s = 0;
	uint64_t u = 0;

	sabuf_store(&s, 0x123456789abcdef0LL);
	EXPECT_EQ(0x123456789abcdef0LL, sabuf_add(&s, 0x100000000LL));
	EXPECT_EQ(0x123456799abcdef0LL, sabuf_load(&s));
	sabuf_store(&u, 0xfedcba9876543210ULL);
	EXPECT_EQ(0xfedcba9876543210ULL,
		  sabuf_compare_exchange(&u, 0xfedcba9876543210ULL, 1ULL << 63));
	EXPECT_EQ(1ULL << 63, sabuf_load(&u));
}

TEST(qualified_pointers_select)
{
	const volatile int32_t cv = 7;
	volatile uint16_t v = 1;
	const uint64_t c = 9;

	EXPECT_EQ(7, sabuf_load(&cv));
	EXPECT_EQ(9u, sabuf_load(&c));
	EXPECT_EQ(1, sabuf_add(&v, 1));
	EXPECT_EQ(2, sabuf_load(&v));
}

/* _Atomic integers too (0.1: incompatible-pointer errors under -Werror). */
TEST(atomic_qualified_pointers_select)
{
	_Atomic int32_t a = 5;
	_Atomic long long ll = 1LL << 40;
	volatile _Atomic uint8_t u8 = 250;
	const _Atomic int16_t c16 = -3;

	EXPECT_EQ(5, sabuf_add(&a, 2));
	EXPECT_EQ(7, sabuf_exchange(&a, 9));
	EXPECT_EQ(9, sabuf_compare_exchange(&a, 9, 11));
	EXPECT_EQ(11, sabuf_load(&a));
	EXPECT_EQ(1LL << 40, sabuf_or(&ll, 1));
	EXPECT_EQ((1LL << 40) + 1, sabuf_load(&ll));
	EXPECT_EQ(250, sabuf_add(&u8, 10));	/* wraps as uint8_t */
	EXPECT_EQ(4, sabuf_load(&u8));
	EXPECT_EQ(-3, sabuf_load(&c16));
	EXPECT_EQ(100, sabuf_store(&a, 100));
	EXPECT_EQ(100, (int32_t)a);	/* (a plain read; clang's typeof keeps _Atomic) */
}

TEST(lock_free_sizes)
{
	EXPECT_TRUE(sabuf_is_lock_free(1));
	EXPECT_TRUE(sabuf_is_lock_free(2));
	EXPECT_TRUE(sabuf_is_lock_free(4));
	EXPECT_TRUE(sabuf_is_lock_free(8));
	EXPECT_FALSE(sabuf_is_lock_free(0));
	EXPECT_FALSE(sabuf_is_lock_free(3));
	EXPECT_FALSE(sabuf_is_lock_free(16));
}

/* Concurrent read-modify-writes lose nothing, at every width. */
#define ADDERS		4
#define ADDS_EACH	50000

struct counters {
	uint16_t c16;
	uint32_t c32;
	uint64_t c64;
	int64_t down;
};

static void *adder(void *arg)
{
	struct counters *c = arg;
	int i;

	for (i = 0; i < ADDS_EACH; i++) {
		sabuf_add(&c->c16, 1);
		sabuf_add(&c->c32, 1);
		sabuf_add(&c->c64, 1);
		sabuf_sub(&c->down, 1);
	}
	return NULL;
}

TEST(concurrent_adds_lose_nothing)
{
	struct counters c = { 0 };
	pthread_t t[ADDERS];
	int i;

	for (i = 0; i < ADDERS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, adder, &c));
	for (i = 0; i < ADDERS; i++)
		ASSERT_EQ(0, join_within(t[i], 20000));
	EXPECT_EQ((uint16_t)(ADDERS * ADDS_EACH), c.c16);
	EXPECT_EQ((uint32_t)(ADDERS * ADDS_EACH), c.c32);
	EXPECT_EQ((uint64_t)(ADDERS * ADDS_EACH), c.c64);
	EXPECT_EQ(-(int64_t)ADDERS * ADDS_EACH, c.down);
}

/* A compare-exchange loop is a correct read-modify-write under contention. */
static void *doubler(void *arg)
{
	uint64_t *x = arg;
	int i;

	for (i = 0; i < ADDS_EACH; i++) {
		uint64_t old = sabuf_load(x), seen;

		while ((seen = sabuf_compare_exchange(x, old, old + 2)) != old)
			old = seen;
	}
	return NULL;
}

TEST(compare_exchange_loops_lose_nothing)
{
	uint64_t x = 0;
	pthread_t t[ADDERS];
	int i;

	for (i = 0; i < ADDERS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, doubler, &x));
	for (i = 0; i < ADDERS; i++)
		ASSERT_EQ(0, join_within(t[i], 20000));
	EXPECT_EQ(2ULL * ADDERS * ADDS_EACH, x);
}

TEST_HARNESS_MAIN
