// SPDX-License-Identifier: GPL-2.0
/*
 * Robust ownership: who holds a libsabuf mutex, and whether that owner is
 * still alive. This file owns the owner registry and the hooks that see
 * threads end; waitwake.c asks it about owners when a SABUF_WAIT_ROBUST
 * waiter sleeps.
 *
 * A thread that locks robust mutexes registers (SABUF_IOC_ROBUST_REGISTER)
 * and gets an owner id, 1 .. SABUF_ROBUST_ID_MAX, which libsabuf stores in
 * the mutex word. Ids are the kernel's, so they mean the same in every PID
 * namespace, and one is not handed out again until 2^30 registrations
 * later (a TID could be reused at once). A thread may register more than
 * once; every id it got names it.
 *
 * When an owner dies (DESIGN.md, "Owner death, exactly"): when its thread
 * ends, however (return, pthread_exit, a raw SYS_exit, a fatal signal,
 * its process's exit, the other threads of an exec), and when its thread
 * calls execve successfully. Nothing else kills an owner: another thread
 * ending, a close, an unshare(CLONE_FILES), a CLONE_VM child keeping the
 * address space alive.
 *
 * How we see it. A module cannot hook the places futex's robust list is
 * processed (exit_mm_release(), exec_mm_release()). We considered:
 *  - fops->flush at exit_files() (0.2): runs per files table, not per
 *    thread; a thread with its own table (unshare) killed its whole
 *    process's owners, and an exec with no close-on-exec sabuf fd was
 *    missed entirely;
 *  - an mmu_notifier's release: per mm, late (exit_mmap) and never while
 *    a CLONE_VM child keeps the mm;
 *  - the scheduler's tracepoints sched_process_exit (do_exit() of every
 *    thread, however it ends, before exit_files()) and sched_process_exec
 *    (exec_binprm(), once the new image is committed): exactly the events
 *    of the contract, per thread. We attach probes to them
 *    (for_each_kernel_tracepoint() finds them by name, as out-of-tree
 *    tracers do; tracepoint_probe_register() attaches) at module load and
 *    detach them at unload.
 * A probe runs in the ending thread itself, in process context but with
 * preemption disabled (tracepoint probes run under RCU-sched), so it does
 * O(1) work, never sleeps and takes no spinlock_t (which sleeps on
 * PREEMPT_RT): one lockless xarray lookup of its TID in sabuf_lives (a
 * thread that never registered stops there: that is what sabuf costs
 * every other exit and exec on the system, a few loads), and for a
 * registered thread one store (@dead), the wake_up_all of the sleepers
 * watching it (not on PREEMPT_RT), an llist_add and a schedule_work().
 * The reaper (a work item) then wakes the sleepers (again), takes the
 * thread's TID and ids out of the registries and uncharges
 * max_user_owners, so an exit costs what that thread holds, never what
 * others registered. Besides, the teardown of a sabuf mapping in an
 * exiting process's exit_mmap() wakes that thread's sleepers a little
 * earlier (sabuf_owner_exiting_wake(), from mmap.c): on 6.1 the exit
 * tracepoint comes only after exit_mm().
 *
 * Objects and locks:
 *  - struct sabuf_life: one per registered thread, keyed by its global TID
 *    in sabuf_lives (xarray, own lock). Only the thread itself stores a
 *    live entry under its TID (registration); its probe marks it dead and
 *    the reaper removes it (compare-and-exchange: a later thread that got
 *    the same TID may have replaced the dead entry already, which it may
 *    do because a TID is reused only after its thread passed do_exit()).
 *    @owners (the thread's ids) is written only by the thread itself while
 *    alive and read only by the reaper after death (the llist and the work
 *    queue order the two).
 *  - struct sabuf_owner: one per id, in sabuf_owners (xarray, own lock);
 *    lookups run under RCU and take a reference (@ref). It holds its life.
 *  - @dead is set once, then the life's @wq is woken (its own lock); a
 *    thread already PF_EXITING counts as dead before its probe runs;
 *    sleepers (waitwake.c) add themselves to @wq before their first look at
 *    @dead and look again after set_current_state(), so none misses it.
 *  - sabuf_reap_list (llist) carries dead lives from probes to the reaper.
 * An id that is not in the registry is dead (never registered, or reaped).
 */
#include <linux/binfmts.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "compat.h"
#include "sabuf.h"
#include "trace.h"

/* Live owner ids per uid, root included: -ENOSPC past it (kmod/README.md). */
unsigned int sabuf_max_user_owners = 65536;

