// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints (kmod/trace.h, sabuf(4) "TRACEPOINTS"): the scenarios
 * run with every sabuf event enabled in a tracefs instance of the binary's
 * own (instances/sabuf_trace_test_PID: its own ring buffer, so nothing else
 * that traces is disturbed), emptied before each; each reads `trace` back and
 * checks each event's fields: the buffer id, offset, kind, result, counts,
 * the waker's and the owner's TIDs and PIDs, and the TID that emitted it.
 * A missing event or a wrong field fails. Without tracefs (or without root
 * to make an instance) the tests SKIP, saying why.
 *
 * The events are switched on once, by the first scenario, and off when the
 * binary ends: switching the first event of the system on or off patches
 * kernel text that other CPUs are running (the tracepoint's static call,
 * and __schedule's sched_switch site for the comm recording), and under
 * QEMU's software emulation a vCPU has been seen to keep running its stale
 * copy of such a site for ever: a breakpoint loop with interrupts off, the
 * patching CPU waiting for it, the VM frozen (PREEMPT_RT, 1 run in ~15).
 */
#include "sabuf_test.h"

#include <dirent.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#define MSEC		SABUF_T_NSEC_PER_MSEC
#define LONG_NS		(20 * SABUF_T_NSEC_PER_SEC)
#define WORD		64	/* the plain waits */
#define ANY0		128	/* a wait-any on two words */
#define ANY1		132
#define RWORD		192	/* the robust waits */
#define GO		196	/* a child's go flag */
#define IDW		200	/* a child's owner id */
#define AWORD		256	/* the async waits */

#define KIND_WAIT	"wait"
#define KIND_ANY	"wait-any"
#define KIND_ASYNC	"async"
#define KIND_ROBUST	"robust"

/* Where tracefs is, mounting it at /sys/kernel/tracing if need be; NULL: none. */
static const char *tracefs_root(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", roots[i]);
		if (access(path, F_OK) == 0)
			return roots[i];
	}
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    access("/sys/kernel/tracing/events", F_OK) == 0)
		return "/sys/kernel/tracing";
	return NULL;
}

