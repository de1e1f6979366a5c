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
#include "runloop.h"

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

#define MAX_PROCS	RL_MAX_PROCS
#define MAX_WORDS	16		/* chaos words; two indices each */
#define MAX_PAIRS	64
#define MAX_THREADS	RL_MAX_THREADS	/* per process */
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

/* ---- the counters every process adds to (runloop.h) ---- */

enum {
	C_WAIT_CALLS, C_NOTIFY_CALLS, C_NOTIFY_SKIPPED, C_NOT_EQUAL, C_TIMED_OUT, C_INTERRUPTED,
	C_NOTIFIED,				/* NR_INDICES: sums of notify return values */
	C_WOKEN = C_NOTIFIED + NR_INDICES,	/* NR_INDICES: waits that returned 0 */
	NR_COUNTERS = C_WOKEN + NR_INDICES
};
#define NOTIFIED(i)	(C_NOTIFIED + (i))
#define WOKEN(i)	(C_WOKEN + (i))
_Static_assert(NR_COUNTERS <= RL_MAX_COUNTERS, "runloop.h counts at most RL_MAX_COUNTERS");

/* Shared too, outside the tallies: each relay pair's turns (the stall check). */
static _Atomic uint64_t *pair_turns;

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
static int do_wait(struct rl_tally *t, unsigned int idx, const struct wait_call *c)
{
	int ret = sb_wait(buf.fd, c->offset, c->expected, c->flags, c->clockid, c->timeout);

	t->c[C_WAIT_CALLS]++;
	switch (ret) {
	case 0:
		t->c[WOKEN(idx)]++;
		break;
	case -EAGAIN:
		t->c[C_NOT_EQUAL]++;
		break;
	case -ETIMEDOUT:
		t->c[C_TIMED_OUT]++;
		if (c->deadline < 0)
			rl_fail("a wait without timeout timed out (offset %llu)",
			     (unsigned long long)c->offset);
		else if (now_ns(c->clockid) < c->deadline)
			rl_fail("a wait timed out %lld ns before its deadline (clock %u, flags %#x)",
			     (long long)(c->deadline - now_ns(c->clockid)), c->clockid, c->flags);
		break;
	case -EINTR:
		t->c[C_INTERRUPTED]++;
		/*
		 * ABI 2: the kernel never rewrites the struct, so a relative
		 * wait with a timeout ends with EINTR after any handler; an
		 * absolute or infinite one must restart under SA_RESTART.
		 */
		if (rl_eintr_forbidden(c->deadline < 0 || (c->flags & SABUF_WAIT_ABSTIME)))
			rl_fail("a%s wait failed with EINTR although SIGUSR1 has SA_RESTART",
			     c->deadline < 0 ? "n infinite" : "n absolute");
		break;
	default:
		rl_fail("wait (offset %llu, flags %#x, clock %u, timeout %lld) failed: %s",
		     (unsigned long long)c->offset, c->flags, c->clockid,
		     (long long)c->timeout, strerror(-ret));
	}
	return ret;
}

/* Notify and account; count is checked against the result. */
static int do_notify(struct rl_tally *t, unsigned int idx, uint64_t offset, uint32_t count)
{
	int ret = sb_notify(buf.fd, offset, count);

	t->c[C_NOTIFY_CALLS]++;
	if (ret < 0) {
		rl_fail("notify (offset %llu, count %u) failed: %s", (unsigned long long)offset,
		     count, strerror(-ret));
		return 0;
	}
	if (count != SABUF_NOTIFY_ALL && (uint32_t)ret > count)
		rl_fail("notify (offset %llu, count %u) woke %d", (unsigned long long)offset, count, ret);
	t->c[NOTIFIED(idx)] += (uint32_t)ret;
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
	enum role role;
	unsigned int proc, nr;		/* process index, thread number in it */
	unsigned int pair, side;	/* RELAY */
	struct rng rng;
};

static struct worker workers[MAX_THREADS];	/* this process's */

static void chaos_waiter(struct worker *w, struct rl_tally *t)
{
	while (!rl->stop) {
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
				rl_fail("wait said not-equal, but index %llu still holds %#llx",
				     (unsigned long long)c.offset, (unsigned long long)seen);
		}
		rl_tick(t);
	}
}

