// SPDX-License-Identifier: GPL-2.0
/*
 * kinds_torture: exactly-once accounting for every kind of waiter at once
 * (waiter.h): blocking waits (SABUF_IOC_WAIT), waits on any of N words
 * (SABUF_IOC_WAIT_ANY), asynchronous waits in waitsets (SABUF_IOC_WAITSET_*)
 * and notify-then-wait (SABUF_IOC_NOTIFY_WAIT), all in the same FIFO
 * queues, under random notifies, timeouts, cancels, signals and SIGKILLs.
 *
 * Two buffers, one page each:
 *  M  the exact one: --words 64-bit words at offsets 0, 8, ... (word 0 is
 *     the shared word: every wait-any includes it) and a loose word L at
 *     1024, the only index a notify_wait's notify half aims at with a
 *     count > 0 (NOTIFY_WAIT returns the wait's result, not how many its
 *     notify woke, so L's total is only bounded).
 *  K  the kill buffer: waited on by the processes that get SIGKILLed with
 *     private waitsets and blocking waits (whose picks nobody can observe);
 *     only bounded: what they reported <= what the notifies returned.
 *
 * Processes:
 *  - --procs survivors, each with threads: blocking waiters, wait-any
 *    waiters (2..8 words: word 0, other words of M, sometimes L or a word
 *    of K, through M's fd or a read-only dup), async waiters (each with its
 *    own waitset, blocking or O_NONBLOCK: adds with random timeouts and
 *    tags, duplicate tags too, random cancels, reads of random sizes after
 *    poll, epoll or a blocking read; now and then the waitset is drained
 *    and replaced), notify_wait callers, notifiers (random index, count 0,
 *    1, 2..8 or all, sometimes skipped on a zero waiter counter), and a
 *    signaller (SIGUSR1 to its threads; handlers with SA_RESTART, without,
 *    or flipping);
 *  - a spawner that keeps --doomed processes alive and SIGKILLs each after
 *    10..300 ms. Half of them ("private") block, wait-any, notify_wait and
 *    add async waits to waitsets of their own, all on K; their death closes
 *    the waitsets (the last close cancels). The other half ("shared") add
 *    and cancel async waits on M's exact words in W, a waitset the parent
 *    created before the spawner forked: W outlives them, and a collector
 *    thread in the parent reads every result, so a wait a notify picked
 *    just before its adder died is still counted.
 *
 * Accounting. On M, per index: the sum of notify return values equals the
 * "ok" results: woken blocking waits, wait-any returns that name an item
 * there, async results 0 (the survivors' and W's), woken notify_waits.
 * A survivor's async waiter tracks each wait: a cancel that returns 0 must
 * find one pending (it is never reported), a result must match a pending
 * or ENOENT-cancelled wait (never twice), a timeout not before its
 * deadline; before it closes a waitset it cancels everything and reads
 * until every wait is accounted for. W is read to the end after the last
 * notify (a notify settles a picked wait before it returns), then closed.
 * At the end: every waiter counter of M and K reads 0, a notify-all of
 * every 4-byte index of both wakes nobody, netlink shows no waiter (no
 * wait-any place, no async wait) and no queue.
 * Before all this, a deterministic check of FIFO order across kinds on one
 * index: a random order of blocking, wait-any, async, notify_wait waiters
 * (queued one by one, confirmed through netlink), then notifies of 1 must
 * wake them in exactly that order.
 *
 * Usage: kinds_torture [--seed N] [--seconds S] [--settled N] [--procs P]
 *        [--words W] [--doomed D] [--signal-us U] [--progress S]
 * Stops at --settled waits (default 10^6) or --seconds (default 60).
 */
#include "common.h"
#include "genl.h"
#include "runloop.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define MAX_PROCS	8
#define MAX_WORDS	16
#define K_WORDS		8
#define MAX_THREADS	64
#define MAX_DOOMED	8		/* <= RL_MAX_DOOMED */

#define L_OFFSET	1024
#define F_OFFSET	2048		/* the FIFO check's index */
#define F2_OFFSET	2056		/* a wait-any's other word there */

/* Index numbers for the tallies: M's words, L, K's words. */
#define IDX_L		MAX_WORDS
#define IDX_K0		(MAX_WORDS + 1)
#define NR_IDX		(MAX_WORDS + 1 + K_WORDS)

#define MAX_OUTSTANDING	48		/* an async waiter's pending waits */
#define DUP_TAG		(1ULL << 62)	/* duplicate tags: DUP_TAG | idx */
#define W_TAG		(1ULL << 63)	/* W's tags: W_TAG | child << 40 | seq << 8 | idx */

static uint64_t seed;
static uint64_t opt_seconds = 60, opt_settled = 1000000;
static unsigned int opt_procs = 2, opt_words = 8, opt_doomed = 2, opt_signal_us = 2000;
static unsigned int opt_progress = 5;

static struct sb_buffer M, K;
static int M_ro;			/* a read-only dup of M, for wait-any items and adds */
static int W = -1;			/* the waitset the "shared" doomed processes fill */

/* The counters every process adds to (runloop.h). */
enum {
	C_SETTLED,			/* waits that ended, however */
	C_TIMED_OUT, C_NOT_EQUAL, C_INTERRUPTED, C_CANCELLED, C_ASYNC_ADDS,
	C_ANY_CALLS, C_NW_CALLS, C_WAIT_CALLS, C_NOTIFY_CALLS, C_NOTIFY_SKIPPED,
	C_W_RESULTS, C_W_ADDS, C_W_CANCELS, C_K_REPORTED,
	C_NOTIFIED,				/* NR_IDX: sums of notify return values */
	C_OK = C_NOTIFIED + NR_IDX,		/* NR_IDX: "ok" results seen */
	C_NW_COUNTS = C_OK + NR_IDX,		/* NR_IDX: notify_wait's notify_count, summed */
	NR_COUNTERS = C_NW_COUNTS + NR_IDX
};
#define NOTIFIED(i)	(C_NOTIFIED + (i))
#define OK(i)		(C_OK + (i))
#define NW_COUNTS(i)	(C_NW_COUNTS + (i))
_Static_assert(NR_COUNTERS <= RL_MAX_COUNTERS, "runloop.h counts at most RL_MAX_COUNTERS");

/* ---- indices ---- */

static bool idx_is_k(unsigned int idx) { return idx >= IDX_K0; }

static uint64_t idx_offset(unsigned int idx)
{
	if (idx == IDX_L)
		return L_OFFSET;
	if (idx_is_k(idx))
		return (uint64_t)(idx - IDX_K0) * 8;
	return (uint64_t)idx * 8;
}

static struct sb_buffer *idx_buf(unsigned int idx) { return idx_is_k(idx) ? &K : &M; }

static uint64_t *idx_word(unsigned int idx)
{
	return (uint64_t *)((char *)idx_buf(idx)->data + idx_offset(idx));
}

