// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers: sabuf_create, sabuf_attach, sabuf_destroy and the accessors.
 * Every error the API documents, and no fd or mapping left behind on any
 * path, successful or not.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/sabuf.h>

#include "lib_test.h"

TEST(create_rejects_zero_length)
{
	struct sabuf *sb = (struct sabuf *)1;
	int fds = open_fd_count();

	EXPECT_EQ(-EINVAL, sabuf_create(0, &sb));
	EXPECT_EQ(NULL, sb);		/* *out is cleared on failure */
	EXPECT_EQ(fds, open_fd_count());
}

TEST(create_rejects_null_out)
{
	EXPECT_EQ(-EINVAL, sabuf_create(16, NULL));
	EXPECT_EQ(-EINVAL, sabuf_attach(0, NULL));
}

TEST(create_gives_a_zeroed_buffer_of_the_exact_length)
{
	static const size_t lengths[] = { 1, 4, 16, 4095, 4096, 4097, 65536 + 3 };
	unsigned int i;

	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		struct sabuf *sb;
		unsigned char *p;
		size_t j;

		CREATE_OR_SKIP(lengths[i], &sb);
		EXPECT_EQ(lengths[i], sabuf_byte_length(sb));
		p = sabuf_data(sb);
		ASSERT_NE(NULL, p);
		for (j = 0; j < lengths[i]; j++)
			if (p[j])
				break;
		EXPECT_EQ(lengths[i], j) TH_LOG("byte %zu not zero", j);
		p[lengths[i] - 1] = 0xa5;	/* the last byte is writable */
		EXPECT_GE(sabuf_fd(sb), 0);
		/* the handle's fd does not leak into exec'd programs */
		EXPECT_NE(0, fcntl(sabuf_fd(sb), F_GETFD) & FD_CLOEXEC);
		sabuf_destroy(sb);
	}
}

TEST(create_too_big_fails_clearly)
{
	struct sabuf *sb;
	int fds = open_fd_count();
	int ret = sabuf_create(SIZE_MAX, &sb);

	if (ret == -ENOENT)
		SKIP(return, "no /dev/sabuf");
	/* over the module's max_buffer_bytes (kmod/README.md) */
	EXPECT_EQ(-EFBIG, ret);
	EXPECT_EQ(NULL, sb);
	EXPECT_EQ(fds, open_fd_count());
}

TEST(destroy_leaves_no_fd_and_no_mapping)
{
	int fds = open_fd_count();
	int maps = sabuf_mapping_count();
	int i;

	for (i = 0; i < 50; i++) {
		struct sabuf *sb;

		CREATE_OR_SKIP(8192, &sb);
		EXPECT_GT(sabuf_mapping_count(), maps);
		sabuf_destroy(sb);
	}
	EXPECT_EQ(fds, open_fd_count());
	EXPECT_EQ(maps, sabuf_mapping_count());
	sabuf_destroy(NULL);		/* documented as harmless */
}

TEST(attach_dups_the_fd_and_shares_the_memory)
{
	struct sabuf *a, *b;
	int32_t *pa, *pb;
	int fd;

	CREATE_OR_SKIP(4096, &a);
	ASSERT_EQ(0, sabuf_attach(sabuf_fd(a), &b));
	EXPECT_NE(sabuf_fd(a), sabuf_fd(b));
	EXPECT_EQ(sabuf_byte_length(a), sabuf_byte_length(b));
	EXPECT_NE(0, fcntl(sabuf_fd(b), F_GETFD) & FD_CLOEXEC);
	pa = sabuf_data(a);
	pb = sabuf_data(b);
	sabuf_store(&pa[3], 1234);
	EXPECT_EQ(1234, sabuf_load(&pb[3]));

	/* b owns its own fd: it outlives a, and the caller's fd too */
	fd = dup(sabuf_fd(b));
	sabuf_destroy(a);
	EXPECT_EQ(1234, sabuf_load(&pb[3]));
	sabuf_store(&pb[4], 5);
	ASSERT_EQ(0, sabuf_attach(fd, &a));
	close(fd);
	pa = sabuf_data(a);
	EXPECT_EQ(5, sabuf_load(&pa[4]));
	sabuf_destroy(a);
	sabuf_destroy(b);
}

TEST(attach_of_a_bad_fd_is_ebadf)
{
	struct sabuf *sb = (struct sabuf *)1;
	int fd = open("/dev/null", O_RDONLY);

	EXPECT_EQ(-EBADF, sabuf_attach(-1, &sb));
	EXPECT_EQ(NULL, sb);
	close(fd);
	EXPECT_EQ(-EBADF, sabuf_attach(fd, &sb));	/* just closed */
}

/* fds that are not a sabuf buffer: -ENOTTY, and nothing leaks */
TEST(attach_of_a_non_sabuf_fd_is_enotty)
{
	char path[] = "/tmp/sabuf-lib-XXXXXX";
	struct sabuf *sb;
	int fds, file, null, pipes[2], socks[2];

	file = mkstemp(path);
	ASSERT_GE(file, 0);
	unlink(path);
	ASSERT_EQ(0, ftruncate(file, 4096));
	null = open("/dev/null", O_RDWR);
	ASSERT_GE(null, 0);
	ASSERT_EQ(0, pipe(pipes));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, socks));

	fds = open_fd_count();
	EXPECT_EQ(-ENOTTY, sabuf_attach(file, &sb));	/* regular file */
	EXPECT_EQ(-ENOTTY, sabuf_attach(null, &sb));	/* another char device */
	EXPECT_EQ(-ENOTTY, sabuf_attach(pipes[0], &sb));
	EXPECT_EQ(-ENOTTY, sabuf_attach(socks[0], &sb));
	EXPECT_EQ(NULL, sb);
	EXPECT_EQ(fds, open_fd_count());
	EXPECT_EQ(0, sabuf_mapping_count());
}

TEST(attach_of_an_empty_handle_is_ebadfd)
{
	struct sabuf *sb;
	int fd = open(SABUF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	int fds;

	if (fd < 0)
		SKIP(return, "no /dev/sabuf");
	fds = open_fd_count();
	EXPECT_EQ(-EBADFD, sabuf_attach(fd, &sb));	/* opened, never created */
	EXPECT_EQ(fds, open_fd_count());
	close(fd);
}

/* A forked child shares the mapping: the simplest way to share a buffer. */
TEST(a_forked_child_sees_the_same_memory)
{
	struct sabuf *sb;
	int32_t *w;
	pid_t pid;

	CREATE_OR_SKIP(4096, &sb);
	w = sabuf_data(sb);
	sabuf_store(&w[0], 1);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		sabuf_store(&w[1], sabuf_load(&w[0]) + 41);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid, 10000));
	EXPECT_EQ(42, sabuf_load(&w[1]));
	sabuf_destroy(sb);
}

TEST_HARNESS_MAIN
