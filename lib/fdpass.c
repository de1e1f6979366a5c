// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sabuf_send/sabuf_recv: C's postMessage() for a buffer. The buffer's fd
 * travels as SCM_RIGHTS ancillary data over an AF_UNIX socket (stream,
 * seqpacket or datagram), riding on a one-byte message, SABUF_MSG_BYTE.
 * The receiver gets a new fd for the same buffer and maps it: both sides
 * then see the same memory, nothing is copied.
 *
 * The receiving side trusts nothing: the message must be exactly the one
 * byte carrying exactly one fd, and that fd must be a sabuf buffer. Every
 * fd that arrives is either adopted by the new handle or closed before
 * returning, whatever went wrong.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

#define SABUF_MSG_BYTE	'S'

/* room for more fds than we expect, so extras arrive (and get closed)
 * rather than silently vanish */
#define MAX_FDS_ACCEPTED	8

SABUF_EXPORT int sabuf_send(int unix_socket, const struct sabuf *sb)
{
	char byte = SABUF_MSG_BYTE;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {		/* aligned storage for one control message */
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	if (!sb)
		return -EINVAL;
	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &sb->fd, sizeof(int));

	do	/* MSG_NOSIGNAL: a closed peer is -EPIPE, not a SIGPIPE */
		n = sendmsg(unix_socket, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EIO;
}

/* Pull every fd out of the control messages into fds[]; returns how many. */
static int collect_fds(struct msghdr *msg, int *fds, int max)
{
	struct cmsghdr *cmsg;
	int count = 0;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		size_t bytes, i;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		bytes = cmsg->cmsg_len - CMSG_LEN(0);
		for (i = 0; i + sizeof(int) <= bytes && count < max;
		     i += sizeof(int))
			memcpy(&fds[count++], CMSG_DATA(cmsg) + i, sizeof(int));
	}
	return count;
}

SABUF_EXPORT int sabuf_recv(int unix_socket, struct sabuf **out)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(MAX_FDS_ACCEPTED * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	int fds[MAX_FDS_ACCEPTED];
	int nfds, i;
	ssize_t n;

	if (!out)
		return -EINVAL;
	*out = NULL;
	do	/* MSG_CMSG_CLOEXEC: no window where an exec could inherit them */
		n = recvmsg(unix_socket, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	nfds = collect_fds(&msg, fds, MAX_FDS_ACCEPTED);
	if (n == 0 && nfds == 0)
		return -ECONNRESET;	/* the peer closed: no buffer will come */
	/*
	 * Anything but one byte carrying exactly one fd is not from
	 * sabuf_send(): a message with no fd, several fds, a longer payload
	 * (MSG_TRUNC) or fds the kernel had to drop (MSG_CTRUNC).
	 */
	if (n != 1 || byte != SABUF_MSG_BYTE || nfds != 1 ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		return -EBADMSG;
	}
	/* adopt the received fd (no dup): the handle owns it from here, and
	 * on failure (-ENOTTY: not a sabuf buffer) it is already closed */
	return sabuf_attach_owned_fd(fds[0], out);
}
