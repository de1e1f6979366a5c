// SPDX-License-Identifier: GPL-2.0
/*
 * The pages behind a buffer: one shmem file per buffer, on a private
 * tmpfs mount of our own (the way i915's gemfs does it).
 *
 * Why a shmem file and not pages of our own: its pages are ordinary
 * user memory, on the LRU, swappable and reclaim-visible, charged to the
 * creator's memory cgroup as shmem (as a memfd's are), not pinned kernel
 * memory an unprivileged user could lock RAM up with. The file has its own
 * inode, so every buffer has its own i_mmap tree and rwsem (not one for
 * all of /dev/sabuf), is named in /proc/PID/maps ("/sabuf:ID"), takes
 * mbind() policies, and can be the target of O_DIRECT I/O. Our mount says
 * huge=within_size, so buffers of 2 MiB and more get transparent huge
 * pages whatever the system-wide shmem_enabled says (unless "deny" or
 * "force"), and the mapping is PMD-aligned (sabuf_get_unmapped_area()).
 *
 * Pages are allocated and zeroed at create and at grow, in the creator's
 * context (so its NUMA memory policy and memory cgroup apply), with
 * __GFP_RETRY_MAYFAIL: running out is an error from the ioctl, never an
 * OOM kill, and never a SIGBUS later. They may be swapped out afterwards
 * like any shmem page; a fault or a wait brings them back.
 *
 * No path reaches the pages: the backing file is a mapping's vm_file, so
 * /proc/PID/map_files (CAP_CHECKPOINT_RESTORE) could name it, and a reopen
 * would bypass a read-only handle (write, truncate: a SIGBUS for every
 * holder). Its inode has mode 0 and inode operations of its own, shmem's
 * with a ->permission that refuses every open, truncate, or xattr by path
 * to a caller without CAP_SYS_ADMIN (who can read any memory anyway).
 * The kernel's own uses of the file (mmap through a sabuf handle, reading
 * pages in) never ask for permission.
 *
 * Locking: none of our own. The inode lock guards i_size; the page cache
 * guards its pages. Callers serialize create and grow of one buffer.
 * sabuf_backing_iops is written once, at module init.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>

#include "compat.h"
#include "sabuf.h"

/* Our tmpfs (huge=within_size), or NULL: then the kernel's internal one. */
static struct vfsmount *sabuf_mnt;

/* shmem's inode operations, but for ->permission (written at init). */
static struct inode_operations sabuf_backing_iops __ro_after_init;

static int sabuf_backing_permission(SABUF_IDMAP_ARG, struct inode *inode, int mask)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EACCES;
}

static struct file *sabuf_backing_file(const char *name)
{
	/* VM_NORESERVE: pages are accounted as they are allocated (populate). */
	struct file *file = sabuf_shmem_file_setup(sabuf_mnt, name, 0);

	/* shmem says ENOSPC when it cannot get an inode: for us that is memory */
	if (IS_ERR(file) && PTR_ERR(file) == -ENOSPC)
		return ERR_PTR(-ENOMEM);
	return file;
}

/* Learn shmem's inode operations from a file of our own. */
static int __init sabuf_backing_iops_init(void)
{
	struct file *probe = sabuf_backing_file("sabuf:probe");

	if (IS_ERR(probe))
		return PTR_ERR(probe);
	sabuf_backing_iops = *file_inode(probe)->i_op;
	sabuf_backing_iops.permission = sabuf_backing_permission;
	fput(probe);
	return 0;
}

int __init sabuf_backing_init(void)
{
	struct file_system_type *type = get_fs_type("tmpfs");
	char opts[] = "huge=within_size";	/* writable: the parser cuts it up */
	struct vfsmount *mnt;
	int ret;

	if (!type)
		return sabuf_backing_iops_init();
	/* Without CONFIG_TRANSPARENT_HUGEPAGE tmpfs refuses huge=: no THP then. */
	mnt = vfs_kern_mount(type, SB_KERNMOUNT, type->name, opts);
	if (IS_ERR(mnt))
		mnt = vfs_kern_mount(type, SB_KERNMOUNT, type->name, NULL);
	sabuf_mnt = IS_ERR(mnt) ? NULL : mnt;
	ret = sabuf_backing_iops_init();
	if (ret && sabuf_mnt) {
		kern_unmount(sabuf_mnt);
		sabuf_mnt = NULL;
	}
	return ret;
}

void sabuf_backing_exit(void)
{
	if (sabuf_mnt)
		kern_unmount(sabuf_mnt);
}

/* A new, empty backing file that may grow to @max_bytes. */
struct file *sabuf_backing_create(u64 id, u64 max_bytes)
{
	struct inode *inode;
	struct file *file;
	char name[32];

	snprintf(name, sizeof(name), "sabuf:%llu", id);
	file = sabuf_backing_file(name);
	if (IS_ERR(file))
		return file;
	/* Unreachable by path (see the top): nobody has looked at it yet. */
	inode = file_inode(file);
	inode->i_mode = S_IFREG;
	inode->i_op = &sabuf_backing_iops;
	return file;
}

void sabuf_backing_set_size(struct file *backing, u64 bytes)
{
	struct inode *inode = file_inode(backing);

	inode_lock(inode);
	i_size_write(inode, bytes);
	inode_unlock(inode);
}

/* Allocate and zero the pages of bytes [from, to); i_size must cover them. */
int sabuf_backing_populate(struct file *backing, u64 from, u64 to)
{
	struct address_space *mapping = backing->f_mapping;
	gfp_t gfp = mapping_gfp_mask(mapping) | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	pgoff_t index = from >> PAGE_SHIFT;
	pgoff_t end = DIV_ROUND_UP(to, PAGE_SIZE);

	while (index < end) {
		struct page *page = shmem_read_mapping_page_gfp(mapping, index, gfp);

		if (IS_ERR(page)) {
			int err = PTR_ERR(page);

			/* tmpfs says ENOSPC when memory accounting refuses */
			return err == -ENOSPC ? -ENOMEM : err;
		}
		/* A huge folio covers the rest of its 2 MiB: skip to its end. */
		index = page_folio(page)->index + folio_nr_pages(page_folio(page));
		put_page(page);
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Zero bytes [from, PAGE_ALIGN(from)) of the page holding @from: the tail
 * of a growable buffer's last page lies past its length but is mapped, so
 * a holder may have written there; growing makes those bytes new, and new
 * bytes read as zero. 0 or -errno (the page could not be read in).
 */
int sabuf_backing_zero_tail(struct file *backing, u64 from)
{
	unsigned int off = offset_in_page(from);
	struct page *page;

	if (!off)
		return 0;
	page = sabuf_backing_get_page(backing, from >> PAGE_SHIFT);
	if (IS_ERR(page))
		return PTR_ERR(page);
	memzero_page(page, off, PAGE_SIZE - off);
	set_page_dirty(page);	/* a clean page could be dropped for its stale swap copy */
	put_page(page);
	return 0;
}

/*
 * The page holding byte (index << PAGE_SHIFT), with a reference. A held
 * reference keeps it in the page cache: reclaim and migration both need
 * to freeze the refcount at its expected value, so the word a waiter reads
 * through it is the word userspace writes. May sleep (swap-in).
 */
struct page *sabuf_backing_get_page(struct file *backing, pgoff_t index)
{
	struct address_space *mapping = backing->f_mapping;
	struct page *page = find_get_page(mapping, index);

	if (page)
		return page;
	return shmem_read_mapping_page_gfp(mapping, index, mapping_gfp_mask(mapping));
}
