// SPDX-License-Identifier: GPL-2.0
/*
 * Named buffers through the raw ioctls (SABUF_IOC_OPEN, SABUF_IOC_UNLINK):
 * name, oflag, mode and reserved-field validation; create, open and
 * exclusive create; zero fill and sharing; permissions by owner, group and
 * other at 0600/0640/0644/0666 under a umask; read-only opens; IPC
 * namespace scope and the end of a namespace's names; unlink while held;
 * who may unlink (EPERM, CAP_IPC_OWNER); the caps; 10^4 names; racing
 * exclusive creates.
 *
 * Names are "nt-<pid>-<what>", so leftovers of a failed run never collide.
 * Needs root for the tests that change uid, namespaces or module
 * parameters (they SKIP otherwise).
 */
#include "sabuf_test.h"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#define RDWR	SABUF_OPEN_RDWR
#define CREAT	SABUF_OPEN_CREAT
#define EXCL	SABUF_OPEN_EXCL

static int dev_fd(void)
{
	int fd = open(SABUF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);	/* any handle will do */

	return fd < 0 ? -errno : fd;
}

static int nopen_args(struct sabuf_open *args)
{
	int dev = dev_fd(), ret;

	if (dev < 0)
		return dev;
	ret = sabuf_t_ioctl(dev, SABUF_IOC_OPEN, args);
	close(dev);
	return ret;
}

static int nopen(const char *name, uint32_t oflag, uint32_t mode, uint64_t len)
{
	struct sabuf_open args = {
		.name = (uintptr_t)name, .byte_length = len, .oflag = oflag, .mode = mode,
	};

	return nopen_args(&args);
}

static int nunlink_args(struct sabuf_unlink *args)
{
	int dev = dev_fd(), ret;

	if (dev < 0)
		return dev;
	ret = sabuf_t_ioctl(dev, SABUF_IOC_UNLINK, args);
	close(dev);
	return ret;
}

static int nunlink(const char *name)
{
	struct sabuf_unlink args = { .name = (uintptr_t)name };

	return nunlink_args(&args);
}

static const char *tname(char *buf, const char *what)
{
	snprintf(buf, 64, "nt-%d-%s", (int)getpid(), what);
	return buf;
}

static uint64_t id_of(int fd)
{
	struct sabuf_info info;

	return sabuf_t_info(fd, &info) ? 0 : info.id;
}

/* Become uid/gid (no supplementary groups); 0 or -errno. */
static int become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
		return -errno;
	return 0;
}

#define NEED_ROOT() do {						\
	if (geteuid() != 0)						\
		SKIP(return, "needs root");				\
} while (0)

TEST(info_reports_the_feature)
{
	struct sabuf_info info;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	ASSERT_NE(0ull, info.features & SABUF_FEATURE_NAMED);
	close(fd);
}

TEST(bad_names)
{
	char name[300], n[64];
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	ASSERT_EQ(-EINVAL, nopen("", RDWR | CREAT, 0600, 1));
	ASSERT_EQ(-EINVAL, nopen("a/b", RDWR | CREAT, 0600, 1));
	ASSERT_EQ(-EINVAL, nopen("/", RDWR | CREAT, 0600, 1));
	ASSERT_EQ(-EINVAL, nopen(".", RDWR | CREAT, 0600, 1));
	ASSERT_EQ(-EINVAL, nopen("..", RDWR | CREAT, 0600, 1));
	ASSERT_EQ(-EFAULT, nopen(sabuf_t_bad_ptr(0), RDWR | CREAT, 0600, 1));
	/* 255 bytes is a name; 256 is too long */
	memset(name, 'x', sizeof(name));
	snprintf(name, 16, "nt-%d-", (int)getpid());
	name[strlen(name)] = 'x';
	name[255] = '\0';
	fd = nopen(name, RDWR | CREAT | EXCL, 0600, 1);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, nunlink(name));
	name[255] = 'x';
	name[256] = '\0';
	ASSERT_EQ(-ENAMETOOLONG, nopen(name, RDWR | CREAT, 0600, 1));
	ASSERT_EQ(-ENAMETOOLONG, nunlink(name));
	ASSERT_EQ(-EINVAL, nunlink(""));
	ASSERT_EQ(-EINVAL, nunlink("a/b"));
	ASSERT_EQ(-EINVAL, nunlink(".."));
	ASSERT_EQ(-ENOENT, nunlink(tname(n, "none")));
	ASSERT_EQ(-ENOENT, nopen(tname(n, "none"), RDWR, 0, 0));
}

