// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Waitsets: asynchronous waits for event loops (Atomics.waitAsync in C).
 *
 * A waitset is a kernel file (SABUF_IOC_WAITSET_CREATE, kmod/waitset.c):
 * each sabuf_wait*_async() queues one wait in the kernel
 * (SABUF_IOC_WAITSET_ADD), in the same FIFO queue as blocking waiters;
 * timeouts are kernel timers; settled waits become readable on the fd,
 * which any poll/epoll loop can watch. Results are read in batches of up
 * to SABUF_WAITSET_BATCH into the waitset's own buffer, from which
 * sabuf_waitset_next() hands them out one at a time.
 *
 * Settled-at-once results never enter the kernel: a word that differs is
 * SABUF_NOT_EQUAL, a timeout <= 0 is SABUF_TIMED_OUT. Relative timeouts
 * go to the kernel as absolute CLOCK_MONOTONIC deadlines, so they run
 * from the call (deadline.h).
 *
 * Thread safety: every call may be made from any thread at once; the
 * batch is guarded by @lock, which is never held while blocking.
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/sabuf.h>

#include "deadline.h"
#include "internal.h"

#define SABUF_WAITSET_BATCH	64

struct sabuf_waitset {
	int fd;				/* O_NONBLOCK: read(2) never blocks here */
	pthread_mutex_t lock;		/* @batch, @head, @count */
	unsigned int head, count;
	struct sabuf_waitset_result batch[SABUF_WAITSET_BATCH];
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
	pthread_mutex_init(&ws->lock, NULL);
	*out = ws;
	return 0;
}

SABUF_EXPORT void sabuf_waitset_destroy(struct sabuf_waitset *ws)
{
	if (!ws)
		return;
	close(ws->fd);	/* the last close cancels what is pending */
	pthread_mutex_destroy(&ws->lock);
	free(ws);
}

SABUF_EXPORT int sabuf_waitset_fd(const struct sabuf_waitset *ws)
{
	return ws ? ws->fd : -EINVAL;
}

static int wait_async(struct sabuf_waitset *ws, struct sabuf *sb, const void *addr,
		      int64_t expected, unsigned int size, int64_t timeout_ns, uint64_t tag)
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
	deadline = sabuf_deadline_in(timeout_ns);
	if (sabuf_deadline_is_now(&deadline))
		return SABUF_TIMED_OUT;		/* { async: false, value: "timed-out" } */

	args.fd = sb->fd;
	args.wait.offset = offset;
	args.wait.expected = size == sizeof(int32_t) ? (uint32_t)expected : (uint64_t)expected;
	args.wait.flags = size == sizeof(int32_t) ? SABUF_WAIT_SIZE_U32 : SABUF_WAIT_SIZE_U64;
	args.wait.clockid = CLOCK_MONOTONIC;
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

SABUF_EXPORT int sabuf_wait32_async(struct sabuf_waitset *ws, struct sabuf *sb,
				    const int32_t *addr, int32_t expected,
				    int64_t timeout_ns, uint64_t tag)
{
	return wait_async(ws, sb, addr, expected, sizeof(int32_t), timeout_ns, tag);
}

SABUF_EXPORT int sabuf_wait64_async(struct sabuf_waitset *ws, struct sabuf *sb,
				    const int64_t *addr, int64_t expected,
				    int64_t timeout_ns, uint64_t tag)
{
	return wait_async(ws, sb, addr, expected, sizeof(int64_t), timeout_ns, tag);
}

/* One result from the batch, refilled from the kernel when empty: 1, 0 or -errno. */
static int take(struct sabuf_waitset *ws, uint64_t *tag, int *result)
{
	const struct sabuf_waitset_result *r;
	ssize_t n;
	int ret = 1;

	pthread_mutex_lock(&ws->lock);
	if (!ws->count) {
		n = read(ws->fd, ws->batch, sizeof(ws->batch));
		if (n < 0) {
			ret = errno == EAGAIN ? 0 : -errno;
			goto out;
		}
		ws->head = 0;
		ws->count = (unsigned int)(n / sizeof(ws->batch[0]));
	}
	r = &ws->batch[ws->head++];
	ws->count--;
	if (tag)
		*tag = r->tag;
	if (result)
		*result = r->result == 0 ? SABUF_OK : SABUF_TIMED_OUT;
out:
	pthread_mutex_unlock(&ws->lock);
	return ret;
}

SABUF_EXPORT int sabuf_waitset_next(struct sabuf_waitset *ws, uint64_t *tag, int *result,
				    int64_t timeout_ns)
{
	struct sabuf_deadline deadline;
	int ret;

	if (!ws)
		return -EINVAL;
	ret = take(ws, tag, result);
	if (ret)
		return ret;
	deadline = sabuf_deadline_in(timeout_ns);
	for (;;) {
		struct pollfd pfd = { .fd = ws->fd, .events = POLLIN };
		struct timespec left, *tsp = NULL;

		if (sabuf_deadline_is_now(&deadline))
			return 0;
		if (deadline.kind == SABUF_DEADLINE_AT) {
			struct timespec now;
			int64_t ns;

			clock_gettime(CLOCK_MONOTONIC, &now);
			ns = deadline.at_ns - ((int64_t)now.tv_sec * SABUF_NSEC_PER_SEC + now.tv_nsec);
			if (ns <= 0)
				return 0;
			left.tv_sec = ns / SABUF_NSEC_PER_SEC;
			left.tv_nsec = ns % SABUF_NSEC_PER_SEC;
			tsp = &left;
		}
		if (ppoll(&pfd, 1, tsp, NULL) < 0)
			return -errno;		/* -EINTR: a signal handler ran */
		ret = take(ws, tag, result);
		if (ret)
			return ret;
		/* Another thread took it first: wait for the next one. */
	}
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
