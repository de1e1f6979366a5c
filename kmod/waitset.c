// SPDX-License-Identifier: GPL-2.0
/*
 * Waitsets: asynchronous waits (ECMAScript's Atomics.waitAsync, for C
 * event loops), settled into a pollable file. uapi/linux/sabuf.h gives
 * the semantics; waitwake.c the queues and the ordering proof.
 *
 * What this file owns:
 *   struct sabuf_waitset  the private data of one waitset file;
 *   struct sabuf_async    one asynchronous wait: a sleeper without a task
 *                         and its one queue entry (waiter.h), its tag, its
 *                         timer and a reference on its buffer.
 *
 * Where a wait is, and which lock guards it:
 *   pending   on its index's queue (bucket lock, waitwake.c) and in the
 *             waitset's tag tree @pending (ws->lock). It is put in the tree
 *             while sabuf_wait_async() still holds the bucket lock, so the
 *             lock order is bucket lock -> ws->lock, and nothing takes a
 *             bucket lock while it holds ws->lock.
 *   claimed   (waiter.h) by a notify (PICKED: the notifier holds a waitset
 *             reference from the pick, under the bucket lock, until it has
 *             settled the wait: its (C)), or by its own side (LEAVING): its
 *             timer (hard irq: it only claims and hands the wait to
 *             @expire_work through the lock-free @expired list), a cancel,
 *             or the last close; the side that claimed it unlinks it from
 *             its queue and lowers its counter.
 *   settled   on @ready (ws->lock) with its result, out of the tag tree
 *             (a cancel cannot find it), until read(2) takes it.
 * A wait is freed by the reader that took it off @ready, by the cancel or
 * close that claimed it, or with its waitset; always after hrtimer_cancel(),
 * so that no timer callback runs on freed memory.
 *
 * Lifetime: @ref counts the file (one) and each notifier between its pick
 * and its settle. The last close claims and frees every pending wait it
 * can, waits out the timers and @expire_work, and drops the file's
 * reference; the last reference frees what is left on @ready. Each wait
 * holds its buffer, and the file holds the module (fops.owner), so rmmod
 * waits for the last waitset to close.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/highmem.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "sabuf.h"
#include "trace.h"
#include "waiter.h"

unsigned int sabuf_max_waitset_waits = 1U << 20;
/* 0 at load: the default, set by sabuf_waitset_init() (kmod/README.md says why). */
unsigned int sabuf_max_user_waits;

/* What one asynchronous wait may cost, for the default of max_user_waits. */
#define SABUF_ASYNC_COST	512

struct sabuf_waitset {
	refcount_t ref;
	spinlock_t lock;		/* @pending, @ready, @nready; each wait's @node, @link */
	struct rb_root pending;		/* sabuf_async.node, by tag, equal tags oldest first */
	struct list_head ready;		/* sabuf_async.link, in the order they settled */
	unsigned int nready;		/* on @ready; READ_ONCE outside the lock */
	atomic_t npending;		/* added and not yet settled or freed */
	wait_queue_head_t wqh;		/* poll, epoll and blocking readers */
	struct llist_head expired;	/* claimed by their timer, for @expire_work */
	struct work_struct expire_work;
	struct sabuf_uid *user;		/* the creator's uid: charged for every wait */
};

struct sabuf_async {
	struct sabuf_sleeper sl;	/* .task NULL: no task sleeps */
	struct sabuf_waiter w;		/* its place in its index's queue */
	struct sabuf_waitset *ws;
	struct sabuf_buffer *buf;	/* a reference */
	struct pid *adder;		/* the process that added it (introspection) */
	u64 offset;
	u64 tag;
	struct rb_node node;		/* in ws->pending while pending, else cleared */
	struct list_head link;		/* on ws->ready once settled */
	struct llist_node expired;	/* on ws->expired once its timer claimed it */
	struct hrtimer timer;
	int result;			/* 0 or -ETIMEDOUT; set before it goes on @ready */
};

static struct kmem_cache *sabuf_async_cache;

