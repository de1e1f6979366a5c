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
 * Waking. A waiter lives on its own stack. The notifier, under the bucket
 * lock, takes a reference on the waiter's task, unlinks it, and only then
 * publishes w->woken with a release store (C). Once the waiter sees woken
 * (acquire, pairs with (C)) it may return at once, so after (C) the
 * notifier touches only its task reference. The waiter sets its task state
 * before it reads woken (D, the full barrier in set_current_state), and the
 * notifier calls wake_up_process() after (C): either the waiter sees woken
 * or the wake-up finds it sleeping.
 *
 * Exactly-once results. Only the notifier that unlinks a waiter sets its
 * woken flag, and it counts the waiter in its return value at that moment.
 * A waiter that stops waiting for any other reason (timeout, signal) must
 * unlink itself under the same lock, and if it finds woken set there, it
 * reports "woken" instead: a picked waiter is never lost, never counted
 * twice, and never reports a timeout or an interruption.
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
	struct list_head node;		/* in bucket->waiters; bucket->lock */
	struct task_struct *task;
	const struct sabuf_buffer *buf;
	u64 offset;
	int woken;			/* set once, by the notifier that unlinked us (C) */
};

/* How many woken tasks notify collects before waking them unlocked. */
#define SABUF_WAKE_BATCH 16

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

/* Read the word through the kernel's own mapping of its page. */
static u64 sabuf_read_word(const struct sabuf_buffer *buf, u64 offset, unsigned int size)
{
	struct page *page = buf->pages[offset >> PAGE_SHIFT];
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
	if (buf->byte_length < *size || args->offset > buf->byte_length - *size)
		return -ERANGE;
	return 0;
}

/*
 * A signal interrupted the wait. Turn a relative timeout into the absolute
 * deadline it stood for, in the caller's struct, so that a restart (under
 * SA_RESTART, or after a stop) keeps the original deadline.
 */
static long sabuf_wait_interrupted(struct sabuf_wait __user *uarg,
				   const struct sabuf_wait *args, ktime_t deadline)
{
	if (args->timeout_ns >= 0 && !(args->flags & SABUF_WAIT_ABSTIME)) {
		/* args->clockid is CLOCK_MONOTONIC here: see sabuf_ioctl_wait(). */
		if (put_user(ktime_to_ns(deadline), &uarg->timeout_ns) ||
		    put_user(args->clockid, &uarg->clockid) ||
		    put_user(args->flags | SABUF_WAIT_ABSTIME, &uarg->flags))
			return -EFAULT;
	}
	return -ERESTARTSYS;
}

long sabuf_ioctl_wait(struct sabuf_buffer *buf, struct sabuf_wait __user *uarg)
{
	struct sabuf_wait args;
	struct sabuf_waiter w;
	struct sabuf_bucket *hb;
	atomic_t *counter;
	unsigned int size;
	bool has_deadline, timed_out = false;
	ktime_t deadline = 0;
	long ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (!sabuf_is_created(buf))
		return -EBADFD;
	ret = sabuf_wait_check(buf, &args, &size);
	if (ret)
		return ret;

	has_deadline = args.timeout_ns >= 0;
	if (has_deadline) {
		deadline = ns_to_ktime(args.timeout_ns);
		if (!(args.flags & SABUF_WAIT_ABSTIME)) {
			/*
			 * A relative timeout is a duration: it runs on
			 * CLOCK_MONOTONIC whatever clockid says, so that
			 * setting the wall clock cannot cut it short.
			 */
			args.clockid = CLOCK_MONOTONIC;
			deadline = ktime_add_safe(ktime_get(), deadline);
		}
	}

	atomic64_inc(&buf->waits);
	hb = wait_queue_for_offset(buf, args.offset);
	counter = waiter_counter_for_offset(buf, args.offset);

	waiter_count_inc(buf, counter);
	smp_mb__after_atomic();		/* Full barrier (A), see the ordering comment above. */

	spin_lock(&hb->lock);
	if (sabuf_read_word(buf, args.offset, size) != args.expected) {
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
	w.woken = 0;
	list_add_tail(&w.node, &hb->waiters);
	spin_unlock(&hb->lock);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);	/* (D) */
		if (smp_load_acquire(&w.woken))		/* pairs with (C) */
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

	if (smp_load_acquire(&w.woken))		/* pairs with (C) */
		return 0;

	spin_lock(&hb->lock);
	if (w.woken) {
		/* A notify picked us while we were leaving: we count as woken. */
		spin_unlock(&hb->lock);
		return 0;
	}
	list_del(&w.node);
	spin_unlock(&hb->lock);
	waiter_count_dec(buf, counter);

	if (timed_out || (has_deadline &&
			  ktime_compare(sabuf_clock_now(args.clockid), deadline) >= 0))
		return -ETIMEDOUT;
	return sabuf_wait_interrupted(uarg, &args, deadline);

out_unqueued:
	spin_unlock(&hb->lock);
	waiter_count_dec(buf, counter);
	return ret;
}

static void sabuf_wake_tasks(struct task_struct **tasks, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		wake_up_process(tasks[i]);
		put_task_struct(tasks[i]);
	}
}

long sabuf_ioctl_notify(struct sabuf_buffer *buf, struct sabuf_notify __user *uarg)
{
	struct task_struct *batch[SABUF_WAKE_BATCH];
	struct sabuf_waiter *w, *next;
	struct sabuf_notify args;
	struct sabuf_bucket *hb;
	atomic_t *counter;
	unsigned int nr_batch = 0;
	u32 woken = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (!sabuf_is_created(buf))
		return -EBADFD;
	if (args.flags & ~SABUF_NOTIFY_FLAGS_VALID || args.reserved)
		return -EINVAL;
	if (args.offset & (sizeof(u32) - 1))
		return -EINVAL;
	if (buf->byte_length < sizeof(u32) || args.offset > buf->byte_length - sizeof(u32))
		return -ERANGE;

	atomic64_inc(&buf->notifies);
	if (!args.count)
		return 0;
	hb = wait_queue_for_offset(buf, args.offset);
	counter = waiter_counter_for_offset(buf, args.offset);

	spin_lock(&hb->lock);
	list_for_each_entry_safe(w, next, &hb->waiters, node) {
		if (w->buf != buf || w->offset != args.offset)
			continue;
		if (nr_batch == SABUF_WAKE_BATCH) {
			/* Rare: many waiters. Waking under the lock is correct, only slower. */
			sabuf_wake_tasks(batch, nr_batch);
			nr_batch = 0;
		}
		batch[nr_batch++] = get_task_struct(w->task);
		list_del(&w->node);
		waiter_count_dec(buf, counter);
		smp_store_release(&w->woken, 1);	/* (C): w may vanish after this */
		if (++woken == args.count)
			break;
	}
	spin_unlock(&hb->lock);
	sabuf_wake_tasks(batch, nr_batch);
	return woken;
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
