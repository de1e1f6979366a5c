// SPDX-License-Identifier: MIT
/*
 * meet: two unrelated processes meet over a Unix socket and share one
 * buffer. Neither is the other's parent and they share no memory; they
 * only know a socket path.
 *
 *   meet owner PATH   creates a buffer, listens on PATH, hands the buffer
 *                     to whoever connects (sabuf_send), then talks to it
 *                     through the shared memory
 *   meet guest PATH   connects to PATH, receives the buffer (sabuf_recv),
 *                     and answers
 *   meet              runs both: starts an owner and a guest as two
 *                     separate programs on a fresh path, and waits for both
 *
 * Only a process holding the buffer's fd can map it: the socket is the
 * access control. The talk uses the buffer as a mailbox:
 *
 *   word[0]  the owner's turn flag   text[0]  the owner's message
 *   word[1]  the guest's turn flag   text[1]  the guest's message
 *   word[2]  a counter both bump 1000 times
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

struct mailbox {
	int32_t word[4];
	char text[2][120];
};

static int unix_address(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	strcpy(addr->sun_path, path);
	return 0;
}

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

static int owner(const char *path)
{
	struct sockaddr_un addr;
	struct sabuf *sb;
	struct mailbox *m;
	char text[120];
	int listener, conn;

	must(unix_address(path, &addr), path);
	must(sabuf_create(sizeof(*m), &sb), "sabuf_create");
	m = sabuf_data(sb);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr,
				 sizeof(addr)) < 0 || listen(listener, 1) < 0)
		must(-errno, "owner: listen");
	printf("owner (pid %d): created a %zu-byte buffer, listening on %s\n",
	       getpid(), sabuf_byte_length(sb), path);
	conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		must(-errno, "owner: accept");
	must(sabuf_send(conn, sb), "owner: sabuf_send");
	printf("owner: a guest connected; sent it the buffer\n");
	close(conn);
	close(listener);
	unlink(path);

	snprintf(text, sizeof(text), "hello from the owner, pid %d", getpid());
	say(sb, m, 0, text);
	bump_counter(m);
	must(hear(sb, m, 1), "owner: waiting for the guest");
	printf("owner: the guest wrote \"%s\"\n", m->text[1]);
	printf("owner: the shared counter reads %d\n", sabuf_load(&m->word[2]));
	sabuf_destroy(sb);
	return 0;
}

static int guest(const char *path)
{
	struct sockaddr_un addr;
	struct sabuf *sb;
	struct mailbox *m;
	char text[120];
	int sock, tries;

	must(unix_address(path, &addr), path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		must(-errno, "guest: socket");
	/* the owner may not be listening yet */
	for (tries = 0; connect(sock, (struct sockaddr *)&addr,
				sizeof(addr)) < 0; tries++) {
		if (tries == 500 || (errno != ENOENT && errno != ECONNREFUSED))
			must(-errno, "guest: connect");
		sleep_ms(10);
	}
	must(sabuf_recv(sock, &sb), "guest: sabuf_recv");
	close(sock);
	m = sabuf_data(sb);
	printf("guest (pid %d): received a %zu-byte buffer over %s\n", getpid(),
	       sabuf_byte_length(sb), path);

	must(hear(sb, m, 0), "guest: waiting for the owner");
	printf("guest: the owner wrote \"%s\"\n", m->text[0]);
	bump_counter(m);
	snprintf(text, sizeof(text), "hello back from the guest, pid %d",
		 getpid());
	say(sb, m, 1, text);
	sabuf_destroy(sb);
	return 0;
}

/* Start `meet ROLE PATH` as a separate program. */
static pid_t start(const char *role, const char *path)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "meet", role, path, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/sabuf-meet-XXXXXX", path[64];
	pid_t pids[2];
	int failed;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "owner") == 0)
		return owner(argv[2]);
	if (argc == 3 && strcmp(argv[1], "guest") == 0)
		return guest(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: meet [owner PATH | guest PATH]\n");
		return 2;
	}
	if (!mkdtemp(dir))
		must(-errno, "mkdtemp");
	snprintf(path, sizeof(path), "%s/socket", dir);
	printf("starting two separate programs that know only %s\n", path);
	pids[0] = start("owner", path);
	pids[1] = start("guest", path);
	failed = wait_workers(pids, 2);
	unlink(path);
	rmdir(dir);
	return failed ? 1 : 0;
}
