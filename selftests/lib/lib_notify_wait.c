// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_notify_wait32/64 (DESIGN.md, "Notify and wait in one step"): a
 * request/response ping-pong between two threads and between two
 * processes, every round accounted for; the wait half's results; the fast
 * paths (word differs, timeout <= 0) still notify; argument errors and a
 * read-only handle.
 */
#include "lib_test.h"

struct pp {
	int32_t ping;
	int32_t pong;
	int64_t ping64;
	int64_t pong64;
};

enum { ROUNDS = 2000 };

/* The responder: wait for ping i, answer pong i and wait for ping i+1. */
static int respond(struct sabuf *sb, struct pp *s)
{
	int bad = 0;

	for (int i = 1; i <= ROUNDS; i++) {
		while (sabuf_load(&s->ping) < i)
			if (sabuf_wait32(sb, &s->ping, i - 1, 10 * NSEC_PER_SEC) ==
			    SABUF_TIMED_OUT)
				return -1;
		sabuf_store(&s->pong, i);
		if (i < ROUNDS) {
			int r = sabuf_notify_wait32(sb, &s->pong, 1, &s->ping, i,
						    10 * NSEC_PER_SEC);

			bad += r < 0 || r == SABUF_TIMED_OUT;
		} else {
			sabuf_notify(sb, &s->pong, 1);
		}
	}
	return bad;
}

static void *respond_thread(void *arg)
{
	struct sabuf **sb = arg;

	return (void *)(long)respond(sb[0], sabuf_data(sb[0]));
}

static int request(struct sabuf *sb, struct pp *s)
{
	for (int i = 1; i <= ROUNDS; i++) {
		int r;

		sabuf_store(&s->ping, i);
		r = sabuf_notify_wait32(sb, &s->ping, 1, &s->pong, i - 1, 10 * NSEC_PER_SEC);
		if (r < 0 || r == SABUF_TIMED_OUT)
			return -1;
		while (sabuf_load(&s->pong) < i)
			if (sabuf_wait32(sb, &s->pong, i - 1, 10 * NSEC_PER_SEC) ==
			    SABUF_TIMED_OUT)
				return -1;
	}
	return 0;
}

FIXTURE(nw) {
	struct sabuf *sb;
	struct pp *s;
};

FIXTURE_SETUP(nw)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(nw)
{
	sabuf_destroy(self->sb);
}

TEST_F(nw, ping_pong_threads)
{
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, pthread_create(&t, NULL, respond_thread, &self->sb));
	EXPECT_EQ(0, request(self->sb, self->s));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(0, (int)(long)ret);
	EXPECT_EQ(ROUNDS, self->s->pong);
}

TEST_F(nw, ping_pong_processes)
{
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (child == 0)
		_exit(respond(self->sb, self->s) ? 1 : 0);
	EXPECT_EQ(0, request(self->sb, self->s));
	EXPECT_EQ(0, wait_child(child, 60000));
}

struct waiter {
	struct sabuf *sb;
	int64_t *word;
	int ret;
};

static void *wait64_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = sabuf_wait64(w->sb, w->word, 0, 10 * NSEC_PER_SEC);
	return NULL;
}

/* The fast paths still notify: a sleeper on the notify word is woken. */
TEST_F(nw, fast_paths_still_notify)
{
	struct waiter w = { .sb = self->sb, .word = &self->s->ping64 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, wait64_thread, &w));
	for (int i = 0; i < 200 && sabuf_notify(self->sb, &self->s->pong64, 0) == 0; i++)
		sleep_ms(5);	/* give it time to sleep (no count: harmless) */
	sleep_ms(50);
	self->s->pong64 = 5;	/* differs from expected 0: NOT_EQUAL */
	EXPECT_EQ(SABUF_NOT_EQUAL, sabuf_notify_wait64(self->sb, &self->s->ping64, 1,
						       &self->s->pong64, 0, SABUF_FOREVER));
	ASSERT_EQ(0, join_within(t, 10000));
	EXPECT_EQ(SABUF_OK, w.ret);
	/* timeout <= 0: TIMED_OUT without sleeping */
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_notify_wait64(self->sb, &self->s->ping64, 1,
						       &self->s->pong64, 5, 0));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_notify_wait32(self->sb, &self->s->ping, 1,
						       &self->s->pong, 0, -1));
	/* a real timed wait */
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_notify_wait32(self->sb, &self->s->ping, 1,
						       &self->s->pong, 0, 10 * NSEC_PER_MSEC));
}

TEST_F(nw, argument_errors)
{
	int32_t outside;

	EXPECT_EQ(-EINVAL, sabuf_notify_wait32(self->sb, (char *)&self->s->ping + 1, 1,
					       &self->s->pong, 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_notify_wait32(self->sb, &outside, 1, &self->s->pong, 0, 0));
	EXPECT_EQ(-ERANGE, sabuf_notify_wait32(self->sb, &self->s->ping, 1, &outside, 0, 0));
	EXPECT_EQ(-EINVAL, sabuf_notify_wait64(self->sb, &self->s->ping, 1,
					       (int64_t *)&self->s->pong, 0, 0));
}

TEST_F(nw, readonly_handle_ebadf)
{
	struct sabuf *ro;
	int fd = sabuf_dup_readonly(self->sb);
	struct pp *s;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_attach(fd, &ro));
	close(fd);
	s = sabuf_data(ro);
	EXPECT_EQ(-EBADF, sabuf_notify_wait32(ro, &s->ping, 1, &s->pong, 0, 0));
	sabuf_destroy(ro);
}

TEST_HARNESS_MAIN
