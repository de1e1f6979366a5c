// SPDX-License-Identifier: GPL-2.0
/*
 * Every rejected input of SABUF_IOC_WAIT and SABUF_IOC_NOTIFY, each on its
 * own with otherwise valid arguments, and its exact errno (kmod/README.md);
 * unknown commands; calls on an empty handle.
 *
 * Each fixture first checks that its baseline arguments are accepted (a
 * wait that times out at once, a notify that wakes nobody), so that a
 * rejection can only come from the one field a test changes.
 */
#include "sabuf_test.h"

#define NR_PAGES 2

/* ---- SABUF_IOC_WAIT, for 32- and 64-bit words ---- */

FIXTURE(wait_args) {
	struct sabuf_t_buf b;
	struct sabuf_wait ok;	/* valid: the word holds expected, timeout 0 */
};

FIXTURE_VARIANT(wait_args) {
	unsigned int size;
};

FIXTURE_VARIANT_ADD(wait_args, u32) { .size = 4 };
FIXTURE_VARIANT_ADD(wait_args, u64) { .size = 8 };

FIXTURE_SETUP(wait_args)
{
	struct sabuf_wait w;

	SABUF_T_BUF_NEW(&self->b, NR_PAGES * sabuf_t_page_size());
	self->ok = sabuf_t_wait_args(variant->size, 8, 0, 0);
	w = self->ok;
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait(self->b.fd, &w));
}

FIXTURE_TEARDOWN(wait_args)
{
	sabuf_t_buf_free(&self->b);
}

static int wait_with(FIXTURE_DATA(wait_args) *self, struct sabuf_wait w)
{
	return sabuf_t_wait(self->b.fd, &w);
}

TEST_F(wait_args, unknown_flag_bits_einval)
{
	for (int bit = 0; bit < 32; bit++) {
		struct sabuf_wait w = self->ok;

		if ((1u << bit) & SABUF_WAIT_FLAGS_VALID)
			continue;
		w.flags |= 1u << bit;
		EXPECT_EQ(-EINVAL, wait_with(self, w)) TH_LOG("flags bit %d accepted", bit);
	}
}

TEST_F(wait_args, no_size_flag_einval)
{
	struct sabuf_wait w = self->ok;

	w.flags = 0;
	ASSERT_EQ(-EINVAL, wait_with(self, w));
}

TEST_F(wait_args, abstime_without_size_flag_einval)
{
	struct sabuf_wait w = self->ok;

	w.flags = SABUF_WAIT_ABSTIME;
	ASSERT_EQ(-EINVAL, wait_with(self, w));
}

TEST_F(wait_args, both_size_flags_einval)
{
	struct sabuf_wait w = self->ok;

	w.flags = SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64;
	ASSERT_EQ(-EINVAL, wait_with(self, w));
}

TEST_F(wait_args, reserved0_nonzero_einval)
{
	struct sabuf_wait w = self->ok;

	w.reserved[0] = 1;
	ASSERT_EQ(-EINVAL, wait_with(self, w));
	w.reserved[0] = 1ull << 63;
	ASSERT_EQ(-EINVAL, wait_with(self, w));
}

TEST_F(wait_args, reserved1_nonzero_einval)
{
	struct sabuf_wait w = self->ok;

	w.reserved[1] = 1;
	ASSERT_EQ(-EINVAL, wait_with(self, w));
	w.reserved[1] = 1ull << 63;
	ASSERT_EQ(-EINVAL, wait_with(self, w));
}

static const __u32 bad_clocks[] = {
	CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW,
	CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
	CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_TAI, 12, 0x7fffffff, 0xffffffff,
};

TEST_F(wait_args, bad_clockid_relative_einval)
{
	for (unsigned int i = 0; i < sizeof(bad_clocks) / sizeof(bad_clocks[0]); i++) {
		struct sabuf_wait w = self->ok;

		w.clockid = bad_clocks[i];
		EXPECT_EQ(-EINVAL, wait_with(self, w)) TH_LOG("clockid %u", bad_clocks[i]);
	}
}

