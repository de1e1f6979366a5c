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
 *
 * Errors: -EBADF on a read-only handle; -EPERM when the caller does not
 * hold the mutex, checked before anything else (0.2 said -ETIMEDOUT for a
 * timeout <= 0 there); -ETIMEDOUT when the deadline passed (a timeout <= 0
 * returns it at once, without unlocking); -EINTR from the sleep reads as a spurious
 * wake-up (0); any other error of the sleep is returned, after the mutex
 * is held again. A signal whose waiter is killed after the notify picked
 * it is handed on by the kernel when it can (SABUF_SLEEP_HANDON); one
 * whose waiter is cancelled, by the cleanup handler below.
 */
#include <errno.h>
#include <pthread.h>

#include "internal.h"
#include "wait.h"

/* Every call here writes (a wait unlocks and relocks the mutex): -EBADF
 * on a read-only handle. */
static int check_word(struct sabuf *sb, const int32_t *word)
{
	uint64_t offset;

	return sabuf_writable_word(sb, word, sizeof(*word), &offset);
}

struct cond_sleep {
	struct sabuf *sb;
	sabuf_cond_t *cond;
	sabuf_mutex_t *mutex;
	int32_t seq;
};

/*
 * Cancelled in its sleep (a cancellation point, as pthread_cond_wait()).
 * A signal sent since we read the sequence may have picked us, and a
 * cancelled waiter must not consume it while others sleep: pass one
 * wake-up on (at worst a spurious one for its receiver, which rechecks
 * its predicate). Then take the mutex again, so the caller's cleanup
 * handlers run with it held, as POSIX has it for condition variables.
 */
static void cond_cancelled(void *arg)
{
	struct sabuf_deadline forever = sabuf_deadline_forever();
	struct cond_sleep *sl = arg;

	if (sabuf_load(&sl->cond->seq) != sl->seq)
		sabuf_notify(sl->sb, &sl->cond->seq, 1);
	sabuf_mutex_lock_contended(sl->sb, sl->mutex, &forever);
}

static int wait_until(struct sabuf *sb, sabuf_cond_t *c, sabuf_mutex_t *m,
		      const struct sabuf_deadline *deadline)
{
	struct sabuf_deadline forever = sabuf_deadline_forever();
	struct cond_sleep sl = { sb, c, m, 0 };
	int ret, slept;

	/* ownership first, whatever the timeout (contract 0.3) */
	if (!sabuf_mutex_is_mine(m))
		return -EPERM;
	if (sabuf_deadline_is_now(deadline))
		return -ETIMEDOUT;	/* never sleeps; the mutex stays held */
	sl.seq = sabuf_load(&c->seq);		/* under the mutex */
	ret = sabuf_mutex_unlock(sb, m);
	if (ret)
		return ret;			/* cannot fail: it is held */
	/* one sleep: "ok", "not-equal" and -EINTR all return to the caller,
	 * who rechecks the predicate (-EINTR reads as a spurious wake-up) */
	pthread_cleanup_push(cond_cancelled, &sl);
	slept = sabuf_sleep(sb, &c->seq, sl.seq, sizeof(c->seq), deadline,
			    SABUF_SLEEP_CANCEL | SABUF_SLEEP_HANDON);
	pthread_cleanup_pop(0);
	/* the mutex is held again on every return, timeout and errors
	 * included (the addresses were checked, so relocking cannot fail
	 * on them) */
	ret = sabuf_mutex_lock_contended(sb, m, &forever);
	if (ret)
		return ret;
	if (slept == SABUF_TIMED_OUT)
		return -ETIMEDOUT;
	if (slept < 0 && slept != -EINTR)
		return slept;		/* the kernel refused the wait */
	return 0;
}

static int check_both(struct sabuf *sb, sabuf_cond_t *c, sabuf_mutex_t *m)
{
	int ret = check_word(sb, &c->seq);

	return ret ? ret : check_word(sb, &m->state);
}

SABUF_EXPORT int sabuf_cond_wait(struct sabuf *sb, sabuf_cond_t *c,
				 sabuf_mutex_t *m)
{
	struct sabuf_deadline deadline = sabuf_deadline_forever();
	int ret = check_both(sb, c, m);

	return ret ? ret : wait_until(sb, c, m, &deadline);
}

SABUF_VERSION_0_2(sabuf_cond_timedwait);	/* 0.1's: compat.c */
SABUF_EXPORT int sabuf_cond_timedwait(struct sabuf *sb, sabuf_cond_t *c,
				      sabuf_mutex_t *m, int64_t timeout_ns)
{
	struct sabuf_deadline deadline;
	int ret = check_both(sb, c, m);

	if (ret)
		return ret;
	deadline = sabuf_deadline_in(timeout_ns);
	return wait_until(sb, c, m, &deadline);
}

SABUF_EXPORT int sabuf_cond_clockwait(struct sabuf *sb, sabuf_cond_t *c,
				      sabuf_mutex_t *m, clockid_t clock,
				      const struct timespec *abstime)
{
	struct sabuf_deadline deadline;
	int ret = check_both(sb, c, m);

	if (!ret)
		ret = sabuf_deadline_at(&deadline, clock, abstime);
	return ret ? ret : wait_until(sb, c, m, &deadline);
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
