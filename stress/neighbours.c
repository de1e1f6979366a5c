// SPDX-License-Identifier: GPL-2.0
/*
 * neighbours: several uids at once, one of them hostile (DESIGN.md, 0.3,
 * "Isolation between users"). Runs as root (it sets the module's limits and
 * drops each child to its uid with setresuid()).
 *
 * The neighbours: uids 1001, 1002, ... (--neighbours, 3), each a pair of
 * processes of that uid doing exact-count ping-pong on a buffer the pair
 * created: a 32-bit turn word that each side advances when it is its turn
 * and then notifies (or skips the notify when the waiter counter reads 0,
 * as libsabuf does); the other side waits for the word to change, with a
 * blocking wait (mostly without timeout) or an asynchronous wait in a
 * waitset of its own. Every handoff is counted: per pair, the sum of
 * notify's return values equals the waits that came back woken (blocking
 * 0, async result 0), and each pair reaches exactly --handoffs turns. A
 * neighbour also registers robust owner ids and creates small buffers now
 * and then: it must never get ENOSPC or EDQUOT (the hostile's usage is not
 * its own). A pair that makes no progress for --stall seconds fails.
 *
 * The hostile: uid 1000, one process at a time, SIGKILLed after 50 ms ..
 * --life-ms and started again (runloop.h's spawner), for at least --lives
 * lives. Each life runs rounds until it dies; a round fills every per-uid
 * limit and requires ENOSPC (EDQUOT for bytes) exactly at it:
 *  1. flood: --waits async waits on distinct indices of one buffer (the
 *     queue index and the buckets), --waitset-waits per waitset (many
 *     waitsets): each full waitset refuses one more with ENOSPC
 *     (max_waitset_waits), and after --waits in all a new waitset refuses
 *     too (max_user_waits); notifies of 1 on a sample of indices wake
 *     exactly one each, and their unread results still count (ENOSPC);
 *     then every waitset is closed (which cancels and drops everything);
 *  2. notify-all: --waits async waits on one index, again from zero (so the
 *     closes gave everything back); a notify-all must return exactly
 *     --waits; unread results still count (ENOSPC); every result is read
 *     once (tag by tag), after which a wait can be added again;
 *  3. owners: a fresh thread registers owner ids until ENOSPC: exactly
 *     --owners (max_user_owners), whatever the previous thread or life held;
 *  4. bytes: buffers until EDQUOT: exactly what --bytes (max_user_bytes)
 *     leaves after the flood buffer, to the page.
 * Since every life starts after the previous one was killed and reaped,
 * a round that completes proves that the per-uid counts came back to zero
 * after a SIGKILL anywhere in a round. At the end, with everyone gone, one
 * more round runs to completion (re-filling up to every limit succeeds).
 *
 * Also checked at the end: no waiter or queue left on the pairs' buffers
 * (netlink); run-stress's rig checks the kernel log.
 *
 * Usage: neighbours [--seed N] [--seconds S] [--handoffs N] [--neighbours K]
 *        [--waits W] [--waitset-waits N] [--owners N] [--bytes B]
 *        [--life-ms MS] [--lives N] [--progress S] [--stall S]
 * The module's parameters are set for the run and restored after it.
 */
#include "common.h"
#include "genl.h"
#include "runloop.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define MAX_NEIGHBOURS	7		/* 2 processes each, RL_MAX_PROCS in all */
#define HOSTILE_UID	1000
#define NEIGHBOUR_UID0	1001
#define PAIR_BYTES	4096
#define PAGE		4096ULL
#define CHUNK_BYTES	(15 * PAGE)	/* costs 16 pages of max_user_bytes */
#define SAMPLE		64		/* flood indices notified one by one */
#define PARAMS		"/sys/module/sabuf/parameters/"

static uint64_t seed;
static uint64_t opt_seconds = 600, opt_handoffs = 20000, opt_bytes = 8 << 20;
static unsigned int opt_neighbours = 3, opt_waits = 100000, opt_waitset_waits = 512;
static unsigned int opt_owners = 64, opt_life_ms = 5000, opt_lives = 3;
static unsigned int opt_progress = 5, opt_stall = 60;

static int pair_fd[MAX_NEIGHBOURS];	/* empty handles the pairs create their buffers on */