TEST(bad_oflag_mode_flags_reserved)
{
	struct sabuf_open o;
	struct sabuf_unlink u;
	char n[64];
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "flags");
	ASSERT_EQ(-EINVAL, nopen(n, RDWR | CREAT | (1u << 3), 0600, 1));
	ASSERT_EQ(-EINVAL, nopen(n, RDWR | CREAT | (1u << 31), 0600, 1));
	ASSERT_EQ(-EINVAL, nopen(n, RDWR | CREAT, 01000, 1));
	ASSERT_EQ(-EINVAL, nopen(n, RDWR | CREAT, 0100000, 1));
	/* a new buffer needs a length */
	ASSERT_EQ(-EINVAL, nopen(n, RDWR | CREAT, 0600, 0));
	o = (struct sabuf_open){ .name = (uintptr_t)n, .byte_length = 1, .oflag = RDWR | CREAT,
				 .mode = 0600, .flags = 1 };
	ASSERT_EQ(-EINVAL, nopen_args(&o));
	o.flags = 0;
	o.reserved = 1;
	ASSERT_EQ(-EINVAL, nopen_args(&o));
	u = (struct sabuf_unlink){ .name = (uintptr_t)n, .flags = 1 };
	ASSERT_EQ(-EINVAL, nunlink_args(&u));
	u.flags = 0;
	u.reserved = 1;
	ASSERT_EQ(-EINVAL, nunlink_args(&u));
	/* nothing was created by any of these */
	ASSERT_EQ(-ENOENT, nopen(n, RDWR, 0, 0));
}

/* Size-versioned as every command: a longer struct with a zero tail works. */
TEST(size_versions)
{
	struct { struct sabuf_open o; uint64_t tail; } big = { { 0 }, 0 };
	struct { struct sabuf_unlink u; uint64_t tail; } ubig = { { 0 }, 0 };
	char n[64];
	int dev, fd;

	SABUF_T_OPEN_OR_SKIP(dev);
	tname(n, "size");
	big.o = (struct sabuf_open){ .name = (uintptr_t)n, .byte_length = 8,
				     .oflag = RDWR | CREAT | EXCL, .mode = 0600 };
	big.tail = 1;
	ASSERT_EQ(-E2BIG, sabuf_t_ioctl(dev, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x10, sizeof(big)),
					&big));
	ASSERT_EQ(-EINVAL, sabuf_t_ioctl(dev, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x10,
						   SABUF_OPEN_SIZE_VER0 - 8), &big));
	ASSERT_EQ(-ENOTTY, sabuf_t_ioctl(dev, _IOWR(SABUF_IOC_MAGIC, 0x10, struct sabuf_open), &big));
	ASSERT_EQ(-ENOENT, nopen(n, RDWR, 0, 0));
	big.tail = 0;
	fd = sabuf_t_ioctl(dev, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x10, sizeof(big)), &big);
	ASSERT_LE(0, fd);
	close(fd);
	ubig.u.name = (uintptr_t)n;
	ubig.tail = 1;
	ASSERT_EQ(-E2BIG, sabuf_t_ioctl(dev, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x11, sizeof(ubig)),
					&ubig));
	ubig.tail = 0;
	ASSERT_EQ(0, sabuf_t_ioctl(dev, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x11, sizeof(ubig)),
				   &ubig));
	close(dev);
}

