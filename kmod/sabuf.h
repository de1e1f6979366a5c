/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sabuf internals: the buffer behind each open /dev/sabuf file, and the
 * entry points each kmod/ file offers the others.
 *
 * Lifetime: a buffer is the private data of one struct file. Every mapping
 * holds a reference on that file (vma->vm_file), every ioctl runs with the
 * file held, and the file holds the module (fops.owner). So the buffer
 * lives exactly as long as any fd or mapping refers to it, no waiter can
 * outlive it, and rmmod fails while any buffer exists.
 */
#ifndef SABUF_INTERNAL_H
#define SABUF_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/sabuf.h>

struct page;
struct pid;

/* One u32 waiter counter per slot; the slots fill exactly one page. */
#define SABUF_COUNTER_SLOTS	(PAGE_SIZE / sizeof(u32))

struct sabuf_buffer {
	/*
	 * create_lock serializes SABUF_IOC_CREATE on one handle. The fields
	 * below it are written once under it, then published by the release
	 * store of @created; readers check sabuf_is_created() (acquire) first
	 * and then read them without a lock.
	 */
	struct mutex create_lock;
	bool created;
	u64 byte_length;
	unsigned long nr_pages;
	struct page **pages;		/* the data, zeroed, memcg-charged */
	struct page *counters_page;	/* SABUF_COUNTER_SLOTS waiter counters */
	atomic_t *counters;		/* kernel address of counters_page */
	u64 id;				/* never reused while the module is loaded */
	kuid_t uid;			/* creator, charged for max_user_bytes */
	struct pid *creator;		/* creator's thread group */
	u64 created_ns;			/* CLOCK_REALTIME at create */

	/* Statistics, updated locklessly. */
	atomic_t mappings;		/* live VMAs of this buffer */
	atomic_t waiters;		/* queued waiters, all offsets */
	atomic64_t waits;		/* SABUF_IOC_WAIT calls that slept or checked */
	atomic64_t notifies;		/* SABUF_IOC_NOTIFY calls */

	struct file *file;		/* the file whose private data we are */
	struct list_head node;		/* in sabuf_registry; sabuf_registry_lock */
};

static inline bool sabuf_is_created(const struct sabuf_buffer *buf)
{
	/* Pairs with the smp_store_release() at the end of create. */
	return smp_load_acquire(&buf->created);
}

/* buffer.c */
extern unsigned long sabuf_max_buffer_bytes;
extern unsigned long sabuf_max_user_bytes;
/*
 * sabuf_registry_lock guards sabuf_registry (live buffers, ascending id),
 * sabuf_registry_seq (bumped on every add and remove, for dumps) and the
 * per-user byte totals. Holding it keeps every listed buffer alive.
 */
extern struct mutex sabuf_registry_lock;
extern struct list_head sabuf_registry;
extern unsigned int sabuf_registry_seq;
struct sabuf_buffer *sabuf_buffer_alloc(struct file *file);
void sabuf_buffer_free(struct sabuf_buffer *buf);
long sabuf_ioctl_create(struct sabuf_buffer *buf, struct sabuf_create __user *uarg);
long sabuf_ioctl_info(struct sabuf_buffer *buf, struct sabuf_info __user *uarg);

/* mmap.c */
int sabuf_mmap(struct file *file, struct vm_area_struct *vma);

/* waitwake.c */
int sabuf_waitwake_init(void);
void sabuf_waitwake_exit(void);
long sabuf_ioctl_wait(struct sabuf_buffer *buf, struct sabuf_wait __user *uarg);
long sabuf_ioctl_notify(struct sabuf_buffer *buf, struct sabuf_notify __user *uarg);

/* One waited-on index and how many wait there. */
struct sabuf_queue_len {
	u64 offset;
	u32 length;
};
unsigned int sabuf_queue_lengths(const struct sabuf_buffer *buf,
				 struct sabuf_queue_len *out, unsigned int max);

/* netlink.c */
int sabuf_netlink_init(void);
void sabuf_netlink_exit(void);

#endif /* SABUF_INTERNAL_H */
