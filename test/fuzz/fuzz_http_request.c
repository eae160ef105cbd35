/* libFuzzer target for http_parse_request(): any bytes give a verdict without a crash;
 * spans stay inside the input; the verdict does not depend on how the bytes arrived
 * (a prefix says "need more" or the same verdict, never a different one). */
#include "proxy/proto/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct http_request req, req2;

static void span_inside(struct http_span s, const char *b, size_t n)
{
	if (s.len > 0 && (s.p < b || s.p + s.len > b + n))
		abort();
}

static void check_ok(const char *b, int r)
{
	size_t n = (size_t)r;
	span_inside(req.method, b, n);
	span_inside(req.target, b, n);
	if (!(req.path.len == 1 && req.path.p[0] == '/'))
		span_inside(req.path, b, n);
	if (req.nheaders > HTTP_MAX_HEADERS)
		abort();
	for (size_t i = 0; i < req.nheaders; i++) {
		span_inside(req.headers[i].name, b, n);
		span_inside(req.headers[i].value, b, n);
		if (req.headers[i].name.len == 0)
			abort();
	}
	size_t hl = strnlen(req.host, sizeof req.host);
	if (hl > HTTP_MAX_HOST)
		abort();
	for (size_t i = 0; i < hl; i++)
		if (req.host[i] >= 'A' && req.host[i] <= 'Z')
			abort();
	if (req.is_connect != (req.form == HTTP_TARGET_AUTHORITY))
		abort();
	if ((req.form == HTTP_TARGET_ABSOLUTE || req.form == HTTP_TARGET_AUTHORITY) &&
	    (hl == 0 || req.port == 0))
		abort();
	if (req.body == HTTP_BODY_UNTIL_CLOSE || (req.body == HTTP_BODY_LENGTH && !req.content_length))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data, *why = NULL;
	int r = http_parse_request(b, size, &req, &why);
	if (r > 0) {
		if ((size_t)r > size || (size_t)r > HTTP_MAX_HEAD)
			abort();
		check_ok(b, r);
		/* The head alone parses to the same length; one byte less needs more. */
		if (http_parse_request(b, (size_t)r, &req2, &why) != r)
			abort();
		if (http_parse_request(b, (size_t)r - 1, &req2, &why) != 0)
			abort();
	} else if (r < 0) {
		if (!why || !*why)
			abort();
		if (r != -400 && r != -414 && r != -417 && r != -431 && r != -501 && r != -505)
			abort();
	} else if (size > HTTP_MAX_HEAD) {
		abort(); /* a head that cannot fit must be refused, not waited for */
	}
	/* A prefix may only need more, or already know the same verdict. */
	for (size_t k = size / 2; k < size; k += (size - k + 1) / 2) {
		int r2 = http_parse_request(b, k, &req2, &why);
		if (r2 != 0 && r2 != r)
			abort();
	}
	return 0;
}
