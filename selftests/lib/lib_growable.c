// SPDX-License-Identifier: GPL-2.0
/*
 * Growable buffers (ES2024's SharedArrayBuffer with maxByteLength):
 * sabuf_create_growable, sabuf_grow, sabuf_max_byte_length,
 * sabuf_is_growable, and sabuf_byte_length as the current length.
 *
 * Every error code of the contract (DESIGN.md, "Buffers"), that
 * sabuf_data() never moves, that new bytes read as zero, that memory past
 * the current length is out of reach (SIGBUS, -ERANGE) until a grow
 * covers it, and that every holder (this handle, another handle, a
 * thread, a forked child, a process that got the buffer by sabuf_recv)
 * sees the new length without a system call of its own.
 *
 * Page granularity. Access past the current length is enforced by the
 * MMU, so it is page-grained: the bytes from the current length up to the
 * end of its page are mapped (they belong to a page that exists) and do
 * not fault; the first byte that must fault is the first page boundary at
 * or after the current length, round_up(length, page size). The SIGBUS
 * tests touch exactly that byte. wait/notify, which the library and the
 * kernel check against the exact length, are byte-exact: a word just past
 * the length inside the same page is -ERANGE.
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "lib_seccomp.h"
#include "lib_test.h"

/* Create a growable buffer, or SKIP when /dev/sabuf does not exist. */
#define CREATE_GROWABLE_OR_SKIP(len, max, sbp) do {				\
	int create_ret_ = sabuf_create_growable((len), (max), (sbp));		\
	if (create_ret_ == -ENOENT)						\
		SKIP(return, "no /dev/sabuf (is the module loaded?)");		\
	ASSERT_EQ(0, create_ret_);						\
} while (0)

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t round_up_page(size_t n)
{
	return (n + page_size() - 1) / page_size() * page_size();
}

/*
 * Touch one byte in a forked child (a load, or a store when write is set).
 * Returns the child's fate as wait_child() does: 0 when the access worked,
 * 128 + SIGBUS (or SIGSEGV) when it faulted. No core dump either way.
 */
static int touch_in_child(volatile unsigned char *p, int write)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		if (write)
			*p = 0x5a;
		else
			(void)*p;
		_exit(0);
	}
	return wait_child(pid, 10000);
}

/* A spin-wait hint (no system call). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Is every byte of [p, p + n) zero? */
static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ---- sabuf_create / sabuf_create_growable: arguments ------------------- */

TEST(create_fixed_rejects_zero_length)
{
	struct sabuf *sb = (struct sabuf *)1;
	int fds = open_fd_count();

	EXPECT_EQ(-EINVAL, sabuf_create(0, &sb));
	EXPECT_EQ(NULL, sb);
	EXPECT_EQ(fds, open_fd_count());
}

TEST(create_growable_rejects_max_zero)
{
	struct sabuf *sb = (struct sabuf *)1;
	int fds = open_fd_count();

	EXPECT_EQ(-EINVAL, sabuf_create_growable(0, 0, &sb));
	EXPECT_EQ(NULL, sb);		/* *out is cleared on failure */
	sb = (struct sabuf *)1;
	EXPECT_EQ(-EINVAL, sabuf_create_growable(1, 0, &sb));	/* also > max */
	EXPECT_EQ(NULL, sb);
	EXPECT_EQ(fds, open_fd_count());
}

TEST(create_growable_rejects_length_above_max)
{
	static const size_t cases[][2] = {
		{ 2, 1 }, { 4097, 4096 }, { 8192, 4097 }, { SIZE_MAX, 1 },
		{ SIZE_MAX, SIZE_MAX - 1 },
	};
	int fds = open_fd_count();
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sabuf *sb = (struct sabuf *)1;

		EXPECT_EQ(-EINVAL, sabuf_create_growable(cases[i][0], cases[i][1], &sb))
			TH_LOG("byte_length %zu, max %zu", cases[i][0], cases[i][1]);
		EXPECT_EQ(NULL, sb);
	}
	EXPECT_EQ(fds, open_fd_count());
}

TEST(create_growable_rejects_null_out)
{
	EXPECT_EQ(-EINVAL, sabuf_create_growable(0, 4096, NULL));
}

