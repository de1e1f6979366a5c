/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sabuf: SharedArrayBuffer and Atomics for C programs, the device ABI
 * (version 2).
 *
 * How userspace uses /dev/sabuf:
 *
 *   fd = open("/dev/sabuf", O_RDWR | O_CLOEXEC);     an empty handle
 *   ioctl(fd, SABUF_IOC_CREATE, &create);             give it a byte length, once
 *   ioctl(fd, SABUF_IOC_INFO, &info);                 layout: lengths, counters
 *   data = mmap(NULL, info.map_length, PROT_READ | PROT_WRITE,
 *               MAP_SHARED, fd, 0);                   the shared, zero-filled pages
 *   ctrs = mmap(NULL, info.counters_length, PROT_READ,
 *               MAP_SHARED, fd, info.counters_offset); read-only waiter counters
 *   ioctl(fd, SABUF_IOC_WAIT, &wait);                 sleep while a word holds a value
 *   ioctl(fd, SABUF_IOC_NOTIFY, &notify);             wake sleepers of one index, FIFO
 *   ioctl(fd, SABUF_IOC_GROW, &grow);                 a growable buffer gets longer
 *   ro = ioctl(fd, SABUF_IOC_DUP_READONLY, &dup);     a read-only fd of the same buffer
 *   nfd = ioctl(fd, SABUF_IOC_OPEN, &open);           the buffer of a name (shm_open)
 *   ioctl(fd, SABUF_IOC_UNLINK, &unlink);             remove a name
 *
 * Rules every struct here follows: fixed-width fields, natural alignment,
 * explicit padding, sizes a multiple of 8 (so 32- and 64-bit callers share
 * one layout and the compat ioctl is the native one). Every flags field has
 * a valid-mask; unknown bits and non-zero reserved fields fail with -EINVAL.
 * Unknown commands fail with -ENOTTY.
 *
 * Growing structs. The kernel dispatches on the command's number and
 * direction and takes the struct's size from the command (_IOC_SIZE), as
 * copy_struct_from_user() allows: a struct may gain fields at its end in a
 * later version without a new command. A caller built against an older,
 * shorter struct (no shorter than its *_SIZE_VER0) gets the defaults of
 * the newer fields (zero); a caller built against a newer, longer struct
 * works on an older kernel as long as the fields it does not know are zero
 * (else -E2BIG). Output structs (SABUF_IOC_INFO) are copied out up to the
 * caller's size. A size below VER0 or above one page: -EINVAL.
 *
 * Rights. An fd opened without write access (O_RDONLY), and every fd made
 * by SABUF_IOC_DUP_READONLY, is read-only: it can map PROT_READ, read INFO
 * and WAIT; CREATE, NOTIFY, GROW and a writable mapping (now or by a later
 * mprotect) fail with -EBADF (mmap: -EACCES, as for any file).
 *
 * The kernel never writes into the caller's arguments, except the output
 * struct of SABUF_IOC_INFO.
 */
#ifndef _UAPI_LINUX_SABUF_H
#define _UAPI_LINUX_SABUF_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define SABUF_DEVICE_PATH	"/dev/sabuf"
#define SABUF_ABI_VERSION	2

/* sabuf_create.flags */
#define SABUF_CREATE_GROWABLE	(1u << 0)	/* may grow up to max_byte_length */
#define SABUF_CREATE_FLAGS_VALID	0x1u

/*
 * SABUF_IOC_CREATE: give a fresh handle its byte length, once, and with
 * SABUF_CREATE_GROWABLE its maximum. Fixed length: byte_length >= 1 and
 * max_byte_length 0 (or equal to byte_length). Growable: 0 <= byte_length
 * <= max_byte_length, max_byte_length >= 1. The whole maximum is reserved
 * (address range, max_user_bytes) at create; pages are allocated and
 * zeroed for byte_length now and by SABUF_IOC_GROW later.
 */
struct sabuf_create {
	__u64 byte_length;	/* exact length; the mapping is page-rounded */
	__u32 flags;		/* SABUF_CREATE_* */
	__u32 reserved;		/* must be 0 */
	__u64 max_byte_length;	/* VER1: see above */
};
#define SABUF_CREATE_SIZE_VER0	16	/* without max_byte_length */
#define SABUF_CREATE_SIZE_VER1	24

