// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_mutex_t: robust and error-checking, zero-fill-valid, one atomic
 * and no system call when uncontended.
 *
 * The word (robust.h has the bit values):
 *
 *   0                         unlocked (a zero-filled buffer holds unlocked mutexes)
 *   id                        held by owner id, nobody sleeps
 *   id | CONTENDED            held, somebody may sleep: unlock notifies
 *   id | OWNER_DIED [| C]     held by id, who took it over from a dead owner
 *                             and has not called sabuf_mutex_consistent()
 *   OWNER_DIED [| C]          no owner: a 0.2 holder thread exited holding it
 *                             (0.3 leaves a dead thread's id in the word: the
 *                             kernel reports it dead)
 *   NOTRECOVERABLE            unlocked without being made consistent: dead
 *
 * Lock: CAS 0 -> id. Else, if the holder is us: -EDEADLK. Else set
 * CONTENDED and sleep in a robust wait (robust.c), which returns
 * -EOWNERDEAD instead of sleeping when the id in the word is dead, and
 * wakes a sleeper when the holder's process dies; then the locker CASes
 * the word it saw into id | OWNER_DIED and returns -EOWNERDEAD holding the
 * mutex. A caller that slept takes the mutex as CONTENDED (others may still
 * sleep), as in Drepper's "Futexes Are Tricky".
 *
 * Unlock: only the holder (-EPERM otherwise). With OWNER_DIED still set
 * the mutex becomes NOTRECOVERABLE and every sleeper is woken to learn it.
 * Else exchange with 0 and notify one sleeper; the notify skips the system
 * call when the kernel's waiter counter says nobody sleeps, so CONTENDED
 * only decides what a relocking sleeper writes, never whether a wake-up
 * happens (a picked sleeper killed before it took the mutex cannot strand
 * the others).
 *
 * Race analysis (death at every point) is at the top of robust.c; the
 * no-lost-wake-up argument is the kernel's (kmod/waitwake.c): a sleeper
 * sets CONTENDED before it sleeps on the word it CASed, and the kernel
 * compares the word under the queue lock.
 */
#include <errno.h>

#include <linux/sabuf.h>

#include "deadline.h"
#include "internal.h"
#include "robust.h"

#define ID_MASK		SABUF_MUTEX_ID_MASK_
#define CONTENDED	SABUF_MUTEX_CONTENDED_
#define OWNER_DIED	SABUF_MUTEX_OWNER_DIED_
#define NOTRECOVERABLE	SABUF_MUTEX_NOTRECOVERABLE_

static int check_mutex(struct sabuf *sb, sabuf_mutex_t *m)
{
	uint64_t offset;

	return sabuf_writable_word(sb, &m->state, sizeof(m->state), &offset);
}

static uint32_t load(sabuf_mutex_t *m)
{
	return (uint32_t)sabuf_load(&m->state);
}

static bool cas(sabuf_mutex_t *m, uint32_t old, uint32_t new)
{
	return (uint32_t)sabuf_compare_exchange(&m->state, (int32_t)old, (int32_t)new) == old;
}

/*
 * The slow path. @slept: the caller already slept on this mutex (cond
 * relocks that way), so take it as CONTENDED. @how: BLOCK sleeps (up to
 * the deadline); TRY (trylock, -EBUSY) and NOW (a timeout <= 0,
 * -ETIMEDOUT) never sleep: one robust wait with a past deadline learns
 * whether the holder is dead.
 * 0 or -EOWNERDEAD with the mutex held; else -EDEADLK, -ENOTRECOVERABLE,
 * -ETIMEDOUT, -EBUSY (try), -EINVAL (a corrupt word), -errno.
 */
enum how { BLOCK, TRY, NOW };

static int lock_slow(struct sabuf *sb, sabuf_mutex_t *m, uint32_t id,
		     const struct sabuf_deadline *deadline, bool slept, enum how how)
{
	const bool try = how != BLOCK;
	const struct sabuf_deadline now = { .kind = SABUF_DEADLINE_NOW, .clock = CLOCK_MONOTONIC };

	for (;;) {
		uint32_t s = load(m), owner = s & ID_MASK;
		int ret;

		if (s == 0) {
			if (cas(m, 0, id | (slept ? CONTENDED : 0)))
				return 0;
			continue;
		}
		if (s == NOTRECOVERABLE)
			return -ENOTRECOVERABLE;
		if (owner == id)
			return how == TRY ? -EBUSY : -EDEADLK;	/* trylock: EBUSY, as POSIX's */
		if (owner == 0) {
			if (!(s & OWNER_DIED))
				return -EINVAL;		/* not a state we ever write */
			/*
			 * Released by a 0.2 thread that exited holding it.
			 * Keep CONTENDED if others may sleep: the bit, or we
			 * slept (its destructor woke only us).
			 */
			if (cas(m, s, id | OWNER_DIED | (slept ? CONTENDED : s & CONTENDED)))
				return -EOWNERDEAD;
			continue;
		}
		if (!(s & CONTENDED)) {
			if (!cas(m, s, s | CONTENDED))
				continue;
			s |= CONTENDED;
		}
		ret = sabuf_robust_wait(sb, m, s, try ? &now : deadline);
		if (ret == -EOWNERDEAD) {
			/* the holder is dead: take the word over as we saw it */
			if (cas(m, s, id | OWNER_DIED | CONTENDED))
				return -EOWNERDEAD;
			continue;
		}
		if (ret == -ETIMEDOUT)
			return how == TRY ? -EBUSY : -ETIMEDOUT;
		if (ret && ret != -EINTR)	/* a mutex does not fail on signals */
			return ret;
		slept = true;
	}
}

