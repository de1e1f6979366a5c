// SPDX-License-Identifier: GPL-2.0
/*
 * sabuf_send/sabuf_recv: a buffer crosses an AF_UNIX socket and both ends
 * see one memory; and every malformed message is refused clearly with no
 * fd left behind: no fd, two fds, a foreign fd, a longer payload, the
 * wrong byte, a closed peer, a socket that is no socket.
 */
#include <fcntl.h>
#include <sys/socket.h>

#include "lib_test.h"

FIXTURE(pass) {
	struct sabuf *sb;
	int sock[2];
};

FIXTURE_VARIANT(pass) {
	int type;
};

FIXTURE_VARIANT_ADD(pass, stream) { .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(pass, seqpacket) { .type = SOCK_SEQPACKET };
FIXTURE_VARIANT_ADD(pass, dgram) { .type = SOCK_DGRAM };

FIXTURE_SETUP(pass)
{
	CREATE_OR_SKIP(4096, &self->sb);
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type | SOCK_CLOEXEC, 0,
				self->sock));
}

FIXTURE_TEARDOWN(pass)
{
	close(self->sock[0]);
	close(self->sock[1]);
	sabuf_destroy(self->sb);
}

/* Send `len` bytes of `data` with the given fds attached. */
static int send_raw(int sock, const char *data, size_t len, const int *fds,
		    int nfds)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (nfds) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &msg, 0) == (ssize_t)len ? 0 : -errno;
}

TEST_F(pass, the_receiver_shares_the_memory)
{
	struct sabuf *got;
	int32_t *a, *b;
	int fds;

	a = sabuf_data(self->sb);
	sabuf_store(&a[0], 42);
	ASSERT_EQ(0, sabuf_send(self->sock[0], self->sb));
	fds = open_fd_count();
	ASSERT_EQ(0, sabuf_recv(self->sock[1], &got));
	EXPECT_EQ(fds + 1, open_fd_count());	/* the received fd, adopted */
	EXPECT_NE(0, fcntl(sabuf_fd(got), F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(sabuf_byte_length(self->sb), sabuf_byte_length(got));
	b = sabuf_data(got);
	EXPECT_EQ(42, sabuf_load(&b[0]));
	sabuf_store(&b[1], 7);
	EXPECT_EQ(7, sabuf_load(&a[1]));
	sabuf_destroy(got);
	EXPECT_EQ(fds, open_fd_count());
}

/* The postMessage() use: a child gets the buffer only through the socket. */
TEST_F(pass, a_child_process_receives_and_wakes_the_sender)
{
	int32_t *w = sabuf_data(self->sb);
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sabuf *got;
		int32_t *v;

		if (sabuf_recv(self->sock[1], &got))
			_exit(1);
		v = sabuf_data(got);
		sabuf_store(&v[2], 99);
		sabuf_notify(got, &v[2], 1);
		sabuf_destroy(got);
		_exit(0);
	}
	ASSERT_EQ(0, sabuf_send(self->sock[0], self->sb));
	while (sabuf_load(&w[2]) == 0)
		sabuf_wait32(self->sb, &w[2], 0, 100 * NSEC_PER_MSEC);
	EXPECT_EQ(99, sabuf_load(&w[2]));
	EXPECT_EQ(0, wait_child(pid, 20000));
}

TEST_F(pass, a_message_without_an_fd_is_ebadmsg)
{
	struct sabuf *got = (struct sabuf *)1;
	int fds = open_fd_count();

	ASSERT_EQ(0, send_raw(self->sock[0], "S", 1, NULL, 0));
	EXPECT_EQ(-EBADMSG, sabuf_recv(self->sock[1], &got));
	EXPECT_EQ(NULL, got);
	EXPECT_EQ(fds, open_fd_count());
}

TEST_F(pass, a_message_with_two_fds_is_ebadmsg_and_closes_both)
{
	struct sabuf *got;
	int two[2] = { sabuf_fd(self->sb), self->sock[0] };
	int fds = open_fd_count();

	ASSERT_EQ(0, send_raw(self->sock[0], "S", 1, two, 2));
	EXPECT_EQ(-EBADMSG, sabuf_recv(self->sock[1], &got));
	EXPECT_EQ(fds, open_fd_count());
}

TEST_F(pass, a_foreign_fd_is_enotty_and_closed)
{
	struct sabuf *got;
	int pipes[2], fds;

	ASSERT_EQ(0, pipe(pipes));
	fds = open_fd_count();
	ASSERT_EQ(0, send_raw(self->sock[0], "S", 1, &pipes[0], 1));
	EXPECT_EQ(-ENOTTY, sabuf_recv(self->sock[1], &got));
	EXPECT_EQ(fds, open_fd_count());
	close(pipes[0]);
	close(pipes[1]);
}

TEST_F(pass, the_wrong_payload_is_ebadmsg_and_closes_the_fd)
{
	struct sabuf *got;
	int fd = sabuf_fd(self->sb);
	int fds = open_fd_count();

	ASSERT_EQ(0, send_raw(self->sock[0], "X", 1, &fd, 1));
	EXPECT_EQ(-EBADMSG, sabuf_recv(self->sock[1], &got));
	EXPECT_EQ(fds, open_fd_count());
	if (variant->type != SOCK_STREAM) {
		/* a longer message is truncated (MSG_TRUNC): refused too */
		ASSERT_EQ(0, send_raw(self->sock[0], "Sabuf", 5, &fd, 1));
		EXPECT_EQ(-EBADMSG, sabuf_recv(self->sock[1], &got));
		EXPECT_EQ(fds, open_fd_count());
	}
}

/* Stream and seqpacket sockets have an end; datagram sockets have none. */
TEST(a_closed_peer_is_econnreset)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
	struct sabuf *sb, *got;
	unsigned int i;
	int sock[2];

	CREATE_OR_SKIP(4096, &sb);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, types[i], 0, sock));
		close(sock[0]);
		EXPECT_EQ(-ECONNRESET, sabuf_recv(sock[1], &got));
		EXPECT_EQ(-EPIPE, sabuf_send(sock[1], sb));
		close(sock[1]);
	}
	sabuf_destroy(sb);
}

TEST(not_a_socket_is_enotsock)
{
	struct sabuf *sb, *got;
	int pipes[2];

	CREATE_OR_SKIP(4096, &sb);
	ASSERT_EQ(0, pipe(pipes));
	EXPECT_EQ(-ENOTSOCK, sabuf_send(pipes[1], sb));
	EXPECT_EQ(-ENOTSOCK, sabuf_recv(pipes[0], &got));
	EXPECT_EQ(-EBADF, sabuf_recv(-1, &got));
	EXPECT_EQ(-EINVAL, sabuf_send(pipes[1], NULL));
	EXPECT_EQ(-EINVAL, sabuf_recv(pipes[0], NULL));
	close(pipes[0]);
	close(pipes[1]);
	sabuf_destroy(sb);
}

TEST_HARNESS_MAIN
