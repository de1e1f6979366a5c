// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection over generic netlink: family "sabuf" lists live buffers
 * and, for one buffer, its waited-on indices; netlink_who.c adds, for one
 * buffer, the processes that hold it and the threads that wait on it. uapi/linux/sabuf_netlink.h
 * documents the commands and attributes; tools/ has the CLI.
 *
 * Who sees what: CAP_SYS_ADMIN (over the caller socket's opener) sees every
 * buffer; anyone else only buffers created by the socket owner's uid.
 * Invisible buffers answer -ENOENT, exactly as gone ones do, so a caller
 * learns nothing about other users' buffers. Buffer contents are never sent.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <linux/sabuf_netlink.h>

#include "compat.h"
#include "netlink.h"
#include "sabuf.h"

/*
 * The most queues a QUEUES_GET doit reports in its one message (a small
 * skb, and a SABUF_A_QUEUES nest far below the 64 KiB an attribute's
 * 16-bit length can say). More than that: EMSGSIZE, use the dump.
 */
#define SABUF_NL_DOIT_QUEUES	256

static const struct nla_policy sabuf_id_policy[SABUF_A_ID + 1] = {
	[SABUF_A_ID] = { .type = NLA_U64 },
};

static bool sabuf_nl_visible(const struct sk_buff *request, const struct sabuf_buffer *buf)
{
	if (netlink_capable(request, CAP_SYS_ADMIN))
		return true;
	return uid_eq(sabuf_sock_uid(NETLINK_CB(request).sk), buf->uid);
}

/* The buffer @id with a reference, if it exists and the caller may see it. */
struct sabuf_buffer *sabuf_nl_get(const struct sk_buff *request, u64 id)
{
	u64 found = id;
	struct sabuf_buffer *buf = sabuf_buffer_get_next(&found);

	if (buf && (found != id || !sabuf_nl_visible(request, buf))) {
		sabuf_buffer_put(buf);
		buf = NULL;
	}
	return buf;
}

/* SABUF_A_NAME, while the buffer has a name (names.c). */
static int sabuf_nl_put_name(struct sk_buff *msg, struct sabuf_buffer *buf)
{
	char name[SABUF_NAME_MAX + 1];

	if (sabuf_buffer_name(buf, name) && nla_put_string(msg, SABUF_A_NAME, name))
		return -EMSGSIZE;
	return 0;
}

/* uids and pids as the reader sees them: its socket's user namespace. */
static int sabuf_nl_put_buffer(struct sk_buff *msg, const struct sk_buff *request,
			       struct sabuf_buffer *buf)
{
	struct user_namespace *ns = sk_user_ns(NETLINK_CB(request).sk);
	long refs = sabuf_file_refs(buf);

	if (nla_put_u64_64bit(msg, SABUF_A_ID, buf->id, SABUF_A_PAD) ||
	    nla_put_u64_64bit(msg, SABUF_A_BYTE_LENGTH, sabuf_byte_length(buf), SABUF_A_PAD) ||
	    nla_put_u32(msg, SABUF_A_CREATOR_PID, pid_vnr(buf->creator)) ||
	    nla_put_u32(msg, SABUF_A_CREATOR_UID, from_kuid_munged(ns, buf->uid)) ||
	    nla_put_u32(msg, SABUF_A_FDS, refs) ||
	    nla_put_u32(msg, SABUF_A_MAPPINGS, atomic_read(&buf->mappings)) ||
	    nla_put_u32(msg, SABUF_A_WAITERS, atomic_read(&buf->waiters)) ||
	    nla_put_u64_64bit(msg, SABUF_A_WAITS, atomic64_read(&buf->waits), SABUF_A_PAD) ||
	    nla_put_u64_64bit(msg, SABUF_A_NOTIFIES, atomic64_read(&buf->notifies), SABUF_A_PAD) ||
	    nla_put_u64_64bit(msg, SABUF_A_CREATED_NS, buf->created_ns, SABUF_A_PAD) ||
	    nla_put_u64_64bit(msg, SABUF_A_MAX_BYTE_LENGTH, buf->max_byte_length, SABUF_A_PAD) ||
	    nla_put_u32(msg, SABUF_A_WAITERS_ANY, atomic_read(&buf->waiters_any)) ||
	    nla_put_u32(msg, SABUF_A_WAITERS_ASYNC, atomic_read(&buf->waiters_async)))
		return -EMSGSIZE;
	return sabuf_nl_put_name(msg, buf);
}

/*
 * A SABUF_A_QUEUES nest of @buf's queues from offset *@from on, as many as
 * fit in @msg and at most @max. *@from becomes the offset to resume at;
 * *@more says whether any queue is left. 0, or -EMSGSIZE when not even the
 * nest fits.
 */
static int sabuf_nl_put_queues(struct sk_buff *msg, struct sabuf_buffer *buf, u64 *from,
			       unsigned int max, bool *more)
{
	struct nlattr *queues, *queue;
	unsigned int n = 0;
	u64 offset = *from;
	u32 len;

	*more = false;
	queues = nla_nest_start(msg, SABUF_A_QUEUES);
	if (!queues)
		return -EMSGSIZE;
	while (sabuf_queue_next(buf, &offset, &len)) {
		if (n == max) {
			*more = true;
			break;
		}
		queue = nla_nest_start(msg, SABUF_A_QUEUE);
		if (!queue ||
		    nla_put_u64_64bit(msg, SABUF_A_QUEUE_OFFSET, offset, SABUF_A_PAD) ||
		    nla_put_u32(msg, SABUF_A_QUEUE_LENGTH, len)) {
			if (queue)
				nla_nest_cancel(msg, queue);
			*more = true;
			break;
		}
		nla_nest_end(msg, queue);
		n++;
		offset += 4;
		cond_resched();
	}
	*from = offset;
	nla_nest_end(msg, queues);
	return 0;
}

/* The buffer a dump request's SABUF_A_ID names, with a reference; ERR_PTR otherwise. */
struct sabuf_buffer *sabuf_nl_dump_buffer(struct netlink_callback *cb)
{
	struct nlattr **attrs = sabuf_genl_dump_attrs(cb);
	struct sabuf_buffer *buf;

	if (!attrs[SABUF_A_ID]) {
		NL_SET_ERR_MSG(cb->extack, "missing SABUF_A_ID (the buffer id)");
		return ERR_PTR(-EINVAL);
	}
	buf = sabuf_nl_get(cb->skb, nla_get_u64(attrs[SABUF_A_ID]));
	if (!buf) {
		NL_SET_ERR_MSG(cb->extack, "no such buffer (or not yours)");
		return ERR_PTR(-ENOENT);
	}
	return buf;
}

static int sabuf_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sabuf_buffer *buf;
	u64 id = cb->args[0] + 1;	/* the last id sent, + 1 */
	void *hdr;

	/* Names of IPC namespaces that ended go (with their buffers) first. */
	if (!cb->args[0])
		sabuf_names_sweep();
	/* Buffers came or went since the dump's previous part: NLM_F_DUMP_INTR. */
	cb->seq = atomic_read(&sabuf_registry_seq);
	while ((buf = sabuf_buffer_get_next(&id))) {
		int ret = 0;

		if (sabuf_nl_visible(cb->skb, buf)) {
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
					  &sabuf_genl_family, NLM_F_MULTI, SABUF_CMD_GET);
			ret = hdr ? 0 : -EMSGSIZE;
			if (hdr) {
				genl_dump_check_consistent(cb, hdr);
				ret = sabuf_nl_put_buffer(skb, cb->skb, buf);
				if (ret)
					genlmsg_cancel(skb, hdr);
				else
					genlmsg_end(skb, hdr);
			}
		}
		sabuf_buffer_put(buf);
		if (ret)
			break;
		cb->args[0] = id;
		id++;
	}
	return skb->len;
}

