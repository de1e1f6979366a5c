/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sabuf internals: the buffer, the handles (struct file) that refer to it,
 * and the entry points each kmod/ file offers the others.
 *
 * Objects and lifetimes:
 *
 *   struct file (/dev/sabuf open, or a read-only dup)
 *     private_data -> struct sabuf_handle: empty until CREATE, then points
 *                     at one buffer (a reference), never changes again.
 *   struct sabuf_buffer: refcounted (@ref). Every handle holds one
 *     reference. Every mapping holds a reference on the handle file it was
 *     made through (the counter page's VMA as vm_file, a data VMA in
 *     vm_private_data, since its vm_file is the backing file), and that
 *     file's fops.owner holds the module. So a buffer lives exactly as long
 *     as any fd or mapping refers to it, no waiter can outlive it (a waiter
 *     runs inside an ioctl on a held file), and rmmod fails while any
 *     buffer exists. backing.c says what the backing file is.
 */
#ifndef SABUF_INTERNAL_H
#define SABUF_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include <linux/sabuf.h>

struct file;
struct page;
struct pid;
struct sabuf_bucket;

/*
 * The read-only page mapped after the data: SABUF_COUNTER_SLOTS waiter
 * counters (u32) in its first half, struct sabuf_status in its second.
 */
#define SABUF_COUNTER_SLOTS	(PAGE_SIZE / 2 / sizeof(u32))
#define SABUF_STATUS_OFFSET	(PAGE_SIZE / 2)

struct sabuf_buffer {
	struct kref ref;

	/* Set at create, then constant. */
	struct file *backing;		/* the pages: a shmem file (backing.c) */
	u64 max_byte_length;		/* == byte_length at create unless growable */
	unsigned long max_pages;	/* max_byte_length rounded up, in pages */
	bool growable;
	struct page *counters_page;	/* counters + status, read-only to users */
	atomic_t *counters;		/* SABUF_COUNTER_SLOTS of them */
	struct sabuf_status *status;	/* in counters_page */
	u64 id;				/* never reused while the module is loaded */
	kuid_t uid;			/* creator, charged for max_user_bytes */
	u64 charged;			/* bytes charged to @uid */
	struct pid *creator;		/* creator's thread group */
	u64 created_ns;			/* CLOCK_REALTIME at create */

	/*
	 * The current length. grow_lock serializes SABUF_IOC_GROW; the
	 * value is written with a release store after the new pages exist
	 * (and mirrored into status->byte_length for userspace), and read
	 * locklessly with an acquire load (sabuf_byte_length()).
	 */
	struct mutex grow_lock;
	u64 byte_length;

	/* Statistics, updated locklessly. */
	atomic_t mappings;		/* live VMAs of this buffer */
	atomic_t waiters;		/* queued waiters, all offsets, every kind */
	atomic_t waiters_any;		/* of which waits on any of N words (per entry) */
	atomic_t waiters_async;		/* of which asynchronous (waitset) waits */
	atomic_t handles;		/* handle files referring to us */
	atomic64_t waits;		/* SABUF_IOC_WAIT calls that slept or checked */
	atomic64_t notifies;		/* SABUF_IOC_NOTIFY calls */

	/*
	 * Wait queues by offset >> 2 (waitwake.c): each slot is stored and
	 * erased under its bucket's lock (one of @buckets, hashed by offset),
	 * read under RCU by introspection.
	 */
	struct xarray queues;
	struct sabuf_bucket *buckets;	/* the buffer's own queue locks (waitwake.c) */

	/* Its name while it has one (names.c); sabuf_names_lock. */
	struct sabuf_name *name;
	struct list_head name_gone;	/* names.c's list of buffers to put */

	struct list_head files;		/* sabuf_handle.node; @files_lock */
	spinlock_t files_lock;
	struct rcu_head rcu;		/* sabuf_buffers is read under RCU */
};

/* The private data of every sabuf file. */
struct sabuf_handle {
	struct mutex create_lock;	/* serializes CREATE on this handle */
	struct sabuf_buffer *buf;	/* NULL until created; see sabuf_handle_buffer() */
	struct file *file;		/* the file we are the private data of */
	struct list_head node;		/* in buf->files */
};

/* The handle's buffer, or NULL while it is empty. */
static inline struct sabuf_buffer *sabuf_handle_buffer(const struct sabuf_handle *h)
{
	/* Pairs with the smp_store_release() that publishes a created buffer. */
	return smp_load_acquire(&h->buf);
}

