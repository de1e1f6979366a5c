// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_waitset.c: waitsets (SABUF_IOC_WAITSET_CREATE on a handle; on the
 * waitset fd SABUF_IOC_WAITSET_ADD, SABUF_IOC_WAITSET_CANCEL, read(2),
 * poll/epoll). Waitset fds join the fd table (FD_WAITSET), so every other
 * op meets them where a buffer fd is expected (ioctls: ENOTTY; fd passing,
 * dup, close, fork), and this op passes buffer, waitset, other and closed
 * fds where WAITSET_ADD and WAIT_ANY items want a handle.
 *
 * Predicted exactly for well-formed calls (a good pointer, the fd table
 * locked): CREATE on any handle (empty and read-only too; a waitset fd:
 * ENOTTY), the new fd close-on-exec and O_NONBLOCK as asked; ADD in
 * waitset.c's order of checks (size and direction, flags, the fd, the
 * handle, then SABUF_IOC_WAIT's checks, then ROBUST/HANDON: EINVAL), with
 * "0, EAGAIN, ETIMEDOUT or ENOSPC" for the calls that pass them; CANCEL
 * (flags or reserved: EINVAL, else 0 or ENOENT); read (below one result:
 * EINVAL; whole results only, each 0 or -ETIMEDOUT with reserved 0); poll
 * (EPOLLIN | EPOLLRDNORM or nothing). A boundary op sets max_waitset_waits
 * to 0..3 and checks ENOSPC exactly on a waitset of its own, and that a
 * cancel or a settle frees a place. Struct sizes run VER0-8..page+1 with
 * zero and non-zero tails, in both directions.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define PARAM_MAX_WAITS "/sys/module/sabuf/parameters/max_waitset_waits"

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

static const char *errname(long ret)
{
	return ret >= 0 ? "success" : strerrorname_np((int)-ret);
}

/* ---- struct sizes: VER0-8 .. a page and one past it ---- */

struct sized {
	unsigned int size;	/* what the command says */
	unsigned int dir;	/* _IOC_WRITE, or a wrong one */
	bool tail;		/* non-zero bytes past our struct */
};

static void pick_size(struct rng *r, unsigned int ours, struct sized *s)
{
	static const int deltas[] = { -8, -4, -1, 0, 1, 4, 8, 16, 64 };
	unsigned int k = (unsigned int)rng_below(r, 100);

	s->dir = _IOC_WRITE;
	s->tail = false;
	if (k < 75)
		s->size = ours;
	else if (k < 88)
		s->size = (unsigned int)((int)ours + deltas[rng_below(r, ARRAY_SIZE(deltas))]);
	else if (k < 95)
		s->size = rng_chance(r, 50) ? (unsigned int)FZ_PAGE : (unsigned int)FZ_PAGE + 1;
	else
		s->size = (unsigned int)rng_range(r, 0, 2 * FZ_PAGE);
	if (s->size > ours && rng_chance(r, 40))
		s->tail = true;
	if (rng_chance(r, 4))
		s->dir = rng_chance(r, 50) ? _IOC_READ : _IOC_READ | _IOC_WRITE;
	if (s->size > _IOC_SIZEMASK)
		s->size = _IOC_SIZEMASK;
}

/* What SABUF_ARGS_IN says about the size and direction: 0 to go on. */
static long expect_size(const struct sized *s, unsigned int ver0)
{
	if (s->dir != _IOC_WRITE)
		return -ENOTTY;
	if (s->size < ver0 || s->size > FZ_PAGE)
		return -EINVAL;
	if (s->tail)
		return -E2BIG;
	return 0;
}

/* This thread's argument area: our struct, then zeros or a non-zero tail, up to 2 pages. */
static __thread char *arg_area;

