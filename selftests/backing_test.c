// SPDX-License-Identifier: GPL-2.0
/*
 * What backs a buffer: ordinary shmem pages, like a memfd's. Each test
 * fails on ABI 1's module, whose pages were the module's own, pinned,
 * off the LRU, charged only as kernel memory, and all hung off
 * /dev/sabuf's one inode.
 *
 *  - an unprivileged user's 64 MiB buffer is Shmem (reclaimable,
 *    swappable), not Unevictable or Mlocked;
 *  - each buffer is its own file, named sabuf:ID in /proc/PID/maps;
 *  - a 64 MiB buffer gets huge pages, mapped with PMDs (smaps);
 *  - the pages follow the creator's NUMA policy (only with two nodes);
 *  - O_DIRECT I/O goes straight to and from a buffer's pages.
 */
#include "sabuf_test.h"

#include <sys/resource.h>
#include <sys/syscall.h>

/* A /proc/meminfo field, in kB, or -1. */
static long long meminfo_kb(const char *field)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			sscanf(line + n + 1, "%lld", &v);
			break;
		}
	fclose(f);
	return v;
}

/* An smaps field (kB) of the VMA that starts at addr, or -1. */
static long long smaps_kb(const void *addr, const char *field)
{
	char line[512], perms[8];
	unsigned long lo, hi;
	long long v = -1;
	bool in = false;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3)
			in = lo == (unsigned long)addr;	/* a VMA's first line */
		else if (in && !strncmp(line, field, n) && line[n] == ':')
			sscanf(line + n + 1, "%lld", &v);
	}
	fclose(f);
	return v;
}

TEST(maps_names_each_buffer)
{
	struct sabuf_t_buf a, b;
	char line[512], want_a[32], want_b[32];
	bool seen_a = false, seen_b = false;
	FILE *f;

	SABUF_T_BUF_NEW(&a, 4096);
	SABUF_T_BUF_NEW(&b, 4096);
	snprintf(want_a, sizeof(want_a), "sabuf:%llu", (unsigned long long)a.info.id);
	snprintf(want_b, sizeof(want_b), "sabuf:%llu", (unsigned long long)b.info.id);
	f = fopen("/proc/self/maps", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo;

		if (sscanf(line, "%lx-", &lo) != 1)
			continue;
		if (lo == (unsigned long)a.data) {
			seen_a = true;
			EXPECT_NE(NULL, strstr(line, want_a)) TH_LOG("maps line: %s", line);
		}
		if (lo == (unsigned long)b.data) {
			seen_b = true;
			EXPECT_NE(NULL, strstr(line, want_b)) TH_LOG("maps line: %s", line);
		}
	}
	fclose(f);
	EXPECT_TRUE(seen_a && seen_b);
	sabuf_t_buf_free(&a);
	sabuf_t_buf_free(&b);
}

/*
 * 64 MiB created by uid 65534 (with a 64 KiB RLIMIT_MEMLOCK: a thousand
 * times its limit) raises Shmem by about that much, and neither
 * Unevictable nor Mlocked. The child reports the deltas through a pipe.
 * (It was 512 MiB, which took more than the harness's 30 s on the debug
 * kernel under emulation, KASAN zeroing every page: 64 MiB proves the
 * same on the slowest kernel we test with room to spare.)
 */
TEST(unprivileged_buffer_is_shmem_not_pinned)
{
	const long long mib = 64, kb = mib << 10;
	long long d[3] = { 0 };
	int pfd[2];
	pid_t child;

	if (geteuid())
		SKIP(return, "needs root to become uid 65534");
	if (meminfo_kb("MemAvailable") < kb + (256 << 10))
		SKIP(return, "not enough memory for %lld MiB", mib);
	ASSERT_EQ(0, pipe(pfd));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct rlimit rl = { 64 << 10, 64 << 10 };
		long long before[3], after[3];
		const char *fields[3] = { "Shmem", "Unevictable", "Mlocked" };
		int fd;

		if (setrlimit(RLIMIT_MEMLOCK, &rl) ||
		    setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		for (int i = 0; i < 3; i++)
			before[i] = meminfo_kb(fields[i]);
		fd = sabuf_t_open();
		if (fd < 0 || sabuf_t_create(fd, (uint64_t)mib << 20))
			_exit(11);
		for (int i = 0; i < 3; i++)
			after[i] = meminfo_kb(fields[i]) - before[i];
		if (write(pfd[1], after, sizeof(after)) != sizeof(after))
			_exit(12);
		close(fd);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(d), read(pfd[0], d, sizeof(d)));
	close(pfd[0]);
	ASSERT_EQ(0, sabuf_t_reap(child));
	EXPECT_LE(kb * 9 / 10, d[0]) TH_LOG("Shmem rose by %lld kB only", d[0]);
	EXPECT_GT(kb / 10, d[1]) TH_LOG("Unevictable rose by %lld kB", d[1]);
	EXPECT_GT(kb / 10, d[2]) TH_LOG("Mlocked rose by %lld kB", d[2]);
}

