// SPDX-License-Identifier: GPL-2.0
/*
 * Wait and notify: per-index FIFO queues, hashed into buckets, and the
 * waiter counters userspace reads to skip a notify nobody needs.
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
 * is queued who could have read the old word.
 *
 * Waking, outside the bucket lock. A waiter lives on its own stack. The
 * notifier, under the bucket lock, unlinks each waiter it picks onto a
 * private list and marks it PICKED (a plain store: only the lock holder
 * reads it). After unlocking, for each picked waiter it reads what it
 * needs (the next entry, the task, with a reference) and only then
 * publishes w->state = WOKEN with a release store (C). Once the waiter
 * sees WOKEN (acquire, pairs with (C)) it may return at once, so after (C)
 * the notifier touches only its task reference. The waiter sets its task
 * state before it reads w->state (D, the full barrier in
 * set_current_state), and the notifier calls wake_up_process() after (C):
 * either the waiter sees WOKEN or the wake-up finds it sleeping. No wake-up
 * runs under a bucket lock, however many waiters one notify picks; and one
 * notify picks, in one pass under the lock, only waiters queued before it
 * took the lock (so "notify all" never chases later arrivals).
 *
 * Exactly-once results. Only the notifier that unlinks a waiter picks it,
 * and it counts the waiter in its return value at that moment. A waiter
 * that stops waiting for any other reason (timeout, signal) must unlink
 * itself under the same lock. If it finds itself PICKED there, it has been
 * counted: it waits (uninterruptibly, for the notifier's (C), which is
 * never far behind) and reports "woken": a picked waiter is never lost,
 * never counted twice, and never reports a timeout or an interruption.
 *
 * Hand-on (SABUF_WAIT_HANDON). A waiter that was picked but finds a fatal
 * signal pending will never run the code its wake-up was meant for; it
 * wakes the next waiter of its index in its place, through the ordinary
 * notify path (so (A)-(D) cover it unchanged).
 *
 * The word is read through a reference on its backing page, taken before
 * the bucket lock (it may sleep to swap the page in): a referenced shmem
 * page stays in the page cache (reclaim and migration must freeze its
 * refcount first), so under the lock we read the very page userspace
 * writes, without faulting.
 */
#include <linux/hrtimer.h>
#include <linux/jhash.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "sabuf.h"

/* One hash bucket: the waiters of every (buffer, offset) that hash here. */
struct sabuf_bucket {
	spinlock_t lock;		/* guards @waiters and every waiter on it */
	struct list_head waiters;	/* sabuf_waiter.node, oldest first */
} ____cacheline_aligned_in_smp;

static struct sabuf_bucket *sabuf_buckets;
static unsigned int sabuf_hash_bits;

/* A sleeping SABUF_IOC_WAIT, on the waiter's stack. */
struct sabuf_waiter {
	struct list_head node;		/* in bucket->waiters, or a notifier's list */
	struct task_struct *task;
	const struct sabuf_buffer *buf;
	u64 offset;
	int state;			/* SABUF_WAITER_*; see the proof above */
};

enum {
	SABUF_WAITER_QUEUED,		/* on the bucket's list */
	SABUF_WAITER_PICKED,		/* unlinked and counted by a notifier (bucket lock) */
	SABUF_WAITER_WOKEN,		/* the notifier is done with us (C) */
};

int sabuf_waitwake_init(void)
{
	unsigned long nr = roundup_pow_of_two(max(256U, 256U * num_possible_cpus()));
	unsigned long i;

	sabuf_buckets = kvcalloc(nr, sizeof(*sabuf_buckets), GFP_KERNEL);
	if (!sabuf_buckets)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		spin_lock_init(&sabuf_buckets[i].lock);
		INIT_LIST_HEAD(&sabuf_buckets[i].waiters);
	}
	sabuf_hash_bits = ilog2(nr);
	return 0;
}

void sabuf_waitwake_exit(void)
{
	kvfree(sabuf_buckets);
}

static struct sabuf_bucket *wait_queue_for_offset(const struct sabuf_buffer *buf, u64 offset)
{
	u64 ptr = (u64)(unsigned long)buf;
	u32 key[4] = { (u32)ptr, (u32)(ptr >> 32), (u32)offset, (u32)(offset >> 32) };

	return &sabuf_buckets[jhash2(key, ARRAY_SIZE(key), 0) & ((1U << sabuf_hash_bits) - 1)];
}

static atomic_t *waiter_counter_for_offset(const struct sabuf_buffer *buf, u64 offset)
{
	return &buf->counters[SABUF_COUNTER_SLOT(offset, SABUF_COUNTER_SLOTS)];
}

