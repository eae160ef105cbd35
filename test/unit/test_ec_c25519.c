/* Unit tests of ec_c25519_m64: RFC 7748's test vectors (5.2 and the Diffie-Hellman of
 * 6.1), and the same results as BearSSL's br_ec_c25519_m31 for random scalars and
 * points, short scalars, points with the top bit set and values at or above p. */
#include "test/unit/harness.h"
#include "proxy/tls/ec_p256.h"

#include <stdint.h>
#include <stdio.h>

#define CURVE BR_EC_curve25519

static void hex(unsigned char *out, const char *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

TEST(c25519_rfc7748_vectors)
{
	unsigned char k[32], u[32], want[32];
	hex(k, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", 32);
	hex(u, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", 32);
	hex(want, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", 32);
	CHECK_EQ_INT(ec_c25519_m64.mul(u, 32, k, 32, CURVE), 1);
	CHECK(memcmp(u, want, 32) == 0);
	/* 6.1: Alice's public key, and the shared secret from Bob's */
	unsigned char a[32], b[32], pub[32], shared[32];
	hex(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", 32);
	hex(b, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", 32);
	CHECK_EQ_INT(ec_c25519_m64.mulgen(pub, a, 32, CURVE), 32);
	hex(want, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", 32);
	CHECK(memcmp(pub, want, 32) == 0);
	hex(shared, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", 32);
	CHECK_EQ_INT(ec_c25519_m64.mul(shared, 32, a, 32, CURVE), 1); /* Bob's public key */
	hex(want, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", 32);
	CHECK(memcmp(shared, want, 32) == 0);
}

static uint64_t seed = 0x2545f4914f6cdd1d;
static void fill(unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		b[i] = (unsigned char)(seed >> 24);
	}
}

TEST(c25519_matches_bearssl)
{
	for (int i = 0; i < 200; i++) {
		unsigned char k[32], a[32], b[32];
		size_t klen = i % 4 == 3 ? (size_t)(1 + i % 32) : 32;
		fill(k, klen);
		fill(a, 32);
		if (i % 5 == 0)
			memset(a, 0xff, 32); /* above p, top bit set */
		if (i % 7 == 0)
			memset(a, 0, 32);
		memcpy(b, a, 32);
		CHECK_EQ_INT(br_ec_c25519_m31.mul(a, 32, k, klen, CURVE),
			     ec_c25519_m64.mul(b, 32, k, klen, CURVE));
		CHECK(memcmp(a, b, 32) == 0);
		CHECK_EQ_INT(br_ec_c25519_m31.mulgen(a, k, klen, CURVE),
			     ec_c25519_m64.mulgen(b, k, klen, CURVE));
		CHECK(memcmp(a, b, 32) == 0);
	}
	unsigned char k[33] = {0}, g[32] = {9};
	CHECK_EQ_INT(ec_c25519_m64.mul(g, 32, k, 33, CURVE), 0); /* a scalar too long */
	CHECK_EQ_INT(ec_c25519_m64.mul(g, 31, k, 32, CURVE), 0); /* a point too short */
	CHECK_EQ_INT(ec_c25519_m64.muladd(g, NULL, 32, k, 32, k, 32, CURVE), 0);
}
