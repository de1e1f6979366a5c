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
 * (-EINVAL, -ERANGE, ...); the errno global is never needed.
 *
 * Timeouts (changed in 0.2): relative nanoseconds on CLOCK_MONOTONIC.
 * SABUF_FOREVER (INT64_MAX) waits forever. A timeout <= 0 never sleeps,
 * as a negative timeout in ECMAScript's Atomics.wait behaves as 0: a wait
 * returns SABUF_NOT_EQUAL or SABUF_TIMED_OUT at once, a timed lock or
 * semaphore wait that cannot succeed at once returns -ETIMEDOUT, and a
 * timed condition wait returns -ETIMEDOUT at once (the mutex stays
 * held). (In 0.1 a
 * negative timeout waited forever; a "deadline - now" that came out
 * negative hung. Programs built against 0.1 keep that meaning: they are
 * bound to the SABUF_0.1 versions of the timed calls, new ones to
 * SABUF_0.2.) Every timed call also has a _clock form that takes an
 * absolute deadline on CLOCK_MONOTONIC or CLOCK_REALTIME, as
 * pthread_cond_clockwait() does; the deadline holds across signal handlers
 * and retries.
 *
 * Cancellation: the calls that can block on other threads are thread
 * cancellation points, as sem_wait() is: sabuf_wait32/64 and their _clock
 * forms, sabuf_sem_wait/timedwait/clockwait, sabuf_cond_wait/timedwait/
 * clockwait (cancelled with the mutex re-held, as pthread_cond_wait()).
 * sabuf_mutex_*lock and sabuf_barrier_wait are not, as their pthread
 * counterparts are not.
 *
 * This header compiles as C11 or later (the atomics and the waits are
 * _Generic macros) and as C++11 or later (function templates and
 * overloads), warning-free under -Wall -Wextra.
 */
#ifndef SABUF_H
#define SABUF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>	/* clockid_t */
#include <time.h>	/* struct timespec, CLOCK_MONOTONIC, CLOCK_REALTIME */
#ifndef __cplusplus
#include <stdbool.h>
#endif

#define SABUF_VERSION_MAJOR	0
#define SABUF_VERSION_MINOR	2

/*
 * The calls whose result changes what the caller must do next (a lock or
 * condition wait can return -EOWNERDEAD: the caller then holds the mutex
 * and must repair the data) warn when it is ignored. GCC warns even
 * through a (void) cast: test the result.
 */
#if defined(__GNUC__) || defined(__clang__)
#define SABUF_MUST_CHECK_	__attribute__((warn_unused_result))
#else
#define SABUF_MUST_CHECK_
#endif

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

/*
 * Named buffers (0.3): unrelated processes meet by name, as with shm_open.
 * oflag: O_RDONLY or O_RDWR, optionally O_CREAT and O_EXCL. A new buffer
 * is zero-filled, byte_length long, owned by the caller's effective uid
 * and gid, with permission bits mode & ~umask; names live in the caller's
 * IPC namespace until sabuf_unlink. See sabuf_open(3), sabuf_unlink(3).
 */
int    sabuf_open(const char *name, int oflag, mode_t mode, size_t byte_length,
		  struct sabuf **out);
int    sabuf_unlink(const char *name);

/* ---- Wait and notify --------------------------------------------------- */

/* What sabuf_wait32/64 return (negative values are -errno). In C++ the
 * type is int, so results compare with ints without conversions. */
enum sabuf_wait_result
#ifdef __cplusplus
	: int
#endif
{
	SABUF_OK = 0,		/* woken by sabuf_notify()       ("ok")        */
	SABUF_NOT_EQUAL = 1,	/* *addr != expected at the call ("not-equal") */
	SABUF_TIMED_OUT = 2,	/* the timeout passed first      ("timed-out") */
	SABUF_PENDING = 3	/* an asynchronous wait is queued (waitAsync)  */
};