TEST(create_open_exclusive)
{
	struct sabuf_info info;
	char n[64];
	int a, b, c;

	SABUF_T_OPEN_OR_SKIP(a);
	close(a);
	tname(n, "coe");
	a = nopen(n, RDWR | CREAT | EXCL, 0600, 100);
	ASSERT_LE(0, a);
	ASSERT_EQ(FD_CLOEXEC, fcntl(a, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(-EEXIST, nopen(n, RDWR | CREAT | EXCL, 0600, 100));
	ASSERT_EQ(-EEXIST, nopen(n, CREAT | EXCL, 0600, 100));
	b = nopen(n, RDWR | CREAT, 0600, 5000);	/* byte_length ignored */
	ASSERT_LE(0, b);
	c = nopen(n, RDWR | EXCL, 0, 0);		/* EXCL without CREAT: ignored */
	ASSERT_LE(0, c);
	ASSERT_NE(0ull, (unsigned long long)id_of(a));
	ASSERT_EQ(id_of(a), id_of(b));
	ASSERT_EQ(id_of(a), id_of(c));
	ASSERT_EQ(0, sabuf_t_info(b, &info));
	ASSERT_EQ(100ull, info.byte_length);
	ASSERT_EQ(0u, info.flags & (SABUF_INFO_GROWABLE | SABUF_INFO_READONLY));
	close(a);
	close(b);
	close(c);
	ASSERT_EQ(0, nunlink(n));
	ASSERT_EQ(-ENOENT, nunlink(n));
}

TEST(zero_filled_and_shared)
{
	struct sabuf_t_buf x = { .fd = -1 }, y = { .fd = -1 };
	char n[64];
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "zero");
	fd = nopen(n, RDWR | CREAT | EXCL, 0600, 3 * sabuf_t_page_size() + 5);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_t_info(fd, &x.info));
	ASSERT_EQ(0, sabuf_t_mmap((void **)&x.data, fd, x.info.map_length,
				  PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	for (uint64_t i = 0; i < x.info.byte_length; i++) {
		ASSERT_EQ(0, x.data[i]);
	}
	x.data[7] = 42;
	y.fd = nopen(n, RDWR, 0, 0);
	ASSERT_LE(0, y.fd);
	ASSERT_EQ(0, sabuf_t_info(y.fd, &y.info));
	ASSERT_EQ(0, sabuf_t_mmap((void **)&y.data, y.fd, y.info.map_length,
				  PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	ASSERT_EQ(42, y.data[7]);
	y.data[8] = 43;
	ASSERT_EQ(43, x.data[8]);
	/* a waiter on one handle is woken through the other */
	ASSERT_EQ(0, sabuf_t_notify(y.fd, 0, 1));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(x.fd = fd, 0, 0, 1000));
	munmap(x.data, x.info.map_length);
	munmap(y.data, y.info.map_length);
	close(fd);
	close(y.fd);
	ASSERT_EQ(0, nunlink(n));
}

TEST(unlink_while_held)
{
	uint64_t old_id;
	uint8_t *p, *q;
	size_t len;
	char n[64];
	int fd, fd2;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "held");
	fd = nopen(n, RDWR | CREAT | EXCL, 0600, 64);
	ASSERT_LE(0, fd);
	len = sabuf_t_page_size();
	ASSERT_EQ(0, sabuf_t_mmap((void **)&p, fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	p[0] = 9;
	old_id = id_of(fd);
	ASSERT_EQ(0, nunlink(n));
	/* the holder keeps its buffer: fd, mapping, wait and notify work */
	ASSERT_EQ(9, p[0]);
	ASSERT_EQ(old_id, id_of(fd));
	ASSERT_EQ(0, sabuf_t_notify(fd, 0, 1));
	ASSERT_EQ(-ENOENT, nopen(n, RDWR, 0, 0));
	ASSERT_EQ(-ENOENT, nunlink(n));
	/* a new O_CREAT is a new, zero-filled buffer */
	fd2 = nopen(n, RDWR | CREAT | EXCL, 0600, 64);
	ASSERT_LE(0, fd2);
	ASSERT_NE(old_id, id_of(fd2));
	ASSERT_EQ(0, sabuf_t_mmap((void **)&q, fd2, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	ASSERT_EQ(0, q[0]);
	ASSERT_EQ(9, p[0]);
	munmap(p, len);
	munmap(q, len);
	close(fd);
	close(fd2);
	ASSERT_EQ(0, nunlink(n));
}

/* The name lives with no fd: its buffer is kept by the name alone. */
TEST(name_keeps_an_unreferenced_buffer)
{
	uint8_t *p;
	size_t len = sabuf_t_page_size();
	char n[64];
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "keep");
	fd = nopen(n, RDWR | CREAT | EXCL, 0600, 64);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_t_mmap((void **)&p, fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	p[3] = 77;
	munmap(p, len);
	close(fd);
	fd = nopen(n, RDWR, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_t_mmap((void **)&p, fd, len, PROT_READ, MAP_SHARED, 0));
	ASSERT_EQ(77, p[3]);
	munmap(p, len);
	close(fd);
	ASSERT_EQ(0, nunlink(n));
}

TEST(readonly_open)
{
	struct sabuf_grow grow = { .byte_length = 128 };
	struct sabuf_info info;
	char n[64];
	void *p;
	int fd, ro;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "ro");
	/* O_RDONLY | O_CREAT creates, and gives a read-only handle */
	ro = nopen(n, CREAT | EXCL, 0600, 64);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, sabuf_t_info(ro, &info));
	ASSERT_EQ((unsigned int)SABUF_INFO_READONLY, info.flags & SABUF_INFO_READONLY);
	ASSERT_EQ(-EACCES, sabuf_t_mmap(&p, ro, sabuf_t_page_size(),
					PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	close(ro);
	ro = nopen(n, 0, 0, 0);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, sabuf_t_info(ro, &info));
	ASSERT_EQ((unsigned int)SABUF_INFO_READONLY, info.flags & SABUF_INFO_READONLY);
	ASSERT_EQ(-EACCES, sabuf_t_mmap(&p, ro, sabuf_t_page_size(),
					PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	ASSERT_EQ(0, sabuf_t_mmap(&p, ro, sabuf_t_page_size(), PROT_READ, MAP_SHARED, 0));
	ASSERT_EQ(-EACCES, mprotect(p, sabuf_t_page_size(), PROT_READ | PROT_WRITE) ? -errno : 0);
	munmap(p, sabuf_t_page_size());
	ASSERT_EQ(-EBADF, sabuf_t_notify(ro, 0, 1));
	ASSERT_EQ(-EBADF, sabuf_t_ioctl(ro, SABUF_IOC_GROW, &grow));
	ASSERT_EQ(-EAGAIN, sabuf_t_wait32(ro, 0, 1, 0));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(ro, 0, 0, 1000));
	/* a read-only handle still opens other names read-write */
	fd = nopen(n, RDWR, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_t_notify(fd, 0, 1));
	close(fd);
	close(ro);
	ASSERT_EQ(0, nunlink(n));
}

/*
 * Permission bits for owner, group and other, under a umask: a name made
 * by uid 1001/gid 1001 with each mode and umask, then opened read-only
 * and read-write by its owner, a member of its group and anyone else.
 */
static int try_open_as(const char *n, uid_t uid, gid_t gid, uint32_t oflag)
{
	pid_t pid = fork();

	if (pid == 0) {
		int ret = become(uid, gid);

		if (!ret)
			ret = nopen(n, oflag, 0, 0);
		_exit(sabuf_t_exit_code(ret < 0 ? ret : 0));
	}
	return pid < 0 ? -errno : sabuf_t_reap(pid);
}

static int create_as(const char *n, uid_t uid, gid_t gid, mode_t umask_, uint32_t mode)
{
	pid_t pid = fork();

	if (pid == 0) {
		int ret = become(uid, gid);

		umask(umask_);
		if (!ret)
			ret = nopen(n, RDWR | CREAT | EXCL, mode, 64);
		_exit(sabuf_t_exit_code(ret < 0 ? ret : 0));
	}
	return pid < 0 ? -errno : sabuf_t_reap(pid);
}

TEST(permissions_by_owner_group_other_with_umask)
{
	static const uint32_t modes[] = { 0600, 0640, 0644, 0666 };
	static const mode_t umasks[] = { 0, 022, 077 };
	static const struct { uid_t uid; gid_t gid; int shift; } who[] = {
		{ 1001, 1001, 6 },	/* the owner */
		{ 1002, 1001, 3 },	/* its group */
		{ 1003, 1003, 0 },	/* other */
	};
	char n[64];
	int fd;

	NEED_ROOT();
	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "perm");
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		for (size_t u = 0; u < sizeof(umasks) / sizeof(umasks[0]); u++) {
			uint32_t eff = modes[m] & ~umasks[u];

			ASSERT_EQ(0, create_as(n, 1001, 1001, umasks[u], modes[m]));
			for (size_t w = 0; w < sizeof(who) / sizeof(who[0]); w++) {
				uint32_t bits = (eff >> who[w].shift) & 7;
				int want_r = (bits & 4) ? 0 : -EACCES;
				int want_rw = (bits & 6) == 6 ? 0 : -EACCES;

				EXPECT_EQ(want_r, try_open_as(n, who[w].uid, who[w].gid, 0))
					TH_LOG("mode %o umask %o who %zu read", modes[m], umasks[u], w);
				EXPECT_EQ(want_rw, try_open_as(n, who[w].uid, who[w].gid, RDWR))
					TH_LOG("mode %o umask %o who %zu rdwr", modes[m], umasks[u], w);
			}
			/* root (CAP_IPC_OWNER) opens anything, and unlinks it */
			fd = nopen(n, RDWR, 0, 0);
			ASSERT_LE(0, fd);
			close(fd);
			ASSERT_EQ(0, nunlink(n));
		}
	}
}

/* The creator gets what it asked for, whatever the mode says (as open(2)). */
TEST(creator_access_whatever_the_mode)
{
	char n[64];
	pid_t pid;
	int fd;

	NEED_ROOT();
	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "mode0");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret = become(1001, 1001);

		if (!ret)
			ret = nopen(n, RDWR | CREAT | EXCL, 0, 64);
		if (ret >= 0)
			ret = sabuf_t_notify(ret, 0, 1);
		if (!ret)	/* a second open is checked: mode 0 grants nothing */
			ret = nopen(n, 0, 0, 0) == -EACCES ? 0 : -EPROTO;
		if (!ret)	/* but its owner may unlink it */
			ret = nunlink(n);
		_exit(sabuf_t_exit_code(ret));
	}
	ASSERT_EQ(0, sabuf_t_reap(pid));
	ASSERT_EQ(-ENOENT, nunlink(n));
}

static int drop_to_keeping_ipc_owner(uid_t uid, bool keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (become(uid, uid))
		return -errno;
	if (keep)
		data[0].effective = data[0].permitted = 1u << CAP_IPC_OWNER;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

static int unlink_as(const char *n, uid_t uid, bool keep_ipc_owner)
{
	pid_t pid = fork();

	if (pid == 0) {
		int ret = drop_to_keeping_ipc_owner(uid, keep_ipc_owner);

		if (!ret)
			ret = nunlink(n);
		_exit(sabuf_t_exit_code(ret));
	}
	return pid < 0 ? -errno : sabuf_t_reap(pid);
}

TEST(who_may_unlink)
{
	char n[64];
	int fd;

	NEED_ROOT();
	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "unl");
	/* root's name, mode 0666: anyone may use it, only root unlink it */
	umask(0);
	fd = nopen(n, RDWR | CREAT | EXCL, 0666, 64);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, try_open_as(n, 1001, 1001, RDWR));
	ASSERT_EQ(-EPERM, unlink_as(n, 1001, false));
	ASSERT_EQ(0, nopen(n, RDWR, 0, 0) >= 0 ? 0 : -1);
	/* CAP_IPC_OWNER may */
	ASSERT_EQ(0, unlink_as(n, 1001, true));
	ASSERT_EQ(-ENOENT, nopen(n, RDWR, 0, 0));
	/* the owner may; a member of its group may not */
	ASSERT_EQ(0, create_as(n, 1001, 1001, 0, 0660));
	ASSERT_EQ(-EPERM, unlink_as(n, 1002, false));
	ASSERT_EQ(0, unlink_as(n, 1001, false));
	ASSERT_EQ(-ENOENT, nunlink(n));
	/* no such name: ENOENT before any permission question */
	ASSERT_EQ(-ENOENT, unlink_as(n, 1002, false));
}

FIXTURE(caps) {
	unsigned long long saved_user_bytes, saved_buffer_bytes;
	bool saved;
};

FIXTURE_SETUP(caps)
{
	int fd;

	self->saved = false;
	if (geteuid() != 0)
		SKIP(return, "changing module parameters needs root");
	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	ASSERT_EQ(0, sabuf_t_param_read("max_user_bytes", &self->saved_user_bytes));
	ASSERT_EQ(0, sabuf_t_param_read("max_buffer_bytes", &self->saved_buffer_bytes));
	self->saved = true;
}

FIXTURE_TEARDOWN_PARENT(caps)
{
	if (!self->saved)
		return;
	EXPECT_EQ(0, sabuf_t_param_write("max_user_bytes", self->saved_user_bytes));
	EXPECT_EQ(0, sabuf_t_param_write("max_buffer_bytes", self->saved_buffer_bytes));
}

static int anon_create(uint64_t len)
{
	int fd = sabuf_t_open(), ret;

	if (fd < 0)
		return fd;
	ret = sabuf_t_create(fd, len);
	close(fd);
	return ret;
}

/* A named buffer counts toward its creator's max_user_bytes, name alone too. */
TEST_F(caps, named_buffers_count_toward_max_user_bytes)
{
	long page = sabuf_t_page_size();
	char n[64];
	pid_t pid;
	int over;

	tname(n, "quota");
	/* one buffer of 4 pages (plus its counter page) fits, not two */
	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 5 * page + 5 * page / 2));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret = become(4201, 4201), fd;

		if (ret)
			_exit(sabuf_t_exit_code(ret));
		fd = nopen(n, RDWR | CREAT | EXCL, 0600, 4 * page);
		if (fd < 0)
			_exit(sabuf_t_exit_code(fd));
		close(fd);
		/* the name alone holds the charge */
		over = anon_create(4 * page);
		if (over >= 0)
			_exit(sabuf_t_exit_code(-EPROTO));
		/* and a second named buffer fails as an anonymous one does */
		if (nopen("nt-quota-second", RDWR | CREAT, 0600, 4 * page) != over)
			_exit(sabuf_t_exit_code(-ENOTRECOVERABLE));
		ret = nunlink(n);
		if (!ret)
			ret = anon_create(4 * page);
		_exit(sabuf_t_exit_code(ret));
	}
	ASSERT_EQ(0, sabuf_t_reap(pid));
	/* max_buffer_bytes: EFBIG, nothing named */
	ASSERT_EQ(0, sabuf_t_param_write("max_buffer_bytes", 4 * page));
	ASSERT_EQ(-EFBIG, nopen(n, RDWR | CREAT, 0600, 4 * page + 1));
	ASSERT_EQ(-ENOENT, nopen(n, RDWR, 0, 0));
}

