// SPDX-License-Identifier: MIT
/*
 * request_response: a client and a server process ping-pong requests,
 * each side's "send and wait for the answer" being one system call,
 * sabuf_notify_wait32() (Windows' SignalObjectAndWait, FUTEX_SWAP).
 *
 *   x->request   the number of the latest request (the client writes it)
 *   x->response  the number of the latest answer  (the server writes it)
 *   x->argument, x->result: the payloads
 *
 * The client stores its argument and the request's number, then calls
 * sabuf_notify_wait32(&request, 1, &response, previous answer): the
 * server wakes, and the client sleeps until the answer, in one call. The
 * server answers the same way: stores the result and the answer's number,
 * then sabuf_notify_wait32(&response, 1, &request, this request) wakes the
 * client and sleeps until the next request.
 *
 * Both loop on the word, as every waiter must: a wait that finds the word
 * already changed returns SABUF_NOT_EQUAL at once (the other side was
 * quicker), and a notify sent for a request that the server had already
 * seen wakes it early (SABUF_OK, nothing new: it waits again).
 *
 * The server is a separate program that gets the buffer over a Unix
 * socket (spawn_worker); the client is the main program.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

enum { REQUESTS = 10000 };

#define TIMEOUT_NS	(10 * 1000000000LL)	/* a lost wake-up fails, never hangs */

struct exchange {
	int32_t request;	/* number of the latest request, 1.. */
	int32_t response;	/* number of the latest answer */
	int64_t argument;
	int64_t result;
	int64_t served;		/* the server's own account, for the check */
	int64_t out_of_order;
};

static int64_t answer(int64_t argument)
{
	return argument * 2 + 1;
}

/* Sleep while *word == seen; fail on a timeout or an error. */
static void wait_while(struct sabuf *sb, int32_t *word, int32_t seen, const char *who)
{
	while (sabuf_load(word) == seen) {
		int r = must(sabuf_wait32(sb, word, seen, TIMEOUT_NS), "sabuf_wait32");

		if (r == SABUF_TIMED_OUT) {
			fprintf(stderr, "%s: no word from the other side in 10 s\n", who);
			exit(1);
		}
	}
}

static int server(struct sabuf *sb)
{
	struct exchange *x = sabuf_data(sb);
	int32_t seen = 0;

	wait_while(sb, &x->request, 0, "server");	/* the first request */
	for (;;) {
		int32_t r = sabuf_load(&x->request);

		if (r != seen + 1)
			x->out_of_order++;
		sabuf_store(&x->result, answer(sabuf_load(&x->argument)));
		sabuf_store(&x->response, r);
		x->served++;
		seen = r;
		if (r == REQUESTS) {
			must(sabuf_notify(sb, &x->response, 1), "sabuf_notify");
			break;
		}
		/* answer and wait for the next request: one system call */
		if (must(sabuf_notify_wait32(sb, &x->response, 1, &x->request, r, TIMEOUT_NS),
			 "sabuf_notify_wait32") == SABUF_TIMED_OUT) {
			fprintf(stderr, "server: no request in 10 s\n");
			return 1;
		}
		wait_while(sb, &x->request, r, "server");
	}
	printf("Server: answered %lld requests\n", (long long)x->served);
	return 0;
}

int main(int argc, char **argv)
{
	struct exchange *x;
	struct sabuf *sb;
	int64_t start, elapsed;
	long slept = 0, already = 0, wrong = 0;
	pid_t pid;
	int failed, ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (is_worker(argc, argv)) {
		struct sabuf *w = worker_receive();

		failed = server(w);
		sabuf_destroy(w);
		return failed;
	}
	must(sabuf_create(sizeof(*x), &sb), "sabuf_create");
	x = sabuf_data(sb);
	pid = spawn_worker(sb, "server", 0);

	printf("Client: %d requests to a server process, each send+wait one sabuf_notify_wait32\n",
	       REQUESTS);
	start = monotonic_ns();
	for (int32_t i = 1; i <= REQUESTS; i++) {
		int64_t argument = (int64_t)i * 3;
		int r;

		sabuf_store(&x->argument, argument);
		sabuf_store(&x->request, i);
		/* wake the server and sleep until the answer: one system call */
		r = must(sabuf_notify_wait32(sb, &x->request, 1, &x->response, i - 1, TIMEOUT_NS),
			 "sabuf_notify_wait32");
		if (r == SABUF_TIMED_OUT) {
			fprintf(stderr, "client: no answer in 10 s\n");
			return 1;
		}
		if (r == SABUF_NOT_EQUAL)
			already++;	/* the answer was there before we could sleep */
		else
			slept++;
		wait_while(sb, &x->response, i - 1, "client");
		if (sabuf_load(&x->response) != i || sabuf_load(&x->result) != answer(argument))
			wrong++;
	}
	elapsed = monotonic_ns() - start;
	failed = wait_workers(&pid, 1);

	printf("Client: %d round trips in %.3f s: %.0f round trips/s (%.1f us each)\n",
	       REQUESTS, elapsed / 1e9, REQUESTS / (elapsed / 1e9), elapsed / 1e3 / REQUESTS);
	printf("Client: %ld calls slept until the answer, %ld found it already there\n",
	       slept, already);
	ok = !failed && wrong == 0 && x->served == REQUESTS && x->out_of_order == 0;
	printf("Requests: %d, answered: %lld, wrong answers: %ld, out of order: %lld %s\n",
	       REQUESTS, (long long)x->served, wrong, (long long)x->out_of_order,
	       ok ? "\u2713" : "\u2717");
	sabuf_destroy(sb);
	return ok ? 0 : 1;
}
