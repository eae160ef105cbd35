/* libFuzzer target for proxy/secrets.c (and the strict base64 decoder under it).
 *
 * Input: one control byte, then the field. The control byte picks the field kind, the
 * header (Authorization or another), the host (one that secrets are bound to, one
 * bound to a wildcard secret, one bound to none), TLS or not, and a small or ample
 * output buffer. Checked for every input:
 *   - no crash, no write past the output buffer (ASan);
 *   - refused: nothing written survives (the buffer is wiped) and the reason is one
 *     printable line that holds no real value;
 *   - rewritten with nothing injected: output == input, byte for byte;
 *   - to the host no secret is bound to: never anything injected;
 *   - too small: the reported size is enough on a second try;
 *   - no placeholder found by secrets_scan (outside Authorization headers): output ==
 *     input and no refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/base/base64.h"
#include "proxy/secrets.h"

static char *gh_hosts[] = {"github.com", "api.github.com"};
static char *wild_hosts[] = {"*.example.com"};
static struct policy_secret secrets[] = {
	{.name = "GITHUB_TOKEN", .hosts = gh_hosts, .nhosts = 2},
	{.name = "PLAIN", .hosts = gh_hosts + 1, .nhosts = 1, .plaintext = 1},
	{.name = "WILD", .hosts = wild_hosts, .nhosts = 1},
	{.name = "EMPTY", .hosts = gh_hosts, .nhosts = 2},
};
/* Every value holds a "^", which no name, host or text of a reason can: so a value
 * in a reason can only have come from the store. */
static const char *const values[] = {"ghp_VALUE+/=^ 1", "plain^VALUE2", "wild^VALUE3", NULL};
static const char *const hosts[] = {"api.github.com", "x.example.com", "evil.example"};
static const char *const headers[] = {"Authorization", "Proxy-Authorization", "X-Api-Key"};

static struct secret_store store;

static void init_store(void)
{
	if (store.count)
		return;
	for (size_t i = 0; i < 4; i++) {
		store.entries[i].secret = &secrets[i];
		store.entries[i].value = (char *)values[i];
		store.entries[i].len = values[i] ? strlen(values[i]) : 0;
	}
	store.count = 4;
}

static int has_value(const char *buf, size_t len)
{
	for (size_t i = 0; i < 3; i++)
		if (memmem(buf, len, values[i], strlen(values[i])))
			return 1;
	return 0;
}

static void check_base64(const uint8_t *data, size_t size)
{
	static unsigned char dec[4096];
	static char enc[8192];
	size_t n, m;
	if (size > 4096 || base64_decode((const char *)data, size, dec, sizeof dec, &n) < 0)
		return;
	/* Strict means canonical: re-encoding gives back exactly the input. */
	if (base64_encode(dec, n, enc, sizeof enc, &m) < 0 || m != size ||
	    memcmp(enc, data, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_store();
	if (size == 0)
		return 0;
	uint8_t ctl = data[0];
	const char *in = (const char *)data + 1;
	size_t inlen = size - 1;
	enum secrets_field kind = (ctl & 1) ? SECRETS_HEADER : SECRETS_TARGET;
	const char *header = headers[(ctl >> 1) % 3];
	const char *host = hosts[(ctl >> 3) % 3];
	int tls = !(ctl & 0x20);
	int small = ctl & 0x40;

	check_base64((const uint8_t *)in, inlen);

	static char out[16384];
	size_t cap = small ? inlen / 2 : sizeof out;
	memset(out, 0, sizeof out);
	size_t outlen = 12345;
	struct secrets_result res;
	secrets_result_init(&res);
	int rc = secrets_rewrite(&store, host, tls, kind, header, in, inlen, out, cap, &outlen, &res);

	if (rc == 1) {
		if (!res.refused || outlen != 0 || res.injected)
			abort();
		for (size_t i = 0; i < sizeof out; i++)
			if (out[i])
				abort();
		size_t rl = strlen(res.reason);
		if (rl == 0 || has_value(res.reason, rl))
			abort();
		for (size_t i = 0; i < rl; i++)
			if ((unsigned char)res.reason[i] < 0x20 || (unsigned char)res.reason[i] >= 0x7f)
				abort();
	} else if (rc == -1) {
		if (res.refused || res.injected || outlen <= cap)
			abort();
		for (size_t i = 0; i < sizeof out; i++)
			if (out[i])
				abort();
		if (outlen <= sizeof out) {
			size_t need = outlen;
			struct secrets_result r2;
			secrets_result_init(&r2);
			if (secrets_rewrite(&store, host, tls, kind, header, in, inlen, out, need,
					    &outlen, &r2) != 0 || outlen != need)
				abort();
		}
	} else if (rc == 0) {
		if (res.refused || outlen > cap)
			abort();
		if (res.injected == 0 && (outlen != inlen || memcmp(out, in, inlen) != 0))
			abort();
		if (strcmp(host, "evil.example") == 0 && res.injected)
			abort();
	} else {
		abort();
	}

	int auth = kind == SECRETS_HEADER && strstr(header, "Authorization");
	if (!auth && !secrets_scan(in, inlen) && (rc == 1 || (rc == 0 && res.injected)))
		abort();
	return 0;
}
