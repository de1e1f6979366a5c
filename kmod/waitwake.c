// SPDX-License-Identifier: GPL-2.0
/*
 * Wait and notify: per-index FIFO queues, indexed by their buffer and
 * locked by the buffer's own hashed buckets, and the waiter counters
 * userspace reads to skip a notify nobody needs.
 *
 * READ this before changing anything about the ordering below.
 *
 * A waiter must never sleep through the notify meant for it, although
 * libsabuf skips SABUF_IOC_NOTIFY altogether when the index's waiter
 * counter reads 0. Two full barriers make that safe:
 *
 *   CPU 0: waiter (kernel)              CPU 1: notifier (userspace, then kernel)
 *
 *   atomic_inc(&counter[slot]);         store(word, new);
 *   smp_mb();                  (A)      full fence;                     (B)
 *   lock(bucket);                       if (load(counter[slot]) == 0)
 *   if (load(word) != expected)                 return 0;   // no syscall
 *           unlock, return EAGAIN;      ioctl(NOTIFY): lock(bucket);
 *   enqueue; unlock; sleep;                     dequeue + wake; unlock;
 *
 * (A) and (B) forbid the outcome where CPU 0 reads the old word AND CPU 1
 * reads a zero counter (the store-buffering pattern). So either CPU 0 sees
 * the new word and does not sleep, or CPU 1 sees the counter raised and
 * enters the kernel. There, the bucket lock orders the two: if the waiter
 * queued first, notify finds it; if notify held the lock first, its store
 * to the word came before its unlock, which comes before the waiter's lock,
 * so the waiter reads the new word and does not sleep. A counter is only
 * lowered after its waiter has left the queue, so reading 0 means nobody
 * is queued who could have read the old word. (The waiter also reads the
 * word once after (A) and before the lock: if it differs already,
 * "not-equal" is final, and it returns without the lock, as it would have
 * under it.)
 *
 * Waking, outside the bucket lock. A sleeper lives on its own stack. The
 * notifier, under the bucket lock, claims each sleeper it picks (QUEUED ->
 * PICKED, see "Exactly-once" below) and moves that entry to a private
 * list. After unlocking, for each picked entry it reads what it needs
 * (the next entry, the task, with a reference) and only then publishes
 * the sleeper's state = WOKEN with a release store (C). Once the waiter
 * sees WOKEN (acquire, pairs with (C)) it may return at once, so after (C)
 * the notifier touches only its task reference. The waiter sets its task
 * state before it reads its state (D, the full barrier in
 * set_current_state), and the notifier calls wake_up_process() after (C):
 * either the waiter sees WOKEN or the wake-up finds it sleeping. No wake-up
 * runs under a bucket lock, however many waiters one notify picks.
 *
 * Batches, and who a notify may pick (E). A notify holds the bucket lock
 * for at most SABUF_NOTIFY_BATCH entries at a time: it picks, unlocks,
 * wakes what it picked, and locks again for the next batch, so a notify
 * of 10^5 waiters lets waits and notifies of the same bucket in between.
 * Each waiter takes a ticket from its bucket's counter as it is queued
 * (under the lock, so tickets grow along every queue of the bucket, and a
 * queue's list is in ticket order: entries are only ever added at the
 * tail). The notify reads the counter once, under its first hold of the
 * lock: it picks only entries whose ticket is below that, so it never
 * chases waiters that arrived after it began (ECMAScript's "notify all"
 * wakes the waiters of the moment), however many batches it takes. FIFO
 * holds across batches: every batch, this notify's or another's, picks
 * from the head of the list, and a waiter that leaves and comes back has
 * a new ticket (a new wait). Between batches a waiter may queue: it took
 * the lock after the notify's first hold, so, as above, it reads the new
 * word and does not sleep, or (the word was set back) waits for a later
 * notify, its ticket past this one's bound. Entries claimed elsewhere are
 * visited (and skipped) by a batch but not picked; their sleepers unlink
 * them, each under this lock, between batches.
 *
 * Exactly-once results. A sleeper is claimed once, by a compare-and-swap
 * of its state from QUEUED: by the notifier that picks one of its entries
 * (under that entry's bucket lock; it unlinks that entry and counts the
 * sleeper in its return value), or by the sleeper itself when it stops
 * waiting for any other reason (timeout, signal, dead owner). A sleeper
 * that loses its own claim has been counted: it waits (uninterruptibly,
 * for the notifier's (C), which is never far behind) and reports "woken":
 * a picked waiter is never lost, never counted twice, and never reports a
 * timeout or an interruption. A notifier that finds an entry of a sleeper
 * claimed elsewhere skips it without counting; only the sleeper unlinks
 * its other entries, each under its own bucket lock, so an entry is never
 * freed under a notifier that holds its bucket lock.
 *
 * Asynchronous waiters (waitset.c; waiter.h lists the kinds) follow (A)
 * and the claim unchanged: sabuf_wait_async() raises the counter, then
 * (A), then reads the word under the bucket lock and queues the entry;
 * while it still holds that lock the waitset publishes the wait (its tag,
 * its timer), so no notify can pick a wait its waitset does not know yet.
 * Their (C) is sabuf_async_settle(): instead of storing WOKEN and waking
 * a task, the notifier moves the wait to its waitset's ready list under
 * the waitset's lock and wakes the waitset's pollers; the reader takes it
 * off that list under the same lock, so the lock orders (C) before the
 * read, as the acquire of WOKEN does for a task. No task sleeps, so (D)
 * is the poll/epoll wait queue's own barrier. The notifier takes a
 * reference on the waitset while it picks (under the bucket lock: the
 * wait is queued, so its waitset is alive) and drops it after (C); a
 * timer, a cancel or a close claims the wait as a sleeper leaving, and
 * then unlinks its entry and lowers its counter like a timed-out wait.
 *
 * Robust waiters (SABUF_WAIT_ROBUST) also sit on their owner's wait queue
 * (robust.c), added before their first look at the owner's state: the
 * owner's death is published (its @dead, or its thread's PF_EXITING)
 * before that queue is woken, and the waiter looks after its
 * set_current_state() (D), so a death is either seen or wakes the waiter.
 * Such a waiter leaves its queue like a timed-out one, with EOWNERDEAD.
 *
 * Hand-on (SABUF_WAIT_HANDON). A waiter that was picked but finds a fatal
 * signal pending will never run the code its wake-up was meant for; it
 * wakes the next waiter of its index in its place, through the ordinary
 * notify path (so (A)-(D) cover it unchanged).
 *
 * Memory. Everything a waiter causes is charged to its memory cgroup and
 * allocated before it takes a bucket lock: its queue (kmalloc, retried
 * unlocked), the slot of its index in the buffer's xarray (reserved with
 * xa_reserve(), XA_FLAGS_ACCOUNT, so the store under the lock allocates
 * nothing), wait-any's arrays, a waitset's wait (waitset.c).
 *
 * The word is read through a reference on its backing page, taken before
 * the bucket lock (it may sleep to swap the page in): a referenced shmem
 * page stays in the page cache (reclaim and migration must freeze its
 * refcount first), so under the lock we read the very page userspace
 * writes, without faulting.
 */
