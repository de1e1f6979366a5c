// SPDX-License-Identifier: GPL-2.0
/*
 * torture: wait/notify handoffs by the million, across threads and
 * processes, under random timeouts, random signals and random notify
 * counts, with exact accounting at the end.
 *
 * One buffer (two pages) is shared by every process (inherited over fork).
 * Each process runs:
 *  - chaos waiters: wait on a random index, as 32- or 64-bit, with random
 *    timeouts (none, 0, nanoseconds .. tens of milliseconds; relative or
 *    absolute; CLOCK_MONOTONIC or CLOCK_REALTIME);
 *  - chaos notifiers: maybe bump the index's word, then notify it with a
 *    count of 0, 1, k or all (sometimes skipping the call, as libsabuf
 *    does, when the index's waiter counter reads 0);
 *  - relay participants: pairs (some split across processes, some inside
 *    one) pass a turn back and forth through one 32-bit word, always with
 *    the counter fast path: a lost wake-up stalls the pair, and a stalled
 *    pair fails the run;
 *  - a herd: waiters on one index (--herd per process, 24 in all by
 *    default), woken by notifies of 1, 15, 16, 17, 33 or all, so that one
 *    notify wakes more than the module's wake batch;
 *  - a signaller thread that sends SIGUSR1 to random threads of its
 *    process; the process's handler has SA_RESTART, or not, or flips.
 * The parent also sends process-directed SIGUSR1 to random children.
 *
 * Accounting: every notify's return value is added to its index's
 * "notified" total, every wait that returns 0 to its index's "woken"
 * total; at the end both must match, index by index. Then no waiter may be
 * left: every waiter counter reads 0, a notify-all of every 4-byte index
 * wakes nobody, and netlink reports no waiters and no queues.
 * Also checked on the way: a timed-out wait never returns before its
 * deadline, a not-equal wait really saw another value, EINTR never comes
 * back under SA_RESTART for an absolute or infinite wait (a relative one
 * ends with EINTR after any handler in ABI 2: the kernel does not rewrite
 * its struct), and notify never wakes more than it was asked to. A fifth
 * of the waits carry SABUF_WAIT_HANDON (no waiter dies, so counts stay exact).
 *
 * Usage: torture [--seed N] [--seconds S] [--handoffs N] [--procs P]
 *                [--waiters W] [--notifiers N] [--pairs K] [--words N]
 *                [--herd H] [--signal-us U] [--progress S] [--stall S]
 * It stops at --handoffs (default 1000000) or --seconds (default 600;
 * 0: no limit), whichever comes first, and passes when the accounting is
 * exact, whether or not the handoff target was reached (the last line says).
 */
#include "common.h"
#include "genl.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define MAX_PROCS	16
#define MAX_WORDS	16		/* chaos words; two indices each */
#define MAX_PAIRS	64
#define MAX_THREADS	256		/* per process */
#define NR_INDICES	(2 * MAX_WORDS + MAX_PAIRS + 1)

#define BUFFER_BYTES	8192		/* two pages: chaos words alias counter slots */
#define RELAY_BASE	2048
#define RELAY_STRIDE	16
#define HERD_OFFSET	(4096 + 2048)	/* the herd's 32-bit word, on page 1 */

/* Options. */
static uint64_t seed;
static uint64_t opt_seconds = 600, opt_handoffs = 1000000;
static unsigned int opt_procs = 3, opt_waiters = 3, opt_notifiers = 1, opt_pairs = 6;
static unsigned int opt_words = 4, opt_signal_us = 1000, opt_progress = 5, opt_stall = 60;
static unsigned int opt_herd = 8;	/* per process: more than notify's wake batch (16) in all */

static struct sb_buffer buf;

/* ---- the state every process shares (MAP_SHARED | MAP_ANONYMOUS) ---- */

struct index_totals {
	_Atomic uint64_t notified;	/* sum of notify return values */
	_Atomic uint64_t woken;		/* waits that returned 0 */
};

