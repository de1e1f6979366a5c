// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection of who holds and who waits (0.3): the dumps of
 * SABUF_CMD_HOLDERS_GET and SABUF_CMD_WAITERS_GET, whose attributes
 * uapi/linux/sabuf_netlink.h documents. netlink.c registers them and
 * decides who sees which buffer (the same rule as for every command).
 *
 * Holders come from holders.c's scan of processes, resumed by pid
 * (cb->args[0]: the next pid to look at; cb->args[1]: done). Waiters come
 * from each waited-on index's queue in FIFO order, read under its bucket
 * lock a message's worth at a time (waitwake.c, sabuf_queue_for_each()),
 * resumed by offset and by position in that queue (cb->args[0]: offset,
 * [1]: waiters of it already sent, [2]: done). A dump is a snapshot of
 * moving queues: a waiter that leaves between two parts may shift the
 * ones after it (one is then skipped or sent twice), as a queue's length
 * may change between parts of SABUF_CMD_QUEUES_GET.
 *
 * Ids are the reader's: pids and tids in the pid namespace of the task
 * that reads the dump (a dump part runs in the reader's recvmsg()).
 */
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <net/genetlink.h>
#include <linux/sabuf_netlink.h>

#include "compat.h"
#include "netlink.h"
#include "sabuf.h"
#include "waiter.h"

/* A message of @cmd for @buf's dump, with SABUF_A_ID and an open nest @type. */
static void *sabuf_nl_dump_start(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
				 struct sabuf_buffer *buf, int type, struct nlattr **nest)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				&sabuf_genl_family, NLM_F_MULTI, cmd);

	if (!hdr)
		return NULL;
	*nest = NULL;
	if (!nla_put_u64_64bit(skb, SABUF_A_ID, buf->id, SABUF_A_PAD))
		*nest = nla_nest_start(skb, type);
	if (!*nest) {
		genlmsg_cancel(skb, hdr);
		return NULL;
	}
	return hdr;
}

/* ---- holders ---- */

static int sabuf_nl_put_holder(struct sk_buff *skb, const struct sabuf_holder *h)
{
	struct nlattr *nest = nla_nest_start(skb, SABUF_A_HOLDER);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SABUF_A_HOLDER_PID, h->pid) ||
	    nla_put_string(skb, SABUF_A_HOLDER_COMM, h->comm) ||
	    nla_put_u32(skb, SABUF_A_HOLDER_FDS, h->fds) ||
	    nla_put_u32(skb, SABUF_A_HOLDER_MAPPINGS, h->mappings)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int sabuf_nl_holders_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	pid_t nr = cb->args[0] ? cb->args[0] : 1;
	struct sabuf_buffer *buf;
	struct sabuf_holder h;
	struct nlattr *nest;
	unsigned int n = 0;
	bool more = false;
	void *hdr;

	if (cb->args[1])
		return 0;
	buf = sabuf_nl_dump_buffer(cb);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	hdr = sabuf_nl_dump_start(skb, cb, SABUF_CMD_HOLDERS_GET, buf, SABUF_A_HOLDERS, &nest);
	if (!hdr) {
		sabuf_buffer_put(buf);
		return -EMSGSIZE;
	}
	while (sabuf_holder_next(buf, ns, &nr, &h)) {
		if (sabuf_nl_put_holder(skb, &h)) {
			more = true;	/* this one starts the next part */
			break;
		}
		n++;
		nr++;
	}
	sabuf_buffer_put(buf);
	if (more && !n) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	cb->args[0] = nr;
	cb->args[1] = !more;
	return skb->len;
}

/* ---- waiters ---- */

struct sabuf_nl_waiters {
	struct sk_buff *skb;
	struct pid_namespace *ns;
	u64 offset;
	u32 owner_id;			/* the word's owner id; 0: none */
	struct sabuf_owner_view owner;	/* if owner_id */
	bool owner_known;		/* owner_id and owner are @offset's */
	bool need_owner;		/* stopped at a robust waiter: look the owner up */
	bool full;
};

/* The owner of the mutex word at @ctx->offset, as the word says now. */
static void sabuf_nl_word_owner(struct sabuf_buffer *buf, struct sabuf_nl_waiters *ctx)
{
	u32 word;

	ctx->owner_id = 0;
	if (sabuf_word_peek(buf, ctx->offset, &word))
		return;
	word &= SABUF_ROBUST_ID_MASK;
	if (!word || word == SABUF_ROBUST_ID_MASK)	/* none; not recoverable */
		return;
	ctx->owner_id = word;
	sabuf_owner_describe(word, ctx->ns, &ctx->owner);
}

