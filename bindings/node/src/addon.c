// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * addon.c: the native half of the Node.js binding (package `sabuf`), over
 * libsabuf, in Node-API. index.js does every ECMAScript conversion and
 * check (TypeError, RangeError, ToIndex, ToInt32, ToBigInt64, timeouts) and
 * calls in here only with checked values:
 *
 *   create(len)                 -> SharedArrayBuffer      (sab.cc makes it)
 *   attach(fd)                  -> SharedArrayBuffer
 *   handle(u8)                  -> external | null        (null: not a sabuf buffer)
 *   fd(h)                       -> int
 *   wait32(h, off, v, ms)       -> 0 ok | 1 not-equal | 2 timed-out
 *   wait64(h, off, v, ms)       -> the same, v a BigInt
 *   waitAsync(h, off, v, is64, ms) -> 1 (not-equal) | Promise<'ok' | 'timed-out'>
 *   notify(h, off, count)       -> number woken
 *
 * h is a handle on one mapping of one buffer (struct buf), off a byte
 * offset in it (in range and aligned: index.js made sure), v a Number (an
 * int32) or a BigInt (an int64), ms a timeout in milliseconds, already
 * >= 0 or +Infinity.
 *
 * Buffers. Every mapping made here (create or attach) is a struct buf in a
 * process-wide table keyed by its address, shared by the main thread and
 * every Worker: a SharedArrayBuffer that arrives by postMessage is found by
 * the address of its bytes. A buf is referenced by V8's backing store (one
 * reference, dropped by the deleter when the last SharedArrayBuffer object
 * in any isolate is collected) and by every pending waitAsync; the last
 * reference unmaps (sabuf_destroy).
 *
 * waitAsync. Until the kernel's pollable waits exist, each pending
 * waitAsync is a thread blocked in sabuf_wait32/64 (any process's notify
 * wakes it: it is an ordinary waiter of the kernel's FIFO queue), which
 * reports through a thread-safe function to the event loop of the isolate
 * that called; while any is pending there, that function is ref'ed, so the
 * loop stays alive. waitAsync returns only once its thread sleeps in the
 * kernel's queue (it watches /proc/self/task/TID/syscall), so a notify
 * right after waitAsync returns counts it, as Atomics.notify would. When an
 * environment ends (a Worker terminated, the process exiting) its pending
 * threads are interrupted by a signal and leave the queue unwoken.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <node_api.h>
#include <sabuf.h>

#include "sab.h"

/* ---- errors -------------------------------------------------------------- */

#define CHECK(env, call)						\
	do {								\
		if ((call) != napi_ok) {				\
			throw_last(env, #call);				\
			return NULL;					\
		}							\
	} while (0)

static void throw_last(napi_env env, const char *what)
{
	const napi_extended_error_info *info = NULL;
	bool pending = false;

	napi_is_exception_pending(env, &pending);
	if (pending)
		return;
	napi_get_last_error_info(env, &info);
	char msg[256];
	snprintf(msg, sizeof(msg), "sabuf: %s failed: %s", what,
		 info && info->error_message ? info->error_message : "Node-API error");
	napi_throw_error(env, NULL, msg);
}

static const char *errno_code(int err)
{
	switch (err) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case EBADFD: return "EBADFD";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EDQUOT: return "EDQUOT";
	case EFBIG: return "EFBIG";
	case ERANGE: return "ERANGE";
	case ENOTTY: return "ENOTTY";
	case ENODEV: return "ENODEV";
	case EMFILE: return "EMFILE";
	case ENFILE: return "ENFILE";
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	default: return "EIO";
	}
}

/* An Error like Node's system errors: .code 'EBADF', .errno -9, .syscall. */
static void throw_errno(napi_env env, int err, const char *syscall)
{
	napi_value msg, code, error, num, sc;
	char text[256];

	snprintf(text, sizeof(text), "%s: %s (%s)", syscall, strerror(err), errno_code(err));
	if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) != napi_ok ||
	    napi_create_string_utf8(env, errno_code(err), NAPI_AUTO_LENGTH, &code) != napi_ok ||
	    napi_create_error(env, code, msg, &error) != napi_ok ||
	    napi_create_int32(env, -err, &num) != napi_ok ||
	    napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc) != napi_ok) {
		napi_throw_error(env, errno_code(err), text);
		return;
	}
	napi_set_named_property(env, error, "errno", num);
	napi_set_named_property(env, error, "syscall", sc);
	napi_throw(env, error);
}