#include <linux/hrtimer.h>
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "sabuf.h"
#include "trace.h"
#include "waiter.h"

/*
 * One index's FIFO queue. It exists while it has waiters: the first waiter
 * stores it in its buffer's @queues index, the last one to leave (or the
 * notify that empties it) erases it there, both under the index's bucket
 * lock. Then it is kept as its bucket's spare or freed after an RCU grace
 * period: introspection reads queues under RCU alone (sabuf_queue_next()),
 * and re-checks the offset, since a spare may have been reused.
 */
struct sabuf_queue {
	struct list_head waiters;	/* sabuf_waiter.node, oldest first; bucket lock */
	const struct sabuf_buffer *buf;	/* written under the bucket lock */
	u64 offset;			/* written under the bucket lock */
	u32 len;			/* waiters on @waiters; bucket lock (READ_ONCE outside) */
	bool idle;			/* empty, kept for the next waiter; bucket lock */
	struct rcu_head rcu;
};

/*
 * Emptied queues a bucket keeps, still indexed, so that a word
 * waited on again and again (a ping-pong, a lock) does not create and
 * destroy its queue, and its index entry, every time.
 */
#define SABUF_IDLE_QUEUES	4

/*
 * One hash bucket of one buffer: the lock of the queues of every offset of
 * that buffer that hashes here. Each buffer has its own buckets, so a wait
 * or notify on one buffer never takes a lock that guards another buffer's
 * queues, and finds its queue in its own buffer's index (an xarray:
 * O(log n) of that buffer's waited-on indices), never walking a list that
 * other users' waits make longer.
 */
struct sabuf_bucket {
	spinlock_t lock;		/* guards its queues and waiters, @spare, @idle, @ticket */
	struct sabuf_queue *spare;	/* an emptied queue, kept for the next one */
	unsigned int idle;		/* idle queues of this bucket */
	u64 ticket;			/* the next waiter's sabuf_waiter.ticket */
} ____cacheline_aligned_in_smp;

/* Buckets per buffer: a power of two, set at init from the number of CPUs. */
static unsigned int sabuf_bucket_bits;

int sabuf_waitwake_init(void)
{
	sabuf_bucket_bits = ilog2(roundup_pow_of_two(clamp(2 * num_possible_cpus(), 4U, 64U)));
	return 0;
}

void sabuf_waitwake_exit(void)
{
	/* RCU callbacks still queued (kfree_rcu) free nothing of ours after this. */
	rcu_barrier();
}

/* A new buffer's buckets (charged to its creator's memory cgroup). */
int sabuf_queues_init(struct sabuf_buffer *buf)
{
	unsigned int i, n = 1U << sabuf_bucket_bits;

	buf->buckets = kcalloc(n, sizeof(*buf->buckets), GFP_KERNEL_ACCOUNT);
	if (!buf->buckets)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		spin_lock_init(&buf->buckets[i].lock);
	return 0;
}

/* The queue of (@buf, @offset), or NULL; under its bucket lock, which guards the slot. */
static struct sabuf_queue *queue_find(struct sabuf_bucket *hb, struct sabuf_buffer *buf,
				      u64 offset)
{
	lockdep_assert_held(&hb->lock);
	return xa_load(&buf->queues, offset >> 2);
}

/*
 * Make @q (from the bucket's spare or *@fresh) the queue of (buf, offset):
 * into the buffer's index. The caller reserved the
 * index's slot before it took the lock (sabuf_enqueue()), so the store
 * allocates nothing; if the reservation went meanwhile (its queue came and
 * went), the store may try without sleeping and without the atomic
 * reserves, and fails cleanly: the caller reserves again, unlocked.
 */
static struct sabuf_queue *queue_create(struct sabuf_bucket *hb, struct sabuf_buffer *buf,
					u64 offset, struct sabuf_queue **fresh)
{
	struct sabuf_queue *q = hb->spare ?: *fresh;

	lockdep_assert_held(&hb->lock);
	if (xa_err(xa_store(&buf->queues, offset >> 2, q, GFP_NOWAIT | __GFP_NOWARN)))
		return ERR_PTR(-ENOMEM);
	if (q == hb->spare)
		hb->spare = NULL;
	else
		*fresh = NULL;
	INIT_LIST_HEAD(&q->waiters);
	WRITE_ONCE(q->buf, buf);
	WRITE_ONCE(q->offset, offset);
	WRITE_ONCE(q->len, 0);
	q->idle = false;
	return q;
}

/*
 * Under the bucket lock: the queue of (buf, offset), made if need be from
 * the bucket's spare or *@fresh; ERR_PTR when the index cannot take it.
 * NULL: there is nothing to make it from; the caller drops the lock,
 * allocates *@fresh and looks again.
 */
static struct sabuf_queue *queue_get(struct sabuf_bucket *hb, struct sabuf_buffer *buf,
				     u64 offset, struct sabuf_queue **fresh)
{
	struct sabuf_queue *q = queue_find(hb, buf, offset);

	if (q)
		return q;
	if (!hb->spare && !*fresh)
		return NULL;
	return queue_create(hb, buf, offset, fresh);
}

/* Queue @w at the tail of @q, which may have been idle. */
static void queue_add(struct sabuf_bucket *hb, struct sabuf_queue *q, struct sabuf_waiter *w)
{
	lockdep_assert_held(&hb->lock);
	if (q->idle) {
		q->idle = false;
		hb->idle--;
	}
	w->queue = q;
	w->ticket = hb->ticket++;	/* (E) */
	list_add_tail(&w->node, &q->waiters);
	WRITE_ONCE(q->len, q->len + 1);
}

/* Unlink an empty queue from its buffer's index. */
static void queue_remove(struct sabuf_bucket *hb, struct sabuf_buffer *buf,
			 struct sabuf_queue *q)
{
	lockdep_assert_held(&hb->lock);
	if (q->idle) {
		q->idle = false;
		hb->idle--;
	}
	xa_erase(&buf->queues, q->offset >> 2);
	if (!hb->spare)
		hb->spare = q;
	else
		kfree_rcu(q, rcu);
}

/*
 * Take @n waiters' worth off @q's length. An emptied queue stays, idle,
 * while its bucket keeps fewer than SABUF_IDLE_QUEUES; else it goes away.
 */
static void queue_shrink(struct sabuf_bucket *hb, struct sabuf_buffer *buf,
			 struct sabuf_queue *q, u32 n)
{
	lockdep_assert_held(&hb->lock);
	WRITE_ONCE(q->len, q->len - n);
	if (q->len)
		return;
	if (hb->idle < SABUF_IDLE_QUEUES) {
		q->idle = true;
		hb->idle++;
		return;
	}
	queue_remove(hb, buf, q);
}

/* The bucket of @buf's word at @offset (32- and 64-bit waits on it alike). */
static struct sabuf_bucket *wait_queue_for_offset(const struct sabuf_buffer *buf, u64 offset)
{
	return &buf->buckets[hash_64(offset >> 2, sabuf_bucket_bits)];
}

