// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only rights. An fd opened O_RDONLY, and every fd made by
 * SABUF_IOC_DUP_READONLY, may map PROT_READ, read INFO and WAIT; it can
 * never CREATE, NOTIFY, GROW or map writable (not by mmap, not by a later
 * mprotect). ABI 1 let an O_RDONLY fd create and notify: a reader could
 * steal FIFO wake-ups and hand out "ok" results.
 */
#include "sabuf_test.h"

#define WORD 64

static int dup_readonly(int fd)
{
	struct sabuf_dup args = { 0 };

	return sabuf_t_ioctl(fd, SABUF_IOC_DUP_READONLY, &args);
}

static int notify(int fd, uint64_t offset, uint32_t count)
{
	struct sabuf_notify args = { .offset = offset, .count = count };

	return sabuf_t_ioctl(fd, SABUF_IOC_NOTIFY, &args);
}

static int grow(int fd, uint64_t len)
{
	struct sabuf_grow args = { .byte_length = len };

	return sabuf_t_ioctl(fd, SABUF_IOC_GROW, &args);
}

TEST(o_rdonly_cannot_create)
{
	int fd = open(SABUF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		SKIP(return, "no %s", SABUF_DEVICE_PATH);
	EXPECT_EQ(-EBADF, sabuf_t_create(fd, 4096));
	close(fd);
}

FIXTURE(ro) {
	struct sabuf_t_buf b;
	int ro;			/* SABUF_IOC_DUP_READONLY of b.fd */
};

FIXTURE_SETUP(ro)
{
	SABUF_T_BUF_NEW(&self->b, 4 * sabuf_t_page_size());
	self->ro = dup_readonly(self->b.fd);
	ASSERT_LE(0, self->ro);
}

FIXTURE_TEARDOWN(ro)
{
	close(self->ro);
	sabuf_t_buf_free(&self->b);
}

TEST_F(ro, dup_is_close_on_exec_read_only_same_buffer)
{
	struct sabuf_info info;
	int flags = fcntl(self->ro, F_GETFD);

	ASSERT_LE(0, flags);
	EXPECT_TRUE(flags & FD_CLOEXEC);
	EXPECT_EQ(O_RDONLY, fcntl(self->ro, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, sabuf_t_info(self->ro, &info));
	EXPECT_EQ(self->b.info.id, info.id);
	EXPECT_EQ(self->b.info.byte_length, info.byte_length);
	EXPECT_EQ((__u32)SABUF_INFO_READONLY, info.flags);
	ASSERT_EQ(0, sabuf_t_info(self->b.fd, &info));
	EXPECT_EQ(0u, info.flags);
}

TEST_F(ro, maps_read_only_and_sees_the_writer)
{
	uint32_t *p;
	void *v;

	ASSERT_EQ(0, sabuf_t_mmap(&v, self->ro, self->b.info.map_length, PROT_READ,
				  MAP_SHARED, 0));
	p = v;
	__atomic_store_n(sabuf_t_u32(&self->b, WORD), 0xfeedbeef, __ATOMIC_SEQ_CST);
	EXPECT_EQ(0xfeedbeefu, __atomic_load_n(&p[WORD / 4], __ATOMIC_SEQ_CST));
	/* never writable: not by mprotect either */
	EXPECT_EQ(-1, mprotect(v, self->b.info.map_length, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(v, self->b.info.map_length);
}

TEST_F(ro, writable_mapping_eacces)
{
	void *v;

	EXPECT_EQ(-EACCES, sabuf_t_mmap(&v, self->ro, self->b.info.map_length,
					PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(-EACCES, sabuf_t_mmap(&v, self->ro, self->b.info.map_length,
					PROT_WRITE, MAP_SHARED, 0));
}

TEST_F(ro, notify_grow_create_ebadf)
{
	EXPECT_EQ(-EBADF, notify(self->ro, WORD, 1));
	EXPECT_EQ(-EBADF, notify(self->ro, WORD, SABUF_NOTIFY_ALL));
	EXPECT_EQ(-EBADF, sabuf_t_create(self->ro, 4096));
	EXPECT_EQ(-EBADF, grow(self->ro, 8 * sabuf_t_page_size()));
	/* the writable fd still may */
	EXPECT_EQ(0, notify(self->b.fd, WORD, 1));
}

/* A reader cannot steal the wake-up meant for a waiter. */
TEST_F(ro, reader_cannot_steal_a_wakeup)
{
	struct sabuf_t_waiter wt = {
		.fd = self->b.fd, .args = sabuf_t_wait_args(4, WORD, 0, -1),
	};

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	EXPECT_EQ(-EBADF, notify(self->ro, WORD, 1));
	EXPECT_EQ(0, sabuf_t_wait_queued(&self->b, WORD, wt.tid));
	EXPECT_EQ(1, notify(self->b.fd, WORD, 1));
	EXPECT_EQ(0, sabuf_t_waiter_join(&wt));
}

/* Waiting is reading: a waiter on the read-only fd is woken by the writer. */
TEST_F(ro, reader_waits_writer_notifies)
{
	struct sabuf_t_waiter wt = {
		.fd = self->ro, .args = sabuf_t_wait_args(8, WORD, 0, -1),
	};

	ASSERT_EQ(0, sabuf_t_waiter_start_queued(&self->b, &wt));
	EXPECT_EQ(1, notify(self->b.fd, WORD, 1));
	EXPECT_EQ(0, sabuf_t_waiter_join(&wt));
}

/* A dup of a read-only fd is read-only; flags and reserved are checked. */
TEST_F(ro, dup_of_readonly_and_bad_arguments)
{
	struct sabuf_dup args = { .flags = 1 };
	struct sabuf_info info;
	int again = dup_readonly(self->ro);

	ASSERT_LE(0, again);
	ASSERT_EQ(0, sabuf_t_info(again, &info));
	EXPECT_EQ((__u32)SABUF_INFO_READONLY, info.flags);
	EXPECT_EQ(self->b.info.id, info.id);
	close(again);
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->b.fd, SABUF_IOC_DUP_READONLY, &args));
	args.flags = 0;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->b.fd, SABUF_IOC_DUP_READONLY, &args));
}

TEST(dup_empty_handle_ebadfd)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	EXPECT_EQ(-EBADFD, dup_readonly(fd));
	close(fd);
}

/* The read-only fd keeps the buffer alive after every writable fd is gone. */
TEST(readonly_fd_keeps_the_buffer)
{
	struct sabuf_t_buf b;
	struct sabuf_info info;
	uint64_t id;
	void *v;
	int ro;

	SABUF_T_BUF_NEW(&b, 4096);
	*sabuf_t_u32(&b, 0) = 42;
	id = b.info.id;
	ro = dup_readonly(b.fd);
	ASSERT_LE(0, ro);
	sabuf_t_buf_free(&b);
	ASSERT_EQ(0, sabuf_t_info(ro, &info));
	EXPECT_EQ(id, info.id);
	ASSERT_EQ(0, sabuf_t_mmap(&v, ro, 4096, PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(42u, *(uint32_t *)v);
	munmap(v, 4096);
	close(ro);
}

TEST_HARNESS_MAIN