/* A survivor's random index: mostly M's exact words, sometimes L or K. */
static unsigned int pick_idx(struct rng *r)
{
	unsigned int k = (unsigned int)rng_below(r, 100);

	if (k < 8)
		return IDX_L;
	if (k < 18)
		return IDX_K0 + (unsigned int)rng_below(r, K_WORDS);
	return (unsigned int)rng_below(r, opt_words);
}

/* ---- timeouts ---- */

struct timing {
	uint32_t flags;		/* SABUF_WAIT_ABSTIME or 0 */
	uint32_t clockid;
	int64_t timeout;	/* as passed */
	int64_t deadline;	/* earliest time it may time out, on clockid; -1: never */
};

static void plan_timing(struct rng *r, struct timing *c, unsigned int forever_pct)
{
	unsigned int k;
	int64_t t;

	c->flags = 0;
	c->clockid = rng_chance(r, 25) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	if (rng_chance(r, forever_pct)) {
		c->timeout = c->deadline = -1;
		return;
	}
	k = (unsigned int)rng_below(r, 100);
	if (k < 10)
		t = 0;
	else if (k < 30)
		t = (int64_t)rng_range(r, 1, 50 * NSEC_PER_USEC);
	else if (k < 80)
		t = (int64_t)rng_range(r, 50 * NSEC_PER_USEC, 5 * NSEC_PER_MSEC);
	else
		t = (int64_t)rng_range(r, 5 * NSEC_PER_MSEC, 40 * NSEC_PER_MSEC);
	c->timeout = t;
	c->deadline = now_ns(c->clockid) + t;
	if (rng_chance(r, 30)) {
		c->flags = SABUF_WAIT_ABSTIME;
		if (rng_chance(r, 5))
			c->deadline -= (int64_t)rng_below(r, NSEC_PER_SEC);
		c->timeout = c->deadline;
	}
}

static void check_timeout(const struct timing *c, const char *what)
{
	int64_t now;

	if (c->deadline < 0) {
		rl_fail("%s without a timeout timed out", what);
		return;
	}
	now = now_ns(c->clockid);
	if (now < c->deadline)
		rl_fail("%s timed out %lld ns before its deadline (clock %u, flags %#x)", what,
		     (long long)(c->deadline - now), c->clockid, c->flags);
}

/* EINTR from a wait: never under SA_RESTART for an absolute or infinite one. */
static void check_eintr(const struct timing *c, const char *what, bool always_eintr)
{
	if (!always_eintr && rl_eintr_forbidden(c->deadline < 0 || c->flags))
		rl_fail("%s failed with EINTR although SIGUSR1 has SA_RESTART", what);
}

static struct sabuf_wait make_wait(unsigned int idx, uint64_t expected, bool w64,
				   const struct timing *c)
{
	struct sabuf_wait w = {
		.offset = idx_offset(idx),
		.expected = expected,
		.timeout_ns = c->timeout,
		.flags = (w64 ? SABUF_WAIT_SIZE_U64 : SABUF_WAIT_SIZE_U32) | c->flags,
		.clockid = c->clockid,
	};
	return w;
}

/* The value to wait for at idx (sometimes a wrong one), 32- or 64-bit. */
static uint64_t expect(struct rng *r, unsigned int idx, bool w64, bool *wrong)
{
	uint64_t g = __atomic_load_n(idx_word(idx), __ATOMIC_SEQ_CST);

	*wrong = rng_chance(r, 3);
	if (*wrong)
		g++;
	return w64 ? g : (uint32_t)g;
}

/* ---- notifies ---- */

static int do_notify(struct rl_tally *t, unsigned int idx, uint32_t count)
{
	int ret = sb_notify(idx_buf(idx)->fd, idx_offset(idx), count);

	t->c[C_NOTIFY_CALLS]++;
	if (ret < 0) {
		rl_fail("notify (index %u, count %u): %s", idx, count, strerror(-ret));
		return 0;
	}
	if (count != SABUF_NOTIFY_ALL && (uint32_t)ret > count)
		rl_fail("notify (index %u, count %u) woke %d", idx, count, ret);
	t->c[NOTIFIED(idx)] += (uint32_t)ret;
	return ret;
}

static uint32_t random_count(struct rng *r)
{
	unsigned int k = (unsigned int)rng_below(r, 100);

	if (k < 5)
		return 0;
	if (k < 50)
		return 1;
	if (k < 85)
		return (uint32_t)rng_range(r, 2, 8);
	return SABUF_NOTIFY_ALL;
}

/* ---- the survivors' workers ---- */

enum role { BLOCKER, ANY, ASYNC, NOTIFY_WAIT, NOTIFIER };

struct worker {
	enum role role;
	struct rng rng;
};

static const enum role roles[] = { BLOCKER, BLOCKER, ANY, ANY, ASYNC, ASYNC, ASYNC,
				   NOTIFY_WAIT, NOTIFIER, NOTIFIER };
static struct worker workers[ARRAY_SIZE(roles)];	/* this survivor's */

static void blocker(struct worker *w, struct rl_tally *t)
{
	while (!rl->stop) {
		unsigned int idx = pick_idx(&w->rng);
		bool w64 = rng_chance(&w->rng, 30), wrong;
		struct timing c;
		struct sabuf_wait sw;
		int ret;

		plan_timing(&w->rng, &c, 20);
		sw = make_wait(idx, expect(&w->rng, idx, w64, &wrong), w64, &c);
		if (rng_chance(&w->rng, 20))
			sw.flags |= SABUF_WAIT_HANDON;	/* nobody dies here: counts stay exact */
		ret = sb_wait(idx_buf(idx)->fd, sw.offset, sw.expected, sw.flags, sw.clockid,
			      sw.timeout_ns);
		t->c[C_WAIT_CALLS]++;
		t->c[C_SETTLED]++;
		switch (ret) {
		case 0: t->c[OK(idx)]++; break;
		case -EAGAIN: t->c[C_NOT_EQUAL]++; break;
		case -ETIMEDOUT: t->c[C_TIMED_OUT]++; check_timeout(&c, "a blocking wait"); break;
		case -EINTR: t->c[C_INTERRUPTED]++; check_eintr(&c, "a blocking wait", false); break;
		default: rl_fail("wait (index %u, flags %#x): %s", idx, sw.flags, strerror(-ret));
		}
		rl_tick(t);
	}
}