static atomic_t *waiter_counter_for_offset(const struct sabuf_buffer *buf, u64 offset)
{
	return &buf->counters[SABUF_COUNTER_SLOT(offset, SABUF_COUNTER_SLOTS)];
}

/* The per-kind totals, for introspection. */
static atomic_t *waiter_kind_total(struct sabuf_buffer *buf, u32 kind)
{
	if (kind == SABUF_SLEEPER_ANY)
		return &buf->waiters_any;
	if (kind == SABUF_SLEEPER_ASYNC)
		return &buf->waiters_async;
	return NULL;
}

/*
 * The buffer's totals of queued waiters (all kinds, and per kind), for
 * introspection only: raised once a waiter is queued, lowered as it
 * leaves. Not the index counters of the proof, which a wait raises
 * before it even looks at the word; a wait that finds the word changed
 * never touches these.
 */
static void waiter_totals_add(struct sabuf_buffer *buf, u32 kind, int n)
{
	atomic_t *total = waiter_kind_total(buf, kind);

	atomic_add(n, &buf->waiters);
	if (total)
		atomic_add(n, total);
}

/* Read the word through the kernel's mapping of its (referenced) page. */
static u64 sabuf_read_word(struct page *page, u64 offset, unsigned int size)
{
	void *kaddr = kmap_local_page(page);
	void *word = kaddr + offset_in_page(offset);
	u64 val;

	/* Natural alignment keeps the word inside one page, and the load single-copy atomic. */
	if (size == sizeof(u32))
		val = READ_ONCE(*(u32 *)word);
	else
		val = READ_ONCE(*(u64 *)word);
	kunmap_local(kaddr);
	return val;
}

static ktime_t sabuf_clock_now(clockid_t clockid)
{
	return clockid == CLOCK_REALTIME ? ktime_get_real() : ktime_get();
}

/* Is [offset, offset + size) inside the buffer's current length? */
static bool sabuf_word_in_range(const struct sabuf_buffer *buf, u64 offset, unsigned int size)
{
	u64 len = sabuf_byte_length(buf);

	return len >= size && offset <= len - size;
}

/* The word size that exactly one of SABUF_WAIT_SIZE_U32/_U64 in @flags names. */
static bool sabuf_word_size(u32 flags, unsigned int *size)
{
	switch (flags & (SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64)) {
	case SABUF_WAIT_SIZE_U32:
		*size = sizeof(u32);
		return true;
	case SABUF_WAIT_SIZE_U64:
		*size = sizeof(u64);
		return true;
	default:
		return false;
	}
}

