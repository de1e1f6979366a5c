// SPDX-License-Identifier: GPL-2.0
/*
 * SABUF_IOC_NOTIFY_WAIT: notify one index, then wait on a word, in one
 * call. Ping-pong between two threads counts exactly; every rejected input
 * (of either half) wakes nobody; a read-only fd gets EBADF; a signal
 * handler ends it with EINTR even under SA_RESTART (a restart would
 * notify twice).
 */
#include "sabuf_test.h"

#define PING 0
#define PONG 64

static struct sabuf_notify_wait nw_args(uint64_t notify, uint32_t count,
					uint64_t wait, uint64_t expected, int64_t timeout_ns)
{
	struct sabuf_notify_wait a = {
		.notify_offset = notify,
		.notify_count = count,
		.wait = sabuf_t_wait_args(4, wait, expected, timeout_ns),
	};

	return a;
}

static int notify_wait(int fd, struct sabuf_notify_wait *a)
{
	return sabuf_t_ioctl(fd, SABUF_IOC_NOTIFY_WAIT, a);
}

FIXTURE(nw) {
	struct sabuf_t_buf b;
};

FIXTURE_SETUP(nw)
{
	SABUF_T_BUF_NEW(&self->b, 4096);
}

FIXTURE_TEARDOWN(nw)
{
	sabuf_t_buf_free(&self->b);
}

struct pong {
	int fd;
	uint32_t *ping, *pong;
	int rounds, errors;
};

/* Wait for ping to change, answer on pong and wait again: all in one call each. */
static void *ponger(void *arg)
{
	struct pong *p = arg;
	struct sabuf_wait w = sabuf_t_wait_args(4, PING, 0, 10 * SABUF_T_NSEC_PER_SEC);
	int r;

	r = sabuf_t_wait(p->fd, &w);
	if (r && r != -EAGAIN)
		p->errors++;
	for (int i = 1; i <= p->rounds; i++) {
		struct sabuf_notify_wait a;

		__atomic_store_n(p->pong, i, __ATOMIC_SEQ_CST);
		a = nw_args(PONG, 1, PING, i, 10 * SABUF_T_NSEC_PER_SEC);
		if (i == p->rounds) {
			struct sabuf_notify n = { .offset = PONG, .count = 1 };

			sabuf_t_ioctl(p->fd, SABUF_IOC_NOTIFY, &n);
			break;
		}
		r = notify_wait(p->fd, &a);
		if (r && r != -EAGAIN)
			p->errors++;
		/*
		 * A notify is no message: the ping's notify of round i may
		 * arrive late, after this wait queued, and wake it while
		 * ping still reads i. Wait until the word really moved on.
		 */
		while (__atomic_load_n(p->ping, __ATOMIC_SEQ_CST) == (uint32_t)i) {
			struct sabuf_wait w2 = sabuf_t_wait_args(4, PING, i,
								 10 * SABUF_T_NSEC_PER_SEC);

			r = sabuf_t_wait(p->fd, &w2);
			if (r && r != -EAGAIN) {
				p->errors++;
				break;
			}
		}
	}
	return NULL;
}

/* Every handoff sleeps: the spin off (as root; else as the module has it). */
TEST_F(nw, ping_pong_handoffs)
{
	uint32_t *ping = sabuf_t_u32(&self->b, PING), *pong = sabuf_t_u32(&self->b, PONG);
	struct pong p = { .fd = self->b.fd, .ping = ping, .pong = pong, .rounds = 2000 };
	unsigned long long old;
	bool set = !sabuf_t_param_read("handoff_spin_ns", &old) &&
		   !sabuf_t_param_write("handoff_spin_ns", 0);
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, ponger, &p));
	for (int i = 1; i <= p.rounds; i++) {
		struct sabuf_notify_wait a;
		int r;

		__atomic_store_n(ping, i, __ATOMIC_SEQ_CST);
		a = nw_args(PING, 1, PONG, i - 1, 10 * SABUF_T_NSEC_PER_SEC);
		r = notify_wait(self->b.fd, &a);
		ASSERT_TRUE(r == 0 || r == -EAGAIN) TH_LOG("round %d: %d", i, r);
		ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n(pong, __ATOMIC_SEQ_CST) ==
					       (uint32_t)i))
			TH_LOG("round %d: r %d ping %u pong %u counters %u %u errors %d", i, r,
			       *ping, *pong, sabuf_t_counter(&self->b, PING),
			       sabuf_t_counter(&self->b, PONG), p.errors);
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, p.errors);
	if (set)
		EXPECT_EQ(0, sabuf_t_param_write("handoff_spin_ns", old));
}

/*
 * The same with the handoff's spin on (module parameter handoff_spin_ns):
 * a waiter that spins is queued and counted as a sleeper, and a notify
 * that picks it while it spins wakes it all the same.
 */
