/* Unit tests of ec_p256_m64 against BearSSL's own P-256 (br_ec_p256_m31): the same
 * results for random scalars and points, the edge cases of the scalar and of the
 * addition inside muladd, refusal of points not on the curve, and ECDSA through it. */
#include "test/unit/harness.h"
#include "proxy/tls/ec_p256.h"

#include <stdint.h>
#include <stdlib.h>

static const br_ec_impl *const ref = &br_ec_p256_m31;
static const br_ec_impl *const fast = &ec_p256_m64;
#define CURVE BR_EC_secp256r1

/* A deterministic stream of bytes for the random cases (xorshift64*). */
static uint64_t seed = 0x9e3779b97f4a7c15;
static void fill(unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		seed ^= seed >> 12;
		seed ^= seed << 25;
		seed ^= seed >> 27;
		b[i] = (unsigned char)((seed * 0x2545f4914f6cdd1d) >> 56);
	}
}

/* A scalar in [1, n-1]: random bytes with the top byte cleared (below n), never 0. */
static void scalar(unsigned char k[32])
{
	fill(k, 32);
	k[0] &= 0x7f;
	k[31] |= 1;
}

/* order - d, big-endian, for small d */
static void order_minus(unsigned char k[32], unsigned d)
{
	size_t len;
	memcpy(k, ref->order(CURVE, &len), 32);
	unsigned borrow = d;
	for (int i = 31; i >= 0 && borrow; i--) {
		unsigned v = k[i];
		k[i] = (unsigned char)(v - borrow);
		borrow = v < borrow ? 1 : 0;
	}
}

static void random_point(unsigned char pt[65])
{
	unsigned char k[32];
	scalar(k);
	CHECK_EQ_INT(ref->mulgen(pt, k, 32, CURVE), 65);
}

TEST(ec_p256_mulgen_matches_bearssl)
{
	for (int i = 0; i < 64; i++) {
		unsigned char k[32], a[65], b[65];
		scalar(k);
		CHECK_EQ_INT(ref->mulgen(a, k, 32, CURVE), 65);
		CHECK_EQ_INT(fast->mulgen(b, k, 32, CURVE), 65);
		CHECK(memcmp(a, b, 65) == 0);
	}
}

TEST(ec_p256_mul_matches_bearssl)
{
	for (int i = 0; i < 64; i++) {
		unsigned char k[32], a[65], b[65];
		random_point(a);
		memcpy(b, a, 65);
		scalar(k);
		CHECK_EQ_INT(ref->mul(a, 65, k, 32, CURVE), 1);
		CHECK_EQ_INT(fast->mul(b, 65, k, 32, CURVE), 1);
		CHECK(memcmp(a, b, 65) == 0);
	}
}

TEST(ec_p256_scalar_edges)
{
	size_t glen;
	const unsigned char *g = ref->generator(CURVE, &glen);
	unsigned char k[32], a[65], b[65];
	/* 1, 2, 15, 16, 17 (the window's edges), n-1 (= -G), n-2, and short scalars */
	static const unsigned small[] = {1, 2, 3, 15, 16, 17, 255, 256};
	for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
		memset(k, 0, 32);
		k[30] = (unsigned char)(small[i] >> 8);
		k[31] = (unsigned char)small[i];
		ref->mulgen(a, k, 32, CURVE);
		fast->mulgen(b, k, 32, CURVE);
		CHECK(memcmp(a, b, 65) == 0);
	}
	for (unsigned d = 1; d <= 2; d++) {
		order_minus(k, d);
		ref->mulgen(a, k, 32, CURVE);
		fast->mulgen(b, k, 32, CURVE);
		CHECK(memcmp(a, b, 65) == 0);
	}
	order_minus(k, 1); /* (n-1)·G = -G: same x, y = p - y */
	fast->mulgen(b, k, 32, CURVE);
	CHECK(memcmp(b + 1, g + 1, 32) == 0 && memcmp(b + 33, g + 33, 32) != 0);
	unsigned char one = 1, c[65];
	memcpy(c, g, 65);
	CHECK_EQ_INT(fast->mul(c, 65, &one, 1, CURVE), 1); /* a 1-byte scalar */
	CHECK(memcmp(c, g, 65) == 0);
	/* the order itself gives infinity: an error, never a point */
	order_minus(k, 0);
	memcpy(c, g, 65);
	CHECK_EQ_INT(fast->mul(c, 65, k, 32, CURVE), 0);
}

TEST(ec_p256_muladd_matches_bearssl)
{
	for (int i = 0; i < 32; i++) {
		unsigned char x[32], y[32], a[65], b[65], bb[65];
		random_point(a);
		random_point(bb);
		memcpy(b, a, 65);
		scalar(x);
		scalar(y);
		const unsigned char *other = i % 2 ? bb : NULL; /* NULL: the generator */
		CHECK_EQ_INT(ref->muladd(a, other, 65, x, 32, y, 32, CURVE), 1);
		CHECK_EQ_INT(fast->muladd(b, other, 65, x, 32, y, 32, CURVE), 1);
		CHECK(memcmp(a, b, 65) == 0);
	}
}