/* Feature bits reported in sabuf_info.features. */
#define SABUF_FEATURE_WAIT32		(1ULL << 0)
#define SABUF_FEATURE_WAIT64		(1ULL << 1)
#define SABUF_FEATURE_ABSTIME		(1ULL << 2)
#define SABUF_FEATURE_CLOCK_REALTIME	(1ULL << 3)
#define SABUF_FEATURE_COUNTERS		(1ULL << 4)
/* bit 5 was ABI 1's "restart keeps deadline" (a rewrite of the caller's struct); gone */
#define SABUF_FEATURE_GROWABLE		(1ULL << 6)	/* SABUF_CREATE_GROWABLE, SABUF_IOC_GROW */
#define SABUF_FEATURE_READONLY		(1ULL << 7)	/* SABUF_IOC_DUP_READONLY, read-only fds */
#define SABUF_FEATURE_STATUS		(1ULL << 8)	/* struct sabuf_status in the counters page */
#define SABUF_FEATURE_HANDON		(1ULL << 9)	/* SABUF_WAIT_HANDON */
#define SABUF_FEATURE_TIMENS		(1ULL << 10)	/* absolute deadlines in the caller's time namespace */
#define SABUF_FEATURE_SHMEM		(1ULL << 11)	/* swappable pages, THP, NUMA policy, own file */
#define SABUF_FEATURE_ROBUST		(1ULL << 12)	/* SABUF_IOC_ROBUST_REGISTER, SABUF_WAIT_ROBUST */
#define SABUF_FEATURE_NOTIFY_WAIT	(1ULL << 13)	/* SABUF_IOC_NOTIFY_WAIT */
#define SABUF_FEATURE_WAIT_ANY		(1ULL << 14)	/* SABUF_IOC_WAIT_ANY */
#define SABUF_FEATURE_WAITSET		(1ULL << 15)	/* SABUF_IOC_WAITSET_*: asynchronous waits */
#define SABUF_FEATURE_NAMED		(1ULL << 20)	/* SABUF_IOC_OPEN, SABUF_IOC_UNLINK */

/* sabuf_info.flags */
#define SABUF_INFO_GROWABLE	(1u << 0)
#define SABUF_INFO_READONLY	(1u << 1)	/* this fd is read-only */

/* SABUF_IOC_INFO: what the kernel can tell the library. Output only. */
struct sabuf_info {
	__u32 abi_version;	/* SABUF_ABI_VERSION */
	__u32 page_size;
	__u64 features;		/* SABUF_FEATURE_* */
	__u64 byte_length;	/* now (see struct sabuf_status); 0 while the handle is empty */
	__u64 map_length;	/* max_byte_length rounded up to page_size: map this much */
	__u64 counters_offset;	/* mmap offset of the waiter counters */
	__u32 counters_length;	/* bytes to map there (PROT_READ only) */
	__u32 counters_slots;	/* number of __u32 counters, a power of two */
	__u64 id;		/* the buffer's id, stable while the module is loaded */
	__u64 max_byte_length;	/* == byte_length unless growable */
	__u32 status_offset;	/* struct sabuf_status, in the counters mapping */
	__u32 flags;		/* SABUF_INFO_* */
	__u64 reserved[2];	/* written as 0 */
};
#define SABUF_INFO_SIZE_VER0	88

/*
 * Published by the kernel in the read-only counters mapping, at
 * info.status_offset. byte_length is the current length: SABUF_IOC_GROW
 * stores it (release) after the new pages exist, so a holder that loads
 * it (acquire) may touch every byte below it.
 */
struct sabuf_status {
	__u64 byte_length;
	__u64 reserved[7];
};

/*
 * The waiter counters: counters_slots __u32 values. The counter for the
 * index (byte offset) o is SABUF_COUNTER_SLOT(o, counters_slots); it is
 * non-zero while any waiter of an index hashing there is queued. A notifier
 * that stores the new value, issues a full barrier and then reads 0 there
 * may skip SABUF_IOC_NOTIFY: no waiter can miss the store (see the proof
 * at the top of kmod/waitwake.c).
 */
