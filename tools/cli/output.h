/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rendering buffers for people (tables) and for scripts (JSON).
 *
 * JSON: `list` is an array of buffer objects, one per line; `show` is one
 * buffer object with a "queues" array, and (0.3 modules) "holders" and
 * "waiter_list" arrays; `locks` is an object with "locks" and "deadlocks". Fields are named after the netlink
 * attributes (uapi/linux/sabuf_netlink.h); a field the kernel did not send
 * is left out. With @one_line, the whole document is a single line (what
 * `watch --json` prints at each refresh: JSON Lines).
 */
#ifndef SABUF_CLI_OUTPUT_H
#define SABUF_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "locks.h"
#include "stats.h"

int output_list_table(FILE *f, const struct sabuf_stat_list *list);
int output_show_text(FILE *f, const struct sabuf_detail *detail);

void output_list_json(FILE *f, const struct sabuf_stat_list *list, bool one_line);
void output_show_json(FILE *f, const struct sabuf_detail *detail, bool one_line);

/* @s as a JSON string, quoted and escaped */
void json_string(FILE *f, const char *s);

/* output_who.c: show's holders and waiters (after its queues), and `locks` */
int output_who_text(FILE *f, const struct sabuf_who *who);
void output_who_json(FILE *f, const struct sabuf_who *who, bool one_line);
int output_locks_text(FILE *f, const struct sabuf_locks *l);
void output_locks_json(FILE *f, const struct sabuf_locks *l, bool one_line);

#endif /* SABUF_CLI_OUTPUT_H */