struct shared {
	_Atomic int stop;
	_Atomic int failed;
	_Atomic int ready;		/* processes whose threads are running */
	_Atomic int live;		/* worker threads not yet finished */
	char first_error[512];
	_Atomic uint64_t wait_calls, notify_calls, notify_skipped;
	_Atomic uint64_t not_equal, timed_out, interrupted;
	_Atomic uint64_t signals_sent, signals_caught;
	struct index_totals idx[NR_INDICES];
	_Atomic uint64_t pair_turns[MAX_PAIRS];
	pid_t pids[MAX_PROCS];
};
static struct shared *sh;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	int expected = 0;

	if (atomic_compare_exchange_strong(&sh->failed, &expected, 1)) {
		va_start(ap, fmt);
		vsnprintf(sh->first_error, sizeof(sh->first_error), fmt, ap);
		va_end(ap);
	}
	sh->stop = 1;
}

/* ---- the buffer's layout ---- */

static unsigned int nr_chaos_indices(void) { return 2 * opt_words; }

/* Chaos word w: 64 bits; even words on page 0, odd ones on page 1 at the
 * same page offset, so that two words share every waiter counter slot. */
static uint64_t word_offset(unsigned int w)
{
	return (w % 2) * 4096 + (w / 2) * 8;
}

/* Chaos index i: the word itself (32- or 64-bit waiters), or its high half. */
static uint64_t chaos_offset(unsigned int i)
{
	return word_offset(i / 2) + (i % 2) * 4;
}

static uint64_t relay_offset(unsigned int k) { return RELAY_BASE + (uint64_t)k * RELAY_STRIDE; }
static unsigned int relay_index(unsigned int k) { return 2 * MAX_WORDS + k; }

static uint64_t *word_ptr(unsigned int w)
{
	return (uint64_t *)((char *)buf.data + word_offset(w));
}

static unsigned int herd_index(void) { return 2 * MAX_WORDS + MAX_PAIRS; }

static uint32_t *relay_ptr(unsigned int k)
{
	return (uint32_t *)((char *)buf.data + relay_offset(k));
}

/* ---- per-thread tallies, flushed into the shared totals now and then ---- */

struct tally {
	uint64_t notified[NR_INDICES], woken[NR_INDICES];
	uint64_t wait_calls, notify_calls, notify_skipped, not_equal, timed_out, interrupted;
	unsigned int ops;
};

static void flush(struct tally *t)
{
	for (unsigned int i = 0; i < NR_INDICES; i++) {
		if (t->notified[i])
			sh->idx[i].notified += t->notified[i];
		if (t->woken[i])
			sh->idx[i].woken += t->woken[i];
	}
	sh->wait_calls += t->wait_calls;
	sh->notify_calls += t->notify_calls;
	sh->notify_skipped += t->notify_skipped;
	sh->not_equal += t->not_equal;
	sh->timed_out += t->timed_out;
	sh->interrupted += t->interrupted;
	memset(t, 0, sizeof(*t));
}

static void tick(struct tally *t)
{
	if (++t->ops >= 64)
		flush(t);
}

/* ---- signals ---- */

enum sig_mode { SIG_RESTART, SIG_NO_RESTART, SIG_FLIPPING };
static enum sig_mode sig_mode;		/* this process's */
static _Atomic uint64_t caught;		/* this process's */

static void on_sigusr1(int sig)
{
	(void)sig;
	caught++;
}