TEST(ec_p256_muladd_equal_and_opposite_terms)
{
	size_t glen;
	const unsigned char *g = ref->generator(CURVE, &glen);
	unsigned char x[32], a[65], b[65];
	/* x·G + x·G: the addition meets equal points and must double */
	scalar(x);
	memcpy(a, g, 65);
	memcpy(b, g, 65);
	CHECK_EQ_INT(ref->muladd(a, NULL, 65, x, 32, x, 32, CURVE), 1);
	CHECK_EQ_INT(fast->muladd(b, NULL, 65, x, 32, x, 32, CURVE), 1);
	CHECK(memcmp(a, b, 65) == 0);
	/* x·G + (n-x)·G is infinity: an error */
	unsigned char nx[32];
	order_minus(nx, 0);
	unsigned borrow = 0;
	for (int i = 31; i >= 0; i--) {
		int v = nx[i] - x[i] - (int)borrow;
		borrow = v < 0;
		nx[i] = (unsigned char)(v & 0xff);
	}
	memcpy(b, g, 65);
	CHECK_EQ_INT(fast->muladd(b, NULL, 65, x, 32, nx, 32, CURVE), 0);
	/* a zero multiplier is an error */
	unsigned char zero[32] = {0};
	memcpy(b, g, 65);
	CHECK_EQ_INT(fast->muladd(b, NULL, 65, zero, 32, x, 32, CURVE), 0);
}

TEST(ec_p256_refuses_points_off_the_curve)
{
	size_t glen;
	const unsigned char *g = ref->generator(CURVE, &glen);
	unsigned char k[32], a[65];
	scalar(k);
	memcpy(a, g, 65);
	a[64] ^= 1; /* y changed: not on the curve */
	CHECK_EQ_INT(fast->mul(a, 65, k, 32, CURVE), 0);
	memcpy(a, g, 65);
	a[0] = 0x02; /* compressed: not taken */
	CHECK_EQ_INT(fast->mul(a, 65, k, 32, CURVE), 0);
	memcpy(a, g, 65);
	CHECK_EQ_INT(fast->mul(a, 64, k, 32, CURVE), 0); /* short */
	memset(a + 1, 0xff, 64); /* coordinates >= p */
	a[0] = 0x04;
	CHECK_EQ_INT(fast->mul(a, 65, k, 32, CURVE), 0);
	memset(a + 1, 0, 64); /* (0, 0) */
	CHECK_EQ_INT(fast->mul(a, 65, k, 32, CURVE), 0);
	unsigned char b[65];
	memcpy(a, g, 65);
	memcpy(b, g, 65);
	b[40] ^= 0x10;
	CHECK_EQ_INT(fast->muladd(a, b, 65, k, 32, k, 32, CURVE), 0);
}

TEST(ec_p256_ecdsa_signs_and_verifies_with_either)
{
	static const char msg[] = "airlock";
	unsigned char h[32], sig[80], pub[65];
	br_sha256_context sc;
	br_sha256_init(&sc);
	br_sha256_update(&sc, msg, sizeof msg - 1);
	br_sha256_out(&sc, h);
	unsigned char x[32];
	scalar(x);
	br_ec_private_key sk = {CURVE, x, 32};
	br_ec_public_key pk = {CURVE, pub, 65};
	CHECK_EQ_INT(fast->mulgen(pub, x, 32, CURVE), 65);
	size_t n = br_ecdsa_i31_sign_asn1(fast, &br_sha256_vtable, h, &sk, sig);
	CHECK(n > 0);
	CHECK_EQ_INT(br_ecdsa_i31_vrfy_asn1(ref, h, 32, &pk, sig, n), 1);
	CHECK_EQ_INT(br_ecdsa_i31_vrfy_asn1(fast, h, 32, &pk, sig, n), 1);
	sig[n - 1] ^= 1;
	CHECK_EQ_INT(br_ecdsa_i31_vrfy_asn1(fast, h, 32, &pk, sig, n), 0);
	n = br_ecdsa_i31_sign_asn1(ref, &br_sha256_vtable, h, &sk, sig);
	CHECK_EQ_INT(br_ecdsa_i31_vrfy_asn1(fast, h, 32, &pk, sig, n), 1);
}

TEST(ec_all_fast_has_bearssls_curves_and_hands_others_on)
{
	CHECK_EQ_INT(ec_all_fast.supported_curves, br_ec_all_m31.supported_curves);
	/* X25519 through the combined table equals BearSSL's own */
	unsigned char k[32], a[32], b[32];
	size_t len;
	fill(k, 32);
	memcpy(a, br_ec_all_m31.generator(BR_EC_curve25519, &len), 32);
	memcpy(b, a, 32);
	CHECK_EQ_INT(br_ec_all_m31.mul(a, 32, k, 32, BR_EC_curve25519), 1);
	CHECK_EQ_INT(ec_all_fast.mul(b, 32, k, 32, BR_EC_curve25519), 1);
	CHECK(memcmp(a, b, 32) == 0);
	/* P-256 through it is ec_p256_m64 */
	unsigned char p1[65], p2[65];
	scalar(k);
	ec_all_fast.mulgen(p1, k, 32, CURVE);
	ref->mulgen(p2, k, 32, CURVE);
	CHECK(memcmp(p1, p2, 65) == 0);
}
