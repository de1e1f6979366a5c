// SPDX-License-Identifier: GPL-2.0
/*
 * Named buffers: SABUF_IOC_OPEN and SABUF_IOC_UNLINK, the name table, and
 * the end of an IPC namespace's names.
 *
 * Design: (a) a name table per IPC namespace, as POSIX message queues and
 * System V shared memory keep theirs, rather than (b) a small filesystem.
 * The contract scopes names by IPC namespace and checks rights by owner,
 * group, mode and CAP_IPC_OWNER: (a) is exactly that, in one file, with
 * no mount to make per namespace and no second path to a buffer (the
 * isolation rule wants sabuf fds to stay the only way in). (b) would give
 * ls and rm for free, but its scope would be the mount's, not the IPC
 * namespace's, unless it were mounted per namespace as mqueue is, which
 * needs a hook at namespace creation that a module does not get.
 *
 * What it owns: every struct sabuf_name (one name: its owner, group, mode
 * and a reference on its buffer) and every struct sabuf_ns_names (one IPC
 * namespace that has names: a reference on the namespace and its list of
 * names). Names are found through one hash table keyed on (namespace,
 * name).
 *
 * How a module learns that a namespace ended: it cannot hook its end, so
 * it holds a reference of its own on every namespace that has names and
 * looks at the count. Every other reference comes from a task's nsproxy, an
 * nsfs file (/proc/PID/ns/ipc, a bind mount of it) or a System V shm
 * segment that is attached, and a new one can only be taken through one of
 * those. So when ours is the only one left, nothing can ever enter the
 * namespace again: sabuf_names_sweep() drops its names (and so their
 * buffers, unless something else holds them) and our reference, which
 * frees the namespace. The sweep runs before every create by name, at the
 * start of every netlink dump of the buffers, and every two seconds while
 * any name exists (sabuf_names_work), so a dead namespace's memory comes
 * back without anybody asking.
 *
 * rmmod: while any name exists the module holds a reference on itself
 * (taken with the first name, dropped with the last), so rmmod is refused
 * while named-but-unreferenced buffers exist, as the contract says for any
 * buffer: unlink them (or end their namespace) first.
 *
 * Locks: sabuf_names_lock (a mutex) guards the hash table, the namespace
 * list, every field of both structs and every buffer's @name pointer. No
 * other lock is taken under it but the buffer and registry locks a final
 * sabuf_buffer_put() may take, and those never take it: buffers are put
 * after it is dropped anyway.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>	/* current_umask(), declared here on 7.2 */
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "sabuf.h"

#define SABUF_NAMES_SWEEP_PERIOD	(2 * HZ)

struct sabuf_ns_names {
	struct list_head node;		/* in sabuf_namespaces */
	struct ipc_namespace *ns;	/* our reference */
	struct list_head names;		/* sabuf_name.ns_node */
};

struct sabuf_name {
	struct hlist_node hnode;	/* in sabuf_name_hash */
	struct list_head ns_node;	/* in nsn->names */
	struct sabuf_ns_names *nsn;
	struct sabuf_buffer *buf;	/* a reference */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;			/* permission bits, umask applied */
	u32 hash;
	char name[];			/* NUL-terminated */
};

static DEFINE_MUTEX(sabuf_names_lock);
static DEFINE_HASHTABLE(sabuf_name_hash, 10);		/* sabuf_names_lock */
static LIST_HEAD(sabuf_namespaces);			/* sabuf_names_lock */
static bool sabuf_names_pin;				/* we hold THIS_MODULE */

static void sabuf_names_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sabuf_names_work, sabuf_names_work_fn);

static u32 sabuf_name_hash_of(const struct ipc_namespace *ns, const char *name)
{
	return jhash(name, strlen(name), hash_ptr((void *)ns, 32));
}

/*
 * Copy in and check a name (1..SABUF_NAME_MAX bytes, no '/', not . or ..)
 * into a buffer of its own that the caller kfree()s; or ERR_PTR(-EFAULT,
 * -ENAMETOOLONG, -EINVAL, -ENOMEM). Freed before the ioctl returns, so not
 * charged to the caller's memcg.
 */
