/* splice.c: see splice.h. */
#include "proxy/splice.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "proxy/conn.h"

/* What one pipe holds: fewer, larger moves than the 16 KiB buffers (the kernel's
 * default pipe is 64 KiB; 256 KiB is within pipe-max-size for any process). */
#define SPLICE_PIPE_CAP (256 * 1024)

int splice_ready(const struct conn *c)
{
	return c->phase == PH_HTTP && !c->no_splice && c->xprt[0] == &transport_plain &&
	       c->xprt[1] == &transport_plain && !c->md && c->down.start == c->down.end &&
	       c->piped == 0 && exchange_passthrough(&c->h.ex) > 0;
}

static int make_pipe(struct conn *c)
{
	if (c->pipe[0] >= 0)
		return 0;
	if (pipe2(c->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		c->pipe[0] = c->pipe[1] = -1;
		return -1;
	}
	fcntl(c->pipe[1], F_SETPIPE_SZ, SPLICE_PIPE_CAP); /* else the default: fine too */
	return 0;
}

ssize_t splice_fill(struct conn *c)
{
	if (make_pipe(c) < 0) {
		c->no_splice = 1; /* out of fds: this connection copies */
		return -1;
	}
	uint64_t left = exchange_passthrough(&c->h.ex);
	size_t want = left < SPLICE_PIPE_CAP ? (size_t)left : SPLICE_PIPE_CAP;
	ssize_t n = splice(c->ufd, NULL, c->pipe[1], NULL, want,
			   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -1 : -2;
	c->piped += (size_t)n;
	exchange_passed(&c->h.ex, (uint64_t)n);
	return n;
}

ssize_t splice_drain(struct conn *c)
{
	if (c->piped == 0)
		return 0;
	ssize_t n = splice(c->pipe[0], NULL, c->cfd, NULL, c->piped,
			   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -2;
	c->piped -= (size_t)n;
	return n;
}

void splice_close(struct conn *c)
{
	for (int i = 0; i < 2; i++)
		if (c->pipe[i] >= 0)
			close(c->pipe[i]);
	c->pipe[0] = c->pipe[1] = -1;
	c->piped = 0;
}
