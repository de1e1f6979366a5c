/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h: the fuzzer's shared state and its parts:
 *   fuzz_state.c the shared state every part uses: the fd and mapping
 *               tables, statistics, fz_count/fz_fail/fz_trace_op, INFO's
 *               consistency check, good and hostile user pointers, guarded
 *               touches
 *   fuzz.c      main, options, the op loop, threads, fork, signals, the end checks
 *   fuzz_dev.c  the device: open/close/dup, the six ioctls with random and
 *               boundary structs at hostile pointers, random commands,
 *               plain file operations, fd passing, struct sizes around
 *               each command's VER0..page+1 (ABI 2's size versioning)
 *   fuzz_abi2.c growable buffers (grow, touches past the length: SIGBUS)
 *               and read-only fds (every op on one, EBADF/EACCES)
 *   fuzz_mm.c   mappings: the arena, mmap/munmap/mprotect/mremap/madvise,
 *               guarded touches, pipes and vmsplice, process_vm_*
 *   fuzz_nl.c   the generic netlink family, well-formed and malformed
 *   fuzz_waitset.c waitsets: create/add/cancel with boundary structs and
 *               sizes, read/poll/epoll, waitset fds where handles are
 *               expected, closes and fd passing with pending waits,
 *               max_waitset_waits at its boundaries
 *
 * Dependencies go one way: every part includes fuzz.h and uses
 * fuzz_state.c (and common.c, genl.c), never another part; fuzz.c calls
 * the parts' ops and their init/cleanup entry points declared below. No
 * .c file includes another.
 *
 * Safety rules that keep the fuzzer alive while it abuses its own memory:
 *  - Every change to the address space, every touch of a tracked mapping,
 *    and every syscall that hands the kernel a pointer into one happens
 *    under fz_lock, so nothing else can unmap or replace it meanwhile.
 *  - MAP_FIXED is only ever aimed at the arena, a PROT_NONE reservation
 *    made at start; whatever leaves a hole there is re-reserved at once, so
 *    libc can never get an address the fuzzer later clobbers.
 *  - Touches run under sigsetjmp; SIGSEGV/SIGBUS outside a touch is a real
 *    crash and kills the fuzzer (and fails the run).
 *  - A per-thread timer (SIGALRM, without SA_RESTART) interrupts every
 *    blocking call within FZ_TICK_MS, so a wait on a matching word with no
 *    timeout cannot hang the run.
 */
#ifndef STRESS_FUZZ_H
#define STRESS_FUZZ_H

#include "common.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>

#define FZ_TICK_MS	20
#define FZ_MAX_FDS	48
#define FZ_MAX_MAPS	128
#define FZ_SLOTS	64
#define FZ_SLOT_SIZE	(2UL << 20)
#define FZ_PAGE		4096UL

enum fz_fd_kind { FD_SABUF, FD_SABUF_PATH, FD_OTHER, FD_NETLINK, FD_WAITSET };

struct fz_fd {
	int fd;
	enum fz_fd_kind kind;
	bool rdwr;			/* opened O_RDWR (shared writable mappings allowed) */
	bool ro;			/* no write access (O_RDONLY, or SABUF_IOC_DUP_READONLY):
					 * CREATE/NOTIFY/GROW give EBADF, no writable mapping */
	bool created;			/* SABUF: a buffer (as far as we know) */
	bool growable;
	bool nonblock;			/* FD_WAITSET: made with SABUF_WAITSET_NONBLOCK */
	uint64_t id, byte_length, max_byte_length, map_length;	/* byte_length only grows */
	uint32_t uid;			/* who created it */
};

struct fz_map {
	char *addr;
	size_t len;
	bool in_arena;
	bool sabuf;			/* a mapping of a buffer (else anonymous) */
	bool counters;			/* of the counter page */
	bool maywrite;			/* from an O_RDWR fd: mprotect may add PROT_WRITE */
	uint64_t id;			/* the buffer's, when known */
};

/* Per-op statistics, shared with forked children (MAP_SHARED). */
enum fz_op {
	OP_OPEN, OP_OPEN_OTHER, OP_CLOSE, OP_DUP, OP_CREATE, OP_INFO, OP_WAIT, OP_NOTIFY,
	OP_IOCTL_RANDOM, OP_FILE_MISC, OP_SCM, OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MREMAP,
	OP_MADVISE, OP_TOUCH, OP_PIPE, OP_VM_RW, OP_FORK, OP_SIGNAL, OP_NETLINK, OP_CAPS,
	OP_GROW, OP_DUP_RO, OP_ABI_SIZE, OP_GROWABLE, OP_READONLY, OP_WAITSET,
	NR_OPS
};

#define FZ_ERRNO_MAX 140