TEST_F(wait_args, bad_clockid_abstime_einval)
{
	for (unsigned int i = 0; i < sizeof(bad_clocks) / sizeof(bad_clocks[0]); i++) {
		struct sabuf_wait w = self->ok;

		w.flags |= SABUF_WAIT_ABSTIME;
		w.clockid = bad_clocks[i];
		EXPECT_EQ(-EINVAL, wait_with(self, w)) TH_LOG("clockid %u", bad_clocks[i]);
	}
}

/* Both good clocks are accepted, relative and absolute (positive control). */
TEST_F(wait_args, good_clockids_accepted)
{
	const __u32 clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };

	for (unsigned int i = 0; i < 2; i++) {
		struct sabuf_wait w = self->ok;

		w.clockid = clocks[i];
		EXPECT_EQ(-ETIMEDOUT, wait_with(self, w));
		w.flags |= SABUF_WAIT_ABSTIME;
		EXPECT_EQ(-ETIMEDOUT, wait_with(self, w));
	}
}

TEST_F(wait_args, misaligned_offset_einval)
{
	for (unsigned int mis = 1; mis < variant->size; mis++) {
		struct sabuf_wait w = self->ok;

		w.offset = 16 + mis;
		EXPECT_EQ(-EINVAL, wait_with(self, w)) TH_LOG("offset %llu", w.offset);
	}
}

/* The last word is fine; the one after it is not inside the buffer. */
TEST_F(wait_args, offset_past_end_erange)
{
	struct sabuf_wait w = self->ok;

	w.offset = self->b.info.byte_length - variant->size;
	ASSERT_EQ(-ETIMEDOUT, wait_with(self, w));
	w.offset = self->b.info.byte_length;
	ASSERT_EQ(-ERANGE, wait_with(self, w));
	w.offset = self->b.info.byte_length + sabuf_t_page_size();
	ASSERT_EQ(-ERANGE, wait_with(self, w));
}

/* Offsets where offset + size overflows must not wrap around into the buffer. */
TEST_F(wait_args, offset_huge_erange)
{
	const __u64 huge[] = { UINT64_MAX & ~(__u64)(variant->size - 1), 1ull << 63,
			       UINT64_MAX - sabuf_t_page_size() + 1 };

	for (unsigned int i = 0; i < 3; i++) {
		struct sabuf_wait w = self->ok;

		w.offset = huge[i];
		EXPECT_EQ(-ERANGE, wait_with(self, w)) TH_LOG("offset %#llx", w.offset);
	}
}

TEST_F(wait_args, bad_pointer_efault)
{
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(self->b.fd, SABUF_IOC_WAIT, NULL));
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(self->b.fd, SABUF_IOC_WAIT, sabuf_t_bad_ptr(0)));
}

TEST_F(wait_args, straddling_pointer_efault)
{
	struct sabuf_wait *w = sabuf_t_bad_ptr(sizeof(*w));

	ASSERT_TRUE(w != NULL);
	/* The readable half holds a valid offset and expected. */
	w->offset = self->ok.offset;
	w->expected = self->ok.expected;
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(self->b.fd, SABUF_IOC_WAIT, w));
}

/* 32-bit waits take expected through a __u32: anything wider is EINVAL. */
TEST(wait32_expected_over_32_bits_einval)
{
	const __u64 bad[] = { 1ull << 32, 0x100000001ull, 0xffffffff00000000ull,
			      UINT64_MAX, (__u64)(int64_t)INT32_MIN };
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, sabuf_t_page_size());
	*sabuf_t_u32(&b, 0) = 0;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sabuf_wait w = sabuf_t_wait_args(4, 0, bad[i], 0);

		EXPECT_EQ(-EINVAL, sabuf_t_wait(b.fd, &w)) TH_LOG("expected %#llx", bad[i]);
	}
	/* The widest valid value is accepted. */
	*sabuf_t_u32(&b, 0) = 0xffffffffu;
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(b.fd, 0, 0xffffffffu, 0));
	sabuf_t_buf_free(&b);
}

/*
 * "Inside the buffer" means inside byte_length, not inside the page the
 * mapping was rounded up to: with 12 bytes, the 32-bit word at 8 exists,
 * the one at 12 and the 64-bit word at 8 do not.
 */
TEST(wait_word_inside_byte_length_not_page)
{
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, 12);
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(b.fd, 8, 0, 0));
	ASSERT_EQ(-ERANGE, sabuf_t_wait32(b.fd, 12, 0, 0));
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait64(b.fd, 0, 0, 0));
	ASSERT_EQ(-ERANGE, sabuf_t_wait64(b.fd, 8, 0, 0));
	sabuf_t_buf_free(&b);
}