/* The end of every wait that was added: its uid's charge goes with it. */
static void async_free(struct sabuf_async *a)
{
	hrtimer_cancel(&a->timer);
	sabuf_uid_uncharge(a->ws->user, SABUF_UID_WAITS);
	put_pid(a->adder);
	sabuf_buffer_put(a->buf);
	kmem_cache_free(sabuf_async_cache, a);
}

/*
 * The process that added the asynchronous wait of sleeper @sl (netlink
 * introspection: it holds @sl's bucket lock, so the wait is not freed).
 */
struct pid *sabuf_async_adder(const struct sabuf_sleeper *sl)
{
	return container_of(sl, struct sabuf_async, sl)->adder;
}

static void waitset_put(struct sabuf_waitset *ws)
{
	struct sabuf_async *a, *next;

	if (!refcount_dec_and_test(&ws->ref))
		return;
	/* The file is gone and every notifier has settled: only @ready is left. */
	WARN_ON_ONCE(!RB_EMPTY_ROOT(&ws->pending));
	list_for_each_entry_safe(a, next, &ws->ready, link)
		async_free(a);
	sabuf_uid_put(ws->user);
	kfree(ws);
}

/* Take @a out of the tag tree, if it is still there. ws->lock held. */
static void async_unpend(struct sabuf_waitset *ws, struct sabuf_async *a)
{
	lockdep_assert_held(&ws->lock);
	if (RB_EMPTY_NODE(&a->node))
		return;
	rb_erase(&a->node, &ws->pending);
	RB_CLEAR_NODE(&a->node);
}

/*
 * Every added wait's end is traced (sabuf_async_settle) exactly once: its
 * settling here, a cancel or close (-ECANCELED), or the add's own failure.
 */
static void async_trace_settle(struct sabuf_async *a, int result)
{
	trace_sabuf_async_settle(a->buf->id, a->offset, a->tag, result);
}

/* Settle claimed wait @a with @result: onto @ready, then wake the pollers. */
static void async_settle(struct sabuf_waitset *ws, struct sabuf_async *a, int result)
{
	async_trace_settle(a, result);	/* while @a is surely ours */
	a->result = result;
	spin_lock(&ws->lock);
	async_unpend(ws, a);
	list_add_tail(&a->link, &ws->ready);
	WRITE_ONCE(ws->nready, ws->nready + 1);
	atomic_dec(&ws->npending);
	spin_unlock(&ws->lock);		/* a reader may free @a from here on */
	wake_up_interruptible_poll(&ws->wqh, EPOLLIN | EPOLLRDNORM);
}

/* A notify picked @sl (under its bucket lock): hold the waitset until settled. */
void sabuf_async_picked(struct sabuf_sleeper *sl)
{
	struct sabuf_async *a = container_of(sl, struct sabuf_async, sl);

	refcount_inc(&a->ws->ref);
}

/* The notifier's (C) for an asynchronous wait (see waitwake.c). */
void sabuf_async_settle(struct sabuf_sleeper *sl)
{
	struct sabuf_async *a = container_of(sl, struct sabuf_async, sl);
	struct sabuf_waitset *ws = a->ws;

	async_settle(ws, a, 0);
	waitset_put(ws);
}

/* Hard irq: claim the wait and leave the rest to process context. */
static enum hrtimer_restart async_timeout(struct hrtimer *timer)
{
	struct sabuf_async *a = container_of(timer, struct sabuf_async, timer);
	struct sabuf_waitset *ws = a->ws;

	if (sabuf_sleeper_claim(&a->sl)) {
		llist_add(&a->expired, &ws->expired);
		queue_work(system_unbound_wq, &ws->expire_work);
	}
	return HRTIMER_NORESTART;
}

static void waitset_expire(struct work_struct *work)
{
	struct sabuf_waitset *ws = container_of(work, struct sabuf_waitset, expire_work);
	struct llist_node *list = llist_reverse_order(llist_del_all(&ws->expired));
	struct sabuf_async *a, *next;

	llist_for_each_entry_safe(a, next, list, expired) {
		sabuf_waiter_unqueue(a->buf, a->offset, &a->w);
		async_settle(ws, a, -ETIMEDOUT);
	}
}