enum {
	C_HANDOFFS, C_NOTIFY_CALLS, C_NOTIFY_SKIPPED, C_WAITS, C_ASYNC_ADDS, C_NOT_EQUAL,
	C_TIMED_OUT, C_NB_CREATES,
	/* the hostile's, added directly (it may die any moment) */
	C_H_ROUNDS, C_H_ADDS, C_H_ENOSPC, C_H_WOKEN, C_H_WAITSETS, C_H_OWNERS, C_H_BUFFERS,
	C_NOTIFIED,					/* per pair */
	C_WOKEN = C_NOTIFIED + MAX_NEIGHBOURS,		/* per pair */
	C_TURNS = C_WOKEN + MAX_NEIGHBOURS,		/* per pair: turns taken */
	NR_COUNTERS = C_TURNS + MAX_NEIGHBOURS
};
#define NOTIFIED(k)	(C_NOTIFIED + (k))
#define WOKEN(k)	(C_WOKEN + (k))
#define TURNS(k)	(C_TURNS + (k))
_Static_assert(NR_COUNTERS <= RL_MAX_COUNTERS, "runloop.h counts at most RL_MAX_COUNTERS");

static void become(uid_t uid)
{
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		die("setresuid(%u): %s", (unsigned int)uid, strerror(errno));
}

/* ---- the neighbours: exact-count ping-pong ---- */

struct side {
	unsigned int pair, side;
	struct rng rng;
};
static struct side me;			/* this process's */

/* Must not fail because of anyone else's usage. */
static void neighbour_expect_ok(int ret, const char *what)
{
	if (ret < 0)
		rl_fail("neighbour uid %u (pair %u side %u): %s: %s%s", NEIGHBOUR_UID0 + me.pair,
			me.pair, me.side, what, strerror(-ret),
			ret == -ENOSPC || ret == -EDQUOT ? " (a limit hit a neighbour)" : "");
}

/* An async wait for the turn word to leave v: woken (1), not-equal or cancelled (0). */
static int async_wait(int ws, int fd, uint32_t v, uint64_t tag, struct rl_tally *t)
{
	struct sabuf_wait w = { .offset = 0, .expected = v, .timeout_ns = -1,
				.flags = SABUF_WAIT_SIZE_U32, .clockid = CLOCK_MONOTONIC };
	struct sabuf_waitset_result res;
	struct pollfd pfd = { .fd = ws, .events = POLLIN };
	int ret = sb_waitset_add(ws, fd, tag, &w);
	ssize_t got;

	t->c[C_ASYNC_ADDS]++;
	if (ret == -EAGAIN) {
		t->c[C_NOT_EQUAL]++;
		return 0;
	}
	if (ret) {
		neighbour_expect_ok(ret, "WAITSET_ADD");
		return 0;
	}
	while (poll(&pfd, 1, 500) <= 0) {
		if (rl->stop) {
			ret = sb_waitset_cancel(ws, tag);
			if (!ret)
				return 0;	/* never picked, never counted */
			if (ret != -ENOENT)
				neighbour_expect_ok(ret, "WAITSET_CANCEL");
			break;		/* settled meanwhile: read it */
		}
	}
	got = read(ws, &res, sizeof(res));
	if (got != (ssize_t)sizeof(res)) {
		rl_fail("pair %u: read of a ready waitset gave %zd (%s)", me.pair, got,
			got < 0 ? strerror(errno) : "short");
		return 0;
	}
	if (res.tag != tag || res.result || res.reserved) {
		rl_fail("pair %u: waitset result tag %#llx result %d, expected tag %#llx result 0",
			me.pair, (unsigned long long)res.tag, res.result, (unsigned long long)tag);
		return 0;
	}
	t->c[WOKEN(me.pair)]++;
	return 1;
}