#define SABUF_FOREVER	INT64_MAX	/* timeout: wait forever; <= 0: never sleep */
#define SABUF_ALL	UINT_MAX	/* sabuf_notify() count: every waiter */

/*
 * Sleep while *addr == expected, until a sabuf_notify() picks the caller
 * (SABUF_OK), the word differs at the call (SABUF_NOT_EQUAL, no system
 * call) or the timeout passes (SABUF_TIMED_OUT); -EINVAL misaligned,
 * -ERANGE outside the buffer, -EINTR for a handler without SA_RESTART.
 *
 * In C and C++ these names also accept a pointer to any integer type of
 * the word's width, qualified or not: int, unsigned int, long long,
 * unsigned long long, long and unsigned long where they have that width,
 * volatile and _Atomic ones (std::atomic<T> in C++); any other pointer
 * does not compile. The functions themselves have exactly the signatures
 * below (take their address as &sabuf_wait32 as usual).
 */
int sabuf_wait32(struct sabuf *sb, const int32_t *addr, int32_t expected,
		 int64_t timeout_ns);
int sabuf_wait64(struct sabuf *sb, const int64_t *addr, int64_t expected,
		 int64_t timeout_ns);
/* The same with an absolute deadline on clock (CLOCK_MONOTONIC or
 * CLOCK_REALTIME); -EINVAL for another clock or tv_nsec outside
 * [0, 999999999]. A deadline already passed never sleeps. */
int sabuf_wait32_clock(struct sabuf *sb, const int32_t *addr, int32_t expected,
		       clockid_t clock, const struct timespec *abstime);
int sabuf_wait64_clock(struct sabuf *sb, const int64_t *addr, int64_t expected,
		       clockid_t clock, const struct timespec *abstime);
int sabuf_notify(struct sabuf *sb, const void *addr, unsigned int count);

/*
 * Wait on any of n (1..SABUF_WAIT_ANY_MAX) words, 32- or 64-bit, in any
 * buffers: SABUF_OK with *which = the item whose notify woke the caller
 * (that notify counted it, no other does); SABUF_NOT_EQUAL with *which =
 * the lowest item whose word already differs; SABUF_TIMED_OUT; -errno.
 */
#ifndef SABUF_WAIT_ANY_MAX
#define SABUF_WAIT_ANY_MAX 128
#endif
struct sabuf_wait_item {
	struct sabuf *sb;	/* the buffer holding the word: items may mix buffers */
	const void   *addr;	/* a naturally aligned word in it */
	int64_t       expected;	/* for size 4: an int32_t value */
	unsigned int  size;	/* 4 or 8 */
};
int sabuf_wait_any(const struct sabuf_wait_item *items, unsigned int n,
		   int64_t timeout_ns, unsigned int *which);
/* The same with an absolute deadline on clock, as sabuf_wait32_clock. */
int sabuf_wait_any_clock(const struct sabuf_wait_item *items, unsigned int n,
			 clockid_t clock, const struct timespec *abstime, unsigned int *which);

/*
 * Notify up to count waiters of notify_addr, then wait as sabuf_wait32/64
 * on wait_addr, in one system call (request/response handoff); returns the
 * wait's result. A signal handler ends it with -EINTR (it cannot restart
 * without notifying twice). -EBADF on a read-only handle.
 */
int sabuf_notify_wait32(struct sabuf *sb, const void *notify_addr, unsigned int count,
			const int32_t *wait_addr, int32_t expected, int64_t timeout_ns);
int sabuf_notify_wait64(struct sabuf *sb, const void *notify_addr, unsigned int count,
			const int64_t *wait_addr, int64_t expected, int64_t timeout_ns);
/* The same with an absolute deadline on clock, as sabuf_wait32_clock. */
int sabuf_notify_wait32_clock(struct sabuf *sb, const void *notify_addr, unsigned int count,
			      const int32_t *wait_addr, int32_t expected, clockid_t clock,
			      const struct timespec *abstime);
