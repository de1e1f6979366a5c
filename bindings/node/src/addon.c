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
 *   waitAsync(h, off, v, is64, ms) -> 1 not-equal | 2 timed-out (no promise: settled
 *                               at once, as libsabuf's sabuf_wait*_async said) |
 *                               Promise<'ok' | 'timed-out'>
 *   notify(h, off, count)       -> number woken
 *   open, unlink                   named buffers
 *   mutexLock, mutexTryLock, mutexUnlock, mutexConsistent, mutexLockAsync,
 *   errnoError                     sabuf.Mutex (see "Mutex" below)
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
 * waitAsync. Each environment (the main thread, each Worker) has one
 * libsabuf waitset, made on its first waitAsync that has to wait, whose fd
 * is watched by a uv_poll_t in that environment's event loop. A pending
 * waitAsync is one asynchronous wait queued in the kernel
 * (sabuf_wait32/64_async), an ordinary waiter of the index's FIFO queue,
 * in order with blocking waiters of every process, with its timeout on a
 * kernel timer; no thread waits for it. When the fd turns readable the
 * loop drains the settled waits (sabuf_waitset_next) and resolves their
 * promises. While any is pending the poll handle is ref'ed, so the loop
 * stays alive. When an environment ends (a Worker terminated, the process
 * exiting) its waitset is closed: the kernel drops its pending waits
 * unwoken.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <node_api.h>
#include <uv.h>
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
	case EEXIST: return "EEXIST";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EOWNERDEAD: return "EOWNERDEAD";
	case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
	case EDEADLK: return "EDEADLK";
	case EBUSY: return "EBUSY";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENOSPC: return "ENOSPC";
	default: return "EIO";
	}
}

/* An Error like Node's system errors: .code 'EBADF', .errno -9, .syscall;
 * NULL (an exception pending) when even that failed. */
static napi_value errno_error(napi_env env, int err, const char *syscall)
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
		return NULL;
	}
	napi_set_named_property(env, error, "errno", num);
	napi_set_named_property(env, error, "syscall", sc);
	return error;
}