static void waiter_count_inc(struct sabuf_buffer *buf, atomic_t *counter)
{
	atomic_inc(counter);
	atomic_inc(&buf->waiters);
}

static void waiter_count_dec(struct sabuf_buffer *buf, atomic_t *counter)
{
	atomic_dec(counter);
	atomic_dec(&buf->waiters);
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

/* Validate a wait; on success *size is 4 or 8. */
static int sabuf_wait_check(const struct sabuf_buffer *buf,
			    const struct sabuf_wait *args, unsigned int *size)
{
	u32 size_flags = args->flags & (SABUF_WAIT_SIZE_U32 | SABUF_WAIT_SIZE_U64);

	if (args->flags & ~SABUF_WAIT_FLAGS_VALID)
		return -EINVAL;
	if (size_flags == SABUF_WAIT_SIZE_U32)
		*size = sizeof(u32);
	else if (size_flags == SABUF_WAIT_SIZE_U64)
		*size = sizeof(u64);
	else
		return -EINVAL;
	if (args->clockid != CLOCK_MONOTONIC && args->clockid != CLOCK_REALTIME)
		return -EINVAL;
	if (args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (args->offset & (*size - 1))
		return -EINVAL;
	if (*size == sizeof(u32) && args->expected > U32_MAX)
		return -EINVAL;
	if (!sabuf_word_in_range(buf, args->offset, *size))
		return -ERANGE;
	return 0;
}

/*
 * Pick up to @count waiters of (@buf, @offset), oldest first, and wake
 * them outside the bucket lock. Returns how many were picked.
 */
static u32 sabuf_notify_index(struct sabuf_buffer *buf, u64 offset, u32 count)
{
	struct sabuf_bucket *hb = wait_queue_for_offset(buf, offset);
	atomic_t *counter = waiter_counter_for_offset(buf, offset);
	struct sabuf_waiter *w, *next;
	LIST_HEAD(picked);
	u32 woken = 0;

	if (!count)
		return 0;
	spin_lock(&hb->lock);
	list_for_each_entry_safe(w, next, &hb->waiters, node) {
		if (w->buf != buf || w->offset != offset)
			continue;
		list_move_tail(&w->node, &picked);
		WRITE_ONCE(w->state, SABUF_WAITER_PICKED);
		waiter_count_dec(buf, counter);
		if (++woken == count)
			break;
	}
	spin_unlock(&hb->lock);

	/* Unlocked: each waiter stays put until its (C). */
	list_for_each_entry_safe(w, next, &picked, node) {
		struct task_struct *task = get_task_struct(w->task);

		smp_store_release(&w->state, SABUF_WAITER_WOKEN);	/* (C): w may vanish now */
		wake_up_process(task);
		put_task_struct(task);
	}
	return woken;
}

/* Picked while leaving: wait for the notifier's (C); we count as woken. */
static void sabuf_wait_for_woken(struct sabuf_waiter *w)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);	/* (D) */
		if (smp_load_acquire(&w->state) == SABUF_WAITER_WOKEN)	/* pairs with (C) */
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

long sabuf_ioctl_wait(struct sabuf_buffer *buf, const struct sabuf_wait *uargs)
{
	struct sabuf_wait args = *uargs;
	struct sabuf_waiter w;
	struct sabuf_bucket *hb;
	struct page *page;
	atomic_t *counter;
	unsigned int size;
	bool has_deadline, relative, timed_out = false;
	ktime_t deadline = 0;
	u64 word;
	long ret;

	ret = sabuf_wait_check(buf, &args, &size);
	if (ret)
		return ret;

	has_deadline = args.timeout_ns >= 0;
	relative = has_deadline && !(args.flags & SABUF_WAIT_ABSTIME);
	if (has_deadline) {
		deadline = ns_to_ktime(args.timeout_ns);
		if (relative) {
			/*
			 * A relative timeout is a duration: it runs on
			 * CLOCK_MONOTONIC whatever clockid says, so that
			 * setting the wall clock cannot cut it short.
			 */
			args.clockid = CLOCK_MONOTONIC;
			deadline = ktime_add_safe(ktime_get(), deadline);
		} else {
			/* The caller's clock may be offset by its time namespace. */
			deadline = sabuf_timens_to_host(args.clockid, deadline);
		}
	}

	page = sabuf_backing_get_page(buf->backing, args.offset >> PAGE_SHIFT);
	if (IS_ERR(page))
		return PTR_ERR(page);

	atomic64_inc(&buf->waits);
	hb = wait_queue_for_offset(buf, args.offset);
	counter = waiter_counter_for_offset(buf, args.offset);

	waiter_count_inc(buf, counter);
	smp_mb__after_atomic();		/* Full barrier (A), see the ordering comment above. */

	spin_lock(&hb->lock);
	word = sabuf_read_word(page, args.offset, size);
	if (word != args.expected) {
		ret = -EAGAIN;
		goto out_unqueued;
	}
	if (has_deadline && ktime_compare(sabuf_clock_now(args.clockid), deadline) >= 0) {
		ret = -ETIMEDOUT;
		goto out_unqueued;
	}
	w.task = current;
	w.buf = buf;
	w.offset = args.offset;
	w.state = SABUF_WAITER_QUEUED;
	list_add_tail(&w.node, &hb->waiters);
	spin_unlock(&hb->lock);
	put_page(page);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);	/* (D) */
		if (smp_load_acquire(&w.state) == SABUF_WAITER_WOKEN)	/* pairs with (C) */
			break;
		if (signal_pending(current))
			break;
		if (!has_deadline) {
			schedule();
		} else if (!schedule_hrtimeout_range_clock(&deadline, current->timer_slack_ns,
							   HRTIMER_MODE_ABS, args.clockid)) {
			timed_out = true;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);

	if (smp_load_acquire(&w.state) == SABUF_WAITER_WOKEN)	/* pairs with (C) */
		return sabuf_wait_woken(buf, &args);

	spin_lock(&hb->lock);
	if (w.state != SABUF_WAITER_QUEUED) {
		/* A notify picked us while we were leaving: we count as woken. */
		spin_unlock(&hb->lock);
		sabuf_wait_for_woken(&w);
		return sabuf_wait_woken(buf, &args);
	}
	list_del(&w.node);
	spin_unlock(&hb->lock);
	waiter_count_dec(buf, counter);

	if (timed_out || (has_deadline &&
			  ktime_compare(sabuf_clock_now(args.clockid), deadline) >= 0))
		return -ETIMEDOUT;
	/*
	 * A signal. The caller's struct is never rewritten: an absolute or
	 * infinite wait restarts as it was (SA_RESTART keeps the deadline);
	 * a relative one cannot know what is left, so a handler makes it
	 * fail with EINTR whatever SA_RESTART says (a stop or ptrace without
	 * a handler still restarts it, with its whole duration).
	 */
	return relative ? -ERESTARTNOHAND : -ERESTARTSYS;

out_unqueued:
	spin_unlock(&hb->lock);
	put_page(page);
	waiter_count_dec(buf, counter);
	return ret;
}

