/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h: what the stress programs share. The raw /dev/sabuf ABI (no
 * libsabuf: a library bug must not hide a module bug), a small seeded
 * random generator, clocks, option parsing, and the exit-status and
 * message conventions.
 *
 * Conventions:
 *  - Every sb_*() wrapper returns 0 (or a non-negative result) or -errno.
 *  - Every program prints its lines prefixed with its name ("torture: ..."),
 *    progress lines included, and exits STRESS_PASS, STRESS_FAIL or
 *    STRESS_SKIP (kselftest's 4), which run-stress turns into TAP.
 */
#ifndef STRESS_COMMON_H
#define STRESS_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>

#include <linux/sabuf.h>

#define STRESS_PASS	0
#define STRESS_FAIL	1
#define STRESS_SKIP	4	/* kselftest's KSFT_SKIP */

#define NSEC_PER_USEC	1000LL
#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_SEC	1000000000LL

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The program's name, for message prefixes; set by stress_init(). */
extern const char *stress_prog;

void stress_init(const char *prog);
/* "prog: message" on stdout, flushed (stdout may be a pipe). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: FAIL: message" on stdout; does not exit. */
void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* complain(), then exit(STRESS_FAIL). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- random numbers: splitmix64, seeded, one state per thread ---- */

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A generator for one (seed, a, b) stream: threads and children get their own. */
static inline struct rng rng_derive(uint64_t seed, uint64_t a, uint64_t b)
{
	struct rng r = { seed ^ (a * 0xd1342543de82ef95ULL) ^ (b * 0xaf251af3b0f025b5ULL) };

	rng_next(&r);
	return r;
}

/* Uniform in [0, n); n == 0 gives 0. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* Uniform in [lo, hi]. */
static inline uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* True with probability pct percent. */
static inline bool rng_chance(struct rng *r, unsigned int pct)
{
	return rng_below(r, 100) < pct;
}

/* A seed from the clock and the pid, when the user gave none. */
uint64_t stress_default_seed(void);

/* ---- time ---- */

static inline int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline double mono_seconds(void)
{
	return (double)now_ns(CLOCK_MONOTONIC) / NSEC_PER_SEC;
}

/* Sleep, resuming after signals. */
void sleep_ns(int64_t ns);

/* ---- options: --name VALUE or --name=VALUE ---- */

/*
 * If argv[*i] is --name (with the value in the next word or after '='),
 * store the value's text in *val, advance *i past it and return true.
 */
bool opt_value(int argc, char **argv, int *i, const char *name, const char **val);
/* Parse a number (decimal, 0x hex, optional k/M/G suffix), or die. */
uint64_t parse_u64(const char *opt, const char *text);

/* ---- the raw device ---- */

int sb_open(int flags);				/* open(/dev/sabuf): fd or -errno */
int sb_create(int fd, uint64_t byte_length);
int sb_info(int fd, struct sabuf_info *info);
/* SABUF_IOC_WAIT (ABI 2: the kernel never writes the struct back). */
int sb_wait(int fd, uint64_t offset, uint64_t expected, uint32_t flags,
	    uint32_t clockid, int64_t timeout_ns);
int sb_notify(int fd, uint64_t offset, uint32_t count);	/* woken, or -errno */
/* SABUF_CREATE_GROWABLE with its maximum. */
int sb_create_growable(int fd, uint64_t byte_length, uint64_t max_byte_length);
int sb_grow(int fd, uint64_t byte_length);
int sb_dup_readonly(int fd);				/* the new fd, or -errno */
/* SABUF_IOC_NOTIFY_WAIT: the wait's result (0 woken) or -errno. */
int sb_notify_wait(int fd, uint64_t notify_offset, uint32_t notify_count,
		   const struct sabuf_wait *wait);
/* SABUF_IOC_WAIT_ANY on fd (any sabuf handle): an index,
 * SABUF_WAIT_ANY_NOT_EQUAL | index, or -errno. */
int sb_wait_any(int fd, const struct sabuf_wait_any_item *items, uint32_t count,
		uint32_t flags, uint32_t clockid, int64_t timeout_ns);
/* Waitsets: SABUF_IOC_WAITSET_CREATE on any sabuf fd (the new fd or -errno),
 * SABUF_IOC_WAITSET_ADD and SABUF_IOC_WAITSET_CANCEL on the waitset fd. */
int sb_waitset_create(int fd, uint32_t flags);
int sb_waitset_add(int wsfd, int fd, uint64_t tag, const struct sabuf_wait *wait);
int sb_waitset_cancel(int wsfd, uint64_t tag);
/* SABUF_IOC_ROBUST_REGISTER on any sabuf fd: an owner id for the calling
 * thread, or -errno (ENOSPC past max_user_owners). */
int sb_robust_register(int fd);

/* A created buffer with its data and counter pages mapped. */
struct sb_buffer {
	int fd;
	struct sabuf_info info;
	void *data;			/* info.map_length bytes, read/write */
	const uint32_t *counters;	/* info.counters_slots, read-only */
};
/* Open, create byte_length, map both parts: 0 or -errno (nothing left open). */
int sb_buffer_make(struct sb_buffer *b, uint64_t byte_length);
void sb_buffer_drop(struct sb_buffer *b);

static inline uint32_t sb_counter(const struct sb_buffer *b, uint64_t offset)
{
	return __atomic_load_n(&b->counters[SABUF_COUNTER_SLOT(offset, b->info.counters_slots)],
			       __ATOMIC_SEQ_CST);
}

/* ---- files ---- */

/* Write text to a file (sysfs, procfs, debugfs): 0 or -errno. */
int write_file(const char *path, const char *text);
/* Read a file's first line (without the newline) into buf: 0 or -errno. */
int read_file_line(const char *path, char *buf, size_t size);
/* A /proc/meminfo field in kB, or -1. */
long meminfo_kb(const char *field);

/* Run a command (argv[0] searched in PATH), wait: its exit status, or -1. */
int run_command(char *const argv[], bool quiet);

/* ---- kmemleak (debug kernels) ---- */

#define KMEMLEAK_PATH "/sys/kernel/debug/kmemleak"
bool kmemleak_available(void);
/* Forget the suspects reported so far (boot-time ones, earlier tests'). */
void kmemleak_clear(void);
/*
 * Wait until objects allocated now are old enough to be reported, scan
 * twice, and count the reported objects whose report mentions needle
 * (printing those reports); all reports are counted in *total. -1 when
 * kmemleak is not available.
 */
int kmemleak_check(const char *needle, int *total);

#endif /* STRESS_COMMON_H */
