/* rng.h: the random bytes behind keys and serial numbers.
 *
 * An HMAC-DRBG (SHA-256, BearSSL's br_hmac_drbg) seeded from the kernel with
 * getrandom(2). It is an ordinary BearSSL PRNG, so br_ec_keygen() takes &rng->drbg.vtable
 * directly. The supervisor owns one; it is not shared across fork.
 */
#ifndef AIRLOCK_RNG_H
#define AIRLOCK_RNG_H

#include <stddef.h>

#include <bearssl.h>

struct rng {
	br_hmac_drbg_context drbg;
};

/* Seeds from getrandom(2) (48 bytes: 256 bits of entropy plus a nonce). Returns 0, or -1
 * with a sentence in err when the kernel gives no randomness. */
int rng_init(struct rng *r, char *err, size_t errlen);

/* Seeds from the given bytes only: deterministic, for tests and fuzzers. */
void rng_init_seed(struct rng *r, const void *seed, size_t len);

/* Fills out with n random bytes. */
void rng_bytes(struct rng *r, void *out, size_t n);

/* The BearSSL PRNG interface of r, for br_ec_keygen() and the like. */
const br_prng_class **rng_prng(struct rng *r);

/* Forgets the state (wipes it). */
void rng_wipe(struct rng *r);

#endif