/* The tag tree: equal tags go right, so an in-order walk meets them oldest first. */
static void async_pend(struct sabuf_waitset *ws, struct sabuf_async *a)
{
	struct rb_node **link = &ws->pending.rb_node, *parent = NULL;

	lockdep_assert_held(&ws->lock);
	while (*link) {
		parent = *link;
		if (a->tag < rb_entry(parent, struct sabuf_async, node)->tag)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&a->node, parent, link);
	rb_insert_color(&a->node, &ws->pending);
}

/* The oldest pending wait with @tag, or NULL. ws->lock held. */
static struct rb_node *async_first_with_tag(struct sabuf_waitset *ws, u64 tag)
{
	struct rb_node *n = ws->pending.rb_node, *found = NULL;

	while (n) {
		u64 t = rb_entry(n, struct sabuf_async, node)->tag;

		if (tag <= t) {
			if (tag == t)
				found = n;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return found;
}

/* Under the bucket lock, just queued: into the tag tree, and its timer. */
static void async_queued(struct sabuf_waiter *w, void *ctx, bool has_deadline, u32 clockid,
			 ktime_t deadline)
{
	struct sabuf_async *a = container_of(w, struct sabuf_async, w);
	struct sabuf_waitset *ws = a->ws;

	spin_lock(&ws->lock);
	async_pend(ws, a);
	spin_unlock(&ws->lock);
	if (has_deadline) {
		/* The timer was set up on this clock (waitset_add); only the time is new. */
		WARN_ON_ONCE(clockid != a->timer.base->clockid);
		hrtimer_start_range_ns(&a->timer, deadline, current->timer_slack_ns,
				       HRTIMER_MODE_ABS);
	}
}

static long waitset_add(struct sabuf_waitset *ws, const struct sabuf_waitset_add *args)
{
	const struct sabuf_wait *wait = &args->wait;
	struct sabuf_buffer *buf;
	struct sabuf_async *a;
	struct file *file;
	clockid_t clock;
	long ret;

	if (args->flags & ~SABUF_WAITSET_ADD_FLAGS_VALID)
		return -EINVAL;
	file = fget(args->fd);
	if (!file)
		return -EBADF;
	ret = -EINVAL;
	if (!sabuf_file_is_handle(file))
		goto out_file;
	ret = -EBADFD;
	buf = sabuf_handle_buffer(file->private_data);
	if (!buf)
		goto out_file;
	ret = -ENOSPC;
	if (atomic_inc_return(&ws->npending) > READ_ONCE(sabuf_max_waitset_waits))
		goto out_unreserve;
	/* Pending and unread, over all the uid's waitsets; async_free() uncharges. */
	ret = sabuf_uid_charge(ws->user, SABUF_UID_WAITS, READ_ONCE(sabuf_max_user_waits));
	if (ret)
		goto out_unreserve;
	ret = -ENOMEM;
	a = kmem_cache_zalloc(sabuf_async_cache, GFP_KERNEL_ACCOUNT);
	if (!a) {
		sabuf_uid_uncharge(ws->user, SABUF_UID_WAITS);
		goto out_unreserve;
	}
	a->sl.state = SABUF_WAITER_QUEUED;
	a->sl.kind = SABUF_SLEEPER_ASYNC;
	a->w.sleeper = &a->sl;
	a->ws = ws;
	a->buf = buf;
	sabuf_buffer_get(buf);
	a->adder = get_pid(task_tgid(current));
	a->offset = wait->offset;
	a->tag = args->tag;
	RB_CLEAR_NODE(&a->node);
	INIT_LIST_HEAD(&a->link);
	/* A relative timeout runs on CLOCK_MONOTONIC (waitwake.c, sabuf_wait_deadline). */
	clock = (wait->flags & SABUF_WAIT_ABSTIME) && wait->clockid == CLOCK_REALTIME ?
		CLOCK_REALTIME : CLOCK_MONOTONIC;
	sabuf_hrtimer_setup(&a->timer, async_timeout, clock, HRTIMER_MODE_ABS);

	trace_sabuf_wait_start(buf->id, wait->offset, wait->expected, SABUF_TRACE_KIND_ASYNC,
			       a->tag);
	ret = sabuf_wait_async(buf, wait, &a->w, async_queued, NULL);
	if (ret) {
		/* settled at once (-EAGAIN, -ETIMEDOUT), or refused */
		async_trace_settle(a, ret);
		async_free(a);
		goto out_unreserve;
	}
	fput(file);
	return 0;

out_unreserve:
	atomic_dec(&ws->npending);
out_file:
	fput(file);
	return ret;
}

static long waitset_cancel(struct sabuf_waitset *ws, const struct sabuf_waitset_cancel *args)
{
	struct sabuf_async *a = NULL;
	struct rb_node *n;

	if (args->flags & ~SABUF_WAITSET_CANCEL_FLAGS_VALID || args->reserved)
		return -EINVAL;
	spin_lock(&ws->lock);
	for (n = async_first_with_tag(ws, args->tag); n; n = rb_next(n)) {
		struct sabuf_async *it = rb_entry(n, struct sabuf_async, node);

		if (it->tag != args->tag)
			break;
		/* Claimed by a notify or its timer: settled, not ours to cancel. */
		if (sabuf_sleeper_claim(&it->sl)) {
			a = it;
			async_unpend(ws, a);
			break;
		}
	}
	spin_unlock(&ws->lock);
	if (!a)
		return -ENOENT;
	hrtimer_cancel(&a->timer);
	sabuf_waiter_unqueue(a->buf, a->offset, &a->w);
	atomic_dec(&ws->npending);
	async_trace_settle(a, -ECANCELED);
	async_free(a);
	return 0;
}

static long waitset_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sabuf_waitset *ws = file->private_data;
	void __user *uarg = (void __user *)arg;
	union {
		struct sabuf_waitset_add add;
		struct sabuf_waitset_cancel cancel;
	} u;
	long ret;

	if (_IOC_TYPE(cmd) != SABUF_IOC_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(SABUF_IOC_WAITSET_ADD):
		ret = SABUF_ARGS_IN(u.add, SABUF_WAITSET_ADD_SIZE_VER0, cmd, uarg);
		return ret ?: waitset_add(ws, &u.add);
	case _IOC_NR(SABUF_IOC_WAITSET_CANCEL):
		ret = SABUF_ARGS_IN(u.cancel, SABUF_WAITSET_CANCEL_SIZE_VER0, cmd, uarg);
		return ret ?: waitset_cancel(ws, &u.cancel);
	default:
		return -ENOTTY;
	}
}

/* Up to @len / 16 results, oldest first; blocks for the first unless O_NONBLOCK. */
static ssize_t waitset_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	struct sabuf_waitset *ws = file->private_data;
	size_t max = len / sizeof(struct sabuf_waitset_result), got = 0, done = 0;
	struct sabuf_async *a, *next;
	LIST_HEAD(taken);
	int ret;

