// SPDX-License-Identifier: MIT
/*
 * doorbell: one epoll event loop serves 100 client buffers through ONE
 * waitset (Atomics.waitAsync for C event loops).
 *
 * Each client buffer is a mailbox:
 *
 *   m->request   the number of the client's latest request (the doorbell)
 *   m->response  the number of the latest answer
 *   m->argument, m->result: the payloads
 *
 * 4 client processes own 25 mailboxes each. In every round a client posts
 * a request in each of its mailboxes (argument, then the request number,
 * then sabuf_notify: it rings the doorbell), then sleeps in sabuf_wait32
 * on each mailbox's response until it is answered.
 *
 * The server never blocks on one mailbox. It keeps one asynchronous wait
 * pending per mailbox, sabuf_wait32_async(request, last request served,
 * tag = the mailbox's number), and sleeps in epoll_wait on the waitset's
 * file descriptor, among whatever other fds its loop watches. When it
 * wakes, it takes every settled wait with sabuf_waitset_next(..., 0)
 * until there is none (libsabuf reads results from the kernel in batches:
 * the fd is not readable for results it has read already, so a loop must
 * drain, with level-triggered epoll as with EPOLLET), answers the
 * mailboxes they name, and arms each again.
 *
 * Arming can settle at once: SABUF_NOT_EQUAL when the client posted the
 * next request before the server armed (serve it now, arm again). And a
 * client's notify may pick the wait the server armed just after serving
 * that very request at arming time: SABUF_OK with nothing new; the server
 * checks the word and arms again. Every request is still served exactly
 * once: the server checks that each request number it serves is the one
 * after the last, and counts them.
 *
 * At the end the server cancels the 100 waits still pending (nobody will
 * ring again): sabuf_waitset_cancel() says 0 for each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

enum { CLIENTS = 4, PER_CLIENT = 25, MAILBOXES = CLIENTS * PER_CLIENT, ROUNDS = 100 };

#define TIMEOUT_NS	(10 * 1000000000LL)	/* a lost wake-up fails, never hangs */

struct mailbox {
	int32_t request;	/* number of the latest request, 1..ROUNDS */
	int32_t response;	/* number of the latest answer */
	int32_t argument;
	int32_t result;
};

static struct sabuf *box_sb[MAILBOXES];

static struct mailbox *box(int i)
{
	return sabuf_data(box_sb[i]);
}

static int32_t answer(int32_t argument)
{
	return argument * 2 + 1;
}

/* ---- a client process: mailboxes first .. first + PER_CLIENT - 1 ---- */

static int client(int c)
{
	int first = c * PER_CLIENT, wrong = 0;

	for (int32_t round = 1; round <= ROUNDS; round++) {
		for (int i = first; i < first + PER_CLIENT; i++) {
			sabuf_store(&box(i)->argument, i * 1000 + round);
			sabuf_store(&box(i)->request, round);
			must(sabuf_notify(box_sb[i], &box(i)->request, 1), "sabuf_notify");
		}
		for (int i = first; i < first + PER_CLIENT; i++) {
			int32_t seen;

			while ((seen = sabuf_load(&box(i)->response)) != round) {
				if (must(sabuf_wait32(box_sb[i], &box(i)->response, seen, TIMEOUT_NS),
					 "sabuf_wait32") == SABUF_TIMED_OUT) {
					fprintf(stderr, "client %d: mailbox %d unanswered for 10 s\n", c, i);
					return 1;
				}
			}
			if (sabuf_load(&box(i)->result) != answer(i * 1000 + round))
				wrong++;
		}
	}
	printf("Client %d: %d mailboxes x %d requests, %d wrong answers\n",
	       c, PER_CLIENT, ROUNDS, wrong);
	return wrong != 0;
}

/* ---- the server: one waitset, one epoll loop ---- */

static struct sabuf_waitset *ws;
static int32_t served_up_to[MAILBOXES];	/* the last request answered */
static long served, out_of_order, at_arming, stale;

/* Answer mailbox i's new request. */
static void serve(int i)
{
	struct mailbox *m = box(i);
	int32_t r = sabuf_load(&m->request);

	if (r != served_up_to[i] + 1)
		out_of_order++;			/* skipped or served twice */
	sabuf_store(&m->result, answer(sabuf_load(&m->argument)));
	sabuf_store(&m->response, r);
	must(sabuf_notify(box_sb[i], &m->response, 1), "sabuf_notify");
	served_up_to[i] = r;
	served++;
}

