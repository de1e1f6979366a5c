// SPDX-License-Identifier: GPL-2.0
/*
 * report: turns the '@' lines of a bench run (bench.h describes them) into
 * build/bench.json, the table on the terminal, and the data files of the
 * ping-pong latency plot.
 *
 *   report RAW JSON PLOTDIR > table
 *
 * Ratios are sabuf time / peer time (below 1: sabuf is faster), except the
 * _speedup_ key, which is peer time / sabuf time. Each ratio is the median,
 * over the rounds, of the ratio within a round: the peers of one round ran
 * back to back, so a slow stretch of the shared host hits both sides of a
 * round's ratio rather than only one peer's median. Exits 1 if a JSON key
 * has no data (it is written as null then).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 4096

struct result { char bench[48], peer[32]; int round; double value; };
struct hist { char bench[48], peer[32]; int bucket; long count; };
struct named { char name[64]; double value; };

static struct result results[MAXN];
static struct hist hists[MAXN * 4];
static struct named counts[64], infos[256];
static int nresults, nhists, ncounts, ninfos, nfailed;

static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "report: %s%s\n", msg, arg ? arg : "");
	exit(2);
}

static void parse(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot open ", path);
	while (fgets(line, sizeof(line), f)) {
		struct result r;
		struct hist h;
		struct named n;

		if (sscanf(line, "@result %47s %31s %d %lf", r.bench, r.peer, &r.round, &r.value) == 4) {
			if (nresults < MAXN)
				results[nresults++] = r;
		} else if (sscanf(line, "@hist %47s %31s %d %ld", h.bench, h.peer, &h.bucket, &h.count) == 4) {
			int i;

			for (i = 0; i < nhists; i++)
				if (!strcmp(hists[i].bench, h.bench) && !strcmp(hists[i].peer, h.peer) &&
				    hists[i].bucket == h.bucket)
					break;
			if (i < nhists)
				hists[i].count += h.count;
			else if (nhists < MAXN * 4)
				hists[nhists++] = h;
		} else if (sscanf(line, "@count %63s %lf", n.name, &n.value) == 2) {
			if (ncounts < 64)
				counts[ncounts++] = n;
		} else if (sscanf(line, "@info %63s %lf", n.name, &n.value) == 2) {
			if (ninfos < 256)
				infos[ninfos++] = n;
		} else if (!strncmp(line, "@failed", 7)) {
			nfailed++;
		}
	}
	fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const struct result *find(const char *bench, const char *peer, int round)
{
	for (int i = 0; i < nresults; i++)
		if (!strcmp(results[i].bench, bench) && !strcmp(results[i].peer, peer) &&
		    results[i].round == round)
			return &results[i];
	return NULL;
}

/* The median over rounds of one peer's values. */
static double peer_median(const char *bench, const char *peer, int *n)
{
	static double v[MAXN];

	*n = 0;
	for (int i = 0; i < nresults; i++)
		if (!strcmp(results[i].bench, bench) && !strcmp(results[i].peer, peer))
			v[(*n)++] = results[i].value;
	return median(v, *n);
}

/* The median over rounds of sabuf/peer (inverse: peer/sabuf) within each round. */
static double ratio(const char *bench, const char *peer, int inverse, int *n)
{
	static double v[MAXN];

	*n = 0;
	for (int i = 0; i < nresults; i++) {
		const struct result *s = &results[i], *p;

		if (strcmp(s->bench, bench) || strcmp(s->peer, "sabuf"))
			continue;
		p = find(bench, peer, s->round);
		if (!p || !(p->value > 0) || !(s->value > 0))
			continue;
		v[(*n)++] = inverse ? p->value / s->value : s->value / p->value;
	}
	return median(v, *n);
}

static double named(struct named *list, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return list[i].value;
	return NAN;
}

