/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Deadlines, as the kernel wants them: absolute, on a named clock.
 *
 * Every timed call of libsabuf turns its timeout into one of three kinds,
 * once, at its start (contract 0.2, "Timeouts"):
 *
 *   NOW       a relative timeout <= 0, or an absolute one at or before the
 *             clock's epoch: the call never sleeps (ECMAScript treats a
 *             negative timeout as 0), so it never enters the kernel to wait;
 *   FOREVER   SABUF_FOREVER (INT64_MAX): the kernel gets timeout_ns = -1;
 *   AT        an absolute time on CLOCK_MONOTONIC or CLOCK_REALTIME: the
 *             kernel gets it with SABUF_WAIT_ABSTIME. A relative timeout
 *             becomes now + timeout on CLOCK_MONOTONIC (saturating).
 *
 * Because the kernel only ever sees absolute deadlines, a call that sleeps
 * several times (a mutex that lost the race after a wake-up, a semaphore
 * whose token went to someone else, a restart after a signal handler) is
 * bounded by the caller's deadline and never stretches it, without reading
 * the clock again before each sleep.
 */
#ifndef SABUF_DEADLINE_H
#define SABUF_DEADLINE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum sabuf_deadline_kind {
	SABUF_DEADLINE_NOW,
	SABUF_DEADLINE_AT,
	SABUF_DEADLINE_FOREVER,
};

struct sabuf_deadline {
	enum sabuf_deadline_kind kind;
	clockid_t clock;	/* AT: CLOCK_MONOTONIC or CLOCK_REALTIME */
	int64_t at_ns;		/* AT: > 0, nanoseconds since the clock's epoch */
};

#define SABUF_NSEC_PER_SEC	1000000000LL

static inline struct sabuf_deadline sabuf_deadline_forever(void)
{
	struct sabuf_deadline d = { .kind = SABUF_DEADLINE_FOREVER,
				    .clock = CLOCK_MONOTONIC };
	return d;
}

/* A relative timeout: <= 0 never sleeps, SABUF_FOREVER never ends. Only
 * a timeout that can sleep and end reads the clock (the vDSO answers). */
static inline struct sabuf_deadline sabuf_deadline_in(int64_t timeout_ns)
{
	struct sabuf_deadline d = { .kind = SABUF_DEADLINE_NOW,
				    .clock = CLOCK_MONOTONIC };
	struct timespec ts;
	int64_t now;

	if (timeout_ns <= 0)
		return d;
	if (timeout_ns == INT64_MAX)
		return sabuf_deadline_forever();
	clock_gettime(CLOCK_MONOTONIC, &ts);	/* cannot fail for this clock */
	now = (int64_t)ts.tv_sec * SABUF_NSEC_PER_SEC + ts.tv_nsec;
	d.kind = SABUF_DEADLINE_AT;
	/* saturate: INT64_MAX ns of uptime is 292 years, as good as forever */
	d.at_ns = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
	return d;
}

/*
 * An absolute deadline on clock: 0, or -EINVAL for another clock, a NULL
 * abstime or tv_nsec outside [0, 10^9) (as pthread_cond_clockwait). A
 * deadline that the clock has passed is fine: the wait reports a timeout
 * (the kernel checks the word first, so "not-equal" still wins).
 */
static inline int sabuf_deadline_at(struct sabuf_deadline *d, clockid_t clock,
				    const struct timespec *abstime)
{
	if (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME)
		return -EINVAL;
	if (!abstime || abstime->tv_nsec < 0 ||
	    abstime->tv_nsec >= SABUF_NSEC_PER_SEC)
		return -EINVAL;
	d->clock = clock;
	if (abstime->tv_sec < 0 ||
	    (abstime->tv_sec == 0 && abstime->tv_nsec == 0)) {
		/* long past; and the kernel would read a time <= 0 as "none" */
		d->kind = SABUF_DEADLINE_NOW;
		d->at_ns = 0;
		return 0;
	}
	d->kind = SABUF_DEADLINE_AT;
	if ((int64_t)abstime->tv_sec >
	    (INT64_MAX - abstime->tv_nsec) / SABUF_NSEC_PER_SEC)
		d->at_ns = INT64_MAX;	/* past the year 2262: saturate */
	else
		d->at_ns = (int64_t)abstime->tv_sec * SABUF_NSEC_PER_SEC +
			   abstime->tv_nsec;
	return 0;
}

static inline bool sabuf_deadline_is_now(const struct sabuf_deadline *d)
{
	return d->kind == SABUF_DEADLINE_NOW;
}

#endif /* SABUF_DEADLINE_H */
