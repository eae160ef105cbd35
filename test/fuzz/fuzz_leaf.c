/* fuzz_leaf: a host name as a client sends it in CONNECT -> leaf_mint. Whatever the
 * bytes, minting either refuses with a message or yields a certificate that BearSSL's
 * decoder reads back; a decode failure aborts (a bug in the DER writer or builder). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/tls/cert.h"

static struct ca ca;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[512], err[512];
	unsigned char leaf[LEAF_CERT_MAX];
	size_t len = 0;
	if (!ready) {
		struct ca_name nm = {"example.com", CA_NAME_SUBDOMAINS};
		if (ca_generate(&ca, &nm, 1, 1800000000, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
		ready = 1;
	}
	if (size >= sizeof host)
		size = sizeof host - 1;
	memcpy(host, data, size);
	host[size] = 0;
	if (leaf_mint(&ca, host, 1800000000, leaf, sizeof leaf, &len, NULL, err, sizeof err) != 0) {
		if (strstr(err, "cannot mint") == NULL)
			abort();
		return 0;
	}
	br_x509_decoder_context dc;
	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, leaf, len);
	if (br_x509_decoder_last_error(&dc) != 0 || br_x509_decoder_isCA(&dc))
		abort();
	return 0;
}
