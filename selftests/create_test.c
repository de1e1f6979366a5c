// SPDX-License-Identifier: GPL-2.0
/*
 * SABUF_IOC_CREATE and SABUF_IOC_INFO: giving an empty handle its length,
 * once, and what the kernel reports about it. Every rejected input is its
 * own test, with otherwise valid arguments and its exact errno.
 */
#include "sabuf_test.h"

/* Create byte_length on a fresh handle; check info and that all of it is usable. */
static void check_create_and_use(struct __test_metadata *_metadata, uint64_t byte_length)
{
	long page = sabuf_t_page_size();
	uint64_t map_length = (byte_length + page - 1) / page * page;
	struct sabuf_info info;
	uint8_t *p;
	int fd, ret;
	void *data;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_create(fd, byte_length));
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	EXPECT_EQ(byte_length, info.byte_length);
	EXPECT_EQ(map_length, info.map_length);

	ret = sabuf_t_mmap(&data, fd, map_length, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_EQ(0, ret);
	p = data;
	/* Every page exists already: touching each must not SIGBUS. */
	for (uint64_t off = 0; off < map_length; off += page) {
		ASSERT_EQ(0, p[off]);
		p[off] = 0x5a;
	}
	ASSERT_EQ(0, p[map_length - 1]);
	p[map_length - 1] = 0xa5;
	ASSERT_EQ(0xa5, p[map_length - 1]);
	munmap(data, map_length);
	close(fd);
}

TEST(create_one_byte)
{
	check_create_and_use(_metadata, 1);
}

TEST(create_one_page)
{
	check_create_and_use(_metadata, sabuf_t_page_size());
}

TEST(create_one_page_plus_one_byte)
{
	check_create_and_use(_metadata, sabuf_t_page_size() + 1);
}

TEST(create_four_mib)
{
	check_create_and_use(_metadata, 4 << 20);
}

TEST(create_odd_length_of_three_mib)
{
	check_create_and_use(_metadata, (3 << 20) + 12345);
}

TEST(create_twice_eexist)
{
	struct sabuf_info info;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_create(fd, 4096));
	ASSERT_EQ(-EEXIST, sabuf_t_create(fd, 4096));
	ASSERT_EQ(-EEXIST, sabuf_t_create(fd, 100));
	/* The first create stands. */
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	ASSERT_EQ(4096ull, info.byte_length);
	close(fd);
}

TEST(create_on_dup_fd_eexist)
{
	int fd, fd2;

	SABUF_T_OPEN_OR_SKIP(fd);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sabuf_t_create(fd, 4096));
	/* A dup'ed fd is the same handle, not a new one. */
	ASSERT_EQ(-EEXIST, sabuf_t_create(fd2, 4096));
	close(fd2);
	close(fd);
}

/*
 * Threads racing to create on one handle: exactly one wins, the rest see
 * EEXIST, and the handle has the winner's length. Lengths of a few MiB make
 * each create slow enough for the racers to overlap; many rounds make an
 * unserialized create show.
 */
#define RACERS	4
#define ROUNDS	40

struct racer {
	pthread_t thread;
	pthread_barrier_t *start;
	int *fd;		/* this round's handle, shared by the racers */
	uint64_t length;
	int ret[ROUNDS];
};

static void *race_to_create(void *arg)
{
	struct racer *r = arg;

	for (int round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(&r->start[0]);	/* the handle is open */
		r->ret[round] = sabuf_t_create(*r->fd, r->length);
		pthread_barrier_wait(&r->start[1]);	/* everyone is done */
	}
	return NULL;
}

