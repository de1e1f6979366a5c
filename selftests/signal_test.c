// SPDX-License-Identifier: GPL-2.0
/*
 * Waits and signals: a handler without SA_RESTART ends the wait with
 * EINTR; with SA_RESTART an absolute or infinite wait goes on and keeps
 * its deadline, and a relative one ends with EINTR (the kernel never
 * rewrites the caller's struct, uapi/linux/sabuf.h); a stop/continue is
 * invisible. And a
 * stress loop racing notify against signals and timeouts: every waiter a
 * notify counted reports "woken", and no other waiter does.
 */
#include "sabuf_test.h"

#define WORD 256

static unsigned int signals_handled;	/* __atomic */

static void count_signal(int sig)
{
	(void)sig;
	__atomic_fetch_add(&signals_handled, 1, __ATOMIC_SEQ_CST);
}

static unsigned int nr_handled(void)
{
	return __atomic_load_n(&signals_handled, __ATOMIC_SEQ_CST);
}

static int install_handler(int sig, int flags)
{
	struct sigaction sa = { .sa_handler = count_signal, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

FIXTURE(sig) {
	struct sabuf_t_buf b;
};

FIXTURE_SETUP(sig)
{
	SABUF_T_BUF_NEW(&self->b, sabuf_t_page_size());
	ASSERT_EQ(0, install_handler(SIGUSR1, 0));		/* interrupts */
	ASSERT_EQ(0, install_handler(SIGUSR2, SA_RESTART));	/* restarts */
	signals_handled = 0;
}

FIXTURE_TEARDOWN(sig)
{
	sabuf_t_buf_free(&self->b);
}

/* A waiter interrupted by a handler without SA_RESTART reports EINTR and leaves the queue. */
static void check_eintr(struct __test_metadata *_metadata, FIXTURE_DATA(sig) *self,
			int64_t timeout_ns, unsigned int extra_flags)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, timeout_ns),
	};

	wt.args.flags |= extra_flags;
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR1));
	ASSERT_EQ(-EINTR, sabuf_t_waiter_join(&wt));
	ASSERT_EQ(1u, nr_handled());
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
}

TEST_F(sig, no_sa_restart_forever_wait_eintr)
{
	check_eintr(_metadata, self, -1, 0);
}

TEST_F(sig, no_sa_restart_relative_wait_eintr)
{
	check_eintr(_metadata, self, 60 * SABUF_T_NSEC_PER_SEC, 0);
}

TEST_F(sig, no_sa_restart_absolute_wait_eintr)
{
	check_eintr(_metadata, self,
		    sabuf_t_now(CLOCK_MONOTONIC) + 60 * SABUF_T_NSEC_PER_SEC, SABUF_WAIT_ABSTIME);
}

/*
 * Interrupt wt up to times times with SIGUSR2 (SA_RESTART), each time once
 * it sleeps again. Stops early if the wait ends. Returns how many signals
 * its handler ran for.
 */
static unsigned int interrupt_restarting(const struct sabuf_t_buf *b, struct sabuf_t_waiter *wt,
					 unsigned int times)
{
	unsigned int sent = 0;

	while (sent < times && !sabuf_t_waiter_done(wt)) {
		if (sabuf_t_wait_queued(b, wt->args.offset, wt->tid))
			break;
		if (pthread_kill(wt->thread, SIGUSR2))
			break;
		sent++;
		SABUF_T_EVENTUALLY(nr_handled() >= sent);
	}
	return nr_handled();
}

/* With SA_RESTART a forever wait goes back to sleep, and a notify still finds it. */
TEST_F(sig, sa_restart_forever_wait_continues)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
	};

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(3u, interrupt_restarting(&self->b, &wt, 3));
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, wt.tid));
	ASSERT_FALSE(sabuf_t_waiter_done(&wt));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
}

/*
 * A relative wait interrupted by a handler fails with EINTR even under
 * SA_RESTART (the kernel cannot know what is left without rewriting the
 * caller's struct, which it never does), and leaves the struct exactly as
 * it was, so reusing it starts a whole new timeout. ABI 1 rewrote the
 * struct into a deadline instead: this fails on it.
 */
