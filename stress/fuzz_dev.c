// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_dev.c: the device side of the fuzzer. Opening and closing handles,
 * the four ioctls with structs full of random and boundary values at good
 * and hostile addresses, random ioctl numbers, the plain file operations
 * a char device gets, and passing fds over a unix socket.
 *
 * For a well-formed call (a good pointer, the fd table locked so that no
 * other thread can swap the fd, a buffer whose length is known, and a call
 * that cannot block) the result is predicted exactly from kmod/README.md;
 * for every other call it must at least be one of the errnos listed there.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* ---- user pointers, good and hostile ---- */

static char *prot_none_page;		/* never accessible */
static char *guard_pair;		/* a read/write page, then a PROT_NONE page */
static char *rdonly_page;		/* random bytes, read-only */
static __thread char *scratch_page;	/* this thread's */

void fz_pointers_init(void)
{
	struct rng r = rng_derive(fz_seed, 0xdead, 0);
	char *p = mmap(NULL, 4 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	prot_none_page = p;
	guard_pair = p + FZ_PAGE;
	rdonly_page = p + 3 * FZ_PAGE;
	for (size_t i = 0; i < FZ_PAGE; i += 8) {
		uint64_t v = rng_chance(&r, 50) ? 0 : rng_next(&r);

		memcpy(rdonly_page + i, &v, 8);
	}
	if (mprotect(prot_none_page, FZ_PAGE, PROT_NONE) ||
	    mprotect(guard_pair + FZ_PAGE, FZ_PAGE, PROT_NONE) ||
	    mprotect(rdonly_page, FZ_PAGE, PROT_READ))
		die("mprotect: %s", strerror(errno));
}

void *fz_scratch(void)
{
	if (!scratch_page) {
		scratch_page = mmap(NULL, FZ_PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (scratch_page == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}
	return scratch_page;
}

/* A random tracked mapping of at least n bytes (data or counters), fz_lock held. */
static struct fz_map *pick_mapping(struct rng *r, size_t n, bool counters)
{
	unsigned int start, i;

	if (!fz_nr_maps)
		return NULL;
	start = (unsigned int)rng_below(r, fz_nr_maps);
	for (i = 0; i < fz_nr_maps; i++) {
		struct fz_map *m = &fz_maps[(start + i) % fz_nr_maps];

		if (m->sabuf && m->counters == counters && m->len >= n)
			return m;
	}
	return NULL;
}

void *fz_pick_ptr(struct fz_thread *t, size_t n, bool *good, bool *locked)
{
#if UINTPTR_MAX > 0xffffffffu
	static const uint64_t hostile[] = {
		0, 1, 0x1000, 0xffff888000000000ULL, 0xffffffff81000000ULL,
		0xffffffffff600000ULL, 0xfffffffffffff000ULL, 0xffffffffffffffffULL,
		0x0000800000000000ULL, 0x00007ffffffff000ULL, 0x8000000000000000ULL,
	};
#else
	/* A 32-bit (compat) process: only what lies above its address space,
	 * since any other address might be its own memory. */
	static const uint64_t hostile[] = {
		0, 1, 0x1000, 0xffffe000, 0xfffff000, 0xfffffff0, 0xffffffff,
	};
#endif
	unsigned int k = (unsigned int)rng_below(&t->rng, 100);
	char *scratch = fz_scratch();
	struct fz_map *m;

	*good = false;
	*locked = false;
	if (k < 55) {
		*good = true;
		return scratch + 8 * rng_below(&t->rng, (FZ_PAGE - n) / 8);
	}
	if (k < 60) {
		*good = true;	/* misaligned, but fine for the kernel's copies */
		return scratch + rng_range(&t->rng, 1, 7);
	}
	if (k < 72)
		return (void *)(uintptr_t)hostile[rng_below(&t->rng, ARRAY_SIZE(hostile))];
	if (k < 76)
		return prot_none_page + 8 * rng_below(&t->rng, (FZ_PAGE - n) / 8);
	if (k < 80)	/* straddles into the PROT_NONE page */
		return guard_pair + FZ_PAGE - rng_range(&t->rng, 1, n - 1);
	if (k < 86)	/* readable, not writable */
		return rdonly_page + 8 * rng_below(&t->rng, (FZ_PAGE - n) / 8);
	if (k < 97) {
		pthread_mutex_lock(&fz_lock);
		m = pick_mapping(&t->rng, n, k >= 94);
		if (m) {
			*locked = true;
			return m->addr + 8 * rng_below(&t->rng, (m->len - n) / 8 + 1);
		}
		pthread_mutex_unlock(&fz_lock);
		return prot_none_page;
	}
#if UINTPTR_MAX > 0xffffffffu
	return (void *)(uintptr_t)rng_next(&t->rng);	/* almost surely not canonical */
#else
	return (void *)(uintptr_t)rng_range(&t->rng, 0xffffe000u, 0xffffffffu);
#endif
}

/* Copy the struct to where the call reads it, when that memory is writable. */
static void place(void *dst, const void *src, size_t n, bool good, bool locked)
{
	if (good) {
		memcpy(dst, src, n);
		return;
	}
	if (!locked)
		return;
	fz_guard_on = 1;
	if (!sigsetjmp(fz_guard_env, 1))
		memcpy(dst, src, n);
	else
		fz_stats->touches_faulted++;
	fz_guard_on = 0;
}

/* ---- boundary values ---- */

static uint64_t pick_length(struct rng *r)
{
	static const uint64_t lens[] = {
		0, 1, 2, 3, 4, 7, 8, 9, 4095, 4096, 4097, 8191, 8192, 65536, 65537,
		1 << 20, (1 << 20) + 1, 16 << 20, (16 << 20) + 1, 1ULL << 30, (1ULL << 30) + 1,
		1ULL << 32, 0x7fffffffffffffffULL, 0xfffffffffffff000ULL, 0xffffffffffffffffULL,
	};
	unsigned int k = (unsigned int)rng_below(r, 100);

	if (k < 40)
		return lens[rng_below(r, ARRAY_SIZE(lens))];
	if (k < 80)
		return rng_range(r, 1, 3 * FZ_PAGE);
	if (k < 95)
		return rng_range(r, 1, 4 << 20);
	return rng_next(r);
}

static uint64_t pick_offset(struct rng *r, uint64_t byte_length)
{
	uint64_t bl = byte_length ? byte_length : FZ_PAGE;
	unsigned int k = (unsigned int)rng_below(r, 100);

	if (k < 30)
		return 4 * rng_below(r, bl / 4 + 1);			/* aligned, in or at the end */
	if (k < 45)
		return 8 * rng_below(r, bl / 8 + 1);
	if (k < 55)
		return bl - rng_range(r, 0, 8);				/* the last words, and past */
	if (k < 65)
		return rng_below(r, bl + 16);				/* misaligned too */
	if (k < 75)
		return bl + 4 * rng_below(r, 1024);			/* in the page rounding, past it */
	if (k < 85) {
		static const uint64_t big[] = {
			0xfffffffffffffffcULL, 0xfffffffffffffff8ULL, 0x8000000000000000ULL,
			0x100000000ULL, 0xfffffffcULL, 1ULL << 40,
		};
		return big[rng_below(r, ARRAY_SIZE(big))];
	}
	return 0;
}

/* The buffer behind f, re-read with INFO (fz_lock held): someone else
 * (a forked child, through an inherited fd) may have created it. */
static void refresh(struct fz_fd *f)
{
	struct sabuf_info info;

	if (f->kind == FD_SABUF && !sb_info(f->fd, &info) && info.byte_length) {
		f->created = true;
		f->byte_length = info.byte_length;
		f->map_length = info.map_length;
		f->id = info.id;
	}
}

/* ---- handles ---- */

void op_open(struct fz_thread *t)
{
	static const int modes[] = {
		O_RDWR, O_RDWR, O_RDWR, O_RDONLY, O_WRONLY, O_RDWR | O_NONBLOCK, O_PATH,
		O_RDWR | O_CLOEXEC, O_RDWR | O_APPEND | O_SYNC,
	};
	int mode = modes[rng_below(&t->rng, ARRAY_SIZE(modes))];
	struct fz_fd *f;
	int fd;

	fz_trace_op(t, "open %#x", mode);
	fd = open(SABUF_DEVICE_PATH, mode);
	fz_count(OP_OPEN, fd < 0 ? -errno : 0);
	if (fd < 0)
		return;
	pthread_mutex_lock(&fz_lock);
	f = fz_fd_add(fd, mode == O_PATH ? FD_SABUF_PATH : FD_SABUF);
	if (f)
		f->rdwr = (mode & O_ACCMODE) == O_RDWR && mode != O_PATH;
	/* Most handles get a plain buffer at once, so that the other ops find some. */
	if (f && f->kind == FD_SABUF && rng_chance(&t->rng, 60)) {
		uint64_t len = rng_chance(&t->rng, 90) ? rng_range(&t->rng, 1, 64 << 10) :
			       rng_range(&t->rng, 1, 1 << 20);
		long ret = sb_create(fd, len);

		fz_count(OP_CREATE, ret);
		if (!ret)
			refresh(f);
	}
	pthread_mutex_unlock(&fz_lock);
}

/* Something that is not /dev/sabuf, for ioctls and mmaps aimed at the wrong file. */
void op_open_other(struct fz_thread *t)
{
	int fd, fds[2];
	unsigned int k = (unsigned int)rng_below(&t->rng, 3);

	fz_trace_op(t, "open-other %u", k);
	if (k == 0) {
		fd = open("/dev/null", O_RDWR);
	} else if (k == 1) {
		fd = memfd_create("fuzz", MFD_CLOEXEC);
		/* a memfd of any length, even 0: touches past its end get SIGBUS */
		if (fd >= 0 && ftruncate(fd, (off_t)rng_range(&t->rng, 0, 4) * FZ_PAGE)) {
			close(fd);
			fd = -1;
		}
	} else {
		fd = socketpair(AF_UNIX, SOCK_STREAM, 0, fds) ? -1 : fds[0];
		if (fd >= 0)
			close(fds[1]);
	}
	fz_count(OP_OPEN_OTHER, fd < 0 ? -errno : 0);
	if (fd < 0)
		return;
	pthread_mutex_lock(&fz_lock);
	fz_fd_add(fd, FD_OTHER);
	pthread_mutex_unlock(&fz_lock);
}

void op_close(struct fz_thread *t)
{
	struct fz_fd *f;
	int fd, ret;

	pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, -1);
	if (!f) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	fd = f->fd;
	fz_fd_remove(f);
	fz_trace_op(t, "close %d", fd);
	ret = close(fd) ? -errno : 0;
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_CLOSE, ret);
	if (ret)
		fz_fail("close(%d) of a tracked fd failed: %s", fd, strerror(-ret));
}

void op_dup(struct fz_thread *t)
{
	struct fz_fd *f, copy;
	int fd;

	pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, -1);
	if (!f || fz_nr_fds == FZ_MAX_FDS) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	copy = *f;
	fz_trace_op(t, "dup %d", copy.fd);
	fd = rng_chance(&t->rng, 50) ? dup(copy.fd) : fcntl(copy.fd, F_DUPFD_CLOEXEC, 100);
	fz_count(OP_DUP, fd < 0 ? -errno : 0);
	if (fd >= 0) {
		f = fz_fd_add(fd, copy.kind);
		if (f) {
			copy.fd = fd;
			*f = copy;
		}
	}
	pthread_mutex_unlock(&fz_lock);
}

