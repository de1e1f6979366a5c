// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: random sequences of everything a process can do to /dev/sabuf,
 * seeded and reproducible, for a given time. See fuzz.h for the parts
 * and the rules that keep the fuzzer itself alive.
 *
 * Usage: fuzz [--seed N] [--seconds S] [--threads T] [--iterations N]
 *             [--progress S] [--no-caps] [--no-fork] [--trace] [--grow-tail]
 *
 * --grow-tail: op_growable also stores into the last page past the length
 * (mapped, so allowed) before growing, and then requires those bytes to
 * read 0 like every new byte (DESIGN.md: "New bytes read as zero"). Off by
 * default: the module of ABI 2 fails it (kmod does not zero the old last
 * page's tail on grow; reported, see stress/README.md).
 *
 * Each thread draws its ops from its own generator, derived from the seed;
 * forked children draw from one derived from their parent's. With
 * --threads 1, a seed replays the same op sequence (results that depend on
 * timing, like an interrupted wait, may still differ). --trace prints each
 * op before it runs, so the last line before a crash names the culprit.
 *
 * Besides "no crash, no kernel splat", the fuzzer checks what it can
 * predict: the errno of every sabuf ioctl is one kmod/README.md lists, and
 * for well-formed calls on buffers it knows, exactly the one it predicts;
 * mmap/mprotect follow the module's rules; SABUF_IOC_INFO's layout is
 * self-consistent; waiter counters never underflow; netlink replies are
 * well-formed and an unprivileged caller sees only its own buffers. At the
 * end, with every fd closed and every mapping gone, no buffer may be left.
 * Exit: 0 clean, 1 a check failed.
 */
#include "fuzz.h"
#include "genl.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define MAX_THREADS	8
#define MAX_CHILDREN	6

static uint64_t opt_seconds = 60, opt_iterations;
static unsigned int opt_threads = 2, opt_progress = 5;
static bool opt_caps = true, opt_fork = true;
static bool is_root;

/* Children of this process (fz_lock). */
static pid_t children[MAX_CHILDREN];
static unsigned int nr_children;

static const char *op_names[NR_OPS] = {
	[OP_OPEN] = "open", [OP_OPEN_OTHER] = "open-other", [OP_CLOSE] = "close",
	[OP_DUP] = "dup", [OP_CREATE] = "create", [OP_INFO] = "info", [OP_WAIT] = "wait",
	[OP_NOTIFY] = "notify", [OP_IOCTL_RANDOM] = "ioctl-random", [OP_FILE_MISC] = "file-ops",
	[OP_SCM] = "fd-passing", [OP_MMAP] = "mmap", [OP_MUNMAP] = "munmap",
	[OP_MPROTECT] = "mprotect", [OP_MREMAP] = "mremap", [OP_MADVISE] = "madvise",
	[OP_TOUCH] = "touch", [OP_PIPE] = "pipe/vmsplice", [OP_VM_RW] = "process_vm_rw",
	[OP_FORK] = "fork", [OP_SIGNAL] = "signal", [OP_NETLINK] = "netlink", [OP_CAPS] = "caps",
	[OP_GROW] = "grow", [OP_DUP_RO] = "dup-readonly", [OP_ABI_SIZE] = "abi-sizes",
	[OP_GROWABLE] = "growable", [OP_READONLY] = "readonly-fd", [OP_WAITSET] = "waitset",
};

/* ---- signals ---- */

static void on_alarm(int sig) { (void)sig; }
static void on_usr1(int sig) { (void)sig; fz_stats->signals++; }

static void set_usr1(bool restart)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static void signals_init(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART: interrupts */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	set_usr1(true);
	signal(SIGPIPE, SIG_IGN);
	fz_guard_install();
}

/* A periodic SIGALRM to this thread only: no blocking call outlives a tick. */
static void thread_timer_start(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM };
	struct itimerspec its = {
		.it_interval = { 0, FZ_TICK_MS * NSEC_PER_MSEC },
		.it_value = { 0, FZ_TICK_MS * NSEC_PER_MSEC },
	};
	timer_t timer;

	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &its, NULL))
		die("timer_create: %s", strerror(errno));
}

