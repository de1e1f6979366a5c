// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Named buffers: sabuf_open (shm_open + ftruncate + mmap in one call) and
 * sabuf_unlink, over SABUF_IOC_OPEN and SABUF_IOC_UNLINK. The kernel owns
 * the names, checks them, applies the caller's umask and checks the
 * rights (kmod/names.c); this file translates POSIX oflag bits into the
 * ABI's own (O_CREAT's value differs between architectures) and maps the
 * fd it gets back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/sabuf.h>

#include "internal.h"

/* Any handle can carry the request: an empty, read-only one is enough. */
static int named_ioctl(unsigned long cmd, void *args)
{
	int dev, ret;

	dev = open(SABUF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	ret = ioctl(dev, cmd, args);
	if (ret < 0)
		ret = errno == ENOTTY ? -EOPNOTSUPP : -errno;	/* a module before 0.3 */
	close(dev);
	return ret;
}

SABUF_EXPORT int sabuf_open(const char *name, int oflag, mode_t mode, size_t byte_length,
			    struct sabuf **out)
{
	struct sabuf_open args = {
		.name = (uintptr_t)name,
		.byte_length = byte_length,
		/* as shm_open: only the permission bits of mode count */
		.mode = (uint32_t)(mode & 0777),
	};
	int fd;

	if (!name || !out)
		return -EINVAL;
	if (oflag & ~(O_ACCMODE | O_CREAT | O_EXCL))
		return -EINVAL;
	switch (oflag & O_ACCMODE) {
	case O_RDONLY:
		break;
	case O_RDWR:
		args.oflag |= SABUF_OPEN_RDWR;
		break;
	default:
		return -EINVAL;
	}
	if (oflag & O_CREAT)
		args.oflag |= SABUF_OPEN_CREAT;
	if (oflag & O_EXCL)
		args.oflag |= SABUF_OPEN_EXCL;
	fd = named_ioctl(SABUF_IOC_OPEN, &args);
	if (fd < 0)
		return fd;
	return sabuf_attach_owned_fd(fd, out);
}

SABUF_EXPORT int sabuf_unlink(const char *name)
{
	struct sabuf_unlink args = { .name = (uintptr_t)name };

	if (!name)
		return -EINVAL;
	return named_ioctl(SABUF_IOC_UNLINK, &args);
}
