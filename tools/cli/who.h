/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who holds a buffer and who waits on it (0.3): the SABUF_CMD_HOLDERS_GET
 * and SABUF_CMD_WAITERS_GET dumps, decoded into plain structs.
 */
#ifndef SABUF_CLI_WHO_H
#define SABUF_CLI_WHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genl.h"

#define SABUF_COMM_LEN	16	/* the kernel's TASK_COMM_LEN */

/* One process with an fd or a mapping of the buffer. */
struct sabuf_holder_stat {
	uint32_t pid, fds, mappings;
	char comm[SABUF_COMM_LEN];
};

/* The owner a robust mutex word names (id 0: none). */
struct sabuf_owner_stat {
	uint32_t id, tid, pid;		/* tid, pid: 0 when dead or outside our pid namespace */
	char comm[SABUF_COMM_LEN];
	bool dead;
};

/* One queued waiter, oldest first at each offset. */
struct sabuf_waiter_stat {
	uint64_t offset;
	uint32_t tid, pid, kind;	/* tid 0: an asynchronous wait (pid: who added it) */
	bool has_owner;			/* a robust waiter: @owner is its mutex's */
	struct sabuf_owner_stat owner;
};

struct sabuf_who {
	bool has_holders, has_waiters;	/* false: the module predates 0.3 */
	struct sabuf_holder_stat *holders;	/* ascending pid */
	size_t nr_holders, holders_capacity;
	struct sabuf_waiter_stat *waiters;	/* ascending offset, FIFO within one */
	size_t nr_waiters, waiters_capacity;
};

/*
 * Buffer @id's holders and waiters. 0 or -errno: -ENOENT when it is gone
 * or not the caller's. A module without these dumps is not an error: the
 * has_* flags say what was there.
 */
int sabuf_who_get(struct genl_conn *c, uint64_t id, struct sabuf_who *out);
void sabuf_who_free(struct sabuf_who *who);

/* "wait", "wait-any", "async", "robust", or "?" */
const char *sabuf_waiter_kind_name(uint32_t kind);

/* A thread's command name from /proc (@pid's task @tid), "" if unknown. */
void sabuf_thread_comm(uint32_t pid, uint32_t tid, char *out, size_t size);

#endif /* SABUF_CLI_WHO_H */
