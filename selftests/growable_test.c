// SPDX-License-Identifier: GPL-2.0
/*
 * Growable buffers, at the ioctl level: SABUF_CREATE_GROWABLE and every
 * way its arguments can be wrong, SABUF_IOC_GROW and each of its errors,
 * the mapping that spans the maximum with SIGBUS past the current length,
 * wait and notify limited to the current length, new bytes zero, and the
 * length published in the read-only status every holder maps.
 */
#include "sabuf_test.h"

#include <setjmp.h>

static int create_growable(int fd, uint64_t len, uint64_t max, uint32_t flags)
{
	struct sabuf_create args = {
		.byte_length = len, .flags = flags, .max_byte_length = max,
	};

	return sabuf_t_ioctl(fd, SABUF_IOC_CREATE, &args);
}

static int grow(int fd, uint64_t len)
{
	struct sabuf_grow args = { .byte_length = len };

	return sabuf_t_ioctl(fd, SABUF_IOC_GROW, &args);
}

static int notify(int fd, uint64_t offset)
{
	struct sabuf_notify args = { .offset = offset, .count = 1 };

	return sabuf_t_ioctl(fd, SABUF_IOC_NOTIFY, &args);
}

/* Does reading p fault? In a child, so the fault costs us nothing. */
static int read_faults(const volatile uint8_t *p)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return -errno;
	if (child == 0) {
		signal(SIGBUS, SIG_DFL);
		(void)*p;
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		return -errno;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

FIXTURE(grow) {
	int fd;
	long page;
	struct sabuf_info info;
	uint8_t *data;
	const struct sabuf_status *status;
	const uint8_t *counters;
};

FIXTURE_SETUP(grow)
{
	void *p;

	self->page = sabuf_t_page_size();
	self->data = NULL;
	self->counters = NULL;
	SABUF_T_OPEN_OR_SKIP(self->fd);
	ASSERT_EQ(0, create_growable(self->fd, self->page + 100, 8 * self->page,
				     SABUF_CREATE_GROWABLE));
	ASSERT_EQ(0, sabuf_t_info(self->fd, &self->info));
	ASSERT_EQ(0, sabuf_t_mmap(&p, self->fd, self->info.map_length,
				  PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	self->data = p;
	ASSERT_EQ(0, sabuf_t_mmap(&p, self->fd, self->info.counters_length, PROT_READ,
				  MAP_SHARED, self->info.counters_offset));
	self->counters = p;
	self->status = (const void *)(self->counters + self->info.status_offset);
}

FIXTURE_TEARDOWN(grow)
{
	if (self->data)
		munmap(self->data, self->info.map_length);
	if (self->counters)
		munmap((void *)self->counters, self->info.counters_length);
	close(self->fd);
}

TEST_F(grow, info_reports_length_maximum_and_flag)
{
	EXPECT_EQ((__u64)(self->page + 100), self->info.byte_length);
	EXPECT_EQ((__u64)(8 * self->page), self->info.max_byte_length);
	EXPECT_EQ((__u64)(8 * self->page), self->info.map_length);
	EXPECT_EQ((__u32)SABUF_INFO_GROWABLE, self->info.flags);
	EXPECT_EQ(self->info.byte_length, self->status->byte_length);
}

TEST_F(grow, grows_and_publishes_the_length)
{
	struct sabuf_info info;

	ASSERT_EQ(0, grow(self->fd, 5 * self->page + 1));
	EXPECT_EQ((__u64)(5 * self->page + 1), __atomic_load_n(sabuf_t_u64_at(&self->status->byte_length),
								__ATOMIC_ACQUIRE));
	ASSERT_EQ(0, sabuf_t_info(self->fd, &info));
	EXPECT_EQ((__u64)(5 * self->page + 1), info.byte_length);
	EXPECT_EQ((__u64)(8 * self->page), info.max_byte_length);
	/* the same length again: a no-op, and 0 */
	ASSERT_EQ(0, grow(self->fd, 5 * self->page + 1));
	/* up to the maximum exactly */
	ASSERT_EQ(0, grow(self->fd, 8 * self->page));
	EXPECT_EQ((__u64)(8 * self->page), self->status->byte_length);
}

TEST_F(grow, new_bytes_are_zero_old_bytes_kept)
{
	memset(self->data, 0x5a, self->page + 100);
	ASSERT_EQ(0, grow(self->fd, 4 * self->page));
	for (long i = 0; i < self->page + 100; i++) {
		ASSERT_EQ(0x5a, self->data[i]) TH_LOG("old byte %ld", i);
	}
	/* bytes past the old length in its last page were never written by us */
	for (long i = self->page + 100; i < 4 * self->page; i++) {
		ASSERT_EQ(0, self->data[i]) TH_LOG("new byte %ld", i);
	}
}

/*
 * The rest of the last page past the length is mapped, so a holder can
 * write there; growing over it makes those bytes new, and new bytes read
 * as zero (found by the fuzzer's --grow-tail).
 */
TEST_F(grow, tail_of_the_last_page_reads_zero_after_grow)
{
	const long len = self->page + 100;

	memset(self->data + len, 0xee, self->page - 100);
	ASSERT_EQ(0, grow(self->fd, 2 * self->page + 8));
	for (long i = len; i < 2 * self->page; i++) {
		ASSERT_EQ(0, self->data[i]) TH_LOG("byte %ld", i);
	}
}

TEST_F(grow, shrinking_einval)
{
	ASSERT_EQ(0, grow(self->fd, 3 * self->page));
	EXPECT_EQ(-EINVAL, grow(self->fd, 3 * self->page - 1));
	EXPECT_EQ(-EINVAL, grow(self->fd, 0));
	EXPECT_EQ((__u64)(3 * self->page), self->status->byte_length);
}

TEST_F(grow, above_maximum_erange)
{
	EXPECT_EQ(-ERANGE, grow(self->fd, 8 * self->page + 1));
	EXPECT_EQ(-ERANGE, grow(self->fd, UINT64_MAX));
	EXPECT_EQ((__u64)(self->page + 100), self->status->byte_length);
}

TEST_F(grow, flags_and_reserved_einval)
{
	struct sabuf_grow args = { .byte_length = 2 * self->page, .flags = 1 };

	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->fd, SABUF_IOC_GROW, &args));
	args.flags = 0;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(self->fd, SABUF_IOC_GROW, &args));
	args.reserved = 0;
	EXPECT_EQ(0, sabuf_t_ioctl(self->fd, SABUF_IOC_GROW, &args));
}

