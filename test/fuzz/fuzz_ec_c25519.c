/* fuzz_ec_c25519: bytes -> a peer's X25519 key share (32 bytes, any value: the top bit
 * set, at or above p) and a scalar, through ec_c25519_m64 and BearSSL's
 * br_ec_c25519_m31: the same result, always. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/tls/ec_p256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char pt[32] = {0}, k[32] = {0}, a[32], b[32];
	size_t n = size < 32 ? size : 32;
	memcpy(pt, data, n);
	size_t klen = size - n < 32 ? size - n : 32;
	memcpy(k, data + n, klen);
	memcpy(a, pt, 32);
	memcpy(b, pt, 32);
	uint32_t ra = br_ec_c25519_m31.mul(a, 32, k, klen, BR_EC_curve25519);
	uint32_t rb = ec_c25519_m64.mul(b, 32, k, klen, BR_EC_curve25519);
	if (ra != rb || memcmp(a, b, 32) != 0)
		abort();
	return 0;
}