/* Read a whole file into a malloc'd string (NULL on error). */
static char *read_all(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *more = realloc(buf, cap * 2);

			if (!more)
				break;
			buf = more;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* One parsed event line: the emitting TID and (a copy of) the text after "NAME: ". */
struct ev {
	int tid;
	char args[320];
};

#define MAX_EVS 64

/*
 * The events called @name in @text, in trace order, whose "id=" is @id
 * (0: any id). A line reads "  comm-TID  [CPU] flags  TIME: NAME: field=value ...".
 * (@text is changed while it is read, and back after.)
 */
static int find_events(char *text, const char *name, uint64_t id, struct ev *out, int max)
{
	char key[64], idkey[40];
	char *line = text;
	int n = 0;

	snprintf(key, sizeof(key), " %s: ", name);
	snprintf(idkey, sizeof(idkey), "id=%llu ", (unsigned long long)id);
	while (line && *line) {
		char *nl = strchr(line, '\n'), *at, *bracket, *dash;

		if (nl)
			*nl = '\0';
		at = line[0] == '#' ? NULL : strstr(line, key);
		bracket = strstr(line, " [");
		if (at && bracket && (!id || !strncmp(at + strlen(key), idkey, strlen(idkey)))) {
			*bracket = '\0';
			dash = strrchr(line, '-');
			if (dash && n < max) {
				out[n].tid = atoi(dash + 1);
				snprintf(out[n].args, sizeof(out[n].args), "%s", at + strlen(key));
				n++;
			}
			*bracket = ' ';
		}
		if (nl)
			*nl = '\n';
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

/* Where the value of " field=" is in an event's text, or NULL. */
static const char *field_at(const struct ev *e, const char *field)
{
	size_t len = strlen(field);
	const char *p = e->args;

	for (; (p = strstr(p, field)); p += len)
		if ((p == e->args || p[-1] == ' ') && p[len] == '=')
			return p + len + 1;
	return NULL;
}

/* Is a word field (kind=, how=) of an event @word? */
static bool word_is(const struct ev *e, const char *field, const char *word)
{
	const char *p = field_at(e, field);
	size_t len = strlen(word);

	return p && !strncmp(p, word, len) && (p[len] == ' ' || p[len] == '\0');
}

#define kind_is(e, kind) word_is(e, "kind", kind)

/* A numeric field's value; LLONG_MIN (ufld: ~0) when the event lacks it. */
static long long fld(const struct ev *e, const char *field)
{
	const char *v = field_at(e, field);

	return v ? strtoll(v, NULL, 10) : LLONG_MIN;
}

static unsigned long long ufld(const struct ev *e, const char *field)
{
	const char *v = field_at(e, field);

	return v ? strtoull(v, NULL, 10) : ~0ull;
}

FIXTURE(trace) {
	struct sabuf_t_buf b;
	char inst[192];
	char *text;		/* the last trace read */
	pid_t child;
};

/* The instance (its path), and the binary's PID, which names it and removes it. */
static char instance[192];
static pid_t main_pid;

static __attribute__((constructor)) void remember_main_pid(void)
{
	main_pid = getpid();
}

static __attribute__((destructor)) void remove_instance(void)
{
	char path[256];

	if (getpid() != main_pid || !instance[0])
		return;
	snprintf(path, sizeof(path), "%s/events/sabuf/enable", instance);
	sabuf_t_write_file(path, "0\n");
	rmdir(instance);
}

static int inst_write(FIXTURE_DATA(trace) *self, const char *file, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", self->inst, file);
	return sabuf_t_write_file(path, text);
}

/* Read the instance's trace into self->text (freeing the last one). */
static char *read_trace(FIXTURE_DATA(trace) *self)
{
	char path[256];

	free(self->text);
	snprintf(path, sizeof(path), "%s/trace", self->inst);
	self->text = read_all(path);
	return self->text;
}

FIXTURE_SETUP(trace)
{
	const char *root;
	char path[256];
	int ret;

	self->inst[0] = '\0';
	self->text = NULL;
	self->child = 0;
	SABUF_T_BUF_NEW(&self->b, 4096);
	root = tracefs_root();
	if (!root)
		SKIP(return, "no tracefs (kernel without CONFIG_TRACING, or it cannot be mounted)");
	snprintf(path, sizeof(path), "%s/events/sabuf", root);
	ASSERT_EQ(0, access(path, F_OK))
		TH_LOG("%s missing: the module has no tracepoints", path);
	/* the parent's name, so that its destructor finds it (each case is a child) */
	snprintf(instance, sizeof(instance), "%s/instances/sabuf_trace_test_%d", root,
		 (int)main_pid);
	snprintf(self->inst, sizeof(self->inst), "%s", instance);
	if (mkdir(self->inst, 0700) && errno != EEXIST) {
		ret = errno;
		self->inst[0] = '\0';
		if (ret == EACCES || ret == EPERM)
			SKIP(return, "no tracefs instance without root: %s", strerror(ret));
		ASSERT_EQ(0, ret) TH_LOG("mkdir instance: %s", strerror(ret));
	}
	/* on already after the first case: writing 1 again changes nothing */
	ASSERT_EQ(0, inst_write(self, "events/sabuf/enable", "1\n"));
	/* opening `trace` for writing with O_TRUNC empties the ring buffer */
	snprintf(path, sizeof(path), "%s/trace", self->inst);
	ret = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ASSERT_LE(0, ret) TH_LOG("%s: %s", path, strerror(errno));
	close(ret);
}

FIXTURE_TEARDOWN(trace)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	free(self->text);
	sabuf_t_buf_free(&self->b);
}

/* The events of one test: the buffer's own, in trace order. */
#define EVENTS(name, arr) find_events(self->text, name, self->b.info.id, arr, MAX_EVS)

/* Each event has the fields sabuf(4) lists, in its format file. */
TEST_F(trace, format_files_name_the_fields)
{
	static const char *const want[][8] = {
		{ "sabuf_wait_start", "id", "offset", "expected", "kind", "tag" },
		{ "sabuf_wait_end", "id", "offset", "kind", "result", "duration_ns", "waker",
		  "wake_ns" },
		{ "sabuf_notify", "id", "offset", "count", "woken" },
		{ "sabuf_owner_death", "owner", "tid", "pid", "how" },
		{ "sabuf_async_settle", "id", "offset", "tag", "result" },
	};
	char path[320], field[64];
	size_t i, j;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *fmt;

		snprintf(path, sizeof(path), "%s/events/sabuf/%s/format", self->inst, want[i][0]);
		fmt = read_all(path);
		ASSERT_TRUE(fmt != NULL) TH_LOG("%s: %s", path, strerror(errno));
		for (j = 1; j < 8 && want[i][j]; j++) {
			snprintf(field, sizeof(field), " %s;", want[i][j]);
			EXPECT_TRUE(strstr(fmt, field) != NULL)
				TH_LOG("%s has no field %s", want[i][0], want[i][j]);
		}
		free(fmt);
	}
}

/* A sleeping wait woken by a notify: start, notify, end, with who woke whom. */
TEST_F(trace, wait_and_notify)
{
	struct sabuf_t_waiter wt = { .fd = self->b.fd };
	struct ev start[MAX_EVS], end[MAX_EVS], nt[MAX_EVS];
	int ns, ne, nn;

	wt.args = sabuf_t_wait_args(4, WORD, 0, LONG_NS);
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	__atomic_store_n(sabuf_t_u32(&self->b, WORD), 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, WORD, 3));
	ASSERT_EQ(0, sabuf_t_waiter_join(&wt));
	/* a notify nobody waits for: woken 0 */
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD + 4, 1));

	ASSERT_TRUE(read_trace(self) != NULL);
	ns = EVENTS("sabuf_wait_start", start);
	ne = EVENTS("sabuf_wait_end", end);
	nn = EVENTS("sabuf_notify", nt);
	ASSERT_EQ(1, ns) TH_LOG("trace:\n%s", self->text);
	ASSERT_EQ(1, ne) TH_LOG("trace:\n%s", self->text);
	ASSERT_EQ(2, nn) TH_LOG("trace:\n%s", self->text);

	EXPECT_EQ(wt.tid, start[0].tid);
	EXPECT_EQ(WORD, fld(&start[0], "offset"));
	EXPECT_EQ(0, fld(&start[0], "expected"));
	EXPECT_TRUE(kind_is(&start[0], KIND_WAIT)) TH_LOG("%s", start[0].args);

	EXPECT_EQ(gettid(), nt[0].tid);
	EXPECT_EQ(WORD, fld(&nt[0], "offset"));
	EXPECT_EQ(3, fld(&nt[0], "count"));
	EXPECT_EQ(1, fld(&nt[0], "woken"));
	EXPECT_EQ(WORD + 4, fld(&nt[1], "offset"));
	EXPECT_EQ(1, fld(&nt[1], "count"));
	EXPECT_EQ(0, fld(&nt[1], "woken"));

	EXPECT_EQ(wt.tid, end[0].tid);
	EXPECT_EQ(WORD, fld(&end[0], "offset"));
	EXPECT_TRUE(kind_is(&end[0], KIND_WAIT)) TH_LOG("%s", end[0].args);
	EXPECT_EQ(0, fld(&end[0], "result"));
	EXPECT_EQ(gettid(), fld(&end[0], "waker"));
	/* it slept until the notify: a duration, and the wake-up within it */
	EXPECT_LT(0ull, ufld(&end[0], "duration_ns"));
	EXPECT_GE(ufld(&end[0], "duration_ns"), ufld(&end[0], "wake_ns"));
	/* within what the waiter saw (loosely: the kernel's clock is not CLOCK_MONOTONIC) */
	EXPECT_GE(2ull * (unsigned long long)(wt.end_ns - wt.start_ns),
		  ufld(&end[0], "duration_ns"));
}