TEST_F(nw, ping_pong_handoffs_spinning)
{
	uint32_t *ping = sabuf_t_u32(&self->b, PING), *pong = sabuf_t_u32(&self->b, PONG);
	struct pong p = { .fd = self->b.fd, .ping = ping, .pong = pong, .rounds = 2000 };
	unsigned long long old;
	pthread_t t;

	if (sabuf_t_param_read("handoff_spin_ns", &old) ||
	    sabuf_t_param_write("handoff_spin_ns", 100000))
		SKIP(return, "cannot set handoff_spin_ns");
	ASSERT_EQ(0, pthread_create(&t, NULL, ponger, &p));
	for (int i = 1; i <= p.rounds; i++) {
		struct sabuf_notify_wait a;
		int r;

		__atomic_store_n(ping, i, __ATOMIC_SEQ_CST);
		a = nw_args(PING, 1, PONG, i - 1, 10 * SABUF_T_NSEC_PER_SEC);
		r = notify_wait(self->b.fd, &a);
		ASSERT_TRUE(r == 0 || r == -EAGAIN) TH_LOG("round %d: %d", i, r);
		ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n(pong, __ATOMIC_SEQ_CST) ==
					       (uint32_t)i)) TH_LOG("round %d", i);
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, p.errors);
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, PING));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, PONG));
	EXPECT_EQ(0, sabuf_t_param_write("handoff_spin_ns", old));
}

/* The notify half wakes; the wait half reports its own result. */
TEST_F(nw, notifies_then_waits)
{
	struct sabuf_t_waiter wt = { .fd = self->b.fd, .args = sabuf_t_wait_args(4, PING, 0, -1) };
	struct sabuf_notify_wait a = nw_args(PING, 1, PONG, 0, 20 * SABUF_T_NSEC_PER_MSEC);

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	EXPECT_EQ(-ETIMEDOUT, notify_wait(self->b.fd, &a));
	EXPECT_EQ(0, sabuf_t_waiter_join(&wt));
	/* word differs: EAGAIN, and the notify still happened (nothing to wake) */
	a = nw_args(PING, SABUF_NOTIFY_ALL, PONG, 7, -1);
	EXPECT_EQ(-EAGAIN, notify_wait(self->b.fd, &a));
}

/* Every rejected input, of either half, wakes nobody. */
TEST_F(nw, rejected_inputs_wake_nobody)
{
	struct sabuf_t_waiter wt = { .fd = self->b.fd, .args = sabuf_t_wait_args(4, PING, 0, -1) };
	struct sabuf_notify_wait a;
	struct sabuf_notify n = { .offset = PING, .count = 1 };

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	a = nw_args(PING + 2, 1, PONG, 0, 0);	/* notify misaligned */
	EXPECT_EQ(-EINVAL, notify_wait(self->b.fd, &a));
	a = nw_args(8192, 1, PONG, 0, 0);	/* notify outside */
	EXPECT_EQ(-ERANGE, notify_wait(self->b.fd, &a));
	a = nw_args(PING, 1, PONG + 2, 0, 0);	/* wait misaligned */
	EXPECT_EQ(-EINVAL, notify_wait(self->b.fd, &a));
	a = nw_args(PING, 1, 8192, 0, 0);	/* wait outside */
	EXPECT_EQ(-ERANGE, notify_wait(self->b.fd, &a));
	a = nw_args(PING, 1, PONG, 0, 0);
	a.flags = 1;
	EXPECT_EQ(-EINVAL, notify_wait(self->b.fd, &a));
	a = nw_args(PING, 1, PONG, 0, 0);
	a.wait.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, notify_wait(self->b.fd, &a));
	a = nw_args(PING, 1, PONG, 0, 0);
	a.wait.flags |= SABUF_WAIT_ROBUST;
	EXPECT_EQ(-EINVAL, notify_wait(self->b.fd, &a));
	/* the waiter is still asleep, and the first notify wakes it */
	EXPECT_EQ(0, sabuf_t_wait_queued(&self->b, PING, wt.tid));
	EXPECT_EQ(1, sabuf_t_ioctl(self->b.fd, SABUF_IOC_NOTIFY, &n));
	EXPECT_EQ(0, sabuf_t_waiter_join(&wt));
}

TEST_F(nw, readonly_fd_ebadf)
{
	struct sabuf_dup d = { 0 };
	struct sabuf_notify_wait a = nw_args(PING, 1, PONG, 0, 0);
	int ro = sabuf_t_ioctl(self->b.fd, SABUF_IOC_DUP_READONLY, &d);

	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, notify_wait(ro, &a));
	close(ro);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* A handler, even with SA_RESTART, ends it with EINTR: a restart would notify again. */
TEST_F(nw, signal_with_sa_restart_eintr)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	pid_t child;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct sabuf_notify_wait a = nw_args(PING, 1, PONG, 0, -1);

		_exit(notify_wait(self->b.fd, &a) == -EINTR ? 0 : 1);
	}
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, PONG, child));
	ASSERT_EQ(0, kill(child, SIGUSR1));
	ASSERT_EQ(0, sabuf_t_reap(child));
}

TEST_HARNESS_MAIN