#define SABUF_COUNTER_SLOT(offset, slots) \
	((__u32)(((offset) >> 2) & ((slots) - 1)))

/* sabuf_wait.flags */
#define SABUF_WAIT_SIZE_U32	(1u << 0)	/* compare a 32-bit word */
#define SABUF_WAIT_SIZE_U64	(1u << 1)	/* compare a 64-bit word */
#define SABUF_WAIT_ABSTIME	(1u << 2)	/* timeout_ns is a deadline on clockid */
#define SABUF_WAIT_HANDON	(1u << 3)	/* picked, then killed: wake the next one instead */
#define SABUF_WAIT_ROBUST	(1u << 4)	/* expected names an owner: EOWNERDEAD if it dies */
#define SABUF_WAIT_FLAGS_VALID	0x1fu

/*
 * SABUF_IOC_WAIT: sleep while the naturally aligned word at offset equals
 * expected, until notified, timed out or interrupted. Exactly one size flag.
 * For SABUF_WAIT_SIZE_U32, expected must fit in 32 bits (pass the int32
 * through a __u32 cast).
 *
 * timeout_ns < 0 waits forever. Otherwise it is relative nanoseconds, or
 * with SABUF_WAIT_ABSTIME an absolute time on clockid (CLOCK_MONOTONIC or
 * CLOCK_REALTIME), read in the caller's time namespace. A relative timeout
 * is a duration on CLOCK_MONOTONIC, so setting the wall clock cannot cut it
 * short (clockid must still be valid).
 *
 * Signals. An absolute (or infinite) wait is restarted after a handler
 * with SA_RESTART and keeps its deadline. A relative wait interrupted by a
 * handler fails with EINTR whatever SA_RESTART says (as epoll_wait does):
 * the kernel does not rewrite the caller's struct, so it cannot know what
 * is left. Send absolute deadlines to get restarts (libsabuf does).
 *
 * SABUF_WAIT_HANDON: when a notify picks this waiter and the waiter dies
 * (a fatal signal) before it returns to userspace, the kernel wakes the
 * next waiter of the index in its place, so a lock or semaphore built on
 * this word never strands its other sleepers. Both are counted by their
 * notifies. Without it, ECMAScript's exact counts hold.
 *
 * SABUF_WAIT_ROBUST (32-bit words only): the low bits of expected
 * (SABUF_ROBUST_ID_MASK) are an owner id from SABUF_IOC_ROBUST_REGISTER.
 * If the word holds expected but that owner is dead (its thread exited,
 * its process exited or exec'ed, or the id is unknown), the wait fails
 * with EOWNERDEAD instead of sleeping; and a sleeper whose owner's process
 * ends is woken with EOWNERDEAD. The caller then takes the word over.
 *
 * Returns 0 when a notify woke it, or fails with
 *   EAGAIN     the word did not hold expected (JavaScript's "not-equal")
 *   EOWNERDEAD SABUF_WAIT_ROBUST and the owner is dead
 *   ETIMEDOUT  the timeout passed first ("timed-out")
 *   EINTR      a signal handler ran (see above)
 *   EINVAL     bad flags, size, clock, alignment, expected, or reserved != 0
 *   ERANGE     the word is not inside the buffer's current length
 *   EBADFD     the handle has no buffer yet
 */
struct sabuf_wait {
	__u64 offset;		/* byte offset of the word */
	__u64 expected;		/* the value to sleep on */
	__s64 timeout_ns;	/* < 0: forever; see above */
	__u32 flags;		/* SABUF_WAIT_* */
	__u32 clockid;		/* CLOCK_MONOTONIC (1) or CLOCK_REALTIME (0) */
	__u64 reserved[2];	/* must be 0 */
};
#define SABUF_WAIT_SIZE_VER0	48

/* sabuf_notify.count that wakes every waiter */
#define SABUF_NOTIFY_ALL	0xffffffffu
#define SABUF_NOTIFY_FLAGS_VALID 0x0u

/*
 * SABUF_IOC_NOTIFY: wake up to count waiters of the index offset (4-byte
 * aligned, inside the current length), oldest first. Returns how many were
 * woken. EBADF on a read-only fd.
 */
