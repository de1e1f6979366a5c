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

#define refresh fz_fd_refresh

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
	if (f) {
		f->rdwr = (mode & O_ACCMODE) == O_RDWR && mode != O_PATH;
		f->ro = (mode & O_ACCMODE) == O_RDONLY;
	}
	/* Most handles get a plain buffer at once, so that the other ops find some. */
	if (f && f->kind == FD_SABUF && rng_chance(&t->rng, 60)) {
		uint64_t len = rng_chance(&t->rng, 90) ? rng_range(&t->rng, 1, 64 << 10) :
			       rng_range(&t->rng, 1, 1 << 20);
		long ret;

		/* a third growable, up to 4x their length (a few from 0 bytes) */
		if (rng_chance(&t->rng, 33))
			ret = sb_create_growable(fd, rng_chance(&t->rng, 10) ? 0 : len,
						 len * rng_range(&t->rng, 1, 4));
		else
			ret = sb_create(fd, len);
		fz_count(OP_CREATE, ret);
		if (f->ro && ret != -EBADF)
			fz_fail("create on an O_RDONLY handle returned %s, expected EBADF",
				ret ? strerrorname_np((int)-ret) : "0");
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

/*
 * What CREATE must answer for the struct the kernel sees (kmod/buffer.c's
 * order: the rights, the arguments, the cap, then EEXIST): -errno, or 1
 * for "0, EDQUOT or ENOMEM".
 */
static long fz_expect_create(const struct sabuf_create *c, bool ro, bool created, uint64_t cap)
{
	uint64_t max;

	if (ro)
		return -EBADF;
	if ((c->flags & ~SABUF_CREATE_FLAGS_VALID) || c->reserved)
		return -EINVAL;
	if (c->flags & SABUF_CREATE_GROWABLE) {
		if (!c->max_byte_length || c->byte_length > c->max_byte_length)
			return -EINVAL;
		max = c->max_byte_length;
	} else {
		if (!c->byte_length || (c->max_byte_length && c->max_byte_length != c->byte_length))
			return -EINVAL;
		max = c->byte_length;
	}
	if (max > cap || max > UINT64_MAX - FZ_PAGE)
		return -EFBIG;
	return created ? -EEXIST : 1;
}

void op_create(struct fz_thread *t)
{
	struct sabuf_create c = { .byte_length = pick_length(&t->rng) };
	struct fz_fd *f;
	bool good, locked, model;
	void *p;
	long ret, want = 0;
	int fd;

	if (rng_chance(&t->rng, 30)) {
		/* growable: 0 <= byte_length <= max, max >= 1, else EINVAL */
		unsigned int k = (unsigned int)rng_below(&t->rng, 100);

		c.flags = SABUF_CREATE_GROWABLE;
		c.max_byte_length = pick_length(&t->rng);
		c.byte_length = k < 25 ? 0 : k < 65 ? rng_below(&t->rng, c.max_byte_length + 1) :
				k < 75 ? c.max_byte_length : pick_length(&t->rng);
	} else if (rng_chance(&t->rng, 15)) {
		/* fixed, with a maximum: only 0 or byte_length are accepted */
		c.max_byte_length = rng_chance(&t->rng, 50) ? c.byte_length : pick_length(&t->rng);
	}
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

		refresh(f);
		want = fz_expect_create(&c, f->ro, f->created, cap);
		if (t->is_child && want == -EEXIST)
			want = 2;	/* EEXIST, or EFBIG (checked first) */
	} else {
		model = false;
	}
	fz_trace_op(t, "create fd %d len %#llx max %#llx flags %#x reserved %#x at %p",
		    fd, (unsigned long long)c.byte_length, (unsigned long long)c.max_byte_length,
		    c.flags, c.reserved, p);
	ret = ioctl(fd, SABUF_IOC_CREATE, p) ? -errno : 0;
	if (good && memcmp(p, &c, sizeof(c)))
		fz_fail("CREATE wrote into the caller's struct");
	if (model) {
		/* EEXIST too: a forked child may have created it through an inherited fd. */
		if ((want <= 0 && ret != want) ||
		    (want == 1 && ret && ret != -EDQUOT && ret != -ENOMEM && ret != -EEXIST &&
		     !(t->is_child && ret == -EFBIG)) ||
		    (want == 2 && ret != -EEXIST && ret != -EFBIG))
			fz_fail("create(len %#llx, max %#llx, flags %#x, reserved %#x, %s fd) returned %s, "
				"expected %s", (unsigned long long)c.byte_length,
				(unsigned long long)c.max_byte_length, c.flags, c.reserved,
				f->ro ? "read-only" : "writable",
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
		fz_check_info(out, f && f->kind == FD_SABUF ? f->ro : -1);
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
		0, SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64, SABUF_WAIT_ABSTIME, SABUF_WAIT_HANDON,
		0x10, 0x80000000u, SABUF_WAIT_FLAGS_VALID,
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
	if (rng_chance(&t->rng, 25))
		w.flags |= SABUF_WAIT_HANDON;	/* valid with either size */
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
		if (model) {
			refresh(f);	/* a child may have grown it */
			want = expect_wait(f, &w);
		}
	} else {
		model = false;
	}
	fz_trace_op(t, "wait fd %d off %#llx exp %#llx timeout %lld flags %#x clock %u at %p",
		    fd, (unsigned long long)w.offset, (unsigned long long)w.expected,
		    (long long)w.timeout_ns, w.flags, w.clockid, p);
	ret = ioctl(fd, SABUF_IOC_WAIT, p) ? -errno : 0;
	/* ABI 2: never written back, whatever happened (EINTR included). */
	if (good && memcmp(p, &w, sizeof(w)))
		fz_fail("WAIT (returned %s) wrote into the caller's struct",
			ret ? strerrorname_np((int)-ret) : "0");
	if (model && (want == -EBADFD || want == -ERANGE) && ret != want) {
		refresh(f);	/* created or grown behind our back (an inherited fd) */
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
	if (f->ro)
		return -EBADF;
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
			for (uint64_t off = 0; fz_fds[i].created && !fz_fds[i].ro && off < 12 &&
			     off + 4 <= fz_fds[i].byte_length; off += 4)
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
	if (f && f->kind == FD_SABUF)
		refresh(f);
	n.offset = pick_offset(&t->rng, f ? f->byte_length : 0);
	place(p, &n, sizeof(n), good, locked);
	if (model)
		want = expect_notify(f, &n);
	fz_trace_op(t, "notify fd %d off %#llx count %u flags %#x at %p", fd,
		    (unsigned long long)n.offset, n.count, n.flags, p);
	ret = ioctl(fd, SABUF_IOC_NOTIFY, p);
	ret = ret < 0 ? -errno : ret;
	if (good && memcmp(p, &n, sizeof(n)))
		fz_fail("NOTIFY wrote into the caller's struct");
	if (model && (want == -EBADFD || want == -ERANGE) && ret != want) {
		refresh(f);	/* created or grown meanwhile, through a shared file */
		want = expect_notify(f, &n);
	}
	if (model && ((want <= 0 && ret != want) || (want == 1 && ret < 0) ||
		      (want == 1 && n.count != SABUF_NOTIFY_ALL && ret > (int64_t)n.count)))
		fz_fail("notify(off %#llx, len %llu, count %u, flags %#x, reserved %#llx, %s fd) "
			"returned %ld, expected %s", (unsigned long long)n.offset,
			(unsigned long long)f->byte_length, n.count, n.flags,
			(unsigned long long)n.reserved, f->ro ? "read-only" : "writable", ret,
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

/* The command numbers ABI 2 dispatches (any size, any direction reaches them). */
static bool known_nr(unsigned int nr)
{
	return nr == _IOC_NR(SABUF_IOC_CREATE) || nr == _IOC_NR(SABUF_IOC_INFO) ||
	       nr == _IOC_NR(SABUF_IOC_WAIT) || nr == _IOC_NR(SABUF_IOC_NOTIFY) ||
	       nr == _IOC_NR(SABUF_IOC_GROW) || nr == _IOC_NR(SABUF_IOC_DUP_READONLY) ||
	       nr == _IOC_NR(SABUF_IOC_ROBUST_REGISTER) || nr == _IOC_NR(SABUF_IOC_NOTIFY_WAIT) ||
	       nr == _IOC_NR(SABUF_IOC_WAIT_ANY) || nr == _IOC_NR(SABUF_IOC_WAITSET_CREATE) ||
	       nr == _IOC_NR(SABUF_IOC_OPEN) || nr == _IOC_NR(SABUF_IOC_UNLINK);
}

/* This thread's page-sized argument area: INFO may write up to a page.
 * (Called without fz_lock held.) */
static __thread char *abi_area;

static char *fz_abi_area(void)
{
	if (!abi_area) {
		/* under fz_lock: it must not land in an arena hole about to be re-reserved */
		pthread_mutex_lock(&fz_lock);
		abi_area = mmap(NULL, 2 * FZ_PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pthread_mutex_unlock(&fz_lock);
		if (abi_area == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}
	return abi_area;
}

void op_ioctl_random(struct fz_thread *t)
{
	unsigned int k = (unsigned int)rng_below(&t->rng, 100), dir, nr, size;
	unsigned long cmd;
	bool good, locked, ours, known;
	struct fz_fd *f;
	char *p;
	long ret;
	int fd;

	dir = (unsigned int)rng_below(&t->rng, 4);
	size = rng_chance(&t->rng, 50) ? 8 * (unsigned int)rng_below(&t->rng, 16) :
	       (unsigned int)rng_below(&t->rng, 1 << 14);
	nr = (unsigned int)rng_below(&t->rng, 256);
	if (k < 40)		/* our magic, our numbers and the reserved one, any size and direction */
		cmd = _IOC(dir, SABUF_IOC_MAGIC, rng_below(&t->rng, 11), size);
	else if (k < 70)	/* our magic, any number */
		cmd = _IOC(dir, SABUF_IOC_MAGIC, nr, size);
	else {
		do
			cmd = (uint32_t)rng_next(&t->rng);
		while (dangerous_type(_IOC_TYPE(cmd)));
	}
	/* ABI 2 dispatches on the number: unknown numbers are ENOTTY whatever the size */
	ours = _IOC_TYPE(cmd) == SABUF_IOC_MAGIC;
	known = ours && known_nr(_IOC_NR(cmd));
	p = fz_pick_ptr(t, 64, &good, &locked);
	if (known && (good || locked)) {
		/*
		 * A known number with the caller's size: INFO writes up to a
		 * page, so good pointers (and ones into our mappings, which may
		 * end short of a page) become the page-sized area instead.
		 */
		if (locked)
			pthread_mutex_unlock(&fz_lock);
		locked = false;
		good = true;
		p = fz_abi_area();
		if (rng_chance(&t->rng, 50))
			memset(p, 0, 2 * FZ_PAGE);
	}
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
	ret = ioctl(fd, cmd, p);
	ret = ret < 0 ? -errno : ret;
	if (known && ret >= 0 && _IOC_NR(cmd) == _IOC_NR(SABUF_IOC_DUP_READONLY)) {
		/* random contents that happened to be a valid request: keep the fd */
		struct fz_fd *nf = fz_fd_add((int)ret, FD_SABUF);

		if (nf) {
			nf->ro = true;
			refresh(nf);
		}
	}
	if (known && ret >= 0 && _IOC_NR(cmd) == _IOC_NR(SABUF_IOC_WAITSET_CREATE)) {
		/* a valid WAITSET_CREATE: the new waitset joins the table (or goes) */
		struct fz_fd *nf = fz_fd_add((int)ret, FD_WAITSET);

		if (nf)
			nf->nonblock = fcntl((int)ret, F_GETFL) & O_NONBLOCK;
	}
	if (known && ret >= 0 && _IOC_NR(cmd) == _IOC_NR(SABUF_IOC_OPEN))
		close((int)ret);	/* a name from random bytes: the fd is not for the table */
	if (f && f->kind == FD_SABUF && known && ret == 0)
		refresh(f);	/* a create or grow with random contents may have worked */
	if (ours && !known && f && f->kind == FD_SABUF && ret != -ENOTTY)
		fz_fail("ioctl %#lx (magic %#x, nr %u) returned %s, expected ENOTTY", cmd,
			SABUF_IOC_MAGIC, (unsigned int)_IOC_NR(cmd), ret ? strerrorname_np((int)-ret) : "0");
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_IOCTL_RANDOM, ret);
	if (known && f && f->kind == FD_SABUF)
		CHECK_ERRNO("ioctl with a random size", ret, ENOTTY, EINVAL, E2BIG, EFAULT, EBADF,
			    EBADFD, EEXIST, EFBIG, EDQUOT, ENOMEM, ERANGE, EOPNOTSUPP, EAGAIN,
			    ETIMEDOUT, EINTR, EMFILE, ENOENT, ENAMETOOLONG, EACCES, EPERM);
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
	/*
	 * No read or write op: the VFS answers EINVAL (EBADF when the mode
	 * forbids; ESPIPE for pread on a read-only dup, an anonymous-inode
	 * file without FMODE_PREAD).
	 */
	if ((k == 0 || k == 1 || k == 12) && f && ret != -EINVAL && ret != -EBADF &&
	    !(k == 12 && ret == -ESPIPE && f->ro))
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
				f->ro = (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY;
				refresh(f);
			}
		}
	}
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_SCM, ret);
}

/* ---- ABI 2: grow, read-only dups, struct sizes ---- */

/* What GROW must answer (kmod/buffer.c's order): -errno, or 1 for "0 or ENOMEM". */
static long expect_grow(const struct fz_fd *f, const struct sabuf_grow *g)
{
	if (g->flags || g->reserved)
		return -EINVAL;
	if (!f->created)
		return -EBADFD;
	if (f->ro)
		return -EBADF;
	if (!f->growable)
		return -EOPNOTSUPP;
	if (g->byte_length > f->max_byte_length)
		return -ERANGE;
	if (g->byte_length < f->byte_length)
		return -EINVAL;
	return 1;
}

/* Every table entry of buffer id learns its new length. */
static void grown(uint64_t id, uint64_t len)
{
	for (unsigned int i = 0; i < fz_nr_fds; i++)
		if (fz_fds[i].kind == FD_SABUF && fz_fds[i].created && fz_fds[i].id == id &&
		    fz_fds[i].byte_length < len)
			fz_fds[i].byte_length = len;
}

void op_grow(struct fz_thread *t)
{
	struct sabuf_grow g = { 0 };
	struct fz_fd *f;
	bool good, locked, model;
	uint64_t cur, max;
	unsigned int k = (unsigned int)rng_below(&t->rng, 100);
	long ret, want = 0;
	void *p;
	int fd;

	if (rng_chance(&t->rng, 4))
		g.flags = (uint32_t)rng_next(&t->rng);
	if (rng_chance(&t->rng, 4))
		g.reserved = (uint32_t)rng_next(&t->rng);
	p = fz_pick_ptr(t, sizeof(g), &good, &locked);
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	/* mostly growable buffers, else whatever comes (fixed, empty, read-only, other files) */
	f = NULL;
	for (unsigned int i = 0; i < 4 && (!f || !f->growable); i++)
		f = fz_fd_random(&t->rng, rng_chance(&t->rng, 95) ? FD_SABUF : -1);
	fd = f ? f->fd : -1;
	model = good && f && f->kind == FD_SABUF;
	if (f && f->kind == FD_SABUF)
		refresh(f);
	cur = f ? f->byte_length : 0;
	max = f && f->created ? f->max_byte_length : FZ_PAGE;
	g.byte_length = k < 25 ? cur + rng_range(&t->rng, 1, 3 * FZ_PAGE) :	/* maybe past max */
			k < 50 ? rng_range(&t->rng, cur, max > cur ? max : cur) :
			k < 58 ? cur :						/* no-op */
			k < 68 ? cur - rng_range(&t->rng, cur ? 1 : 0, cur) :	/* shrink */
			k < 76 ? max + rng_range(&t->rng, 1, FZ_PAGE) :	/* above max */
			k < 82 ? max :
			k < 90 ? pick_length(&t->rng) : rng_next(&t->rng);
	place(p, &g, sizeof(g), good, locked);
	if (model)
		want = expect_grow(f, &g);
	fz_trace_op(t, "grow fd %d %#llx -> %#llx (max %#llx) flags %#x reserved %#x at %p", fd,
		    (unsigned long long)cur, (unsigned long long)g.byte_length,
		    (unsigned long long)max, g.flags, g.reserved, p);
	ret = ioctl(fd, SABUF_IOC_GROW, p) ? -errno : 0;
	if (good && memcmp(p, &g, sizeof(g)))
		fz_fail("GROW wrote into the caller's struct");
	/*
	 * Lengths only grow, so a prediction can only be too permissive: a
	 * child (inherited fd) may have created the buffer (EBADFD was
	 * predicted) or grown it past our length (0 was) meanwhile. Then,
	 * and only then, re-read and predict again; a shrink that the kernel
	 * accepted stays a failure.
	 */
	if (model && ((want == -EBADFD && ret != want) ||
		      (want == 1 && ret && ret != -ENOMEM && ret != -EINTR))) {
		refresh(f);
		want = expect_grow(f, &g);
	}
	if (model && ((want <= 0 && ret != want) ||
		      (want == 1 && ret && ret != -ENOMEM && ret != -EINTR)))
		fz_fail("grow(%#llx -> %#llx, max %#llx, %s%s fd, flags %#x, reserved %#x) returned %s, "
			"expected %s", (unsigned long long)f->byte_length,
			(unsigned long long)g.byte_length, (unsigned long long)f->max_byte_length,
			f->growable ? "growable" : "fixed", f->ro ? ", read-only" : "", g.flags,
			g.reserved, ret ? strerrorname_np((int)-ret) : "0",
			want == 1 ? "0/ENOMEM" : strerrorname_np((int)-want));
	if (!ret && f && f->kind == FD_SABUF && f->created) {
		grown(f->id, g.byte_length);
		if (model) {
			/* the new length is what INFO says now (it only grows) */
			refresh(f);
			if (f->byte_length < g.byte_length)
				fz_fail("INFO says %llu bytes after a grow to %llu",
					(unsigned long long)f->byte_length,
					(unsigned long long)g.byte_length);
		}
	}
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_GROW, ret);
	if (f)
		CHECK_ERRNO("grow", ret, EINVAL, ERANGE, EOPNOTSUPP, EBADF, EBADFD, ENOMEM, EFAULT,
			    ENOTTY, EINTR);
}

void op_dup_readonly(struct fz_thread *t)
{
	struct sabuf_dup d = { 0 };
	struct fz_fd *f, *nf;
	struct sabuf_info info;
	bool good, locked, model;
	uint64_t id = 0;
	long ret, want = 0;
	void *p;
	int fd;

	if (rng_chance(&t->rng, 5))
		d.flags = (uint32_t)rng_next(&t->rng);
	if (rng_chance(&t->rng, 5))
		d.reserved = (uint32_t)rng_next(&t->rng);
	p = fz_pick_ptr(t, sizeof(d), &good, &locked);
	place(p, &d, sizeof(d), good, locked);
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, rng_chance(&t->rng, 90) ? FD_SABUF : -1);
	fd = f ? f->fd : -1;
	model = good && f && f->kind == FD_SABUF;
	if (model) {
		refresh(f);
		id = f->id;
		want = d.flags || d.reserved ? -EINVAL : !f->created ? -EBADFD : 1;
	}
	fz_trace_op(t, "dup-readonly fd %d flags %#x reserved %#x at %p", fd, d.flags, d.reserved, p);
	ret = ioctl(fd, SABUF_IOC_DUP_READONLY, p);
	ret = ret < 0 ? -errno : ret;
	if (model && want == -EBADFD && ret >= 0) {
		refresh(f);	/* created through an inherited fd */
		id = f->id;
		want = f->created ? 1 : want;
	}
	if (model && ((want <= 0 && ret != want) ||
		      (want == 1 && ret < 0 && ret != -EMFILE && ret != -ENOMEM && ret != -ENFILE)))
		fz_fail("dup-readonly(flags %#x, reserved %#x, %s) returned %s, expected %s",
			d.flags, d.reserved, f->created ? "a buffer" : "an empty handle",
			ret < 0 ? strerrorname_np((int)-ret) : "an fd",
			want == 1 ? "an fd" : strerrorname_np((int)-want));
	if (ret >= 0) {
		int newfd = (int)ret;
		int fdflags = fcntl(newfd, F_GETFD);

		if (fdflags < 0 || !(fdflags & FD_CLOEXEC))
			fz_fail("a read-only dup is not close-on-exec (F_GETFD %#x)", fdflags);
		if (sb_info(newfd, &info))
			fz_fail("INFO on a read-only dup failed");
		else {
			fz_check_info(&info, 1);
			if (model && info.id != id)
				fz_fail("a read-only dup of buffer %llu is buffer %llu",
					(unsigned long long)id, (unsigned long long)info.id);
		}
		nf = fz_fd_add(newfd, FD_SABUF);
		if (nf) {
			nf->ro = true;
			refresh(nf);
		}
		ret = 0;
	}
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_DUP_RO, ret);
	if (f)
		CHECK_ERRNO("dup-readonly", ret, EINVAL, EBADFD, EMFILE, ENFILE, ENOMEM, EFAULT, EBADF,
			    ENOTTY);
}

