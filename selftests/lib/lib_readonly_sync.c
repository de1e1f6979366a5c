// SPDX-License-Identifier: GPL-2.0
/*
 * On a read-only handle (sabuf_dup_readonly, or an fd without write
 * access), every mutex, condition variable, semaphore and barrier call
 * returns -EBADF and never faults (DESIGN.md 0.3; issue 18 item 7): each
 * would write to the buffer, whose mapping there is PROT_READ. 0.2 wrote
 * and died of SIGSEGV (mutex lock, sem post, cond signal, barrier init).
 *
 * Every call gets otherwise-valid arguments, and the objects are set up
 * through the writable handle so that a call that did not check would
 * write at once (a token to take, a round of one to finish, a held mutex
 * to unlock), not sleep: a missing check is a crash, never a hang.
 */
#include <sys/socket.h>

#include "lib_test.h"

struct shared {
	sabuf_mutex_t m;
	sabuf_cond_t c;
	sabuf_sem_t s;
	sabuf_barrier_t b;
	sabuf_mutex_t held;	/* held by the test through the writer */
};

FIXTURE(ro) {
	struct sabuf *sb;	/* writable */
	struct sabuf *ro;	/* read-only, the same buffer */
	struct shared *w;	/* through sb */
	struct shared *r;	/* through ro */
};

FIXTURE_VARIANT(ro) {
	bool passed;	/* the read-only handle came through sabuf_send/recv */
};

FIXTURE_VARIANT_ADD(ro, dup_readonly) { .passed = false };
FIXTURE_VARIANT_ADD(ro, sent_and_received) { .passed = true };

FIXTURE_SETUP(ro)
{
	struct sabuf *first;
	int fd, sv[2];

	CREATE_OR_SKIP(4096, &self->sb);
	self->w = sabuf_data(self->sb);
	fd = sabuf_dup_readonly(self->sb);	/* an O_RDONLY fd */
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_attach(fd, &self->ro));
	close(fd);
	if (variant->passed) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		first = self->ro;
		ASSERT_EQ(0, sabuf_send(sv[0], first));
		ASSERT_EQ(0, sabuf_recv(sv[1], &self->ro));
		sabuf_destroy(first);
		close(sv[0]);
		close(sv[1]);
	}
	ASSERT_TRUE(sabuf_is_readonly(self->ro));
	self->r = sabuf_data(self->ro);

	ASSERT_EQ(0, sabuf_sem_init(self->sb, &self->w->s, 1));
	ASSERT_EQ(0, sabuf_barrier_init(self->sb, &self->w->b, 1));
	ASSERT_EQ(0, sabuf_mutex_lock(self->sb, &self->w->held));
}

FIXTURE_TEARDOWN(ro)
{
	sabuf_destroy(self->ro);
	sabuf_destroy(self->sb);
}

TEST_F(ro, mutex_calls_are_ebadf)
{
	struct timespec later;
	sabuf_mutex_t *m = &self->r->m;

	clock_gettime(CLOCK_MONOTONIC, &later);
	later.tv_sec += 1;
	EXPECT_EQ(-EBADF, sabuf_mutex_lock(self->ro, m));
	EXPECT_EQ(-EBADF, sabuf_mutex_trylock(self->ro, m));
	EXPECT_EQ(-EBADF, sabuf_mutex_timedlock(self->ro, m, NSEC_PER_SEC));
	EXPECT_EQ(-EBADF, sabuf_mutex_timedlock(self->ro, m, 0));
	EXPECT_EQ(-EBADF, sabuf_mutex_clocklock(self->ro, m, CLOCK_MONOTONIC, &later));
	EXPECT_EQ(-EBADF, sabuf_mutex_consistent(self->ro, m));
	/* held by this thread (through the writer): unlock would write */
	EXPECT_EQ(-EBADF, sabuf_mutex_unlock(self->ro, &self->r->held));
	EXPECT_EQ(-EBADF, sabuf_mutex_consistent(self->ro, &self->r->held));
	/* untouched: still unlocked, and still ours */
	EXPECT_EQ(0, sabuf_load(&self->w->m.state));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->w->held));
}

TEST_F(ro, cond_calls_are_ebadf)
{
	struct timespec later;
	int32_t seq = sabuf_load(&self->w->c.seq);

	clock_gettime(CLOCK_MONOTONIC, &later);
	later.tv_sec += 1;
	EXPECT_EQ(-EBADF, sabuf_cond_signal(self->ro, &self->r->c));
	EXPECT_EQ(-EBADF, sabuf_cond_broadcast(self->ro, &self->r->c));
	/* the mutex is held by this thread: a wait would unlock it */
	EXPECT_EQ(-EBADF, sabuf_cond_wait(self->ro, &self->r->c, &self->r->held));
	EXPECT_EQ(-EBADF, sabuf_cond_timedwait(self->ro, &self->r->c, &self->r->held,
					       NSEC_PER_SEC));
	EXPECT_EQ(-EBADF, sabuf_cond_timedwait(self->ro, &self->r->c, &self->r->held, 0));
	EXPECT_EQ(-EBADF, sabuf_cond_clockwait(self->ro, &self->r->c, &self->r->held,
					       CLOCK_MONOTONIC, &later));
	EXPECT_EQ(seq, sabuf_load(&self->w->c.seq));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->w->held));
}

TEST_F(ro, sem_calls_are_ebadf)
{
	struct timespec later;

	clock_gettime(CLOCK_MONOTONIC, &later);
	later.tv_sec += 1;
	EXPECT_EQ(-EBADF, sabuf_sem_init(self->ro, &self->r->s, 3));
	EXPECT_EQ(-EBADF, sabuf_sem_post(self->ro, &self->r->s));
	/* a token is there: each would take it */
	EXPECT_EQ(-EBADF, sabuf_sem_wait(self->ro, &self->r->s));
	EXPECT_EQ(-EBADF, sabuf_sem_trywait(self->ro, &self->r->s));
	EXPECT_EQ(-EBADF, sabuf_sem_timedwait(self->ro, &self->r->s, NSEC_PER_SEC));
	EXPECT_EQ(-EBADF, sabuf_sem_timedwait(self->ro, &self->r->s, 0));
	EXPECT_EQ(-EBADF, sabuf_sem_clockwait(self->ro, &self->r->s, CLOCK_MONOTONIC, &later));
	EXPECT_EQ(1, sabuf_load(&self->w->s.count));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->w->held));
}

TEST_F(ro, barrier_calls_are_ebadf)
{
	EXPECT_EQ(-EBADF, sabuf_barrier_init(self->ro, &self->r->b, 2));
	/* a round of one: wait would finish it at once */
	EXPECT_EQ(-EBADF, sabuf_barrier_wait(self->ro, &self->r->b));
	EXPECT_EQ(1, sabuf_load(&self->w->b.parties));
	EXPECT_EQ(0, sabuf_load(&self->w->b.generation));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->w->held));
}

/* The writer's handle keeps working on the same objects. */
TEST_F(ro, the_writer_is_unaffected)
{
	EXPECT_EQ(0, sabuf_mutex_lock(self->sb, &self->w->m));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->w->m));
	EXPECT_EQ(0, sabuf_sem_trywait(self->sb, &self->w->s));
	EXPECT_EQ(SABUF_BARRIER_SERIAL, sabuf_barrier_wait(self->sb, &self->w->b));
	EXPECT_EQ(0, sabuf_cond_signal(self->sb, &self->w->c));
	EXPECT_EQ(0, sabuf_mutex_unlock(self->sb, &self->w->held));
}

TEST_HARNESS_MAIN
