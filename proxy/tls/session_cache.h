/* session_cache.h: TLS sessions of upstream servers, kept for resumption.
 *
 * A full TLS 1.2 handshake toward an upstream costs an ECDHE exchange and the
 * verification of the server's chain (several P-256 operations: milliseconds); a
 * resumed one (RFC 5246 session IDs; BearSSL 0.6 has no session tickets) costs a few
 * hashes. After a handshake completes the proxy saves its br_ssl_session_parameters
 * here; the next connection with the same key offers them to the server, which may
 * accept (an abbreviated handshake) or refuse (a full one, as without the cache).
 *
 * A resumed handshake skips the certificate check: the server proves instead that it
 * holds the master secret of a session that passed it. So an entry is keyed by all
 * that check depended on and all that decides which server answers: the server name
 * (sent as SNI and matched against the certificate), the port asked for, and the
 * address and port actually dialled (a `map`ped host, or the upstream proxy's). The
 * trust anchors and the rest of the policy are not in the key: the proxy clears the
 * whole cache whenever its policy changes (session_cache_clear()), and a key also
 * carries the cache's generation, so a handshake begun before a clear cannot put its
 * session back after it.
 *
 * Entries live SESSION_CACHE_TTL_MS from their full handshake, at most
 * SESSION_CACHE_SIZE at once (the least recently used makes room). The master secrets
 * are wiped (explicit_bzero) as entries are dropped, replaced or cleared. Fixed memory,
 * no allocation, no I/O, no clock of its own: the caller passes the time (the loop's
 * monotonic milliseconds).
 */
#ifndef AIRLOCK_SESSION_CACHE_H
#define AIRLOCK_SESSION_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <bearssl.h>

#define SESSION_CACHE_SIZE 64
#define SESSION_CACHE_TTL_MS (5 * 60 * 1000) /* OpenSSL's default session timeout too */
#define SESSION_NAME_MAX 255                 /* a DNS name has at most 253 */

/* What a session may be reused for. Build it with session_key_make() only. */
struct session_key {
	char name[SESSION_NAME_MAX + 1]; /* the server name: SNI and the name verified */
	uint16_t port;                   /* the port asked for (the target's) */
	sa_family_t family;              /* of the address dialled: AF_INET or AF_INET6 */
	unsigned char addr[16];          /* that address (IPv4: the first 4 bytes) */
	uint16_t addr_port;              /* its port (host order) */
	uint32_t scope;                  /* its IPv6 scope id (0 for IPv4) */
	uint64_t generation;             /* the cache's when the key was made */
};

struct session_entry {
	int live;                         /* 0: the slot is free (and wiped) */
	struct session_key key;
	br_ssl_session_parameters params; /* holds the master secret */
	uint64_t stored;                  /* ms: when its full handshake completed */
	uint64_t used;                    /* the cache's clock at the last use */
};

/* About 26 KB: embed it in a heap object. */
struct session_cache {
	struct session_entry e[SESSION_CACHE_SIZE];
	uint64_t ttl_ms;
	uint64_t clock;                   /* counts uses, for least-recently-used order */
	uint64_t generation;              /* counts session_cache_clear() calls */
};

/* Initialise an empty cache.
 *
 * sc: cache to initialise.
 * ttl_ms: lifetime of an entry in milliseconds, from the handshake that made
 *   its session; 0 for `SESSION_CACHE_TTL_MS`. */
void session_cache_init(struct session_cache *sc, uint64_t ttl_ms);

/* Build the key of an upstream connection.
 *
 * Names compare exactly: another spelling of the same name only misses, which is safe.
 * The key is good until the next `session_cache_clear()`; after it, it matches
 * nothing and saves nothing.
 *
 * k: destination key (every byte is written).
 * sc: cache the key is for (its generation goes into the key).
 * name: server name sent as SNI and verified in the certificate.
 * port: port the connection was asked for.
 * peer: address the socket is connected to (`getpeername()`).
 * Returns 0 on success, -1 when the key cannot be made (empty or too long a name, an
 *   address that is neither IPv4 nor IPv6): then do not cache. */
int session_key_make(struct session_key *k, const struct session_cache *sc, const char *name,
		     uint16_t port, const struct sockaddr *peer);

/* Find the session saved for a key.
 *
 * An entry past its lifetime is dropped (wiped) rather than returned. A hit counts as
 * a use for the least-recently-used order.
 *
 * sc: cache.
 * k: key of the connection about to start.
 * now: current time, in the same milliseconds as every other call.
 * out: receives a copy of the session parameters on a hit (the caller wipes
 *   its copy once the engine has it).
 * Returns 1 on a hit, 0 otherwise (`out` untouched). */
int session_cache_get(struct session_cache *sc, const struct session_key *k, uint64_t now,
		      br_ssl_session_parameters *out);

/* Save the session of a completed handshake.
 *
 * A session with an empty ID (the server does not cache sessions) is not saved, and
 * drops what the key had. A key made before the last clear saves nothing. The same
 * session again (the handshake resumed it) counts as a use and keeps its original
 * time, so resumptions do not stretch its lifetime; a
 * new one replaces the key's entry, else takes a free or expired slot, else the least
 * recently used one (wiped first).
 *
 * sc: cache.
 * k: key of the connection.
 * params: session parameters from the engine (copied).
 * now: current time in milliseconds. */
void session_cache_put(struct session_cache *sc, const struct session_key *k,
		       const br_ssl_session_parameters *params, uint64_t now);

/* Drop (and wipe) the entry of a key, if there is one.
 *
 * For a handshake that failed and a connection that ended in a TLS error: the next
 * connection makes a full handshake.
 *
 * sc: cache.
 * k: key whose entry goes. */
void session_cache_drop(struct session_cache *sc, const struct session_key *k);

/* Drop (and wipe) every entry, and make every key made so far stale.
 *
 * For a policy reload (what the sessions were verified against may have changed) and
 * before the cache's memory is freed.
 *
 * sc: cache. */
void session_cache_clear(struct session_cache *sc);

/* Count the live entries (expired ones included until they are met).
 *
 * sc: cache.
 * Returns number of slots in use. */
size_t session_cache_count(const struct session_cache *sc);

#endif
