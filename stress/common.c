// SPDX-License-Identifier: GPL-2.0
/* common.c: see common.h. */
#include "common.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

const char *stress_prog = "stress";

void stress_init(const char *prog)
{
	stress_prog = prog;
	/* Line-buffered even into a pipe: progress must show up as it happens. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void vsay(const char *tag, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	printf("%s: %s%s\n", stress_prog, tag, line);
	fflush(stdout);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void complain(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("FAIL: ", fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("FAIL: ", fmt, ap);
	va_end(ap);
	exit(STRESS_FAIL);
}

uint64_t stress_default_seed(void)
{
	struct rng r = { (uint64_t)now_ns(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 32) };

	return rng_next(&r) & 0xffffffffffffULL;	/* short enough to retype */
}

void sleep_ns(int64_t ns)
{
	struct timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

bool opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (strncmp(arg, name, n))
		return false;
	if (arg[n] == '=') {
		*val = arg + n + 1;
		return true;
	}
	if (arg[n])
		return false;
	if (*i + 1 >= argc)
		die("%s needs a value", name);
	*val = argv[++*i];
	return true;
}

uint64_t parse_u64(const char *opt, const char *text)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || end == text)
		die("%s: not a number: %s", opt, text);
	switch (tolower((unsigned char)*end)) {
	case 'k': v <<= 10; end++; break;
	case 'm': v <<= 20; end++; break;
	case 'g': v <<= 30; end++; break;
	}
	if (*end)
		die("%s: not a number: %s", opt, text);
	return v;
}

int sb_open(int flags)
{
	int fd = open(SABUF_DEVICE_PATH, flags);

	return fd < 0 ? -errno : fd;
}

static int sb_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int sb_create(int fd, uint64_t byte_length)
{
	struct sabuf_create c = { .byte_length = byte_length };

	return sb_ioctl(fd, SABUF_IOC_CREATE, &c);
}

int sb_info(int fd, struct sabuf_info *info)
{
	memset(info, 0, sizeof(*info));
	return sb_ioctl(fd, SABUF_IOC_INFO, info);
}

int sb_wait(int fd, uint64_t offset, uint64_t expected, uint32_t flags,
	    uint32_t clockid, int64_t timeout_ns)
{
	struct sabuf_wait w = {
		.offset = offset,
		.expected = expected,
		.timeout_ns = timeout_ns,
		.flags = flags,
		.clockid = clockid,
	};

	return sb_ioctl(fd, SABUF_IOC_WAIT, &w);
}

int sb_notify(int fd, uint64_t offset, uint32_t count)
{
	struct sabuf_notify n = { .offset = offset, .count = count };

	return sb_ioctl(fd, SABUF_IOC_NOTIFY, &n);
}

int sb_create_growable(int fd, uint64_t byte_length, uint64_t max_byte_length)
{
	struct sabuf_create c = {
		.byte_length = byte_length,
		.flags = SABUF_CREATE_GROWABLE,
		.max_byte_length = max_byte_length,
	};

	return sb_ioctl(fd, SABUF_IOC_CREATE, &c);
}

int sb_grow(int fd, uint64_t byte_length)
{
	struct sabuf_grow g = { .byte_length = byte_length };

	return sb_ioctl(fd, SABUF_IOC_GROW, &g);
}

int sb_dup_readonly(int fd)
{
	struct sabuf_dup d = { 0 };

	return sb_ioctl(fd, SABUF_IOC_DUP_READONLY, &d);
}

int sb_notify_wait(int fd, uint64_t notify_offset, uint32_t notify_count,
		   const struct sabuf_wait *wait)
{
	struct sabuf_notify_wait nw = {
		.notify_offset = notify_offset,
		.notify_count = notify_count,
		.wait = *wait,
	};

	return sb_ioctl(fd, SABUF_IOC_NOTIFY_WAIT, &nw);
}

int sb_robust_register(int fd)
{
	struct sabuf_robust r = { 0 };

	return sb_ioctl(fd, SABUF_IOC_ROBUST_REGISTER, &r);
}

