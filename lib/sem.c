// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_sem: a counting semaphore as two words, count and waiters.
 *
 * count is the number of tokens and never goes below 0: wait takes one
 * with a compare-exchange from a positive value, or sleeps on count == 0.
 * waiters lets post skip the system call when no one is waiting. The pair
 * is a Dekker handshake, all sequentially consistent:
 *
 *   waiter: waiters += 1;  then sleep only if count == 0 (checked again
 *           by the kernel under its queue lock)
 *   poster: count += 1;    then notify only if waiters != 0
 *
 * Either the poster sees the waiter, or the waiter sees the token; both
 * missing each other would need each load to pass the other's store.
 */
#include <errno.h>

#include "internal.h"

static int check_sem(struct sabuf *sb, sabuf_sem_t *s)
{
	uint64_t offset;
	int ret;

	ret = sabuf_word_offset(sb, &s->count, sizeof(s->count), &offset);
	if (!ret)
		ret = sabuf_word_offset(sb, &s->waiters, sizeof(s->waiters),
					&offset);
	return ret;
}

/* Take a token if there is one: 0, or -EAGAIN. */
static int take_token(sabuf_sem_t *s)
{
	int32_t count = sabuf_load(&s->count);

	while (count > 0) {
		int32_t seen = sabuf_compare_exchange(&s->count, count,
						      count - 1);
		if (seen == count)
			return 0;
		count = seen;
	}
	return -EAGAIN;
}

static int wait_until(struct sabuf *sb, sabuf_sem_t *s, int64_t timeout_ns)
{
	struct sabuf_deadline deadline;
	int ret;

	ret = check_sem(sb, s);
	if (ret)
		return ret;
	if (take_token(s) == 0)
		return 0;			/* a token was there: no syscall */
	deadline = sabuf_deadline_in(timeout_ns);
	for (;;) {
		sabuf_add(&s->waiters, 1);
		ret = sabuf_wait32(sb, &s->count, 0,
				   sabuf_deadline_left(&deadline));
		sabuf_sub(&s->waiters, 1);
		/* try even after a timeout: a token that came at the last
		 * moment is better taken than reported as -ETIMEDOUT */
		if (take_token(s) == 0)
			return 0;
		if (ret == SABUF_TIMED_OUT)
			return -ETIMEDOUT;
		if (ret < 0)
			return ret;		/* -EINTR, as sem_wait(3) */
		/* woken or not-equal, but another waiter got the token */
	}
}

SABUF_EXPORT int sabuf_sem_init(struct sabuf *sb, sabuf_sem_t *s,
				unsigned int value)
{
	int ret = check_sem(sb, s);

	if (ret)
		return ret;
	if (value > INT32_MAX)
		return -EINVAL;
	sabuf_store(&s->waiters, 0);
	sabuf_store(&s->count, (int32_t)value);
	return 0;
}

SABUF_EXPORT int sabuf_sem_wait(struct sabuf *sb, sabuf_sem_t *s)
{
	return wait_until(sb, s, SABUF_FOREVER);
}

SABUF_EXPORT int sabuf_sem_timedwait(struct sabuf *sb, sabuf_sem_t *s,
				     int64_t timeout_ns)
{
	return wait_until(sb, s, timeout_ns);
}

SABUF_EXPORT int sabuf_sem_trywait(struct sabuf *sb, sabuf_sem_t *s)
{
	int ret = check_sem(sb, s);

	return ret ? ret : take_token(s);
}

SABUF_EXPORT int sabuf_sem_post(struct sabuf *sb, sabuf_sem_t *s)
{
	int32_t count;
	int ret;

	ret = check_sem(sb, s);
	if (ret)
		return ret;
	count = sabuf_load(&s->count);
	for (;;) {
		int32_t seen;

		if (count == INT32_MAX)
			return -EOVERFLOW;	/* as sem_post(3) */
		seen = sabuf_compare_exchange(&s->count, count, count + 1);
		if (seen == count)
			break;
		count = seen;
	}
	if (sabuf_load(&s->waiters) == 0)
		return 0;			/* nobody waits: no system call */
	ret = sabuf_notify(sb, &s->count, 1);
	return ret < 0 ? ret : 0;
}
