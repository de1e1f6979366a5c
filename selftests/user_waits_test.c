// SPDX-License-Identifier: GPL-2.0
/*
 * max_user_waits (DESIGN.md, 0.3, "Isolation between users"): one uid's
 * asynchronous waits, pending plus settled and not yet read, over all of
 * its waitsets, are bounded; past the bound WAITSET_ADD fails with ENOSPC
 * and queues nothing (the index's counter is unchanged). Root is bounded
 * too, and one uid's waits do not count against another's.
 *
 * Each case runs as root and as uid 1000 (a forked child that drops to
 * it). Needs root to set the parameter (SKIPs otherwise); restores it.
 */
#include "sabuf_test.h"

#include <poll.h>
#include <sys/wait.h>

#define TEST_UID	1000
#define OTHER_UID	1001

/* What a case's body returns: 0, or the line that failed. */
#define CHECK(cond) do { if (!(cond)) return __LINE__; } while (0)

static int ws_create(int fd)
{
	struct sabuf_waitset_create c = { 0 };

	return sabuf_t_ioctl(fd, SABUF_IOC_WAITSET_CREATE, &c);
}

static int ws_add(int ws, int bfd, uint64_t offset, uint32_t expected, uint64_t tag)
{
	struct sabuf_waitset_add a = {
		.fd = bfd, .tag = tag,
		.wait = sabuf_t_wait_args(4, offset, expected, -1),
	};

	return sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &a);
}

static int ws_cancel(int ws, uint64_t tag)
{
	struct sabuf_waitset_cancel c = { .tag = tag };

	return sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_CANCEL, &c);
}

/* Read one result, waiting for it patiently: 1, or 0 when none came. */
static int ws_read_one(int ws)
{
	struct pollfd p = { .fd = ws, .events = POLLIN };
	struct sabuf_waitset_result r;

	if (poll(&p, 1, SABUF_T_PATIENCE_MS) != 1)
		return 0;
	return read(ws, &r, sizeof(r)) == (ssize_t)sizeof(r);
}

/* A buffer of one page, created and mapped by the caller (so charged to it). */
static int new_buffer(struct sabuf_t_buf *b)
{
	b->fd = sabuf_t_open();
	if (b->fd < 0)
		return b->fd;
	return sabuf_t_buf_create_map(b, 4096);
}

/* A new buffer (as new_buffer()) and a waitset on it: 0, or the line that failed. */
static int new_buffer_and_waitset(struct sabuf_t_buf *b, int *ws)
{
	CHECK(new_buffer(b) == 0);
	CHECK((*ws = ws_create(b->fd)) >= 0);
	return 0;
}

/* Take the whole quota (4) with waits on offset 0 of @bfd; the 5th is refused. */
static int take_whole_quota(int ws, int bfd)
{
	for (int i = 0; i < 4; i++)
		CHECK(ws_add(ws, bfd, 0, 0, i) == 0);
	CHECK(ws_add(ws, bfd, 0, 0, 4) == -ENOSPC);
	return 0;
}

/* Limit 4: two waitsets take two each; a third waitset gets ENOSPC, queuing nothing. */
static int pending_over_all_waitsets(void)
{
	struct sabuf_t_buf b;
	int ws[3];

	CHECK(new_buffer(&b) == 0);
	for (int i = 0; i < 3; i++)
		CHECK((ws[i] = ws_create(b.fd)) >= 0);
	CHECK(ws_add(ws[0], b.fd, 0, 0, 1) == 0);
	CHECK(ws_add(ws[0], b.fd, 4, 0, 2) == 0);
	CHECK(ws_add(ws[1], b.fd, 8, 0, 3) == 0);
	CHECK(ws_add(ws[1], b.fd, 0, 0, 4) == 0);
	CHECK(ws_add(ws[2], b.fd, 12, 0, 5) == -ENOSPC);
	CHECK(ws_add(ws[0], b.fd, 12, 0, 5) == -ENOSPC);
	/* nothing half-done: no waiter, no counter on the refused index */
	CHECK(sabuf_t_counter(&b, 12) == 0);
	CHECK(sabuf_t_notify(b.fd, 12, SABUF_NOTIFY_ALL) == 0);
	/* a cancel gives one back */
	CHECK(ws_cancel(ws[1], 3) == 0);
	CHECK(ws_add(ws[2], b.fd, 12, 0, 5) == 0);
	CHECK(ws_add(ws[2], b.fd, 12, 0, 6) == -ENOSPC);
	CHECK(sabuf_t_notify(b.fd, 12, SABUF_NOTIFY_ALL) == 1);
	for (int i = 0; i < 3; i++)
		close(ws[i]);
	sabuf_t_buf_free(&b);
	return 0;
}

