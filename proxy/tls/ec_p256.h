/* ec_p256.h: NIST P-256 with 64-bit limbs, as a BearSSL br_ec_impl.
 *
 * BearSSL 0.6, the version this tree pins, has P-256 code with 31- and 15-bit words
 * only (its 64-bit "m62" and "m64" came in later versions): one point multiplication
 * takes about 440 µs here, and a TLS handshake through the MITM needs several (the
 * client side's signature, the upstream's key exchange and two verifications). This
 * one uses 64-bit limbs and 128-bit products, in Montgomery form, with the same rules
 * as BearSSL's implementations:
 *   - mul() and mulgen() (key exchange, signing: secret scalars) run in constant time:
 *     a fixed 4-bit window, table lookups that read every entry, complete additions;
 *   - decoded points are checked to be on the curve (else 0 is returned);
 *   - muladd() (verification: public inputs) is two such multiplications and one
 *     addition, also constant time.
 * Tests check it against BearSSL's br_ec_p256_m31 on random and edge-case inputs
 * (test/unit/test_ec_p256.c, test/fuzz/fuzz_ec_p256.c).
 */
#ifndef AIRLOCK_EC_P256_H
#define AIRLOCK_EC_P256_H

#include <bearssl.h>

/* P-256 (BR_EC_secp256r1) only. */
extern const br_ec_impl ec_p256_m64;

/* X25519 with 51-bit limbs (ec_c25519.c), for the same reason: BearSSL 0.6's is m31. */
extern const br_ec_impl ec_c25519_m64;

/* Every curve br_ec_all_m31 has, P-256 from ec_p256_m64 and X25519 from ec_c25519_m64:
 * what the TLS engines, the certificate writer and ECDSA are given instead of
 * br_ec_get_default(). */
extern const br_ec_impl ec_all_fast;

#endif
