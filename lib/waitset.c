// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Waitsets: asynchronous waits for event loops (Atomics.waitAsync in C).
 *
 * A waitset is a kernel file (SABUF_IOC_WAITSET_CREATE, kmod/waitset.c):
 * each sabuf_wait*_async() queues one wait in the kernel
 * (SABUF_IOC_WAITSET_ADD), in the same FIFO queue as blocking waiters;
 * timeouts are kernel timers; settled waits become readable on the fd,
 * which any poll/epoll loop can watch.
 *
 * sabuf_waitset_next() reads exactly one result per call from the kernel
 * (the kernel's read(2) can hand out batches; the library does not keep
 * any): so the fd is readable exactly while a result is unclaimed, a
 * result is never copied into a forked child, and the library holds no
 * lock, so any thread may call anything at any time, and cancelling a
 * thread inside next() (read(2) and ppoll() are cancellation points)
 * loses nothing.
 *
 * Settled-at-once results never enter the kernel: a word that differs is
 * SABUF_NOT_EQUAL, a timeout <= 0 is SABUF_TIMED_OUT. Relative timeouts
 * go to the kernel as absolute CLOCK_MONOTONIC deadlines, so they run
 * from the call (deadline.h); the _clock forms take an absolute deadline.
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/sabuf.h>

#include "deadline.h"
#include "internal.h"

struct sabuf_waitset {
	int fd;				/* O_NONBLOCK: read(2) never blocks here */
};

SABUF_EXPORT int sabuf_waitset_create(struct sabuf_waitset **out)
{
	struct sabuf_waitset_create args = { .flags = SABUF_WAITSET_NONBLOCK };
	struct sabuf_waitset *ws;
	int dev, err;

	if (!out)
		return -EINVAL;
	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	/* Any sabuf handle can make a waitset: a fresh read-only one will do. */
	dev = open(SABUF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (dev < 0) {
		err = -errno;
		free(ws);
		return err;
	}
	ws->fd = ioctl(dev, SABUF_IOC_WAITSET_CREATE, &args);
	err = ws->fd < 0 ? -errno : 0;
	close(dev);
	if (err) {
		free(ws);
		return err == -ENOTTY ? -EOPNOTSUPP : err;	/* a module before 0.2 */
	}
	*out = ws;
	return 0;
}

SABUF_EXPORT void sabuf_waitset_destroy(struct sabuf_waitset *ws)
{
	if (!ws)
		return;
	close(ws->fd);	/* the last close cancels what is pending */
	free(ws);
}

SABUF_EXPORT int sabuf_waitset_fd(const struct sabuf_waitset *ws)
{
	return ws ? ws->fd : -EINVAL;
}

/* @deadline: NULL for a relative @timeout_ns, else already checked. */
static int wait_async(struct sabuf_waitset *ws, struct sabuf *sb, const void *addr,
		      int64_t expected, unsigned int size, int64_t timeout_ns,
		      const struct sabuf_deadline *at, uint64_t tag)
{
	struct sabuf_waitset_add args = { .tag = tag };
	struct sabuf_deadline deadline;
	uint64_t offset;
	bool differs;
	int ret;

	if (!ws || !sb)
		return -EINVAL;
	ret = sabuf_word_offset(sb, addr, size, &offset);
	if (ret)
		return ret;
	differs = size == sizeof(int32_t) ?
		  sabuf_load((const int32_t *)addr) != (int32_t)expected :
		  sabuf_load((const int64_t *)addr) != expected;
	if (differs)
		return SABUF_NOT_EQUAL;		/* { async: false, value: "not-equal" } */
	deadline = at ? *at : sabuf_deadline_in(timeout_ns);
	if (sabuf_deadline_is_now(&deadline))
		return SABUF_TIMED_OUT;		/* { async: false, value: "timed-out" } */

	args.fd = sb->fd;
	args.wait.offset = offset;
	args.wait.expected = size == sizeof(int32_t) ? (uint32_t)expected : (uint64_t)expected;
	args.wait.flags = size == sizeof(int32_t) ? SABUF_WAIT_SIZE_U32 : SABUF_WAIT_SIZE_U64;
	args.wait.clockid = (uint32_t)deadline.clock;
	if (deadline.kind == SABUF_DEADLINE_AT) {
		args.wait.flags |= SABUF_WAIT_ABSTIME;
		args.wait.timeout_ns = deadline.at_ns;
	} else {
		args.wait.timeout_ns = -1;
	}
	if (ioctl(ws->fd, SABUF_IOC_WAITSET_ADD, &args) == 0)
		return SABUF_PENDING;
	if (errno == EAGAIN)
		return SABUF_NOT_EQUAL;
	if (errno == ETIMEDOUT)
		return SABUF_TIMED_OUT;
	return -errno;
}

SABUF_EXPORT int (sabuf_wait32_async)(struct sabuf_waitset *ws, struct sabuf *sb,
				    const int32_t *addr, int32_t expected,
				    int64_t timeout_ns, uint64_t tag)
{
	return wait_async(ws, sb, addr, expected, sizeof(int32_t), timeout_ns, NULL, tag);
}

SABUF_EXPORT int (sabuf_wait64_async)(struct sabuf_waitset *ws, struct sabuf *sb,
				    const int64_t *addr, int64_t expected,
				    int64_t timeout_ns, uint64_t tag)
{
	return wait_async(ws, sb, addr, expected, sizeof(int64_t), timeout_ns, NULL, tag);
}

SABUF_EXPORT int (sabuf_wait32_async_clock)(struct sabuf_waitset *ws, struct sabuf *sb,
					  const int32_t *addr, int32_t expected, clockid_t clock,
					  const struct timespec *abstime, uint64_t tag)
{
	struct sabuf_deadline d;
	int ret = sabuf_deadline_at(&d, clock, abstime);

	return ret ? ret : wait_async(ws, sb, addr, expected, sizeof(int32_t), 0, &d, tag);
}

SABUF_EXPORT int (sabuf_wait64_async_clock)(struct sabuf_waitset *ws, struct sabuf *sb,
					  const int64_t *addr, int64_t expected, clockid_t clock,
					  const struct timespec *abstime, uint64_t tag)
{
	struct sabuf_deadline d;
	int ret = sabuf_deadline_at(&d, clock, abstime);

	return ret ? ret : wait_async(ws, sb, addr, expected, sizeof(int64_t), 0, &d, tag);
}

/* One result from the kernel, without blocking: 1, 0 or -errno. */
static int take(struct sabuf_waitset *ws, uint64_t *tag, int *result)
{
	struct sabuf_waitset_result r;
	ssize_t n = read(ws->fd, &r, sizeof(r));

	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != (ssize_t)sizeof(r))
		return -EIO;
	if (tag)
		*tag = r.tag;
	if (result)
		*result = r.result == 0 ? SABUF_OK : SABUF_TIMED_OUT;
	return 1;
}

