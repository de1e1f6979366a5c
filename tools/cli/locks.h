/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `sabuf locks`: every contended robust mutex the caller may see (a word
 * some thread sleeps on with SABUF_WAIT_ROBUST), and the deadlocks among
 * them: cycles of threads, each asleep on a mutex held by the next.
 */
#ifndef SABUF_CLI_LOCKS_H
#define SABUF_CLI_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genl.h"
#include "who.h"

/* A sleeping thread (its comm read from /proc, "" if unknown). */
struct sabuf_lock_thread {
	uint32_t tid, pid;
	char comm[SABUF_COMM_LEN];
};

/* One contended mutex: a buffer's word with robust sleepers. */
struct sabuf_lock {
	uint64_t id;			/* the buffer */
	char name[256];			/* its name, "" if anonymous */
	uint64_t offset;
	struct sabuf_owner_stat owner;	/* as the word names it now */
	struct sabuf_lock_thread *sleepers;	/* FIFO order */
	size_t nr_sleepers, sleepers_capacity;
};

/* One deadlock: threads[i] sleeps on locks[lock[i]], held by threads[i + 1] (cyclically). */
struct sabuf_deadlock {
	struct sabuf_lock_thread *threads;
	size_t *lock;
	size_t n;
};

struct sabuf_locks {
	struct sabuf_lock *locks;	/* by buffer id, then offset */
	size_t nr_locks, locks_capacity;
	struct sabuf_deadlock *deadlocks;
	size_t nr_deadlocks, deadlocks_capacity;
};

/*
 * Every contended mutex of every buffer the caller may see, and the
 * deadlocks among them. 0 or -errno. *@inconsistent: buffers kept coming
 * and going while they were listed (as for `sabuf list`).
 */
int sabuf_locks_get(struct genl_conn *c, struct sabuf_locks *out, bool *inconsistent);
void sabuf_locks_free(struct sabuf_locks *l);

/* The deadlocks among @l's locks, into l->deadlocks (exposed for tests). 0 or -ENOMEM. */
int sabuf_locks_find_deadlocks(struct sabuf_locks *l);

#endif /* SABUF_CLI_LOCKS_H */