	if (!max)
		return -EINVAL;
	for (;;) {
		spin_lock(&ws->lock);
		while (got < max && !list_empty(&ws->ready)) {
			list_move_tail(ws->ready.next, &taken);
			got++;
		}
		WRITE_ONCE(ws->nready, ws->nready - got);
		spin_unlock(&ws->lock);
		if (got)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(ws->wqh, READ_ONCE(ws->nready));
		if (ret)
			return ret;
	}
	list_for_each_entry_safe(a, next, &taken, link) {
		struct sabuf_waitset_result r = { .tag = a->tag, .result = a->result };

		if (copy_to_user(ubuf + done * sizeof(r), &r, sizeof(r)))
			break;
		list_del(&a->link);
		async_free(a);
		done++;
	}
	if (done < got) {
		/* A fault: what was not delivered goes back, in order, for the next read. */
		spin_lock(&ws->lock);
		list_splice(&taken, &ws->ready);
		WRITE_ONCE(ws->nready, ws->nready + (got - done));
		spin_unlock(&ws->lock);
		if (!done)
			return -EFAULT;
	}
	return done * sizeof(struct sabuf_waitset_result);
}

static __poll_t waitset_poll(struct file *file, poll_table *pt)
{
	struct sabuf_waitset *ws = file->private_data;

	poll_wait(file, &ws->wqh, pt);
	return READ_ONCE(ws->nready) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* The last close: cancel what is pending, then let the last reference free the rest. */
static int waitset_release(struct inode *inode, struct file *file)
{
	struct sabuf_waitset *ws = file->private_data;

	for (;;) {
		struct sabuf_async *a;
		struct rb_node *n;

		spin_lock(&ws->lock);
		n = rb_first(&ws->pending);
		if (n) {
			a = rb_entry(n, struct sabuf_async, node);
			async_unpend(ws, a);
		}
		spin_unlock(&ws->lock);
		if (!n)
			break;
		/* After this its timer cannot claim it any more. */
		hrtimer_cancel(&a->timer);
		if (sabuf_sleeper_claim(&a->sl)) {
			sabuf_waiter_unqueue(a->buf, a->offset, &a->w);
			atomic_dec(&ws->npending);
			async_trace_settle(a, -ECANCELED);
			async_free(a);
		}
		/* else a notify or the timer settles it onto @ready: freed with @ws */
		cond_resched();
	}
	flush_work(&ws->expire_work);
	waitset_put(ws);
	return 0;
}

static const struct file_operations sabuf_waitset_fops = {
	.owner		= THIS_MODULE,
	.release	= waitset_release,
	.read		= waitset_read,
	.poll		= waitset_poll,
	.unlocked_ioctl	= waitset_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

long sabuf_ioctl_waitset_create(const struct sabuf_waitset_create *args)
{
	struct sabuf_waitset *ws;
	int flags = O_RDWR | O_CLOEXEC;
	int fd;

	if (args->flags & ~SABUF_WAITSET_FLAGS_VALID || args->reserved)
		return -EINVAL;
	if (args->flags & SABUF_WAITSET_NONBLOCK)
		flags |= O_NONBLOCK;
	ws = kzalloc(sizeof(*ws), GFP_KERNEL_ACCOUNT);
	if (!ws)
		return -ENOMEM;
	/* As epoll's max_user_watches: the waitset's creator is charged. */
	ws->user = sabuf_uid_get(current_uid());
	if (!ws->user) {
		kfree(ws);
		return -ENOMEM;
	}
	refcount_set(&ws->ref, 1);
	spin_lock_init(&ws->lock);
	ws->pending = RB_ROOT;
	INIT_LIST_HEAD(&ws->ready);
	init_waitqueue_head(&ws->wqh);
	init_llist_head(&ws->expired);
	INIT_WORK(&ws->expire_work, waitset_expire);
	fd = anon_inode_getfd("[sabuf-waitset]", &sabuf_waitset_fops, ws, flags);
	if (fd < 0) {
		sabuf_uid_put(ws->user);
		kfree(ws);
	}
	return fd;
}

int sabuf_waitset_init(void)
{
	/* As epoll's max_user_watches: 1/25 of RAM (below 4 GiB of highmem) in waits. */
	if (!sabuf_max_user_waits)
		sabuf_max_user_waits = min_t(u64, U32_MAX,
					     ((u64)(totalram_pages() - totalhigh_pages()) / 25 <<
					      PAGE_SHIFT) / SABUF_ASYNC_COST);
	sabuf_async_cache = KMEM_CACHE(sabuf_async, SLAB_ACCOUNT);
	return sabuf_async_cache ? 0 : -ENOMEM;
}

void sabuf_waitset_exit(void)
{
	kmem_cache_destroy(sabuf_async_cache);
}
