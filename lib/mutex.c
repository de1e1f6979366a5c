// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_mutex: the three-state futex mutex from Ulrich Drepper's "Futexes
 * Are Tricky", on sabuf_wait32/sabuf_notify. The word holds
 *
 *   0  unlocked
 *   1  locked, and nobody sleeps on it
 *   2  locked, and somebody may sleep on it
 *
 * Uncontended lock and unlock are one atomic each and no system call:
 * lock moves 0 -> 1, unlock moves 1 -> 0 and only a 2 makes it notify.
 * A caller that has to sleep first sets 2, so the holder's unlock knows to
 * wake someone; unlock then wakes exactly one sleeper (no thundering herd),
 * and that sleeper takes the lock as 2 again, since others may still sleep.
 */
#include <errno.h>

#include "deadline.h"
#include "internal.h"
#include "wait.h"

enum { UNLOCKED = 0, LOCKED = 1, CONTENDED = 2 };

static int check_mutex(struct sabuf *sb, sabuf_mutex_t *m)
{
	uint64_t offset;

	return sabuf_word_offset(sb, &m->state, sizeof(m->state), &offset);
}

/*
 * The slow path, shared with sabuf_cond_wait() (which must relock as
 * CONTENDED: it cannot know whether other waiters sleep). Returns 0 with
 * the mutex held as CONTENDED, or -ETIMEDOUT.
 */
int sabuf_mutex_lock_contended(struct sabuf *sb, sabuf_mutex_t *m,
			       const struct sabuf_deadline *deadline)
{
	while (sabuf_exchange(&m->state, CONTENDED) != UNLOCKED) {
		/* -EINTR retries (a mutex does not fail on signals), and the
		 * deadline keeps the total time bounded across retries */
		int ret = sabuf_sleep(sb, &m->state, CONTENDED,
				      sizeof(m->state), deadline, 0);

		if (ret == SABUF_TIMED_OUT)
			return -ETIMEDOUT;
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	return 0;
}

/* The deadline is made only when the fast path fails (no clock read). */
enum lock_how { LOCK_FOREVER, LOCK_TIMEOUT, LOCK_CLOCK };

static int lock_until(struct sabuf *sb, sabuf_mutex_t *m, enum lock_how how,
		      int64_t timeout_ns, clockid_t clock,
		      const struct timespec *abstime)
{
	struct sabuf_deadline deadline = sabuf_deadline_forever();
	int ret;

	ret = check_mutex(sb, m);
	if (!ret && how == LOCK_CLOCK)
		ret = sabuf_deadline_at(&deadline, clock, abstime);
	if (ret)
		return ret;
	if (sabuf_compare_exchange(&m->state, UNLOCKED, LOCKED) == UNLOCKED)
		return 0;			/* uncontended: no system call */
	if (how == LOCK_TIMEOUT)
		deadline = sabuf_deadline_in(timeout_ns);
	if (sabuf_deadline_is_now(&deadline))
		return -ETIMEDOUT;		/* a timeout <= 0 never sleeps */
	return sabuf_mutex_lock_contended(sb, m, &deadline);
}

SABUF_EXPORT int sabuf_mutex_lock(struct sabuf *sb, sabuf_mutex_t *m)
{
	return lock_until(sb, m, LOCK_FOREVER, 0, CLOCK_MONOTONIC, NULL);
}

SABUF_VERSION_0_2(sabuf_mutex_timedlock);	/* 0.1's: compat.c */
SABUF_EXPORT int sabuf_mutex_timedlock(struct sabuf *sb, sabuf_mutex_t *m,
				       int64_t timeout_ns)
{
	return lock_until(sb, m, LOCK_TIMEOUT, timeout_ns, CLOCK_MONOTONIC,
			  NULL);
}

SABUF_EXPORT int sabuf_mutex_clocklock(struct sabuf *sb, sabuf_mutex_t *m,
				       clockid_t clock,
				       const struct timespec *abstime)
{
	return lock_until(sb, m, LOCK_CLOCK, 0, clock, abstime);
}

SABUF_EXPORT int sabuf_mutex_trylock(struct sabuf *sb, sabuf_mutex_t *m)
{
	int ret = check_mutex(sb, m);

	if (ret)
		return ret;
	if (sabuf_compare_exchange(&m->state, UNLOCKED, LOCKED) == UNLOCKED)
		return 0;
	return -EBUSY;
}

SABUF_EXPORT int sabuf_mutex_unlock(struct sabuf *sb, sabuf_mutex_t *m)
{
	int ret = check_mutex(sb, m);

	if (ret)
		return ret;
	switch (sabuf_exchange(&m->state, UNLOCKED)) {
	case LOCKED:
		return 0;			/* nobody sleeps: no system call */
	case CONTENDED:
		ret = sabuf_notify(sb, &m->state, 1);	/* wake one */
		return ret < 0 ? ret : 0;
	default:
		return -EPERM;			/* it was not locked */
	}
}