static void any_waiter(struct worker *w, struct rl_tally *t)
{
	while (!rl->stop) {
		struct sabuf_wait_any_item items[8];
		unsigned int idxs[8], n, max = opt_words + 2, i, j;
		struct timing c;
		int ret;

		n = (unsigned int)rng_range(&w->rng, 2, max < 8 ? max : 8);
		idxs[0] = 0;		/* the shared word */
		for (i = 1; i < n; i++) {
			unsigned int idx;
again:
			idx = pick_idx(&w->rng);
			for (j = 0; j < i; j++)
				if (idxs[j] == idx)
					goto again;
			idxs[i] = idx;
		}
		/* the shared word at a random place */
		j = (unsigned int)rng_below(&w->rng, n);
		idxs[0] = idxs[j];
		idxs[j] = 0;
		for (i = 0; i < n; i++) {
			bool w64 = rng_chance(&w->rng, 30), wrong;

			items[i] = (struct sabuf_wait_any_item){
				.fd = idx_is_k(idxs[i]) ? K.fd : rng_chance(&w->rng, 30) ? M_ro : M.fd,
				.flags = w64 ? SABUF_WAIT_SIZE_U64 : SABUF_WAIT_SIZE_U32,
				.offset = idx_offset(idxs[i]),
				.expected = expect(&w->rng, idxs[i], w64, &wrong),
			};
		}
		plan_timing(&w->rng, &c, 20);
		ret = sb_wait_any(rng_chance(&w->rng, 50) ? M.fd : K.fd, items, n, c.flags,
				  c.clockid, c.timeout);
		t->c[C_ANY_CALLS]++;
		t->c[C_SETTLED]++;
		if (ret >= 0 && (ret & SABUF_WAIT_ANY_NOT_EQUAL)) {
			if ((unsigned int)(ret & ~SABUF_WAIT_ANY_NOT_EQUAL) >= n)
				rl_fail("wait-any of %u returned not-equal at %#x", n, ret);
			t->c[C_NOT_EQUAL]++;
		} else if (ret >= 0) {
			if ((unsigned int)ret >= n)
				rl_fail("wait-any of %u returned %d", n, ret);
			else
				t->c[OK(idxs[ret])]++;
		} else if (ret == -ETIMEDOUT) {
			t->c[C_TIMED_OUT]++;
			check_timeout(&c, "a wait-any");
		} else if (ret == -EINTR) {
			t->c[C_INTERRUPTED]++;
			check_eintr(&c, "a wait-any", false);
		} else {
			rl_fail("wait-any of %u: %s", n, strerror(-ret));
		}
		rl_tick(t);
	}
}

static void notify_waiter(struct worker *w, struct rl_tally *t)
{
	while (!rl->stop) {
		unsigned int widx = (unsigned int)rng_below(&w->rng, opt_words + 1), nidx;
		bool kbuf = rng_chance(&w->rng, 15), w64 = rng_chance(&w->rng, 30), wrong;
		uint32_t count;
		struct timing c;
		struct sabuf_wait sw;
		int ret;

		if (kbuf) {
			/* both halves on K (one fd, one buffer) */
			widx = IDX_K0 + (unsigned int)rng_below(&w->rng, K_WORDS);
			nidx = IDX_K0 + (unsigned int)rng_below(&w->rng, K_WORDS);
			count = (uint32_t)rng_range(&w->rng, 0, 4);
		} else if (rng_chance(&w->rng, 50)) {
			nidx = IDX_L;			/* only L's total is bounded */
			count = (uint32_t)rng_range(&w->rng, 1, 4);
		} else {
			nidx = (unsigned int)rng_below(&w->rng, opt_words);
			count = 0;			/* an exact index: wake nobody */
		}
		if (widx == opt_words)
			widx = IDX_L;
		plan_timing(&w->rng, &c, 15);
		sw = make_wait(widx, expect(&w->rng, widx, w64, &wrong), w64, &c);
		ret = sb_notify_wait(idx_buf(widx)->fd, idx_offset(nidx), count, &sw);
		t->c[C_NW_CALLS]++;
		t->c[NW_COUNTS(nidx)] += count;
		t->c[C_SETTLED]++;
		switch (ret) {
		case 0: t->c[OK(widx)]++; break;
		case -EAGAIN: t->c[C_NOT_EQUAL]++; break;
		case -ETIMEDOUT: t->c[C_TIMED_OUT]++; check_timeout(&c, "a notify_wait"); break;
		case -EINTR: t->c[C_INTERRUPTED]++; check_eintr(&c, "a notify_wait", true); break;
		default: rl_fail("notify_wait (index %u, wait %u): %s", nidx, widx, strerror(-ret));
		}
		rl_tick(t);
	}
}

static void notifier(struct worker *w, struct rl_tally *t)
{
	while (!rl->stop) {
		unsigned int idx = pick_idx(&w->rng);

		if (rng_chance(&w->rng, 30))
			__atomic_add_fetch(idx_word(idx), 1, __ATOMIC_SEQ_CST);
		if (rng_chance(&w->rng, 30)) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (!sb_counter(idx_buf(idx), idx_offset(idx))) {
				t->c[C_NOTIFY_SKIPPED]++;
				rl_tick(t);
				continue;
			}
		}
		do_notify(t, idx, random_count(&w->rng));
		rl_tick(t);
		if (rng_chance(&w->rng, 60))
			sleep_ns((int64_t)rng_below(&w->rng, 200 * NSEC_PER_USEC));
	}
}

/* ---- an async waiter: one waitset, every wait tracked ---- */

struct pending {
	uint64_t tag;
	unsigned int idx;
	bool cancel_enoent;	/* a cancel said ENOENT: its result must come */
	struct timing c;
};

struct async_state {
	int ws, ep;
	bool nonblock;
	uint64_t seq;
	unsigned int n;
	struct pending p[MAX_OUTSTANDING];
};

static int find_pending(struct async_state *a, uint64_t tag)
{
	for (unsigned int i = 0; i < a->n; i++)
		if (a->p[i].tag == tag)
			return (int)i;
	return -1;
}

static void drop_pending(struct async_state *a, unsigned int i)
{
	a->p[i] = a->p[--a->n];
}

static void async_open(struct worker *w, struct async_state *a)
{
	struct epoll_event ev = { .events = EPOLLIN };

	a->nonblock = rng_chance(&w->rng, 50);
	a->ws = sb_waitset_create(rng_chance(&w->rng, 50) ? M.fd : M_ro,
				  a->nonblock ? SABUF_WAITSET_NONBLOCK : 0);
	if (a->ws < 0)
		die("WAITSET_CREATE: %s", strerror(-a->ws));
	if (rng_chance(&w->rng, 30))
		ev.events |= EPOLLET;
	a->ep = epoll_create1(EPOLL_CLOEXEC);
	if (a->ep < 0 || epoll_ctl(a->ep, EPOLL_CTL_ADD, a->ws, &ev))
		die("epoll: %s", strerror(errno));
}

static void async_add(struct worker *w, struct async_state *a, struct rl_tally *t)
{
	unsigned int idx = pick_idx(&w->rng);
	bool w64 = rng_chance(&w->rng, 30), wrong;
	struct pending *p = &a->p[a->n];
	struct sabuf_wait sw;
	int fd, ret;

	plan_timing(&w->rng, &p->c, 25);
	p->idx = idx;
	p->cancel_enoent = false;
	p->tag = ((++a->seq) << 8) | idx;
	if (p->c.deadline < 0 && rng_chance(&w->rng, 30))
		p->tag = DUP_TAG | idx;		/* the same tag for several untimed waits */
	sw = make_wait(idx, expect(&w->rng, idx, w64, &wrong), w64, &p->c);
	fd = idx_is_k(idx) ? K.fd : rng_chance(&w->rng, 30) ? M_ro : M.fd;
	ret = sb_waitset_add(a->ws, fd, p->tag, &sw);
	t->c[C_ASYNC_ADDS]++;
	switch (ret) {
	case 0:
		a->n++;
		return;
	case -EAGAIN: t->c[C_NOT_EQUAL]++; break;
	case -ETIMEDOUT: t->c[C_TIMED_OUT]++; check_timeout(&p->c, "an async add"); break;
	default: rl_fail("WAITSET_ADD (index %u, flags %#x): %s", idx, sw.flags, strerror(-ret));
	}
	t->c[C_SETTLED]++;
}