static void throw_errno(napi_env env, int err, const char *syscall)
{
	napi_value error = errno_error(env, err, syscall);

	if (error)
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
static int wait_restarting(const struct wait_args *w)
{
	int64_t deadline = 0, left = w->timeout_ns;
	int ret;

	if (left != INT64_MAX)
		deadline = now_ns() + left;
	for (;;) {
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
	ret = wait_restarting(&w);
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

/*
 * One libsabuf waitset per environment (the main thread's, each Worker's),
 * made on the first waitAsync that has to wait, its fd on a uv_poll_t in
 * that environment's event loop. A pending waitAsync is a slot of
 * es->slots: its tag is (generation << 32 | slot index), so a result read
 * from the waitset finds its promise in O(1), and a stale tag (a slot
 * reused since) is recognised and ignored. The poll handle is ref'ed while
 * at least one wait is pending, so the loop stays alive exactly as long as
 * a promise may still settle; timeouts are the kernel's (the waitset's
 * hrtimers). Everything here runs on the environment's own thread.
 */
struct lockq;

struct slot {
	napi_deferred deferred;		/* a waitAsync's promise */
	struct lockq *lq;		/* or a lockAsync's wait (Mutex below); both NULL: free */
	struct buf *b;			/* a reference, while a waitAsync is pending */
	uint32_t gen;
	uint32_t next_free;
};

#define NO_SLOT UINT32_MAX

struct env_state {
	napi_env env;
	uv_loop_t *loop;
	struct sabuf_waitset *ws;	/* NULL until the first pending wait */
	uv_poll_t *poll;		/* on ws's fd; freed by its close callback */
	napi_async_context actx;	/* for the callback scope of the settles */
	struct slot *slots;
	uint32_t nslots, free_head;
	unsigned int npending;		/* waitAsyncs and lockAsyncs pending */
	struct lockq *lockqs;		/* the Mutex words with a lockAsync pending */
	uv_timer_t *lock_timer;		/* checks their holders (Mutex below) */
	bool closing;
};

static void poll_closed(uv_handle_t *h)
{
	free(h);
}

static void pending_changed(struct env_state *es, int delta)
{
	unsigned int before = es->npending;

	es->npending += delta;
	if (!es->poll || es->closing)
		return;
	if (before == 0 && es->npending > 0)
		uv_ref((uv_handle_t *)es->poll);
	else if (before > 0 && es->npending == 0)
		uv_unref((uv_handle_t *)es->poll);
}

static uint32_t slot_alloc(struct env_state *es)
{
	uint32_t i;

	if (es->free_head == NO_SLOT) {
		uint32_t n = es->nslots ? es->nslots * 2 : 64;
		struct slot *s;

		if (n <= es->nslots || n > (1u << 30))
			return NO_SLOT;
		s = realloc(es->slots, n * sizeof(*s));
		if (!s)
			return NO_SLOT;
		for (i = es->nslots; i < n; i++) {
			s[i].deferred = NULL;
			s[i].lq = NULL;
			s[i].b = NULL;
			s[i].gen = 0;
			s[i].next_free = i + 1 < n ? i + 1 : NO_SLOT;
		}
		es->free_head = es->nslots;
		es->slots = s;
		es->nslots = n;
	}
	i = es->free_head;
	es->free_head = es->slots[i].next_free;
	es->slots[i].gen++;
	return i;
}

static void slot_free(struct env_state *es, uint32_t i)
{
	struct slot *s = &es->slots[i];

	if (s->b)
		buf_put(s->b);
	s->b = NULL;
	s->deferred = NULL;
	s->lq = NULL;
	s->next_free = es->free_head;
	es->free_head = i;
}

static uint64_t tag_of(struct env_state *es, uint32_t i)
{
	return (uint64_t)es->slots[i].gen << 32 | i;
}

static void lock_woken(struct env_state *es, struct lockq *lq);

static void settle_one(struct env_state *es, uint64_t tag, int result)
{
	uint32_t i = (uint32_t)tag;
	struct slot *s;
	napi_value value;
	const char *str;

	if (i >= es->nslots)
		return;
	s = &es->slots[i];
	if (s->gen != (uint32_t)(tag >> 32))
		return;			/* not ours (any more) */
	if (s->lq) {
		lock_woken(es, s->lq);	/* a lockAsync: attempt again */
		return;
	}
	if (!s->deferred)
		return;			/* freed */
	/* a promise of waitAsync settles "ok" or "timed-out" only */
	str = result == SABUF_TIMED_OUT ? "timed-out" : "ok";
	if (napi_create_string_utf8(es->env, str, NAPI_AUTO_LENGTH, &value) == napi_ok)
		napi_resolve_deferred(es->env, s->deferred, value);
	slot_free(es, i);
	pending_changed(es, -1);
}

/* A scope for settling promises from the event loop. Resolving runs
 * nothing yet: the promise reactions (and process.nextTick callbacks) run
 * as the callback scope closes, as after any callback. */
struct js_scope {
	napi_handle_scope hs;
	napi_callback_scope cs;
};

static bool js_scope_open(struct env_state *es, struct js_scope *sc)
{
	napi_value resource;

	if (napi_open_handle_scope(es->env, &sc->hs) != napi_ok)
		return false;
	if (napi_create_object(es->env, &resource) != napi_ok ||
	    napi_open_callback_scope(es->env, resource, es->actx, &sc->cs) != napi_ok) {
		napi_close_handle_scope(es->env, sc->hs);
		return false;
	}
	return true;
}

static void js_scope_close(struct env_state *es, struct js_scope *sc)
{
	napi_close_callback_scope(es->env, sc->cs);
	napi_close_handle_scope(es->env, sc->hs);
}

/* The event loop: the waitset's fd is readable, settled waits are ready. */
static void on_readable(uv_poll_t *handle, int status, int events)
{
	struct env_state *es = handle->data;
	struct js_scope sc;
	uint64_t tag;
	int result, ret;

	(void)events;
	if (status < 0 || es->closing)
		return;
	if (!js_scope_open(es, &sc))
		return;
	while ((ret = sabuf_waitset_next(es->ws, &tag, &result, 0)) > 0)
		settle_one(es, tag, result);
	if (ret < 0 && ret != -EINTR && ret != -EAGAIN)
		fprintf(stderr, "sabuf.waitAsync: sabuf_waitset_next: %s\n", strerror(-ret));
	js_scope_close(es, &sc);
}

/* The environment's waitset and its poll handle, made on first use: 0 or -errno. */
static int waitset_get(struct env_state *es)
{
	napi_value name;
	int ret;

	if (es->ws)
		return 0;
	ret = sabuf_waitset_create(&es->ws);
	if (ret < 0) {
		es->ws = NULL;
		return ret;
	}
	es->poll = calloc(1, sizeof(*es->poll));
	if (!es->poll ||
	    napi_create_string_utf8(es->env, "sabuf.waitAsync", NAPI_AUTO_LENGTH, &name) != napi_ok ||
	    napi_async_init(es->env, NULL, name, &es->actx) != napi_ok) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = uv_poll_init(es->loop, es->poll, sabuf_waitset_fd(es->ws));
	if (ret < 0) {
		napi_async_destroy(es->env, es->actx);
		ret = -ret == ENOMEM ? -ENOMEM : -EIO;
		goto fail;
	}
	es->poll->data = es;
	/* ref'ed while something is pending (pending_changed() keeps it so): a
	 * lockAsync counts itself pending before it makes the waitset */
	if (es->npending == 0)
		uv_unref((uv_handle_t *)es->poll);
	ret = uv_poll_start(es->poll, UV_READABLE, on_readable);
	if (ret < 0) {
		uv_close((uv_handle_t *)es->poll, poll_closed);
		es->poll = NULL;
		napi_async_destroy(es->env, es->actx);
		sabuf_waitset_destroy(es->ws);
		es->ws = NULL;
		return -EIO;
	}
	return 0;
fail:
	free(es->poll);
	es->poll = NULL;
	sabuf_waitset_destroy(es->ws);
	es->ws = NULL;
	return ret;
}

/*
 * -> 1 or 2 when sabuf_wait*_async settled it at once, without the kernel
 * ({ async: false, value: "not-equal" | "timed-out" }), else a Promise.
 */
static napi_value js_wait_async(napi_env env, napi_callback_info info)
{
	struct env_state *es;
	struct wait_args w;
	napi_value promise, value;
	uint32_t i;
	int ret;

	CHECK(env, napi_get_instance_data(env, (void **)&es));
	if (!parse_wait(env, info, &w, -1))
		return NULL;
	ret = waitset_get(es);
	if (ret < 0) {
		throw_errno(env, -ret, "sabuf_waitset_create");
		return NULL;
	}
	i = slot_alloc(es);
	if (i == NO_SLOT) {
		napi_throw_error(env, "ENOMEM", "sabuf.waitAsync: out of memory");
		return NULL;
	}
	if (w.is64)
		ret = sabuf_wait64_async(es->ws, w.b->sb, w.addr, w.expected, w.timeout_ns,
					 tag_of(es, i));
	else
		ret = sabuf_wait32_async(es->ws, w.b->sb, w.addr, (int32_t)w.expected,
					 w.timeout_ns, tag_of(es, i));
	if (ret == SABUF_NOT_EQUAL || (ret == SABUF_TIMED_OUT && w.timeout_ns == 0)) {
		/* settled at once: { async: false, value: "not-equal" | "timed-out" } */
		slot_free(es, i);
		return result_int(env, ret);
	}
	if (ret < 0) {
		slot_free(es, i);
		throw_errno(env, -ret, "sabuf_wait_async");
		return NULL;
	}
	if (napi_create_promise(env, &es->slots[i].deferred, &promise) != napi_ok) {
		if (ret == SABUF_PENDING)
			sabuf_waitset_cancel(es->ws, tag_of(es, i));
		es->slots[i].deferred = NULL;
		slot_free(es, i);
		throw_last(env, "napi_create_promise");
		return NULL;
	}
	if (ret != SABUF_PENDING) {
		/* a timeout so short that it had passed when the kernel looked
		 * (ms > 0: Atomics would still return a promise, settled so) */
		if (napi_create_string_utf8(env, "timed-out", NAPI_AUTO_LENGTH, &value) == napi_ok)
			napi_resolve_deferred(env, es->slots[i].deferred, value);
		es->slots[i].deferred = NULL;
		slot_free(es, i);
		return promise;
	}
	es->slots[i].b = w.b;
	buf_get(w.b);
	pending_changed(es, +1);
	return promise;
}

/* ---- Mutex ---------------------------------------------------------------- */

/*
 * sabuf.Mutex: libsabuf's sabuf_mutex_t (robust and error-checking, one
 * 32-bit word) at a byte offset of a buffer, so that C and JavaScript lock
 * the same word. lock(), tryLock(), unlock() and consistent() are the
 * libsabuf calls, made on the calling thread, whose owner id is that
 * thread's (the main thread's, a Worker's), as in C.
 *
 *   mutexLock(h, off)       -> 0 | -errno  (-EOWNERDEAD: held, repair)
 *   mutexTryLock(h, off)    -> 0 | -EBUSY | -errno
 *   mutexUnlock(h, off)     -> 0 | -EPERM | -errno
 *   mutexConsistent(h, off) -> 0 | -EINVAL | -errno
 *   mutexLockAsync(h, off)  -> 0 | -errno, settled at once, or Promise<0 | -errno>
 *   errnoError(errno, syscall) -> an Error with code, errno and syscall
 *
 * lockAsync never blocks the thread. An attempt is sabuf_mutex_timedlock()
 * with a timeout of 0: 0 or -EOWNERDEAD (acquired), -ETIMEDOUT (busy) or
 * -EDEADLK (this thread holds it: an async lock then waits for this
 * thread's unlock, so that several async functions of one thread can take
 * turns). When busy, an asynchronous wait for the value the word holds is
 * queued on the environment's waitset, the one waitAsync uses
 * (sabuf_wait32_async): unlock stores 0 and notifies one waiter whenever
 * the kernel counts one on the word, which settles it, and the loop
 * attempts again. A pending lockAsync is so an ordinary waiter of the
 * word's FIFO queue, in line with C's and every process's lockers.
 *
 * The kernel wakes robust sleepers (blocking lockers) at once when the
 * holder dies, but an asynchronous wait is not one (SABUF_IOC_WAITSET_ADD
 * takes no SABUF_WAIT_ROBUST). So while a lockAsync waits, a timer of the
 * loop attempts again every LOCK_CHECK_MS (the attempt asks the kernel
 * whether the holder is alive), without leaving the queue.
 *
 * The pending lockAsyncs of one environment on one word form a FIFO
 * (struct lockq) of which only the head has a wait in the kernel: an
 * environment's lockAsyncs are served in call order.
 */
#define LOCK_CHECK_MS 100
#define LOCK_BUSY 1
/* The word of a mutex made unusable (SABUF_0.2's layout, lib/robust.h). */
#define MUTEX_NOTRECOVERABLE 0x3fffffff

struct lock_req {
	struct lock_req *next;
	napi_deferred deferred;
};

struct lockq {
	struct lockq *next;		/* es->lockqs */
	struct buf *b;			/* a reference */
	int32_t *word;			/* the sabuf_mutex_t */
	struct lock_req *head, *tail;
	uint32_t slot;			/* the head's wait in the waitset, or NO_SLOT */
};

static sabuf_mutex_t *mutex_at(int32_t *word)
{
	return (sabuf_mutex_t *)(void *)word;	/* a struct of that one int32_t */
}

/* 0 or -EOWNERDEAD: acquired; LOCK_BUSY: wait; else -errno */
static int lock_attempt(struct buf *b, int32_t *word)
{
	int ret = sabuf_mutex_timedlock(b->sb, mutex_at(word), 0);

	if (ret == -ETIMEDOUT || ret == -EDEADLK)
		return LOCK_BUSY;
	return ret;
}

/* Settle the head's promise with result (an int, index.js makes it an Error). */
static void lock_complete(struct env_state *es, struct lockq *lq, int result)
{
	struct lock_req *r = lq->head;
	napi_value v;

	lq->head = r->next;
	if (!lq->head)
		lq->tail = NULL;
	if (napi_create_int32(es->env, result, &v) == napi_ok)
		napi_resolve_deferred(es->env, r->deferred, v);
	free(r);
	pending_changed(es, -1);
}

/* This thread's queue of lockAsync calls on @word of @b, or NULL. */
static struct lockq *lockq_find(struct env_state *es, struct buf *b, int32_t *word)
{
	struct lockq *lq;

	for (lq = es->lockqs; lq; lq = lq->next)
		if (lq->b == b && lq->word == word)
			break;
	return lq;
}

static void lockq_free(struct env_state *es, struct lockq *lq)
{
	struct lockq **pp;

	for (pp = &es->lockqs; *pp; pp = &(*pp)->next) {
		if (*pp == lq) {
			*pp = lq->next;
			break;
		}
	}
	buf_put(lq->b);
	free(lq);
}

static void on_lock_check(uv_timer_t *t);

static void lock_timer_start(struct env_state *es)
{
	if (es->closing)
		return;
	if (!es->lock_timer) {
		es->lock_timer = calloc(1, sizeof(*es->lock_timer));
		if (!es->lock_timer)
			return;		/* then a dead holder is seen at the next unlock only */
		uv_timer_init(es->loop, es->lock_timer);
		es->lock_timer->data = es;
		uv_unref((uv_handle_t *)es->lock_timer);	/* the poll handle holds the loop */
	}
	if (!uv_is_active((uv_handle_t *)es->lock_timer))
		uv_timer_start(es->lock_timer, on_lock_check, LOCK_CHECK_MS, LOCK_CHECK_MS);
}

/* The head is busy: queue its wait in the kernel for the value the word
 * holds. 1: queued; 0: the word changed, attempt again; -errno. */
static int lockq_wait(struct env_state *es, struct lockq *lq)
{
	uint32_t s = (uint32_t)sabuf_load(lq->word), i;
	int ret;

	if (s == 0 || s == MUTEX_NOTRECOVERABLE)
		return 0;			/* released (or ruined) since */
	ret = waitset_get(es);
	if (ret < 0)
		return ret;
	i = slot_alloc(es);
	if (i == NO_SLOT)
		return -ENOMEM;
	es->slots[i].lq = lq;
	ret = sabuf_wait32_async(es->ws, lq->b->sb, lq->word, (int32_t)s, INT64_MAX,
				 tag_of(es, i));
	if (ret == SABUF_PENDING) {
		lq->slot = i;
		lock_timer_start(es);
		return 1;
	}
	slot_free(es, i);
	return ret < 0 ? ret : 0;	/* SABUF_NOT_EQUAL: it changed */
}

/* Serve the head(s) until one waits in the kernel; frees lq when empty. */
static void lockq_run(struct env_state *es, struct lockq *lq)
{
	while (lq->head && lq->slot == NO_SLOT) {
		int ret = lock_attempt(lq->b, lq->word);

		if (ret == LOCK_BUSY) {
			ret = lockq_wait(es, lq);
			if (ret >= 0)
				continue;
		}
		lock_complete(es, lq, ret);
	}
	if (!lq->head)
		lockq_free(es, lq);
}

/* The head's wait left the kernel: forget it (a result that is still to
 * come is ignored: its slot is free). */
static void lockq_unwait(struct env_state *es, struct lockq *lq)
{
	if (lq->slot == NO_SLOT)
		return;
	sabuf_waitset_cancel(es->ws, tag_of(es, lq->slot));
	slot_free(es, lq->slot);
	lq->slot = NO_SLOT;
}

/* A notify (an unlock) picked the head's wait. */
static void lock_woken(struct env_state *es, struct lockq *lq)
{
	slot_free(es, lq->slot);
	lq->slot = NO_SLOT;
	lockq_run(es, lq);
}

/* Every LOCK_CHECK_MS while a lockAsync waits: is the holder dead? */
static void on_lock_check(uv_timer_t *t)
{
	struct env_state *es = t->data;
	struct lockq *lq, *next;
	struct js_scope sc;
	bool opened = false;

	if (es->closing)
		return;
	for (lq = es->lockqs; lq; lq = next) {
		int ret;

		next = lq->next;
		if (lq->slot == NO_SLOT)
			continue;
		ret = lock_attempt(lq->b, lq->word);
		if (ret == LOCK_BUSY)
			continue;		/* alive: stay in the queue */
		if (!opened && !(opened = js_scope_open(es, &sc)))
			return;
		/* acquired (from a dead holder, or just released), or an error */
		lockq_unwait(es, lq);
		lock_complete(es, lq, ret);
		lockq_run(es, lq);
	}
	for (lq = es->lockqs; lq; lq = lq->next)
		if (lq->slot != NO_SLOT)
			break;
	if (!lq)
		uv_timer_stop(t);
	if (opened)
		js_scope_close(es, &sc);
}

/* (h, off): the mutex's buffer and word; index.js checked off. */
static napi_value parse_mutex(napi_env env, napi_callback_info info, struct buf **b,
			      int32_t **word)
{
	napi_value argv[2];
	int64_t off;

	if (!get_args(env, info, 2, argv) || !(*b = handle_of(env, argv[0])))
		return NULL;
	CHECK(env, napi_get_value_int64(env, argv[1], &off));
	if (off < 0 || (uint64_t)off + sizeof(sabuf_mutex_t) > (*b)->len ||
	    off % _Alignof(sabuf_mutex_t)) {
		napi_throw_range_error(env, NULL, "sabuf: mutex index out of range");
		return NULL;
	}
	*word = (int32_t *)(void *)((*b)->base + off);
	return argv[0];
}

static napi_value js_mutex_lock(napi_env env, napi_callback_info info)
{
	struct env_state *es;
	struct lockq *lq;
	struct buf *b;
	int32_t *word;
	int ret;

	CHECK(env, napi_get_instance_data(env, (void **)&es));
	if (!parse_mutex(env, info, &b, &word))
		return NULL;
	lq = lockq_find(es, b, word);
	/* This thread's own lockAsyncs on the word cannot run while it
	 * sleeps here: take their wait out of the queue, lest an unlock pick it. */
	if (lq)
		lockq_unwait(es, lq);
	ret = sabuf_mutex_lock(b->sb, mutex_at(word));
	if (lq)
		lockq_run(es, lq);
	return result_int(env, ret);
}

/* trylock, unlock, consistent: parse, call @op on this thread, its result. */
static napi_value mutex_call(napi_env env, napi_callback_info info,
			     int (*op)(struct sabuf *, sabuf_mutex_t *))
{
	struct buf *b;
	int32_t *word;

	if (!parse_mutex(env, info, &b, &word))
		return NULL;
	return result_int(env, op(b->sb, mutex_at(word)));
}

static napi_value js_mutex_trylock(napi_env env, napi_callback_info info)
{
	return mutex_call(env, info, sabuf_mutex_trylock);
}

static napi_value js_mutex_unlock(napi_env env, napi_callback_info info)
{
	return mutex_call(env, info, sabuf_mutex_unlock);
}

static napi_value js_mutex_consistent(napi_env env, napi_callback_info info)
{
	return mutex_call(env, info, sabuf_mutex_consistent);
}

static napi_value js_mutex_lock_async(napi_env env, napi_callback_info info)
{
	struct env_state *es;
	struct lock_req *r;
	struct lockq *lq;
	napi_value promise;
	struct buf *b;
	int32_t *word;
	int ret;

	CHECK(env, napi_get_instance_data(env, (void **)&es));
	if (!parse_mutex(env, info, &b, &word))
		return NULL;
	lq = lockq_find(es, b, word);
	if (!lq) {
		/* nothing of this thread's ahead: take it now if it can be */
		ret = lock_attempt(b, word);
		if (ret != LOCK_BUSY)
			return result_int(env, ret);
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return result_int(env, -ENOMEM);
	if (napi_create_promise(env, &r->deferred, &promise) != napi_ok) {
		free(r);
		throw_last(env, "napi_create_promise");
		return NULL;
	}
	if (!lq) {
		lq = calloc(1, sizeof(*lq));
		if (!lq) {
			napi_value v;

			if (napi_create_int32(env, -ENOMEM, &v) == napi_ok)
				napi_resolve_deferred(env, r->deferred, v);
			free(r);
			return promise;
		}
		lq->b = b;
		buf_get(b);
		lq->word = word;
		lq->slot = NO_SLOT;
		lq->next = es->lockqs;
		es->lockqs = lq;
	}
	if (lq->tail)
		lq->tail->next = r;
	else
		lq->head = r;
	lq->tail = r;
	pending_changed(es, +1);
	if (lq->head == r && lq->slot == NO_SLOT) {
		/* the attempt above found it busy: wait (or attempt again) */
		ret = lockq_wait(es, lq);
		if (ret < 0)
			lock_complete(es, lq, ret);
		if (ret <= 0)
			lockq_run(es, lq);
	}
	return promise;
}

/* errnoError(errno, syscall): the Error index.js throws for a mutex call. */
static napi_value js_errno_error(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	char syscall[64];
	int32_t err;
	size_t len;

	if (!get_args(env, info, 2, argv))
		return NULL;
	CHECK(env, napi_get_value_int32(env, argv[0], &err));
	CHECK(env, napi_get_value_string_utf8(env, argv[1], syscall, sizeof(syscall), &len));
	return errno_error(env, err, syscall);
}

/* The environment is going away: its lockAsyncs leave the queues. */
static void lockqs_cleanup(struct env_state *es)
{
	struct lockq *lq, *next;

	for (lq = es->lockqs; lq; lq = next) {
		next = lq->next;
		if (lq->slot != NO_SLOT && es->ws &&
		    sabuf_waitset_cancel(es->ws, tag_of(es, lq->slot)) == -ENOENT) {
			/* an unlock picked this wait, for nothing now: pass its
			 * wake-up on, lest the next locker sleep on */
			int ret = sabuf_notify(lq->b->sb, lq->word, 1);

			(void)ret;
		}
		while (lq->head) {
			struct lock_req *r = lq->head;

			lq->head = r->next;
			free(r);
		}
		buf_put(lq->b);
		free(lq);
	}
	es->lockqs = NULL;
	if (es->lock_timer) {
		uv_timer_stop(es->lock_timer);
		uv_close((uv_handle_t *)es->lock_timer, poll_closed);
		es->lock_timer = NULL;
	}
}

/* The environment (the main thread's or a Worker's) is going away: its
 * waits leave the kernel's queues unwoken (the waitset's last close cancels
 * them), its promises are dropped unsettled. */
static void env_cleanup(void *arg)
{
	struct env_state *es = arg;

	es->closing = true;
	lockqs_cleanup(es);
	if (es->poll) {
		uv_poll_stop(es->poll);
		uv_close((uv_handle_t *)es->poll, poll_closed);
		es->poll = NULL;
		napi_async_destroy(es->env, es->actx);
	}
	sabuf_waitset_destroy(es->ws);
	es->ws = NULL;
	for (uint32_t i = 0; i < es->nslots; i++)
		if (es->slots[i].b)
			buf_put(es->slots[i].b);
	free(es->slots);
	free(es);
}

/* ---- named buffers ------------------------------------------------------- */

/* A JavaScript string as a malloc'ed UTF-8 C string (index.js ruled out NUL), or NULL. */
static char *string_arg(napi_env env, napi_value v)
{
	size_t len, got;
	char *s;

	if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "sabuf: name must be a string");
		return NULL;
	}
	s = malloc(len + 1);
	if (!s) {
		napi_throw_error(env, "ENOMEM", "sabuf: out of memory");
		return NULL;
	}
	if (napi_get_value_string_utf8(env, v, s, len + 1, &got) != napi_ok) {
		free(s);
		throw_last(env, "napi_get_value_string_utf8");
		return NULL;
	}
	return s;
}

/* open(name, create, exclusive, mode, byteLength): index.js checked the types. */
static napi_value js_open(napi_env env, napi_callback_info info)
{
	napi_value argv[5];
	bool create, exclusive;
	struct sabuf *sb;
	int32_t mode;
	double len;
	char *name;
	int ret;

	if (!get_args(env, info, 5, argv))
		return NULL;
	CHECK(env, napi_get_value_bool(env, argv[1], &create));
	CHECK(env, napi_get_value_bool(env, argv[2], &exclusive));
	CHECK(env, napi_get_value_int32(env, argv[3], &mode));
	CHECK(env, napi_get_value_double(env, argv[4], &len));
	if (!(len >= 0) || len > (double)SIZE_MAX) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "sabuf.open: bad byteLength");
		return NULL;
	}
	name = string_arg(env, argv[0]);
	if (!name)
		return NULL;
	/* read-write always: a store through a read-only mapping would kill the process */
	ret = sabuf_open(name, O_RDWR | (create ? O_CREAT : 0) | (exclusive ? O_EXCL : 0),
			 (mode_t)mode, (size_t)len, &sb);
	free(name);
	if (ret < 0) {
		throw_errno(env, -ret, "sabuf_open");
		return NULL;
	}
	return sab_of(env, sb);
}