/* Validate a wait; on success *size is 4 or 8. */
static int sabuf_wait_check(const struct sabuf_buffer *buf,
			    const struct sabuf_wait *args, unsigned int *size)
{
	if (args->flags & ~SABUF_WAIT_FLAGS_VALID || !sabuf_word_size(args->flags, size))
		return -EINVAL;
	if (args->clockid != CLOCK_MONOTONIC && args->clockid != CLOCK_REALTIME)
		return -EINVAL;
	if (args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (args->offset & (*size - 1))
		return -EINVAL;
	if (*size == sizeof(u32) && args->expected > U32_MAX)
		return -EINVAL;
	if ((args->flags & SABUF_WAIT_ROBUST) && *size != sizeof(u32))
		return -EINVAL;
	if (!sabuf_word_in_range(buf, args->offset, *size))
		return -ERANGE;
	return 0;
}

/*
 * Take entry @w of a sleeper its own side claimed off the queue of
 * (@buf, @offset), and lower the index's counter: only after it left the
 * queue (see the proof above).
 */
void sabuf_waiter_unqueue(struct sabuf_buffer *buf, u64 offset, struct sabuf_waiter *w)
{
	struct sabuf_bucket *hb = wait_queue_for_offset(buf, offset);

	spin_lock(&hb->lock);
	list_del(&w->node);
	queue_shrink(hb, buf, w->queue, 1);
	spin_unlock(&hb->lock);
	atomic_dec(waiter_counter_for_offset(buf, offset));
	waiter_totals_add(buf, w->sleeper->kind, -1);
}

/*
 * Wake @task with the scheduler's "synchronous" hint (WF_SYNC): the
 * waker is about to sleep, so the wakee may take the waker's CPU instead
 * of waking an idle one (a cross-CPU wake-up costs an IPI and an idle
 * exit; under emulation it is the most expensive part of a handoff). The
 * only public way to pass the hint is a wait queue's sync wake-up, so the
 * task goes on a wait queue of our own, on this stack, for the call.
 */
static void sabuf_wake_sync(struct task_struct *task)
{
	struct wait_queue_head wqh;
	struct wait_queue_entry wqe = {
		.private = task,
		.func = default_wake_function,
		.entry = LIST_HEAD_INIT(wqe.entry),
	};

	init_waitqueue_head(&wqh);
	__add_wait_queue(&wqh, &wqe);
	__wake_up_sync_key(&wqh, TASK_NORMAL, NULL);
}

/*
 * The most entries one notify visits per hold of a bucket lock: a notify
 * of 10^5 waiters drops the lock (and wakes what it picked) every
 * SABUF_NOTIFY_BATCH entries, so others get in between.
 */
#define SABUF_NOTIFY_BATCH	64

/*
 * Under the bucket lock: pick up to @want waiters of (@buf, @offset) whose
 * ticket is below @before, oldest first, onto @picked, visiting at most
 * SABUF_NOTIFY_BATCH entries. *@n: how many were picked. True when the
 * batch ended with such waiters possibly left.
 */
static bool sabuf_pick_batch(struct sabuf_bucket *hb, struct sabuf_buffer *buf, u64 offset,
			     u64 before, u32 want, struct list_head *picked, u32 *n)
{
	atomic_t *counter = waiter_counter_for_offset(buf, offset);
	struct sabuf_queue *q = queue_find(hb, buf, offset);
	struct sabuf_waiter *w, *next;
	unsigned int visited = 0;
	bool more = false;

	*n = 0;
	if (!q)
		return false;
	list_for_each_entry_safe(w, next, &q->waiters, node) {
		/* (E): queued after the notify began: neither it nor any after it. */
		if (w->ticket >= before)
			break;
		if (++visited > SABUF_NOTIFY_BATCH) {
			more = true;
			break;
		}
		/* A wait-any sleeper another queue claimed: not ours to count. */
		if (cmpxchg(&w->sleeper->state, SABUF_WAITER_QUEUED,
			    SABUF_WAITER_PICKED) != SABUF_WAITER_QUEUED)
			continue;
		w->sleeper->which = w->index;
		if (w->sleeper->kind == SABUF_SLEEPER_ASYNC)
			sabuf_async_picked(w->sleeper);	/* holds its waitset */
		list_move_tail(&w->node, picked);
		atomic_dec(counter);
		waiter_totals_add(buf, w->sleeper->kind, -1);
		if (++*n == want)
			break;
	}
	if (*n)
		queue_shrink(hb, buf, q, *n);
	return more;
}

/* Unlocked: wake what a batch picked; each sleeper stays put until its (C). */
static void sabuf_wake_picked(struct list_head *picked, struct task_struct **woke_task)
{
	struct sabuf_waiter *w, *next;

	list_for_each_entry_safe(w, next, picked, node) {
		struct sabuf_sleeper *sl = w->sleeper;
		struct task_struct *task;

		if (sl->kind == SABUF_SLEEPER_ASYNC) {
			sabuf_async_settle(sl);	/* its (C), in waitset.c */
			continue;
		}
		task = get_task_struct(sl->task);
		if (trace_sabuf_wait_end_enabled()) {
			/* what its sabuf_wait_end reports: who woke it, and when */
			struct sabuf_task_sleeper *ts = container_of(sl, struct sabuf_task_sleeper, sl);

			ts->waker = current->pid;
			ts->woken_at = local_clock();
		}

		smp_store_release(&sl->state, SABUF_WAITER_WOKEN);	/* (C): sl may vanish now */
		if (woke_task)
			sabuf_wake_sync(task);
		else
			wake_up_process(task);
		if (woke_task) {
			if (*woke_task)
				put_task_struct(*woke_task);
			*woke_task = task;	/* our reference goes to the caller */
		} else {
			put_task_struct(task);
		}
	}
}

/*
 * Pick up to @count waiters of (@buf, @offset), oldest first, among those
 * queued before this notify first took the bucket lock (E), and wake them
 * outside the bucket lock, in batches (SABUF_NOTIFY_BATCH). Returns how
 * many were picked. With @woke_task (a notify-and-wait: the caller sleeps
 * next), tasks are woken with the synchronous hint and *@woke_task gets a
 * reference on the last one (NULL if none), to spin on while it runs.
 */
static u32 sabuf_notify_batches(struct sabuf_buffer *buf, u64 offset, u32 count,
				 struct task_struct **woke_task)
{
	struct sabuf_bucket *hb = wait_queue_for_offset(buf, offset);
	u32 woken = 0, n;
	bool more;
	u64 before;

	if (!count)
		return 0;
	spin_lock(&hb->lock);
	before = hb->ticket;	/* (E) */
	for (;;) {
		LIST_HEAD(picked);

		more = sabuf_pick_batch(hb, buf, offset, before, count - woken, &picked, &n);
		woken += n;
		spin_unlock(&hb->lock);
		sabuf_wake_picked(&picked, woke_task);
		if (!more || woken == count)
			return woken;
		cond_resched();
		spin_lock(&hb->lock);
	}
}

/* Every notify (plain, notify-and-wait's, a hand-on) is traced here, once done. */
static u32 sabuf_notify_index_task(struct sabuf_buffer *buf, u64 offset, u32 count,
				   struct task_struct **woke_task)
{
	u32 woken = sabuf_notify_batches(buf, offset, count, woke_task);

	trace_sabuf_notify(buf->id, offset, count, woken);
	return woken;
}

static u32 sabuf_notify_index(struct sabuf_buffer *buf, u64 offset, u32 count)
{
	return sabuf_notify_index_task(buf, offset, count, NULL);
}

/*
 * The handoff's spin (SABUF_IOC_NOTIFY_WAIT): the caller just woke
 * @partner and queued itself; the partner's answer usually comes within
 * microseconds, and sleeping costs a context switch each way plus a
 * wake-up of an idle CPU. So, before sleeping, spin on our own state, as
 * mutex_spin_on_owner() spins on a lock owner: only while the partner
 * runs, or is about to, on another CPU (never on ours: it would wait for
 * us), only while nothing else wants our CPU (need_resched()), and for
 * at most SABUF_HANDOFF_SPIN_NS. It reads the state with the same acquire
 * as the sleep loop (pairs with (C)); it changes nothing the proof
 * relies on: we are queued and counted exactly as if asleep, and a
 * notify that picks us while we spin finds us running (its wake-up is a
 * no-op) and we see WOKEN. The bound is the module parameter
 * handoff_spin_ns, 20 us by default (0: never spin): with each vCPU on a
 * host core of its own, a round trip between two CPUs went from 61 us
 * (both peers asleep in turn) to 1.8 us; 5 us was too short under
 * emulation, 10 us enough. On an oversubscribed host a spinning vCPU may
 * hold the core its partner's vCPU needs (the partner looks "running"
 * from inside): there the spin bought nothing and cost a longer tail
 * (bench/README.md, "The handoff").
 */
unsigned int sabuf_handoff_spin_ns = 20000;

static bool sabuf_partner_running_elsewhere(struct task_struct *p)
{
	/*
	 * On a CPU, or on its way to one: running, runnable, or still
	 * TASK_WAKING (a remote wake-up in flight); not back asleep. Never
	 * the CPU we hold: there it would be waiting for us.
	 */
	return (READ_ONCE(p->on_cpu) ||
		!(READ_ONCE(p->__state) & (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE))) &&
	       task_cpu(p) != raw_smp_processor_id();
}

static void sabuf_handoff_spin(struct sabuf_sleeper *sl, struct task_struct *partner)
{
	u64 end = local_clock() + READ_ONCE(sabuf_handoff_spin_ns);

	while (smp_load_acquire(&sl->state) != SABUF_WAITER_WOKEN) {	/* pairs with (C) */
		if (need_resched() || signal_pending(current) ||
		    !sabuf_partner_running_elsewhere(partner) || local_clock() > end)
			return;
		cpu_relax();
	}
}

/* Picked while leaving: wait for the notifier's (C); we count as woken. */
static void sabuf_wait_for_woken(struct sabuf_sleeper *sl)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);	/* (D) */
		if (smp_load_acquire(&sl->state) == SABUF_WAITER_WOKEN)	/* pairs with (C) */
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/* A picked waiter returns 0, first handing its wake-up on if it is dying. */
static long sabuf_wait_woken(struct sabuf_buffer *buf, const struct sabuf_wait *args)
{
	if ((args->flags & SABUF_WAIT_HANDON) && fatal_signal_pending(current))
		sabuf_notify_index(buf, args->offset, 1);
	return 0;
}

/*
 * The deadline of a wait: false for none (timeout_ns < 0). A relative
 * timeout is a duration: it runs on CLOCK_MONOTONIC whatever *clockid
 * says (so *clockid becomes that), so that setting the wall clock cannot
 * cut it short. An absolute one is read in the caller's time namespace.
 */
static bool sabuf_wait_deadline(s64 timeout_ns, u32 flags, u32 *clockid, ktime_t *deadline)
{
	if (timeout_ns < 0)
		return false;
	*deadline = ns_to_ktime(timeout_ns);
	if (!(flags & SABUF_WAIT_ABSTIME)) {
		*clockid = CLOCK_MONOTONIC;
		*deadline = ktime_add_safe(ktime_get(), *deadline);
	} else {
		*deadline = sabuf_timens_to_host(*clockid, *deadline);
	}
	return true;
}

/* Is a robust wait's owner dead? (NULL: unknown, so dead.) */
static bool sabuf_wait_owner_dead(bool robust, struct sabuf_owner *owner)
{
	return robust && (!owner || sabuf_owner_dead(owner));
}