static void pair_worker(unsigned int nr, struct rl_tally *t)
{
	int fd = pair_fd[me.pair], ws, ret;
	struct sabuf_info info;
	uint32_t *turn;
	const uint32_t *counters;
	uint64_t seq = 0, moves = 0;
	void *data, *cpage;

	(void)nr;
	if (me.side == 0) {
		ret = sb_create(fd, PAIR_BYTES);
		neighbour_expect_ok(ret, "CREATE of the pair's buffer");
	}
	while (!rl->stop && (sb_info(fd, &info) || !info.id))
		sleep_ns(NSEC_PER_MSEC);
	if (rl->stop)
		return;
	data = mmap(NULL, info.map_length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cpage = mmap(NULL, info.counters_length, PROT_READ, MAP_SHARED, fd, (off_t)info.counters_offset);
	if (data == MAP_FAILED || cpage == MAP_FAILED) {
		rl_fail("pair %u: mmap: %s", me.pair, strerror(errno));
		return;
	}
	turn = data;
	counters = cpage;
	ws = sb_waitset_create(fd, SABUF_WAITSET_NONBLOCK);
	neighbour_expect_ok(ws, "WAITSET_CREATE");
	for (int i = 0; i < 2; i++)
		neighbour_expect_ok(sb_robust_register(fd), "ROBUST_REGISTER");

	while (!rl->stop && ws >= 0) {
		uint32_t v = __atomic_load_n(turn, __ATOMIC_SEQ_CST);

		if (v >= opt_handoffs)
			break;
		if (v % 2 == me.side) {
			__atomic_store_n(turn, v + 1, __ATOMIC_SEQ_CST);
			t->c[C_HANDOFFS]++;
			t->c[TURNS(me.pair)]++;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (rng_chance(&me.rng, 50) &&
			    !__atomic_load_n(&counters[SABUF_COUNTER_SLOT(0, info.counters_slots)],
					     __ATOMIC_SEQ_CST)) {
				t->c[C_NOTIFY_SKIPPED]++;
			} else {
				ret = sb_notify(fd, 0, 1);
				t->c[C_NOTIFY_CALLS]++;
				if (ret < 0 || ret > 1)
					rl_fail("pair %u: notify of 1 returned %d", me.pair, ret);
				else
					t->c[NOTIFIED(me.pair)] += (uint32_t)ret;
			}
			if (++moves % 500 == 0) {
				/* a small buffer of its own: never EDQUOT */
				int bfd = sb_open(O_RDWR | O_CLOEXEC);

				neighbour_expect_ok(bfd, "open");
				if (bfd >= 0) {
					neighbour_expect_ok(sb_create(bfd, PAGE), "CREATE of a small buffer");
					close(bfd);
					t->c[C_NB_CREATES]++;
				}
			}
		} else if (rng_chance(&me.rng, 30)) {
			async_wait(ws, fd, v, ++seq, t);
		} else {
			int64_t timeout = rng_chance(&me.rng, 10) ? 50 * NSEC_PER_MSEC : -1;

			ret = sb_wait(fd, 0, v, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, timeout);
			t->c[C_WAITS]++;
			if (!ret)
				t->c[WOKEN(me.pair)]++;
			else if (ret == -EAGAIN)
				t->c[C_NOT_EQUAL]++;
			else if (ret == -ETIMEDOUT && timeout > 0)
				t->c[C_TIMED_OUT]++;
			else
				rl_fail("pair %u: wait for %u to change: %s", me.pair, v, strerror(-ret));
		}
		rl_tick(t);
	}
	rl_flush(t);
	/* done: stay until the stop (a worker process that ends early fails the run) */
	while (!rl->stop)
		sleep_ns(5 * NSEC_PER_MSEC);
	if (ws >= 0)
		close(ws);
	munmap(data, info.map_length);
	munmap(cpage, info.counters_length);
}

static int neighbour_main(unsigned int proc)
{
	me.pair = proc / 2;
	me.side = proc % 2;
	me.rng = rng_derive(seed, proc, 0);
	for (unsigned int k = 0; k < opt_neighbours; k++)
		if (k != me.pair)
			close(pair_fd[k]);	/* only its own pair's buffer */
	become(NEIGHBOUR_UID0 + me.pair);
	return rl_process_main(proc, 1, pair_worker, 0, seed);
}

/* ---- the hostile ---- */

static uint64_t page_round(uint64_t n) { return (n + PAGE - 1) & ~(PAGE - 1); }

static bool hostile_failed;
static bool verbose;			/* the final round: times each phase */
static double phase_start;

static void phase_done(const char *what)
{
	double now = mono_seconds();

	if (verbose)
		say("final hostile round: %s in %.2f s", what, now - phase_start);
	phase_start = now;
}

static void hfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hfail(const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rl_fail("hostile uid %d: %s", HOSTILE_UID, msg);
	hostile_failed = true;
}

static int add_wait(int ws, int bfd, uint64_t offset, uint64_t tag)
{
	struct sabuf_wait w = { .offset = offset, .expected = 0, .timeout_ns = -1,
				.flags = SABUF_WAIT_SIZE_U32, .clockid = CLOCK_MONOTONIC };

	return sb_waitset_add(ws, bfd, tag, &w);
}

static int new_waitset(int bfd)
{
	int ws = sb_waitset_create(bfd, SABUF_WAITSET_NONBLOCK);

	if (ws < 0)
		hfail("WAITSET_CREATE: %s", strerror(-ws));
	else
		rl->c[C_H_WAITSETS]++;
	return ws;
}

static void expect_enospc(int ret, const char *where)
{
	if (ret == -ENOSPC) {
		rl->c[C_H_ENOSPC]++;
		return;
	}
	hfail("%s: %s, expected ENOSPC", where, ret ? strerror(-ret) : "queued");
}

/*
 * Fill --waits async waits over waitsets of --waitset-waits each, on
 * offset(i); every full waitset refuses one more, and then so does a new
 * one. ws[] gets the waitsets (nws of them, the last one new and empty).
 */
static bool fill_waits(int bfd, int *ws, unsigned int *nws, bool distinct)
{
	unsigned int per = opt_waitset_waits, w = 0;
	int ret;

	ws[0] = -1;
	for (unsigned int i = 0; i < opt_waits; i++) {
		if (ws[w] < 0 && (ws[w] = new_waitset(bfd)) < 0)
			return false;
		ret = add_wait(ws[w], bfd, distinct ? 4ULL * i : 0, i);
		if (ret) {
			hfail("wait %u of %u (%s): %s, below every limit", i + 1, opt_waits,
			      distinct ? "distinct indices" : "one index", strerror(-ret));
			return false;
		}
		rl->c[C_H_ADDS]++;
		if ((i + 1) % per == 0) {
			if (i + 1 < opt_waits)
				expect_enospc(add_wait(ws[w], bfd, 0, ~0ULL),
					      "a wait past max_waitset_waits");
			ws[++w] = -1;
		}
	}
	if (ws[w] >= 0)
		w++;
	if ((ws[w] = new_waitset(bfd)) < 0)
		return false;
	*nws = w + 1;
	expect_enospc(add_wait(ws[w], bfd, 4, ~0ULL), "a wait past max_user_waits in a new waitset");
	return !hostile_failed;
}

static void close_all(int *ws, unsigned int nws)
{
	for (unsigned int i = 0; i < nws; i++)
		if (ws[i] >= 0)
			close(ws[i]);
}

/* Read every result of every waitset: exactly --waits, each tag once, all 0. */
static bool read_all(int *ws, unsigned int nws, uint8_t *seen)
{
	static struct sabuf_waitset_result res[256];
	uint64_t total = 0;

	memset(seen, 0, opt_waits);
	for (unsigned int i = 0; i < nws; i++) {
		ssize_t got;

		while ((got = read(ws[i], res, sizeof(res))) > 0) {
			for (size_t j = 0; j < (size_t)got / sizeof(res[0]); j++) {
				if (res[j].tag >= opt_waits || seen[res[j].tag] || res[j].result) {
					hfail("waitset %u reported tag %llu result %d (seen before: %d)",
					      i, (unsigned long long)res[j].tag, res[j].result,
					      res[j].tag < opt_waits ? seen[res[j].tag] : -1);
					return false;
				}
				seen[res[j].tag] = 1;
				total++;
			}
		}
		if (got < 0 && errno != EAGAIN) {
			hfail("read of waitset %u: %s", i, strerror(errno));
			return false;
		}
	}
	if (total != opt_waits) {
		hfail("the notify-all woke %u, but the waitsets reported %llu results", opt_waits,
		      (unsigned long long)total);
		return false;
	}
	return true;
}

struct owner_arg {
	int fd;
	unsigned int n;
	int last;
};

static void *register_until_refused(void *arg)
{
	struct owner_arg *o = arg;
	int ret;

	while ((ret = sb_robust_register(o->fd)) > 0 && o->n <= opt_owners)
		o->n++;
	o->last = ret;
	return NULL;	/* the thread's ids die with it */
}

/* One round of filling every limit; false (after hfail) on a wrong answer. */
static bool hostile_round(struct rng *r)
{
	unsigned int nws_max = opt_waits / opt_waitset_waits + 3, nws = 0;
	uint64_t blen = page_round(4ULL * opt_waits), used, chunks;
	int *ws = calloc(nws_max, sizeof(int));
	uint8_t *seen = calloc(opt_waits, 1);
	int bfd = sb_open(O_RDWR | O_CLOEXEC), ret, n, *fds;
	struct owner_arg o;
	pthread_t th;

	if (!ws || !seen)
		die("out of memory");
	if (bfd < 0 || (ret = sb_create(bfd, blen))) {
		hfail("the flood buffer (%llu bytes): %s", (unsigned long long)blen,
		      strerror(bfd < 0 ? -bfd : -ret));
		return false;
	}

	/* 1. distinct indices */
	phase_start = mono_seconds();
	if (!fill_waits(bfd, ws, &nws, true))
		return false;
	phase_done("the flood on distinct indices, to max_user_waits");
	for (unsigned int i = 0; i < SAMPLE; i++) {
		unsigned int idx = (unsigned int)rng_below(r, opt_waits);
		int want = !seen[idx];

		ret = sb_notify(bfd, 4ULL * idx, 1);
		if (ret != want) {
			hfail("notify of 1 at flooded index %u returned %d, expected %d", idx, ret, want);
			return false;
		}
		seen[idx] = 1;
		rl->c[C_H_WOKEN] += (unsigned int)ret;
	}
	expect_enospc(add_wait(ws[nws - 1], bfd, 4, ~0ULL),
		      "a wait while results nobody read fill max_user_waits");
	close_all(ws, nws);
	phase_done("sampled notifies and closing the waitsets");

	/* 2. one index, notify-all */
	if (!fill_waits(bfd, ws, &nws, false))
		return false;
	phase_done("the waits on one index, to max_user_waits");
	ret = sb_notify(bfd, 0, SABUF_NOTIFY_ALL);
	if (ret != (int)opt_waits) {
		hfail("notify-all of %u waiters returned %d", opt_waits, ret);
		return false;
	}
	rl->c[C_H_WOKEN] += (unsigned int)ret;
	phase_done("the notify-all");
	expect_enospc(add_wait(ws[nws - 1], bfd, 4, ~0ULL),
		      "a wait while unread notify-all results fill max_user_waits");
	if (!read_all(ws, nws, seen))
		return false;
	phase_done("reading every result");
	ret = add_wait(ws[nws - 1], bfd, 4, 7);
	if (ret || (ret = sb_waitset_cancel(ws[nws - 1], 7))) {
		hfail("a wait after every result was read: %s", strerror(-ret));
		return false;
	}
	close_all(ws, nws);
	if (hostile_failed)
		return false;
	phase_start = mono_seconds();

	/* 3. owner ids, from a thread of their own */
	o = (struct owner_arg){ .fd = bfd };
	if (pthread_create(&th, NULL, register_until_refused, &o))
		die("pthread_create failed");
	pthread_join(th, NULL);
	if (o.n != opt_owners || o.last != -ENOSPC) {
		hfail("registered %u owner ids, then %s; expected %u, then ENOSPC", o.n,
		      o.last > 0 ? "one more" : strerror(-o.last), opt_owners);
		return false;
	}
	rl->c[C_H_OWNERS] += o.n;
	rl->c[C_H_ENOSPC]++;
	phase_done("owner ids to max_user_owners");

	/* 4. bytes: what max_user_bytes leaves after the flood buffer */
	used = blen + PAGE;
	chunks = opt_bytes > used ? (opt_bytes - used) / (CHUNK_BYTES + PAGE) : 0;
	fds = calloc(chunks + 2, sizeof(int));
	if (!fds)
		die("out of memory");
	n = 0;
	for (;;) {
		int fd = sb_open(O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			hfail("open: %s", strerror(-fd));
			break;
		}
		ret = sb_create(fd, CHUNK_BYTES);
		if (ret) {
			close(fd);
			break;
		}
		fds[n++] = fd;
		rl->c[C_H_BUFFERS]++;
		if ((uint64_t)n > chunks)
			break;
	}
	if ((uint64_t)n != chunks || ret != -EDQUOT) {
		hfail("created %d buffers of %llu bytes, then %s; expected %llu, then EDQUOT", n,
		      (unsigned long long)CHUNK_BYTES, ret ? strerror(-ret) : "one more",
		      (unsigned long long)chunks);
	} else {
		uint64_t left = opt_bytes - used - chunks * (CHUNK_BYTES + PAGE);
		int fd = sb_open(O_RDWR | O_CLOEXEC);

		/* the rest to the page: fits exactly; then not even one byte */
		if (left >= 2 * PAGE && (ret = sb_create(fd, left - PAGE)))
			hfail("a buffer of the last %llu bytes: %s", (unsigned long long)left,
			      strerror(-ret));
		fds[n++] = fd;
		fd = sb_open(O_RDWR | O_CLOEXEC);
		ret = sb_create(fd, 1);
		if (ret != -EDQUOT)
			hfail("a 1-byte buffer at max_user_bytes: %s, expected EDQUOT",
			      ret ? strerror(-ret) : "created");
		close(fd);
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	phase_done("buffers to max_user_bytes");
	close(bfd);
	free(ws);
	free(seen);
	return !hostile_failed;
}

/* A hostile life (forked by the spawner): rounds until its SIGKILL. */
static void hostile_main(unsigned int nr)
{
	struct rng r = rng_derive(seed, 0x4000 + nr, 0);

	for (unsigned int k = 0; k < opt_neighbours; k++)
		close(pair_fd[k]);	/* nothing of the neighbours' */
	become(HOSTILE_UID);
	while (!rl->stop && hostile_round(&r))
		rl->c[C_H_ROUNDS]++;
	for (;;)
		pause();	/* until SIGKILL */
}

/* ---- the parent ---- */

static const char *const param_names[] = {
	"max_user_waits", "max_waitset_waits", "max_user_owners", "max_user_bytes",
};
static char saved[ARRAY_SIZE(param_names)][32];

static bool params_set(void)
{
	char path[128], val[32];
	uint64_t vals[] = { opt_waits, opt_waitset_waits, opt_owners, opt_bytes };

	for (size_t i = 0; i < ARRAY_SIZE(param_names); i++) {
		snprintf(path, sizeof(path), PARAMS "%s", param_names[i]);
		if (read_file_line(path, saved[i], sizeof(saved[i])))
			return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(param_names); i++) {
		int ret;

		snprintf(path, sizeof(path), PARAMS "%s", param_names[i]);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)vals[i]);
		ret = write_file(path, val);
		if (ret)
			die("writing %s to %s: %s", val, path, strerror(-ret));
	}
	return true;
}

