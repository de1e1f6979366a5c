// SPDX-License-Identifier: GPL-2.0
/*
 * The caps: max_buffer_bytes (EFBIG) and max_user_bytes (EDQUOT, charged
 * per buffer: the page-rounded maximum plus one counter page), changed
 * live through /sys/module/sabuf/parameters/ and restored afterwards; and
 * the memory cgroup: a buffer is charged to its creator's cgroup, and a
 * create over the cgroup's limit is a clean ENOMEM (not an OOM kill).
 *
 * Needs root (SKIPs otherwise). Assumes no other buffer of root is alive
 * while it runs (the test runner runs one test at a time).
 */
#include "sabuf_test.h"

#include <sys/vfs.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

FIXTURE(caps) {
	unsigned long long saved_buffer_bytes, saved_user_bytes;
	bool saved;
	long page;
	int fd[4];
};

FIXTURE_SETUP(caps)
{
	int probe;

	self->saved = false;
	self->page = sabuf_t_page_size();
	for (int i = 0; i < 4; i++)
		self->fd[i] = -1;
	if (geteuid() != 0)
		SKIP(return, "changing module parameters needs root");
	SABUF_T_OPEN_OR_SKIP(probe);
	close(probe);
	ASSERT_EQ(0, sabuf_t_param_read("max_buffer_bytes", &self->saved_buffer_bytes));
	ASSERT_EQ(0, sabuf_t_param_read("max_user_bytes", &self->saved_user_bytes));
	self->saved = true;
	for (int i = 0; i < 4; i++) {
		self->fd[i] = sabuf_t_open();
		ASSERT_LE(0, self->fd[i]);
	}
}

/* In the parent of the test process: restores the caps even if the test crashed. */
FIXTURE_TEARDOWN_PARENT(caps)
{
	if (!self->saved)
		return;
	EXPECT_EQ(0, sabuf_t_param_write("max_buffer_bytes", self->saved_buffer_bytes));
	EXPECT_EQ(0, sabuf_t_param_write("max_user_bytes", self->saved_user_bytes));
}

static int reopen(int *fd)
{
	close(*fd);
	*fd = sabuf_t_open();
	return *fd < 0 ? *fd : 0;
}

TEST_F(caps, max_buffer_bytes_efbig)
{
	ASSERT_EQ(0, sabuf_t_param_write("max_buffer_bytes", 2 * self->page));
	ASSERT_EQ(-EFBIG, sabuf_t_create(self->fd[0], 2 * self->page + 1));
	ASSERT_EQ(-EFBIG, sabuf_t_create(self->fd[0], 3 * self->page));
	/* Exactly the cap is fine, on the handle the rejections left empty. */
	ASSERT_EQ(0, sabuf_t_create(self->fd[0], 2 * self->page));
}

/* The cap is in bytes, not pages. */
TEST_F(caps, max_buffer_bytes_is_exact_to_the_byte)
{
	ASSERT_EQ(0, sabuf_t_param_write("max_buffer_bytes", 5000));
	ASSERT_EQ(-EFBIG, sabuf_t_create(self->fd[0], 5001));
	ASSERT_EQ(0, sabuf_t_create(self->fd[0], 5000));
}

/* A change applies to the next create at once, both ways. */
TEST_F(caps, max_buffer_bytes_change_applies_live)
{
	ASSERT_EQ(0, sabuf_t_param_write("max_buffer_bytes", self->page));
	ASSERT_EQ(-EFBIG, sabuf_t_create(self->fd[0], 4 * self->page));
	ASSERT_EQ(0, sabuf_t_param_write("max_buffer_bytes", 4 * self->page));
	ASSERT_EQ(0, sabuf_t_create(self->fd[0], 4 * self->page));
}

TEST_F(caps, max_user_bytes_edquot)
{
	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 5 * self->page));
	ASSERT_EQ(0, sabuf_t_create(self->fd[0], 2 * self->page));
	ASSERT_EQ(-EDQUOT, sabuf_t_create(self->fd[1], 2 * self->page));
	/* Exactly up to the cap is fine, on the handle the rejection left empty. */
	ASSERT_EQ(0, sabuf_t_create(self->fd[1], self->page));
	ASSERT_EQ(-EDQUOT, sabuf_t_create(self->fd[2], 1));
}

/* One buffer alone larger than the user's cap. */
TEST_F(caps, max_user_bytes_one_buffer_over_edquot)
{
	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 3 * self->page));
	ASSERT_EQ(-EDQUOT, sabuf_t_create(self->fd[0], 2 * self->page + 1));
	ASSERT_EQ(0, sabuf_t_create(self->fd[0], 2 * self->page));
}

