// SPDX-License-Identifier: GPL-2.0
/*
 * Create, map and touch 1 GiB: sabuf_create() (open, SABUF_IOC_CREATE
 * allocating and zeroing every page, SABUF_IOC_INFO, two mmaps) and a
 * write to every page, against memfd_create + ftruncate + mmap(MAP_SHARED)
 * and a write to every page (shmem allocates and zeroes on the fault).
 * The teardown (sabuf_destroy / munmap + close) is timed apart and
 * reported for the table only (create_1g_teardown).
 *
 *   create --peer sabuf|memfd [--round N] [--count BYTES]   (default 1 GiB)
 *
 * Prints ns for the whole create+map+touch as @result create_1g.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

static const char *const peers[] = { "sabuf", "memfd", NULL };

static void touch(volatile char *p, size_t len, size_t page)
{
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t t0, t1, t2;

	bench_parse(argc, argv, &o, peers);
	len = o.count > 0 ? (size_t)o.count : (size_t)1 << 30;

	if (!strcmp(o.peer, "sabuf")) {
		struct sabuf *sb;

		t0 = now_ns();
		CHECK_NEG(sabuf_create(len, &sb));
		touch(sabuf_data(sb), len, page);
		t1 = now_ns();
		sabuf_destroy(sb);
		t2 = now_ns();
	} else {
		int fd;
		void *p;

		t0 = now_ns();
		fd = memfd_create("bench", MFD_CLOEXEC);
		CHECK_SYS(fd);
		CHECK_SYS(ftruncate(fd, (off_t)len));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap: %m");
		touch(p, len, page);
		t1 = now_ns();
		munmap(p, len);
		close(fd);
		t2 = now_ns();
	}
	bench_result("create_1g", &o, (double)(t1 - t0));
	bench_result("create_1g_teardown", &o, (double)(t2 - t1));
	bench_progress("create+map+touch %zu MiB %-8s round %d: %9.1f ms (teardown %.1f ms)",
		       len >> 20, o.peer, o.round, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
	return 0;
}
