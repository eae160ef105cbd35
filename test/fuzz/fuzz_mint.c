/* fuzz_mint: the CA process's side of proxy/tls/mint.h, which reads what the proxy worker
 * sends (the worker parses the sandbox's bytes, so the CA treats it as untrusted), and
 * the worker's decoders of the CA's replies. No sockets: mint_answer() in-process. */
#include "proxy/tls/mint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct ca *ca;
static const struct ca_name names[] = {{"api.example.test", CA_NAME_HOST},
				       {"cdn.test", CA_NAME_SUBDOMAINS},
				       {"10.1.2.3", CA_NAME_IP}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char reply[9 + LEAF_CERT_MAX + 1024], der[LEAF_CERT_MAX];
	char err[300];
	if (!ca) {
		ca = ca_new();
		if (!ca || ca_generate(ca, names, 3, 1800000000, err, sizeof err) != 0)
			abort();
	}
	size_t n = mint_answer(ca, names, 3, data, size, reply, sizeof reply);
	if (n == 0 || n > sizeof reply)
		abort();
	size_t len;
	time_t not_after;
	(void)mint_reply_decode(reply, n, der, sizeof der, &len, &not_after, err, sizeof err);
	(void)mint_reply_decode(data, size, der, sizeof der, &len, &not_after, err, sizeof err);
	/* The [gcp] messages: a grant request refused without a key, the replies decoded. */
	n = mint_grant_answer(NULL, data, size, reply, sizeof reply);
	static char body[JWT_BODY_MAX];
	struct mint_account acct;
	(void)mint_grant_reply_decode(reply, n, body, sizeof body, &len, err, sizeof err);
	(void)mint_grant_reply_decode(data, size, body, sizeof body, &len, err, sizeof err);
	(void)mint_account_decode(data, size, &acct, err, sizeof err);
	struct ca *view = ca_new();
	if (view) {
		(void)mint_key_decode(data, size, view, err, sizeof err);
		ca_free(view);
	}
	return 0;
}