/* ---- the ioctls ---- */

static bool errno_in(long ret, const int *list, size_t n)
{
	if (ret >= 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (-ret == list[i])
			return true;
	return false;
}

#define CHECK_ERRNO(op, ret, ...) do {						\
	static const int allowed_[] = { __VA_ARGS__ };				\
	if (!errno_in(ret, allowed_, ARRAY_SIZE(allowed_)))			\
		fz_fail("%s: errno %s is not one the module documents",		\
			op, strerrorname_np((int)-(ret)));			\
} while (0)

/* The caps now (fz_lock held: only op_caps, under the lock too, changes them). */
static uint64_t max_buffer_bytes(void)
{
	char line[32];

	if (read_file_line("/sys/module/sabuf/parameters/max_buffer_bytes", line, sizeof(line)))
		return UINT64_MAX;
	return strtoull(line, NULL, 0);
}

void op_create(struct fz_thread *t)
{
	struct sabuf_create c = { .byte_length = pick_length(&t->rng) };
	struct fz_fd *f;
	bool good, locked, model;
	void *p;
	long ret, want = 0;
	int fd;

	if (rng_chance(&t->rng, 5))
		c.flags = (uint32_t)rng_next(&t->rng);
	if (rng_chance(&t->rng, 5))
		c.reserved = (uint32_t)rng_next(&t->rng);
	p = fz_pick_ptr(t, sizeof(c), &good, &locked);
	place(p, &c, sizeof(c), good, locked);
	/* With a good pointer, hold the table so the fd stays what we think it is. */
	model = good;
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, rng_chance(&t->rng, 90) ? FD_SABUF : -1);
	fd = f ? f->fd : -1;
	if (model && f && f->kind == FD_SABUF) {
		/* The caps change under the parent's lock: a child cannot know them. */
		uint64_t cap = t->is_child ? UINT64_MAX : max_buffer_bytes();

		if (!f->created)
			refresh(f);
		if (c.flags || c.reserved || !c.byte_length)
			want = -EINVAL;
		else if (c.byte_length > cap)
			want = -EFBIG;
		else if (f->created)
			want = -EEXIST;
		else
			want = 1;	/* 0, or EDQUOT/ENOMEM */
		if (t->is_child && want == -EEXIST)
			want = 2;	/* EEXIST, or EFBIG (checked first) */
	} else {
		model = false;
	}
	fz_trace_op(t, "create fd %d len %#llx flags %#x reserved %#x at %p",
		    fd, (unsigned long long)c.byte_length, c.flags, c.reserved, p);
	ret = ioctl(fd, SABUF_IOC_CREATE, p) ? -errno : 0;
	if (model) {
		/* EEXIST too: a forked child may have created it through an inherited fd. */
		if ((want <= 0 && ret != want) ||
		    (want == 1 && ret && ret != -EDQUOT && ret != -ENOMEM && ret != -EEXIST &&
		     !(t->is_child && ret == -EFBIG)) ||
		    (want == 2 && ret != -EEXIST && ret != -EFBIG))
			fz_fail("create(len %#llx, flags %#x, reserved %#x) returned %s, expected %s",
				(unsigned long long)c.byte_length, c.flags, c.reserved,
				ret ? strerrorname_np((int)-ret) : "0",
				want == 1 ? "0/EDQUOT/ENOMEM" : want == 2 ? "EEXIST/EFBIG" :
				strerrorname_np((int)-want));
	}
	if (!ret && f && f->kind == FD_SABUF)
		refresh(f);
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_CREATE, ret);
	if (f)
		CHECK_ERRNO("create", ret, EINVAL, EFBIG, EDQUOT, EEXIST, ENOMEM, EFAULT, EBADF,
			    ENOTTY, EINTR);
}

