// SPDX-License-Identifier: GPL-2.0
/*
 * The sabuf family's requests (dump all buffers; GET one buffer and dump
 * its queues with QUEUES_GET, its holders and waiters with who.c)
 * and the decoding of its replies. Each attribute's type is validated
 * before use; attributes newer than this program are skipped, so an older
 * CLI keeps working against a newer module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "grow.h"
#include "stats.h"

/* The libmnl type each attribute we know must have; MNL_TYPE_UNSPEC: not read. */
static const enum mnl_attr_data_type sabuf_attr_types[SABUF_A_MAX + 1] = {
	[SABUF_A_ID]		= MNL_TYPE_U64,
	[SABUF_A_BYTE_LENGTH]	= MNL_TYPE_U64,
	[SABUF_A_CREATOR_PID]	= MNL_TYPE_U32,
	[SABUF_A_CREATOR_UID]	= MNL_TYPE_U32,
	[SABUF_A_FDS]		= MNL_TYPE_U32,
	[SABUF_A_MAPPINGS]	= MNL_TYPE_U32,
	[SABUF_A_WAITERS]	= MNL_TYPE_U32,
	[SABUF_A_WAITS]		= MNL_TYPE_U64,
	[SABUF_A_NOTIFIES]	= MNL_TYPE_U64,
	[SABUF_A_CREATED_NS]	= MNL_TYPE_U64,
	[SABUF_A_QUEUES]	= MNL_TYPE_NESTED,
	[SABUF_A_QUEUE]		= MNL_TYPE_NESTED,
	[SABUF_A_QUEUE_OFFSET]	= MNL_TYPE_U64,
	[SABUF_A_QUEUE_LENGTH]	= MNL_TYPE_U32,
	[SABUF_A_WAITERS_ANY]	= MNL_TYPE_U32,
	[SABUF_A_WAITERS_ASYNC]	= MNL_TYPE_U32,
	[SABUF_A_NAME]		= MNL_TYPE_NUL_STRING,
	/* who.c's (0.3) */
	[SABUF_A_HOLDERS]		= MNL_TYPE_NESTED,
	[SABUF_A_HOLDER]		= MNL_TYPE_NESTED,
	[SABUF_A_HOLDER_PID]		= MNL_TYPE_U32,
	[SABUF_A_HOLDER_COMM]		= MNL_TYPE_NUL_STRING,
	[SABUF_A_HOLDER_FDS]		= MNL_TYPE_U32,
	[SABUF_A_HOLDER_MAPPINGS]	= MNL_TYPE_U32,
	[SABUF_A_WAITER_LIST]		= MNL_TYPE_NESTED,
	[SABUF_A_WAITER]		= MNL_TYPE_NESTED,
	[SABUF_A_WAITER_OFFSET]		= MNL_TYPE_U64,
	[SABUF_A_WAITER_TID]		= MNL_TYPE_U32,
	[SABUF_A_WAITER_PID]		= MNL_TYPE_U32,
	[SABUF_A_WAITER_KIND]		= MNL_TYPE_U32,
	[SABUF_A_OWNER]			= MNL_TYPE_NESTED,
	[SABUF_A_OWNER_ID]		= MNL_TYPE_U32,
	[SABUF_A_OWNER_TID]		= MNL_TYPE_U32,
	[SABUF_A_OWNER_PID]		= MNL_TYPE_U32,
	[SABUF_A_OWNER_COMM]		= MNL_TYPE_NUL_STRING,
	[SABUF_A_OWNER_DEAD]		= MNL_TYPE_FLAG,
};

/*
 * Collect the attributes of one nesting level into tb[], by type. Unknown
 * types are skipped; a known type with a bad payload fails (EPROTO would
 * hide which check failed, so mnl_attr_validate's errno is kept).
 */