/*
 * The queueing half of every kind of wait: what to queue where, and what
 * may stop it (read under the bucket lock, in this order: the word, a
 * robust wait's owner, the deadline).
 */
struct sabuf_enqueue {
	struct sabuf_buffer *buf;
	struct page *page;		/* the word's, referenced by the caller */
	u64 offset, expected;
	unsigned int size;
	u32 kind;			/* enum sabuf_sleeper_kind, for the counters */
	bool robust;			/* SABUF_WAIT_ROBUST: @owner (NULL: unknown) must live */
	struct sabuf_owner *owner;
	bool has_deadline;
	u32 clockid;
	ktime_t deadline;
	sabuf_async_queued_fn queued;	/* or NULL: run under the lock once queued */
	void *ctx;
};

/*
 * Reserve the slot of index @idx in @buf's queue index, unlocked, so that
 * storing a queue there under the bucket lock allocates nothing: the
 * index's nodes are charged to the caller's memory cgroup (XA_FLAGS_ACCOUNT)
 * and may reclaim, never drawn from atomic reserves. A slot that holds a
 * queue already needs nothing. True when a reservation was made (to be
 * released if unused), false when none was needed; -ENOMEM as *@err.
 */
static bool sabuf_queue_reserve(struct sabuf_buffer *buf, unsigned long idx, int *err)
{
	if (xa_load(&buf->queues, idx))
		return false;
	*err = xa_reserve(&buf->queues, idx, GFP_KERNEL_ACCOUNT);
	return !*err;
}

/*
 * Raise the index's counter, (A), then under the bucket lock queue @w if
 * nothing in @e stops it. 0: queued. Else nothing is queued and the
 * counter is down again: -EAGAIN (the word differs), -EOWNERDEAD,
 * -ETIMEDOUT, -ENOMEM.
 */
static long sabuf_enqueue(const struct sabuf_enqueue *e, struct sabuf_waiter *w)
{
	struct sabuf_bucket *hb = wait_queue_for_offset(e->buf, e->offset);
	atomic_t *counter = waiter_counter_for_offset(e->buf, e->offset);
	unsigned long idx = e->offset >> 2;
	struct sabuf_queue *fresh = NULL, *q;
	bool reserved = false;
	int err = 0;
	long ret = 0;

	atomic64_inc(&e->buf->waits);
	atomic_inc(counter);
	smp_mb__after_atomic();		/* Full barrier (A), see the ordering comment above. */
	/* A word that differs after (A) is the answer the lock would give: no slot, no lock. */
	if (sabuf_read_word(e->page, e->offset, e->size) != e->expected) {
		ret = -EAGAIN;
		goto out;
	}
	reserved = sabuf_queue_reserve(e->buf, idx, &err);
	if (err) {
		ret = err;
		goto out;
	}
retry:
	spin_lock(&hb->lock);
	if (sabuf_read_word(e->page, e->offset, e->size) != e->expected)
		ret = -EAGAIN;
	else if (sabuf_wait_owner_dead(e->robust, e->owner))
		ret = -EOWNERDEAD;
	else if (e->has_deadline &&
		 ktime_compare(sabuf_clock_now(e->clockid), e->deadline) >= 0)
		ret = -ETIMEDOUT;
	if (ret)
		goto out_unlock;
	q = queue_get(hb, e->buf, e->offset, &fresh);
	if (!q) {
		/* Allocate unlocked, then look again: the word too. */
		spin_unlock(&hb->lock);
		fresh = kmalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
		if (fresh)
			goto retry;
		ret = -ENOMEM;
		goto out;
	}
	if (IS_ERR(q)) {
		/* The reservation went with a queue meanwhile: make it again, unlocked. */
		spin_unlock(&hb->lock);
		reserved |= sabuf_queue_reserve(e->buf, idx, &err);
		if (!err)
			goto retry;
		ret = err;
		goto out;
	}
	queue_add(hb, q, w);
	waiter_totals_add(e->buf, e->kind, 1);
	if (e->queued)
		e->queued(w, e->ctx, e->has_deadline, e->clockid, e->deadline);
out_unlock:
	spin_unlock(&hb->lock);
out:
	if (ret)
		atomic_dec(counter);
	/* Unused: gone (a queue stored there since is left alone). */
	if (reserved)
		xa_release(&e->buf->queues, idx);
	if (unlikely(fresh))	/* (not a call to kfree(NULL) on every wait) */
		kfree(fresh);
	return ret;
}

/*
 * One wait, checked, as sleeper @ts; @owner: a robust wait's owner,
 * watched, or NULL; @partner: a task a notify-and-wait just woke, to spin
 * on, or NULL.
 */
static long sabuf_wait_sleep(struct sabuf_buffer *buf, const struct sabuf_wait *args,
			     unsigned int size, struct sabuf_owner *owner,
			     struct task_struct *partner, struct sabuf_task_sleeper *ts)
{
	struct sabuf_sleeper *sl = &ts->sl;
	struct sabuf_waiter w = { .sleeper = sl };
	struct sabuf_enqueue e = {
		.buf = buf, .offset = args->offset, .expected = args->expected, .size = size,
		.kind = SABUF_SLEEPER_WAIT, .robust = args->flags & SABUF_WAIT_ROBUST,
		.owner = owner, .clockid = args->clockid,
	};
	bool relative, timed_out = false, owner_died = false;
	long ret;

	/* e's deadline and clock are the wait's, queued and asleep alike */
	e.has_deadline = sabuf_wait_deadline(args->timeout_ns, args->flags, &e.clockid, &e.deadline);
	relative = e.has_deadline && !(args->flags & SABUF_WAIT_ABSTIME);

	e.page = sabuf_backing_get_page(buf->backing, args->offset >> PAGE_SHIFT);
	if (IS_ERR(e.page))
		return PTR_ERR(e.page);
	ret = sabuf_enqueue(&e, &w);
	put_page(e.page);
	if (ret)
		return ret;

	if (partner && READ_ONCE(sabuf_handoff_spin_ns))
		sabuf_handoff_spin(sl, partner);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);	/* (D) */
		if (smp_load_acquire(&sl->state) == SABUF_WAITER_WOKEN)	/* pairs with (C) */
			break;
		if (signal_pending(current))
			break;
		if (sabuf_wait_owner_dead(e.robust, owner)) {
			owner_died = true;
			break;
		}
		if (!e.has_deadline) {
			schedule();
		} else if (!schedule_hrtimeout_range_clock(&e.deadline, current->timer_slack_ns,
							   HRTIMER_MODE_ABS, e.clockid)) {
			timed_out = true;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);

	if (smp_load_acquire(&sl->state) == SABUF_WAITER_WOKEN)	/* pairs with (C) */
		return sabuf_wait_woken(buf, args);

	if (!sabuf_sleeper_claim(sl)) {
		/* A notify picked us while we were leaving: we count as woken. */
		sabuf_wait_for_woken(sl);
		return sabuf_wait_woken(buf, args);
	}
	sabuf_waiter_unqueue(buf, args->offset, &w);

	if (owner_died)
		return -EOWNERDEAD;
	if (timed_out || (e.has_deadline &&
			  ktime_compare(sabuf_clock_now(e.clockid), e.deadline) >= 0))
		return -ETIMEDOUT;
	/*
	 * A signal. The caller's struct is never rewritten: an absolute or
	 * infinite wait restarts as it was (SA_RESTART keeps the deadline);
	 * a relative one cannot know what is left, so a handler makes it
	 * fail with EINTR whatever SA_RESTART says (a stop or ptrace without
	 * a handler still restarts it, with its whole duration).
	 */
	return relative ? -ERESTARTNOHAND : -ERESTARTSYS;
}

