// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A buffer's life in a process: create (open + SABUF_IOC_CREATE), attach
 * (map a buffer fd that came from elsewhere), destroy, grow, read-only
 * handles, and the accessors. A handle maps the buffer's whole maximum
 * once, so sabuf_data() never moves; the current length is the kernel's,
 * read from the status it publishes in the read-only counter page.
 * The layout (lengths, where the waiter counters are and how many) is read
 * from SABUF_IOC_INFO, never assumed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/sabuf.h>

#include "internal.h"

/* close() that keeps the caller's errno: error paths report the first cause */
static void close_quietly(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

/*
 * SABUF_IOC_INFO, after a cheap check that fd could be our device at all:
 * /dev/sabuf is a character device; a read-only handle made by
 * SABUF_IOC_DUP_READONLY is an anonymous inode (no file type bits).
 */
static int read_info(int fd, struct sabuf_info *info)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* Certainly not ours: say so without sending our ioctl number to some
	 * other driver. */
	if (!S_ISCHR(st.st_mode) && (st.st_mode & S_IFMT) != 0)
		return -ENOTTY;
	if (ioctl(fd, SABUF_IOC_INFO, info) < 0)
		return -errno;	/* ENOTTY from any other device */
	if (info->abi_version != SABUF_ABI_VERSION)
		return -EPROTO;
	if (info->id == 0)
		return -EBADFD;	/* an open /dev/sabuf that has no buffer yet */
	if (info->max_byte_length > SIZE_MAX || info->map_length > SIZE_MAX ||
	    info->map_length < info->max_byte_length ||
	    info->byte_length > info->max_byte_length)
		return -EPROTO;
	return 0;
}

/* The counters are an optimisation the kernel may not offer: NULL then. */
static int map_counters(int fd, const struct sabuf_info *info,
			struct sabuf *sb)
{
	void *p;

	if (!(info->features & SABUF_FEATURE_COUNTERS) ||
	    info->counters_length == 0)
		return 0;
	/* a power of two, and every slot inside the mapping */
	if (info->counters_slots == 0 ||
	    (info->counters_slots & (info->counters_slots - 1)) ||
	    info->counters_slots > info->counters_length / sizeof(uint32_t))
		return -EPROTO;
	p = mmap(NULL, info->counters_length, PROT_READ, MAP_SHARED, fd,
		 (off_t)info->counters_offset);
	if (p == MAP_FAILED)
		return -errno;
	sb->counters = p;
	sb->counters_length = info->counters_length;
	sb->counters_slots = info->counters_slots;
	if ((info->features & SABUF_FEATURE_STATUS) &&
	    info->status_offset % 8 == 0 &&
	    info->status_offset <= info->counters_length - sizeof(struct sabuf_status))
		sb->status_length = (const uint64_t *)((const char *)p + info->status_offset);
	return 0;
}

int sabuf_attach_owned_fd(int fd, struct sabuf **out)
{
	struct sabuf_info info = { 0 };
	struct sabuf *sb;
	int ret;

	ret = read_info(fd, &info);
	if (ret)
		goto err_close;
	sb = calloc(1, sizeof(*sb));
	if (!sb) {
		ret = -ENOMEM;
		goto err_close;
	}
	sb->fd = fd;
	sb->byte_length = info.byte_length;
	sb->max_byte_length = info.max_byte_length;
	sb->map_length = info.map_length;
	sb->growable = info.flags & SABUF_INFO_GROWABLE;
	sb->readonly = info.flags & SABUF_INFO_READONLY;
	sb->id = info.id;
	/* The whole maximum, so that sabuf_data() never moves as it grows. */
	sb->data = mmap(NULL, sb->map_length,
			sb->readonly ? PROT_READ : PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);
	if (sb->data == MAP_FAILED) {
		ret = -errno;
		goto err_free;
	}
	ret = map_counters(fd, &info, sb);
	if (ret)
		goto err_unmap;
	*out = sb;
	return 0;

err_unmap:
	munmap(sb->data, sb->map_length);
err_free:
	free(sb);
err_close:
	close_quietly(fd);
	return ret;
}

/* open + SABUF_IOC_CREATE + attach */
static int create(const struct sabuf_create *create, struct sabuf **out)
{
	int fd, ret;

	fd = open(SABUF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;	/* ENOENT: the module is not loaded */
	if (ioctl(fd, SABUF_IOC_CREATE, create) < 0) {
		ret = -errno;	/* EFBIG, EDQUOT, ENOMEM: see sabuf_create(3) */
		close(fd);
		return ret;
	}
	return sabuf_attach_owned_fd(fd, out);
}

SABUF_EXPORT int sabuf_create(size_t byte_length, struct sabuf **out)
{
	struct sabuf_create args = { .byte_length = byte_length };

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (byte_length == 0)
		return -EINVAL;
	return create(&args, out);
}

SABUF_EXPORT int sabuf_create_growable(size_t byte_length, size_t max_byte_length,
				       struct sabuf **out)
{
	struct sabuf_create args = {
		.byte_length = byte_length,
		.flags = SABUF_CREATE_GROWABLE,
		.max_byte_length = max_byte_length,
	};

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (max_byte_length == 0 || byte_length > max_byte_length)
		return -EINVAL;
	return create(&args, out);
}

SABUF_EXPORT int sabuf_attach(int fd, struct sabuf **out)
{
	int own;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (fd < 0)
		return -EBADF;
	/* our own fd, so the caller may close theirs; never inherited by exec */
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0)
		return -errno;
	return sabuf_attach_owned_fd(own, out);
}

SABUF_EXPORT void sabuf_destroy(struct sabuf *sb)
{
	if (!sb)
		return;
	if (sb->counters)
		munmap((void *)sb->counters, sb->counters_length);
	munmap(sb->data, sb->map_length);
	close(sb->fd);
	free(sb);
}

SABUF_EXPORT void *sabuf_data(const struct sabuf *sb)
{
	return sb->data;
}

SABUF_EXPORT size_t sabuf_byte_length(const struct sabuf *sb)
{
	return sabuf_current_length(sb);
}

SABUF_EXPORT size_t sabuf_max_byte_length(const struct sabuf *sb)
{
	return sb->max_byte_length;
}

SABUF_EXPORT bool sabuf_is_growable(const struct sabuf *sb)
{
	return sb->growable;
}

SABUF_EXPORT bool sabuf_is_readonly(const struct sabuf *sb)
{
	return sb->readonly;
}

SABUF_EXPORT int sabuf_grow(struct sabuf *sb, size_t new_byte_length)
{
	struct sabuf_grow args = { .byte_length = new_byte_length };

	if (!sb)
		return -EINVAL;
	/* The kernel says the same; answering here spares a system call. */
	if (sb->readonly)
		return -EBADF;
	if (!sb->growable)
		return -EOPNOTSUPP;
	if (ioctl(sb->fd, SABUF_IOC_GROW, &args) < 0)
		return -errno;	/* EINVAL, ERANGE, ENOMEM: see sabuf_grow(3) */
	return 0;
}

SABUF_EXPORT int sabuf_dup_readonly(const struct sabuf *sb)
{
	struct sabuf_dup args = { 0 };
	int fd;

	if (!sb)
		return -EINVAL;
	fd = ioctl(sb->fd, SABUF_IOC_DUP_READONLY, &args);
	return fd < 0 ? -errno : fd;
}

SABUF_EXPORT int sabuf_fd(const struct sabuf *sb)
{
	return sb->fd;
}
