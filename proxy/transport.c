/* transport.c: the plain-socket transport (see transport.h). */
#include "proxy/transport.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "proxy/conn.h"

static int fd_of(const struct conn *c, int side)
{
	return side ? c->ufd : c->cfd;
}

static ssize_t plain_fill(struct conn *c, int side, struct buf *b)
{
	return buf_fill_fd(b, fd_of(c, side));
}

static ssize_t plain_drain(struct conn *c, int side, struct buf *b)
{
	if (b->fwd == 0)
		return 0;
	ssize_t n = send(fd_of(c, side), b->data + b->start, b->fwd, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -2;
	b->start += (size_t)n;
	b->fwd -= (size_t)n;
	if (b->start == b->end)
		b->start = b->end = 0;
	return n;
}

static uint32_t plain_events(struct conn *c, int side, int want_read, int want_write)
{
	return (want_read ? EPOLLIN : 0u) | (want_write ? EPOLLOUT : 0u);
}

static int plain_pending(struct conn *c, int side)
{
	return 0;
}

static int plain_flushed(const struct conn *c, int side)
{
	return side != 0 || c->piped == 0; /* the pipe's bytes are not out yet (splice.h) */
}

static void plain_shutdown(struct conn *c, int side)
{
	shutdown(fd_of(c, side), SHUT_WR);
}

static int plain_alive(const struct conn *c, int side)
{
	char b;
	ssize_t n = recv(fd_of(c, side), &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

static void plain_detach(struct conn *c, int side)
{
}

static const char *plain_why(const struct conn *c, int side)
{
	return NULL;
}

const struct transport transport_plain = {
	"plain", plain_fill, plain_drain, plain_events, plain_pending, plain_flushed,
	plain_shutdown, plain_alive, plain_detach, plain_why,
};
