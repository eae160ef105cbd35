/* libFuzzer target for secrets_scrub() (proxy/secrets.c): the response-head scrub that
 * turns every form in which a request's secrets went upstream back into what the
 * sandbox sent.
 *
 * Input: one control byte, then bytes. The control byte picks Basic credentials the
 * "request" carried (rewritten by secrets_rewrite() for a bound host, so the list and
 * the upstream form are the real ones), whether the upstream form of those credentials
 * is spliced into the bytes (as is, or percent-encoded) at an offset the bytes choose,
 * whether the bytes themselves are used as the credential list, and a small or ample
 * output buffer. Checked for every input:
 *   - no crash, no write past the output buffer (ASan);
 *   - -1: nothing written survives (the output is wiped);
 *   - otherwise no masked value and no upstream form of the credentials is left in the
 *     output; with no replacement the output is the input, byte for byte; a spliced
 *     upstream form with an ample buffer is always replaced.
 * Values begin and end with '^', which neither a placeholder nor base64 holds, so an
 * occurrence in the output can only be one the scrub left there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/secrets.h"

static char *gh_hosts[] = {"github.com", "api.github.com"};
static struct policy_secret secrets[] = {
	{.name = "GITHUB_TOKEN", .hosts = gh_hosts, .nhosts = 2},
	{.name = "PLAIN", .hosts = gh_hosts + 1, .nhosts = 1},
	{.name = "SHORT", .hosts = gh_hosts, .nhosts = 2},
};
static const char *const values[] = {"^ghp_VALUE+/=1^", "^plain VALUE2^", "^s^"};
static const char *const creds[] = {
	"Basic eDpvcGVuc2hlbGw6cmVzb2x2ZTplbnY6R0lUSFVCX1RPS0VO", /* x:<GITHUB_TOKEN> */
	/* <PLAIN>:<GITHUB_TOKEN> */
	"Basic b3BlbnNoZWxsOnJlc29sdmU6ZW52OlBMQUlOOm9wZW5zaGVsbDpyZXNvbHZlOmVudjpHSVRIVUJfVE9LRU4=",
	"Basic dTpvcGVuc2hlbGw6cmVzb2x2ZTplbnY6U0hPUlQ=", /* u:<SHORT> */
};

static struct secret_store store;

static void init_store(void)
{
	if (store.count)
		return;
	for (size_t i = 0; i < 3; i++) {
		store.entries[i].secret = &secrets[i];
		store.entries[i].value = (char *)values[i];
		store.entries[i].len = strlen(values[i]);
	}
	store.count = 3;
}

static size_t pct_all(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(out + o, "%%%02X", (unsigned char)s[i]);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_store();
	if (size == 0 || size > 8192)
		return 0;
	uint8_t ctl = data[0];
	const char *in = (const char *)data + 1;
	size_t inlen = size - 1;
	const char *cred = creds[(ctl & 3) % 3];

	struct secrets_result res;
	secrets_result_init(&res);
	static char sent[1024];
	size_t sentlen;
	if (secrets_rewrite(&store, "api.github.com", 1, SECRETS_HEADER, "Authorization", cred,
			    strlen(cred), sent, sizeof sent, &sentlen, &res) != 0 || !res.basic_len)
		abort();
	const char *blob = sent + 6; /* after "Basic " */
	size_t bloblen = sentlen - 6;

	/* The head: the bytes, with the upstream form spliced in where they say. */
	static char head[8192 + 4096];
	size_t hl = 0, at = inlen ? (size_t)(unsigned char)in[0] % (inlen + 1) : 0;
	int splice = ctl >> 2 & 3; /* 0: none, 1: as is, 2: percent-encoded, 3: none */
	memcpy(head, in, at);
	hl = at;
	if (splice == 1) {
		memcpy(head + hl, blob, bloblen);
		hl += bloblen;
	} else if (splice == 2) {
		hl += pct_all(blob, bloblen, head + hl);
	}
	memcpy(head + hl, in + at, inlen - at);
	hl += inlen - at;

	const char *list = res.basic;
	size_t listlen = res.basic_len;
	if (ctl & 0x10) { /* the bytes as the credential list: its parser and rebuild */
		list = in;
		listlen = inlen;
	}
	static char out[16384];
	size_t cap = ctl & 0x20 ? hl / 2 : sizeof out;
	memset(out, 0, sizeof out);
	size_t outlen = 12345;
	long k = secrets_scrub(&store, res.injected, list, listlen, head, hl, out, cap, &outlen);
	if (k < 0) {
		if (outlen != 0)
			abort();
		for (size_t i = 0; i < sizeof out; i++)
			if (out[i])
				abort();
		return 0;
	}
	if (outlen > cap)
		abort();
	if (k == 0 && (outlen != hl || memcmp(out, head, hl) != 0))
		abort();
	for (size_t i = 0; i < 3; i++)
		if ((res.injected >> i & 1) && strlen(values[i]) >= SECRETS_SCRUB_MIN &&
		    memmem(out, outlen, values[i], strlen(values[i])))
			abort();
	if (!(ctl & 0x10) && memmem(out, outlen, blob, bloblen))
		abort();
	if (!(ctl & 0x10) && (splice == 1 || splice == 2) && k == 0)
		abort();
	return 0;
}