/* The maximum is reserved at create: one over the module's cap is -EFBIG. */
TEST(create_growable_with_a_huge_max_fails_clearly)
{
	struct sabuf *sb = (struct sabuf *)1;
	int fds = open_fd_count();
	int ret = sabuf_create_growable(0, SIZE_MAX, &sb);

	if (ret == -ENOENT)
		SKIP(return, "no /dev/sabuf");
	EXPECT_EQ(-EFBIG, ret);
	EXPECT_EQ(NULL, sb);
	EXPECT_EQ(fds, open_fd_count());
}

TEST(create_growable_with_length_zero)
{
	struct sabuf *sb;

	CREATE_GROWABLE_OR_SKIP(0, 3 * 4096 + 5, &sb);
	EXPECT_EQ((size_t)(0), sabuf_byte_length(sb));
	EXPECT_EQ((size_t)(3 * 4096 + 5), sabuf_max_byte_length(sb));
	EXPECT_TRUE(sabuf_is_growable(sb));
	EXPECT_NE(NULL, sabuf_data(sb));
	EXPECT_GE(sabuf_fd(sb), 0);
	EXPECT_NE(0, fcntl(sabuf_fd(sb), F_GETFD) & FD_CLOEXEC);
	sabuf_destroy(sb);
}

TEST(create_growable_with_length_equal_to_max)
{
	struct sabuf *sb;
	unsigned char *p;

	CREATE_GROWABLE_OR_SKIP(8192, 8192, &sb);
	EXPECT_EQ((size_t)(8192), sabuf_byte_length(sb));
	EXPECT_EQ((size_t)(8192), sabuf_max_byte_length(sb));
	EXPECT_TRUE(sabuf_is_growable(sb));	/* growable, with no room left */
	p = sabuf_data(sb);
	EXPECT_TRUE(all_zero(p, 8192));
	p[8191] = 1;				/* the last byte is there */
	EXPECT_EQ(0, sabuf_grow(sb, 8192));
	EXPECT_EQ(-ERANGE, sabuf_grow(sb, 8193));
	EXPECT_EQ((size_t)(8192), sabuf_byte_length(sb));
	sabuf_destroy(sb);
}

TEST(create_growable_odd_lengths)
{
	static const size_t cases[][2] = {
		{ 0, 1 }, { 1, 1 }, { 1, 2 }, { 3, 4095 }, { 4095, 4097 },
		{ 4096, 65536 + 3 }, { 100, 1 << 20 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sabuf *sb;

		CREATE_GROWABLE_OR_SKIP(cases[i][0], cases[i][1], &sb);
		EXPECT_EQ(cases[i][0], sabuf_byte_length(sb));
		EXPECT_EQ(cases[i][1], sabuf_max_byte_length(sb));
		EXPECT_TRUE(sabuf_is_growable(sb));
		EXPECT_TRUE(all_zero(sabuf_data(sb), cases[i][0]));
		sabuf_destroy(sb);
	}
}

/* ---- fixed-length buffers: max == length, not growable ----------------- */

TEST(fixed_buffer_max_is_its_length_and_it_is_not_growable)
{
	static const size_t lengths[] = { 1, 4, 4095, 4096, 4097, 65536 + 3 };
	unsigned int i;

	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		struct sabuf *sb, *other;

		CREATE_OR_SKIP(lengths[i], &sb);
		EXPECT_EQ(lengths[i], sabuf_byte_length(sb));
		EXPECT_EQ(lengths[i], sabuf_max_byte_length(sb));
		EXPECT_FALSE(sabuf_is_growable(sb));
		/* the same through another handle */
		ASSERT_EQ(0, sabuf_attach(sabuf_fd(sb), &other));
		EXPECT_EQ(lengths[i], sabuf_max_byte_length(other));
		EXPECT_FALSE(sabuf_is_growable(other));
		sabuf_destroy(other);
		sabuf_destroy(sb);
	}
}

TEST(grow_on_a_fixed_buffer_is_eopnotsupp)
{
	struct sabuf *sb;

	CREATE_OR_SKIP(4096, &sb);
	EXPECT_EQ(-EOPNOTSUPP, sabuf_grow(sb, 8192));
	EXPECT_EQ(-EOPNOTSUPP, sabuf_grow(sb, 4096));	/* even a no-op */
	EXPECT_EQ(-EOPNOTSUPP, sabuf_grow(sb, 1));
	EXPECT_EQ((size_t)(4096), sabuf_byte_length(sb));
	EXPECT_EQ((size_t)(4096), sabuf_max_byte_length(sb));
	sabuf_destroy(sb);
}

