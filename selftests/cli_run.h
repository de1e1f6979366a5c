/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running the sabuf(8) tool from a selftest (netlink_test.c, who_test.c):
 * find it ($SABUF_CLI, or on PATH), run it with its output captured, and
 * read its --json with a little reader that flattens a document into
 * path = value pairs.
 */
#ifndef SABUF_CLI_RUN_H
#define SABUF_CLI_RUN_H

#include "nl_client.h"

/* ---- running it ---- */

struct cli_run {
	int status;		/* exit status, or 128 + signal */
	char out[1024 * 1024];
	char err[4096];
};

/* $SABUF_CLI, or `sabuf` found on PATH; NULL if neither. */
static inline const char *cli_path(void)
{
	static char found[PATH_MAX];
	const char *env = getenv("SABUF_CLI"), *path = getenv("PATH");
	char *copy, *dir, *save;

	if (env && *env)
		return access(env, X_OK) ? NULL : env;
	if (!path)
		return NULL;
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(found, sizeof(found), "%s/sabuf", dir);
		if (!access(found, X_OK)) {
			free(copy);
			return found;
		}
	}
	free(copy);
	return NULL;
}

static inline void read_all(int fd, char *buf, size_t size)
{
	ssize_t n = 0, got;

	lseek(fd, 0, SEEK_SET);
	while ((size_t)n < size - 1 && (got = read(fd, buf + n, size - 1 - n)) > 0)
		n += got;
	buf[n] = '\0';
}

/* Run `sabuf ARGS...` (NULL-terminated); its status and output in run. 0 or -errno. */
static inline int cli_run(struct cli_run *run, const char *const *args)
{
	const char *argv[16] = { "sabuf" };
	const char *path = cli_path();
	int out, err, i;
	pid_t pid;

	if (!path)
		return -ENOENT;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	out = memfd_create("sabuf-out", MFD_CLOEXEC);
	err = memfd_create("sabuf-err", MFD_CLOEXEC);
	if (out < 0 || err < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	run->status = reap(pid);
	read_all(out, run->out, sizeof(run->out));
	read_all(err, run->err, sizeof(run->err));
	close(out);
	close(err);
	return 0;
}

/* ---- a little JSON reader: flattens a document into path = value pairs ---- */

struct json_doc {
	unsigned int n;
	struct {
		char path[96];		/* e.g. "[0].id", "queues[1].offset" */
		char value[96];		/* strings unquoted; numbers, true, false, null as written */
	} kv[8192];
};

static inline void json_ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
		(*p)++;
}

static inline bool json_add(struct json_doc *d, const char *path, const char *value, size_t len)
{
	if (d->n >= sizeof(d->kv) / sizeof(d->kv[0]))
		return false;
	snprintf(d->kv[d->n].path, sizeof(d->kv[0].path), "%s", path);
	snprintf(d->kv[d->n].value, sizeof(d->kv[0].value), "%.*s", (int)len, value);
	d->n++;
	return true;
}

/* A string at *p into out (escapes kept simple: \" \\ \/ and \uXXXX as '?'). */
static inline bool json_string(const char **p, char *out, size_t size)
{
	size_t n = 0;

	if (**p != '"')
		return false;
	for ((*p)++; **p != '"'; (*p)++) {
		char ch = **p;

		if (!ch || (unsigned char)ch < 0x20)
			return false;
		if (ch == '\\') {
			(*p)++;
			ch = **p;
			if (ch == 'u') {
				for (int i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)*++(*p)))
						return false;
				ch = '?';
			} else if (!strchr("\"\\/bfnrt", ch) || !ch) {
				return false;
			}
		}
		if (n + 1 < size)
			out[n++] = ch;
	}
	(*p)++;
	out[n] = '\0';
	return true;
}

static inline bool json_value(const char **p, struct json_doc *d, const char *path, int depth)
{
	char sub[96], key[64];
	const char *start;

	if (depth > 8)
		return false;
	json_ws(p);
	if (**p == '{') {
		(*p)++;
		json_ws(p);
		if (**p == '}')
			return (*p)++, true;
		for (;;) {
			json_ws(p);
			if (!json_string(p, key, sizeof(key)))
				return false;
			json_ws(p);
			if (*(*p)++ != ':')
				return false;
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
			if (!json_value(p, d, sub, depth + 1))
				return false;
			json_ws(p);
			if (**p == ',') {
				(*p)++;
				continue;
			}
			return *(*p)++ == '}';
		}
	}
	if (**p == '[') {
		(*p)++;
		json_ws(p);
		if (**p == ']')
			return (*p)++, true;
		for (int i = 0; ; i++) {
			snprintf(sub, sizeof(sub), "%s[%d]", path, i);
			if (!json_value(p, d, sub, depth + 1))
				return false;
			json_ws(p);
			if (**p == ',') {
				(*p)++;
				continue;
			}
			return *(*p)++ == ']';
		}
	}
	if (**p == '"') {
		char text[96];

		return json_string(p, text, sizeof(text)) && json_add(d, path, text, strlen(text));
	}
	start = *p;
	if (!strncmp(start, "true", 4) || !strncmp(start, "null", 4))
		*p += 4;
	else if (!strncmp(start, "false", 5))
		*p += 5;
	else {
		char *end;

		strtod(start, &end);
		if (end == start)
			return false;
		*p = end;
	}
	return json_add(d, path, start, *p - start);
}

/* Parse a whole document (nothing but blanks after it). */
static inline bool json_parse(const char *text, struct json_doc *d)
{
	const char *p = text;

	d->n = 0;
	if (!json_value(&p, d, "", 0))
		return false;
	json_ws(&p);
	return *p == '\0';
}

static inline const char *json_get(const struct json_doc *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline const char *json_get(const struct json_doc *d, const char *fmt, ...)
{
	char path[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	for (unsigned int i = 0; i < d->n; i++)
		if (!strcmp(d->kv[i].path, path))
			return d->kv[i].value;
	return NULL;
}

/* The number at a path, or UINT64_MAX when absent. */
static inline uint64_t json_u64(const struct json_doc *d, const char *path_prefix, const char *key)
{
	const char *v = json_get(d, "%s%s", path_prefix, key);

	return v ? strtoull(v, NULL, 10) : UINT64_MAX;
}

/* In a `list --json` array: the "[i]." prefix of the buffer with id, or NULL. */
static inline const char *json_find_buffer(const struct json_doc *d, uint64_t id)
{
	static char prefix[32];
	const char *v;

	for (int i = 0; (v = json_get(d, "[%d].id", i)); i++) {
		if (strtoull(v, NULL, 10) == id) {
			snprintf(prefix, sizeof(prefix), "[%d].", i);
			return prefix;
		}
	}
	return NULL;
}

/* Every "[i].id" of a `list --json` array into ids (at most max); how many. */
static inline unsigned int json_list_ids(const struct json_doc *d, uint64_t *ids, unsigned int max)
{
	unsigned int n = 0;
	char *end;

	for (unsigned int i = 0; i < d->n && n < max; i++) {
		const char *path = d->kv[i].path;

		/* "[<digits>].id" */
		if (path[0] == '[' && strtoul(path + 1, &end, 10) < ULONG_MAX && !strcmp(end, "].id"))
			ids[n++] = strtoull(d->kv[i].value, NULL, 10);
	}
	return n;
}

#endif /* SABUF_CLI_RUN_H */
