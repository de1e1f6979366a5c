// SPDX-License-Identifier: GPL-2.0
/*
 * SABUF_IOC_WAIT_ANY at the ioctl level: the result encoding (index, or
 * SABUF_WAIT_ANY_NOT_EQUAL | index), and every rejected input with
 * otherwise-valid arguments: flags, reserved, clock, count 0 and above
 * SABUF_WAIT_ANY_MAX, item flags and sizes, alignment, 32-bit expected,
 * a closed fd (EBADF), an fd that is no sabuf handle (EINVAL), an empty
 * handle (EBADFD), out of range (ERANGE), a bad items pointer (EFAULT).
 * The behaviour under notifies is tested through libsabuf (lib_wait_any).
 */
#include "sabuf_test.h"

FIXTURE(any) {
	struct sabuf_t_buf b;
	struct sabuf_wait_any_item items[4];
	struct sabuf_wait_any args;
};

FIXTURE_SETUP(any)
{
	SABUF_T_BUF_NEW(&self->b, 4096);
	for (int i = 0; i < 4; i++)
		self->items[i] = (struct sabuf_wait_any_item){
			.fd = self->b.fd, .flags = SABUF_WAIT_SIZE_U32, .offset = 8 * i,
		};
	self->args = (struct sabuf_wait_any){
		.items = (uintptr_t)self->items, .count = 4, .timeout_ns = 0,
		.clockid = CLOCK_MONOTONIC,
	};
}

FIXTURE_TEARDOWN(any)
{
	sabuf_t_buf_free(&self->b);
}

static int wait_any(int fd, struct sabuf_wait_any *a)
{
	return sabuf_t_ioctl(fd, SABUF_IOC_WAIT_ANY, a);
}

TEST_F(any, valid_times_out)
{
	EXPECT_EQ(-ETIMEDOUT, wait_any(self->b.fd, &self->args));
	self->args.flags = SABUF_WAIT_ABSTIME;
	self->args.timeout_ns = sabuf_t_now(CLOCK_MONOTONIC) + 10 * SABUF_T_NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, wait_any(self->b.fd, &self->args));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
}

TEST_F(any, not_equal_reports_the_first_item)
{
	*sabuf_t_u32(&self->b, 16) = 1;
	*sabuf_t_u32(&self->b, 24) = 1;
	EXPECT_EQ(SABUF_WAIT_ANY_NOT_EQUAL | 2, wait_any(self->b.fd, &self->args));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 0));
	EXPECT_EQ(0u, sabuf_t_counter(&self->b, 8));
}

TEST_F(any, bad_call_arguments_einval)
{
	struct sabuf_wait_any a = self->args;

	a.flags = 1u << 7;
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &a));
	a = self->args;
	a.reserved = 1;
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &a));
	a = self->args;
	a.clockid = CLOCK_BOOTTIME;
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &a));
	a = self->args;
	a.count = 0;
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &a));
	a.count = SABUF_WAIT_ANY_MAX + 1;
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &a));
	a = self->args;
	a.items = 8;	/* no such memory */
	EXPECT_EQ(-EFAULT, wait_any(self->b.fd, &a));
}

TEST_F(any, bad_items)
{
	int other = open("/dev/null", O_RDONLY | O_CLOEXEC), empty;

	ASSERT_LE(0, other);
	SABUF_T_OPEN_OR_SKIP(empty);
	self->items[3].flags = SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64;
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &self->args));
	self->items[3].flags = SABUF_WAIT_ABSTIME | SABUF_WAIT_SIZE_U32;
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &self->args));
	self->items[3].flags = SABUF_WAIT_SIZE_U64;
	self->items[3].offset = 28;			/* misaligned for 8 */
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &self->args));
	self->items[3].flags = SABUF_WAIT_SIZE_U32;
	self->items[3].offset = 24;
	self->items[3].expected = 1ull << 32;		/* not a 32-bit value */
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &self->args));
	self->items[3].expected = 0;
	self->items[3].offset = 4096;			/* outside */
	EXPECT_EQ(-ERANGE, wait_any(self->b.fd, &self->args));
	self->items[3].offset = 24;
	self->items[3].fd = 9999;			/* not open */
	EXPECT_EQ(-EBADF, wait_any(self->b.fd, &self->args));
	self->items[3].fd = other;			/* not ours */
	EXPECT_EQ(-EINVAL, wait_any(self->b.fd, &self->args));
	self->items[3].fd = empty;			/* no buffer yet */
	EXPECT_EQ(-EBADFD, wait_any(self->b.fd, &self->args));
	self->items[3].fd = self->b.fd;
	EXPECT_EQ(-ETIMEDOUT, wait_any(self->b.fd, &self->args));
	close(other);
	close(empty);
}

/* The call's own fd may be any handle: an empty one too. */
TEST_F(any, called_on_another_handle)
{
	int empty;

	SABUF_T_OPEN_OR_SKIP(empty);
	EXPECT_EQ(-ETIMEDOUT, wait_any(empty, &self->args));
	close(empty);
}

TEST_HARNESS_MAIN