/* A time in ns, in the unit that reads best. */
static const char *fmt_time(double ns, char *buf, size_t len)
{
	if (isnan(ns))
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.1f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

enum goal { NONE, AT_MOST, AT_LEAST, EXACTLY };

/* One row of the table; a JSON key when key != NULL. */
struct row {
	const char *key;	/* JSON key, or NULL: table only */
	const char *label;
	const char *bench;
	const char *peer;	/* the peer's name in the results */
	const char *peer_label;
	int inverse;		/* the _speedup_ key */
	enum goal goal;
	double target;
	enum { TIME, INSTR, COUNT, BYTES, FRACTION } unit;
};

static const struct row rows[] = {
	{ "atomic_instr_ratio", "uncontended atomics (instructions)", "atomics", "raw",
	  "__atomic builtins", 0, AT_MOST, 1.005, INSTR },
	{ "notify_nowaiter_syscalls", "notify, no waiter: system calls", "notify_nowaiter_syscalls",
	  NULL, NULL, 0, EXACTLY, 0, COUNT },
	{ "notify_nowaiter_speedup_vs_futex", "notify, no waiter (speedup)", "notify_nowaiter",
	  "futex", "FUTEX_WAKE", 1, AT_LEAST, 20, TIME },
	{ "wait_notequal_syscalls", "wait, word differs: system calls", "wait_notequal_syscalls",
	  NULL, NULL, 0, EXACTLY, 0, COUNT },
	{ "kernel_wait_notequal_vs_futex_shared", "kernel: wait, word differs (EAGAIN)",
	  "kernel_wait_eagain", "futex", "FUTEX_WAIT (memfd)", 0, AT_MOST, 1.0, TIME },
	{ NULL, "kernel: wait, word differs (EAGAIN)", "kernel_wait_eagain", "futex_private",
	  "FUTEX_WAIT, PRIVATE", 0, NONE, 0, TIME },
	{ NULL, "kernel: notify, nobody queued", "kernel_notify_empty", "futex",
	  "FUTEX_WAKE (memfd)", 0, NONE, 0, TIME },
	{ NULL, "kernel: notify, nobody queued", "kernel_notify_empty", "futex_private",
	  "FUTEX_WAKE, PRIVATE", 0, NONE, 0, TIME },
	{ NULL, "kernel: null system call", "kernel_null_syscall", "getppid",
	  "getppid()", 0, NONE, 0, TIME },
	{ "pingpong_threads_vs_futex", "ping-pong, 2 threads", "pingpong_threads", "futex",
	  "futex (memfd)", 0, AT_MOST, 0.95, TIME },
	{ NULL, "ping-pong, 2 threads", "pingpong_threads", "futex_private",
	  "futex, PRIVATE", 0, NONE, 0, TIME },
	{ NULL, "ping-pong, 2 threads", "pingpong_threads", "pthread",
	  "pthread mutex+cond", 0, NONE, 0, TIME },
	{ "pingpong_vs_node", "ping-pong, 2 threads", "pingpong_threads", "node",
	  "Node.js workers", 0, AT_MOST, 0.5, TIME },
	{ "node_pingpong_procs_vs_ipc", "Node ping-pong, 2 procs (sabuf)", "node_pingpong",
	  "ipc", "Node IPC channel", 0, AT_MOST, 0.05, TIME },
	{ "node_pingpong_vs_workers_atomics", "Node ping-pong, 2 procs (sabuf)", "node_pingpong",
	  "workers_atomics", "Atomics, 2 Workers", 0, AT_MOST, 1.0, TIME },
	{ NULL, "Node ping-pong, 2 Workers (sabuf)", "node_pingpong_workers", "atomics",
	  "Atomics.wait/notify", 0, NONE, 0, TIME },
	{ "pingpong_procs_vs_futex", "ping-pong, 2 processes", "pingpong_procs", "futex",
	  "futex (memfd)", 0, AT_MOST, 0.95, TIME },
	{ "pingpong_vs_pthread", "ping-pong, 2 processes", "pingpong_procs", "pthread",
	  "pthread mutex+cond", 0, NONE, 0, TIME },
	{ "pingpong_handoff_threads_vs_futex", "handoff (notify_wait), 2 threads",
	  "pingpong_handoff_threads", "futex", "FUTEX_WAKE+FUTEX_WAIT", 0, AT_MOST, 0.5, TIME },
	{ "pingpong_handoff_procs_vs_futex", "handoff (notify_wait), 2 processes",
	  "pingpong_handoff_procs", "futex", "FUTEX_WAKE+FUTEX_WAIT", 0, AT_MOST, 0.5, TIME },
	{ NULL, "handoff, 2 threads on one CPU", "pingpong_handoff_pinned_threads", "futex",
	  "futex, one CPU", 0, NONE, 0, TIME },
	{ NULL, "handoff, 2 processes on one CPU", "pingpong_handoff_pinned_procs", "futex",
	  "futex, one CPU", 0, NONE, 0, TIME },
	{ "wait_any_vs_futex_waitv", "wait on any of 64: notify to return", "wait_any_64", "futex",
	  "futex_waitv (memfd)", 0, AT_MOST, 1.0, TIME },
	{ "async_wake_vs_eventfd_epoll", "async wait: notify to epoll_wait", "async_wake", "eventfd",
	  "eventfd + epoll", 0, AT_MOST, 1.0, TIME },
	{ "async_bytes_per_pending_wait", "kernel bytes per pending async wait",
	  "async_bytes_per_pending_wait", NULL, NULL, 0, AT_MOST, 256, BYTES },
	{ "fanout_vs_futex", "fan-out, 64 waiters (per notify)", "fanout", "futex",
	  "FUTEX_WAKE", 0, AT_MOST, 1.0, TIME },
	{ "mutex_uncontended_syscalls", "mutex lock+unlock, uncontended: system calls",
	  "mutex_uncontended_syscalls", NULL, NULL, 0, EXACTLY, 0, COUNT },
	{ "mutex_uncontended_vs_pthread_robust", "uncontended mutex lock+unlock", "mutex_1t",
	  "pthread_robust", "robust pthread_mutex", 0, AT_MOST, 1.0, TIME },
	{ NULL, "uncontended mutex lock+unlock", "mutex_1t", "pthread",
	  "pthread_mutex", 0, NONE, 0, TIME },
	{ NULL, "contended mutex, 2 threads", "mutex_2t", "pthread",
	  "pthread_mutex", 0, NONE, 0, TIME },
	{ "mutex_vs_pthread_4t", "contended mutex, 4 threads", "mutex_4t", "pthread",
	  "pthread_mutex", 0, AT_MOST, 1.0, TIME },
	{ NULL, "contended mutex, 8 threads", "mutex_8t", "pthread",
	  "pthread_mutex", 0, NONE, 0, TIME },
	{ "mutex_robust_vs_pthread_robust_4t", "contended mutex, 4 threads", "mutex_4t",
	  "pthread_robust", "robust pthread_mutex", 0, AT_MOST, 1.0, TIME },
	{ "owner_death_recovery_vs_pthread_robust", "holder SIGKILLed -> sleeper holds it",
	  "owner_death", "pthread_robust", "robust pthread_mutex", 0, AT_MOST, 1.0, TIME },
	{ "exit_cost_foreign_owners", "exit, 32 mappings, 10^5 foreign owner ids", "exit_cost",
	  "none", "no owner ids", 0, AT_MOST, 1.2, TIME },
	{ "create_1g_vs_memfd", "create+map+touch 1 GiB", "create_1g", "memfd",
	  "memfd, 4 KiB pages", 0, AT_MOST, 0.25, TIME },
	{ NULL, "  teardown of that 1 GiB", "create_1g_teardown", "memfd",
	  "munmap+close", 0, NONE, 0, TIME },
	{ "create_1g_vs_memfd_thp", "create+map+touch 1 GiB", "create_1g", "memfd_thp",
	  "memfd, MADV_HUGEPAGE", 0, AT_MOST, 1.0, TIME },
	{ NULL, "  teardown of that 1 GiB", "create_1g_teardown", "memfd_thp",
	  "munmap+close (THP)", 0, NONE, 0, TIME },
	{ "open_named_vs_shm_open", "open existing name+map+unmap+close", "open_named", "shm",
	  "shm_open+mmap+munmap+close", 0, AT_MOST, 1.0, TIME },
	{ "kernel_bytes_per_buffer", "kernel bytes per buffer", "kernel_bytes_per_buffer", "memfd",
	  "memfd (4 KiB)", 0, NONE, 0, BYTES },
	{ "neighbour_notify_slowdown", "notify, nobody queued, 10^5 waits next door", "neighbour_notify",
	  "alone", "the same alone", 0, AT_MOST, 1.2, TIME },
	{ "neighbour_wait_notequal_slowdown", "kernel wait EAGAIN, 10^5 waits next door",
	  "neighbour_wait_notequal", "alone", "the same alone", 0, AT_MOST, 1.2, TIME },
	{ "notify_all_max_stall_fraction", "longest probe stall / notify-all of 10^5",
	  "notify_all_stall", NULL, NULL, 0, AT_MOST, 0.01, FRACTION },
	{ "trace_enabled_wait_overhead", "wait round trip, sabuf events on", "trace_wait",
	  "untraced", "the same, events off", 0, AT_MOST, 1.10, TIME },
};

static double row_value(const struct row *r, double *sabuf, double *peer, int *n)
{
	int np;

	*sabuf = *peer = NAN;
	*n = 0;
	switch (r->unit) {
	case COUNT:
		*sabuf = named(counts, ncounts, r->bench);
		*n = isnan(*sabuf) ? 0 : 1;
		return *sabuf;
	case FRACTION:
	case BYTES:
		*sabuf = peer_median(r->bench, "sabuf", n);
		*peer = r->peer ? peer_median(r->bench, r->peer, &np) : NAN;
		return *sabuf;
	case INSTR:
		*sabuf = peer_median(r->bench, "sabuf", n);
		*peer = peer_median(r->bench, r->peer, &np);
		return *sabuf / *peer;
	default:
		*sabuf = peer_median(r->bench, "sabuf", &np);
		*peer = peer_median(r->bench, r->peer, &np);
		return ratio(r->bench, r->peer, r->inverse, n);
	}
}

static const char *fmt_value(const struct row *r, double v, char *buf, size_t len)
{
	if (isnan(v))
		return "-";
	switch (r->unit) {
	case COUNT: snprintf(buf, len, "%.0f", v); break;
	case BYTES: snprintf(buf, len, "%.0f B", v); break;
	case FRACTION: snprintf(buf, len, "%.4f", v); break;
	case INSTR: snprintf(buf, len, "%.0f Ir", v); break;
	default: return fmt_time(v, buf, len);
	}
	return buf;
}

static int met(const struct row *r, double v)
{
	switch (r->goal) {
	case AT_MOST: return v <= r->target;
	case AT_LEAST: return v >= r->target;
	case EXACTLY: return v == r->target;
	default: return -1;
	}
}

/*
 * DIR/BENCH-PEER.dat per peer, DIR/BENCH.peers (the peers, in plotting
 * order) and DIR/BENCH.range (an x range in us holding every peer's
 * 0.1%..99.9% quantiles, so that rare outliers do not squash the plot).
 */
static void write_plot(const char *dir, const char *bench)
{
	static const char *const order[] = { "sabuf", "futex", "futex_private", "pthread", "node" };
	char path[512], peers[256] = "";
	double xlo = 1e30, xhi = 0;
	FILE *f;

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		long total = 0;
		int lo = 1 << 30, hi = -1;

		for (int i = 0; i < nhists; i++)
			if (!strcmp(hists[i].bench, bench) && !strcmp(hists[i].peer, order[k])) {
				total += hists[i].count;
				lo = hists[i].bucket < lo ? hists[i].bucket : lo;
				hi = hists[i].bucket > hi ? hists[i].bucket : hi;
			}
		if (!total)
			continue;
		snprintf(path, sizeof(path), "%s/%s-%s.dat", dir, bench, order[k]);
		f = fopen(path, "w");
		if (!f)
			die("cannot write ", path);
		fprintf(f, "# %s, peer %s: %ld round trips, all rounds\n"
			   "# bucket_low_us bucket_high_us share_percent cumulative_percent\n",
			bench, order[k], total);
		long cum = 0;
		/* every bucket from the lowest to the highest, empty ones too, so the steps are right */
		for (int b = lo - 1; b <= hi + 1; b++) {
			long c = 0;

			for (int i = 0; i < nhists; i++)
				if (!strcmp(hists[i].bench, bench) && !strcmp(hists[i].peer, order[k]) &&
				    hists[i].bucket == b)
					c = hists[i].count;
			if (100.0 * cum / total < 0.1 && 100.0 * (cum + c) / total >= 0.1)
				xlo = fmin(xlo, pow(10, b / 20.0) / 1e3);
			if (100.0 * cum / total < 99.9 && 100.0 * (cum + c) / total >= 99.9)
				xhi = fmax(xhi, pow(10, (b + 1) / 20.0) / 1e3);
			cum += c;
			fprintf(f, "%.4f %.4f %.4f %.4f\n", pow(10, b / 20.0) / 1e3,
				pow(10, (b + 1) / 20.0) / 1e3, 100.0 * c / total, 100.0 * cum / total);
		}
		fclose(f);
		strcat(peers, order[k]);
		strcat(peers, " ");
	}
	snprintf(path, sizeof(path), "%s/%s.peers", dir, bench);
	f = fopen(path, "w");
	if (!f)
		die("cannot write ", path);
	fprintf(f, "%s\n", peers);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.range", dir, bench);
	f = fopen(path, "w");
	if (!f)
		die("cannot write ", path);
	if (xhi > 0)
		fprintf(f, "%g %g\n", xlo / 1.5, xhi * 1.5);
	else
		fprintf(f, "1 100000\n");
	fclose(f);
}

