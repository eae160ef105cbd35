/* ec_c25519.c: X25519 (RFC 7748) with 51-bit limbs and 128-bit products, as BearSSL's
 * br_ec_c25519_m31 takes and gives it (see ec_p256.h): 32-byte little-endian points,
 * the top bit of a point ignored; a little-endian scalar of up to 32 bytes, clamped
 * as RFC 7748 says. A Montgomery ladder with constant-time swaps: no branch or index
 * depends on the scalar. Most clients offer X25519 first, so every new connection
 * through the MITM does two of these on its sandbox side (and two upstream for a full
 * handshake). */
#include "proxy/tls/ec_p256.h"

#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef uint64_t f25[5]; /* a = sum a[i]·2^(51i), limbs a little above 2^51 at most */

#define MASK51 (((uint64_t)1 << 51) - 1)

static void f25_carry(f25 r, const u128 t[5])
{
	u128 c[5];
#pragma GCC unroll 5
	for (int i = 0; i < 5; i++)
		c[i] = t[i];
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		c[i + 1] += c[i] >> 51;
		c[i] &= MASK51;
	}
	c[0] += 19 * (c[4] >> 51); /* 2^255 = 19 mod p */
	c[4] &= MASK51;
	c[1] += c[0] >> 51;
	c[0] &= MASK51;
	for (int i = 0; i < 5; i++)
		r[i] = (uint64_t)c[i];
}

static void f25_mul(f25 r, const f25 a, const f25 b)
{
	uint64_t b19[5];
#pragma GCC unroll 5
	for (int i = 0; i < 5; i++)
		b19[i] = 19 * b[i];
	u128 t[5];
#pragma GCC unroll 5
	for (int i = 0; i < 5; i++) {
		t[i] = 0;
#pragma GCC unroll 5
		for (int j = 0; j < 5; j++)
			t[i] += (u128)a[j] * (j <= i ? b[i - j] : b19[i - j + 5]);
	}
	f25_carry(r, t);
}

/* r = a², with the cross products taken once (15 products, not 25). */
static void f25_sq(f25 r, const f25 a)
{
	uint64_t d0 = 2 * a[0], d1 = 2 * a[1], d3 = 2 * a[3];
	uint64_t a3_19 = 19 * a[3], a4_19 = 19 * a[4];
	u128 t[5] = {
		(u128)a[0] * a[0] + (u128)d1 * a4_19 + (u128)(2 * a[2]) * a3_19,
		(u128)d0 * a[1] + (u128)(2 * a[2]) * a4_19 + (u128)a[3] * a3_19,
		(u128)d0 * a[2] + (u128)a[1] * a[1] + (u128)d3 * a4_19,
		(u128)d0 * a[3] + (u128)d1 * a[2] + (u128)a[4] * a4_19,
		(u128)d0 * a[4] + (u128)d1 * a[3] + (u128)a[2] * a[2],
	};
	f25_carry(r, t);
}

static void f25_add(f25 r, const f25 a, const f25 b)
{
	for (int i = 0; i < 5; i++)
		r[i] = a[i] + b[i];
}

/* r = a - b + 4p (never negative for the limbs these functions give). */
static void f25_sub(f25 r, const f25 a, const f25 b)
{
	static const uint64_t p4[5] = {0x1fffffffffffb4, 0x1ffffffffffffc, 0x1ffffffffffffc,
				       0x1ffffffffffffc, 0x1ffffffffffffc};
	u128 t[5];
	for (int i = 0; i < 5; i++)
		t[i] = (u128)a[i] + p4[i] - b[i];
	f25_carry(r, t);
}

static void f25_mul_small(f25 r, const f25 a, uint64_t k)
{
	u128 t[5];
	for (int i = 0; i < 5; i++)
		t[i] = (u128)a[i] * k;
	f25_carry(r, t);
}

/* Swaps a and b when bit is 1, in constant time. */
static void f25_cswap(f25 a, f25 b, uint64_t bit)
{
	uint64_t m = -bit;
	for (int i = 0; i < 5; i++) {
		uint64_t x = (a[i] ^ b[i]) & m;
		a[i] ^= x;
		b[i] ^= x;
	}
}

/* r = a^(p-2) = a⁻¹; p - 2 = 2^255 - 21: public exponent, the same steps for all a. */
static void f25_inv(f25 r, const f25 a)
{
	f25 acc;
	memcpy(acc, a, sizeof acc);
	for (int bit = 253; bit >= 0; bit--) { /* bits 254..5 set, then 01011 */
		f25_sq(acc, acc);
		if (bit >= 5 || ((0x0b >> bit) & 1))
			f25_mul(acc, acc, a);
	}
	memcpy(r, acc, sizeof acc);
}