/* Waits that do not sleep to the end: not equal, timed out, interrupted. */
static void on_usr1(int sig)
{
	(void)sig;
}

TEST_F(trace, wait_results)
{
	struct sabuf_t_waiter wt = { .fd = self->b.fd };
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct ev end[MAX_EVS];
	int ne;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait32(self->b.fd, WORD, 5, LONG_NS));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(self->b.fd, WORD + 8, 0, 1 * MSEC));
	wt.args = sabuf_t_wait_args(4, WORD + 16, 0, LONG_NS);	/* relative: EINTR */
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR1));
	ASSERT_EQ(-EINTR, sabuf_t_waiter_join(&wt));

	ASSERT_TRUE(read_trace(self) != NULL);
	ne = EVENTS("sabuf_wait_end", end);
	ASSERT_EQ(3, ne) TH_LOG("trace:\n%s", self->text);
	EXPECT_EQ(WORD, fld(&end[0], "offset"));
	EXPECT_EQ(-EAGAIN, fld(&end[0], "result"));
	EXPECT_EQ(0, fld(&end[0], "waker"));
	EXPECT_EQ(WORD + 8, fld(&end[1], "offset"));
	EXPECT_EQ(-ETIMEDOUT, fld(&end[1], "result"));
	EXPECT_LT(0ull, ufld(&end[1], "duration_ns"));
	EXPECT_EQ(WORD + 16, fld(&end[2], "offset"));
	EXPECT_EQ(-EINTR, fld(&end[2], "result"));
	EXPECT_EQ(wt.tid, end[2].tid);
}

