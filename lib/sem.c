// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_sem: a counting semaphore as one word, count.
 *
 * count is the number of tokens and never goes below 0: wait takes one
 * with a compare-exchange from a positive value, or sleeps on count == 0.
 * post adds one and then calls sabuf_notify(count, 1).
 *
 * Who tells post whether anyone sleeps? Not a word of ours. Version 0.1
 * kept a `waiters` word next to count, raised by a waiter around its
 * sleep: sabuf_sem_init() zeroed it under sleepers (the next post skipped
 * its notify and they slept on), and a waiter killed in its sleep left it
 * raised for ever. The kernel already keeps the right number: the waiter
 * counters that sabuf_notify() reads on its fast path. A sleeper raises
 * its slot's counter before the kernel compares count with 0, and the
 * kernel lowers it when the sleeper leaves the queue in any way, death
 * included. The handshake is the one proved at the top of kmod/waitwake.c,
 * with count as the word:
 *
 *   waiter: counter += 1; (A) sleep only if count == 0   (in the kernel)
 *   poster: count += 1;   (B) notify only if counter != 0 (sabuf_notify)
 *
 * Either the poster sees the counter raised, or the waiter sees the token.
 * So post makes no system call when nobody sleeps, and no state of ours
 * can be left stale. `waiters` stays in the layout, unused (init writes 0).
 * (A 0.1 poster skips its notify while `waiters` is 0, so it can miss a
 * 0.2 sleeper: the man page says processes sharing a semaphore must all
 * run 0.2. Raising `waiters` for their sake would bring back both bugs.)
 *
 * Lost wake-ups, and how none strands a token while someone sleeps:
 *  - a woken waiter whose token was taken by a caller that never slept
 *    sleeps again: the token went to a caller, which is all a post owes;
 *  - init with a positive value notifies that many sleepers, so
 *    re-initialising a semaphore that has sleepers wakes them;
 *  - a waiter picked by a notify and then cancelled (pthread_cancel) before
 *    it took the token leaves the token behind: its cleanup handler
 *    notifies one more sleeper when count > 0;
 *  - a waiter picked and then killed: with SABUF_FEATURE_HANDON the kernel
 *    wakes the next sleeper in its place (SABUF_SLEEP_HANDON below).
 */
#include <errno.h>
#include <pthread.h>

#include "internal.h"
#include "wait.h"

static int check_sem(struct sabuf *sb, sabuf_sem_t *s)
{
	uint64_t offset;
	int ret;

	/* every call may write the count: -EBADF on a read-only handle */
	ret = sabuf_writable_word(sb, &s->count, sizeof(s->count), &offset);
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

struct sem_sleep {
	struct sabuf *sb;
	sabuf_sem_t *sem;
};

/*
 * Cancelled in its sleep. If a post's notify had picked us, its token is
 * still there and no other sleeper was woken for it: wake one. When no
 * notify picked us, this may wake a sleeper for a token someone else is
 * about to take; that sleeper finds none and sleeps again.
 */
static void sem_cancelled(void *arg)
{
	struct sem_sleep *sl = arg;

	if (sabuf_load(&sl->sem->count) > 0)
		sabuf_notify(sl->sb, &sl->sem->count, 1);
}

static int sem_wait_deadline(struct sabuf *sb, sabuf_sem_t *s,
			     const struct sabuf_deadline *deadline)
{
	struct sem_sleep sl = { sb, s };
	int ret;

	pthread_testcancel();	/* a cancellation point even with tokens */
	if (take_token(s) == 0)
		return 0;			/* a token was there: no syscall */
	if (sabuf_deadline_is_now(deadline))
		return -ETIMEDOUT;		/* a timeout <= 0 never sleeps */
	pthread_cleanup_push(sem_cancelled, &sl);
	for (;;) {
		ret = sabuf_sleep(sb, &s->count, 0, sizeof(s->count), deadline,
				  SABUF_SLEEP_CANCEL | SABUF_SLEEP_HANDON);
		/* try even after a timeout: a token that came at the last
		 * moment is better taken than reported as -ETIMEDOUT */
		if (take_token(s) == 0) {
			ret = 0;
			break;
		}
		if (ret == SABUF_TIMED_OUT) {
			ret = -ETIMEDOUT;
			break;
		}
		if (ret < 0)
			break;		/* -EINTR, as sem_wait(3) */
		/* woken or not-equal, but another caller got the token */
	}
	pthread_cleanup_pop(0);
	return ret;
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
	if (value == 0)
		return 0;
	/* sleepers of an earlier life would never hear of these tokens;
	 * no system call when nobody sleeps */
	ret = sabuf_notify(sb, &s->count, value);
	return ret < 0 ? ret : 0;
}

SABUF_EXPORT int sabuf_sem_wait(struct sabuf *sb, sabuf_sem_t *s)
{
	struct sabuf_deadline deadline = sabuf_deadline_forever();
	int ret = check_sem(sb, s);

	return ret ? ret : sem_wait_deadline(sb, s, &deadline);
}

SABUF_VERSION_0_2(sabuf_sem_timedwait);	/* 0.1's: compat.c */
SABUF_EXPORT int sabuf_sem_timedwait(struct sabuf *sb, sabuf_sem_t *s,
				     int64_t timeout_ns)
{
	struct sabuf_deadline deadline;
	int ret = check_sem(sb, s);

	if (ret)
		return ret;
	pthread_testcancel();
	if (take_token(s) == 0)
		return 0;		/* no clock read on the fast path */
	deadline = sabuf_deadline_in(timeout_ns);
	return sem_wait_deadline(sb, s, &deadline);
}

SABUF_EXPORT int sabuf_sem_clockwait(struct sabuf *sb, sabuf_sem_t *s,
				     clockid_t clock,
				     const struct timespec *abstime)
{
	struct sabuf_deadline deadline;
	int ret = check_sem(sb, s);

	if (!ret)
		ret = sabuf_deadline_at(&deadline, clock, abstime);
	return ret ? ret : sem_wait_deadline(sb, s, &deadline);
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
	/* no system call when the kernel counts no sleeper (see the top) */
	ret = sabuf_notify(sb, &s->count, 1);
	return ret < 0 ? ret : 0;
}