/* ---- sabuf_grow: results ------------------------------------------------ */

TEST(grow_to_the_current_length_is_a_noop)
{
	struct sabuf *sb;

	CREATE_GROWABLE_OR_SKIP(100, 10000, &sb);
	EXPECT_EQ(0, sabuf_grow(sb, 100));
	EXPECT_EQ((size_t)(100), sabuf_byte_length(sb));
	EXPECT_EQ(0, sabuf_grow(sb, 5000));
	EXPECT_EQ(0, sabuf_grow(sb, 5000));
	EXPECT_EQ((size_t)(5000), sabuf_byte_length(sb));
	sabuf_destroy(sb);

	CREATE_GROWABLE_OR_SKIP(0, 10, &sb);
	EXPECT_EQ(0, sabuf_grow(sb, 0));
	EXPECT_EQ((size_t)(0), sabuf_byte_length(sb));
	sabuf_destroy(sb);
}

TEST(grow_below_the_current_length_is_einval)
{
	struct sabuf *sb;

	CREATE_GROWABLE_OR_SKIP(8000, 20000, &sb);
	EXPECT_EQ(-EINVAL, sabuf_grow(sb, 7999));
	EXPECT_EQ(-EINVAL, sabuf_grow(sb, 4096));
	EXPECT_EQ(-EINVAL, sabuf_grow(sb, 0));
	EXPECT_EQ((size_t)(8000), sabuf_byte_length(sb));
	/* the same after growing: buffers never shrink */
	ASSERT_EQ(0, sabuf_grow(sb, 12000));
	EXPECT_EQ(-EINVAL, sabuf_grow(sb, 8000));
	EXPECT_EQ((size_t)(12000), sabuf_byte_length(sb));
	sabuf_destroy(sb);
}

TEST(grow_above_the_max_is_erange)
{
	struct sabuf *sb;

	CREATE_GROWABLE_OR_SKIP(10, 5000, &sb);
	EXPECT_EQ(-ERANGE, sabuf_grow(sb, 5001));
	EXPECT_EQ(-ERANGE, sabuf_grow(sb, 8192));	/* inside the mapping's last page */
	EXPECT_EQ(-ERANGE, sabuf_grow(sb, SIZE_MAX));
	EXPECT_EQ((size_t)(10), sabuf_byte_length(sb));
	EXPECT_EQ(0, sabuf_grow(sb, 5000));		/* the max itself is fine */
	EXPECT_EQ((size_t)(5000), sabuf_byte_length(sb));
	EXPECT_EQ(-ERANGE, sabuf_grow(sb, 5001));
	sabuf_destroy(sb);
}

TEST(grow_on_a_read_only_handle_is_ebadf)
{
	struct sabuf *sb, *ro;
	int fd;

	CREATE_GROWABLE_OR_SKIP(100, 4 * 4096, &sb);
	fd = sabuf_dup_readonly(sb);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sabuf_attach(fd, &ro));
	close(fd);
	EXPECT_TRUE(sabuf_is_growable(ro));
	EXPECT_EQ(-EBADF, sabuf_grow(ro, 200));
	EXPECT_EQ(-EBADF, sabuf_grow(ro, 4 * 4096));
	EXPECT_EQ((size_t)(100), sabuf_byte_length(ro));
	EXPECT_EQ((size_t)(100), sabuf_byte_length(sb));
	sabuf_destroy(ro);
	sabuf_destroy(sb);
}

TEST(grow_rejects_a_null_handle)
{
	EXPECT_EQ(-EINVAL, sabuf_grow(NULL, 1));
}

/* ---- the mapping ------------------------------------------------------- */

TEST(data_never_moves_and_old_bytes_stay)
{
	static const size_t steps[] = { 1, 4, 4095, 4096, 4097, 3 * 4096,
					3 * 4096 + 1, 200000, 256 * 1024 };
	struct sabuf *sb, *other;
	unsigned char *p, *q;
	unsigned int i;

	CREATE_GROWABLE_OR_SKIP(0, 256 * 1024, &sb);
	p = sabuf_data(sb);
	ASSERT_EQ(0, sabuf_attach(sabuf_fd(sb), &other));
	q = sabuf_data(other);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ASSERT_EQ(0, sabuf_grow(sb, steps[i]));
		EXPECT_EQ(p, sabuf_data(sb));
		EXPECT_EQ(q, sabuf_data(other));
		EXPECT_EQ(steps[i], sabuf_byte_length(sb));
		EXPECT_EQ(steps[i], sabuf_byte_length(other));
		/* the last byte of each step carries its number */
		p[steps[i] - 1] = (unsigned char)(i + 1);
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		EXPECT_EQ(i + 1, (unsigned int)p[steps[i] - 1]);
		EXPECT_EQ(i + 1, (unsigned int)q[steps[i] - 1]);	/* the other mapping too */
	}
	sabuf_destroy(other);
	sabuf_destroy(sb);
}

