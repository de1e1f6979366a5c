// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a buffer. Two kinds of mapping exist:
 *
 *   offset 0 .. map_length          the data, MAP_SHARED; map_length spans
 *                                   max_byte_length, and pages past the
 *                                   current length raise SIGBUS until a
 *                                   grow covers them
 *   offset map_length, one page     the waiter counters and the status,
 *                                   MAP_SHARED, read-only
 *
 * Neither may be private (a private copy would not be shared memory),
 * executable (now or by a later mprotect), or grown by mremap. A handle
 * without write access (O_RDONLY, or SABUF_IOC_DUP_READONLY) cannot map
 * writable: the core refuses PROT_WRITE on such a file and clears
 * VM_MAYWRITE before we are called, so a later mprotect fails too.
 *
 * A data mapping is the backing shmem file's own mapping (vma->vm_file is
 * that file; its fault, map_pages and NUMA policy operations are shmem's),
 * wrapped so that the VMA also holds the handle file it was made through
 * (vm_private_data): that keeps the buffer, and through fops.owner the
 * module, alive while the mapping exists. The handle is dropped with
 * fput(), which defers the final release and module_put() out of our code.
 * A counter-page VMA's vm_file is the handle file itself.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "compat.h"
#include "sabuf.h"

static struct sabuf_buffer *vma_buffer(struct vm_area_struct *vma)
{
	struct file *handle_file = vma->vm_private_data;

	return ((struct sabuf_handle *)handle_file->private_data)->buf;
}

static const struct vm_operations_struct sabuf_counters_vm_ops;
static struct vm_operations_struct sabuf_data_vm_ops;

/*
 * The buffer a VMA maps, if it is one of ours (either kind), else NULL.
 * The caller holds the mm's mmap lock (introspection, holders.c).
 */
struct sabuf_buffer *sabuf_vma_buffer(struct vm_area_struct *vma)
{
	if (vma->vm_ops != &sabuf_counters_vm_ops && vma->vm_ops != &sabuf_data_vm_ops)
		return NULL;
	return vma_buffer(vma);
}

/* A VMA copied by fork or split by munmap/mprotect. */
static void sabuf_counters_vm_open(struct vm_area_struct *vma)
{
	atomic_inc(&vma_buffer(vma)->mappings);
}

static void sabuf_counters_vm_close(struct vm_area_struct *vma)
{
	atomic_dec(&vma_buffer(vma)->mappings);
	/*
	 * The address space of an exiting process is being torn down
	 * (exit_mmap(), the last user of the mm): its thread's robust
	 * sleepers can learn of its death now rather than after the whole
	 * teardown, where the exit tracepoint comes on 6.1 (robust.c).
	 */
	if ((current->flags & PF_EXITING) && !current->mm)
		sabuf_owner_exiting_wake();
}

/* A data VMA's vm_file is the backing file: it holds its handle itself. */
static void sabuf_data_vm_open(struct vm_area_struct *vma)
{
	get_file(vma->vm_private_data);
	sabuf_counters_vm_open(vma);
}

static void sabuf_data_vm_close(struct vm_area_struct *vma)
{
	sabuf_counters_vm_close(vma);
	fput(vma->vm_private_data);
}

/* The counter page: the kernel's own page, inserted on fault. */
static vm_fault_t sabuf_counters_fault(struct vm_fault *vmf)
{
	struct sabuf_buffer *buf = vma_buffer(vmf->vma);

	if (vmf->pgoff != buf->max_pages)
		return VM_FAULT_SIGBUS;	/* unreachable: mmap checked the range */
	get_page(buf->counters_page);
	vmf->page = buf->counters_page;
	return 0;
}

static const struct vm_operations_struct sabuf_counters_vm_ops = {
	.open	= sabuf_counters_vm_open,
	.close	= sabuf_counters_vm_close,
	.fault	= sabuf_counters_fault,
};

/*
 * shmem's operations with our open/close. Filled from the first data
 * mapping's (shmem's vm_ops are not exported), once, under the lock.
 */
static const struct vm_operations_struct *sabuf_shmem_vm_ops;
static DEFINE_SPINLOCK(sabuf_data_vm_ops_lock);

static int sabuf_wrap_shmem_vm_ops(struct vm_area_struct *vma)
{
	int ret = 0;

	spin_lock(&sabuf_data_vm_ops_lock);
	if (!sabuf_shmem_vm_ops) {
		if (!vma->vm_ops || vma->vm_ops->open || vma->vm_ops->close) {
			ret = -ENODEV;	/* not the shmem we know: refuse to wrap */
		} else {
			sabuf_data_vm_ops = *vma->vm_ops;
			sabuf_data_vm_ops.open = sabuf_data_vm_open;
			sabuf_data_vm_ops.close = sabuf_data_vm_close;
			sabuf_shmem_vm_ops = vma->vm_ops;
		}
	} else if (vma->vm_ops != sabuf_shmem_vm_ops) {
		ret = -ENODEV;
	}
	spin_unlock(&sabuf_data_vm_ops_lock);
	if (!ret)
		vma->vm_ops = &sabuf_data_vm_ops;
	return ret;
}

int sabuf_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sabuf_buffer *buf = sabuf_handle_buffer(file->private_data);
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long npages = vma_pages(vma);
	int ret;

	if (!buf)
		return -EBADFD;
	if (!(vma->vm_flags & VM_MAYSHARE))	/* MAP_SHARED, even on a read-only fd */
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	if (pgoff == buf->max_pages && npages == 1) {
		/* The counters are the kernel's: userspace only reads them. */
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		sabuf_vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
		sabuf_vm_flags_set(vma, VM_DONTEXPAND);
		vma->vm_ops = &sabuf_counters_vm_ops;
		vma->vm_private_data = file;	/* == vm_file, which the core holds */
		atomic_inc(&buf->mappings);
		return 0;
	}
	if (pgoff >= buf->max_pages || npages > buf->max_pages - pgoff)
		return -ENXIO;

	sabuf_vm_flags_clear(vma, VM_MAYEXEC);
	sabuf_vm_flags_set(vma, VM_DONTEXPAND);
	/* From here on the VMA maps the backing file, with shmem's operations. */
	vma_set_file(vma, buf->backing);
	ret = sabuf_vfs_mmap(buf->backing, vma);
	if (!ret)
		ret = sabuf_wrap_shmem_vm_ops(vma);
	if (ret)
		return ret;
	vma->vm_private_data = get_file(file);
	atomic_inc(&buf->mappings);
	return 0;
}

/* Place data mappings where huge pages can be PMD-mapped, as shmem does. */
unsigned long sabuf_get_unmapped_area(struct file *file, unsigned long addr,
				      unsigned long len, unsigned long pgoff,
				      unsigned long flags)
{
	struct sabuf_buffer *buf = sabuf_handle_buffer(file->private_data);

	if (buf && pgoff < buf->max_pages && buf->backing->f_op->get_unmapped_area)
		return buf->backing->f_op->get_unmapped_area(buf->backing, addr, len,
							     pgoff, flags);
	return sabuf_mm_get_unmapped_area(file, addr, len, pgoff, flags);
}
