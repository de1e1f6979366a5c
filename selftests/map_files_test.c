// SPDX-License-Identifier: GPL-2.0
/*
 * A buffer's memory is reachable only through sabuf fds (DESIGN.md, 0.3,
 * "Isolation between users"): its backing file is a mapping's vm_file, so
 * /proc/PID/map_files names it to a holder of CAP_CHECKPOINT_RESTORE, and
 * /proc/PID/fd reopens what an fd points to. Neither may give a process
 * without CAP_SYS_ADMIN a writable (or any) file of the buffer, nor let it
 * truncate the buffer, starting from a read-only mapping.
 *
 * Each case forks a child that maps the buffer read-only through a
 * read-only handle, takes the capabilities of its variant, and tries to
 * open its map_files entry (read-write, read-only) and to truncate it.
 * Root with every capability is the positive control: the same path opens.
 * Needs root (to hand out capabilities); SKIPs otherwise.
 */
#include "sabuf_test.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

#define TEST_UID 1000

/* Exit codes of the child: what it managed that it must not have. */
enum {
	OPENED_RDWR = 20, OPENED_RDONLY, TRUNCATED, DATA_CHANGED,
	NOT_OPENED = 30, SETUP = 40,
};

/* Keep exactly the capabilities in @caps (a mask of the first 64). */
static int keep_caps(uint64_t caps)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(caps >> (32 * i));
		data[i].permitted = data[i].effective;
	}
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static uint64_t all_caps(void)
{
	return (2ULL << CAP_LAST_CAP) - 1;
}

FIXTURE(map_files) {
	struct sabuf_t_buf b;
	int ro;
};

FIXTURE_VARIANT(map_files) {
	bool drop_uid;		/* become TEST_UID */
	uint64_t caps;		/* what the child keeps */
	bool may_open;		/* CAP_SYS_ADMIN: the positive control */
};

FIXTURE_VARIANT_ADD(map_files, uid1000_with_checkpoint_restore) {
	.drop_uid = true, .caps = 1ULL << CAP_CHECKPOINT_RESTORE,
};

FIXTURE_VARIANT_ADD(map_files, uid1000_with_checkpoint_restore_and_dac_override) {
	.drop_uid = true,
	.caps = 1ULL << CAP_CHECKPOINT_RESTORE | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER,
};

FIXTURE_VARIANT_ADD(map_files, root_without_sys_admin) {
	.caps = 0,	/* all but CAP_SYS_ADMIN: set up below */
};

FIXTURE_VARIANT_ADD(map_files, root_with_every_capability) {
	.caps = 0, .may_open = true,
};

FIXTURE_SETUP(map_files)
{
	self->ro = -1;
	self->b.fd = -1;
	if (geteuid() != 0)
		SKIP(return, "handing out capabilities needs root");
	SABUF_T_BUF_NEW(&self->b, 2 * sabuf_t_page_size());
	memset(self->b.data, 0x5a, 2 * sabuf_t_page_size());
	self->ro = sabuf_t_ioctl(self->b.fd, SABUF_IOC_DUP_READONLY, &(struct sabuf_dup){ 0 });
	ASSERT_LE(0, self->ro);
}

FIXTURE_TEARDOWN(map_files)
{
	if (self->ro >= 0)
		close(self->ro);
	sabuf_t_buf_free(&self->b);
}

static int try_map_files(const struct sabuf_t_buf *b, int ro, bool drop_uid, uint64_t caps,
			 bool may_open)
{
	long page = sabuf_t_page_size();
	size_t len = 2 * page;
	char path[128];
	uint8_t *map;
	int fd;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, ro, 0);
	if (map == MAP_FAILED)
		return SETUP;
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)map, (unsigned long)map + len);
	if (drop_uid) {
		if (prctl(PR_SET_KEEPCAPS, 1) ||
		    setresgid(TEST_UID, TEST_UID, TEST_UID) ||
		    setresuid(TEST_UID, TEST_UID, TEST_UID))
			return SETUP + 1;
	}
	if (keep_caps(caps))
		return SETUP + 2;
	/* A uid change made us undumpable: /proc/self would be root's. */
	if (prctl(PR_SET_DUMPABLE, 1))
		return SETUP + 3;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (may_open) {
		if (fd < 0)
			return NOT_OPENED;
		close(fd);
		return 0;
	}
	if (fd >= 0) {
		close(fd);
		return OPENED_RDWR;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return OPENED_RDONLY;
	}
	if (truncate(path, 0) == 0)
		return TRUNCATED;
	for (long i = 0; i < 2 * page; i++)
		if (map[i] != 0x5a)
			return DATA_CHANGED;
	(void)b;
	return 0;
}

TEST_F(map_files, no_path_reopens_or_truncates_the_buffer)
{
	uint64_t caps = variant->caps;
	pid_t child;

	if (!caps && !variant->drop_uid) {
		caps = all_caps();
		if (!variant->may_open)
			caps &= ~(1ULL << CAP_SYS_ADMIN);
	}
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(try_map_files(&self->b, self->ro, variant->drop_uid, caps,
				    variant->may_open));
	ASSERT_EQ(0, sabuf_t_reap(child))
		TH_LOG("-20: opened read-write; -21: opened read-only; -22: truncated; "
		       "-23: the data changed; -30: the control could not open; -4x: setup");
	/* The creator's data and length are what they were. */
	for (long i = 0; i < 2 * sabuf_t_page_size(); i++)
		ASSERT_EQ(0x5a, self->b.data[i]);
}

/*
 * /proc/PID/fd of a read-only handle reopens /dev/sabuf itself: a new,
 * empty handle, never the buffer with write access.
 */
TEST_F(map_files, proc_fd_of_a_read_only_handle_is_a_new_empty_handle)
{
	struct sabuf_info info;
	char path[64];
	int fd, ro;

	if (variant->drop_uid || variant->may_open)
		SKIP(return, "one variant is enough");
	ro = open(SABUF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ro);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	EXPECT_EQ(0ull, (unsigned long long)info.byte_length);
	close(fd);
	close(ro);

	/* The read-only dup is an anonymous file: whatever reopens, it is no writable buffer. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->ro);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		void *p = mmap(NULL, sabuf_t_page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
			       fd, 0);

		EXPECT_EQ(MAP_FAILED, p);
		if (p != MAP_FAILED)
			munmap(p, sabuf_t_page_size());
		close(fd);
	}
}

TEST_HARNESS_MAIN
