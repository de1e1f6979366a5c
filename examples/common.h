/* SPDX-License-Identifier: MIT */
/*
 * What the examples share, so each example file shows only its idea:
 *
 *  - must(): stop with a readable message when a sabuf call fails;
 *  - worker processes that get the buffer the way a Worker gets a
 *    SharedArrayBuffer from postMessage(): spawn_worker() starts this same
 *    program again (fork + exec, so nothing is inherited but one socket),
 *    and sends it the buffer with sabuf_send(); the new program picks it
 *    up with worker_receive();
 *  - the mode switch: most examples run once with threads and once with
 *    processes; --threads or --processes picks one.
 */
#ifndef SABUF_EXAMPLES_COMMON_H
#define SABUF_EXAMPLES_COMMON_H

#include <stdint.h>
#include <sys/types.h>

#include <sabuf.h>

/* ret < 0 is -errno from libsabuf: print it with what and exit(1). */
int must(int ret, const char *what);

/* ---- worker processes ---------------------------------------------------
 * A program that uses them starts with
 *     if (is_worker(argc, argv)) return worker_main(worker_role(argv),
 *                                                   worker_index(argv));
 */
pid_t spawn_worker(const struct sabuf *sb, const char *role, int index);
int   is_worker(int argc, char **argv);
const char *worker_role(char **argv);
int   worker_index(char **argv);
struct sabuf *worker_receive(void);	/* the buffer the parent sent */
int   wait_workers(const pid_t *pids, int n);	/* 0 if all exited with 0 */

/* ---- modes ---------------------------------------------------------------- */
enum mode { THREADS = 1, PROCESSES = 2 };
/* THREADS | PROCESSES unless argv says --threads or --processes */
int   modes_from_args(int argc, char **argv);

/* ---- time ----------------------------------------------------------------- */
int64_t monotonic_ns(void);
int64_t process_cpu_ns(void);		/* every thread of this process */
void    sleep_ms(int ms);

#endif
