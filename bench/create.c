// SPDX-License-Identifier: GPL-2.0
/*
 * Create, map and touch 1 GiB: sabuf_create() (open, SABUF_IOC_CREATE
 * allocating and zeroing every page, SABUF_IOC_INFO, two mmaps) and a
 * write to every 4 KiB page, against a memfd: memfd_create + ftruncate +
 * mmap(MAP_SHARED) and a write to every 4 KiB page (shmem allocates and
 * zeroes on the fault). Two memfd peers:
 *
 *   memfd      on 4 KiB pages: MADV_NOHUGEPAGE, so that no system-wide
 *              shmem_enabled setting can give it huge pages
 *   memfd_thp  with transparent huge pages, as a user gets them: the VM's
 *              /sys/kernel/mm/transparent_hugepage/shmem_enabled set to
 *              "advise" for the run (and put back after), then
 *              madvise(MADV_HUGEPAGE) on the mapping before the touches
 *
 * sabuf needs no setting: the module's own tmpfs mount is huge=within_size.
 * After the touches (outside the timed part) each peer reports how much of
 * its mapping is PMD-mapped (smaps_rollup ShmemPmdMapped) as
 * @info create_1g_pmd_kb_PEER. The teardown (sabuf_destroy / munmap +
 * close) is timed apart and reported for the table only (create_1g_teardown).
 *
 *   create --peer sabuf|memfd|memfd_thp [--round N] [--count BYTES]   (default 1 GiB)
 *
 * Prints ns for the whole create+map+touch as @result create_1g.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

#define SHMEM_ENABLED "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

static const char *const peers[] = { "sabuf", "memfd", "memfd_thp", NULL };

static void touch(volatile char *p, size_t len, size_t page)
{
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
}

/* ShmemPmdMapped of this process, in kB (-1 if unknown). */
static long shmem_pmd_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "ShmemPmdMapped: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* The bracketed word of shmem_enabled ("always within_size advise [never] deny force"). */
static void shmem_enabled_get(char *out, size_t len)
{
	FILE *f = fopen(SHMEM_ENABLED, "r");
	char line[256] = "", *a, *b;

	if (!f || !fgets(line, sizeof(line), f))
		die("cannot read " SHMEM_ENABLED " (no transparent huge pages?): %m");
	fclose(f);
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b)
		die("cannot parse " SHMEM_ENABLED ": %s", line);
	*b = 0;
	snprintf(out, len, "%s", a + 1);
}

static void shmem_enabled_set(const char *value)
{
	FILE *f = fopen(SHMEM_ENABLED, "w");

	if (!f || fputs(value, f) < 0 || fclose(f))
		die("cannot write '%s' to " SHMEM_ENABLED " (root needed): %m", value);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t t0, t1, t2;
	char saved[32] = "";
	char name[64];
	long pmd_kb;

	bench_parse(argc, argv, &o, peers);
	len = o.count > 0 ? (size_t)o.count : (size_t)1 << 30;

	if (!strcmp(o.peer, "sabuf")) {
		struct sabuf *sb;

		t0 = now_ns();
		CHECK_NEG(sabuf_create(len, &sb));
		touch(sabuf_data(sb), len, page);
		t1 = now_ns();
		pmd_kb = shmem_pmd_kb();
		sabuf_destroy(sb);
		t2 = now_ns();
	} else {
		bool thp = !strcmp(o.peer, "memfd_thp");
		int fd;
		void *p;

		if (thp) {
			shmem_enabled_get(saved, sizeof(saved));
			shmem_enabled_set("advise");
		}
		t0 = now_ns();
		fd = memfd_create("bench", MFD_CLOEXEC);
		CHECK_SYS(fd);
		CHECK_SYS(ftruncate(fd, (off_t)len));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap: %m");
		CHECK_SYS(madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE));
		touch(p, len, page);
		t1 = now_ns();
		pmd_kb = shmem_pmd_kb();
		munmap(p, len);
		close(fd);
		t2 = now_ns();
		if (thp)
			shmem_enabled_set(saved);
	}
	bench_result("create_1g", &o, (double)(t1 - t0));
	bench_result("create_1g_teardown", &o, (double)(t2 - t1));
	snprintf(name, sizeof(name), "create_1g_pmd_kb_%s", o.peer);
	bench_info(name, (double)pmd_kb);
	bench_progress("create+map+touch %zu MiB %-9s round %d: %9.1f ms (teardown %.1f ms), "
		       "%ld MiB PMD-mapped", len >> 20, o.peer, o.round, (t1 - t0) / 1e6,
		       (t2 - t1) / 1e6, pmd_kb < 0 ? pmd_kb : pmd_kb >> 10);
	return 0;
}
