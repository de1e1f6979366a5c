// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of a buffer: what may be mapped (MAP_SHARED, inside the data pages,
 * or exactly the read-only counter page), what is refused and with which
 * errno, and that every mapping in every process sees the same bytes.
 */
#include "sabuf_test.h"

#include <sys/socket.h>

#define NR_PAGES 3

/* A created buffer of NR_PAGES whole pages, mapped once (data and counters). */
FIXTURE(buf) {
	struct sabuf_t_buf b;
	long page;
};

FIXTURE_SETUP(buf)
{
	self->page = sabuf_t_page_size();
	SABUF_T_BUF_NEW(&self->b, NR_PAGES * self->page);
	ASSERT_EQ((__u64)(NR_PAGES * self->page), self->b.info.map_length);
}

FIXTURE_TEARDOWN(buf)
{
	sabuf_t_buf_free(&self->b);
}

/* An offset past the data pages that is not the counter page either. */
static off_t offset_past_everything(const struct sabuf_t_buf *b, long page)
{
	uint64_t off = b->info.map_length;

	while (off >= b->info.counters_offset &&
	       off < b->info.counters_offset + b->info.counters_length)
		off += page;
	return off;
}

TEST(mmap_before_create_ebadfd)
{
	void *p;
	int fd;

	SABUF_T_OPEN_OR_SKIP(fd);
	ASSERT_EQ(-EBADFD, sabuf_t_mmap(&p, fd, sabuf_t_page_size(),
					PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	close(fd);
}

TEST_F(buf, mmap_whole_buffer_read_write)
{
	void *p;

	ASSERT_EQ(0, sabuf_t_mmap(&p, self->b.fd, self->b.info.map_length,
				  PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	((uint8_t *)p)[self->b.info.map_length - 1] = 7;
	ASSERT_EQ(7, self->b.data[self->b.info.map_length - 1]);
	munmap(p, self->b.info.map_length);
}

/* A window onto the middle page is that page, not the first one. */
TEST_F(buf, mmap_inner_page_aliases_that_page)
{
	uint32_t *p;

	ASSERT_EQ(0, sabuf_t_mmap((void **)&p, self->b.fd, self->page,
				  PROT_READ | PROT_WRITE, MAP_SHARED, self->page));
	*sabuf_t_u32(&self->b, self->page + 8) = 0xc0ffee;
	ASSERT_EQ(0xc0ffeeu, p[2]);
	p[3] = 0xbeef;
	ASSERT_EQ(0xbeefu, *sabuf_t_u32(&self->b, self->page + 12));
	ASSERT_EQ(0u, *sabuf_t_u32(&self->b, 12));
	munmap(p, self->page);
}

TEST_F(buf, mmap_longer_than_buffer_enxio)
{
	void *p;

	ASSERT_EQ(-ENXIO, sabuf_t_mmap(&p, self->b.fd, self->b.info.map_length + self->page,
				       PROT_READ | PROT_WRITE, MAP_SHARED, 0));
}

TEST_F(buf, mmap_crossing_the_end_enxio)
{
	void *p;

	ASSERT_EQ(-ENXIO, sabuf_t_mmap(&p, self->b.fd, 2 * self->page,
				       PROT_READ | PROT_WRITE, MAP_SHARED,
				       self->b.info.map_length - self->page));
}

TEST_F(buf, mmap_offset_past_the_end_enxio)
{
	void *p;

	ASSERT_EQ(-ENXIO, sabuf_t_mmap(&p, self->b.fd, self->page, PROT_READ | PROT_WRITE,
				       MAP_SHARED, offset_past_everything(&self->b, self->page)));
	ASSERT_EQ(-ENXIO, sabuf_t_mmap(&p, self->b.fd, self->page, PROT_READ,
				       MAP_SHARED, offset_past_everything(&self->b, self->page)));
}

/* Data and counters in one mapping: neither inside the data nor exactly the counters. */
TEST_F(buf, mmap_data_and_counters_at_once_enxio)
{
	uint64_t end = self->b.info.counters_offset + self->b.info.counters_length;
	void *p;

	ASSERT_EQ(-ENXIO, sabuf_t_mmap(&p, self->b.fd, end, PROT_READ, MAP_SHARED, 0));
}

TEST_F(buf, mmap_private_einval)
{
	void *p;

	ASSERT_EQ(-EINVAL, sabuf_t_mmap(&p, self->b.fd, self->page, PROT_READ | PROT_WRITE,
					MAP_PRIVATE, 0));
}

TEST_F(buf, mmap_private_read_only_einval)
{
	void *p;

	ASSERT_EQ(-EINVAL, sabuf_t_mmap(&p, self->b.fd, self->page, PROT_READ, MAP_PRIVATE, 0));
}

TEST_F(buf, mmap_exec_eperm)
{
	void *p;

	ASSERT_EQ(-EPERM, sabuf_t_mmap(&p, self->b.fd, self->page, PROT_READ | PROT_EXEC,
				       MAP_SHARED, 0));
}

TEST_F(buf, mmap_write_exec_eperm)
{
	void *p;

	ASSERT_EQ(-EPERM, sabuf_t_mmap(&p, self->b.fd, self->page,
				       PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, 0));
}

TEST_F(buf, mprotect_to_exec_eacces)
{
	void *p;

	ASSERT_EQ(0, sabuf_t_mmap(&p, self->b.fd, self->page, PROT_READ | PROT_WRITE,
				  MAP_SHARED, 0));
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_READ | PROT_WRITE | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	/* Dropping rights is fine. */
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ));
	munmap(p, self->page);
}

TEST_F(buf, mremap_grow_whole_buffer_efault)
{
	size_t len = self->b.info.map_length;
	void *p, *q;

	ASSERT_EQ(0, sabuf_t_mmap(&p, self->b.fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	q = mremap(p, len, len + self->page, MREMAP_MAYMOVE);
	ASSERT_TRUE(q == MAP_FAILED);
	ASSERT_EQ(EFAULT, errno);
	q = mremap(p, len, len + self->page, 0);
	ASSERT_TRUE(q == MAP_FAILED);
	ASSERT_EQ(EFAULT, errno);
	munmap(p, len);
}

/* Growing is refused even where the buffer has more pages (VM_DONTEXPAND). */
TEST_F(buf, mremap_grow_inside_buffer_efault)
{
	void *p, *q;

	ASSERT_EQ(0, sabuf_t_mmap(&p, self->b.fd, self->page, PROT_READ | PROT_WRITE,
				  MAP_SHARED, 0));
	q = mremap(p, self->page, 2 * self->page, MREMAP_MAYMOVE);
	ASSERT_TRUE(q == MAP_FAILED);
	ASSERT_EQ(EFAULT, errno);
	munmap(p, self->page);
}

TEST_F(buf, mremap_grow_counters_efault)
{
	size_t len = self->b.info.counters_length;
	const void *p = self->b.counters;
	void *q;

	q = mremap((void *)p, len, len + self->page, MREMAP_MAYMOVE);
	ASSERT_TRUE(q == MAP_FAILED);
	ASSERT_EQ(EFAULT, errno);
}

TEST_F(buf, counters_read_only_all_zero)
{
	for (uint32_t i = 0; i < self->b.info.counters_slots; i++) {
		ASSERT_EQ(0u, self->b.counters[i]) TH_LOG("slot %u", i);
	}
}

TEST_F(buf, counters_writable_eperm)
{
	void *p;

	ASSERT_EQ(-EPERM, sabuf_t_mmap(&p, self->b.fd, self->b.info.counters_length,
				       PROT_READ | PROT_WRITE, MAP_SHARED,
				       self->b.info.counters_offset));
}

TEST_F(buf, counters_write_only_eperm)
{
	void *p;

	ASSERT_EQ(-EPERM, sabuf_t_mmap(&p, self->b.fd, self->b.info.counters_length,
				       PROT_WRITE, MAP_SHARED, self->b.info.counters_offset));
}

TEST_F(buf, counters_exec_eperm)
{
	void *p;

	ASSERT_EQ(-EPERM, sabuf_t_mmap(&p, self->b.fd, self->b.info.counters_length,
				       PROT_READ | PROT_EXEC, MAP_SHARED,
				       self->b.info.counters_offset));
}

TEST_F(buf, counters_private_einval)
{
	void *p;

	ASSERT_EQ(-EINVAL, sabuf_t_mmap(&p, self->b.fd, self->b.info.counters_length,
					PROT_READ, MAP_PRIVATE, self->b.info.counters_offset));
}

TEST_F(buf, counters_mprotect_to_write_eacces)
{
	void *p = (void *)self->b.counters;

	ASSERT_EQ(-1, mprotect(p, self->b.info.counters_length, PROT_READ | PROT_WRITE));
	ASSERT_EQ(EACCES, errno);
}

TEST_F(buf, counters_mprotect_to_exec_eacces)
{
	void *p = (void *)self->b.counters;

	ASSERT_EQ(-1, mprotect(p, self->b.info.counters_length, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
}

TEST_F(buf, counters_longer_than_counter_page_enxio)
{
	void *p;

	ASSERT_EQ(-ENXIO, sabuf_t_mmap(&p, self->b.fd,
				       self->b.info.counters_length + self->page, PROT_READ,
				       MAP_SHARED, self->b.info.counters_offset));
}

/* MADV_DONTNEED drops the page-table entries, not the buffer's pages: the bytes stay. */
TEST_F(buf, madvise_dontneed_keeps_the_bytes)
{
	size_t len = self->b.info.map_length;

	for (uint64_t off = 0; off < len; off += 1000)
		self->b.data[off] = (uint8_t)(off / 1000 + 1);
	ASSERT_EQ(0, madvise(self->b.data, len, MADV_DONTNEED));
	for (uint64_t off = 0; off < len; off += 1000) {
		ASSERT_EQ((uint8_t)(off / 1000 + 1), self->b.data[off])
			TH_LOG("offset %llu", (unsigned long long)off);
	}
}

/* Every byte of a fresh buffer is zero, including the page-rounding tail. */
TEST(fresh_memory_all_zero)
{
	struct sabuf_t_buf b;
	uint64_t nonzero = 0;

	SABUF_T_BUF_NEW(&b, (4 << 20) + 5);
	for (uint64_t i = 0; i < b.info.map_length / 8; i++)
		nonzero |= ((uint64_t *)b.data)[i];
	ASSERT_EQ(0ull, (unsigned long long)nonzero);
	sabuf_t_buf_free(&b);
}

/* Freed pages come back dirty from the allocator: a new buffer must still be zero. */
TEST(fresh_memory_zero_after_reuse)
{
	for (int round = 0; round < 8; round++) {
		struct sabuf_t_buf b;
		uint64_t nonzero = 0;

		SABUF_T_BUF_NEW(&b, 1 << 20);
		for (uint64_t i = 0; i < b.info.map_length / 8; i++)
			nonzero |= ((uint64_t *)b.data)[i];
		ASSERT_EQ(0ull, (unsigned long long)nonzero) TH_LOG("round %d", round);
		memset(b.data, 0xff, b.info.map_length);
		sabuf_t_buf_free(&b);
	}
}

TEST_F(buf, two_mappings_in_one_process_alias)
{
	uint8_t *p;

	ASSERT_EQ(0, sabuf_t_mmap((void **)&p, self->b.fd, self->b.info.map_length,
				  PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	ASSERT_TRUE((void *)p != (void *)self->b.data);
	for (uint64_t off = 0; off < self->b.info.map_length; off += 1021)
		p[off] = (uint8_t)(off * 7 + 1);
	for (uint64_t off = 0; off < self->b.info.map_length; off += 1021) {
		ASSERT_EQ((uint8_t)(off * 7 + 1), self->b.data[off]);
	}
	munmap(p, self->b.info.map_length);
}

/*
 * The child maps the buffer itself (not the mapping fork copied), writes a
 * pattern and raises a flag; the parent checks the pattern, answers with
 * another, and the child checks that. Flags are words of the buffer.
 */
#define FLAG_CHILD_WROTE	0
#define FLAG_PARENT_WROTE	4
#define PATTERN_START		64

static int child_side_of_sharing(int fd, uint64_t map_length)
{
	uint8_t *p;
	void *m;

	if (sabuf_t_mmap(&m, fd, map_length, PROT_READ | PROT_WRITE, MAP_SHARED, 0))
		return 1;
	p = m;
	for (uint64_t off = PATTERN_START; off < map_length; off += 509)
		p[off] = (uint8_t)(off ^ 0x3c);
	__atomic_store_n((uint32_t *)(p + FLAG_CHILD_WROTE), 1, __ATOMIC_SEQ_CST);
	if (!SABUF_T_EVENTUALLY(__atomic_load_n((uint32_t *)(p + FLAG_PARENT_WROTE),
						__ATOMIC_SEQ_CST)))
		return 2;
	for (uint64_t off = PATTERN_START + 1; off < map_length; off += 509)
		if (p[off] != (uint8_t)(off ^ 0xc3))
			return 3;
	return 0;
}

static void parent_side_of_sharing(struct __test_metadata *_metadata, uint8_t *p,
				   uint64_t map_length, pid_t child)
{
	ASSERT_TRUE(SABUF_T_EVENTUALLY(__atomic_load_n((uint32_t *)(p + FLAG_CHILD_WROTE),
						       __ATOMIC_SEQ_CST)));
	for (uint64_t off = PATTERN_START; off < map_length; off += 509) {
		ASSERT_EQ((uint8_t)(off ^ 0x3c), p[off])
			TH_LOG("offset %llu", (unsigned long long)off);
	}
	for (uint64_t off = PATTERN_START + 1; off < map_length; off += 509)
		p[off] = (uint8_t)(off ^ 0xc3);
	__atomic_store_n((uint32_t *)(p + FLAG_PARENT_WROTE), 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, sabuf_t_reap(child));
}

TEST_F(buf, two_processes_see_the_same_bytes)
{
	pid_t child;

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(child_side_of_sharing(self->b.fd, self->b.info.map_length));
	parent_side_of_sharing(_metadata, self->b.data, self->b.info.map_length, child);
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* A process that did not inherit the buffer gets it over SCM_RIGHTS and shares it. */
TEST(scm_rights_process_sees_the_same_bytes)
{
	struct sabuf_t_buf b;
	int sv[2];
	pid_t child;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct sabuf_info info;
		int fd;

		close(sv[0]);
		fd = recv_fd(sv[1]);
		if (fd < 0 || sabuf_t_info(fd, &info))
			_exit(10);
		_exit(child_side_of_sharing(fd, info.map_length));
	}
	close(sv[1]);
	b.fd = -1;
	SABUF_T_BUF_NEW(&b, 2 * sabuf_t_page_size());
	ASSERT_EQ(0, send_fd(sv[0], b.fd));
	parent_side_of_sharing(_metadata, b.data, b.info.map_length, child);
	sabuf_t_buf_free(&b);
}

TEST_HARNESS_MAIN