struct sabuf_notify {
	__u64 offset;
	__u32 count;		/* SABUF_NOTIFY_ALL for all */
	__u32 flags;		/* none defined yet: must be 0 */
	__u64 reserved;		/* must be 0 */
};
#define SABUF_NOTIFY_SIZE_VER0	24

#define SABUF_GROW_FLAGS_VALID	0x0u

/*
 * SABUF_IOC_GROW: make a growable buffer byte_length long. 0 when it is
 * (also when it already was). Fails with
 *   EINVAL     below the current length (buffers never shrink), bad flags
 *   ERANGE     above max_byte_length
 *   EOPNOTSUPP a fixed-length buffer
 *   EBADF      a read-only fd
 *   ENOMEM     no memory for the new pages (nothing changed)
 *   EBADFD     the handle has no buffer yet
 */
struct sabuf_grow {
	__u64 byte_length;
	__u32 flags;		/* none defined yet: must be 0 */
	__u32 reserved;		/* must be 0 */
};
#define SABUF_GROW_SIZE_VER0	16

#define SABUF_DUP_FLAGS_VALID	0x0u

/*
 * SABUF_IOC_DUP_READONLY: a new fd (close-on-exec) of the same buffer
 * that can only read it (see Rights above). Returns the fd. Works on a
 * read-only fd too; EBADFD on an empty handle.
 */
struct sabuf_dup {
	__u32 flags;		/* none defined yet: must be 0 */
	__u32 reserved;		/* must be 0 */
};
#define SABUF_DUP_SIZE_VER0	8

#define SABUF_NOTIFY_WAIT_FLAGS_VALID	0x0u

/*
 * SABUF_IOC_NOTIFY_WAIT: wake up to notify_count waiters of notify_offset
 * (as SABUF_IOC_NOTIFY), then wait as SABUF_IOC_WAIT with @wait, in one
 * system call: a request/response handoff. Both halves are validated
 * before anything happens, so an error wakes nobody. Returns what the wait
 * returns; EBADF on a read-only fd. A signal handler ends it with EINTR
 * whatever SA_RESTART says (as epoll_wait): restarting would notify again.
 */
struct sabuf_notify_wait {
	__u64 notify_offset;	/* 4-byte aligned, inside the current length */
	__u32 notify_count;	/* SABUF_NOTIFY_ALL for all; 0: just wait */
	__u32 flags;		/* none defined yet: must be 0 */
	struct sabuf_wait wait;
};
#define SABUF_NOTIFY_WAIT_SIZE_VER0	64

/* One word of a SABUF_IOC_WAIT_ANY. */
struct sabuf_wait_any_item {
	__s32 fd;		/* a sabuf fd of the word's buffer (read-only is fine) */
	__u32 flags;		/* exactly one of SABUF_WAIT_SIZE_U32/_U64 */
	__u64 offset;		/* naturally aligned, inside the current length */
	__u64 expected;		/* for 32 bits: the int32 through a __u32 cast */
};
#define SABUF_WAIT_ANY_ITEM_FLAGS_VALID	0x3u
#define SABUF_WAIT_ANY_MAX		128
#define SABUF_WAIT_ANY_FLAGS_VALID	SABUF_WAIT_ABSTIME
#define SABUF_WAIT_ANY_NOT_EQUAL	0x10000		/* result bit, see below */

/*
 * SABUF_IOC_WAIT_ANY: sleep while every item's word holds its expected
 * value, until a notify of any item's index picks the caller. The caller
 * holds a place in each item's FIFO queue; the first notify to pick it
 * counts it (returns 1 for it), and it leaves every other queue at once:
 * no other notify counts it. Items may name different buffers and mix
 * 32- and 64-bit words. Timeouts and signals as SABUF_IOC_WAIT (timeout_ns
 * < 0 forever; SABUF_WAIT_ABSTIME with clockid; a relative wait ends with
 * EINTR after a handler).
 *
 * Returns i (0 <= i < count) when a notify of item i woke it, or
 * SABUF_WAIT_ANY_NOT_EQUAL | i when item i was the first whose word did
 * not hold its expected value (the lowest i, in the order items are
 * queued), or fails with ETIMEDOUT, EINTR, EINVAL (count 0 or above
 * SABUF_WAIT_ANY_MAX, bad flags, size, alignment, clock, reserved != 0, an
 * fd that is no sabuf handle), EBADF (an fd that is not open), EBADFD (an
 * empty handle), ERANGE, EFAULT.
 */