int sabuf_notify_wait64_clock(struct sabuf *sb, const void *notify_addr, unsigned int count,
			      const int64_t *wait_addr, int64_t expected, clockid_t clock,
			      const struct timespec *abstime);

/*
 * Asynchronous waits (Atomics.waitAsync), delivered through a waitset: a
 * file descriptor that poll/select/epoll report readable while a settled
 * wait is ready. sabuf_wait*_async() settles at once when it can
 * (SABUF_NOT_EQUAL: the word differs; SABUF_TIMED_OUT: timeout_ns <= 0;
 * no system call), else queues the wait and returns SABUF_PENDING; -errno
 * as sabuf_wait*. A pending wait is an ordinary waiter of its index (same
 * FIFO queue as blocking waiters, counted by sabuf_notify() the same way),
 * settled exactly once: SABUF_OK when a notify picked it, SABUF_TIMED_OUT
 * when its timeout passed (a kernel timer). Tags are the caller's and
 * need not be unique.
 *
 * sabuf_waitset_next(): 1 with the next settled wait's tag and result, 0
 * when none settled within timeout_ns (<= 0: do not block; SABUF_FOREVER),
 * -errno (-EINTR: a signal handler ran). It takes one result from the
 * kernel per call, so the fd stays readable while any is unclaimed.
 * The _clock forms take an absolute deadline on clock (CLOCK_MONOTONIC or
 * CLOCK_REALTIME), as sabuf_wait32_clock. sabuf_waitset_cancel(): 0 when a
 * pending wait with that tag (the oldest) was removed before anything
 * settled it (it is never reported, no notify counted it); -ENOENT when
 * none is pending (a settled one's result comes from next()).
 * sabuf_waitset_destroy() closes the fd: the last close of the waitset
 * (fork shares it) cancels what is pending. All calls are thread-safe.
 */
struct sabuf_waitset;
int  sabuf_waitset_create(struct sabuf_waitset **out);
void sabuf_waitset_destroy(struct sabuf_waitset *ws);
int  sabuf_waitset_fd(const struct sabuf_waitset *ws);
int  sabuf_wait32_async(struct sabuf_waitset *ws, struct sabuf *sb, const int32_t *addr,
			int32_t expected, int64_t timeout_ns, uint64_t tag);
int  sabuf_wait64_async(struct sabuf_waitset *ws, struct sabuf *sb, const int64_t *addr,
			int64_t expected, int64_t timeout_ns, uint64_t tag);
int  sabuf_waitset_next(struct sabuf_waitset *ws, uint64_t *tag, int *result,
			int64_t timeout_ns);
int  sabuf_wait32_async_clock(struct sabuf_waitset *ws, struct sabuf *sb, const int32_t *addr,
			      int32_t expected, clockid_t clock, const struct timespec *abstime,
			      uint64_t tag);
int  sabuf_wait64_async_clock(struct sabuf_waitset *ws, struct sabuf *sb, const int64_t *addr,
			      int64_t expected, clockid_t clock, const struct timespec *abstime,
			      uint64_t tag);
int  sabuf_waitset_next_clock(struct sabuf_waitset *ws, uint64_t *tag, int *result,
			      clockid_t clock, const struct timespec *abstime);
int  sabuf_waitset_cancel(struct sabuf_waitset *ws, uint64_t tag);

/* true when atomics on n-byte integers never take a lock (1, 2, 4, 8 here) */
bool sabuf_is_lock_free(size_t n);

/* Atomics.pause(n): a spin-wait hint to the CPU (x86 pause, Arm yield);
 * waits longer for larger n, and is bounded whatever n is. */
void sabuf_pause(unsigned int n);

/* ---- Synchronization objects -------------------------------------------
 *
 * Plain structs that live inside a buffer. A zero-filled one is ready to
 * use: an unlocked mutex, a condition variable, a semaphore at 0. A
 * zero-filled barrier is not initialized: sabuf_barrier_wait() on it
 * returns -EINVAL until sabuf_barrier_init() gives it its parties. They
 * work between threads and processes alike. Their fields are private (the
 * layout is part of the SABUF_0.1 ABI, so processes built against the same
 * major version interoperate).
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
	int32_t waiters;	/* unused since 0.2 (the kernel counts sleepers);
				 * 0.1 posters relied on it: do not share a
				 * semaphore with 0.1 processes */
} sabuf_sem_t;

