// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds and who waits, for people and for scripts: the holders and
 * waiters sections of `show`, and `locks` (its contended mutexes, then its
 * deadlocks). JSON keys are named after the netlink attributes without
 * their prefix (SABUF_A_HOLDER_PID: "pid" in a "holders" entry).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "output.h"
#include "table.h"

/* ---- text ---- */

static void thread_text(char *out, size_t size, uint32_t tid, uint32_t pid, const char *comm)
{
	if (!tid && !pid)
		snprintf(out, size, "?");	/* outside our pid namespace */
	else if (tid == pid)
		snprintf(out, size, "%" PRIu32 "%s%s%s", tid, *comm ? " (" : "", comm, *comm ? ")" : "");
	else
		snprintf(out, size, "%" PRIu32 "/%" PRIu32 "%s%s%s", pid, tid, *comm ? " (" : "",
			 comm, *comm ? ")" : "");
}

static void owner_text(char *out, size_t size, const struct sabuf_owner_stat *o)
{
	char who[64];

	if (!o->id) {
		snprintf(out, size, "none");
		return;
	}
	if (o->dead) {
		snprintf(out, size, "dead (owner id %" PRIu32 ")", o->id);
		return;
	}
	thread_text(who, sizeof(who), o->tid, o->pid, o->comm);
	snprintf(out, size, "%s", who);
}

int output_who_text(FILE *f, const struct sabuf_who *who)
{
	static const char *const holder_headers[] = { "PID", "COMMAND", "FDS", "MAPS" };
	static const char *const waiter_headers[] = { "OFFSET", "KIND", "PID", "TID", "OWNER" };
	char text[96];
	struct table *t;
	size_t i;
	int ret = 0;

	if (who->has_holders) {
		fprintf(f, "\nHolders:\n");
		t = table_new(holder_headers, "rlrr");
		if (!t)
			return -ENOMEM;
		for (i = 0; i < who->nr_holders; i++) {
			const struct sabuf_holder_stat *h = &who->holders[i];

			ret |= table_cell(t, "%" PRIu32, h->pid);
			ret |= table_cell(t, "%s", h->comm);
			ret |= table_cell(t, "%" PRIu32, h->fds);
			ret |= table_cell(t, "%" PRIu32, h->mappings);
		}
		if (!ret)
			table_print(t, f);
		table_free(t);
	}
	if (who->has_waiters && who->nr_waiters && !ret) {
		fprintf(f, "\nWaiters (oldest first at each offset):\n");
		t = table_new(waiter_headers, "rlrrl");
		if (!t)
			return -ENOMEM;
		for (i = 0; i < who->nr_waiters; i++) {
			const struct sabuf_waiter_stat *w = &who->waiters[i];

			ret |= table_cell(t, "%" PRIu64, w->offset);
			ret |= table_cell(t, "%s", sabuf_waiter_kind_name(w->kind));
			ret |= table_cell(t, "%" PRIu32, w->pid);
			ret |= w->tid ? table_cell(t, "%" PRIu32, w->tid) : table_cell(t, "-");
			if (w->has_owner)
				owner_text(text, sizeof(text), &w->owner);
			ret |= table_cell(t, "%s", w->has_owner ? text : "-");
		}
		if (!ret)
			table_print(t, f);
		table_free(t);
	}
	return ret ? -ENOMEM : 0;
}

int output_locks_text(FILE *f, const struct sabuf_locks *l)
{
	static const char *const headers[] = { "BUFFER", "NAME", "OFFSET", "OWNER", "SLEEPERS" };
	char owner[96], who[64];
	struct table *t;
	size_t i, j;
	int ret = 0;

	if (!l->nr_locks) {
		fputs("no contended mutexes\n", f);
		return 0;
	}
	t = table_new(headers, "rlrll");
	if (!t)
		return -ENOMEM;
	for (i = 0; i < l->nr_locks && !ret; i++) {
		const struct sabuf_lock *k = &l->locks[i];
		char *sleepers = NULL;
		size_t len = 0;
		FILE *s = open_memstream(&sleepers, &len);

		if (!s) {
			ret = -ENOMEM;
			break;
		}
		for (j = 0; j < k->nr_sleepers; j++) {
			thread_text(who, sizeof(who), k->sleepers[j].tid, k->sleepers[j].pid,
				    k->sleepers[j].comm);
			fprintf(s, "%s%s", j ? ", " : "", who);
		}
		fclose(s);
		owner_text(owner, sizeof(owner), &k->owner);
		ret |= table_cell(t, "%" PRIu64, k->id);
		ret |= table_cell(t, "%s", k->name[0] ? k->name : "-");
		ret |= table_cell(t, "%" PRIu64, k->offset);
		ret |= table_cell(t, "%s", owner);
		ret |= table_cell(t, "%s", sleepers ? sleepers : "");
		free(sleepers);
	}
	if (!ret)
		table_print(t, f);
	table_free(t);
	for (i = 0; i < l->nr_deadlocks && !ret; i++) {
		const struct sabuf_deadlock *d = &l->deadlocks[i];

		fprintf(f, "\nDEADLOCK %zu of %zu: %zu thread%s, each asleep on a mutex the next one holds:\n",
			i + 1, l->nr_deadlocks, d->n, d->n == 1 ? "" : "s");
		for (j = 0; j < d->n; j++) {
			const struct sabuf_lock *k = &l->locks[d->lock[j]];
			const struct sabuf_lock_thread *next = &d->threads[(j + 1) % d->n];

			thread_text(who, sizeof(who), d->threads[j].tid, d->threads[j].pid,
				    d->threads[j].comm);
			fprintf(f, "  thread %s sleeps on buffer %" PRIu64 "%s%s%s offset %" PRIu64
				", held by thread %" PRIu32 "\n", who, k->id, k->name[0] ? " (" : "",
				k->name, k->name[0] ? ")" : "", k->offset, next->tid);
		}
	}
	return ret ? -ENOMEM : 0;
}

