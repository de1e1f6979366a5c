// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_barrier: nobody leaves a round before everyone arrived, exactly
 * one caller per round gets SABUF_BARRIER_SERIAL, round after round, for
 * threads and for processes; a zero-filled barrier is not initialized
 * (-EINVAL).
 */
#include "lib_test.h"

#define PARTIES		4
#define ROUNDS		300

struct shared {
	sabuf_barrier_t barrier;
	int32_t failures;
	int32_t arrived[ROUNDS];	/* callers that reached round r */
	int32_t serial[ROUNDS];		/* SERIAL results in round r */
	int32_t early[ROUNDS];		/* left round r before all arrived */
};

FIXTURE(bar) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(bar)
{
	CREATE_OR_SKIP(sizeof(struct shared), &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(bar)
{
	sabuf_destroy(self->sb);
}

/* 0.1 read parties 0 as one party: a forgotten init went unnoticed. */
TEST_F(bar, zero_filled_is_not_initialized)
{
	int i;

	for (i = 0; i < 3; i++)
		EXPECT_EQ(-EINVAL,
			  sabuf_barrier_wait(self->sb, &self->s->barrier));
	EXPECT_EQ(0, self->s->barrier.arrived);	/* nothing was counted */
	EXPECT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, 1));
	EXPECT_EQ(SABUF_BARRIER_SERIAL,
		  sabuf_barrier_wait(self->sb, &self->s->barrier));
}

TEST_F(bar, init_checks_its_arguments)
{
	sabuf_barrier_t elsewhere = { 0, 0, 0 };

	EXPECT_EQ(-EINVAL, sabuf_barrier_init(self->sb, &self->s->barrier, 0));
	EXPECT_EQ(-EINVAL, sabuf_barrier_init(self->sb, &self->s->barrier,
					      (unsigned int)INT32_MAX + 1));
	EXPECT_EQ(-ERANGE, sabuf_barrier_init(self->sb, &elsewhere, 2));
	EXPECT_EQ(-ERANGE, sabuf_barrier_wait(self->sb, &elsewhere));
	EXPECT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, 1));
	EXPECT_EQ(SABUF_BARRIER_SERIAL,
		  sabuf_barrier_wait(self->sb, &self->s->barrier));
}

static int run_rounds(struct sabuf *sb, struct shared *s)
{
	int r;

	for (r = 0; r < ROUNDS; r++) {
		int ret;

		sabuf_add(&s->arrived[r], 1);
		ret = sabuf_barrier_wait(sb, &s->barrier);
		if (ret < 0)
			return -1;
		if (ret == SABUF_BARRIER_SERIAL)
			sabuf_add(&s->serial[r], 1);
		if (sabuf_load(&s->arrived[r]) != PARTIES)
			sabuf_add(&s->early[r], 1);
	}
	return 0;
}

static void *party_main(void *arg)
{
	struct sabuf *sb = arg;
	struct shared *s = sabuf_data(sb);

	if (run_rounds(sb, s))
		sabuf_add(&s->failures, 1);
	return NULL;
}

static void check_rounds(struct __test_metadata *_metadata,
			 struct shared *s)
{
	int r, serial_ok = 0, early = 0;

	for (r = 0; r < ROUNDS; r++) {
		serial_ok += s->serial[r] == 1;
		early += s->early[r];
		EXPECT_EQ(PARTIES, s->arrived[r]);
	}
	EXPECT_EQ(ROUNDS, serial_ok);	/* exactly one SERIAL each round */
	EXPECT_EQ(0, early);
	EXPECT_EQ(0, s->barrier.arrived);
}

TEST_F_TIMEOUT(bar, threads_round_after_round, 120)
{
	pthread_t t[PARTIES];
	int i;

	ASSERT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, PARTIES));
	for (i = 0; i < PARTIES; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, party_main, self->sb));
	for (i = 0; i < PARTIES; i++)
		ASSERT_EQ(0, join_within(t[i], 100000));
	EXPECT_EQ(0, self->s->failures);
	check_rounds(_metadata, self->s);
}

TEST_F_TIMEOUT(bar, processes_round_after_round, 120)
{
	pid_t pid[PARTIES];
	int i;

	ASSERT_EQ(0, sabuf_barrier_init(self->sb, &self->s->barrier, PARTIES));
	for (i = 0; i < PARTIES; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0)
			_exit(run_rounds(self->sb, self->s) ? 1 : 0);
	}
	for (i = 0; i < PARTIES; i++)
		EXPECT_EQ(0, wait_child(pid[i], 100000));
	check_rounds(_metadata, self->s);
}

TEST_HARNESS_MAIN