/* A 1-byte buffer holds no whole word at all. */
TEST(wait_in_one_byte_buffer_erange)
{
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, 1);
	ASSERT_EQ(-ERANGE, sabuf_t_wait32(b.fd, 0, 0, 0));
	ASSERT_EQ(-ERANGE, sabuf_t_wait64(b.fd, 0, 0, 0));
	ASSERT_EQ(-ERANGE, sabuf_t_notify(b.fd, 0, 1));
	sabuf_t_buf_free(&b);
}

TEST(wait_before_create_ebadfd)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(-EBADFD, sabuf_t_wait32(fd, 0, 0, 0));
	ASSERT_EQ(-EBADFD, sabuf_t_wait64(fd, 0, 0, 0));
	close(fd);
}

/* ---- SABUF_IOC_NOTIFY ---- */

FIXTURE(notify_args) {
	struct sabuf_t_buf b;
	struct sabuf_notify ok;	/* valid: wakes nobody, returns 0 */
};

FIXTURE_SETUP(notify_args)
{
	struct sabuf_notify n;

	SABUF_T_BUF_NEW(&self->b, NR_PAGES * sabuf_t_page_size());
	self->ok = (struct sabuf_notify){ .offset = 8, .count = 1 };
	n = self->ok;
	ASSERT_EQ(0, sabuf_t_ioctl(self->b.fd, SABUF_IOC_NOTIFY, &n));
}

FIXTURE_TEARDOWN(notify_args)
{
	sabuf_t_buf_free(&self->b);
}

static int notify_with(FIXTURE_DATA(notify_args) *self, struct sabuf_notify n)
{
	return sabuf_t_ioctl(self->b.fd, SABUF_IOC_NOTIFY, &n);
}

TEST_F(notify_args, unknown_flag_bits_einval)
{
	for (int bit = 0; bit < 32; bit++) {
		struct sabuf_notify n = self->ok;

		if ((1u << bit) & SABUF_NOTIFY_FLAGS_VALID)
			continue;
		n.flags = 1u << bit;
		EXPECT_EQ(-EINVAL, notify_with(self, n)) TH_LOG("flags bit %d accepted", bit);
	}
}

TEST_F(notify_args, reserved_nonzero_einval)
{
	struct sabuf_notify n = self->ok;

	n.reserved = 1;
	ASSERT_EQ(-EINVAL, notify_with(self, n));
	n.reserved = 1ull << 63;
	ASSERT_EQ(-EINVAL, notify_with(self, n));
}

TEST_F(notify_args, misaligned_offset_einval)
{
	for (unsigned int mis = 1; mis < 4; mis++) {
		struct sabuf_notify n = self->ok;

		n.offset = 16 + mis;
		EXPECT_EQ(-EINVAL, notify_with(self, n)) TH_LOG("offset %llu", n.offset);
	}
}

/* Notify needs 4-byte alignment only: the high half of a 64-bit word is an index too. */
TEST_F(notify_args, four_byte_aligned_offset_accepted)
{
	struct sabuf_notify n = self->ok;

	n.offset = 12;
	ASSERT_EQ(0, notify_with(self, n));
}

TEST_F(notify_args, offset_past_end_erange)
{
	struct sabuf_notify n = self->ok;

	n.offset = self->b.info.byte_length - 4;
	ASSERT_EQ(0, notify_with(self, n));
	n.offset = self->b.info.byte_length;
	ASSERT_EQ(-ERANGE, notify_with(self, n));
	n.offset = self->b.info.byte_length + sabuf_t_page_size();
	ASSERT_EQ(-ERANGE, notify_with(self, n));
}

TEST_F(notify_args, offset_huge_erange)
{
	const __u64 huge[] = { UINT64_MAX & ~3ull, 1ull << 63,
			       UINT64_MAX - sabuf_t_page_size() + 1 };

	for (unsigned int i = 0; i < 3; i++) {
		struct sabuf_notify n = self->ok;

		n.offset = huge[i];
		EXPECT_EQ(-ERANGE, notify_with(self, n)) TH_LOG("offset %#llx", n.offset);
	}
}