/*
 * Names live in the creator's IPC namespace: another one does not see
 * them, and when the namespace ends its names go, with their buffers and
 * their charges (the second create below fits only once they have).
 */
#define NO_IPC_NS 77

TEST_F(caps, ipc_namespace_scope_and_end)
{
	struct sabuf_info info;
	int ret;
	long page = sabuf_t_page_size();
	char n[64];
	pid_t pid;
	int fd;

	tname(n, "ipcns");
	fd = nopen(n, RDWR | CREAT | EXCL, 0600, 64);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 5 * page + 5 * page / 2));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret = unshare(CLONE_NEWIPC) ? -errno : 0, in;

		if (ret == -EINVAL)
			_exit(NO_IPC_NS);	/* a kernel without CONFIG_IPC_NS */
		if (!ret)
			ret = become(4202, 4202);
		if (ret)
			_exit(sabuf_t_exit_code(ret));
		/* the parent's name is not here; the same name is free */
		if (nopen(n, 0, 0, 0) != -ENOENT)
			_exit(sabuf_t_exit_code(-EPROTO));
		in = nopen(n, RDWR | CREAT | EXCL, 0600, 4 * page);
		if (in < 0)
			_exit(sabuf_t_exit_code(in));
		close(in);
		ret = nopen(n, RDWR, 0, 0);
		if (ret < 0)
			_exit(sabuf_t_exit_code(ret));
		_exit(0);	/* the name stays behind in the ending namespace */
	}
	ret = sabuf_t_reap(pid);
	if (ret == -NO_IPC_NS) {
		nunlink(n);
		close(fd);
		SKIP(return, "no IPC namespaces in this kernel (CONFIG_IPC_NS)");
	}
	ASSERT_EQ(0, ret);
	/* ours is untouched by the other namespace's buffer of the same name */
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	ASSERT_EQ(64ull, info.byte_length);
	close(fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret = become(4202, 4202), in;

		if (ret)
			_exit(sabuf_t_exit_code(ret));
		in = nopen("nt-ipcns-after", RDWR | CREAT | EXCL, 0600, 4 * page);
		if (in < 0)
			_exit(sabuf_t_exit_code(in));
		close(in);
		_exit(sabuf_t_exit_code(nunlink("nt-ipcns-after")));
	}
	ASSERT_EQ(0, sabuf_t_reap(pid));
	ASSERT_EQ(0, nunlink(n));
}