/*
 * Size versioning (uapi: "Growing structs"): a known command with the
 * caller's size. Below VER0 or above a page: EINVAL; a longer struct whose
 * extra bytes are not all zero: E2BIG; a shorter one (>= VER0) reads its
 * missing fields as zero; INFO copies out min(size, its own) bytes and
 * zeroes the rest of the caller's size; a wrong direction: ENOTTY. Each
 * call is well-formed otherwise, on a buffer of its own, so its answer is
 * predicted exactly.
 */
void op_abi_size(struct fz_thread *t)
{
	static const struct {
		unsigned int nr, dir;
		size_t ver0, ksize;
		const char *name;
	} cmds[] = {
		{ _IOC_NR(SABUF_IOC_CREATE), _IOC_WRITE, SABUF_CREATE_SIZE_VER0,
		  sizeof(struct sabuf_create), "CREATE" },
		{ _IOC_NR(SABUF_IOC_INFO), _IOC_READ, SABUF_INFO_SIZE_VER0,
		  sizeof(struct sabuf_info), "INFO" },
		{ _IOC_NR(SABUF_IOC_WAIT), _IOC_WRITE, SABUF_WAIT_SIZE_VER0,
		  sizeof(struct sabuf_wait), "WAIT" },
		{ _IOC_NR(SABUF_IOC_NOTIFY), _IOC_WRITE, SABUF_NOTIFY_SIZE_VER0,
		  sizeof(struct sabuf_notify), "NOTIFY" },
		{ _IOC_NR(SABUF_IOC_GROW), _IOC_WRITE, SABUF_GROW_SIZE_VER0,
		  sizeof(struct sabuf_grow), "GROW" },
		{ _IOC_NR(SABUF_IOC_DUP_READONLY), _IOC_WRITE, SABUF_DUP_SIZE_VER0,
		  sizeof(struct sabuf_dup), "DUP_READONLY" },
	};
	struct rng *r = &t->rng;
	unsigned int ci = (unsigned int)rng_below(r, ARRAY_SIZE(cmds));
	unsigned int k = (unsigned int)rng_below(r, 100), dir = cmds[ci].dir;
	size_t ver0 = cmds[ci].ver0, ksize = cmds[ci].ksize, usize, n;
	union {
		struct sabuf_create create;
		struct sabuf_info info;
		struct sabuf_wait wait;
		struct sabuf_notify notify;
		struct sabuf_grow grow;
		struct sabuf_dup dup;
		char bytes[64];
	} arg = { 0 }, kview = { 0 };
	struct sabuf_info ref, got;
	char *area = fz_abi_area();
	bool tail_dirty = false, caps_locked = false;
	uint64_t len0, max0;
	long ret, want = 0;
	int fd;

	usize = k < 15 ? rng_below(r, ver0) :				/* too short */
		k < 30 ? rng_range(r, ver0, ksize) :			/* an older version */
		k < 55 ? ksize + rng_range(r, 1, 64) :			/* a newer version */
		k < 65 ? FZ_PAGE - rng_below(r, 16) :			/* up to a page */
		k < 75 ? FZ_PAGE + rng_range(r, 1, 64) :		/* past a page */
		k < 78 ? (1 << _IOC_SIZEBITS) - 1 :
		rng_range(r, ver0, FZ_PAGE);
	if (rng_chance(r, 8))
		while ((dir = (unsigned int)rng_below(r, 4)) == cmds[ci].dir)
			;

	/* The buffer of its own: growable, a page or three of up to 8. */
	fd = sb_open(O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	len0 = rng_range(r, 4, 3 * FZ_PAGE);	/* a word to wait on, notify */
	max0 = len0 + rng_below(r, 5 * FZ_PAGE);
	if (cmds[ci].nr != _IOC_NR(SABUF_IOC_CREATE) && sb_create_growable(fd, len0, max0)) {
		close(fd);	/* the caps (op_caps) may forbid it: nothing to ask then */
		return;
	}

	/* A well-formed request of the newest layout. */
	switch (cmds[ci].nr) {
	case _IOC_NR(SABUF_IOC_CREATE):
		arg.create.byte_length = rng_range(r, 1, 3 * FZ_PAGE);
		if (rng_chance(r, 50)) {
			arg.create.flags = SABUF_CREATE_GROWABLE;
			arg.create.max_byte_length = arg.create.byte_length + rng_below(r, 2 * FZ_PAGE);
		} else if (rng_chance(r, 30)) {
			arg.create.max_byte_length = arg.create.byte_length;
		}
		break;
	case _IOC_NR(SABUF_IOC_WAIT):
		arg.wait.offset = 4 * rng_below(r, len0 / 4);
		arg.wait.expected = rng_below(r, 2);		/* the word is 0 */
		arg.wait.flags = SABUF_WAIT_SIZE_U32 | (rng_chance(r, 30) ? SABUF_WAIT_HANDON : 0);
		arg.wait.clockid = CLOCK_MONOTONIC;
		arg.wait.timeout_ns = 0;
		break;
	case _IOC_NR(SABUF_IOC_NOTIFY):
		arg.notify.offset = 4 * rng_below(r, len0 / 4);
		arg.notify.count = SABUF_NOTIFY_ALL;
		break;
	case _IOC_NR(SABUF_IOC_GROW):
		arg.grow.byte_length = len0 + rng_below(r, max0 - len0 + FZ_PAGE);
		break;
	default:
		break;
	}
	/* The area: the struct, then a tail that is zero or not. */
	memset(area, 0xa5, 2 * FZ_PAGE);
	n = usize < FZ_PAGE ? usize : FZ_PAGE;
	if (dir == _IOC_WRITE || cmds[ci].dir == _IOC_WRITE) {
		memset(area, 0, n);
		memcpy(area, &arg, n < ksize ? n : ksize);
		if (n > ksize && rng_chance(r, 40)) {
			area[ksize + rng_below(r, n - ksize)] = (char)rng_range(r, 1, 255);
			tail_dirty = true;
		}
	}
	memcpy(&kview, &arg, usize < ksize ? usize : ksize);	/* what the kernel reads */

	/* The answer, in dispatch order (kmod/main.c). */
	if (dir != cmds[ci].dir)
		want = -ENOTTY;
	else if (usize < ver0 || usize > FZ_PAGE)
		want = -EINVAL;
	else if (tail_dirty)
		want = -E2BIG;
	else switch (cmds[ci].nr) {
	case _IOC_NR(SABUF_IOC_CREATE):
		/* op_caps changes the cap under fz_lock: hold it until the call returns */
		pthread_mutex_lock(&fz_lock);
		caps_locked = true;
		want = fz_expect_create(&kview.create, false, false,
					t->is_child ? UINT64_MAX : max_buffer_bytes());
		break;
	case _IOC_NR(SABUF_IOC_INFO):
		want = 0;
		break;
	case _IOC_NR(SABUF_IOC_WAIT):
		want = kview.wait.expected ? -EAGAIN : -ETIMEDOUT;
		break;
	case _IOC_NR(SABUF_IOC_NOTIFY):
		want = 0;	/* nobody waits on this buffer */
		break;
	case _IOC_NR(SABUF_IOC_GROW):
		want = kview.grow.byte_length > max0 ? -ERANGE : 1;
		break;
	case _IOC_NR(SABUF_IOC_DUP_READONLY):
		want = 1;
		break;
	}

	fz_trace_op(t, "abi size: %s with size %zu (VER0 %zu, ours %zu), dir %u%s", cmds[ci].name,
		    usize, ver0, ksize, dir, tail_dirty ? ", non-zero tail" : "");
	if (sb_info(fd, &ref))
		fz_fail("INFO of a fresh buffer failed");
	ret = ioctl(fd, _IOC(dir, SABUF_IOC_MAGIC, cmds[ci].nr, usize), area);
	ret = ret < 0 ? -errno : ret;
	if (caps_locked)
		pthread_mutex_unlock(&fz_lock);
	if (ret >= 0 && cmds[ci].nr == _IOC_NR(SABUF_IOC_DUP_READONLY)) {
		if (sb_info((int)ret, &got) || !(got.flags & SABUF_INFO_READONLY) || got.id != ref.id)
			fz_fail("DUP_READONLY with size %zu gave an fd that is not a read-only "
				"handle of the same buffer", usize);
		close((int)ret);
		ret = 0;
	}
	if ((want <= 0 && ret != want) ||
	    (want == 1 && ret && ret != -EDQUOT && ret != -ENOMEM && ret != -EMFILE &&
	     !(t->is_child && ret == -EFBIG)))	/* a child cannot know the cap */
		fz_fail("%s with struct size %zu (VER0 %zu, ours %zu), dir %u%s returned %s, expected %s",
			cmds[ci].name, usize, ver0, ksize, dir, tail_dirty ? ", a non-zero tail" : "",
			ret ? strerrorname_np((int)-ret) : "0",
			want == 1 ? "success" : want ? strerrorname_np((int)-want) : "0");
	if (cmds[ci].nr == _IOC_NR(SABUF_IOC_INFO) && dir == _IOC_READ) {
		/* out: min(usize, ours) bytes of INFO, zeros to usize, nothing past it */
		size_t m = usize < ksize ? usize : ksize;
		bool bad = false;

		if (!ret) {
			bad = memcmp(area, &ref, m) != 0;
			for (size_t i = m; i < n && !bad; i++)
				bad = area[i] != 0;
			for (size_t i = n; i < 2 * FZ_PAGE && !bad; i++)
				bad = area[i] != (char)0xa5;
		} else {
			for (size_t i = 0; i < 2 * FZ_PAGE && !bad; i++)
				bad = area[i] != (char)0xa5;
		}
		if (bad)
			fz_fail("INFO with size %zu (%s) wrote the wrong bytes", usize,
				ret ? strerrorname_np((int)-ret) : "0");
	} else if (cmds[ci].dir == _IOC_WRITE && dir == _IOC_WRITE) {
		/* in: never written back */
		bool bad = memcmp(area, &arg, n < ksize ? n : ksize) != 0;

		for (size_t i = n; i < 2 * FZ_PAGE && !bad; i++)
			bad = area[i] != (char)0xa5;
		if (bad)
			fz_fail("%s with size %zu wrote into the caller's memory", cmds[ci].name, usize);
	}
	/* Only a successful GROW or CREATE changes the buffer, exactly as asked. */
	if (!sb_info(fd, &got)) {
		uint64_t len = cmds[ci].nr == _IOC_NR(SABUF_IOC_GROW) && !ret ?
			       kview.grow.byte_length :
			       cmds[ci].nr == _IOC_NR(SABUF_IOC_CREATE) ?
			       (ret ? 0 : kview.create.byte_length) : len0;

		if (got.byte_length != len)
			fz_fail("after %s with size %zu (%s): %llu bytes, expected %llu", cmds[ci].name,
				usize, ret ? strerrorname_np((int)-ret) : "0",
				(unsigned long long)got.byte_length, (unsigned long long)len);
	}
	close(fd);
	fz_count(OP_ABI_SIZE, ret);
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