static void set_handler(bool restart)
{
	struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = restart ? SA_RESTART : 0 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* ---- one wait, with a random timeout ---- */

struct wait_call {
	uint64_t offset, expected;
	uint32_t flags, clockid;
	int64_t timeout;	/* as passed */
	int64_t deadline;	/* when it may time out at the earliest, on clockid; -1: never */
};

static void plan_wait(struct rng *r, struct wait_call *c, unsigned int forever_pct)
{
	int64_t t;
	unsigned int k;

	c->clockid = rng_chance(r, 25) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	/* Hand-on changes nothing here (no waiter dies): the counts stay exact. */
	if (rng_chance(r, 20))
		c->flags |= SABUF_WAIT_HANDON;
	if (rng_chance(r, forever_pct)) {
		t = -1;
	} else {
		k = rng_below(r, 100);
		if (k < 15)
			t = 0;
		else if (k < 35)
			t = rng_range(r, 1, NSEC_PER_USEC);
		else if (k < 60)
			t = rng_range(r, NSEC_PER_USEC, 100 * NSEC_PER_USEC);
		else if (k < 90)
			t = rng_range(r, 100 * NSEC_PER_USEC, 5 * NSEC_PER_MSEC);
		else
			t = rng_range(r, 5 * NSEC_PER_MSEC, 50 * NSEC_PER_MSEC);
	}
	c->timeout = t;
	c->deadline = -1;
	if (t < 0)
		return;
	c->deadline = now_ns(c->clockid) + t;
	if (rng_chance(r, 30)) {
		c->flags |= SABUF_WAIT_ABSTIME;
		/* now and then a deadline already in the past */
		if (rng_chance(r, 10))
			c->deadline -= rng_range(r, 0, NSEC_PER_SEC);
		c->timeout = c->deadline;
	}
}

/* Run a planned wait and account for it. */
static int do_wait(struct tally *t, unsigned int idx, const struct wait_call *c)
{
	int ret = sb_wait(buf.fd, c->offset, c->expected, c->flags, c->clockid, c->timeout);

	t->wait_calls++;
	switch (ret) {
	case 0:
		t->woken[idx]++;
		break;
	case -EAGAIN:
		t->not_equal++;
		break;
	case -ETIMEDOUT:
		t->timed_out++;
		if (c->deadline < 0)
			fail("a wait without timeout timed out (offset %llu)",
			     (unsigned long long)c->offset);
		else if (now_ns(c->clockid) < c->deadline)
			fail("a wait timed out %lld ns before its deadline (clock %u, flags %#x)",
			     (long long)(c->deadline - now_ns(c->clockid)), c->clockid, c->flags);
		break;
	case -EINTR:
		t->interrupted++;
		/*
		 * ABI 2: the kernel never rewrites the struct, so a relative
		 * wait with a timeout ends with EINTR after any handler; an
		 * absolute or infinite one must restart under SA_RESTART.
		 */
		if (sig_mode == SIG_RESTART && (c->deadline < 0 || (c->flags & SABUF_WAIT_ABSTIME)))
			fail("a%s wait failed with EINTR although SIGUSR1 has SA_RESTART",
			     c->deadline < 0 ? "n infinite" : "n absolute");
		break;
	default:
		fail("wait (offset %llu, flags %#x, clock %u, timeout %lld) failed: %s",
		     (unsigned long long)c->offset, c->flags, c->clockid,
		     (long long)c->timeout, strerror(-ret));
	}
	return ret;
}

/* Notify and account; count is checked against the result. */
static int do_notify(struct tally *t, unsigned int idx, uint64_t offset, uint32_t count)
{
	int ret = sb_notify(buf.fd, offset, count);

	t->notify_calls++;
	if (ret < 0) {
		fail("notify (offset %llu, count %u) failed: %s", (unsigned long long)offset,
		     count, strerror(-ret));
		return 0;
	}
	if (count != SABUF_NOTIFY_ALL && (uint32_t)ret > count)
		fail("notify (offset %llu, count %u) woke %d", (unsigned long long)offset, count, ret);
	t->notified[idx] += (uint32_t)ret;
	return ret;
}

static uint32_t random_count(struct rng *r, bool zero_ok)
{
	unsigned int k = rng_below(r, 100);

	if (k < 10)
		return zero_ok ? 0 : 1;
	if (k < 50)
		return 1;
	if (k < 80)
		return (uint32_t)rng_range(r, 2, 8);
	return SABUF_NOTIFY_ALL;
}

/* ---- the worker threads ---- */

enum role { CHAOS_WAITER, CHAOS_NOTIFIER, RELAY, HERD, HERDER };

struct worker {
	pthread_t thread;
	enum role role;
	unsigned int proc, nr;		/* process index, thread number in it */
	unsigned int pair, side;	/* RELAY */
	struct rng rng;
};

static pid_t worker_tids[MAX_THREADS];
static _Atomic unsigned int nr_worker_tids;

static void chaos_waiter(struct worker *w, struct tally *t)
{
	while (!sh->stop) {
		unsigned int idx = (unsigned int)rng_below(&w->rng, nr_chaos_indices());
		uint64_t *word = word_ptr(idx / 2);
		uint64_t g = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		struct wait_call c = { .offset = chaos_offset(idx) };
		bool wrong = rng_chance(&w->rng, 3);
		bool w64 = !(idx % 2) && rng_chance(&w->rng, 50);
		int ret;

		c.flags = w64 ? SABUF_WAIT_SIZE_U64 : SABUF_WAIT_SIZE_U32;
		if (idx % 2)
			c.expected = (uint32_t)(g >> 32);	/* the high half (little-endian) */
		else
			c.expected = w64 ? g : (uint32_t)g;
		if (wrong)
			c.expected = w64 ? c.expected + 1 : (uint32_t)(c.expected + 1);
		plan_wait(&w->rng, &c, 20);
		ret = do_wait(t, idx, &c);
		if (ret == -EAGAIN && !wrong) {
			/* The words only grow: a not-equal wait saw a newer value. */
			uint64_t now = __atomic_load_n(word, __ATOMIC_SEQ_CST);
			uint64_t seen = idx % 2 ? (uint32_t)(now >> 32) : w64 ? now : (uint32_t)now;

			if (seen == c.expected)
				fail("wait said not-equal, but index %llu still holds %#llx",
				     (unsigned long long)c.offset, (unsigned long long)seen);
		}
		tick(t);
	}
}

static void chaos_notifier(struct worker *w, struct tally *t)
{
	while (!sh->stop) {
		unsigned int idx = (unsigned int)rng_below(&w->rng, nr_chaos_indices());
		uint64_t off = chaos_offset(idx);

		if (!(idx % 2) && rng_chance(&w->rng, 50))
			__atomic_add_fetch(word_ptr(idx / 2), 1, __ATOMIC_SEQ_CST);
		if (rng_chance(&w->rng, 30)) {
			/* libsabuf's fast path: store, full fence, read the counter */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (!sb_counter(&buf, off)) {
				t->notify_skipped++;
				tick(t);
				continue;
			}
		}
		do_notify(t, idx, off, random_count(&w->rng, true));
		tick(t);
		/* leave the waiters some time to queue up again */
		if (rng_chance(&w->rng, 50))
			sleep_ns((int64_t)rng_below(&w->rng, 100 * NSEC_PER_USEC));
	}
}

static void relay(struct worker *w, struct tally *t)
{
	unsigned int k = w->pair, idx = relay_index(k);
	uint64_t off = relay_offset(k);
	uint32_t *word = relay_ptr(k);

	while (!sh->stop) {
		uint32_t turn = __atomic_load_n(word, __ATOMIC_SEQ_CST);

		if ((turn & 1) == w->side) {
			int woke;

			__atomic_store_n(word, turn + 1, __ATOMIC_SEQ_CST);
			sh->pair_turns[k]++;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (!sb_counter(&buf, off)) {
				t->notify_skipped++;
			} else {
				woke = do_notify(t, idx, off, random_count(&w->rng, false));
				if (woke > 1)
					fail("relay %u: a notify woke %d, but only one partner waits",
					     k, woke);
			}
		} else {
			struct wait_call c = {
				.offset = off, .expected = turn, .flags = SABUF_WAIT_SIZE_U32,
			};

			plan_wait(&w->rng, &c, 60);
			if (do_wait(t, idx, &c) == -EAGAIN &&
			    __atomic_load_n(word, __ATOMIC_SEQ_CST) == turn)
				fail("relay %u: wait said not-equal, but the word still holds %u",
				     k, turn);
		}
		tick(t);
	}
}

/*
 * The herd: many waiters on one index, so that a notify wakes more of them
 * than the module collects in one batch (it then wakes under the lock).
 * The word never changes: only notifies (and timeouts, signals) end a wait.
 */
static void herd(struct worker *w, struct tally *t)
{
	while (!sh->stop) {
		struct wait_call c = { .offset = HERD_OFFSET, .flags = SABUF_WAIT_SIZE_U32 };

		plan_wait(&w->rng, &c, 70);
		do_wait(t, herd_index(), &c);
		tick(t);
	}
}

static void herder(struct worker *w, struct tally *t)
{
	static const uint32_t counts[] = { 1, 15, 16, 17, 33, SABUF_NOTIFY_ALL, SABUF_NOTIFY_ALL };

	while (!sh->stop) {
		sleep_ns((int64_t)rng_below(&w->rng, 2 * NSEC_PER_MSEC));
		do_notify(t, herd_index(), HERD_OFFSET, counts[rng_below(&w->rng, ARRAY_SIZE(counts))]);
		tick(t);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct tally t = { 0 };
	unsigned int slot = nr_worker_tids++;

	if (slot < MAX_THREADS)
		worker_tids[slot] = (pid_t)syscall(SYS_gettid);
	switch (w->role) {
	case CHAOS_WAITER: chaos_waiter(w, &t); break;
	case CHAOS_NOTIFIER: chaos_notifier(w, &t); break;
	case RELAY: relay(w, &t); break;
	case HERD: herd(w, &t); break;
	case HERDER: herder(w, &t); break;
	}
	flush(&t);
	sh->live--;
	return NULL;
}

/* Sends SIGUSR1 to random threads of this process; flips SA_RESTART in SIG_FLIPPING. */
static void *signaller_main(void *arg)
{
	struct rng *r = arg;
	uint64_t sent = 0;
	bool restart = true;

	while (!sh->stop) {
		unsigned int n = nr_worker_tids;

		sleep_ns((int64_t)rng_below(r, 2 * (uint64_t)opt_signal_us * NSEC_PER_USEC + 1));
		if (!n)
			continue;
		if (sig_mode == SIG_FLIPPING && rng_chance(r, 10)) {
			restart = !restart;
			set_handler(restart);
		}
		if (!syscall(SYS_tgkill, getpid(), worker_tids[rng_below(r, n < MAX_THREADS ? n : MAX_THREADS)],
			     SIGUSR1) && ++sent == 64) {
			sh->signals_sent += sent;
			sent = 0;
		}
	}
	sh->signals_sent += sent;
	return NULL;
}

/* Which process holds each side of each relay pair: even pairs span two
 * processes (when there are two), odd pairs live inside one. */
static unsigned int pair_proc(unsigned int k, unsigned int side)
{
	unsigned int p = k % opt_procs;

	if (side && k % 2 == 0)
		p = (p + 1) % opt_procs;
	return p;
}

static int child_main(unsigned int proc)
{
	static struct worker workers[MAX_THREADS];
	unsigned int n = 0, i, k;
	struct rng sig_rng = rng_derive(seed, proc, 0xffff);
	pthread_t signaller;
	sigset_t usr1;

	sig_mode = (enum sig_mode)(proc % 3);
	set_handler(sig_mode != SIG_NO_RESTART);

	for (i = 0; i < opt_waiters; i++)
		workers[n++] = (struct worker){ .role = CHAOS_WAITER };
	for (i = 0; i < opt_notifiers; i++)
		workers[n++] = (struct worker){ .role = CHAOS_NOTIFIER };
	for (k = 0; k < opt_pairs; k++)
		for (i = 0; i < 2; i++)
			if (pair_proc(k, i) == proc)
				workers[n++] = (struct worker){ .role = RELAY, .pair = k, .side = i };
	for (i = 0; i < opt_herd; i++)
		workers[n++] = (struct worker){ .role = HERD };
	if (opt_herd && proc == 0)
		workers[n++] = (struct worker){ .role = HERDER };
	sh->live += (int)n;
	for (i = 0; i < n; i++) {
		workers[i].proc = proc;
		workers[i].nr = i;
		workers[i].rng = rng_derive(seed, proc, i);
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i])) {
			fail("pthread_create failed");
			sh->live -= (int)(n - i);
			n = i;
			break;
		}
	}
	/* Process-directed signals go to the workers, not to this thread. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	if (opt_signal_us && pthread_create(&signaller, NULL, signaller_main, &sig_rng))
		fail("pthread_create failed");
	sh->ready++;

	for (i = 0; i < n; i++)
		pthread_join(workers[i].thread, NULL);
	if (opt_signal_us)
		pthread_join(signaller, NULL);
	sh->signals_caught += caught;
	return 0;
}

/* ---- the parent ---- */

