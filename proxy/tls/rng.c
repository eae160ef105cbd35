/* rng.c: HMAC-DRBG seeded from getrandom(2) (see rng.h). */
#include "proxy/tls/rng.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int rng_init(struct rng *r, char *err, size_t errlen)
{
	unsigned char seed[48];
	size_t got = 0;
	while (got < sizeof seed) {
		/* Blocking getrandom (flags 0): waits until the kernel pool is initialised,
		 * which never takes long after boot, rather than seeding from nothing. */
		ssize_t n = getrandom(seed + got, sizeof seed - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen,
				 "cannot seed the random generator: getrandom: %s "
				 "(a kernel of 3.17 or later, with getrandom allowed, is needed)",
				 strerror(errno));
			explicit_bzero(seed, sizeof seed);
			return -1;
		}
		got += (size_t)n;
	}
	rng_init_seed(r, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	return 0;
}

void rng_init_seed(struct rng *r, const void *seed, size_t len)
{
	br_hmac_drbg_init(&r->drbg, &br_sha256_vtable, seed, len);
}

void rng_bytes(struct rng *r, void *out, size_t n)
{
	br_hmac_drbg_generate(&r->drbg, out, n);
}

const br_prng_class **rng_prng(struct rng *r)
{
	return &r->drbg.vtable;
}

void rng_wipe(struct rng *r)
{
	explicit_bzero(r, sizeof *r);
}
