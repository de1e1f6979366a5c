/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the pieces of libsabuf share and the public header does not show:
 * the handle, the export macro, and the address checks every call makes.
 */
#ifndef SABUF_INTERNAL_H
#define SABUF_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <linux/sabuf.h>

#include "deadline.h"
#include "sabuf.h"

/* Built with -fvisibility=hidden: only what is marked here is exported, and
 * sabuf.map gives each exported name its version. */
#define SABUF_EXPORT __attribute__((visibility("default")))

/* A function whose meaning changed in 0.2: its definition is the default
 * version name@@SABUF_0.2, and compat.c keeps name@SABUF_0.1. */
#define SABUF_VERSION_0_2(name) \
	__asm__(".symver " #name ", " #name "@@@SABUF_0.2")

/*
 * One handle: one mapping of one buffer and the fd it owns. Everything
 * here comes from SABUF_IOC_INFO; nothing about the layout is assumed.
 * Immutable after sabuf_attach_owned_fd(), so threads share it freely.
 */
struct sabuf {
	int fd;				/* ours: closed by sabuf_destroy() */
	void *data;			/* the shared pages, map_length bytes */
	size_t byte_length;		/* at attach; the current one: sabuf_current_length() */
	size_t max_byte_length;		/* == byte_length unless growable */
	size_t map_length;		/* max_byte_length rounded up to a page */
	const uint64_t *status_length;	/* the kernel's current length, or NULL */
	bool growable;
	bool readonly;			/* the fd has no write access */
	const uint32_t *counters;	/* read-only waiter counters, or NULL */
	size_t counters_length;		/* bytes mapped at counters */
	uint32_t counters_slots;	/* a power of two; 0 without counters */
	uint64_t id;			/* the kernel's id for this buffer */
};

/* Map the buffer behind fd and take ownership of fd: on success it belongs
 * to *out, on failure it has been closed. (buffer.c) */
int sabuf_attach_owned_fd(int fd, struct sabuf **out);

/* The buffer's length now, as grown by anyone (acquire: pairs with the
 * kernel's release store after the new pages exist). */
static inline size_t sabuf_current_length(const struct sabuf *sb)
{
	if (!sb->status_length)
		return sb->byte_length;
	return (size_t)__atomic_load_n(sb->status_length, __ATOMIC_ACQUIRE);
}

/*
 * The word [addr, addr + size) must be naturally aligned (-EINVAL) and
 * inside the buffer's current length (-ERANGE); size is 4 or 8. On success
 * *offset is its byte offset, the kernel's name for it.
 */
static inline int sabuf_word_offset(const struct sabuf *sb, const void *addr,
				    size_t size, uint64_t *offset)
{
	uintptr_t base, at;
	size_t len;

	if (!sb)
		return -EINVAL;
	base = (uintptr_t)sb->data;
	at = (uintptr_t)addr;
	if (at & (size - 1))
		return -EINVAL;
	if (at < base)
		return -ERANGE;
	/* buffers never shrink: inside the length at attach is inside now,
	 * without reading the kernel's current length (the usual case) */
	len = sb->byte_length;
	if (at - base > len || len - (at - base) < size) {
		len = sabuf_current_length(sb);
		if (at - base > len || len - (at - base) < size)
			return -ERANGE;
	}
	*offset = at - base;
	return 0;
}

/*
 * The same for a word the caller will write (every mutex, condition
 * variable, semaphore and barrier call): -EBADF first on a read-only
 * handle, whose mapping would fault on the store (contract 0.3).
 */
static inline int sabuf_writable_word(const struct sabuf *sb, const void *addr,
				      size_t size, uint64_t *offset)
{
	if (sb && sb->readonly)
		return -EBADF;
	return sabuf_word_offset(sb, addr, size, offset);
}

/*
 * Does the kernel count nobody waiting on the index at @offset? The caller
 * has made barrier (B) of kmod/waitwake.c already (a fence, or a
 * sequentially consistent read-modify-write of the word). Without counters
 * the answer is "maybe somebody": ask the kernel.
 */
static inline bool sabuf_counter_is_zero(const struct sabuf *sb, uint64_t offset)
{
	return sb->counters &&
	       __atomic_load_n(&sb->counters[SABUF_COUNTER_SLOT(offset, sb->counters_slots)],
			       __ATOMIC_RELAXED) == 0;
}

/* SABUF_IOC_NOTIFY for the index at @offset, once sabuf_counter_is_zero()
 * said someone may wait (after barrier (B)). (waitwake.c) */
int sabuf_notify_in_kernel(struct sabuf *sb, uint64_t offset, unsigned int count);

/* Take a mutex the slow way, leaving it CONTENDED: 0 or -ETIMEDOUT. The
 * condition variable relocks with it. (mutex.c) */
int sabuf_mutex_lock_contended(struct sabuf *sb, sabuf_mutex_t *mutex,
			       const struct sabuf_deadline *deadline);

/* Does the calling thread hold the mutex (whose address was checked)?
 * No system call. (mutex.c) */
bool sabuf_mutex_is_mine(sabuf_mutex_t *mutex);

#endif /* SABUF_INTERNAL_H */