TEST(new_bytes_read_zero)
{
	size_t max = 64 * 4096 + 17, len = 5, next;
	struct sabuf *sb;
	unsigned char *p;

	CREATE_GROWABLE_OR_SKIP(len, max, &sb);
	p = sabuf_data(sb);
	memset(p, 0xff, len);
	while (len < max) {
		next = len * 3 + 1000 < max ? len * 3 + 1000 : max;
		ASSERT_EQ(0, sabuf_grow(sb, next));
		EXPECT_TRUE(all_zero(p + len, next - len))
			TH_LOG("grown from %zu to %zu", len, next);
		/* the old bytes are untouched */
		EXPECT_EQ(0xff, p[0]);
		EXPECT_EQ(0xff, p[len - 1]);
		memset(p, 0xff, next);
		len = next;
	}
	sabuf_destroy(sb);
}

/*
 * The bytes between the length and the end of its page are mapped (page
 * granularity, see the top of this file), so a store can land there. When
 * a grow makes them part of the buffer they should still read as zero, as
 * new bytes do: a grow should not reveal what was stored past the length.
 * (ABI 2's first module let them survive; GROW now zeroes the tail of
 * the old last page before it publishes the new length.)
 */
TEST(new_bytes_read_zero_even_if_the_tail_of_the_last_page_was_written)
{
	struct sabuf *sb;
	unsigned char *p;
	int tail_zero;

	CREATE_GROWABLE_OR_SKIP(100, 3 * 4096, &sb);
	p = sabuf_data(sb);
	memset(p, 0xab, round_up_page(100));	/* the length's whole page */
	ASSERT_EQ(0, sabuf_grow(sb, 2 * 4096));
	/* ASSERT: a failure here must not hide behind the SKIP below */
	ASSERT_EQ(0xab, p[99]);
	ASSERT_TRUE(all_zero(p + round_up_page(100), 2 * 4096 - round_up_page(100)));
	tail_zero = all_zero(p + 100, round_up_page(100) - 100);
	sabuf_destroy(sb);
	ASSERT_TRUE(tail_zero) TH_LOG("bytes stored past the length survived a grow");
}

TEST(touching_past_the_length_is_sigbus_until_a_grow_covers_it)
{
	size_t ps = page_size();
	size_t max = 4 * ps;
	struct sabuf *sb;
	unsigned char *p;

	CREATE_GROWABLE_OR_SKIP(100, max, &sb);
	p = sabuf_data(sb);
	/* inside: fine; the rest of the length's page: mapped (granularity) */
	EXPECT_EQ(0, touch_in_child(p + 99, 1));
	EXPECT_EQ(0, touch_in_child(p + ps - 1, 0));
	/* the first page boundary at/after the length faults, load or store */
	EXPECT_EQ(128 + SIGBUS, touch_in_child(p + round_up_page(100), 0));
	EXPECT_EQ(128 + SIGBUS, touch_in_child(p + round_up_page(100), 1));
	EXPECT_EQ(128 + SIGBUS, touch_in_child(p + max - 1, 0));

	/* grow by one byte into the next page: that page now works */
	ASSERT_EQ(0, sabuf_grow(sb, ps + 1));
	EXPECT_EQ(0, touch_in_child(p + ps, 1));
	EXPECT_EQ(0, touch_in_child(p + ps, 0));
	EXPECT_EQ(128 + SIGBUS, touch_in_child(p + 2 * ps, 0));

	/* a length on a page boundary: the very next byte faults */
	ASSERT_EQ(0, sabuf_grow(sb, 3 * ps));
	EXPECT_EQ(0, touch_in_child(p + 3 * ps - 1, 1));
	EXPECT_EQ(128 + SIGBUS, touch_in_child(p + 3 * ps, 1));

	ASSERT_EQ(0, sabuf_grow(sb, max));
	EXPECT_EQ(0, touch_in_child(p + max - 1, 1));
	sabuf_destroy(sb);
}

