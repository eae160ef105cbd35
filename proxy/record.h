/* record.h: a connection's audit records (struct conn_record, conn.h): a line for every
 * request and every tunnel's decision, written exactly once, by state.c as it moves the
 * connection out of a state. Internal to proxy/. */
#ifndef AIRLOCK_PROXY_RECORD_H
#define AIRLOCK_PROXY_RECORD_H

#include <stdint.h>

struct conn;

/* A request head (or a `forward` connection) begins: its record opens, counting the
 * bytes already buffered as sent up. */
void record_request_begin(struct conn *c);
/* The CONNECT or `forward` is decided: the tunnel's record opens. */
void record_tunnel_begin(struct conn *c);
/* `n` bytes moved towards the upstream (`up`) or the client. */
void record_moved(struct conn *c, int up, uint64_t n);
/* Ends what is in progress with one line: the request's, or for a CONNECT or `forward`
 * the tunnel's decision. Writes nothing when that line was written already. */
void record_end(struct conn *c, const char *event, const char *decision, int status,
		const char *reason);
/* The connection closes: the lines still pending, a request in flight first, then the
 * tunnel's (its totals, and why it ended where that says more than "connect"). */
void record_close(struct conn *c, int reset);

#endif
