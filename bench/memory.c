// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel memory per buffer: the kernel's page and slab counters before and
 * after creating --count (default 10^4) small buffers with sabuf_create()
 * (one page each, mapped as libsabuf maps it: data + counter page), then
 * the same for memfd_create + ftruncate + mmap + a touch (shmem allocates
 * its page on the first touch), for reference.
 *
 * Pages come from /proc/vmstat's event counters: the sum of pgalloc_* minus
 * pgfree is exactly the pages allocated in between, wherever they went
 * (MemFree would miss pages that sit in the per-CPU lists). The split comes
 * from the other /proc/vmstat counters (after vm.stat_refresh) and, per
 * cache, from /proc/slabinfo:
 *
 *   kernel bytes per buffer = (pages allocated - this process's anon pages)
 *                             * page size / count - the buffer's own data
 *
 * i.e. everything the kernel spent per buffer beyond the bytes the user
 * asked for and beyond this process's heap (libsabuf's 64-byte handle lives
 * there). Root is needed for /proc/slabinfo, vm.stat_refresh and the fd
 * limit.
 *
 *   memory [--count N]
 *
 * Prints @result kernel_bytes_per_buffer, and the breakdown as @info lines.
 *
 * Then kernel memory per pending asynchronous wait: --count waits in one
 * waitset, spread over the 1024 words of one 4 KiB buffer (about ten per
 * queue), measured the same way: @result async_bytes_per_pending_wait
 * (everything the kernel holds for them: the waits, their queues, the
 * queues' index nodes).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

#define BUFFER_BYTES	4096
#define MAX_CACHES	512

struct snapshot {
	long pages;		/* sum of pgalloc_* - pgfree: pages held since boot */
	long anon, page_tables;	/* pages */
	long slab;		/* pages */
	int ncaches;
	struct { char name[64]; long bytes; } caches[MAX_CACHES];
};

static void snap(struct snapshot *s)
{
	char line[512];
	FILE *f;
	int fd;

	/* let RCU-freed objects settle, then fold the per-CPU counter deltas */
	usleep(200000);
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1\n", 2) < 0)
			bench_progress("warning: vm.stat_refresh: %m");
		close(fd);
	}
	memset(s, 0, offsetof(struct snapshot, ncaches));
	f = fopen("/proc/vmstat", "r");
	if (!f)
		die("/proc/vmstat: %m");
	while (fgets(line, sizeof(line), f)) {
		char key[64];
		long v;

		if (sscanf(line, "%63s %ld", key, &v) != 2)
			continue;
		if (!strncmp(key, "pgalloc_", 8))
			s->pages += v;
		else if (!strcmp(key, "pgfree"))
			s->pages -= v;
		else if (!strcmp(key, "nr_anon_pages"))
			s->anon = v;
		else if (!strcmp(key, "nr_page_table_pages"))
			s->page_tables = v;
		else if (!strcmp(key, "nr_slab_reclaimable") ||
			 !strcmp(key, "nr_slab_unreclaimable"))
			s->slab += v;	/* pages */
	}
	fclose(f);

	s->ncaches = 0;
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return;		/* not root: no per-cache breakdown */
	while (fgets(line, sizeof(line), f) && s->ncaches < MAX_CACHES) {
		char name[64];
		long active, total, size;

		if (line[0] == '#' || sscanf(line, "%63s %ld %ld %ld", name, &active, &total, &size) != 4)
			continue;
		snprintf(s->caches[s->ncaches].name, sizeof(s->caches[0].name), "%s", name);
		s->caches[s->ncaches].bytes = total * size;
		s->ncaches++;
	}
	fclose(f);
}

/* Print the slab caches that grew the most, per buffer (consumes b's numbers). */
static void slab_growth(const char *what, const struct snapshot *a,
			struct snapshot *b, long count)
{
	for (int shown = 0; shown < 6; shown++) {
		long best = 0;
		int bi = -1;

		for (int i = 0; i < b->ncaches; i++) {
			long before = 0, d;

			for (int j = 0; j < a->ncaches; j++)
				if (!strcmp(a->caches[j].name, b->caches[i].name))
					before = a->caches[j].bytes;
			d = b->caches[i].bytes - before;
			if (d > best) {
				best = d;
				bi = i;
			}
		}
		if (bi < 0 || best / count < 8)
			break;
		bench_progress("    %s slab growth: %-24s %6.0f bytes per buffer",
			       what, b->caches[bi].name, (double)best / count);
		/* shown: take its growth out of b, so the next pass finds the next one */
		b->caches[bi].bytes -= best;
	}
}

struct cost {
	double total, anon, slab, page_tables, kernel;
};

static struct cost per_buffer(const struct snapshot *a, const struct snapshot *b, long count)
{
	const double page = (double)sysconf(_SC_PAGESIZE);
	struct cost c;

	c.total = (double)(b->pages - a->pages) * page / count;
	c.anon = (double)(b->anon - a->anon) * page / count;
	c.slab = (double)(b->slab - a->slab) * page / count;
	c.page_tables = (double)(b->page_tables - a->page_tables) * page / count;
	c.kernel = c.total - c.anon - BUFFER_BYTES;
	return c;
}

