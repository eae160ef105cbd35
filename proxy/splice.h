/* splice.h: an http:// response body moved from the upstream socket to the client's
 * through a pipe with splice(2), never copied into the proxy's memory, where nothing
 * needs to see it: both sides plain (no TLS), no bytes of it waiting in `down`, and the
 * exchange lets them pass (exchange_passthrough(): a Content-Length or until-close body,
 * not scrubbed, not gathered). Everything else goes through the buffers as before.
 *
 * Bytes in the pipe are the client's next bytes: io.c writes them before anything in
 * `down`, and reads the upstream again only once the pipe is empty. The pipe is made on
 * first use and kept with the connection. Internal to proxy/. */
#ifndef AIRLOCK_PROXY_SPLICE_H
#define AIRLOCK_PROXY_SPLICE_H

#include <sys/types.h>

struct conn;

/* Whether the upstream's next bytes may go through the pipe now. */
int splice_ready(const struct conn *c);

/* Moves what the upstream has (up to what the exchange lets pass and the pipe holds)
 * into the pipe: bytes moved (>0), 0 at the upstream's end of stream, -1 when nothing
 * is there yet (or no pipe could be made: the buffers go on), -2 on failure (errno). */
ssize_t splice_fill(struct conn *c);

/* Writes the pipe's bytes to the client: bytes written (>= 0), or -2 on failure. */
ssize_t splice_drain(struct conn *c);

/* Closes the pipe (with the connection). */
void splice_close(struct conn *c);

#endif