static void check_relative_eintr_untouched(struct __test_metadata *_metadata,
					   FIXTURE_DATA(sig) *self, clockid_t clk)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd,
		.args = sabuf_t_wait_args(4, WORD, 0, 60 * SABUF_T_NSEC_PER_SEC),
	};
	struct sabuf_wait before;

	wt.args.clockid = clk;
	before = wt.args;
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR2));
	ASSERT_EQ(-EINTR, sabuf_t_waiter_join(&wt));
	ASSERT_EQ(1u, nr_handled());
	ASSERT_EQ(0, memcmp(&before, &wt.args, sizeof(before)))
		TH_LOG("the kernel wrote into the caller's wait struct");
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
}

TEST_F(sig, sa_restart_relative_monotonic_eintr_struct_untouched)
{
	check_relative_eintr_untouched(_metadata, self, CLOCK_MONOTONIC);
}

TEST_F(sig, sa_restart_relative_realtime_eintr_struct_untouched)
{
	check_relative_eintr_untouched(_metadata, self, CLOCK_REALTIME);
}

/*
 * The wait struct may be read-only memory: the kernel only reads it. A
 * relative wait there, interrupted under SA_RESTART, reports EINTR (ABI 1
 * failed with EFAULT writing the deadline back); an absolute one restarts
 * and times out at its deadline.
 */
TEST_F(sig, sa_restart_readonly_wait_struct)
{
	const int64_t deadline = sabuf_t_now(CLOCK_MONOTONIC) + SABUF_T_SEEN_ASLEEP_TIMEOUT_NS;
	struct sabuf_wait *ro;
	pid_t child;

	ro = mmap(NULL, sabuf_t_page_size(), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	ro[0] = sabuf_t_wait_args(4, WORD, 0, 60 * SABUF_T_NSEC_PER_SEC);
	ro[1] = sabuf_t_wait_args(4, WORD, 0, deadline);
	ro[1].flags |= SABUF_WAIT_ABSTIME;
	ASSERT_EQ(0, mprotect(ro, sabuf_t_page_size(), PROT_READ));

	/* The harness's waiter copies args; a child waits on ro itself. */
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = ioctl(self->b.fd, SABUF_IOC_WAIT, &ro[0]);

		_exit(ret == -1 && errno == EINTR ? 0 : 10 + (ret == -1 ? errno % 100 : 99));
	}
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, child));
	ASSERT_EQ(0, kill(child, SIGUSR2));
	ASSERT_EQ(0, sabuf_t_reap(child)) TH_LOG("relative wait on a read-only struct");

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = ioctl(self->b.fd, SABUF_IOC_WAIT, &ro[1]);

		_exit(ret == -1 && errno == ETIMEDOUT &&
		      sabuf_t_now(CLOCK_MONOTONIC) >= deadline ? 0 : 20);
	}
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, child));
	ASSERT_EQ(0, kill(child, SIGUSR2));
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, child))
		TH_LOG("the absolute wait did not restart");
	ASSERT_EQ(0, sabuf_t_reap(child)) TH_LOG("absolute wait on a read-only struct");
	munmap(ro, sabuf_t_page_size());
}

/* An absolute deadline is left as it was, and still met, across restarts. */
TEST_F(sig, sa_restart_absolute_deadline_unchanged)
{
	const int64_t deadline = sabuf_t_now(CLOCK_MONOTONIC) + SABUF_T_SEEN_ASLEEP_TIMEOUT_NS;
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(8, WORD, 0, deadline),
	};

	wt.args.flags |= SABUF_WAIT_ABSTIME;
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_LE(1u, interrupt_restarting(&self->b, &wt, 3));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_waiter_join(&wt));
	ASSERT_EQ(SABUF_WAIT_SIZE_U64 | SABUF_WAIT_ABSTIME, wt.args.flags);
	ASSERT_EQ(deadline, wt.args.timeout_ns);
	ASSERT_LE(deadline, wt.end_ns);
}

/* SIGSTOP and SIGCONT (no handler runs) leave the wait in place. */
TEST_F(sig, stop_and_continue_is_invisible)
{
	struct sabuf_wait w = sabuf_t_wait_args(4, WORD, 0, -1);
	pid_t child = sabuf_t_fork_waiter(self->b.fd, &w);
	int status;

	ASSERT_LT(0, child);
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, child));
	ASSERT_EQ(0, kill(child, SIGSTOP));
	ASSERT_EQ(child, waitpid(child, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, kill(child, SIGCONT));
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, child));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_EQ(0, sabuf_t_reap(child));
}

