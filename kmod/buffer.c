// SPDX-License-Identifier: GPL-2.0
/*
 * A buffer's life: the empty handle, SABUF_IOC_CREATE (reserve, allocate,
 * zero, charge, enforce the caps), SABUF_IOC_INFO, SABUF_IOC_GROW,
 * SABUF_IOC_DUP_READONLY, and the release of it all.
 *
 * Memory is allocated and zeroed at create (and grow) in the caller's
 * context (backing.c), so it is charged to the creator's memory cgroup
 * then: running out is a clear -ENOMEM from the ioctl, never a SIGBUS on
 * first touch. max_user_bytes is charged at create for everything the
 * buffer may ever cost: its page-rounded maximum plus the counter page.
 *
 * Locks: sabuf_buffers and sabuf_registry_lock (see sabuf.h); handle->create_lock serializes
 * CREATE on one handle; buf->grow_lock serializes GROW of one buffer;
 * buf->files_lock guards buf->files.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "sabuf.h"

unsigned long sabuf_max_buffer_bytes = 1UL << 30;
unsigned long sabuf_max_user_bytes = 4UL << 30;

/* See sabuf.h. */
DEFINE_MUTEX(sabuf_registry_lock);
DEFINE_XARRAY(sabuf_buffers);
atomic_t sabuf_registry_seq = ATOMIC_INIT(1);	/* never 0: dumps treat 0 as unset */
static LIST_HEAD(sabuf_users);		/* struct sabuf_user; sabuf_registry_lock */
static u64 sabuf_next_id = 1;		/* sabuf_registry_lock */

extern const struct file_operations sabuf_fops;	/* main.c */

/* One user's live bytes; an entry exists while its bytes are non-zero. */
struct sabuf_user {
	struct list_head node;	/* in sabuf_users */
	kuid_t uid;
	u64 bytes;
};

static struct sabuf_user *sabuf_user_find(kuid_t uid)
{
	struct sabuf_user *user;

	lockdep_assert_held(&sabuf_registry_lock);
	list_for_each_entry(user, &sabuf_users, node)
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

/* Charge @bytes to @uid against max_user_bytes. */
static int sabuf_user_charge(kuid_t uid, u64 bytes)
{
	struct sabuf_user *user;
	u64 limit = READ_ONCE(sabuf_max_user_bytes);

	lockdep_assert_held(&sabuf_registry_lock);
	user = sabuf_user_find(uid);
	if (bytes > limit || (user && user->bytes > limit - bytes))
		return -EDQUOT;
	if (!user) {
		user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT);
		if (!user)
			return -ENOMEM;
		user->uid = uid;
		list_add(&user->node, &sabuf_users);
	}
	user->bytes += bytes;
	return 0;
}

static void sabuf_user_uncharge(kuid_t uid, u64 bytes)
{
	struct sabuf_user *user;

	lockdep_assert_held(&sabuf_registry_lock);
	user = sabuf_user_find(uid);
	if (WARN_ON_ONCE(!user || user->bytes < bytes))
		return;
	user->bytes -= bytes;
	if (!user->bytes) {
		list_del(&user->node);
		kfree(user);
	}
}

struct sabuf_handle *sabuf_handle_alloc(struct file *file)
{
	struct sabuf_handle *h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);

	if (!h)
		return NULL;
	h->file = file;
	mutex_init(&h->create_lock);
	INIT_LIST_HEAD(&h->node);
	return h;
}

/* @h refers to @buf from now on; the caller gave it a reference of @buf. */
void sabuf_buffer_attach(struct sabuf_handle *h, struct sabuf_buffer *buf)
{
	spin_lock(&buf->files_lock);
	list_add_tail(&h->node, &buf->files);
	spin_unlock(&buf->files_lock);
	atomic_inc(&buf->handles);
	/* Publish: pairs with sabuf_handle_buffer(). */
	smp_store_release(&h->buf, buf);
}

static void sabuf_buffer_release(struct kref *ref)
{
	struct sabuf_buffer *buf = container_of(ref, struct sabuf_buffer, ref);

	xa_erase(&sabuf_buffers, buf->id);
	atomic_inc(&sabuf_registry_seq);
	mutex_lock(&sabuf_registry_lock);
	sabuf_user_uncharge(buf->uid, buf->charged);
	mutex_unlock(&sabuf_registry_lock);
	WARN_ON_ONCE(atomic_read(&buf->waiters));
	sabuf_queues_release(buf);
	WARN_ON_ONCE(!xa_empty(&buf->queues));
	xa_destroy(&buf->queues);
	put_pid(buf->creator);
	__free_page(buf->counters_page);
	fput(buf->backing);
	mutex_destroy(&buf->grow_lock);
	/* Introspection may still be looking at it under RCU. */
	kfree_rcu(buf, rcu);
}

/*
 * The live buffer with the lowest id >= *@id, with a reference, and *@id
 * set to its id; NULL when there is none.
 */
struct sabuf_buffer *sabuf_buffer_get_next(u64 *id)
{
	unsigned long index = *id;
	struct sabuf_buffer *buf;