static void async_cancel(struct worker *w, struct async_state *a, struct rl_tally *t)
{
	uint64_t tag;
	int i, ret;

	if (a->n && !rng_chance(&w->rng, 5))
		tag = a->p[rng_below(&w->rng, a->n)].tag;
	else
		tag = (a->seq + 1 + rng_below(&w->rng, 100)) << 8;	/* never added */
	ret = sb_waitset_cancel(a->ws, tag);
	i = find_pending(a, tag);
	if (ret == 0) {
		/* the oldest pending one with that tag: any not yet ENOENT'd */
		for (i = 0; i < (int)a->n; i++)
			if (a->p[i].tag == tag && !a->p[i].cancel_enoent)
				break;
		if (i == (int)a->n) {
			rl_fail("WAITSET_CANCEL of tag %#llx returned 0, but none such was pending",
			     (unsigned long long)tag);
			return;
		}
		drop_pending(a, (unsigned int)i);
		t->c[C_CANCELLED]++;
		t->c[C_SETTLED]++;
	} else if (ret == -ENOENT) {
		/* settled (or all of that tag settled): their results must come */
		for (i = 0; i < (int)a->n; i++)
			if (a->p[i].tag == tag)
				a->p[i].cancel_enoent = true;
	} else {
		rl_fail("WAITSET_CANCEL: %s", strerror(-ret));
	}
}

/* Account one result read from the waitset. */
static void async_result(struct async_state *a, const struct sabuf_waitset_result *r,
			 struct rl_tally *t)
{
	int i = -1;

	if (r->reserved)
		rl_fail("a waitset result has reserved %#x", r->reserved);
	if (r->result == 0) {
		/* a duplicate tag: one a cancel found settled first */
		for (i = 0; i < (int)a->n; i++)
			if (a->p[i].tag == r->tag && a->p[i].cancel_enoent)
				break;
		if (i == (int)a->n)
			i = find_pending(a, r->tag);
		if (i < 0) {
			rl_fail("a waitset reported tag %#llx woken, but no wait with it was pending",
			     (unsigned long long)r->tag);
			return;
		}
		t->c[OK(a->p[i].idx)]++;
	} else if (r->result == -ETIMEDOUT) {
		/* a duplicate tag has no timeout: the timed one is unique */
		for (i = 0; i < (int)a->n; i++)
			if (a->p[i].tag == r->tag && a->p[i].c.deadline >= 0)
				break;
		if (i == (int)a->n) {
			rl_fail("a waitset reported tag %#llx timed out, but no timed wait with it "
			     "was pending", (unsigned long long)r->tag);
			return;
		}
		check_timeout(&a->p[i].c, "an async wait");
		t->c[C_TIMED_OUT]++;
	} else {
		rl_fail("a waitset result for tag %#llx is %d", (unsigned long long)r->tag, r->result);
		return;
	}
	t->c[C_SETTLED]++;
	drop_pending(a, (unsigned int)i);
}

/* Will a result surely come: a pending wait with a timeout, or one settled? */
static bool can_block(struct async_state *a)
{
	for (unsigned int i = 0; i < a->n; i++)
		if (a->p[i].c.deadline >= 0 || a->p[i].cancel_enoent)
			return true;
	return false;
}

/* Read what is there (wait up to ms for the first); false if nothing came. */
static bool async_read(struct worker *w, struct async_state *a, struct rl_tally *t, int ms)
{
	struct sabuf_waitset_result res[9];
	unsigned int k = (unsigned int)rng_below(&w->rng, 100);
	size_t len;
	ssize_t got;

	if (k < 40) {
		struct pollfd pfd = { .fd = a->ws, .events = POLLIN };

		if (poll(&pfd, 1, ms) <= 0)
			return false;
		if (pfd.revents != POLLIN) {
			rl_fail("poll of a waitset: revents %#x", pfd.revents);
			return false;
		}
	} else if (k < 80 || a->nonblock) {
		struct epoll_event ev;

		if (epoll_wait(a->ep, &ev, 1, ms) <= 0) {
			/* EPOLLET: an edge may have passed; look anyway (never blocks) */
			if (!a->nonblock || !rng_chance(&w->rng, 30))
				return false;
		}
	} else if (!can_block(a)) {
		return false;
	}
	/* ready, O_NONBLOCK, or a blocking read of what is sure to come (a timed or ENOENT'd wait) */
	len = rng_range(&w->rng, 1, 9) * sizeof(res[0]);
	if (rng_chance(&w->rng, 20))
		len += rng_below(&w->rng, sizeof(res[0]));	/* a ragged size: whole results only */
	if (len > sizeof(res))
		len = sizeof(res);
	got = read(a->ws, res, len);
	if (got < 0) {
		if (errno == EAGAIN && a->nonblock)
			return false;
		if (errno == EINTR && rl_sig_mode != RL_SIG_RESTART)
			return false;
		rl_fail("read of a waitset (%zu bytes%s): %s", len, a->nonblock ? ", O_NONBLOCK" : "",
		     strerror(errno));
		return false;
	}
	if (!got || got % sizeof(res[0]) || (size_t)got > len)
		rl_fail("read of %zu bytes from a waitset returned %zd", len, got);
	for (unsigned int i = 0; i < (size_t)got / sizeof(res[0]); i++)
		async_result(a, &res[i], t);
	return true;
}

/* Cancel everything, read until every wait is accounted for, close. */
static void async_close(struct worker *w, struct async_state *a, struct rl_tally *t)
{
	double until;

	for (unsigned int i = 0; i < a->n; i++) {
		int ret;

		if (a->p[i].cancel_enoent)
			continue;
		ret = sb_waitset_cancel(a->ws, a->p[i].tag);
		if (ret == 0) {
			/* the oldest with that tag went: any untouched one of them */
			int j;

			for (j = 0; j < (int)a->n; j++)
				if (a->p[j].tag == a->p[i].tag && !a->p[j].cancel_enoent)
					break;
			drop_pending(a, (unsigned int)j);
			t->c[C_CANCELLED]++;
			t->c[C_SETTLED]++;
			i = (unsigned int)-1;	/* the array changed: start over */
		} else if (ret == -ENOENT) {
			a->p[i].cancel_enoent = true;
		} else {
			rl_fail("WAITSET_CANCEL: %s", strerror(-ret));
			break;
		}
	}
	until = mono_seconds() + 30;
	while (a->n && !rl->failed) {
		if (mono_seconds() > until) {
			rl_fail("%u waits of a waitset settled (cancel said ENOENT) but never came out "
			     "of read(2); first tag %#llx", a->n, (unsigned long long)a->p[0].tag);
			break;
		}
		(void)async_read(w, a, t, 20);
	}
	close(a->ep);
	close(a->ws);
	a->n = 0;
}

