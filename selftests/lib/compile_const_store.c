// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time check, not a test binary: a store or read-modify-write
 * through a pointer to const is a compile error, not a warning (contract
 * 0.3; 0.2 only warned about a discarded qualifier, then wrote to
 * read-only memory), in the header's _Generic selection; loads through
 * const pointers keep working.
 *
 * Plain, it must compile warning-free: loads through const, const
 * volatile and const _Atomic pointers of several types.
 * With -DCONST_T=T -DBAD_OP=1..8 (store, add, sub, and, or, xor,
 * exchange, compare_exchange through a T *) it must NOT compile, even
 * with every warning off (-w): the Makefile checks both.
 */
#include <sabuf.h>

#ifdef BAD_OP
long bad(CONST_T *p);

long bad(CONST_T *p)
{
#if BAD_OP == 1
	return (long)sabuf_store(p, 1);
#elif BAD_OP == 2
	return (long)sabuf_add(p, 1);
#elif BAD_OP == 3
	return (long)sabuf_sub(p, 1);
#elif BAD_OP == 4
	return (long)sabuf_and(p, 1);
#elif BAD_OP == 5
	return (long)sabuf_or(p, 1);
#elif BAD_OP == 6
	return (long)sabuf_xor(p, 1);
#elif BAD_OP == 7
	return (long)sabuf_exchange(p, 1);
#else
	return (long)sabuf_compare_exchange(p, 1, 2);
#endif
}
#else
long loads(const int *a, const _Atomic int *b, const volatile unsigned long *c,
	   const volatile _Atomic int64_t *d, const char *e, _Atomic short *f);

long loads(const int *a, const _Atomic int *b, const volatile unsigned long *c,
	   const volatile _Atomic int64_t *d, const char *e, _Atomic short *f)
{
	long sum = sabuf_load(a) + sabuf_load(b) + (long)sabuf_load(c) +
		   (long)sabuf_load(d) + sabuf_load(e);

	/* and the writable spellings still store */
	sum += sabuf_store(f, 2) + sabuf_add(f, 1) + sabuf_compare_exchange(f, 3, 4);
	return sum;
}
#endif