static int sabuf_nl_need_id(struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, SABUF_A_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing SABUF_A_ID (the buffer id)");
		return -EINVAL;
	}
	return 0;
}

/* GET and QUEUES_GET for one buffer; @with_queues adds SABUF_A_QUEUES. */
static int sabuf_nl_get_one(struct sk_buff *skb, struct genl_info *info, bool with_queues)
{
	struct sabuf_buffer *buf;
	struct sk_buff *msg;
	u64 from = 0;
	bool more = false;
	void *hdr;
	int ret;

	ret = sabuf_nl_need_id(info);
	if (ret)
		return ret;
	buf = sabuf_nl_get(skb, nla_get_u64(info->attrs[SABUF_A_ID]));
	if (!buf) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SABUF_A_ID],
				    "no such buffer (or not yours)");
		return -ENOENT;
	}
	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE + (with_queues ? SABUF_NL_DOIT_QUEUES * 32 : 0),
			  GFP_KERNEL);
	if (!msg)
		goto out_put;
	hdr = genlmsg_put_reply(msg, info, &sabuf_genl_family, 0, info->genlhdr->cmd);
	ret = -EMSGSIZE;
	if (!hdr || sabuf_nl_put_buffer(msg, skb, buf) ||
	    (with_queues && sabuf_nl_put_queues(msg, buf, &from, SABUF_NL_DOIT_QUEUES, &more)))
		goto out_free;
	if (more) {
		NL_SET_ERR_MSG(info->extack,
			       "more waited-on indices than one reply holds: dump SABUF_CMD_QUEUES_GET");
		goto out_free;
	}
	genlmsg_end(msg, hdr);
	sabuf_buffer_put(buf);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