static uint64_t handoffs(void)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < NR_INDICES; i++)
		sum += sh->idx[i].notified;
	return sum;
}

static void all_indices(uint64_t *offs, unsigned int *idxs, unsigned int *n)
{
	*n = 0;
	for (unsigned int i = 0; i < nr_chaos_indices(); i++) {
		offs[*n] = chaos_offset(i);
		idxs[(*n)++] = i;
	}
	for (unsigned int k = 0; k < opt_pairs; k++) {
		offs[*n] = relay_offset(k);
		idxs[(*n)++] = relay_index(k);
	}
	offs[*n] = HERD_OFFSET;
	idxs[(*n)++] = herd_index();
}

static void report_pair(unsigned int k)
{
	uint64_t off = relay_offset(k);

	say("relay %u: word %u, waiter counter %u, turns %llu", k,
	    __atomic_load_n(relay_ptr(k), __ATOMIC_SEQ_CST), sb_counter(&buf, off),
	    (unsigned long long)sh->pair_turns[k]);
}

/* Wake everyone until every worker has seen the stop flag. */
static bool drain(void)
{
	uint64_t offs[NR_INDICES];
	unsigned int idxs[NR_INDICES], n;
	struct tally t = { 0 };
	double until = mono_seconds() + 120;
	bool ok = true;

	all_indices(offs, idxs, &n);
	while (sh->live > 0) {
		if (mono_seconds() > until) {
			complain("%d worker threads still running 120 s after the stop", sh->live);
			ok = false;
			break;
		}
		for (unsigned int i = 0; i < n; i++)
			do_notify(&t, idxs[i], offs[i], SABUF_NOTIFY_ALL);
		sleep_ns(NSEC_PER_MSEC);
	}
	flush(&t);
	return ok;
}