static void params_restore(void)
{
	char path[128];

	for (size_t i = 0; i < ARRAY_SIZE(param_names); i++) {
		snprintf(path, sizeof(path), PARAMS "%s", param_names[i]);
		if (write_file(path, saved[i]))
			complain("could not restore %s to %s", path, saved[i]);
	}
}

static uint64_t total_handoffs(void) { return (uint64_t)opt_neighbours * opt_handoffs; }

/* The loop's count: handoffs, held below the target until the hostile has died --lives times. */
static uint64_t done(void)
{
	uint64_t h = rl->c[C_HANDOFFS];

	if (rl->doomed_killed < opt_lives && h >= total_handoffs())
		return total_handoffs() - 1;
	return h;
}

static uint64_t last_turns[MAX_NEIGHBOURS];
static double last_move[MAX_NEIGHBOURS];

static void check_stalls(double now)
{
	for (unsigned int k = 0; k < opt_neighbours; k++) {
		uint64_t turns = rl->c[TURNS(k)];

		if (turns != last_turns[k] || turns >= opt_handoffs) {
			last_turns[k] = turns;
			last_move[k] = now;
		} else if (now - last_move[k] > opt_stall) {
			rl_fail("pair %u (uid %u) made no progress for %u s at turn %llu", k,
				NEIGHBOUR_UID0 + k, opt_stall, (unsigned long long)turns);
		}
	}
}

