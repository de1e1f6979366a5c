/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sabuf introspection over generic netlink: family SABUF_GENL_NAME.
 *
 *   SABUF_CMD_GET         doit: one buffer by SABUF_A_ID
 *                         dump: every buffer the caller may see
 *   SABUF_CMD_QUEUES_GET  doit: one buffer by SABUF_A_ID, with SABUF_A_QUEUES
 *                         (EMSGSIZE past 256 waited-on indices: dump instead)
 *                         dump: SABUF_A_ID in the request; messages of
 *                         SABUF_A_ID + SABUF_A_QUEUES, together every
 *                         waited-on index by ascending offset
 *   SABUF_CMD_HOLDERS_GET dump: SABUF_A_ID in the request; messages of
 *                         SABUF_A_ID + SABUF_A_HOLDERS: every process that
 *                         holds an fd or a mapping of the buffer, by
 *                         ascending pid (0.3)
 *   SABUF_CMD_WAITERS_GET dump: SABUF_A_ID in the request; messages of
 *                         SABUF_A_ID + SABUF_A_WAITER_LIST: every queued
 *                         waiter, by ascending offset, each offset's in
 *                         FIFO order; a robust waiter carries its word's
 *                         current owner (SABUF_A_OWNER) (0.3)
 *
 * Processes and threads are named by their ids in the reader's pid
 * namespace; one with no id there is left out of SABUF_A_HOLDERS, and a
 * waiter or owner outside it reads pid and tid 0. HOLDERS_GET and
 * WAITERS_GET have no doit (EOPNOTSUPP): request them with NLM_F_DUMP.
 *
 * Replies carry SABUF_CMD_GET / SABUF_CMD_QUEUES_GET with the SABUF_A_*
 * attributes below. A caller without CAP_SYS_ADMIN sees only buffers whose
 * creator has the uid of the caller's socket; others answer ENOENT, as gone
 * buffers do. Contents are never exposed. Requests are strictly validated:
 * unknown attributes and wrong types fail with EINVAL and an extack message.
 */
#ifndef _UAPI_LINUX_SABUF_NETLINK_H
#define _UAPI_LINUX_SABUF_NETLINK_H

#define SABUF_GENL_NAME		"sabuf"
#define SABUF_GENL_VERSION	1

enum {
	SABUF_CMD_UNSPEC,
	SABUF_CMD_GET,
	SABUF_CMD_QUEUES_GET,
	SABUF_CMD_HOLDERS_GET,	/* 0.3 */
	SABUF_CMD_WAITERS_GET,	/* 0.3 */
	__SABUF_CMD_MAX,
};
#define SABUF_CMD_MAX (__SABUF_CMD_MAX - 1)

enum {
	SABUF_A_UNSPEC,
	SABUF_A_PAD,		/* alignment padding for u64 attributes */
	SABUF_A_ID,		/* u64: the buffer's id (request and reply) */
	SABUF_A_BYTE_LENGTH,	/* u64 */
	SABUF_A_CREATOR_PID,	/* u32: creator's process id, in the reader's pid namespace */
	SABUF_A_CREATOR_UID,	/* u32: in the reader's user namespace */
	SABUF_A_FDS,		/* u32: open file descriptions' references (fds, in-flight passes) */
	SABUF_A_MAPPINGS,	/* u32: live mappings */
	SABUF_A_WAITERS,	/* u32: queued waiters now */
	SABUF_A_WAITS,		/* u64: wait calls so far */
	SABUF_A_NOTIFIES,	/* u64: notify calls so far */
	SABUF_A_CREATED_NS,	/* u64: CLOCK_REALTIME at creation */
	SABUF_A_QUEUES,		/* nest of SABUF_A_QUEUE */
	SABUF_A_QUEUE,		/* nest: SABUF_A_QUEUE_* */
	SABUF_A_QUEUE_OFFSET,	/* u64: the index (byte offset) */
	SABUF_A_QUEUE_LENGTH,	/* u32: waiters queued there */
	SABUF_A_MAX_BYTE_LENGTH,	/* u64: == byte length unless growable */
	SABUF_A_WAITERS_ANY,	/* u32: of SABUF_A_WAITERS, places of waits on any of N words */
	SABUF_A_WAITERS_ASYNC,	/* u32: of SABUF_A_WAITERS, pending asynchronous (waitset) waits */
	SABUF_A_NAME,		/* string: the buffer's name, while it has one (named buffers) */
	/* 0.3: who holds (SABUF_CMD_HOLDERS_GET) */
	SABUF_A_HOLDERS,	/* nest of SABUF_A_HOLDER */
	SABUF_A_HOLDER,		/* nest: SABUF_A_HOLDER_* of one process */
	SABUF_A_HOLDER_PID,	/* u32: the process (thread group) id */
	SABUF_A_HOLDER_COMM,	/* string: its command name (TASK_COMM_LEN) */
	SABUF_A_HOLDER_FDS,	/* u32: its fds of the buffer (handles and read-only dups) */
	SABUF_A_HOLDER_MAPPINGS,	/* u32: its mappings (VMAs) of the buffer */
	/* 0.3: who waits (SABUF_CMD_WAITERS_GET) */
	SABUF_A_WAITER_LIST,	/* nest of SABUF_A_WAITER */
	SABUF_A_WAITER,		/* nest: SABUF_A_WAITER_*, and SABUF_A_OWNER if robust */
	SABUF_A_WAITER_OFFSET,	/* u64: the waited-on index (byte offset) */
	SABUF_A_WAITER_TID,	/* u32: the sleeping thread; 0 for an asynchronous wait */
	SABUF_A_WAITER_PID,	/* u32: its process; for an async wait, the one that added it */
	SABUF_A_WAITER_KIND,	/* u32: SABUF_WAITER_KIND_* */
	SABUF_A_OWNER,		/* nest: SABUF_A_OWNER_*, the holder of a robust waiter's mutex */
	SABUF_A_OWNER_ID,	/* u32: the owner id in the word now (0: none) */
	SABUF_A_OWNER_TID,	/* u32: the owner's thread, if alive */
	SABUF_A_OWNER_PID,	/* u32: its process, if alive */
	SABUF_A_OWNER_COMM,	/* string: its command name, if alive */
	SABUF_A_OWNER_DEAD,	/* flag: the owner id names no live thread */
	__SABUF_A_MAX,
};
#define SABUF_A_MAX (__SABUF_A_MAX - 1)

/*
 * SABUF_A_WAITER_KIND: what waits (the values of the sabuf_wait_* trace
 * events' kind). A wait on any of N words is one waiter at each of its
 * offsets. A robust waiter is a SABUF_IOC_WAIT with SABUF_WAIT_ROBUST: it
 * sleeps on a mutex word whose low bits (SABUF_ROBUST_ID_MASK) name the
 * owner; SABUF_A_OWNER reports that owner as the word holds it when read
 * (0, or SABUF_ROBUST_ID_MASK itself, mean none).
 */
enum {
	SABUF_WAITER_KIND_WAIT,		/* SABUF_IOC_WAIT, NOTIFY_WAIT's wait */
	SABUF_WAITER_KIND_ANY,		/* SABUF_IOC_WAIT_ANY */
	SABUF_WAITER_KIND_ASYNC,	/* a waitset's wait (SABUF_IOC_WAITSET_ADD) */
	SABUF_WAITER_KIND_ROBUST,	/* SABUF_IOC_WAIT with SABUF_WAIT_ROBUST */
};

#endif /* _UAPI_LINUX_SABUF_NETLINK_H */
