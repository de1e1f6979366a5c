/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the robust mutex needs besides the word itself (robust.c): this
 * thread's owner id from the kernel, valid only in the process that got
 * it, and a wait that learns of the owner's death.
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
 *              (with no owner: released by a 0.2 thread that exited
 *              holding it; 0.3 never writes that state)
 *   SABUF_ROBUST_ID_MASK (no flags): not recoverable
 */
#define SABUF_MUTEX_ID_MASK_		0x3fffffffu
#define SABUF_MUTEX_CONTENDED_		0x40000000u
#define SABUF_MUTEX_OWNER_DIED_		0x80000000u
#define SABUF_MUTEX_NOTRECOVERABLE_	SABUF_MUTEX_ID_MASK_

/*
 * This thread's owner id and the process generation it was taken in
 * (robust.c). The id is valid while gen equals *sabuf_gen_word, the
 * process's generation: a word in a MADV_WIPEONFORK page, which every
 * fork child (any kind but CLONE_VM) sees as 0, a value no id is ever
 * taken in. gen starts as SABUF_GEN_NONE_, which the word never holds.
 */
#define SABUF_GEN_NONE_			0xffffffffu
struct sabuf_thread_state {
	uint32_t id;
	uint32_t gen;
};
extern __thread struct sabuf_thread_state sabuf_self __attribute__((tls_model("initial-exec")));
extern const volatile uint32_t *sabuf_gen_word;

int sabuf_owner_id_slow(struct sabuf *sb);

/* This thread's owner id in this process, or 0 if it has none yet: one
 * compare, no system call. */
static inline uint32_t sabuf_owner_id_cached(void)
{
	const volatile uint32_t *word = __atomic_load_n(&sabuf_gen_word, __ATOMIC_RELAXED);

	if (__builtin_expect(sabuf_self.gen == *word, 1))
		return sabuf_self.id;
	return 0;
}

/* This thread's owner id (registering it on first use): > 0, or -errno.
 * A generation that matches always comes with an id (robust.c). */
static inline int sabuf_owner_id(struct sabuf *sb)
{
	const volatile uint32_t *word = __atomic_load_n(&sabuf_gen_word, __ATOMIC_RELAXED);

	if (__builtin_expect(sabuf_self.gen == *word, 1))
		return (int)sabuf_self.id;
	return sabuf_owner_id_slow(sb);
}

/*
 * Sleep while m->state == expected, whose owner bits name the holder:
 * 0 when woken or the word changed, -EOWNERDEAD when that owner is dead,
 * -ETIMEDOUT, -EINTR, or another -errno.
 */
int sabuf_robust_wait(struct sabuf *sb, sabuf_mutex_t *m, uint32_t expected,
		      const struct sabuf_deadline *deadline);

#endif /* SABUF_ROBUST_H */
