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
struct slot {
	napi_deferred deferred;		/* NULL: free */
	struct buf *b;			/* a reference, while pending */
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
	unsigned int npending;
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
	s->next_free = es->free_head;
	es->free_head = i;
}

static uint64_t tag_of(struct env_state *es, uint32_t i)
{
	return (uint64_t)es->slots[i].gen << 32 | i;
}

static void settle_one(struct env_state *es, uint64_t tag, int result)
{
	uint32_t i = (uint32_t)tag;
	struct slot *s;
	napi_value value;
	const char *str;

	if (i >= es->nslots)
		return;
	s = &es->slots[i];
	if (!s->deferred || s->gen != (uint32_t)(tag >> 32))
		return;			/* not ours (any more) */
	/* a promise of waitAsync settles "ok" or "timed-out" only */
	str = result == SABUF_TIMED_OUT ? "timed-out" : "ok";
	if (napi_create_string_utf8(es->env, str, NAPI_AUTO_LENGTH, &value) == napi_ok)
		napi_resolve_deferred(es->env, s->deferred, value);
	slot_free(es, i);
	pending_changed(es, -1);
}

/* The event loop: the waitset's fd is readable, settled waits are ready. */
static void on_readable(uv_poll_t *handle, int status, int events)
{
	struct env_state *es = handle->data;
	napi_handle_scope hs;
	napi_callback_scope cs;
	napi_value resource;
	uint64_t tag;
	int result, ret;

	(void)events;
	if (status < 0 || es->closing)
		return;
	if (napi_open_handle_scope(es->env, &hs) != napi_ok)
		return;
	/* Resolving runs nothing yet: the promise reactions (and process.nextTick
	 * callbacks) run as this callback scope closes, as after any callback. */
	if (napi_create_object(es->env, &resource) != napi_ok ||
	    napi_open_callback_scope(es->env, resource, es->actx, &cs) != napi_ok) {
		napi_close_handle_scope(es->env, hs);
		return;
	}
	while ((ret = sabuf_waitset_next(es->ws, &tag, &result, 0)) > 0)
		settle_one(es, tag, result);
	if (ret < 0 && ret != -EINTR && ret != -EAGAIN)
		fprintf(stderr, "sabuf.waitAsync: sabuf_waitset_next: %s\n", strerror(-ret));
	napi_close_callback_scope(es->env, cs);
	napi_close_handle_scope(es->env, hs);
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
	uv_unref((uv_handle_t *)es->poll);	/* pending_changed() refs it */
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

/* The environment (the main thread's or a Worker's) is going away: its
 * waits leave the kernel's queues unwoken (the waitset's last close cancels
 * them), its promises are dropped unsettled. */
static void env_cleanup(void *arg)
{
	struct env_state *es = arg;

	es->closing = true;
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

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		napi_value f;

		CHECK(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn,
						NULL, &f));
		CHECK(env, napi_set_named_property(env, exports, fns[i].name, f));
	}
	return exports;
}