static napi_value js_unlink(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	char *name;
	int ret;

	if (!get_args(env, info, 1, argv))
		return NULL;
	name = string_arg(env, argv[0]);
	if (!name)
		return NULL;
	ret = sabuf_unlink(name);
	free(name);
	if (ret < 0) {
		throw_errno(env, -ret, "sabuf_unlink");
		return NULL;
	}
	return NULL;
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
		{ "open", js_open },
		{ "unlink", js_unlink },
		{ "mutexLock", js_mutex_lock },
		{ "mutexTryLock", js_mutex_trylock },
		{ "mutexUnlock", js_mutex_unlock },
		{ "mutexConsistent", js_mutex_consistent },
		{ "mutexLockAsync", js_mutex_lock_async },
		{ "errnoError", js_errno_error },
	};
	struct env_state *es = calloc(1, sizeof(*es));

	if (!es) {
		napi_throw_error(env, "ENOMEM", "sabuf: out of memory");
		return NULL;
	}
	es->env = env;
	es->free_head = NO_SLOT;
	if (napi_get_uv_event_loop(env, &es->loop) != napi_ok) {
		free(es);
		throw_last(env, "napi_get_uv_event_loop");
		return NULL;
	}
	CHECK(env, napi_set_instance_data(env, es, NULL, NULL));
	CHECK(env, napi_add_env_cleanup_hook(env, env_cleanup, es));

	/* errno values index.js needs and os.constants.errno lacks (EOWNERDEAD) */
	static const struct {
		const char *name;
		int value;
	} errnos[] = {
		{ "EOWNERDEAD", EOWNERDEAD },
		{ "ENOTRECOVERABLE", ENOTRECOVERABLE },
		{ "EBUSY", EBUSY },
	};
	napi_value table;

	CHECK(env, napi_create_object(env, &table));
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		napi_value v;

		CHECK(env, napi_create_int32(env, errnos[i].value, &v));
		CHECK(env, napi_set_named_property(env, table, errnos[i].name, v));
	}
	CHECK(env, napi_set_named_property(env, exports, "errnos", table));

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		napi_value f;

		CHECK(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn,
						NULL, &f));
		CHECK(env, napi_set_named_property(env, exports, fns[i].name, f));
	}
	return exports;
}