/* ---- JSON ---- */

static void json_owner(FILE *f, const struct sabuf_owner_stat *o)
{
	fprintf(f, "{\"id\": %" PRIu32 ", \"dead\": %s", o->id, o->dead ? "true" : "false");
	if (o->id && !o->dead) {
		fprintf(f, ", \"tid\": %" PRIu32 ", \"pid\": %" PRIu32 ", \"comm\": ", o->tid, o->pid);
		json_string(f, o->comm);
	}
	fputc('}', f);
}

void output_who_json(FILE *f, const struct sabuf_who *who, bool one_line)
{
	const char *item = one_line ? "" : "\n    ";
	size_t i;

	if (who->has_holders) {
		fprintf(f, ",%s\"holders\": [", one_line ? " " : "\n  ");
		for (i = 0; i < who->nr_holders; i++) {
			const struct sabuf_holder_stat *h = &who->holders[i];

			fprintf(f, "%s%s{\"pid\": %" PRIu32 ", \"comm\": ", i ? "," : "", item, h->pid);
			json_string(f, h->comm);
			fprintf(f, ", \"fds\": %" PRIu32 ", \"mappings\": %" PRIu32 "}",
				h->fds, h->mappings);
		}
		fputs(who->nr_holders && !one_line ? "\n  ]" : "]", f);
	}
	if (who->has_waiters) {
		fprintf(f, ",%s\"waiter_list\": [", one_line ? " " : "\n  ");
		for (i = 0; i < who->nr_waiters; i++) {
			const struct sabuf_waiter_stat *w = &who->waiters[i];

			fprintf(f, "%s%s{\"offset\": %" PRIu64 ", \"kind\": \"%s\", \"tid\": %" PRIu32
				", \"pid\": %" PRIu32, i ? "," : "", item, w->offset,
				sabuf_waiter_kind_name(w->kind), w->tid, w->pid);
			if (w->has_owner) {
				fputs(", \"owner\": ", f);
				json_owner(f, &w->owner);
			}
			fputc('}', f);
		}
		fputs(who->nr_waiters && !one_line ? "\n  ]" : "]", f);
	}
}

static void json_thread(FILE *f, const struct sabuf_lock_thread *t)
{
	fprintf(f, "{\"tid\": %" PRIu32 ", \"pid\": %" PRIu32 ", \"comm\": ", t->tid, t->pid);
	json_string(f, t->comm);
}

void output_locks_json(FILE *f, const struct sabuf_locks *l, bool one_line)
{
	const char *nl1 = one_line ? "" : "\n  ", *nl2 = one_line ? "" : "\n    ";
	size_t i, j;

	fputs("{\"locks\": [", f);
	for (i = 0; i < l->nr_locks; i++) {
		const struct sabuf_lock *k = &l->locks[i];

		fprintf(f, "%s%s{\"id\": %" PRIu64 ", \"name\": ", i ? "," : "", nl1, k->id);
		if (k->name[0])
			json_string(f, k->name);
		else
			fputs("null", f);
		fprintf(f, ", \"offset\": %" PRIu64 ", \"owner\": ", k->offset);
		json_owner(f, &k->owner);
		fputs(", \"sleepers\": [", f);
		for (j = 0; j < k->nr_sleepers; j++) {
			fputs(j ? ", " : "", f);
			json_thread(f, &k->sleepers[j]);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fprintf(f, "%s],%s\"deadlocks\": [", l->nr_locks ? (one_line ? "" : "\n") : "",
		one_line ? " " : "\n ");
	for (i = 0; i < l->nr_deadlocks; i++) {
		const struct sabuf_deadlock *d = &l->deadlocks[i];

		fprintf(f, "%s%s{\"threads\": [", i ? "," : "", nl1);
		for (j = 0; j < d->n; j++) {
			const struct sabuf_lock *k = &l->locks[d->lock[j]];

			fprintf(f, "%s%s", j ? "," : "", nl2);
			json_thread(f, &d->threads[j]);
			fprintf(f, ", \"id\": %" PRIu64 ", \"offset\": %" PRIu64 ", \"held_by\": %" PRIu32 "}",
				k->id, k->offset, d->threads[(j + 1) % d->n].tid);
		}
		fprintf(f, "%s]}", one_line ? "" : "\n  ");
	}
	fprintf(f, "%s]}\n", l->nr_deadlocks && !one_line ? "\n" : "");
}