static void check_info(const struct sabuf_info *i)
{
	bool bad = i->abi_version != SABUF_ABI_VERSION || i->page_size != FZ_PAGE ||
		   i->reserved[0] || i->reserved[1] || i->reserved[2] || i->reserved[3];

	if (i->byte_length)
		bad |= i->map_length != ((i->byte_length + FZ_PAGE - 1) & ~(FZ_PAGE - 1)) ||
		       i->counters_offset != i->map_length || i->counters_length != FZ_PAGE ||
		       i->counters_slots != FZ_PAGE / 4 || !i->id;
	else
		bad |= i->map_length || i->counters_offset || i->counters_length ||
		       i->counters_slots || i->id;
	if (bad)
		fz_fail("INFO is inconsistent: abi %u page %u length %llu map %llu counters %llu+%u "
			"slots %u id %llu", i->abi_version, i->page_size,
			(unsigned long long)i->byte_length, (unsigned long long)i->map_length,
			(unsigned long long)i->counters_offset, i->counters_length,
			i->counters_slots, (unsigned long long)i->id);
}

void op_info(struct fz_thread *t)
{
	struct sabuf_info *out;
	struct fz_fd *f;
	bool good, locked;
	long ret;
	int fd;

	out = fz_pick_ptr(t, sizeof(*out), &good, &locked);
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, rng_chance(&t->rng, 90) ? FD_SABUF : -1);
	fd = f ? f->fd : -1;
	fz_trace_op(t, "info fd %d at %p", fd, (void *)out);
	ret = ioctl(fd, SABUF_IOC_INFO, out) ? -errno : 0;
	if (!ret && good)
		check_info(out);
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_INFO, ret);
	if (f)
		CHECK_ERRNO("info", ret, EFAULT, EBADF, ENOTTY);
}