out_put:
	sabuf_buffer_put(buf);
	return ret;
}

static int sabuf_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sabuf_nl_get_one(skb, info, false);
}

static int sabuf_nl_queues_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sabuf_nl_get_one(skb, info, true);
}

/*
 * QUEUES_GET as a dump: messages of SABUF_A_ID + SABUF_A_QUEUES, each nest
 * as long as its skb allows, resuming by offset (cb->args[0]: next offset,
 * cb->args[1]: done). Scales to any number of queues.
 */
static int sabuf_nl_queues_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sabuf_buffer *buf;
	u64 from = cb->args[0];
	bool more;
	void *hdr;
	int ret;

	if (cb->args[1])
		return 0;
	buf = sabuf_nl_dump_buffer(cb);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &sabuf_genl_family, NLM_F_MULTI, SABUF_CMD_QUEUES_GET);
	ret = -EMSGSIZE;
	if (hdr && !nla_put_u64_64bit(skb, SABUF_A_ID, buf->id, SABUF_A_PAD))
		ret = sabuf_nl_put_queues(skb, buf, &from, U32_MAX, &more);
	sabuf_buffer_put(buf);
	if (ret) {
		if (hdr)
			genlmsg_cancel(skb, hdr);
		return ret;
	}
	genlmsg_end(skb, hdr);
	cb->args[0] = from;
	cb->args[1] = !more;
	return skb->len;
}

static const struct genl_ops sabuf_genl_ops[] = {
	{
		.cmd	 = SABUF_CMD_GET,
		.doit	 = sabuf_nl_get_doit,
		.dumpit	 = sabuf_nl_get_dumpit,
		.policy	 = sabuf_id_policy,
		.maxattr = SABUF_A_ID,
	},
	{
		.cmd	 = SABUF_CMD_QUEUES_GET,
		.doit	 = sabuf_nl_queues_doit,
		.dumpit	 = sabuf_nl_queues_dumpit,
		.policy	 = sabuf_id_policy,
		.maxattr = SABUF_A_ID,
	},
	/* netlink_who.c: dumps only (a request without NLM_F_DUMP: EOPNOTSUPP) */
	{
		.cmd	 = SABUF_CMD_HOLDERS_GET,
		.dumpit	 = sabuf_nl_holders_dumpit,
		.policy	 = sabuf_id_policy,
		.maxattr = SABUF_A_ID,
	},
	{
		.cmd	 = SABUF_CMD_WAITERS_GET,
		.dumpit	 = sabuf_nl_waiters_dumpit,
		.policy	 = sabuf_id_policy,
		.maxattr = SABUF_A_ID,
	},
};

struct genl_family sabuf_genl_family __ro_after_init = {
	.name		= SABUF_GENL_NAME,
	.version	= SABUF_GENL_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,		/* we take references, no global lock */
	.module		= THIS_MODULE,
	.ops		= sabuf_genl_ops,
	.n_ops		= ARRAY_SIZE(sabuf_genl_ops),
	/*
	 * resv_start_op stays 0: every op is a new op, so the kernel checks
	 * the genl header's reserved field and validates attributes strictly.
	 */
};

int __init sabuf_netlink_init(void)
{
	return genl_register_family(&sabuf_genl_family);
}

void sabuf_netlink_exit(void)
{
	genl_unregister_family(&sabuf_genl_family);
}
