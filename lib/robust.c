// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Robustness for sabuf_mutex_t (mutex.c has the word's states).
 *
 * Owner ids. A mutex word names its holder by an id the kernel hands out
 * (SABUF_IOC_ROBUST_REGISTER), not by a TID: ids are unique across PID
 * namespaces and not reused for 2^30 registrations, and the kernel knows
 * whose they are, so it can tell a waiter that the holder died. Each
 * thread registers once, on its first lock, and caches the id in
 * thread-local storage (sabuf_self); the kernel gives a thread that asks
 * again the id it already has.
 *
 * Which process a cached id belongs to. A child made by any kind of fork
 * is someone else: its one thread has a copy of its parent thread's TLS,
 * cached id included, and must not use it (it would unlock its parent's
 * mutexes, and a child killed holding one would never be seen dead). Not
 * every fork runs pthread_atfork handlers (_Fork(), syscall(SYS_clone),
 * clone3), so the cache is validated against something the kernel resets
 * in every one of them: the process generation, a word in a private page
 * marked MADV_WIPEONFORK. The id is valid while the thread's cached
 * generation equals that word: one load and one compare on the fast path,
 * no system call. A fork child (without CLONE_VM) gets that page zero-filled
 * whatever made it, and 0 is a generation no id is taken in, so its first
 * lock registers (the slow path sets a new generation, from a counter that
 * the child inherited and that only grows, so it differs from every
 * generation cached anywhere in the child's memory). A fresh thread's
 * cache holds SABUF_GEN_NONE_, which the word never holds.
 *
 * The fork kinds, one by one:
 *  - fork(), _Fork(), clone/clone3 without CLONE_VM: the page is wiped in
 *    the child before it runs; nothing in the library runs in between.
 *    Two threads of the child that race to set the new generation agree
 *    through a compare-exchange from 0.
 *  - vfork(), or clone with CLONE_VM but not CLONE_THREAD (posix_spawn):
 *    the child shares the parent's memory, page and thread's TLS included,
 *    so it would pass for its parent thread. POSIX lets a vfork child only
 *    call _exit or an exec function, and libsabuf does not support calls
 *    from it (sabuf_mutex_lock(3)); its exec or exit kills no id, since
 *    it registered none.
 *  - Kernels before 4.14 have no MADV_WIPEONFORK: there a pthread_atfork
 *    child handler zeroes the word instead, which covers fork() only.
 *
 * Who notices a death: the kernel, for every way an owner ends. An id dies
 * when its thread ends in any way (returning, pthread_exit, a raw SYS_exit,
 * with or without files unshared), when its process ends, and when its
 * process execs; robust sleepers on it are woken with EOWNERDEAD and a
 * later locker's robust wait fails with EOWNERDEAD without sleeping. So
 * the library keeps no list of held mutexes and runs nothing at thread
 * exit (0.2 did, keyed by address, and walked stale addresses after a
 * sabuf_destroy or an unlock through another handle). Nothing here touches
 * a mutex after the call that was given it returns.
 *
 * Death at any point of lock or unlock is covered because detection looks
 * at the id in the word: after a successful CAS the word names the new
 * owner; unlock clears the word before it notifies, and a sleeper whose
 * holder dies between the two is woken by the kernel as the holder's id
 * dies (it sleeps on that id, which is dead; its next wait sees the
 * cleared word and takes the mutex).
 */
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/sabuf.h>

#include "robust.h"

/* See robust.h. */
__thread struct sabuf_thread_state sabuf_self
	__attribute__((tls_model("initial-exec"))) = { .gen = SABUF_GEN_NONE_ };
static const volatile uint32_t no_generation;	/* 0 until the page exists */
const volatile uint32_t *sabuf_gen_word = &no_generation;

static uint32_t *gen_page;		/* the MADV_WIPEONFORK word */
static uint32_t gen_counter;		/* the last generation set; copied by fork */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_err;

static void zero_generation(void)
{
	/* fallback for kernels without MADV_WIPEONFORK: fork() only */
	__atomic_store_n(gen_page, 0, __ATOMIC_RELAXED);
}

static void init_once(void)
{
	long page_size = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		once_err = errno;
		return;
	}
	gen_page = p;
	if (madvise(p, (size_t)page_size, MADV_WIPEONFORK)) {
		once_err = pthread_atfork(NULL, NULL, zero_generation);
		if (once_err) {
			munmap(p, (size_t)page_size);
			gen_page = NULL;
			return;
		}
	}
	__atomic_store_n(&sabuf_gen_word, gen_page, __ATOMIC_RELEASE);
}

/* This process's generation, set on first use in it: never 0 nor NONE. */
static uint32_t process_generation(void)
{
	uint32_t g = __atomic_load_n(gen_page, __ATOMIC_ACQUIRE);

	while (g == 0) {
		uint32_t next;

		do
			next = __atomic_add_fetch(&gen_counter, 1, __ATOMIC_RELAXED);
		while (next == 0 || next == SABUF_GEN_NONE_);
		/* another thread of a fresh child may set it first: use its */
		if (__atomic_compare_exchange_n(gen_page, &g, next, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			g = next;
	}
	return g;
}

int sabuf_owner_id_slow(struct sabuf *sb)
{
	struct sabuf_robust args = { 0 };
	uint32_t gen;
	int id;

	pthread_once(&once, init_once);
	if (once_err)
		return -once_err;
	gen = process_generation();
	id = ioctl(sb->fd, SABUF_IOC_ROBUST_REGISTER, &args);
	if (id < 0)
		return -errno;
	sabuf_self.id = (uint32_t)id;
	sabuf_self.gen = gen;
	return id;
}

int sabuf_robust_wait(struct sabuf *sb, sabuf_mutex_t *m, uint32_t expected,
		      const struct sabuf_deadline *deadline)
{
	uint64_t offset;
	const bool forever = deadline->kind == SABUF_DEADLINE_FOREVER;
	struct sabuf_wait wait = {
		.expected = expected,
		/* NOW: a deadline long past, so the kernel still checks the
		 * word and the owner, then says ETIMEDOUT without sleeping */
		.timeout_ns = forever ? -1 :
			      deadline->kind == SABUF_DEADLINE_AT ? deadline->at_ns : 0,
		/* absolute: an SA_RESTART restart keeps the deadline; HANDON:
		 * a sleeper picked and then killed passes the wake-up on */
		.flags = SABUF_WAIT_SIZE_U32 | SABUF_WAIT_ROBUST | SABUF_WAIT_HANDON |
			 (forever ? 0 : SABUF_WAIT_ABSTIME),
		.clockid = (uint32_t)deadline->clock,
	};
	int ret = sabuf_word_offset(sb, &m->state, sizeof(m->state), &offset);

	if (ret)
		return ret;
	wait.offset = offset;
	if (ioctl(sb->fd, SABUF_IOC_WAIT, &wait) == 0 || errno == EAGAIN)
		return 0;
	return -errno;
}
