// SPDX-License-Identifier: GPL-2.0
/*
 * notify with nobody waiting: sabuf_notify() (which reads the waiter
 * counter page and returns without a system call) against
 * futex(FUTEX_WAKE) on a word of a shared memfd mapping (which always
 * enters the kernel). Prints ns per call.
 *
 *   notify_nowaiter --peer sabuf|futex [--round N] [--budget-ms MS]
 */
#include <sabuf.h>

#include "bench.h"

static const char *const peers[] = { "sabuf", "futex", NULL };

struct ctx {
	struct sabuf *sb;
	int32_t *word;
	bool is_sabuf;
};

/* n calls, in ticks */
static uint64_t run(const struct ctx *c, long n)
{
	uint64_t t0 = ticks();

	if (c->is_sabuf) {
		for (long i = 0; i < n; i++)
			if (sabuf_notify(c->sb, c->word, 1) != 0)
				die("sabuf_notify woke someone, or failed");
	} else {
		for (long i = 0; i < n; i++)
			if (futex_wake(c->word, 1, false) != 0)
				die("FUTEX_WAKE woke someone, or failed: %m");
	}
	return ticks() - t0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct ctx c = { 0 };
	struct samples s;
	double budget_ns, median;
	uint64_t start;
	long batch = 16;

	bench_parse(argc, argv, &o, peers);
	c.is_sabuf = o.peer[0] == 's';
	if (c.is_sabuf) {
		CHECK_NEG(sabuf_create(4096, &c.sb));
		c.word = sabuf_data(c.sb);
	} else {
		c.word = memfd_shared_map(4096);
	}
	budget_ns = o.budget_ms * 1e6;

	/* Warm up, and grow the batch until one takes >= 200 us (>> the clock's cost). */
	while (ticks_to_ns(run(&c, batch)) < 200e3)
		batch *= 2;

	samples_init(&s, 1 << 20);
	start = ticks();
	while (ticks_to_ns(ticks() - start) < budget_ns)
		samples_add(&s, ticks_to_ns(run(&c, batch)) / (double)batch);
	median = samples_median(&s);
	bench_result("notify_nowaiter", &o, median);
	bench_progress("notify, no waiters    %-14s round %d: %9.1f ns/call (median of %zu batches of %ld)",
		       o.peer, o.round, median, s.n, batch);
	samples_free(&s);
	sabuf_destroy(c.sb);
	return 0;
}