/* Settled results nobody has read count until read. */
static int unread_results_count(void)
{
	struct sabuf_t_buf b;
	int ws;

	CHECK(new_buffer_and_waitset(&b, &ws) == 0);
	CHECK(take_whole_quota(ws, b.fd) == 0);
	CHECK(sabuf_t_notify(b.fd, 0, SABUF_NOTIFY_ALL) == 4);
	CHECK(ws_add(ws, b.fd, 0, 0, 9) == -ENOSPC);
	CHECK(sabuf_t_counter(&b, 0) == 0);
	CHECK(ws_read_one(ws) == 1);
	CHECK(ws_add(ws, b.fd, 0, 0, 9) == 0);
	CHECK(ws_add(ws, b.fd, 0, 0, 10) == -ENOSPC);
	close(ws);
	sabuf_t_buf_free(&b);
	return 0;
}

/* Closing a waitset gives back its pending waits and its unread results. */
static int close_gives_back(void)
{
	struct sabuf_t_buf b;
	int ws;

	CHECK(new_buffer(&b) == 0);
	for (int round = 0; round < 3; round++) {
		CHECK((ws = ws_create(b.fd)) >= 0);
		CHECK(ws_add(ws, b.fd, 0, 0, 1) == 0);
		CHECK(ws_add(ws, b.fd, 0, 0, 2) == 0);
		CHECK(sabuf_t_notify(b.fd, 0, 1) == 1);		/* one unread result */
		CHECK(ws_add(ws, b.fd, 4, 0, 3) == 0);
		CHECK(ws_add(ws, b.fd, 4, 0, 4) == 0);
		CHECK(ws_add(ws, b.fd, 4, 0, 5) == -ENOSPC);
		close(ws);
	}
	CHECK(sabuf_t_counter(&b, 0) == 0 && sabuf_t_counter(&b, 4) == 0);
	sabuf_t_buf_free(&b);
	return 0;
}

/* A wait settled at once (not-equal, timed out) holds no charge. */
static int settled_at_once_costs_nothing(void)
{
	struct sabuf_waitset_add a;
	struct sabuf_t_buf b;
	int ws;

	CHECK(new_buffer_and_waitset(&b, &ws) == 0);
	*sabuf_t_u32(&b, 4) = 1;
	for (int i = 0; i < 10; i++)
		CHECK(ws_add(ws, b.fd, 4, 0, i) == -EAGAIN);
	a = (struct sabuf_waitset_add){ .fd = b.fd, .tag = 7,
					.wait = sabuf_t_wait_args(4, 0, 0, 0) };
	for (int i = 0; i < 10; i++)
		CHECK(sabuf_t_ioctl(ws, SABUF_IOC_WAITSET_ADD, &a) == -ETIMEDOUT);
	CHECK(take_whole_quota(ws, b.fd) == 0);
	close(ws);
	sabuf_t_buf_free(&b);
	return 0;
}

/* Another uid (a child holding its full quota) takes nothing from ours. */
static int fill_quota(void)
{
	struct sabuf_t_buf b;
	int ws;

	CHECK(new_buffer_and_waitset(&b, &ws) == 0);
	return take_whole_quota(ws, b.fd);
}

