/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the robust mutex needs besides the word itself (robust.c): this
 * thread's owner id from the kernel, the list of mutexes it holds (for
 * pthread_exit), and a wait that learns of the owner's death.
 */
#ifndef SABUF_ROBUST_H
#define SABUF_ROBUST_H

#include <stdint.h>

#include "deadline.h"
#include "internal.h"

/*
 * The mutex word (layout of SABUF_0.2; see mutex.c):
 *   bits 0-29  the holder's owner id; 0: none
 *   bit 30     CONTENDED: somebody may sleep on it
 *   bit 31     OWNER_DIED: taken over from a dead owner, not yet consistent
 *              (with no owner: released by a thread that exited holding it)
 *   SABUF_ROBUST_ID_MASK (no flags): not recoverable
 */
#define SABUF_MUTEX_ID_MASK_		0x3fffffffu
#define SABUF_MUTEX_CONTENDED_		0x40000000u
#define SABUF_MUTEX_OWNER_DIED_		0x80000000u
#define SABUF_MUTEX_NOTRECOVERABLE_	SABUF_MUTEX_ID_MASK_

/* This thread's state (robust.c): inline fast paths below, slow ones there. */
enum { SABUF_HELD_INLINE = 16 };
struct sabuf_held {
	struct sabuf *sb;
	sabuf_mutex_t *m;
};
struct sabuf_thread_state {
	uint32_t id;			/* 0: none yet */
	unsigned int gen;		/* sabuf_fork_gen when id was taken */
	unsigned int nr, cap;
	struct sabuf_held *held;	/* inline_held[] or malloc'ed */
	struct sabuf_held inline_held[SABUF_HELD_INLINE];
};
extern __thread struct sabuf_thread_state sabuf_self __attribute__((tls_model("initial-exec")));
extern unsigned int sabuf_fork_gen;

int sabuf_owner_id_slow(struct sabuf *sb);
int sabuf_held_add_slow(struct sabuf *sb, sabuf_mutex_t *m);
void sabuf_held_remove_slow(sabuf_mutex_t *m);

/* This thread's owner id (registering it on first use): > 0, or -errno. */
static inline int sabuf_owner_id(struct sabuf *sb)
{
	if (__builtin_expect(sabuf_self.id != 0, 1) &&
	    sabuf_self.gen == __atomic_load_n(&sabuf_fork_gen, __ATOMIC_RELAXED))
		return (int)sabuf_self.id;
	return sabuf_owner_id_slow(sb);
}

/* The mutexes this thread holds: released as "owner died" at thread exit. */
static inline int sabuf_held_add(struct sabuf *sb, sabuf_mutex_t *m)
{
	if (__builtin_expect(sabuf_self.held && sabuf_self.nr < sabuf_self.cap, 1)) {
		sabuf_self.held[sabuf_self.nr].sb = sb;
		sabuf_self.held[sabuf_self.nr++].m = m;
		return 0;
	}
	return sabuf_held_add_slow(sb, m);
}

static inline void sabuf_held_remove(sabuf_mutex_t *m)
{
	/* usually the last one locked */
	if (__builtin_expect(sabuf_self.nr && sabuf_self.held[sabuf_self.nr - 1].m == m, 1)) {
		sabuf_self.nr--;
		return;
	}
	sabuf_held_remove_slow(m);
}

/*
 * Sleep while m->state == expected, whose owner bits name the holder:
 * 0 when woken or the word changed, -EOWNERDEAD when that owner is dead,
 * -ETIMEDOUT, -EINTR, or another -errno.
 */
int sabuf_robust_wait(struct sabuf *sb, sabuf_mutex_t *m, uint32_t expected,
		      const struct sabuf_deadline *deadline);

#endif /* SABUF_ROBUST_H */
