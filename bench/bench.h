/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every benchmark program shares: a cheap clock, sample statistics,
 * the one-line result protocol, option parsing, and the peers' primitives
 * (raw futex on a memfd mapping).
 *
 * Output protocol (stdout, one measurement per line, parsed by report.c):
 *
 *   @result BENCH PEER ROUND VALUE      VALUE: ns per operation (lower is better)
 *   @hist   BENCH PEER BUCKET COUNT     latency histogram, see bench_bucket()
 *   @count  NAME VALUE                  a count (system calls)
 *   @info   NAME VALUE                  a number for the table only
 *
 * A human-readable progress line goes to stderr. Both reach the host over
 * the VM's console; the host driver keeps the '@' lines and shows the rest.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors ---- */
__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);
/* die() with strerror(-err) appended, for the library's -errno returns */
#define CHECK_NEG(expr) do {						\
	long check_ret_ = (expr);					\
	if (check_ret_ < 0)						\
		die("%s:%d: %s: %s", __FILE__, __LINE__, #expr,		\
		    bench_strerror(check_ret_));			\
} while (0)
/* die() with strerror(errno), for calls that return -1 and set errno */
#define CHECK_SYS(expr) do {						\
	if ((expr) == -1)						\
		die("%s:%d: %s: %m", __FILE__, __LINE__, #expr);	\
} while (0)
const char *bench_strerror(long neg_errno);

/* ---- options: --peer P | --peers P,Q,.. --round N --budget-ms N --mode M --threads N ---- */
#define BENCH_MAX_PEERS 8
struct bench_opts {
	const char *peer;	/* the (first) peer */
	const char *peer_list[BENCH_MAX_PEERS];	/* --peers, or just --peer */
	int npeers;
	double slice_ms;	/* --slice-ms: programs that alternate peers in-process */
	const char *mode;	/* "threads" or "procs" where it applies */
	int round;		/* which round this run belongs to, from 1 */
	int threads;
	double budget_ms;	/* time to spend measuring (warm-up comes on top) */
	long count;		/* --count, for programs that make N of something */
};
void bench_parse(int argc, char **argv, struct bench_opts *o,
		 const char *const *peers);

/* ---- time ---- */
uint64_t now_ns(void);			/* CLOCK_MONOTONIC */
/*
 * A cheap timestamp: the TSC on x86-64. In the VM the clocksource is HPET,
 * so clock_gettime() is a system call (~1 us under TCG) while RDTSC costs
 * ~10 ns. Converted with ticks_per_ns(), calibrated once per process
 * against CLOCK_MONOTONIC.
 */
static inline uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#else
	return now_ns();
#endif
}
double ticks_per_ns(void);
static inline double ticks_to_ns(uint64_t t) { return (double)t / ticks_per_ns(); }
/* The median cost of one ticks() reading, in ns: subtracted from samples. */
double ticks_overhead_ns(void);

/* ---- samples ---- */
struct samples {
	double *v;
	size_t n, cap;
};
void samples_init(struct samples *s, size_t cap);
void samples_free(struct samples *s);
static inline void samples_add(struct samples *s, double x)
{
	if (s->n < s->cap)
		s->v[s->n++] = x;
}
double samples_quantile(struct samples *s, double q);	/* sorts in place */
static inline double samples_median(struct samples *s) { return samples_quantile(s, 0.5); }

/* ---- output ---- */
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_result(const char *bench, const struct bench_opts *o, double value);
void bench_count(const char *name, long value);
void bench_info(const char *name, double value);
/*
 * Latency histogram on a log scale: bucket b holds [10^(b/20), 10^((b+1)/20))
 * ns, i.e. 20 buckets per decade (pingpong.js computes the same).
 */
int bench_bucket(double ns);
void bench_hist(const char *bench, const struct bench_opts *o, struct samples *s);

/* ---- the peers' primitives ---- */
/* A MAP_SHARED mapping of a fresh memfd of len bytes: what a user shares without sabuf. */
void *memfd_shared_map(size_t len);
/* futex(2) on a word; priv selects FUTEX_PRIVATE_FLAG (threads of one process only). */
long futex_wait(int32_t *word, int32_t expected, bool priv);
long futex_wake(int32_t *word, int count, bool priv);

/* Pin the calling thread to one CPU (no-op if there is only one). */
void pin_to_cpu(int cpu);
int online_cpus(void);

#endif /* BENCH_H */
