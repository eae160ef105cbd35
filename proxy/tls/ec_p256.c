/* ec_p256.c: see ec_p256.h.
 *
 * Field elements are 4 little-endian 64-bit limbs holding a value below p, in
 * Montgomery form (a·R mod p, R = 2^256). Points are Jacobian (X, Y, Z): the affine
 * point (X/Z², Y/Z³); Z = 0 is the point at infinity. */
#include "proxy/tls/ec_p256.h"

#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef uint64_t fe[4];

struct point {
	fe x, y, z;
};

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1 */
static const fe P = {0xffffffffffffffff, 0x00000000ffffffff, 0x0000000000000000,
		     0xffffffff00000001};
/* R² mod p, to enter Montgomery form */
static const fe RR = {0x0000000000000003, 0xfffffffbffffffff, 0xfffffffffffffffe,
		      0x00000004fffffffd};
/* the curve's b (y² = x³ - 3x + b), plain */
static const fe B = {0x3bce3c3e27d2604b, 0x651d06b0cc53b0f6, 0xb3ebbd55769886bc,
		     0x5ac635d8aa3a93e7};

/* r = t - p when hi:t >= p, else t (t + hi·2^256 < 2p): in constant time. */
static void reduce_once(fe r, const fe t, uint64_t hi)
{
	fe s;
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		u128 d = (u128)t[i] - P[i] - borrow;
		s[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	uint64_t keep = -((hi ^ 1) & borrow); /* all ones: t < p */
	for (int i = 0; i < 4; i++)
		r[i] = (t[i] & keep) | (s[i] & ~keep);
}

/* r = a·b·R⁻¹ mod p: the 512-bit product, then four Montgomery steps. Each step adds
 * m·p for m the lowest limb (-p⁻¹ mod 2^64 is 1), and p's shape makes that cheap: the
 * low two limbs of p plus the limb it clears add up to m·2^96, and only p's top limb
 * needs a multiplication. */
static void fe_mul(fe r, const fe a, const fe b)
{
	uint64_t t[9] = {0};
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		u128 c = 0;
#pragma GCC unroll 4
		for (int j = 0; j < 4; j++) {
			c += (u128)a[j] * b[i] + t[i + j];
			t[i + j] = (uint64_t)c;
			c >>= 64;
		}
		t[i + 4] = (uint64_t)c;
	}
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		uint64_t m = t[i];
		u128 c = (u128)t[i + 1] + (m << 32);
		t[i + 1] = (uint64_t)c;
		c = (c >> 64) + t[i + 2] + (m >> 32);
		t[i + 2] = (uint64_t)c;
		c = (c >> 64) + t[i + 3] + (u128)m * P[3];
		t[i + 3] = (uint64_t)c;
		c = (c >> 64) + t[i + 4];
		t[i + 4] = (uint64_t)c;
#pragma GCC unroll 4
		for (int k = i + 5; k < 9; k++) {
			c = (c >> 64) + t[k];
			t[k] = (uint64_t)c;
		}
	}
	reduce_once(r, t + 4, t[8]);
}

static void fe_sqr(fe r, const fe a)
{
	fe_mul(r, a, a);
}

