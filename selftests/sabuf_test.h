/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sabuf_test.h: what every kernel-ABI selftest of /dev/sabuf shares.
 *
 * These tests talk to the device directly (raw ioctl, mmap, __atomic
 * builtins), never through libsabuf, so that a bug in the module cannot be
 * hidden by the library. Every wrapper here returns 0 (or a non-negative
 * result) or -errno, so that asserts read ASSERT_EQ(-EINVAL, ret).
 *
 * Conventions:
 *  - Include this header first (it defines _GNU_SOURCE).
 *  - ASSERT_x()/EXPECT_x() expand to two statements: brace every loop or
 *    if whose body is one. Compare pointers with ASSERT_TRUE(p == q): the
 *    harness casts ASSERT_EQ's operands to uintmax_t, which -m32 rejects.
 *  - "sabuf_t_" prefixes everything here, so nothing clashes with libsabuf.
 *  - Helpers never ASSERT (they may run in threads or forked children);
 *    tests assert on what they return.
 *  - No timing assert other than "never returns early": under TCG
 *    emulation everything may be 50 times slower than native. Where a
 *    test must know that a waiter sleeps in the kernel, it asks the kernel
 *    (/proc/<tid>/wchan and the waiter counters), it does not guess with a
 *    sleep.
 */
#ifndef SABUF_TEST_H
#define SABUF_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sabuf.h>

/*
 * The harness is written for the kernel's -Wall build, and its macros
 * expand at each TEST's own line, so two -Wextra checks cannot be silenced
 * for the harness alone and are off for the test files:
 *  - unused-parameter: every TEST() wrapper has an unused "variant";
 *  - clobbered: TEST_F()'s wrapper keeps "child" across its setjmp (we
 *    never call setjmp ourselves).
 * Every other -Wextra check is on (asserts compare operands of the same
 * signedness: 0u, 0ull).
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#ifndef __clang__	/* (clang has no -Wclobbered) */
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#include "kselftest_harness.h"

#define SABUF_T_NSEC_PER_MSEC	1000000LL
#define SABUF_T_NSEC_PER_SEC	1000000000LL

/*
 * How long a test waits for something that must happen (a thread going to
 * sleep, a woken waiter returning) before it declares failure. Generous,
 * because TCG is slow; a correct module never gets near it.
 */
#define SABUF_T_PATIENCE_MS	10000

/*
 * A timeout for waits that must time out, but only after the test has seen
 * them asleep (and perhaps signalled them): long enough for that even on a
 * slow emulated CPU, short enough to keep the suite fast.
 */
#define SABUF_T_SEEN_ASLEEP_TIMEOUT_NS	(1000 * SABUF_T_NSEC_PER_MSEC)

/*
 * Scale tests (10^4-10^5 buffers or names) take over ten minutes on a
 * kernel with lock debugging under emulation (every lock checked by
 * lockdep, every allocation poisoned by KASAN and tracked by kmemleak):
 * there they use this share of their count, still enough for many dump
 * messages and resumptions. /proc/lockdep exists only with CONFIG_LOCKDEP.
 */
#define SABUF_T_DEBUG_KERNEL_SHARE	10

static inline int sabuf_t_scaled(int count)
{
	static int debug = -1;

	if (debug < 0)
		debug = access("/proc/lockdep", F_OK) == 0;
	return debug ? count / SABUF_T_DEBUG_KERNEL_SHARE : count;
}

/* ---- time ---- */

static inline int64_t sabuf_t_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * SABUF_T_NSEC_PER_SEC + ts.tv_nsec;
}

static inline void sabuf_t_sleep_ms(int64_t ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * SABUF_T_NSEC_PER_MSEC,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * SABUF_T_EVENTUALLY(cond): re-evaluate cond every millisecond until it
 * holds or SABUF_T_PATIENCE_MS pass; the value is cond's last value.
 */
#define SABUF_T_EVENTUALLY(cond) ({					\
	int64_t __sabuf_t_end = sabuf_t_now(CLOCK_MONOTONIC) +		\
		SABUF_T_PATIENCE_MS * SABUF_T_NSEC_PER_MSEC;		\
	bool __sabuf_t_ok;						\
	while (!(__sabuf_t_ok = (cond)) &&				\
	       sabuf_t_now(CLOCK_MONOTONIC) < __sabuf_t_end)		\
		usleep(1000);						\
	__sabuf_t_ok;							\
})

/* ---- the raw device, every call returning -errno ---- */

