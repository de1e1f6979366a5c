// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time check, not a test binary: sabuf_wait32/64 and their _clock
 * forms (and the waited word of sabuf_wait*_async and sabuf_notify_wait*)
 * take a pointer to any integer type of the word's width, qualified
 * or not (volatile, const, _Atomic; int and unsigned int for 32 bits, long
 * long, unsigned long long and, where 64-bit, long for 64), without a
 * warning under -Wall -Wextra -Wpedantic -Werror; the functions themselves
 * keep their contract signatures; void pointers and NULL still work, as
 * with the 0.1 functions; the result enum compares with ints.
 *
 * With -DBAD32=T (or -DBAD64=T) it must NOT compile: a pointer to T is
 * the wrong width (or not an integer) for that wait, and the error must
 * come from the header's _Generic selection (or, in C++, its
 * static_assert); -DBAD_CALL=1..4 makes the async and notify-and-wait
 * calls the one that gets it.
 */
#include <stddef.h>

#include <sabuf.h>

#if defined(BAD32) || defined(BAD64)
/* BAD_CALL picks the call: 0 the wait, 1 and 2 the async wait (and its
 * _clock form), 3 and 4 the notify-and-wait (and its _clock form). */
#ifndef BAD_CALL
#define BAD_CALL 0
#endif
#ifdef BAD32
#define BAD BAD32
#define BAD_CALL_NAMED(pre, post) pre##32##post
#else
#define BAD BAD64
#define BAD_CALL_NAMED(pre, post) pre##64##post
#endif
int bad(struct sabuf *sb, struct sabuf_waitset *ws, BAD *p);

int bad(struct sabuf *sb, struct sabuf_waitset *ws, BAD *p)
{
	struct timespec ts = { 0, 0 };

	(void)ws;
	(void)ts;
#if BAD_CALL == 1
	return BAD_CALL_NAMED(sabuf_wait, _async)(ws, sb, p, 0, 0, 0);
#elif BAD_CALL == 2
	return BAD_CALL_NAMED(sabuf_wait, _async_clock)(ws, sb, p, 0, 1, &ts, 0);
#elif BAD_CALL == 3
	return BAD_CALL_NAMED(sabuf_notify_wait, )(sb, sb, 1, p, 0, 0);
#elif BAD_CALL == 4
	return BAD_CALL_NAMED(sabuf_notify_wait, _clock)(sb, sb, 1, p, 0, 1, &ts);
#else
	return BAD_CALL_NAMED(sabuf_wait, )(sb, p, 0, 0);
#endif
}
#else
int use_every_spelling(struct sabuf *sb, void *p);