struct fz_stats {
	_Atomic uint64_t calls[NR_OPS], ok[NR_OPS];
	_Atomic uint64_t errnos[NR_OPS][FZ_ERRNO_MAX];
	_Atomic uint64_t iterations, forks, children_killed, touches_faulted, signals;
	_Atomic uint64_t sigbus_expected;	/* touches past a growable buffer's length */
	_Atomic uint64_t nl_requests, nl_replies;
	_Atomic int failures;
	_Atomic int stop;
};

/* One fuzzing thread (or the single thread of a forked child). */
struct fz_thread {
	struct rng rng;
	unsigned int nr;
	bool is_child;			/* a forked child: no fork/caps/kill of others */
	unsigned int depth;		/* fork depth */
	uid_t uid;
	/* lazily opened helpers */
	int nl_sock, nl_family;
	int scm[2];
	int pipe[2];
	uint64_t iterations;
};

/* ---- fuzz_state.c: shared state and helpers ---- */
extern pthread_mutex_t fz_lock;
extern struct fz_fd fz_fds[FZ_MAX_FDS];
extern unsigned int fz_nr_fds;
extern struct fz_map fz_maps[FZ_MAX_MAPS];
extern unsigned int fz_nr_maps;
extern struct fz_stats *fz_stats;
extern bool fz_trace;
extern bool fz_grow_tail;		/* --grow-tail: store past the length before a grow */
extern uint64_t fz_seed;
extern int fz_family;			/* the sabuf genl family id, or -1 */

/* Record a call's result: ret >= 0 is success, else -errno. */
void fz_count(enum fz_op op, long ret);
/* A check failed: print it with the seed and count it (the run fails). */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fz_trace_op(struct fz_thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* fd table helpers (call with fz_lock held). */
struct fz_fd *fz_fd_random(struct rng *r, int kind);	/* kind < 0: any; NULL if none */
struct fz_fd *fz_fd_add(int fd, enum fz_fd_kind kind);	/* closes fd when full */
void fz_fd_remove(struct fz_fd *f);			/* does not close */
/* Re-read f's buffer with INFO: created, lengths, id, read-only (fz_lock held). */
void fz_fd_refresh(struct fz_fd *f);
/* INFO is self-consistent; ro: the fd is read-only (1), not (0), unknown (-1). */
void fz_check_info(const struct sabuf_info *i, int ro);

/* Guarded touches: a SIGSEGV/SIGBUS while fz_guard_on jumps to fz_guard_env. */
extern __thread sigjmp_buf fz_guard_env;
extern __thread volatile int fz_guard_on;
void fz_guard_install(void);

/* Hostile and benign user pointers. */
void fz_pointers_init(void);
/* A pointer for a struct of size n, good or hostile; *good tells which
 * (good: private writable memory the caller fills); *locked when it points
 * into a tracked mapping (fz_lock is then held on return, and the caller
 * unlocks it after the call). */
void *fz_pick_ptr(struct fz_thread *t, size_t n, bool *good, bool *locked);
/* Thread-private scratch memory (FZ_PAGE bytes, page-aligned). */
void *fz_scratch(void);

/* ---- the parts' ops (called by fuzz.c's op loop only) ---- */

/* fuzz_dev.c */
void op_open(struct fz_thread *t);
void op_open_other(struct fz_thread *t);
void op_close(struct fz_thread *t);
void op_dup(struct fz_thread *t);
void op_create(struct fz_thread *t);
void op_info(struct fz_thread *t);
void op_wait(struct fz_thread *t);
void op_notify(struct fz_thread *t);
void op_ioctl_random(struct fz_thread *t);
void op_file_misc(struct fz_thread *t);
void op_scm(struct fz_thread *t);
void op_grow(struct fz_thread *t);
void op_dup_readonly(struct fz_thread *t);
void op_abi_size(struct fz_thread *t);
void fz_close_all(struct fz_thread *t);	/* fds, sockets, pipes (fz_lock held) */
/* fuzz_abi2.c */
void op_growable(struct fz_thread *t);
void op_readonly(struct fz_thread *t);
/* fuzz_waitset.c */
void op_waitset(struct fz_thread *t);
/* fuzz_nl.c */
void op_netlink(struct fz_thread *t);
int fz_nl_family(void);
/* A uid-1000 child's check that it sees only its own buffers. */
void fz_nl_check_visibility(struct fz_thread *t);
/* fuzz_mm.c */
void op_mmap(struct fz_thread *t);
void op_munmap(struct fz_thread *t);
void op_mprotect(struct fz_thread *t);
void op_mremap(struct fz_thread *t);
void op_madvise(struct fz_thread *t);
void op_touch(struct fz_thread *t);
void op_pipe(struct fz_thread *t);
void op_vm_rw(struct fz_thread *t);
void fz_arena_init(void);
void fz_unmap_all(void);		/* with fz_lock held */
void fz_maps_after_fork(void);		/* forget what MADV_DONTFORK kept from a child */

#endif /* STRESS_FUZZ_H */