static void async_waiter(struct worker *w, struct rl_tally *t)
{
	struct async_state a = { 0 };

	async_open(w, &a);
	while (!rl->stop) {
		unsigned int k = (unsigned int)rng_below(&w->rng, 100);

		if (k < 50 && a.n < MAX_OUTSTANDING) {
			async_add(w, &a, t);
		} else if (k < 62) {
			if (a.n)
				async_cancel(w, &a, t);
		} else if (k < 99) {
			(void)async_read(w, &a, t, can_block(&a) ? (int)rng_below(&w->rng, 20) : 0);
		} else {
			async_close(w, &a, t);
			async_open(w, &a);
		}
		rl_tick(t);
	}
	async_close(w, &a, t);
}

static void worker_main(unsigned int nr, struct rl_tally *t)
{
	struct worker *w = &workers[nr];

	switch (w->role) {
	case BLOCKER: blocker(w, t); break;
	case ANY: any_waiter(w, t); break;
	case ASYNC: async_waiter(w, t); break;
	case NOTIFY_WAIT: notify_waiter(w, t); break;
	case NOTIFIER: notifier(w, t); break;
	}
}

static int survivor_main(unsigned int proc)
{
	close(W);	/* only the parent and the doomed "shared" processes hold W */
	for (unsigned int i = 0; i < ARRAY_SIZE(roles); i++) {
		workers[i].role = roles[i];
		workers[i].rng = rng_derive(seed, proc, i);
	}
	return rl_process_main(proc, ARRAY_SIZE(roles), worker_main, opt_signal_us, seed);
}

/* ---- the doomed: SIGKILLed at random ---- */

struct doomed_arg {
	struct rng rng;
	unsigned int kind, child;
};

/* "private": every kind, on K only; reports its oks (a lower bound). */
static void *doomed_private(void *arg)
{
	struct doomed_arg *d = arg;
	struct rng *r = &d->rng;
	int ws = -1;

	if (d->kind == 2) {
		ws = sb_waitset_create(K.fd, rng_chance(r, 50) ? SABUF_WAITSET_NONBLOCK : 0);
		if (ws < 0)
			return NULL;
	}
	for (;;) {
		unsigned int idx = IDX_K0 + (unsigned int)rng_below(r, K_WORDS);
		uint64_t g = (uint32_t)__atomic_load_n(idx_word(idx), __ATOMIC_SEQ_CST);
		struct timing c;
		struct sabuf_wait sw;
		int ret;

		plan_timing(r, &c, 40);
		sw = make_wait(idx, g, false, &c);
		switch (d->kind) {
		case 0:
			if (rng_chance(r, 50))
				sw.flags |= SABUF_WAIT_HANDON;
			ret = sb_wait(K.fd, sw.offset, sw.expected, sw.flags, sw.clockid, sw.timeout_ns);
			if (!ret)
				rl->c[C_K_REPORTED]++;
			break;
		case 1: {
			struct sabuf_wait_any_item it[3];
			unsigned int base = (unsigned int)rng_below(r, K_WORDS);

			for (unsigned int i = 0; i < 3; i++) {
				unsigned int id = IDX_K0 + (base + i) % K_WORDS;

				it[i] = (struct sabuf_wait_any_item){ .fd = K.fd, .flags = SABUF_WAIT_SIZE_U32,
					.offset = idx_offset(id),
					.expected = (uint32_t)__atomic_load_n(idx_word(id), __ATOMIC_SEQ_CST) };
			}
			ret = sb_wait_any(K.fd, it, 3, c.flags, c.clockid, c.timeout);
			if (ret >= 0 && !(ret & SABUF_WAIT_ANY_NOT_EQUAL))
				rl->c[C_K_REPORTED]++;
			break;
		}
		case 2: {
			struct sabuf_waitset_result res[4];
			ssize_t got;

			for (unsigned int i = 0; i < 8; i++) {
				unsigned int id = IDX_K0 + (unsigned int)rng_below(r, K_WORDS);

				plan_timing(r, &c, 40);
				sw = make_wait(id, (uint32_t)__atomic_load_n(idx_word(id), __ATOMIC_SEQ_CST),
					       false, &c);
				(void)sb_waitset_add(ws, K.fd, rng_next(r), &sw);
			}
			if (rng_chance(r, 50)) {
				got = read(ws, res, sizeof(res));
				for (ssize_t i = 0; i < got / (ssize_t)sizeof(res[0]); i++)
					if (!res[i].result)
						rl->c[C_K_REPORTED]++;
			}
			(void)sb_waitset_cancel(ws, rng_next(r));
			sleep_ns((int64_t)rng_below(r, NSEC_PER_MSEC));
			break;
		}
		default: {
			unsigned int nidx = IDX_K0 + (unsigned int)rng_below(r, K_WORDS);
			uint32_t count = (uint32_t)rng_range(r, 0, 2);

			/* counted before the call: the bound stays an upper bound */
			rl->c[NW_COUNTS(nidx)] += count;
			ret = sb_notify_wait(K.fd, idx_offset(nidx), count, &sw);
			if (!ret)
				rl->c[C_K_REPORTED]++;
			break;
		}
		}
	}
	return NULL;
}

/* "shared": async waits on M's exact words, in W (read by the parent). */
static void *doomed_shared(void *arg)
{
	struct doomed_arg *d = arg;
	struct rng *r = &d->rng;
	uint64_t seq = 0, tags[64];
	unsigned int nt = 0;

	for (;;) {
		unsigned int idx = (unsigned int)rng_below(r, opt_words);
		bool w64 = rng_chance(r, 30), wrong;
		struct timing c;
		struct sabuf_wait sw;
		uint64_t tag = W_TAG | (uint64_t)d->child << 40 | (++seq & 0xffffffff) << 8 | idx;
		int ret;

		plan_timing(r, &c, 10);
		sw = make_wait(idx, expect(r, idx, w64, &wrong), w64, &c);
		ret = sb_waitset_add(W, rng_chance(r, 50) ? M.fd : M_ro, tag, &sw);
		if (!ret) {
			rl->c[C_W_ADDS]++;
			if (nt < ARRAY_SIZE(tags))
				tags[nt++] = tag;
		}
		if (nt && rng_chance(r, 20)) {
			unsigned int i = (unsigned int)rng_below(r, nt);

			if (!sb_waitset_cancel(W, tags[i]))
				rl->c[C_W_CANCELS]++;
			tags[i] = tags[--nt];
		}
		if (rng_chance(r, 20))
			sleep_ns((int64_t)rng_below(r, 500 * NSEC_PER_USEC));
	}
	return NULL;
}

/* A doomed process (runloop.h's spawner forks it): even ones "private", odd ones "shared". */
static void doomed_main(unsigned int child)
{
	bool shared = child % 2;
	static struct doomed_arg args[4];
	pthread_t th;

	if (!shared)
		close(W);
	for (unsigned int i = 0; i < 4; i++) {
		args[i] = (struct doomed_arg){ .rng = rng_derive(seed, 0x1000 + child, i),
					       .kind = i, .child = child };
		if (pthread_create(&th, NULL, shared ? doomed_shared : doomed_private, &args[i]))
			_exit(1);
		if (shared && i == 1)
			break;
	}
	for (;;)
		pause();	/* until SIGKILL */
}

