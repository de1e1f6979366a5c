// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_wait32/64 (and their _clock forms) and sabuf_notify: the only
 * calls that may enter the kernel, and each has a fast path that does not.
 *
 *  - wait: if the word already differs from expected, the answer is
 *    SABUF_NOT_EQUAL whatever the kernel would say, so say it here. A
 *    timeout <= 0 never sleeps (contract 0.2, as ECMAScript), so the
 *    answer is then SABUF_TIMED_OUT, also without the kernel.
 *  - notify: the kernel keeps, per hash slot of indices, a count of queued
 *    waiters in a read-only page we map. A waiter raises its slot's count
 *    before the kernel compares the word; a notifier stores the new value
 *    before reading the count; both with full barriers (the proof, with
 *    labelled barriers, is at the top of kmod/waitwake.c). So a notifier
 *    that reads 0 knows every future waiter will see its store and return
 *    "not-equal": there is nobody to wake, and no ioctl is needed.
 *
 * Deadlines reach the kernel absolute (SABUF_WAIT_ABSTIME, on the clock
 * the caller chose; CLOCK_MONOTONIC for relative timeouts), or as -1 for
 * SABUF_FOREVER. A restart after an SA_RESTART handler then repeats the
 * very same request, and a caller that sleeps several times in one call
 * (the synchronization objects) never stretches its deadline.
 *
 * Cancellation: a sleep with SABUF_SLEEP_CANCEL is a cancellation point.
 * Only the ioctl runs with asynchronous cancellation enabled; switching to
 * it acts at once on a cancellation already pending, and a pthread_cancel()
 * that arrives during the sleep interrupts the ioctl with glibc's
 * cancellation signal, whose handler unwinds the thread from there. An
 * interrupted wait has left the kernel's queue (and lowered its waiter
 * count) before the signal is delivered, so a cancelled waiter never
 * absorbs a later notify. (The ioctl is a bare system call: nothing in
 * it can be left half done by the unwinding.) One case remains, the same
 * as a thread killed just after its wake-up: a notify picked the waiter
 * and the cancellation unwound it before it saw the result. That notify
 * counted it, as ECMAScript counts it; the semaphore and the condition
 * variable pass such a wake-up on in their cleanup handlers.
 *
 * Arguments are checked here first (alignment -EINVAL, range -ERANGE), so
 * the fast paths reject exactly what the kernel would.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/sabuf.h>

#include "internal.h"
#include "wait.h"

/*
 * The kernel's SABUF_FEATURE_* word, read once per process (the features
 * are the module's, the same for every buffer), or 0 until then. Bit 63,
 * which the ABI does not use, says "read". Relaxed: racing first readers
 * each ask the kernel and store the same answer.
 */
#define FEATURES_READ	(1ULL << 63)
static uint64_t kernel_features;

static uint64_t features(const struct sabuf *sb)
{
	uint64_t f = __atomic_load_n(&kernel_features, __ATOMIC_RELAXED);
	struct sabuf_info info = { 0 };

	if (f & FEATURES_READ)
		return f;
	if (ioctl(sb->fd, SABUF_IOC_INFO, &info) < 0)
		return 0;	/* ask again next time; assume nothing now */
	f = FEATURES_READ | (info.features & ~FEATURES_READ);
	__atomic_store_n(&kernel_features, f, __ATOMIC_RELAXED);
	return f;
}

/* The module was replaced by one without f (a reload between buffers). */
static void forget_feature(uint64_t f)
{
	__atomic_fetch_and(&kernel_features, ~f, __ATOMIC_RELAXED);
}

static int wait_ioctl(int fd, struct sabuf_wait *wait, unsigned int how)
{
	int oldtype, ret, err;

	if (!(how & SABUF_SLEEP_CANCEL)) {
		ret = ioctl(fd, SABUF_IOC_WAIT, wait);
		return ret ? -errno : 0;
	}
	/* the cancellation window: exactly the system call (see the top) */
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &oldtype);
	ret = ioctl(fd, SABUF_IOC_WAIT, wait);
	err = errno;
	pthread_setcanceltype(oldtype, NULL);
	return ret ? -err : 0;
}