static void progress_line(double elapsed, uint64_t count, double rate)
{
	say("%6.1f s: %llu of %llu handoffs (%.0f/s), %llu waits + %llu async, %llu not-equal, "
	    "%llu notifies (+%llu skipped); hostile: %llu lives, %llu rounds, %llu waits added in "
	    "%llu waitsets, %llu woken, %llu refusals at the limits",
	    elapsed, (unsigned long long)count, (unsigned long long)total_handoffs(), rate,
	    (unsigned long long)rl->c[C_WAITS], (unsigned long long)rl->c[C_ASYNC_ADDS],
	    (unsigned long long)rl->c[C_NOT_EQUAL], (unsigned long long)rl->c[C_NOTIFY_CALLS],
	    (unsigned long long)rl->c[C_NOTIFY_SKIPPED], (unsigned long long)rl->doomed_spawned,
	    (unsigned long long)rl->c[C_H_ROUNDS], (unsigned long long)rl->c[C_H_ADDS],
	    (unsigned long long)rl->c[C_H_WAITSETS], (unsigned long long)rl->c[C_H_WOKEN],
	    (unsigned long long)rl->c[C_H_ENOSPC]);
}

static void wake_all(struct rl_tally *t)
{
	for (unsigned int k = 0; k < opt_neighbours; k++) {
		int ret = sb_notify(pair_fd[k], 0, SABUF_NOTIFY_ALL);

		if (ret > 0)
			t->c[NOTIFIED(k)] += (uint32_t)ret;
	}
}