static bool final_checks(void)
{
	struct sabuf_nl_buffer nb;
	uint64_t notified = 0, woken = 0, offs[NR_INDICES];
	unsigned int idxs[NR_INDICES], n, i;
	bool ok = true;
	int sock, family, ret;

	all_indices(offs, idxs, &n);
	for (i = 0; i < n; i++) {
		struct index_totals *x = &sh->idx[idxs[i]];

		notified += x->notified;
		woken += x->woken;
		if (x->notified != x->woken) {
			complain("offset %llu: notify returned %llu in total, but %llu waits were woken",
				 (unsigned long long)offs[i], (unsigned long long)x->notified,
				 (unsigned long long)x->woken);
			ok = false;
		}
	}
	say("accounting: notify returned %llu in total; %llu waits returned woken",
	    (unsigned long long)notified, (unsigned long long)woken);

	for (i = 0; i < buf.info.counters_slots; i++) {
		if (buf.counters[i]) {
			complain("waiter counter slot %u reads %u after every waiter left",
				 i, buf.counters[i]);
			ok = false;
		}
	}
	for (uint64_t off = 0; off + 4 <= buf.info.byte_length; off += 4) {
		ret = sb_notify(buf.fd, off, SABUF_NOTIFY_ALL);
		sh->notify_calls++;
		if (ret) {
			complain("a final notify-all of offset %llu returned %d", (unsigned long long)off, ret);
			ok = false;
		}
	}

	sock = genl_open();
	family = sock >= 0 ? genl_family_id(sock, SABUF_GENL_NAME) : sock;
	if (family < 0) {
		complain("netlink family %s: %s", SABUF_GENL_NAME, strerror(-family));
		return false;
	}
	ret = sabuf_nl_get(sock, family, buf.info.id, true, &nb);
	close(sock);
	if (ret) {
		complain("netlink QUEUES_GET of buffer %llu: %s", (unsigned long long)buf.info.id,
			 strerror(-ret));
		return false;
	}
	if (nb.waiters || nb.nr_queues) {
		complain("netlink reports %u waiters in %u queues after every waiter left",
			 nb.waiters, nb.nr_queues);
		ok = false;
	}
	if (nb.notifies != sh->notify_calls) {
		complain("netlink counts %llu notifies, we made %llu", (unsigned long long)nb.notifies,
			 (unsigned long long)sh->notify_calls);
		ok = false;
	}
	/* Each restart after SA_RESTART enters the ioctl again: the kernel counts more. */
	if (nb.waits < sh->wait_calls) {
		complain("netlink counts %llu waits, we made %llu", (unsigned long long)nb.waits,
			 (unsigned long long)sh->wait_calls);
		ok = false;
	}
	return ok;
}

