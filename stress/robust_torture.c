// SPDX-License-Identifier: GPL-2.0
/*
 * robust_torture: the robust mutex under fire (libsabuf's, on purpose: this
 * one tests the library and the kernel's owner tracking together).
 *
 * Phase "processes": W worker processes lock one sabuf_mutex_t, move money
 * between two accounts in two steps (so a death between them breaks the
 * sum), record the acquisition and unlock; the parent SIGKILLs a random
 * worker every few milliseconds and starts a new one. A locker that gets
 * EOWNERDEAD repairs the sum from the journal and calls
 * sabuf_mutex_consistent(). Phase "threads": the same with threads, some
 * of which exit in the middle of the critical section.
 *
 * Every way an owner can end (DESIGN.md "Owner death, exactly"): workers
 * are started by fork(), _Fork() and a raw clone(SIGCHLD) in turn, from a
 * parent that holds an owner id of its own (a child that kept it would
 * share the parent's id, and two holders would break the sum); some
 * workers keep a CLONE_VM|CLONE_FILES child alive (their death must be
 * seen all the same) and some exec /bin/true in the middle of a move;
 * threads exit mid-move by pthread_exit() and by a raw SYS_exit (no
 * destructors), and some unshare their fd table first (which must not
 * kill the other threads' ownership).
 *
 * Checks, each fatal: the mutex never wedges (no acquisition for 30 s is a
 * failure), never becomes ENOTRECOVERABLE, every EOWNERDEAD is repaired,
 * the sum holds whenever the lock is taken cleanly and at the end, and at
 * least the requested number of acquisitions happen.
 *
 *   robust_torture [--acquisitions N] [--seconds S] [--seed X]
 * Exit: 0 pass, 1 fail, 4 skip (no /dev/sabuf).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sabuf.h>

#define TOTAL		1000000
#define WORKERS		4
#define STALL_NS	(30LL * 1000000000LL)

struct bank {
	sabuf_mutex_t lock;
	int32_t stop;
	int64_t a, b;			/* a + b == TOTAL when consistent */
	int64_t in_flight;		/* journal: taken from a, not yet given to b */
	int64_t acquisitions;		/* under the lock */
	int64_t ownerdead;		/* EOWNERDEAD seen (under the lock) */
	int64_t repairs;		/* of which the sum was off */
	int64_t broken;			/* a clean lock found the sum off */
	int64_t errors;			/* lock/unlock/consistent failures */
	int32_t last_error;
	int32_t pad;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void error(struct bank *bk, int err)
{
	sabuf_add(&bk->errors, 1);
	sabuf_store(&bk->last_error, err);
}

/* How one() ends the caller in the middle of a move, holding the lock. */
enum death { LIVE, PTHREAD_EXIT, RAW_EXIT, EXEC };

/* One acquisition; @die_inside: how the caller dies mid-move, or LIVE. */
static void one(struct sabuf *sb, struct bank *bk, uint64_t *seed, enum death die_inside)
{
	int64_t x = (int64_t)(rnd(seed) % 100) + 1;
	int r = sabuf_mutex_lock(sb, &bk->lock);

	if (r == -EOWNERDEAD) {
		bk->ownerdead++;
		if (bk->a + bk->b != TOTAL) {
			bk->b += bk->in_flight;		/* finish the dead one's move */
			bk->repairs++;
		}
		bk->in_flight = 0;
		if (bk->a + bk->b != TOTAL)
			bk->broken++;
		r = sabuf_mutex_consistent(sb, &bk->lock);
		if (r)
			error(bk, -r);
	} else if (r) {
		error(bk, -r);
		if (r == -ENOTRECOVERABLE)
			sabuf_store(&bk->stop, 1);
		return;
	} else if (bk->a + bk->b != TOTAL || bk->in_flight) {
		bk->broken++;
	}
	bk->a -= x;
	bk->in_flight = x;
	/* a little work mid-move, so that deaths land here too */
	for (volatile int64_t spin = 0; spin < x * 20; spin++)
		;
	switch (die_inside) {		/* holding it, mid-move */
	case PTHREAD_EXIT:
		pthread_exit(NULL);
	case RAW_EXIT:
		syscall(SYS_exit, 0);	/* this thread only, no destructors */
		break;
	case EXEC:
		execl("/bin/true", "true", (char *)NULL);
		_exit(0);		/* no /bin/true: a plain death then */
	case LIVE:
		break;
	}
	bk->b += x;
	bk->in_flight = 0;
	bk->b -= x;			/* and back, to stay in range */
	bk->a += x;
	bk->acquisitions++;
	r = sabuf_mutex_unlock(sb, &bk->lock);
	if (r)
		error(bk, -r);
}