static int sabuf_nl_put_owner(struct sk_buff *skb, const struct sabuf_nl_waiters *ctx)
{
	struct nlattr *nest = nla_nest_start(skb, SABUF_A_OWNER);

	if (!nest || nla_put_u32(skb, SABUF_A_OWNER_ID, ctx->owner_id))
		return -EMSGSIZE;
	if (ctx->owner_id && ctx->owner.dead) {
		if (nla_put_flag(skb, SABUF_A_OWNER_DEAD))
			return -EMSGSIZE;
	} else if (ctx->owner_id) {
		if (nla_put_u32(skb, SABUF_A_OWNER_TID, ctx->owner.tid) ||
		    nla_put_u32(skb, SABUF_A_OWNER_PID, ctx->owner.pid) ||
		    nla_put_string(skb, SABUF_A_OWNER_COMM, ctx->owner.comm))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static u32 sabuf_nl_waiter_kind(const struct sabuf_sleeper *sl)
{
	if (sl->kind == SABUF_SLEEPER_ANY)
		return SABUF_WAITER_KIND_ANY;
	if (sl->kind == SABUF_SLEEPER_ASYNC)
		return SABUF_WAITER_KIND_ASYNC;
	return sl->robust ? SABUF_WAITER_KIND_ROBUST : SABUF_WAITER_KIND_WAIT;
}

/* sabuf_queue_for_each()'s callback, under the bucket lock: one waiter into the message. */
static bool sabuf_nl_put_waiter(void *p, const struct sabuf_waiter *w)
{
	struct sabuf_nl_waiters *ctx = p;
	const struct sabuf_sleeper *sl = w->sleeper;
	u32 kind = sabuf_nl_waiter_kind(sl);
	struct nlattr *nest;
	pid_t tid = 0, pid;

	/* The word's page may have to be looked up: not under the bucket lock. */
	if (kind == SABUF_WAITER_KIND_ROBUST && !ctx->owner_known) {
		ctx->need_owner = true;
		return false;
	}
	if (sl->task) {
		tid = task_pid_nr_ns(sl->task, ctx->ns);
		pid = task_tgid_nr_ns(sl->task, ctx->ns);
	} else {
		pid = pid_nr_ns(sabuf_async_adder(sl), ctx->ns);
	}
	nest = nla_nest_start(ctx->skb, SABUF_A_WAITER);
	if (!nest)
		goto full;
	if (nla_put_u64_64bit(ctx->skb, SABUF_A_WAITER_OFFSET, ctx->offset, SABUF_A_PAD) ||
	    nla_put_u32(ctx->skb, SABUF_A_WAITER_TID, tid) ||
	    nla_put_u32(ctx->skb, SABUF_A_WAITER_PID, pid) ||
	    nla_put_u32(ctx->skb, SABUF_A_WAITER_KIND, kind) ||
	    (kind == SABUF_WAITER_KIND_ROBUST && sabuf_nl_put_owner(ctx->skb, ctx))) {
		nla_nest_cancel(ctx->skb, nest);
		goto full;
	}
	nla_nest_end(ctx->skb, nest);
	return true;
full:
	ctx->full = true;
	return false;
}

int sabuf_nl_waiters_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sabuf_nl_waiters ctx = { .skb = skb, .ns = task_active_pid_ns(current) };
	u64 offset = cb->args[0];
	u32 skip = cb->args[1], len, n = 0;
	struct sabuf_buffer *buf;
	struct nlattr *nest;
	void *hdr;

	if (cb->args[2])
		return 0;
	buf = sabuf_nl_dump_buffer(cb);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	hdr = sabuf_nl_dump_start(skb, cb, SABUF_CMD_WAITERS_GET, buf, SABUF_A_WAITER_LIST, &nest);
	if (!hdr) {
		sabuf_buffer_put(buf);
		return -EMSGSIZE;
	}
	for (;;) {
		u64 at = offset;
		u32 took;

		if (!sabuf_queue_next(buf, &at, &len)) {
			cb->args[2] = 1;	/* every queue sent */
			break;
		}
		if (at != offset) {
			skip = 0;
			ctx.owner_known = false;
		}
		offset = at;
		ctx.offset = offset;
		took = sabuf_queue_for_each(buf, offset, skip, sabuf_nl_put_waiter, &ctx);
		n += took;
		skip += took;
		if (ctx.need_owner) {	/* then go on from that robust waiter */
			ctx.need_owner = false;
			sabuf_nl_word_owner(buf, &ctx);
			ctx.owner_known = true;
			continue;
		}
		if (ctx.full)
			break;
		offset += 4;
		skip = 0;
		ctx.owner_known = false;
		cond_resched();
	}
	sabuf_buffer_put(buf);
	if (ctx.full && !n) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	cb->args[0] = offset;
	cb->args[1] = skip;
	return skb->len;
}
