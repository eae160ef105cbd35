/* transport.h: how bytes move on one side of a proxy connection (the sandbox's side, 0,
 * or the upstream's, 1), as nginx swaps c->recv/c->send and HAProxy keeps xprt_ops per
 * connection side. A side starts plain; mitm.c switches it to TLS when TLS starts there
 * and back when the upstream socket closes. The connection code calls only these
 * operations, never asks which transport a side has. Internal to proxy/. */
#ifndef AIRLOCK_TRANSPORT_H
#define AIRLOCK_TRANSPORT_H

#include <stdint.h>
#include <sys/types.h>

struct conn;
struct buf;

struct transport {
	const char *name; /* "plain", "tls" */
	/* Adds what the side has to read to b: bytes added (>0), 0 at the end of the
	 * stream, -1 when nothing is there yet, -2 on failure (why() says why). */
	ssize_t (*fill)(struct conn *c, int side, struct buf *b);
	/* Writes b's cleared bytes: bytes taken from b, or -2 on failure. */
	ssize_t (*drain)(struct conn *c, int side, struct buf *b);
	/* The socket events to wait for, given whether the connection wants to read from
	 * the side and has bytes to write to it. */
	uint32_t (*events)(struct conn *c, int side, int want_read, int want_write);
	/* Whether bytes wait on the side without a socket event (decrypted ahead). */
	int (*pending)(struct conn *c, int side);
	/* Whether everything written has left for the socket (then it may be shut). */
	int (*flushed)(const struct conn *c, int side);
	/* Ends the sending direction (TLS: close_notify first), shutdown(SHUT_WR). */
	void (*shutdown)(struct conn *c, int side);
	/* Whether a kept upstream can carry another request: the peer has not closed it
	 * (plain: nothing to read, EAGAIN; TLS: its engine knows). */
	int (*alive)(const struct conn *c, int side);
	/* The side's socket was closed: a TLS side forgets its session and is plain again. */
	void (*detach)(struct conn *c, int side);
	/* Why the side's last failure happened, or NULL. */
	const char *(*why)(const struct conn *c, int side);
};

extern const struct transport transport_plain; /* transport.c: recv()/send() */
extern const struct transport transport_tls;   /* mitm.c: through the BearSSL engines */

#endif
