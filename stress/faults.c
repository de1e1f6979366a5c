// SPDX-License-Identifier: GPL-2.0
/*
 * faults: allocation failures (failslab, fail_page_alloc) and user-copy
 * failures (fail_usercopy) injected into every call that reaches the
 * module: open, create (one page, many pages, 513 pages; growable), grow,
 * dup read-only, info, mmap, the first touch of a page, munmap/mprotect/mremap
 * that split or move a mapping, fork with a mapping, wait (returning at
 * once, and interrupted), notify, close, and netlink (dump, dump continued
 * in recvmsg, QUEUES_GET with a queued waiter); and the waiter kinds:
 * wait-any and notify_wait (returning at once), waitset create, add (a
 * pending wait with its timer), cancel, read of a settled result, and
 * the last close of a waitset with pending waits. After each waitset
 * call: a failed add left nothing queued, a successful one is picked by a
 * notify and read back; a failed read gave nothing away (the result comes
 * with the next read); a cancel or close left nobody for a notify.
 *
 * Phase 1, systematic: for each call, /proc/thread-self/fail-nth makes the
 * Nth fault-injection site of that call fail, for N = 1, 2, ... until the
 * call no longer reaches the Nth site. Phase 2, random: failslab and
 * fail_page_alloc fail with a probability, for this task only
 * (task-filter and /proc/thread-self/make-it-fail), half of the time only
 * for allocations made from the module's own code (require-start/end set
 * to its address range), for --seconds.
 *
 * Every injected call must succeed or fail with an errno the call may
 * return (ENOMEM above all; EFAULT when a user copy was failed); a failed
 * create leaves the handle empty and usable; after mapping calls, the
 * module's count of live mappings (netlink) returns to zero once the
 * test unmaps; after every batch a plain create/mmap/wait/notify/netlink
 * round works. At the end kmemleak (when the kernel has it) must report
 * nothing that mentions sabuf.
 *
 * Needs root, debugfs with failslab and fail_page_alloc (and
 * fail-nth): without them it exits STRESS_SKIP. Debian's stock kernel has
 * none of that; the debug kernel (tools/debug-kernel) has it all.
 *
 * Usage: faults [--seconds S (phase 2, default 30)] [--seed N]
 *               [--probability P (percent, default 10)] [--nth-max N (default 600)]
 *               [--fork (also fork under injection; see fork_target)]
 */
#include "common.h"
#include "genl.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#define DEBUGFS		"/sys/kernel/debug/"
#define PAGE		4096UL

static uint64_t opt_seconds = 30, seed;
static bool opt_fork;
static unsigned int opt_probability = 10, opt_nth_max = 600;
static int nth_fd = -1, make_it_fail_fd = -1;
static int family = -1;
static bool failed;

/* ---- fault-injection attributes: set, remembered, restored ---- */

struct saved_attr {
	char path[128];
	char value[64];
};
static struct saved_attr saved[64];
static unsigned int nr_saved;

static int attr_set(const char *dir, const char *file, const char *value)
{
	struct saved_attr *s;
	char path[128];
	unsigned int i;

	snprintf(path, sizeof(path), DEBUGFS "%s/%s", dir, file);
	for (i = 0; i < nr_saved && strcmp(saved[i].path, path); i++)
		;
	if (i == nr_saved && nr_saved < ARRAY_SIZE(saved)) {
		s = &saved[nr_saved];
		if (!read_file_line(path, s->value, sizeof(s->value))) {
			snprintf(s->path, sizeof(s->path), "%s", path);
			nr_saved++;
		}
	}
	return write_file(path, value);
}

static long attr_get(const char *dir, const char *file)
{
	char path[128], line[64];

	snprintf(path, sizeof(path), DEBUGFS "%s/%s", dir, file);
	if (read_file_line(path, line, sizeof(line)))
		return -1;
	return strtol(line, NULL, 0);
}

static void attrs_restore(void)
{
	for (unsigned int i = nr_saved; i-- > 0;)
		write_file(saved[i].path, saved[i].value);
	nr_saved = 0;
}

/* The three kinds of injection we count; fail_usercopy may be absent. */
static const char *const kinds[] = { "failslab", "fail_page_alloc", "fail_usercopy" };
#define TIMES_START 1000000000L
static bool have_kind[3];

/*
 * kmemleak's own bookkeeping allocates too (a "scan area" when vmalloc
 * makes a vmap_area, as our page arrays over one page do); failing that
 * makes kmemleak print a warning the rig's log scan counts, and tests
 * nothing of ours. So failslab skips allocations made from
 * kmemleak_scan_area() (reject-start/reject-end; needs the stack-trace
 * filter and kallsyms, else nothing is excluded).
 */
static void spare_kmemleak(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	unsigned long addr, start = 0, end = ~0UL;
	char type, name[256], s[32], e[32];

	if (!f)
		return;
	while (fscanf(f, "%lx %c %255s%*[^\n]", &addr, &type, name) == 3)
		if (!strcmp(name, "kmemleak_scan_area"))
			start = addr;
	rewind(f);
	while (start && fscanf(f, "%lx %c %255s%*[^\n]", &addr, &type, name) == 3)
		if (addr > start && addr < end && (type == 't' || type == 'T'))
			end = addr;
	fclose(f);
	if (!start || end == ~0UL)
		return;
	snprintf(s, sizeof(s), "%lu", start);
	snprintf(e, sizeof(e), "%lu", end);
	attr_set("failslab", "reject-start", s);
	attr_set("failslab", "reject-end", e);
}

