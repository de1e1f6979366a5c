// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod sabuf is refused while any buffer exists (through an fd, or only
 * through a mapping or a name), and succeeds once all are gone; modprobe then brings
 * the module back. Named zz_ so that the runner, which goes in name order,
 * runs it after every other kernel test.
 *
 * Needs root and a module installed for modprobe (as in the VM); SKIPs
 * otherwise. Always leaves the module loaded.
 */
#include "sabuf_test.h"

/* Run argv with its output discarded (or not); its exit status, or -1. */
static int run(char *const argv[], bool quiet)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return -sabuf_t_reap(pid);
}

static int rmmod_sabuf(bool quiet)
{
	char *const argv[] = { "rmmod", "sabuf", NULL };

	return run(argv, quiet);
}

static int modprobe_sabuf(void)
{
	char *const argv[] = { "modprobe", "sabuf", NULL };

	return run(argv, false);
}

static bool module_loaded(void)
{
	return access("/sys/module/sabuf", F_OK) == 0;
}

/* SKIP unless root, the module loaded and modprobe able to load it again. */
#define NEED_RELOADABLE_MODULE() do {					\
	char *const __argv[] = { "modprobe", "-n", "-q", "sabuf", NULL }; \
	if (geteuid() != 0)						\
		SKIP(return, "rmmod needs root");			\
	if (!module_loaded())						\
		SKIP(return, "the sabuf module is not loaded");		\
	if (run(__argv, true) != 0)					\
		SKIP(return, "modprobe cannot load sabuf: not installed");\
} while (0)

TEST(rmmod_refused_while_a_buffer_is_open)
{
	struct sabuf_t_buf b;

	NEED_RELOADABLE_MODULE();
	SABUF_T_BUF_NEW(&b, 4096);
	ASSERT_NE(0, rmmod_sabuf(true));
	ASSERT_TRUE(module_loaded());
	/* And the buffer still works. */
	ASSERT_EQ(-ETIMEDOUT, sabuf_t_wait32(b.fd, 0, 0, 0));
	ASSERT_EQ(0, sabuf_t_notify(b.fd, 0, 1));
	sabuf_t_buf_free(&b);
}

TEST(rmmod_refused_while_only_a_mapping_holds_a_buffer)
{
	struct sabuf_t_buf b;
	uint8_t *data;

	NEED_RELOADABLE_MODULE();
	SABUF_T_BUF_NEW(&b, 4096);
	data = b.data;
	b.data = NULL;		/* keep this mapping, drop the rest */
	sabuf_t_buf_free(&b);
	data[0] = 1;
	ASSERT_NE(0, rmmod_sabuf(true));
	ASSERT_TRUE(module_loaded());
	ASSERT_EQ(1, data[0]);
	ASSERT_EQ(0, munmap(data, 4096));
}

/* A waitset alone (its pending wait holds a buffer no fd refers to) keeps the module. */
TEST(rmmod_refused_while_only_a_waitset_holds_a_buffer)
{
	struct sabuf_waitset_create wc = { 0 };
	struct sabuf_waitset_add add = { .tag = 7 };
	struct sabuf_waitset_result r;
	struct sabuf_t_buf b;
	int ws;

	NEED_RELOADABLE_MODULE();
	SABUF_T_BUF_NEW(&b, 4096);
	ws = sabuf_t_ioctl(b.fd, SABUF_IOC_WAITSET_CREATE, &wc);
	ASSERT_LE(0, ws);
	add.fd = b.fd;
	add.wait = sabuf_t_wait_args(4, 0, 0, 50 * SABUF_T_NSEC_PER_MSEC);
	ASSERT_EQ(0, sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &add));
	sabuf_t_buf_free(&b);
	ASSERT_NE(0, rmmod_sabuf(true));
	ASSERT_TRUE(module_loaded());
	/* the wait's timer still settles it with nothing else left */
	ASSERT_EQ((ssize_t)sizeof(r), read(ws, &r, sizeof(r)));
	EXPECT_EQ(7ull, r.tag);
	EXPECT_EQ(-ETIMEDOUT, r.result);
	ASSERT_NE(0, rmmod_sabuf(true));	/* the waitset file itself */
	close(ws);
}

/*
 * A name holds its buffer, and the module, with no fd or mapping left:
 * rmmod is refused until the name is unlinked (kmod/names.c).
 */
TEST(rmmod_refused_while_only_a_name_holds_a_buffer)
{
	const char *name = "zz-rmmod-named";
	struct sabuf_open o = {
		.name = (uintptr_t)name, .byte_length = 64,
		.oflag = SABUF_OPEN_RDWR | SABUF_OPEN_CREAT | SABUF_OPEN_EXCL, .mode = 0600,
	};
	struct sabuf_unlink u = { .name = (uintptr_t)name };
	int dev, fd;

	NEED_RELOADABLE_MODULE();
	dev = sabuf_t_open();
	ASSERT_LE(0, dev);
	fd = sabuf_t_ioctl(dev, SABUF_IOC_OPEN, &o);
	ASSERT_LE(0, fd);
	close(fd);
	close(dev);
	ASSERT_NE(0, rmmod_sabuf(true));
	ASSERT_TRUE(module_loaded());
	dev = sabuf_t_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, sabuf_t_ioctl(dev, SABUF_IOC_UNLINK, &u));
	close(dev);
}

/* Must stay the last test: it unloads the module and loads it again. */
TEST(rmmod_succeeds_once_all_are_closed_then_modprobe_restores)
{
	unsigned long long max;
	int fd;

	NEED_RELOADABLE_MODULE();
	/* This process has no buffer; the earlier tests' processes are gone. */
	ASSERT_EQ(0, rmmod_sabuf(false));
	EXPECT_FALSE(module_loaded());
	EXPECT_TRUE(SABUF_T_EVENTUALLY(access(SABUF_DEVICE_PATH, F_OK) != 0))
		TH_LOG("%s still there after rmmod", SABUF_DEVICE_PATH);

	ASSERT_EQ(0, modprobe_sabuf());
	ASSERT_TRUE(module_loaded());
	ASSERT_TRUE(SABUF_T_EVENTUALLY(access(SABUF_DEVICE_PATH, F_OK) == 0));
	/* A fresh module: default caps, and buffers work again. */
	ASSERT_EQ(0, sabuf_t_param_read("max_buffer_bytes", &max));
	EXPECT_EQ(1ull << 30, max);
	fd = sabuf_t_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sabuf_t_create(fd, 1));
	close(fd);
}

TEST_HARNESS_MAIN