typedef struct sabuf_barrier {
	int32_t parties;	/* callers a round needs; 0: not initialized */
	int32_t arrived;	/* callers in the current round so far */
	int32_t generation;	/* rounds completed (wraps) */
} sabuf_barrier_t;

#define SABUF_BARRIER_SERIAL	1	/* sabuf_barrier_wait(): the one caller a round */

/* -EOWNERDEAD means "held, repair the data": the lock and cond wait
 * results must be used (SABUF_MUST_CHECK_). On a read-only handle every
 * mutex, condition variable, semaphore and barrier call is -EBADF. */
SABUF_MUST_CHECK_ int sabuf_mutex_lock(struct sabuf *sb, sabuf_mutex_t *mutex);
SABUF_MUST_CHECK_ int sabuf_mutex_trylock(struct sabuf *sb, sabuf_mutex_t *mutex);
SABUF_MUST_CHECK_ int sabuf_mutex_timedlock(struct sabuf *sb, sabuf_mutex_t *mutex,
					    int64_t timeout_ns);
SABUF_MUST_CHECK_ int sabuf_mutex_clocklock(struct sabuf *sb, sabuf_mutex_t *mutex,
					    clockid_t clock, const struct timespec *abstime);
int sabuf_mutex_unlock(struct sabuf *sb, sabuf_mutex_t *mutex);
/* after -EOWNERDEAD: the data is repaired; 0, or -EINVAL */
int sabuf_mutex_consistent(struct sabuf *sb, sabuf_mutex_t *mutex);

/* -EPERM when the caller does not hold the mutex, whatever the timeout */
SABUF_MUST_CHECK_ int sabuf_cond_wait(struct sabuf *sb, sabuf_cond_t *cond,
				      sabuf_mutex_t *mutex);
SABUF_MUST_CHECK_ int sabuf_cond_timedwait(struct sabuf *sb, sabuf_cond_t *cond,
					   sabuf_mutex_t *mutex, int64_t timeout_ns);
SABUF_MUST_CHECK_ int sabuf_cond_clockwait(struct sabuf *sb, sabuf_cond_t *cond,
					   sabuf_mutex_t *mutex, clockid_t clock,
					   const struct timespec *abstime);
int sabuf_cond_signal(struct sabuf *sb, sabuf_cond_t *cond);
int sabuf_cond_broadcast(struct sabuf *sb, sabuf_cond_t *cond);

int sabuf_sem_init(struct sabuf *sb, sabuf_sem_t *sem, unsigned int value);
int sabuf_sem_wait(struct sabuf *sb, sabuf_sem_t *sem);
int sabuf_sem_trywait(struct sabuf *sb, sabuf_sem_t *sem);
int sabuf_sem_timedwait(struct sabuf *sb, sabuf_sem_t *sem, int64_t timeout_ns);
int sabuf_sem_clockwait(struct sabuf *sb, sabuf_sem_t *sem, clockid_t clock,
			const struct timespec *abstime);
int sabuf_sem_post(struct sabuf *sb, sabuf_sem_t *sem);

/* init: -EINVAL for 0 or > INT32_MAX parties, -EBUSY while a round is
 * under way (some party waits in it). wait: -EINVAL before init. */
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
 * and their unsigned forms, hence every intN_t and uintN_t), const,
 * volatile and (in C) _Atomic ones included; a store or read-modify-write
 * through a pointer to const does not compile. All are sequentially
 * consistent, inline, and never enter the kernel. A pointer to anything
 * else (float, double, bool, a struct) does not compile. Atomics.pause is
 * sabuf_pause(), declared above.
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
 * too (a store through a pointer to const is refused by SABUF_WPTR_ below).
 * A type with no association (float, double, _Bool, ...) is a compile error.
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