/* ---- children ---- */

static void note_child_exit(pid_t pid, int status)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		fz_fail("child %d died of signal %d (%s)", pid, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		fz_fail("child %d exited with status %d", pid, WEXITSTATUS(status));
	pthread_mutex_lock(&fz_lock);
	for (unsigned int i = 0; i < nr_children; i++) {
		if (children[i] == pid) {
			children[i] = children[--nr_children];
			break;
		}
	}
	pthread_mutex_unlock(&fz_lock);
}

static void reap_children(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		note_child_exit(pid, status);
}

/* The parent pid in /proc/PID/stat (after the command name in parentheses). */
static pid_t parent_of(const char *pid)
{
	char path[64], buf[512], *p;
	int fd, ppid = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%.20s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

/*
 * Kill every child, and every orphan that comes to us (the fuzzer is a
 * subreaper), until none is left: a grandchild left stopped (SIGSTOP) by a
 * child killed before its SIGCONT would otherwise wait forever.
 */
static void kill_descendants(void)
{
	double until = mono_seconds() + 60;
	pid_t self = getpid(), pid;
	struct dirent *e;
	int status;
	DIR *d;

	for (;;) {
		d = opendir("/proc");
		while (d && (e = readdir(d)))
			if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && parent_of(e->d_name) == self)
				kill(atoi(e->d_name), SIGKILL);
		if (d)
			closedir(d);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			note_child_exit(pid, status);
		if (pid < 0 && errno == ECHILD)
			return;
		if (mono_seconds() > until) {
			fz_fail("children still alive 60 s after SIGKILL");
			return;
		}
		sleep_ns(10 * NSEC_PER_MSEC);
	}
}

static void fz_loop(struct fz_thread *t, double until, uint64_t max_iterations);

static void op_fork(struct fz_thread *t)
{
	uint64_t child_seed = rng_next(&t->rng);
	bool drop = t->uid == 0 && rng_chance(&t->rng, 25);	/* root's children only */
	uint64_t iterations = rng_range(&t->rng, 20, 300);
	pid_t pid;

	if (!opt_fork || t->depth >= 2)
		return;
	pthread_mutex_lock(&fz_lock);
	if (nr_children >= MAX_CHILDREN) {
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	fz_trace_op(t, "fork (%s, %llu iterations)", drop ? "as uid 1000" : "same uid",
		    (unsigned long long)iterations);
	pid = fork();
	if (pid < 0) {
		fz_count(OP_FORK, -errno);
		pthread_mutex_unlock(&fz_lock);
		return;
	}
	if (!pid) {
		/* The child: one thread, fresh locks, its own helpers and timer. */
		pthread_mutex_init(&fz_lock, NULL);
		nr_children = 0;
		fz_maps_after_fork();
		/* A group per child of the fuzzer, its own children in it: one kill ends all. */
		if (!t->depth)
			setpgid(0, 0);
		t->rng = (struct rng){ child_seed };
		t->is_child = true;
		t->depth++;
		t->iterations = 0;
		t->nl_sock = t->scm[0] = t->scm[1] = t->pipe[0] = t->pipe[1] = -1;
		if (drop) {
			if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
			    setresuid(1000, 1000, 1000))
				_exit(3);
			t->uid = 1000;
			fz_nl_check_visibility(t);
		}
		thread_timer_start();
		fz_loop(t, 0, iterations);
		kill_descendants();
		_exit(0);
	}
	children[nr_children++] = pid;
	fz_stats->forks++;
	fz_count(OP_FORK, 0);
	pthread_mutex_unlock(&fz_lock);
}

