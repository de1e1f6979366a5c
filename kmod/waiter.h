/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiter kinds: what sits in an index's FIFO queue (waitwake.c).
 *
 * Every kind of waiter is one struct sabuf_sleeper with one or more
 * entries (struct sabuf_waiter), each queued on one index's queue:
 *
 *   a blocking wait      a sleeper on the waiting task's stack, one entry;
 *   a wait on any of N   a sleeper on the task's stack, N entries (waitwake.c);
 *   an asynchronous wait a sleeper inside a heap object of its waitset
 *                        (waitset.c), one entry, @task NULL: no task
 *                        sleeps; a notify that picks it settles it into
 *                        its waitset instead of waking a task.
 *
 * Exactly one party claims a sleeper, with a compare-and-swap of @state
 * from QUEUED: a notifier (-> PICKED, under the bucket lock of the entry
 * it picks; it counts the sleeper and names the entry in @which), or the
 * sleeper's own side on its way out (-> LEAVING: a timeout, a signal, a
 * cancel, a dead owner, a word that differed). Whoever loses the claim
 * leaves the entries alone. An entry is linked and unlinked only under
 * its queue's bucket lock. The ordering proof (labels (A)-(D)) is at the
 * top of waitwake.c; every kind follows it.
 */
#ifndef SABUF_WAITER_H
#define SABUF_WAITER_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/types.h>

struct task_struct;
struct sabuf_queue;

enum sabuf_sleeper_kind {
	SABUF_SLEEPER_WAIT,		/* SABUF_IOC_WAIT, NOTIFY_WAIT: a task, one entry */
	SABUF_SLEEPER_ANY,		/* SABUF_IOC_WAIT_ANY: a task, N entries */
	SABUF_SLEEPER_ASYNC,		/* a waitset's wait: no task, one entry */
};

struct sabuf_sleeper {
	struct task_struct *task;	/* NULL for SABUF_SLEEPER_ASYNC */
	int state;			/* SABUF_WAITER_* */
	u32 which;			/* the entry a notify picked, set before (C) */
	u32 kind;			/* enum sabuf_sleeper_kind, constant */
	bool robust;			/* a SABUF_WAIT_ROBUST wait (introspection), constant */
};

/* waitset.c: the process that added an asynchronous wait (SABUF_SLEEPER_ASYNC). */
struct pid *sabuf_async_adder(const struct sabuf_sleeper *sl);

/*
 * The sleeper of a task's own wait (SABUF_SLEEPER_WAIT or _ANY), on its
 * stack, with what its sabuf_wait_end event reports (trace.h): the
 * notifier fills @waker and @woken_at before its (C), and only while that
 * event is enabled (an asynchronous wait's sleeper has no such tail).
 */
struct sabuf_task_sleeper {
	struct sabuf_sleeper sl;
	pid_t waker;			/* the notifier's TID */
	u64 woken_at;			/* local_clock() at its (C) */
};

/* One place in one FIFO queue. */
struct sabuf_waiter {
	struct list_head node;		/* in queue->waiters, or a notifier's list */
	struct sabuf_queue *queue;	/* while queued */
	struct sabuf_sleeper *sleeper;
	u32 index;			/* which item of a wait-any it is (0 otherwise) */
	u64 ticket;			/* its bucket's ticket when queued (waitwake.c, (E)) */
};

enum {
	SABUF_WAITER_QUEUED,		/* every entry on its queue */
	SABUF_WAITER_PICKED,		/* claimed by a notifier, which unlinked its entry */
	SABUF_WAITER_WOKEN,		/* the notifier is done with us (C) */
	SABUF_WAITER_LEAVING,		/* claimed by the sleeper's own side */
};

/* Claim @s for its own exit: false when a notifier got it first. */
static inline bool sabuf_sleeper_claim(struct sabuf_sleeper *s)
{
	return cmpxchg(&s->state, SABUF_WAITER_QUEUED, SABUF_WAITER_LEAVING) ==
	       SABUF_WAITER_QUEUED;
}

#endif /* SABUF_WAITER_H */
