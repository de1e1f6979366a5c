/* SPDX-License-Identifier: GPL-2.0 */
/* The sabuf command line: options, exit codes and the commands. */
#ifndef SABUF_CLI_H
#define SABUF_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "genl.h"

/* Exit codes (documented in sabuf(8)). */
enum {
	EXIT_OK		= 0,
	EXIT_FAILED	= 1,	/* netlink or system error */
	EXIT_USAGE	= 2,	/* bad command line */
	EXIT_NO_FAMILY	= 3,	/* the family is not registered: module not loaded */
	EXIT_NO_BUFFER	= 4,	/* no buffer with that id, or not the caller's */
	EXIT_DEADLOCK	= 5,	/* locks: it reported a deadlock */
};

struct cli_options {
	bool json;
	unsigned long count;	/* watch: refreshes; 0 means until interrupted */
	double interval;	/* watch: seconds between refreshes */
};

extern const char *program_name;

int cmd_list(struct genl_conn *c, const struct cli_options *opts);
int cmd_show(struct genl_conn *c, const struct cli_options *opts, uint64_t id);
int cmd_locks(struct genl_conn *c, const struct cli_options *opts);
int cmd_watch(struct genl_conn *c, const struct cli_options *opts, bool has_id, uint64_t id);

/* Say why a request failed, on stderr; the exit code to use. */
int report_error(const struct genl_conn *c, int err, const char *what);

#endif /* SABUF_CLI_H */