static void attrs_init(void)
{
	for (unsigned int k = 0; k < 3; k++) {
		char path[128];

		snprintf(path, sizeof(path), DEBUGFS "%s", kinds[k]);
		have_kind[k] = access(path, F_OK) == 0;
		if (!have_kind[k])
			continue;
		/* Off until asked (fail-nth works regardless), silent, counting. */
		attr_set(kinds[k], "probability", "0");
		attr_set(kinds[k], "interval", "1");
		attr_set(kinds[k], "space", "0");
		attr_set(kinds[k], "verbose", "0");
		attr_set(kinds[k], "task-filter", "Y");
		attr_set(kinds[k], "times", "1000000000");
	}
	/* Our allocations sleep (GFP_KERNEL) and the data pages are HIGHUSER, of order 0. */
	attr_set("failslab", "ignore-gfp-wait", "N");
	attr_set("failslab", "cache-filter", "N");
	attr_set("fail_page_alloc", "ignore-gfp-wait", "N");
	attr_set("fail_page_alloc", "ignore-gfp-highmem", "N");
	attr_set("fail_page_alloc", "min-order", "0");
	spare_kmemleak();
}

static long injected_total(long counts[3])
{
	long sum = 0;

	for (unsigned int k = 0; k < 3; k++) {
		counts[k] = have_kind[k] ? TIMES_START - attr_get(kinds[k], "times") : 0;
		sum += counts[k];
	}
	return sum;
}