static char *args_place(struct rng *r, const void *src, size_t n, const struct sized *s)
{
	if (!arg_area) {
		pthread_mutex_lock(&fz_lock);	/* not into an arena hole (fuzz_dev.c) */
		arg_area = mmap(NULL, 2 * FZ_PAGE + FZ_PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pthread_mutex_unlock(&fz_lock);
		if (arg_area == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}
	memset(arg_area, 0, 2 * FZ_PAGE + FZ_PAGE);
	memcpy(arg_area, src, n);
	if (s->tail && s->size > n)
		arg_area[n + rng_below(r, s->size - n)] = (char)rng_range(r, 1, 255);
	return arg_area;
}

/* ---- the table ---- */

static struct fz_fd *find_fd(int fd)
{
	for (unsigned int i = 0; i < fz_nr_fds; i++)
		if (fz_fds[i].fd == fd)
			return &fz_fds[i];
	return NULL;
}

/* A new waitset fd into the table; checks its fd flags (fz_lock held).
 * nonblock: what was asked, or -1 when the kernel read memory we do not know. */
static void track_waitset(int fd, int nonblock)
{
	int fdfl = fcntl(fd, F_GETFD), fl = fcntl(fd, F_GETFL);
	struct fz_fd *f;

	if (fdfl < 0 || !(fdfl & FD_CLOEXEC))
		fz_fail("a new waitset fd is not close-on-exec (F_GETFD %#x)", fdfl);
	if (nonblock < 0)
		nonblock = fl >= 0 && (fl & O_NONBLOCK);
	else if (fl < 0 || !!(fl & O_NONBLOCK) != nonblock)
		fz_fail("a new waitset fd has F_GETFL %#x, asked %sO_NONBLOCK", fl,
			nonblock ? "" : "no ");
	f = fz_fd_add(fd, FD_WAITSET);
	if (f)
		f->nonblock = nonblock;
}

/* ---- CREATE ---- */

static void ws_create(struct fz_thread *t)
{
	struct sabuf_waitset_create c = { 0 };
	struct sized s;
	struct fz_fd *f;
	long ret, want = 1;
	bool good = true, locked = false, model;
	char *p;
	int fd;

	if (rng_chance(&t->rng, 30))
		c.flags = SABUF_WAITSET_NONBLOCK;
	if (rng_chance(&t->rng, 5))
		c.flags = (uint32_t)rng_next(&t->rng);
	if (rng_chance(&t->rng, 5))
		c.reserved = (uint32_t)rng_next(&t->rng);
	pick_size(&t->rng, sizeof(c), &s);
	p = args_place(&t->rng, &c, sizeof(c), &s);
	if (rng_chance(&t->rng, 10)) {
		char *q = fz_pick_ptr(t, sizeof(c), &good, &locked);

		if (!good)
			p = q;		/* hostile: no prediction */
		good = !locked && good;
	}
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, rng_chance(&t->rng, 85) ? FD_SABUF : -1);
	fd = f ? f->fd : -1;
	model = good && f && (f->kind == FD_SABUF || f->kind == FD_WAITSET);
	if (model && f->kind == FD_WAITSET)
		want = -ENOTTY;
	else if (model && !(want = expect_size(&s, SABUF_WAITSET_CREATE_SIZE_VER0)))
		want = (c.flags & ~SABUF_WAITSET_FLAGS_VALID) || c.reserved ? -EINVAL : 1;
	fz_trace_op(t, "waitset create on fd %d flags %#x size %u dir %u tail %d", fd, c.flags,
		    s.size, s.dir, s.tail);
	ret = ioctl(fd, _IOC(s.dir, SABUF_IOC_MAGIC, _IOC_NR(SABUF_IOC_WAITSET_CREATE), s.size), p);
	ret = ret < 0 ? -errno : ret;
	if (model && ((want == 1 && ret < 0 && ret != -ENOMEM && ret != -EMFILE) ||
		      (want <= 0 && ret != want)))
		fz_fail("WAITSET_CREATE (flags %#x, reserved %#x, size %u, dir %u, tail %d) on a %s "
			"returned %s, expected %s", c.flags, c.reserved, s.size, s.dir, s.tail,
			f->kind == FD_WAITSET ? "waitset" : "handle", errname(ret),
			want == 1 ? "an fd" : errname(want));
	if (ret >= 0 && f && f->kind == FD_SABUF)
		track_waitset((int)ret, good ? !!(c.flags & SABUF_WAITSET_NONBLOCK) : -1);
	else if (ret >= 0)
		close((int)ret);
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_WAITSET, ret);
	if (f && (f->kind == FD_SABUF || f->kind == FD_WAITSET))
		CHECK_ERRNO("waitset create", ret, EINVAL, E2BIG, EFAULT, ENOTTY, ENOMEM, EMFILE,
			    EBADF);
}

/* ---- ADD ---- */

