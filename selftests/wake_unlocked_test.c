// SPDX-License-Identifier: GPL-2.0
/*
 * A notify wakes its waiters outside the bucket lock, however many it
 * picks (kmod/waitwake.c, "Waking, outside the bucket lock"): a wake-up
 * under a spinlock keeps preemption off for the whole walk, and a notify
 * of thousands of waiters would be one long non-preemptible section.
 *
 * How a test sees a held lock: the scheduler's sched_waking trace event
 * records the waker's preempt count. On a kernel whose spinlocks disable
 * preemption (every kernel with a preempt count but PREEMPT_RT; Debian's
 * have one), a wake-up issued under a spinlock shows one level more than
 * the same wake-up issued without. So: notify one waiter and note the
 * depth of that wake-up (the baseline); then notify 64 waiters at once:
 * each of those 64 wake-ups must show the baseline depth. A module that
 * woke any of them under the bucket lock (0.1 did, past the 16th) shows
 * more.
 *
 * A positive control proves the method on the running kernel: a pipe
 * write wakes its reader under the pipe wait queue's spinlock, so it must
 * show more than the baseline. Where it does not (PREEMPT_RT, where
 * spinlocks sleep; a kernel without a preempt count), the case SKIPs.
 * Needs tracefs (root, CONFIG_TRACING): else SKIP.
 */
#include "sabuf_test.h"

#include <sys/mount.h>

#define WORD 64
#define BASELINE_WORD 128
#define NR_WAITERS 64
#define TRACEFS "/sys/kernel/tracing"
#define INSTANCE TRACEFS "/instances/sabuf_wake_unlocked"
#define MAX_EVENTS 256

/* One sched_waking event: who was woken, at which preempt depth. */
struct waking {
	pid_t pid;
	int depth;
};