/* What a non-blocking wait (timeout already passed) must return, from the README. */
static long expect_wait(const struct fz_fd *f, const struct sabuf_wait *w)
{
	uint32_t sz = w->flags & (SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64);
	uint64_t size = sz == SABUF_WAIT_SIZE_U32 ? 4 : 8;

	if (!f->created)
		return -EBADFD;
	if ((w->flags & ~SABUF_WAIT_FLAGS_VALID) ||
	    (sz != SABUF_WAIT_SIZE_U32 && sz != SABUF_WAIT_SIZE_U64) ||
	    (w->clockid != CLOCK_MONOTONIC && w->clockid != CLOCK_REALTIME) ||
	    w->reserved[0] || w->reserved[1] || (w->offset & (size - 1)) ||
	    (size == 4 && w->expected > UINT32_MAX))
		return -EINVAL;
	if (f->byte_length < size || w->offset > f->byte_length - size)
		return -ERANGE;
	return 1;	/* EAGAIN or ETIMEDOUT, depending on the word */
}

void op_wait(struct fz_thread *t)
{
	static const uint32_t flag_choices[] = {
		SABUF_WAIT_SIZE_U32, SABUF_WAIT_SIZE_U64,
		SABUF_WAIT_SIZE_U32 | SABUF_WAIT_ABSTIME, SABUF_WAIT_SIZE_U64 | SABUF_WAIT_ABSTIME,
		0, SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64, SABUF_WAIT_ABSTIME, 8, 0x80000000u,
	};
	static const uint32_t clocks[] = {
		CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_REALTIME,
		CLOCK_PROCESS_CPUTIME_ID, CLOCK_BOOTTIME, CLOCK_TAI, 0xffffffffu,
	};
	struct sabuf_wait w = { 0 };
	struct fz_fd *f;
	bool good, locked, model;
	long ret, want = 0;
	void *p;
	int fd;

	w.flags = rng_chance(&t->rng, 90) ? flag_choices[rng_below(&t->rng, 4)] :
		  rng_chance(&t->rng, 70) ? flag_choices[rng_below(&t->rng, ARRAY_SIZE(flag_choices))] :
		  (uint32_t)rng_next(&t->rng);
	w.clockid = rng_chance(&t->rng, 90) ? clocks[rng_below(&t->rng, 2)] :
		    clocks[rng_below(&t->rng, ARRAY_SIZE(clocks))];
	w.expected = rng_chance(&t->rng, 70) ? 0 :
		     rng_chance(&t->rng, 50) ? rng_below(&t->rng, 256) :
		     rng_chance(&t->rng, 50) ? 0x100000000ULL : rng_next(&t->rng);
	if (rng_chance(&t->rng, 3))
		w.reserved[rng_below(&t->rng, 2)] = rng_next(&t->rng);
	/* A quarter of the waits cannot block: their outcome is predicted exactly. */
	model = rng_chance(&t->rng, 25);
	if (model) {
		w.timeout_ns = w.flags & SABUF_WAIT_ABSTIME ? (int64_t)rng_below(&t->rng, 1000) : 0;
	} else {
		unsigned int k = (unsigned int)rng_below(&t->rng, 100);

		w.timeout_ns = k < 30 ? -1 : k < 40 ? INT64_MAX : k < 45 ? INT64_MIN :
			       k < 80 ? (int64_t)rng_below(&t->rng, 5 * NSEC_PER_MSEC) :
			       (int64_t)rng_next(&t->rng);
		if ((w.flags & SABUF_WAIT_ABSTIME) && k >= 45 && k < 80)
			w.timeout_ns += now_ns(w.clockid == CLOCK_REALTIME ? CLOCK_REALTIME :
					       CLOCK_MONOTONIC);
	}

	pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, rng_chance(&t->rng, 90) ? FD_SABUF : -1);
	fd = f ? f->fd : -1;
	if (f && f->kind == FD_SABUF && !f->created)
		refresh(f);
	w.offset = pick_offset(&t->rng, f ? f->byte_length : 0);
	if (!model && rng_chance(&t->rng, 30)) {
		/* where the broadcasts go: a chance to be woken */
		w.offset = 4 * rng_below(&t->rng, 3);
		w.expected = 0;
	}
	pthread_mutex_unlock(&fz_lock);

	p = fz_pick_ptr(t, sizeof(w), &good, &locked);
	place(p, &w, sizeof(w), good, locked);
	if (model && good) {
		/* Non-blocking: keep the fd table still across the call. */
		pthread_mutex_lock(&fz_lock);
		locked = true;
		f = NULL;
		for (unsigned int i = 0; i < fz_nr_fds; i++)
			if (fz_fds[i].fd == fd)
				f = &fz_fds[i];
		model = f && f->kind == FD_SABUF;
		if (model)
			want = expect_wait(f, &w);
	} else {
		model = false;
	}
	fz_trace_op(t, "wait fd %d off %#llx exp %#llx timeout %lld flags %#x clock %u at %p",
		    fd, (unsigned long long)w.offset, (unsigned long long)w.expected,
		    (long long)w.timeout_ns, w.flags, w.clockid, p);
	ret = ioctl(fd, SABUF_IOC_WAIT, p) ? -errno : 0;
	if (model && want == -EBADFD && ret != -EBADFD) {
		refresh(f);	/* created behind our back (an inherited fd) */
		want = expect_wait(f, &w);
	}
	if (model && ((want <= 0 && ret != want) ||
		      (want == 1 && ret != -EAGAIN && ret != -ETIMEDOUT && ret != -EINTR)))
		fz_fail("wait(off %#llx, len %llu, exp %#llx, flags %#x, clock %u, timeout %lld, "
			"reserved %#llx/%#llx) returned %s, expected %s",
			(unsigned long long)w.offset, (unsigned long long)f->byte_length,
			(unsigned long long)w.expected, w.flags, w.clockid, (long long)w.timeout_ns,
			(unsigned long long)w.reserved[0], (unsigned long long)w.reserved[1],
			ret ? strerrorname_np((int)-ret) : "0",
			want == 1 ? "EAGAIN/ETIMEDOUT" : strerrorname_np((int)-want));
	if (locked)
		pthread_mutex_unlock(&fz_lock);
	fz_count(OP_WAIT, ret);
	if (fd >= 0)
		CHECK_ERRNO("wait", ret, EAGAIN, ETIMEDOUT, EINTR, EINVAL, ERANGE, EBADFD, EFAULT,
			    EBADF, ENOTTY);
}

