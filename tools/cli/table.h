/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Column layout for text output, like ipcs and ss: every column as wide as
 * its widest cell, numbers right-aligned, two spaces between columns.
 */
#ifndef SABUF_CLI_TABLE_H
#define SABUF_CLI_TABLE_H

#include <stdio.h>

struct table;

/* @align holds one letter per column: 'l' (left) or 'r' (right). NULL if out of memory. */
struct table *table_new(const char *const *headers, const char *align);

/* Append a cell to the current row; a row is full after one cell per column. 0 or -ENOMEM. */
int table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

#endif /* SABUF_CLI_TABLE_H */