static pthread_t threads[MAX_THREADS];
static pid_t thread_tids[MAX_THREADS];

static void op_signal(struct fz_thread *t)
{
	unsigned int k = (unsigned int)rng_below(&t->rng, 100);
	long ret = 0;

	if (k < 30) {
		fz_trace_op(t, "raise SIGUSR1");
		ret = raise(SIGUSR1) ? -errno : 0;
	} else if (k < 50) {
		set_usr1(rng_chance(&t->rng, 50));
	} else if (k < 70 && !t->is_child && opt_threads > 1) {
		pid_t tid = thread_tids[rng_below(&t->rng, opt_threads)];

		fz_trace_op(t, "tgkill %d SIGUSR1", tid);
		if (tid)
			ret = syscall(SYS_tgkill, getpid(), tid, SIGUSR1) ? -errno : 0;
	} else {
		pid_t pid;
		int sig;

		pthread_mutex_lock(&fz_lock);
		pid = nr_children ? children[rng_below(&t->rng, nr_children)] : 0;
		pthread_mutex_unlock(&fz_lock);
		if (!pid)
			return;
		k = (unsigned int)rng_below(&t->rng, 100);
		sig = k < 50 ? SIGUSR1 : k < 80 ? SIGSTOP : SIGKILL;
		fz_trace_op(t, "kill child %d with %s", pid, strsignal(sig));
		ret = kill(pid, sig) ? -errno : 0;
		if (sig == SIGSTOP) {
			sleep_ns((int64_t)rng_below(&t->rng, 5 * NSEC_PER_MSEC));
			kill(pid, SIGCONT);
		}
		if (sig == SIGKILL && !ret)
			fz_stats->children_killed++;
	}
	fz_count(OP_SIGNAL, ret);
}

/* ---- the module's caps, changed under the fuzzer's feet (root, parent only) ---- */

#define PARAM_DIR "/sys/module/sabuf/parameters/"
static char saved_max_buffer[32], saved_max_user[32];
/* The caps the fuzzer keeps by default: large enough for boundary cases, small
 * enough that a 2 GiB VM never runs out of memory. */
static const char *base_max_buffer = "16777216", *base_max_user = "268435456";

static void caps_init(void)
{
	if (!opt_caps || !is_root ||
	    read_file_line(PARAM_DIR "max_buffer_bytes", saved_max_buffer, sizeof(saved_max_buffer)) ||
	    read_file_line(PARAM_DIR "max_user_bytes", saved_max_user, sizeof(saved_max_user))) {
		opt_caps = false;
		return;
	}
	write_file(PARAM_DIR "max_buffer_bytes", base_max_buffer);
	write_file(PARAM_DIR "max_user_bytes", base_max_user);
}

static void caps_restore(void)
{
	if (!opt_caps)
		return;
	write_file(PARAM_DIR "max_buffer_bytes", saved_max_buffer);
	write_file(PARAM_DIR "max_user_bytes", saved_max_user);
}

static void op_caps(struct fz_thread *t)
{
	static const char *buffer_caps[] = { "0", "1", "4096", "65536", "1048576" };
	static const char *user_caps[] = { "0", "4096", "65536", "16777216" };
	const char *file, *value;
	long ret;

	if (!opt_caps || t->is_child)
		return;
	if (rng_chance(&t->rng, 50)) {
		file = PARAM_DIR "max_buffer_bytes";
		value = rng_chance(&t->rng, 50) ? base_max_buffer :
			buffer_caps[rng_below(&t->rng, ARRAY_SIZE(buffer_caps))];
	} else {
		file = PARAM_DIR "max_user_bytes";
		value = rng_chance(&t->rng, 50) ? base_max_user :
			user_caps[rng_below(&t->rng, ARRAY_SIZE(user_caps))];
	}
	fz_trace_op(t, "caps: %s = %s", file + sizeof(PARAM_DIR) - 1, value);
	/* under the lock: create's exact prediction reads the cap under it too */
	pthread_mutex_lock(&fz_lock);
	ret = write_file(file, value);
	pthread_mutex_unlock(&fz_lock);
	fz_count(OP_CAPS, ret);
}