static int clone_vm_sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

static int worker_process(struct sabuf *sb, struct bank *bk, uint64_t seed, pid_t *sharer)
{
	static char stack[64 * 1024];

	/* one in four keeps its address space and fd table alive in a child */
	if (rnd(&seed) % 4 == 0)
		*sharer = clone(clone_vm_sleeper, stack + sizeof(stack),
				CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
	while (!sabuf_load(&bk->stop))
		one(sb, bk, &seed, rnd(&seed) % 300 == 0 ? EXEC : LIVE);
	return 0;
}

struct thread_arg {
	struct sabuf *sb;
	struct bank *bk;
	uint64_t seed;
};

static void *worker_thread(void *p)
{
	struct thread_arg *t = p;

	/* its own fd table: its end must not kill the others' ownership */
	if (rnd(&t->seed) % 4 == 0 && unshare(CLONE_FILES))
		error(t->bk, errno);
	while (!sabuf_load(&t->bk->stop)) {
		uint64_t r = rnd(&t->seed) % 4000;

		one(t->sb, t->bk, &t->seed, r == 0 ? PTHREAD_EXIT : r == 1 ? RAW_EXIT : LIVE);
	}
	return NULL;
}

/* Wait until @target acquisitions or a failure; 0 or -1. */
static int watch(struct bank *bk, int64_t target, int64_t deadline, const char *phase,
		 void (*tick)(void *), void *arg)
{
	static int64_t next_report;
	int64_t last = -1, last_change = now_ns();

	for (;;) {
		int64_t n = sabuf_load(&bk->acquisitions), t = now_ns();

		if (n != last) {
			last = n;
			last_change = t;
		}
		if (n >= target)
			return 0;
		if (sabuf_load(&bk->stop) || sabuf_load(&bk->errors)) {
			printf("robust_torture: %s: error %s\n", phase,
			       strerror(sabuf_load(&bk->last_error)));
			return -1;
		}
		if (t - last_change > STALL_NS) {
			printf("robust_torture: %s: no acquisition for 30 s at %lld: wedged "
			       "(mutex word %#x)\n", phase, (long long)n,
			       (unsigned int)sabuf_load(&bk->lock.state));
			return -1;
		}
		if (deadline && t > deadline) {
			printf("robust_torture: %s: time is up at %lld acquisitions\n",
			       phase, (long long)n);
			return 0;
		}
		if (t >= next_report) {
			printf("robust_torture: %s: %lld acquisitions, %lld EOWNERDEAD\n", phase,
			       (long long)n, (long long)sabuf_load(&bk->ownerdead));
			fflush(stdout);
			next_report = t + 5 * 1000000000LL;
		}
		if (tick)
			tick(arg);
		usleep(1000);
	}
}

struct procs {
	struct sabuf *sb;
	struct bank *bk;
	pid_t pid[WORKERS];
	pid_t *sharer;			/* [WORKERS], in the buffer: CLONE_VM children */
	uint64_t seed;
	int64_t kills, spawns;
};

/* fork(), _Fork() (no atfork handlers) and a raw clone, in turn. */
static pid_t spawn(struct procs *p, int slot)
{
	uint64_t seed = rnd(&p->seed) | 1;
	pid_t pid;

	switch (p->spawns++ % 3) {
	case 0:
		pid = fork();
		break;
	case 1:
		pid = _Fork();
		break;
	default:
		pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		break;
	}
	if (pid == 0)
		_exit(worker_process(p->sb, p->bk, seed, &p->sharer[slot]));
	return pid;
}

static void reap_slot(struct procs *p, int i)
{
	pid_t sharer;

	kill(p->pid[i], SIGKILL);
	waitpid(p->pid[i], NULL, 0);
	sharer = __atomic_exchange_n(&p->sharer[i], 0, __ATOMIC_SEQ_CST);
	if (sharer > 0)
		kill(sharer, SIGKILL);	/* reparented: init reaps it */
}

/* Every few ms: kill a random worker and start another. */
static void killer_tick(void *arg)
{
	struct procs *p = arg;
	int i;

	i = (int)(rnd(&p->seed) % WORKERS);
	reap_slot(p, i);
	p->kills++;
	p->pid[i] = spawn(p, i);
}

static int check_end(struct sabuf *sb, struct bank *bk, const char *phase)
{
	int r = sabuf_mutex_lock(sb, &bk->lock);

	if (r == -EOWNERDEAD) {
		bk->ownerdead++;
		if (bk->a + bk->b != TOTAL) {
			bk->b += bk->in_flight;
			bk->repairs++;
		}
		bk->in_flight = 0;
		r = sabuf_mutex_consistent(sb, &bk->lock);
	}
	if (r) {
		printf("robust_torture: %s: final lock: %s\n", phase, strerror(-r));
		return -1;
	}
	if (bk->a + bk->b != TOTAL || bk->broken) {
		printf("robust_torture: %s: the invariant broke (%lld + %lld, %lld clean locks saw it off)\n",
		       phase, (long long)bk->a, (long long)bk->b, (long long)bk->broken);
		return -1;
	}
	sabuf_mutex_unlock(sb, &bk->lock);
	return 0;
}

int main(int argc, char **argv)
{
	int64_t target = 100000, seconds = 600;
	uint64_t seed = (uint64_t)now_ns();
	struct procs p = { 0 };
	struct thread_arg targ[WORKERS];
	pthread_t th[WORKERS];
	struct sabuf *sb;
	struct bank *bk;
	int64_t start, threads_target;
	int fail = 0, r;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--acquisitions"))
			target = strtoll(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoll(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("robust_torture: seed %#llx, %lld acquisitions per phase\n",
	       (unsigned long long)seed, (long long)target);
	r = sabuf_create(sizeof(*bk) + WORKERS * sizeof(pid_t), &sb);
	if (r == -ENOENT) {
		printf("robust_torture: no /dev/sabuf: skip\n");
		return 4;
	}
	if (r) {
		printf("robust_torture: sabuf_create: %s\n", strerror(-r));
		return 1;
	}
	bk = sabuf_data(sb);
	bk->a = TOTAL;
	/*
	 * The parent takes an owner id of its own first: a child started
	 * without atfork handlers that kept it would hold with the parent's.
	 */
	r = sabuf_mutex_lock(sb, &bk->lock);
	if (r || sabuf_mutex_unlock(sb, &bk->lock)) {
		printf("robust_torture: first lock: %s\n", strerror(-r));
		return 1;
	}

	/* processes, killed at random */
	p.sb = sb;
	p.bk = bk;
	p.sharer = (pid_t *)(bk + 1);
	p.seed = seed | 1;
	start = now_ns();
	for (int i = 0; i < WORKERS; i++)
		p.pid[i] = spawn(&p, i);
	fail |= watch(bk, target, seconds ? start + seconds * 1000000000LL : 0,
		      "processes", killer_tick, &p);
	sabuf_store(&bk->stop, 1);
	for (int i = 0; i < WORKERS; i++)
		reap_slot(&p, i);
	if (!fail)
		fail |= check_end(sb, bk, "processes");
	printf("robust_torture: processes: %lld acquisitions, %lld kills, %lld EOWNERDEAD, %lld repaired, %.1f s\n",
	       (long long)bk->acquisitions, (long long)p.kills, (long long)bk->ownerdead,
	       (long long)bk->repairs, (now_ns() - start) / 1e9);
	if (!fail && bk->ownerdead == 0) {
		printf("robust_torture: processes: no worker died holding the lock: proves nothing\n");
		fail = 1;
	}

	/* threads, some exiting mid-move */
	threads_target = bk->acquisitions + target;
	bk->stop = 0;
	start = now_ns();
	for (int i = 0; i < WORKERS; i++) {
		targ[i] = (struct thread_arg){ sb, bk, rnd(&p.seed) | 1 };
		pthread_create(&th[i], NULL, worker_thread, &targ[i]);
	}
	if (!fail) {
		/* a thread that exited is replaced */
		int64_t deadline = seconds ? start + seconds * 1000000000LL : 0;

		while (!fail && sabuf_load(&bk->acquisitions) < threads_target) {
			for (int i = 0; i < WORKERS; i++) {
				if (pthread_tryjoin_np(th[i], NULL) == 0)
					pthread_create(&th[i], NULL, worker_thread, &targ[i]);
			}
			fail |= watch(bk, sabuf_load(&bk->acquisitions) + 1, deadline, "threads",
				      NULL, NULL);
			if (deadline && now_ns() > deadline)
				break;
		}
	}
	sabuf_store(&bk->stop, 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	if (!fail)
		fail |= check_end(sb, bk, "threads");
	printf("robust_torture: total %lld acquisitions, %lld EOWNERDEAD, %lld repaired, %lld errors\n",
	       (long long)bk->acquisitions, (long long)bk->ownerdead, (long long)bk->repairs,
	       (long long)bk->errors);
	if (bk->acquisitions < 2 * target && !seconds)
		fail = 1;
	sabuf_destroy(sb);
	printf("robust_torture: %s\n", fail ? "FAIL" : "PASS");
	return fail ? 1 : 0;
}