	if (*id > ULONG_MAX)
		return NULL;
	rcu_read_lock();
	for (buf = xa_find(&sabuf_buffers, &index, ULONG_MAX, XA_PRESENT); buf;
	     buf = xa_find_after(&sabuf_buffers, &index, ULONG_MAX, XA_PRESENT))
		if (kref_get_unless_zero(&buf->ref))	/* else: being released */
			break;
	rcu_read_unlock();
	if (buf)
		*id = index;
	return buf;
}

void sabuf_buffer_put(struct sabuf_buffer *buf)
{
	kref_put(&buf->ref, sabuf_buffer_release);
}

void sabuf_handle_free(struct sabuf_handle *h)
{
	/* Called at file release: no fd, mapping or ioctl uses @h now. */
	struct sabuf_buffer *buf = h->buf;

	if (buf) {
		spin_lock(&buf->files_lock);
		list_del(&h->node);
		spin_unlock(&buf->files_lock);
		atomic_dec(&buf->handles);
		sabuf_buffer_put(buf);
	}
	mutex_destroy(&h->create_lock);
	kfree(h);
}

/* File references to @buf's handles not held by mappings: roughly, fds. */
long sabuf_file_refs(struct sabuf_buffer *buf)
{
	struct sabuf_handle *h;
	long refs = 0;

	spin_lock(&buf->files_lock);
	list_for_each_entry(h, &buf->files, node)
		refs += file_count(h->file);
	spin_unlock(&buf->files_lock);
	return max(refs - atomic_read(&buf->mappings), 0L);
}

/* Validate CREATE's arguments; *max is the maximum length. */
static int sabuf_create_check(const struct sabuf_create *args, u64 *max)
{
	if (args->flags & ~SABUF_CREATE_FLAGS_VALID || args->reserved)
		return -EINVAL;
	if (args->flags & SABUF_CREATE_GROWABLE) {
		if (!args->max_byte_length || args->byte_length > args->max_byte_length)
			return -EINVAL;
		*max = args->max_byte_length;
	} else {
		if (!args->byte_length)
			return -EINVAL;
		if (args->max_byte_length && args->max_byte_length != args->byte_length)
			return -EINVAL;
		*max = args->byte_length;
	}
	if (*max > READ_ONCE(sabuf_max_buffer_bytes) || *max > ULONG_MAX - PAGE_SIZE)
		return -EFBIG;
	return 0;
}

long sabuf_ioctl_create(struct sabuf_handle *h, const struct sabuf_create *args)
{
	struct sabuf_buffer *buf;
	kuid_t uid = current_uid();
	u64 max, charge;
	int ret;

	ret = sabuf_create_check(args, &max);
	if (ret)
		return ret;
	charge = PAGE_ALIGN(max) + PAGE_SIZE;

	mutex_lock(&h->create_lock);
	ret = -EEXIST;
	if (h->buf)
		goto out_unlock;

	ret = -ENOMEM;
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto out_unlock;
	kref_init(&buf->ref);
	mutex_init(&buf->grow_lock);
	spin_lock_init(&buf->files_lock);
	INIT_LIST_HEAD(&buf->files);
	/* Its nodes are charged to the memory cgroup of the waiter that needs them. */
	xa_init_flags(&buf->queues, XA_FLAGS_ACCOUNT);
	ret = sabuf_queues_init(buf);
	if (ret)
		goto out_free;

	mutex_lock(&sabuf_registry_lock);
	ret = sabuf_user_charge(uid, charge);
	if (!ret)
		buf->id = sabuf_next_id++;
	mutex_unlock(&sabuf_registry_lock);
	if (ret)
		goto out_free;
	buf->uid = uid;
	buf->charged = charge;

	buf->counters_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN);
	if (!buf->counters_page) {
		ret = -ENOMEM;
		goto out_uncharge;
	}
	buf->counters = page_address(buf->counters_page);
	buf->status = page_address(buf->counters_page) + SABUF_STATUS_OFFSET;

	buf->backing = sabuf_backing_create(buf->id, max);
	if (IS_ERR(buf->backing)) {
		ret = PTR_ERR(buf->backing);
		goto out_counters;
	}
	sabuf_backing_set_size(buf->backing, args->byte_length);
	ret = sabuf_backing_populate(buf->backing, 0, args->byte_length);
	if (ret)
		goto out_backing;

	buf->growable = args->flags & SABUF_CREATE_GROWABLE;
	buf->max_byte_length = max;
	buf->max_pages = PAGE_ALIGN(max) >> PAGE_SHIFT;
	buf->byte_length = args->byte_length;
	WRITE_ONCE(buf->status->byte_length, args->byte_length);
	buf->creator = get_pid(task_tgid(current));
	buf->created_ns = ktime_get_real_ns();

	ret = xa_err(xa_store(&sabuf_buffers, buf->id, buf, GFP_KERNEL_ACCOUNT));
	if (ret) {
		put_pid(buf->creator);
		goto out_backing;
	}
	atomic_inc(&sabuf_registry_seq);

	sabuf_buffer_attach(h, buf);
	mutex_unlock(&h->create_lock);
	return 0;