static void usage(void)
{
	printf("usage: torture [--seed N] [--seconds S (0: no limit)] [--handoffs N]\n"
	       "               [--procs P] [--waiters W] [--notifiers N] [--pairs K] [--words N] [--herd H]\n"
	       "               [--signal-us U (0: no signals)] [--progress S] [--stall S]\n");
}

static void parse_args(int argc, char **argv)
{
	bool have_seed = false;
	const char *v;

	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, "--seed", &v)) {
			seed = parse_u64("--seed", v);
			have_seed = true;
		} else if (opt_value(argc, argv, &i, "--seconds", &v)) {
			opt_seconds = parse_u64("--seconds", v);
		} else if (opt_value(argc, argv, &i, "--handoffs", &v)) {
			opt_handoffs = parse_u64("--handoffs", v);
		} else if (opt_value(argc, argv, &i, "--procs", &v)) {
			opt_procs = (unsigned int)parse_u64("--procs", v);
		} else if (opt_value(argc, argv, &i, "--waiters", &v)) {
			opt_waiters = (unsigned int)parse_u64("--waiters", v);
		} else if (opt_value(argc, argv, &i, "--notifiers", &v)) {
			opt_notifiers = (unsigned int)parse_u64("--notifiers", v);
		} else if (opt_value(argc, argv, &i, "--pairs", &v)) {
			opt_pairs = (unsigned int)parse_u64("--pairs", v);
		} else if (opt_value(argc, argv, &i, "--words", &v)) {
			opt_words = (unsigned int)parse_u64("--words", v);
		} else if (opt_value(argc, argv, &i, "--herd", &v)) {
			opt_herd = (unsigned int)parse_u64("--herd", v);
		} else if (opt_value(argc, argv, &i, "--signal-us", &v)) {
			opt_signal_us = (unsigned int)parse_u64("--signal-us", v);
		} else if (opt_value(argc, argv, &i, "--progress", &v)) {
			opt_progress = (unsigned int)parse_u64("--progress", v);
		} else if (opt_value(argc, argv, &i, "--stall", &v)) {
			opt_stall = (unsigned int)parse_u64("--stall", v);
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			exit(0);
		} else {
			usage();
			die("unknown argument %s", argv[i]);
		}
	}
	if (!have_seed)
		seed = stress_default_seed();
	if (opt_procs < 1 || opt_procs > MAX_PROCS)
		die("--procs must be 1..%d", MAX_PROCS);
	if (opt_words < 1 || opt_words > MAX_WORDS)
		die("--words must be 1..%d", MAX_WORDS);
	if (opt_pairs > MAX_PAIRS)
		die("--pairs must be 0..%d", MAX_PAIRS);
	if (opt_waiters + opt_notifiers + 2 * opt_pairs + opt_herd + 1 > MAX_THREADS)
		die("too many threads");
	if (!opt_progress)
		opt_progress = 5;
}