/*
 * A pointer to an _Atomic integer goes on as a pointer to the plain type
 * with the same other qualifiers (the builtins are atomic anyway, and
 * _Atomic does not change the size of these types on Linux); any other
 * pointer goes on as it is. So _Atomic int * works (loads use this one;
 * stores and read-modify-writes use SABUF_WPTR_, which refuses const).
 */
#define SABUF_UNATOMIC_(T, p)							\
	_Atomic T *:			(T *)(p),				\
	const _Atomic T *:		(const T *)(p),				\
	volatile _Atomic T *:		(volatile T *)(p),			\
	const volatile _Atomic T *:	(const volatile T *)(p)
#define SABUF_PTR_(p) _Generic((p),						\
	SABUF_UNATOMIC_(char, p),						\
	SABUF_UNATOMIC_(signed char, p),					\
	SABUF_UNATOMIC_(unsigned char, p),					\
	SABUF_UNATOMIC_(short, p),						\
	SABUF_UNATOMIC_(unsigned short, p),					\
	SABUF_UNATOMIC_(int, p),						\
	SABUF_UNATOMIC_(unsigned int, p),					\
	SABUF_UNATOMIC_(long, p),						\
	SABUF_UNATOMIC_(unsigned long, p),					\
	SABUF_UNATOMIC_(long long, p),						\
	SABUF_UNATOMIC_(unsigned long long, p),					\
	default: (p))

/*
 * The pointer of a store or read-modify-write: only the writable spellings
 * (plain, volatile, _Atomic) have an association, so a pointer to const
 * (const int *, const _Atomic int *, ...) is a compile error in the
 * _Generic selection, as in C++, not a discarded-qualifier warning.
 */
#define SABUF_WRITABLE_(T, p)							\
	T *:				(p),					\
	volatile T *:			(p),					\
	_Atomic T *:			(T *)(p),				\
	volatile _Atomic T *:		(volatile T *)(p)
#define SABUF_WPTR_(p) _Generic((p),						\
	SABUF_WRITABLE_(char, p),						\
	SABUF_WRITABLE_(signed char, p),					\
	SABUF_WRITABLE_(unsigned char, p),					\
	SABUF_WRITABLE_(short, p),						\
	SABUF_WRITABLE_(unsigned short, p),					\
	SABUF_WRITABLE_(int, p),						\
	SABUF_WRITABLE_(unsigned int, p),					\
	SABUF_WRITABLE_(long, p),						\
	SABUF_WRITABLE_(unsigned long, p),					\
	SABUF_WRITABLE_(long long, p),						\
	SABUF_WRITABLE_(unsigned long long, p))

#define sabuf_load(p)		SABUF_SELECT_(load, p)(SABUF_PTR_(p))
#define sabuf_store(p, v)	SABUF_SELECT_(store, p)(SABUF_WPTR_(p), (v))
#define sabuf_add(p, v)		SABUF_SELECT_(add, p)(SABUF_WPTR_(p), (v))
#define sabuf_sub(p, v)		SABUF_SELECT_(sub, p)(SABUF_WPTR_(p), (v))
#define sabuf_and(p, v)		SABUF_SELECT_(and, p)(SABUF_WPTR_(p), (v))
#define sabuf_or(p, v)		SABUF_SELECT_(or, p)(SABUF_WPTR_(p), (v))
#define sabuf_xor(p, v)		SABUF_SELECT_(xor, p)(SABUF_WPTR_(p), (v))
#define sabuf_exchange(p, v)	SABUF_SELECT_(exchange, p)(SABUF_WPTR_(p), (v))
#define sabuf_compare_exchange(p, expected, replacement) \
	SABUF_SELECT_(compare_exchange, p)(SABUF_WPTR_(p), (expected),	\
					   (replacement))