/* ---- the loop ---- */

struct op_entry {
	void (*fn)(struct fz_thread *t);
	unsigned int weight;
};

static const struct op_entry ops[] = {
	{ op_open, 6 }, { op_open_other, 1 }, { op_close, 4 }, { op_dup, 2 },
	{ op_create, 8 }, { op_info, 3 }, { op_wait, 8 }, { op_notify, 8 },
	{ op_ioctl_random, 3 }, { op_file_misc, 2 }, { op_scm, 1 },
	{ op_mmap, 8 }, { op_munmap, 4 }, { op_mprotect, 3 }, { op_mremap, 3 },
	{ op_madvise, 2 }, { op_touch, 6 }, { op_pipe, 1 }, { op_vm_rw, 1 },
	{ op_fork, 1 }, { op_signal, 2 }, { op_netlink, 4 }, { op_caps, 1 },
	{ op_grow, 5 }, { op_dup_readonly, 2 }, { op_abi_size, 4 }, { op_growable, 2 },
	{ op_readonly, 1 }, { op_waitset, 6 },
};

static void fz_loop(struct fz_thread *t, double until, uint64_t max_iterations)
{
	unsigned int total = 0, i, pick;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		total += ops[i].weight;
	while (!fz_stats->stop) {
		if (max_iterations && t->iterations >= max_iterations)
			break;
		if (until && !(t->iterations % 16) && mono_seconds() >= until)
			break;
		pick = (unsigned int)rng_below(&t->rng, total);
		for (i = 0; pick >= ops[i].weight; i++)
			pick -= ops[i].weight;
		ops[i].fn(t);
		t->iterations++;
		fz_stats->iterations++;
		if (!(t->iterations % 16))
			reap_children();
	}
}

struct thread_arg {
	struct fz_thread t;
	double until;
};

static struct thread_arg thread_args[MAX_THREADS];

static void *thread_main(void *arg)
{
	struct thread_arg *a = arg;

	thread_tids[a->t.nr] = (pid_t)syscall(SYS_gettid);
	thread_timer_start();
	fz_loop(&a->t, a->until, opt_iterations);
	return NULL;
}

/* ---- the end ---- */

/* Where each of our threads is stuck: state, syscall, kernel stack. */
static void dump_tasks(void)
{
	static const char *const files[] = { "stat", "wchan", "syscall", "stack" };
	char path[128], buf[4096];
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		for (unsigned int i = 0; i < ARRAY_SIZE(files); i++) {
			int fd;
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/self/task/%.20s/%s", e->d_name, files[i]);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = 0;
				say("task %s %s: %s", e->d_name, files[i], buf);
			}
		}
	}
	if (d)
		closedir(d);
}

/* Without waiting for anything (the threads may hold the lock). */
static void kill_children_now(void)
{
	for (unsigned int i = 0; i < nr_children; i++)
		kill(-children[i], SIGKILL);
}


