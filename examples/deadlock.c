// SPDX-License-Identifier: MIT
/*
 * deadlock: two processes take two robust mutexes in opposite orders, and
 * `sabuf locks` (sabuf(8)) shows who waits for whom.
 *
 * worker-a locks the "accounts" mutex, then the "journal" one; worker-b
 * the journal, then the accounts: the classic ABBA. A barrier between the
 * first lock and the second makes the deadlock certain. No peer answers
 * "who holds this process-shared mutex?"; here the kernel knows every
 * owner and every sleeper, so `sabuf locks` lists the two contended
 * mutexes and then the cycle, and exits with status 5. The main process
 * prints that, then ends the workers.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

struct shared {
	sabuf_mutex_t accounts;		/* offset 0 */
	sabuf_mutex_t journal;		/* offset 4 */
	sabuf_barrier_t both_hold;
};

static int worker_main(struct sabuf *sb, int index)
{
	struct shared *s = sabuf_data(sb);
	sabuf_mutex_t *first = index ? &s->journal : &s->accounts;
	sabuf_mutex_t *second = index ? &s->accounts : &s->journal;

	prctl(PR_SET_NAME, index ? "worker-b" : "worker-a");
	must(sabuf_mutex_lock(sb, first), "sabuf_mutex_lock");
	must(sabuf_barrier_wait(sb, &s->both_hold), "sabuf_barrier_wait");
	/* each now waits for the mutex the other holds: forever */
	must(sabuf_mutex_lock(sb, second), "sabuf_mutex_lock");
	fprintf(stderr, "worker %d: got both mutexes: no deadlock?\n", index);
	return 1;
}

/* `sabuf locks [ARG]`: its exit status, 127 when the tool is not here. */
static int sabuf_locks(const char *arg)
{
	char cmd[64];
	int status;

	snprintf(cmd, sizeof(cmd), "sabuf locks %s", arg);
	fflush(stdout);
	status = system(cmd);
	return status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct sabuf *sb;
	struct shared *s;
	pid_t pids[2];
	int found = 0;

	if (is_worker(argc, argv))
		return worker_main(worker_receive(), worker_index(argv));
	must(sabuf_create(sizeof(*s), &sb), "sabuf_create");
	s = sabuf_data(sb);
	must(sabuf_barrier_init(sb, &s->both_hold, 2), "sabuf_barrier_init");
	for (int i = 0; i < 2; i++)
		pids[i] = spawn_worker(sb, "abba", i);
	/* until both sleep on each other's mutex (at most 10 s) */
	for (int i = 0; i < 100 && (found = sabuf_locks(">/dev/null 2>&1")) == 0; i++)
		sleep_ms(100);
	if (found == 127) {
		printf("main: the sabuf tool (sabuf(8)) is not installed here: not shown\n");
	} else {
		printf("main: worker-a and worker-b are stuck; $ sabuf locks\n");
		found = sabuf_locks("");
		printf("main: sabuf locks exited with %d (5: it found a deadlock)\n", found);
	}
	for (int i = 0; i < 2; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	sabuf_destroy(sb);
	return found == 5 || found == 127 ? 0 : 1;
}