TEST(a_zero_length_buffer_faults_at_its_first_byte)
{
	struct sabuf *sb;
	unsigned char *p;

	CREATE_GROWABLE_OR_SKIP(0, 4096, &sb);
	p = sabuf_data(sb);
	EXPECT_EQ(128 + SIGBUS, touch_in_child(p, 0));
	ASSERT_EQ(0, sabuf_grow(sb, 1));
	EXPECT_EQ(0, touch_in_child(p, 1));
	EXPECT_EQ(0x5a, p[0]);		/* the child's store, in shared memory */
	sabuf_destroy(sb);
}

/* ---- wait and notify past the length ----------------------------------- */

TEST(wait_and_notify_past_the_length_are_erange)
{
	struct sabuf *sb;
	unsigned char *p;
	int32_t *w32;
	int64_t *w64;

	CREATE_GROWABLE_OR_SKIP(8, 3 * 4096, &sb);
	p = sabuf_data(sb);
	w32 = (int32_t *)p;
	w64 = (int64_t *)p;
	/* the last word inside works (it differs: no sleep) */
	sabuf_store(&w32[1], 1);
	EXPECT_EQ(SABUF_NOT_EQUAL, sabuf_wait32(sb, &w32[1], 0, 0));
	EXPECT_EQ(SABUF_NOT_EQUAL, sabuf_wait64(sb, &w64[0], 0, 0));
	EXPECT_EQ(0, sabuf_notify(sb, &w32[1], 1));
	/* just past the length, in the same page: byte-exact */
	EXPECT_EQ(-ERANGE, sabuf_wait32(sb, &w32[2], 0, NSEC_PER_MSEC));
	EXPECT_EQ(-ERANGE, sabuf_wait64(sb, &w64[1], 0, NSEC_PER_MSEC));
	EXPECT_EQ(-ERANGE, sabuf_notify(sb, &w32[2], 1));
	EXPECT_EQ(-ERANGE, sabuf_notify(sb, &w32[2], SABUF_ALL));
	/* in a page that does not exist yet */
	EXPECT_EQ(-ERANGE, sabuf_wait32(sb, (int32_t *)(p + 4096), 0, NSEC_PER_MSEC));
	EXPECT_EQ(-ERANGE, sabuf_notify(sb, p + 2 * 4096, 1));
	/* a 64-bit word straddling the length */
	ASSERT_EQ(0, sabuf_grow(sb, 12));
	EXPECT_EQ(-ERANGE, sabuf_wait64(sb, &w64[1], 0, NSEC_PER_MSEC));
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(sb, &w32[2], 0, NSEC_PER_MSEC));
	sabuf_destroy(sb);
}

struct waiter {
	struct sabuf *sb;
	int32_t *word;
	int result;
	pid_t tid;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->tid = gettid();
	w->result = sabuf_wait32(w->sb, w->word, 0, 10 * NSEC_PER_SEC);
	return NULL;
}

TEST(wait_and_notify_in_grown_bytes_work)
{
	struct waiter w = { 0 };
	struct sabuf *sb;
	unsigned char *p;
	pthread_t t;
	int32_t *word;

	CREATE_GROWABLE_OR_SKIP(4, 4 * 4096, &sb);
	p = sabuf_data(sb);
	word = (int32_t *)(p + 2 * 4096 + 8);
	EXPECT_EQ(-ERANGE, sabuf_wait32(sb, word, 0, NSEC_PER_MSEC));
	EXPECT_EQ(-ERANGE, sabuf_notify(sb, word, 1));
	ASSERT_EQ(0, sabuf_grow(sb, 3 * 4096));

	/* the kernel takes the wait now: it sleeps and times out */
	EXPECT_EQ(SABUF_TIMED_OUT, sabuf_wait32(sb, word, 0, NSEC_PER_MSEC));
	/* and a sleeper there is woken by a notify */
	w.sb = sb;
	w.word = word;
	w.result = -1;
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	while (!__atomic_load_n(&w.tid, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	ASSERT_EQ(0, wait_until_sleeping(w.tid, 10000));
	sabuf_store(word, 1);
	EXPECT_EQ(1, sabuf_notify(sb, word, 1));
	EXPECT_EQ(0, join_within(t, 10000));
	EXPECT_EQ(SABUF_OK, w.result);
	sabuf_destroy(sb);
}

/* ---- every holder sees the new length ---------------------------------- */

/* Shared with children: what they saw. */
struct report {
	int traps;		/* system calls caught by the filter */
	int ready;		/* the child is about to watch the length */
	int grown;		/* the parent has grown the buffer */
	size_t before;		/* the length the child saw first */
	size_t after;		/* the length it saw once grown was set */
	int wrong;		/* the new bytes were not zero / not writable */
	int done;
};

static struct report *report;

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
	report->traps++;
}

/*
 * In a child process holding sb: with system calls forbidden, note the
 * length, wait (spinning) for the parent's word that it grew the buffer,
 * note the length again, and use the new bytes. The parent bounds the
 * spin by killing the child after a timeout.
 */
static void watch_length_without_system_calls(struct sabuf *sb)
{
	unsigned char *p = sabuf_data(sb);
	size_t i;

	if (forbid_system_calls(on_sigsys))
		_exit(2);
	report->before = sabuf_byte_length(sb);
	__atomic_store_n(&report->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&report->grown, __ATOMIC_SEQ_CST))
		cpu_relax();
	report->after = sabuf_byte_length(sb);
	for (i = report->before; i < report->after; i++)
		if (p[i])
			report->wrong++;
	p[report->after - 1] = 0x77;	/* faults if the page were not there */
	report->done = 1;
	_exit(0);
}