/*
 * The user's total counts what a buffer costs: its page-rounded length plus
 * its counter page. Two 1-byte buffers take four pages.
 */
TEST_F(caps, max_user_bytes_counts_whole_pages)
{
	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 4 * self->page));
	ASSERT_EQ(0, sabuf_t_create(self->fd[0], 1));
	ASSERT_EQ(0, sabuf_t_create(self->fd[1], 1));
	ASSERT_EQ(-EDQUOT, sabuf_t_create(self->fd[2], 1));
}

/* Closing gives the bytes back: a hundred create/close rounds at the full cap. */
TEST_F(caps, closing_returns_the_bytes)
{
	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 3 * self->page));
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(0, sabuf_t_create(self->fd[0], 2 * self->page)) TH_LOG("round %d", i);
		ASSERT_EQ(0, reopen(&self->fd[0]));
	}
}

/* A mapping keeps the buffer, and its bytes, after the fd is closed; munmap gives them back. */
TEST_F(caps, mapping_holds_the_bytes_until_munmap)
{
	void *p;

	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 3 * self->page));
	ASSERT_EQ(0, sabuf_t_create(self->fd[0], 2 * self->page));
	ASSERT_EQ(0, sabuf_t_mmap(&p, self->fd[0], 2 * self->page, PROT_READ | PROT_WRITE,
				  MAP_SHARED, 0));
	ASSERT_EQ(0, reopen(&self->fd[0]));
	ASSERT_EQ(-EDQUOT, sabuf_t_create(self->fd[1], 1));
	ASSERT_EQ(0, munmap(p, 2 * self->page));
	ASSERT_EQ(0, sabuf_t_create(self->fd[1], 2 * self->page));
}

/* Each uid has its own total: root's buffers do not count against nobody's. */
TEST_F(caps, max_user_bytes_is_per_user)
{
	pid_t child;

	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 3 * self->page));
	ASSERT_EQ(0, sabuf_t_create(self->fd[0], 2 * self->page));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int a, b;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		a = sabuf_t_open();
		b = sabuf_t_open();
		if (a < 0 || b < 0)
			_exit(11);
		if (sabuf_t_create(a, 2 * sysconf(_SC_PAGESIZE)))
			_exit(12);
		_exit(sabuf_t_create(b, 1) == -EDQUOT ? 0 : 13);
	}
	ASSERT_EQ(0, sabuf_t_reap(child));
	ASSERT_EQ(-EDQUOT, sabuf_t_create(self->fd[1], 1));
}

/* ---- the memory cgroup ---- */

#define CGROUP_ROOT "/sys/fs/cgroup"

FIXTURE(memcg) {
	char dir[128];
	bool made;
};