static void chaos_notifier(struct worker *w, struct rl_tally *t)
{
	while (!rl->stop) {
		unsigned int idx = (unsigned int)rng_below(&w->rng, nr_chaos_indices());
		uint64_t off = chaos_offset(idx);

		if (!(idx % 2) && rng_chance(&w->rng, 50))
			__atomic_add_fetch(word_ptr(idx / 2), 1, __ATOMIC_SEQ_CST);
		if (rng_chance(&w->rng, 30)) {
			/* libsabuf's fast path: store, full fence, read the counter */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (!sb_counter(&buf, off)) {
				t->c[C_NOTIFY_SKIPPED]++;
				rl_tick(t);
				continue;
			}
		}
		do_notify(t, idx, off, random_count(&w->rng, true));
		rl_tick(t);
		/* leave the waiters some time to queue up again */
		if (rng_chance(&w->rng, 50))
			sleep_ns((int64_t)rng_below(&w->rng, 100 * NSEC_PER_USEC));
	}
}

static void relay(struct worker *w, struct rl_tally *t)
{
	unsigned int k = w->pair, idx = relay_index(k);
	uint64_t off = relay_offset(k);
	uint32_t *word = relay_ptr(k);

	while (!rl->stop) {
		uint32_t turn = __atomic_load_n(word, __ATOMIC_SEQ_CST);

		if ((turn & 1) == w->side) {
			int woke;

			__atomic_store_n(word, turn + 1, __ATOMIC_SEQ_CST);
			pair_turns[k]++;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (!sb_counter(&buf, off)) {
				t->c[C_NOTIFY_SKIPPED]++;
			} else {
				woke = do_notify(t, idx, off, random_count(&w->rng, false));
				if (woke > 1)
					rl_fail("relay %u: a notify woke %d, but only one partner waits",
					     k, woke);
			}
		} else {
			struct wait_call c = {
				.offset = off, .expected = turn, .flags = SABUF_WAIT_SIZE_U32,
			};

			plan_wait(&w->rng, &c, 60);
			if (do_wait(t, idx, &c) == -EAGAIN &&
			    __atomic_load_n(word, __ATOMIC_SEQ_CST) == turn)
				rl_fail("relay %u: wait said not-equal, but the word still holds %u",
				     k, turn);
		}
		rl_tick(t);
	}
}

/*
 * The herd: many waiters on one index, so that a notify wakes more of them
 * than the module collects in one batch (it then wakes under the lock).
 * The word never changes: only notifies (and timeouts, signals) end a wait.
 */
static void herd(struct worker *w, struct rl_tally *t)
{
	while (!rl->stop) {
		struct wait_call c = { .offset = HERD_OFFSET, .flags = SABUF_WAIT_SIZE_U32 };

		plan_wait(&w->rng, &c, 70);
		do_wait(t, herd_index(), &c);
		rl_tick(t);
	}
}

static void herder(struct worker *w, struct rl_tally *t)
{
	static const uint32_t counts[] = { 1, 15, 16, 17, 33, SABUF_NOTIFY_ALL, SABUF_NOTIFY_ALL };

	while (!rl->stop) {
		sleep_ns((int64_t)rng_below(&w->rng, 2 * NSEC_PER_MSEC));
		do_notify(t, herd_index(), HERD_OFFSET, counts[rng_below(&w->rng, ARRAY_SIZE(counts))]);
		rl_tick(t);
	}
}

static void worker_main(unsigned int nr, struct rl_tally *t)
{
	struct worker *w = &workers[nr];

	switch (w->role) {
	case CHAOS_WAITER: chaos_waiter(w, t); break;
	case CHAOS_NOTIFIER: chaos_notifier(w, t); break;
	case RELAY: relay(w, t); break;
	case HERD: herd(w, t); break;
	case HERDER: herder(w, t); break;
	}
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
	unsigned int n = 0, i, k;

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
	for (i = 0; i < n; i++) {
		workers[i].proc = proc;
		workers[i].nr = i;
		workers[i].rng = rng_derive(seed, proc, i);
	}
	return rl_process_main(proc, n, worker_main, opt_signal_us, seed);
}

/* ---- the parent ---- */

static uint64_t handoffs(void)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < NR_INDICES; i++)
		sum += rl->c[NOTIFIED(i)];
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
	    (unsigned long long)pair_turns[k]);
}