TEST(create_race_exactly_one_wins)
{
	pthread_barrier_t start[2];
	struct racer r[RACERS];
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	close(fd);
	ASSERT_EQ(0, pthread_barrier_init(&start[0], NULL, RACERS + 1));
	ASSERT_EQ(0, pthread_barrier_init(&start[1], NULL, RACERS + 1));
	for (int i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ .start = start, .fd = &fd, .length = (i + 1) << 20 };
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, race_to_create, &r[i]));
	}
	for (int round = 0; round < ROUNDS; round++) {
		struct sabuf_info info;
		int winners = 0, winner = -1;

		fd = sabuf_t_open();
		ASSERT_LE(0, fd);
		pthread_barrier_wait(&start[0]);
		pthread_barrier_wait(&start[1]);
		for (int i = 0; i < RACERS; i++) {
			if (r[i].ret[round] == 0) {
				winners++;
				winner = i;
			} else {
				ASSERT_EQ(-EEXIST, r[i].ret[round]) TH_LOG("round %d racer %d", round, i);
			}
		}
		ASSERT_EQ(1, winners) TH_LOG("round %d", round);
		ASSERT_EQ(0, sabuf_t_info(fd, &info));
		ASSERT_EQ(r[winner].length, info.byte_length) TH_LOG("round %d", round);
		close(fd);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(r[i].thread, NULL);
}

/* A rejected create leaves the handle empty: a valid create still works. */
TEST(create_after_rejected_create)
{
	struct sabuf_create args = { .byte_length = 8, .reserved = 1 };
	struct sabuf_info info;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(-EINVAL, sabuf_t_ioctl(fd, SABUF_IOC_CREATE, &args));
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	ASSERT_EQ(0ull, info.byte_length);
	ASSERT_EQ(0, sabuf_t_create(fd, 8));
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	ASSERT_EQ(8ull, info.byte_length);
	close(fd);
}

TEST(create_zero_length_einval)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(-EINVAL, sabuf_t_create(fd, 0));
	close(fd);
}

/* Every flag bit is unknown (SABUF_CREATE_FLAGS_VALID is 0): each alone is EINVAL. */
TEST(create_unknown_flag_bits_einval)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	for (int bit = 0; bit < 32; bit++) {
		struct sabuf_create args = { .byte_length = 4096, .flags = 1u << bit };

		if (args.flags & SABUF_CREATE_FLAGS_VALID)
			continue;
		EXPECT_EQ(-EINVAL, sabuf_t_ioctl(fd, SABUF_IOC_CREATE, &args))
			TH_LOG("flags bit %d accepted", bit);
	}
	ASSERT_EQ(0, sabuf_t_create(fd, 4096));
	close(fd);
}

TEST(create_reserved_nonzero_einval)
{
	struct sabuf_create args = { .byte_length = 4096, .reserved = 0x80000000u };
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(-EINVAL, sabuf_t_ioctl(fd, SABUF_IOC_CREATE, &args));
	close(fd);
}

/* The cap as it stands (no root needed: the parameter is readable). */
TEST(create_over_max_buffer_bytes_efbig)
{
	unsigned long long max;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	if (sabuf_t_param_read("max_buffer_bytes", &max))
		SKIP(return, "max_buffer_bytes not readable");
	if (max == ULLONG_MAX)
		SKIP(return, "max_buffer_bytes is unlimited");
	ASSERT_EQ(-EFBIG, sabuf_t_create(fd, max + 1));
	close(fd);
}

/* Page-rounding UINT64_MAX overflows to 0: the cap must still catch it. */
TEST(create_uint64_max_efbig)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(-EFBIG, sabuf_t_create(fd, UINT64_MAX));
	ASSERT_EQ(-EFBIG, sabuf_t_create(fd, UINT64_MAX - sabuf_t_page_size() + 2));
	close(fd);
}

TEST(create_bad_pointer_efault)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(fd, SABUF_IOC_CREATE, NULL));
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(fd, SABUF_IOC_CREATE, sabuf_t_bad_ptr(0)));
	close(fd);
}