/* The trace's result: an interrupted wait is -EINTR, whether it restarts or not. */
static int sabuf_trace_result(long ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOHAND ? -EINTR : (int)ret;
}

/*
 * sabuf_wait_end, while it is enabled: @t0 is local_clock() when the wait
 * began (0 if the event was off then: no duration); @ts says who woke it.
 * local_clock() is the tracer's own default clock; read on two CPUs it may
 * disagree slightly, and a negative difference reads 0.
 */
static void sabuf_trace_wait_end(u64 id, u64 offset, u32 kind, long ret, u64 t0,
				 const struct sabuf_task_sleeper *ts)
{
	u64 now = local_clock();

	trace_sabuf_wait_end(id, offset, kind, sabuf_trace_result(ret),
			     t0 && now > t0 ? now - t0 : 0, ts->waker,
			     ts->woken_at && now > ts->woken_at ? now - ts->woken_at : 0);
}

/* One wait, checked, traced (sabuf_wait_start/_end); see sabuf_wait_sleep(). */
static long sabuf_wait_one(struct sabuf_buffer *buf, const struct sabuf_wait *args,
			   unsigned int size, struct sabuf_owner *owner,
			   struct task_struct *partner)
{
	struct sabuf_task_sleeper ts = {
		.sl = { .task = current, .state = SABUF_WAITER_QUEUED,
			.robust = args->flags & SABUF_WAIT_ROBUST },
	};
	u32 kind = args->flags & SABUF_WAIT_ROBUST ? SABUF_TRACE_KIND_ROBUST :
						     SABUF_TRACE_KIND_WAIT;
	u64 t0 = 0;
	long ret;

	if (trace_sabuf_wait_end_enabled())
		t0 = local_clock();
	trace_sabuf_wait_start(buf->id, args->offset, args->expected, kind, 0);
	ret = sabuf_wait_sleep(buf, args, size, owner, partner, &ts);
	if (trace_sabuf_wait_end_enabled())
		sabuf_trace_wait_end(buf->id, args->offset, kind, ret, t0, &ts);
	return ret;
}

long sabuf_ioctl_wait(struct sabuf_buffer *buf, const struct sabuf_wait *args)
{
	struct sabuf_owner *owner = NULL;
	struct wait_queue_entry owner_wqe;
	unsigned int size;
	long ret;

	ret = sabuf_wait_check(buf, args, &size);
	if (ret)
		return ret;
	if (args->flags & SABUF_WAIT_ROBUST) {
		/* Watch before the first look at @dead: its end cannot slip by. */
		owner = sabuf_owner_get(args->expected & SABUF_ROBUST_ID_MASK);
		if (owner)
			sabuf_owner_watch(owner, &owner_wqe);
	}
	ret = sabuf_wait_one(buf, args, size, owner, NULL);
	if (owner) {
		sabuf_owner_unwatch(owner, &owner_wqe);
		sabuf_owner_put(owner);
	}
	return ret;
}

/*
 * Queue an asynchronous waiter (waitset.c): @w's sleeper has no task. As
 * a plain wait up to the queueing, (A) included; then, still under the
 * bucket lock, @queued(@w, ...) publishes it to its waitset (and starts
 * its timer) before any notify can pick it. 0 when queued; -EAGAIN (the
 * word differs), -ETIMEDOUT (the deadline passed) and every error of a
 * wait leave nothing queued. ROBUST and HANDON are for blocking waits.
 */
long sabuf_wait_async(struct sabuf_buffer *buf, const struct sabuf_wait *args,
		      struct sabuf_waiter *w, sabuf_async_queued_fn queued, void *ctx)
{
	struct sabuf_enqueue e = {
		.buf = buf, .offset = args->offset, .expected = args->expected,
		.kind = SABUF_SLEEPER_ASYNC, .clockid = args->clockid,
		.queued = queued, .ctx = ctx,
	};
	long ret;

	ret = sabuf_wait_check(buf, args, &e.size);
	if (ret)
		return ret;
	if (args->flags & (SABUF_WAIT_ROBUST | SABUF_WAIT_HANDON))
		return -EINVAL;
	e.has_deadline = sabuf_wait_deadline(args->timeout_ns, args->flags, &e.clockid,
					     &e.deadline);
	e.page = sabuf_backing_get_page(buf->backing, args->offset >> PAGE_SHIFT);
	if (IS_ERR(e.page))
		return PTR_ERR(e.page);
	ret = sabuf_enqueue(&e, w);
	put_page(e.page);
	return ret;
}

static int sabuf_notify_check(struct sabuf_buffer *buf, u64 offset)
{
	if (offset & (sizeof(u32) - 1))
		return -EINVAL;
	if (!sabuf_word_in_range(buf, offset, sizeof(u32)))
		return -ERANGE;
	return 0;
}

/* Notify, then wait: one system call for a request/response handoff. */
long sabuf_ioctl_notify_wait(struct sabuf_buffer *buf, const struct sabuf_notify_wait *args)
{
	struct task_struct *partner = NULL;
	unsigned int size;
	long ret;

	if (args->flags & ~SABUF_NOTIFY_WAIT_FLAGS_VALID)
		return -EINVAL;
	/* Both halves checked first: a rejected call wakes nobody. */
	ret = sabuf_notify_check(buf, args->notify_offset);
	if (!ret)
		ret = sabuf_wait_check(buf, &args->wait, &size);
	if (!ret && (args->wait.flags & SABUF_WAIT_ROBUST))
		ret = -EINVAL;	/* a lock's wait has its own ioctl */
	if (ret)
		return ret;
	atomic64_inc(&buf->notifies);
	sabuf_notify_index_task(buf, args->notify_offset, args->notify_count, &partner);
	ret = sabuf_wait_one(buf, &args->wait, size, NULL, partner);
	if (partner)
		put_task_struct(partner);
	/* A restart would notify a second time: a handler means EINTR. */
	if (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND)
		ret = -EINTR;
	return ret;
}

/* ---- SABUF_IOC_WAIT_ANY: one sleeper, an entry in each item's queue ---- */

struct sabuf_any_item {
	struct file *file;		/* held for the call: keeps @buf */
	struct sabuf_buffer *buf;
	struct page *page;		/* referenced until queued */
	u64 offset, expected;
	unsigned int size;
	bool queued;			/* @w is on its queue (and counted) */
	struct sabuf_waiter w;
};

