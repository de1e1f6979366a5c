// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_wait_any: wait on any of up to SABUF_WAIT_ANY_MAX words, 32- or
 * 64-bit, in one or several buffers (SABUF_IOC_WAIT_ANY; each item names
 * its buffer's fd). Every item is checked here first, as the kernel would
 * (-EINVAL, -ERANGE); a word that already differs answers SABUF_NOT_EQUAL
 * with the lowest such item and no system call, and a timeout <= 0 never
 * sleeps. The kernel gets an absolute CLOCK_MONOTONIC deadline, so an
 * SA_RESTART restart keeps it.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/sabuf.h>

#include "deadline.h"
#include "internal.h"

static bool differs(const struct sabuf_wait_item *it)
{
	if (it->size == sizeof(int32_t))
		return sabuf_load((const int32_t *)it->addr) != (int32_t)it->expected;
	return sabuf_load((const int64_t *)it->addr) != it->expected;
}

/* @at: NULL for a relative @timeout_ns, else an absolute deadline already checked. */
static int wait_any(const struct sabuf_wait_item *items, unsigned int n, int64_t timeout_ns,
		    const struct sabuf_deadline *at, unsigned int *which)
{
	struct sabuf_wait_any_item k[SABUF_WAIT_ANY_MAX];
	struct sabuf_wait_any args = { 0 };
	struct sabuf_deadline deadline;
	unsigned int i;
	int ret;

	if (!items || !which || n == 0 || n > SABUF_WAIT_ANY_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct sabuf_wait_item *it = &items[i];
		uint64_t offset;

		if (!it->sb || (it->size != 4 && it->size != 8))
			return -EINVAL;
		if (it->size == 4 && (it->expected < INT32_MIN || it->expected > INT32_MAX))
			return -EINVAL;
		ret = sabuf_word_offset(it->sb, it->addr, it->size, &offset);
		if (ret)
			return ret;
		k[i] = (struct sabuf_wait_any_item){
			.fd = it->sb->fd,
			.flags = it->size == 4 ? SABUF_WAIT_SIZE_U32 : SABUF_WAIT_SIZE_U64,
			.offset = offset,
			.expected = it->size == 4 ? (uint32_t)(int32_t)it->expected
						  : (uint64_t)it->expected,
		};
	}
	for (i = 0; i < n; i++) {
		if (differs(&items[i])) {
			*which = i;
			return SABUF_NOT_EQUAL;	/* fast path: no system call */
		}
	}
	deadline = at ? *at : sabuf_deadline_in(timeout_ns);
	if (sabuf_deadline_is_now(&deadline))
		return SABUF_TIMED_OUT;
	args.clockid = (uint32_t)deadline.clock;
	args.items = (uintptr_t)k;
	args.count = n;
	if (deadline.kind == SABUF_DEADLINE_AT) {
		args.flags = SABUF_WAIT_ABSTIME;
		args.timeout_ns = deadline.at_ns;
	} else {
		args.timeout_ns = -1;
	}
	ret = ioctl(items[0].sb->fd, SABUF_IOC_WAIT_ANY, &args);
	if (ret < 0)
		return errno == ETIMEDOUT ? SABUF_TIMED_OUT : -errno;
	*which = (unsigned int)ret & ~(unsigned int)SABUF_WAIT_ANY_NOT_EQUAL;
	return ret & SABUF_WAIT_ANY_NOT_EQUAL ? SABUF_NOT_EQUAL : SABUF_OK;
}

SABUF_EXPORT int sabuf_wait_any(const struct sabuf_wait_item *items, unsigned int n,
				int64_t timeout_ns, unsigned int *which)
{
	return wait_any(items, n, timeout_ns, NULL, which);
}

SABUF_EXPORT int sabuf_wait_any_clock(const struct sabuf_wait_item *items, unsigned int n,
				      clockid_t clock, const struct timespec *abstime,
				      unsigned int *which)
{
	struct sabuf_deadline d;
	int ret = sabuf_deadline_at(&d, clock, abstime);

	return ret ? ret : wait_any(items, n, 0, &d, which);
}
