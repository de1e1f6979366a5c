// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time check, not a test binary: the calls that can return
 * -EOWNERDEAD (the caller then holds the mutex and must repair its data)
 * are warn_unused_result (contract 0.3, issue 18 item 10). Plain, this
 * uses every result and compiles under -Wall -Wextra -Werror, as C and as
 * C++; with -DIGNORE=1..7 one call's result is dropped and the build must
 * fail on that warning.
 */
#include <sabuf.h>

int use(struct sabuf *sb, sabuf_mutex_t *m, sabuf_cond_t *c);

int use(struct sabuf *sb, sabuf_mutex_t *m, sabuf_cond_t *c)
{
	struct timespec ts = { 0, 0 };
	int r = 0;

	(void)ts;
	(void)c;
#if !defined(IGNORE)
	r |= sabuf_mutex_lock(sb, m);
	r |= sabuf_mutex_trylock(sb, m);
	r |= sabuf_mutex_timedlock(sb, m, 0);
	r |= sabuf_mutex_clocklock(sb, m, CLOCK_MONOTONIC, &ts);
	r |= sabuf_cond_wait(sb, c, m);
	r |= sabuf_cond_timedwait(sb, c, m, 0);
	r |= sabuf_cond_clockwait(sb, c, m, CLOCK_MONOTONIC, &ts);
#elif IGNORE == 1
	sabuf_mutex_lock(sb, m);
#elif IGNORE == 2
	sabuf_mutex_trylock(sb, m);
#elif IGNORE == 3
	sabuf_mutex_timedlock(sb, m, 0);
#elif IGNORE == 4
	sabuf_mutex_clocklock(sb, m, CLOCK_MONOTONIC, &ts);
#elif IGNORE == 5
	sabuf_cond_wait(sb, c, m);
#elif IGNORE == 6
	sabuf_cond_timedwait(sb, c, m, 0);
#else
	sabuf_cond_clockwait(sb, c, m, CLOCK_MONOTONIC, &ts);
#endif
	return r;
}
