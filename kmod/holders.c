// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds a buffer: the processes with an fd or a mapping of it, for
 * introspection (netlink_who.c, SABUF_CMD_HOLDERS_GET).
 *
 * Nothing tells the module as it happens: fork, dup, SCM_RIGHTS and
 * pidfd_getfd copy an fd without a word to us, and a CLONE_VM child shares
 * its parent's mappings. So this looks, as lsof does: each process of the
 * reader's pid namespace in ascending pid order (find_ge_pid(), as /proc's
 * readdir walks them, so a dump resumes by pid), its file table(s) and its
 * address space. It owns no state.
 *
 * Locks, one process at a time and none of ours: under RCU, each thread's
 * task lock and its file table's lock (iterate_fd(), as the tty layer's
 * SAK does); then, after RCU, a reference on the process's mm and its mmap
 * lock (read, killable) to count the VMAs. Never a lock across processes,
 * never a bucket lock: a scan slows no wait or notify.
 *
 * What it reports is a snapshot: a process may open, close, map or exit
 * while the scan passes it (as with lsof). An fd in flight in a unix
 * socket's queue belongs to no process and is not a holder (SABUF_A_FDS
 * counts it).
 */
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "compat.h"
#include "sabuf.h"

struct sabuf_fd_count {
	const struct sabuf_buffer *buf;
	u32 n;
};

/* iterate_fd()'s callback: one more fd of the buffer, if @file is one. */
static int sabuf_fd_counter(const void *p, struct file *file, unsigned int fd)
{
	struct sabuf_fd_count *c = (struct sabuf_fd_count *)p;

	if (sabuf_file_is_handle(file) && sabuf_handle_buffer(file->private_data) == c->buf)
		c->n++;
	return 0;	/* go on */
}

/*
 * How many fds of @buf the thread group @leader has: each distinct file
 * table once (threads share one unless they unshared it; the few tables
 * of such threads are told apart by pointer, up to SABUF_HOLDER_TABLES).
 */
#define SABUF_HOLDER_TABLES	8
static u32 sabuf_count_fds(struct task_struct *leader, const struct sabuf_buffer *buf)
{
	struct files_struct *seen[SABUF_HOLDER_TABLES];
	struct sabuf_fd_count c = { .buf = buf };
	unsigned int nseen = 0, i;
	struct task_struct *t;

	rcu_read_lock();
	for_each_thread(leader, t) {
		task_lock(t);
		if (t->files) {
			for (i = 0; i < nseen && seen[i] != t->files; i++)
				;
			if (i == nseen) {
				if (nseen < SABUF_HOLDER_TABLES)
					seen[nseen++] = t->files;
				iterate_fd(t->files, 0, sabuf_fd_counter, &c);
			}
		}
		task_unlock(t);
	}
	rcu_read_unlock();
	return c.n;
}

/* The mm of the thread group @leader (a zombie leader has none: its threads'). */
static struct mm_struct *sabuf_group_mm(struct task_struct *leader)
{
	struct mm_struct *mm = NULL;
	struct task_struct *t;

	rcu_read_lock();
	for_each_thread(leader, t) {
		mm = get_task_mm(t);	/* NULL for kernel threads and exited ones */
		if (mm)
			break;
	}
	rcu_read_unlock();
	return mm;
}

/* How many VMAs of @buf the thread group @leader maps. */
static u32 sabuf_count_mappings(struct task_struct *leader, const struct sabuf_buffer *buf)
{
	struct mm_struct *mm = sabuf_group_mm(leader);
	struct vm_area_struct *vma;
	u32 n = 0;

	if (!mm)
		return 0;
	if (!mmap_read_lock_killable(mm)) {
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma)
			if (sabuf_vma_buffer(vma) == buf)
				n++;
		mmap_read_unlock(mm);
	}
	mmput(mm);
	return n;
}

/*
 * The first process at or after pid *@nr of @ns that holds @buf: true,
 * with *@nr its pid and *@h filled; false when there is none (or the
 * caller got a fatal signal: a dump of a huge system ends early rather
 * than keep a dying reader).
 */
bool sabuf_holder_next(struct sabuf_buffer *buf, struct pid_namespace *ns, pid_t *nr,
		       struct sabuf_holder *h)
{
	for (; *nr > 0 && !fatal_signal_pending(current); (*nr)++) {
		struct task_struct *task = NULL;
		struct pid *pid;

		rcu_read_lock();
		pid = find_ge_pid(*nr, ns);
		if (pid) {
			*nr = pid_nr_ns(pid, ns);
			task = pid_task(pid, PIDTYPE_TGID);	/* NULL: not a process */
			if (task)
				get_task_struct(task);
		}
		rcu_read_unlock();
		if (!pid)
			return false;
		if (!task)
			continue;
		h->fds = sabuf_count_fds(task, buf);
		h->mappings = sabuf_count_mappings(task, buf);
		if (h->fds || h->mappings) {
			h->pid = *nr;
			sabuf_task_comm(h->comm, task);
		}
		put_task_struct(task);
		if (h->fds || h->mappings)
			return true;
		cond_resched();
	}
	return false;
}
