// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a buffer. Two kinds of mapping exist:
 *
 *   offset 0 .. map_length          the data pages, MAP_SHARED, read/write
 *   offset map_length, one page     the waiter counters, MAP_SHARED, read-only
 *
 * Neither may be private (a private copy would not be shared memory),
 * executable (now or by a later mprotect), or grown by mremap. Pages are
 * inserted on fault; they already exist, so a fault never allocates and
 * never fails inside the buffer.
 */
#include <linux/fs.h>
#include <linux/mm.h>

#include "compat.h"
#include "sabuf.h"

static void sabuf_vm_open(struct vm_area_struct *vma)
{
	struct sabuf_buffer *buf = vma->vm_private_data;

	/* A VMA copied by fork or split by munmap/mprotect. */
	atomic_inc(&buf->mappings);
}

static void sabuf_vm_close(struct vm_area_struct *vma)
{
	struct sabuf_buffer *buf = vma->vm_private_data;

	atomic_dec(&buf->mappings);
}

static vm_fault_t sabuf_vm_fault(struct vm_fault *vmf)
{
	struct sabuf_buffer *buf = vmf->vma->vm_private_data;
	struct page *page;

	if (vmf->pgoff < buf->nr_pages)
		page = buf->pages[vmf->pgoff];
	else if (vmf->pgoff == buf->nr_pages)
		page = buf->counters_page;
	else
		return VM_FAULT_SIGBUS;	/* unreachable: mmap checked the range */
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct sabuf_vm_ops = {
	.open	= sabuf_vm_open,
	.close	= sabuf_vm_close,
	.fault	= sabuf_vm_fault,
};

int sabuf_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sabuf_buffer *buf = file->private_data;
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long npages = vma_pages(vma);

	if (!sabuf_is_created(buf))
		return -EBADFD;
	if (!(vma->vm_flags & VM_MAYSHARE))	/* MAP_SHARED, even on a read-only fd */
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	if (pgoff == buf->nr_pages && npages == 1) {
		/* The counters are the kernel's: userspace only reads them. */
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		sabuf_vm_flags_clear(vma, VM_MAYWRITE);
	} else if (pgoff >= buf->nr_pages || npages > buf->nr_pages - pgoff) {
		return -ENXIO;
	}

	sabuf_vm_flags_clear(vma, VM_MAYEXEC);
	sabuf_vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_ops = &sabuf_vm_ops;
	vma->vm_private_data = buf;
	atomic_inc(&buf->mappings);
	return 0;
}