/* What a notify must return, from the README (1: a count of woken waiters). */
static long expect_notify(const struct fz_fd *f, const struct sabuf_notify *n)
{
	if (!f->created)
		return -EBADFD;
	if (n->flags || n->reserved || (n->offset & 3))
		return -EINVAL;
	if (f->byte_length < 4 || n->offset > f->byte_length - 4)
		return -ERANGE;
	return 1;
}

void op_notify(struct fz_thread *t)
{
	struct sabuf_notify n = { 0 };
	struct fz_fd *f;
	bool good, locked, model;
	long ret, want = 0;
	void *p;
	int fd;

	if (rng_chance(&t->rng, 15)) {
		/* Wake whoever sleeps on the first words of every buffer we know,
		 * in this process or another (forked children share the files). */
		pthread_mutex_lock(&fz_lock);
		fz_trace_op(t, "notify: broadcast");
		for (unsigned int i = 0; i < fz_nr_fds; i++)
			for (uint64_t off = 0; fz_fds[i].created && off < 12 && off + 4 <= fz_fds[i].byte_length; off += 4)
				fz_count(OP_NOTIFY, sb_notify(fz_fds[i].fd, off, SABUF_NOTIFY_ALL));
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	n.count = rng_chance(&t->rng, 30) ? SABUF_NOTIFY_ALL : (uint32_t)rng_below(&t->rng, 4);
	if (rng_chance(&t->rng, 4))
		n.flags = (uint32_t)rng_next(&t->rng);
	if (rng_chance(&t->rng, 4))
		n.reserved = rng_next(&t->rng);
	p = fz_pick_ptr(t, sizeof(n), &good, &locked);
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, rng_chance(&t->rng, 90) ? FD_SABUF : -1);
	fd = f ? f->fd : -1;
	model = good && f && f->kind == FD_SABUF;
	if (f && f->kind == FD_SABUF && !f->created)
		refresh(f);
	n.offset = pick_offset(&t->rng, f ? f->byte_length : 0);
	place(p, &n, sizeof(n), good, locked);
	if (model)
		want = expect_notify(f, &n);
	fz_trace_op(t, "notify fd %d off %#llx count %u flags %#x at %p", fd,
		    (unsigned long long)n.offset, n.count, n.flags, p);
	ret = ioctl(fd, SABUF_IOC_NOTIFY, p);
	ret = ret < 0 ? -errno : ret;
	if (model && want == -EBADFD && ret != -EBADFD) {
		refresh(f);	/* created meanwhile, through a shared file */
		want = expect_notify(f, &n);
	}
	if (model && ((want <= 0 && ret != want) || (want == 1 && ret < 0) ||
		      (want == 1 && n.count != SABUF_NOTIFY_ALL && ret > (int64_t)n.count)))
		fz_fail("notify(off %#llx, len %llu, count %u, flags %#x, reserved %#llx) returned "
			"%ld, expected %s", (unsigned long long)n.offset,
			(unsigned long long)f->byte_length, n.count, n.flags,
			(unsigned long long)n.reserved, ret,
			want == 1 ? "0..count" : strerrorname_np((int)-want));
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_NOTIFY, ret);
	if (f)
		CHECK_ERRNO("notify", ret, EINVAL, ERANGE, EBADFD, EFAULT, EBADF, ENOTTY);
}

