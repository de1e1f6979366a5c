// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time check: <sabuf.h> compiles as C++ (C++11 and later), and its
 * atomics work there as function templates with the same names. Compiled
 * and linked against libsabuf.a, then run on the host by the Makefile
 * (the atomics need no kernel; the rest only has to link).
 */
#include <sabuf.h>

#include <cstdint>
#include <cstdio>

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
	/* the C API links (argc > 99 never holds: nothing runs) */
	if (argc > 99) {
		struct sabuf *sb;
		sabuf_mutex_t *m;

		if (sabuf_create(4096, &sb) == 0) {
			m = static_cast<sabuf_mutex_t *>(sabuf_data(sb));
			sabuf_mutex_lock(sb, m);
			sabuf_mutex_unlock(sb, m);
			sabuf_wait32(sb, &m->state, 0, SABUF_FOREVER);
			sabuf_notify(sb, &m->state, SABUF_ALL);
			sabuf_destroy(sb);
		}
		(void)argv;
	}
	std::printf("%s: C++ atomics %s\n", argv[0], ok ? "ok" : "WRONG");
	return ok ? 0 : 1;
}