struct sabuf_wait_any {
	__u64 items;		/* user pointer to count struct sabuf_wait_any_item */
	__u32 count;
	__u32 flags;		/* SABUF_WAIT_ABSTIME */
	__s64 timeout_ns;
	__u32 clockid;
	__u32 reserved;		/* must be 0 */
};
#define SABUF_WAIT_ANY_SIZE_VER0	32

#define SABUF_ROBUST_FLAGS_VALID	0x0u
#define SABUF_ROBUST_ID_MASK		0x3fffffffu
#define SABUF_ROBUST_ID_MAX		(SABUF_ROBUST_ID_MASK - 1)	/* the mask itself is never an id */

/*
 * SABUF_IOC_ROBUST_REGISTER: an owner id for the calling thread, from 1 to
 * SABUF_ROBUST_ID_MAX, unique on the system (in every PID namespace) and
 * not handed out again for 2^30 registrations. Returns the id. Any sabuf
 * fd will do, an empty handle too. EAGAIN when 2^30 owners are alive;
 * ENOSPC past the module parameter max_user_owners (live ids of the
 * caller's uid, root included).
 *
 * The id dies (robust waits on it fail, and robust sleepers already
 * asleep on it are woken, with EOWNERDEAD) when, and only when, the
 * thread ends however it ends (its process's end included, whoever else
 * shares its memory) or the thread calls execve successfully.
 */
struct sabuf_robust {
	__u32 flags;		/* none defined yet: must be 0 */
	__u32 reserved;		/* must be 0 */
};
#define SABUF_ROBUST_SIZE_VER0	8

/* ---- Waitsets: asynchronous waits delivered through a pollable fd ---- */

#define SABUF_WAITSET_NONBLOCK		0x1u	/* the new fd is O_NONBLOCK */
#define SABUF_WAITSET_FLAGS_VALID	0x1u

/*
 * SABUF_IOC_WAITSET_CREATE, on any sabuf fd (an empty or read-only handle
 * too): a new waitset file; returns its fd (close-on-exec). A waitset
 * holds any number of pending asynchronous waits (up to the module
 * parameter max_waitset_waits each), each with the caller's 64-bit tag.
 * A pending wait is an ordinary waiter of its index: in the same FIFO
 * queue as blocking waiters, counted by SABUF_IOC_NOTIFY exactly like
 * them. It settles exactly once: "ok" (0) when a notify picked it, or
 * ETIMEDOUT when its deadline passed (an hrtimer; the process need not
 * run). Settled results are read from the waitset fd with read(2), as
 * struct sabuf_waitset_result, oldest first, as many as fit (a buffer
 * smaller than one result: EINVAL); read blocks while none is ready
 * unless the fd is O_NONBLOCK (EAGAIN). poll/select/epoll report EPOLLIN
 * while a result is ready (level-triggered; each settle is a new edge for
 * EPOLLET). The waitset is an open file: it and its waits live while any
 * fd refers to it (fork and SCM_RIGHTS share it); the last close cancels
 * every pending wait and drops every unread result. A pending wait holds
 * its buffer (not its mapping) alive.
 */
struct sabuf_waitset_create {
	__u32 flags;		/* SABUF_WAITSET_NONBLOCK */
	__u32 reserved;		/* must be 0 */
};
#define SABUF_WAITSET_CREATE_SIZE_VER0	8

#define SABUF_WAITSET_ADD_FLAGS_VALID	0x0u

/*
 * SABUF_IOC_WAITSET_ADD, on a waitset fd: queue an asynchronous wait on a
 * word of the buffer of @fd (any sabuf fd of it, read-only too), checked
 * exactly as SABUF_IOC_WAIT checks @wait (SABUF_WAIT_ROBUST and
 * SABUF_WAIT_HANDON are for blocking waits: EINVAL). Returns 0 when the
 * wait is pending; settled at once, nothing queued, it fails with
 *   EAGAIN     the word does not hold expected ("not-equal")
 *   ETIMEDOUT  the deadline has passed already (a relative timeout_ns of 0)
 * or with EINVAL, ERANGE, EBADFD as SABUF_IOC_WAIT; EBADF (@fd not open),
 * EINVAL (@fd no sabuf handle, flags or reserved != 0), ENOSPC (the
 * waitset holds max_waitset_waits pending waits, or the uid that created
 * it holds max_user_waits waits pending or settled and unread over all
 * its waitsets; nothing is queued), ENOMEM. Tags need not be unique.
 */