static uint64_t pick_wait_offset(struct rng *r, uint64_t len)
{
	static const uint64_t big[] = { 0xfffffffffffffffcULL, 0x8000000000000000ULL, 1ULL << 40 };
	unsigned int k = (unsigned int)rng_below(r, 100);

	if (k < 40)
		return 4 * rng_below(r, 3);	/* where op_notify's broadcasts go */
	if (k < 70)
		return 4 * rng_below(r, (len ? len : FZ_PAGE) / 4 + 1);
	if (k < 85)
		return (len ? len : FZ_PAGE) - rng_range(r, 0, 8);
	if (k < 95)
		return rng_below(r, (len ? len : FZ_PAGE) + 16);
	return big[rng_below(r, ARRAY_SIZE(big))];
}

static void pick_wait(struct rng *r, struct sabuf_wait *w, uint64_t len)
{
	unsigned int k = (unsigned int)rng_below(r, 100);

	memset(w, 0, sizeof(*w));
	w->offset = pick_wait_offset(r, len);
	w->flags = rng_chance(r, 70) ? SABUF_WAIT_SIZE_U32 : SABUF_WAIT_SIZE_U64;
	if (rng_chance(r, 20))
		w->flags |= SABUF_WAIT_ABSTIME;
	if (rng_chance(r, 4))
		w->flags |= rng_chance(r, 50) ? SABUF_WAIT_ROBUST : SABUF_WAIT_HANDON;
	if (rng_chance(r, 3))
		w->flags = (uint32_t)rng_next(r);
	if (rng_chance(r, 3))
		w->flags &= ~(SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64);
	w->clockid = rng_chance(r, 70) ? CLOCK_MONOTONIC : CLOCK_REALTIME;
	if (rng_chance(r, 3))
		w->clockid = (uint32_t)rng_range(r, 2, 12);
	w->expected = rng_chance(r, 80) ? 0 : rng_chance(r, 50) ? 1 : rng_next(r);
	if (rng_chance(r, 3))
		w->reserved[rng_below(r, 2)] = rng_next(r);
	w->timeout_ns = k < 35 ? -1 : k < 45 ? 0 : k < 50 ? INT64_MAX : k < 53 ? INT64_MIN :
			k < 90 ? (int64_t)rng_below(r, 20 * NSEC_PER_MSEC) : (int64_t)rng_next(r);
	if ((w->flags & SABUF_WAIT_ABSTIME) && k >= 53 && k < 90)
		w->timeout_ns += now_ns(w->clockid == CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC);
}

/* SABUF_IOC_WAIT's checks (waitwake.c, sabuf_wait_check), for a buffer of len bytes. */
static long expect_wait_check(const struct sabuf_wait *w, uint64_t len)
{
	uint32_t sz = w->flags & (SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64);
	uint64_t size;

	if (w->flags & ~SABUF_WAIT_FLAGS_VALID)
		return -EINVAL;
	if (sz == SABUF_WAIT_SIZE_U32)
		size = 4;
	else if (sz == SABUF_WAIT_SIZE_U64)
		size = 8;
	else
		return -EINVAL;
	if (w->clockid != CLOCK_MONOTONIC && w->clockid != CLOCK_REALTIME)
		return -EINVAL;
	if (w->reserved[0] || w->reserved[1])
		return -EINVAL;
	if (w->offset & (size - 1))
		return -EINVAL;
	if (size == 4 && w->expected > UINT32_MAX)
		return -EINVAL;
	if ((w->flags & SABUF_WAIT_ROBUST) && size != 4)
		return -EINVAL;
	if (len < size || w->offset > len - size)
		return -ERANGE;
	return 0;
}

