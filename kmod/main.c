// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf: SharedArrayBuffer and Atomics for C programs.
 *
 * /dev/sabuf is a misc device. Each open gives an empty handle; one
 * SABUF_IOC_CREATE gives it a fixed byte length, and from then on the
 * handle is a buffer of zero-filled shared pages that any holder of the fd
 * can mmap, and whose 32- and 64-bit words can be waited on and notified
 * (SABUF_IOC_WAIT / SABUF_IOC_NOTIFY). A growable buffer grows
 * (SABUF_IOC_GROW); any buffer hands out read-only fds of itself
 * (SABUF_IOC_DUP_READONLY); names.c gives buffers names (SABUF_IOC_OPEN,
 * SABUF_IOC_UNLINK). uapi/linux/sabuf.h documents the
 * ABI; kmod/README.md lists the errors.
 *
 * This file: module setup, the device, ioctl dispatch (size-versioned
 * structs) and the rights of read-only handles.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "sabuf.h"

static ushort mode = 0666;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "Permissions of /dev/sabuf (default 0666)");

module_param_named(max_buffer_bytes, sabuf_max_buffer_bytes, ulong, 0644);
MODULE_PARM_DESC(max_buffer_bytes, "Largest byte length of one buffer (default 1 GiB)");

module_param_named(max_user_bytes, sabuf_max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes, "Total page-rounded bytes of one user's live buffers (default 4 GiB)");

module_param_named(handoff_spin_ns, sabuf_handoff_spin_ns, uint, 0644);
MODULE_PARM_DESC(handoff_spin_ns, "Longest spin of a notify-and-wait while its partner runs on another CPU, ns (default 20000; 0: never)");

module_param_named(max_waitset_waits, sabuf_max_waitset_waits, uint, 0644);
MODULE_PARM_DESC(max_waitset_waits, "Pending asynchronous waits one waitset may hold (default 1048576)");

module_param_named(max_user_owners, sabuf_max_user_owners, uint, 0644);
MODULE_PARM_DESC(max_user_owners, "Live robust owner ids of one user, root included (default 65536)");

module_param_named(max_user_waits, sabuf_max_user_waits, uint, 0644);
MODULE_PARM_DESC(max_user_waits, "Asynchronous waits, pending or settled and unread, one uid may hold over all its waitsets (default: 1/25 of RAM at ~256 bytes each)");

static int sabuf_open(struct inode *inode, struct file *file)
{
	struct sabuf_handle *h = sabuf_handle_alloc(file);

	if (!h)
		return -ENOMEM;
	file->private_data = h;
	return 0;
}

static int sabuf_release(struct inode *inode, struct file *file)
{
	sabuf_handle_free(file->private_data);
	return 0;
}

/*
 * Take an input struct of a size-versioned command: the direction must be
 * @dir, the size (from the command) at least the struct's first version
 * and at most a page; fields the caller's version lacks read as zero, and
 * fields it has that we lack must be zero (-E2BIG), as
 * copy_struct_from_user() defines.
 */
int sabuf_args_in(void *dst, size_t ksize, size_t ver0, unsigned int cmd,
		  unsigned int dir, const void __user *uarg)
{
	size_t usize = _IOC_SIZE(cmd);

	if (_IOC_DIR(cmd) != dir)
		return -ENOTTY;
	if (usize < ver0 || usize > PAGE_SIZE)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}

