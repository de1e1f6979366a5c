// SPDX-License-Identifier: GPL-2.0
/*
 * A notify of many waiters holds its bucket lock for bounded batches
 * (kmod/waitwake.c, "Batches, and who a notify may pick (E)"): it picks
 * at most SABUF_NOTIFY_BATCH (64) entries, unlocks, settles or wakes what
 * it picked, and locks again; FIFO order and "only the waiters queued
 * before the notify" hold across batches.
 *
 * How a test sees the batches, without timing anything: two kprobe trace
 * events on the module, one where a notify picks an asynchronous wait
 * (under the bucket lock: sabuf_async_picked) and one where it settles it
 * (after unlocking: sabuf_async_settle), recorded for the notifying thread
 * alone, pinned to one CPU so that its events are in program order. A
 * notify that picked everything in one hold of the lock (0.2) shows all
 * its picks before its first settle; a batched one never more than 64
 * picks in a row. Needs root and kprobe events (else SKIP).
 */
#include "sabuf_test.h"

#include <poll.h>
#include <sched.h>
#include <sys/mount.h>

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/sabuf_notify_batch"
#define GROUP		"sabuf_notify_batch"
#define NR_WAITS	1000
#define BATCH		64

static int ws_create(int fd)
{
	struct sabuf_waitset_create c = { .flags = SABUF_WAITSET_NONBLOCK };

	return sabuf_t_ioctl(fd, SABUF_IOC_WAITSET_CREATE, &c);
}

static int ws_add(int ws, int bfd, uint64_t offset, uint64_t tag)
{
	struct sabuf_waitset_add a = {
		.fd = bfd, .tag = tag,
		.wait = sabuf_t_wait_args(4, offset, 0, -1),
	};

	return sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &a);
}

static int probes_remove(void)
{
	sabuf_t_write_file(INSTANCE "/events/" GROUP "/enable", "0");
	rmdir(INSTANCE);
	sabuf_t_write_file(TRACEFS "/kprobe_events", "-:" GROUP "/picked\n");
	return sabuf_t_write_file(TRACEFS "/kprobe_events", "-:" GROUP "/settled\n");
}