/* Our own trace instance, so as not to disturb (or be disturbed by) others. */
static int trace_open(void)
{
	struct stat st;

	if (stat(TRACEFS "/instances", &st) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	if (mkdir(INSTANCE, 0700) && errno != EEXIST)
		return -errno;
	return stat(INSTANCE "/events/sched/sched_waking", &st) ? -errno : 0;
}

static void trace_close(void)
{
	sabuf_t_write_file(INSTANCE "/events/sched/sched_waking/enable", "0");
	rmdir(INSTANCE);
}

/* Record sched_waking events issued by @waker only, from an empty buffer. */
static int trace_start(pid_t waker)
{
	char filter[64];
	int fd, ret;

	snprintf(filter, sizeof(filter), "common_pid == %d", (int)waker);
	ret = sabuf_t_write_file(INSTANCE "/events/sched/sched_waking/filter", filter);
	if (ret)
		return ret;
	fd = open(INSTANCE "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);	/* clears it */
	if (fd < 0)
		return -errno;
	close(fd);
	return sabuf_t_write_file(INSTANCE "/events/sched/sched_waking/enable", "1");
}

/*
 * Stop and read the events back: their number (at most @max), or -errno.
 * A line reads "  comm-TID  [CPU] FLAGS  TIMESTAMP: sched_waking: comm=C
 * pid=P prio=..."; FLAGS is irqs-off, need-resched, hardirq/softirq,
 * preempt depth (a hex digit, '.' for 0), then (newer kernels) more.
 */
static int trace_stop(struct waking *ev, int max)
{
	char line[512];
	FILE *f;
	int n = 0, ret;

	ret = sabuf_t_write_file(INSTANCE "/events/sched/sched_waking/enable", "0");
	if (ret)
		return ret;
	f = fopen(INSTANCE "/trace", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *flags = strstr(line, "] "), *pid = strstr(line, " pid=");
		char d;

		if (line[0] == '#' || !strstr(line, "sched_waking:") || !flags || !pid)
			continue;
		flags += 2;
		while (*flags == ' ')
			flags++;
		if (strlen(flags) < 5 || n == max) {
			n = -EOVERFLOW;
			break;
		}
		d = flags[3];
		ev[n].depth = d == '.' ? 0 : (d >= '0' && d <= '9') ? d - '0' :
			      (d >= 'a' && d <= 'f') ? d - 'a' + 10 : -1;
		ev[n].pid = (pid_t)atoi(pid + 5);
		n++;
	}
	fclose(f);
	return n;
}

/* The depth of the wake-up of a reader blocked on a pipe, by a write: under a lock. */
static void *pipe_reader(void *arg)
{
	int *p = arg;
	char c;

	__atomic_store_n(&p[2], gettid(), __ATOMIC_SEQ_CST);
	return read(p[0], &c, 1) == 1 ? NULL : (void *)1;
}

static int pipe_wake_depth(void)
{
	struct waking ev[MAX_EVENTS];
	int p[3] = { -1, -1, 0 }, n, ret = -EIO;
	pthread_t reader;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	if (pthread_create(&reader, NULL, pipe_reader, p)) {
		close(p[0]);
		close(p[1]);
		return -EAGAIN;
	}
	if (SABUF_T_EVENTUALLY(__atomic_load_n(&p[2], __ATOMIC_SEQ_CST) != 0) &&
	    !sabuf_t_wait_blocked(p[2]) && !trace_start(gettid())) {
		ret = write(p[1], "x", 1) == 1 ? 0 : -errno;
		n = trace_stop(ev, MAX_EVENTS);
		if (!ret)
			ret = n < 0 ? n : -EIO;
		for (int i = 0; i < n && ret == -EIO; i++)
			if (ev[i].pid == p[2])
				ret = ev[i].depth;
	}
	if (ret < 0 && write(p[1], "x", 1) < 0)
		ret = -errno;
	pthread_join(reader, NULL);
	close(p[0]);
	close(p[1]);
	return ret;
}

FIXTURE(wake) {
	struct sabuf_t_buf b;
	struct sabuf_t_waiter wt[NR_WAITERS + 1];
	int nr;
	bool traced;
};

FIXTURE_SETUP(wake)
{
	int ret;

	SABUF_T_BUF_NEW(&self->b, sabuf_t_page_size());
	self->nr = 0;
	ret = trace_open();
	if (ret)
		SKIP(return, "no sched_waking trace event here (%s)", strerror(-ret));
	self->traced = true;
}

FIXTURE_TEARDOWN(wake)
{
	/* wake any waiter a failed assert left behind, then reap them all */
	sabuf_t_notify(self->b.fd, WORD, SABUF_NOTIFY_ALL);
	sabuf_t_notify(self->b.fd, BASELINE_WORD, SABUF_NOTIFY_ALL);
	for (int i = 0; i < self->nr; i++)
		sabuf_t_waiter_join(&self->wt[i]);
	if (self->traced)
		trace_close();
	sabuf_t_buf_free(&self->b);
}

/* Start a waiter on @offset and return once it sleeps there. */
static int start_waiter(FIXTURE_DATA(wake) *self, uint64_t offset)
{
	struct sabuf_t_waiter *wt = &self->wt[self->nr];

	*wt = (struct sabuf_t_waiter){
		.fd = self->b.fd, .id = self->nr,
		.args = sabuf_t_wait_args(4, offset, 0, -1),
	};
	self->nr++;
	return sabuf_t_waiter_start_queued(&self->b, wt);
}

/*
 * Notify @count at @offset with the tracer on: the wake-ups of our
 * waiters, or -errno. (The notifier may wake others too: a kworker, say.)
 */
static int traced_notify(FIXTURE_DATA(wake) *self, uint64_t offset, uint32_t count,
			 struct waking *ev, int *woken)
{
	int ret = trace_start(gettid()), n = 0;

	if (ret)
		return ret;
	*woken = sabuf_t_notify(self->b.fd, offset, count);
	ret = trace_stop(ev, MAX_EVENTS);
	for (int i = 0; i < ret; i++) {
		for (int j = 0; j < self->nr; j++) {
			if (ev[i].pid == self->wt[j].tid) {
				ev[n++] = ev[i];
				break;
			}
		}
	}
	return ret < 0 ? ret : n;
}

TEST_F(wake, notify_of_64_wakes_every_waiter_outside_the_bucket_lock)
{
	struct waking ev[MAX_EVENTS];
	int baseline, locked, n, woken, i;

	/* the baseline: one waiter, one wake-up (outside any lock, then and now) */
	ASSERT_EQ(0, start_waiter(self, BASELINE_WORD));
	n = traced_notify(self, BASELINE_WORD, 1, ev, &woken);
	ASSERT_EQ(1, woken);
	ASSERT_EQ(1, n);
	baseline = ev[0].depth;
	ASSERT_EQ(0, sabuf_t_waiter_join(&self->wt[0]));
	self->nr = 0;	/* joined */

	/* the positive control: a wake-up under a spinlock must show */
	locked = pipe_wake_depth();
	ASSERT_LE(0, locked);
	TH_LOG("preempt depth of a wake-up: %d unlocked, %d under the pipe's wait queue lock",
	       baseline, locked);
	if (locked <= baseline)
		SKIP(return, "spinlocks do not show in the preempt count here (PREEMPT_RT?)");

	for (i = 0; i < NR_WAITERS; i++)
		ASSERT_EQ(0, start_waiter(self, WORD));
	n = traced_notify(self, WORD, SABUF_NOTIFY_ALL, ev, &woken);
	ASSERT_EQ(NR_WAITERS, woken);
	ASSERT_EQ(NR_WAITERS, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(baseline, ev[i].depth) {
			TH_LOG("wake-up %d of %d (tid %d) ran at preempt depth %d: under a lock",
			       i + 1, n, (int)ev[i].pid, ev[i].depth);
		}
	}
	for (i = 0; i < self->nr; i++)
		EXPECT_EQ(0, sabuf_t_waiter_join(&self->wt[i]));
	self->nr = 0;	/* joined */
}

TEST_HARNESS_MAIN
