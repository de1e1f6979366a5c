// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_open and sabuf_unlink (named buffers, 0.3): oflag translation and
 * validation, O_CREAT / O_EXCL / ENOENT, zero fill, byte_length ignored
 * for an existing name, read-only handles (sabuf_is_readonly, -EBADF from
 * notify and grow), sharing across processes that only know the name, the
 * umask and unlink while held. The kernel's side of every rule has its
 * raw-ioctl test in selftests/named_test.c.
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lib_test.h"

static const char *tname(char *buf, const char *what)
{
	snprintf(buf, 64, "lt-%d-%s", (int)getpid(), what);
	return buf;
}

#define OPEN_OR_SKIP(ret) do {						\
	if ((ret) == -ENOENT && access("/dev/sabuf", F_OK))		\
		SKIP(return, "no /dev/sabuf (is the module loaded?)");	\
} while (0)

TEST(create_open_exclusive_enoent)
{
	struct sabuf *a = NULL, *b = NULL;
	char n[64];
	int ret;

	tname(n, "coe");
	ret = sabuf_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, 1000, &a);
	OPEN_OR_SKIP(ret);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(1000u, sabuf_byte_length(a));
	ASSERT_FALSE(sabuf_is_readonly(a));
	ASSERT_FALSE(sabuf_is_growable(a));
	for (size_t i = 0; i < 1000; i++) {
		ASSERT_EQ(0, ((unsigned char *)sabuf_data(a))[i]);
	}
	ASSERT_EQ(-EEXIST, sabuf_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, 1000, &b));
	/* byte_length is ignored when the name exists */
	ASSERT_EQ(0, sabuf_open(n, O_RDWR | O_CREAT, 0600, 77, &b));
	ASSERT_EQ(1000u, sabuf_byte_length(b));
	sabuf_store((int32_t *)sabuf_data(a), 5);
	ASSERT_EQ(5, sabuf_load((int32_t *)sabuf_data(b)));
	sabuf_destroy(b);
	sabuf_destroy(a);
	/* the name alone keeps it */
	ASSERT_EQ(0, sabuf_open(n, O_RDWR, 0, 0, &b));
	ASSERT_EQ(5, sabuf_load((int32_t *)sabuf_data(b)));
	sabuf_destroy(b);
	ASSERT_EQ(0, sabuf_unlink(n));
	ASSERT_EQ(-ENOENT, sabuf_unlink(n));
	ASSERT_EQ(-ENOENT, sabuf_open(n, O_RDWR, 0, 0, &b));
}

