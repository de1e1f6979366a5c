// SPDX-License-Identifier: GPL-2.0
/*
 * A buffer's life: the empty handle, SABUF_IOC_CREATE (allocate, zero,
 * charge, enforce the caps), SABUF_IOC_INFO, and the release of it all.
 *
 * The pages are allocated and zeroed at create time with __GFP_ACCOUNT, so
 * they are charged to the creator's memory cgroup then: running out is a
 * clear -ENOMEM from create, never a SIGBUS on first touch.
 */
#include <linux/cred.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "sabuf.h"

unsigned long sabuf_max_buffer_bytes = 1UL << 30;
unsigned long sabuf_max_user_bytes = 4UL << 30;

/* See sabuf.h. Create, release and introspection take it; no hot path does. */
DEFINE_MUTEX(sabuf_registry_lock);
LIST_HEAD(sabuf_registry);
unsigned int sabuf_registry_seq = 1;	/* never 0: dumps treat 0 as unset */
static LIST_HEAD(sabuf_users);		/* struct sabuf_user; sabuf_registry_lock */
static u64 sabuf_next_id = 1;		/* sabuf_registry_lock */

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
		user = kzalloc(sizeof(*user), GFP_KERNEL);
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

struct sabuf_buffer *sabuf_buffer_alloc(struct file *file)
{
	struct sabuf_buffer *buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);

	if (!buf)
		return NULL;
	buf->file = file;
	mutex_init(&buf->create_lock);
	INIT_LIST_HEAD(&buf->node);
	return buf;
}

static void sabuf_pages_free(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		put_page(pages[i]);
	kvfree(pages);
}

/* Allocate @nr zeroed, memcg-charged pages; NULL on failure. */
static struct page **sabuf_pages_alloc(unsigned long nr, int *err)
{
	/* RETRY_MAYFAIL: fail this create rather than OOM-kill someone. */
	const gfp_t gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT |
			  __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	struct page **pages;
	unsigned long i;

	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pages) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(gfp);
		if (!pages[i]) {
			*err = -ENOMEM;
			goto fail;
		}
		if ((i & 255) == 255) {
			if (fatal_signal_pending(current)) {
				i++;
				*err = -EINTR;
				goto fail;
			}
			cond_resched();
		}
	}
	return pages;
fail:
	sabuf_pages_free(pages, i);
	return NULL;
}

long sabuf_ioctl_create(struct sabuf_buffer *buf, struct sabuf_create __user *uarg)
{
	struct sabuf_create args;
	unsigned long nr_pages;
	struct page **pages;
	struct page *counters_page;
	kuid_t uid = current_uid();
	u64 map_bytes;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~SABUF_CREATE_FLAGS_VALID || args.reserved)
		return -EINVAL;
	if (!args.byte_length)
		return -EINVAL;
	if (args.byte_length > READ_ONCE(sabuf_max_buffer_bytes) ||
	    args.byte_length > ULONG_MAX - PAGE_SIZE)
		return -EFBIG;
	map_bytes = PAGE_ALIGN(args.byte_length);
	nr_pages = map_bytes >> PAGE_SHIFT;

	mutex_lock(&buf->create_lock);
	ret = -EEXIST;
	if (buf->created)
		goto out_unlock;

	mutex_lock(&sabuf_registry_lock);
	ret = sabuf_user_charge(uid, map_bytes);
	mutex_unlock(&sabuf_registry_lock);
	if (ret)
		goto out_unlock;

	pages = sabuf_pages_alloc(nr_pages, &ret);
	if (!pages)
		goto out_uncharge;
	ret = -ENOMEM;
	counters_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN);
	if (!counters_page)
		goto out_pages;

	buf->byte_length = args.byte_length;
	buf->nr_pages = nr_pages;
	buf->pages = pages;
	buf->counters_page = counters_page;
	buf->counters = page_address(counters_page);
	buf->uid = uid;
	buf->creator = get_pid(task_tgid(current));
	buf->created_ns = ktime_get_real_ns();

	mutex_lock(&sabuf_registry_lock);
	buf->id = sabuf_next_id++;
	list_add_tail(&buf->node, &sabuf_registry);
	sabuf_registry_seq++;
	mutex_unlock(&sabuf_registry_lock);

	/* Publish: pairs with sabuf_is_created(). */
	smp_store_release(&buf->created, true);
	mutex_unlock(&buf->create_lock);
	return 0;

out_pages:
	sabuf_pages_free(pages, nr_pages);
out_uncharge:
	mutex_lock(&sabuf_registry_lock);
	sabuf_user_uncharge(uid, map_bytes);
	mutex_unlock(&sabuf_registry_lock);
out_unlock:
	mutex_unlock(&buf->create_lock);
	return ret;
}

long sabuf_ioctl_info(struct sabuf_buffer *buf, struct sabuf_info __user *uarg)
{
	struct sabuf_info info = {
		.abi_version = SABUF_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.features = SABUF_FEATURE_WAIT32 | SABUF_FEATURE_WAIT64 |
			    SABUF_FEATURE_ABSTIME | SABUF_FEATURE_CLOCK_REALTIME |
			    SABUF_FEATURE_COUNTERS |
			    SABUF_FEATURE_RESTART_KEEPS_DEADLINE,
	};

	if (sabuf_is_created(buf)) {
		info.byte_length = buf->byte_length;
		info.map_length = (u64)buf->nr_pages << PAGE_SHIFT;
		/* The counter page sits right after the data pages. */
		info.counters_offset = info.map_length;
		info.counters_length = PAGE_SIZE;
		info.counters_slots = SABUF_COUNTER_SLOTS;
		info.id = buf->id;
	}
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

void sabuf_buffer_free(struct sabuf_buffer *buf)
{
	/* Called at file release: no fd, mapping or ioctl uses @buf now. */
	if (buf->created) {
		mutex_lock(&sabuf_registry_lock);
		list_del(&buf->node);
		sabuf_registry_seq++;
		sabuf_user_uncharge(buf->uid, (u64)buf->nr_pages << PAGE_SHIFT);
		mutex_unlock(&sabuf_registry_lock);
		WARN_ON_ONCE(atomic_read(&buf->waiters));
		put_pid(buf->creator);
		__free_page(buf->counters_page);
		sabuf_pages_free(buf->pages, buf->nr_pages);
	}
	mutex_destroy(&buf->create_lock);
	kfree(buf);
}