/* Pages past the current length raise SIGBUS until a grow covers them. */
TEST_F(grow, sigbus_past_the_length_until_grown)
{
	EXPECT_EQ(0, read_faults(self->data + self->page + 100))	/* same page */;
	EXPECT_EQ(1, read_faults(self->data + 2 * self->page));
	EXPECT_EQ(1, read_faults(self->data + 8 * self->page - 1));
	ASSERT_EQ(0, grow(self->fd, 2 * self->page + 1));
	EXPECT_EQ(0, read_faults(self->data + 2 * self->page));
	EXPECT_EQ(1, read_faults(self->data + 3 * self->page));
}

/* Wait and notify reach exactly the current length. */
TEST_F(grow, wait_notify_past_the_length_erange)
{
	const uint64_t end = self->page + 100;	/* byte_length */
	struct sabuf_wait w = sabuf_t_wait_args(4, end - 4, 1, 0);

	EXPECT_EQ(-EAGAIN, sabuf_t_wait(self->fd, &w));	/* last whole word: inside */
	w = sabuf_t_wait_args(4, (end + 3) & ~3ull, 1, 0);
	EXPECT_EQ(-ERANGE, sabuf_t_wait(self->fd, &w));
	w = sabuf_t_wait_args(8, 4 * self->page, 1, 0);
	EXPECT_EQ(-ERANGE, sabuf_t_wait(self->fd, &w));
	EXPECT_EQ(0, notify(self->fd, end - 4));
	EXPECT_EQ(-ERANGE, notify(self->fd, (end + 3) & ~3ull));
	EXPECT_EQ(-ERANGE, notify(self->fd, 4 * self->page));

	ASSERT_EQ(0, grow(self->fd, 5 * self->page));
	EXPECT_EQ(-EAGAIN, sabuf_t_wait(self->fd, &w));
	EXPECT_EQ(0, notify(self->fd, 4 * self->page));
}

