/* mitm.h: TLS termination for `allow` hosts, inside the proxy's connection machinery
 * (see mitm.c). Internal to proxy/. */
#ifndef AIRLOCK_MITM_H
#define AIRLOCK_MITM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conn;
struct buf;
struct proxy;

/* After the plaintext "200 Connection established" for an `allow` host has gone out:
 * mints (or finds) the leaf and starts TLS with the sandbox, taking the bytes it sent
 * already (its ClientHello). Returns 0, or -1 with a sentence in why (the caller closes
 * the connection). */
int mitm_begin(struct conn *c, char *why, size_t len);

/* A new upstream socket is open for a terminated connection: TLS starts on it. Returns
 * 0, or -1 (mitm_why() says why) when it cannot: the upstream must not be used. */
int mitm_upstream_ready(struct conn *c);
/* A connection that is no tunnel (the metadata server's token fetch) gets TLS toward
 * its upstream only: the sandbox's side stays plain. Returns 0, or -1 (no memory). */
int mitm_upstream_only(struct conn *c);

/* Whether the sandbox's TLS handshake has completed (for the audit). */
int mitm_client_ready(const struct conn *c);

/* The transport of a TLS side (transport_tls, transport.h) is defined in mitm.c. */

/* Why the last TLS failure happened, or NULL. */
const char *mitm_why(const struct conn *c);

/* Frees the TLS state of c. */
void mitm_free(struct conn *c);
/* Frees the TLS states kept for reuse (with the proxy, after its connections). */
void mitm_free_spares(struct proxy *p);

#endif
