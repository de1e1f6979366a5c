/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Relative timeouts that survive retries. The blocking objects (mutex,
 * cond, sem) may sleep several times in one call: a wake-up that lost the
 * race for the lock, a signal. Each call turns its relative timeout into a
 * CLOCK_MONOTONIC deadline once, then asks for what is left before every
 * sleep, so retries never stretch the caller's timeout.
 */
#ifndef SABUF_DEADLINE_H
#define SABUF_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct sabuf_deadline {
	bool forever;
	int64_t at_ns;		/* CLOCK_MONOTONIC */
};

static inline int64_t sabuf_monotonic_ns(void)
{
	struct timespec ts;

	/* cannot fail for CLOCK_MONOTONIC; the vDSO answers it, no syscall */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* timeout_ns < 0: forever, and no clock is read at all */
static inline struct sabuf_deadline sabuf_deadline_in(int64_t timeout_ns)
{
	struct sabuf_deadline d = { .forever = timeout_ns < 0, .at_ns = 0 };

	if (!d.forever) {
		int64_t now = sabuf_monotonic_ns();

		d.at_ns = timeout_ns > INT64_MAX - now ? INT64_MAX
						       : now + timeout_ns;
	}
	return d;
}

/* What is left, as a relative timeout for sabuf_wait32(): -1 forever, >= 0 */
static inline int64_t sabuf_deadline_left(const struct sabuf_deadline *d)
{
	int64_t left;

	if (d->forever)
		return -1;
	left = d->at_ns - sabuf_monotonic_ns();
	return left > 0 ? left : 0;
}

#endif /* SABUF_DEADLINE_H */
