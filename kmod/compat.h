/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live. The module is
 * built and tested on Debian's 6.1 and on 6.12; everything else in kmod/
 * calls these helpers instead of testing LINUX_VERSION_CODE itself.
 */
#ifndef SABUF_COMPAT_H
#define SABUF_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>

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

#endif /* SABUF_COMPAT_H */
