// SPDX-License-Identifier: GPL-2.0
/* Growing arrays by doubling (grow.h). */
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

void *sabuf_grow(void *items, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t c;
	void *p;

	if (n < *cap)
		return items;
	c = *cap ? 2 * *cap : first;
	if (c < *cap || c > SIZE_MAX / size)
		return NULL;
	p = realloc(items, c * size);
	if (p)
		*cap = c;
	return p;
}