static void ws_add(struct fz_thread *t)
{
	struct sabuf_waitset_add a = { 0 };
	struct fz_fd *ws, *target;
	struct sized s;
	long ret, want = 1;
	bool good = true, locked = false, model, late = false;
	unsigned int k = (unsigned int)rng_below(&t->rng, 100);
	char *p;
	int wsfd;

	pick_size(&t->rng, sizeof(a), &s);
	pthread_mutex_lock(&fz_lock);
	ws = fz_fd_random(&t->rng, rng_chance(&t->rng, 92) ? FD_WAITSET : -1);
	wsfd = ws ? ws->fd : -1;
	/* the fd: a handle mostly; a waitset, another file, a closed or a silly number */
	target = fz_fd_random(&t->rng, k < 80 ? FD_SABUF : k < 88 ? FD_WAITSET : -1);
	a.fd = target ? target->fd : -1;
	if (k >= 95)
		a.fd = rng_chance(&t->rng, 50) ? -1 : (int)rng_range(&t->rng, 900, 100000);
	if (target && target->kind == FD_SABUF)
		fz_fd_refresh(target);
	pick_wait(&t->rng, &a.wait, target && k < 95 ? target->byte_length : 0);
	a.tag = rng_chance(&t->rng, 70) ? rng_below(&t->rng, 16) : rng_next(&t->rng);
	if (rng_chance(&t->rng, 4))
		a.flags = (uint32_t)rng_next(&t->rng);
	pthread_mutex_unlock(&fz_lock);

	p = args_place(&t->rng, &a, sizeof(a), &s);
	if (rng_chance(&t->rng, 10)) {
		char *q = fz_pick_ptr(t, sizeof(a), &good, &locked);

		if (!good)
			p = q;		/* hostile: no prediction */
		good = !locked && good;
	}
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	/* the table may have changed while it was unlocked: look again */
	ws = find_fd(wsfd);
	target = k < 95 ? find_fd(a.fd) : NULL;
	model = good && ws && ws->kind == FD_WAITSET && (k >= 95 || target);
	if (model) {
		want = expect_size(&s, SABUF_WAITSET_ADD_SIZE_VER0);
		if (!want && a.flags)
			want = -EINVAL;
		if (!want && k >= 95)
			want = fcntl(a.fd, F_GETFD) < 0 ? -EBADF : 2;	/* 2: unknown */
		else if (!want && target->kind == FD_SABUF_PATH)
			want = -EBADF;		/* fget() skips O_PATH files */
		else if (!want && target->kind != FD_SABUF)
			want = -EINVAL;
		else if (!want) {
			fz_fd_refresh(target);	/* a child may have created or grown it */
			if (!target->created)
				want = -EBADFD;
			else if (!(want = expect_wait_check(&a.wait, target->byte_length)))
				want = a.wait.flags & (SABUF_WAIT_ROBUST | SABUF_WAIT_HANDON) ? -EINVAL : 1;
			else
				late = true;
			late = late || want == 1;
		}
	}
	fz_trace_op(t, "waitset add ws %d fd %d tag %#llx off %#llx exp %#llx flags %#x clock %u "
		    "timeout %lld size %u dir %u tail %d", wsfd, a.fd, (unsigned long long)a.tag,
		    (unsigned long long)a.wait.offset, (unsigned long long)a.wait.expected,
		    a.wait.flags, a.wait.clockid, (long long)a.wait.timeout_ns, s.size, s.dir, s.tail);
	ret = ioctl(wsfd, _IOC(s.dir, SABUF_IOC_MAGIC, _IOC_NR(SABUF_IOC_WAITSET_ADD), s.size), p);
	ret = ret < 0 ? -errno : ret;
	/* past the handle checks, the limit (ENOSPC) and the allocation (ENOMEM) come first */
	if (model && want <= 0 && ret != want && !(late && (ret == -ENOSPC || ret == -ENOMEM)))
		fz_fail("WAITSET_ADD (fd %d, flags %#x, off %#llx, len %llu, exp %#llx, wflags %#x, "
			"clock %u, reserved %#llx/%#llx, size %u, dir %u, tail %d) returned %s, expected %s",
			a.fd, a.flags, (unsigned long long)a.wait.offset,
			(unsigned long long)(target ? target->byte_length : 0),
			(unsigned long long)a.wait.expected, a.wait.flags, a.wait.clockid,
			(unsigned long long)a.wait.reserved[0], (unsigned long long)a.wait.reserved[1],
			s.size, s.dir, s.tail, errname(ret), errname(want));
	if (model && want == 1 && ret != 0 && ret != -EAGAIN && ret != -ETIMEDOUT &&
	    ret != -ENOSPC && ret != -ENOMEM)
		fz_fail("WAITSET_ADD of a well-formed wait (off %#llx, exp %#llx, flags %#x, timeout "
			"%lld) returned %s", (unsigned long long)a.wait.offset,
			(unsigned long long)a.wait.expected, a.wait.flags, (long long)a.wait.timeout_ns,
			errname(ret));
	if (model && ret == -ETIMEDOUT && a.wait.timeout_ns < 0)
		fz_fail("WAITSET_ADD without a timeout returned ETIMEDOUT");
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_WAITSET, ret);
	if (ws && ws->kind == FD_WAITSET)
		CHECK_ERRNO("waitset add", ret, EAGAIN, ETIMEDOUT, EINVAL, ERANGE, EBADFD, EBADF,
			    ENOSPC, ENOMEM, EFAULT, E2BIG, ENOTTY);
}

