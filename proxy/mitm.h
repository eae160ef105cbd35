/* mitm.h: TLS termination for `allow` hosts, inside the proxy's connection machinery
 * (see mitm.c). Internal to proxy/. */
#ifndef AIRLOCK_MITM_H
#define AIRLOCK_MITM_H

#include <stdint.h>
#include <sys/types.h>

struct conn;
struct buf;

/* After the plaintext "200 Connection established" for an `allow` host: mints (or
 * finds) the leaf, starts TLS with the sandbox and with the upstream, and waits for the
 * first request inside. Returns 0, or -1 (the caller closes the connection). */
int mitm_begin(struct conn *c);

/* Whether a side of c speaks TLS: the sandbox side (upstream = 0) once mitm_begin()
 * ran, the upstream side while its TLS runs on the current upstream socket. */
int mitm_on(const struct conn *c, int upstream);

/* A new upstream socket is open for a terminated connection: TLS starts on it. Returns
 * 0, or -1 (mitm_why() says why) when it cannot: the upstream must not be used. */
int mitm_upstream_ready(struct conn *c);
/* Whether the upstream's TLS is still usable (not closed, no EOF seen). */
int mitm_upstream_alive(const struct conn *c);
/* Whether the sandbox's TLS handshake has completed (for the audit). */
int mitm_client_ready(const struct conn *c);
/* The upstream socket was closed. */
void mitm_upstream_closed(struct conn *c);

/* Like recv()/send() of a buffer on one side, through TLS: fill returns the plaintext
 * bytes added (>0), 0 at the end of the stream, -1 when nothing is there yet, -2 on
 * failure (mitm_why() says why); drain returns the bytes taken from b, or -2. */
ssize_t mitm_fill(struct conn *c, int upstream, struct buf *b);
ssize_t mitm_drain(struct conn *c, int upstream, struct buf *b);

/* The socket events a TLS side waits for, given whether the connection wants to read
 * plaintext from it and has plaintext to write to it. */
uint32_t mitm_events(struct conn *c, int upstream, int want_read, int want_write);

/* Whether plaintext already decrypted waits on that side (read it without an event). */
int mitm_pending(struct conn *c, int upstream);

/* Whether everything written to a TLS side has left for its socket (always 1 for a
 * side without TLS): only then may the socket be half-closed. */
int mitm_flushed(const struct conn *c, int upstream);

/* Sends close_notify on that side (before a half-close of the socket). */
void mitm_shutdown(struct conn *c, int upstream);

/* Why the last TLS failure happened, or NULL. */
const char *mitm_why(const struct conn *c);

/* Frees the TLS state of c. */
void mitm_free(struct conn *c);

#endif
