/* libFuzzer target for proxy/upstream.c: proxy URLs and NO_PROXY lists from the
 * environment. The input is split at the first NUL: URL, then NO_PROXY list, then a
 * host to match. Must not crash; a parsed URL must give a sane host and port. */
#include "proxy/upstream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[4096];
	if (size >= sizeof buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	/* Up to three NUL-separated fields; missing ones are "". */
	size_t a = strlen(buf);
	size_t b = a < size ? a + 1 + strlen(buf + a + 1) : a;
	const char *url = buf;
	const char *list = a < size ? buf + a + 1 : "";
	const char *host = b < size ? buf + b + 1 : "";
	struct upstream_proxy u;
	char err[256];
	if (upstream_parse_url(url, &u, err, sizeof err) == 0) {
		if (u.port == 0 || u.host[0] == 0 || strlen(u.host) >= sizeof u.host)
			abort();
		char req[2048];
		upstream_connect_request(&u, host[0] ? host : "x", 443, req, sizeof req);
	}
	upstream_no_proxy_match(list, host, 443);
	return 0;
}