TEST(invalid_arguments)
{
	struct sabuf *sb = NULL;
	char n[64], big[300];
	int ret;

	tname(n, "inval");
	ret = sabuf_open(n, O_RDWR | O_CREAT, 0600, 0, &sb);	/* byte_length 0 */
	OPEN_OR_SKIP(ret);
	ASSERT_EQ(-EINVAL, ret);
	ASSERT_EQ(-EINVAL, sabuf_open(n, O_WRONLY | O_CREAT, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open(n, O_ACCMODE | O_CREAT, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open(n, O_RDWR | O_CREAT | O_TRUNC, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open(n, O_RDWR | O_CREAT | O_CLOEXEC, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open(n, O_RDWR | O_CREAT | O_NONBLOCK, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open(NULL, O_RDWR | O_CREAT, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open(n, O_RDWR | O_CREAT, 0600, 8, NULL));
	ASSERT_EQ(-EINVAL, sabuf_open("", O_RDWR | O_CREAT, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open("a/b", O_RDWR | O_CREAT, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open("/lead", O_RDWR | O_CREAT, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open(".", O_RDWR | O_CREAT, 0600, 8, &sb));
	ASSERT_EQ(-EINVAL, sabuf_open("..", O_RDWR | O_CREAT, 0600, 8, &sb));
	memset(big, 'n', 256);
	big[256] = '\0';
	ASSERT_EQ(-ENAMETOOLONG, sabuf_open(big, O_RDWR | O_CREAT, 0600, 8, &sb));
	ASSERT_EQ(-ENAMETOOLONG, sabuf_unlink(big));
	ASSERT_EQ(-EINVAL, sabuf_unlink(NULL));
	ASSERT_EQ(-EINVAL, sabuf_unlink(""));
	ASSERT_EQ(-EINVAL, sabuf_unlink("."));
	/* none of those made anything */
	ASSERT_EQ(-ENOENT, sabuf_open(n, O_RDONLY, 0, 0, &sb));
	/* 255 bytes is fine; bits of mode beyond 0777 are ignored, as shm_open does */
	big[255] = '\0';
	ASSERT_EQ(0, sabuf_open(big, O_RDWR | O_CREAT | O_EXCL, 0100600, 8, &sb));
	sabuf_destroy(sb);
	ASSERT_EQ(0, sabuf_unlink(big));
}

TEST(readonly_open)
{
	struct sabuf *rw = NULL, *ro = NULL;
	char n[64];
	int ret;

	tname(n, "ro");
	ret = sabuf_open(n, O_RDWR | O_CREAT | O_EXCL, 0644, 4096, &rw);
	OPEN_OR_SKIP(ret);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, sabuf_open(n, O_RDONLY, 0, 0, &ro));
	ASSERT_TRUE(sabuf_is_readonly(ro));
	ASSERT_EQ(-EBADF, sabuf_notify(ro, sabuf_data(ro), 1));
	ASSERT_EQ(-EBADF, sabuf_grow(ro, 8192));
	sabuf_store((int32_t *)sabuf_data(rw), 3);
	ASSERT_EQ(3, sabuf_load((int32_t *)sabuf_data(ro)));
	ASSERT_EQ(SABUF_NOT_EQUAL, sabuf_wait32(ro, sabuf_data(ro), 4, 0));
	sabuf_destroy(ro);
	sabuf_destroy(rw);
	/* O_RDONLY | O_CREAT makes the buffer, read-only to its maker */
	ASSERT_EQ(0, sabuf_unlink(n));
	ASSERT_EQ(0, sabuf_open(n, O_RDONLY | O_CREAT, 0600, 64, &ro));
	ASSERT_TRUE(sabuf_is_readonly(ro));
	sabuf_destroy(ro);
	ASSERT_EQ(0, sabuf_unlink(n));
}

/* Two processes that share nothing but a name. */
TEST(unrelated_processes_meet_by_name)
{
	struct sabuf *sb = NULL;
	char n[64];
	pid_t pid;
	int status, ret;

	tname(n, "meet");
	ret = sabuf_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, 64, &sb);
	OPEN_OR_SKIP(ret);
	ASSERT_EQ(0, ret);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sabuf *mine;
		int32_t *w;

		/* a fresh process would not have sb: forget it, open by name */
		if (sabuf_open(n, O_RDWR, 0, 0, &mine))
			_exit(2);
		w = sabuf_data(mine);
		sabuf_store(w, 1);
		sabuf_notify(mine, w, 1);
		_exit(0);
	}
	/* until the child has stored (at most 60 s: no timing assert) */
	for (int i = 0; i < 600 && !sabuf_load((int32_t *)sabuf_data(sb)); i++)
		sabuf_wait32(sb, sabuf_data(sb), 0, 100 * NSEC_PER_MSEC);
	ASSERT_EQ(1, sabuf_load((int32_t *)sabuf_data(sb)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	sabuf_destroy(sb);
	ASSERT_EQ(0, sabuf_unlink(n));
}

/* The umask applies: uid 1001 with umask 077 makes 0666 into 0600. */
TEST(umask_applies)
{
	char n[64];
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to change uid");
	if (access("/dev/sabuf", F_OK))
		SKIP(return, "no /dev/sabuf (is the module loaded?)");
	tname(n, "umask");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sabuf *sb;

		if (setgroups(0, NULL) || setgid(1001) || setuid(1001))
			_exit(2);
		umask(077);
		_exit(sabuf_open(n, O_RDWR | O_CREAT | O_EXCL, 0666, 8, &sb) ? 3 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sabuf *sb;

		if (setgroups(0, NULL) || setgid(1001) || setuid(1002))
			_exit(2);
		if (sabuf_open(n, O_RDONLY, 0, 0, &sb) != -EACCES)
			_exit(3);
		/* and only the owner (or CAP_IPC_OWNER) unlinks */
		_exit(sabuf_unlink(n) == -EPERM ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, sabuf_unlink(n));
}

TEST_HARNESS_MAIN
