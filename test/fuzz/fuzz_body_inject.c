/* fuzz_body_inject: a request body gathered and rewritten for `body = yes` secrets
 * (proxy/body_inject.c, secrets.c's body kinds), in-process. The first byte picks the
 * framing (Content-Length of the rest, or the rest as a chunked body), the body's
 * kind and whether the host is the one the secret is bound to; the rest is the body,
 * fed in pieces of a size the second byte picks. Checked: no crash or overrun; a
 * finished message is the head, a Content-Length equal to what follows, and the body;
 * to the unbound host a body is refused or goes byte for byte as it came; a refusal's
 * reason never holds the value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/body_inject.h"

static char *hosts[] = {"bound.test"};
static struct policy_secret sec = {.name = "RT", .hosts = hosts, .nhosts = 1, .body = 1};
static const char value[] = "^rt\"val\\ue/^";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	static struct secret_store st;
	st.entries[0] = (struct secret_entry){&sec, (char *)value, sizeof value - 1,
					      SECRET_SOURCE_ENV, 0};
	st.count = 1;
	int chunked = data[0] & 1;
	enum secrets_field kind = SECRETS_BODY_TEXT + (data[0] >> 1) % 3;
	const char *host = data[0] & 0x80 ? "bound.test" : "other.test";
	size_t piece = (size_t)data[1] + 1;
	const char *body = (const char *)data + 2;
	size_t len = size - 2;
	static const char head[] = "POST / HTTP/1.1\r\nHost: h\r\n\r\n";
	struct body_inject *b = body_inject_new(chunked ? HTTP_BODY_CHUNKED : HTTP_BODY_LENGTH,
						len, head, sizeof head - 1);
	if (!b)
		return 0;
	enum body_take t = BODY_TAKE_MORE;
	size_t i = 0;
	while (i < len && t == BODY_TAKE_MORE) {
		size_t k = len - i < piece ? len - i : piece, used;
		const char *why;
		t = body_inject_take(b, body + i, k, &used, &why);
		if (used > k)
			abort();
		i += used;
	}
	if (len == 0)
		t = chunked ? BODY_TAKE_MORE : BODY_TAKE_DONE;
	struct secrets_result res;
	secrets_result_init(&res);
	if (t == BODY_TAKE_DONE && body_inject_finish(b, &st, host, 1, kind, &res) == 0) {
		static char msg[BODY_INJECT_MAX * 4 + 4096];
		size_t n = 0, k;
		while ((k = body_inject_out(b, msg + n, 4096)) > 0)
			n += k;
		char *sep = memmem(msg, n, "\r\n\r\n", 4);
		if (!sep || strncmp(msg, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ", 42) != 0)
			abort();
		size_t blen = (size_t)(msg + n - (sep + 4));
		if (strtoull(msg + 42, NULL, 10) != blen)
			abort();
		/* Only the bound host may get the value: to another the body goes as it came
		 * (or not at all). */
		if (host[0] == 'o' && !chunked && (blen != len || memcmp(sep + 4, body, len)))
			abort();
	} else if (res.refused && strstr(res.reason, "val\\ue")) {
		abort(); /* a reason never holds the value */
	}
	body_inject_free(b);
	return 0;
}
