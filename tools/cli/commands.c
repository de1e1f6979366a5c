// SPDX-License-Identifier: GPL-2.0
/* The commands: list, show ID, watch [ID], locks. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "output.h"
#include "stats.h"

int report_error(const struct genl_conn *c, int err, const char *what)
{
	fprintf(stderr, "%s: %s: %s", program_name, what, strerror(-err));
	if (c->err.msg[0])
		fprintf(stderr, " (kernel: %s)", c->err.msg);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

static int report_no_buffer(uint64_t id)
{
	fprintf(stderr, "%s: no buffer with id %" PRIu64 " (it is gone, or not yours)\n",
		program_name, id);
	return EXIT_NO_BUFFER;
}

static void warn_inconsistent(void)
{
	fprintf(stderr, "%s: warning: buffers kept coming and going during %d attempts "
		"to list them; buffers created or closed meanwhile may be missing or stale\n",
		program_name, SABUF_DUMP_ATTEMPTS);
}

/* ---- one snapshot, printed to f; an exit code ---- */

static int print_list(struct genl_conn *c, const struct cli_options *opts, FILE *f, bool one_line)
{
	struct sabuf_stat_list list;
	bool inconsistent;
	int ret;

	ret = sabuf_stats_dump(c, &list, &inconsistent);
	if (ret)
		return report_error(c, ret, "cannot list the buffers");
	if (inconsistent)
		warn_inconsistent();
	if (opts->json)
		output_list_json(f, &list, one_line);
	else
		ret = output_list_table(f, &list);
	sabuf_stat_list_free(&list);
	return ret ? report_error(c, ret, "cannot print the list") : EXIT_OK;
}

static int print_show(struct genl_conn *c, const struct cli_options *opts, FILE *f,
		      bool one_line, uint64_t id)
{
	struct sabuf_detail detail;
	int ret;

	ret = sabuf_stats_get(c, id, &detail);
	if (ret == -ENOENT)
		return report_no_buffer(id);
	if (ret)
		return report_error(c, ret, "cannot get the buffer");
	if (opts->json)
		output_show_json(f, &detail, one_line);
	else
		ret = output_show_text(f, &detail);
	sabuf_detail_free(&detail);
	return ret ? report_error(c, ret, "cannot print the buffer") : EXIT_OK;
}

int cmd_list(struct genl_conn *c, const struct cli_options *opts)
{
	return print_list(c, opts, stdout, false);
}

int cmd_show(struct genl_conn *c, const struct cli_options *opts, uint64_t id)
{
	return print_show(c, opts, stdout, false, id);
}

/* Contended mutexes and deadlocks; EXIT_DEADLOCK when it reports one. */
int cmd_locks(struct genl_conn *c, const struct cli_options *opts)
{
	struct sabuf_locks locks;
	bool inconsistent;
	int ret;

	ret = sabuf_locks_get(c, &locks, &inconsistent);
	if (ret)
		return report_error(c, ret, "cannot list the locks");
	if (inconsistent)
		warn_inconsistent();
	if (opts->json)
		output_locks_json(stdout, &locks, false);
	else
		ret = output_locks_text(stdout, &locks);
	if (ret) {
		sabuf_locks_free(&locks);
		return report_error(c, ret, "cannot print the locks");
	}
	ret = locks.nr_deadlocks ? EXIT_DEADLOCK : EXIT_OK;
	sabuf_locks_free(&locks);
	return ret;
}

/* ---- watch ---- */

static volatile sig_atomic_t watch_stop;

static void watch_on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* No SA_RESTART: the signal must cut the sleep between refreshes short. */
static void watch_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = watch_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void timespec_add(struct timespec *t, double seconds)
{
	long long ns = t->tv_nsec + (long long)(seconds * 1e9);

	t->tv_sec += ns / 1000000000;
	t->tv_nsec = ns % 1000000000;
}

/* Text mode: a heading like watch(1)'s above each snapshot. */
static void watch_heading(FILE *f, const struct cli_options *opts, bool has_id, uint64_t id)
{
	struct timespec now;
	char when[64], what[64];

	clock_gettime(CLOCK_REALTIME, &now);
	format_local_time(when, sizeof(when), (uint64_t)now.tv_sec * 1000000000u + now.tv_nsec);
	if (has_id)
		snprintf(what, sizeof(what), "%s show %" PRIu64, program_name, id);
	else
		snprintf(what, sizeof(what), "%s list", program_name);
	fprintf(f, "Every %gs: %s    %s\n\n", opts->interval, what, when);
}

int cmd_watch(struct genl_conn *c, const struct cli_options *opts, bool has_id, uint64_t id)
{
	/* Repaint in place on a terminal; elsewhere append one block per refresh. */
	bool repaint = !opts->json && isatty(STDOUT_FILENO);
	struct timespec next;
	unsigned long done;
	char *text = NULL;
	size_t len = 0;
	int ret = EXIT_OK;
	FILE *f;

	watch_catch_signals();
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (done = 0; !watch_stop; ) {
		/* Render off-screen first, so a repaint does not flicker. */
		f = open_memstream(&text, &len);
		if (!f)
			return report_error(c, -errno, "cannot render");
		if (!opts->json)
			watch_heading(f, opts, has_id, id);
		if (has_id)
			ret = print_show(c, opts, f, opts->json, id);
		else
			ret = print_list(c, opts, f, opts->json);
		fclose(f);
		if (ret) {	/* including the watched buffer going away */
			free(text);
			return ret;
		}
		if (repaint)
			fputs("\033[H\033[2J", stdout);
		else if (done && !opts->json)
			fputc('\n', stdout);
		fwrite(text, 1, len, stdout);
		fflush(stdout);
		free(text);
		text = NULL;

		done++;
		if (opts->count && done >= opts->count)
			break;
		timespec_add(&next, opts->interval);
		while (!watch_stop &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	return EXIT_OK;
}