/* Another process sees the new length in its own mapping of the status. */
TEST_F(grow, another_process_sees_the_new_length)
{
	int go[2];
	pid_t child;
	char c = 0;

	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int64_t until;

		if (read(go[0], &c, 1) != 1)
			_exit(10);
		until = sabuf_t_now(CLOCK_MONOTONIC) + SABUF_T_PATIENCE_MS * SABUF_T_NSEC_PER_MSEC;
		while (__atomic_load_n(sabuf_t_u64_at(&self->status->byte_length), __ATOMIC_ACQUIRE) !=
		       (__u64)(6 * self->page))
			if (sabuf_t_now(CLOCK_MONOTONIC) > until)
				_exit(11);
		/* and the bytes are there */
		_exit(self->data[6 * self->page - 1] == 0 ? 0 : 12);
	}
	ASSERT_EQ(0, grow(self->fd, 6 * self->page));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(0, sabuf_t_reap(child));
	close(go[0]);
	close(go[1]);
}

/* ---- create's arguments ---- */

TEST(create_growable_arguments)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	/* max 0, or below byte_length */
	EXPECT_EQ(-EINVAL, create_growable(fd, 0, 0, SABUF_CREATE_GROWABLE));
	EXPECT_EQ(-EINVAL, create_growable(fd, 4097, 4096, SABUF_CREATE_GROWABLE));
	/* without the flag, max_byte_length must be 0 or byte_length */
	EXPECT_EQ(-EINVAL, create_growable(fd, 4096, 8192, 0));
	/* an unknown flag */
	EXPECT_EQ(-EINVAL, create_growable(fd, 4096, 8192, SABUF_CREATE_GROWABLE | 2));
	EXPECT_EQ(-EINVAL, create_growable(fd, 4096, 8192, 1u << 31));
	/* max over max_buffer_bytes (1 GiB by default) */
	EXPECT_EQ(-EFBIG, create_growable(fd, 1, UINT64_MAX, SABUF_CREATE_GROWABLE));
	/* byte_length 0 is fine when growable, and so is == max */
	ASSERT_EQ(0, create_growable(fd, 0, 4096, SABUF_CREATE_GROWABLE));
	close(fd);
	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, create_growable(fd, 4096, 4096, SABUF_CREATE_GROWABLE));
	close(fd);
	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, create_growable(fd, 4096, 4096, 0));	/* fixed, max == length */
	close(fd);
}

/* A buffer of length 0 has no word: wait and notify say ERANGE. */
TEST(growable_empty_erange)
{
	struct sabuf_wait w = sabuf_t_wait_args(4, 0, 0, 0);
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, create_growable(fd, 0, 4096, SABUF_CREATE_GROWABLE));
	EXPECT_EQ(-ERANGE, sabuf_t_wait(fd, &w));
	EXPECT_EQ(-ERANGE, notify(fd, 0));
	ASSERT_EQ(0, grow(fd, 4));
	EXPECT_EQ(-ETIMEDOUT, sabuf_t_wait(fd, &w));
	close(fd);
}

TEST(grow_fixed_eopnotsupp)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_create(fd, 4096));
	EXPECT_EQ(-EOPNOTSUPP, grow(fd, 8192));
	EXPECT_EQ(-EOPNOTSUPP, grow(fd, 4096));
	close(fd);
}

TEST(grow_empty_handle_ebadfd)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	EXPECT_EQ(-EBADFD, grow(fd, 4096));
	close(fd);
}

/* The maximum is charged at create: max_user_bytes sees it before any grow. */
TEST(maximum_charged_at_create)
{
	unsigned long long saved;
	long page = sabuf_t_page_size();
	int a, b;

	if (geteuid())
		SKIP(return, "needs root to change max_user_bytes");
	SABUF_T_OPEN_OR_SKIP(a);
	SABUF_T_OPEN_OR_SKIP(b);
	ASSERT_EQ(0, sabuf_t_param_read("max_user_bytes", &saved));
	ASSERT_EQ(0, sabuf_t_param_write("max_user_bytes", 9 * page));
	EXPECT_EQ(0, create_growable(a, 0, 8 * page, SABUF_CREATE_GROWABLE));
	EXPECT_EQ(-EDQUOT, sabuf_t_create(b, 1));
	EXPECT_EQ(0, sabuf_t_param_write("max_user_bytes", saved));
	close(a);
	close(b);
}

TEST_HARNESS_MAIN
