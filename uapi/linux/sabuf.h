/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sabuf: SharedArrayBuffer and Atomics for C programs, the device ABI.
 *
 * How userspace uses /dev/sabuf:
 *
 *   fd = open("/dev/sabuf", O_RDWR | O_CLOEXEC);     an empty handle
 *   ioctl(fd, SABUF_IOC_CREATE, &create);             give it a byte length, once
 *   ioctl(fd, SABUF_IOC_INFO, &info);                 layout: lengths, counters
 *   data = mmap(NULL, info.map_length, PROT_READ | PROT_WRITE,
 *               MAP_SHARED, fd, 0);                   the shared, zero-filled pages
 *   ctrs = mmap(NULL, info.counters_length, PROT_READ,
 *               MAP_SHARED, fd, info.counters_offset); read-only waiter counters
 *   ioctl(fd, SABUF_IOC_WAIT, &wait);                 sleep while a word holds a value
 *   ioctl(fd, SABUF_IOC_NOTIFY, &notify);             wake sleepers of one index, FIFO
 *
 * Rules every struct here follows: fixed-width fields, natural alignment,
 * explicit padding, sizes a multiple of 8 (so 32- and 64-bit callers share
 * one layout and the compat ioctl is the native one). Every flags field has
 * a valid-mask; unknown bits and non-zero reserved fields fail with -EINVAL.
 * Unknown commands fail with -ENOTTY.
 *
 * Room left for later features, so that they need no new layout:
 *  - waiting on any of N words: SABUF_IOC_WAIT's reserved[] holds a pointer
 *    and a count of further words, enabled by a new flag bit;
 *  - a waiter whose wake-up can be polled: a new ioctl number
 *    (SABUF_IOC_WAIT_FD, reserved below) that returns a file descriptor.
 * Both will be announced by feature bits in struct sabuf_info.
 */
#ifndef _UAPI_LINUX_SABUF_H
#define _UAPI_LINUX_SABUF_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define SABUF_DEVICE_PATH	"/dev/sabuf"
#define SABUF_ABI_VERSION	1

/* SABUF_IOC_CREATE: give a fresh handle its byte length (>= 1), once. */
struct sabuf_create {
	__u64 byte_length;	/* exact length; the mapping is page-rounded */
	__u32 flags;		/* none defined yet: must be 0 */
	__u32 reserved;		/* must be 0 */
};
#define SABUF_CREATE_FLAGS_VALID	0x0u

/* Feature bits reported in sabuf_info.features. */
#define SABUF_FEATURE_WAIT32		(1ULL << 0)
#define SABUF_FEATURE_WAIT64		(1ULL << 1)
#define SABUF_FEATURE_ABSTIME		(1ULL << 2)
#define SABUF_FEATURE_CLOCK_REALTIME	(1ULL << 3)
#define SABUF_FEATURE_COUNTERS		(1ULL << 4)
#define SABUF_FEATURE_RESTART_KEEPS_DEADLINE (1ULL << 5)

/* SABUF_IOC_INFO: what the kernel can tell the library. Output only. */
struct sabuf_info {
	__u32 abi_version;	/* SABUF_ABI_VERSION */
	__u32 page_size;
	__u64 features;		/* SABUF_FEATURE_* */
	__u64 byte_length;	/* 0 while the handle is empty */
	__u64 map_length;	/* byte_length rounded up to page_size */
	__u64 counters_offset;	/* mmap offset of the waiter counters */
	__u32 counters_length;	/* bytes to map there (PROT_READ only) */
	__u32 counters_slots;	/* number of __u32 counters, a power of two */
	__u64 id;		/* the buffer's id, stable while the module is loaded */
	__u64 reserved[4];	/* written as 0 */
};

/*
 * The waiter counters: counters_slots __u32 values. The counter for the
 * index (byte offset) o is SABUF_COUNTER_SLOT(o, counters_slots); it is
 * non-zero while any waiter of an index hashing there is queued. A notifier
 * that stores the new value, issues a full barrier and then reads 0 there
 * may skip SABUF_IOC_NOTIFY: no waiter can miss the store (see the proof
 * at the top of kmod/waitwake.c).
 */