/*
 * sabuf_wait32/64 and their _clock forms as type-generic macros: the
 * pointer may be to any integer type of the word's width, const, volatile
 * or _Atomic or not, or a void pointer (NULL included: the function then
 * says -ERANGE), and goes on to the function as the exact type it
 * declares. A pointer to a type of another width (short, int64_t for a
 * 32-bit wait, ...) or to a non-integer has no association: a compile
 * error, not a warning. The functions keep their names: (sabuf_wait32)(...)
 * and &sabuf_wait32 reach them directly.
 */
#define SABUF_WORD_AS_(T, p)	((const T *)(const volatile void *)(p))
#define SABUF_QUALIFIED_(T, e)							\
	T *: e, const T *: e, volatile T *: e, const volatile T *: e
#define SABUF_SPELLING_(T, e)							\
	SABUF_QUALIFIED_(T, e), SABUF_QUALIFIED_(_Atomic T, e)
#if LONG_MAX == INT32_MAX
#define SABUF_LONG32_(e)	SABUF_SPELLING_(long, e), \
				SABUF_SPELLING_(unsigned long, e),
#define SABUF_LONG64_(e)
#else
#define SABUF_LONG32_(e)
#define SABUF_LONG64_(e)	SABUF_SPELLING_(long, e), \
				SABUF_SPELLING_(unsigned long, e),
#endif
#define SABUF_WORD32_(p) _Generic((p),						\
	SABUF_LONG32_(SABUF_WORD_AS_(int32_t, p))				\
	SABUF_QUALIFIED_(void, SABUF_WORD_AS_(int32_t, p)),			\
	SABUF_SPELLING_(int, SABUF_WORD_AS_(int32_t, p)),			\
	SABUF_SPELLING_(unsigned int, SABUF_WORD_AS_(int32_t, p)))
#define SABUF_WORD64_(p) _Generic((p),						\
	SABUF_LONG64_(SABUF_WORD_AS_(int64_t, p))				\
	SABUF_QUALIFIED_(void, SABUF_WORD_AS_(int64_t, p)),			\
	SABUF_SPELLING_(long long, SABUF_WORD_AS_(int64_t, p)),		\
	SABUF_SPELLING_(unsigned long long, SABUF_WORD_AS_(int64_t, p)))

#define sabuf_wait32(sb, addr, expected, timeout_ns) \
	(sabuf_wait32)((sb), SABUF_WORD32_(addr), (expected), (timeout_ns))
#define sabuf_wait64(sb, addr, expected, timeout_ns) \
	(sabuf_wait64)((sb), SABUF_WORD64_(addr), (expected), (timeout_ns))
#define sabuf_wait32_clock(sb, addr, expected, clock, abstime) \
	(sabuf_wait32_clock)((sb), SABUF_WORD32_(addr), (expected), (clock), \
			     (abstime))
#define sabuf_wait64_clock(sb, addr, expected, clock, abstime) \
	(sabuf_wait64_clock)((sb), SABUF_WORD64_(addr), (expected), (clock), \
			     (abstime))
/* The same spellings for the waited word of the async and handoff calls. */
#define sabuf_wait32_async(ws, sb, addr, expected, timeout_ns, tag) \
	(sabuf_wait32_async)((ws), (sb), SABUF_WORD32_(addr), (expected), \
			     (timeout_ns), (tag))
#define sabuf_wait64_async(ws, sb, addr, expected, timeout_ns, tag) \
	(sabuf_wait64_async)((ws), (sb), SABUF_WORD64_(addr), (expected), \
			     (timeout_ns), (tag))
#define sabuf_wait32_async_clock(ws, sb, addr, expected, clock, abstime, tag) \
	(sabuf_wait32_async_clock)((ws), (sb), SABUF_WORD32_(addr), (expected), \
				   (clock), (abstime), (tag))
#define sabuf_wait64_async_clock(ws, sb, addr, expected, clock, abstime, tag) \
	(sabuf_wait64_async_clock)((ws), (sb), SABUF_WORD64_(addr), (expected), \
				   (clock), (abstime), (tag))
