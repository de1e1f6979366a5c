// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c-peer: the C side of examples/js-and-c.js. Attaches the buffer fd it
 * inherited and takes ROUNDS turns: waits while word 0 is 0 (JavaScript's
 * turn), counts its turn in word 1, hands the turn back and wakes the
 * JavaScript side.
 *
 *   c-peer FD ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sabuf.h>

int main(int argc, char **argv)
{
	struct sabuf *sb;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: c-peer FD ROUNDS\n");
		return 2;
	}
	ret = sabuf_attach(atoi(argv[1]), &sb);
	if (ret < 0) {
		fprintf(stderr, "c-peer: sabuf_attach: %s\n", strerror(-ret));
		return 1;
	}
	int32_t *turn = sabuf_data(sb), *count = turn + 1;
	long rounds = atol(argv[2]);

	for (long r = 0; r < rounds; r++) {
		while (sabuf_load(turn) != 1) {
			ret = sabuf_wait32(sb, turn, 0, SABUF_FOREVER);
			if (ret < 0) {
				fprintf(stderr, "c-peer: sabuf_wait32: %s\n", strerror(-ret));
				return 1;
			}
		}
		sabuf_add(count, 1);
		sabuf_store(turn, 0);		/* JavaScript's turn */
		sabuf_notify(sb, turn, 1);
	}
	printf("C: %ld turns\n", rounds);
	sabuf_destroy(sb);
	return 0;
}
