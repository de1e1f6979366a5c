// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_cond: a condition variable as one sequence word.
 *
 * wait reads the sequence while it still holds the mutex, unlocks, and
 * sleeps only while the sequence is unchanged. A signal bumps the sequence
 * and then notifies. A signal that lands between the unlock and the sleep
 * has already changed the word, so the sleep returns "not-equal" at once:
 * no signal is lost. (Any signal sent after the waiter's predicate check
 * was made under the mutex bumps the sequence after the waiter read it.)
 *
 * Like pthread_cond_wait(), a return does not promise the predicate holds:
 * callers loop on it. The waiter relocks the mutex as "contended", because
 * other woken waiters may sleep on it and must be woken by our unlock.
 * The sequence wraps after 2^32 signals; a waiter would have to sleep
 * through exactly that many to miss one.
 */
#include <errno.h>

#include "internal.h"

static int check_word(struct sabuf *sb, const int32_t *word)
{
	uint64_t offset;

	return sabuf_word_offset(sb, word, sizeof(*word), &offset);
}

static int wait_until(struct sabuf *sb, sabuf_cond_t *c, sabuf_mutex_t *m,
		      int64_t timeout_ns)
{
	const struct sabuf_deadline forever = { .forever = true };
	struct sabuf_deadline deadline;
	int32_t seq;
	int ret, slept;

	ret = check_word(sb, &c->seq);
	if (!ret)
		ret = check_word(sb, &m->state);
	if (ret)
		return ret;
	deadline = sabuf_deadline_in(timeout_ns);
	seq = sabuf_load(&c->seq);		/* under the mutex */
	ret = sabuf_mutex_unlock(sb, m);
	if (ret)
		return ret;			/* -EPERM: it was not held */
	/* one sleep: "ok", "not-equal" and -EINTR all return to the caller,
	 * who rechecks the predicate (-EINTR reads as a spurious wake-up) */
	slept = sabuf_wait32(sb, &c->seq, seq, sabuf_deadline_left(&deadline));
	/* the mutex is held again on every return, timeout included (the
	 * addresses were checked above, so relocking cannot fail) */
	ret = sabuf_mutex_lock_contended(sb, m, &forever);
	if (ret)
		return ret;
	return slept == SABUF_TIMED_OUT ? -ETIMEDOUT : 0;
}

SABUF_EXPORT int sabuf_cond_wait(struct sabuf *sb, sabuf_cond_t *c,
				 sabuf_mutex_t *m)
{
	return wait_until(sb, c, m, SABUF_FOREVER);
}

SABUF_EXPORT int sabuf_cond_timedwait(struct sabuf *sb, sabuf_cond_t *c,
				      sabuf_mutex_t *m, int64_t timeout_ns)
{
	return wait_until(sb, c, m, timeout_ns);
}

static int wake(struct sabuf *sb, sabuf_cond_t *c, unsigned int count)
{
	int ret = check_word(sb, &c->seq);

	if (ret)
		return ret;
	sabuf_add(&c->seq, 1);
	/* skips the system call when nobody sleeps on the sequence */
	ret = sabuf_notify(sb, &c->seq, count);
	return ret < 0 ? ret : 0;
}

SABUF_EXPORT int sabuf_cond_signal(struct sabuf *sb, sabuf_cond_t *c)
{
	return wake(sb, c, 1);
}

SABUF_EXPORT int sabuf_cond_broadcast(struct sabuf *sb, sabuf_cond_t *c)
{
	return wake(sb, c, SABUF_ALL);
}