TEST_F(notify_args, count_zero_and_all_accepted)
{
	struct sabuf_notify n = self->ok;

	n.count = 0;
	ASSERT_EQ(0, notify_with(self, n));
	n.count = SABUF_NOTIFY_ALL;
	ASSERT_EQ(0, notify_with(self, n));
}

TEST_F(notify_args, bad_pointer_efault)
{
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(self->b.fd, SABUF_IOC_NOTIFY, NULL));
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(self->b.fd, SABUF_IOC_NOTIFY, sabuf_t_bad_ptr(0)));
}

TEST_F(notify_args, straddling_pointer_efault)
{
	struct sabuf_notify *n = sabuf_t_bad_ptr(sizeof(*n));

	ASSERT_TRUE(n != NULL);
	n->offset = self->ok.offset;
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(self->b.fd, SABUF_IOC_NOTIFY, n));
}

TEST(notify_word_inside_byte_length_not_page)
{
	struct sabuf_t_buf b;

	SABUF_T_BUF_NEW(&b, 10);
	ASSERT_EQ(0, sabuf_t_notify(b.fd, 4, 1));
	ASSERT_EQ(-ERANGE, sabuf_t_notify(b.fd, 8, 1));
	sabuf_t_buf_free(&b);
}

TEST(notify_before_create_ebadfd)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(-EBADFD, sabuf_t_notify(fd, 0, 1));
	close(fd);
}

/* ---- unknown commands ---- */

/*
 * Each command is tried on an empty and on a created handle, with a
 * pointer to enough zeroed, writable memory, so that only the command
 * number itself can be the reason for ENOTTY.
 */
static void check_enotty(struct __test_metadata *_metadata, unsigned long cmd)
{
	uint64_t arg[64] = { 0 };
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	EXPECT_EQ(-ENOTTY, sabuf_t_ioctl(fd, cmd, arg)) TH_LOG("empty handle, cmd %#lx", cmd);
	ASSERT_EQ(0, sabuf_t_create(fd, 4096));
	EXPECT_EQ(-ENOTTY, sabuf_t_ioctl(fd, cmd, arg)) TH_LOG("created handle, cmd %#lx", cmd);
	close(fd);
}

TEST(unknown_command_number_enotty)
{
	check_enotty(_metadata, _IO(SABUF_IOC_MAGIC, 0x07));
	check_enotty(_metadata, _IOWR(SABUF_IOC_MAGIC, 0x7f, struct sabuf_wait));
	check_enotty(_metadata, _IOWR(SABUF_IOC_MAGIC, 0xff, __u64));
}

/* 0x04 is reserved for a pollable waiter, which does not exist yet. */
TEST(reserved_wait_fd_command_enotty)
{
	check_enotty(_metadata, _IO(SABUF_IOC_MAGIC, 0x04));
	check_enotty(_metadata, _IOWR(SABUF_IOC_MAGIC, 0x04, struct sabuf_wait));
}

/* A known number with another direction is another command. */
TEST(known_number_wrong_direction_enotty)
{
	check_enotty(_metadata, _IOR(SABUF_IOC_MAGIC, 0x00, struct sabuf_create));
	check_enotty(_metadata, _IOW(SABUF_IOC_MAGIC, 0x01, struct sabuf_info));
	check_enotty(_metadata, _IOWR(SABUF_IOC_MAGIC, 0x02, struct sabuf_wait));
	check_enotty(_metadata, _IOR(SABUF_IOC_MAGIC, 0x02, struct sabuf_wait));
	check_enotty(_metadata, _IOWR(SABUF_IOC_MAGIC, 0x03, struct sabuf_notify));
	check_enotty(_metadata, _IOR(SABUF_IOC_MAGIC, 0x05, struct sabuf_grow));
	check_enotty(_metadata, _IOWR(SABUF_IOC_MAGIC, 0x06, struct sabuf_dup));
}

/* ---- size-versioned structs (copy_struct_from_user) ---- */

