// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_notify_wait32/64: notify one word, then wait on another, in one
 * system call (SABUF_IOC_NOTIFY_WAIT): the request/response handoff of
 * SignalObjectAndWait and FUTEX_SWAP. The fast paths of sabuf_notify and
 * sabuf_wait* apply: when the wait would return at once (the word
 * differs, or the timeout is <= 0), only the notify is made, and it skips
 * the kernel when nobody waits.
 *
 * A signal handler ends the call with -EINTR whatever SA_RESTART says:
 * the kernel cannot restart it without notifying twice.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/sabuf.h>

#include "deadline.h"
#include "internal.h"

/* @at: NULL for a relative @timeout_ns, else an absolute deadline already checked. */
static int notify_wait(struct sabuf *sb, const void *notify_addr, unsigned int count,
		       const void *wait_addr, int64_t expected, unsigned int size,
		       int64_t timeout_ns, const struct sabuf_deadline *at)
{
	struct sabuf_deadline deadline;
	uint64_t noff, woff;
	bool differs;
	int ret;

	ret = sabuf_word_offset(sb, notify_addr, sizeof(int32_t), &noff);
	if (!ret)
		ret = sabuf_word_offset(sb, wait_addr, size, &woff);
	if (ret)
		return ret;
	if (sb->readonly)
		return -EBADF;
	differs = size == sizeof(int32_t) ?
		  sabuf_load((const int32_t *)wait_addr) != (int32_t)expected :
		  sabuf_load((const int64_t *)wait_addr) != expected;
	if (differs)
		deadline = (struct sabuf_deadline){ .kind = SABUF_DEADLINE_NOW,
						    .clock = CLOCK_MONOTONIC };
	else
		deadline = at ? *at : sabuf_deadline_in(timeout_ns);
	if (sabuf_deadline_is_now(&deadline)) {
		ret = sabuf_notify(sb, notify_addr, count);
		if (ret < 0)
			return ret;
		return differs ? SABUF_NOT_EQUAL : SABUF_TIMED_OUT;
	}

	struct sabuf_notify_wait nw = {
		.notify_offset = noff,
		.notify_count = count == SABUF_ALL ? SABUF_NOTIFY_ALL : count,
		.wait = {
			.offset = woff,
			.expected = size == sizeof(int32_t) ? (uint32_t)expected
							    : (uint64_t)expected,
			.timeout_ns = deadline.kind == SABUF_DEADLINE_AT ? deadline.at_ns : -1,
			.flags = (size == sizeof(int32_t) ? SABUF_WAIT_SIZE_U32
							  : SABUF_WAIT_SIZE_U64) |
				 (deadline.kind == SABUF_DEADLINE_AT ? SABUF_WAIT_ABSTIME : 0),
			.clockid = (uint32_t)deadline.clock,
		},
	};

	if (ioctl(sb->fd, SABUF_IOC_NOTIFY_WAIT, &nw) == 0)
		return SABUF_OK;
	switch (errno) {
	case EAGAIN:
		return SABUF_NOT_EQUAL;
	case ETIMEDOUT:
		return SABUF_TIMED_OUT;
	default:
		return -errno;
	}
}

SABUF_EXPORT int (sabuf_notify_wait32)(struct sabuf *sb, const void *notify_addr,
				     unsigned int count, const int32_t *wait_addr,
				     int32_t expected, int64_t timeout_ns)
{
	return notify_wait(sb, notify_addr, count, wait_addr, expected, sizeof(*wait_addr),
			   timeout_ns, NULL);
}

SABUF_EXPORT int (sabuf_notify_wait64)(struct sabuf *sb, const void *notify_addr,
				     unsigned int count, const int64_t *wait_addr,
				     int64_t expected, int64_t timeout_ns)
{
	return notify_wait(sb, notify_addr, count, wait_addr, expected, sizeof(*wait_addr),
			   timeout_ns, NULL);
}

SABUF_EXPORT int (sabuf_notify_wait32_clock)(struct sabuf *sb, const void *notify_addr,
					   unsigned int count, const int32_t *wait_addr,
					   int32_t expected, clockid_t clock,
					   const struct timespec *abstime)
{
	struct sabuf_deadline d;
	int ret = sabuf_deadline_at(&d, clock, abstime);

	return ret ? ret : notify_wait(sb, notify_addr, count, wait_addr, expected,
				       sizeof(*wait_addr), 0, &d);
}

SABUF_EXPORT int (sabuf_notify_wait64_clock)(struct sabuf *sb, const void *notify_addr,
					   unsigned int count, const int64_t *wait_addr,
					   int64_t expected, clockid_t clock,
					   const struct timespec *abstime)
{
	struct sabuf_deadline d;
	int ret = sabuf_deadline_at(&d, clock, abstime);

	return ret ? ret : notify_wait(sb, notify_addr, count, wait_addr, expected,
				       sizeof(*wait_addr), 0, &d);
}
