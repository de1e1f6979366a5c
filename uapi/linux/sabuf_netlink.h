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
	__SABUF_A_MAX,
};
#define SABUF_A_MAX (__SABUF_A_MAX - 1)

#endif /* _UAPI_LINUX_SABUF_NETLINK_H */
