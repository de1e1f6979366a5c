// SPDX-License-Identifier: GPL-2.0
/* A text table whose columns size themselves to their contents. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "table.h"

struct table {
	size_t ncols;
	const char *align;
	char **cells;		/* row-major; the first row holds the headers */
	size_t ncells;
	size_t capacity;
};

static int table_push(struct table *t, char *cell)
{
	char **cells = sabuf_grow(t->cells, t->ncells, &t->capacity, sizeof(*cells), 64);

	if (!cells)
		return -ENOMEM;
	t->cells = cells;
	t->cells[t->ncells++] = cell;
	return 0;
}

struct table *table_new(const char *const *headers, const char *align)
{
	struct table *t = calloc(1, sizeof(*t));
	size_t i;

	if (!t)
		return NULL;
	t->ncols = strlen(align);
	t->align = align;
	for (i = 0; i < t->ncols; i++) {
		if (table_cell(t, "%s", headers[i])) {
			table_free(t);
			return NULL;
		}
	}
	return t;
}

int table_cell(struct table *t, const char *fmt, ...)
{
	char *cell;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&cell, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	ret = table_push(t, cell);
	if (ret)
		free(cell);
	return ret;
}

void table_print(const struct table *t, FILE *f)
{
	size_t *width = calloc(t->ncols, sizeof(*width));
	size_t i, col, len;

	if (!width)
		return;
	for (i = 0; i < t->ncells; i++) {
		len = strlen(t->cells[i]);
		if (len > width[i % t->ncols])
			width[i % t->ncols] = len;
	}
	for (i = 0; i < t->ncells; i++) {
		col = i % t->ncols;
		if (col)
			fputs("  ", f);
		if (t->align[col] == 'r')
			fprintf(f, "%*s", (int)width[col], t->cells[i]);
		else if (col + 1 == t->ncols || i + 1 == t->ncells)
			fputs(t->cells[i], f);	/* no trailing blanks */
		else
			fprintf(f, "%-*s", (int)width[col], t->cells[i]);
		if (col + 1 == t->ncols)
			fputc('\n', f);
	}
	if (t->ncells % t->ncols)
		fputc('\n', f);
	free(width);
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
