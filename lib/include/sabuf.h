/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sabuf.h>: SharedArrayBuffer and Atomics for C on Linux.
 *
 * A buffer is a fixed-length, zero-filled run of shared pages that comes
 * from /dev/sabuf. Threads share it by sharing the handle; processes share
 * it by sharing the file descriptor (fork, SCM_RIGHTS through sabuf_send()
 * and sabuf_recv(), pidfd_getfd). Atomics work directly on the mapping and
 * never enter the kernel; only sleeping (sabuf_wait32/64) and waking
 * sleepers (sabuf_notify) do, and each skips the system call when it can.
 *
 * Conventions: functions that can fail return a negative errno value
 * (-EINVAL, -ERANGE, ...); the errno global is never needed. Timeouts are
 * relative nanoseconds on CLOCK_MONOTONIC; a negative timeout waits forever.
 *
 * This header compiles as C11 (the atomics are _Generic macros) and as
 * C++11 or later (the atomics are function templates).
 */
#ifndef SABUF_H
#define SABUF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#define SABUF_VERSION_MAJOR	0
#define SABUF_VERSION_MINOR	2

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Buffers ----------------------------------------------------------- */

struct sabuf;	/* opaque: one mapping of one buffer, and its own fd */

int    sabuf_create(size_t byte_length, struct sabuf **out);
/* ES2024's new SharedArrayBuffer(len, { maxByteLength }) */
int    sabuf_create_growable(size_t byte_length, size_t max_byte_length,
			     struct sabuf **out);
int    sabuf_attach(int fd, struct sabuf **out);	/* dups fd */
void   sabuf_destroy(struct sabuf *sb);		/* unmap, close; NULL is fine */
void  *sabuf_data(const struct sabuf *sb);		/* never moves, even as it grows */
size_t sabuf_byte_length(const struct sabuf *sb);	/* current length, as grown by anyone */
size_t sabuf_max_byte_length(const struct sabuf *sb);	/* == byte_length when not growable */
bool   sabuf_is_growable(const struct sabuf *sb);
int    sabuf_grow(struct sabuf *sb, size_t new_byte_length);
int    sabuf_fd(const struct sabuf *sb);
/* a new fd (close-on-exec) of the same buffer, for read-only use */
int    sabuf_dup_readonly(const struct sabuf *sb);
bool   sabuf_is_readonly(const struct sabuf *sb);

/* C's postMessage(): pass a buffer over an AF_UNIX socket (SCM_RIGHTS). */
int    sabuf_send(int unix_socket, const struct sabuf *sb);
int    sabuf_recv(int unix_socket, struct sabuf **out);

/* ---- Wait and notify --------------------------------------------------- */

enum {
	SABUF_OK = 0,		/* woken by sabuf_notify()       ("ok")        */
	SABUF_NOT_EQUAL = 1,	/* *addr != expected at the call ("not-equal") */
	SABUF_TIMED_OUT = 2,	/* the timeout passed first      ("timed-out") */
};

#define SABUF_FOREVER	(-1)		/* any negative timeout waits forever */
#define SABUF_ALL	UINT_MAX	/* sabuf_notify() count: every waiter */

int sabuf_wait32(struct sabuf *sb, const int32_t *addr, int32_t expected,
		 int64_t timeout_ns);
int sabuf_wait64(struct sabuf *sb, const int64_t *addr, int64_t expected,
		 int64_t timeout_ns);
int sabuf_notify(struct sabuf *sb, const void *addr, unsigned int count);

/* true when atomics on n-byte integers never take a lock (1, 2, 4, 8 here) */
bool sabuf_is_lock_free(size_t n);

/* ---- Synchronization objects -------------------------------------------
 *
 * Plain structs that live inside a buffer. A zero-filled one is ready to
 * use: an unlocked mutex, a condition variable, a semaphore at 0, a barrier
 * for one party. They work between threads and processes alike. Their
 * fields are private (the layout is part of the SABUF_0.1 ABI, so
 * processes built against the same major version interoperate).
 */
/*
 * sabuf_mutex_t is robust and error-checking (sabuf_mutex_lock(3)). Its
 * word names the holder by a kernel-issued owner id: this is the layout of
 * SABUF_0.2 (libsabuf 0.2, whose mutex and condition variable functions
 * carry that symbol version). Every process sharing a mutex must use it;
 * a program linked against 0.1's sabuf_mutex_* (SABUF_0.1, a word of
 * 0/1/2) refuses to load instead of corrupting it.
 */
typedef struct sabuf_mutex {
	int32_t state;		/* 0 unlocked; else owner id and flags */
} sabuf_mutex_t;

typedef struct sabuf_cond {
	int32_t seq;		/* bumped by every signal and broadcast */
} sabuf_cond_t;

typedef struct sabuf_sem {
	int32_t count;		/* tokens available, never negative */
	int32_t waiters;	/* callers between "count is 0" and sleeping */
} sabuf_sem_t;