static char *sabuf_name_in(u64 uname)
{
	char *name = kmalloc(SABUF_NAME_MAX + 1, GFP_KERNEL);
	long len;

	if (!name)
		return ERR_PTR(-ENOMEM);
	len = strncpy_from_user(name, u64_to_user_ptr(uname), SABUF_NAME_MAX + 1);
	if (len > SABUF_NAME_MAX)
		len = -ENAMETOOLONG;
	else if (len == 0 || (len > 0 && (strchr(name, '/') || !strcmp(name, ".") ||
					  !strcmp(name, ".."))))
		len = -EINVAL;
	if (len < 0) {
		kfree(name);
		return ERR_PTR(len);
	}
	return name;
}

static struct sabuf_name *sabuf_name_find(struct ipc_namespace *ns, const char *name, u32 hash)
{
	struct sabuf_name *n;

	lockdep_assert_held(&sabuf_names_lock);
	hash_for_each_possible(sabuf_name_hash, n, hnode, hash)
		if (n->hash == hash && n->nsn->ns == ns && !strcmp(n->name, name))
			return n;
	return NULL;
}

/*
 * Take @n out of the table; its buffer reference goes to the caller. May
 * leave its namespace entry empty: sabuf_names_tidy() frees those.
 */
static struct sabuf_buffer *sabuf_name_remove(struct sabuf_name *n)
{
	struct sabuf_buffer *buf = n->buf;

	lockdep_assert_held(&sabuf_names_lock);
	hash_del(&n->hnode);
	list_del(&n->ns_node);
	buf->name = NULL;
	kfree(n);
	return buf;
}

/*
 * Free namespace entries without names (adding their namespaces to
 * @dead, to be put after the lock), and let the module go when no name is
 * left. Returns whether any name is left.
 */
static bool sabuf_names_tidy(struct list_head *dead)
{
	struct sabuf_ns_names *nsn, *tmp;

	lockdep_assert_held(&sabuf_names_lock);
	list_for_each_entry_safe(nsn, tmp, &sabuf_namespaces, node)
		if (list_empty(&nsn->names))
			list_move(&nsn->node, dead);
	if (list_empty(&sabuf_namespaces) && sabuf_names_pin) {
		sabuf_names_pin = false;
		module_put(THIS_MODULE);
	}
	return !list_empty(&sabuf_namespaces);
}

/* Put what sabuf_names_tidy() collected; no lock held. */
static void sabuf_names_put_dead(struct list_head *dead)
{
	struct sabuf_ns_names *nsn, *tmp;

	list_for_each_entry_safe(nsn, tmp, dead, node) {
		sabuf_ipc_ns_put(nsn->ns);
		kfree(nsn);
	}
}

/*
 * Drop the names of every IPC namespace that only we still refer to
 * (see the top of the file).
 */
void sabuf_names_sweep(void)
{
	struct sabuf_ns_names *nsn;
	struct sabuf_name *n, *tmp;
	struct sabuf_buffer *buf;
	LIST_HEAD(dead);
	LIST_HEAD(bufs);

	mutex_lock(&sabuf_names_lock);
	list_for_each_entry(nsn, &sabuf_namespaces, node) {
		/*
		 * The initial namespace never ends, and newer kernels (7.2)
		 * do not count references to it at all: never swept.
		 */
		if (nsn->ns->ns.inum == PROC_IPC_INIT_INO ||
		    sabuf_ipc_ns_refs(nsn->ns) != 1)
			continue;
		list_for_each_entry_safe(n, tmp, &nsn->names, ns_node) {
			buf = sabuf_name_remove(n);
			list_add(&buf->name_gone, &bufs);
		}
	}
	sabuf_names_tidy(&dead);
	mutex_unlock(&sabuf_names_lock);
	sabuf_names_put_dead(&dead);
	while (!list_empty(&bufs)) {
		buf = list_first_entry(&bufs, struct sabuf_buffer, name_gone);
		list_del(&buf->name_gone);
		sabuf_buffer_put(buf);
	}
}

static void sabuf_names_work_fn(struct work_struct *work)
{
	bool any;

	sabuf_names_sweep();
	mutex_lock(&sabuf_names_lock);
	any = !list_empty(&sabuf_namespaces);
	mutex_unlock(&sabuf_names_lock);
	if (any)
		schedule_delayed_work(&sabuf_names_work, SABUF_NAMES_SWEEP_PERIOD);
}

