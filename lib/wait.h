/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one internal way to sleep on a word (waitwake.c), for the public
 * waits and for every synchronization object: a deadline (deadline.h)
 * instead of a timeout, and a say in two things the public calls fix:
 *
 *  - SABUF_SLEEP_CANCEL: the sleep is a thread cancellation point (the
 *    public waits, sem and cond). The mutex and the barrier sleep without
 *    it, as pthread_mutex_lock() and pthread_barrier_wait() are not
 *    cancellation points.
 *  - SABUF_SLEEP_HANDON: if a notify picks this sleeper and it then dies
 *    of a fatal signal before returning, the kernel wakes the next sleeper
 *    of the index instead (sem and cond, so a dead waiter never strands
 *    the others). Passed to the kernel only when it reports
 *    SABUF_FEATURE_HANDON; otherwise ignored.
 */
#ifndef SABUF_WAIT_H
#define SABUF_WAIT_H

#include <stdint.h>

#include <linux/sabuf.h>

#include "deadline.h"
#include "internal.h"

/* From the next kernel ABI; older uapi headers lack them. */
#ifndef SABUF_WAIT_HANDON
#define SABUF_WAIT_HANDON	(1u << 3)
#endif
#ifndef SABUF_FEATURE_HANDON
#define SABUF_FEATURE_HANDON	(1ULL << 9)
#endif

#define SABUF_SLEEP_CANCEL	(1u << 0)
#define SABUF_SLEEP_HANDON	(1u << 1)

/*
 * Sleep while the naturally aligned size-byte word at addr (4 or 8) holds
 * expected (for size 4, the low 32 bits of it). Returns SABUF_OK,
 * SABUF_NOT_EQUAL, SABUF_TIMED_OUT, or -EINVAL / -ERANGE (bad address),
 * -EINTR (a handler without SA_RESTART), another -errno from the kernel.
 * Never enters the kernel when the word differs or the deadline is NOW.
 */
int sabuf_sleep(struct sabuf *sb, const void *addr, int64_t expected,
		unsigned int size, const struct sabuf_deadline *deadline,
		unsigned int how);

#endif /* SABUF_WAIT_H */