/* ---- the stress loop ---- */

#define STRESS_WAITERS	4
#define STRESS_MS	1500

struct stress {
	const struct sabuf_t_buf *b;
	int stop;			/* __atomic */
	pthread_t waiters[STRESS_WAITERS];
	int waiters_done;		/* __atomic */
	/* Results, __atomic. */
	sabuf_t_u64_word woken, timed_out, interrupted, other, notified, notifies;
};

static void *stress_waiter(void *arg)
{
	static const int64_t timeouts[] = { 0, 20000, 100000, 500000, 2000000, -1 };
	struct stress *s = arg;
	unsigned int seed = (unsigned int)gettid();

	while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) {
		int64_t t = timeouts[rand_r(&seed) % 6];
		int ret = sabuf_t_wait32(s->b->fd, WORD, 0, t);
		sabuf_t_u64_word *slot = ret == 0 ? &s->woken : ret == -ETIMEDOUT ? &s->timed_out :
				 ret == -EINTR ? &s->interrupted : &s->other;

		__atomic_fetch_add(slot, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_fetch_add(&s->waiters_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *stress_signaller(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = 12345;

	while (__atomic_load_n(&s->waiters_done, __ATOMIC_SEQ_CST) < STRESS_WAITERS) {
		unsigned int r = rand_r(&seed);

		if (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST))
			pthread_kill(s->waiters[r % STRESS_WAITERS], r & 4 ? SIGUSR1 : SIGUSR2);
		usleep(50 + r % 300);
	}
	return NULL;
}

static void *stress_notifier(void *arg)
{
	static const __u32 counts[] = { 1, 1, 2, 3, SABUF_NOTIFY_ALL };
	struct stress *s = arg;
	unsigned int seed = 54321;

	/* After stop, keep notifying until every waiter is out of its last wait. */
	while (__atomic_load_n(&s->waiters_done, __ATOMIC_SEQ_CST) < STRESS_WAITERS) {
		unsigned int r = rand_r(&seed);
		int ret = sabuf_t_notify(s->b->fd, WORD, counts[r % 5]);

		if (ret < 0) {
			__atomic_fetch_add(&s->other, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		__atomic_fetch_add(&s->notified, ret, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&s->notifies, 1, __ATOMIC_SEQ_CST);
		if (r & 8)
			usleep(r % 200);
	}
	return NULL;
}

TEST_F(sig, stress_notify_against_signals_and_timeouts)
{
	struct stress s = { .b = &self->b };
	pthread_t signaller, notifier;

	for (int i = 0; i < STRESS_WAITERS; i++) {
		ASSERT_EQ(0, pthread_create(&s.waiters[i], NULL, stress_waiter, &s));
	}
	ASSERT_EQ(0, pthread_create(&signaller, NULL, stress_signaller, &s));
	ASSERT_EQ(0, pthread_create(&notifier, NULL, stress_notifier, &s));
	sabuf_t_sleep_ms(STRESS_MS);
	__atomic_store_n(&s.stop, 1, __ATOMIC_SEQ_CST);
	/* The signaller first: it must not signal a waiter that was joined. */
	pthread_join(signaller, NULL);
	pthread_join(notifier, NULL);
	for (int i = 0; i < STRESS_WAITERS; i++)
		pthread_join(s.waiters[i], NULL);

	TH_LOG("%llu notifies woke %llu; waits: %llu woken, %llu timed out, %llu interrupted",
	       (unsigned long long)s.notifies, (unsigned long long)s.notified,
	       (unsigned long long)s.woken, (unsigned long long)s.timed_out,
	       (unsigned long long)s.interrupted);
	ASSERT_EQ(0ull, (unsigned long long)s.other);
	ASSERT_EQ(s.notified, s.woken) TH_LOG("notify counts and woken waiters disagree");
	/* The race must actually have been run on all three fronts. */
	ASSERT_LT(0ull, (unsigned long long)s.woken);
	ASSERT_LT(0ull, (unsigned long long)s.timed_out);
	ASSERT_LT(0ull, (unsigned long long)s.interrupted);
	/* Nobody is left behind in the queue. */
	ASSERT_EQ(0u, sabuf_t_counter(&self->b, WORD));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL));
}

TEST_HARNESS_MAIN