/* As OTHER_UID: fill the quota, say so on @fd, hold it until killed. */
static pid_t start_other_uid(int fd)
{
	pid_t other = fork();

	if (other == 0) {
		int ret = 1;

		if (!setresgid(OTHER_UID, OTHER_UID, OTHER_UID) &&
		    !setresuid(OTHER_UID, OTHER_UID, OTHER_UID))
			ret = fill_quota();
		if (write(fd, ret ? "n" : "y", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	return other;
}

/* Lowered below what is held: nothing more until enough is given back. */
static int lowered_below_what_is_held(void)
{
	struct sabuf_t_buf b;
	int ws;

	CHECK(new_buffer_and_waitset(&b, &ws) == 0);
	CHECK(take_whole_quota(ws, b.fd) == 0);
	CHECK(sabuf_t_param_write("max_user_waits", 2) == 0);
	CHECK(ws_add(ws, b.fd, 0, 0, 9) == -ENOSPC);
	CHECK(ws_cancel(ws, 0) == 0 && ws_cancel(ws, 1) == 0);
	CHECK(ws_add(ws, b.fd, 0, 0, 9) == -ENOSPC);
	CHECK(ws_cancel(ws, 2) == 0);
	CHECK(ws_add(ws, b.fd, 0, 0, 9) == 0);
	close(ws);
	sabuf_t_buf_free(&b);
	return 0;
}

FIXTURE(user_waits) {
	unsigned long long saved;
	bool have;
};

FIXTURE_VARIANT(user_waits) {
	bool drop_uid;
};

FIXTURE_VARIANT_ADD(user_waits, root) {
	.drop_uid = false,
};

FIXTURE_VARIANT_ADD(user_waits, uid1000) {
	.drop_uid = true,
};

FIXTURE_SETUP(user_waits)
{
	int probe;

	self->have = false;
	if (geteuid() != 0)
		SKIP(return, "setting max_user_waits needs root");
	SABUF_T_OPEN_OR_SKIP(probe);
	close(probe);
	ASSERT_EQ(0, sabuf_t_param_read("max_user_waits", &self->saved));
	self->have = true;
	ASSERT_EQ(0, sabuf_t_param_write("max_user_waits", 4));
}

/* In the parent of the test process: restores the limit even if the test crashed. */
FIXTURE_TEARDOWN_PARENT(user_waits)
{
	if (self->have)
		EXPECT_EQ(0, sabuf_t_param_write("max_user_waits", self->saved));
}

/* Run @fn as this variant's uid; its value (0 or a failing line). */
static int run_as(bool drop_uid, int (*fn)(void))
{
	pid_t child;
	int status;

	if (!drop_uid)
		return fn();
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		/* the parameter stays root's to write: fn asks for it only as root */
		if (setresgid(TEST_UID, TEST_UID, TEST_UID) ||
		    setresuid(TEST_UID, TEST_UID, TEST_UID))
			_exit(255);
		status = fn();
		_exit(!status ? 0 : (status & 0xff ? status & 0xff : 254));
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return -2;
	return WEXITSTATUS(status);
}

TEST_F(user_waits, limit_counts_pending_over_all_waitsets)
{
	ASSERT_EQ(0, run_as(variant->drop_uid, pending_over_all_waitsets))
		TH_LOG("the failing line (mod 256 for uid1000)");
}

TEST_F(user_waits, unread_results_count_until_read)
{
	ASSERT_EQ(0, run_as(variant->drop_uid, unread_results_count));
}

TEST_F(user_waits, close_gives_every_wait_back)
{
	ASSERT_EQ(0, run_as(variant->drop_uid, close_gives_back));
}

TEST_F(user_waits, settled_at_once_holds_no_charge)
{
	ASSERT_EQ(0, run_as(variant->drop_uid, settled_at_once_costs_nothing));
}

TEST_F(user_waits, another_uids_full_quota_takes_nothing)
{
	int sync[2];
	pid_t other;
	char c = 0;

	ASSERT_EQ(0, pipe(sync));
	other = start_other_uid(sync[1]);
	ASSERT_LT(0, other);
	ASSERT_EQ(1, read(sync[0], &c, 1));
	EXPECT_EQ('y', c);
	EXPECT_EQ(0, run_as(variant->drop_uid, fill_quota));
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	close(sync[0]);
	close(sync[1]);
}

TEST_F(user_waits, lowered_below_what_is_held)
{
	if (variant->drop_uid)
		SKIP(return, "only root can lower the limit mid-way");
	ASSERT_EQ(0, run_as(false, lowered_below_what_is_held));
}

TEST_HARNESS_MAIN