/* Copy an output struct out to a caller whose version may be older or newer. */
static int sabuf_args_out(void __user *uarg, const void *src, size_t ksize, size_t ver0,
			  unsigned int cmd)
{
	size_t usize = _IOC_SIZE(cmd);

	if (_IOC_DIR(cmd) != _IOC_READ)
		return -ENOTTY;
	if (usize < ver0 || usize > PAGE_SIZE)
		return -EINVAL;
	if (copy_to_user(uarg, src, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(uarg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static long sabuf_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sabuf_handle *h = file->private_data;
	struct sabuf_buffer *buf = sabuf_handle_buffer(h);
	void __user *uarg = (void __user *)arg;
	bool writable = file->f_mode & FMODE_WRITE;
	union {
		struct sabuf_create create;
		struct sabuf_info info;
		struct sabuf_wait wait;
		struct sabuf_notify notify;
		struct sabuf_grow grow;
		struct sabuf_dup dup;
		struct sabuf_robust robust;
		struct sabuf_notify_wait notify_wait;
		struct sabuf_wait_any wait_any;
		struct sabuf_waitset_create waitset;
		struct sabuf_open open;
		struct sabuf_unlink unlink;
	} u;
	long ret;

	/* Dispatch on the number; the size in @cmd is the caller's version. */
	if (_IOC_TYPE(cmd) != SABUF_IOC_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(SABUF_IOC_CREATE):
		ret = SABUF_ARGS_IN(u.create, SABUF_CREATE_SIZE_VER0, cmd, uarg);
		if (ret)
			return ret;
		if (!writable)
			return -EBADF;
		return sabuf_ioctl_create(h, &u.create);
	case _IOC_NR(SABUF_IOC_INFO):
		ret = sabuf_ioctl_info(file, &u.info);
		return ret ?: sabuf_args_out(uarg, &u.info, sizeof(u.info),
					     SABUF_INFO_SIZE_VER0, cmd);
	case _IOC_NR(SABUF_IOC_WAIT):
		ret = SABUF_ARGS_IN(u.wait, SABUF_WAIT_SIZE_VER0, cmd, uarg);
		if (ret)
			return ret;
		if (!buf)
			return -EBADFD;
		return sabuf_ioctl_wait(buf, &u.wait);
	case _IOC_NR(SABUF_IOC_NOTIFY):
		ret = SABUF_ARGS_IN(u.notify, SABUF_NOTIFY_SIZE_VER0, cmd, uarg);
		if (ret)
			return ret;
		if (!buf)
			return -EBADFD;
		if (!writable)
			return -EBADF;
		return sabuf_ioctl_notify(buf, &u.notify);
	case _IOC_NR(SABUF_IOC_GROW):
		ret = SABUF_ARGS_IN(u.grow, SABUF_GROW_SIZE_VER0, cmd, uarg);
		return ret ?: sabuf_ioctl_grow(file, &u.grow);
	case _IOC_NR(SABUF_IOC_DUP_READONLY):
		ret = SABUF_ARGS_IN(u.dup, SABUF_DUP_SIZE_VER0, cmd, uarg);
		return ret ?: sabuf_ioctl_dup_readonly(file, &u.dup);
	case _IOC_NR(SABUF_IOC_NOTIFY_WAIT):
		ret = SABUF_ARGS_IN(u.notify_wait, SABUF_NOTIFY_WAIT_SIZE_VER0, cmd, uarg);
		if (ret)
			return ret;
		if (!buf)
			return -EBADFD;
		if (!writable)
			return -EBADF;
		return sabuf_ioctl_notify_wait(buf, &u.notify_wait);
	case _IOC_NR(SABUF_IOC_WAIT_ANY):
		/* the items name their own buffers: any handle will do, an empty one too */
		ret = SABUF_ARGS_IN(u.wait_any, SABUF_WAIT_ANY_SIZE_VER0, cmd, uarg);
		return ret ?: sabuf_ioctl_wait_any(&u.wait_any);
	case _IOC_NR(SABUF_IOC_WAITSET_CREATE):
		/* a waitset only waits: any handle will do, read-only or empty */
		ret = SABUF_ARGS_IN(u.waitset, SABUF_WAITSET_CREATE_SIZE_VER0, cmd, uarg);
		return ret ?: sabuf_ioctl_waitset_create(&u.waitset);
	case _IOC_NR(SABUF_IOC_ROBUST_REGISTER):
		ret = SABUF_ARGS_IN(u.robust, SABUF_ROBUST_SIZE_VER0, cmd, uarg);
		return ret ?: sabuf_ioctl_robust_register(&u.robust);
	case _IOC_NR(SABUF_IOC_OPEN):
		/* a name, not this handle, says which buffer: any handle will do */
		ret = SABUF_ARGS_IN(u.open, SABUF_OPEN_SIZE_VER0, cmd, uarg);
		return ret ?: sabuf_ioctl_open(&u.open);
	case _IOC_NR(SABUF_IOC_UNLINK):
		ret = SABUF_ARGS_IN(u.unlink, SABUF_UNLINK_SIZE_VER0, cmd, uarg);
		return ret ?: sabuf_ioctl_unlink(&u.unlink);
	default:
		return -ENOTTY;
	}
}

extern const struct file_operations sabuf_fops;

/* Is @file a sabuf handle (a /dev/sabuf open or a read-only dup)? */
bool sabuf_file_is_handle(const struct file *file)
{
	return file->f_op == &sabuf_fops;
}

/* Not static: buffer.c makes read-only handles with it. */
const struct file_operations sabuf_fops = {
	.owner		= THIS_MODULE,
	.open		= sabuf_open,
	.release	= sabuf_release,
	.unlocked_ioctl	= sabuf_ioctl,
	/* Every ABI struct has one layout for 32- and 64-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= sabuf_mmap,
	.get_unmapped_area = sabuf_get_unmapped_area,
	.llseek		= noop_llseek,
};

static struct miscdevice sabuf_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "sabuf",
	.fops	= &sabuf_fops,
};

static int __init sabuf_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct sabuf_create) != SABUF_CREATE_SIZE_VER1);
	BUILD_BUG_ON(sizeof(struct sabuf_info) != SABUF_INFO_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_wait) != SABUF_WAIT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_notify) != SABUF_NOTIFY_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_grow) != SABUF_GROW_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_dup) != SABUF_DUP_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_robust) != SABUF_ROBUST_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_notify_wait) != SABUF_NOTIFY_WAIT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_wait_any) != SABUF_WAIT_ANY_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_wait_any_item) != 24);
	BUILD_BUG_ON(sizeof(struct sabuf_waitset_create) != SABUF_WAITSET_CREATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_waitset_add) != SABUF_WAITSET_ADD_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_waitset_cancel) != SABUF_WAITSET_CANCEL_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_waitset_result) != 16);
	BUILD_BUG_ON(sizeof(struct sabuf_status) > PAGE_SIZE - SABUF_STATUS_OFFSET);
	BUILD_BUG_ON(sizeof(struct sabuf_open) != SABUF_OPEN_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct sabuf_unlink) != SABUF_UNLINK_SIZE_VER0);

	ret = sabuf_backing_init();
	if (ret)
		return ret;
	ret = sabuf_waitwake_init();
	if (ret)
		goto out_backing;
	ret = sabuf_waitset_init();
	if (ret)
		goto out_waitwake;
	ret = sabuf_netlink_init();
	if (ret)
		goto out_waitset;
	ret = sabuf_robust_init();
	if (ret)
		goto out_netlink;
	sabuf_misc.mode = mode;
	ret = misc_register(&sabuf_misc);
	if (ret)
		goto out_robust;
	return 0;

out_robust:
	sabuf_robust_exit();
out_netlink:
	sabuf_netlink_exit();
out_waitset:
	sabuf_waitset_exit();
out_waitwake:
	sabuf_waitwake_exit();
out_backing:
	sabuf_backing_exit();
	return ret;
}

static void __exit sabuf_exit(void)
{
	misc_deregister(&sabuf_misc);
	sabuf_robust_exit();
	sabuf_netlink_exit();
	sabuf_names_exit();
	sabuf_waitset_exit();
	sabuf_waitwake_exit();
	sabuf_backing_exit();
}

module_init(sabuf_init);
module_exit(sabuf_exit);
MODULE_DESCRIPTION("SharedArrayBuffer and Atomics: shared buffers with wait/notify");
MODULE_AUTHOR("The sabuf developers");
MODULE_LICENSE("GPL");
/* the release; tools/make-deb checks it against debian/changelog */
MODULE_VERSION("0.2.0");