/* 10^4 creates and unlinks (10^3 on a debug kernel: sabuf_t_scaled()) */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, ten_thousand_names, 600)
{
	const int N = sabuf_t_scaled(10000);
	char n[64], m[80];
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "many");
	for (int i = 0; i < N; i++) {
		snprintf(m, sizeof(m), "%s-%d", n, i);
		fd = nopen(m, RDWR | CREAT | EXCL, 0600, 8);
		ASSERT_LE(0, fd) TH_LOG("create %d", i);
		close(fd);
	}
	for (int i = 0; i < N; i += 997) {
		snprintf(m, sizeof(m), "%s-%d", n, i);
		ASSERT_EQ(-EEXIST, nopen(m, RDWR | CREAT | EXCL, 0600, 8));
	}
	for (int i = 0; i < N; i++) {
		snprintf(m, sizeof(m), "%s-%d", n, i);
		ASSERT_EQ(0, nunlink(m)) TH_LOG("unlink %d", i);
	}
	for (int i = 0; i < N; i += 997) {
		snprintf(m, sizeof(m), "%s-%d", n, i);
		ASSERT_EQ(-ENOENT, nopen(m, RDWR, 0, 0));
	}
}

/* Racing O_CREAT|O_EXCL creates of one name: exactly one wins, every round. */
TEST(exclusive_create_race_has_one_winner)
{
	enum { PROCS = 6, ROUNDS = 20 };
	pthread_barrier_t *bar;
	char n[64];
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "race");
	bar = mmap(NULL, sizeof(*bar), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(bar != MAP_FAILED);
	for (int r = 0; r < ROUNDS; r++) {
		pthread_barrierattr_t a;
		pid_t pids[PROCS];
		int wins = 0, exists = 0;

		pthread_barrierattr_init(&a);
		pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_barrier_init(bar, &a, PROCS);
		for (int i = 0; i < PROCS; i++) {
			pids[i] = fork();
			ASSERT_LE(0, pids[i]);
			if (pids[i] == 0) {
				int ret;

				pthread_barrier_wait(bar);
				ret = nopen(n, RDWR | CREAT | EXCL, 0600, 64);
				_exit(sabuf_t_exit_code(ret < 0 ? ret : 0));
			}
		}
		for (int i = 0; i < PROCS; i++) {
			int ret = sabuf_t_reap(pids[i]);

			wins += ret == 0;
			exists += ret == -EEXIST;
		}
		pthread_barrier_destroy(bar);
		ASSERT_EQ(1, wins);
		ASSERT_EQ(PROCS - 1, exists);
		ASSERT_EQ(0, nunlink(n));
	}
	munmap(bar, sizeof(*bar));
}

static void *open_creat_thread(void *name)
{
	return (void *)(intptr_t)nopen(name, RDWR | CREAT, 0600, 64);
}

/* Racing plain O_CREAT opens of one name: all get the same buffer. */
TEST(create_race_shares_one_buffer)
{
	enum { THREADS = 6 };
	pthread_t t[THREADS];
	char n[64];
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	tname(n, "share");
	for (int r = 0; r < 10; r++) {
		uint64_t ids[THREADS];

		for (int i = 0; i < THREADS; i++) {
			ASSERT_EQ(0, pthread_create(&t[i], NULL, open_creat_thread, n));
		}
		for (int i = 0; i < THREADS; i++) {
			void *res;

			ASSERT_EQ(0, pthread_join(t[i], &res));
			ASSERT_LE(0, (int)(intptr_t)res);
			ids[i] = id_of((int)(intptr_t)res);
			close((int)(intptr_t)res);
		}
		for (int i = 1; i < THREADS; i++) {
			ASSERT_EQ(ids[0], ids[i]);
		}
		ASSERT_EQ(0, nunlink(n));
	}
}

TEST_HARNESS_MAIN