static int wait_in_kernel(struct sabuf *sb, uint64_t offset, uint64_t expected,
			  uint32_t size_flag,
			  const struct sabuf_deadline *deadline,
			  unsigned int how)
{
	/*
	 * The kernel never writes back into an absolute or infinite wait,
	 * and a restarted ioctl repeats it unchanged: the deadline holds
	 * across SA_RESTART handlers.
	 */
	struct sabuf_wait wait = {
		.offset = offset,
		.expected = expected,
		.timeout_ns = -1,
		.flags = size_flag,
		.clockid = CLOCK_MONOTONIC,
	};
	int ret;

	if (deadline->kind == SABUF_DEADLINE_AT) {
		wait.flags |= SABUF_WAIT_ABSTIME;
		wait.clockid = (uint32_t)deadline->clock;
		wait.timeout_ns = deadline->at_ns;
	}
	if ((how & SABUF_SLEEP_HANDON) &&
	    (features(sb) & SABUF_FEATURE_HANDON))
		wait.flags |= SABUF_WAIT_HANDON;

	ret = wait_ioctl(sb->fd, &wait, how);
	if (ret == -EINVAL && (wait.flags & SABUF_WAIT_HANDON)) {
		/* every other input was checked: the flag is what it lacks */
		forget_feature(SABUF_FEATURE_HANDON);
		wait.flags &= ~SABUF_WAIT_HANDON;
		ret = wait_ioctl(sb->fd, &wait, how);
	}
	switch (ret) {
	case 0:
		return SABUF_OK;
	case -EAGAIN:
		return SABUF_NOT_EQUAL;
	case -ETIMEDOUT:
		return SABUF_TIMED_OUT;
	default:
		return ret;	/* -EINTR, and what the kernel documents */
	}
}

int sabuf_sleep(struct sabuf *sb, const void *addr, int64_t expected,
		unsigned int size, const struct sabuf_deadline *deadline,
		unsigned int how)
{
	uint64_t offset, bits;
	int ret;

	ret = sabuf_word_offset(sb, addr, size, &offset);
	if (ret)
		return ret;
	if (size == sizeof(int32_t)) {
		if (sabuf_load((const int32_t *)addr) != (int32_t)expected)
			return SABUF_NOT_EQUAL;	/* fast path: no system call */
		/* the ABI carries a 32-bit expected as its unsigned bits */
		bits = (uint32_t)expected;
	} else {
		if (sabuf_load((const int64_t *)addr) != expected)
			return SABUF_NOT_EQUAL;	/* fast path: no system call */
		bits = (uint64_t)expected;
	}
	if (sabuf_deadline_is_now(deadline))
		return SABUF_TIMED_OUT;		/* never sleeps: no system call */
	return wait_in_kernel(sb, offset, bits,
			      size == sizeof(int32_t) ? SABUF_WAIT_SIZE_U32
						      : SABUF_WAIT_SIZE_U64,
			      deadline, how);
}

static int wait_for(struct sabuf *sb, const void *addr, int64_t expected,
		    unsigned int size, int64_t timeout_ns)
{
	struct sabuf_deadline deadline;
	uint64_t offset;
	int ret;

	/* address errors first, and no clock read on the fast path */
	ret = sabuf_word_offset(sb, addr, size, &offset);
	if (ret)
		return ret;
	if (size == sizeof(int32_t) ?
	    sabuf_load((const int32_t *)addr) != (int32_t)expected :
	    sabuf_load((const int64_t *)addr) != expected)
		return SABUF_NOT_EQUAL;
	deadline = sabuf_deadline_in(timeout_ns);
	return sabuf_sleep(sb, addr, expected, size, &deadline,
			   SABUF_SLEEP_CANCEL);
}

