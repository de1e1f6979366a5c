// SPDX-License-Identifier: GPL-2.0
/*
 * Robust ownership: who holds a libsabuf mutex, and whether that owner is
 * still alive. This file owns the owner registry; waitwake.c asks it about
 * owners when a SABUF_WAIT_ROBUST waiter sleeps.
 *
 * A thread that locks robust mutexes registers once
 * (SABUF_IOC_ROBUST_REGISTER) and gets an owner id, 1 .. SABUF_ROBUST_ID_MAX,
 * which libsabuf stores in the mutex word. Ids are the kernel's, so they
 * mean the same in every PID namespace, and one is not handed out again
 * until 2^30 registrations later (a TID could be reused at once).
 *
 * An owner is dead when
 *  - its thread is gone or exiting (PF_EXITING), or
 *  - its process is exiting or exec'ing: seen when its address space is
 *    torn down with a buffer mapped (exit_mmap(), the earliest point) or
 *    when its sabuf files are flushed (exit_files() or close-on-exec),
 *    which also wakes every robust waiter sleeping on that owner at once, or
 *  - its id is unknown (never registered, or forgotten: see below).
 * A thread that exits without its process (pthread_exit) is handled by
 * libsabuf itself, which releases what it holds as "owner died".
 *
 * Forgetting: the entries of a process go when it exits or execs (flush);
 * entries of threads that exited earlier are swept a few at a time on each
 * registration, so the registry stays as large as the live owners.
 *
 * Locks: sabuf_owners (xarray) serializes insertion and removal with its
 * own lock; lookups run under RCU and take a reference (@ref). @dead is
 * set once, then @wq woken (wait queue's own lock); sleepers recheck @dead
 * after set_current_state(), so none misses it.
 */
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "sabuf.h"

struct sabuf_owner {
	u32 id;
	struct pid *thread;		/* the registered thread */
	struct pid *tgid;		/* its thread group */
	bool dead;			/* set once, before @wq is woken */
	wait_queue_head_t wq;		/* robust waiters sleeping on this owner */
	refcount_t ref;			/* the registry's, and each sleeper's */
	struct rcu_head rcu;
};

static DEFINE_XARRAY_ALLOC1(sabuf_owners);
static u32 sabuf_owner_next = 1;	/* xa_alloc_cyclic's cursor */
static unsigned long sabuf_owner_sweep;	/* where the next sweep starts */

static void sabuf_owner_free(struct sabuf_owner *o)
{
	put_pid(o->thread);
	put_pid(o->tgid);
	kfree_rcu(o, rcu);
}

void sabuf_owner_put(struct sabuf_owner *o)
{
	if (refcount_dec_and_test(&o->ref))
		sabuf_owner_free(o);
}

/* Take @o out of the registry, mark it dead, wake its sleepers. */
static void sabuf_owner_kill(struct sabuf_owner *o)
{
	if (xa_cmpxchg(&sabuf_owners, o->id, o, NULL, 0) != o)
		return;		/* someone else did */
	WRITE_ONCE(o->dead, true);
	wake_up_all(&o->wq);
	sabuf_owner_put(o);	/* the registry's reference */
}

bool sabuf_owner_dead(struct sabuf_owner *o)
{
	struct task_struct *t;
	bool dead;

	if (READ_ONCE(o->dead))
		return true;
	rcu_read_lock();
	t = pid_task(o->thread, PIDTYPE_PID);
	dead = !t || (READ_ONCE(t->flags) & PF_EXITING);
	rcu_read_unlock();
	return dead;
}

/* The live-or-dead owner @id with a reference, or NULL when unknown. */
struct sabuf_owner *sabuf_owner_get(u32 id)
{
	struct sabuf_owner *o;

	if (!id || id > SABUF_ROBUST_ID_MAX)
		return NULL;
	rcu_read_lock();
	o = xa_load(&sabuf_owners, id);
	if (o && !refcount_inc_not_zero(&o->ref))
		o = NULL;
	rcu_read_unlock();
	return o;
}

/* Forget a few owners whose thread is gone, from where the last sweep stopped. */
static void sabuf_owners_sweep(unsigned int budget)
{
	unsigned long index = sabuf_owner_sweep;
	struct sabuf_owner *o;

	while (budget--) {
		rcu_read_lock();
		o = xa_find(&sabuf_owners, &index, ULONG_MAX, XA_PRESENT);
		if (o && !refcount_inc_not_zero(&o->ref))
			o = NULL;
		rcu_read_unlock();
		if (!o) {
			index = 0;	/* wrap around next time */
			break;
		}
		if (sabuf_owner_dead(o))
			sabuf_owner_kill(o);
		sabuf_owner_put(o);
		index++;
	}
	WRITE_ONCE(sabuf_owner_sweep, index);
}

long sabuf_ioctl_robust_register(const struct sabuf_robust *args)
{
	struct xa_limit limit = XA_LIMIT(1, SABUF_ROBUST_ID_MAX);
	struct sabuf_owner *o;
	int ret;

	if (args->flags & ~SABUF_ROBUST_FLAGS_VALID || args->reserved)
		return -EINVAL;
	sabuf_owners_sweep(4);
	o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	if (!o)
		return -ENOMEM;
	o->thread = get_pid(task_pid(current));
	o->tgid = get_pid(task_tgid(current));
	init_waitqueue_head(&o->wq);
	refcount_set(&o->ref, 1);
	/* o->id is written before o can be found by it. */
	ret = xa_alloc_cyclic(&sabuf_owners, &o->id, o, limit, &sabuf_owner_next, GFP_KERNEL);
	if (ret < 0) {
		put_pid(o->thread);
		put_pid(o->tgid);
		kfree(o);
		return ret == -EBUSY ? -EAGAIN : ret;	/* -EBUSY: 2^30 live owners */
	}
	return o->id;
}

/*
 * A sabuf file is closed by an exiting or exec'ing process: every owner of
 * that process is dead (its threads are gone or going). Called from
 * fops->flush, where current is the closing task.
 */
void sabuf_owners_process_gone(void)
{
	struct pid *tgid = task_tgid(current);
	unsigned long index = 0;
	struct sabuf_owner *o;

	if (!(current->flags & PF_EXITING) && !current->in_execve)
		return;
	for (;;) {
		rcu_read_lock();
		o = xa_find(&sabuf_owners, &index, ULONG_MAX, XA_PRESENT);
		if (o && !refcount_inc_not_zero(&o->ref))
			o = NULL;
		rcu_read_unlock();
		if (!o)
			break;
		if (o->tgid == tgid)
			sabuf_owner_kill(o);
		sabuf_owner_put(o);
		index++;
		cond_resched();
	}
}

/* Sleep on @o's queue too, so that its process's end wakes us. */
void sabuf_owner_watch(struct sabuf_owner *o, struct wait_queue_entry *wqe)
{
	init_waitqueue_entry(wqe, current);
	add_wait_queue(&o->wq, wqe);
}

void sabuf_owner_unwatch(struct sabuf_owner *o, struct wait_queue_entry *wqe)
{
	remove_wait_queue(&o->wq, wqe);
}

void sabuf_robust_exit(void)
{
	unsigned long index;
	struct sabuf_owner *o;

	xa_for_each(&sabuf_owners, index, o) {
		xa_erase(&sabuf_owners, index);
		sabuf_owner_put(o);
	}
	rcu_barrier();	/* kfree_rcu of owners done before the module goes */
	xa_destroy(&sabuf_owners);
}
