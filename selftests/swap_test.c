// SPDX-License-Identifier: GPL-2.0
/*
 * A buffer's pages are swappable: in a memory cgroup limited to 256 MiB,
 * with swap on zram, a 768 MiB buffer is created, filled with a pattern
 * and read back intact while the cgroup's memory.swap.current is above 0.
 * ABI 1's pinned pages could not leave RAM: its create failed with ENOMEM.
 *
 * Needs root, cgroup2 with the memory controller, and the zram module
 * (the VM carries it); SKIPs otherwise. The swap area is made by hand (no
 * mkswap in the VM): a version-1 header in the first page.
 */
#include "sabuf_test.h"

#include <sys/swap.h>
#include <sys/vfs.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#define CGROUP_ROOT	"/sys/fs/cgroup"
#define ZRAM		"/dev/zram0"
#define SWAP_SIZE	(1ull << 30)
#define LIMIT		"256M"
#define BUFFER		(768ull << 20)

/* A version-1 swap header over the whole device. */
static int make_swap(const char *dev, uint64_t size)
{
	long page = sabuf_t_page_size();
	uint8_t *hdr = calloc(1, page);
	uint32_t version = 1, last_page = size / page - 1;
	int fd, ret = 0;

	if (!hdr)
		return -ENOMEM;
	memcpy(hdr + 1024, &version, 4);
	memcpy(hdr + 1028, &last_page, 4);
	memcpy(hdr + page - 10, "SWAPSPACE2", 10);
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, hdr, page, 0) != page || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(hdr);
	return ret;
}

FIXTURE(swap) {
	char dir[128];
	bool cgroup, swapon;
};

FIXTURE_SETUP(swap)
{
	char path[192], size[32];
	struct statfs sfs;
	int probe;

	self->cgroup = self->swapon = false;
	if (geteuid())
		SKIP(return, "needs root");
	SABUF_T_OPEN_OR_SKIP(probe);
	close(probe);
	if (statfs(CGROUP_ROOT, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC ||
	    sabuf_t_write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no cgroup2 memory controller");
	if (access("/sys/block/zram0", F_OK) && system("modprobe zram num_devices=1 2>/dev/null"))
		SKIP(return, "no zram module");
	if (access("/sys/block/zram0", F_OK))
		SKIP(return, "no zram device");
	snprintf(size, sizeof(size), "%llu", (unsigned long long)SWAP_SIZE);
	ASSERT_EQ(0, sabuf_t_write_file("/sys/block/zram0/disksize", size));
	ASSERT_EQ(0, make_swap(ZRAM, SWAP_SIZE));
	ASSERT_EQ(0, swapon(ZRAM, 0)) TH_LOG("swapon: %s", strerror(errno));
	self->swapon = true;
	snprintf(self->dir, sizeof(self->dir), CGROUP_ROOT "/sabuf-swap-%d", (int)getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	self->cgroup = true;
	snprintf(path, sizeof(path), "%s/memory.max", self->dir);
	ASSERT_EQ(0, sabuf_t_write_file(path, LIMIT));
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->dir);
	ASSERT_EQ(0, sabuf_t_write_file(path, "max"));
}

FIXTURE_TEARDOWN_PARENT(swap)
{
	if (self->cgroup)
		EXPECT_EQ(0, rmdir(self->dir));
	if (self->swapon) {
		EXPECT_EQ(0, swapoff(ZRAM));
		EXPECT_EQ(0, sabuf_t_write_file("/sys/block/zram0/reset", "1"));
	}
}

/* In the cgroup: create, fill, check swap is in use, read back. */
static int fill_and_check(const char *dir)
{
	const uint64_t words = BUFFER / 8;
	char path[192];
	uint64_t *p;
	void *v;
	long long swapped;
	int fd = sabuf_t_open();

	if (fd < 0)
		return 10;
	if (sabuf_t_create(fd, BUFFER))
		return 11;
	if (sabuf_t_mmap(&v, fd, BUFFER, PROT_READ | PROT_WRITE, MAP_SHARED, 0))
		return 12;
	p = v;
	for (uint64_t i = 0; i < words; i += 512)	/* one word a page */
		p[i] = i * 0x9e3779b97f4a7c15ull;
	snprintf(path, sizeof(path), "%s/memory.swap.current", dir);
	swapped = sabuf_t_read_number(path);
	if (swapped <= 0)
		return 13;
	for (uint64_t i = 0; i < words; i += 512)
		if (p[i] != i * 0x9e3779b97f4a7c15ull)
			return 14;
	munmap(v, BUFFER);
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(swap, buffer_larger_than_the_cgroup_swaps, 600)
{
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (child == 0) {
		char path[192];

		snprintf(path, sizeof(path), "%s/cgroup.procs", self->dir);
		if (sabuf_t_write_file(path, "0"))
			_exit(9);
		_exit(fill_and_check(self->dir));
	}
	ASSERT_EQ(0, sabuf_t_reap(child))
		TH_LOG("11: create failed; 13: nothing swapped; 14: pattern lost; -1009: OOM kill");
}

TEST_HARNESS_MAIN