static void report(const char *what, struct cost c)
{
	char key[64];

	snprintf(key, sizeof(key), "memory_%s_total", what);
	bench_info(key, c.total);
	snprintf(key, sizeof(key), "memory_%s_slab", what);
	bench_info(key, c.slab);
	snprintf(key, sizeof(key), "memory_%s_page_tables", what);
	bench_info(key, c.page_tables);
	snprintf(key, sizeof(key), "memory_%s_kernel", what);
	bench_info(key, c.kernel);
	bench_progress("memory, %-6s: %6.0f bytes per %d-byte buffer beyond its data "
		       "(system total %.0f = data %d + slab %.0f + page tables %.0f + other %.0f; "
		       "own heap %.0f not counted)",
		       what, c.kernel, BUFFER_BYTES, c.total - c.anon, BUFFER_BYTES, c.slab,
		       c.page_tables, c.total - c.anon - BUFFER_BYTES - c.slab - c.page_tables,
		       c.anon);
}

int main(int argc, char **argv)
{
	static struct snapshot before, after;
	struct bench_opts o;
	struct rlimit rl;
	struct sabuf **bufs;
	struct cost c;
	long i;

	bench_parse(argc, argv, &o, NULL);
	if (!o.count)
		o.count = 10000;
	rl.rlim_cur = rl.rlim_max = (rlim_t)o.count + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE, %ld): %m (run as root)", o.count + 64);
	bufs = calloc(o.count, sizeof(*bufs));
	if (!bufs)
		die("out of memory");
	memset(bufs, 0, o.count * sizeof(*bufs));	/* touched before the snapshot */

	/* one create first: the fd table and any first-use allocations grow now */
	{
		struct sabuf *warm;

		CHECK_NEG(sabuf_create(BUFFER_BYTES, &warm));
		sabuf_destroy(warm);
	}
	snap(&before);
	for (i = 0; i < o.count; i++)
		CHECK_NEG(sabuf_create(BUFFER_BYTES, &bufs[i]));
	snap(&after);
	c = per_buffer(&before, &after, o.count);
	bench_result("kernel_bytes_per_buffer", &(struct bench_opts){ .peer = "sabuf", .round = 1 },
		     c.kernel);
	report("sabuf", c);
	slab_growth("sabuf", &before, &after, o.count);
	for (i = 0; i < o.count; i++)
		sabuf_destroy(bufs[i]);

	/* pending asynchronous waits */
	{
		struct sabuf_waitset *ws;
		struct sabuf *sb;
		int32_t *words;

		CHECK_NEG(sabuf_create(BUFFER_BYTES, &sb));
		CHECK_NEG(sabuf_waitset_create(&ws));
		words = sabuf_data(sb);
		/* one wait first: first-use allocations happen now */
		if (sabuf_wait32_async(ws, sb, &words[0], 0, SABUF_FOREVER, 0) != SABUF_PENDING ||
		    sabuf_waitset_cancel(ws, 0))
			die("sabuf_wait32_async: not pending");
		snap(&before);
		for (i = 0; i < o.count; i++)
			if (sabuf_wait32_async(ws, sb, &words[i % (BUFFER_BYTES / 4)], 0,
					       SABUF_FOREVER, (uint64_t)i) != SABUF_PENDING)
				die("sabuf_wait32_async %ld: not pending", i);
		snap(&after);
		c = per_buffer(&before, &after, o.count);
		c.kernel += BUFFER_BYTES;	/* no data of its own */
		bench_result("async_bytes_per_pending_wait",
			     &(struct bench_opts){ .peer = "sabuf", .round = 1 }, c.kernel);
		bench_progress("memory, async : %6.0f bytes per pending wait (%ld waits on %d words; "
			       "slab %.0f, other %.0f)", c.kernel, o.count, BUFFER_BYTES / 4, c.slab,
			       c.kernel - c.slab);
		slab_growth("async", &before, &after, o.count);
		sabuf_waitset_destroy(ws);
		sabuf_destroy(sb);
	}

	/* memfd, the same way */
	{
		int *fds = calloc(o.count, sizeof(*fds));

		if (!fds)
			die("out of memory");
		memset(fds, 0, o.count * sizeof(*fds));
		snap(&before);
		for (i = 0; i < o.count; i++) {
			char *p;

			fds[i] = memfd_create("bench", MFD_CLOEXEC);
			CHECK_SYS(fds[i]);
			CHECK_SYS(ftruncate(fds[i], BUFFER_BYTES));
			p = mmap(NULL, BUFFER_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
			if (p == MAP_FAILED)
				die("mmap: %m");
			p[0] = 1;
		}
		snap(&after);
		c = per_buffer(&before, &after, o.count);
		bench_result("kernel_bytes_per_buffer", &(struct bench_opts){ .peer = "memfd", .round = 1 },
			     c.kernel);
		report("memfd", c);
		slab_growth("memfd", &before, &after, o.count);
	}
	return 0;
}
