// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time check, not a test binary: compiled once per type by the
 * Makefile. With -DTYPE=int (or any integer) it must compile; with
 * -DTYPE=float, double or bool it must fail, and fail in sabuf.h's
 * _Generic selection, not for some unrelated reason.
 */
#include <sabuf.h>

TYPE value;

long use_every_operation(void)
{
	long sum = 0;

	sum += (long)sabuf_load(&value);
	sum += (long)sabuf_store(&value, 1);
	sum += (long)sabuf_add(&value, 1);
	sum += (long)sabuf_sub(&value, 1);
	sum += (long)sabuf_and(&value, 1);
	sum += (long)sabuf_or(&value, 1);
	sum += (long)sabuf_xor(&value, 1);
	sum += (long)sabuf_exchange(&value, 1);
	sum += (long)sabuf_compare_exchange(&value, 1, 2);
	return sum;
}
