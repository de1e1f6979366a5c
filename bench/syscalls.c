// SPDX-License-Identifier: GPL-2.0
/*
 * How many system calls the two fast paths make: sabuf_notify() with
 * nobody waiting, and sabuf_wait32() on a word that already differs. Both
 * must make none.
 *
 * A forked child installs a seccomp filter that answers every system call
 * except rt_sigreturn, exit and exit_group with SECCOMP_RET_TRAP: the call
 * does not run, and a SIGSYS handler counts it (in a shared page, since
 * the child cannot even write(2) any more). So a fast path that broke
 * would show as a non-zero count, whichever call it made. Two controls
 * prove the counting works: a plain getppid(), and a sabuf_wait32() that
 * must enter the kernel (the word equals expected, timeout 0); each must
 * trap exactly once with its own call (getppid, ioctl). The wait may also
 * read CLOCK_MONOTONIC first (libsabuf sends absolute deadlines since ABI
 * 2), which is a real clock_gettime system call where the clocksource has
 * no vDSO path, as in the TCG VM (HPET): those are counted apart
 * (@info seccomp_control_clock_traps) and do not count as control traps.
 *
 *   syscalls [--count N]     N calls of each (default 10000)
 *
 * Prints @count notify_nowaiter_syscalls, wait_notequal_syscalls and
 * seccomp_control_traps (2 when the counting works).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <sabuf.h>

#include "bench.h"

struct tally {
	long traps;		/* SIGSYS seen */
	long last_nr;		/* the last trapped system call */
	long notify_traps, wait_traps, control_traps, mutex_traps;
	long clock_traps, ioctl_traps, getppid_traps;	/* by call, all along */
	long bad_results;	/* a call answered something other than expected */
	int done;
};

static struct tally *tally;

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig;
	tally->traps++;
	tally->last_nr = si->si_syscall;
	if (si->si_syscall == __NR_clock_gettime)
		tally->clock_traps++;
	else if (si->si_syscall == __NR_ioctl)
		tally->ioctl_traps++;
	else if (si->si_syscall == __NR_getppid)
		tally->getppid_traps++;
	/* the call did not run; make it fail the way an unknown call does */
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
}

static void install_filter(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	CHECK_SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	CHECK_SYS(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
}

static void child(struct sabuf *sb, long n)
{
	int32_t *word = sabuf_data(sb);
	struct sigaction sa;
	long before;

	sabuf_mutex_t *m = (sabuf_mutex_t *)(word + 64);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	CHECK_SYS(sigaction(SIGSYS, &sa, NULL));
	/* a thread's first lock asks the kernel for its owner id, once */
	if (sabuf_mutex_lock(sb, m) != 0 || sabuf_mutex_unlock(sb, m) != 0)
		die("sabuf_mutex_lock");
	install_filter();

	/* From here on, any system call traps and is counted. */
	before = tally->traps;
	for (long i = 0; i < n; i++)
		if (sabuf_mutex_lock(sb, m) != 0 || sabuf_mutex_unlock(sb, m) != 0)
			tally->bad_results++;
	tally->mutex_traps = tally->traps - before;

	/* From here on, any system call traps and is counted. */
	before = tally->traps;
	for (long i = 0; i < n; i++)
		if (sabuf_notify(sb, word, 1) != 0)
			tally->bad_results++;
	tally->notify_traps = tally->traps - before;

	__atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
	before = tally->traps;
	for (long i = 0; i < n; i++)
		if (sabuf_wait32(sb, word, 0, SABUF_FOREVER) != SABUF_NOT_EQUAL)
			tally->bad_results++;
	tally->wait_traps = tally->traps - before;

	/* Controls: each of these must trap once (the wait may read the clock too). */
	before = tally->traps;
	long clocks = tally->clock_traps, ioctls = tally->ioctl_traps, getppids = tally->getppid_traps;

	syscall(SYS_getppid);
	/* equal, and a timeout > 0 (<= 0 never sleeps, so needs no kernel):
	 * only the kernel can answer */
	(void)sabuf_wait32(sb, word, 1, 1);
	clocks = tally->clock_traps - clocks;
	tally->control_traps = tally->traps - before - clocks;
	/* and they must be the right calls, not any two */
	if (tally->ioctl_traps - ioctls != 1 || tally->getppid_traps - getppids != 1)
		tally->control_traps = -1;
	tally->clock_traps = clocks;
	tally->done = 1;
	syscall(SYS_exit_group, 0);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct sabuf *sb;
	pid_t pid;
	int status;

	bench_parse(argc, argv, &o, NULL);
	if (!o.count)
		o.count = 10000;
	tally = mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally == MAP_FAILED)
		die("mmap: %m");
	CHECK_NEG(sabuf_create(4096, &sb));

	fflush(stdout);
	pid = fork();
	CHECK_SYS(pid);
	if (pid == 0)
		child(sb, o.count);
	CHECK_SYS(waitpid(pid, &status, 0));
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !tally->done)
		die("the seccomp child failed (status 0x%x; last trapped call %ld)",
		    status, tally->last_nr);
	bench_count("notify_nowaiter_syscalls", tally->notify_traps);
	bench_count("wait_notequal_syscalls", tally->wait_traps);
	bench_count("mutex_uncontended_syscalls", tally->mutex_traps);
	bench_count("seccomp_control_traps", tally->control_traps);
	bench_info("seccomp_control_clock_traps", tally->clock_traps);
	bench_progress("system calls (seccomp SIGSYS count): %ld notifies with no waiter: %ld; "
		       "%ld waits on a differing word: %ld; controls trapped %ld of 2 "
		       "(+%ld clock_gettime)", o.count, tally->notify_traps, o.count,
		       tally->wait_traps, tally->control_traps, tally->clock_traps);
	sabuf_destroy(sb);
	/* A trapped call answers -ENOSYS, so wrong answers follow traps; alone they are a bug. */
	if (tally->bad_results)
		bench_progress("warning: %ld fast-path calls under seccomp answered wrongly",
			       tally->bad_results);
	if (tally->control_traps != 2)
		die("the controls did not trap twice: the count above proves nothing");
	return 0;
}
