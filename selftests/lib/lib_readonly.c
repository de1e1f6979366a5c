// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only handles (a Chromium ReadOnlySharedMemoryRegion, a sealed
 * memfd): sabuf_dup_readonly and sabuf_is_readonly.
 *
 * A holder of a writable buffer derives a read-only fd of the same buffer;
 * sabuf_attach of it maps PROT_READ. Through it loads and waits work; a
 * store faults (SIGSEGV, checked in a forked child); sabuf_notify and
 * sabuf_grow return -EBADF; the mapping cannot be made writable, not by
 * mprotect and not by a new mmap. The right sticks to the fd: a dup() of
 * it, a sabuf_dup_readonly() of it and a copy passed by sabuf_send /
 * sabuf_recv are read-only too. (An fd opened O_RDONLY on /dev/sabuf
 * cannot create: that is a raw-ioctl test, in the kernel selftests.)
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "lib_test.h"

#define CREATE_GROWABLE_OR_SKIP(len, max, sbp) do {				\
	int create_ret_ = sabuf_create_growable((len), (max), (sbp));		\
	if (create_ret_ == -ENOENT)						\
		SKIP(return, "no /dev/sabuf (is the module loaded?)");		\
	ASSERT_EQ(0, create_ret_);						\
} while (0)

/* A read-only handle of sb's buffer (the fd is sabuf_attach's own dup). */
static int make_reader(struct sabuf *sb, struct sabuf **ro)
{
	int fd = sabuf_dup_readonly(sb);
	int ret;

	if (fd < 0)
		return fd;
	ret = sabuf_attach(fd, ro);
	close(fd);
	return ret;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t round_up_page(size_t n)
{
	return (n + page_size() - 1) / page_size() * page_size();
}

static void no_core_dump(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
}

/*
 * Touch memory in a forked child: kind 0 loads a byte, 1 stores a byte,
 * 2 stores an int32 atomically, 3 adds to one atomically. Returns 0 when
 * the access worked, 128 + the signal that ended the child otherwise.
 */
static int touch_in_child(void *addr, int kind)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		volatile unsigned char *b = addr;

		no_core_dump();
		switch (kind) {
		case 0: (void)*b; break;
		case 1: *b = 0x5a; break;
		case 2: sabuf_store((int32_t *)addr, 7); break;
		case 3: sabuf_add((int32_t *)addr, 1); break;
		}
		_exit(0);
	}
	return wait_child(pid, 10000);
}

/* ---- sabuf_dup_readonly ------------------------------------------------ */