static int probes_add(void)
{
	struct stat st;
	int ret;

	if (stat(TRACEFS "/instances", &st) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	probes_remove();
	ret = sabuf_t_write_file(TRACEFS "/kprobe_events",
				 "p:" GROUP "/picked sabuf:sabuf_async_picked\n");
	if (!ret)
		ret = sabuf_t_write_file(TRACEFS "/kprobe_events",
					 "p:" GROUP "/settled sabuf:sabuf_async_settle\n");
	if (ret)
		return ret;
	if (mkdir(INSTANCE, 0700) && errno != EEXIST)
		return -errno;
	return sabuf_t_write_file(INSTANCE "/buffer_size_kb", "4096");
}

static int trace_start(pid_t tid)
{
	char filter[64];
	int fd, ret;

	snprintf(filter, sizeof(filter), "common_pid == %d", (int)tid);
	ret = sabuf_t_write_file(INSTANCE "/events/" GROUP "/filter", filter);
	if (ret)
		return ret;
	fd = open(INSTANCE "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);	/* clears it */
	if (fd < 0)
		return -errno;
	close(fd);
	return sabuf_t_write_file(INSTANCE "/events/" GROUP "/enable", "1");
}

/* The picks and settles recorded, and the longest run of picks with no settle between. */
struct runs {
	int picked, settled, longest;
};

static int trace_stop(struct runs *r)
{
	char line[512];
	int run = 0, ret;
	FILE *f;

	*r = (struct runs){ 0 };
	ret = sabuf_t_write_file(INSTANCE "/events/" GROUP "/enable", "0");
	if (ret)
		return ret;
	f = fopen(INSTANCE "/trace", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (strstr(line, " picked:")) {
			r->picked++;
			if (++run > r->longest)
				r->longest = run;
		} else if (strstr(line, " settled:")) {
			r->settled++;
			run = 0;
		}
	}
	fclose(f);
	return 0;
}

FIXTURE(batch) {
	struct sabuf_t_buf b;
	int ws;
	bool probes;
};

FIXTURE_SETUP(batch)
{
	int ret;

	self->ws = -1;
	self->probes = false;
	SABUF_T_BUF_NEW(&self->b, sabuf_t_page_size());
	self->ws = ws_create(self->b.fd);
	ASSERT_LE(0, self->ws);
	if (geteuid() != 0)
		SKIP(return, "kprobe events need root");
	ret = probes_add();
	if (ret) {
		probes_remove();
		SKIP(return, "no kprobe events on the module here (%s)", strerror(-ret));
	}
	self->probes = true;
}

FIXTURE_TEARDOWN(batch)
{
	if (self->probes)
		probes_remove();
	if (self->ws >= 0)
		close(self->ws);
	sabuf_t_buf_free(&self->b);
}

TEST_F(batch, notify_all_of_1000_picks_at_most_64_per_hold_of_the_lock)
{
	struct sabuf_waitset_result res[NR_WAITS];
	cpu_set_t one;
	struct runs r;
	ssize_t got;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	for (int i = 0; i < NR_WAITS; i++)
		ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, i));
	ASSERT_EQ(0, trace_start(gettid()));
	EXPECT_EQ(NR_WAITS, sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
	ASSERT_EQ(0, trace_stop(&r));
	EXPECT_EQ(NR_WAITS, r.picked);
	EXPECT_EQ(NR_WAITS, r.settled);
	EXPECT_GE(BATCH, r.longest)
		TH_LOG("%d picks in a row under one hold of the bucket lock", r.longest);

	/* FIFO across batches: settled (and so read) in the order they were queued */
	got = read(self->ws, res, sizeof(res));
	ASSERT_EQ((ssize_t)sizeof(res), got);
	for (int i = 0; i < NR_WAITS; i++) {
		ASSERT_EQ((uint64_t)i, res[i].tag);
		ASSERT_EQ(0, res[i].result);
	}
}

/* A notify of fewer than all stops at its count, batches or not. */
TEST_F(batch, notify_of_100_of_1000_wakes_the_oldest_100)
{
	struct sabuf_waitset_result res[NR_WAITS];
	ssize_t got;

	for (int i = 0; i < NR_WAITS; i++)
		ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, i));
	EXPECT_EQ(100, sabuf_t_notify(self->b.fd, 0, 100));
	EXPECT_EQ((uint32_t)(NR_WAITS - 100), sabuf_t_counter(&self->b, 0));
	got = read(self->ws, res, sizeof(res));
	ASSERT_EQ((ssize_t)(100 * sizeof(res[0])), got);
	for (int i = 0; i < 100; i++)
		ASSERT_EQ((uint64_t)i, res[i].tag);
	EXPECT_EQ(NR_WAITS - 100, sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
}

/* ---- waiters arriving during a notify's batches ---- */

struct adder {
	int ws, bfd;
	int stop;
	int added;
};

static void *add_loop(void *arg)
{
	struct adder *a = arg;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE) && a->added < 30000) {
		if (ws_add(a->ws, a->bfd, 0, NR_WAITS + a->added))
			return (void *)1;
		__atomic_store_n(&a->added, a->added + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Waits keep arriving at the index while notify-alls run: each notify
 * ends (it does not chase the arrivals), and what all of them picked is
 * the oldest waits in queue order, with no gap: FIFO across batches.
 */
TEST_F(batch, notifies_among_arrivals_pick_the_oldest_in_order)
{
	struct adder a = { .ws = self->ws, .bfd = self->b.fd };
	static struct sabuf_waitset_result res[1 << 16];
	uint64_t expect = 0;
	int woken = 0, got;
	pthread_t t;
	void *ret;

	for (int i = 0; i < NR_WAITS; i++)
		ASSERT_EQ(0, ws_add(self->ws, self->b.fd, 0, i));
	ASSERT_EQ(0, pthread_create(&t, NULL, add_loop, &a));
	for (int round = 0; round < 5; round++) {
		int n = sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL);

		ASSERT_LE(0, n);
		woken += n;
	}
	__atomic_store_n(&a.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	ASSERT_LE(NR_WAITS, woken);
	ASSERT_GE(ARRAY_SIZE(res), (size_t)woken);
	got = (int)(read(self->ws, res, woken * sizeof(res[0])) / (ssize_t)sizeof(res[0]));
	ASSERT_EQ(woken, got);
	for (int i = 0; i < got; i++, expect++) {
		ASSERT_EQ(expect, res[i].tag) {
			TH_LOG("result %d of %d", i, got);
		}
	}
	/* the rest are still queued, all of them */
	EXPECT_EQ((uint32_t)(NR_WAITS + a.added - woken), sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(NR_WAITS + a.added - woken,
		  sabuf_t_notify(self->b.fd, 0, SABUF_NOTIFY_ALL));
}

TEST_HARNESS_MAIN
