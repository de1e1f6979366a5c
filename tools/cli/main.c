// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf: list the buffers of /dev/sabuf and who waits on them, the way
 * ipcs lists System V segments, through the generic netlink family "sabuf"
 * (uapi/linux/sabuf_netlink.h). See sabuf(8).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/sabuf_netlink.h>

#include "cli.h"

#ifndef SABUF_VERSION
#define SABUF_VERSION "0.2.0"
#endif

const char *program_name = "sabuf";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %1$s [OPTION]... [COMMAND [ARG]]\n"
"Show the shared buffers of /dev/sabuf, their users and their waiters.\n"
"\n"
"Commands:\n"
"  list          every buffer you may see, one per row (the default)\n"
"  show ID       one buffer: its waited-on indices (OFFSET, WAITERS), the\n"
"                processes holding it, the threads waiting on it\n"
"  watch [ID]    list (or show ID) again every second until interrupted\n"
"  locks         contended robust mutexes (owner, sleepers), then deadlocks\n"
"\n"
"Options:\n"
"  -j, --json          print JSON (watch: one line per refresh)\n"
"  -n, --count N       watch: stop after N refreshes\n"
"  -i, --interval S    watch: seconds between refreshes (default 1; 0.5 works)\n"
"  -h, --help          print this help and exit\n"
"  -V, --version       print the version and exit\n"
"\n"
"Without CAP_SYS_ADMIN you see only buffers created by your own uid.\n"
"\n"
"Exit status: 0 success, 1 failure, 2 bad usage, 3 the sabuf module is not\n"
"loaded, 4 no such buffer, 5 locks found a deadlock.\n", program_name);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", program_name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", program_name);
	return EXIT_USAGE;
}

/* A decimal number with nothing around it. */
static bool parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.001 || v > 86400)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "count",	required_argument,	NULL, 'n' },
		{ "interval",	required_argument,	NULL, 'i' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options opts = { .interval = 1.0 };
	bool watch_options = false, has_id = false;
	const char *command = "list";
	struct genl_conn conn;
	uint64_t id = 0;
	int opt, ret, nargs;
	char **args;

	while ((opt = getopt_long(argc, argv, "jn:i:hV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'n': {
			uint64_t n;

			if (!parse_u64(optarg, &n) || n < 1 || n > ULONG_MAX)
				return usage_error("--count wants a whole number of at least 1, not '%s'", optarg);
			opts.count = n;
			watch_options = true;
			break;
		}
		case 'i':
			if (!parse_interval(optarg, &opts.interval))
				return usage_error("--interval wants seconds between 0.001 and 86400, not '%s'", optarg);
			watch_options = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s (netlink family '%s', version %d)\n", program_name,
			       SABUF_VERSION, SABUF_GENL_NAME, SABUF_GENL_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", program_name);
			return EXIT_USAGE;
		}
	}
	args = argv + optind;
	nargs = argc - optind;
	if (nargs > 0) {
		command = args[0];
		args++;
		nargs--;
	}

	if (!strcmp(command, "help")) {
		usage(stdout);
		return EXIT_OK;
	} else if (!strcmp(command, "list")) {
		if (nargs)
			return usage_error("list takes no argument, got '%s'", args[0]);
	} else if (!strcmp(command, "show")) {
		if (nargs != 1)
			return usage_error("%s", "show wants exactly one buffer ID");
		has_id = true;
	} else if (!strcmp(command, "locks")) {
		if (nargs)
			return usage_error("locks takes no argument, got '%s'", args[0]);
	} else if (!strcmp(command, "watch")) {
		if (nargs > 1)
			return usage_error("watch takes at most one buffer ID, got '%s' too", args[1]);
		has_id = nargs == 1;
	} else {
		return usage_error("unknown command '%s'", command);
	}
	if (has_id && !parse_u64(args[0], &id))
		return usage_error("a buffer ID is a decimal number, not '%s'", args[0]);
	if (watch_options && strcmp(command, "watch"))
		return usage_error("--count and --interval are for watch, not %s", command);

	ret = genl_open(&conn, SABUF_GENL_NAME);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: the generic netlink family '%s' is not registered: "
			"is the sabuf module loaded? (modprobe sabuf)\n",
			program_name, SABUF_GENL_NAME);
		return EXIT_NO_FAMILY;
	}
	if (ret)
		return report_error(&conn, ret, "cannot talk to the kernel over generic netlink");

	if (!strcmp(command, "list"))
		ret = cmd_list(&conn, &opts);
	else if (!strcmp(command, "show"))
		ret = cmd_show(&conn, &opts, id);
	else if (!strcmp(command, "locks"))
		ret = cmd_locks(&conn, &opts);
	else
		ret = cmd_watch(&conn, &opts, has_id, id);
	genl_close(&conn);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the output: %s\n", program_name, strerror(errno));
		return ret ? ret : EXIT_FAILED;
	}
	return ret;
}