/* ---- timeouts ------------------------------------------------------------ */

/*
 * The only place milliseconds become libsabuf's nanoseconds. ms is what
 * ECMAScript leaves of a timeout: >= 0, or +Infinity (NaN is taken as
 * +Infinity too). Forever is INT64_MAX, which is SABUF_FOREVER from
 * libsabuf 0.2 on and, before it, a relative timeout the kernel saturates
 * past any real deadline. Never negative: 0.1 took a negative timeout as
 * forever, 0.2 takes it as 0; 0 means "do not sleep" in both.
 */
static int64_t timeout_ms_to_ns(double ms)
{
	if (isnan(ms) || ms >= 9.2e12)		/* 9.2e18 ns: 292 years */
		return INT64_MAX;
	if (!(ms > 0))
		return 0;
	return (int64_t)ceil(ms * 1e6);		/* 1.5 ms is 1500000 ns, a tiny one is 1 ns */
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- buffers ------------------------------------------------------------- */

struct buf {
	struct sabuf *sb;
	char *base;
	size_t len;
	unsigned int refs;		/* under table_lock */
	struct buf *next;		/* hash chain */
};

#define TABLE_SIZE 128
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct buf *table[TABLE_SIZE];

static unsigned int slot_of(const void *base)
{
	uintptr_t a = (uintptr_t)base >> 12;	/* mappings are page aligned */

	return (unsigned int)((a ^ (a >> 7)) % TABLE_SIZE);
}

static struct buf *buf_find(const void *base)
{
	struct buf *b;

	pthread_mutex_lock(&table_lock);
	for (b = table[slot_of(base)]; b; b = b->next)
		if (b->base == base)
			break;
	pthread_mutex_unlock(&table_lock);
	return b;
}

static void buf_get(struct buf *b)
{
	pthread_mutex_lock(&table_lock);
	b->refs++;
	pthread_mutex_unlock(&table_lock);
}

static void buf_put(struct buf *b)
{
	struct buf **pp;
	bool last;

	pthread_mutex_lock(&table_lock);
	last = --b->refs == 0;
	if (last) {
		for (pp = &table[slot_of(b->base)]; *pp; pp = &(*pp)->next) {
			if (*pp == b) {
				*pp = b->next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&table_lock);
	if (last) {
		sabuf_destroy(b->sb);	/* unmap, close: after it left the table */
		free(b);
	}
}

/* V8's deleter: the last SharedArrayBuffer on this mapping is gone. */
static void buf_deleter(void *data, size_t length, void *ctx)
{
	(void)data;
	(void)length;
	buf_put(ctx);
}

/* A SharedArrayBuffer on sb's mapping; takes sb over (destroys it on error). */
static napi_value sab_of(napi_env env, struct sabuf *sb)
{
	struct buf *b = calloc(1, sizeof(*b));
	napi_value sab;
	unsigned int s;

	if (!b) {
		sabuf_destroy(sb);
		napi_throw_range_error(env, NULL, "Array buffer allocation failed");
		return NULL;
	}
	b->sb = sb;
	b->base = sabuf_data(sb);
	b->len = sabuf_byte_length(sb);
	b->refs = 1;			/* the backing store's */
	s = slot_of(b->base);
	pthread_mutex_lock(&table_lock);
	b->next = table[s];
	table[s] = b;
	pthread_mutex_unlock(&table_lock);

	sab = sabuf_node_new_sab(env, b->base, b->len, buf_deleter, b);
	if (!sab)
		buf_put(b);
	return sab;
}

static napi_value get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv)
{
	size_t argc = want;

	CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	for (size_t i = argc; i < want; i++)
		napi_get_undefined(env, &argv[i]);
	return argv[0];
}

static napi_value js_create(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct sabuf *sb;
	double len;
	int ret;

	if (!get_args(env, info, 1, argv))
		return NULL;
	CHECK(env, napi_get_value_double(env, argv[0], &len));
	if (!(len >= 1) || len > (double)SIZE_MAX) {
		napi_throw_range_error(env, NULL, "sabuf.create: byteLength must be at least 1");
		return NULL;
	}
	ret = sabuf_create((size_t)len, &sb);
	if (ret == -ENOMEM || ret == -EDQUOT || ret == -EFBIG || ret == -EINVAL || ret == -E2BIG) {
		char msg[160];

		snprintf(msg, sizeof(msg), "Array buffer allocation failed: /dev/sabuf: %s (%s)",
			 strerror(-ret), errno_code(-ret));
		napi_throw_range_error(env, errno_code(-ret), msg);
		return NULL;
	}
	if (ret < 0) {
		throw_errno(env, -ret, "open /dev/sabuf");
		return NULL;
	}
	return sab_of(env, sb);
}

static napi_value js_attach(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct sabuf *sb;
	int32_t fd;
	int ret;

	if (!get_args(env, info, 1, argv))
		return NULL;
	CHECK(env, napi_get_value_int32(env, argv[0], &fd));
	ret = sabuf_attach(fd, &sb);
	if (ret < 0) {
		throw_errno(env, -ret, "sabuf_attach");
		return NULL;
	}
	return sab_of(env, sb);
}

/* The handle of the buffer under a typed array (a Uint8Array on the
 * SharedArrayBuffer), or null when it is not a mapping made here. */
static napi_value js_handle(napi_env env, napi_callback_info info)
{
	napi_value argv[1], result;
	napi_typedarray_type type;
	size_t length, offset;
	void *data;
	struct buf *b;

	if (!get_args(env, info, 1, argv))
		return NULL;
	CHECK(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, &offset));
	b = data ? buf_find((char *)data - offset) : NULL;
	if (!b) {
		CHECK(env, napi_get_null(env, &result));
		return result;
	}
	CHECK(env, napi_create_external(env, b, NULL, NULL, &result));
	return result;
}

static struct buf *handle_of(napi_env env, napi_value v)
{
	void *p = NULL;

	if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
		napi_throw_type_error(env, NULL, "sabuf: not a buffer handle");
		return NULL;
	}
	return p;
}

