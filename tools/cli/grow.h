/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Growing arrays: every list the CLI builds from a dump (buffers, queues,
 * holders, waiters, locks, table cells) grows by doubling through here.
 */
#ifndef SABUF_CLI_GROW_H
#define SABUF_CLI_GROW_H

#include <stddef.h>

/*
 * Room for item @n (the n + 1st) of @size bytes in @items, whose capacity
 * is *@cap items: @items itself when it has room, else a copy of twice the
 * capacity (@first items the first time), *@cap updated. NULL when out of
 * memory, @items and *@cap then as they were.
 */
void *sabuf_grow(void *items, size_t n, size_t *cap, size_t size, size_t first);

#endif /* SABUF_CLI_GROW_H */