int sabuf_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, SABUF_A_MAX) < 0)
		return MNL_CB_OK;
	if (sabuf_attr_types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;	/* SABUF_A_PAD and the like */
	if (mnl_attr_validate(attr, sabuf_attr_types[type]) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static void sabuf_stat_decode(const struct nlattr **tb, struct sabuf_stat *st)
{
	memset(st, 0, sizeof(*st));
#define GET(attr, field, getter)					\
	do {								\
		if (tb[attr]) {						\
			st->field = getter(tb[attr]);			\
			st->have |= STAT_HAS(attr);			\
		}							\
	} while (0)
	GET(SABUF_A_ID, id, mnl_attr_get_u64);
	GET(SABUF_A_BYTE_LENGTH, byte_length, mnl_attr_get_u64);
	GET(SABUF_A_CREATOR_PID, creator_pid, mnl_attr_get_u32);
	GET(SABUF_A_CREATOR_UID, creator_uid, mnl_attr_get_u32);
	GET(SABUF_A_FDS, fds, mnl_attr_get_u32);
	GET(SABUF_A_MAPPINGS, mappings, mnl_attr_get_u32);
	GET(SABUF_A_WAITERS, waiters, mnl_attr_get_u32);
	GET(SABUF_A_WAITERS_ANY, waiters_any, mnl_attr_get_u32);
	GET(SABUF_A_WAITERS_ASYNC, waiters_async, mnl_attr_get_u32);
	GET(SABUF_A_WAITS, waits, mnl_attr_get_u64);
	GET(SABUF_A_NOTIFIES, notifies, mnl_attr_get_u64);
	GET(SABUF_A_CREATED_NS, created_ns, mnl_attr_get_u64);
#undef GET
	if (tb[SABUF_A_NAME]) {
		snprintf(st->name, sizeof(st->name), "%s", mnl_attr_get_str(tb[SABUF_A_NAME]));
		st->have |= STAT_HAS(SABUF_A_NAME);
	}
}

/* Parse one reply message's top-level attributes into tb[]. */
static int sabuf_parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	memset(tb, 0, sizeof(*tb) * (SABUF_A_MAX + 1));
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sabuf_attr_cb, tb);
}

/* ---- dump ---- */

static int sabuf_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SABUF_A_MAX + 1];
	struct sabuf_stat_list *list = data;
	struct sabuf_stat *st;

	if (sabuf_parse_msg(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[SABUF_A_ID])
		return MNL_CB_OK;	/* not a buffer we can name: ignore it */
	st = sabuf_grow(list->items, list->count, &list->capacity, sizeof(*st), 16);
	if (!st) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	list->items = st;
	st = &list->items[list->count++];
	sabuf_stat_decode(tb, st);
	return MNL_CB_OK;
}

static int sabuf_stat_cmp(const void *a, const void *b)
{
	const struct sabuf_stat *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int sabuf_stats_dump(struct genl_conn *c, struct sabuf_stat_list *out, bool *inconsistent)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int attempt, ret;

	memset(out, 0, sizeof(*out));
	for (attempt = 1; ; attempt++) {
		out->count = 0;
		nlh = genl_request(c, buf, SABUF_CMD_GET, NLM_F_DUMP);
		ret = genl_transact(c, nlh, sabuf_dump_cb, out);
		/*
		 * NLM_F_DUMP_INTR: buffers came or went between two parts of
		 * the dump, which may then list a buffer that is gone or miss
		 * one that is new. Try again; past the last attempt, keep
		 * what we have (every buffer that lived throughout is in it).
		 */
		if (ret || !c->dump_interrupted || attempt == SABUF_DUMP_ATTEMPTS)
			break;
	}
	if (ret) {
		sabuf_stat_list_free(out);
		return ret;
	}
	*inconsistent = c->dump_interrupted;
	if (out->count > 1)
		qsort(out->items, out->count, sizeof(*out->items), sabuf_stat_cmp);
	return 0;
}