/* ioctl types the VFS or sockets handle before any driver: some could freeze
 * a filesystem or change the /dev node, so random numbers avoid them. */
static bool dangerous_type(unsigned int type)
{
	return type == 0x00 || type == 0x15 || type == 'T' || type == 'X' || type == 'f' ||
	       type == 0x89 || type == 0x94 || type == 0x8b;
}

void op_ioctl_random(struct fz_thread *t)
{
	unsigned int k = (unsigned int)rng_below(&t->rng, 100), dir, nr, size;
	unsigned long cmd;
	bool good, locked, ours;
	struct fz_fd *f;
	char *p;
	long ret;
	int fd;

	dir = (unsigned int)rng_below(&t->rng, 4);
	size = rng_chance(&t->rng, 50) ? 8 * (unsigned int)rng_below(&t->rng, 16) :
	       (unsigned int)rng_below(&t->rng, 1 << 14);
	nr = (unsigned int)rng_below(&t->rng, 256);
	if (k < 40)		/* our magic, our numbers, the wrong size or direction */
		cmd = _IOC(dir, SABUF_IOC_MAGIC, rng_below(&t->rng, 5), size);
	else if (k < 70)	/* our magic, any number */
		cmd = _IOC(dir, SABUF_IOC_MAGIC, nr, size);
	else {
		do
			cmd = (uint32_t)rng_next(&t->rng);
		while (dangerous_type(_IOC_TYPE(cmd)));
	}
	ours = _IOC_TYPE(cmd) == SABUF_IOC_MAGIC && cmd != SABUF_IOC_CREATE &&
	       cmd != SABUF_IOC_INFO && cmd != SABUF_IOC_WAIT && cmd != SABUF_IOC_NOTIFY;
	p = fz_pick_ptr(t, 64, &good, &locked);
	if (good)	/* random contents behind the pointer */
		for (unsigned int i = 0; i < 64; i++)
			p[i] = (char)rng_next(&t->rng);
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, rng_chance(&t->rng, 80) ? FD_SABUF : -1);
	fd = f ? f->fd : -1;
	fz_trace_op(t, "ioctl fd %d cmd %#lx at %p", fd, cmd, (void *)p);
	if (!ours && (!f || f->kind != FD_SABUF)) {
		/* a random number on a file that is not ours: not our business */
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	ret = ioctl(fd, cmd, p) ? -errno : 0;
	if (ours && f && f->kind == FD_SABUF && ret != -ENOTTY)
		fz_fail("ioctl %#lx (magic %#x, nr %u) returned %s, expected ENOTTY", cmd,
			SABUF_IOC_MAGIC, (unsigned int)_IOC_NR(cmd), ret ? strerrorname_np((int)-ret) : "0");
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_IOCTL_RANDOM, ret);
}

