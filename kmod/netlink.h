/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What netlink.c (the family, its buffer commands, who sees what) shares
 * with netlink_who.c (the holders and waiters dumps).
 */
#ifndef SABUF_NETLINK_INTERNAL_H
#define SABUF_NETLINK_INTERNAL_H

#include <linux/types.h>

struct genl_family;
struct netlink_callback;
struct sk_buff;
struct sabuf_buffer;

extern struct genl_family sabuf_genl_family;

/* The buffer @id with a reference, if it exists and @request's sender may see it. */
struct sabuf_buffer *sabuf_nl_get(const struct sk_buff *request, u64 id);
/* ... for a dump: its request's SABUF_A_ID; ERR_PTR(-EINVAL or -ENOENT) with an extack message. */
struct sabuf_buffer *sabuf_nl_dump_buffer(struct netlink_callback *cb);

int sabuf_nl_holders_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sabuf_nl_waiters_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* SABUF_NETLINK_INTERNAL_H */
