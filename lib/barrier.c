// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_barrier: a reusable barrier as three words.
 *
 * Each caller reads the generation, then counts itself in. The caller that
 * completes the round resets the arrival count, bumps the generation and
 * wakes everyone; it alone returns SABUF_BARRIER_SERIAL. The others sleep
 * while the generation is the one they read.
 *
 * Why the order is safe: a caller reads the generation before it counts
 * itself in, and the round cannot complete (so the generation cannot move)
 * before every caller has counted itself in. The reset of `arrived`
 * happens before the generation moves, and no caller of the next round
 * can arrive before it sees the generation move, so the next round starts
 * from 0.
 *
 * Misuse gives errors, not deadlocks: a zero-filled barrier (parties 0) is
 * not initialized, and waiting on it returns -EINVAL (0.1 read it as one
 * party, so a forgotten init went unnoticed); init while a round is under
 * way returns -EBUSY instead of resetting the round under its sleepers.
 */
#include <errno.h>

#include "internal.h"
#include "wait.h"

static int check_barrier(struct sabuf *sb, sabuf_barrier_t *b)
{
	uint64_t offset;
	int ret;

	/* init and wait both write: -EBADF on a read-only handle */
	ret = sabuf_writable_word(sb, &b->parties, sizeof(b->parties), &offset);
	if (!ret)
		ret = sabuf_word_offset(sb, &b->arrived, sizeof(b->arrived),
					&offset);
	if (!ret)
		ret = sabuf_word_offset(sb, &b->generation,
					sizeof(b->generation), &offset);
	return ret;
}

SABUF_EXPORT int sabuf_barrier_init(struct sabuf *sb, sabuf_barrier_t *b,
				    unsigned int parties)
{
	int32_t arrived, old_parties;
	int ret = check_barrier(sb, b);

	if (ret)
		return ret;
	if (parties == 0 || parties > INT32_MAX)
		return -EINVAL;
	/*
	 * A round under way: its parties sleep on the generation and count
	 * on `arrived`; zeroing it would leave them asleep for ever.
	 * Anything else in `arrived` (not initialized, or memory that held
	 * something else) is reset with a compare-exchange, so a party that
	 * arrives meanwhile makes us look again.
	 */
	for (;;) {
		arrived = sabuf_load(&b->arrived);
		old_parties = sabuf_load(&b->parties);
		if (arrived > 0 && old_parties > 0 && arrived < old_parties)
			return -EBUSY;
		if (arrived == 0 ||
		    sabuf_compare_exchange(&b->arrived, arrived, 0) == arrived)
			break;
	}
	/* the generation is left as it is: a party of the last round may
	 * not have seen it move yet, and must not see it move back */
	sabuf_store(&b->parties, (int32_t)parties);
	return 0;
}

SABUF_EXPORT int sabuf_barrier_wait(struct sabuf *sb, sabuf_barrier_t *b)
{
	struct sabuf_deadline forever = sabuf_deadline_forever();
	int32_t parties, generation;
	int ret;

	ret = check_barrier(sb, b);
	if (ret)
		return ret;
	parties = sabuf_load(&b->parties);
	if (parties <= 0)
		return -EINVAL;		/* zero-filled: not initialized */
	generation = sabuf_load(&b->generation);
	if (sabuf_add(&b->arrived, 1) + 1 >= parties) {
		sabuf_store(&b->arrived, 0);
		sabuf_add(&b->generation, 1);
		ret = sabuf_notify(sb, &b->generation, SABUF_ALL);
		return ret < 0 ? ret : SABUF_BARRIER_SERIAL;
	}
	while (sabuf_load(&b->generation) == generation) {
		/* forever: a barrier has no timeout; -EINTR just retries.
		 * Not a cancellation point (nor is pthread_barrier_wait):
		 * a party cannot take back its arrival. */
		ret = sabuf_sleep(sb, &b->generation, generation,
				  sizeof(b->generation), &forever, 0);
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	return 0;
}