/* Take one result, waiting until @deadline for one to settle. */
static int next(struct sabuf_waitset *ws, uint64_t *tag, int *result,
		const struct sabuf_deadline *deadline)
{
	int ret;

	if (!ws)
		return -EINVAL;
	for (;;) {
		struct pollfd pfd = { .fd = ws->fd, .events = POLLIN };
		struct timespec left, *tsp = NULL;

		ret = take(ws, tag, result);
		if (ret)
			return ret;
		if (sabuf_deadline_is_now(deadline))
			return 0;
		if (deadline->kind == SABUF_DEADLINE_AT) {
			struct timespec now;
			int64_t ns;

			clock_gettime(deadline->clock, &now);
			ns = deadline->at_ns - ((int64_t)now.tv_sec * SABUF_NSEC_PER_SEC + now.tv_nsec);
			if (ns <= 0)
				return take(ws, tag, result);	/* a last look */
			left.tv_sec = ns / SABUF_NSEC_PER_SEC;
			left.tv_nsec = ns % SABUF_NSEC_PER_SEC;
			tsp = &left;
		}
		if (ppoll(&pfd, 1, tsp, NULL) < 0)
			return -errno;		/* -EINTR: a signal handler ran */
		/* readable, or the time is up: look (another thread may have taken it) */
	}
}

SABUF_EXPORT int sabuf_waitset_next(struct sabuf_waitset *ws, uint64_t *tag, int *result,
				    int64_t timeout_ns)
{
	struct sabuf_deadline deadline = sabuf_deadline_in(timeout_ns);

	return next(ws, tag, result, &deadline);
}

SABUF_EXPORT int sabuf_waitset_next_clock(struct sabuf_waitset *ws, uint64_t *tag, int *result,
					  clockid_t clock, const struct timespec *abstime)
{
	struct sabuf_deadline deadline;
	int ret = sabuf_deadline_at(&deadline, clock, abstime);

	return ret ? ret : next(ws, tag, result, &deadline);
}

SABUF_EXPORT int sabuf_waitset_cancel(struct sabuf_waitset *ws, uint64_t tag)
{
	struct sabuf_waitset_cancel args = { .tag = tag };

	if (!ws)
		return -EINVAL;
	if (ioctl(ws->fd, SABUF_IOC_WAITSET_CANCEL, &args) == 0)
		return 0;
	return -errno;
}