/* A size below the struct's first version, or above a page: EINVAL. */
TEST(size_below_first_version_or_above_page_einval)
{
	uint64_t arg[1100] = { 0 };
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	arg[0] = 4096;
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x00, 8), arg));
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x00, 8192), arg));
	arg[0] = 0;
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, _IOC(_IOC_READ, SABUF_IOC_MAGIC, 0x01, 80), arg));
	ASSERT_EQ(0, sabuf_t_create(fd, 4096));
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x02, 40), arg));
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x03, 16), arg));
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x05, 8), arg));
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x06, 4), arg));
	EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, _IOC(_IOC_READ, SABUF_IOC_MAGIC, 0x01, 8192), arg));
	close(fd);
}

/* CREATE's first version (16 bytes, no max_byte_length) makes a fixed buffer. */
TEST(create_first_version_works)
{
	struct sabuf_create args = { .byte_length = 100 };
	struct sabuf_info info;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_ioctl(fd, _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x00,
					    SABUF_CREATE_SIZE_VER0), &args));
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	EXPECT_EQ(100ull, info.byte_length);
	EXPECT_EQ(100ull, info.max_byte_length);
	EXPECT_EQ(0u, info.flags & SABUF_INFO_GROWABLE);
	close(fd);
}

/* A newer, longer struct works while its unknown tail is zero; else E2BIG. */
TEST(longer_struct_zero_tail_ok_else_e2big)
{
	struct {
		struct sabuf_create c;
		uint64_t tail[2];
	} create = { .c = { .byte_length = 4096 } };
	struct {
		struct sabuf_wait w;
		uint64_t tail;
	} wait = { .w = { .offset = 0, .expected = 1, .timeout_ns = 0,
			  .flags = SABUF_WAIT_SIZE_U32, .clockid = CLOCK_MONOTONIC } };
	struct {
		struct sabuf_notify n;
		uint64_t tail;
	} notify = { .n = { .offset = 0, .count = 1 } };
	unsigned long create_cmd = _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x00, sizeof(create));
	unsigned long wait_cmd = _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x02, sizeof(wait));
	unsigned long notify_cmd = _IOC(_IOC_WRITE, SABUF_IOC_MAGIC, 0x03, sizeof(notify));
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	create.tail[1] = 1;
	EXPECT_EQ(-E2BIG, sabuf_t_ioctl(fd, create_cmd, &create));
	create.tail[1] = 0;
	ASSERT_EQ(0, sabuf_t_ioctl(fd, create_cmd, &create));

	/* the word is 0, expected 1: not-equal proves the call was taken */
	EXPECT_EQ(-EAGAIN, sabuf_t_ioctl(fd, wait_cmd, &wait));
	wait.tail = 1ull << 63;
	EXPECT_EQ(-E2BIG, sabuf_t_ioctl(fd, wait_cmd, &wait));

	EXPECT_EQ(0, sabuf_t_ioctl(fd, notify_cmd, &notify));
	notify.tail = 1;
	EXPECT_EQ(-E2BIG, sabuf_t_ioctl(fd, notify_cmd, &notify));
	close(fd);
}

/* INFO into a longer struct: the part the kernel does not know is zeroed. */
TEST(info_longer_struct_tail_zeroed)
{
	struct {
		struct sabuf_info info;
		uint64_t tail[3];
	} out;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_create(fd, 4096));
	memset(&out, 0xa5, sizeof(out));
	ASSERT_EQ(0, sabuf_t_ioctl(fd, _IOC(_IOC_READ, SABUF_IOC_MAGIC, 0x01, sizeof(out)), &out));
	EXPECT_EQ((__u32)SABUF_ABI_VERSION, out.info.abi_version);
	EXPECT_EQ(4096ull, out.info.byte_length);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(0ull, out.tail[i]);
	close(fd);
}

/* ABI 1's magic (0xB5, rpmsg's) is not ours any more. */
TEST(abi1_magic_enotty)
{
	check_enotty(_metadata, _IOW(0xB5, 0x00, struct sabuf_create));
	check_enotty(_metadata, _IOR(0xB5, 0x01, struct sabuf_info));
	check_enotty(_metadata, _IOWR(0xB5, 0x02, struct sabuf_wait));
}

TEST(other_magic_enotty)
{
	check_enotty(_metadata, _IOW(SABUF_IOC_MAGIC + 1, 0x00, struct sabuf_create));
	check_enotty(_metadata, _IOWR('x', 0x02, struct sabuf_wait));
	check_enotty(_metadata, 0x5401);	/* TCGETS: isatty() must say no */
}

TEST_HARNESS_MAIN