#define sabuf_notify_wait32(sb, notify_addr, count, wait_addr, expected, timeout_ns) \
	(sabuf_notify_wait32)((sb), (notify_addr), (count), SABUF_WORD32_(wait_addr), \
			      (expected), (timeout_ns))
#define sabuf_notify_wait64(sb, notify_addr, count, wait_addr, expected, timeout_ns) \
	(sabuf_notify_wait64)((sb), (notify_addr), (count), SABUF_WORD64_(wait_addr), \
			      (expected), (timeout_ns))
#define sabuf_notify_wait32_clock(sb, notify_addr, count, wait_addr, expected, clock, \
				  abstime) \
	(sabuf_notify_wait32_clock)((sb), (notify_addr), (count), \
				    SABUF_WORD32_(wait_addr), (expected), (clock), (abstime))
#define sabuf_notify_wait64_clock(sb, notify_addr, count, wait_addr, expected, clock, \
				  abstime) \
	(sabuf_notify_wait64_clock)((sb), (notify_addr), (count), \
				    SABUF_WORD64_(wait_addr), (expected), (clock), (abstime))

#else /* __cplusplus */

#include <atomic>
#include <cstddef>
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

/*
 * sabuf_wait32/64 and their _clock forms for every integer type of the
 * word's width, qualified or not, and for std::atomic of one (C++23's
 * _Atomic(T)): overloads of the extern "C" functions, which an exact
 * const int32_t * or const int64_t * still reaches directly.
 */
template <typename T, std::size_t N> struct sabuf_word_type {
	static const bool value = std::is_integral<T>::value &&
				  !std::is_same<T, bool>::value &&
				  sizeof(T) == N;
};
template <typename T, std::size_t N> struct sabuf_word_type<std::atomic<T>, N> {
	static const bool value = sabuf_word_type<T, N>::value &&
				  sizeof(std::atomic<T>) == N;
};

#define SABUF_CHECK_WORD_(T, N, name)						\
	static_assert(sabuf_word_type<T, N>::value,				\
		      name " takes a pointer to an integer of the word's width")

template <typename T, typename W> inline const W *sabuf_word_as(const volatile T *p)
{
	return reinterpret_cast<const W *>(const_cast<const T *>(p));
}

template <typename T>
inline int sabuf_wait32(struct sabuf *sb, const volatile T *addr,
			int32_t expected, int64_t timeout_ns)
{
	SABUF_CHECK_WORD_(T, 4, "sabuf_wait32");
	return ::sabuf_wait32(sb, sabuf_word_as<T, int32_t>(addr), expected,
			      timeout_ns);
}

template <typename T>
inline int sabuf_wait64(struct sabuf *sb, const volatile T *addr,
			int64_t expected, int64_t timeout_ns)
{
	SABUF_CHECK_WORD_(T, 8, "sabuf_wait64");
	return ::sabuf_wait64(sb, sabuf_word_as<T, int64_t>(addr), expected,
			      timeout_ns);
}

template <typename T>
inline int sabuf_wait32_clock(struct sabuf *sb, const volatile T *addr,
			      int32_t expected, clockid_t clock,
			      const struct timespec *abstime)
{
	SABUF_CHECK_WORD_(T, 4, "sabuf_wait32_clock");
	return ::sabuf_wait32_clock(sb, sabuf_word_as<T, int32_t>(addr),
				    expected, clock, abstime);
}

template <typename T>
inline int sabuf_wait64_clock(struct sabuf *sb, const volatile T *addr,
			      int64_t expected, clockid_t clock,
			      const struct timespec *abstime)
{
	SABUF_CHECK_WORD_(T, 8, "sabuf_wait64_clock");
	return ::sabuf_wait64_clock(sb, sabuf_word_as<T, int64_t>(addr),
				    expected, clock, abstime);
}