/* A 64 MiB buffer is mapped with PMDs (transparent huge pages). */
TEST(large_buffer_is_pmd_mapped)
{
	struct sabuf_t_buf b;
	long long pmd;

	if (access("/sys/kernel/mm/transparent_hugepage", F_OK))
		SKIP(return, "no transparent huge pages in this kernel");
	SABUF_T_BUF_NEW(&b, 64 << 20);
	EXPECT_EQ(0ul, (unsigned long)b.data % (2 << 20))
		TH_LOG("mapping at %p is not 2 MiB aligned", b.data);
	for (size_t off = 0; off < (64u << 20); off += 4096)
		b.data[off] = 1;
	pmd = smaps_kb(b.data, "ShmemPmdMapped");
	EXPECT_LE(32ll << 10, pmd) TH_LOG("ShmemPmdMapped: %lld kB of 65536", pmd);
	sabuf_t_buf_free(&b);
}

/* With two NUMA nodes, a creator bound to node 1 gets its pages there. */
TEST(pages_follow_the_creator_numa_policy)
{
	const int MPOL_BIND_ = 2;
	unsigned long nodemask = 1ul << 1;
	struct sabuf_t_buf b;
	char line[1024], want[32];
	bool found = false;
	FILE *f;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "only one NUMA node (the VM has two unless SABUF_VM_NUMA=1)");
	ASSERT_EQ(0, syscall(SYS_set_mempolicy, MPOL_BIND_, &nodemask, 8 * sizeof(nodemask)));
	SABUF_T_BUF_NEW(&b, 8 << 20);
	ASSERT_EQ(0, syscall(SYS_set_mempolicy, 0, NULL, 0));
	snprintf(want, sizeof(want), "%lx ", (unsigned long)b.data);
	for (size_t off = 0; off < (8u << 20); off += 4096)
		(void)*(volatile uint8_t *)(b.data + off);
	f = fopen("/proc/self/numa_maps", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		found = true;
		EXPECT_NE(NULL, strstr(line, "N1=")) TH_LOG("numa_maps: %s", line);
		EXPECT_EQ(NULL, strstr(line, "N0=")) TH_LOG("numa_maps: %s", line);
	}
	fclose(f);
	EXPECT_TRUE(found);
	sabuf_t_buf_free(&b);
}

/*
 * O_DIRECT I/O moves data straight between a block device and a buffer's
 * pages (the kernel pins them: get_user_pages on the shmem mapping), both
 * ways. The device is a zram disk (the VM carries the module).
 */
TEST(o_direct_io_into_and_out_of_a_buffer)
{
	const size_t len = 64 << 10;
	struct sabuf_t_buf b;
	uint8_t *bounce;
	int dev;

	if (geteuid())
		SKIP(return, "needs root for a zram disk");
	if (access("/sys/block/zram0", F_OK) && system("modprobe zram num_devices=1 2>/dev/null"))
		SKIP(return, "no zram module");
	if (sabuf_t_write_file("/sys/block/zram0/disksize", "1048576"))
		SKIP(return, "zram0 is in use");
	dev = open("/dev/zram0", O_RDWR | O_DIRECT | O_CLOEXEC);
	ASSERT_LE(0, dev) TH_LOG("open /dev/zram0 O_DIRECT: %s", strerror(errno));
	ASSERT_EQ(0, posix_memalign((void **)&bounce, 4096, len));
	for (size_t i = 0; i < len; i++)
		bounce[i] = (uint8_t)(i * 7 + 3);
	ASSERT_EQ((ssize_t)len, pwrite(dev, bounce, len, 0));

	SABUF_T_BUF_NEW(&b, len);
	/* device -> buffer */
	ASSERT_EQ((ssize_t)len, pread(dev, b.data, len, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, memcmp(b.data, bounce, len));
	/* buffer -> device */
	for (size_t i = 0; i < len; i++)
		b.data[i] = (uint8_t)(i * 13 + 1);
	ASSERT_EQ((ssize_t)len, pwrite(dev, b.data, len, len));
	ASSERT_EQ((ssize_t)len, pread(dev, bounce, len, len));
	EXPECT_EQ(0, memcmp(b.data, bounce, len));

	sabuf_t_buf_free(&b);
	free(bounce);
	close(dev);
	EXPECT_EQ(0, sabuf_t_write_file("/sys/block/zram0/reset", "1"));
}

TEST_HARNESS_MAIN