/*
 * Check and take item @it from @ui; 0 or -errno. An item naming the same
 * fd as the one before it (@prev) shares that item's file reference.
 */
static int sabuf_any_item_get(struct sabuf_any_item *it, const struct sabuf_wait_any_item *ui,
			      const struct sabuf_any_item *prev, s32 prev_fd)
{
	if (ui->flags & ~SABUF_WAIT_ANY_ITEM_FLAGS_VALID || !sabuf_word_size(ui->flags, &it->size))
		return -EINVAL;
	if (ui->offset & (it->size - 1))
		return -EINVAL;
	if (it->size == sizeof(u32) && ui->expected > U32_MAX)
		return -EINVAL;
	if (prev && prev->buf && ui->fd == prev_fd) {
		it->buf = prev->buf;	/* held by the earlier item's file */
	} else {
		it->file = fget(ui->fd);
		if (!it->file)
			return -EBADF;
		if (!sabuf_file_is_handle(it->file))
			return -EINVAL;
		it->buf = sabuf_handle_buffer(it->file->private_data);
		if (!it->buf)
			return -EBADFD;
	}
	if (!sabuf_word_in_range(it->buf, ui->offset, it->size))
		return -ERANGE;
	it->offset = ui->offset;
	it->expected = ui->expected;
	return 0;
}

/*
 * Queue item @it's entry if its word still holds the expected value: 0,
 * -EAGAIN when it does not, or -ENOMEM. Barrier (A) as in a plain wait.
 */
static int sabuf_any_enqueue(struct sabuf_any_item *it)
{
	struct sabuf_enqueue e = {
		.buf = it->buf, .page = it->page, .offset = it->offset,
		.expected = it->expected, .size = it->size, .kind = SABUF_SLEEPER_ANY,
	};
	long ret = sabuf_enqueue(&e, &it->w);

	it->queued = !ret;
	return ret;
}

/* A buffer's totals (statistics only) lowered once for a run of its entries. */
static void sabuf_any_totals_sub(struct sabuf_buffer *buf, int n)
{
	if (!n)
		return;
	atomic_sub(n, &buf->waiters);
	atomic_sub(n, &buf->waiters_any);
}

/*
 * Unlink every queued entry but @keep (a notifier's; -1: none). This is
 * the return path of a woken wait-any: each entry leaves its queue and
 * lowers its index's counter (after leaving, as the proof requires); the
 * buffer-wide totals, only statistics, go down once per run of items of
 * one buffer.
 */
static void sabuf_any_leave(struct sabuf_any_item *items, unsigned int n, int keep)
{
	struct sabuf_buffer *buf = NULL;
	unsigned int i;
	int run = 0;

	for (i = 0; i < n; i++) {
		struct sabuf_any_item *it = &items[i];
		struct sabuf_bucket *hb;

		if (!it->queued || (int)i == keep)
			continue;
		if (it->buf != buf) {
			if (buf)
				sabuf_any_totals_sub(buf, run);
			buf = it->buf;
			run = 0;
		}
		hb = wait_queue_for_offset(buf, it->offset);
		spin_lock(&hb->lock);
		list_del(&it->w.node);
		queue_shrink(hb, buf, it->w.queue, 1);
		spin_unlock(&hb->lock);
		atomic_dec(waiter_counter_for_offset(buf, it->offset));
		run++;
		it->queued = false;
	}
	if (buf)
		sabuf_any_totals_sub(buf, run);
}

/* Queue on every item and sleep, as sleeper @ts; see uapi for the results. */
static long sabuf_any_sleep_ts(struct sabuf_any_item *items, unsigned int n,
			       const struct sabuf_wait_any *args, struct sabuf_task_sleeper *ts)
{
	struct sabuf_sleeper *sl = &ts->sl;
	u32 clockid = args->clockid;
	bool has_deadline, relative, timed_out = false;
	ktime_t deadline = 0;
	unsigned int i;
	long ret = 0;

	has_deadline = sabuf_wait_deadline(args->timeout_ns, args->flags, &clockid, &deadline);
	relative = has_deadline && !(args->flags & SABUF_WAIT_ABSTIME);
	for (i = 0; i < n; i++) {
		items[i].w.sleeper = sl;
		items[i].w.index = i;
		ret = sabuf_any_enqueue(&items[i]);
		put_page(items[i].page);
		items[i].page = NULL;
		if (ret)
			break;
	}
	if (ret) {
		/* not-equal (or no memory) at item i, unless a notify got us first */
		unsigned int at = i;

		if (!sabuf_sleeper_claim(sl))
			goto woken;
		sabuf_any_leave(items, n, -1);
		return ret == -EAGAIN ? SABUF_WAIT_ANY_NOT_EQUAL | at : ret;
	}

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);	/* (D) */
		if (smp_load_acquire(&sl->state) == SABUF_WAITER_WOKEN)	/* pairs with (C) */
			break;
		if (signal_pending(current))
			break;
		if (has_deadline && ktime_compare(sabuf_clock_now(clockid), deadline) >= 0) {
			timed_out = true;
			break;
		}
		if (!has_deadline) {
			schedule();
		} else if (!schedule_hrtimeout_range_clock(&deadline, current->timer_slack_ns,
							   HRTIMER_MODE_ABS, clockid)) {
			timed_out = true;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);

	/* pairs with (C) */
	if (smp_load_acquire(&sl->state) == SABUF_WAITER_WOKEN || !sabuf_sleeper_claim(sl))
		goto woken;
	sabuf_any_leave(items, n, -1);
	if (timed_out)
		return -ETIMEDOUT;
	return relative ? -ERESTARTNOHAND : -ERESTARTSYS;

woken:
	sabuf_wait_for_woken(sl);
	sabuf_any_leave(items, n, sl->which);
	return sl->which;
}

/* The item a wait-any's result names (the one woken, or not equal), else the first. */
static const struct sabuf_any_item *sabuf_any_traced_item(const struct sabuf_any_item *items,
							  unsigned int n, long ret)
{
	u32 at = ret >= 0 ? (u32)ret & ~SABUF_WAIT_ANY_NOT_EQUAL : 0;

	return &items[at < n ? at : 0];
}

/*
 * Queue on every item and sleep, traced: sabuf_wait_start names the first
 * item, sabuf_wait_end the one its result names (its result is the
 * ioctl's: the index woken, SABUF_WAIT_ANY_NOT_EQUAL | i, or -errno).
 */
static long sabuf_any_sleep(struct sabuf_any_item *items, unsigned int n,
			    const struct sabuf_wait_any *args)
{
	struct sabuf_task_sleeper ts = {
		.sl = { .task = current, .state = SABUF_WAITER_QUEUED, .kind = SABUF_SLEEPER_ANY },
	};
	const struct sabuf_any_item *it;
	u64 t0 = 0;
	long ret;

	if (trace_sabuf_wait_end_enabled())
		t0 = local_clock();
	trace_sabuf_wait_start(items[0].buf->id, items[0].offset, items[0].expected,
			       SABUF_TRACE_KIND_ANY, 0);
	ret = sabuf_any_sleep_ts(items, n, args, &ts);
	if (trace_sabuf_wait_end_enabled()) {
		it = sabuf_any_traced_item(items, n, ret);
		sabuf_trace_wait_end(it->buf->id, it->offset, SABUF_TRACE_KIND_ANY, ret, t0, &ts);
	}
	return ret;
}

