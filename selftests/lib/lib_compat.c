// SPDX-License-Identifier: GPL-2.0
/*
 * Programs built against libsabuf 0.1 keep their timeouts. In 0.1 a
 * negative timeout waited forever (SABUF_FOREVER was -1, compiled into
 * those programs); in 0.2 it never sleeps. The 0.1 meaning lives on under
 * the 0.1 symbol versions (sabuf_wait32@SABUF_0.1, ...), which a program
 * linked against 0.1 asks for; new programs get name@@SABUF_0.2.
 *
 * This test binds to both versions of each call explicitly (.symver on
 * its references) and links against the shared library, as a 0.1
 * program does.
 */
#include "lib_test.h"

#define OLD(name) __asm__(".symver old_" #name ", " #name "@SABUF_0.1")
#define NEW(name) __asm__(".symver new_" #name ", " #name "@SABUF_0.2")

int old_sabuf_wait32(struct sabuf *, const int32_t *, int32_t, int64_t);
int new_sabuf_wait32(struct sabuf *, const int32_t *, int32_t, int64_t);
int old_sabuf_wait64(struct sabuf *, const int64_t *, int64_t, int64_t);
int new_sabuf_wait64(struct sabuf *, const int64_t *, int64_t, int64_t);
int old_sabuf_sem_timedwait(struct sabuf *, sabuf_sem_t *, int64_t);
int new_sabuf_sem_timedwait(struct sabuf *, sabuf_sem_t *, int64_t);
int new_sabuf_mutex_timedlock(struct sabuf *, sabuf_mutex_t *, int64_t);
int new_sabuf_cond_timedwait(struct sabuf *, sabuf_cond_t *, sabuf_mutex_t *,
			     int64_t);
OLD(sabuf_wait32);
NEW(sabuf_wait32);
OLD(sabuf_wait64);
NEW(sabuf_wait64);
OLD(sabuf_sem_timedwait);
NEW(sabuf_sem_timedwait);
/*
 * The mutex and condition variable calls have no 0.1 versions: the mutex
 * word changed in 0.2 (robust mutexes), so a 0.1 program using them must
 * fail to load rather than share a mutex with a different layout.
 */
NEW(sabuf_mutex_timedlock);
NEW(sabuf_cond_timedwait);

struct shared {
	sabuf_mutex_t mutex;
	sabuf_mutex_t held;
	sabuf_cond_t cond;
	sabuf_sem_t sem;
	int32_t w32;
	int32_t pad;
	int64_t w64;
};

FIXTURE(compat) {
	struct sabuf *sb;
	struct shared *s;
};

FIXTURE_SETUP(compat)
{
	CREATE_OR_SKIP(4096, &self->sb);
	self->s = sabuf_data(self->sb);
}

FIXTURE_TEARDOWN(compat)
{
	sabuf_destroy(self->sb);
}

enum call { WAIT32, WAIT64, SEM };

struct helper {
	struct sabuf *sb;
	struct shared *s;
	enum call call;
	pthread_t thread;
	pid_t tid;
	int ret;
};

/* The 0.1 calls with -1 ("SABUF_FOREVER" in 0.1). */
static void *old_main(void *arg)
{
	struct helper *h = arg;
	struct shared *s = h->s;
	int ret = -997;

	sabuf_store(&h->tid, (pid_t)gettid());
	switch (h->call) {
	case WAIT32:
		ret = old_sabuf_wait32(h->sb, &s->w32, 0, -1);
		break;
	case WAIT64:
		ret = old_sabuf_wait64(h->sb, &s->w64, 0, -1);
		break;
	case SEM:
		ret = old_sabuf_sem_timedwait(h->sb, &s->sem, -1);
		break;
	}
	sabuf_store(&h->ret, ret);
	return NULL;
}

TEST_F(compat, the_0_1_versions_wait_forever_on_a_negative_timeout)
{
	enum call c;

	for (c = WAIT32; c <= SEM; c++) {
		struct helper h = { .sb = self->sb, .s = self->s, .call = c,
				    .ret = -998 };

		ASSERT_EQ(0, pthread_create(&h.thread, NULL, old_main, &h));
		while (!sabuf_load(&h.tid))
			sleep_ms(1);
		ASSERT_EQ(0, wait_until_sleeping(h.tid, 10000))
			TH_LOG("call %d did not sleep", c);
		sleep_ms(20);
		EXPECT_EQ(-998, sabuf_load(&h.ret)) TH_LOG("call %d", c);
		switch (c) {
		case WAIT32:
			EXPECT_EQ(1, sabuf_notify(self->sb, &self->s->w32, 1));
			break;
		case WAIT64:
			EXPECT_EQ(1, sabuf_notify(self->sb, &self->s->w64, 1));
			break;
		case SEM:
			EXPECT_EQ(0, sabuf_sem_post(self->sb, &self->s->sem));
			break;
		}
		ASSERT_EQ(0, join_within(h.thread, 10000));
		EXPECT_EQ(0, h.ret) TH_LOG("call %d", c);
	}
}

TEST_F(compat, the_0_2_versions_never_sleep_on_a_negative_timeout)
{
	struct shared *s = self->s;

	EXPECT_EQ(SABUF_TIMED_OUT, new_sabuf_wait32(self->sb, &s->w32, 0, -1));
	EXPECT_EQ(SABUF_TIMED_OUT, new_sabuf_wait64(self->sb, &s->w64, 0, -1));
	EXPECT_EQ(-ETIMEDOUT, new_sabuf_sem_timedwait(self->sb, &s->sem, -1));
	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &s->mutex));
	EXPECT_EQ(-ETIMEDOUT, new_sabuf_cond_timedwait(self->sb, &s->cond,
						       &s->mutex, -1));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &s->mutex));
	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &s->held));
	EXPECT_EQ(-EDEADLK, new_sabuf_mutex_timedlock(self->sb, &s->held, -1));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &s->held));
	/* and the unversioned names are the 0.2 ones */
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(self->sb, &s->w32, 0, -1));
	EXPECT_EQ(-ETIMEDOUT, sabuf_sem_timedwait(self->sb, &s->sem, -1));
}

TEST_HARNESS_MAIN
