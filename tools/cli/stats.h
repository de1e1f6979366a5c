/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sabuf family tells about buffers, decoded from its attributes
 * (uapi/linux/sabuf_netlink.h) into plain structs.
 */
#ifndef SABUF_CLI_STATS_H
#define SABUF_CLI_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/sabuf_netlink.h>

#include "genl.h"
#include "who.h"

/* One buffer. A field is valid only if its attribute's bit is in @have. */
struct sabuf_stat {
	uint32_t have;			/* STAT_HAS(SABUF_A_*) for each attribute received */
	uint64_t id;
	uint64_t byte_length;
	uint32_t creator_pid;
	uint32_t creator_uid;
	uint32_t fds;
	uint32_t mappings;
	uint32_t waiters;		/* every kind, of which: */
	uint32_t waiters_any;		/* places of waits on any of N words */
	uint32_t waiters_async;		/* pending asynchronous (waitset) waits */
	uint64_t waits;
	uint64_t notifies;
	uint64_t created_ns;		/* CLOCK_REALTIME */
	char name[256];			/* SABUF_A_NAME: a named buffer's name, else "" */
};
#define STAT_HAS(attr)	(1u << (attr))

/* One waited-on index of a buffer. */
struct sabuf_queue_stat {
	uint64_t offset;
	uint32_t waiters;
};

struct sabuf_stat_list {
	struct sabuf_stat *items;	/* ascending id */
	size_t count;
	size_t capacity;
};

/* One buffer, its waited-on indices (ascending offset), its holders and waiters. */
struct sabuf_detail {
	struct sabuf_stat stat;
	struct sabuf_queue_stat *queues;
	size_t nr_queues;
	size_t queues_capacity;
	struct sabuf_who who;
};

/*
 * libmnl's attribute callback for every reply of the family: collects one
 * nesting level into @data (const struct nlattr *[SABUF_A_MAX + 1]) by
 * type, skips unknown types, fails a known type with a bad payload.
 */
int sabuf_attr_cb(const struct nlattr *attr, void *data);

/* How many times a dump that buffers came and went during is tried again. */
#define SABUF_DUMP_ATTEMPTS	5

/*
 * Every buffer the caller may see. 0 or -errno. *inconsistent is set when
 * every attempt was interrupted by buffers coming and going: the list then
 * holds every buffer that lived through the last attempt, and perhaps
 * some that came or went during it.
 */
int sabuf_stats_dump(struct genl_conn *c, struct sabuf_stat_list *out, bool *inconsistent);
void sabuf_stat_list_free(struct sabuf_stat_list *list);

/* One buffer with its queues, holders and waiters. 0 or -errno: -ENOENT when gone or not the caller's. */
int sabuf_stats_get(struct genl_conn *c, uint64_t id, struct sabuf_detail *out);
void sabuf_detail_free(struct sabuf_detail *detail);

#endif /* SABUF_CLI_STATS_H */