int sabuf_mutex_lock_contended(struct sabuf *sb, sabuf_mutex_t *m,
			       const struct sabuf_deadline *deadline)
{
	int id = sabuf_owner_id(sb);

	if (id < 0)
		return id;
	return lock_slow(sb, m, id, deadline, true, BLOCK);
}

/* inlined into each caller: the uncontended path builds no deadline */
static inline __attribute__((always_inline)) int lock_until(struct sabuf *sb, sabuf_mutex_t *m, const struct sabuf_deadline *deadline,
		      enum how how)
{
	int id, ret = check_mutex(sb, m);

	if (ret)
		return ret;
	id = sabuf_owner_id(sb);
	if (id < 0)
		return id;
	if (cas(m, 0, id))
		return 0;	/* uncontended: no system call */
	return lock_slow(sb, m, id, deadline, false, how);
}

SABUF_EXPORT int sabuf_mutex_lock(struct sabuf *sb, sabuf_mutex_t *m)
{
	const struct sabuf_deadline forever = sabuf_deadline_forever();

	return lock_until(sb, m, &forever, BLOCK);
}

SABUF_EXPORT int sabuf_mutex_timedlock(struct sabuf *sb, sabuf_mutex_t *m,
				       int64_t timeout_ns)
{
	/* a clock is read only here, not on the fast path of lock */
	struct sabuf_deadline deadline = sabuf_deadline_in(timeout_ns);

	/* ECMAScript: a timeout <= 0 never sleeps */
	return lock_until(sb, m, &deadline, sabuf_deadline_is_now(&deadline) ? NOW : BLOCK);
}

SABUF_EXPORT int sabuf_mutex_clocklock(struct sabuf *sb, sabuf_mutex_t *m,
				       clockid_t clock, const struct timespec *abstime)
{
	struct sabuf_deadline deadline;
	int ret = sabuf_deadline_at(&deadline, clock, abstime);

	if (ret)
		return ret;
	return lock_until(sb, m, &deadline, sabuf_deadline_is_now(&deadline) ? NOW : BLOCK);
}

SABUF_EXPORT int sabuf_mutex_trylock(struct sabuf *sb, sabuf_mutex_t *m)
{
	const struct sabuf_deadline forever = sabuf_deadline_forever();

	return lock_until(sb, m, &forever, TRY);
}

SABUF_EXPORT int sabuf_mutex_unlock(struct sabuf *sb, sabuf_mutex_t *m)
{
	uint64_t offset;
	int ret = sabuf_writable_word(sb, &m->state, sizeof(m->state), &offset);
	uint32_t s, id;

	if (ret)
		return ret;
	/* a thread without an id in this process holds nothing: no need
	 * to register one just to say -EPERM */
	id = sabuf_owner_id_cached();
	s = load(m);
	if (id == 0 || s == NOTRECOVERABLE || (s & ID_MASK) != id)
		return -EPERM;			/* not held by this thread */
	if (s & OWNER_DIED) {
		/* never made consistent: nobody can use it any more */
		sabuf_exchange(&m->state, (int32_t)NOTRECOVERABLE);
		ret = sabuf_notify(sb, &m->state, SABUF_ALL);
		return ret < 0 ? ret : 0;
	}
	sabuf_exchange(&m->state, 0);	/* a full barrier: (B) of kmod/waitwake.c */
	/*
	 * Wake one sleeper whenever the kernel counts one on this word, not
	 * only when CONTENDED says so: a sleeper that was picked by an
	 * unlock and then killed before it took the mutex leaves CONTENDED
	 * unset under a new holder, and the others would sleep on. The
	 * notify's fast path makes this free when nobody sleeps (a fence and
	 * a load of the kernel's counter, no system call).
	 */
	if (sabuf_counter_is_zero(sb, offset))
		return 0;			/* nobody sleeps: no system call */
	ret = sabuf_notify_in_kernel(sb, offset, 1);
	return ret < 0 ? ret : 0;
}

bool sabuf_mutex_is_mine(sabuf_mutex_t *m)
{
	uint32_t id = sabuf_owner_id_cached(), s = load(m);

	return id != 0 && s != NOTRECOVERABLE && (s & ID_MASK) == id;
}

SABUF_EXPORT int sabuf_mutex_consistent(struct sabuf *sb, sabuf_mutex_t *m)
{
	int ret = check_mutex(sb, m);
	uint32_t s, id;

	if (ret)
		return ret;
	id = sabuf_owner_id_cached();
	s = load(m);
	if (id == 0 || (s & ID_MASK) != id || s == NOTRECOVERABLE || !(s & OWNER_DIED))
		return -EINVAL;
	sabuf_and(&m->state, (int32_t)~OWNER_DIED);	/* CONTENDED may change meanwhile */
	return 0;
}