/* Keep one wait pending on mailbox i's doorbell (tag: i). */
static void arm(int i)
{
	for (;;) {
		int r = must(sabuf_wait32_async(ws, box_sb[i], &box(i)->request,
						served_up_to[i], SABUF_FOREVER, (uint64_t)i),
			     "sabuf_wait32_async");

		if (r == SABUF_PENDING)
			return;
		/* SABUF_NOT_EQUAL: a request is already there */
		at_arming++;
		serve(i);
	}
}

/* Take every settled wait: answer what is new, arm again. */
static int drain(long *results)
{
	uint64_t tag;
	int result, r, bad = 0;

	/* until none: results read into libsabuf do not make the fd readable */
	while ((r = must(sabuf_waitset_next(ws, &tag, &result, 0), "sabuf_waitset_next")) == 1) {
		int i = (int)tag;

		(*results)++;
		if (result != SABUF_OK)		/* no timeouts here: SABUF_FOREVER */
			bad++;
		if (sabuf_load(&box(i)->request) != served_up_to[i])
			serve(i);
		else
			stale++;	/* rung for a request served at arming */
		arm(i);
	}
	return bad;
}

static int run_server(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	long wakeups = 0, results = 0;
	int64_t start = monotonic_ns();
	int epfd, bad = 0;

	must(sabuf_waitset_create(&ws), "sabuf_waitset_create");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, sabuf_waitset_fd(ws), &ev) < 0) {
		perror("epoll");
		return 1;
	}
	for (int i = 0; i < MAILBOXES; i++)
		arm(i);

	while (served < MAILBOXES * ROUNDS) {
		struct epoll_event events[8];
		int n = epoll_wait(epfd, events, 8, 10000);

		if (n <= 0) {
			fprintf(stderr, "server: epoll_wait: %s\n", n ? "failed" : "10 s, no doorbell");
			return 1;
		}
		wakeups++;
		bad += drain(&results);
	}
	printf("Server: %ld requests served in %.3f s through one waitset: %ld epoll wake-ups,\n"
	       "        %ld results taken (%.1f a wake-up), %ld served at arming, %ld stale rings\n",
	       served, (monotonic_ns() - start) / 1e9, wakeups, results,
	       wakeups ? (double)results / wakeups : 0.0, at_arming, stale);
	close(epfd);
	return bad;
}

/* The clients are gone: nobody rings any more. Cancel what is pending. */
static int finish_server(void)
{
	long results = 0, cancelled = 0;
	int bad = drain(&results);	/* a last stale ring or two */

	for (int i = 0; i < MAILBOXES; i++)
		if (sabuf_waitset_cancel(ws, (uint64_t)i) == 0)
			cancelled++;
	printf("Server: cancelled the %ld waits still pending\n", cancelled);
	sabuf_waitset_destroy(ws);
	return bad || cancelled != MAILBOXES;
}

int main(void)
{
	pid_t pids[CLIENTS];
	int failed, complete = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < MAILBOXES; i++)
		must(sabuf_create(sizeof(struct mailbox), &box_sb[i]), "sabuf_create");
	printf("Server: %d client buffers, %d client processes, %d requests each buffer\n",
	       MAILBOXES, CLIENTS, ROUNDS);
	for (int c = 0; c < CLIENTS; c++) {
		fflush(NULL);
		pids[c] = fork();	/* the client inherits every buffer's fd and mapping */
		if (pids[c] < 0)
			must(-errno, "fork");
		if (pids[c] == 0)
			_exit(client(c));
	}

	failed = run_server();
	failed |= wait_workers(pids, CLIENTS);
	failed |= finish_server();
	for (int i = 0; i < MAILBOXES; i++)
		complete += served_up_to[i] == ROUNDS;
	failed |= complete != MAILBOXES || out_of_order != 0 || served != MAILBOXES * ROUNDS;
	printf("Every request served exactly once: %ld of %d served, %ld out of order, "
	       "%d of %d buffers complete %s\n",
	       served, MAILBOXES * ROUNDS, out_of_order, complete, MAILBOXES,
	       failed ? "\u2717" : "\u2713");
	for (int i = 0; i < MAILBOXES; i++)
		sabuf_destroy(box_sb[i]);
	return failed ? 1 : 0;
}