/* ---- CANCEL ---- */

static void ws_cancel(struct fz_thread *t)
{
	struct sabuf_waitset_cancel c = {
		.tag = rng_chance(&t->rng, 80) ? rng_below(&t->rng, 16) : rng_next(&t->rng),
	};
	struct fz_fd *ws;
	struct sized s;
	long ret, want = 1;
	bool model;
	char *p;

	if (rng_chance(&t->rng, 4))
		c.flags = (uint32_t)rng_next(&t->rng);
	if (rng_chance(&t->rng, 4))
		c.reserved = (uint32_t)rng_next(&t->rng);
	pick_size(&t->rng, sizeof(c), &s);
	p = args_place(&t->rng, &c, sizeof(c), &s);
	pthread_mutex_lock(&fz_lock);
	ws = fz_fd_random(&t->rng, rng_chance(&t->rng, 92) ? FD_WAITSET : -1);
	model = ws && ws->kind == FD_WAITSET;
	if (model && !(want = expect_size(&s, SABUF_WAITSET_CANCEL_SIZE_VER0)))
		want = c.flags || c.reserved ? -EINVAL : 1;
	fz_trace_op(t, "waitset cancel ws %d tag %#llx flags %#x size %u dir %u tail %d",
		    ws ? ws->fd : -1, (unsigned long long)c.tag, c.flags, s.size, s.dir, s.tail);
	ret = ioctl(ws ? ws->fd : -1,
		    _IOC(s.dir, SABUF_IOC_MAGIC, _IOC_NR(SABUF_IOC_WAITSET_CANCEL), s.size), p);
	ret = ret < 0 ? -errno : ret;
	if (model && ((want <= 0 && ret != want) || (want == 1 && ret != 0 && ret != -ENOENT)))
		fz_fail("WAITSET_CANCEL (tag %#llx, flags %#x, reserved %#x, size %u, dir %u, tail %d) "
			"returned %s, expected %s", (unsigned long long)c.tag, c.flags, c.reserved,
			s.size, s.dir, s.tail, errname(ret), want == 1 ? "0 or ENOENT" : errname(want));
	if (ws && ws->kind == FD_SABUF && ret != -ENOTTY)
		fz_fail("ioctl nr %u (WAITSET_CANCEL) on a buffer handle returned %s, expected ENOTTY",
			(unsigned int)_IOC_NR(SABUF_IOC_WAITSET_CANCEL), errname(ret));
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_WAITSET, ret);
	if (model)
		CHECK_ERRNO("waitset cancel", ret, ENOENT, EINVAL, E2BIG, ENOTTY);
}

/* ---- read, poll, epoll ---- */

static void check_results(const struct sabuf_waitset_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((r[i].result != 0 && r[i].result != -ETIMEDOUT) || r[i].reserved)
			fz_fail("a waitset result (tag %#llx) reads result %d reserved %#x",
				(unsigned long long)r[i].tag, r[i].result, r[i].reserved);
}

static void ws_read(struct fz_thread *t)
{
	static const size_t sizes[] = { 0, 1, 8, 15, 16, 17, 31, 32, 48, 160, 4096, 4097 };
	char *scratch = fz_scratch();
	size_t len = sizes[rng_below(&t->rng, ARRAY_SIZE(sizes))];
	bool good = true, locked = false;
	struct fz_fd *ws;
	ssize_t got;
	long ret;
	void *p = scratch;
	int fd;

	if (len > FZ_PAGE)
		len = FZ_PAGE;
	if (rng_chance(&t->rng, 20))
		p = fz_pick_ptr(t, 16, &good, &locked);
	if (!locked)
		pthread_mutex_lock(&fz_lock);
	ws = fz_fd_random(&t->rng, FD_WAITSET);
	fd = ws ? ws->fd : -1;
	if (!good && len > 16)
		len = rng_chance(&t->rng, 50) ? 16 : 32;
	if (good && (char *)p + len > scratch + FZ_PAGE)
		p = scratch;
	/* a blocking read with nothing ready sleeps: fine, SIGALRM ends it (EINTR) */
	fz_trace_op(t, "waitset read ws %d len %zu at %p", fd, len, p);
	got = read(fd, p, len);
	ret = got < 0 ? -errno : 0;
	/* (the VFS checks a hostile pointer first: EFAULT) */
	if (ws && good && len < 16 && ret != -EINVAL)
		fz_fail("read of %zu bytes from a waitset returned %s, expected EINVAL", len,
			got < 0 ? errname(ret) : "data");
	if (ws && got >= 0 && (got % 16 || (size_t)got > len || !got))
		fz_fail("read of %zu bytes from a waitset returned %zd", len, got);
	if (ws && good && got > 0)
		check_results(p, (size_t)got / 16);
	if (ws && ws->nonblock && ret == -EINTR)
		fz_fail("a non-blocking waitset read returned EINTR");
	if (ws && good && ret == -EFAULT)
		fz_fail("a waitset read into good memory returned EFAULT");
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_WAITSET, ret);
	if (ws)
		CHECK_ERRNO("waitset read", ret, EINVAL, EAGAIN, EINTR, EFAULT);
}