/* Wake everyone (rl_drain() calls this until every worker has seen the stop flag). */
static void wake_all(struct rl_tally *t)
{
	uint64_t offs[NR_INDICES];
	unsigned int idxs[NR_INDICES], n;

	all_indices(offs, idxs, &n);
	for (unsigned int i = 0; i < n; i++)
		do_notify(t, idxs[i], offs[i], SABUF_NOTIFY_ALL);
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
		uint64_t x_notified = rl->c[NOTIFIED(idxs[i])], x_woken = rl->c[WOKEN(idxs[i])];
		char label[32];

		notified += x_notified;
		woken += x_woken;
		snprintf(label, sizeof(label), "offset %llu", (unsigned long long)offs[i]);
		if (!rl_exact(label, x_notified, x_woken))
			ok = false;
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
		rl->c[C_NOTIFY_CALLS]++;
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
	if (nb.notifies != rl->c[C_NOTIFY_CALLS]) {
		complain("netlink counts %llu notifies, we made %llu", (unsigned long long)nb.notifies,
			 (unsigned long long)rl->c[C_NOTIFY_CALLS]);
		ok = false;
	}
	/* Each restart after SA_RESTART enters the ioctl again: the kernel counts more. */
	if (nb.waits < rl->c[C_WAIT_CALLS]) {
		complain("netlink counts %llu waits, we made %llu", (unsigned long long)nb.waits,
			 (unsigned long long)rl->c[C_WAIT_CALLS]);
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

/* ---- the parent's loop (runloop.h) ---- */

static uint64_t last_turns[MAX_PAIRS];
static double last_move[MAX_PAIRS];

/* A relay pair that stops moving lost a wake-up. */
static void check_stalls(double now)
{
	for (unsigned int i = 0; i < opt_pairs; i++) {
		if (pair_turns[i] != last_turns[i]) {
			last_turns[i] = pair_turns[i];
			last_move[i] = now;
		} else if (now - last_move[i] > opt_stall) {
			report_pair(i);
			rl_fail("relay pair %u made no progress for %u s: a lost wake-up", i, opt_stall);
		}
	}
}

static void progress_line(double elapsed, uint64_t done, double rate)
{
	say("%6.1f s: %llu handoffs (%.0f/s), %llu waits: %llu not-equal, %llu timed out, "
	    "%llu interrupted; %llu notifies (+%llu skipped); %llu signals",
	    elapsed, (unsigned long long)done, rate,
	    (unsigned long long)rl->c[C_WAIT_CALLS], (unsigned long long)rl->c[C_NOT_EQUAL],
	    (unsigned long long)rl->c[C_TIMED_OUT], (unsigned long long)rl->c[C_INTERRUPTED],
	    (unsigned long long)rl->c[C_NOTIFY_CALLS], (unsigned long long)rl->c[C_NOTIFY_SKIPPED],
	    (unsigned long long)rl->signals_sent);
}

int main(int argc, char **argv)
{
	struct rng r;
	struct rl_loop loop = {
		.done = handoffs, .check = check_stalls, .progress_line = progress_line,
	};
	double start, now;
	uint64_t done;
	unsigned int i;
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
	pair_turns = rl_init(MAX_PAIRS * sizeof(*pair_turns), NR_COUNTERS, 64);

	rl_fork_procs(opt_procs, child_main);
	rl_wait_ready((int)opt_procs);

	loop.seconds = opt_seconds;
	loop.target = opt_handoffs;
	loop.progress = opt_progress;
	loop.signal_us = opt_signal_us;
	loop.rng = &r;
	start = mono_seconds();
	for (i = 0; i < MAX_PAIRS; i++)
		last_move[i] = start;
	now = rl_run(&loop, &start);
	ok = rl_drain(wake_all);
	if (!rl_reap())
		ok = false;
	if (!rl_check_failed())
		ok = false;
	if (!final_checks())
		ok = false;

	done = handoffs();
	reached = done >= opt_handoffs;
	say("%llu handoffs in %.1f s (%.0f/s), %llu waits (%llu not-equal, %llu timed out, "
	    "%llu interrupted), %llu notifies (+%llu skipped), %llu signals sent, %llu caught%s",
	    (unsigned long long)done, now - start, (double)done / (now - start),
	    (unsigned long long)rl->c[C_WAIT_CALLS], (unsigned long long)rl->c[C_NOT_EQUAL],
	    (unsigned long long)rl->c[C_TIMED_OUT], (unsigned long long)rl->c[C_INTERRUPTED],
	    (unsigned long long)rl->c[C_NOTIFY_CALLS], (unsigned long long)rl->c[C_NOTIFY_SKIPPED],
	    (unsigned long long)rl->signals_sent, (unsigned long long)rl->signals_caught,
	    reached ? "" : " (the handoff target was not reached: time limit)");
	sb_buffer_drop(&buf);
	return rl_verdict(ok, seed, "exact accounting, no waiter left behind");
}
