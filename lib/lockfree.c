// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_is_lock_free(n): JavaScript's Atomics.isLockFree(). True when the
 * atomics on an n-byte integer compile to lock-free instructions on this
 * machine (1, 2, 4 and 8 bytes on every architecture Linux runs sabuf on).
 */
#include "internal.h"

SABUF_EXPORT bool sabuf_is_lock_free(size_t n)
{
	switch (n) {
	case 1:
		return __atomic_always_lock_free(1, 0);
	case 2:
		return __atomic_always_lock_free(2, 0);
	case 4:
		return __atomic_always_lock_free(4, 0);
	case 8:
		return __atomic_always_lock_free(8, 0);
	default:
		return false;
	}
}