typedef struct sabuf_barrier {
	int32_t parties;	/* callers a round needs; 0 means 1 */
	int32_t arrived;	/* callers in the current round so far */
	int32_t generation;	/* rounds completed (wraps) */
} sabuf_barrier_t;

#define SABUF_BARRIER_SERIAL	1	/* sabuf_barrier_wait(): the one caller a round */

int sabuf_mutex_lock(struct sabuf *sb, sabuf_mutex_t *mutex);
int sabuf_mutex_trylock(struct sabuf *sb, sabuf_mutex_t *mutex);
int sabuf_mutex_timedlock(struct sabuf *sb, sabuf_mutex_t *mutex,
			  int64_t timeout_ns);
int sabuf_mutex_unlock(struct sabuf *sb, sabuf_mutex_t *mutex);
/* after -EOWNERDEAD: the data is repaired; 0, or -EINVAL */
int sabuf_mutex_consistent(struct sabuf *sb, sabuf_mutex_t *mutex);

int sabuf_cond_wait(struct sabuf *sb, sabuf_cond_t *cond, sabuf_mutex_t *mutex);
int sabuf_cond_timedwait(struct sabuf *sb, sabuf_cond_t *cond,
			 sabuf_mutex_t *mutex, int64_t timeout_ns);
int sabuf_cond_signal(struct sabuf *sb, sabuf_cond_t *cond);
int sabuf_cond_broadcast(struct sabuf *sb, sabuf_cond_t *cond);

int sabuf_sem_init(struct sabuf *sb, sabuf_sem_t *sem, unsigned int value);
int sabuf_sem_wait(struct sabuf *sb, sabuf_sem_t *sem);
int sabuf_sem_trywait(struct sabuf *sb, sabuf_sem_t *sem);
int sabuf_sem_timedwait(struct sabuf *sb, sabuf_sem_t *sem, int64_t timeout_ns);
int sabuf_sem_post(struct sabuf *sb, sabuf_sem_t *sem);

int sabuf_barrier_init(struct sabuf *sb, sabuf_barrier_t *barrier,
		       unsigned int parties);
int sabuf_barrier_wait(struct sabuf *sb, sabuf_barrier_t *barrier);

#ifdef __cplusplus
} /* extern "C" */
#endif

/* ---- Atomics -------------------------------------------------------------
 *
 * Type-generic over pointers to 8, 16, 32 and 64-bit signed and unsigned
 * integers (char, signed char, unsigned char, short, int, long, long long
 * and their unsigned forms, hence every intN_t and uintN_t). All are
 * sequentially consistent, inline, and never enter the kernel. A pointer
 * to anything else (float, double, bool, a struct) does not compile.
 *
 *   sabuf_load(p)                             -> *p
 *   sabuf_store(p, v)                         -> v (as the type of *p)
 *   sabuf_add/sub/and/or/xor(p, v)            -> the old value
 *   sabuf_exchange(p, v)                      -> the old value
 *   sabuf_compare_exchange(p, expected, repl) -> the old value; repl was
 *                                                stored iff old == expected
 */
#ifndef __cplusplus