/* The file operations a char device gets from the VFS: none may hurt. */
void op_file_misc(struct fz_thread *t)
{
	char *scratch = fz_scratch();
	unsigned int k = (unsigned int)rng_below(&t->rng, 16);
	struct fz_fd *f;
	struct stat st;
	long ret = 0;
	int fd;

	pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, FD_SABUF);
	fd = f ? f->fd : -1;
	fz_trace_op(t, "file op %u on fd %d", k, fd);
	switch (k) {
	case 0: ret = read(fd, scratch, 64); break;
	case 1: ret = write(fd, scratch, 64); break;
	case 2: ret = lseek(fd, (off_t)rng_next(&t->rng), (int)rng_below(&t->rng, 5)); break;
	case 3: {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };

		ret = poll(&pfd, 1, 0);
		break;
	}
	case 4: ret = fstat(fd, &st); break;
	case 5: ret = fcntl(fd, F_SETFL, (int)(rng_next(&t->rng) & (O_NONBLOCK | O_ASYNC | O_APPEND | O_DIRECT | O_NOATIME))); break;
	case 6: ret = flock(fd, rng_chance(&t->rng, 50) ? LOCK_EX | LOCK_NB : LOCK_UN); break;
	case 7: ret = fallocate(fd, (int)rng_below(&t->rng, 4), 0, (off_t)FZ_PAGE); break;
	case 8: ret = ftruncate(fd, (off_t)rng_below(&t->rng, 1 << 20)); break;
	case 9: ret = fsync(fd); break;
	case 10: ret = posix_fadvise(fd, 0, 0, (int)rng_below(&t->rng, 6)); ret = ret ? -1 : 0; break;
	case 11: ret = readahead(fd, 0, FZ_PAGE); break;
	case 12: ret = pread(fd, scratch, 64, (off_t)rng_below(&t->rng, 1 << 20)); break;
	case 13: {
		off_t off = 0;

		ret = sendfile(fd, fd, &off, 64);
		break;
	}
	case 14: ret = syncfs(fd); break;
	default: ret = fcntl(fd, F_GETFL); break;
	}
	ret = ret < 0 ? -errno : 0;
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_FILE_MISC, ret);
	/* No read or write op: the VFS answers EINVAL (EBADF when the mode forbids). */
	if ((k == 0 || k == 1 || k == 12) && f && ret != -EINVAL && ret != -EBADF)
		fz_fail("%s on /dev/sabuf returned %s, expected EINVAL", k == 1 ? "write" : "read",
			ret ? strerrorname_np((int)-ret) : "0");
}