static napi_value js_fd(napi_env env, napi_callback_info info)
{
	napi_value argv[1], result;
	struct buf *b;

	if (!get_args(env, info, 1, argv) || !(b = handle_of(env, argv[0])))
		return NULL;
	CHECK(env, napi_create_int32(env, sabuf_fd(b->sb), &result));
	return result;
}

/* ---- wait and notify ----------------------------------------------------- */

struct wait_args {
	struct buf *b;
	void *addr;
	int64_t expected;
	bool is64;
	int64_t timeout_ns;
};

/* (h, off, v, ms) with is64 given, or (h, off, v, is64, ms) when is64 < 0 */
static napi_value parse_wait(napi_env env, napi_callback_info info, struct wait_args *w, int is64)
{
	napi_value argv[5];
	int64_t off;
	double ms;
	size_t n = is64 < 0 ? 5 : 4;

	if (!get_args(env, info, n, argv) || !(w->b = handle_of(env, argv[0])))
		return NULL;
	CHECK(env, napi_get_value_int64(env, argv[1], &off));
	if (is64 < 0)
		CHECK(env, napi_get_value_bool(env, argv[3], &w->is64));
	else
		w->is64 = is64;
	if (w->is64) {
		bool lossless;

		CHECK(env, napi_get_value_bigint_int64(env, argv[2], &w->expected, &lossless));
	} else {
		int32_t v;

		CHECK(env, napi_get_value_int32(env, argv[2], &v));
		w->expected = v;
	}
	CHECK(env, napi_get_value_double(env, argv[n - 1], &ms));
	if (off < 0 || (uint64_t)off >= w->b->len || off % (w->is64 ? 8 : 4)) {
		napi_throw_range_error(env, NULL, "sabuf: index out of range");
		return NULL;
	}
	w->addr = w->b->base + off;
	w->timeout_ns = timeout_ms_to_ns(ms);
	return argv[0];
}

