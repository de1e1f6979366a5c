/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live. The module is
 * built (W=1, warnings as errors) and tested on Debian 12's 6.1 (stock and
 * PREEMPT_RT), Debian 13's 6.12, sabuf's debug 6.12 and the newest kernel
 * of Debian unstable (7.2 when this was written): `make check-kernels`.
 * Everything else in kmod/ calls these helpers instead of testing
 * LINUX_VERSION_CODE itself. The version of each change in between is
 * the upstream one as far as we know; only those kernels are proven.
 */
#ifndef SABUF_COMPAT_H
#define SABUF_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/time_namespace.h>

/* 6.3 made vm_flags read-only and added vm_flags_set()/vm_flags_clear(). */
static inline void sabuf_vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void sabuf_vm_flags_clear(struct vm_area_struct *vma, unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * 6.10 replaced mm->get_unmapped_area with mm_get_unmapped_area(); 6.17
 * dropped its mm argument (always current->mm).
 */
static inline unsigned long sabuf_mm_get_unmapped_area(struct file *file, unsigned long addr,
							unsigned long len, unsigned long pgoff,
							unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
	return mm_get_unmapped_area(file, addr, len, pgoff, flags);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
#else
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
#endif
}

/*
 * An absolute deadline read in the caller's time namespace, as the host
 * clock sees it (what futex does with timens_ktime_to_host(), whose
 * helper is not exported). Only CLOCK_MONOTONIC has an offset we honour
 * (CLOCK_REALTIME has none; BOOTTIME is not a wait clock here).
 */
static inline ktime_t sabuf_timens_to_host(clockid_t clockid, ktime_t t)
{
#ifdef CONFIG_TIME_NS
	struct time_namespace *ns = current->nsproxy->time_ns;
	ktime_t offset;

	if (clockid != CLOCK_MONOTONIC)
		return t;
	offset = timespec64_to_ktime(ns->offsets.monotonic);
	/* A deadline before the namespace's epoch has passed already. */
	if (t < offset)
		return 0;
	return ktime_sub(t, offset);
#else
	return t;
#endif
}

/*
 * A new shmem file whose pages are accounted as they are allocated
 * (VM_NORESERVE), on @mnt (or the default shm mount when NULL). The flags
 * argument became a vma_flags_t bitmap in the 7.0 cycle (Debian's 6.12
 * takes vm_flags, its 7.2 vma_flags_t).
 */
#include <linux/shmem_fs.h>
static inline struct file *sabuf_shmem_file_setup(struct vfsmount *mnt, const char *name,
						  loff_t size)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
	vma_flags_t flags = mk_vma_flags(VMA_NORESERVE_BIT);
#else
	unsigned long flags = VM_NORESERVE;
#endif
	if (mnt)
		return shmem_file_setup_with_mnt(mnt, name, size, flags);
	return shmem_file_setup(name, size, flags);
}

/* The first argument of an inode's ->permission: 6.3 made it a struct mnt_idmap. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define SABUF_IDMAP_ARG struct mnt_idmap *idmap
#else
#define SABUF_IDMAP_ARG struct user_namespace *mnt_userns
#endif

/* 6.16 renamed call_mmap() (a file's own ->mmap) to vfs_mmap(). */
static inline int sabuf_vfs_mmap(struct file *file, struct vm_area_struct *vma)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	return vfs_mmap(file, vma);
#else
	return call_mmap(file, vma);
#endif
}

/* The owner of a socket: sock_i_uid() gave way to sk_uid() in 6.16. */
#include <net/sock.h>
static inline kuid_t sabuf_sock_uid(struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	return sk_uid(sk);
#else
	return sock_i_uid(sk);
#endif
}

/* A dump's parsed request attributes: 6.6 moved them into an info struct. */
#include <net/genetlink.h>
static inline struct nlattr **sabuf_genl_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* 6.13 added hrtimer_setup(); later kernels dropped hrtimer_init(). */
#include <linux/hrtimer.h>
static inline void sabuf_hrtimer_setup(struct hrtimer *timer,
				       enum hrtimer_restart (*fn)(struct hrtimer *),
				       clockid_t clockid, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(timer, fn, clockid, mode);
#else
	hrtimer_init(timer, clockid, mode);
	timer->function = fn;
#endif
}

/*
 * The sched_process_exit tracepoint gained a second argument (group_dead)
 * after 6.12 (7.2 has it; 6.14 is our reading of when). A probe's
 * prototype must match the tracepoint's exactly (kCFI checks the call).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
#define SABUF_TP_EXIT_PROBE(name, task) \
	void name(void *data, struct task_struct *task, bool group_dead)
#else
#define SABUF_TP_EXIT_PROBE(name, task) \
	void name(void *data, struct task_struct *task)
#endif

/*
 * An IPC namespace's reference count (names.c looks for the moment only its
 * own reference is left) and the put a module can call (put_ipc_ns() is
 * not exported; the namespace's own proc_ns_operations put is). 6.18
 * renamed the count to __ns_ref, read with ns_ref_read().
 */
#include <linux/ipc_namespace.h>
#include <linux/proc_ns.h>
static inline unsigned int sabuf_ipc_ns_refs(struct ipc_namespace *ns)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return ns_ref_read(ns);
#else
	return refcount_read(&ns->ns.count);
#endif
}

static inline void sabuf_ipc_ns_put(struct ipc_namespace *ns)
{
	/*
	 * Without CONFIG_IPC_NS (the debug kernel) there is only the initial
	 * namespace, get_ipc_ns() takes nothing and its ops are NULL.
	 */
	if (IS_ENABLED(CONFIG_IPC_NS))
		ns->ns.ops->put(&ns->ns);
}

#endif /* SABUF_COMPAT_H */