/* ---- the parent's collector: reads W ---- */

static _Atomic int collector_stop;

static unsigned int collect(struct rl_tally *t, int ms)
{
	struct sabuf_waitset_result res[64];
	struct pollfd pfd = { .fd = W, .events = POLLIN };
	unsigned int n = 0;
	ssize_t got;

	if (ms && poll(&pfd, 1, ms) <= 0)
		return 0;
	got = read(W, res, sizeof(res));
	if (got < 0) {
		if (errno != EAGAIN)
			rl_fail("read of W: %s", strerror(errno));
		return 0;
	}
	for (unsigned int i = 0; i < (size_t)got / sizeof(res[0]); i++, n++) {
		unsigned int idx = res[i].tag & 0xff;

		if (!(res[i].tag & W_TAG) || idx >= opt_words)
			rl_fail("W reported tag %#llx, which no doomed process adds",
			     (unsigned long long)res[i].tag);
		else if (res[i].result == 0)
			t->c[OK(idx)]++;
		else if (res[i].result == -ETIMEDOUT)
			t->c[C_TIMED_OUT]++;
		else
			rl_fail("W reported %d for tag %#llx", res[i].result, (unsigned long long)res[i].tag);
		t->c[C_SETTLED]++;
	}
	rl->c[C_W_RESULTS] += n;
	return n;
}

static void *collector_main(void *arg)
{
	struct rl_tally t = { 0 };

	(void)arg;
	while (!collector_stop) {
		collect(&t, 20);
		rl_tick(&t);
	}
	rl_flush(&t);
	return NULL;
}

/* ---- FIFO across kinds (before everything else) ---- */

enum fifo_kind { F_BLOCK, F_ANY, F_ASYNC, F_NW, NR_FIFO_KINDS };

struct fifo_waiter {
	pthread_t thread;
	enum fifo_kind kind;
	unsigned int any_pos;		/* F's item in a wait-any */
	_Atomic int done;
	bool started;
	int ret;
};

static void *fifo_thread(void *arg)
{
	struct fifo_waiter *f = arg;
	struct sabuf_wait sw = { .offset = F_OFFSET, .expected = 0, .timeout_ns = -1,
				 .flags = SABUF_WAIT_SIZE_U32, .clockid = CLOCK_MONOTONIC };

	switch (f->kind) {
	case F_BLOCK:
		f->ret = sb_wait(M.fd, F_OFFSET, 0, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, -1);
		break;
	case F_ANY: {
		struct sabuf_wait_any_item it[2];

		it[f->any_pos] = (struct sabuf_wait_any_item){ .fd = M_ro, .flags = SABUF_WAIT_SIZE_U32,
							      .offset = F_OFFSET };
		it[!f->any_pos] = (struct sabuf_wait_any_item){ .fd = M.fd, .flags = SABUF_WAIT_SIZE_U64,
							       .offset = F2_OFFSET };
		f->ret = sb_wait_any(K.fd, it, 2, 0, CLOCK_MONOTONIC, -1);
		break;
	}
	case F_NW:
		f->ret = sb_notify_wait(M.fd, F2_OFFSET, 0, &sw);
		break;
	default:
		break;
	}
	f->done = 1;
	return NULL;
}

static uint64_t queued_on_m(int sock, int family)
{
	struct sabuf_nl_buffer nb;

	if (sabuf_nl_get(sock, family, M.info.id, true, &nb))
		return UINT64_MAX;
	return nb.queued;
}

static bool fifo_round(struct rng *r, int sock, int family, unsigned int n)
{
	struct fifo_waiter f[8];
	uint64_t queued = 0;
	int ws = sb_waitset_create(M.fd, SABUF_WAITSET_NONBLOCK);
	bool ok = true;
	unsigned int i, j;
	double until;

	if (ws < 0) {
		complain("WAITSET_CREATE: %s", strerror(-ws));
		return false;
	}
	memset(f, 0, sizeof(f));
	for (i = 0; i < n; i++) {
		f[i].kind = i < NR_FIFO_KINDS ? (enum fifo_kind)i
					      : (enum fifo_kind)rng_below(r, NR_FIFO_KINDS);
		f[i].any_pos = (unsigned int)rng_below(r, 2);
	}
	for (i = n - 1; i > 0; i--) {	/* shuffle */
		struct fifo_waiter tmp;

		j = (unsigned int)rng_below(r, i + 1);
		tmp = f[i]; f[i] = f[j]; f[j] = tmp;
	}
	for (i = 0; i < n && ok; i++) {
		if (f[i].kind == F_ASYNC) {
			struct sabuf_wait sw = { .offset = F_OFFSET, .timeout_ns = -1,
						 .flags = SABUF_WAIT_SIZE_U32, .clockid = CLOCK_MONOTONIC };
			int ret = sb_waitset_add(ws, rng_chance(r, 50) ? M.fd : M_ro, i, &sw);

			if (ret) {
				complain("FIFO: WAITSET_ADD: %s", strerror(-ret));
				ok = false;
			}
			queued++;
		} else {
			if (pthread_create(&f[i].thread, NULL, fifo_thread, &f[i]))
				die("pthread_create failed");
			f[i].started = true;
			queued += f[i].kind == F_ANY ? 2 : 1;
		}
		/* queued when netlink counts it: then the next one comes after it */
		until = mono_seconds() + 10;
		while (ok && queued_on_m(sock, family) != queued) {
			if (mono_seconds() > until) {
				complain("FIFO: waiter %u (kind %d) never showed up queued", i, f[i].kind);
				ok = false;
			}
			sleep_ns(NSEC_PER_MSEC);
		}
	}
	for (i = 0; i < n && ok; i++) {
		int ret = sb_notify(M.fd, F_OFFSET, 1);

		if (ret != 1) {
			complain("FIFO: notify %u of %u returned %d", i, n, ret);
			ok = false;
			break;
		}
		if (f[i].kind == F_ASYNC) {
			struct sabuf_waitset_result res[2];
			ssize_t got = read(ws, res, sizeof(res));

			/* the notify settled it before it returned */
			if (got != sizeof(res[0]) || res[0].tag != i || res[0].result) {
				complain("FIFO: notify %u should have settled async wait %u: read %zd "
					 "(tag %llu, result %d)", i, i, got,
					 got > 0 ? (unsigned long long)res[0].tag : 0ULL,
					 got > 0 ? res[0].result : 0);
				ok = false;
			}
		} else {
			until = mono_seconds() + 10;
			while (!f[i].done && mono_seconds() < until)
				sleep_ns(NSEC_PER_MSEC);
			if (!f[i].done) {
				complain("FIFO: notify %u did not wake waiter %u (kind %d)", i, i, f[i].kind);
				ok = false;
			} else if (f[i].ret != (f[i].kind == F_ANY ? (int)f[i].any_pos : 0)) {
				complain("FIFO: waiter %u (kind %d) returned %d", i, f[i].kind, f[i].ret);
				ok = false;
			}
		}
		for (j = i + 1; j < n && ok; j++) {
			if (f[j].done) {
				complain("FIFO: notify %u woke waiter %u (kind %d) out of order",
					 i, j, f[j].kind);
				ok = false;
			}
		}
		if (ok) {
			struct sabuf_waitset_result res;
			ssize_t got = read(ws, &res, sizeof(res));

			if (got != -1 || errno != EAGAIN) {
				complain("FIFO: after notify %u the waitset had a result (tag %llu)", i,
					 (unsigned long long)res.tag);
				ok = false;
			}
		}
	}
	/* on failure: free whoever is left */
	while (sb_notify(M.fd, F_OFFSET, SABUF_NOTIFY_ALL) > 0 || sb_notify(M.fd, F2_OFFSET, SABUF_NOTIFY_ALL) > 0)
		ok = false;
	for (i = 0; i < n; i++)
		if (f[i].started)
			pthread_join(f[i].thread, NULL);
	close(ws);
	return ok;
}