int main(int argc, char **argv)
{
	FILE *json;
	int missing = 0, first = 1;
	char a[32], b[32];

	if (argc != 4)
		die("usage: report RAW JSON PLOTDIR", NULL);
	parse(argv[1]);
	json = fopen(argv[2], "w");
	if (!json)
		die("cannot write ", argv[2]);

	printf("%-36s %-12s %-22s %-11s %-9s %-9s %s\n", "benchmark", "sabuf", "peer",
	       "peer value", "ratio", "goal", "met");
	printf("%-36s %-12s %-22s %-11s %-9s %-9s %s\n", "---------", "-----", "----",
	       "----------", "-----", "----", "---");
	fprintf(json, "{\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		double sabuf, peer, v;
		int n, ok;
		char goal[16] = "-", ratio_s[24] = "-";

		v = row_value(r, &sabuf, &peer, &n);
		if (r->goal == AT_MOST)
			snprintf(goal, sizeof(goal), "<= %.2f", r->target > 1.004 && r->target < 1.006 ? 1.0 : r->target);
		else if (r->goal == AT_LEAST)
			snprintf(goal, sizeof(goal), ">= %.0fx", r->target);
		else if (r->goal == EXACTLY)
			snprintf(goal, sizeof(goal), "= %.0f", r->target);
		if (r->unit == TIME || r->unit == INSTR)
			snprintf(ratio_s, sizeof(ratio_s), isnan(v) ? "-" : r->inverse ? "%.1fx" : "%.3f", v);
		ok = isnan(v) ? 0 : met(r, v);
		printf("%-36s %-12s %-22s %-11s %-9s %-9s %s\n", r->label,
		       r->unit == COUNT || r->unit == BYTES ? fmt_value(r, v, a, sizeof(a)) :
							    fmt_value(r, sabuf, a, sizeof(a)),
		       r->peer_label ? r->peer_label : "-",
		       r->peer ? fmt_value(r, peer, b, sizeof(b)) : "-", ratio_s, goal,
		       r->goal == NONE ? "" : isnan(v) ? "NO DATA" : ok ? "yes" : "NO");
		if (!r->key)
			continue;
		fprintf(json, "%s  \"%s\": ", first ? "" : ",\n", r->key);
		first = 0;
		if (isnan(v)) {
			fprintf(json, "null");
			missing++;
		} else if (r->unit == COUNT || r->unit == BYTES) {
			fprintf(json, "%.0f", v);
		} else {
			fprintf(json, "%.4g", v);
		}
	}
	fprintf(json, "\n}\n");
	fclose(json);

	printf("\nRatios: sabuf time / peer time, the median over rounds of each round's ratio "
	       "(speedup: the inverse).\nsabuf and peer values: medians over rounds.");
	if (!isnan(named(infos, ninfos, "vm_rounds")))
		printf(" %.0f rounds, %.0f ms per measurement, %.0f CPUs.",
		       named(infos, ninfos, "vm_rounds"), named(infos, ninfos, "vm_budget_ms"),
		       named(infos, ninfos, "vm_cpus"));
	printf("\n");
	if (!isnan(named(counts, ncounts, "seccomp_control_traps")))
		printf("System calls counted by a seccomp filter (SECCOMP_RET_TRAP); "
		       "its controls trapped %.0f of 2 (the waiting control also read the clock "
		       "through %.0f clock_gettime system call(s)).\n",
		       named(counts, ncounts, "seccomp_control_traps"),
		       named(infos, ninfos, "seccomp_control_clock_traps"));
	if (!isnan(named(infos, ninfos, "memory_sabuf_kernel"))) {
		double k = named(infos, ninfos, "memory_sabuf_kernel");
		double slab = named(infos, ninfos, "memory_sabuf_slab");
		double pt = named(infos, ninfos, "memory_sabuf_page_tables");

		printf("Memory per 4 KiB buffer (10^4 of them): sabuf %.0f B = 4096 data + %.0f slab + "
		       "%.0f page tables + %.0f other pages; "
		       "memfd %.0f B.\n", k + 4096, slab, pt, k - slab - pt,
		       named(infos, ninfos, "memory_memfd_kernel") + 4096);
	}
	if (!isnan(named(infos, ninfos, "create_1g_pmd_kb_sabuf")))
		printf("PMD-mapped after the 1 GiB touches (smaps_rollup ShmemPmdMapped, first round): "
		       "sabuf %.0f MiB, memfd %.0f MiB, memfd_thp %.0f MiB.\n",
		       named(infos, ninfos, "create_1g_pmd_kb_sabuf") / 1024,
		       named(infos, ninfos, "create_1g_pmd_kb_memfd") / 1024,
		       named(infos, ninfos, "create_1g_pmd_kb_memfd_thp") / 1024);
	if (nfailed)
		printf("%d measurement(s) FAILED in the VM: see the log.\n", nfailed);

	write_plot(argv[3], "pingpong_threads");
	write_plot(argv[3], "pingpong_procs");
	if (missing)
		fprintf(stderr, "report: %d key(s) without data in %s\n", missing, argv[2]);
	return missing || nfailed ? 1 : 0;
}
