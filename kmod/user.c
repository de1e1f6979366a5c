// SPDX-License-Identifier: GPL-2.0
/*
 * Per-uid counts of what a user holds in the kernel, for the per-uid
 * limits (DESIGN.md, 0.3, "Isolation between users"): one entry per uid
 * that holds anything, with a counter per kind of thing (enum
 * sabuf_uid_res). A limit applies to root as to anyone, as epoll's
 * max_user_watches does. (max_user_bytes keeps its own totals in
 * buffer.c, under sabuf_registry_lock.)
 *
 * An entry is found by uid in @sabuf_uids, an xarray whose xa_lock also
 * guards each entry's 1 -> 0 transition of @ref (and its erasure), so a
 * lookup under that lock never finds an entry that is going. Holders (a
 * waitset, for its asynchronous waits; a registered thread, for its owner
 * ids) keep a reference and charge and
 * uncharge its counters locklessly: a charge is one compare-and-swap
 * that never takes a counter past its limit, so a refused charge leaves
 * nothing behind (-ENOSPC, nothing half-done). The entry and the xarray's
 * nodes are charged to the memory cgroup of the caller that makes them.
 */
#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "sabuf.h"

struct sabuf_uid {
	refcount_t ref;			/* 1 -> 0 under sabuf_uids' xa_lock */
	kuid_t uid;
	atomic_t count[SABUF_UID_NR_RES];
};

static DEFINE_XARRAY_FLAGS(sabuf_uids, XA_FLAGS_ACCOUNT);

/* @uid's entry, with a reference (made if need be); NULL: out of memory. */
struct sabuf_uid *sabuf_uid_get(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	struct sabuf_uid *u, *fresh;
	int ret;

	xa_lock(&sabuf_uids);
	u = xa_load(&sabuf_uids, key);
	if (u)
		refcount_inc(&u->ref);
	xa_unlock(&sabuf_uids);
	if (u)
		return u;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	refcount_set(&fresh->ref, 1);
	fresh->uid = uid;
	xa_lock(&sabuf_uids);
	/* (may drop the lock to allocate; -EBUSY: made by someone else meanwhile) */
	ret = __xa_insert(&sabuf_uids, key, fresh, GFP_KERNEL_ACCOUNT);
	if (!ret) {
		u = fresh;
	} else if (ret == -EBUSY) {
		u = xa_load(&sabuf_uids, key);
		refcount_inc(&u->ref);
		ret = 0;
	}
	xa_unlock(&sabuf_uids);
	if (u != fresh)
		kfree(fresh);
	return ret ? NULL : u;
}

void sabuf_uid_put(struct sabuf_uid *u)
{
	if (!refcount_dec_and_lock(&u->ref, &sabuf_uids.xa_lock))
		return;
	__xa_erase(&sabuf_uids, __kuid_val(u->uid));
	xa_unlock(&sabuf_uids);
	WARN_ON_ONCE(atomic_read(&u->count[SABUF_UID_WAITS]) ||
		     atomic_read(&u->count[SABUF_UID_OWNERS]));
	kfree(u);
}

/* One more of @res for @u, unless that would pass @limit: 0 or -ENOSPC. */
int sabuf_uid_charge(struct sabuf_uid *u, enum sabuf_uid_res res, unsigned int limit)
{
	int old = atomic_read(&u->count[res]);

	do {
		if ((unsigned int)old >= limit)
			return -ENOSPC;
	} while (!atomic_try_cmpxchg(&u->count[res], &old, old + 1));
	return 0;
}

void sabuf_uid_uncharge(struct sabuf_uid *u, enum sabuf_uid_res res)
{
	WARN_ON_ONCE(atomic_dec_return(&u->count[res]) < 0);
}