static void f25_frombytes(f25 r, const unsigned char b[32])
{
	uint64_t w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = 0;
		for (int k = 7; k >= 0; k--)
			w[i] = (w[i] << 8) | b[8 * i + k];
	}
	r[0] = w[0] & MASK51;
	r[1] = ((w[0] >> 51) | (w[1] << 13)) & MASK51;
	r[2] = ((w[1] >> 38) | (w[2] << 26)) & MASK51;
	r[3] = ((w[2] >> 25) | (w[3] << 39)) & MASK51;
	r[4] = (w[3] >> 12) & MASK51; /* the top bit is ignored (RFC 7748) */
}

/* The value below p, little-endian. */
static void f25_tobytes(unsigned char b[32], const f25 a)
{
	f25 t;
	u128 c[5];
	for (int i = 0; i < 5; i++)
		c[i] = a[i];
	f25_carry(t, c);
	f25_carry(t, (u128[5]){t[0], t[1], t[2], t[3], t[4]});
	/* t < 2^255 + small: subtract p once if t >= p (t + 19 carries past 2^255) */
	uint64_t q = (t[0] + 19) >> 51;
	for (int i = 1; i < 5; i++)
		q = (t[i] + q) >> 51;
	t[0] += 19 * q;
	for (int i = 0; i < 4; i++) {
		t[i + 1] += t[i] >> 51;
		t[i] &= MASK51;
	}
	t[4] &= MASK51;
	uint64_t w[4] = {t[0] | t[1] << 51, t[1] >> 13 | t[2] << 38, t[2] >> 26 | t[3] << 25,
			 t[3] >> 39 | t[4] << 12};
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 8; k++)
			b[8 * i + k] = (unsigned char)(w[i] >> (8 * k));
}

static const unsigned char *c25519_generator(int curve, size_t *len)
{
	return br_ec_c25519_m31.generator(curve, len);
}

static const unsigned char *c25519_order(int curve, size_t *len)
{
	return br_ec_c25519_m31.order(curve, len);
}

static size_t c25519_xoff(int curve, size_t *len)
{
	return br_ec_c25519_m31.xoff(curve, len);
}

static uint32_t c25519_mul(unsigned char *G, size_t Glen, const unsigned char *kb,
			   size_t kblen, int curve)
{
	if (Glen != 32 || kblen > 32)
		return 0;
	unsigned char k[32]; /* little-endian, as RFC 7748 and BearSSL's own take it */
	memcpy(k, kb, kblen);
	memset(k + kblen, 0, sizeof k - kblen);
	k[0] &= 0xF8;
	k[31] &= 0x7F;
	k[31] |= 0x40;
	f25 x1, x2 = {1}, z2 = {0}, x3, z3 = {1}, a, aa, b, bb, e, c, d, da, cb;
	f25_frombytes(x1, G);
	memcpy(x3, x1, sizeof x3);
	uint64_t swap = 0;
	for (int i = 254; i >= 0; i--) {
		uint64_t bit = (k[i >> 3] >> (i & 7)) & 1;
		swap ^= bit;
		f25_cswap(x2, x3, swap);
		f25_cswap(z2, z3, swap);
		swap = bit;
		f25_add(a, x2, z2);
		f25_sq(aa, a);
		f25_sub(b, x2, z2);
		f25_sq(bb, b);
		f25_sub(e, aa, bb);
		f25_add(c, x3, z3);
		f25_sub(d, x3, z3);
		f25_mul(da, d, a);
		f25_mul(cb, c, b);
		f25_add(x3, da, cb);
		f25_sq(x3, x3);
		f25_sub(z3, da, cb);
		f25_sq(z3, z3);
		f25_mul(z3, z3, x1);
		f25_mul(x2, aa, bb);
		f25_mul_small(z2, e, 121665);
		f25_add(z2, z2, aa);
		f25_mul(z2, z2, e);
	}
	f25_cswap(x2, x3, swap);
	f25_cswap(z2, z3, swap);
	f25_inv(z2, z2);
	f25_mul(x2, x2, z2);
	f25_tobytes(G, x2);
	return 1;
}

static size_t c25519_mulgen(unsigned char *R, const unsigned char *x, size_t xlen, int curve)
{
	size_t len;
	const unsigned char *g = c25519_generator(curve, &len);
	memcpy(R, g, len);
	c25519_mul(R, len, x, xlen, curve);
	return len;
}

static uint32_t c25519_muladd(unsigned char *A, const unsigned char *B, size_t len,
			      const unsigned char *x, size_t xlen, const unsigned char *y,
			      size_t ylen, int curve)
{
	return 0; /* no point addition on the x-only curve, as in BearSSL */
}

const br_ec_impl ec_c25519_m64 = {
	(uint32_t)1 << BR_EC_curve25519,
	c25519_generator, c25519_order, c25519_xoff, c25519_mul, c25519_mulgen,
	c25519_muladd,
};