long sabuf_ioctl_notify(struct sabuf_buffer *buf, const struct sabuf_notify *args)
{
	if (args->flags & ~SABUF_NOTIFY_FLAGS_VALID || args->reserved)
		return -EINVAL;
	if (args->offset & (sizeof(u32) - 1))
		return -EINVAL;
	if (!sabuf_word_in_range(buf, args->offset, sizeof(u32)))
		return -ERANGE;

	atomic64_inc(&buf->notifies);
	return sabuf_notify_index(buf, args->offset, args->count);
}

/* Introspection: find @offset among @out[0..n), or add it if there is room. */
static void sabuf_queue_count(struct sabuf_queue_len *out, unsigned int *n,
			      unsigned int max, u64 offset)
{
	unsigned int i;

	for (i = 0; i < *n; i++) {
		if (out[i].offset == offset) {
			out[i].length++;
			return;
		}
	}
	if (*n < max) {
		out[*n].offset = offset;
		out[*n].length = 1;
		(*n)++;
	}
}

static int sabuf_queue_len_cmp(const void *a, const void *b)
{
	const struct sabuf_queue_len *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * The non-empty queues of @buf, by ascending offset, at most @max of them.
 * A snapshot: each bucket is consistent, the whole is not atomic. Slow on
 * purpose (it visits every bucket); only introspection calls it.
 */
unsigned int sabuf_queue_lengths(const struct sabuf_buffer *buf,
				 struct sabuf_queue_len *out, unsigned int max)
{
	struct sabuf_waiter *w;
	unsigned int i, n = 0;

	for (i = 0; i < (1U << sabuf_hash_bits); i++) {
		struct sabuf_bucket *hb = &sabuf_buckets[i];

		spin_lock(&hb->lock);
		list_for_each_entry(w, &hb->waiters, node)
			if (w->buf == buf)
				sabuf_queue_count(out, &n, max, w->offset);
		spin_unlock(&hb->lock);
		cond_resched();
	}
	sort(out, n, sizeof(*out), sabuf_queue_len_cmp, NULL);
	return n;
}