/*
 * Disabled: nothing is recorded (and the events can be switched back on).
 * The three events are switched one by one, the other two staying on, so
 * that the system's first and last event (and __schedule) are not patched.
 */
static int set_waits_and_notify(FIXTURE_DATA(trace) *self, const char *on)
{
	static const char *const files[] = {
		"events/sabuf/sabuf_wait_start/enable", "events/sabuf/sabuf_wait_end/enable",
		"events/sabuf/sabuf_notify/enable",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (inst_write(self, files[i], on))
			return -1;
	return 0;
}

TEST_F(trace, disabled_records_nothing)
{
	struct ev ev[MAX_EVS];

	ASSERT_EQ(0, set_waits_and_notify(self, "0\n"));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait32(self->b.fd, WORD, 5, LONG_NS));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_TRUE(read_trace(self) != NULL);
	EXPECT_EQ(0, EVENTS("sabuf_wait_start", ev));
	EXPECT_EQ(0, EVENTS("sabuf_wait_end", ev));
	EXPECT_EQ(0, EVENTS("sabuf_notify", ev));
	ASSERT_EQ(0, set_waits_and_notify(self, "1\n"));
	ASSERT_EQ(0, sabuf_t_notify(self->b.fd, WORD, 1));
	ASSERT_TRUE(read_trace(self) != NULL);
	EXPECT_EQ(1, EVENTS("sabuf_notify", ev));
}

/* A wait on any of two words: the start names the first, the end the one notified. */
struct any_arg {
	int fd;
	int ret;
	pid_t tid;
};

static void *any_main(void *p)
{
	struct any_arg *a = p;
	struct sabuf_wait_any_item items[2] = {
		{ .fd = a->fd, .flags = SABUF_WAIT_SIZE_U32, .offset = ANY0, .expected = 0 },
		{ .fd = a->fd, .flags = SABUF_WAIT_SIZE_U32, .offset = ANY1, .expected = 0 },
	};
	struct sabuf_wait_any args = {
		.items = (uintptr_t)items, .count = 2, .timeout_ns = LONG_NS,
		.clockid = CLOCK_MONOTONIC,
	};

	__atomic_store_n(&a->tid, gettid(), __ATOMIC_SEQ_CST);
	a->ret = sabuf_t_ioctl(a->fd, SABUF_IOC_WAIT_ANY, &args);
	return NULL;
}