static inline u64 sabuf_byte_length(const struct sabuf_buffer *buf)
{
	/* Pairs with the release store in sabuf_ioctl_grow(). */
	return smp_load_acquire(&buf->byte_length);
}

/* buffer.c */
extern unsigned long sabuf_max_buffer_bytes;
extern unsigned long sabuf_max_user_bytes;
/*
 * The live buffers: sabuf_buffers maps id -> buffer. Readers use RCU and
 * take a reference with sabuf_buffer_get_next() (lookups are O(log n), a
 * dump resumes by id); create and release store and erase under the
 * xarray's own lock. sabuf_registry_lock guards only the per-user byte
 * totals and the id counter; no hot path and no introspection takes it.
 * sabuf_registry_seq is bumped on every add and remove (dumps compare it).
 */
extern struct mutex sabuf_registry_lock;
extern struct xarray sabuf_buffers;
extern atomic_t sabuf_registry_seq;
struct sabuf_buffer *sabuf_buffer_get_next(u64 *id);
void sabuf_buffer_put(struct sabuf_buffer *buf);
static inline void sabuf_buffer_get(struct sabuf_buffer *buf)
{
	kref_get(&buf->ref);
}
struct sabuf_handle *sabuf_handle_alloc(struct file *file);
void sabuf_buffer_attach(struct sabuf_handle *h, struct sabuf_buffer *buf);
void sabuf_handle_free(struct sabuf_handle *h);
long sabuf_ioctl_create(struct sabuf_handle *h, const struct sabuf_create *args);
long sabuf_ioctl_info(struct file *file, struct sabuf_info *info);
long sabuf_ioctl_grow(struct file *file, const struct sabuf_grow *args);
long sabuf_ioctl_dup_readonly(struct file *file, const struct sabuf_dup *args);
long sabuf_file_refs(struct sabuf_buffer *buf);

/* backing.c */
int sabuf_backing_init(void);
void sabuf_backing_exit(void);
struct file *sabuf_backing_create(u64 id, u64 max_bytes);
int sabuf_backing_populate(struct file *backing, u64 from, u64 to);
void sabuf_backing_set_size(struct file *backing, u64 bytes);
struct page *sabuf_backing_get_page(struct file *backing, pgoff_t index);
int sabuf_backing_zero_tail(struct file *backing, u64 from);

/* robust.c */
struct sabuf_owner;
struct wait_queue_entry;
long sabuf_ioctl_robust_register(const struct sabuf_robust *args);
struct sabuf_owner *sabuf_owner_get(u32 id);
void sabuf_owner_put(struct sabuf_owner *o);
bool sabuf_owner_dead(struct sabuf_owner *o);
void sabuf_owner_watch(struct sabuf_owner *o, struct wait_queue_entry *wqe);
void sabuf_owner_unwatch(struct sabuf_owner *o, struct wait_queue_entry *wqe);
void sabuf_owner_exiting_wake(void);
struct pid_namespace;
/* An owner as introspection shows it (sabuf_owner_describe()). */
struct sabuf_owner_view {
	pid_t tid, pid;			/* in the reader's pid namespace; 0 outside it */
	char comm[TASK_COMM_LEN];
	bool dead;
};
void sabuf_owner_describe(u32 id, struct pid_namespace *ns, struct sabuf_owner_view *v);
int sabuf_robust_init(void);
void sabuf_robust_exit(void);
extern unsigned int sabuf_max_user_owners;

/* mmap.c */
int sabuf_mmap(struct file *file, struct vm_area_struct *vma);
struct sabuf_buffer *sabuf_vma_buffer(struct vm_area_struct *vma);
unsigned long sabuf_get_unmapped_area(struct file *file, unsigned long addr,
				      unsigned long len, unsigned long pgoff,
				      unsigned long flags);

/* waitwake.c */
int sabuf_waitwake_init(void);
void sabuf_waitwake_exit(void);
long sabuf_ioctl_wait(struct sabuf_buffer *buf, const struct sabuf_wait *args);
long sabuf_ioctl_notify(struct sabuf_buffer *buf, const struct sabuf_notify *args);
long sabuf_ioctl_notify_wait(struct sabuf_buffer *buf, const struct sabuf_notify_wait *args);
long sabuf_ioctl_wait_any(const struct sabuf_wait_any *args);
struct sabuf_waiter;
struct sabuf_sleeper;
/* Publishes a queued asynchronous wait, under its bucket lock (waitwake.c). */
typedef void (*sabuf_async_queued_fn)(struct sabuf_waiter *w, void *ctx, bool has_deadline,
				      u32 clockid, ktime_t deadline);
