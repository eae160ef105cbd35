/* libFuzzer target for http_parse_response(): the first byte picks the request method,
 * the rest is the response. Any bytes give a verdict without a crash; spans stay
 * inside the input; a prefix says "need more" or the same verdict. */
#include "proxy/proto/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct http_response res, res2;

static void span_inside(struct http_span s, const char *b, size_t n)
{
	if (s.len > 0 && (s.p < b || s.p + s.len > b + n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET", "HEAD", "CONNECT", "POST"};
	if (size < 1)
		return 0;
	const char *m = methods[data[0] & 3], *why = NULL;
	size_t ml = strlen(m);
	const char *b = (const char *)data + 1;
	size_t n = size - 1;
	int r = http_parse_response(b, n, m, ml, &res, &why);
	if (r > 0) {
		if ((size_t)r > n || (size_t)r > HTTP_MAX_HEAD)
			abort();
		if (res.status < 100 || res.status > 999 || res.nheaders > HTTP_MAX_HEADERS)
			abort();
		span_inside(res.reason, b, (size_t)r);
		for (size_t i = 0; i < res.nheaders; i++) {
			span_inside(res.headers[i].name, b, (size_t)r);
			span_inside(res.headers[i].value, b, (size_t)r);
		}
		/* No body after HEAD, 1xx, 204, 304 or a successful CONNECT. */
		int none = data[0] % 4 == 1 || res.status < 200 || res.status == 204 ||
			   res.status == 304 || (data[0] % 4 == 2 && res.status < 300);
		if (none && res.body != HTTP_BODY_NONE)
			abort();
		if (res.body == HTTP_BODY_UNTIL_CLOSE && res.keep_alive)
			abort();
		if (http_parse_response(b, (size_t)r, m, ml, &res2, &why) != r)
			abort();
		if (http_parse_response(b, (size_t)r - 1, m, ml, &res2, &why) != 0)
			abort();
	} else if (r < 0) {
		if (r != -502 || !why || !*why)
			abort();
	} else if (n > HTTP_MAX_HEAD) {
		abort();
	}
	for (size_t k = n / 2; k < n; k += (n - k + 1) / 2) {
		int r2 = http_parse_response(b, k, m, ml, &res2, &why);
		if (r2 != 0 && r2 != r)
			abort();
	}
	return 0;
}