TEST_F(trace, wait_any)
{
	struct any_arg a = { .fd = self->b.fd };
	struct ev start[MAX_EVS], end[MAX_EVS];
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, any_main, &a));
	ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n(&a.tid, __ATOMIC_SEQ_CST) != 0));
	ASSERT_EQ(0, sabuf_t_wait_queued(&self->b, ANY1, a.tid));
	__atomic_store_n(sabuf_t_u32(&self->b, ANY1), 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, ANY1, 1));
	pthread_join(th, NULL);
	ASSERT_EQ(1, a.ret);

	ASSERT_TRUE(read_trace(self) != NULL);
	ASSERT_EQ(1, EVENTS("sabuf_wait_start", start)) TH_LOG("trace:\n%s", self->text);
	ASSERT_EQ(1, EVENTS("sabuf_wait_end", end)) TH_LOG("trace:\n%s", self->text);
	EXPECT_EQ(a.tid, start[0].tid);
	EXPECT_TRUE(kind_is(&start[0], KIND_ANY)) TH_LOG("%s", start[0].args);
	EXPECT_EQ(ANY0, fld(&start[0], "offset"));
	EXPECT_EQ(a.tid, end[0].tid);
	EXPECT_TRUE(kind_is(&end[0], KIND_ANY)) TH_LOG("%s", end[0].args);
	EXPECT_EQ(ANY1, fld(&end[0], "offset"));
	EXPECT_EQ(1, fld(&end[0], "result"));
	EXPECT_EQ(gettid(), fld(&end[0], "waker"));
}

/*
 * Owner death: a child registers an owner id and ends (@exec: execs a
 * shell that exits) when told; a robust sleeper on that id wakes with
 * EOWNERDEAD. sabuf_owner_death names the id, the child's TID and PID and
 * how; the sleeper's sabuf_wait_end says robust, -EOWNERDEAD.
 */
static void owner_death(struct __test_metadata *_metadata, FIXTURE_DATA(trace) *self, bool exec)
{
	struct sabuf_t_waiter wt = { .fd = self->b.fd };
	struct ev death[MAX_EVS], end[MAX_EVS];
	uint32_t *go = sabuf_t_u32(&self->b, GO), *idw = sabuf_t_u32(&self->b, IDW);
	uint32_t id;
	pid_t child;
	int i, n, mine = -1;

	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		int ret = sabuf_t_robust_register(self->b.fd);

		__atomic_store_n(idw, ret > 0 ? (uint32_t)ret : 0x7fffffffu, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(go, __ATOMIC_SEQ_CST))
			usleep(1000);
		if (exec)
			execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
		_exit(0);
	}
	ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n(idw, __ATOMIC_SEQ_CST) != 0));
	id = *idw;
	ASSERT_GE((uint32_t)SABUF_ROBUST_ID_MAX, id);
	__atomic_store_n(sabuf_t_u32(&self->b, RWORD), id, __ATOMIC_SEQ_CST);
	wt.args = sabuf_t_robust_args(RWORD, id, LONG_NS);
	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	__atomic_store_n(go, 1, __ATOMIC_SEQ_CST);
	EXPECT_EQ(-EOWNERDEAD, sabuf_t_waiter_join(&wt));
	child = self->child;
	self->child = 0;
	EXPECT_EQ(0, sabuf_t_reap(child));

	ASSERT_TRUE(read_trace(self) != NULL);
	n = find_events(self->text, "sabuf_owner_death", 0, death, MAX_EVS);
	for (i = 0; i < n; i++)
		if (fld(&death[i], "owner") == (long long)id)
			mine = i;
	ASSERT_LE(0, mine) TH_LOG("no sabuf_owner_death of %u; trace:\n%s", id, self->text);
	/* the child is single-threaded (its TID is its PID); the probe runs in it */
	EXPECT_EQ(child, death[mine].tid);
	EXPECT_EQ(child, fld(&death[mine], "tid"));
	EXPECT_EQ(child, fld(&death[mine], "pid"));
	EXPECT_TRUE(word_is(&death[mine], "how", exec ? "exec" : "exit"))
		TH_LOG("%s", death[mine].args);

	ASSERT_EQ(1, EVENTS("sabuf_wait_end", end)) TH_LOG("trace:\n%s", self->text);
	EXPECT_EQ(wt.tid, end[0].tid);
	EXPECT_TRUE(kind_is(&end[0], KIND_ROBUST)) TH_LOG("%s", end[0].args);
	EXPECT_EQ(RWORD, fld(&end[0], "offset"));
	EXPECT_EQ(-EOWNERDEAD, fld(&end[0], "result"));
	EXPECT_EQ(0, fld(&end[0], "waker"));
}