out_backing:
	fput(buf->backing);
out_counters:
	__free_page(buf->counters_page);
out_uncharge:
	mutex_lock(&sabuf_registry_lock);
	sabuf_user_uncharge(uid, charge);
	mutex_unlock(&sabuf_registry_lock);
out_free:
	sabuf_queues_release(buf);
	mutex_destroy(&buf->grow_lock);
	kfree(buf);
out_unlock:
	mutex_unlock(&h->create_lock);
	return ret;
}

long sabuf_ioctl_info(struct file *file, struct sabuf_info *info)
{
	struct sabuf_handle *h = file->private_data;
	struct sabuf_buffer *buf = sabuf_handle_buffer(h);

	*info = (struct sabuf_info) {
		.abi_version = SABUF_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.features = SABUF_FEATURE_WAIT32 | SABUF_FEATURE_WAIT64 |
			    SABUF_FEATURE_ABSTIME | SABUF_FEATURE_CLOCK_REALTIME |
			    SABUF_FEATURE_COUNTERS | SABUF_FEATURE_GROWABLE |
			    SABUF_FEATURE_READONLY | SABUF_FEATURE_STATUS |
			    SABUF_FEATURE_HANDON | SABUF_FEATURE_TIMENS |
			    SABUF_FEATURE_SHMEM | SABUF_FEATURE_ROBUST |
			    SABUF_FEATURE_NOTIFY_WAIT | SABUF_FEATURE_WAIT_ANY |
			    SABUF_FEATURE_WAITSET | SABUF_FEATURE_NAMED,
	};
	if (!(file->f_mode & FMODE_WRITE))
		info->flags |= SABUF_INFO_READONLY;
	if (buf) {
		info->byte_length = sabuf_byte_length(buf);
		info->max_byte_length = buf->max_byte_length;
		info->map_length = (u64)buf->max_pages << PAGE_SHIFT;
		/* The counter page sits right after the data pages. */
		info->counters_offset = info->map_length;
		info->counters_length = PAGE_SIZE;
		info->counters_slots = SABUF_COUNTER_SLOTS;
		info->status_offset = SABUF_STATUS_OFFSET;
		info->id = buf->id;
		if (buf->growable)
			info->flags |= SABUF_INFO_GROWABLE;
	}
	return 0;
}

long sabuf_ioctl_grow(struct file *file, const struct sabuf_grow *args)
{
	struct sabuf_handle *h = file->private_data;
	struct sabuf_buffer *buf = sabuf_handle_buffer(h);
	u64 old;
	int ret;

	if (args->flags & ~SABUF_GROW_FLAGS_VALID || args->reserved)
		return -EINVAL;
	if (!buf)
		return -EBADFD;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!buf->growable)
		return -EOPNOTSUPP;
	if (args->byte_length > buf->max_byte_length)
		return -ERANGE;

	mutex_lock(&buf->grow_lock);
	old = buf->byte_length;
	ret = -EINVAL;
	if (args->byte_length < old)
		goto out;
	ret = 0;
	if (args->byte_length == old)
		goto out;
	sabuf_backing_set_size(buf->backing, args->byte_length);
	ret = sabuf_backing_populate(buf->backing, old, args->byte_length);
	if (!ret)
		ret = sabuf_backing_zero_tail(buf->backing, old);
	if (ret) {
		/* Back to what it was: unmap and free whatever we added. */
		struct inode *inode = file_inode(buf->backing);
		loff_t keep = PAGE_ALIGN(old);

		sabuf_backing_set_size(buf->backing, old);
		unmap_mapping_range(inode->i_mapping, keep, 0, 1);
		shmem_truncate_range(inode, keep, (loff_t)-1);
		goto out;
	}
	/* Publish the length after the pages: pairs with sabuf_byte_length(). */
	smp_store_release(&buf->byte_length, args->byte_length);
	smp_store_release(&buf->status->byte_length, args->byte_length);
out:
	mutex_unlock(&buf->grow_lock);
	return ret;
}

long sabuf_ioctl_dup_readonly(struct file *file, const struct sabuf_dup *args)
{
	struct sabuf_handle *h = file->private_data;
	struct sabuf_buffer *buf = sabuf_handle_buffer(h);
	struct sabuf_handle *ro;
	struct file *rofile;
	int fd;

	if (args->flags & ~SABUF_DUP_FLAGS_VALID || args->reserved)
		return -EINVAL;
	if (!buf)
		return -EBADFD;

	ro = sabuf_handle_alloc(NULL);
	if (!ro)
		return -ENOMEM;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		sabuf_handle_free(ro);
		return fd;
	}
	/* O_RDONLY: FMODE_READ only, so the core refuses writable mappings too. */
	rofile = anon_inode_getfile("[sabuf]", &sabuf_fops, ro, O_RDONLY);
	if (IS_ERR(rofile)) {
		put_unused_fd(fd);
		sabuf_handle_free(ro);
		return PTR_ERR(rofile);
	}
	ro->file = rofile;
	kref_get(&buf->ref);
	sabuf_buffer_attach(ro, buf);
	fd_install(fd, rofile);
	return fd;
}