struct sabuf_life {
	pid_t tid;			/* key in sabuf_lives */
	struct pid *thread;		/* the thread (referenced) */
	bool dead;			/* set once, before @wq is woken */
	wait_queue_head_t wq;		/* robust waiters sleeping on this thread */
	struct sabuf_uid *user;		/* its uid's counts: each of its ids is charged */
	struct sabuf_owner *owners;	/* the thread's ids, newest first */
	refcount_t ref;			/* sabuf_lives' (until reaped), each owner's */
	struct llist_node reap;		/* on sabuf_reap_list once dead */
	struct rcu_head rcu;
};

struct sabuf_owner {
	u32 id;
	struct sabuf_life *life;	/* referenced */
	struct sabuf_owner *next;	/* in life->owners */
	refcount_t ref;			/* the registry's, and each sleeper's */
	struct rcu_head rcu;
};

static DEFINE_XARRAY_FLAGS(sabuf_lives, XA_FLAGS_ACCOUNT);
static DEFINE_XARRAY_FLAGS(sabuf_owners, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
static u32 sabuf_owner_next = 1;	/* xa_alloc_cyclic's cursor, under its lock */
static LLIST_HEAD(sabuf_reap_list);
static void sabuf_reap(struct work_struct *work);
static DECLARE_WORK(sabuf_reap_work, sabuf_reap);

static void sabuf_life_put(struct sabuf_life *life)
{
	if (refcount_dec_and_test(&life->ref)) {
		put_pid(life->thread);
		sabuf_uid_put(life->user);
		kfree_rcu(life, rcu);
	}
}

void sabuf_owner_put(struct sabuf_owner *o)
{
	if (refcount_dec_and_test(&o->ref)) {
		sabuf_life_put(o->life);
		kfree_rcu(o, rcu);
	}
}

/*
 * Dead once its probe ran, or as soon as its thread is exiting at all
 * (PF_EXITING comes first in do_exit(), before the kernel clears the
 * thread's TID for pthread_join(): where the exit tracepoint comes after
 * exit_mm(), as on 6.1, a joiner must not see the id alive).
 */
bool sabuf_owner_dead(struct sabuf_owner *o)
{
	struct task_struct *t;
	bool dead;

	if (READ_ONCE(o->life->dead))
		return true;
	rcu_read_lock();
	t = pid_task(o->life->thread, PIDTYPE_PID);
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

/*
 * sabuf_owner_death for each of @life's ids; @how: SABUF_TRACE_DEATH_*.
 * Only the thread itself (its probe) or the module's exit walks @owners
 * here, when the thread can register no more.
 */
static void sabuf_trace_deaths(struct sabuf_life *life, pid_t pid, u32 how)
{
	struct sabuf_owner *o;

	for (o = life->owners; o; o = o->next)
		trace_sabuf_owner_death(o->id, life->tid, pid, how);
}

/*
 * The thread @tid (of process @pid) ends or execs (@how): called by that
 * thread, from a probe (preemption off: nothing here sleeps). Kill its
 * owners and hand them to the reaper.
 */
static void sabuf_thread_gone(pid_t tid, pid_t pid, u32 how)
{
	struct sabuf_life *life;

	/*
	 * Only this thread adds its key, and only a thread that has died
	 * leaves one behind for the reaper: what we find is ours, or a
	 * previous holder's of this TID, already dead.
	 */
	rcu_read_lock();
	life = xa_load(&sabuf_lives, tid);
	if (!life || READ_ONCE(life->dead)) {
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();	/* ours: it stays in sabuf_lives until reaped */
	WRITE_ONCE(life->dead, true);
	if (trace_sabuf_owner_death_enabled())
		sabuf_trace_deaths(life, pid, how);
	/*
	 * Wake the sleepers here, unless spinlock_t sleeps (PREEMPT_RT): the
	 * reaper, a moment later, wakes them in any case.
	 */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		wake_up_all(&life->wq);
	/* lockless (no spinlock_t) and callable with preemption off */
	if (llist_add(&life->reap, &sabuf_reap_list))
		schedule_work(&sabuf_reap_work);
}

/*
 * Forget dead threads: wake their sleepers (again), take their TIDs and
 * ids out of the registries, uncharge their uids.
 */
static void sabuf_reap(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&sabuf_reap_list);
	struct sabuf_life *life, *tmp;

	llist_for_each_entry_safe(life, tmp, list, reap) {
		struct sabuf_owner *o = life->owners, *next;

		wake_up_all(&life->wq);
		/* unless a new thread with this TID replaced it already */
		xa_cmpxchg(&sabuf_lives, life->tid, life, NULL, 0);
		for (; o; o = next) {
			next = o->next;
			xa_erase(&sabuf_owners, o->id);
			sabuf_uid_uncharge(life->user, SABUF_UID_OWNERS);
			sabuf_owner_put(o);	/* the registry's */
			cond_resched();
		}
		sabuf_life_put(life);		/* sabuf_lives' */
	}
}

static SABUF_TP_EXIT_PROBE(sabuf_probe_exit, p)
{
	sabuf_thread_gone(p->pid, p->tgid, SABUF_TRACE_DEATH_EXIT);
}

static void sabuf_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
			     struct linux_binprm *bprm)
{
	/* The TID the thread registered with: a non-leader took the leader's. */
	sabuf_thread_gone(old_pid, p->tgid, SABUF_TRACE_DEATH_EXEC);
}

/* The calling thread's life, made on its first registration. */
static struct sabuf_life *sabuf_life_of_current(void)
{
	struct sabuf_life *life, *old, *curr;

	/*
	 * Only this thread adds a live entry under its TID; a dead one there
	 * is a previous thread's that the reaper has not taken out yet.
	 */
	rcu_read_lock();
	old = xa_load(&sabuf_lives, current->pid);
	if (old && !READ_ONCE(old->dead)) {
		rcu_read_unlock();
		return old;
	}
	rcu_read_unlock();
	life = kzalloc(sizeof(*life), GFP_KERNEL_ACCOUNT);
	if (!life)
		return ERR_PTR(-ENOMEM);
	life->tid = current->pid;
	life->user = sabuf_uid_get(current_uid());
	if (!life->user) {
		kfree(life);
		return ERR_PTR(-ENOMEM);
	}
	life->thread = get_pid(task_pid(current));
	init_waitqueue_head(&life->wq);
	refcount_set(&life->ref, 1);
	/* replace the dead one (the reaper still drops its reference) */
	for (;;) {
		curr = xa_cmpxchg(&sabuf_lives, life->tid, old, life, GFP_KERNEL_ACCOUNT);
		if (curr == old)
			return life;
		if (xa_is_err(curr))
			break;
		old = curr;	/* the reaper took the dead one out meanwhile */
	}
	put_pid(life->thread);
	sabuf_uid_put(life->user);
	kfree(life);
	return ERR_PTR(xa_err(curr));
}

long sabuf_ioctl_robust_register(const struct sabuf_robust *args)
{
	struct xa_limit limit = XA_LIMIT(1, SABUF_ROBUST_ID_MAX);
	struct sabuf_life *life;
	struct sabuf_owner *o;
	int ret;

	if (args->flags & ~SABUF_ROBUST_FLAGS_VALID || args->reserved)
		return -EINVAL;
	life = sabuf_life_of_current();
	if (IS_ERR(life))
		return PTR_ERR(life);
	ret = sabuf_uid_charge(life->user, SABUF_UID_OWNERS, READ_ONCE(sabuf_max_user_owners));
	if (ret == -ENOSPC) {
		/* owners of threads that just ended may not be reaped yet */
		flush_work(&sabuf_reap_work);
		ret = sabuf_uid_charge(life->user, SABUF_UID_OWNERS,
				       READ_ONCE(sabuf_max_user_owners));
	}
	if (ret)
		return ret;
	o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	if (!o) {
		ret = -ENOMEM;
		goto out_uncharge;
	}
	o->life = life;
	refcount_inc(&life->ref);
	refcount_set(&o->ref, 1);
	/* o->id is written before o can be found by it. */
	ret = xa_alloc_cyclic(&sabuf_owners, &o->id, o, limit, &sabuf_owner_next,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		sabuf_life_put(life);
		kfree(o);
		ret = ret == -EBUSY ? -EAGAIN : ret;	/* -EBUSY: 2^30 live owners */
		goto out_uncharge;
	}
	/* Only this thread writes its list; its exit probe comes after. */
	o->next = life->owners;
	life->owners = o;
	return o->id;

out_uncharge:
	sabuf_uid_uncharge(life->user, SABUF_UID_OWNERS);
	return ret;
}

/* Sleep on @o's thread's queue too, so that its end wakes us. */
void sabuf_owner_watch(struct sabuf_owner *o, struct wait_queue_entry *wqe)
{
	init_waitqueue_entry(wqe, current);
	add_wait_queue(&o->life->wq, wqe);
}

void sabuf_owner_unwatch(struct sabuf_owner *o, struct wait_queue_entry *wqe)
{
	remove_wait_queue(&o->life->wq, wqe);
}

/*
 * The calling thread is exiting (PF_EXITING: every robust wait already
 * sees its owners dead) and its address space is going: wake its sleepers
 * now (mmap.c calls this from the teardown of a sabuf mapping), before its
 * exit probe. One lookup of the caller's own TID: what others registered
 * costs nothing here. Process context: wake_up_all() is fine everywhere.
 */
void sabuf_owner_exiting_wake(void)
{
	struct sabuf_life *life;

	rcu_read_lock();
	life = xa_load(&sabuf_lives, current->pid);
	if (life && !READ_ONCE(life->dead))
		wake_up_all(&life->wq);
	rcu_read_unlock();
}

/*
 * Introspection (netlink_who.c): who owner @id is, as seen from @ns. The
 * owner's thread is looked at under references (the owner's, the task's),
 * never under a lock of ours. An unknown id, a dead thread, or one that
 * is exiting reads dead; a live thread outside @ns reads tid and pid 0.
 */
void sabuf_owner_describe(u32 id, struct pid_namespace *ns, struct sabuf_owner_view *v)
{
	struct sabuf_owner *o = sabuf_owner_get(id);
	struct task_struct *t = NULL;

	memset(v, 0, sizeof(*v));
	v->dead = true;
	if (!o)
		return;
	if (!sabuf_owner_dead(o)) {
		rcu_read_lock();
		t = pid_task(o->life->thread, PIDTYPE_PID);
		if (t)
			get_task_struct(t);
		rcu_read_unlock();
	}
	if (t) {
		v->tid = task_pid_nr_ns(t, ns);
		v->pid = task_tgid_nr_ns(t, ns);
		sabuf_task_comm(v->comm, t);
		v->dead = false;
		put_task_struct(t);
	}
	sabuf_owner_put(o);
}

/* ---- Attaching to the scheduler's tracepoints ---- */

static struct tracepoint *sabuf_tp_exit, *sabuf_tp_exec;

static void sabuf_tp_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		sabuf_tp_exit = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		sabuf_tp_exec = tp;
}