long sabuf_wait_async(struct sabuf_buffer *buf, const struct sabuf_wait *args,
		      struct sabuf_waiter *w, sabuf_async_queued_fn queued, void *ctx);
void sabuf_waiter_unqueue(struct sabuf_buffer *buf, u64 offset, struct sabuf_waiter *w);
u32 sabuf_queue_for_each(struct sabuf_buffer *buf, u64 offset, u32 skip,
			 bool (*fn)(void *ctx, const struct sabuf_waiter *w), void *ctx);
int sabuf_word_peek(struct sabuf_buffer *buf, u64 offset, u32 *val);

extern unsigned int sabuf_handoff_spin_ns;

/* user.c: per-uid counts for the per-uid limits */
enum sabuf_uid_res {
	SABUF_UID_WAITS,	/* asynchronous waits pending or unread (max_user_waits) */
	SABUF_UID_OWNERS,	/* live robust owner ids (max_user_owners, robust.c) */
	SABUF_UID_NR_RES
};

struct sabuf_uid;
struct sabuf_uid *sabuf_uid_get(kuid_t uid);
void sabuf_uid_put(struct sabuf_uid *u);
int sabuf_uid_charge(struct sabuf_uid *u, enum sabuf_uid_res res, unsigned int limit);
void sabuf_uid_uncharge(struct sabuf_uid *u, enum sabuf_uid_res res);

/* waitset.c */
extern unsigned int sabuf_max_waitset_waits;
extern unsigned int sabuf_max_user_waits;
int sabuf_waitset_init(void);
void sabuf_waitset_exit(void);
long sabuf_ioctl_waitset_create(const struct sabuf_waitset_create *args);
void sabuf_async_picked(struct sabuf_sleeper *sl);
void sabuf_async_settle(struct sabuf_sleeper *sl);

/* main.c */
extern const struct file_operations sabuf_fops;
bool sabuf_file_is_handle(const struct file *file);
int sabuf_args_in(void *dst, size_t ksize, size_t ver0, unsigned int cmd,
		  unsigned int dir, const void __user *uarg);
/*
 * A caller of our own version (the common case) is one copy_from_user()
 * of a size known at compile time, which hardened usercopy need not check
 * at run time (it costs several percent of a wait that finds the word
 * changed); any other size goes through sabuf_args_in(), which would
 * copy the same bytes.
 */
static __always_inline int sabuf_args_in_write(void *dst, size_t ksize, size_t ver0,
					       unsigned int cmd, const void __user *uarg)
{
	if (_IOC_DIR(cmd) == _IOC_WRITE && _IOC_SIZE(cmd) == ksize)
		return copy_from_user(dst, uarg, ksize) ? -EFAULT : 0;
	return sabuf_args_in(dst, ksize, ver0, cmd, _IOC_WRITE, uarg);
}
#define SABUF_ARGS_IN(args, VER0, cmd, uarg) \
	sabuf_args_in_write(&(args), sizeof(args), VER0, cmd, uarg)

bool sabuf_queue_next(struct sabuf_buffer *buf, u64 *offset, u32 *len);
int sabuf_queues_init(struct sabuf_buffer *buf);
void sabuf_queues_release(struct sabuf_buffer *buf);

/* names.c */
long sabuf_ioctl_open(const struct sabuf_open *args);
long sabuf_ioctl_unlink(const struct sabuf_unlink *args);
bool sabuf_buffer_name(struct sabuf_buffer *buf, char *out);
void sabuf_names_sweep(void);
void sabuf_names_exit(void);

/* holders.c */
/* One process holding a buffer, as introspection shows it. */
struct sabuf_holder {
	pid_t pid;			/* in the reader's pid namespace */
	char comm[TASK_COMM_LEN];
	u32 fds, mappings;
};
bool sabuf_holder_next(struct sabuf_buffer *buf, struct pid_namespace *ns, pid_t *nr,
		       struct sabuf_holder *h);
/*
 * A task's command name, without its lock (as 6.13+'s get_task_comm()
 * reads it): a rename meanwhile may give a mix, never a missing NUL.
 */
static inline void sabuf_task_comm(char *out, struct task_struct *t)
{
	strscpy_pad(out, t->comm, TASK_COMM_LEN);
}

/* netlink.c */
int sabuf_netlink_init(void);
void sabuf_netlink_exit(void);

#endif /* SABUF_INTERNAL_H */
