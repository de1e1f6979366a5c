// SPDX-License-Identifier: MIT
/*
 * robust: a process dies holding the lock, and the others carry on.
 *
 * Three worker processes share a tiny "bank": two accounts whose sum must
 * stay 1000, and a robust mutex guarding them. Each transfer moves money
 * in two steps (debit, then credit), so a worker killed between the steps
 * leaves the books wrong. The main process kills one worker while it
 * holds the lock mid-transfer (it waits for the worker to say so). The
 * next worker to lock gets -EOWNERDEAD, sees the sum is off, repairs it
 * from the transfer journal, calls sabuf_mutex_consistent() and goes on
 * (the survivors keep transferring until the victim is dead, so that one
 * of them always meets it, however the scheduler ordered things).
 * With a plain process-shared mutex everybody would now hang.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

struct bank {
	sabuf_mutex_t lock;
	int32_t victim_inside;		/* the worker to kill is mid-transfer */
	int32_t victim_dead;		/* main killed it: survivors may finish */
	int64_t account[2];
	int64_t in_flight;		/* the journal: debited, not yet credited */
	int64_t transfers;
	int64_t repairs;
};

enum { WORKERS = 3, TRANSFERS = 2000 };

static void transfer(struct bank *b, int64_t amount, int stall)
{
	b->account[0] -= amount;
	b->in_flight = amount;		/* written before the credit */
	if (stall) {			/* the victim: stop here, lock held */
		sabuf_store(&b->victim_inside, 1);
		pause();
	}
	b->account[1] += amount;
	b->in_flight = 0;
	b->transfers++;
	/* and back, so the balances stay in range */
	b->account[0] += amount;
	b->account[1] -= amount;
}

static int worker_main(struct sabuf *sb, int index)
{
	struct bank *b = sabuf_data(sb);

	/* the survivors go on until the victim is dead, so one of them meets it */
	for (int i = 0; i < TRANSFERS || (index && !sabuf_load(&b->victim_dead)); i++) {
		int r = sabuf_mutex_lock(sb, &b->lock);

		if (r == -EOWNERDEAD) {
			/* the holder died mid-transfer: finish its credit */
			printf("worker %d: the lock's holder died; books off by %lld, repaired\n",
			       index, (long long)(1000 - b->account[0] - b->account[1]));
			b->account[1] += b->in_flight;
			b->in_flight = 0;
			b->repairs++;
			must(sabuf_mutex_consistent(sb, &b->lock), "sabuf_mutex_consistent");
		} else {
			must(r, "sabuf_mutex_lock");
		}
		transfer(b, 10, index == 0 && i == TRANSFERS / 4);
		must(sabuf_mutex_unlock(sb, &b->lock), "sabuf_mutex_unlock");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sabuf *sb;
	struct bank *b;
	pid_t pids[WORKERS];
	int status, ok;

	if (is_worker(argc, argv)) {
		struct sabuf *w = worker_receive();

		return worker_main(w, worker_index(argv));
	}
	must(sabuf_create(sizeof(*b), &sb), "sabuf_create");
	b = sabuf_data(sb);
	b->account[0] = 1000;
	for (int i = 0; i < WORKERS; i++)
		pids[i] = spawn_worker(sb, "bank", i);
	while (!sabuf_load(&b->victim_inside))
		sleep_ms(1);
	printf("main: worker 0 holds the lock mid-transfer; killing it\n");
	kill(pids[0], SIGKILL);
	waitpid(pids[0], &status, 0);
	sabuf_store(&b->victim_dead, 1);
	if (wait_workers(pids + 1, WORKERS - 1)) {
		fprintf(stderr, "main: a worker failed\n");
		return 1;
	}
	ok = b->account[0] + b->account[1] == 1000 && b->repairs == 1;
	printf("main: %lld transfers, %lld repair(s), balance %lld + %lld = %lld %s\n",
	       (long long)b->transfers, (long long)b->repairs,
	       (long long)b->account[0], (long long)b->account[1],
	       (long long)(b->account[0] + b->account[1]), ok ? "\u2713" : "\u2717");
	sabuf_destroy(sb);
	return ok ? 0 : 1;
}
