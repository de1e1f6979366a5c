// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Robustness for sabuf_mutex_t (mutex.c has the word's states).
 *
 * Owner ids. A mutex word names its holder by an id the kernel hands out
 * (SABUF_IOC_ROBUST_REGISTER), not by a TID: ids are unique across PID
 * namespaces and not reused for 2^30 registrations, and the kernel knows
 * whose they are, so it can tell a waiter that the holder died. Each
 * thread registers once, on its first lock, and keeps the id in
 * thread-local storage; a fork child's thread is someone else, so a fork
 * handler bumps a generation number that makes every cached id stale
 * there (without a getpid() system call on the fast path).
 *
 * Who notices a death:
 *  - the holder's process dies, or execs: the kernel (the flush of the
 *    process's sabuf files), which wakes the robust sleepers at once; a
 *    later locker's robust wait fails with EOWNERDEAD without sleeping;
 *  - the holding thread exits alone (pthread_exit, or returning from its
 *    start routine): the thread-specific-data destructor below releases
 *    what it still holds as "owner died" (no owner, OWNER_DIED set) and
 *    wakes one sleeper; a thread that ends without running destructors
 *    (a raw exit system call) is caught by the kernel's liveness check at
 *    the next robust wait instead.
 * Death at any point of lock or unlock is covered because detection looks
 * at the id in the word, not at a list: between a successful CAS and the
 * list update, the word already names the dead owner (no list_op_pending
 * needed); unlock clears the word before it notifies, and a sleeper whose
 * holder dies between the two is woken by the kernel (process death) or
 * by the destructor (thread exit).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/sabuf.h>

#include "robust.h"

/* See robust.h: this thread's owner id and held mutexes; the fork generation. */
__thread struct sabuf_thread_state sabuf_self __attribute__((tls_model("initial-exec")));
unsigned int sabuf_fork_gen;		/* bumped in a fork child */
static pthread_key_t exit_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_err;

static void after_fork_in_child(void)
{
	/* Only this thread survives, and it is not the one that held. */
	sabuf_fork_gen++;
	sabuf_self.nr = 0;
}

static void thread_exit(void *arg);

static void init_once(void)
{
	once_err = pthread_key_create(&exit_key, thread_exit);
	if (!once_err)
		once_err = pthread_atfork(NULL, NULL, after_fork_in_child);
}

int sabuf_owner_id_slow(struct sabuf *sb)
{
	struct sabuf_robust args = { 0 };
	int id;

	pthread_once(&once, init_once);
	if (once_err)
		return -once_err;
	id = ioctl(sb->fd, SABUF_IOC_ROBUST_REGISTER, &args);
	if (id < 0)
		return -errno;
	sabuf_self.id = id;
	sabuf_self.gen = __atomic_load_n(&sabuf_fork_gen, __ATOMIC_RELAXED);
	sabuf_self.nr = 0;
	/* non-NULL, so that thread_exit() runs for this thread */
	pthread_setspecific(exit_key, &sabuf_self);
	return id;
}

int sabuf_held_add_slow(struct sabuf *sb, sabuf_mutex_t *m)
{
	if (!sabuf_self.held) {
		sabuf_self.held = sabuf_self.inline_held;
		sabuf_self.cap = SABUF_HELD_INLINE;
	}
	if (sabuf_self.nr == sabuf_self.cap) {
		struct sabuf_held *more = malloc(2 * sabuf_self.cap * sizeof(*more));

		if (!more)
			return -ENOMEM;
		for (unsigned int i = 0; i < sabuf_self.nr; i++)
			more[i] = sabuf_self.held[i];
		if (sabuf_self.held != sabuf_self.inline_held)
			free(sabuf_self.held);
		sabuf_self.held = more;
		sabuf_self.cap *= 2;
	}
	sabuf_self.held[sabuf_self.nr++] = (struct sabuf_held){ sb, m };
	return 0;
}

void sabuf_held_remove_slow(sabuf_mutex_t *m)
{
	/* usually the last one locked */
	for (unsigned int i = sabuf_self.nr; i-- > 0;) {
		if (sabuf_self.held[i].m == m) {
			sabuf_self.held[i] = sabuf_self.held[--sabuf_self.nr];
			return;
		}
	}
}

/*
 * Thread exit with mutexes held: each becomes "owner died, no owner", so
 * that the next locker takes it with EOWNERDEAD; one sleeper is woken.
 */
static void thread_exit(void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < sabuf_self.nr; i++) {
		sabuf_mutex_t *m = sabuf_self.held[i].m;
		int32_t s = sabuf_load(&m->state);

		while (((uint32_t)s & SABUF_ROBUST_ID_MASK) == sabuf_self.id) {
			/* keep CONTENDED: it tells the next holder to wake the rest */
			int32_t was = sabuf_compare_exchange(&m->state, s,
							     (int32_t)(SABUF_MUTEX_OWNER_DIED_ |
								       ((uint32_t)s & SABUF_MUTEX_CONTENDED_)));
			if (was == s) {
				sabuf_notify(sabuf_self.held[i].sb, &m->state, 1);
				break;
			}
			s = was;
		}
	}
	sabuf_self.nr = 0;
	if (sabuf_self.held != sabuf_self.inline_held)
		free(sabuf_self.held);
	sabuf_self.held = NULL;
	sabuf_self.id = 0;
}

int sabuf_robust_wait(struct sabuf *sb, sabuf_mutex_t *m, uint32_t expected,
		      const struct sabuf_deadline *deadline)
{
	uint64_t offset;
	const bool forever = deadline->kind == SABUF_DEADLINE_FOREVER;
	struct sabuf_wait wait = {
		.expected = expected,
		/* NOW: a deadline long past, so the kernel still checks the
		 * word and the owner, then says ETIMEDOUT without sleeping */
		.timeout_ns = forever ? -1 :
			      deadline->kind == SABUF_DEADLINE_AT ? deadline->at_ns : 0,
		/* absolute: an SA_RESTART restart keeps the deadline; HANDON:
		 * a sleeper picked and then killed passes the wake-up on */
		.flags = SABUF_WAIT_SIZE_U32 | SABUF_WAIT_ROBUST | SABUF_WAIT_HANDON |
			 (forever ? 0 : SABUF_WAIT_ABSTIME),
		.clockid = (uint32_t)deadline->clock,
	};
	int ret = sabuf_word_offset(sb, &m->state, sizeof(m->state), &offset);

	if (ret)
		return ret;
	wait.offset = offset;
	if (ioctl(sb->fd, SABUF_IOC_WAIT, &wait) == 0 || errno == EAGAIN)
		return 0;
	return -errno;
}
