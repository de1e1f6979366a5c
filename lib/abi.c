// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compile-time checks of the two ABIs libsabuf lives between; no code.
 *
 *  - the device ABI (uapi/linux/sabuf.h): the same sizes the module
 *    asserts in kmod/main.c, so both sides agree on every struct;
 *  - the library's own ABI: the synchronization objects live in shared
 *    memory, used by processes that may run different builds of
 *    libsabuf.so.0, so their layout is frozen for SABUF_0.1.
 */
#include <stddef.h>

#include <linux/sabuf.h>

#include "internal.h"

_Static_assert(sizeof(struct sabuf_create) == SABUF_CREATE_SIZE_VER1, "uapi: sabuf_create");
_Static_assert(sizeof(struct sabuf_info) == SABUF_INFO_SIZE_VER0, "uapi: sabuf_info");
_Static_assert(sizeof(struct sabuf_wait) == SABUF_WAIT_SIZE_VER0, "uapi: sabuf_wait");
_Static_assert(sizeof(struct sabuf_notify) == SABUF_NOTIFY_SIZE_VER0, "uapi: sabuf_notify");
_Static_assert(sizeof(struct sabuf_grow) == SABUF_GROW_SIZE_VER0, "uapi: sabuf_grow");
_Static_assert(sizeof(struct sabuf_dup) == SABUF_DUP_SIZE_VER0, "uapi: sabuf_dup");
_Static_assert(sizeof(struct sabuf_status) == 64, "uapi: sabuf_status");
_Static_assert(SABUF_CREATE_SIZE_VER0 == 16 && SABUF_INFO_SIZE_VER0 == 88 &&
	       SABUF_WAIT_SIZE_VER0 == 48 && SABUF_NOTIFY_SIZE_VER0 == 24,
	       "uapi: first versions never change");

_Static_assert(SABUF_ALL == SABUF_NOTIFY_ALL, "notify-all values agree");

_Static_assert(sizeof(sabuf_mutex_t) == 4 && _Alignof(sabuf_mutex_t) == 4,
	       "SABUF_0.2: sabuf_mutex_t");
_Static_assert(sizeof(sabuf_cond_t) == 4 && _Alignof(sabuf_cond_t) == 4,
	       "SABUF_0.1: sabuf_cond_t");
_Static_assert(sizeof(sabuf_sem_t) == 8 && offsetof(sabuf_sem_t, waiters) == 4,
	       "SABUF_0.1: sabuf_sem_t");
_Static_assert(sizeof(sabuf_barrier_t) == 12 &&
	       offsetof(sabuf_barrier_t, generation) == 8,
	       "SABUF_0.1: sabuf_barrier_t");