static bool fifo_check(void)
{
	struct rng r = rng_derive(seed, 0xf1f0, 0);
	int sock = genl_open(), family;
	bool ok = true;

	family = sock >= 0 ? genl_family_id(sock, SABUF_GENL_NAME) : sock;
	if (family < 0) {
		complain("netlink family %s: %s", SABUF_GENL_NAME, strerror(-family));
		return false;
	}
	for (unsigned int round = 0; round < 6 && ok; round++)
		ok = fifo_round(&r, sock, family, round < 2 ? NR_FIFO_KINDS : 8);
	close(sock);
	if (ok)
		say("FIFO across kinds: 6 rounds of 4..8 waiters (blocking, wait-any, async, "
		    "notify_wait) woken in queue order");
	return ok;
}

/* ---- the end ---- */

static bool buffer_clean(struct sb_buffer *b, const char *name, int sock, int family)
{
	struct sabuf_nl_buffer nb;
	bool ok = true;
	int ret;

	for (unsigned int i = 0; i < b->info.counters_slots; i++) {
		if (b->counters[i]) {
			complain("%s: waiter counter slot %u reads %u after every waiter left",
				 name, i, b->counters[i]);
			ok = false;
		}
	}
	for (uint64_t off = 0; off + 4 <= b->info.byte_length; off += 4) {
		ret = sb_notify(b->fd, off, SABUF_NOTIFY_ALL);
		if (ret) {
			complain("%s: a final notify-all of offset %llu returned %d", name,
				 (unsigned long long)off, ret);
			ok = false;
		}
	}
	ret = sabuf_nl_get(sock, family, b->info.id, true, &nb);
	if (ret) {
		complain("%s: netlink QUEUES_GET: %s", name, strerror(-ret));
		return false;
	}
	if (nb.waiters || nb.waiters_any || nb.waiters_async || nb.nr_queues || nb.queued) {
		complain("%s: netlink reports %u waiters (%u wait-any places, %u async) in %u queues "
			 "(%llu queued) after every waiter left", name, nb.waiters, nb.waiters_any,
			 nb.waiters_async, nb.nr_queues, (unsigned long long)nb.queued);
		ok = false;
	}
	return ok;
}

static bool final_checks(void)
{
	uint64_t notified = 0, okc = 0, kn = 0, ko = 0;
	int sock, family;
	bool ok = true;

	for (unsigned int i = 0; i < opt_words; i++) {
		char label[32];

		notified += rl->c[NOTIFIED(i)];
		okc += rl->c[OK(i)];
		snprintf(label, sizeof(label), "word %u (offset %u)", i, i * 8);
		if (!rl_exact(label, rl->c[NOTIFIED(i)], rl->c[OK(i)]))
			ok = false;
	}
	if (rl->c[OK(IDX_L)] > rl->c[NOTIFIED(IDX_L)] + rl->c[NW_COUNTS(IDX_L)]) {
		complain("L: %llu waits came back ok, more than notify returned (%llu) plus what "
			 "notify_wait asked for (%llu)", (unsigned long long)rl->c[OK(IDX_L)],
			 (unsigned long long)rl->c[NOTIFIED(IDX_L)],
			 (unsigned long long)rl->c[NW_COUNTS(IDX_L)]);
		ok = false;
	}
	for (unsigned int i = IDX_K0; i < NR_IDX; i++) {
		kn += rl->c[NOTIFIED(i)] + rl->c[NW_COUNTS(i)];
		ko += rl->c[OK(i)];
	}
	if (ko + rl->c[C_K_REPORTED] > kn) {
		complain("K: %llu ok results (%llu of them from doomed processes), more than notifies "
			 "could have woken (%llu)", (unsigned long long)(ko + rl->c[C_K_REPORTED]),
			 (unsigned long long)rl->c[C_K_REPORTED], (unsigned long long)kn);
		ok = false;
	}
	say("accounting: M's words: notify returned %llu, %llu ok results (%llu through W); "
	    "L: %llu ok <= %llu + %llu; K: %llu ok <= %llu", (unsigned long long)notified,
	    (unsigned long long)okc, (unsigned long long)rl->c[C_W_RESULTS],
	    (unsigned long long)rl->c[OK(IDX_L)], (unsigned long long)rl->c[NOTIFIED(IDX_L)],
	    (unsigned long long)rl->c[NW_COUNTS(IDX_L)], (unsigned long long)(ko + rl->c[C_K_REPORTED]),
	    (unsigned long long)kn);

	sock = genl_open();
	family = sock >= 0 ? genl_family_id(sock, SABUF_GENL_NAME) : sock;
	if (family < 0) {
		complain("netlink family %s: %s", SABUF_GENL_NAME, strerror(-family));
		return false;
	}
	if (!buffer_clean(&M, "M", sock, family))
		ok = false;
	if (!buffer_clean(&K, "K", sock, family))
		ok = false;
	close(sock);
	return ok;
}

/* Notify every index (rl_drain() calls this until every survivor thread saw the stop). */
static void wake_all(struct rl_tally *t)
{
	for (unsigned int i = 0; i < NR_IDX; i++)
		if (i < opt_words || i >= IDX_L)
			do_notify(t, i, SABUF_NOTIFY_ALL);
}