TEST_F(trace, owner_death_exit)
{
	owner_death(_metadata, self, false);
}

TEST_F(trace, owner_death_exec)
{
	owner_death(_metadata, self, true);
}

/* Async waits: each start has exactly one settle, with its tag and result. */
static int ws_add(int ws, int bfd, uint64_t offset, uint32_t expected, int64_t timeout_ns,
		  uint64_t tag)
{
	struct sabuf_waitset_add a = {
		.fd = bfd, .tag = tag,
		.wait = sabuf_t_wait_args(4, offset, expected, timeout_ns),
	};

	return sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &a);
}

static const struct ev *by_tag(const struct ev *e, int n, unsigned long long tag)
{
	int i;

	for (i = 0; i < n; i++)
		if (ufld(&e[i], "tag") == tag)
			return &e[i];
	return NULL;
}

TEST_F(trace, async_settle)
{
	struct sabuf_waitset_create c = { 0 };
	struct sabuf_waitset_cancel cancel = { .tag = 13 };
	struct sabuf_waitset_result r[4];
	struct ev start[MAX_EVS], settle[MAX_EVS];
	const struct ev *e;
	struct pollfd p;
	int ws, ns, nst, got = 0;

	ws = sabuf_t_ioctl(self->b.fd, SABUF_IOC_WAITSET_CREATE, &c);
	ASSERT_LE(0, ws);
	ASSERT_EQ(0, ws_add(ws, self->b.fd, AWORD, 0, -1, 11));		/* notified */
	ASSERT_EQ(-EAGAIN, ws_add(ws, self->b.fd, AWORD, 9, -1, 12));	/* not equal */
	ASSERT_EQ(0, ws_add(ws, self->b.fd, AWORD + 4, 0, -1, 13));	/* cancelled */
	/* times out (not at once: a debug kernel takes its time to get here) */
	ASSERT_EQ(0, ws_add(ws, self->b.fd, AWORD + 8, 0, SABUF_T_SEEN_ASLEEP_TIMEOUT_NS, 14));
	ASSERT_EQ(0, sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_CANCEL, &cancel));
	ASSERT_EQ(1, sabuf_t_notify(self->b.fd, AWORD, 1));
	while (got < 2) {
		ssize_t n;

		p = (struct pollfd){ .fd = ws, .events = POLLIN };
		ASSERT_EQ(1, poll(&p, 1, SABUF_T_PATIENCE_MS));
		n = read(ws, r + got, sizeof(r) - got * sizeof(r[0]));
		ASSERT_LT(0, n);
		got += (int)(n / (ssize_t)sizeof(r[0]));
	}
	close(ws);

	ASSERT_TRUE(read_trace(self) != NULL);
	ns = EVENTS("sabuf_wait_start", start);
	nst = EVENTS("sabuf_async_settle", settle);
	ASSERT_EQ(4, ns) TH_LOG("trace:\n%s", self->text);
	ASSERT_EQ(4, nst) TH_LOG("trace:\n%s", self->text);
	e = by_tag(start, ns, 11);
	ASSERT_TRUE(e != NULL);
	EXPECT_TRUE(kind_is(e, KIND_ASYNC)) TH_LOG("%s", e->args);
	EXPECT_EQ(AWORD, fld(e, "offset"));
	EXPECT_EQ(gettid(), e->tid);
	e = by_tag(start, ns, 12);
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(9, fld(e, "expected"));

	e = by_tag(settle, nst, 11);
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(AWORD, fld(e, "offset"));
	EXPECT_EQ(0, fld(e, "result"));
	e = by_tag(settle, nst, 12);
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(-EAGAIN, fld(e, "result"));
	e = by_tag(settle, nst, 13);
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(AWORD + 4, fld(e, "offset"));
	EXPECT_EQ(-ECANCELED, fld(e, "result"));
	e = by_tag(settle, nst, 14);
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(AWORD + 8, fld(e, "offset"));
	EXPECT_EQ(-ETIMEDOUT, fld(e, "result"));
}

TEST_HARNESS_MAIN
