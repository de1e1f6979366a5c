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
 * from 0. A zero-filled barrier has parties 0, which counts as 1.
 */
#include <errno.h>

#include "internal.h"

static int check_barrier(struct sabuf *sb, sabuf_barrier_t *b)
{
	uint64_t offset;
	int ret;

	ret = sabuf_word_offset(sb, &b->parties, sizeof(b->parties), &offset);
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
	int ret = check_barrier(sb, b);

	if (ret)
		return ret;
	if (parties == 0 || parties > INT32_MAX)
		return -EINVAL;
	sabuf_store(&b->arrived, 0);
	sabuf_store(&b->generation, 0);
	sabuf_store(&b->parties, (int32_t)parties);
	return 0;
}

SABUF_EXPORT int sabuf_barrier_wait(struct sabuf *sb, sabuf_barrier_t *b)
{
	int32_t parties, generation;
	int ret;

	ret = check_barrier(sb, b);
	if (ret)
		return ret;
	parties = sabuf_load(&b->parties);
	if (parties <= 0)
		parties = 1;
	generation = sabuf_load(&b->generation);
	if (sabuf_add(&b->arrived, 1) + 1 >= parties) {
		sabuf_store(&b->arrived, 0);
		sabuf_add(&b->generation, 1);
		ret = sabuf_notify(sb, &b->generation, SABUF_ALL);
		return ret < 0 ? ret : SABUF_BARRIER_SERIAL;
	}
	while (sabuf_load(&b->generation) == generation) {
		/* forever: a barrier has no timeout; -EINTR just retries */
		ret = sabuf_wait32(sb, &b->generation, generation,
				   SABUF_FOREVER);
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	return 0;
}
