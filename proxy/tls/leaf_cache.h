/* leaf_cache.h: the minted leaf certificate of each host, kept for reuse.
 *
 * Minting costs one ECDSA signature (about half a millisecond); a client opening many
 * connections to one host should not pay it each time. The cache is fixed memory
 * (LEAF_CACHE_SIZE entries, no allocation), least-recently-used entries make room, and
 * a leaf is minted again when it is within LEAF_RENEW_MARGIN of its end.
 */
#ifndef AIRLOCK_LEAF_CACHE_H
#define AIRLOCK_LEAF_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proxy/tls/cert.h"

#define LEAF_CACHE_SIZE 256
#define LEAF_RENEW_MARGIN 3600
#define LEAF_HOST_MAX 256

struct leaf_entry {
	char host[LEAF_HOST_MAX]; /* lower-case; "" when the entry is free */
	unsigned char der[LEAF_CERT_MAX];
	size_t len;
	time_t not_after;
	uint64_t used; /* the cache's clock at the last use */
};

/* About 340 KB: keep it static or on the heap. */
struct leaf_cache {
	struct leaf_entry e[LEAF_CACHE_SIZE];
	uint64_t clock;
	uint64_t hits, mints; /* for -v statistics and tests */
	int ca_fd; /* >= 0: leaves come from the CA process on this socket (mint.h), and
	              the ca passed in holds no CA key; -1 (the default): ca signs them */
};

/* An empty cache. */
void leaf_cache_init(struct leaf_cache *c);

/* Copies the leaf certificate (DER) for host into out (cap bytes; LEAF_CERT_MAX always
 * suffices) and its length into *len: from the cache, or minted (by ca, or by the CA
 * process when c->ca_fd is set) and cached. A copy,
 * so the caller's TLS connection keeps a valid certificate whatever the cache evicts
 * meanwhile. Host names compare case-insensitively. Returns 0, or -1 with the minting
 * error in err. */
int leaf_cache_get(struct leaf_cache *c, struct ca *ca, const char *host, time_t now,
		   unsigned char *out, size_t cap, size_t *len, char *err, size_t errlen);

#endif