/* Half the struct readable: the kernel must not act on a partial copy. */
TEST(create_straddling_pointer_efault)
{
	struct sabuf_create *args = sabuf_t_bad_ptr(sizeof(*args));
	int fd;

	ASSERT_TRUE(args != NULL);
	SABUF_T_OPEN_OR_SKIP(fd);
	args->byte_length = 4096;	/* the readable half */
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(fd, SABUF_IOC_CREATE, args));
	close(fd);
}

TEST(info_empty_handle)
{
	struct sabuf_info info;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	EXPECT_EQ((__u32)SABUF_ABI_VERSION, info.abi_version);
	EXPECT_EQ((__u32)sabuf_t_page_size(), info.page_size);
	EXPECT_EQ(0ull, info.byte_length);
	EXPECT_EQ(0ull, info.map_length);
	EXPECT_EQ(0ull, info.id);
	EXPECT_EQ(0u, info.flags);
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0ull, info.reserved[i]);
	}
	close(fd);
}

TEST(info_reports_layout)
{
	const uint64_t features = SABUF_FEATURE_WAIT32 | SABUF_FEATURE_WAIT64 |
				  SABUF_FEATURE_ABSTIME | SABUF_FEATURE_CLOCK_REALTIME |
				  SABUF_FEATURE_COUNTERS | SABUF_FEATURE_GROWABLE |
				  SABUF_FEATURE_READONLY | SABUF_FEATURE_STATUS |
				  SABUF_FEATURE_HANDON | SABUF_FEATURE_TIMENS |
				  SABUF_FEATURE_SHMEM;
	long page = sabuf_t_page_size();
	struct sabuf_info info;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_create(fd, 5 * page + 3));
	ASSERT_EQ(0, sabuf_t_info(fd, &info));
	EXPECT_EQ((__u32)SABUF_ABI_VERSION, info.abi_version);
	EXPECT_EQ((__u32)page, info.page_size);
	EXPECT_EQ(features, info.features & features);
	EXPECT_EQ((__u64)(5 * page + 3), info.byte_length);
	EXPECT_EQ((__u64)(6 * page), info.map_length);
	/* The counters: page-aligned, past the data, holding every slot. */
	EXPECT_EQ(0ull, info.counters_offset % page);
	EXPECT_LE(info.map_length, info.counters_offset);
	EXPECT_EQ(0u, info.counters_length % page);
	EXPECT_NE(0u, info.counters_slots);
	EXPECT_EQ(0u, info.counters_slots & (info.counters_slots - 1));
	EXPECT_LE((uint64_t)info.counters_slots * sizeof(uint32_t), info.counters_length);
	/* The status sits in the counter page, past every slot. */
	EXPECT_LE((uint64_t)info.counters_slots * sizeof(uint32_t), info.status_offset);
	EXPECT_LE(info.status_offset + sizeof(struct sabuf_status), info.counters_length);
	EXPECT_EQ((__u64)(5 * page + 3), info.max_byte_length);
	EXPECT_EQ(0u, info.flags);
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0ull, info.reserved[i]);
	}
	close(fd);
}

TEST(info_ids_differ)
{
	struct sabuf_info a, b;
	int fa, fb;

	SABUF_T_OPEN_OR_SKIP(fa);
	SABUF_T_OPEN_OR_SKIP(fb);
	ASSERT_EQ(0, sabuf_t_create(fa, 1));
	ASSERT_EQ(0, sabuf_t_create(fb, 1));
	ASSERT_EQ(0, sabuf_t_info(fa, &a));
	ASSERT_EQ(0, sabuf_t_info(fb, &b));
	ASSERT_NE(a.id, b.id);
	close(fa);
	close(fb);
}

TEST(info_bad_pointer_efault)
{
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(0, sabuf_t_create(fd, 1));
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(fd, SABUF_IOC_INFO, NULL));
	ASSERT_EQ(-EFAULT, sabuf_t_ioctl(fd, SABUF_IOC_INFO, sabuf_t_bad_ptr(0)));
	close(fd);
}

TEST_HARNESS_MAIN
