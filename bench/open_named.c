// SPDX-License-Identifier: GPL-2.0
/*
 * Opening a named buffer that exists, as a process that meets another by
 * name does: sabuf_open(name, O_RDWR) (SABUF_IOC_OPEN, SABUF_IOC_INFO,
 * the data and counter mmaps) + sabuf_destroy (munmaps, close), against
 * POSIX shared memory: shm_open of an existing /dev/shm object + mmap
 * (MAP_SHARED) + munmap + close. Both objects are 64 KiB (--count), made
 * once before the timing; nothing is touched.
 *
 *   open_named --peer sabuf|shm [--round N] [--budget-ms MS] [--count BYTES]
 *
 * Prints the median ns of one open+map+unmap+close as @result open_named.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

static const char *const peers[] = { "sabuf", "shm", NULL };

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct samples s;
	size_t len;
	char name[64];
	uint64_t end;

	bench_parse(argc, argv, &o, peers);
	len = o.count > 0 ? (size_t)o.count : 64 * 1024;
	snprintf(name, sizeof(name), "bench-open-named-%d", (int)getpid());
	samples_init(&s, 1 << 20);

	if (!strcmp(o.peer, "sabuf")) {
		struct sabuf *sb;

		CHECK_NEG(sabuf_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, len, &sb));
		sabuf_destroy(sb);
		end = now_ns() + (uint64_t)(o.budget_ms * 1e6);
		for (int warm = 0; now_ns() < end; warm++) {
			uint64_t t0 = ticks();

			CHECK_NEG(sabuf_open(name, O_RDWR, 0, 0, &sb));
			sabuf_destroy(sb);
			if (warm >= 10)
				samples_add(&s, ticks_to_ns(ticks() - t0));
		}
		CHECK_NEG(sabuf_unlink(name));
	} else {
		int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

		CHECK_SYS(fd);
		CHECK_SYS(ftruncate(fd, (off_t)len));
		close(fd);
		end = now_ns() + (uint64_t)(o.budget_ms * 1e6);
		for (int warm = 0; now_ns() < end; warm++) {
			uint64_t t0 = ticks();
			void *p;

			fd = shm_open(name, O_RDWR, 0);
			CHECK_SYS(fd);
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED)
				die("mmap: %m");
			munmap(p, len);
			close(fd);
			if (warm >= 10)
				samples_add(&s, ticks_to_ns(ticks() - t0));
		}
		CHECK_SYS(shm_unlink(name));
	}
	if (!s.n)
		die("no samples: raise --budget-ms");
	bench_result("open_named", &o, samples_median(&s));
	samples_free(&s);
	return 0;
}