static int wait_once(const struct wait_args *w, int64_t timeout_ns)
{
	if (w->is64)
		return sabuf_wait64(w->b->sb, w->addr, w->expected, timeout_ns);
	return sabuf_wait32(w->b->sb, w->addr, (int32_t)w->expected, timeout_ns);
}

/* A wait that an unrelated signal handler (one without SA_RESTART) cut
 * short goes on with what is left of its timeout. */
static int wait_restarting(const struct wait_args *w, const atomic_bool *cancel)
{
	int64_t deadline = 0, left = w->timeout_ns;
	int ret;

	if (left != INT64_MAX)
		deadline = now_ns() + left;
	for (;;) {
		if (cancel && atomic_load(cancel))
			return -ECANCELED;
		ret = wait_once(w, left);
		if (ret != -EINTR)
			return ret;
		if (left != INT64_MAX) {
			left = deadline - now_ns();
			if (left < 0)
				left = 0;
		}
	}
}

static napi_value result_int(napi_env env, int v)
{
	napi_value r;

	CHECK(env, napi_create_int32(env, v, &r));
	return r;
}

static napi_value do_wait(napi_env env, napi_callback_info info, int is64)
{
	struct wait_args w;
	int ret;

	if (!parse_wait(env, info, &w, is64))
		return NULL;
	ret = wait_restarting(&w, NULL);
	if (ret < 0) {
		throw_errno(env, -ret, "sabuf_wait");
		return NULL;
	}
	return result_int(env, ret);
}

static napi_value js_wait32(napi_env env, napi_callback_info info)
{
	return do_wait(env, info, 0);
}

static napi_value js_wait64(napi_env env, napi_callback_info info)
{
	return do_wait(env, info, 1);
}

static napi_value js_notify(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	struct buf *b;
	int64_t off;
	double count;
	int ret;

	if (!get_args(env, info, 3, argv) || !(b = handle_of(env, argv[0])))
		return NULL;
	CHECK(env, napi_get_value_int64(env, argv[1], &off));
	CHECK(env, napi_get_value_double(env, argv[2], &count));
	if (off < 0 || (uint64_t)off >= b->len || off % 4) {
		napi_throw_range_error(env, NULL, "sabuf: index out of range");
		return NULL;
	}
	ret = sabuf_notify(b->sb, b->base + off,
			   count >= (double)UINT_MAX ? SABUF_ALL : (unsigned int)count);
	if (ret < 0) {
		throw_errno(env, -ret, "sabuf_notify");
		return NULL;
	}
	return result_int(env, ret);
}

/* ---- waitAsync ----------------------------------------------------------- */

struct env_state;

struct pending {
	struct env_state *es;
	struct wait_args w;		/* holds a reference on w.b */
	napi_deferred deferred;
	pthread_t thread;
	atomic_int tid;			/* the thread's, once it runs */
	atomic_int state;		/* P_STARTING, P_WAITING, P_DONE */
	atomic_bool cancel;
	int result;
	bool queued;			/* the thread-safe function has it */
	struct pending *prev, *next;	/* es->pending, event-loop thread only */
};

enum { P_STARTING, P_WAITING, P_DONE };

struct env_state {
	napi_env env;
	napi_threadsafe_function tsfn;
	struct pending *pending;
	unsigned int npending;
	bool closing;
	unsigned int orphans;		/* pendings the tsfn still owns at the end */
};

static int cancel_signal(void)
{
	return SIGRTMIN + 4;
}