/* The last round, after everything: from zero again, to every limit. */
static bool final_round(void)
{
	double t0 = mono_seconds();
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		struct rng r = rng_derive(seed, 0x5000, 0);

		for (unsigned int k = 0; k < opt_neighbours; k++)
			close(pair_fd[k]);
		become(HOSTILE_UID);
		verbose = true;
		_exit(hostile_round(&r) ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		complain("the final hostile round (everyone else gone) failed (status %#x)%s%s", status,
			 rl->failed ? ": " : "", rl->failed ? rl->first_error : "");
		return false;
	}
	rl->c[C_H_ROUNDS]++;
	say("final hostile round: every limit filled exactly again, in %.1f s", mono_seconds() - t0);
	return true;
}

static bool final_checks(void)
{
	int sock = genl_open(), family = sock >= 0 ? genl_family_id(sock, SABUF_GENL_NAME) : sock;
	bool ok = true;

	for (unsigned int k = 0; k < opt_neighbours; k++) {
		struct sabuf_nl_buffer nb;
		struct sabuf_info info;
		char label[48];
		int ret;

		snprintf(label, sizeof(label), "pair %u (uid %u)", k, NEIGHBOUR_UID0 + k);
		if (!rl_exact(label, rl->c[NOTIFIED(k)], rl->c[WOKEN(k)]))
			ok = false;
		if (rl->c[TURNS(k)] != opt_handoffs) {
			complain("%s: %llu turns, not %llu: it did not finish", label,
				 (unsigned long long)rl->c[TURNS(k)], (unsigned long long)opt_handoffs);
			ok = false;
		}
		if (family < 0 || sb_info(pair_fd[k], &info) || !info.id)
			continue;
		ret = sabuf_nl_get(sock, family, info.id, true, &nb);
		if (ret) {
			complain("%s: netlink QUEUES_GET: %s", label, strerror(-ret));
			ok = false;
		} else if (nb.waiters || nb.nr_queues) {
			complain("%s: netlink reports %u waiters in %u queues after the pair ended",
				 label, nb.waiters, nb.nr_queues);
			ok = false;
		}
	}
	if (family < 0) {
		complain("netlink family %s: %s", SABUF_GENL_NAME, strerror(-family));
		ok = false;
	}
	if (sock >= 0)
		close(sock);
	return ok;
}