long sabuf_ioctl_wait_any(const struct sabuf_wait_any *args)
{
	struct sabuf_wait_any_item *uitems;
	struct sabuf_any_item *items;
	unsigned int i, n = args->count;
	long ret;

	if (args->flags & ~SABUF_WAIT_ANY_FLAGS_VALID || args->reserved)
		return -EINVAL;
	if (!n || n > SABUF_WAIT_ANY_MAX)
		return -EINVAL;
	if (args->clockid != CLOCK_MONOTONIC && args->clockid != CLOCK_REALTIME)
		return -EINVAL;
	/* Both arrays charged to the caller's memory cgroup (memdup_user's are not). */
	uitems = kmalloc_array(n, sizeof(*uitems), GFP_KERNEL_ACCOUNT);
	if (!uitems)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(uitems, u64_to_user_ptr(args->items), n * sizeof(*uitems)))
		goto out_uitems;
	items = kcalloc(n, sizeof(*items), GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!items)
		goto out_uitems;
	for (i = 0; i < n; i++) {
		ret = sabuf_any_item_get(&items[i], &uitems[i], i ? &items[i - 1] : NULL,
					 i ? uitems[i - 1].fd : -1);
		if (ret)
			goto out_items;
	}
	/* Pages may need swapping in: before any bucket lock. */
	for (i = 0; i < n; i++) {
		struct sabuf_any_item *prev = i ? &items[i - 1] : NULL;

		if (prev && prev->buf == items[i].buf &&
		    prev->offset >> PAGE_SHIFT == items[i].offset >> PAGE_SHIFT) {
			/* the same page as the item before: one more reference, no lookup */
			get_page(prev->page);
			items[i].page = prev->page;
			continue;
		}
		items[i].page = sabuf_backing_get_page(items[i].buf->backing,
						       items[i].offset >> PAGE_SHIFT);
		if (IS_ERR(items[i].page)) {
			ret = PTR_ERR(items[i].page);
			items[i].page = NULL;
			goto out_items;
		}
	}
	ret = sabuf_any_sleep(items, n, args);
out_items:
	for (i = 0; i < n; i++) {
		if (items[i].page)
			put_page(items[i].page);
		if (items[i].file)
			fput(items[i].file);
	}
	kfree(items);
out_uitems:
	kfree(uitems);
	return ret;
}

long sabuf_ioctl_notify(struct sabuf_buffer *buf, const struct sabuf_notify *args)
{
	long ret;

	if (args->flags & ~SABUF_NOTIFY_FLAGS_VALID || args->reserved)
		return -EINVAL;
	ret = sabuf_notify_check(buf, args->offset);
	if (ret)
		return ret;

	atomic64_inc(&buf->notifies);
	return sabuf_notify_index(buf, args->offset, args->count);
}

/*
 * Introspection: the first non-empty queue of @buf at an offset >= *@offset:
 * true with *@offset and *@len set, or false. Lock-free (RCU): a snapshot,
 * each queue's length exact at the moment it was read. Never takes a
 * bucket lock, so it cannot slow waiters down.
 */
bool sabuf_queue_next(struct sabuf_buffer *buf, u64 *offset, u32 *len)
{
	unsigned long index = *offset >> 2;
	struct sabuf_queue *q;
	bool found = false;

	if (*offset >> 2 > ULONG_MAX)
		return false;
	rcu_read_lock();
	for (q = xa_find(&buf->queues, &index, ULONG_MAX, XA_PRESENT); q;
	     q = xa_find_after(&buf->queues, &index, ULONG_MAX, XA_PRESENT)) {
		u32 n = READ_ONCE(q->len);

		/* A reused spare (the buffer's own) belongs to another index now: skip it. */
		if (READ_ONCE(q->buf) != buf || READ_ONCE(q->offset) != (u64)index << 2 || !n)
			continue;
		*offset = (u64)index << 2;
		*len = n;
		found = true;
		break;
	}
	rcu_read_unlock();
	return found;
}

/*
 * Introspection (netlink_who.c): @fn for each waiter queued at @offset of
 * @buf, oldest first, from the @skip-th on, until @fn returns false (its
 * message is full). Runs under the offset's bucket lock, so @fn must not
 * sleep, and each waiter's sleeper (its task, or its asynchronous wait)
 * stays put while @fn looks at it. The walk is bounded by that one
 * queue's length, which a dump meets in parts of a message each. Returns
 * how many waiters @fn took.
 */
u32 sabuf_queue_for_each(struct sabuf_buffer *buf, u64 offset, u32 skip,
			 bool (*fn)(void *ctx, const struct sabuf_waiter *w), void *ctx)
{
	struct sabuf_bucket *hb = wait_queue_for_offset(buf, offset);
	struct sabuf_waiter *w;
	struct sabuf_queue *q;
	u32 seen = 0, took = 0;

	if (offset >> 2 > ULONG_MAX)
		return 0;
	spin_lock(&hb->lock);
	q = queue_find(hb, buf, offset);
	if (q) {
		list_for_each_entry(w, &q->waiters, node) {
			if (seen++ < skip)
				continue;
			if (!fn(ctx, w))
				break;
			took++;
		}
	}
	spin_unlock(&hb->lock);
	return took;
}

/* Introspection: the 32-bit word at @offset now, if it is inside the buffer. */
int sabuf_word_peek(struct sabuf_buffer *buf, u64 offset, u32 *val)
{
	struct page *page;

	if (offset & 3 || offset >= U64_MAX - sizeof(u32) ||
	    offset + sizeof(u32) > sabuf_byte_length(buf))
		return -ERANGE;
	page = sabuf_backing_get_page(buf->backing, offset >> PAGE_SHIFT);
	if (IS_ERR(page))
		return PTR_ERR(page);
	*val = sabuf_read_word(page, offset, sizeof(u32));
	put_page(page);
	return 0;
}

/* A buffer goes: its idle queues, spares and buckets go with it (no waiter is left). */
void sabuf_queues_release(struct sabuf_buffer *buf)
{
	unsigned int i, n = 1U << sabuf_bucket_bits;
	unsigned long index;
	struct sabuf_queue *q;

	if (!buf->buckets)
		return;
	xa_for_each(&buf->queues, index, q) {
		struct sabuf_bucket *hb = wait_queue_for_offset(buf, q->offset);

		spin_lock(&hb->lock);
		WARN_ON_ONCE(q->len);
		queue_remove(hb, buf, q);
		spin_unlock(&hb->lock);
	}
	/* Introspection may be reading a spare under RCU (it was a queue). */
	for (i = 0; i < n; i++)
		if (buf->buckets[i].spare)
			kfree_rcu(buf->buckets[i].spare, rcu);
	kfree(buf->buckets);
	buf->buckets = NULL;
}
