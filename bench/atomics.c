// SPDX-License-Identifier: GPL-2.0
/*
 * Uncontended atomics: libsabuf's inline operations against the raw
 * __atomic builtins, counted in instructions by callgrind (on the host: the
 * atomics never touch the kernel, so no module is needed).
 *
 *   valgrind --tool=callgrind --toggle-collect=run_sabuf_ops atomics
 *   valgrind --tool=callgrind --toggle-collect=run_raw_ops atomics
 *
 * Each function runs the same sequence (every operation of the API, on
 * 8, 16, 32 and 64-bit words) ITERATIONS times; the instruction totals of
 * the two runs give atomic_instr_ratio. Both are noinline so that callgrind
 * can name them, and both fold every result into one sum so that nothing
 * is optimized away.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sabuf.h>

#define ITERATIONS 100000

/* Word-aligned cells, as they would sit in a buffer. */
static struct {
	int8_t i8 __attribute__((aligned(8)));
	int16_t i16 __attribute__((aligned(8)));
	int32_t i32 __attribute__((aligned(8)));
	int64_t i64 __attribute__((aligned(8)));
} cells;

#define SABUF_SEQUENCE(p, acc) do {					\
	acc += (uint64_t)sabuf_load(p);					\
	acc += (uint64_t)sabuf_store(p, 3);				\
	acc += (uint64_t)sabuf_add(p, 5);				\
	acc += (uint64_t)sabuf_sub(p, 2);				\
	acc += (uint64_t)sabuf_and(p, 0x3f);				\
	acc += (uint64_t)sabuf_or(p, 0x40);				\
	acc += (uint64_t)sabuf_xor(p, 0x11);				\
	acc += (uint64_t)sabuf_exchange(p, 7);				\
	acc += (uint64_t)sabuf_compare_exchange(p, 7, 9);		\
	acc += (uint64_t)sabuf_compare_exchange(p, 1, 2); /* fails */	\
} while (0)

#define RAW_SEQUENCE(p, acc) do {					\
	acc += (uint64_t)__atomic_load_n(p, __ATOMIC_SEQ_CST);		\
	__atomic_store_n(p, 3, __ATOMIC_SEQ_CST); acc += 3;		\
	acc += (uint64_t)__atomic_fetch_add(p, 5, __ATOMIC_SEQ_CST);	\
	acc += (uint64_t)__atomic_fetch_sub(p, 2, __ATOMIC_SEQ_CST);	\
	acc += (uint64_t)__atomic_fetch_and(p, 0x3f, __ATOMIC_SEQ_CST);	\
	acc += (uint64_t)__atomic_fetch_or(p, 0x40, __ATOMIC_SEQ_CST);	\
	acc += (uint64_t)__atomic_fetch_xor(p, 0x11, __ATOMIC_SEQ_CST);	\
	acc += (uint64_t)__atomic_exchange_n(p, 7, __ATOMIC_SEQ_CST);	\
	{ __typeof__(*(p)) e_ = 7;					\
	  __atomic_compare_exchange_n(p, &e_, 9, 0, __ATOMIC_SEQ_CST,	\
				      __ATOMIC_SEQ_CST);		\
	  acc += (uint64_t)e_; }					\
	{ __typeof__(*(p)) e_ = 1;					\
	  __atomic_compare_exchange_n(p, &e_, 2, 0, __ATOMIC_SEQ_CST,	\
				      __ATOMIC_SEQ_CST);		\
	  acc += (uint64_t)e_; }					\
} while (0)

__attribute__((noinline)) uint64_t run_sabuf_ops(long n)
{
	uint64_t acc = 0;

	for (long i = 0; i < n; i++) {
		SABUF_SEQUENCE(&cells.i8, acc);
		SABUF_SEQUENCE(&cells.i16, acc);
		SABUF_SEQUENCE(&cells.i32, acc);
		SABUF_SEQUENCE(&cells.i64, acc);
	}
	return acc;
}

__attribute__((noinline)) uint64_t run_raw_ops(long n)
{
	uint64_t acc = 0;

	for (long i = 0; i < n; i++) {
		RAW_SEQUENCE(&cells.i8, acc);
		RAW_SEQUENCE(&cells.i16, acc);
		RAW_SEQUENCE(&cells.i32, acc);
		RAW_SEQUENCE(&cells.i64, acc);
	}
	return acc;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : ITERATIONS;
	uint64_t a, b;

	a = run_sabuf_ops(n);
	__builtin_memset(&cells, 0, sizeof(cells));
	b = run_raw_ops(n);

	/* Same operations on the same cells: the same sums, or a bug. */
	if (a != b) {
		fprintf(stderr, "atomics: sabuf and raw sums differ (%llu, %llu)\n",
			(unsigned long long)a, (unsigned long long)b);
		return 1;
	}
	printf("atomics: %ld iterations of 40 operations each, sums agree\n", n);
	return 0;
}
