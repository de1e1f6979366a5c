// SPDX-License-Identifier: GPL-2.0
/*
 * Contended mutexes and deadlocks (see locks.h).
 *
 * The graph: each robust sleeper is a thread asleep on one mutex; that
 * mutex's owner (the thread its word names now) is the thread it waits
 * for. A thread sleeps in one wait at a time, so every thread has at most
 * one way out, and a deadlock is a cycle: followed from any sleeper, the
 * path either ends (an owner that is running, dead, unknown, or outside
 * our pid namespace) or comes back to a thread already on it. Each thread
 * is walked once: O(n log n) in the number of sleepers.
 *
 * What it reads is a snapshot taken buffer by buffer, so a chain of
 * handoffs in progress could look like a cycle for an instant; a real
 * deadlock stays. Run it twice before acting on one (sabuf(8) says so).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/sabuf_netlink.h>

#include "grow.h"
#include "locks.h"
#include "stats.h"

/* Add the robust waiters of one buffer's waiter list to @l, one lock per offset. */
static int locks_add_buffer(struct sabuf_locks *l, const struct sabuf_stat *st,
			    const struct sabuf_who *who)
{
	struct sabuf_lock *lock = NULL;
	size_t i;

	for (i = 0; i < who->nr_waiters; i++) {
		const struct sabuf_waiter_stat *w = &who->waiters[i];
		struct sabuf_lock_thread *t;

		if (w->kind != SABUF_WAITER_KIND_ROBUST || !w->has_owner)
			continue;
		if (!lock || lock->offset != w->offset) {
			struct sabuf_lock *locks = sabuf_grow(l->locks, l->nr_locks, &l->locks_capacity,
							      sizeof(*locks), 16);

			if (!locks)
				return -ENOMEM;
			l->locks = locks;
			lock = &l->locks[l->nr_locks++];
			memset(lock, 0, sizeof(*lock));
			lock->id = st->id;
			if (st->have & STAT_HAS(SABUF_A_NAME))
				snprintf(lock->name, sizeof(lock->name), "%s", st->name);
			lock->offset = w->offset;
			lock->owner = w->owner;
		}
		t = sabuf_grow(lock->sleepers, lock->nr_sleepers, &lock->sleepers_capacity,
			       sizeof(*t), 4);
		if (!t)
			return -ENOMEM;
		lock->sleepers = t;
		t = &t[lock->nr_sleepers++];
		t->tid = w->tid;
		t->pid = w->pid;
		sabuf_thread_comm(w->pid, w->tid, t->comm, sizeof(t->comm));
	}
	return 0;
}

int sabuf_locks_get(struct genl_conn *c, struct sabuf_locks *out, bool *inconsistent)
{
	struct sabuf_stat_list list;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sabuf_stats_dump(c, &list, inconsistent);
	if (ret)
		return ret;
	for (i = 0; i < list.count && !ret; i++) {
		const struct sabuf_stat *st = &list.items[i];
		struct sabuf_who who;

		if ((st->have & STAT_HAS(SABUF_A_WAITERS)) && !st->waiters)
			continue;	/* nobody sleeps there */
		ret = sabuf_who_get(c, st->id, &who);
		if (ret == -ENOENT) {	/* gone since the list */
			ret = 0;
			continue;
		}
		if (!ret)
			ret = locks_add_buffer(out, st, &who);
		sabuf_who_free(&who);
	}
	sabuf_stat_list_free(&list);
	if (!ret)
		ret = sabuf_locks_find_deadlocks(out);
	if (ret)
		sabuf_locks_free(out);
	return ret;
}

/* ---- the cycles ---- */

/* A sleeping thread: the lock it sleeps on, and its state in the walk. */
struct node {
	uint32_t tid;
	size_t lock;
	size_t sleeper;			/* its index among the lock's sleepers */
	int state;			/* 0 not seen, 1 on the current path, 2 done */
};

static int node_cmp(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static struct node *node_find(struct node *nodes, size_t n, uint32_t tid)
{
	struct node key = { .tid = tid };

	return tid ? bsearch(&key, nodes, n, sizeof(*nodes), node_cmp) : NULL;
}

/* The sleeping thread the owner of @node's lock is, if it sleeps too. */
static struct node *node_next(const struct sabuf_locks *l, struct node *nodes, size_t n,
			      const struct node *node)
{
	const struct sabuf_owner_stat *o = &l->locks[node->lock].owner;

	if (!o->id || o->dead)
		return NULL;
	return node_find(nodes, n, o->tid);
}

static int deadlock_add(struct sabuf_locks *l, struct node *nodes, size_t n, struct node *start)
{
	struct sabuf_deadlock *d, *all;
	struct node *x = start;
	size_t len = 0, i;

	do {
		len++;
		x = node_next(l, nodes, n, x);
	} while (x != start);
	all = sabuf_grow(l->deadlocks, l->nr_deadlocks, &l->deadlocks_capacity, sizeof(*all), 4);
	if (!all)
		return -ENOMEM;
	l->deadlocks = all;
	d = &all[l->nr_deadlocks];
	d->n = len;
	d->threads = calloc(len, sizeof(*d->threads));
	d->lock = calloc(len, sizeof(*d->lock));
	if (!d->threads || !d->lock) {
		free(d->threads);
		free(d->lock);
		return -ENOMEM;
	}
	l->nr_deadlocks++;
	for (i = 0, x = start; i < len; i++, x = node_next(l, nodes, n, x)) {
		d->threads[i] = l->locks[x->lock].sleepers[x->sleeper];
		d->lock[i] = x->lock;
	}
	return 0;
}

int sabuf_locks_find_deadlocks(struct sabuf_locks *l)
{
	struct node *nodes, *x, *y;
	size_t n = 0, i, j;
	int ret = 0;

	for (i = 0; i < l->nr_locks; i++)
		n += l->locks[i].nr_sleepers;
	nodes = calloc(n ? n : 1, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < l->nr_locks; i++)
		for (j = 0; j < l->locks[i].nr_sleepers; j++)
			if (l->locks[i].sleepers[j].tid)	/* 0: outside our pid namespace */
				nodes[n++] = (struct node){
					.tid = l->locks[i].sleepers[j].tid, .lock = i, .sleeper = j,
				};
	qsort(nodes, n, sizeof(*nodes), node_cmp);
	for (i = 0; i < n && !ret; i++) {
		/* walk from nodes[i], marking the path, until it ends or loops */
		for (x = &nodes[i]; x && !x->state; x = node_next(l, nodes, n, x))
			x->state = 1;
		if (x && x->state == 1)		/* back on this path: a cycle through x */
			ret = deadlock_add(l, nodes, n, x);
		for (y = &nodes[i]; y && y->state == 1; y = node_next(l, nodes, n, y))
			y->state = 2;
	}
	free(nodes);
	return ret;
}

void sabuf_locks_free(struct sabuf_locks *l)
{
	size_t i;

	for (i = 0; i < l->nr_locks; i++)
		free(l->locks[i].sleepers);
	for (i = 0; i < l->nr_deadlocks; i++) {
		free(l->deadlocks[i].threads);
		free(l->deadlocks[i].lock);
	}
	free(l->locks);
	free(l->deadlocks);
	memset(l, 0, sizeof(*l));
}