template <typename T>
inline int sabuf_wait32_async(struct sabuf_waitset *ws, struct sabuf *sb,
			      const volatile T *addr, int32_t expected,
			      int64_t timeout_ns, uint64_t tag)
{
	SABUF_CHECK_WORD_(T, 4, "sabuf_wait32_async");
	return ::sabuf_wait32_async(ws, sb, sabuf_word_as<T, int32_t>(addr),
				    expected, timeout_ns, tag);
}

template <typename T>
inline int sabuf_wait64_async(struct sabuf_waitset *ws, struct sabuf *sb,
			      const volatile T *addr, int64_t expected,
			      int64_t timeout_ns, uint64_t tag)
{
	SABUF_CHECK_WORD_(T, 8, "sabuf_wait64_async");
	return ::sabuf_wait64_async(ws, sb, sabuf_word_as<T, int64_t>(addr),
				    expected, timeout_ns, tag);
}

template <typename T>
inline int sabuf_wait32_async_clock(struct sabuf_waitset *ws, struct sabuf *sb,
				    const volatile T *addr, int32_t expected,
				    clockid_t clock, const struct timespec *abstime,
				    uint64_t tag)
{
	SABUF_CHECK_WORD_(T, 4, "sabuf_wait32_async_clock");
	return ::sabuf_wait32_async_clock(ws, sb, sabuf_word_as<T, int32_t>(addr),
					  expected, clock, abstime, tag);
}

template <typename T>
inline int sabuf_wait64_async_clock(struct sabuf_waitset *ws, struct sabuf *sb,
				    const volatile T *addr, int64_t expected,
				    clockid_t clock, const struct timespec *abstime,
				    uint64_t tag)
{
	SABUF_CHECK_WORD_(T, 8, "sabuf_wait64_async_clock");
	return ::sabuf_wait64_async_clock(ws, sb, sabuf_word_as<T, int64_t>(addr),
					  expected, clock, abstime, tag);
}

template <typename T>
inline int sabuf_notify_wait32(struct sabuf *sb, const void *notify_addr,
			       unsigned int count, const volatile T *wait_addr,
			       int32_t expected, int64_t timeout_ns)
{
	SABUF_CHECK_WORD_(T, 4, "sabuf_notify_wait32");
	return ::sabuf_notify_wait32(sb, notify_addr, count,
				     sabuf_word_as<T, int32_t>(wait_addr),
				     expected, timeout_ns);
}

template <typename T>
inline int sabuf_notify_wait64(struct sabuf *sb, const void *notify_addr,
			       unsigned int count, const volatile T *wait_addr,
			       int64_t expected, int64_t timeout_ns)
{
	SABUF_CHECK_WORD_(T, 8, "sabuf_notify_wait64");
	return ::sabuf_notify_wait64(sb, notify_addr, count,
				     sabuf_word_as<T, int64_t>(wait_addr),
				     expected, timeout_ns);
}

template <typename T>
inline int sabuf_notify_wait32_clock(struct sabuf *sb, const void *notify_addr,
				     unsigned int count, const volatile T *wait_addr,
				     int32_t expected, clockid_t clock,
				     const struct timespec *abstime)
{
	SABUF_CHECK_WORD_(T, 4, "sabuf_notify_wait32_clock");
	return ::sabuf_notify_wait32_clock(sb, notify_addr, count,
					   sabuf_word_as<T, int32_t>(wait_addr),
					   expected, clock, abstime);
}

template <typename T>
inline int sabuf_notify_wait64_clock(struct sabuf *sb, const void *notify_addr,
				     unsigned int count, const volatile T *wait_addr,
				     int64_t expected, clockid_t clock,
				     const struct timespec *abstime)
{
	SABUF_CHECK_WORD_(T, 8, "sabuf_notify_wait64_clock");
	return ::sabuf_notify_wait64_clock(sb, notify_addr, count,
					   sabuf_word_as<T, int64_t>(wait_addr),
					   expected, clock, abstime);
}

#undef SABUF_CHECK_WORD_

#endif /* __cplusplus */

#endif /* SABUF_H */