static int setup_report(void)
{
	report = mmap(NULL, sizeof(*report), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return report == MAP_FAILED ? -1 : 0;
}

/* Parent side: wait until the child watches, grow, tell it, reap it. */
static int grow_under_the_watcher(struct sabuf *sb, size_t to, pid_t pid)
{
	int64_t end = now_ns() + 10 * NSEC_PER_SEC;
	int ret;

	while (!__atomic_load_n(&report->ready, __ATOMIC_SEQ_CST)) {
		if (now_ns() > end) {
			wait_child(pid, 0);
			return -ETIMEDOUT;
		}
		sleep_ms(1);
	}
	ret = sabuf_grow(sb, to);
	__atomic_store_n(&report->grown, 1, __ATOMIC_SEQ_CST);
	return wait_child(pid, 10000) ?: ret;
}

TEST(a_forked_child_sees_the_new_length_without_a_system_call)
{
	struct sabuf *sb;
	unsigned char *p;
	pid_t pid;

	ASSERT_EQ(0, setup_report());
	CREATE_GROWABLE_OR_SKIP(100, 5 * 4096, &sb);
	p = sabuf_data(sb);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		watch_length_without_system_calls(sb);
	EXPECT_EQ(0, grow_under_the_watcher(sb, 3 * 4096 + 1, pid));
	EXPECT_EQ(1, report->done);
	EXPECT_EQ(0, report->traps);
	EXPECT_EQ((size_t)(100), report->before);
	EXPECT_EQ((size_t)(3 * 4096 + 1), report->after);
	EXPECT_EQ(0, report->wrong);
	EXPECT_EQ(0x77, p[3 * 4096]);	/* the child's store, seen here */
	sabuf_destroy(sb);
	munmap(report, sizeof(*report));
}

TEST(a_process_that_received_the_buffer_sees_the_new_length)
{
	struct sabuf *sb;
	unsigned char *p;
	int sock[2];
	pid_t pid;

	ASSERT_EQ(0, setup_report());
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock));
	/* the child exists before the buffer: it gets it only by sabuf_recv */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sabuf *got;

		close(sock[0]);
		if (sabuf_recv(sock[1], &got))
			_exit(3);
		watch_length_without_system_calls(got);
	}
	close(sock[1]);
	CREATE_GROWABLE_OR_SKIP(0, 8 * 4096, &sb);
	p = sabuf_data(sb);
	ASSERT_EQ(0, sabuf_send(sock[0], sb));
	EXPECT_EQ(0, grow_under_the_watcher(sb, 8 * 4096, pid));
	EXPECT_EQ(1, report->done);
	EXPECT_EQ(0, report->traps);
	EXPECT_EQ((size_t)(0), report->before);
	EXPECT_EQ((size_t)(8 * 4096), report->after);
	EXPECT_EQ(0, report->wrong);
	EXPECT_EQ(0x77, p[8 * 4096 - 1]);
	close(sock[0]);
	sabuf_destroy(sb);
	munmap(report, sizeof(*report));
}