int main(int argc, char **argv)
{
	struct rng r;
	uint64_t last_turns[MAX_PAIRS] = { 0 };
	double last_move[MAX_PAIRS];
	double start, last_progress, now;
	uint64_t last_handoffs = 0, done;
	unsigned int i, exited = 0;
	bool ok = true, reached;
	int ret;

	stress_init("torture");
	parse_args(argc, argv);
	r = rng_derive(seed, 0xfffff, 0);
	say("seed %#llx; %u processes x (%u waiters + %u notifiers + a herd of %u) + %u relay pairs; "
	    "signals every ~%u us; target %llu handoffs, limit %llu s",
	    (unsigned long long)seed, opt_procs, opt_waiters, opt_notifiers, opt_herd, opt_pairs, opt_signal_us,
	    (unsigned long long)opt_handoffs, (unsigned long long)opt_seconds);

	ret = sb_buffer_make(&buf, BUFFER_BYTES);
	if (ret)
		die("cannot make a %d-byte buffer: %s", BUFFER_BYTES, strerror(-ret));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));

	for (i = 0; i < opt_procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid)
			_exit(child_main(i));
		sh->pids[i] = pid;
	}
	while (sh->ready < (int)opt_procs && !sh->failed)
		sleep_ns(NSEC_PER_MSEC);

	start = last_progress = mono_seconds();
	for (i = 0; i < MAX_PAIRS; i++)
		last_move[i] = start;
	while (!sh->stop) {
		int status;
		pid_t pid;

		sleep_ns(opt_signal_us ? (int64_t)rng_below(&r, 10 * NSEC_PER_MSEC) : 20 * NSEC_PER_MSEC);
		now = mono_seconds();
		if (opt_signal_us)
			kill(sh->pids[rng_below(&r, opt_procs)], SIGUSR1);
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			exited++;
			fail("a worker process (pid %d) ended before the stop (status %#x)", pid, status);
			break;
		}
		for (i = 0; i < opt_pairs; i++) {
			if (sh->pair_turns[i] != last_turns[i]) {
				last_turns[i] = sh->pair_turns[i];
				last_move[i] = now;
			} else if (now - last_move[i] > opt_stall) {
				report_pair(i);
				fail("relay pair %u made no progress for %u s: a lost wake-up", i, opt_stall);
			}
		}
		done = handoffs();
		if (now - last_progress >= opt_progress) {
			say("%6.1f s: %llu handoffs (%.0f/s), %llu waits: %llu not-equal, %llu timed out, "
			    "%llu interrupted; %llu notifies (+%llu skipped); %llu signals",
			    now - start, (unsigned long long)done,
			    (double)(done - last_handoffs) / (now - last_progress),
			    (unsigned long long)sh->wait_calls, (unsigned long long)sh->not_equal,
			    (unsigned long long)sh->timed_out, (unsigned long long)sh->interrupted,
			    (unsigned long long)sh->notify_calls, (unsigned long long)sh->notify_skipped,
			    (unsigned long long)sh->signals_sent);
			last_progress = now;
			last_handoffs = done;
		}
		if (done >= opt_handoffs || (opt_seconds && now - start >= opt_seconds))
			break;
	}
	now = mono_seconds();
	sh->stop = 1;
	ok = drain();
	for (i = exited; i < opt_procs; i++) {
		int status;

		if (wait(&status) < 0) {
			complain("wait: %s", strerror(errno));
			ok = false;
			break;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			complain("a worker process ended with status %#x", status);
			ok = false;
		}
	}
	if (sh->failed) {
		complain("%s", sh->first_error);
		ok = false;
	}
	if (!final_checks())
		ok = false;

	done = handoffs();
	reached = done >= opt_handoffs;
	say("%llu handoffs in %.1f s (%.0f/s), %llu waits (%llu not-equal, %llu timed out, "
	    "%llu interrupted), %llu notifies (+%llu skipped), %llu signals sent, %llu caught%s",
	    (unsigned long long)done, now - start, (double)done / (now - start),
	    (unsigned long long)sh->wait_calls, (unsigned long long)sh->not_equal,
	    (unsigned long long)sh->timed_out, (unsigned long long)sh->interrupted,
	    (unsigned long long)sh->notify_calls, (unsigned long long)sh->notify_skipped,
	    (unsigned long long)sh->signals_sent, (unsigned long long)sh->signals_caught,
	    reached ? "" : " (the handoff target was not reached: time limit)");
	sb_buffer_drop(&buf);
	if (!ok) {
		say("FAILED (seed %#llx)", (unsigned long long)seed);
		return STRESS_FAIL;
	}
	say("PASS: exact accounting, no waiter left behind (seed %#llx)", (unsigned long long)seed);
	return STRESS_PASS;
}