static void usage(void)
{
	printf("usage: neighbours [--seed N] [--seconds S] [--handoffs N (per pair)] [--neighbours K]\n"
	       "                  [--waits W] [--waitset-waits N] [--owners N] [--bytes B]\n"
	       "                  [--life-ms MS] [--lives N] [--progress S] [--stall S]\n");
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
		} else if (opt_value(argc, argv, &i, "--neighbours", &v)) {
			opt_neighbours = (unsigned int)parse_u64("--neighbours", v);
		} else if (opt_value(argc, argv, &i, "--waits", &v)) {
			opt_waits = (unsigned int)parse_u64("--waits", v);
		} else if (opt_value(argc, argv, &i, "--waitset-waits", &v)) {
			opt_waitset_waits = (unsigned int)parse_u64("--waitset-waits", v);
		} else if (opt_value(argc, argv, &i, "--owners", &v)) {
			opt_owners = (unsigned int)parse_u64("--owners", v);
		} else if (opt_value(argc, argv, &i, "--bytes", &v)) {
			opt_bytes = parse_u64("--bytes", v);
		} else if (opt_value(argc, argv, &i, "--life-ms", &v)) {
			opt_life_ms = (unsigned int)parse_u64("--life-ms", v);
		} else if (opt_value(argc, argv, &i, "--lives", &v)) {
			opt_lives = (unsigned int)parse_u64("--lives", v);
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
	if (opt_neighbours < 1 || opt_neighbours > MAX_NEIGHBOURS)
		die("--neighbours must be 1..%d", MAX_NEIGHBOURS);
	if (opt_waits < 2 * SAMPLE || opt_waits > 1 << 24)
		die("--waits must be %d..%d", 2 * SAMPLE, 1 << 24);
	if (opt_waitset_waits < 1 || opt_waitset_waits > opt_waits)
		die("--waitset-waits must be 1..--waits");
	if (opt_handoffs < 2 || opt_handoffs > 0x7fffffff)
		die("--handoffs must be 2..2^31-1");
	if (opt_bytes < page_round(4ULL * opt_waits) + 2 * PAGE)
		die("--bytes must leave room for the flood buffer (%llu bytes)",
		    (unsigned long long)page_round(4ULL * opt_waits) + PAGE);
	if (opt_life_ms < 50)
		opt_life_ms = 50;
	if (!opt_progress)
		opt_progress = 5;
}