struct sabuf_waitset_add {
	__s32 fd;		/* a sabuf fd of the word's buffer */
	__u32 flags;		/* none defined yet: must be 0 */
	__u64 tag;		/* the caller's, reported with the result */
	struct sabuf_wait wait;	/* as SABUF_IOC_WAIT */
};
#define SABUF_WAITSET_ADD_SIZE_VER0	64

#define SABUF_WAITSET_CANCEL_FLAGS_VALID 0x0u

/*
 * SABUF_IOC_WAITSET_CANCEL, on a waitset fd: remove the oldest pending
 * wait with @tag before anything settles it: 0, and it is never reported
 * (no notify counted it). ENOENT when no wait with @tag is pending (it
 * settled already: its result comes from read(2), and a notify that
 * picked it counted it).
 */
struct sabuf_waitset_cancel {
	__u64 tag;
	__u32 flags;		/* none defined yet: must be 0 */
	__u32 reserved;		/* must be 0 */
};
#define SABUF_WAITSET_CANCEL_SIZE_VER0	16

/* What read(2) of a waitset fd returns, one per settled wait. */
struct sabuf_waitset_result {
	__u64 tag;
	__s32 result;		/* 0: a notify picked it; -ETIMEDOUT */
	__u32 reserved;		/* 0 */
};

/* ---- Named buffers: unrelated processes meet by name (as shm_open) ---- */

#define SABUF_NAME_MAX		255	/* bytes of a name, without its NUL */

/* sabuf_open.oflag: sabuf's own bits, the same on every architecture */
#define SABUF_OPEN_RDWR		(1u << 0)	/* else read-only (O_RDONLY) */
#define SABUF_OPEN_CREAT	(1u << 1)	/* O_CREAT */
#define SABUF_OPEN_EXCL		(1u << 2)	/* O_EXCL: with CREAT, fail if the name exists */
#define SABUF_OPEN_OFLAG_VALID	0x7u
#define SABUF_OPEN_FLAGS_VALID	0x0u

/*
 * SABUF_IOC_OPEN, on any sabuf fd (an empty or read-only handle too): a
 * new fd (close-on-exec) of the buffer called @name in the caller's IPC
 * namespace, read-only unless SABUF_OPEN_RDWR; returns the fd.
 *
 * @name points at a NUL-terminated string of 1 to SABUF_NAME_MAX bytes,
 * with no '/', and neither "." nor "..". With SABUF_OPEN_CREAT and no such
 * name, a zero-filled fixed-length buffer of @byte_length (>= 1) is
 * created and named, owned by the caller's effective uid and gid, with the
 * permission bits @mode & ~umask (the kernel applies the caller's umask;
 * @mode holds permission bits only, at most 0777); the creator gets the
 * access it asked for whatever @mode says, as open(2) with O_CREAT does.
 * When the name exists, @byte_length is ignored, and access is checked as
 * for a file with that owner, group and mode (read for a read-only open,
 * read and write with SABUF_OPEN_RDWR), granted also by CAP_IPC_OWNER or
 * CAP_DAC_OVERRIDE in the user namespace that owns the IPC namespace.
 * SABUF_OPEN_EXCL is ignored without SABUF_OPEN_CREAT (as O_EXCL is).
 *
 * A name holds its buffer: the buffer lives until the name is unlinked and
 * no fd or mapping refers to it. A name lives until SABUF_IOC_UNLINK, or
 * until its IPC namespace ends (no process, no nsfs file refers to it).
 * While any name exists the module holds a reference on itself, so rmmod
 * is refused (as it is while any buffer exists). Fails with
 *   EINVAL       bad name, oflag, mode, flags, reserved != 0, or
 *                byte_length 0 for a new buffer
 *   ENAMETOOLONG the name is longer than SABUF_NAME_MAX
 *   EEXIST       SABUF_OPEN_CREAT | SABUF_OPEN_EXCL and the name exists
 *   ENOENT       no SABUF_OPEN_CREAT and no such name
 *   EACCES       the name's mode does not grant the access asked for
 *   EFBIG, EDQUOT, ENOMEM  as SABUF_IOC_CREATE (max_buffer_bytes,
 *                max_user_bytes: a named buffer counts toward its creator's)
 *   EFAULT, EMFILE
 */