int use_every_spelling(struct sabuf *sb, void *p)
{
	int (*wait32)(struct sabuf *, const int32_t *, int32_t, int64_t) =
		sabuf_wait32;
	int (*wait64)(struct sabuf *, const int64_t *, int64_t, int64_t) =
		&sabuf_wait64;
	int (*wait32_clock)(struct sabuf *, const int32_t *, int32_t,
			    clockid_t, const struct timespec *) =
		sabuf_wait32_clock;
	int (*wait64_clock)(struct sabuf *, const int64_t *, int64_t,
			    clockid_t, const struct timespec *) =
		sabuf_wait64_clock;
	struct timespec ts = { 0, 0 };
	clockid_t clock = 1;	/* CLOCK_MONOTONIC, without needing POSIX */
	int r = 0;

	r += sabuf_wait32(sb, (int *)p, 0, 0);
	r += sabuf_wait32(sb, (unsigned int *)p, 0u, SABUF_FOREVER);
	r += sabuf_wait32(sb, (int32_t *)p, -1, -1);
	r += sabuf_wait32(sb, (uint32_t *)p, 0xffffffffu, 0);
	r += sabuf_wait32(sb, (const int *)p, 0, 0);
	r += sabuf_wait32(sb, (volatile int *)p, 0, 0);
	r += sabuf_wait32(sb, (const volatile unsigned *)p, 0, 0);
	r += sabuf_wait32(sb, (_Atomic int *)p, 0, 0);
	r += sabuf_wait32(sb, (_Atomic int32_t *)p, 0, 0);
	r += sabuf_wait32(sb, (const _Atomic uint32_t *)p, 0, 0);
	r += sabuf_wait32_clock(sb, (_Atomic int *)p, 0, clock, &ts);
	r += sabuf_wait32_clock(sb, (volatile uint32_t *)p, 0, clock, &ts);

	r += sabuf_wait64(sb, (long long *)p, 0, 0);
	r += sabuf_wait64(sb, (unsigned long long *)p, 0, SABUF_FOREVER);
	r += sabuf_wait64(sb, (int64_t *)p, INT64_MIN, 0);
	r += sabuf_wait64(sb, (uint64_t *)p, UINT64_MAX, 0);
	r += sabuf_wait64(sb, (volatile long long *)p, 0, 0);
	r += sabuf_wait64(sb, (_Atomic long long *)p, 0, 0);
	r += sabuf_wait64(sb, (_Atomic int64_t *)p, 0, 0);
	r += sabuf_wait64(sb, (const _Atomic uint64_t *)p, 0, 0);
	r += sabuf_wait64_clock(sb, (long long *)p, 0, clock, &ts);
	r += sabuf_wait64_clock(sb, (_Atomic int64_t *)p, 0, clock, &ts);

	/* the waited word of the async and handoff calls takes the same */
	r += sabuf_wait32_async(NULL, sb, (unsigned int *)p, 0, 0, 1);
	r += sabuf_wait64_async(NULL, sb, (_Atomic long long *)p, 0, 0, 2);
	r += sabuf_wait32_async_clock(NULL, sb, (volatile int *)p, 0, clock, &ts, 3);
	r += sabuf_wait64_async_clock(NULL, sb, (uint64_t *)p, 0, clock, &ts, 4);
	r += sabuf_notify_wait32(sb, p, 1, (_Atomic uint32_t *)p, 0, 0);
	r += sabuf_notify_wait64(sb, p, 1, (unsigned long long *)p, 0, 0);
	r += sabuf_notify_wait32_clock(sb, p, 1, (int *)p, 0, clock, &ts);
	r += sabuf_notify_wait64_clock(sb, p, 1, (const int64_t *)p, 0, clock, &ts);
	r += (sabuf_wait32_async)(NULL, sb, (const int32_t *)p, 0, 0, 5);
	r += (sabuf_notify_wait64)(sb, p, 1, (const int64_t *)p, 0, 0);

	/* void pointers and NULL, as the functions took them in 0.1 */
	r += sabuf_wait32(sb, p, 0, 0);
	r += sabuf_wait64(sb, (const void *)p, 0, 0);
	r += sabuf_wait32(sb, NULL, 0, 0);
	r += sabuf_wait64_clock(sb, NULL, 0, clock, &ts);
	r += sabuf_wait32(sb, (volatile void *)p, 0, 0);
	{
		int32_t a32[2] = { 0, 0 };
		uint64_t a64[1] = { 0 };

		r += sabuf_wait32(sb, a32, 0, 0);	/* arrays decay */
		r += sabuf_wait64(sb, a64, 0, 0);
	}

	/* the functions, by name, with their exact types */
	r += (sabuf_wait32)(sb, (const int32_t *)p, 0, 0);
	r += (sabuf_wait64)(sb, (const int64_t *)p, 0, 0);
	r += wait32(sb, (const int32_t *)p, 0, 0);
	r += wait64(sb, (const int64_t *)p, 0, 0);
	r += wait32_clock(sb, (const int32_t *)p, 0, clock, &ts);
	r += wait64_clock(sb, (const int64_t *)p, 0, clock, &ts);

	/* the results, as ints */
	switch (sabuf_wait32(sb, (int *)p, 0, 0)) {
	case SABUF_OK:
	case SABUF_NOT_EQUAL:
	case SABUF_TIMED_OUT:
	case SABUF_PENDING:
		r++;
		break;
	default:
		break;
	}
	r += sabuf_wait32(sb, (int *)p, 0, 0) == SABUF_TIMED_OUT;
	r += SABUF_OK < r;
	sabuf_pause(0);
	sabuf_pause(UINT_MAX);
	return r;
}
#endif