static void cancel_handler(int sig)
{
	(void)sig;	/* only there to interrupt the wait: no SA_RESTART */
}

static pthread_once_t cancel_once = PTHREAD_ONCE_INIT;

static void install_cancel_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cancel_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(cancel_signal(), &sa, NULL);
}

static void *waiter_main(void *arg)
{
	struct pending *p = arg;
	sigset_t set;
	int ret;

	/* Every signal goes to other threads, except the one that cancels. */
	sigfillset(&set);
	sigdelset(&set, cancel_signal());
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	atomic_store(&p->tid, (int)syscall(SYS_gettid));
	atomic_store(&p->state, P_WAITING);
	ret = wait_restarting(&p->w, &p->cancel);
	p->result = ret;
	if (ret != -ECANCELED)
		p->queued = napi_call_threadsafe_function(p->es->tsfn, p,
							  napi_tsfn_nonblocking) == napi_ok;
	/* nothing touches p after this store but the thread that joins us */
	atomic_store(&p->state, P_DONE);
	return NULL;
}

/*
 * Is the thread asleep in the kernel's wait queue? /proc/self/task/TID/syscall
 * names the system call a blocked thread sleeps in ("running" otherwise). Past
 * P_WAITING the thread makes exactly one kind of system call, the wait's
 * ioctl, and in it sleeps only once queued (kmod/waitwake.c). -1: cannot tell.
 */
static int asleep_in_wait(int tid)
{
	char path[64], text[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = 0;
	return strtol(text, NULL, 10) == SYS_ioctl && text[0] != 'r';
}

/* Return once p's thread is queued in the kernel or finished. */
static void await_queued(struct pending *p)
{
	int64_t give_up = now_ns() + 5000000000LL;	/* slow emulated machines */
	struct timespec pause = { 0, 20000 };
	unsigned int spins = 0;

	while (atomic_load(&p->state) != P_DONE && now_ns() < give_up) {
		if (atomic_load(&p->state) == P_WAITING) {
			int r = asleep_in_wait(atomic_load(&p->tid));

			if (r == 1)
				return;
			if (r < 0) {	/* no /proc: give it a moment */
				struct timespec ms = { 0, 1000000 };

				nanosleep(&ms, NULL);
				return;
			}
		}
		if (++spins < 50)
			sched_yield();
		else
			nanosleep(&pause, NULL);
	}
}

static void pending_free(struct pending *p)
{
	buf_put(p->w.b);
	free(p);
}

static void pending_unlink(struct env_state *es, struct pending *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		es->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	if (--es->npending == 0 && !es->closing)
		napi_unref_threadsafe_function(es->env, es->tsfn);
}

/* On the event loop: a waiter thread finished. */
static void settle(napi_env env, napi_value js_cb, void *context, void *data)
{
	struct env_state *es = context;
	struct pending *p = data;
	napi_value value;

	(void)js_cb;
	pthread_join(p->thread, NULL);
	if (es->closing) {
		/* env_cleanup() handed it over: nobody to tell */
		pending_free(p);
		if (--es->orphans == 0)
			free(es);
		return;
	}
	pending_unlink(es, p);
	if (!env) {
		pending_free(p);
		return;
	}
	if (p->result < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "sabuf_wait: %s (%s)", strerror(-p->result),
			 errno_code(-p->result));
		if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &value) == napi_ok &&
		    napi_create_error(env, NULL, value, &value) == napi_ok)
			napi_reject_deferred(env, p->deferred, value);
	} else {
		/* a promise of waitAsync settles "ok" or "timed-out" only */
		const char *s = p->result == SABUF_TIMED_OUT ? "timed-out" : "ok";

		if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &value) == napi_ok)
			napi_resolve_deferred(env, p->deferred, value);
	}
	pending_free(p);
}