static inline int sabuf_t_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static inline int sabuf_t_open(void)
{
	int fd = open(SABUF_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline int sabuf_t_create(int fd, uint64_t byte_length)
{
	struct sabuf_create args = { .byte_length = byte_length };

	return sabuf_t_ioctl(fd, SABUF_IOC_CREATE, &args);
}

static inline int sabuf_t_info(int fd, struct sabuf_info *info)
{
	memset(info, 0xa5, sizeof(*info));	/* so "written as 0" means something */
	return sabuf_t_ioctl(fd, SABUF_IOC_INFO, info);
}

static inline int sabuf_t_wait(int fd, struct sabuf_wait *args)
{
	return sabuf_t_ioctl(fd, SABUF_IOC_WAIT, args);
}

/* The arguments of a valid wait on a size-byte word (4 or 8), relative timeout. */
static inline struct sabuf_wait sabuf_t_wait_args(unsigned int size, uint64_t offset,
						  uint64_t expected, int64_t timeout_ns)
{
	struct sabuf_wait args = {
		.offset = offset,
		.expected = expected,
		.timeout_ns = timeout_ns,
		.flags = size == 8 ? SABUF_WAIT_SIZE_U64 : SABUF_WAIT_SIZE_U32,
		.clockid = CLOCK_MONOTONIC,
	};

	return args;
}

static inline int sabuf_t_wait32(int fd, uint64_t offset, uint32_t expected, int64_t timeout_ns)
{
	struct sabuf_wait args = sabuf_t_wait_args(4, offset, expected, timeout_ns);

	return sabuf_t_wait(fd, &args);
}

static inline int sabuf_t_wait64(int fd, uint64_t offset, uint64_t expected, int64_t timeout_ns)
{
	struct sabuf_wait args = sabuf_t_wait_args(8, offset, expected, timeout_ns);

	return sabuf_t_wait(fd, &args);
}

static inline int sabuf_t_notify(int fd, uint64_t offset, uint32_t count)
{
	struct sabuf_notify args = { .offset = offset, .count = count };

	return sabuf_t_ioctl(fd, SABUF_IOC_NOTIFY, &args);
}

/* A robust owner id for the calling thread (> 0), or -errno. */
static inline int sabuf_t_robust_register(int fd)
{
	struct sabuf_robust args = { 0 };

	return sabuf_t_ioctl(fd, SABUF_IOC_ROBUST_REGISTER, &args);
}

/* A SABUF_WAIT_ROBUST wait on the u32 at offset, which names owner. */
static inline struct sabuf_wait sabuf_t_robust_args(uint64_t offset, uint32_t owner,
						    int64_t timeout_ns)
{
	struct sabuf_wait w = sabuf_t_wait_args(4, offset, owner, timeout_ns);

	w.flags |= SABUF_WAIT_ROBUST;
	return w;
}

/* mmap into *out; 0 or -errno. */
static inline int sabuf_t_mmap(void **out, int fd, size_t length, int prot, int flags, off_t offset)
{
	void *p = mmap(NULL, length, prot, flags, fd, offset);

	if (p == MAP_FAILED) {
		*out = NULL;
		return -errno;
	}
	*out = p;
	return 0;
}

/*
 * Open /dev/sabuf into fd, or SKIP the test when the device is absent (the
 * module is not loaded). Any other failure fails the test.
 */
#define SABUF_T_OPEN_OR_SKIP(fd) do {					\
	(fd) = sabuf_t_open();						\
	if ((fd) == -ENOENT || (fd) == -ENODEV || (fd) == -ENXIO)	\
		SKIP(return, "%s absent: is the sabuf module loaded?",	\
		     SABUF_DEVICE_PATH);				\
	ASSERT_LE(0, (fd))						\
		TH_LOG("open %s: %s", SABUF_DEVICE_PATH, strerror(-(fd))); \
} while (0)

/* ---- a created and mapped buffer ---- */

struct sabuf_t_buf {
	int fd;
	struct sabuf_info info;
	uint8_t *data;			/* info.map_length bytes, read-write, shared */
	const uint32_t *counters;	/* info.counters_length bytes, read-only */
};

/*
 * Create a buffer of byte_length on the already open b->fd, read its info,
 * map its data and its counters. 0 or -errno (then nothing is mapped).
 */
static inline int sabuf_t_buf_create_map(struct sabuf_t_buf *b, uint64_t byte_length)
{
	void *data, *counters;
	int ret;

	b->data = NULL;
	b->counters = NULL;
	ret = sabuf_t_create(b->fd, byte_length);
	if (ret)
		return ret;
	ret = sabuf_t_info(b->fd, &b->info);
	if (ret)
		return ret;
	ret = sabuf_t_mmap(&data, b->fd, b->info.map_length, PROT_READ | PROT_WRITE,
			   MAP_SHARED, 0);
	if (ret)
		return ret;
	ret = sabuf_t_mmap(&counters, b->fd, b->info.counters_length, PROT_READ,
			   MAP_SHARED, b->info.counters_offset);
	if (ret) {
		munmap(data, b->info.map_length);
		return ret;
	}
	b->data = data;
	b->counters = counters;
	return 0;
}

/* Unmap and close whatever of b exists. */
static inline void sabuf_t_buf_free(struct sabuf_t_buf *b)
{
	if (b->counters)
		munmap((void *)b->counters, b->info.counters_length);
	if (b->data)
		munmap(b->data, b->info.map_length);
	if (b->fd >= 0)
		close(b->fd);
	b->counters = NULL;
	b->data = NULL;
	b->fd = -1;
}

/* Open, create and map b (SKIP when there is no device). For tests and setups. */
#define SABUF_T_BUF_NEW(b, byte_length) do {				\
	int __sabuf_t_ret;						\
	(b)->data = NULL;						\
	(b)->counters = NULL;						\
	SABUF_T_OPEN_OR_SKIP((b)->fd);					\
	__sabuf_t_ret = sabuf_t_buf_create_map((b), (byte_length));	\
	ASSERT_EQ(0, __sabuf_t_ret)					\
		TH_LOG("create+map %llu bytes: %s",			\
		       (unsigned long long)(byte_length),		\
		       strerror(-__sabuf_t_ret));			\
} while (0)

