// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf: SharedArrayBuffer and Atomics for C programs.
 *
 * /dev/sabuf is a misc device. Each open gives an empty handle; one
 * SABUF_IOC_CREATE gives it a fixed byte length, and from then on the
 * handle is a buffer of zero-filled shared pages that any holder of the fd
 * can mmap, and whose 32- and 64-bit words can be waited on and notified
 * (SABUF_IOC_WAIT / SABUF_IOC_NOTIFY). uapi/linux/sabuf.h documents the
 * ABI; kmod/README.md lists the errors.
 *
 * This file: module setup, the device, and ioctl dispatch.
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

static int sabuf_open(struct inode *inode, struct file *file)
{
	struct sabuf_buffer *buf = sabuf_buffer_alloc(file);

	if (!buf)
		return -ENOMEM;
	file->private_data = buf;
	return 0;
}

static int sabuf_release(struct inode *inode, struct file *file)
{
	sabuf_buffer_free(file->private_data);
	return 0;
}

static long sabuf_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sabuf_buffer *buf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case SABUF_IOC_CREATE:
		return sabuf_ioctl_create(buf, uarg);
	case SABUF_IOC_INFO:
		return sabuf_ioctl_info(buf, uarg);
	case SABUF_IOC_WAIT:
		return sabuf_ioctl_wait(buf, uarg);
	case SABUF_IOC_NOTIFY:
		return sabuf_ioctl_notify(buf, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations sabuf_fops = {
	.owner		= THIS_MODULE,
	.open		= sabuf_open,
	.release	= sabuf_release,
	.unlocked_ioctl	= sabuf_ioctl,
	/* Every ABI struct has one layout for 32- and 64-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= sabuf_mmap,
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

	BUILD_BUG_ON(sizeof(struct sabuf_create) != 16);
	BUILD_BUG_ON(sizeof(struct sabuf_info) != 88);
	BUILD_BUG_ON(sizeof(struct sabuf_wait) != 48);
	BUILD_BUG_ON(sizeof(struct sabuf_notify) != 24);

	ret = sabuf_waitwake_init();
	if (ret)
		return ret;
	ret = sabuf_netlink_init();
	if (ret)
		goto out_waitwake;
	sabuf_misc.mode = mode;
	ret = misc_register(&sabuf_misc);
	if (ret)
		goto out_netlink;
	return 0;

out_netlink:
	sabuf_netlink_exit();
out_waitwake:
	sabuf_waitwake_exit();
	return ret;
}

static void __exit sabuf_exit(void)
{
	misc_deregister(&sabuf_misc);
	sabuf_netlink_exit();
	sabuf_waitwake_exit();
}

module_init(sabuf_init);
module_exit(sabuf_exit);
MODULE_DESCRIPTION("SharedArrayBuffer and Atomics: shared buffers with wait/notify");
MODULE_AUTHOR("The sabuf developers");
MODULE_LICENSE("GPL");