/* Aim failslab and fail_page_alloc at the module's code only (or at everything). */
static bool module_range(unsigned long *start, unsigned long *end)
{
	FILE *f = fopen("/proc/modules", "re");
	char name[64];
	unsigned long size, base;
	bool found = false;

	if (!f)
		return false;
	while (fscanf(f, "%63s %lu %*s %*s %*s %lx%*[^\n]", name, &size, &base) == 3) {
		if (!strcmp(name, "sabuf") && base) {
			*start = base;
			*end = base + size;
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static bool aim_at_module(bool on)
{
	static const char *const filtered[] = { "failslab", "fail_page_alloc" };
	unsigned long start = 0, end = ~0UL;
	char s[32], e[32];

	if (on && !module_range(&start, &end))
		return false;
	snprintf(s, sizeof(s), "%lu", start);
	snprintf(e, sizeof(e), "%lu", end);
	for (unsigned int k = 0; k < ARRAY_SIZE(filtered); k++) {
		if (attr_set(filtered[k], "require-start", s) ||
		    attr_set(filtered[k], "require-end", e))
			return false;
		attr_set(filtered[k], "stacktrace-depth", "32");
	}
	return true;
}

/* ---- fail-nth ---- */

static void nth_arm(unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(nth_fd, b, (size_t)len, 0) != len)
		die("cannot arm fail-nth: %s", strerror(errno));
}

/* Did the armed failure happen? Disarms either way. */
static bool nth_fired(void)
{
	char b[16] = { 0 };
	ssize_t n = pread(nth_fd, b, sizeof(b) - 1, 0);

	/* A failed read means the site count was not reached (the read's own copy took it). */
	pwrite(nth_fd, "0", 1, 0);
	return n > 0 && strtol(b, NULL, 10) == 0;
}

static void make_it_fail(bool on)
{
	pwrite(make_it_fail_fd, on ? "1" : "0", 1, 0);
}

/* ---- the calls under test ---- */

struct ctx {
	int fd;			/* a handle (created unless the target creates) */
	struct sabuf_info info;
	char *map;		/* a mapping the target works on, or NULL */
	size_t map_len;
	size_t span;		/* bytes from map that are ours to munmap at the end */
	int nl;			/* a netlink socket */
	bool waiter;		/* a thread sleeps on word 0 (for QUEUES_GET) */
	int ws;			/* a waitset (O_NONBLOCK), or -1 */
};

struct target {
	const char *name;
	uint64_t create_bytes;		/* the buffer prepared for it; 0: none (create targets) */
	long (*call)(struct ctx *c);
	const int allowed[6];		/* errnos besides success; 0 ends the list */
	void (*after)(struct ctx *c, long ret);	/* checks and clean-up */
};

static long t_open(struct ctx *c)
{
	int fd = open(SABUF_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	c->fd = fd;
	return 0;
}

static long create_call(struct ctx *c, uint64_t bytes)
{
	return sb_create(c->fd, bytes);
}
static long t_create_small(struct ctx *c) { return create_call(c, 1); }
static long t_create_pages(struct ctx *c) { return create_call(c, 64 * PAGE); }
/* 513 pages: the page array outgrows one page, and kvmalloc falls back to vmalloc */
static long t_create_vmalloc(struct ctx *c) { return create_call(c, 513 * PAGE); }

static void after_create(struct ctx *c, long ret)
{
	struct sabuf_info info;

	if (sb_info(c->fd, &info)) {
		complain("INFO after an injected create failed");
		failed = true;
		return;
	}
	if (ret && info.byte_length) {
		complain("a create that failed (%s) left a buffer of %llu bytes",
			 strerror((int)-ret), (unsigned long long)info.byte_length);
		failed = true;
	}
	if (!ret && !info.byte_length) {
		complain("a create that succeeded left the handle empty");
		failed = true;
	}
	/* A failed create leaves the handle usable. */
	if (ret && sb_create(c->fd, PAGE)) {
		complain("the handle cannot be created after a failed create");
		failed = true;
	}
}

/* A growable buffer: 1 page now, 64 reserved. */
static long t_create_growable(struct ctx *c)
{
	return sb_create_growable(c->fd, PAGE, 64 * PAGE);
}

/* Grow 1 -> 64 pages (allocated and zeroed in the call). */
static long t_grow(struct ctx *c)
{
	return sb_grow(c->fd, 64 * PAGE);
}

/* The published length (the status in the counter page), or -errno. */
static long status_length(struct ctx *c)
{
	const struct sabuf_status *st;
	void *p = mmap(NULL, c->info.counters_length, PROT_READ, MAP_SHARED, c->fd,
		       (off_t)c->info.counters_offset);
	long len;

	if (p == MAP_FAILED)
		return -errno;
	st = (const struct sabuf_status *)((char *)p + c->info.status_offset);
	len = (long)__atomic_load_n(&st->byte_length, __ATOMIC_ACQUIRE);
	munmap(p, c->info.counters_length);
	return len;
}

static void after_grow(struct ctx *c, long ret)
{
	struct sabuf_info info;
	uint64_t want = ret ? PAGE : 64 * PAGE;
	unsigned char *p;
	long st;

	if (sb_info(c->fd, &info) || info.byte_length != want ||
	    (st = status_length(c)) != (long)want) {
		complain("after a grow that %s (%s): INFO says %llu bytes, the status %ld, expected %llu",
			 ret ? "failed" : "succeeded", ret ? strerror((int)-ret) : "0",
			 (unsigned long long)info.byte_length, status_length(c),
			 (unsigned long long)want);
		failed = true;
		return;
	}
	/* A failed grow changes nothing: the same grow works now, and reads zero. */
	if (ret && sb_grow(c->fd, 64 * PAGE)) {
		complain("the buffer cannot grow after a failed grow");
		failed = true;
		return;
	}
	p = mmap(NULL, 64 * PAGE, PROT_READ, MAP_SHARED, c->fd, 0);
	if (p == MAP_FAILED) {
		complain("mmap after grow: %s", strerror(errno));
		failed = true;
		return;
	}
	for (size_t i = 0; i < 64 * PAGE; i += 512)
		if (p[i]) {
			complain("byte %zu of a grown buffer reads %#x, not 0", i, p[i]);
			failed = true;
			break;
		}
	munmap(p, 64 * PAGE);
}

static long t_dup_readonly(struct ctx *c)
{
	return sb_dup_readonly(c->fd);
}

static void after_dup_readonly(struct ctx *c, long ret)
{
	struct sabuf_info info;

	(void)c;
	if (ret < 0)
		return;
	if (sb_info((int)ret, &info) || !(info.flags & SABUF_INFO_READONLY) ||
	    sb_notify((int)ret, 0, 1) != -EBADF) {
		complain("a read-only dup is not read-only");
		failed = true;
	}
	close((int)ret);
}

static long t_info(struct ctx *c)
{
	return sb_info(c->fd, &c->info);
}

static long t_mmap(struct ctx *c)
{
	void *p = mmap(NULL, c->info.map_length, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	c->map = p;
	c->map_len = c->span = c->info.map_length;
	return 0;
}

/* The first touch of a page in a fresh region: page tables get allocated. */
static long t_touch(struct ctx *c)
{
	c->map[0] = 1;
	c->map[c->map_len - 1] = 2;
	return 0;
}

static void prepare_touch(struct ctx *c)
{
	/* far from everything, so that the fault needs new page-table pages */
	static unsigned long next = 0x200000000000UL;
	void *hint = (void *)next;

	next += 1UL << 30;
	c->map = mmap(hint, c->info.map_length, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_FIXED_NOREPLACE, c->fd, 0);
	if (c->map == MAP_FAILED)
		c->map = mmap(NULL, c->info.map_length, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->map == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	c->map_len = c->span = c->info.map_length;
}

static long t_munmap_split(struct ctx *c)
{
	return munmap(c->map + PAGE, PAGE) ? -errno : 0;
}

static long t_mprotect_split(struct ctx *c)
{
	return mprotect(c->map + PAGE, PAGE, PROT_READ) ? -errno : 0;
}

static long t_mremap_move(struct ctx *c)
{
	void *p = mremap(c->map + PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
			 c->map + 16 * PAGE);

	if (p == MAP_FAILED)
		return -errno;
	return 0;
}

static long t_fork(struct ctx *c)
{
	pid_t pid = fork();
	int status;

	(void)c;
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(0);
	waitpid(pid, &status, 0);
	return 0;
}

static long t_wait_now(struct ctx *c)
{
	long ret = sb_wait(c->fd, 0, 0, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, 0);

	return ret == -ETIMEDOUT ? 0 : ret;
}

/*
 * A relative wait interrupted by a stop (SIGSTOP, then SIGCONT, from a
 * helper process): no handler runs, so the kernel restarts it
 * transparently, copying the struct in again (ABI 2 never writes it back;
 * the restart gets the whole duration again). A stop, not a handled
 * signal: with a handler, an injected user-copy failure could hit the
 * signal frame instead, and the kernel would answer with SIGSEGV (and a
 * relative wait would end with EINTR anyway).
 */
static pid_t stopper;

static void prepare_stopper(void)
{
	pid_t parent = getpid();

	stopper = fork();
	if (stopper < 0)
		die("fork: %s", strerror(errno));
	if (!stopper) {
		sleep_ns(3 * NSEC_PER_MSEC);
		kill(parent, SIGSTOP);
		sleep_ns(NSEC_PER_MSEC);
		kill(parent, SIGCONT);
		_exit(0);
	}
}

static long t_wait_interrupted(struct ctx *c)
{
	long ret = sb_wait(c->fd, 0, 0, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, 200 * NSEC_PER_MSEC);

	return ret == -ETIMEDOUT ? 0 : ret;
}

static void after_wait_interrupted(struct ctx *c, long ret)
{
	int status;

	(void)c;
	(void)ret;
	kill(stopper, SIGCONT);
	waitpid(stopper, &status, 0);
	kill(getpid(), SIGCONT);
}

static long t_notify(struct ctx *c)
{
	return sb_notify(c->fd, 0, SABUF_NOTIFY_ALL);
}

/* ---- the other waiter kinds ---- */

static long t_wait_any(struct ctx *c)
{
	struct sabuf_wait_any_item it[3] = {
		{ .fd = c->fd, .flags = SABUF_WAIT_SIZE_U32, .offset = 0 },
		{ .fd = c->fd, .flags = SABUF_WAIT_SIZE_U64, .offset = 8 },
		{ .fd = c->fd, .flags = SABUF_WAIT_SIZE_U32, .offset = 64 },
	};
	long ret = sb_wait_any(c->fd, it, 3, 0, CLOCK_MONOTONIC, 0);

	return ret == -ETIMEDOUT ? 0 : ret >= 0 ? -EPROTO : ret;
}

static long t_notify_wait(struct ctx *c)
{
	struct sabuf_wait w = { .offset = 4, .timeout_ns = 0, .flags = SABUF_WAIT_SIZE_U32,
				.clockid = CLOCK_MONOTONIC };
	long ret = sb_notify_wait(c->fd, 0, SABUF_NOTIFY_ALL, &w);

	return ret == -ETIMEDOUT ? 0 : ret;
}

/* Nobody may be left queued on the buffer: a notify-all of its first words wakes nobody. */
static void no_waiter_left(struct ctx *c, const char *what)
{
	for (uint64_t off = 0; off < 72; off += 4) {
		int ret = sb_notify(c->fd, off, SABUF_NOTIFY_ALL);

		if (ret) {
			complain("%s: a notify-all of offset %llu afterwards returned %d", what,
				 (unsigned long long)off, ret);
			failed = true;
		}
	}
}

static void after_any(struct ctx *c, long ret)
{
	(void)ret;
	no_waiter_left(c, "wait-any/notify_wait under injection");
}

static long t_ws_create(struct ctx *c)
{
	int ret = sb_waitset_create(c->fd, SABUF_WAITSET_NONBLOCK);

	if (ret < 0)
		return ret;
	c->ws = ret;
	return 0;
}

static int ws_add_one(struct ctx *c, uint64_t tag, int64_t timeout)
{
	struct sabuf_wait w = { .offset = 0, .timeout_ns = timeout, .flags = SABUF_WAIT_SIZE_U32,
				.clockid = CLOCK_MONOTONIC };

	return sb_waitset_add(c->ws, c->fd, tag, &w);
}

/* A pending wait with a timer (a minute: it never fires here). */
static long t_ws_add(struct ctx *c) { return ws_add_one(c, 7, 60 * NSEC_PER_SEC); }

static long t_ws_cancel(struct ctx *c) { return sb_waitset_cancel(c->ws, 7); }

static long t_ws_read(struct ctx *c)
{
	struct sabuf_waitset_result r[2];
	ssize_t got = read(c->ws, r, sizeof(r));

	if (got < 0)
		return -errno;
	return got == sizeof(r[0]) && r[0].tag == 7 && r[0].result == 0 ? 0 : -EPROTO;
}

static long t_ws_close(struct ctx *c)
{
	long ret = close(c->ws) ? -errno : 0;

	c->ws = -1;
	return ret;
}

/* The waitset works: a wait added now is picked by a notify and read back. */
static void ws_works(struct ctx *c, const char *what)
{
	struct sabuf_waitset_result r;
	int ret = ws_add_one(c, 99, -1);

	if (ret) {
		complain("%s: WAITSET_ADD afterwards: %s", what, strerror(-ret));
		failed = true;
		return;
	}
	ret = sb_notify(c->fd, 0, 1);
	if (ret != 1 || read(c->ws, &r, sizeof(r)) != sizeof(r) || r.tag != 99 || r.result) {
		complain("%s: a wait added afterwards was not picked and reported (notify %d)",
			 what, ret);
		failed = true;
	}
}

static void after_ws_create(struct ctx *c, long ret)
{
	if (!ret)
		ws_works(c, "waitset create under injection");
	no_waiter_left(c, "waitset create under injection");
}

static void after_ws_add(struct ctx *c, long ret)
{
	struct sabuf_waitset_result r;
	int woke = sb_notify(c->fd, 0, SABUF_NOTIFY_ALL);

	/* added: one waiter, then its result; failed: nothing queued, nothing to read */
	if (woke != !ret) {
		complain("waitset add under injection (%s): a notify woke %d",
			 ret ? strerror((int)-ret) : "ok", woke);
		failed = true;
	}
	if (!ret && (read(c->ws, &r, sizeof(r)) != sizeof(r) || r.tag != 7 || r.result)) {
		complain("waitset add under injection: the picked wait was not reported");
		failed = true;
	}
	if (read(c->ws, &r, sizeof(r)) != -1 || errno != EAGAIN) {
		complain("waitset add under injection: a result too many");
		failed = true;
	}
	ws_works(c, "waitset add under injection");
}

static void after_ws_cancel(struct ctx *c, long ret)
{
	struct sabuf_waitset_result r;
	int woke = sb_notify(c->fd, 0, SABUF_NOTIFY_ALL);

	/* cancelled: nobody; the cancel failed before it claimed: the wait is still there */
	if (woke != !!ret) {
		complain("waitset cancel under injection (%s): a notify woke %d",
			 ret ? strerror((int)-ret) : "ok", woke);
		failed = true;
	}
	if (ret && (read(c->ws, &r, sizeof(r)) != sizeof(r) || r.tag != 7))
		complain("waitset cancel under injection: the wait left was not reported"), failed = true;
	ws_works(c, "waitset cancel under injection");
}

static void after_ws_read(struct ctx *c, long ret)
{
	struct sabuf_waitset_result r;
	ssize_t got = read(c->ws, &r, sizeof(r));

	/* a failed read gives nothing away: the result is still there */
	if (ret && (got != sizeof(r) || r.tag != 7 || r.result)) {
		complain("waitset read under injection failed (%s), and then the result was gone "
			 "(read %zd)", strerror((int)-ret), got);
		failed = true;
	}
	if (!ret && (got != -1 || errno != EAGAIN)) {
		complain("waitset read under injection: the result came twice");
		failed = true;
	}
	ws_works(c, "waitset read under injection");
}

static void after_ws_close(struct ctx *c, long ret)
{
	(void)ret;
	no_waiter_left(c, "waitset close with pending waits under injection");
}

static long t_close(struct ctx *c)
{
	long ret = close(c->fd) ? -errno : 0;

	c->fd = -1;
	return ret;
}

/* The GET dump, started in sendmsg; the rest is read without injection. */
static long t_nl_dump(struct ctx *c)
{
	struct genl_req r;

	genl_req_init(&r, (uint16_t)family, SABUF_CMD_GET, SABUF_GENL_VERSION,
		      NLM_F_REQUEST | NLM_F_DUMP, 77);
	return genl_send(c->nl, &r, r.nlh.nlmsg_len);
}

static long t_nl_queues(struct ctx *c)
{
	struct genl_req r;

	genl_req_init(&r, (uint16_t)family, SABUF_CMD_QUEUES_GET, SABUF_GENL_VERSION,
		      NLM_F_REQUEST | NLM_F_ACK, 78);
	genl_req_put(&r, SABUF_A_ID, &c->info.id, sizeof(c->info.id));
	return genl_send(c->nl, &r, r.nlh.nlmsg_len);
}

/* Read a reply to the end; an error message is the request's outcome. */
static long nl_finish(struct ctx *c, uint32_t seq)
{
	long ret = genl_recv(c->nl, seq, NULL, NULL, 5000);

	if (ret == -ETIMEDOUT) {
		complain("netlink: no end to the reply after an injected failure");
		failed = true;
	}
	return ret;
}

static long nl_finish_quiet(struct ctx *c, uint32_t seq)
{
	return genl_recv(c->nl, seq, NULL, NULL, 2000);
}

static void after_nl_dump(struct ctx *c, long ret)
{
	long reply;

	if (ret)
		return;
	reply = nl_finish(c, 77);
	/* a part of the dump that could not be allocated reports ENOBUFS/ENOMEM */
	if (reply && reply != -ENOMEM && reply != -ENOBUFS && reply != -EFAULT) {
		complain("netlink dump under injection answered %s", strerror((int)-reply));
		failed = true;
	}
}

static void after_nl_queues(struct ctx *c, long ret)
{
	long reply;

	if (ret)
		return;
	reply = nl_finish(c, 78);
	if (reply && reply != -ENOMEM && reply != -ENOBUFS && reply != -EMSGSIZE) {
		complain("netlink QUEUES_GET under injection answered %s", strerror((int)-reply));
		failed = true;
	}
}

/*
 * A dump long enough for several parts: the first part is made in sendmsg
 * (in prepare), the next one inside the recvmsg that reads the first.
 */
#define DUMP_BUFFERS 120
static int dump_fds[DUMP_BUFFERS];

static void prepare_dump(struct ctx *c)
{
	struct genl_req r;

	for (unsigned int i = 0; i < DUMP_BUFFERS; i++) {
		dump_fds[i] = sb_open(O_RDWR | O_CLOEXEC);
		if (dump_fds[i] < 0 || sb_create(dump_fds[i], 1))
			die("cannot create the buffers of a long dump");
	}
	genl_req_init(&r, (uint16_t)family, SABUF_CMD_GET, SABUF_GENL_VERSION,
		      NLM_F_REQUEST | NLM_F_DUMP, 79);
	if (genl_send(c->nl, &r, r.nlh.nlmsg_len))
		die("netlink send: %s", strerror(errno));
}

static long t_nl_dump_continued(struct ctx *c)
{
	static char part[4096];
	ssize_t n = recv(c->nl, part, sizeof(part), 0);

	return n < 0 ? -errno : 0;
}

static void after_nl_dump_continued(struct ctx *c, long ret)
{
	long reply = nl_finish_quiet(c, 79);

	(void)ret;
	/*
	 * A part that could not be allocated ends the dump with ENOBUFS and
	 * leaves it stalled until the socket closes (netlink's way: the
	 * reader restarts the dump); the close must free it all.
	 */
	if (reply && reply != -ENOBUFS && reply != -ENOMEM && reply != -ETIMEDOUT) {
		complain("a netlink dump continued under injection answered %s", strerror((int)-reply));
		failed = true;
	}
	for (unsigned int i = 0; i < DUMP_BUFFERS; i++)
		close(dump_fds[i]);
}

/* The module's count of live mappings of this buffer, from netlink. */
static long mappings_of(struct ctx *c)
{
	struct sabuf_nl_buffer b;
	int sock = genl_open(), ret;

	if (sock < 0)
		return sock;
	ret = sabuf_nl_get(sock, family, c->info.id, false, &b);
	close(sock);
	return ret ? ret : (long)b.mappings;
}

static void after_mapping(struct ctx *c, long ret)
{
	long n;

	(void)ret;
	/* unmap whatever the call left (moved pages stay inside the span) */
	if (c->map) {
		munmap(c->map, c->span);
		c->map = NULL;
	}
	n = mappings_of(c);
	if (n != 0) {
		complain("after unmapping everything, netlink counts %ld mappings of the buffer", n);
		failed = true;
	}
}

/*
 * Three pages mapped at the start of a 32-page PROT_NONE reservation of our
 * own: mremap's destination (page 16) lies inside it, and the clean-up
 * unmaps exactly the reservation.
 */
static void prepare_map3(struct ctx *c)
{
	char *resv = mmap(NULL, 32 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (resv == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	c->map = mmap(resv, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, c->fd, 0);
	if (c->map == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	c->map_len = 3 * PAGE;
	c->span = 32 * PAGE;
}

static const struct target targets[] = {
	{ "open", 0, t_open, { ENOMEM, ENFILE, EFAULT }, NULL },
	{ "create 1 byte", 0, t_create_small, { ENOMEM, EFAULT }, after_create },
	{ "create 64 pages", 0, t_create_pages, { ENOMEM, EFAULT }, after_create },
	{ "create 513 pages (vmalloc'ed array)", 0, t_create_vmalloc, { ENOMEM, EFAULT }, after_create },
	{ "create growable (1 of 64 pages)", 0, t_create_growable, { ENOMEM, EFAULT }, after_create },
	{ "grow 1 -> 64 pages", 0, t_grow, { ENOMEM, EFAULT, EINTR }, after_grow },
	{ "dup read-only", PAGE, t_dup_readonly, { ENOMEM, EMFILE, ENFILE, EFAULT }, after_dup_readonly },
	{ "info", PAGE, t_info, { EFAULT }, NULL },
	{ "mmap", 16 * PAGE, t_mmap, { ENOMEM, EAGAIN }, after_mapping },
	{ "first touch", 16 * PAGE, t_touch, { 0 }, after_mapping },
	{ "munmap (split)", 3 * PAGE, t_munmap_split, { ENOMEM }, after_mapping },
	{ "mprotect (split)", 3 * PAGE, t_mprotect_split, { ENOMEM }, after_mapping },
	{ "mremap (move)", 3 * PAGE, t_mremap_move, { ENOMEM }, after_mapping },
	{ "wait (returns at once)", PAGE, t_wait_now, { ENOMEM, EFAULT }, NULL },
	{ "wait (stopped and restarted)", PAGE, t_wait_interrupted, { ENOMEM, EFAULT },
	  after_wait_interrupted },
	{ "notify", PAGE, t_notify, { EFAULT }, NULL },
	{ "close", PAGE, t_close, { 0 }, NULL },
	{ "netlink dump", PAGE, t_nl_dump, { ENOMEM, ENOBUFS, EFAULT }, after_nl_dump },
	{ "netlink QUEUES_GET", PAGE, t_nl_queues, { ENOMEM, ENOBUFS, EFAULT }, after_nl_queues },
	{ "netlink dump, continued in recvmsg", PAGE, t_nl_dump_continued,
	  { ENOMEM, ENOBUFS, EFAULT }, after_nl_dump_continued },
	{ "wait-any of 3 (times out at once)", PAGE, t_wait_any, { ENOMEM, EFAULT }, after_any },
	{ "notify_wait (times out at once)", PAGE, t_notify_wait, { EFAULT }, after_any },
	{ "waitset create", PAGE, t_ws_create, { ENOMEM, EMFILE, ENFILE, EFAULT }, after_ws_create },
	{ "waitset add (pending, with a timer)", PAGE, t_ws_add, { ENOMEM, EFAULT }, after_ws_add },
	{ "waitset cancel", PAGE, t_ws_cancel, { EFAULT }, after_ws_cancel },
	{ "waitset read (one settled result)", PAGE, t_ws_read, { EFAULT }, after_ws_read },
	{ "waitset close with 3 pending waits", PAGE, t_ws_close, { 0 }, after_ws_close },
};

/*
 * Only with --fork: a failed fork makes the kernel itself print a
 * "vmalloc error" report with a call trace (thread stacks are vmalloc'ed
 * without __GFP_NOWARN), which the rig's log scan counts as a failure.
 */
static const struct target fork_target =
	{ "fork with a mapping", 3 * PAGE, t_fork, { ENOMEM, EAGAIN }, after_mapping };

static bool allowed(const struct target *t, long ret)
{
	if (ret >= 0)
		return true;
	for (unsigned int i = 0; i < ARRAY_SIZE(t->allowed) && t->allowed[i]; i++)
		if (-ret == t->allowed[i])
			return true;
	return false;
}

/* ---- a waiter for QUEUES_GET ---- */

static struct sb_buffer waiter_buf;
static pthread_t waiter_thread;

static void *waiter_main(void *arg)
{
	(void)arg;
	while (sb_wait(waiter_buf.fd, 0, 0, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, -1) == -EINTR)
		;
	return NULL;
}

/* ---- one target, prepared, run with or without injection, cleaned up ---- */

static void prepare(const struct target *t, struct ctx *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->nl = -1;
	c->ws = -1;
	if (t->call == t_open)
		return;
	c->fd = sb_open(O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		die("open %s: %s", SABUF_DEVICE_PATH, strerror(-c->fd));
	if (t->create_bytes) {
		ret = sb_create(c->fd, t->create_bytes);
		if (!ret)
			ret = sb_info(c->fd, &c->info);
		if (ret)
			die("create: %s", strerror(-ret));
	}
	if (t->call == t_grow) {
		ret = sb_create_growable(c->fd, PAGE, 64 * PAGE);
		if (!ret)
			ret = sb_info(c->fd, &c->info);
		if (ret)
			die("create growable: %s", strerror(-ret));
	}
	if (t->call == t_touch)
		prepare_touch(c);
	else if (t->call == t_wait_interrupted)
		prepare_stopper();
	else if (t->call == t_munmap_split || t->call == t_mprotect_split ||
		 t->call == t_mremap_move || t->call == t_fork)
		prepare_map3(c);
	if (t->call == t_nl_dump || t->call == t_nl_queues || t->call == t_nl_dump_continued) {
		c->nl = genl_open();
		if (c->nl < 0)
			die("netlink socket: %s", strerror(-c->nl));
	}
	if (t->call == t_nl_dump_continued)
		prepare_dump(c);
	if (t->call == t_nl_queues)
		c->info.id = waiter_buf.info.id;
	if (t->call == t_ws_add || t->call == t_ws_cancel || t->call == t_ws_read ||
	    t->call == t_ws_close) {
		ret = t_ws_create(c);
		if (ret)
			die("WAITSET_CREATE: %s", strerror(-ret));
	}
	if (t->call == t_ws_cancel || t->call == t_ws_read || t->call == t_ws_close) {
		ret = ws_add_one(c, 7, t->call == t_ws_cancel ? 60 * NSEC_PER_SEC : -1);
		if (!ret && t->call == t_ws_close)
			ret = ws_add_one(c, 8, 60 * NSEC_PER_SEC) ?: ws_add_one(c, 9, -1);
		if (ret)
			die("WAITSET_ADD: %s", strerror(-ret));
	}
	if (t->call == t_ws_read && sb_notify(c->fd, 0, 1) != 1)
		die("the waitset's wait was not picked");
}

static void cleanup(struct ctx *c)
{
	if (c->ws >= 0)
		close(c->ws);
	if (c->map)
		munmap(c->map, c->span);
	if (c->fd >= 0)
		close(c->fd);
	if (c->nl >= 0)
		close(c->nl);
}

struct tally {
	unsigned long calls, injected, ok, errors;
};

/* Run t once with the Nth site failing (0: no injection). Returns whether it fired. */
static bool run_one(const struct target *t, unsigned int n, struct tally *tl)
{
	struct ctx c;
	bool fired = false;
	long ret;

	prepare(t, &c);
	if (n)
		nth_arm(n);
	ret = t->call(&c);
	if (n)
		fired = nth_fired();
	tl->calls++;
	tl->injected += fired;
	if (ret >= 0)
		tl->ok++;
	else
		tl->errors++;
	if (!allowed(t, ret) || (!fired && ret < 0)) {
		complain("%s%s: %s", t->name, fired ? " (with a failure injected)" : "",
			 strerror((int)-ret));
		failed = true;
	}
	if (t->after)
		t->after(&c, ret);
	cleanup(&c);
	return fired;
}

/* A plain round that must work: create, map, a waiter woken by a notify, netlink. */
static bool sanity_round(const char *when)
{
	struct sb_buffer b;
	struct sabuf_nl_buffer nb;
	int ret, sock;
	pid_t pid;

	ret = sb_buffer_make(&b, 3 * PAGE);
	if (ret) {
		complain("%s: the module no longer creates buffers: %s", when, strerror(-ret));
		return false;
	}
	pid = fork();
	if (!pid)
		_exit(sb_wait(b.fd, 8, 0, SABUF_WAIT_SIZE_U64, CLOCK_MONOTONIC, 60 * NSEC_PER_SEC) ? 1 : 0);
	/* A raised counter does not mean queued yet: notify until it wakes the child. */
	for (int i = 0; i < 60000 && (ret = sb_notify(b.fd, 8, 1)) == 0; i++)
		sleep_ns(NSEC_PER_MSEC);
	waitpid(pid, &sock, 0);
	if (ret != 1 || !WIFEXITED(sock) || WEXITSTATUS(sock)) {
		complain("%s: wait/notify round failed (notify returned %d, waiter status %#x)",
			 when, ret, sock);
		sb_buffer_drop(&b);
		return false;
	}
	sock = genl_open();
	ret = sock < 0 ? sock : sabuf_nl_get(sock, family, b.info.id, true, &nb);
	if (sock >= 0)
		close(sock);
	sb_buffer_drop(&b);
	if (ret || nb.byte_length != 3 * PAGE) {
		complain("%s: netlink does not describe a fresh buffer: %s", when, strerror(-ret));
		return false;
	}
	return true;
}

/* ---- phase 1: every site of every call ---- */

static void systematic(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(targets) + opt_fork; i++) {
		const struct target *t = i < ARRAY_SIZE(targets) ? &targets[i] : &fork_target;
		struct tally tl = { 0 };
		unsigned int n, step = 1;
		double t0 = mono_seconds();

		run_one(t, 0, &tl);	/* works without injection */
		for (n = 1; n <= opt_nth_max; n += step) {
			if (!run_one(t, n, &tl))
				break;
			/* long site lists (one per page) are sampled past the first 64 */
			if (n >= 64)
				step = 7;
		}
		say("%-38s %3lu runs, %3lu failures injected (%u sites): %3lu ok, %3lu failed cleanly (%.1f s)",
		    t->name, tl.calls, tl.injected, n - 1, tl.ok, tl.errors, mono_seconds() - t0);
		if (!sanity_round(t->name))
			failed = true;
	}
}

/* ---- phase 2: random failures for this task, for a while ---- */

static void random_phase(struct rng *r)
{
	struct tally tl[ARRAY_SIZE(targets)] = { { 0 } };
	char prob[16];
	double start = mono_seconds(), half = start + opt_seconds / 2.0;
	bool aimed = false, can_aim;

	snprintf(prob, sizeof(prob), "%u", opt_probability);
	attr_set("failslab", "probability", prob);
	attr_set("fail_page_alloc", "probability", prob);
	can_aim = aim_at_module(true);
	aimed = can_aim;
	say("random phase: failslab and fail_page_alloc at %u%%, this task only, %s, for %llu s",
	    opt_probability, can_aim ? "first aimed at the module's code, then at everything" :
	    "at everything (no stack-trace filter)", (unsigned long long)opt_seconds);
	while (mono_seconds() - start < opt_seconds) {
		const struct target *t = &targets[rng_below(r, ARRAY_SIZE(targets))];
		unsigned int i = (unsigned int)(t - targets);
		struct ctx c;
		long ret;

		if (aimed && mono_seconds() > half) {
			aim_at_module(false);
			aimed = false;
		}
		prepare(t, &c);
		make_it_fail(true);
		ret = t->call(&c);
		make_it_fail(false);
		tl[i].calls++;
		if (ret >= 0)
			tl[i].ok++;
		else
			tl[i].errors++;
		if (!allowed(t, ret)) {
			complain("%s (random injection): %s", t->name, strerror((int)-ret));
			failed = true;
		}
		if (t->after)
			t->after(&c, ret);
		cleanup(&c);
	}
	attr_set("failslab", "probability", "0");
	attr_set("fail_page_alloc", "probability", "0");
	if (aimed)
		aim_at_module(false);
	for (unsigned int i = 0; i < ARRAY_SIZE(targets); i++)
		if (tl[i].calls)
			say("  %-36s %4lu calls: %4lu ok, %4lu failed cleanly", targets[i].name,
			    tl[i].calls, tl[i].ok, tl[i].errors);
}

static void usage(void)
{
	printf("usage: faults [--seconds S] [--seed N] [--probability P] [--nth-max N] [--fork]\n");
}

int main(int argc, char **argv)
{
	long counts[3], total;
	struct rng r;
	const char *v;
	int leaks, all_leaks, ret;

	stress_init("faults");
	seed = stress_default_seed();
	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, "--seconds", &v))
			opt_seconds = parse_u64("--seconds", v);
		else if (opt_value(argc, argv, &i, "--seed", &v))
			seed = parse_u64("--seed", v);
		else if (opt_value(argc, argv, &i, "--probability", &v))
			opt_probability = (unsigned int)parse_u64("--probability", v);
		else if (opt_value(argc, argv, &i, "--nth-max", &v))
			opt_nth_max = (unsigned int)parse_u64("--nth-max", v);
		else if (!strcmp(argv[i], "--fork"))
			opt_fork = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else {
			usage();
			die("unknown argument %s", argv[i]);
		}
	}
	r = rng_derive(seed, 0, 0);

	if (geteuid()) {
		say("SKIP: needs root (debugfs)");
		return STRESS_SKIP;
	}
	if (access(DEBUGFS "failslab", F_OK) || access(DEBUGFS "fail_page_alloc", F_OK)) {
		say("SKIP: no fault injection in this kernel (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, "
		    "CONFIG_FAULT_INJECTION_DEBUG_FS): %s", DEBUGFS "failslab is missing");
		return STRESS_SKIP;
	}
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	make_it_fail_fd = open("/proc/thread-self/make-it-fail", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0 || make_it_fail_fd < 0) {
		say("SKIP: /proc/thread-self/fail-nth or make-it-fail missing (CONFIG_FAULT_INJECTION)");
		return STRESS_SKIP;
	}
	{
		int sock = genl_open();

		family = sock >= 0 ? genl_family_id(sock, SABUF_GENL_NAME) : sock;
		if (sock >= 0)
			close(sock);
		if (family < 0)
			die("netlink family %s: %s", SABUF_GENL_NAME, strerror(-family));
	}
	kmemleak_clear();
	attrs_init();
	atexit(attrs_restore);
	say("seed %#llx; kmemleak %s", (unsigned long long)seed,
	    kmemleak_available() ? "available" : "not available (no leak check)");

	/* a queued waiter, for QUEUES_GET's allocation */
	ret = sb_buffer_make(&waiter_buf, PAGE);
	if (ret)
		die("create: %s", strerror(-ret));
	pthread_create(&waiter_thread, NULL, waiter_main, NULL);
	while (!sb_counter(&waiter_buf, 0))
		sleep_ns(NSEC_PER_MSEC);

	systematic();
	random_phase(&r);

	total = injected_total(counts);
	attrs_restore();
	sb_notify(waiter_buf.fd, 0, SABUF_NOTIFY_ALL);
	pthread_join(waiter_thread, NULL);
	sb_buffer_drop(&waiter_buf);
	if (!sanity_round("after all injections"))
		failed = true;
	say("%ld failures injected: %ld by failslab, %ld by fail_page_alloc, %ld by fail_usercopy",
	    total, counts[0], counts[1], counts[2]);

	leaks = kmemleak_check("sabuf", &all_leaks);
	if (leaks < 0) {
		say("kmemleak not available: leak check skipped");
	} else {
		say("kmemleak: %d leak reports mention sabuf (%d reports in all)", leaks, all_leaks);
		if (leaks)
			failed = true;
	}
	if (failed) {
		say("FAILED (seed %#llx)", (unsigned long long)seed);
		return STRESS_FAIL;
	}
	say("PASS: %ld injected failures, every call failed cleanly or succeeded, the module works", total);
	return STRESS_PASS;
}
