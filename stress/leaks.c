// SPDX-License-Identifier: GPL-2.0
/*
 * leaks: many create/map/touch/destroy cycles of mixed sizes (1 byte to a
 * few MiB), in the ways a buffer can end: munmap then close, close then
 * munmap, a forked child's mappings, an fd passed over a unix socket, a
 * handle never created, a create that fails; a quarter of the buffers are
 * growable (created shorter, mapped whole, touched up to their length,
 * grown to the maximum, touched again), and a third get a read-only dup
 * (mapped read-only, closed before or after the original). Afterwards the memory must be
 * back: MemFree, Slab and Percpu (from /proc/meminfo, after dropping
 * caches and shrinking the slab caches on both sides) within --tolerance
 * percent of where they started, no buffer left in the module (netlink),
 * and kmemleak, when the kernel has it, reporting nothing about sabuf.
 * Before each measurement the module is reloaded (when root and idle):
 * that makes the kernel purge the address space vfree() frees lazily (see
 * purge_lazy_vfree()); debug kernels' bookkeeping caches are not counted.
 *
 * Usage: leaks [--cycles N (10000)] [--max-bytes B (4M)] [--seed N]
 *              [--tolerance PCT (1)] [--progress S]
 */
#include "common.h"
#include "genl.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define PAGE 4096UL

static uint64_t opt_cycles = 10000, opt_max_bytes = 4 << 20, seed;
static unsigned int opt_tolerance = 1, opt_progress = 5;
static uint64_t bytes_created, pages_touched;

struct mem {
	long free_kb, slab_kb, percpu_kb;
};

/*
 * vfree() only queues the address space (and, with KASAN, its shadow) for
 * a lazy purge; our page arrays over one page are vmalloc'ed, so thousands
 * of them wait there. Loading a module makes the kernel purge the queue
 * (set_memory_*() calls vm_unmap_aliases()), so reloading sabuf, idle at
 * this point, flushes it. Best effort: nothing happens if it is in use.
 */
static void purge_lazy_vfree(void)
{
	char *rmmod[] = { "rmmod", "sabuf", NULL }, *modprobe[] = { "modprobe", "sabuf", NULL };

	if (!geteuid() && !run_command(rmmod, true) && run_command(modprobe, false))
		die("modprobe sabuf failed after the purge's rmmod");
}

/* Caches dropped, every slab cache shrunk, a moment to let RCU-freed objects go. */
static void settle(void)
{
	DIR *d;
	struct dirent *e;
	char path[300];

	purge_lazy_vfree();
	for (int round = 0; round < 2; round++) {
		sync();
		write_file("/proc/sys/vm/drop_caches", "3");
		d = opendir("/sys/kernel/slab");
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
			write_file(path, "1");
		}
		if (d)
			closedir(d);
		write_file("/proc/sys/vm/compact_memory", "1");
		sleep_ns(NSEC_PER_SEC);
	}
}

/*
 * The debugging caches (kmemleak's and debugobjects' bookkeeping) follow
 * what the debug machinery does, not what the module keeps: Slab is
 * compared without them.
 */
static const char *const debug_caches[] = {
	"kmemleak_object", "kmemleak_scan_area", "debug_objects_cache",
};

static long cache_kb(const char *name)
{
	char path[300], line[64];
	long slabs, order;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/slabs", name);
	if (read_file_line(path, line, sizeof(line)))
		return 0;
	slabs = strtol(line, NULL, 10);
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/order", name);
	if (read_file_line(path, line, sizeof(line)))
		return 0;
	order = strtol(line, NULL, 10);
	return (slabs << order) * (long)(PAGE / 1024);
}

/*
 * Free pages held in the per-cpu lists (/proc/zoneinfo's pagesets "count:")
 * are not in MemFree; after a burst of frees those lists are full. They are
 * free memory all the same, so they count as free here.
 */
static long pcp_free_kb(void)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	char line[256];
	long pages = 0, n;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pages += n;
	fclose(f);
	return pages * (long)(PAGE / 1024);
}

static struct mem measure(void)
{
	struct mem m;

