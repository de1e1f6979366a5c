// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_wait32/64 and sabuf_notify: the only calls that may enter the
 * kernel, and each has a fast path that does not.
 *
 *  - wait: if the word already differs from expected, the answer is
 *    SABUF_NOT_EQUAL whatever the kernel would say, so say it here.
 *  - notify: the kernel keeps, per hash slot of indices, a count of queued
 *    waiters in a read-only page we map. A waiter raises its slot's count
 *    before the kernel compares the word; a notifier stores the new value
 *    before reading the count; both with full barriers (the proof, with
 *    labelled barriers, is at the top of kmod/waitwake.c). So a notifier
 *    that reads 0 knows every future waiter will see its store and return
 *    "not-equal": there is nobody to wake, and no ioctl is needed.
 *
 * Arguments are checked here first (alignment -EINVAL, range -ERANGE), so
 * the fast paths reject exactly what the kernel would.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/sabuf.h>

#include "internal.h"

static int wait_in_kernel(struct sabuf *sb, uint64_t offset, uint64_t expected,
			  uint32_t size_flag, int64_t timeout_ns)
{
	/*
	 * An absolute CLOCK_MONOTONIC deadline: the kernel never rewrites
	 * this struct, and restarts an absolute wait after an SA_RESTART
	 * handler as it was, so the deadline holds across signals.
	 */
	struct sabuf_deadline d = sabuf_deadline_in(timeout_ns);
	struct sabuf_wait wait = {
		.offset = offset,
		.expected = expected,
		.timeout_ns = d.forever ? -1 : d.at_ns,
		.flags = size_flag | (d.forever ? 0 : SABUF_WAIT_ABSTIME),
		.clockid = CLOCK_MONOTONIC,
	};

	if (ioctl(sb->fd, SABUF_IOC_WAIT, &wait) == 0)
		return SABUF_OK;
	switch (errno) {
	case EAGAIN:
		return SABUF_NOT_EQUAL;
	case ETIMEDOUT:
		return SABUF_TIMED_OUT;
	default:
		return -errno;	/* EINTR, and what the kernel documents */
	}
}

SABUF_EXPORT int sabuf_wait32(struct sabuf *sb, const int32_t *addr,
			      int32_t expected, int64_t timeout_ns)
{
	uint64_t offset;
	int ret;

	ret = sabuf_word_offset(sb, addr, sizeof(*addr), &offset);
	if (ret)
		return ret;
	if (sabuf_load(addr) != expected)
		return SABUF_NOT_EQUAL;		/* fast path: no system call */
	/* the ABI carries a 32-bit expected as its unsigned bit pattern */
	return wait_in_kernel(sb, offset, (uint32_t)expected,
			      SABUF_WAIT_SIZE_U32, timeout_ns);
}

SABUF_EXPORT int sabuf_wait64(struct sabuf *sb, const int64_t *addr,
			      int64_t expected, int64_t timeout_ns)
{
	uint64_t offset;
	int ret;

	ret = sabuf_word_offset(sb, addr, sizeof(*addr), &offset);
	if (ret)
		return ret;
	if (sabuf_load(addr) != expected)
		return SABUF_NOT_EQUAL;		/* fast path: no system call */
	return wait_in_kernel(sb, offset, (uint64_t)expected,
			      SABUF_WAIT_SIZE_U64, timeout_ns);
}

/* May the notify of the index at offset skip the kernel? */
static int nobody_waits(const struct sabuf *sb, uint64_t offset)
{
	if (!sb->counters)
		return 0;	/* the kernel gives no counters: always ask it */
	/*
	 * Full barrier (B), see kmod/waitwake.c: orders the caller's store
	 * of the new value (made before this call) before the read of the
	 * waiter count below. Pairs with the waiter's barrier (A) between
	 * raising the count and reading the word.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&sb->counters[SABUF_COUNTER_SLOT(offset,
						 sb->counters_slots)],
			       __ATOMIC_RELAXED) == 0;
}

SABUF_EXPORT int sabuf_notify(struct sabuf *sb, const void *addr,
			      unsigned int count)
{
	struct sabuf_notify notify = { 0 };
	uint64_t offset;
	int ret;

	/* an index is a 32-bit word or the first half of a 64-bit one */
	ret = sabuf_word_offset(sb, addr, sizeof(int32_t), &offset);
	if (ret)
		return ret;
	if (sb->readonly)
		return -EBADF;		/* as the kernel would say */
	if (count == 0 || nobody_waits(sb, offset))
		return 0;			/* fast path: no system call */
	notify.offset = offset;
	notify.count = count == SABUF_ALL ? SABUF_NOTIFY_ALL : count;
	ret = ioctl(sb->fd, SABUF_IOC_NOTIFY, &notify);
	return ret < 0 ? -errno : ret;
}
