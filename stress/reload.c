// SPDX-License-Identifier: GPL-2.0
/*
 * reload: the module's life, over and over. Each cycle: a buffer is
 * created, mapped and used (a waiter in a child process, woken by a
 * notify); rmmod must fail while the fd is open, and still fail once only
 * a mapping is left; after the munmap it must succeed; /dev/sabuf and the
 * netlink family must be gone; modprobe brings the module back (now and
 * then with parameters, which must take effect: the device's mode, the
 * size cap) and the next cycle begins.
 *
 * rmmod is the delete_module syscall (O_NONBLOCK, as kmod's rmmod calls
 * it), and every tenth time kmod's own rmmod command; modprobe is kmod's
 * command. The module is left loaded with default parameters.
 *
 * Usage: reload [--cycles N (100)] [--seed N]
 */
#include "common.h"
#include "genl.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static uint64_t opt_cycles = 100, seed;

static bool loaded(void)
{
	return access("/sys/module/sabuf", F_OK) == 0;
}

/* delete_module("sabuf", O_NONBLOCK): 0 or -errno. */
static int unload_syscall(void)
{
	return syscall(SYS_delete_module, "sabuf", O_NONBLOCK) ? -errno : 0;
}

static int rmmod_command(void)
{
	char *argv[] = { "rmmod", "sabuf", NULL };

	return run_command(argv, true);
}

static int modprobe(const char *param)
{
	char *argv[] = { "modprobe", "sabuf", (char *)param, NULL };

	return run_command(argv, false);
}

/* rmmod must be refused now (a buffer is alive): by the syscall or by the command. */
static void expect_refused(uint64_t n, const char *why, bool use_command)
{
	int ret;

	if (use_command) {
		ret = rmmod_command();
		if (!ret)
			die("cycle %llu: rmmod succeeded while %s", (unsigned long long)n, why);
	} else {
		ret = unload_syscall();
		if (ret != -EWOULDBLOCK && ret != -EBUSY)
			die("cycle %llu: delete_module while %s: %s, expected EWOULDBLOCK",
			    (unsigned long long)n, why, ret ? strerror(-ret) : "success");
	}
	if (!loaded())
		die("cycle %llu: the module is gone although %s", (unsigned long long)n, why);
}

static int family_id(void)
{
	int sock = genl_open(), id;

	if (sock < 0)
		return sock;
	id = genl_family_id(sock, SABUF_GENL_NAME);
	close(sock);
	return id;
}

/* Create, map, wake a waiting child; returns the mapping, the fd still open. */
static void use_buffer(uint64_t n, struct sb_buffer *b, uint64_t size)
{
	pid_t pid;
	int ret, status = 0;

	ret = sb_buffer_make(b, size);
	if (ret)
		die("cycle %llu: a %llu-byte buffer: %s", (unsigned long long)n,
		    (unsigned long long)size, strerror(-ret));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid)
		_exit(sb_wait(b->fd, 0, 0, SABUF_WAIT_SIZE_U32, CLOCK_MONOTONIC, 60 * NSEC_PER_SEC) ? 1 : 0);
	/* notify until the child was queued and is woken */
	for (int i = 0; i < 60000 && (ret = sb_notify(b->fd, 0, 1)) == 0; i++)
		sleep_ns(NSEC_PER_MSEC);
	waitpid(pid, &status, 0);
	if (ret != 1 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("cycle %llu: the wait/notify round failed (notify %d, waiter status %#x)",
		    (unsigned long long)n, ret, status);
	memset(b->data, 0x5a, b->info.byte_length);
}