static void ws_poll(struct fz_thread *t)
{
	struct fz_fd *ws;
	int fd, ret, ep;

	pthread_mutex_lock(&fz_lock);
	ws = fz_fd_random(&t->rng, FD_WAITSET);
	if (!ws) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	fd = ws->fd;
	if (rng_chance(&t->rng, 50)) {
		struct pollfd pfd = { .fd = fd, .events = (short)(rng_chance(&t->rng, 70) ? POLLIN :
							       POLLIN | POLLOUT | POLLPRI) };

		fz_trace_op(t, "waitset poll ws %d events %#x", fd, pfd.events);
		ret = poll(&pfd, 1, 0);
		if (ret < 0 && errno == EINTR)
			ret = 0;	/* a signal was pending (SIGALRM, SIGUSR1) */
		if (ret < 0 || (ret && (pfd.revents & ~(POLLIN | POLLRDNORM))) ||
		    (ret && !(pfd.revents & POLLIN)))
			fz_fail("poll of a waitset: %d, revents %#x", ret, pfd.revents);
		fz_count(OP_WAITSET, ret < 0 ? -errno : 0);
	} else {
		struct epoll_event ev = { .events = EPOLLIN | (rng_chance(&t->rng, 50) ? EPOLLET : 0) };

		fz_trace_op(t, "waitset epoll ws %d events %#x", fd, ev.events);
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			fz_fail("epoll of a waitset: %s", strerror(errno));
		} else {
			ret = epoll_wait(ep, &ev, 1, 0);
			if (ret < 0 && errno == EINTR)
				ret = 0;
			if (ret < 0 || (ret && (ev.events & ~(EPOLLIN | EPOLLRDNORM))))
				fz_fail("epoll_wait of a waitset: %d, events %#x", ret, ev.events);
			fz_count(OP_WAITSET, ret < 0 ? -errno : 0);
			/* sometimes left registered until the waitset goes (dup'ed into the table) */
			if (rng_chance(&t->rng, 10) && fz_nr_fds < FZ_MAX_FDS) {
				fz_fd_add(ep, FD_OTHER);
				ep = -1;
			}
		}
		if (ep >= 0)
			close(ep);
	}
	pthread_mutex_unlock(&fz_lock);
}

/* ---- waitset fds where handles are expected, and the other way round ---- */

