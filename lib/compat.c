// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The 0.1 timeouts, for programs built against libsabuf 0.1.
 *
 * Contract 0.2 changed what a negative timeout means: it used to wait
 * forever (SABUF_FOREVER was -1), and now never sleeps. A program built
 * against the 0.1 header passes -1 for "forever" and must keep getting
 * forever, so the timed calls of 0.1 keep their 0.1 meaning under
 * their 0.1 symbol versions (name@SABUF_0.1), and the 0.2 ones are the
 * default versions (name@@SABUF_0.2) that new programs link against
 * (the mutex and condition variable calls have no 0.1 versions at all:
 * the mutex word changed, see sabuf.map). The
 * soname does not change: same layout, same library, two meanings of one
 * argument, told apart by the symbol version the program was linked to.
 *
 * Each 0.1 entry maps a negative timeout to SABUF_FOREVER and calls the
 * 0.2 function; 0 and positive timeouts mean the same in both.
 */
#include "internal.h"

static int64_t timeout_v01(int64_t timeout_ns)
{
	return timeout_ns < 0 ? SABUF_FOREVER : timeout_ns;
}

#define SABUF_COMPAT_V01(name) \
	__asm__(".symver " #name "_v01, " #name "@SABUF_0.1")

SABUF_COMPAT_V01(sabuf_wait32);
SABUF_EXPORT int sabuf_wait32_v01(struct sabuf *sb, const int32_t *addr,
				  int32_t expected, int64_t timeout_ns)
{
	return (sabuf_wait32)(sb, addr, expected, timeout_v01(timeout_ns));
}

SABUF_COMPAT_V01(sabuf_wait64);
SABUF_EXPORT int sabuf_wait64_v01(struct sabuf *sb, const int64_t *addr,
				  int64_t expected, int64_t timeout_ns)
{
	return (sabuf_wait64)(sb, addr, expected, timeout_v01(timeout_ns));
}

SABUF_COMPAT_V01(sabuf_sem_timedwait);
SABUF_EXPORT int sabuf_sem_timedwait_v01(struct sabuf *sb, sabuf_sem_t *s,
					 int64_t timeout_ns)
{
	return sabuf_sem_timedwait(sb, s, timeout_v01(timeout_ns));
}