int sb_wait_any(int fd, const struct sabuf_wait_any_item *items, uint32_t count,
		uint32_t flags, uint32_t clockid, int64_t timeout_ns)
{
	struct sabuf_wait_any a = {
		.items = (uint64_t)(uintptr_t)items,
		.count = count,
		.flags = flags,
		.timeout_ns = timeout_ns,
		.clockid = clockid,
	};

	return sb_ioctl(fd, SABUF_IOC_WAIT_ANY, &a);
}

int sb_waitset_create(int fd, uint32_t flags)
{
	struct sabuf_waitset_create c = { .flags = flags };

	return sb_ioctl(fd, SABUF_IOC_WAITSET_CREATE, &c);
}

int sb_waitset_add(int wsfd, int fd, uint64_t tag, const struct sabuf_wait *wait)
{
	struct sabuf_waitset_add a = { .fd = fd, .tag = tag, .wait = *wait };

	return sb_ioctl(wsfd, SABUF_IOC_WAITSET_ADD, &a);
}

int sb_waitset_cancel(int wsfd, uint64_t tag)
{
	struct sabuf_waitset_cancel c = { .tag = tag };

	return sb_ioctl(wsfd, SABUF_IOC_WAITSET_CANCEL, &c);
}

int sb_buffer_make(struct sb_buffer *b, uint64_t byte_length)
{
	int ret;

	memset(b, 0, sizeof(*b));
	b->fd = sb_open(O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		return b->fd;
	ret = sb_create(b->fd, byte_length);
	if (!ret)
		ret = sb_info(b->fd, &b->info);
	if (ret)
		goto fail_close;
	b->data = mmap(NULL, b->info.map_length, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (b->data == MAP_FAILED) {
		ret = -errno;
		goto fail_close;
	}
	b->counters = mmap(NULL, b->info.counters_length, PROT_READ, MAP_SHARED, b->fd,
			   (off_t)b->info.counters_offset);
	if (b->counters == MAP_FAILED) {
		ret = -errno;
		munmap(b->data, b->info.map_length);
		goto fail_close;
	}
	return 0;

fail_close:
	close(b->fd);
	b->fd = -1;
	return ret;
}

void sb_buffer_drop(struct sb_buffer *b)
{
	if (b->fd < 0)
		return;
	munmap((void *)b->counters, b->info.counters_length);
	munmap(b->data, b->info.map_length);
	close(b->fd);
	b->fd = -1;
}

int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	err = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return err;
}

int read_file_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

long meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	size_t n = strlen(field);
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

int run_command(char *const argv[], bool quiet)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0) {
				dup2(null, STDOUT_FILENO);
				dup2(null, STDERR_FILENO);
			}
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool kmemleak_available(void)
{
	return access(KMEMLEAK_PATH, R_OK | W_OK) == 0;
}

void kmemleak_clear(void)
{
	if (kmemleak_available())
		write_file(KMEMLEAK_PATH, "clear");
}

/* One report: from "unreferenced object" to the next. */
static void leak_report_done(const char *report, const char *needle, int *matching, int *total)
{
	if (!*report)
		return;
	(*total)++;
	if (needle && strstr(report, needle)) {
		(*matching)++;
		printf("%s", report);
	}
}

int kmemleak_check(const char *needle, int *total)
{
	static char report[16384];
	char line[512];
	int matching = 0;
	size_t used = 0;
	FILE *f;

	*total = 0;
	if (!kmemleak_available())
		return -1;
	/* kmemleak reports nothing younger than 5 s (MSECS_MIN_AGE) */
	sleep_ns(6 * NSEC_PER_SEC);
	write_file(KMEMLEAK_PATH, "scan");
	write_file(KMEMLEAK_PATH, "scan");
	f = fopen(KMEMLEAK_PATH, "re");
	if (!f)
		return -1;
	report[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19)) {
			leak_report_done(report, needle, &matching, total);
			used = 0;
			report[0] = 0;
		}
		if (used + strlen(line) < sizeof(report)) {
			strcpy(report + used, line);
			used += strlen(line);
		}
	}
	leak_report_done(report, needle, &matching, total);
	fclose(f);
	fflush(stdout);
	return matching;
}