int main(int argc, char **argv)
{
	struct rl_loop loop = { .done = done, .check = check_stalls, .progress_line = progress_line };
	struct rl_doomed hostile = { .slots = 1, .min_ms = 50, .child = hostile_main };
	struct sabuf_info info;
	double start, now;
	pid_t spawner;
	bool ok = true;
	int fd, ret;

	stress_init("neighbours");
	parse_args(argc, argv);
	say("seed %#llx; %u neighbour pairs (uids %u..%u) x %llu handoffs; hostile uid %u, lives "
	    "of 50..%u ms (at least %u); limits: max_user_waits %u, max_waitset_waits %u, "
	    "max_user_owners %u, max_user_bytes %llu; limit %llu s",
	    (unsigned long long)seed, opt_neighbours, NEIGHBOUR_UID0, NEIGHBOUR_UID0 + opt_neighbours - 1,
	    (unsigned long long)opt_handoffs, HOSTILE_UID, opt_life_ms, opt_lives, opt_waits,
	    opt_waitset_waits, opt_owners, (unsigned long long)opt_bytes,
	    (unsigned long long)opt_seconds);

	if (geteuid()) {
		say("SKIP: needs root (module parameters, setresuid)");
		return STRESS_SKIP;
	}
	fd = sb_open(O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open: %s", strerror(-fd));
	ret = sb_info(fd, &info);
	close(fd);
	if (ret)
		die("INFO: %s", strerror(-ret));
	if (!(info.features & SABUF_FEATURE_WAITSET) || !(info.features & SABUF_FEATURE_ROBUST)) {
		say("SKIP: the module lacks waitsets or robust owners (features %#llx)",
		    (unsigned long long)info.features);
		return STRESS_SKIP;
	}
	if (!params_set()) {
		say("SKIP: the module lacks the per-uid limits (%s%s...)", PARAMS, param_names[0]);
		return STRESS_SKIP;
	}
	rl_init(0, NR_COUNTERS, 16);
	for (unsigned int k = 0; k < opt_neighbours; k++) {
		pair_fd[k] = sb_open(O_RDWR);
		if (pair_fd[k] < 0)
			die("open: %s", strerror(-pair_fd[k]));
	}
	rl_fork_procs(2 * opt_neighbours, neighbour_main);
	rl_wait_ready((int)(2 * opt_neighbours));
	hostile.max_ms = opt_life_ms;
	hostile.seed = seed;
	spawner = rl_spawner_start(&hostile);

	loop.seconds = opt_seconds;
	loop.target = total_handoffs();
	loop.progress = opt_progress;
	start = mono_seconds();
	for (unsigned int k = 0; k < MAX_NEIGHBOURS; k++)
		last_move[k] = start;
	now = rl_run(&loop, &start);
	if (!rl->failed && done() < total_handoffs())
		rl_fail("the time limit (%llu s) came first: %llu of %llu handoffs, %llu hostile lives",
			(unsigned long long)opt_seconds, (unsigned long long)rl->c[C_HANDOFFS],
			(unsigned long long)total_handoffs(), (unsigned long long)rl->doomed_killed);
	rl->stop = 1;
	if (!rl_spawner_wait(spawner))
		ok = false;
	if (!rl_drain(wake_all))
		ok = false;
	if (!rl_reap())
		ok = false;
	if (!rl_check_failed())
		ok = false;
	if (ok && !final_round())
		ok = false;
	if (!final_checks())
		ok = false;
	progress_line(now - start, rl->c[C_HANDOFFS], (double)rl->c[C_HANDOFFS] / (now - start));
	say("%llu handoffs in %.1f s; the hostile lived %llu times (%llu SIGKILLed), completed %llu "
	    "rounds (the last one after everyone else), %llu owner ids and %llu buffers up to the "
	    "limits; neighbours created %llu buffers",
	    (unsigned long long)rl->c[C_HANDOFFS], now - start,
	    (unsigned long long)rl->doomed_spawned, (unsigned long long)rl->doomed_killed,
	    (unsigned long long)rl->c[C_H_ROUNDS], (unsigned long long)rl->c[C_H_OWNERS],
	    (unsigned long long)rl->c[C_H_BUFFERS], (unsigned long long)rl->c[C_NB_CREATES]);
	for (unsigned int k = 0; k < opt_neighbours; k++)
		close(pair_fd[k]);
	params_restore();
	return rl_verdict(ok, seed, "nothing lost, every limit exact for the hostile uid and never "
			  "hit by its neighbours, the counts back to zero after every death");
}