FIXTURE_SETUP(memcg)
{
	char path[192];
	struct statfs sfs;
	int probe;

	self->made = false;
	if (geteuid() != 0)
		SKIP(return, "making a cgroup needs root");
	SABUF_T_OPEN_OR_SKIP(probe);
	close(probe);
	if (statfs(CGROUP_ROOT, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		SKIP(return, "no cgroup2 at " CGROUP_ROOT);
	if (sabuf_t_write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "cannot enable the memory controller");
	snprintf(self->dir, sizeof(self->dir), CGROUP_ROOT "/sabuf-selftest-%d", (int)getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	self->made = true;
	snprintf(path, sizeof(path), "%s/memory.max", self->dir);
	ASSERT_EQ(0, sabuf_t_write_file(path, "16M"));
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->dir);
	sabuf_t_write_file(path, "0");	/* absent without swap support: fine */
}

FIXTURE_TEARDOWN_PARENT(memcg)
{
	if (self->made)
		EXPECT_EQ(0, rmdir(self->dir)) TH_LOG("rmdir %s: %s", self->dir, strerror(errno));
}

/* Fork a child that joins the cgroup and runs fn there; fn's value is its exit status. */
static pid_t run_in_cgroup(const char *dir, int (*fn)(const char *dir))
{
	pid_t child = fork();

	if (child == 0) {
		char path[192];

		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		if (sabuf_t_write_file(path, "0"))
			_exit(90);
		_exit(fn(dir));
	}
	return child;
}

/* Over the cgroup's limit: ENOMEM from create, the creator alive, the handle still empty. */
static int create_over_limit(const char *dir)
{
	struct sabuf_info info;
	int fd = sabuf_t_open();
	int ret;

	(void)dir;
	if (fd < 0)
		return 91;
	ret = sabuf_t_create(fd, 64 << 20);
	if (ret != -ENOMEM)
		return ret == 0 ? 92 : sabuf_t_exit_code(ret);
	if (sabuf_t_info(fd, &info) || info.byte_length)
		return 93;
	/* The failed create's charges were undone: a small buffer still fits. */
	if (sabuf_t_create(fd, 1 << 20))
		return 94;
	return 0;
}

TEST_F(memcg, create_over_the_cgroup_limit_enomem)
{
	pid_t child = run_in_cgroup(self->dir, create_over_limit);

	ASSERT_LT(0, child);
	ASSERT_EQ(0, sabuf_t_reap(child))
		TH_LOG("-1009: killed by SIGKILL (an OOM kill, not ENOMEM); -92: create succeeded; "
		       "-93: handle not empty after; -94: small create failed after; else -errno");
}

/* memory.current rises by the buffer's size at create, and falls back at close. */
static int charge_and_uncharge(const char *dir)
{
	const long long size = 8 << 20, slack = 1 << 20;
	char path[192];
	long long before, during, after;
	int fd = sabuf_t_open();

	if (fd < 0)
		return 91;
	snprintf(path, sizeof(path), "%s/memory.current", dir);
	before = sabuf_t_read_number(path);
	if (sabuf_t_create(fd, size))
		return 92;
	during = sabuf_t_read_number(path);
	close(fd);
	after = sabuf_t_read_number(path);
	if (before < 0 || during < 0 || after < 0)
		return 93;
	if (during - before < size - slack)
		return 94;	/* not charged at create */
	if (during - after < size - slack)
		return 95;	/* not uncharged at close */
	return 0;
}

TEST_F(memcg, buffer_is_charged_to_the_creators_cgroup)
{
	pid_t child = run_in_cgroup(self->dir, charge_and_uncharge);

	ASSERT_LT(0, child);
	ASSERT_EQ(0, sabuf_t_reap(child))
		TH_LOG("-94: not charged at create; -95: not uncharged at close");
}

/*
 * Asynchronous waits queued from inside the cgroup, on a buffer made
 * outside it: everything they cost is charged to the cgroup, their index
 * nodes included. Each wait is on an index 16 KiB from the last, so each
 * needs two nodes of the buffer's queue index (2 x 576 bytes) besides its
 * own object and its queue (~320 bytes): 0.2 charged only the latter.
 */
#define WAITS_N		2048
#define WAITS_STRIDE	(16 << 10)
static int waits_buffer_fd = -1;

static int waits_charged(const char *dir)
{
	struct sabuf_waitset_create c = { 0 };
	long long before, during, after;
	char path[192];
	int ws;

	snprintf(path, sizeof(path), "%s/memory.current", dir);
	ws = sabuf_t_ioctl(waits_buffer_fd, SABUF_IOC_WAITSET_CREATE, &c);
	if (ws < 0)
		return 91;
	before = sabuf_t_read_number(path);
	for (int i = 0; i < WAITS_N; i++) {
		struct sabuf_waitset_add a = {
			.fd = waits_buffer_fd, .tag = i,
			.wait = sabuf_t_wait_args(4, (uint64_t)i * WAITS_STRIDE, 0, -1),
		};
		int ret = sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &a);

		if (ret == -ENOMEM)
			return 0;	/* refused inside the limit: fine too */
		if (ret)
			return sabuf_t_exit_code(ret);
	}
	during = sabuf_t_read_number(path);
	close(ws);
	after = sabuf_t_read_number(path);
	if (before < 0 || during < 0 || after < 0)
		return 93;
	if ((during - before) / WAITS_N < 1000)
		return 94;	/* the index nodes were not charged */
	return 0;
}

TEST_F(memcg, queued_waits_and_their_index_are_charged_to_the_waiters_cgroup)
{
	pid_t child;

	waits_buffer_fd = sabuf_t_open();
	ASSERT_LE(0, waits_buffer_fd);
	ASSERT_EQ(0, sabuf_t_create(waits_buffer_fd, (uint64_t)WAITS_N * WAITS_STRIDE));
	child = run_in_cgroup(self->dir, waits_charged);
	ASSERT_LT(0, child);
	ASSERT_EQ(0, sabuf_t_reap(child))
		TH_LOG("-94: under 1000 bytes charged per wait (index nodes outside the cgroup)");
	close(waits_buffer_fd);
}

TEST_HARNESS_MAIN
