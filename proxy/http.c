/* http.c: the HTTP head parser (stubs while the implementation is written; see http.h). */
#include "proxy/http.h"

#include <string.h>

int http_parse_request(const char *buf, size_t len, struct http_request *req,
		       const char **why)
{
	*why = "HTTP parser not implemented yet";
	return 0;
}

int http_parse_response(const char *buf, size_t len, const char *req_method, size_t mlen,
			struct http_response *res, const char **why)
{
	*why = "HTTP parser not implemented yet";
	return 0;
}

void http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof *c);
}

long http_chunked_feed(struct http_chunked *c, const char *buf, size_t len, int *done,
		       const char **why)
{
	*done = 0;
	return 0;
}

const struct http_header *http_find_header(const struct http_header *h, size_t n,
					   const char *name)
{
	return NULL;
}

size_t http_count_headers(const struct http_header *h, size_t n, const char *name)
{
	return 0;
}

int http_header_has_token(const struct http_header *h, size_t n, const char *name,
			  const char *token)
{
	return 0;
}

int http_is_hop_by_hop(const struct http_header *h, size_t n, struct http_span name)
{
	return 0;
}

int http_parse_authority(const char *s, size_t len, uint16_t default_port, char *host,
			 uint16_t *port, int *port_given, int *is_ipv6, const char **why)
{
	*why = "HTTP parser not implemented yet";
	return -1;
}