static void ws_misplaced(struct fz_thread *t)
{
	struct sabuf_wait_any_item items[4];
	struct fz_fd *ws, *f;
	unsigned int n = 0, at;
	long ret, want = -EINVAL;
	int callfd;

	pthread_mutex_lock(&fz_lock);
	ws = fz_fd_random(&t->rng, FD_WAITSET);
	f = fz_fd_random(&t->rng, FD_SABUF);
	if (!ws) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	if (f)
		fz_fd_refresh(f);
	/* valid items first (a word that differs: nothing sleeps), then the waitset */
	at = f && f->created && f->byte_length >= 4 ? (unsigned int)rng_below(&t->rng, 3) : 0;
	for (n = 0; n < at; n++)
		items[n] = (struct sabuf_wait_any_item){ .fd = f->fd, .flags = SABUF_WAIT_SIZE_U32,
							 .offset = 0, .expected = 0x5a5a5a5a };
	items[n++] = (struct sabuf_wait_any_item){ .fd = ws->fd, .flags = SABUF_WAIT_SIZE_U32 };
	if (rng_chance(&t->rng, 50))
		items[n++] = (struct sabuf_wait_any_item){ .fd = ws->fd, .flags = SABUF_WAIT_SIZE_U64 };
	/* WAIT_ANY on a handle (any), or on the waitset itself (ENOTTY) */
	callfd = f && rng_chance(&t->rng, 80) ? f->fd : ws->fd;
	if (callfd == ws->fd)
		want = -ENOTTY;
	fz_trace_op(t, "wait-any on fd %d with waitset %d as item %u of %u", callfd, ws->fd, at, n);
	ret = sb_wait_any(callfd, items, n, 0, CLOCK_MONOTONIC, 0);
	if (ret != want)
		fz_fail("WAIT_ANY with waitset fd %d as item %u (of %u, on fd %d) returned %s, "
			"expected %s", ws->fd, at, n, callfd, ret >= 0 ? "an index" : errname(ret),
			errname(want));
	fz_count(OP_WAITSET, ret);
	/* the buffer ioctls on a waitset fd: ENOTTY, whatever the struct */
	ret = sb_notify(ws->fd, 0, 1);
	if (ret != -ENOTTY)
		fz_fail("NOTIFY on a waitset fd returned %s, expected ENOTTY", errname(ret));
	ret = sb_wait(ws->fd, 0, 0, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, 0);
	if (ret != -ENOTTY)
		fz_fail("WAIT on a waitset fd returned %s, expected ENOTTY", errname(ret));
	/* mmap and write: not a thing a waitset does */
	if (write(ws->fd, "x", 1) >= 0)
		fz_fail("write(2) to a waitset fd worked");
	pthread_mutex_unlock(&fz_lock);
}

/* ---- a waitset with pending waits: closed, passed over a socket, or kept ---- */

static void ws_lifecycle(struct fz_thread *t)
{
	struct fz_fd *f;
	int ws, sp[2] = { -1, -1 };
	unsigned int n = (unsigned int)rng_range(&t->rng, 1, 40), added = 0;
	unsigned int k = (unsigned int)rng_below(&t->rng, 100);

	pthread_mutex_lock(&fz_lock);
	f = fz_fd_random(&t->rng, FD_SABUF);
	if (!f) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	fz_fd_refresh(f);
	ws = sb_waitset_create(f->fd, rng_chance(&t->rng, 50) ? SABUF_WAITSET_NONBLOCK : 0);
	fz_count(OP_WAITSET, ws);
	if (ws < 0) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	for (unsigned int i = 0; f->created && f->byte_length >= 4 && i < n; i++) {
		struct sabuf_wait w = { .offset = 4 * rng_below(&t->rng, f->byte_length >= 12 ? 3 : 1),
					.timeout_ns = rng_chance(&t->rng, 50) ? -1 :
						      (int64_t)rng_below(&t->rng, 10 * NSEC_PER_MSEC),
					.flags = SABUF_WAIT_SIZE_U32, .clockid = CLOCK_MONOTONIC };
		uint32_t cur;

		/* the word as it is now, read through a 0-timeout wait's answer: try 0 */
		cur = 0;
		w.expected = cur;
		if (!sb_waitset_add(ws, f->fd, i, &w))
			added++;
	}
	fz_trace_op(t, "waitset lifecycle %u: %u of %u waits added", k, added, n);
	if (k < 40) {
		close(ws);		/* the last close cancels them */
	} else if (k < 70 && !socketpair(AF_UNIX, SOCK_DGRAM, 0, sp)) {
		/* in flight: the socket's garbage collection closes it */
		char byte = 0;
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

		memset(cbuf, 0, sizeof(cbuf));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &ws, sizeof(int));
		if (sendmsg(sp[0], &msg, MSG_DONTWAIT) < 0)
			fz_fail("sendmsg of a waitset fd: %s", strerror(errno));
		close(ws);
		if (rng_chance(&t->rng, 50)) {
			int got = -1;

			msg.msg_controllen = sizeof(cbuf);
			if (recvmsg(sp[1], &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) >= 0 &&
			    (cm = CMSG_FIRSTHDR(&msg)) && cm->cmsg_type == SCM_RIGHTS)
				memcpy(&got, CMSG_DATA(cm), sizeof(int));
			if (got < 0)
				fz_fail("a waitset fd sent over a socket did not come back");
			else if (fz_nr_fds < FZ_MAX_FDS)
				fz_fd_add(got, FD_WAITSET)->nonblock = fcntl(got, F_GETFL) & O_NONBLOCK;
			else
				close(got);
		}
		close(sp[0]);
		close(sp[1]);
	} else {
		track_waitset(ws, -1);	/* kept: others meet it */
	}
	pthread_mutex_unlock(&fz_lock);
}