static napi_value js_wait_async(napi_env env, napi_callback_info info)
{
	struct env_state *es;
	struct pending *p;
	pthread_attr_t attr;
	napi_value promise;
	int ret;

	CHECK(env, napi_get_instance_data(env, (void **)&es));
	p = calloc(1, sizeof(*p));
	if (!p) {
		napi_throw_error(env, "ENOMEM", "sabuf.waitAsync: out of memory");
		return NULL;
	}
	if (!parse_wait(env, info, &p->w, -1)) {
		free(p);
		return NULL;
	}
	if (napi_create_promise(env, &p->deferred, &promise) != napi_ok) {
		free(p);
		throw_last(env, "napi_create_promise");
		return NULL;
	}
	p->es = es;
	buf_get(p->w.b);
	pthread_once(&cancel_once, install_cancel_handler);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	ret = pthread_create(&p->thread, &attr, waiter_main, p);
	pthread_attr_destroy(&attr);
	if (ret) {
		/* the promise is dropped unsettled: nobody has seen it */
		pending_free(p);
		throw_errno(env, ret, "sabuf.waitAsync: pthread_create");
		return NULL;
	}
	p->next = es->pending;
	if (p->next)
		p->next->prev = p;
	es->pending = p;
	if (es->npending++ == 0)
		napi_ref_threadsafe_function(env, es->tsfn);

	await_queued(p);
	if (atomic_load(&p->state) == P_DONE && p->result == SABUF_NOT_EQUAL) {
		/*
		 * The word changed between index.js's check and the kernel's:
		 * the wait happened after the change, so it is waitAsync's
		 * { async: false, value: "not-equal" }. The queued report is
		 * settled by the event loop into a promise nobody holds.
		 */
		return result_int(env, 1);
	}
	return promise;
}

/* The environment (the main thread's or a Worker's) is going away. */
static void env_cleanup(void *arg)
{
	struct env_state *es = arg;
	struct pending *p, *next;

	es->closing = true;
	for (p = es->pending; p; p = p->next)
		atomic_store(&p->cancel, true);
	for (p = es->pending; p; p = p->next) {
		struct timespec pause = { 0, 200000 };

		/* until it has left its wait: a signal sent before it entered
		 * the ioctl is lost, hence the retries */
		while (atomic_load(&p->state) != P_DONE) {
			if (atomic_load(&p->state) == P_WAITING)
				pthread_kill(p->thread, cancel_signal());
			nanosleep(&pause, NULL);
		}
	}
	es->orphans = 1;	/* ours, dropped below */
	for (p = es->pending; p; p = next) {
		next = p->next;
		if (p->queued) {
			es->orphans++;	/* settle() frees it */
		} else {
			pthread_join(p->thread, NULL);
			pending_free(p);
		}
	}
	es->pending = NULL;
	if (--es->orphans == 0)
		free(es);
}

/* ---- module -------------------------------------------------------------- */

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */)
{
	static const struct {
		const char *name;
		napi_callback fn;
	} fns[] = {
		{ "create", js_create },
		{ "attach", js_attach },
		{ "handle", js_handle },
		{ "fd", js_fd },
		{ "wait32", js_wait32 },
		{ "wait64", js_wait64 },
		{ "waitAsync", js_wait_async },
		{ "notify", js_notify },
	};
	struct env_state *es = calloc(1, sizeof(*es));
	napi_value name;

	if (!es) {
		napi_throw_error(env, "ENOMEM", "sabuf: out of memory");
		return NULL;
	}
	es->env = env;
	CHECK(env, napi_create_string_utf8(env, "sabuf.waitAsync", NAPI_AUTO_LENGTH, &name));
	CHECK(env, napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL,
						   es, settle, &es->tsfn));
	CHECK(env, napi_unref_threadsafe_function(env, es->tsfn));
	CHECK(env, napi_set_instance_data(env, es, NULL, NULL));
	/* after the tsfn: cleanup hooks run in reverse order, ours first */
	CHECK(env, napi_add_env_cleanup_hook(env, env_cleanup, es));

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		napi_value f;

		CHECK(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn,
						NULL, &f));
		CHECK(env, napi_set_named_property(env, exports, fns[i].name, f));
	}
	return exports;
}