static void print_summary(double secs)
{
	say("%llu ops in %.1f s (%.0f/s), %llu forks (%llu killed), %llu netlink requests, "
	    "%llu touches faulted (caught; %llu of them the SIGBUS past a growable buffer's "
	    "length), %llu signals handled",
	    (unsigned long long)fz_stats->iterations, secs, (double)fz_stats->iterations / secs,
	    (unsigned long long)fz_stats->forks, (unsigned long long)fz_stats->children_killed,
	    (unsigned long long)fz_stats->nl_requests,
	    (unsigned long long)fz_stats->touches_faulted,
	    (unsigned long long)fz_stats->sigbus_expected, (unsigned long long)fz_stats->signals);
	for (unsigned int op = 0; op < NR_OPS; op++) {
		char line[512];
		int n;

		if (!fz_stats->calls[op])
			continue;
		n = snprintf(line, sizeof(line), "  %-14s %8llu calls, %8llu ok", op_names[op],
			     (unsigned long long)fz_stats->calls[op], (unsigned long long)fz_stats->ok[op]);
		for (int e = 1; e < FZ_ERRNO_MAX && n < (int)sizeof(line) - 40; e++) {
			if (fz_stats->errnos[op][e]) {
				const char *name = strerrorname_np(e);

				n += snprintf(line + n, sizeof(line) - n, ", %s %llu", name ? name : "?",
					      (unsigned long long)fz_stats->errnos[op][e]);
			}
		}
		say("%s", line);
	}
}

static void count_buffer(const struct sabuf_nl_buffer *b, void *arg)
{
	unsigned int *n = arg;

	if (*n < 5)
		say("  left: buffer %llu (%llu bytes, creator pid %u uid %u, %u fds, %u mappings, %u waiters)",
		    (unsigned long long)b->id, (unsigned long long)b->byte_length, b->creator_pid,
		    b->creator_uid, b->fds, b->mappings, b->waiters);
	(*n)++;
}

/* With every fd and mapping gone, the module must hold no buffer. */
static void check_nothing_left(void)
{
	double until = mono_seconds() + 10;
	int sock = genl_open(), family, ret;
	unsigned int n;

	family = sock >= 0 ? genl_family_id(sock, SABUF_GENL_NAME) : sock;
	if (family < 0) {
		fz_fail("netlink family %s: %s", SABUF_GENL_NAME, strerror(-family));
		return;
	}
	for (;;) {
		ret = sabuf_nl_dump(sock, family, NULL, NULL);
		if (ret <= 0 || mono_seconds() > until)
			break;
		sleep_ns(100 * NSEC_PER_MSEC);
	}
	if (ret < 0) {
		fz_fail("netlink dump: %s", strerror(-ret));
	} else if (ret > 0) {
		n = 0;
		sabuf_nl_dump(sock, family, count_buffer, &n);
		fz_fail("%d buffers outlive every fd and mapping of the fuzzer", ret);
	} else {
		say("no buffer left: every fd and mapping released its buffer");
	}
	close(sock);
}

static void usage(void)
{
	printf("usage: fuzz [--seed N] [--seconds S] [--threads T (1..%d)] [--iterations N per thread]\n"
	       "            [--progress S] [--no-caps] [--no-fork] [--trace] [--grow-tail]\n",
	       MAX_THREADS);
}

static void parse_args(int argc, char **argv)
{
	bool have_seed = false;
	const char *v;

	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, "--seed", &v)) {
			fz_seed = parse_u64("--seed", v);
			have_seed = true;
		} else if (opt_value(argc, argv, &i, "--seconds", &v)) {
			opt_seconds = parse_u64("--seconds", v);
		} else if (opt_value(argc, argv, &i, "--threads", &v)) {
			opt_threads = (unsigned int)parse_u64("--threads", v);
		} else if (opt_value(argc, argv, &i, "--iterations", &v)) {
			opt_iterations = parse_u64("--iterations", v);
		} else if (opt_value(argc, argv, &i, "--progress", &v)) {
			opt_progress = (unsigned int)parse_u64("--progress", v);
		} else if (!strcmp(argv[i], "--no-caps")) {
			opt_caps = false;
		} else if (!strcmp(argv[i], "--no-fork")) {
			opt_fork = false;
		} else if (!strcmp(argv[i], "--trace")) {
			fz_trace = true;
		} else if (!strcmp(argv[i], "--grow-tail")) {
			fz_grow_tail = true;	/* the default now; kept for old command lines */
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			exit(0);
		} else {
			usage();
			die("unknown argument %s", argv[i]);
		}
	}
	if (!have_seed)
		fz_seed = stress_default_seed();
	if (opt_threads < 1 || opt_threads > MAX_THREADS)
		die("--threads must be 1..%d", MAX_THREADS);
	if (!opt_progress)
		opt_progress = 5;
}

