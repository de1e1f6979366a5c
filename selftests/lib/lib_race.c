// SPDX-License-Identifier: GPL-2.0
/*
 * The fast paths never lose a wake-up. Two parties hand a turn back and
 * forth through one word, 10^5 times: each waits while the word still
 * says "the other's turn", then bumps it and notifies. Every handoff races
 * the waiter's check (in the library, then in the kernel) against the
 * notifier's store and its skip-if-no-waiter read of the counter page:
 * the exact window the ordering proof in kmod/waitwake.c covers.
 *
 * A lost wake-up shows as a party asleep while the word already says its
 * turn. Sleeps are bounded, so that is a reported failure, never a hang:
 * a party whose wait times out records a "stall" and the test fails.
 */
#include <sys/syscall.h>

#include "lib_test.h"

#define HANDOFFS	100000
#define STALL_NS	(10 * NSEC_PER_SEC)	/* generous even under TCG */

struct pingpong {
	struct sabuf *sb;
	int32_t *turn32;	/* counts handoffs; party p moves on turn % 2 == p */
	int64_t *turn64;	/* the same, for sabuf_wait64 */
	int32_t *stalls;
	int32_t *syscalls;	/* waits that slept: the slow path ran */
	int64_t handoffs;
};

static int take_turns32(struct pingpong *pp, int party)
{
	for (;;) {
		int32_t turn = sabuf_load(pp->turn32);
		int ret;

		if (turn >= pp->handoffs)
			return 0;
		if (turn % 2 == party) {
			sabuf_store(pp->turn32, turn + 1);
			if (sabuf_notify(pp->sb, pp->turn32, 1) < 0)
				return -1;
			continue;
		}
		ret = sabuf_wait32(pp->sb, pp->turn32, turn, STALL_NS);
		if (ret == SABUF_TIMED_OUT) {
			sabuf_add(pp->stalls, 1);
			return -1;
		}
		if (ret == SABUF_OK)
			sabuf_add(pp->syscalls, 1);
		if (ret < 0)
			return -1;
	}
}

static int take_turns64(struct pingpong *pp, int party)
{
	for (;;) {
		int64_t turn = sabuf_load(pp->turn64);
		int ret;

		if (turn >= pp->handoffs)
			return 0;
		if (turn % 2 == party) {
			/* above 2^32, so the high half takes part */
			sabuf_store(pp->turn64, turn + 1);
			if (sabuf_notify(pp->sb, pp->turn64, 1) < 0)
				return -1;
			continue;
		}
		ret = sabuf_wait64(pp->sb, pp->turn64, turn, STALL_NS);
		if (ret == SABUF_TIMED_OUT) {
			sabuf_add(pp->stalls, 1);
			return -1;
		}
		if (ret < 0)
			return -1;
	}
}

static void *party_one32(void *arg)
{
	return (void *)(intptr_t)take_turns32(arg, 1);
}

static void *party_one64(void *arg)
{
	return (void *)(intptr_t)take_turns64(arg, 1);
}

FIXTURE(race) {
	struct sabuf *sb;
	struct pingpong pp;
};

FIXTURE_SETUP(race)
{
	int32_t *w;

	CREATE_OR_SKIP(4096, &self->sb);
	w = sabuf_data(self->sb);
	self->pp = (struct pingpong){
		.sb = self->sb,
		.turn32 = &w[0],
		.turn64 = (int64_t *)&w[2],
		.stalls = &w[4],
		.syscalls = &w[5],
		.handoffs = HANDOFFS,
	};
}

FIXTURE_TEARDOWN(race)
{
	sabuf_destroy(self->sb);
}

