// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_pause(n), Atomics.pause: returns for every n, and is bounded: n
 * is capped, so even UINT_MAX is a short spin (an uncapped loop of 2^32
 * pause instructions would take seconds to minutes, past the bound
 * here). No device needed. No timing asserts beyond that bound.
 */
#include "lib_test.h"

TEST(pause_returns_for_every_n)
{
	static const unsigned int ns[] = { 0, 1, 2, 100, 1023, 1024, 65536,
					   INT32_MAX, UINT_MAX };
	unsigned int i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		sabuf_pause(ns[i]);
}

TEST(pause_is_bounded)
{
	int64_t start = now_ns();
	int i;

	for (i = 0; i < 1000; i++)
		sabuf_pause(UINT_MAX);
	EXPECT_LT(now_ns() - start, 10 * NSEC_PER_SEC);
}

/* A spin-then-sleep loop as sabuf_pause(3) shows it, with a thread that
 * raises the flag: the loop ends. */
static void *raise_flag(void *arg)
{
	int32_t *flag = arg;

	sleep_ms(5);
	sabuf_store(flag, 1);
	return NULL;
}

TEST(pause_in_a_spin_loop)
{
	int32_t flag = 0;
	pthread_t t;
	unsigned int i;

	ASSERT_EQ(0, pthread_create(&t, NULL, raise_flag, &flag));
	for (i = 0; sabuf_load(&flag) == 0; i++)
		sabuf_pause(i < 64 ? i : 64);
	ASSERT_EQ(0, join_within(t, 5000));
	EXPECT_EQ(1, flag);
}

TEST_HARNESS_MAIN