/* May the caller open @n for @want (MAY_READ, MAY_WRITE)? As a file would. */
static int sabuf_name_permission(const struct sabuf_name *n, int want)
{
	struct user_namespace *owner = n->nsn->ns->user_ns;
	umode_t mode = n->mode;

	if (uid_eq(current_euid(), n->uid))
		mode >>= 6;
	else if (in_egroup_p(n->gid))
		mode >>= 3;
	if (!(want & ~mode & 7))
		return 0;
	if (ns_capable(owner, CAP_IPC_OWNER) || ns_capable(owner, CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

/* Name @buf @name in @ns (the caller checked that it is free); takes a reference on @buf. */
static int sabuf_name_add(struct ipc_namespace *ns, const char *name, u32 hash,
			  struct sabuf_buffer *buf, umode_t mode)
{
	struct sabuf_ns_names *nsn, *found = NULL;
	size_t len = strlen(name);
	struct sabuf_name *n;

	lockdep_assert_held(&sabuf_names_lock);
	list_for_each_entry(nsn, &sabuf_namespaces, node)
		if (nsn->ns == ns) {
			found = nsn;
			break;
		}
	n = kzalloc(struct_size(n, name, len + 1), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	if (!found) {
		found = kzalloc(sizeof(*found), GFP_KERNEL_ACCOUNT);
		if (!found) {
			kfree(n);
			return -ENOMEM;
		}
		found->ns = get_ipc_ns(ns);
		INIT_LIST_HEAD(&found->names);
		if (list_empty(&sabuf_namespaces)) {
			if (!sabuf_names_pin) {
				__module_get(THIS_MODULE);
				sabuf_names_pin = true;
			}
			schedule_delayed_work(&sabuf_names_work, SABUF_NAMES_SWEEP_PERIOD);
		}
		list_add_tail(&found->node, &sabuf_namespaces);
	}
	memcpy(n->name, name, len + 1);
	n->hash = hash;
	n->nsn = found;
	n->uid = current_euid();
	n->gid = current_egid();
	n->mode = mode;
	sabuf_buffer_get(buf);
	n->buf = buf;
	buf->name = n;
	hash_add(sabuf_name_hash, &n->hnode, hash);
	list_add_tail(&n->ns_node, &found->names);
	return 0;
}

/* A new, empty handle file (O_RDONLY or O_RDWR) for SABUF_IOC_OPEN. */
static struct file *sabuf_names_new_file(bool rdwr)
{
	struct sabuf_handle *h = sabuf_handle_alloc(NULL);
	struct file *file;

	if (!h)
		return ERR_PTR(-ENOMEM);
	file = anon_inode_getfile("[sabuf]", &sabuf_fops, h, rdwr ? O_RDWR : O_RDONLY);
	if (IS_ERR(file)) {
		sabuf_handle_free(h);
		return file;
	}
	h->file = file;
	return file;
}

static int sabuf_open_check(const struct sabuf_open *args)
{
	if (args->oflag & ~SABUF_OPEN_OFLAG_VALID || args->flags & ~SABUF_OPEN_FLAGS_VALID ||
	    args->reserved || args->mode & ~0777u)
		return -EINVAL;
	return 0;
}

/* Open (and maybe create) a named buffer; its file is in *@out. */
static int sabuf_open_file(const struct sabuf_open *args, const char *name, struct file **out)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	bool rdwr = args->oflag & SABUF_OPEN_RDWR;
	u32 hash = sabuf_name_hash_of(ns, name);
	struct sabuf_create create = {
		.byte_length = args->byte_length,
	};
	struct sabuf_buffer *buf;
	struct sabuf_name *n;
	struct file *file;
	int ret;

	if (args->oflag & SABUF_OPEN_CREAT)
		sabuf_names_sweep();
again:
	mutex_lock(&sabuf_names_lock);
	n = sabuf_name_find(ns, name, hash);
	if (n) {
		ret = -EEXIST;
		if ((args->oflag & (SABUF_OPEN_CREAT | SABUF_OPEN_EXCL)) ==
		    (SABUF_OPEN_CREAT | SABUF_OPEN_EXCL))
			goto out_unlock;
		ret = sabuf_name_permission(n, MAY_READ | (rdwr ? MAY_WRITE : 0));
		if (ret)
			goto out_unlock;
		buf = n->buf;
		sabuf_buffer_get(buf);
		mutex_unlock(&sabuf_names_lock);
		file = sabuf_names_new_file(rdwr);
		if (!IS_ERR(file))
			sabuf_buffer_attach(file->private_data, buf);
		else
			sabuf_buffer_put(buf);
		*out = file;
		return PTR_ERR_OR_ZERO(file);
	}
	mutex_unlock(&sabuf_names_lock);
	if (!(args->oflag & SABUF_OPEN_CREAT))
		return -ENOENT;
	if (!args->byte_length)
		return -EINVAL;

	/* Create outside the lock (it may allocate a gigabyte), then name it. */
	file = sabuf_names_new_file(rdwr);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = sabuf_ioctl_create(file->private_data, &create);
	if (ret)
		goto out_fput;
	buf = sabuf_handle_buffer(file->private_data);
	mutex_lock(&sabuf_names_lock);
	if (sabuf_name_find(ns, name, hash)) {
		/* Somebody named one first: theirs it is (or EEXIST). */
		mutex_unlock(&sabuf_names_lock);
		fput(file);
		goto again;
	}
	ret = sabuf_name_add(ns, name, hash, buf, args->mode & ~current_umask() & 0777);
	mutex_unlock(&sabuf_names_lock);
	if (ret)
		goto out_fput;
	*out = file;
	return 0;

out_unlock:
	mutex_unlock(&sabuf_names_lock);
	return ret;
out_fput:
	fput(file);
	return ret;
}

long sabuf_ioctl_open(const struct sabuf_open *args)
{
	struct file *file;
	char *name;
	int fd, ret;

	ret = sabuf_open_check(args);
	if (ret)
		return ret;
	name = sabuf_name_in(args->name);
	if (IS_ERR(name))
		return PTR_ERR(name);
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = sabuf_open_file(args, name, &file);
	if (ret) {
		put_unused_fd(fd);
		goto out;
	}
	fd_install(fd, file);
	ret = fd;
out:
	kfree(name);
	return ret;
}

long sabuf_ioctl_unlink(const struct sabuf_unlink *args)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct sabuf_buffer *buf = NULL;
	struct sabuf_name *n;
	LIST_HEAD(dead);
	char *name;
	int ret;

	if (args->flags & ~SABUF_UNLINK_FLAGS_VALID || args->reserved)
		return -EINVAL;
	name = sabuf_name_in(args->name);
	if (IS_ERR(name))
		return PTR_ERR(name);
	mutex_lock(&sabuf_names_lock);
	n = sabuf_name_find(ns, name, sabuf_name_hash_of(ns, name));
	ret = -ENOENT;
	if (n) {
		ret = -EPERM;
		if (uid_eq(current_euid(), n->uid) || ns_capable(ns->user_ns, CAP_IPC_OWNER)) {
			buf = sabuf_name_remove(n);
			sabuf_names_tidy(&dead);
			ret = 0;
		}
	}
	mutex_unlock(&sabuf_names_lock);
	sabuf_names_put_dead(&dead);
	if (buf)
		sabuf_buffer_put(buf);
	kfree(name);
	return ret;
}

/* Copy @buf's name into @out (SABUF_NAME_MAX + 1 bytes); false when it has none. */
bool sabuf_buffer_name(struct sabuf_buffer *buf, char *out)
{
	bool named;

	mutex_lock(&sabuf_names_lock);
	named = buf->name;
	if (named)
		strscpy(out, buf->name->name, SABUF_NAME_MAX + 1);
	mutex_unlock(&sabuf_names_lock);
	return named;
}

/*
 * At module exit nothing is named (a name pins the module), but the sweep
 * may still be queued: stop it.
 */
void sabuf_names_exit(void)
{
	cancel_delayed_work_sync(&sabuf_names_work);
	WARN_ON_ONCE(!list_empty(&sabuf_namespaces));
}