TEST_F_TIMEOUT(race, threads_hand_off_1e5_times_on_a_32bit_word, 240)
{
	pthread_t t;
	void *other;
	int64_t start = now_ns();

	ASSERT_EQ(0, pthread_create(&t, NULL, party_one32, &self->pp));
	EXPECT_EQ(0, take_turns32(&self->pp, 0));
	ASSERT_EQ(0, pthread_join(t, &other));
	EXPECT_EQ(0, (intptr_t)other);
	EXPECT_EQ(0, *self->pp.stalls);
	EXPECT_EQ(HANDOFFS, *self->pp.turn32);
	TH_LOG("%d handoffs in %.2f s, %d woken from sleep in the kernel",
	       HANDOFFS, (now_ns() - start) / 1e9, *self->pp.syscalls);
}

TEST_F_TIMEOUT(race, threads_hand_off_on_a_64bit_word, 240)
{
	pthread_t t;
	void *other;

	sabuf_store(self->pp.turn64, 1LL << 32);
	self->pp.handoffs = (1LL << 32) + HANDOFFS / 4;
	ASSERT_EQ(0, pthread_create(&t, NULL, party_one64, &self->pp));
	EXPECT_EQ(0, take_turns64(&self->pp, 0));
	ASSERT_EQ(0, pthread_join(t, &other));
	EXPECT_EQ(0, (intptr_t)other);
	EXPECT_EQ(0, *self->pp.stalls);
	EXPECT_EQ(self->pp.handoffs, *self->pp.turn64);
}

/* The same between processes: the counter page is per buffer, not per mm. */
TEST_F_TIMEOUT(race, processes_hand_off_on_a_32bit_word, 240)
{
	pid_t pid;

	self->pp.handoffs = HANDOFFS / 4;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(take_turns32(&self->pp, 1) ? 1 : 0);
	EXPECT_EQ(0, take_turns32(&self->pp, 0));
	EXPECT_EQ(0, wait_child(pid, 200000));
	EXPECT_EQ(0, *self->pp.stalls);
	EXPECT_EQ(HANDOFFS / 4, *self->pp.turn32);
}

/*
 * Many sleepers, one word: a notifier bumps the word and wakes everyone,
 * round after round; every sleeper must see every round (none stalls).
 */
#define SLEEPERS	4
#define ROUNDS		2000

struct crowd {
	struct sabuf *sb;
	int32_t *round;
	int32_t *seen;		/* per sleeper: the last round it saw */
	int32_t *stalls;
};

struct sleeper {
	struct crowd *c;
	int index;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct crowd *c = s->c;

	for (;;) {
		int32_t round = sabuf_load(c->round);

		sabuf_store(&c->seen[s->index], round);
		if (round >= ROUNDS)
			return NULL;
		if (sabuf_wait32(c->sb, c->round, round, STALL_NS) ==
		    SABUF_TIMED_OUT) {
			sabuf_add(c->stalls, 1);
			return NULL;
		}
	}
}

TEST_F_TIMEOUT(race, notify_all_reaches_every_sleeper, 240)
{
	int32_t *w = sabuf_data(self->sb);
	struct crowd c = { self->sb, &w[16], &w[32], &w[17] };
	struct sleeper s[SLEEPERS];
	pthread_t t[SLEEPERS];
	int i, r;

	for (i = 0; i < SLEEPERS; i++) {
		s[i] = (struct sleeper){ &c, i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, sleeper_main, &s[i]));
	}
	for (r = 1; r <= ROUNDS; r++) {
		/* wait until everyone saw the last round, so each round's
		 * notify races sleepers that are just going to sleep */
		for (i = 0; i < SLEEPERS; i++)
			while (sabuf_load(&c.seen[i]) < r - 1 &&
			       !sabuf_load(c.stalls))
				sched_yield();
		sabuf_store(c.round, r);
		ASSERT_LE(0, sabuf_notify(self->sb, c.round, SABUF_ALL));
	}
	for (i = 0; i < SLEEPERS; i++)
		ASSERT_EQ(0, join_within(t[i], 60000));
	EXPECT_EQ(0, *c.stalls);
	for (i = 0; i < SLEEPERS; i++)
		EXPECT_EQ(ROUNDS, c.seen[i]);
}

TEST_HARNESS_MAIN