#define SABUF_COUNTER_SLOT(offset, slots) \
	((__u32)(((offset) >> 2) & ((slots) - 1)))

/* sabuf_wait.flags */
#define SABUF_WAIT_SIZE_U32	(1u << 0)	/* compare a 32-bit word */
#define SABUF_WAIT_SIZE_U64	(1u << 1)	/* compare a 64-bit word */
#define SABUF_WAIT_ABSTIME	(1u << 2)	/* timeout_ns is a deadline on clockid */
#define SABUF_WAIT_FLAGS_VALID	0x7u

/*
 * SABUF_IOC_WAIT: sleep while the naturally aligned word at offset equals
 * expected, until notified, timed out or interrupted. Exactly one size flag.
 * For SABUF_WAIT_SIZE_U32, expected must fit in 32 bits (pass the int32
 * through a __u32 cast).
 *
 * timeout_ns < 0 waits forever. Otherwise it is relative nanoseconds, or
 * with SABUF_WAIT_ABSTIME an absolute time on clockid (CLOCK_MONOTONIC or
 * CLOCK_REALTIME). A relative timeout is a duration: it always runs on
 * CLOCK_MONOTONIC, so setting the wall clock cannot cut it short (clockid
 * must still be valid). When a signal interrupts a relative wait, the
 * kernel rewrites this struct into the equivalent absolute wait on
 * CLOCK_MONOTONIC (flags, clockid, timeout_ns) before the call is
 * restarted, so a restarted wait keeps its original deadline.
 *
 * Returns 0 when a notify woke it, or fails with
 *   EAGAIN     the word did not hold expected (JavaScript's "not-equal")
 *   ETIMEDOUT  the timeout passed first ("timed-out")
 *   EINTR      a signal handler without SA_RESTART ran
 *   EINVAL     bad flags, size, clock, alignment, expected, or reserved != 0
 *   ERANGE     the word is not inside the buffer
 *   EBADFD     the handle has no buffer yet
 */
struct sabuf_wait {
	__u64 offset;		/* byte offset of the word */
	__u64 expected;		/* the value to sleep on */
	__s64 timeout_ns;	/* < 0: forever; see above */
	__u32 flags;		/* SABUF_WAIT_* */
	__u32 clockid;		/* CLOCK_MONOTONIC (1) or CLOCK_REALTIME (0) */
	__u64 reserved[2];	/* must be 0 (room for wait-any) */
};

/* sabuf_notify.count that wakes every waiter */
#define SABUF_NOTIFY_ALL	0xffffffffu
#define SABUF_NOTIFY_FLAGS_VALID 0x0u

/*
 * SABUF_IOC_NOTIFY: wake up to count waiters of the index offset (4-byte
 * aligned), oldest first. Returns how many were woken.
 */
struct sabuf_notify {
	__u64 offset;
	__u32 count;		/* SABUF_NOTIFY_ALL for all */
	__u32 flags;		/* none defined yet: must be 0 */
	__u64 reserved;		/* must be 0 */
};

#define SABUF_IOC_MAGIC		0xB5
#define SABUF_IOC_CREATE	_IOW(SABUF_IOC_MAGIC, 0x00, struct sabuf_create)
#define SABUF_IOC_INFO		_IOR(SABUF_IOC_MAGIC, 0x01, struct sabuf_info)
#define SABUF_IOC_WAIT		_IOWR(SABUF_IOC_MAGIC, 0x02, struct sabuf_wait)
#define SABUF_IOC_NOTIFY	_IOW(SABUF_IOC_MAGIC, 0x03, struct sabuf_notify)
/* 0x04: reserved for SABUF_IOC_WAIT_FD (a pollable waiter) */

#endif /* _UAPI_LINUX_SABUF_H */
