// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time check: <sabuf.h> compiles as C++ (C++11 and later), and its
 * atomics work there as function templates with the same names. Compiled
 * and linked against libsabuf.a, then run on the host by the Makefile
 * (the atomics need no kernel; the rest only has to link).
 *
 * The waits take every integer type of the word's width (long long,
 * unsigned, volatile, std::atomic, C++23's _Atomic(T)) through overloads,
 * the contract's extern "C" functions stay reachable by address, and the
 * result enum works with ints (comparisons, switch, templates).
 */
#include <sabuf.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#if __cplusplus > 202002L && __has_include(<stdatomic.h>)
#include <stdatomic.h>
#define HAVE_CXX23_ATOMIC 1
#endif

/* Every spelling compiles and reaches the C function (not run). */
static int use_every_wait_spelling(struct sabuf *sb, void *p)
{
	int (*wait32)(struct sabuf *, const int32_t *, int32_t, int64_t) =
		sabuf_wait32;
	int (*wait64)(struct sabuf *, const int64_t *, int64_t, int64_t) =
		&sabuf_wait64;
	struct timespec ts = { 0, 0 };
	int r = 0;

	r += sabuf_wait32(sb, static_cast<int32_t *>(p), 0, 0);
	r += sabuf_wait32(sb, static_cast<const int *>(p), 0, SABUF_FOREVER);
	r += sabuf_wait32(sb, static_cast<unsigned int *>(p), 0, 0);
	r += sabuf_wait32(sb, static_cast<volatile int32_t *>(p), 0, 0);
	r += sabuf_wait32(sb, static_cast<std::atomic<int> *>(p), 0, 0);
	r += sabuf_wait32(sb, static_cast<const std::atomic<uint32_t> *>(p), 0, 0);
	r += sabuf_wait32_clock(sb, static_cast<std::atomic<int32_t> *>(p), 0,
				CLOCK_MONOTONIC, &ts);
	r += sabuf_wait64(sb, static_cast<long long *>(p), 0, 0);
	r += sabuf_wait64(sb, static_cast<unsigned long long *>(p), 0, 0);
	r += sabuf_wait64(sb, static_cast<int64_t *>(p), INT64_MIN, 0);
	r += sabuf_wait64(sb, static_cast<volatile uint64_t *>(p), 0, 0);
	r += sabuf_wait64(sb, static_cast<std::atomic<long long> *>(p), 0, 0);
	r += sabuf_wait64_clock(sb, static_cast<const long long *>(p), 0,
				CLOCK_REALTIME, &ts);
#ifdef HAVE_CXX23_ATOMIC
	r += sabuf_wait32(sb, static_cast<_Atomic(int) *>(p), 0, 0);
	r += sabuf_wait64(sb, static_cast<_Atomic(long long) *>(p), 0, 0);
#endif
	r += wait32(sb, static_cast<const int32_t *>(p), 0, 0);
	r += wait64(sb, static_cast<const int64_t *>(p), 0, 0);
	/* the waited word of the async and handoff calls takes the same */
	r += sabuf_wait32_async(nullptr, sb, static_cast<unsigned int *>(p), 0, 0, 1);
	r += sabuf_wait64_async(nullptr, sb, static_cast<std::atomic<long long> *>(p), 0, 0, 2);
	r += sabuf_wait32_async_clock(nullptr, sb, static_cast<volatile int *>(p), 0,
				      CLOCK_MONOTONIC, &ts, 3);
	r += sabuf_wait64_async_clock(nullptr, sb, static_cast<uint64_t *>(p), 0,
				      CLOCK_MONOTONIC, &ts, 4);
	r += sabuf_notify_wait32(sb, p, 1, static_cast<std::atomic<uint32_t> *>(p), 0, 0);
	r += sabuf_notify_wait64(sb, p, 1, static_cast<unsigned long long *>(p), 0, 0);
	r += sabuf_notify_wait32_clock(sb, p, 1, static_cast<int *>(p), 0,
				       CLOCK_MONOTONIC, &ts);
	r += sabuf_notify_wait64_clock(sb, p, 1, static_cast<const int64_t *>(p), 0,
				       CLOCK_REALTIME, &ts);
	r += sabuf_wait32(sb, NULL, 0, 0);	/* the C function takes them */
	r += sabuf_wait64(sb, nullptr, 0, 0);

	/* the results are ints to C++ too */
	int ret = sabuf_wait32(sb, static_cast<int *>(p), 0, 0);
	switch (ret) {
	case SABUF_OK:
	case SABUF_NOT_EQUAL:
	case SABUF_TIMED_OUT:
	case SABUF_PENDING:
		r++;
		break;
	default:
		break;
	}
	r += ret == SABUF_TIMED_OUT;
	r += SABUF_NOT_EQUAL != ret;
	r += std::max(ret, static_cast<int>(SABUF_OK));
	r += ret < 0 ? 0 : ret + SABUF_TIMED_OUT;
	sabuf_pause(0);
	sabuf_pause(UINT_MAX);
	return r;
}

template <typename T> static bool check_ops()
{
	T x = 0;

	return sabuf_store(&x, 42) == 42 && sabuf_add(&x, 5) == 42 &&
	       sabuf_sub(&x, 10) == 47 && sabuf_exchange(&x, 100) == 37 &&
	       sabuf_compare_exchange(&x, 100, 120) == 100 &&
	       sabuf_compare_exchange(&x, 100, 7) == 120 &&
	       sabuf_and(&x, 0x0f) == 120 && sabuf_or(&x, 0x50) == 8 &&
	       sabuf_xor(&x, 0x7f) == 0x58 && sabuf_load(&x) == 0x27;
}

int main(int argc, char **argv)
{
	bool ok = check_ops<int8_t>() && check_ops<uint8_t>() &&
		  check_ops<int16_t>() && check_ops<uint16_t>() &&
		  check_ops<int32_t>() && check_ops<uint32_t>() &&
		  check_ops<int64_t>() && check_ops<uint64_t>() &&
		  check_ops<char>() && check_ops<long long>() &&
		  sabuf_is_lock_free(4);
	const volatile int32_t cv = 3;

	ok = ok && sabuf_load(&cv) == 3;
	static_assert(SABUF_FOREVER == INT64_MAX, "SABUF_FOREVER");
	static_assert(SABUF_PENDING == 3, "SABUF_PENDING");
	/* the C API links (argc > 99 never holds: nothing runs) */
	if (argc > 99) {
		struct sabuf *sb;
		sabuf_mutex_t *m;

		if (sabuf_create(4096, &sb) == 0) {
			m = static_cast<sabuf_mutex_t *>(sabuf_data(sb));
			if (sabuf_mutex_lock(sb, m) == 0)
				sabuf_mutex_unlock(sb, m);
			sabuf_wait32(sb, &m->state, 0, SABUF_FOREVER);
			sabuf_notify(sb, &m->state, SABUF_ALL);
			use_every_wait_spelling(sb, sabuf_data(sb));
			sabuf_destroy(sb);
		}
		(void)argv;
	}
	std::printf("%s: C++ atomics %s\n", argv[0], ok ? "ok" : "WRONG");
	return ok ? 0 : 1;
}