static inline uint32_t *sabuf_t_u32(const struct sabuf_t_buf *b, uint64_t offset)
{
	return (uint32_t *)(b->data + offset);
}

/*
 * A 64-bit word of a buffer: always 8-byte aligned there, which the type
 * says, so that clang's -Watomic-alignment is satisfied in 32-bit (_m32)
 * builds, where a plain uint64_t is only 4-byte aligned.
 */
typedef uint64_t sabuf_t_u64_word __attribute__((aligned(8)));

/* The same for a 64-bit field of a shared (uapi) struct, 8-aligned there. */
static inline sabuf_t_u64_word *sabuf_t_u64_at(const void *field)
{
	return (sabuf_t_u64_word *)field;
}

static inline sabuf_t_u64_word *sabuf_t_u64(const struct sabuf_t_buf *b, uint64_t offset)
{
	return (sabuf_t_u64_word *)(b->data + offset);
}

/* The waiter counter of the index offset, read as libsabuf would. */
static inline uint32_t sabuf_t_counter(const struct sabuf_t_buf *b, uint64_t offset)
{
	uint32_t slot = SABUF_COUNTER_SLOT(offset, b->info.counters_slots);

	return __atomic_load_n(&b->counters[slot], __ATOMIC_SEQ_CST);
}

/* ---- is a task asleep in the kernel? ---- */