/* ---- max_waitset_waits at its boundaries, on a waitset and buffer of our own ---- */

static void ws_limit(struct fz_thread *t)
{
	char saved[32];
	unsigned int max = (unsigned int)rng_below(&t->rng, 4), i;
	struct sabuf_wait w = { .offset = 0, .expected = 0, .timeout_ns = -1,
				.flags = SABUF_WAIT_SIZE_U32, .clockid = CLOCK_MONOTONIC };
	int buf, ws = -1;
	long ret;

	if (t->is_child)
		return;
	buf = sb_open(O_RDWR | O_CLOEXEC);
	if (buf < 0)
		return;
	if (sb_create(buf, 64)) {
		close(buf);
		return;
	}
	/* under the lock, as op_caps changes its parameters */
	pthread_mutex_lock(&fz_lock);
	if (read_file_line(PARAM_MAX_WAITS, saved, sizeof(saved)))
		goto out;
	fz_trace_op(t, "waitset limit %u (was %s)", max, saved);
	ws = sb_waitset_create(buf, SABUF_WAITSET_NONBLOCK);
	if (ws < 0)
		goto out;
	if (write_file(PARAM_MAX_WAITS, max == 3 ? "4294967295" : (const char[]){ (char)('0' + max), 0 })) {
		fz_fail("cannot write %s", PARAM_MAX_WAITS);
		goto out;
	}
	if (max == 3) {
		/* the largest value: a few adds work */
		for (i = 0; i < 3; i++)
			if ((ret = sb_waitset_add(ws, buf, i, &w)))
				fz_fail("WAITSET_ADD %u with max_waitset_waits = UINT_MAX: %s", i, errname(ret));
		goto restore;
	}
	for (i = 0; i < max; i++)
		if ((ret = sb_waitset_add(ws, buf, i, &w)))
			fz_fail("WAITSET_ADD %u of %u allowed: %s", i + 1, max, errname(ret));
	ret = sb_waitset_add(ws, buf, 100, &w);
	if (ret != -ENOSPC)
		fz_fail("WAITSET_ADD past max_waitset_waits = %u returned %s, expected ENOSPC", max,
			errname(ret));
	/* not-equal and a passed deadline do not take a place either: ENOSPC first */
	w.expected = 1;
	ret = sb_waitset_add(ws, buf, 101, &w);
	if (ret != -ENOSPC)
		fz_fail("a not-equal WAITSET_ADD past the limit returned %s, expected ENOSPC",
			errname(ret));
	w.expected = 0;
	if (max) {
		/* a cancel frees a place; so does a settle (a notify) */
		if ((ret = sb_waitset_cancel(ws, 0)))
			fz_fail("WAITSET_CANCEL of a pending wait: %s", errname(ret));
		if ((ret = sb_waitset_add(ws, buf, 200, &w)))
			fz_fail("WAITSET_ADD after a cancel freed a place: %s", errname(ret));
		ret = sb_notify(buf, 0, 1);
		if (ret != 1)
			fz_fail("NOTIFY of our own waitset's word woke %ld, expected 1", ret);
		if ((ret = sb_waitset_add(ws, buf, 300, &w)))
			fz_fail("WAITSET_ADD after a notify settled one: %s", errname(ret));
		if ((ret = sb_waitset_add(ws, buf, 301, &w)) != -ENOSPC)
			fz_fail("WAITSET_ADD past the limit again returned %s, expected ENOSPC",
				errname(ret));
	}
restore:
	if (write_file(PARAM_MAX_WAITS, saved))
		fz_fail("cannot restore %s", PARAM_MAX_WAITS);
out:
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_WAITSET, 0);
	if (ws >= 0)
		close(ws);
	close(buf);
}

void op_waitset(struct fz_thread *t)
{
	unsigned int k = (unsigned int)rng_below(&t->rng, 100);

	if (k < 18)
		ws_create(t);
	else if (k < 50)
		ws_add(t);
	else if (k < 62)
		ws_cancel(t);
	else if (k < 80)
		ws_read(t);
	else if (k < 88)
		ws_poll(t);
	else if (k < 93)
		ws_misplaced(t);
	else if (k < 98)
		ws_lifecycle(t);
	else
		ws_limit(t);
}