static int wait_until(struct sabuf *sb, const void *addr, int64_t expected,
		      unsigned int size, clockid_t clock,
		      const struct timespec *abstime)
{
	struct sabuf_deadline deadline;
	uint64_t offset;
	int ret;

	ret = sabuf_word_offset(sb, addr, size, &offset);
	if (!ret)
		ret = sabuf_deadline_at(&deadline, clock, abstime);
	if (ret)
		return ret;
	return sabuf_sleep(sb, addr, expected, size, &deadline,
			   SABUF_SLEEP_CANCEL);
}

/* (parenthesised: <sabuf.h> also has type-generic macros of these names;
 * their 0.1 versions, where a negative timeout waited forever, are in
 * compat.c) */
SABUF_VERSION_0_2(sabuf_wait32);
SABUF_VERSION_0_2(sabuf_wait64);
SABUF_EXPORT int (sabuf_wait32)(struct sabuf *sb, const int32_t *addr,
				int32_t expected, int64_t timeout_ns)
{
	return wait_for(sb, addr, expected, sizeof(*addr), timeout_ns);
}

SABUF_EXPORT int (sabuf_wait64)(struct sabuf *sb, const int64_t *addr,
				int64_t expected, int64_t timeout_ns)
{
	return wait_for(sb, addr, expected, sizeof(*addr), timeout_ns);
}

SABUF_EXPORT int (sabuf_wait32_clock)(struct sabuf *sb, const int32_t *addr,
				      int32_t expected, clockid_t clock,
				      const struct timespec *abstime)
{
	return wait_until(sb, addr, expected, sizeof(*addr), clock, abstime);
}

SABUF_EXPORT int (sabuf_wait64_clock)(struct sabuf *sb, const int64_t *addr,
				      int64_t expected, clockid_t clock,
				      const struct timespec *abstime)
{
	return wait_until(sb, addr, expected, sizeof(*addr), clock, abstime);
}

/* May the notify of the index at offset skip the kernel? */
static int nobody_waits(const struct sabuf *sb, uint64_t offset)
{
	/*
	 * Full barrier (B), see kmod/waitwake.c: orders the caller's store
	 * of the new value (made before this call) before the read of the
	 * waiter count below. Pairs with the waiter's barrier (A) between
	 * raising the count and reading the word.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return sabuf_counter_is_zero(sb, offset);
}

/* SABUF_IOC_NOTIFY, once the fast path has said someone may wait. */
int sabuf_notify_in_kernel(struct sabuf *sb, uint64_t offset, unsigned int count)
{
	struct sabuf_notify notify = {
		.offset = offset,
		.count = count == SABUF_ALL ? SABUF_NOTIFY_ALL : count,
	};
	int ret = ioctl(sb->fd, SABUF_IOC_NOTIFY, &notify);

	return ret < 0 ? -errno : ret;
}

SABUF_EXPORT int sabuf_notify(struct sabuf *sb, const void *addr,
			      unsigned int count)
{
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
	return sabuf_notify_in_kernel(sb, offset, count);
}

/*
 * Atomics.pause(n): a hint to the CPU that this thread spins. Longer for
 * larger n (n + 1 pause instructions), bounded: n is capped, so no n makes
 * one call spin for more than a few microseconds.
 */
#define SABUF_PAUSE_MAX	1023u

SABUF_EXPORT void sabuf_pause(unsigned int n)
{
	unsigned int i;

	if (n > SABUF_PAUSE_MAX)
		n = SABUF_PAUSE_MAX;
	for (i = 0; i <= n; i++) {
#if defined(__x86_64__) || defined(__i386__)
		__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
		__asm__ __volatile__("yield" ::: "memory");
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
		__asm__ __volatile__("yield" ::: "memory");
#else
		__asm__ __volatile__("" ::: "memory");
#endif
	}
}