static inline int sabuf_t_read_proc(pid_t tid, const char *what, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/*
 * 1 when task tid is blocked, 0 when it is not, -errno when /proc cannot
 * tell. /proc/<tid>/wchan reads "0" unless the task has left the run queue
 * in schedule() (the kernel's get_wchan() checks !on_rq under pi_lock). A
 * SABUF_IOC_WAIT is queued before its task calls schedule(), so a waiter
 * that is blocked is also queued: this is what lets the tests fix the
 * order in which waiters enter a queue without guessing with sleeps.
 *
 * Also required: state 'S', the interruptible sleep of a wait, so that a
 * brief uninterruptible sleep ('D': a page fault, mmap_lock) on the way to
 * the ioctl is not taken for the wait itself.
 */
static inline int sabuf_t_task_blocked(pid_t tid)
{
	char buf[512], *paren;
	int ret;

	ret = sabuf_t_read_proc(tid, "wchan", buf, sizeof(buf));
	if (ret)
		return ret;
	if (buf[0] == '\0' || strcmp(buf, "0") == 0)
		return 0;
	ret = sabuf_t_read_proc(tid, "stat", buf, sizeof(buf));
	if (ret)
		return ret;
	paren = strrchr(buf, ')');	/* "pid (comm) S ..." */
	return paren && paren[1] == ' ' && paren[2] == 'S';
}

/*
 * Wait until tid is blocked: 0 once it is, -ETIMEDOUT if it never is within
 * SABUF_T_PATIENCE_MS. Without /proc, fall back to a generous sleep.
 */
static inline int sabuf_t_wait_blocked(pid_t tid)
{
	int ret = sabuf_t_task_blocked(tid);

	if (ret < 0) {
		sabuf_t_sleep_ms(200);
		return 0;
	}
	return SABUF_T_EVENTUALLY(sabuf_t_task_blocked(tid) == 1) ? 0 : -ETIMEDOUT;
}

/*
 * Wait until tid sleeps in a wait on b's index offset: blocked, with the
 * index's counter raised. 0 or -ETIMEDOUT.
 */
static inline int sabuf_t_wait_queued(const struct sabuf_t_buf *b, uint64_t offset, pid_t tid)
{
	if (sabuf_t_wait_blocked(tid))
		return -ETIMEDOUT;
	return SABUF_T_EVENTUALLY(sabuf_t_counter(b, offset) != 0) ? 0 : -ETIMEDOUT;
}

/* ---- waiter threads ---- */

/* The order in which waiter threads returned from their wait. */
struct sabuf_t_log {
	unsigned int reserved;	/* __atomic: slots handed out */
	unsigned int len;	/* __atomic: slots written (published after ids[]) */
	int ids[256];
};

/*
 * Append @id. The slot is reserved first and @len raised only after the id
 * is stored, so a reader that sees len > n also sees ids[n] when adders
 * come one at a time (as they do in every ordered test: one notify, then
 * wait for the log to grow). Reset both counters to reuse a log.
 */
static inline void sabuf_t_log_add(struct sabuf_t_log *log, int id)
{
	unsigned int i = __atomic_fetch_add(&log->reserved, 1, __ATOMIC_SEQ_CST);

	if (i < sizeof(log->ids) / sizeof(log->ids[0]))
		__atomic_store_n(&log->ids[i], id, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&log->len, 1, __ATOMIC_SEQ_CST);
}

static inline unsigned int sabuf_t_log_len(struct sabuf_t_log *log)
{
	return __atomic_load_n(&log->len, __ATOMIC_SEQ_CST);
}

/* One thread doing one SABUF_IOC_WAIT. Fill fd, args (and id, log) first. */
struct sabuf_t_waiter {
	int fd;
	struct sabuf_wait args;		/* passed to the ioctl; the kernel may rewrite it */
	int id;				/* the caller's label, written to log */
	struct sabuf_t_log *log;	/* optional: where to record the return order */

	pthread_t thread;
	pid_t tid;			/* __atomic; set before the ioctl */
	int ret;			/* 0 or -errno, valid once done */
	int done;			/* __atomic; 1 once ret is valid */
	int64_t start_ns, end_ns;	/* CLOCK_MONOTONIC around the ioctl */
};

static inline void *sabuf_t_waiter_main(void *arg)
{
	struct sabuf_t_waiter *wt = arg;
	int ret;

	__atomic_store_n(&wt->tid, gettid(), __ATOMIC_SEQ_CST);
	wt->start_ns = sabuf_t_now(CLOCK_MONOTONIC);
	ret = sabuf_t_wait(wt->fd, &wt->args);
	wt->end_ns = sabuf_t_now(CLOCK_MONOTONIC);
	wt->ret = ret;
	if (wt->log)
		sabuf_t_log_add(wt->log, wt->id);
	__atomic_store_n(&wt->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Start the thread and return its tid once it runs, or -errno. */
static inline pid_t sabuf_t_waiter_start(struct sabuf_t_waiter *wt)
{
	pthread_attr_t attr;
	int ret;

	wt->tid = 0;
	wt->done = 0;
	wt->ret = INT_MIN;
	/* Small stacks: tests start hundreds, also as 32-bit programs. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	ret = pthread_create(&wt->thread, &attr, sabuf_t_waiter_main, wt);
	pthread_attr_destroy(&attr);
	if (ret)
		return -ret;
	if (!SABUF_T_EVENTUALLY(__atomic_load_n(&wt->tid, __ATOMIC_SEQ_CST) != 0))
		return -ETIMEDOUT;
	return wt->tid;
}

/*
 * Start a waiter thread on b and return only once it is queued (blocked,
 * counter raised), so that waiters started one after the other are queued
 * in that order. 0 or -errno.
 */
static inline int sabuf_t_waiter_start_queued(const struct sabuf_t_buf *b, struct sabuf_t_waiter *wt)
{
	pid_t tid = sabuf_t_waiter_start(wt);

	if (tid < 0)
		return tid;
	return sabuf_t_wait_queued(b, wt->args.offset, tid);
}

static inline bool sabuf_t_waiter_done(struct sabuf_t_waiter *wt)
{
	return __atomic_load_n(&wt->done, __ATOMIC_SEQ_CST);
}

/* Join the thread if it returns within the patience; its ret, or INT_MIN if it did not. */
static inline int sabuf_t_waiter_join(struct sabuf_t_waiter *wt)
{
	if (!SABUF_T_EVENTUALLY(sabuf_t_waiter_done(wt)))
		return INT_MIN;
	pthread_join(wt->thread, NULL);
	return wt->ret;
}

/* ---- waiter processes ---- */

/*
 * A forked waiter reports its wait's result as its exit status: 0 for 0,
 * else the errno. sabuf_t_reap() turns that back into 0 / -errno, and a
 * death by signal sig into SABUF_T_KILLED(sig).
 */
#define SABUF_T_KILLED(sig)	(-1000 - (sig))

static inline int sabuf_t_exit_code(int ret)
{
	return ret == 0 ? 0 : (ret < 0 && -ret < 256 ? -ret : 255);
}

static inline int sabuf_t_reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return INT_MIN;
	if (WIFSIGNALED(status))
		return SABUF_T_KILLED(WTERMSIG(status));
	return -WEXITSTATUS(status);
}

/* Fork a child that does one wait on fd with args and exits with its result. */
static inline pid_t sabuf_t_fork_waiter(int fd, const struct sabuf_wait *args)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sabuf_wait copy = *args;

		_exit(sabuf_t_exit_code(sabuf_t_wait(fd, &copy)));
	}
	return pid;
}

/* ---- many cheap processes ---- */

#define SABUF_T_SLEEPER_STACK	16384

static inline int sabuf_t_sleeper_main(void *arg)
{
	char c;

	/* raw system calls: it shares its parent's memory, not its libc state */
	syscall(SYS_read, *(int *)arg, &c, 1);
	syscall(SYS_exit, 0);
	return 0;
}

/*
 * A process that only sleeps in read(2) on *@block_fd (a pipe's read end:
 * each child has a copy of the write end too, so it sleeps until killed):
 * a CLONE_VM child (no page tables of its own; its own copy of the fd
 * table), so a test can make thousands; end each with SIGKILL and reap it.
 * @stack: SABUF_T_SLEEPER_STACK bytes of its own. Its pid, or -errno.
 */
static inline pid_t sabuf_t_clone_sleeper(char *stack, int *block_fd)
{
	pid_t pid = clone(sabuf_t_sleeper_main, stack + SABUF_T_SLEEPER_STACK,
			  CLONE_VM | SIGCHLD, block_fd);

	return pid < 0 ? -errno : pid;
}

/* ---- bad user pointers ---- */

/*
 * A pointer to size bytes of which only the first half is readable: the
 * rest lies on a PROT_NONE page. With size 0 the whole object is on the
 * PROT_NONE page. NULL if the pages cannot be had. The pages are never
 * freed: tests are short-lived processes.
 */
static inline void *sabuf_t_bad_ptr(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, page);
	if (mprotect(p + page, page, PROT_NONE))
		return NULL;
	return p + page - size / 2;
}

/* ---- module parameters (root) ---- */

#define SABUF_T_PARAM_DIR "/sys/module/sabuf/parameters/"

static inline int sabuf_t_param_read(const char *name, unsigned long long *val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), SABUF_T_PARAM_DIR "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = fscanf(f, "%llu", val) == 1 ? 0 : -EIO;
	fclose(f);
	return ret;
}

/* Write text to a sysfs/procfs/cgroup file: 0, or -errno (-EIO if short). */
static inline int sabuf_t_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n == (ssize_t)len ? 0 : (n < 0 ? (int)n : -EIO);
}

/* The number a file starts with, or -1. */
static inline long long sabuf_t_read_number(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline int sabuf_t_param_write(const char *name, unsigned long long val)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), SABUF_T_PARAM_DIR "%s", name);
	snprintf(text, sizeof(text), "%llu\n", val);
	return sabuf_t_write_file(path, text);
}

static inline long sabuf_t_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

#endif /* SABUF_TEST_H */