int sabuf_robust_init(void)
{
	int ret;

	for_each_kernel_tracepoint(sabuf_tp_find, NULL);
	if (!sabuf_tp_exit || !sabuf_tp_exec) {
		pr_err("sabuf: the scheduler's exit/exec tracepoints are missing\n");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(sabuf_tp_exit, sabuf_probe_exit, NULL);
	if (ret)
		return ret;
	ret = tracepoint_probe_register(sabuf_tp_exec, sabuf_probe_exec, NULL);
	if (ret) {
		tracepoint_probe_unregister(sabuf_tp_exit, sabuf_probe_exit, NULL);
		tracepoint_synchronize_unregister();
	}
	return ret;
}

/* The process of a live thread (0 if it is gone meanwhile). */
static pid_t sabuf_life_tgid(struct sabuf_life *life)
{
	struct task_struct *t;
	pid_t pid = 0;

	rcu_read_lock();
	t = pid_task(life->thread, PIDTYPE_PID);
	if (t)
		pid = task_tgid_nr(t);
	rcu_read_unlock();
	return pid;
}

void sabuf_robust_exit(void)
{
	struct sabuf_life *life;
	unsigned long index;

	/* No probe runs after this; then no reaping is left to do. */
	tracepoint_probe_unregister(sabuf_tp_exec, sabuf_probe_exec, NULL);
	tracepoint_probe_unregister(sabuf_tp_exit, sabuf_probe_exit, NULL);
	tracepoint_synchronize_unregister();
	flush_work(&sabuf_reap_work);
	sabuf_reap(NULL);
	/* Threads still alive: nobody can use their ids any more. */
	xa_for_each(&sabuf_lives, index, life) {
		if (trace_sabuf_owner_death_enabled() && !READ_ONCE(life->dead))
			sabuf_trace_deaths(life, sabuf_life_tgid(life), SABUF_TRACE_DEATH_UNLOAD);
		WRITE_ONCE(life->dead, true);
		llist_add(&life->reap, &sabuf_reap_list);
	}
	sabuf_reap(NULL);
	rcu_barrier();	/* kfree_rcu of owners and lives done before the module goes */
	xa_destroy(&sabuf_owners);
	xa_destroy(&sabuf_lives);
}
