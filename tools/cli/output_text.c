// SPDX-License-Identifier: GPL-2.0
/*
 * Text output, in the spirit of ipcs: one row per buffer, columns sized to
 * their contents; `show` adds the buffer's waited-on indices below it.
 */
#include <errno.h>
#include <inttypes.h>

#include "format.h"
#include "output.h"
#include "table.h"

static const char *const list_headers[] = {
	"ID", "SIZE", "PID", "USER", "FDS", "MAPS", "WAITERS", "ANY", "ASYNC", "WAITS",
	"NOTIFIES", "CREATED", "NAME",
};
static const char list_align[] = "rlrlrrrrrrrll";

/* One cell for a field the kernel may not have sent ("-" when it did not). */
#define CELL_U64(t, st, attr, value)					\
	((st)->have & STAT_HAS(attr) ?					\
	 table_cell((t), "%" PRIu64, (uint64_t)(value)) : table_cell((t), "-"))

static int list_row(struct table *t, const struct sabuf_stat *st)
{
	char text[64];
	int ret = 0;

	ret |= table_cell(t, "%" PRIu64, st->id);
	if (st->have & STAT_HAS(SABUF_A_BYTE_LENGTH)) {
		format_size(text, sizeof(text), st->byte_length);
		ret |= table_cell(t, "%s", text);
	} else {
		ret |= table_cell(t, "-");
	}
	ret |= CELL_U64(t, st, SABUF_A_CREATOR_PID, st->creator_pid);
	if (st->have & STAT_HAS(SABUF_A_CREATOR_UID)) {
		format_user(text, sizeof(text), st->creator_uid);
		ret |= table_cell(t, "%s", text);
	} else {
		ret |= table_cell(t, "-");
	}
	ret |= CELL_U64(t, st, SABUF_A_FDS, st->fds);
	ret |= CELL_U64(t, st, SABUF_A_MAPPINGS, st->mappings);
	ret |= CELL_U64(t, st, SABUF_A_WAITERS, st->waiters);
	ret |= CELL_U64(t, st, SABUF_A_WAITERS_ANY, st->waiters_any);
	ret |= CELL_U64(t, st, SABUF_A_WAITERS_ASYNC, st->waiters_async);
	ret |= CELL_U64(t, st, SABUF_A_WAITS, st->waits);
	ret |= CELL_U64(t, st, SABUF_A_NOTIFIES, st->notifies);
	if (st->have & STAT_HAS(SABUF_A_CREATED_NS)) {
		format_local_time(text, sizeof(text), st->created_ns);
		ret |= table_cell(t, "%s", text);
	} else {
		ret |= table_cell(t, "-");
	}
	/* last: a name may hold any byte but '/', spaces too */
	ret |= table_cell(t, "%s", st->have & STAT_HAS(SABUF_A_NAME) ? st->name : "-");
	return ret ? -ENOMEM : 0;
}

static int print_buffers(FILE *f, const struct sabuf_stat *items, size_t count)
{
	struct table *t = table_new(list_headers, list_align);
	size_t i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		if (list_row(t, &items[i])) {
			table_free(t);
			return -ENOMEM;
		}
	}
	table_print(t, f);
	table_free(t);
	return 0;
}

int output_list_table(FILE *f, const struct sabuf_stat_list *list)
{
	return print_buffers(f, list->items, list->count);
}

int output_show_text(FILE *f, const struct sabuf_detail *detail)
{
	static const char *const queue_headers[] = { "OFFSET", "WAITERS" };
	struct table *t;
	size_t i;
	int ret;

	ret = print_buffers(f, &detail->stat, 1);
	if (ret)
		return ret;
	fputc('\n', f);
	if (!detail->nr_queues) {
		fputs("no waiters\n", f);
		return output_who_text(f, &detail->who);
	}
	t = table_new(queue_headers, "rr");
	if (!t)
		return -ENOMEM;
	for (i = 0; i < detail->nr_queues; i++) {
		if (table_cell(t, "%" PRIu64, detail->queues[i].offset) ||
		    table_cell(t, "%" PRIu32, detail->queues[i].waiters)) {
			table_free(t);
			return -ENOMEM;
		}
	}
	table_print(t, f);
	table_free(t);
	return output_who_text(f, &detail->who);
}
