// SPDX-License-Identifier: GPL-2.0
/*
 * The holders and waiters dumps (see who.h). Attributes are validated by
 * type before use, and unknown ones skipped, by stats.c's sabuf_attr_cb().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/sabuf_netlink.h>

#include "grow.h"
#include "stats.h"
#include "who.h"

#define U32(tb, a)	((tb)[a] ? mnl_attr_get_u32((tb)[a]) : 0)

static void copy_comm(char *out, const struct nlattr *attr)
{
	snprintf(out, SABUF_COMM_LEN, "%s", attr ? mnl_attr_get_str(attr) : "");
}

static int holder_add(struct sabuf_who *w, const struct nlattr *nest)
{
	const struct nlattr *tb[SABUF_A_MAX + 1] = { NULL };
	struct sabuf_holder_stat *h;

	if (mnl_attr_parse_nested(nest, sabuf_attr_cb, tb) < 0)
		return -errno;
	if (!tb[SABUF_A_HOLDER_PID])
		return 0;	/* incomplete: skip it */
	h = sabuf_grow(w->holders, w->nr_holders, &w->holders_capacity, sizeof(*h), 16);
	if (!h)
		return -ENOMEM;
	w->holders = h;
	h = &w->holders[w->nr_holders++];
	h->pid = U32(tb, SABUF_A_HOLDER_PID);
	h->fds = U32(tb, SABUF_A_HOLDER_FDS);
	h->mappings = U32(tb, SABUF_A_HOLDER_MAPPINGS);
	copy_comm(h->comm, tb[SABUF_A_HOLDER_COMM]);
	return 0;
}

static int owner_decode(struct sabuf_owner_stat *o, const struct nlattr *nest)
{
	const struct nlattr *tb[SABUF_A_MAX + 1] = { NULL };

	if (mnl_attr_parse_nested(nest, sabuf_attr_cb, tb) < 0)
		return -errno;
	o->id = U32(tb, SABUF_A_OWNER_ID);
	o->tid = U32(tb, SABUF_A_OWNER_TID);
	o->pid = U32(tb, SABUF_A_OWNER_PID);
	o->dead = tb[SABUF_A_OWNER_DEAD] != NULL;
	copy_comm(o->comm, tb[SABUF_A_OWNER_COMM]);
	return 0;
}

static int waiter_add(struct sabuf_who *w, const struct nlattr *nest)
{
	const struct nlattr *tb[SABUF_A_MAX + 1] = { NULL };
	struct sabuf_waiter_stat *x;

	if (mnl_attr_parse_nested(nest, sabuf_attr_cb, tb) < 0)
		return -errno;
	if (!tb[SABUF_A_WAITER_OFFSET] || !tb[SABUF_A_WAITER_KIND])
		return 0;	/* incomplete: skip it */
	x = sabuf_grow(w->waiters, w->nr_waiters, &w->waiters_capacity, sizeof(*x), 16);
	if (!x)
		return -ENOMEM;
	w->waiters = x;
	x = &w->waiters[w->nr_waiters++];
	memset(x, 0, sizeof(*x));
	x->offset = mnl_attr_get_u64(tb[SABUF_A_WAITER_OFFSET]);
	x->tid = U32(tb, SABUF_A_WAITER_TID);
	x->pid = U32(tb, SABUF_A_WAITER_PID);
	x->kind = U32(tb, SABUF_A_WAITER_KIND);
	if (tb[SABUF_A_OWNER]) {
		x->has_owner = true;
		return owner_decode(&x->owner, tb[SABUF_A_OWNER]);
	}
	return 0;
}

struct who_ctx {
	struct sabuf_who *who;
	int list, item;			/* SABUF_A_HOLDERS/_HOLDER or _WAITER_LIST/_WAITER */
	int err;
};

/* One part of either dump: SABUF_A_ID and the list nest. */
static int who_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SABUF_A_MAX + 1] = { NULL }, *item;
	struct who_ctx *ctx = data;
	int ret;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sabuf_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[ctx->list])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(item, tb[ctx->list]) {
		if (mnl_attr_get_type(item) != ctx->item)
			continue;
		if (mnl_attr_validate(item, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		ret = ctx->item == SABUF_A_HOLDER ? holder_add(ctx->who, item) :
						     waiter_add(ctx->who, item);
		if (ret) {
			errno = -ret;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

/* One dump; 1 if the module has no such command (older than 0.3). */
static int who_dump(struct genl_conn *c, uint64_t id, uint8_t cmd, struct who_ctx *ctx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = genl_request(c, buf, cmd, NLM_F_DUMP);
	mnl_attr_put_u64(nlh, SABUF_A_ID, id);
	ret = genl_transact(c, nlh, who_cb, ctx);
	if (ret == -EOPNOTSUPP)		/* a command the module does not know */
		return 1;
	return ret;
}

int sabuf_who_get(struct genl_conn *c, uint64_t id, struct sabuf_who *out)
{
	struct who_ctx ctx = { .who = out, .list = SABUF_A_HOLDERS, .item = SABUF_A_HOLDER };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = who_dump(c, id, SABUF_CMD_HOLDERS_GET, &ctx);
	if (ret < 0)
		goto fail;
	out->has_holders = !ret;
	ctx.list = SABUF_A_WAITER_LIST;
	ctx.item = SABUF_A_WAITER;
	ret = who_dump(c, id, SABUF_CMD_WAITERS_GET, &ctx);
	if (ret < 0)
		goto fail;
	out->has_waiters = !ret;
	return 0;
fail:
	sabuf_who_free(out);
	return ret;
}

void sabuf_who_free(struct sabuf_who *who)
{
	free(who->holders);
	free(who->waiters);
	memset(who, 0, sizeof(*who));
}

const char *sabuf_waiter_kind_name(uint32_t kind)
{
	switch (kind) {
	case SABUF_WAITER_KIND_WAIT:	return "wait";
	case SABUF_WAITER_KIND_ANY:	return "wait-any";
	case SABUF_WAITER_KIND_ASYNC:	return "async";
	case SABUF_WAITER_KIND_ROBUST:	return "robust";
	}
	return "?";
}

void sabuf_thread_comm(uint32_t pid, uint32_t tid, char *out, size_t size)
{
	char path[64];
	FILE *f;

	out[0] = '\0';
	if (!pid || !tid)
		return;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(out, (int)size, f))
		out[strcspn(out, "\n")] = '\0';
	else
		out[0] = '\0';
	fclose(f);
}
