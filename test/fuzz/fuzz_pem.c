/* fuzz_pem: PEM text (a trust file) -> trust anchors. Exercises the PEM decoder wrapper,
 * BearSSL's X.509 decoder and the anchor copies; every anchor produced is then read
 * whole, so a bad copy shows up under ASan. */
#include <stddef.h>
#include <stdint.h>

#include "proxy/tls/trust.h"

static volatile unsigned sum; /* reading every byte is the point, not the sum */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trust_store ts;
	char err[512];
	trust_init(&ts);
	trust_add_pem(&ts, "fuzz.pem", data, size, err, sizeof err);
	for (size_t i = 0; i < ts.count; i++) {
		const br_x509_trust_anchor *ta = &ts.anchors[i];
		for (size_t j = 0; j < ta->dn.len; j++)
			sum += ta->dn.data[j];
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			for (size_t j = 0; j < ta->pkey.key.rsa.nlen; j++)
				sum += ta->pkey.key.rsa.n[j];
			for (size_t j = 0; j < ta->pkey.key.rsa.elen; j++)
				sum += ta->pkey.key.rsa.e[j];
		} else {
			for (size_t j = 0; j < ta->pkey.key.ec.qlen; j++)
				sum += ta->pkey.key.ec.q[j];
		}
	}
	trust_free(&ts);
	return 0;
}