struct sabuf_open {
	__u64 name;		/* user pointer to the NUL-terminated name */
	__u64 byte_length;	/* for a new buffer */
	__u32 oflag;		/* SABUF_OPEN_* */
	__u32 mode;		/* permission bits of a new buffer, before the umask */
	__u32 flags;		/* none defined yet: must be 0 */
	__u32 reserved;		/* must be 0 */
};
#define SABUF_OPEN_SIZE_VER0	32

#define SABUF_UNLINK_FLAGS_VALID 0x0u

/*
 * SABUF_IOC_UNLINK, on any sabuf fd: remove @name from the caller's IPC
 * namespace at once. Holders keep their buffer; a later SABUF_OPEN_CREAT
 * makes a new one. Only the name's owner (the caller's effective uid) or a
 * caller with CAP_IPC_OWNER in the user namespace owning the IPC namespace
 * may: else EPERM. ENOENT when there is no such name; EINVAL and
 * ENAMETOOLONG for a bad name (as SABUF_IOC_OPEN), flags or reserved != 0.
 */
struct sabuf_unlink {
	__u64 name;		/* user pointer to the NUL-terminated name */
	__u32 flags;		/* none defined yet: must be 0 */
	__u32 reserved;		/* must be 0 */
};
#define SABUF_UNLINK_SIZE_VER0	16

/*
 * 0xBD is free in Documentation/userspace-api/ioctl/ioctl-number.rst
 * (ABI 1 used 0xB5, which belongs to rpmsg).
 */
#define SABUF_IOC_MAGIC		0xBD
#define SABUF_IOC_CREATE	_IOW(SABUF_IOC_MAGIC, 0x00, struct sabuf_create)
#define SABUF_IOC_INFO		_IOR(SABUF_IOC_MAGIC, 0x01, struct sabuf_info)
#define SABUF_IOC_WAIT		_IOW(SABUF_IOC_MAGIC, 0x02, struct sabuf_wait)
#define SABUF_IOC_NOTIFY	_IOW(SABUF_IOC_MAGIC, 0x03, struct sabuf_notify)
#define SABUF_IOC_WAITSET_CREATE _IOW(SABUF_IOC_MAGIC, 0x04, struct sabuf_waitset_create)
#define SABUF_IOC_GROW		_IOW(SABUF_IOC_MAGIC, 0x05, struct sabuf_grow)
#define SABUF_IOC_DUP_READONLY	_IOW(SABUF_IOC_MAGIC, 0x06, struct sabuf_dup)
#define SABUF_IOC_ROBUST_REGISTER _IOW(SABUF_IOC_MAGIC, 0x07, struct sabuf_robust)
#define SABUF_IOC_NOTIFY_WAIT	_IOW(SABUF_IOC_MAGIC, 0x08, struct sabuf_notify_wait)
#define SABUF_IOC_WAIT_ANY	_IOW(SABUF_IOC_MAGIC, 0x09, struct sabuf_wait_any)
/* on a waitset fd */
#define SABUF_IOC_WAITSET_ADD	_IOW(SABUF_IOC_MAGIC, 0x0a, struct sabuf_waitset_add)
#define SABUF_IOC_WAITSET_CANCEL _IOW(SABUF_IOC_MAGIC, 0x0b, struct sabuf_waitset_cancel)
/* named buffers, on any sabuf fd */
#define SABUF_IOC_OPEN		_IOW(SABUF_IOC_MAGIC, 0x10, struct sabuf_open)
#define SABUF_IOC_UNLINK	_IOW(SABUF_IOC_MAGIC, 0x11, struct sabuf_unlink)

#endif /* _UAPI_LINUX_SABUF_H */
