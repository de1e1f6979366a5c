// SPDX-License-Identifier: MIT
/*
 * meet: two unrelated processes meet by name and share one buffer, as
 * with shm_open. Neither is the other's parent and they share no memory;
 * they only know a name.
 *
 *   meet owner NAME   opens (creating if need be) the buffer called NAME,
 *                     talks to the guest through it, removes the name
 *   meet guest NAME   opens (creating if need be) the same buffer, answers
 *   meet              runs both: starts an owner and a guest as two
 *                     separate programs on a fresh name, and waits for both
 *
 * Whoever comes first creates the buffer (O_CREAT without O_EXCL), so the
 * two may start in any order. Mode 0600: only processes of the same user
 * (or with CAP_IPC_OWNER) can open it, and only in the same IPC namespace.
 * Passing an fd over a Unix socket (sabuf_send / sabuf_recv), the other way
 * to share a buffer with a stranger, is shown by readonly_config.c. The
 * talk uses the buffer as a mailbox:
 *
 *   word[0]  the owner's turn flag   text[0]  the owner's message
 *   word[1]  the guest's turn flag   text[1]  the guest's message
 *   word[2]  a counter both bump 1000 times
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

struct mailbox {
	int32_t word[4];
	char text[2][120];
};

/* Post a message in my slot, raise my flag, wake the other side. */
static void say(struct sabuf *sb, struct mailbox *m, int me, const char *text)
{
	snprintf(m->text[me], sizeof(m->text[me]), "%s", text);
	sabuf_store(&m->word[me], 1);	/* after the text: seq_cst store */
	sabuf_notify(sb, &m->word[me], 1);
}

/* Sleep until the other side's flag goes up (at most 10 s). */
static int hear(struct sabuf *sb, struct mailbox *m, int other)
{
	int64_t until = monotonic_ns() + 10000000000LL;

	while (sabuf_load(&m->word[other]) == 0) {
		int64_t left = until - monotonic_ns();

		if (left <= 0 ||
		    sabuf_wait32(sb, &m->word[other], 0, left) == SABUF_TIMED_OUT)
			return -ETIMEDOUT;
	}
	return 0;
}

static void bump_counter(struct mailbox *m)
{
	int i;

	for (i = 0; i < 1000; i++)
		sabuf_add(&m->word[2], 1);
}

/* Both sides: the buffer called name, whoever made it. */
static struct sabuf *open_by_name(const char *who, const char *name)
{
	struct sabuf *sb;

	must(sabuf_open(name, O_RDWR | O_CREAT, 0600, sizeof(struct mailbox), &sb), who);
	printf("%s (pid %d): opened the %zu-byte buffer called \"%s\"\n", who, getpid(),
	       sabuf_byte_length(sb), name);
	return sb;
}

static int owner(const char *name)
{
	struct sabuf *sb = open_by_name("owner", name);
	struct mailbox *m = sabuf_data(sb);
	char text[120];

	snprintf(text, sizeof(text), "hello from the owner, pid %d", getpid());
	say(sb, m, 0, text);
	bump_counter(m);
	must(hear(sb, m, 1), "owner: waiting for the guest");
	printf("owner: the guest wrote \"%s\"\n", m->text[1]);
	printf("owner: the shared counter reads %d\n", sabuf_load(&m->word[2]));
	/* the name goes now; the buffer goes with the last handle */
	must(sabuf_unlink(name), "owner: sabuf_unlink");
	sabuf_destroy(sb);
	return 0;
}

static int guest(const char *name)
{
	struct sabuf *sb = open_by_name("guest", name);
	struct mailbox *m = sabuf_data(sb);
	char text[120];

	must(hear(sb, m, 0), "guest: waiting for the owner");
	printf("guest: the owner wrote \"%s\"\n", m->text[0]);
	bump_counter(m);
	snprintf(text, sizeof(text), "hello back from the guest, pid %d", getpid());
	say(sb, m, 1, text);
	sabuf_destroy(sb);
	return 0;
}

/* Start `meet ROLE NAME` as a separate program. */
static pid_t start(const char *role, const char *name)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "meet", role, name, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	char name[64];
	pid_t pids[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "owner") == 0)
		return owner(argv[2]);
	if (argc == 3 && strcmp(argv[1], "guest") == 0)
		return guest(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: meet [owner NAME | guest NAME]\n");
		return 2;
	}
	snprintf(name, sizeof(name), "sabuf-meet-%d", getpid());
	printf("starting two separate programs that know only the name \"%s\"\n", name);
	/* the guest first: the order does not matter */
	pids[1] = start("guest", name);
	pids[0] = start("owner", name);
	return wait_workers(pids, 2) ? 1 : 0;
}