	settle();
	m.free_kb = meminfo_kb("MemFree") + pcp_free_kb();
	m.slab_kb = meminfo_kb("Slab");
	for (unsigned int i = 0; i < ARRAY_SIZE(debug_caches); i++)
		m.slab_kb -= cache_kb(debug_caches[i]);
	m.percpu_kb = meminfo_kb("Percpu");
	return m;
}

static uint64_t pick_size(struct rng *r)
{
	unsigned int k = (unsigned int)rng_below(r, 100);
	uint64_t max = opt_max_bytes;

	if (k < 5)
		return 1;
	if (k < 30)
		return rng_range(r, 1, PAGE < max ? PAGE : max);
	if (k < 60)
		return rng_range(r, 1, (64 << 10) < max ? (64 << 10) : max);
	if (k < 85)
		return rng_range(r, 1, (1 << 20) < max ? (1 << 20) : max);
	return rng_range(r, 1, max);
}

static void touch_all(char *data, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE)
		data[off] = (char)(off >> 12 | 1);
	pages_touched += len / PAGE;
}

static void fail_cycle(uint64_t cycle, const char *what, int err)
{
	die("cycle %llu: %s: %s", (unsigned long long)cycle, what, strerror(-err));
}

/* One buffer, from open to the end, one of several ways. */
static void cycle(struct rng *r, uint64_t n)
{
	unsigned int way = (unsigned int)rng_below(r, 100);
	uint64_t size = pick_size(r);
	bool growable = rng_chance(r, 25), ro_last = rng_chance(r, 50);
	struct sabuf_info info;
	void *data, *ctrs;
	int fd, ro = -1, ret, status;

	fd = sb_open(O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail_cycle(n, "open", fd);
	if (way < 5) {			/* a handle never given a buffer */
		close(fd);
		return;
	}
	if (way < 9) {			/* a create that fails */
		ret = sb_create(fd, 1ULL << 62);
		if (ret != -EFBIG)
			fail_cycle(n, "a create of 2^62 bytes should fail with EFBIG", ret);
		close(fd);
		return;
	}
	ret = growable ? sb_create_growable(fd, rng_below(r, size + 1), size) : sb_create(fd, size);
	if (!ret)
		ret = sb_info(fd, &info);
	if (ret)
		fail_cycle(n, growable ? "create growable" : "create", ret);
	bytes_created += size;

	if (way < 17) {			/* passed over a unix socket, the original closed */
		char cbuf[CMSG_SPACE(sizeof(int))] __attribute__((aligned(8))) = { 0 };
		char byte = 0;
		struct iovec iov = { &byte, 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
			fail_cycle(n, "socketpair", -errno);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		if (sendmsg(sv[0], &msg, 0) < 0 || recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC) < 0)
			fail_cycle(n, "SCM_RIGHTS", -errno);
		close(fd);
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
		close(sv[0]);
		close(sv[1]);
	}

	if (rng_chance(r, 33)) {	/* a read-only dup, mapped read-only */
		void *p;

		ro = sb_dup_readonly(fd);
		if (ro < 0)
			fail_cycle(n, "dup read-only", ro);
		p = mmap(NULL, info.map_length, PROT_READ, MAP_SHARED, ro, 0);
		if (p == MAP_FAILED)
			fail_cycle(n, "mmap of the read-only dup", -errno);
		munmap(p, info.map_length);
	}

	data = mmap(NULL, info.map_length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ctrs = mmap(NULL, info.counters_length, PROT_READ, MAP_SHARED, fd, (off_t)info.counters_offset);
	if (data == MAP_FAILED || ctrs == MAP_FAILED)
		fail_cycle(n, "mmap", -errno);
	if (growable) {
		/* pages past the length would SIGBUS: touch up to it, grow, touch all */
		touch_all(data, (info.byte_length + PAGE - 1) & ~(PAGE - 1));
		ret = sb_grow(fd, size);
		if (ret)
			fail_cycle(n, "grow", ret);
	}
	touch_all(data, info.map_length);
	/* the wait and notify paths, which take nothing to keep (a buffer of
	 * fewer than 4 bytes holds no 32-bit word: ERANGE) */
	ret = sb_wait(fd, 0, 0, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, 0);
	if (size < 4 ? ret != -ERANGE : ret != -ETIMEDOUT && ret != -EAGAIN)
		fail_cycle(n, "wait", ret ? ret : -EPROTO);
	ret = sb_notify(fd, 0, SABUF_NOTIFY_ALL);
	if (size < 4 ? ret != -ERANGE : ret != 0)
		fail_cycle(n, "notify", ret ? ret : -EPROTO);

	if (way < 25) {			/* a child maps it too, and exits with it mapped */
		pid_t pid = fork();

		if (pid < 0)
			fail_cycle(n, "fork", -errno);
		if (!pid) {
			touch_all(data, info.map_length);
			_exit(0);
		}
		waitpid(pid, &status, 0);
	}
	if (ro >= 0 && !ro_last)
		close(ro);
	if (way < 45) {			/* the fd first, the mappings keep it alive */
		close(fd);
		munmap(ctrs, info.counters_length);
		munmap(data, info.map_length);
	} else {
		munmap(ctrs, info.counters_length);
		munmap(data, info.map_length);
		close(fd);
	}
	if (ro >= 0 && ro_last)		/* the read-only dup alone keeps it */
		close(ro);
}

static void count_ours(const struct sabuf_nl_buffer *b, void *arg)
{
	if (b->creator_pid == (uint32_t)getpid())
		(*(int *)arg)++;
}

static int buffers_left(void)
{
	int sock = genl_open(), family, ours = 0, ret;

	family = sock >= 0 ? genl_family_id(sock, SABUF_GENL_NAME) : sock;
	if (family < 0)
		die("netlink family %s: %s", SABUF_GENL_NAME, strerror(-family));
	ret = sabuf_nl_dump(sock, family, count_ours, &ours);
	close(sock);
	if (ret < 0)
		die("netlink dump: %s", strerror(-ret));
	return ours;
}

/* Each slab cache's size (slabs << order pages), to name the ones that grew. */
#define MAX_CACHES 512
struct cache_size {
	char name[64];
	long kb;
};

static unsigned int cache_sizes(struct cache_size *out)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	unsigned int n = 0;

	while (d && (e = readdir(d)) && n < MAX_CACHES) {
		char path[300], line[64];
		long slabs, order;

		/* the real caches are directories; aliases are symlinks to them */
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/slabs", e->d_name);
		if (read_file_line(path, line, sizeof(line)))
			continue;
		slabs = strtol(line, NULL, 10);
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/order", e->d_name);
		if (read_file_line(path, line, sizeof(line)))
			continue;
		order = strtol(line, NULL, 10);
		snprintf(out[n].name, sizeof(out[n].name), "%.63s", e->d_name);
		out[n++].kb = (slabs << order) * (long)(PAGE / 1024);
	}
	if (d)
		closedir(d);
	return n;
}

/* Name the caches that grew most between two snapshots. */
static void report_cache_growth(const struct cache_size *a, unsigned int na,
				struct cache_size *b, unsigned int nb)
{
	for (int shown = 0; shown < 8; shown++) {
		long best = 0;
		int at = -1;

		for (unsigned int j = 0; j < nb; j++) {
			long before = 0, d;

			for (unsigned int i = 0; i < na; i++)
				if (!strcmp(a[i].name, b[j].name))
					before = a[i].kb;
			d = b[j].kb - before;
			if (b[j].kb >= 0 && d > best) {
				best = d;
				at = (int)j;
			}
		}
		if (at < 0)
			break;
		say("  slab cache %s grew by %ld kB", b[at].name, best);
		b[at].kb = -1;	/* shown: skip it next time */
	}
}

/* after - before, as a percentage of before. */
static double pct(long before, long after)
{
	return before ? 100.0 * (double)(after - before) / (double)before : 0;
}

int main(int argc, char **argv)
{
	struct mem before, after;
	struct rng r;
	const char *v;
	double start, last;
	uint64_t i;
	bool ok = true, mem_ok = false;
	int leaks, all_leaks, left, tries;
	static struct cache_size caches_before[MAX_CACHES];
	unsigned int nr_caches_before;

	stress_init("leaks");
	seed = stress_default_seed();
	for (int a = 1; a < argc; a++) {
		if (opt_value(argc, argv, &a, "--cycles", &v))
			opt_cycles = parse_u64("--cycles", v);
		else if (opt_value(argc, argv, &a, "--max-bytes", &v))
			opt_max_bytes = parse_u64("--max-bytes", v);
		else if (opt_value(argc, argv, &a, "--seed", &v))
			seed = parse_u64("--seed", v);
		else if (opt_value(argc, argv, &a, "--tolerance", &v))
			opt_tolerance = (unsigned int)parse_u64("--tolerance", v);
		else if (opt_value(argc, argv, &a, "--progress", &v))
			opt_progress = (unsigned int)parse_u64("--progress", v);
		else {
			printf("usage: leaks [--cycles N] [--max-bytes B] [--seed N] [--tolerance PCT] [--progress S]\n");
			return strcmp(argv[a], "--help") && strcmp(argv[a], "-h") ? STRESS_FAIL : 0;
		}
	}
	if (!opt_max_bytes)
		opt_max_bytes = 1;
	if (geteuid())
		say("warning: not root: caches cannot be dropped, the memory check is rough");
	r = rng_derive(seed, 0, 0);
	say("seed %#llx; %llu cycles of 1 byte .. %llu bytes", (unsigned long long)seed,
	    (unsigned long long)opt_cycles, (unsigned long long)opt_max_bytes);

	kmemleak_clear();
	/* Warm up, so that one-time allocations (page tables, caches) are made. */
	for (i = 0; i < 200; i++)
		cycle(&r, i);
	before = measure();
	nr_caches_before = cache_sizes(caches_before);
	bytes_created = pages_touched = 0;

	start = last = mono_seconds();
	for (i = 0; i < opt_cycles; i++) {
		cycle(&r, i);
		if (mono_seconds() - last >= opt_progress) {
			last = mono_seconds();
			say("%6.1f s: %llu cycles, %llu MiB created, %llu pages touched",
			    last - start, (unsigned long long)i + 1,
			    (unsigned long long)(bytes_created >> 20), (unsigned long long)pages_touched);
		}
	}
	say("%llu cycles in %.1f s: %llu MiB created, %llu pages touched",
	    (unsigned long long)opt_cycles, mono_seconds() - start,
	    (unsigned long long)(bytes_created >> 20), (unsigned long long)pages_touched);

	left = buffers_left();
	if (left) {
		complain("%d of our buffers are still listed by the module", left);
		ok = false;
	}

	/* Memory comes back within the tolerance (transients get a few chances). */
	for (tries = 0; tries < 5 && !mem_ok; tries++) {
		after = measure();
		mem_ok = pct(before.free_kb, after.free_kb) >= -(double)opt_tolerance &&
			 pct(before.slab_kb, after.slab_kb) <= opt_tolerance &&
			 pct(before.percpu_kb, after.percpu_kb) <= opt_tolerance;
	}
	say("MemFree (with per-cpu free lists) %ld -> %ld kB (%+.2f%%), Slab (without debugging caches) "
	    "%ld -> %ld kB (%+.2f%%), "
	    "Percpu %ld -> %ld kB (%+.2f%%)",
	    before.free_kb, after.free_kb, pct(before.free_kb, after.free_kb),
	    before.slab_kb, after.slab_kb, pct(before.slab_kb, after.slab_kb),
	    before.percpu_kb, after.percpu_kb, pct(before.percpu_kb, after.percpu_kb));
	if (!mem_ok) {
		static struct cache_size caches_after[MAX_CACHES];

		report_cache_growth(caches_before, nr_caches_before, caches_after,
				    cache_sizes(caches_after));
		complain("memory did not come back within %u%%", opt_tolerance);
		ok = false;
	}

	leaks = kmemleak_check("sabuf", &all_leaks);
	if (leaks < 0) {
		say("kmemleak not available: that part of the check is skipped");
	} else {
		say("kmemleak: %d leak reports mention sabuf (%d reports in all)", leaks, all_leaks);
		if (leaks)
			ok = false;
	}
	if (!ok) {
		say("FAILED (seed %#llx)", (unsigned long long)seed);
		return STRESS_FAIL;
	}
	say("PASS: %llu cycles, no buffer left, MemFree %+ld kB, Slab %+ld kB, Percpu %+ld kB",
	    (unsigned long long)opt_cycles, after.free_kb - before.free_kb,
	    after.slab_kb - before.slab_kb, after.percpu_kb - before.percpu_kb);
	return STRESS_PASS;
}
