// SPDX-License-Identifier: GPL-2.0
/* The helpers of bench.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/futex.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static const char *prog_name = "bench";

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: error: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

const char *bench_strerror(long neg_errno)
{
	return strerror((int)-neg_errno);
}

void bench_parse(int argc, char **argv, struct bench_opts *o,
		 const char *const *peers)
{
	static const struct option longopts[] = {
		{ "peer", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "round", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "budget-ms", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "peers", required_argument, NULL, 'P' },
		{ "slice-ms", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	prog_name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	*o = (struct bench_opts){
		.peer = peers ? peers[0] : "-", .mode = "threads", .round = 1,
		.threads = 1, .budget_ms = 1000, .count = 0, .slice_ms = 100,
	};
	o->npeers = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->peer = optarg; break;
		case 'm': o->mode = optarg; break;
		case 'r': o->round = atoi(optarg); break;
		case 't': o->threads = atoi(optarg); break;
		case 'b': o->budget_ms = atof(optarg); break;
		case 'c': o->count = atol(optarg); break;
		case 's': o->slice_ms = atof(optarg); break;
		case 'P': {
			char *list = strdup(optarg), *save = NULL, *tok;

			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (o->npeers == BENCH_MAX_PEERS)
					die("at most %d peers", BENCH_MAX_PEERS);
				o->peer_list[o->npeers++] = tok;
			}
			break;
		}
		default: die("usage: %s [--peer P | --peers P,Q,...] [--mode threads|procs] "
			     "[--round N] [--threads N] [--budget-ms MS] [--slice-ms MS] [--count N]",
			     prog_name);
		}
	}
	if (o->npeers)
		o->peer = o->peer_list[0];
	else
		o->peer_list[o->npeers++] = o->peer;
	for (int i = 0; peers && i < o->npeers; i++) {
		const char *const *p;

		for (p = peers; *p; p++)
			if (!strcmp(*p, o->peer_list[i]))
				break;
		if (!*p)
			die("unknown peer '%s'", o->peer_list[i]);
	}
	if (strcmp(o->mode, "threads") && strcmp(o->mode, "procs"))
		die("--mode is threads or procs, not '%s'", o->mode);
	if (o->threads < 1 || o->budget_ms <= 0 || o->slice_ms <= 0)
		die("--threads, --budget-ms and --slice-ms must be positive");
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double ticks_per_ns(void)
{
	static double rate;
	uint64_t t0, t1, c0, c1;

	if (rate > 0)
		return rate;
#if defined(__x86_64__) || defined(__i386__)
	/* 50 ms against CLOCK_MONOTONIC: a 1 us clock read is 2e-5 of it */
	t0 = now_ns();
	c0 = ticks();
	usleep(50000);
	t1 = now_ns();
	c1 = ticks();
	rate = (double)(c1 - c0) / (double)(t1 - t0);
	if (!(rate > 0))
		die("the TSC does not advance");
#else
	(void)t0; (void)t1; (void)c0; (void)c1;
	rate = 1.0;
#endif
	return rate;
}

double ticks_overhead_ns(void)
{
	static double overhead = -1;
	struct samples s;
	int i;

	if (overhead >= 0)
		return overhead;
	samples_init(&s, 1001);
	for (i = 0; i < 1001; i++) {
		uint64_t a = ticks(), b = ticks();

		samples_add(&s, ticks_to_ns(b - a));
	}
	overhead = samples_median(&s);
	samples_free(&s);
	return overhead;
}

void samples_init(struct samples *s, size_t cap)
{
	s->v = malloc(cap * sizeof(*s->v));
	if (!s->v)
		die("out of memory for %zu samples", cap);
	s->n = 0;
	s->cap = cap;
}

void samples_free(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double samples_quantile(struct samples *s, double q)
{
	double pos;
	size_t i;

	if (!s->n)
		return NAN;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	pos = q * (double)(s->n - 1);
	i = (size_t)pos;
	if (i + 1 >= s->n)
		return s->v[s->n - 1];
	return s->v[i] + (pos - (double)i) * (s->v[i + 1] - s->v[i]);
}

void bench_progress(const char *fmt, ...)
{
	const char *progress = getenv("BENCH_PROGRESS");
	va_list ap;

	fflush(stdout);
	if (progress)
		fprintf(stderr, "[%s] ", progress);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void bench_result(const char *bench, const struct bench_opts *o, double value)
{
	printf("@result %s %s %d %.6g\n", bench, o->peer, o->round, value);
	fflush(stdout);
}

void bench_count(const char *name, long value)
{
	printf("@count %s %ld\n", name, value);
	fflush(stdout);
}

void bench_info(const char *name, double value)
{
	printf("@info %s %.6g\n", name, value);
	fflush(stdout);
}

int bench_bucket(double ns)
{
	if (ns < 1)
		return 0;
	return (int)floor(20.0 * log10(ns));
}

void bench_hist(const char *bench, const struct bench_opts *o, struct samples *s)
{
	size_t i = 0;

	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	while (i < s->n) {
		int b = bench_bucket(s->v[i]);
		size_t n = 0;

		while (i < s->n && bench_bucket(s->v[i]) == b) {
			n++;
			i++;
		}
		printf("@hist %s %s %d %zu\n", bench, o->peer, b, n);
	}
	fflush(stdout);
}

void *memfd_shared_map(size_t len)
{
	void *p;
	int fd = memfd_create("bench", MFD_CLOEXEC);

	CHECK_SYS(fd);
	CHECK_SYS(ftruncate(fd, (off_t)len));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap memfd: %m");
	close(fd);	/* the mapping keeps the file */
	return p;
}

long futex_wait(int32_t *word, int32_t expected, bool priv)
{
	return syscall(SYS_futex, word, FUTEX_WAIT | (priv ? FUTEX_PRIVATE_FLAG : 0),
		       expected, NULL, NULL, 0);
}

long futex_wake(int32_t *word, int count, bool priv)
{
	return syscall(SYS_futex, word, FUTEX_WAKE | (priv ? FUTEX_PRIVATE_FLAG : 0),
		       count, NULL, NULL, 0);
}

int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (online_cpus() < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % online_cpus(), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(cpu %d): %m", cpu);
}