#define SABUF_ATOMIC_OPS_(name, T)						\
static inline T sabuf_load_##name##_(const volatile T *p)			\
{ return __atomic_load_n(p, __ATOMIC_SEQ_CST); }				\
static inline T sabuf_store_##name##_(volatile T *p, T v)			\
{ __atomic_store_n(p, v, __ATOMIC_SEQ_CST); return v; }			\
static inline T sabuf_add_##name##_(volatile T *p, T v)			\
{ return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }			\
static inline T sabuf_sub_##name##_(volatile T *p, T v)			\
{ return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST); }			\
static inline T sabuf_and_##name##_(volatile T *p, T v)			\
{ return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); }			\
static inline T sabuf_or_##name##_(volatile T *p, T v)			\
{ return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); }			\
static inline T sabuf_xor_##name##_(volatile T *p, T v)			\
{ return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST); }			\
static inline T sabuf_exchange_##name##_(volatile T *p, T v)			\
{ return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }			\
static inline T sabuf_compare_exchange_##name##_(volatile T *p, T expected,	\
						 T replacement)		\
{										\
	/* on failure the builtin writes the current value into expected */	\
	__atomic_compare_exchange_n(p, &expected, replacement, 0,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	return expected;							\
}

/*
 * One set per distinct C type: plain char is its own type (neither signed
 * char nor unsigned char), and long and long long are distinct even where
 * both are 64 bits wide, so int64_t and long long both select.
 */
SABUF_ATOMIC_OPS_(char, char)
SABUF_ATOMIC_OPS_(schar, signed char)
SABUF_ATOMIC_OPS_(uchar, unsigned char)
SABUF_ATOMIC_OPS_(short, short)
SABUF_ATOMIC_OPS_(ushort, unsigned short)
SABUF_ATOMIC_OPS_(int, int)
SABUF_ATOMIC_OPS_(uint, unsigned int)
SABUF_ATOMIC_OPS_(long, long)
SABUF_ATOMIC_OPS_(ulong, unsigned long)
SABUF_ATOMIC_OPS_(llong, long long)
SABUF_ATOMIC_OPS_(ullong, unsigned long long)

/*
 * The controlling expression is *(p), which C11 (DR 481) converts as an
 * rvalue: const and volatile drop, so pointers to qualified integers select
 * too (and storing through a pointer to const still fails to compile). A
 * type with no association (float, double, _Bool, ...) is a compile error.
 */
#define SABUF_SELECT_(op, p) _Generic(*(p),					\
	char:			sabuf_##op##_char_,				\
	signed char:		sabuf_##op##_schar_,				\
	unsigned char:		sabuf_##op##_uchar_,				\
	short:			sabuf_##op##_short_,				\
	unsigned short:		sabuf_##op##_ushort_,				\
	int:			sabuf_##op##_int_,				\
	unsigned int:		sabuf_##op##_uint_,				\
	long:			sabuf_##op##_long_,				\
	unsigned long:		sabuf_##op##_ulong_,				\
	long long:		sabuf_##op##_llong_,				\
	unsigned long long:	sabuf_##op##_ullong_)

#define sabuf_load(p)		SABUF_SELECT_(load, p)(p)
#define sabuf_store(p, v)	SABUF_SELECT_(store, p)((p), (v))
#define sabuf_add(p, v)		SABUF_SELECT_(add, p)((p), (v))
#define sabuf_sub(p, v)		SABUF_SELECT_(sub, p)((p), (v))
#define sabuf_and(p, v)		SABUF_SELECT_(and, p)((p), (v))
#define sabuf_or(p, v)		SABUF_SELECT_(or, p)((p), (v))
#define sabuf_xor(p, v)		SABUF_SELECT_(xor, p)((p), (v))
#define sabuf_exchange(p, v)	SABUF_SELECT_(exchange, p)((p), (v))
#define sabuf_compare_exchange(p, expected, replacement) \
	SABUF_SELECT_(compare_exchange, p)((p), (expected), (replacement))

#else /* __cplusplus */

#include <type_traits>

/* The C++ spelling: the same names as function templates. */
template <typename T> struct sabuf_atomic_integer {
	static const bool value = std::is_integral<T>::value &&
				  !std::is_same<T, bool>::value &&
				  (sizeof(T) == 1 || sizeof(T) == 2 ||
				   sizeof(T) == 4 || sizeof(T) == 8);
};

/* keeps v out of template deduction, so sabuf_add(p8, 1) converts 1 to int8_t */
template <typename T> struct sabuf_same_type { typedef T type; };

#define SABUF_CHECK_TYPE_(T)							\
	static_assert(sabuf_atomic_integer<T>::value,				\
		      "sabuf atomics take a pointer to an 8, 16, 32 or "	\
		      "64-bit integer")

template <typename T> inline T sabuf_load(const volatile T *p)
{ SABUF_CHECK_TYPE_(T); return __atomic_load_n(p, __ATOMIC_SEQ_CST); }

template <typename T>
inline T sabuf_store(volatile T *p, typename sabuf_same_type<T>::type v)
{ SABUF_CHECK_TYPE_(T); __atomic_store_n(p, v, __ATOMIC_SEQ_CST); return v; }

template <typename T>
inline T sabuf_add(volatile T *p, typename sabuf_same_type<T>::type v)
{ SABUF_CHECK_TYPE_(T); return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

template <typename T>
inline T sabuf_sub(volatile T *p, typename sabuf_same_type<T>::type v)
{ SABUF_CHECK_TYPE_(T); return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST); }

template <typename T>
inline T sabuf_and(volatile T *p, typename sabuf_same_type<T>::type v)
{ SABUF_CHECK_TYPE_(T); return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); }

template <typename T>
inline T sabuf_or(volatile T *p, typename sabuf_same_type<T>::type v)
{ SABUF_CHECK_TYPE_(T); return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); }

template <typename T>
inline T sabuf_xor(volatile T *p, typename sabuf_same_type<T>::type v)
{ SABUF_CHECK_TYPE_(T); return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST); }

template <typename T>
inline T sabuf_exchange(volatile T *p, typename sabuf_same_type<T>::type v)
{ SABUF_CHECK_TYPE_(T); return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }

template <typename T>
inline T sabuf_compare_exchange(volatile T *p,
				typename sabuf_same_type<T>::type expected,
				typename sabuf_same_type<T>::type replacement)
{
	SABUF_CHECK_TYPE_(T);
	/* on failure the builtin writes the current value into expected */
	__atomic_compare_exchange_n(p, &expected, replacement, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return expected;
}

#undef SABUF_CHECK_TYPE_

#endif /* __cplusplus */

#endif /* SABUF_H */