static void usage(void)
{
	printf("usage: kinds_torture [--seed N] [--seconds S (0: no limit)] [--settled N]\n"
	       "                     [--procs P] [--words W] [--doomed D] [--signal-us U (0: none)]\n"
	       "                     [--progress S]\n");
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
		} else if (opt_value(argc, argv, &i, "--settled", &v)) {
			opt_settled = parse_u64("--settled", v);
		} else if (opt_value(argc, argv, &i, "--procs", &v)) {
			opt_procs = (unsigned int)parse_u64("--procs", v);
		} else if (opt_value(argc, argv, &i, "--words", &v)) {
			opt_words = (unsigned int)parse_u64("--words", v);
		} else if (opt_value(argc, argv, &i, "--doomed", &v)) {
			opt_doomed = (unsigned int)parse_u64("--doomed", v);
		} else if (opt_value(argc, argv, &i, "--signal-us", &v)) {
			opt_signal_us = (unsigned int)parse_u64("--signal-us", v);
		} else if (opt_value(argc, argv, &i, "--progress", &v)) {
			opt_progress = (unsigned int)parse_u64("--progress", v);
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
	if (opt_words < 2 || opt_words > MAX_WORDS)
		die("--words must be 2..%d", MAX_WORDS);
	if (opt_doomed > MAX_DOOMED)
		die("--doomed must be 0..%d", MAX_DOOMED);
	if (!opt_progress)
		opt_progress = 5;
}

/* ---- the parent's loop (runloop.h) ---- */

static uint64_t settled(void) { return rl->c[C_SETTLED]; }

static void progress_line(double elapsed, uint64_t done, double rate)
{
	say("%6.1f s: %llu settled (%.0f/s): %llu timed out, %llu not-equal, %llu "
	    "interrupted, %llu cancelled; %llu waits, %llu wait-any, %llu async adds "
	    "(+%llu in W, %llu results), %llu notify_wait; %llu notifies (+%llu skipped); "
	    "%llu doomed killed",
	    elapsed, (unsigned long long)done, rate,
	    (unsigned long long)rl->c[C_TIMED_OUT], (unsigned long long)rl->c[C_NOT_EQUAL],
	    (unsigned long long)rl->c[C_INTERRUPTED], (unsigned long long)rl->c[C_CANCELLED],
	    (unsigned long long)rl->c[C_WAIT_CALLS], (unsigned long long)rl->c[C_ANY_CALLS],
	    (unsigned long long)rl->c[C_ASYNC_ADDS], (unsigned long long)rl->c[C_W_ADDS],
	    (unsigned long long)rl->c[C_W_RESULTS], (unsigned long long)rl->c[C_NW_CALLS],
	    (unsigned long long)rl->c[C_NOTIFY_CALLS], (unsigned long long)rl->c[C_NOTIFY_SKIPPED],
	    (unsigned long long)rl->doomed_killed);
}

int main(int argc, char **argv)
{
	struct rl_tally *t;
	struct rl_loop loop = { .done = settled, .progress_line = progress_line };
	struct rl_doomed doomed = { .min_ms = 10, .max_ms = 300, .child = doomed_main };
	pthread_t collector;
	pid_t spawner = -1;
	double start, now;
	struct rng r;
	bool ok = true;
	int ret;

	stress_init("kinds_torture");
	parse_args(argc, argv);
	r = rng_derive(seed, 0xfffff, 0);
	say("seed %#llx; %u survivor processes x 10 threads, %u doomed at a time, %u words; "
	    "signals every ~%u us; target %llu settled waits, limit %llu s",
	    (unsigned long long)seed, opt_procs, opt_doomed, opt_words, opt_signal_us,
	    (unsigned long long)opt_settled, (unsigned long long)opt_seconds);

	if ((ret = sb_buffer_make(&M, 4096)) || (ret = sb_buffer_make(&K, 4096)))
		die("cannot make the buffers: %s", strerror(-ret));
	if (!(M.info.features & SABUF_FEATURE_WAITSET) || !(M.info.features & SABUF_FEATURE_WAIT_ANY) ||
	    !(M.info.features & SABUF_FEATURE_NOTIFY_WAIT)) {
		say("SKIP: the module lacks waitsets, wait-any or notify_wait (features %#llx)",
		    (unsigned long long)M.info.features);
		return STRESS_SKIP;
	}
	M_ro = sb_dup_readonly(M.fd);
	if (M_ro < 0)
		die("DUP_READONLY: %s", strerror(-M_ro));
	rl_init(0, NR_COUNTERS, 32);

	if (!fifo_check())
		return rl_verdict(false, seed, NULL);

	W = sb_waitset_create(M.fd, SABUF_WAITSET_NONBLOCK);
	if (W < 0)
		die("WAITSET_CREATE: %s", strerror(-W));
	rl_fork_procs(opt_procs, survivor_main);
	if (opt_doomed) {
		doomed.slots = opt_doomed;
		doomed.seed = seed;
		spawner = rl_spawner_start(&doomed);
	}
	if (pthread_create(&collector, NULL, collector_main, NULL))
		die("pthread_create failed");
	rl_wait_ready((int)opt_procs);

	loop.seconds = opt_seconds;
	loop.target = opt_settled;
	loop.progress = opt_progress;
	loop.signal_us = opt_signal_us;
	loop.rng = &r;
	now = rl_run(&loop, &start);
	rl->stop = 1;
	if (spawner > 0 && !rl_spawner_wait(spawner))
		ok = false;
	if (!rl_drain(wake_all))
		ok = false;
	if (!rl_reap())
		ok = false;
	/* every notify is done, so every wait W's notifies picked is on its ready list */
	collector_stop = 1;
	pthread_join(collector, NULL);
	t = calloc(1, sizeof(*t));
	if (!t)
		die("out of memory");
	while (collect(t, 0))
		;
	rl_flush(t);
	free(t);
	close(W);	/* the last close: cancels what is still pending */
	if (!rl_check_failed())
		ok = false;
	if (!final_checks())
		ok = false;
	say("%llu settled waits in %.1f s (%.0f/s): %llu timed out, %llu not-equal, %llu "
	    "interrupted, %llu cancelled; %llu async adds (+%llu in W, %llu cancelled there, %llu "
	    "results), %llu wait-any, %llu notify_wait, %llu notifies; %llu doomed processes "
	    "SIGKILLed (%llu ok results reported from K); %llu signals",
	    (unsigned long long)rl->c[C_SETTLED], now - start, (double)rl->c[C_SETTLED] / (now - start),
	    (unsigned long long)rl->c[C_TIMED_OUT], (unsigned long long)rl->c[C_NOT_EQUAL],
	    (unsigned long long)rl->c[C_INTERRUPTED], (unsigned long long)rl->c[C_CANCELLED],
	    (unsigned long long)rl->c[C_ASYNC_ADDS], (unsigned long long)rl->c[C_W_ADDS],
	    (unsigned long long)rl->c[C_W_CANCELS], (unsigned long long)rl->c[C_W_RESULTS],
	    (unsigned long long)rl->c[C_ANY_CALLS], (unsigned long long)rl->c[C_NW_CALLS],
	    (unsigned long long)rl->c[C_NOTIFY_CALLS], (unsigned long long)rl->doomed_killed,
	    (unsigned long long)rl->c[C_K_REPORTED], (unsigned long long)rl->signals_sent);
	if (rl->c[C_SETTLED] < opt_settled)
		say("(the settled target %llu was not reached: time limit)",
		    (unsigned long long)opt_settled);
	close(M_ro);
	sb_buffer_drop(&M);
	sb_buffer_drop(&K);
	return rl_verdict(ok, seed, "exact accounting across waiter kinds, FIFO across kinds, "
			  "no waiter left");
}