int main(int argc, char **argv)
{
	double start, until, last, now;
	uint64_t last_iterations = 0;
	bool joined[MAX_THREADS] = { false };
	unsigned int i;

	stress_init("fuzz");
	parse_args(argc, argv);
	is_root = geteuid() == 0;
	say("seed %#llx, %u threads, %llu s%s (reproduce: %s --seed %#llx --threads %u)",
	    (unsigned long long)fz_seed, opt_threads, (unsigned long long)opt_seconds,
	    opt_iterations ? ", bounded iterations" : "", basename(argv[0]),
	    (unsigned long long)fz_seed, opt_threads);

	fz_stats = mmap(NULL, sizeof(*fz_stats), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_stats == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	/* Orphaned grandchildren come to us, so that we reap (and can kill) them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signals_init();
	fz_arena_init();
	fz_pointers_init();
	caps_init();
	fz_family = fz_nl_family();
	if (fz_family < 0)
		say("warning: netlink family %s not found (%s): netlink requests go to a random id",
		    SABUF_GENL_NAME, strerror(-fz_family));

	start = last = mono_seconds();
	until = opt_seconds ? start + opt_seconds : 0;
	for (i = 0; i < opt_threads; i++) {
		struct fz_thread *t = &thread_args[i].t;

		t->rng = rng_derive(fz_seed, i, 0);
		t->nr = i;
		t->uid = geteuid();
		t->nl_sock = t->scm[0] = t->scm[1] = t->pipe[0] = t->pipe[1] = -1;
		thread_args[i].until = until;
		if (pthread_create(&threads[i], NULL, thread_main, &thread_args[i]))
			die("pthread_create: %s", strerror(errno));
	}
	/* This thread only watches: progress lines, the deadline, the children. */
	for (;;) {
		bool running = false;

		sleep_ns(100 * NSEC_PER_MSEC);
		now = mono_seconds();
		for (i = 0; i < opt_threads; i++) {
			if (!joined[i] && pthread_tryjoin_np(threads[i], NULL) == EBUSY)
				running = true;
			else
				joined[i] = true;	/* (joining twice would be undefined) */
		}
		if (!running)
			break;
		if (now - last >= opt_progress) {
			say("%6.1f s: %llu ops (%.0f/s), %llu forks, %llu netlink requests, %d failures",
			    now - start, (unsigned long long)fz_stats->iterations,
			    (double)(fz_stats->iterations - last_iterations) / (now - last),
			    (unsigned long long)fz_stats->forks,
			    (unsigned long long)fz_stats->nl_requests, fz_stats->failures);
			last = now;
			last_iterations = fz_stats->iterations;
		}
		if (until && now > until + 120) {
			fz_fail("the fuzzing threads did not stop 120 s after the deadline");
			dump_tasks();
			kill_children_now();
			_exit(STRESS_FAIL);
		}
	}
	now = mono_seconds();

	say("stopped; killing the children, closing everything");
	kill_descendants();
	pthread_mutex_lock(&fz_lock);
	for (i = 0; i < opt_threads; i++)
		fz_close_all(&thread_args[i].t);
	fz_unmap_all();
	pthread_mutex_unlock(&fz_lock);
	caps_restore();
	print_summary(now - start);
	check_nothing_left();

	if (fz_stats->failures) {
		say("FAILED: %d checks failed (seed %#llx)", fz_stats->failures,
		    (unsigned long long)fz_seed);
		return STRESS_FAIL;
	}
	say("PASS: %llu ops, no check failed (seed %#llx)", (unsigned long long)fz_stats->iterations,
	    (unsigned long long)fz_seed);
	return STRESS_PASS;
}