TEST(dup_readonly_gives_a_new_close_on_exec_read_only_fd)
{
	struct sabuf *sb;
	int fds, fd, fd2;

	CREATE_OR_SKIP(4096, &sb);
	fds = open_fd_count();
	fd = sabuf_dup_readonly(sb);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(fds + 1, open_fd_count());
	EXPECT_NE(sabuf_fd(sb), fd);
	EXPECT_NE(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	/* another call, another fd; the writer's own fd is untouched */
	fd2 = sabuf_dup_readonly(sb);
	ASSERT_GE(fd2, 0);
	EXPECT_NE(fd, fd2);
	EXPECT_NE(0, fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(sabuf_fd(sb), F_GETFL) & O_ACCMODE);
	EXPECT_FALSE(sabuf_is_readonly(sb));
	close(fd);
	close(fd2);
	EXPECT_EQ(fds, open_fd_count());
	sabuf_destroy(sb);
}

TEST(attach_of_a_read_only_fd_is_read_only_and_shares_the_bytes)
{
	size_t len = 3 * 4096 + 5;
	struct sabuf *sb, *ro;
	unsigned char *w, *r;
	int32_t *w32, *r32;

	CREATE_OR_SKIP(len, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	EXPECT_TRUE(sabuf_is_readonly(ro));
	EXPECT_FALSE(sabuf_is_readonly(sb));
	EXPECT_EQ(len, sabuf_byte_length(ro));
	EXPECT_EQ(len, sabuf_max_byte_length(ro));
	EXPECT_FALSE(sabuf_is_growable(ro));
	EXPECT_EQ(O_RDONLY, fcntl(sabuf_fd(ro), F_GETFL) & O_ACCMODE);
	EXPECT_NE(0, fcntl(sabuf_fd(ro), F_GETFD) & FD_CLOEXEC);

	w = sabuf_data(sb);
	r = sabuf_data(ro);
	w32 = (int32_t *)w;
	r32 = (int32_t *)r;
	/* the writer stores, the reader loads: the same bytes */
	sabuf_store(&w32[0], 123);
	sabuf_store(&w32[1024 + 7], -5);
	w[len - 1] = 0xee;
	EXPECT_EQ(123, sabuf_load(&r32[0]));
	EXPECT_EQ(-5, sabuf_load(&r32[1024 + 7]));
	EXPECT_EQ(0xee, r[len - 1]);
	EXPECT_EQ(0, r[len - 2]);
	sabuf_store(&w32[0], 124);
	EXPECT_EQ(124, sabuf_load(&r32[0]));
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

TEST(a_store_through_a_read_only_handle_faults)
{
	struct sabuf *sb, *ro;
	unsigned char *r;
	int32_t *w32;

	CREATE_OR_SKIP(8192, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	w32 = sabuf_data(sb);
	r = sabuf_data(ro);
	sabuf_store(&w32[1], 41);
	EXPECT_EQ(0, touch_in_child(r + 4, 0));		/* a load is fine */
	EXPECT_EQ(128 + SIGSEGV, touch_in_child(r + 4, 1));
	EXPECT_EQ(128 + SIGSEGV, touch_in_child(r + 4, 2));
	EXPECT_EQ(128 + SIGSEGV, touch_in_child(r + 4, 3));
	EXPECT_EQ(128 + SIGSEGV, touch_in_child(r + 8191, 1));
	EXPECT_EQ(41, sabuf_load(&w32[1]));		/* nothing got through */
	/* the writer's own mapping still writes */
	EXPECT_EQ(0, touch_in_child(&w32[1], 2));
	EXPECT_EQ(7, sabuf_load(&w32[1]));
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

TEST(notify_on_a_read_only_handle_is_ebadf)
{
	struct sabuf *sb, *ro;
	int32_t *r32;

	CREATE_OR_SKIP(4096, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	r32 = sabuf_data(ro);
	/* nobody waits: still -EBADF, not the fast path's 0 */
	EXPECT_EQ(-EBADF, sabuf_notify(ro, &r32[0], 1));
	EXPECT_EQ(-EBADF, sabuf_notify(ro, &r32[5], SABUF_ALL));
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

struct waiter {
	struct sabuf *sb;
	int32_t *word;
	int64_t timeout_ns;
	int result;
	pid_t tid;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_SEQ_CST);
	w->result = sabuf_wait32(w->sb, w->word, 0, w->timeout_ns);
	return NULL;
}

static int start_waiter(struct waiter *w, pthread_t *t)
{
	int ret = pthread_create(t, NULL, wait_thread, w);

	if (ret)
		return -ret;
	while (!__atomic_load_n(&w->tid, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	return wait_until_sleeping(w->tid, 10000);
}

/* A reader's notify reaches nobody: a sleeping waiter stays asleep. */
TEST(notify_on_a_read_only_handle_wakes_nobody)
{
	struct sabuf *sb, *ro;
	struct waiter w = { 0 };
	pthread_t t;
	int32_t *w32;

	CREATE_OR_SKIP(4096, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	w32 = sabuf_data(sb);
	w = (struct waiter){ .sb = sb, .word = &w32[3],
			     .timeout_ns = 10 * NSEC_PER_SEC, .result = -1 };
	ASSERT_EQ(0, start_waiter(&w, &t));
	EXPECT_EQ(-EBADF, sabuf_notify(ro, (int32_t *)sabuf_data(ro) + 3, 1));
	sleep_ms(50);
	EXPECT_EQ(-1, __atomic_load_n(&w.result, __ATOMIC_SEQ_CST));
	EXPECT_EQ(1, sabuf_notify(sb, &w32[3], 1));	/* the writer's does */
	EXPECT_EQ(0, join_within(t, 10000));
	EXPECT_EQ(SABUF_OK, w.result);
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

TEST(grow_on_a_read_only_handle_is_ebadf)
{
	struct sabuf *sb, *ro;

	CREATE_GROWABLE_OR_SKIP(10, 4 * 4096, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	EXPECT_TRUE(sabuf_is_growable(ro));
	EXPECT_EQ((size_t)(4 * 4096), sabuf_max_byte_length(ro));
	EXPECT_EQ(-EBADF, sabuf_grow(ro, 11));
	EXPECT_EQ(-EBADF, sabuf_grow(ro, 4 * 4096));
	EXPECT_EQ((size_t)10, sabuf_byte_length(sb));
	EXPECT_EQ((size_t)10, sabuf_byte_length(ro));
	EXPECT_EQ(0, sabuf_grow(sb, 11));		/* the writer still can */
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

/* ---- waits through a read-only handle ---------------------------------- */

TEST(a_reader_thread_waits_and_the_writer_notifies)
{
	struct sabuf *sb, *ro;
	struct waiter w = { 0 };
	pthread_t t;
	int32_t *w32, *r32;
	int64_t *r64;

	CREATE_OR_SKIP(4096, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	w32 = sabuf_data(sb);
	r32 = sabuf_data(ro);
	r64 = sabuf_data(ro);
	/* the three answers a wait can give, through the reader */
	sabuf_store(&w32[0], 1);
	EXPECT_EQ(SABUF_NOT_EQUAL, sabuf_wait32(ro, &r32[0], 0, NSEC_PER_SEC));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(ro, &r32[1], 0, NSEC_PER_MSEC));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait64(ro, &r64[1], 0, NSEC_PER_MSEC));

	w = (struct waiter){ .sb = ro, .word = &r32[2],
			     .timeout_ns = 10 * NSEC_PER_SEC, .result = -1 };
	ASSERT_EQ(0, start_waiter(&w, &t));
	sabuf_store(&w32[2], 1);
	EXPECT_EQ(1, sabuf_notify(sb, &w32[2], 1));
	EXPECT_EQ(0, join_within(t, 10000));
	EXPECT_EQ(SABUF_OK, w.result);
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

/* The seed's shared-config case: a worker process holding only a reader. */
TEST(a_reader_process_waits_and_the_writer_notifies)
{
	struct sabuf *sb;
	int32_t *w32;
	pid_t pid;
	int fd;

	CREATE_OR_SKIP(4096, &sb);
	w32 = sabuf_data(sb);
	fd = sabuf_dup_readonly(sb);
	ASSERT_GE(fd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sabuf *ro;
		int32_t *r32;
		int ret;

		/* only the read-only handle from here on */
		if (sabuf_attach(fd, &ro) || !sabuf_is_readonly(ro))
			_exit(1);
		close(fd);
		r32 = sabuf_data(ro);
		ret = sabuf_wait32(ro, &r32[4], 0, 10 * NSEC_PER_SEC);
		if (ret != SABUF_OK)
			_exit(10 + ret);
		_exit(sabuf_load(&r32[5]) == 77 ? 0 : 3);
	}
	close(fd);
	ASSERT_EQ(0, wait_until_sleeping_pid(pid, 10000));
	sabuf_store(&w32[5], 77);
	/*
	 * The word stays 0, so a child that was not asleep yet (attach can
	 * sleep too) still goes to sleep: notify until it has been woken.
	 */
	{
		int64_t end = now_ns() + 10 * NSEC_PER_SEC;
		int woken;

		while ((woken = sabuf_notify(sb, &w32[4], SABUF_ALL)) == 0 &&
		       now_ns() < end)
			sleep_ms(1);
		EXPECT_EQ(1, woken);
	}
	EXPECT_EQ(0, wait_child(pid, 10000));
	sabuf_destroy(sb);
}

/* ---- the right sticks to the fd ---------------------------------------- */

TEST(a_dup_of_a_read_only_fd_is_read_only)
{
	struct sabuf *sb, *ro, *again;
	int fd;

	CREATE_OR_SKIP(4096, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));

	/* dup(2) */
	fd = dup(sabuf_fd(ro));
	ASSERT_GE(fd, 0);
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, sabuf_attach(fd, &again));
	close(fd);
	EXPECT_TRUE(sabuf_is_readonly(again));
	EXPECT_EQ(-EBADF, sabuf_notify(again, sabuf_data(again), 1));
	EXPECT_EQ(128 + SIGSEGV, touch_in_child(sabuf_data(again), 1));
	sabuf_destroy(again);

	/* sabuf_dup_readonly of the read-only handle itself */
	fd = sabuf_dup_readonly(ro);
	ASSERT_GE(fd, 0);
	EXPECT_NE(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, sabuf_attach(fd, &again));
	close(fd);
	EXPECT_TRUE(sabuf_is_readonly(again));
	EXPECT_EQ(128 + SIGSEGV, touch_in_child(sabuf_data(again), 1));
	sabuf_destroy(again);

	/* the reader outlives the writer, and still reads the buffer */
	sabuf_store((int32_t *)sabuf_data(sb), 99);
	sabuf_destroy(sb);
	EXPECT_EQ(99, sabuf_load((int32_t *)sabuf_data(ro)));
	sabuf_destroy(ro);
}

struct report {
	int readonly;
	int notify;
	int grow;
	int value;
	int stored;	/* the child's store went through: must stay 0 */
};

TEST(sending_a_read_only_handle_keeps_it_read_only)
{
	struct report *rep;
	struct sabuf *sb, *ro, *got;
	int sock[2];
	pid_t pid;

	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rep);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock));
	/* the child exists before the buffer: it gets it only by sabuf_recv */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int32_t *r32;

		close(sock[0]);
		if (sabuf_recv(sock[1], &got))
			_exit(1);
		r32 = sabuf_data(got);
		rep->readonly = sabuf_is_readonly(got);
		rep->notify = sabuf_notify(got, &r32[0], 1);
		rep->grow = sabuf_grow(got, 8192);
		rep->value = sabuf_load(&r32[0]);
		no_core_dump();
		sabuf_store(&r32[0], 1);	/* must fault */
		rep->stored = 1;
		_exit(0);
	}
	close(sock[1]);
	CREATE_GROWABLE_OR_SKIP(4096, 8192, &sb);
	sabuf_store((int32_t *)sabuf_data(sb), 31);
	ASSERT_EQ(0, make_reader(sb, &ro));
	ASSERT_EQ(0, sabuf_send(sock[0], ro));
	EXPECT_EQ(128 + SIGSEGV, wait_child(pid, 10000));
	EXPECT_EQ(1, rep->readonly);
	EXPECT_EQ(-EBADF, rep->notify);
	EXPECT_EQ(-EBADF, rep->grow);
	EXPECT_EQ(31, rep->value);
	EXPECT_EQ(0, rep->stored);
	EXPECT_EQ(31, sabuf_load((int32_t *)sabuf_data(sb)));
	EXPECT_EQ((size_t)4096, sabuf_byte_length(sb));

	/* and within one process: what comes out of the socket is read-only */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sock));
	ASSERT_EQ(0, sabuf_send(sock[0], ro));
	ASSERT_EQ(0, sabuf_recv(sock[1], &got));
	EXPECT_TRUE(sabuf_is_readonly(got));
	EXPECT_EQ(O_RDONLY, fcntl(sabuf_fd(got), F_GETFL) & O_ACCMODE);
	EXPECT_EQ(31, sabuf_load((int32_t *)sabuf_data(got)));
	sabuf_destroy(got);
	close(sock[0]);
	close(sock[1]);
	sabuf_destroy(ro);
	sabuf_destroy(sb);
	munmap(rep, sizeof(*rep));
}

/* ---- the mapping cannot be made writable ------------------------------- */

TEST(mprotect_write_on_a_reader_mapping_fails)
{
	struct sabuf *sb, *ro;
	size_t map_len;
	void *p;

	CREATE_OR_SKIP(3 * 4096, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	map_len = round_up_page(sabuf_max_byte_length(ro));
	p = sabuf_data(ro);
	errno = 0;
	EXPECT_EQ(-1, mprotect(p, map_len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p, page_size(), PROT_WRITE));	/* one page */
	EXPECT_EQ(128 + SIGSEGV, touch_in_child(p, 1));		/* still read-only */
	/* nor can a new mapping of the reader's fd be writable */
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, map_len, PROT_READ | PROT_WRITE,
				   MAP_SHARED, sabuf_fd(ro), 0));
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, map_len, PROT_READ, MAP_SHARED, sabuf_fd(ro), 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, map_len, PROT_READ | PROT_WRITE));
	munmap(p, map_len);
	/* the writer's mapping is not affected */
	EXPECT_EQ(0, mprotect(sabuf_data(sb), map_len, PROT_READ | PROT_WRITE));
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

/*
 * A read-only fd cannot be turned back into a writable one by reopening
 * it through /proc/self/fd: either the open fails, or what it opens is no
 * writable sabuf handle.
 */
TEST(reopening_a_read_only_fd_through_proc_gives_no_write_access)
{
	struct sabuf *sb, *ro, *again;
	char path[64];
	int fd, ret;

	CREATE_OR_SKIP(4096, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", sabuf_fd(ro));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		TH_LOG("reopen: %s (refused: fine)", strerror(errno));
	} else {
		ret = sabuf_attach(fd, &again);
		close(fd);
		if (ret == 0) {
			EXPECT_TRUE(sabuf_is_readonly(again));
			EXPECT_EQ(128 + SIGSEGV, touch_in_child(sabuf_data(again), 1));
			sabuf_destroy(again);
		}
	}
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

/* ---- a reader of a growable buffer ------------------------------------- */

TEST(a_reader_follows_a_growing_buffer)
{
	size_t ps = page_size();
	struct sabuf *sb, *ro;
	unsigned char *w, *r;

	CREATE_GROWABLE_OR_SKIP(100, 4 * ps, &sb);
	ASSERT_EQ(0, make_reader(sb, &ro));
	w = sabuf_data(sb);
	r = sabuf_data(ro);
	EXPECT_EQ((size_t)100, sabuf_byte_length(ro));
	/* page granularity: the first page boundary at/after the length */
	EXPECT_EQ(128 + SIGBUS, touch_in_child(r + ps, 0));
	EXPECT_EQ(-ERANGE, sabuf_wait32(ro, (int32_t *)(r + ps), 0, NSEC_PER_MSEC));
	ASSERT_EQ(0, sabuf_grow(sb, 2 * ps + 8));
	EXPECT_EQ(2 * ps + 8, sabuf_byte_length(ro));	/* no call on the reader */
	EXPECT_EQ(r, sabuf_data(ro));
	w[2 * ps + 7] = 0x42;
	EXPECT_EQ(0x42, r[2 * ps + 7]);
	EXPECT_EQ(0, touch_in_child(r + ps, 0));
	EXPECT_EQ(128 + SIGSEGV, touch_in_child(r + ps, 1));	/* still read-only */
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(ro, (int32_t *)(r + ps), 0, NSEC_PER_MSEC));
	EXPECT_EQ(128 + SIGBUS, touch_in_child(r + 3 * ps, 0));
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

TEST_HARNESS_MAIN