void sabuf_stat_list_free(struct sabuf_stat_list *list)
{
	free(list->items);
	memset(list, 0, sizeof(*list));
}

/* ---- one buffer with its queues ---- */

static int sabuf_queue_add(struct sabuf_detail *d, const struct nlattr *queue)
{
	const struct nlattr *tb[SABUF_A_MAX + 1] = { NULL };
	struct sabuf_queue_stat *q;

	if (mnl_attr_parse_nested(queue, sabuf_attr_cb, tb) < 0)
		return -errno;
	if (!tb[SABUF_A_QUEUE_OFFSET] || !tb[SABUF_A_QUEUE_LENGTH])
		return 0;	/* incomplete: skip it */
	q = sabuf_grow(d->queues, d->nr_queues, &d->queues_capacity, sizeof(*q), 16);
	if (!q)
		return -ENOMEM;
	d->queues = q;
	q = &d->queues[d->nr_queues++];
	q->offset = mnl_attr_get_u64(tb[SABUF_A_QUEUE_OFFSET]);
	q->waiters = mnl_attr_get_u32(tb[SABUF_A_QUEUE_LENGTH]);
	return 0;
}

/* Every SABUF_A_QUEUE of a SABUF_A_QUEUES nest (NULL: none) into d. */
static int sabuf_queues_add(struct sabuf_detail *d, const struct nlattr *queues)
{
	const struct nlattr *queue;
	int ret;

	if (!queues)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(queue, queues) {
		if (mnl_attr_get_type(queue) != SABUF_A_QUEUE)
			continue;
		if (mnl_attr_validate(queue, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		ret = sabuf_queue_add(d, queue);
		if (ret) {
			errno = -ret;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

static int sabuf_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SABUF_A_MAX + 1];
	struct sabuf_detail *d = data;

	if (sabuf_parse_msg(nlh, tb) < 0)
		return MNL_CB_ERROR;
	sabuf_stat_decode(tb, &d->stat);
	return sabuf_queues_add(d, tb[SABUF_A_QUEUES]);
}

/* A part of the QUEUES_GET dump: SABUF_A_ID and a SABUF_A_QUEUES nest. */
static int sabuf_queues_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SABUF_A_MAX + 1];
	struct sabuf_detail *d = data;

	if (sabuf_parse_msg(nlh, tb) < 0)
		return MNL_CB_ERROR;
	return sabuf_queues_add(d, tb[SABUF_A_QUEUES]);
}

static int sabuf_queue_cmp(const void *a, const void *b)
{
	const struct sabuf_queue_stat *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

int sabuf_stats_get(struct genl_conn *c, uint64_t id, struct sabuf_detail *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(out, 0, sizeof(*out));
	nlh = genl_request(c, buf, SABUF_CMD_GET, NLM_F_ACK);
	mnl_attr_put_u64(nlh, SABUF_A_ID, id);
	ret = genl_transact(c, nlh, sabuf_get_cb, out);
	if (!ret && !(out->stat.have & STAT_HAS(SABUF_A_ID)))
		ret = -EPROTO;	/* acked, but no buffer in the answer */
	/* The queues, however many: a dump resuming by offset. */
	if (!ret) {
		nlh = genl_request(c, buf, SABUF_CMD_QUEUES_GET, NLM_F_DUMP);
		mnl_attr_put_u64(nlh, SABUF_A_ID, id);
		ret = genl_transact(c, nlh, sabuf_queues_cb, out);
	}
	if (!ret)
		ret = sabuf_who_get(c, id, &out->who);
	if (ret) {
		sabuf_detail_free(out);
		return ret;
	}
	if (out->nr_queues > 1)
		qsort(out->queues, out->nr_queues, sizeof(*out->queues), sabuf_queue_cmp);
	return 0;
}

void sabuf_detail_free(struct sabuf_detail *detail)
{
	free(detail->queues);
	sabuf_who_free(&detail->who);
	memset(detail, 0, sizeof(*detail));
}
