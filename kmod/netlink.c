// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection over generic netlink: family "sabuf" lists live buffers
 * and, for one buffer, its waited-on indices. uapi/linux/sabuf_netlink.h
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

#include "sabuf.h"

/* The most queues one QUEUES_GET reports (more waiters than this are rare). */
#define SABUF_NL_MAX_QUEUES	65536

static const struct nla_policy sabuf_id_policy[SABUF_A_ID + 1] = {
	[SABUF_A_ID] = { .type = NLA_U64 },
};

static struct genl_family sabuf_genl_family;

static bool sabuf_nl_visible(const struct sk_buff *request, const struct sabuf_buffer *buf)
{
	if (netlink_capable(request, CAP_SYS_ADMIN))
		return true;
	return uid_eq(sock_i_uid(NETLINK_CB(request).sk), buf->uid);
}

static struct sabuf_buffer *sabuf_nl_find(const struct sk_buff *request, u64 id)
{
	struct sabuf_buffer *buf;

	lockdep_assert_held(&sabuf_registry_lock);
	list_for_each_entry(buf, &sabuf_registry, node)
		if (buf->id == id)
			return sabuf_nl_visible(request, buf) ? buf : NULL;
	return NULL;
}

static int sabuf_nl_put_buffer(struct sk_buff *msg, struct sabuf_buffer *buf)
{
	long refs = sabuf_file_refs(buf);

	if (nla_put_u64_64bit(msg, SABUF_A_ID, buf->id, SABUF_A_PAD) ||
	    nla_put_u64_64bit(msg, SABUF_A_BYTE_LENGTH, sabuf_byte_length(buf), SABUF_A_PAD) ||
	    nla_put_u32(msg, SABUF_A_CREATOR_PID, pid_vnr(buf->creator)) ||
	    nla_put_u32(msg, SABUF_A_CREATOR_UID, from_kuid_munged(current_user_ns(), buf->uid)) ||
	    nla_put_u32(msg, SABUF_A_FDS, max(refs, 0L)) ||
	    nla_put_u32(msg, SABUF_A_MAPPINGS, atomic_read(&buf->mappings)) ||
	    nla_put_u32(msg, SABUF_A_WAITERS, atomic_read(&buf->waiters)) ||
	    nla_put_u64_64bit(msg, SABUF_A_WAITS, atomic64_read(&buf->waits), SABUF_A_PAD) ||
	    nla_put_u64_64bit(msg, SABUF_A_NOTIFIES, atomic64_read(&buf->notifies), SABUF_A_PAD) ||
	    nla_put_u64_64bit(msg, SABUF_A_CREATED_NS, buf->created_ns, SABUF_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int sabuf_nl_put_queues(struct sk_buff *msg, const struct sabuf_queue_len *q, unsigned int n)
{
	struct nlattr *queues, *queue;
	unsigned int i;

	queues = nla_nest_start(msg, SABUF_A_QUEUES);
	if (!queues)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		queue = nla_nest_start(msg, SABUF_A_QUEUE);
		if (!queue ||
		    nla_put_u64_64bit(msg, SABUF_A_QUEUE_OFFSET, q[i].offset, SABUF_A_PAD) ||
		    nla_put_u32(msg, SABUF_A_QUEUE_LENGTH, q[i].length))
			return -EMSGSIZE;
		nla_nest_end(msg, queue);
	}
	nla_nest_end(msg, queues);
	return 0;
}

static int sabuf_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sabuf_buffer *buf;
	u64 last_id = cb->args[0];
	void *hdr;

	mutex_lock(&sabuf_registry_lock);
	/* Buffers came or went since the dump's previous part: NLM_F_DUMP_INTR. */
	cb->seq = sabuf_registry_seq;
	list_for_each_entry(buf, &sabuf_registry, node) {
		if (buf->id <= last_id || !sabuf_nl_visible(cb->skb, buf))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &sabuf_genl_family, NLM_F_MULTI, SABUF_CMD_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (sabuf_nl_put_buffer(skb, buf)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = buf->id;	/* ids ascend along the registry */
	}
	mutex_unlock(&sabuf_registry_lock);
	return skb->len;
}

/* GET and QUEUES_GET for one buffer; @with_queues adds SABUF_A_QUEUES. */
static int sabuf_nl_get_one(struct sk_buff *skb, struct genl_info *info, bool with_queues)
{
	struct sabuf_queue_len *queues = NULL;
	struct sabuf_buffer *buf;
	unsigned int nr_queues = 0, max_queues;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, SABUF_A_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing SABUF_A_ID (the buffer id)");
		return -EINVAL;
	}

	mutex_lock(&sabuf_registry_lock);
	buf = sabuf_nl_find(skb, nla_get_u64(info->attrs[SABUF_A_ID]));
	if (!buf) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SABUF_A_ID],
				    "no such buffer (or not yours)");
		ret = -ENOENT;
		goto out_unlock;
	}
	if (with_queues) {
		max_queues = min(atomic_read(&buf->waiters) + 16, SABUF_NL_MAX_QUEUES);
		queues = kvmalloc_array(max_queues, sizeof(*queues), GFP_KERNEL);
		ret = -ENOMEM;
		if (!queues)
			goto out_unlock;
		nr_queues = sabuf_queue_lengths(buf, queues, max_queues);
	}
	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE + nr_queues * 40, GFP_KERNEL);
	if (!msg)
		goto out_unlock;
	hdr = genlmsg_put_reply(msg, info, &sabuf_genl_family, 0, info->genlhdr->cmd);
	ret = -EMSGSIZE;
	if (!hdr || sabuf_nl_put_buffer(msg, buf) ||
	    (with_queues && sabuf_nl_put_queues(msg, queues, nr_queues))) {
		nlmsg_free(msg);
		goto out_unlock;
	}
	genlmsg_end(msg, hdr);
	mutex_unlock(&sabuf_registry_lock);
	kvfree(queues);
	return genlmsg_reply(msg, info);

out_unlock:
	mutex_unlock(&sabuf_registry_lock);
	kvfree(queues);
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
		.policy	 = sabuf_id_policy,
		.maxattr = SABUF_A_ID,
	},
};

static struct genl_family sabuf_genl_family __ro_after_init = {
	.name		= SABUF_GENL_NAME,
	.version	= SABUF_GENL_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,		/* sabuf_registry_lock serializes us */
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
