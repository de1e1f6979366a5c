// SPDX-License-Identifier: GPL-2.0
/* JSON output: see output.h for its shape. */
#include <inttypes.h>

#include "format.h"
#include "output.h"

/* @s as a JSON string, quoted and escaped (output_who.c uses it too). */
void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* The buffer's fields, without braces; "id" always comes first. */
static void json_stat_fields(FILE *f, const struct sabuf_stat *st)
{
	char text[64];
	const char *name;

	fprintf(f, "\"id\": %" PRIu64, st->id);
	/* a named buffer's name; null for an anonymous one (or an unlinked name) */
	fputs(", \"name\": ", f);
	if (st->have & STAT_HAS(SABUF_A_NAME))
		json_string(f, st->name);
	else
		fputs("null", f);
#define FIELD(attr, key, value)						\
	do {								\
		if (st->have & STAT_HAS(attr))				\
			fprintf(f, ", \"" key "\": %" PRIu64, (uint64_t)(value)); \
	} while (0)
	FIELD(SABUF_A_BYTE_LENGTH, "byte_length", st->byte_length);
	FIELD(SABUF_A_CREATOR_PID, "creator_pid", st->creator_pid);
	FIELD(SABUF_A_CREATOR_UID, "creator_uid", st->creator_uid);
	if (st->have & STAT_HAS(SABUF_A_CREATOR_UID)) {
		name = user_name(st->creator_uid);
		fputs(", \"user\": ", f);
		if (name)
			json_string(f, name);
		else
			fputs("null", f);
	}
	FIELD(SABUF_A_FDS, "fds", st->fds);
	FIELD(SABUF_A_MAPPINGS, "mappings", st->mappings);
	FIELD(SABUF_A_WAITERS, "waiters", st->waiters);
	FIELD(SABUF_A_WAITERS_ANY, "waiters_any", st->waiters_any);
	FIELD(SABUF_A_WAITERS_ASYNC, "waiters_async", st->waiters_async);
	FIELD(SABUF_A_WAITS, "waits", st->waits);
	FIELD(SABUF_A_NOTIFIES, "notifies", st->notifies);
	FIELD(SABUF_A_CREATED_NS, "created_ns", st->created_ns);
#undef FIELD
	if (st->have & STAT_HAS(SABUF_A_CREATED_NS)) {
		format_utc_time(text, sizeof(text), st->created_ns);
		fputs(", \"created\": ", f);
		json_string(f, text);
	}
}

void output_list_json(FILE *f, const struct sabuf_stat_list *list, bool one_line)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < list->count; i++) {
		fputs(i ? "," : "", f);
		fputs(one_line ? "" : "\n  ", f);
		fputc('{', f);
		json_stat_fields(f, &list->items[i]);
		fputc('}', f);
	}
	fputs(list->count && !one_line ? "\n]\n" : "]\n", f);
}

void output_show_json(FILE *f, const struct sabuf_detail *detail, bool one_line)
{
	const char *indent = one_line ? "" : "\n  ";
	size_t i;

	fprintf(f, "{%s", indent);
	json_stat_fields(f, &detail->stat);
	fprintf(f, ",%s\"queues\": [", one_line ? " " : indent);
	for (i = 0; i < detail->nr_queues; i++)
		fprintf(f, "%s%s{\"offset\": %" PRIu64 ", \"waiters\": %" PRIu32 "}",
			i ? "," : "", one_line ? "" : "\n    ",
			detail->queues[i].offset, detail->queues[i].waiters);
	fputs(detail->nr_queues && !one_line ? "\n  ]" : "]", f);
	output_who_json(f, &detail->who, one_line);
	fputs(one_line ? "}\n" : "\n}\n", f);
}