int main(int argc, char **argv)
{
	struct rng r;
	const char *v;
	double start;
	uint64_t n;
	unsigned int with_params = 0;

	stress_init("reload");
	seed = stress_default_seed();
	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, "--cycles", &v))
			opt_cycles = parse_u64("--cycles", v);
		else if (opt_value(argc, argv, &i, "--seed", &v))
			seed = parse_u64("--seed", v);
		else {
			printf("usage: reload [--cycles N] [--seed N]\n");
			return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? STRESS_FAIL : 0;
		}
	}
	if (geteuid()) {
		say("SKIP: needs root (rmmod, modprobe)");
		return STRESS_SKIP;
	}
	if (!loaded() && modprobe(NULL))
		die("the module is not loaded and modprobe sabuf fails");
	r = rng_derive(seed, 0, 0);
	say("seed %#llx; %llu unload/reload cycles", (unsigned long long)seed,
	    (unsigned long long)opt_cycles);

	start = mono_seconds();
	for (n = 1; n <= opt_cycles; n++) {
		struct sb_buffer b;
		const char *param = NULL;
		unsigned int k = (unsigned int)rng_below(&r, 100);
		bool command = n % 10 == 0;
		struct stat st;
		int ret;

		if (family_id() <= 0)
			die("cycle %llu: the netlink family is missing while the module is loaded",
			    (unsigned long long)n);
		/* within max_buffer_bytes=65536, which some cycles load the module with */
		use_buffer(n, &b, rng_range(&r, 1, 64 << 10));
		expect_refused(n, "a buffer's fd is open", command);

		/* only a mapping left: still in use */
		close(b.fd);
		munmap((void *)b.counters, b.info.counters_length);
		expect_refused(n, "a mapping is left", !command);
		if (((unsigned char *)b.data)[b.info.byte_length - 1] != 0x5a)
			die("cycle %llu: the mapping lost its contents", (unsigned long long)n);
		munmap(b.data, b.info.map_length);

		ret = command ? (rmmod_command() ? -EBUSY : 0) : unload_syscall();
		if (ret)
			die("cycle %llu: rmmod with nothing left failed: %s", (unsigned long long)n,
			    strerror(-ret));
		if (loaded() || !access(SABUF_DEVICE_PATH, F_OK))
			die("cycle %llu: after rmmod, %s is still there", (unsigned long long)n,
			    loaded() ? "/sys/module/sabuf" : SABUF_DEVICE_PATH);
		ret = family_id();
		if (ret != -ENOENT)
			die("cycle %llu: after rmmod, the netlink family answers %d",
			    (unsigned long long)n, ret);

		/* back, now and then with parameters (the last cycle with none) */
		if (n < opt_cycles && k < 20)
			param = "max_buffer_bytes=65536";
		else if (n < opt_cycles && k < 40)
			param = "mode=0600";
		if (modprobe(param))
			die("cycle %llu: modprobe sabuf %s failed", (unsigned long long)n,
			    param ? param : "");
		if (stat(SABUF_DEVICE_PATH, &st))
			die("cycle %llu: no %s after modprobe: %s", (unsigned long long)n,
			    SABUF_DEVICE_PATH, strerror(errno));
		if ((st.st_mode & 0777) != (param && !strcmp(param, "mode=0600") ? 0600u : 0666u))
			die("cycle %llu: %s has mode %o after modprobe sabuf %s", (unsigned long long)n,
			    SABUF_DEVICE_PATH, st.st_mode & 0777, param ? param : "");
		if (param && !strncmp(param, "max_buffer_bytes", 16)) {
			int fd = sb_open(O_RDWR | O_CLOEXEC);

			ret = fd < 0 ? fd : sb_create(fd, 65537);
			if (fd >= 0)
				close(fd);
			if (ret != -EFBIG)
				die("cycle %llu: with max_buffer_bytes=65536, a 65537-byte create: %s",
				    (unsigned long long)n, ret ? strerror(-ret) : "success");
		}
		with_params += param != NULL;
		if (n % 10 == 0)
			say("%llu cycles in %.1f s", (unsigned long long)n, mono_seconds() - start);
	}
	say("PASS: %llu unload/reload cycles (%u with parameters) in %.1f s; rmmod refused while "
	    "an fd or a mapping was left, every time", (unsigned long long)opt_cycles, with_params,
	    mono_seconds() - start);
	return STRESS_PASS;
}