static void fe_add(fe r, const fe a, const fe b)
{
	fe t;
	uint64_t carry = 0;
	for (int i = 0; i < 4; i++) {
		u128 s = (u128)a[i] + b[i] + carry;
		t[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	reduce_once(r, t, carry);
}

static void fe_sub(fe r, const fe a, const fe b)
{
	fe t;
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		u128 d = (u128)a[i] - b[i] - borrow;
		t[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	uint64_t mask = -borrow, carry = 0; /* a < b: add p back */
	for (int i = 0; i < 4; i++) {
		u128 s = (u128)t[i] + (P[i] & mask) + carry;
		r[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
}

/* 1 when a is 0 (a is reduced, so p never stands for 0), else 0. */
static uint64_t fe_is_zero(const fe a)
{
	uint64_t z = a[0] | a[1] | a[2] | a[3];
	return ((z | -z) >> 63) ^ 1;
}

/* r = a when mask is all ones, unchanged when it is 0. */
static void fe_select(fe r, const fe a, uint64_t mask)
{
	for (int i = 0; i < 4; i++)
		r[i] = (r[i] & ~mask) | (a[i] & mask);
}

/* r = a^(p-2) = a⁻¹ (0 for 0). The exponent is public: the same steps for every a. */
static void fe_inv(fe r, const fe a)
{
	static const fe E = {0xfffffffffffffffd, 0x00000000ffffffff, 0x0000000000000000,
			     0xffffffff00000001}; /* p - 2 */
	fe acc;
	memcpy(acc, a, sizeof acc);
	for (int bit = 254; bit >= 0; bit--) { /* bit 255 of p - 2 is the 1 acc starts with */
		fe_sqr(acc, acc);
		if ((E[bit / 64] >> (bit % 64)) & 1)
			fe_mul(acc, acc, a);
	}
	memcpy(r, acc, sizeof acc);
}

static void fe_from_bytes(fe r, const unsigned char *b)
{
	for (int i = 0; i < 4; i++) {
		uint64_t w = 0;
		for (int k = 0; k < 8; k++)
			w = (w << 8) | b[(3 - i) * 8 + k];
		r[i] = w;
	}
}

static void fe_to_bytes(unsigned char *b, const fe a)
{
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 8; k++)
			b[(3 - i) * 8 + k] = (unsigned char)(a[i] >> (56 - 8 * k));
}

/* 1 when the plain value a is below p, else 0. */
static uint64_t fe_below_p(const fe a)
{
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		u128 d = (u128)a[i] - P[i] - borrow;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	return borrow;
}

static void to_mont(fe r, const fe a)
{
	fe_mul(r, a, RR);
}

static void from_mont(fe r, const fe a)
{
	static const fe ONE = {1, 0, 0, 0};
	fe_mul(r, a, ONE);
}

/* r = 2·a, for a = -3 (dbl-2001-b); infinity stays infinity. r may be a. */
static void point_double(struct point *r, const struct point *a)
{
	fe delta, gamma, beta, alpha, t1, t2;
	fe_sqr(delta, a->z);
	fe_sqr(gamma, a->y);
	fe_mul(beta, a->x, gamma);
	fe_sub(t1, a->x, delta);
	fe_add(t2, a->x, delta);
	fe_mul(alpha, t1, t2);
	fe_add(t1, alpha, alpha);
	fe_add(alpha, t1, alpha);           /* alpha = 3(X - delta)(X + delta) */
	fe_add(t1, a->y, a->z);
	fe_sqr(t1, t1);
	fe_sub(t1, t1, gamma);
	fe_sub(r->z, t1, delta);            /* Z3 = (Y + Z)² - gamma - delta */
	fe_add(beta, beta, beta);
	fe_add(beta, beta, beta);           /* 4 beta */
	fe_sqr(t1, alpha);
	fe_add(t2, beta, beta);
	fe_sub(r->x, t1, t2);               /* X3 = alpha² - 8 beta */
	fe_sub(t1, beta, r->x);
	fe_mul(t1, alpha, t1);
	fe_sqr(t2, gamma);
	fe_add(t2, t2, t2);
	fe_add(t2, t2, t2);
	fe_add(t2, t2, t2);                 /* 8 gamma² */
	fe_sub(r->y, t1, t2);               /* Y3 = alpha(4 beta - X3) - 8 gamma² */
}

/* r = a + b (add-2007-bl), infinities taken by masks, not branches. For a = b the
 * formulas give infinity, not 2a: *same is set to all ones then, and point_add()
 * doubles instead. r may be a or b. */
static void point_add_distinct(struct point *r, const struct point *a, const struct point *b,
			       uint64_t *same)
{
	fe z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
	struct point sum;
	fe_sqr(z1z1, a->z);
	fe_sqr(z2z2, b->z);
	fe_mul(u1, a->x, z2z2);
	fe_mul(u2, b->x, z1z1);
	fe_mul(t, b->z, z2z2);
	fe_mul(s1, a->y, t);
	fe_mul(t, a->z, z1z1);
	fe_mul(s2, b->y, t);
	fe_sub(h, u2, u1);
	fe_add(t, h, h);
	fe_sqr(i, t);
	fe_mul(j, h, i);
	fe_sub(t, s2, s1);
	fe_add(rr, t, t);
	fe_mul(v, u1, i);
	fe_sqr(t, rr);
	fe_sub(t, t, j);
	fe_sub(t, t, v);
	fe_sub(sum.x, t, v);                /* X3 = r² - J - 2V */
	fe_sub(t, v, sum.x);
	fe_mul(t, rr, t);
	fe_mul(s1, s1, j);
	fe_add(s1, s1, s1);
	fe_sub(sum.y, t, s1);               /* Y3 = r(V - X3) - 2 S1 J */
	fe_add(t, a->z, b->z);
	fe_sqr(t, t);
	fe_sub(t, t, z1z1);
	fe_sub(t, t, z2z2);
	fe_mul(sum.z, t, h);                /* Z3 = ((Z1 + Z2)² - Z1Z1 - Z2Z2) H; 0 for a = -b */
	uint64_t a_inf = fe_is_zero(a->z), b_inf = fe_is_zero(b->z);
	*same = -(fe_is_zero(h) & fe_is_zero(rr) & (a_inf ^ 1) & (b_inf ^ 1));
	uint64_t m_b = -a_inf, m_a = -(b_inf & (a_inf ^ 1));
	fe_select(sum.x, b->x, m_b);
	fe_select(sum.y, b->y, m_b);
	fe_select(sum.z, b->z, m_b);
	fe_select(sum.x, a->x, m_a);
	fe_select(sum.y, a->y, m_a);
	fe_select(sum.z, a->z, m_a);
	*r = sum;
}

/* r = a + b for any a and b, a = b included (the doubling is always computed and
 * chosen by a mask). r may be a or b. */
static void point_add(struct point *r, const struct point *a, const struct point *b)
{
	struct point dbl;
	uint64_t same;
	point_double(&dbl, a);
	point_add_distinct(r, a, b, &same);
	fe_select(r->x, dbl.x, same);
	fe_select(r->y, dbl.y, same);
	fe_select(r->z, dbl.z, same);
}

/* The 65-byte uncompressed encoding into a Jacobian point, checked to be on the curve:
 * 1, or 0 when it is not a point of P-256. */
static uint32_t point_decode(struct point *r, const unsigned char *buf, size_t len)
{
	if (len != 65 || buf[0] != 0x04)
		return 0;
	fe x, y, b, lhs, rhs, t;
	fe_from_bytes(x, buf + 1);
	fe_from_bytes(y, buf + 33);
	uint64_t ok = fe_below_p(x) & fe_below_p(y);
	to_mont(r->x, x);
	to_mont(r->y, y);
	to_mont(r->z, (const fe){1, 0, 0, 0});
	to_mont(b, B);
	fe_sqr(lhs, r->y);
	fe_sqr(t, r->x);
	fe_mul(rhs, t, r->x);               /* x³ */
	fe_add(t, r->x, r->x);
	fe_add(t, t, r->x);
	fe_sub(rhs, rhs, t);                /* x³ - 3x */
	fe_add(rhs, rhs, b);
	fe_sub(t, lhs, rhs);
	return (uint32_t)(ok & fe_is_zero(t));
}

/* The affine encoding of a (not infinity) into 65 bytes. */
static void point_encode(unsigned char *buf, const struct point *a)
{
	fe zi, zi2, x, y;
	fe_inv(zi, a->z);
	fe_sqr(zi2, zi);
	fe_mul(x, a->x, zi2);
	fe_mul(zi2, zi2, zi);
	fe_mul(y, a->y, zi2);
	from_mont(x, x);
	from_mont(y, y);
	buf[0] = 0x04;
	fe_to_bytes(buf + 1, x);
	fe_to_bytes(buf + 33, y);
}

/* table[i] = i·a for i = 0..15 (0: infinity). i·a for i < 16 is never (i-1)·a for a
 * point of P-256's large prime order, so the distinct-points addition suffices. */
static void window_table(struct point table[16], const struct point *a)
{
	uint64_t same;
	memset(&table[0], 0, sizeof table[0]);
	table[1] = *a;
	for (int i = 2; i < 16; i++) {
		if (i % 2 == 0)
			point_double(&table[i], &table[i / 2]);
		else
			point_add_distinct(&table[i], &table[i - 1], a, &same);
	}
}

/* *e = table[d], reading every entry (d is secret). */
static void window_lookup(struct point *e, const struct point table[16], uint64_t d)
{
	memset(e, 0, sizeof *e);
	for (uint64_t i = 1; i < 16; i++) {
		uint64_t m = -((((i ^ d) - 1) >> 63) & 1); /* all ones: i == d */
		fe_select(e->x, table[i].x, m);
		fe_select(e->y, table[i].y, m);
		fe_select(e->z, table[i].z, m);
	}
}

/* Digit n (from the top, 4 bits) of the big-endian k. */
static uint64_t digit(const unsigned char *k, size_t n)
{
	return n % 2 == 0 ? k[n / 2] >> 4 : k[n / 2] & 15;
}

/* r = k·a, k big-endian of klen bytes and below the order (BearSSL's rule): a 4-bit
 * window. With k below the order, the running sum 16·j·a (j the digits so far) is never
 * ±d·a for the next digit d, so the distinct-points addition suffices; k = 0 gives
 * infinity. */
static void point_mul(struct point *r, const struct point *a, const unsigned char *k,
		      size_t klen)
{
	struct point table[16], q, e;
	uint64_t same;
	window_table(table, a);
	memset(&q, 0, sizeof q);
	for (size_t n = 0; n < 2 * klen; n++) {
		for (int s = 0; s < 4; s++)
			point_double(&q, &q);
		window_lookup(&e, table, digit(k, n));
		point_add_distinct(&q, &q, &e, &same);
	}
	*r = q;
}

/* r = x·a + y·b, both scalars of len bytes, with one chain of doublings (Shamir's trick).
 * The partial sums can meet equal points here, so every addition is complete. */
static void point_muladd(struct point *r, const struct point *a, const unsigned char *x,
			 const struct point *b, const unsigned char *y, size_t len)
{
	struct point ta[16], tb[16], q, e;
	window_table(ta, a);
	window_table(tb, b);
	memset(&q, 0, sizeof q);
	for (size_t n = 0; n < 2 * len; n++) {
		for (int s = 0; s < 4; s++)
			point_double(&q, &q);
		window_lookup(&e, ta, digit(x, n));
		point_add(&q, &q, &e);
		window_lookup(&e, tb, digit(y, n));
		point_add(&q, &q, &e);
	}
	*r = q;
}

/* The scalar k (klen bytes) as 32 big-endian bytes: 1, or 0 when it is 0 (an error for
 * muladd, as in BearSSL's implementations) or does not fit. Public scalars only. */
static int scalar32(unsigned char out[32], const unsigned char *k, size_t klen)
{
	unsigned char any = 0;
	for (; klen > 32; k++, klen--)
		if (*k)
			return 0;
	memset(out, 0, 32 - klen);
	memcpy(out + 32 - klen, k, klen);
	for (size_t i = 0; i < 32; i++)
		any |= out[i];
	return any != 0;
}

static const unsigned char *api_generator(int curve, size_t *len)
{
	return br_ec_p256_m31.generator(curve, len);
}

static const unsigned char *api_order(int curve, size_t *len)
{
	return br_ec_p256_m31.order(curve, len);
}

static size_t api_xoff(int curve, size_t *len)
{
	return br_ec_p256_m31.xoff(curve, len);
}

static uint32_t api_mul(unsigned char *G, size_t Glen, const unsigned char *x, size_t xlen,
			int curve)
{
	(void)curve;
	struct point a, r;
	if (!point_decode(&a, G, Glen))
		return 0;
	point_mul(&r, &a, x, xlen);
	if (fe_is_zero(r.z))
		return 0;
	point_encode(G, &r);
	return 1;
}

static size_t api_mulgen(unsigned char *R, const unsigned char *x, size_t xlen, int curve)
{
	size_t len;
	const unsigned char *g = api_generator(curve, &len);
	memcpy(R, g, len);
	api_mul(R, len, x, xlen, curve);
	return len;
}

static uint32_t api_muladd(unsigned char *A, const unsigned char *B, size_t len,
			   const unsigned char *x, size_t xlen, const unsigned char *y,
			   size_t ylen, int curve)
{
	struct point a, b, sum;
	size_t glen;
	if (!B)
		B = api_generator(curve, &glen);
	unsigned char xs[32], ys[32];
	if (!point_decode(&a, A, len) || !point_decode(&b, B, len) ||
	    !scalar32(xs, x, xlen) || !scalar32(ys, y, ylen))
		return 0;
	point_muladd(&sum, &a, xs, &b, ys, 32);
	if (fe_is_zero(sum.z))
		return 0;
	point_encode(A, &sum);
	return 1;
}

const br_ec_impl ec_p256_m64 = {
	(uint32_t)1 << BR_EC_secp256r1,
	api_generator, api_order, api_xoff, api_mul, api_mulgen, api_muladd,
};

static const unsigned char *all_generator(int curve, size_t *len)
{
	return br_ec_all_m31.generator(curve, len);
}

static const unsigned char *all_order(int curve, size_t *len)
{
	return br_ec_all_m31.order(curve, len);
}

static size_t all_xoff(int curve, size_t *len)
{
	return br_ec_all_m31.xoff(curve, len);
}

/* The implementation for a curve: ours for P-256 and X25519, BearSSL's for the others. */
static const br_ec_impl *impl_for(int curve)
{
	return curve == BR_EC_secp256r1 ? &ec_p256_m64 :
	       curve == BR_EC_curve25519 ? &ec_c25519_m64 : &br_ec_all_m31;
}

static uint32_t all_mul(unsigned char *G, size_t Glen, const unsigned char *x, size_t xlen,
			int curve)
{
	return impl_for(curve)->mul(G, Glen, x, xlen, curve);
}

static size_t all_mulgen(unsigned char *R, const unsigned char *x, size_t xlen, int curve)
{
	return impl_for(curve)->mulgen(R, x, xlen, curve);
}

static uint32_t all_muladd(unsigned char *A, const unsigned char *B, size_t len,
			   const unsigned char *x, size_t xlen, const unsigned char *y,
			   size_t ylen, int curve)
{
	return impl_for(curve)->muladd(A, B, len, x, xlen, y, ylen, curve);
}

const br_ec_impl ec_all_fast = {
	/* br_ec_all_m31's curves (a test checks they are the same) */
	(uint32_t)1 << BR_EC_secp256r1 | (uint32_t)1 << BR_EC_secp384r1 |
		(uint32_t)1 << BR_EC_secp521r1 | (uint32_t)1 << BR_EC_curve25519,
	all_generator, all_order, all_xoff, all_mul, all_mulgen, all_muladd,
};
