/* fuzz_ec_p256: bytes -> a point encoding (65 bytes) and two scalars, through
 * ec_p256_m64 and BearSSL's br_ec_p256_m31: decoding (a peer's key share, a
 * certificate's key) must refuse the same encodings, and mul and muladd must give the
 * same points. Scalars are kept below the order, as BearSSL's rules ask. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/tls/ec_p256.h"

#define CURVE BR_EC_secp256r1

static void take(unsigned char *out, size_t n, const uint8_t **data, size_t *size)
{
	size_t k = *size < n ? *size : n;
	memset(out, 0, n);
	memcpy(out, *data, k);
	*data += k;
	*size -= k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char pt[65], x[32], y[32], a[65], b[65];
	take(pt, sizeof pt, &data, &size);
	take(x, sizeof x, &data, &size);
	take(y, sizeof y, &data, &size);
	x[0] &= 0x7f; /* below the order, and not 0 */
	y[0] &= 0x7f;
	x[31] |= 1;
	y[31] |= 1;
	if (pt[0] == 0) /* a valid point to start from: k·G for the first bytes */
		br_ec_p256_m31.mulgen(pt, pt + 1, 32, CURVE);
	memcpy(a, pt, 65);
	memcpy(b, pt, 65);
	uint32_t ra = br_ec_p256_m31.mul(a, 65, x, 32, CURVE);
	uint32_t rb = ec_p256_m64.mul(b, 65, x, 32, CURVE);
	if (ra != rb || (ra && memcmp(a, b, 65) != 0))
		abort();
	memcpy(a, pt, 65);
	memcpy(b, pt, 65);
	ra = br_ec_p256_m31.muladd(a, NULL, 65, x, 32, y, 32, CURVE);
	rb = ec_p256_m64.muladd(b, NULL, 65, x, 32, y, 32, CURVE);
	if (ra != rb || (ra && memcmp(a, b, 65) != 0))
		abort();
	return 0;
}