/* Pass a buffer fd over a unix socket to ourselves; sometimes leave it in flight. */
void op_scm(struct fz_thread *t)
{
	char cbuf[CMSG_SPACE(sizeof(int))] __attribute__((aligned(8))) = { 0 };
	char byte = 'x';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct fz_fd *f, copy;
	long ret;
	int fd;

	pthread_mutex_lock(&fz_lock);
	if (t->scm[0] < 0 && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, t->scm)) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	if (rng_chance(&t->rng, 20)) {
		fz_trace_op(t, "scm: close the socket pair (fds in flight)");
		close(t->scm[0]);
		close(t->scm[1]);
		t->scm[0] = t->scm[1] = -1;
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	f = fz_fd_random(&t->rng, FD_SABUF);
	if (!f) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	copy = *f;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &copy.fd, sizeof(int));
	fz_trace_op(t, "scm: send fd %d", copy.fd);
	ret = sendmsg(t->scm[0], &msg, MSG_DONTWAIT) < 0 ? -errno : 0;
	if (!ret && rng_chance(&t->rng, 60)) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_controllen = sizeof(cbuf);
		if (recvmsg(t->scm[1], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) >= 0 &&
		    (cm = CMSG_FIRSTHDR(&msg)) && cm->cmsg_type == SCM_RIGHTS) {
			/* Not necessarily the fd just sent: the oldest one queued. */
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
			f = fz_fd_add(fd, FD_SABUF);
			if (f) {
				f->rdwr = (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR;
				refresh(f);
			}
		}
	}
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_SCM, ret);
}

void fz_close_all(struct fz_thread *t)
{
	while (fz_nr_fds) {
		close(fz_fds[0].fd);
		fz_fd_remove(&fz_fds[0]);
	}
	if (t->nl_sock >= 0)
		close(t->nl_sock);
	t->nl_sock = -1;
	for (int i = 0; i < 2; i++) {
		if (t->scm[i] >= 0)
			close(t->scm[i]);
		if (t->pipe[i] >= 0)
			close(t->pipe[i]);
		t->scm[i] = t->pipe[i] = -1;
	}
}
