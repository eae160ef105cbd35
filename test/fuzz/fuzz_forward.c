/* libFuzzer target for proxy/head.c's head rewrite: any request head the parser
 * accepts is rewritten to origin-form, and the result must itself parse as a request
 * for the same method, with no Proxy-* header and one Host. */
#include "proxy/proxy_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req, again;
	static char out[CONN_BUF];
	const char *why = NULL;
	int n = http_parse_request((const char *)data, size, &req, &why);
	if (n <= 0 || req.is_connect || req.form != HTTP_TARGET_ABSOLUTE)
		return 0;
	long m = head_rewrite(&req, NULL, out, sizeof out);
	if (m < 0)
		return 0;
	int k = http_parse_request(out, (size_t)m, &again, &why);
	if (k != m)
		abort();
	if (again.method.len != req.method.len || memcmp(again.method.p, req.method.p, req.method.len))
		abort();
	if (http_count_headers(again.headers, again.nheaders, "Host") != 1 ||
	    http_find_header(again.headers, again.nheaders, "Proxy-Authorization") ||
	    http_find_header(again.headers, again.nheaders, "Proxy-Connection"))
		abort();
	if (again.body != req.body || strcmp(again.host, req.host) != 0)
		abort();
	return 0;
}