/* A child grows; the parent's handle follows. */
TEST(a_grow_by_a_child_is_seen_by_the_parent)
{
	struct sabuf *sb, *late;
	unsigned char *p;
	pid_t pid;

	CREATE_GROWABLE_OR_SKIP(10, 4 * 4096, &sb);
	p = sabuf_data(sb);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (sabuf_grow(sb, 2 * 4096 + 3))
			_exit(1);
		((unsigned char *)sabuf_data(sb))[2 * 4096 + 2] = 9;
		_exit(0);
	}
	ASSERT_EQ(0, wait_child(pid, 10000));
	EXPECT_EQ((size_t)(2 * 4096 + 3), sabuf_byte_length(sb));
	EXPECT_EQ(9, p[2 * 4096 + 2]);
	/* and a handle attached after the grow starts at the new length */
	ASSERT_EQ(0, sabuf_attach(sabuf_fd(sb), &late));
	EXPECT_EQ((size_t)(2 * 4096 + 3), sabuf_byte_length(late));
	EXPECT_EQ((size_t)(4 * 4096), sabuf_max_byte_length(late));
	EXPECT_TRUE(sabuf_is_growable(late));
	sabuf_destroy(late);
	sabuf_destroy(sb);
}

struct watcher {
	struct sabuf *sb;
	size_t target;
	int started;
	int saw;		/* 1: saw the target length; 0: gave up */
	int wrong;
};

static void *watch_thread(void *arg)
{
	struct watcher *w = arg;
	int64_t end = now_ns() + 10 * NSEC_PER_SEC;
	unsigned char *p = sabuf_data(w->sb);
	size_t len;

	__atomic_store_n(&w->started, 1, __ATOMIC_SEQ_CST);
	while ((len = sabuf_byte_length(w->sb)) < w->target && now_ns() < end)
		cpu_relax();
	if (len != w->target)
		return NULL;
	if (p[len - 1] != 0)
		w->wrong++;
	w->saw = 1;
	return NULL;
}

TEST(threads_see_the_new_length)
{
	struct watcher w[4] = { 0 };
	struct sabuf *sb, *other;
	pthread_t t[4];
	int i;

	CREATE_GROWABLE_OR_SKIP(1, 16 * 4096, &sb);
	ASSERT_EQ(0, sabuf_attach(sabuf_fd(sb), &other));
	for (i = 0; i < 4; i++) {
		/* two threads on the growing handle, two on another handle */
		w[i].sb = i < 2 ? sb : other;
		w[i].target = 16 * 4096;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, watch_thread, &w[i]));
	}
	for (i = 0; i < 4; i++)
		while (!__atomic_load_n(&w[i].started, __ATOMIC_SEQ_CST))
			sleep_ms(1);
	ASSERT_EQ(0, sabuf_grow(sb, 7 * 4096));
	ASSERT_EQ(0, sabuf_grow(sb, 16 * 4096));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, join_within(t[i], 20000));
		EXPECT_EQ(1, w[i].saw) TH_LOG("thread %d", i);
		EXPECT_EQ(0, w[i].wrong);
	}
	sabuf_destroy(other);
	sabuf_destroy(sb);
}

struct grower {
	struct sabuf *sb;
	size_t to;
	int result;
};

static void *grow_thread(void *arg)
{
	struct grower *g = arg;

	g->result = sabuf_grow(g->sb, g->to);
	return NULL;
}

/* Concurrent grows: the longest wins, a shorter one after it is -EINVAL. */
TEST(concurrent_grows_end_at_the_longest)
{
	int round;

	for (round = 0; round < 50; round++) {
		struct grower g[4];
		struct sabuf *sb;
		pthread_t t[4];
		int i;

		CREATE_GROWABLE_OR_SKIP(0, 64 * 4096, &sb);
		for (i = 0; i < 4; i++) {
			g[i] = (struct grower){ .sb = sb, .to = (size_t)(i + 1) * 13 * 4096 + i };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, grow_thread, &g[i]));
		}
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(0, join_within(t[i], 20000));
			EXPECT_TRUE(g[i].result == 0 || g[i].result == -EINVAL)
				TH_LOG("grow to %zu: %d", g[i].to, g[i].result);
		}
		EXPECT_EQ(0, g[3].result);	/* nobody can be longer */
		EXPECT_EQ(g[3].to, sabuf_byte_length(sb));
		EXPECT_TRUE(all_zero(sabuf_data(sb), g[3].to));
		sabuf_destroy(sb);
	}
}

TEST_HARNESS_MAIN
