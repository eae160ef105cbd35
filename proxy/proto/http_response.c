/* http_response.c: the response-head parser (RFC 9112 4, 6.3; see http.h). Every
 * refusal is -502: the proxy answers its client "Bad Gateway" and names the reason.
 */
#include "proxy/proto/http.h"
#include "proxy/proto/http_internal.h"

#include <string.h>

/* HTTP-version SP 3DIGIT [ SP reason-phrase ] (RFC 9112 4; the reason may be absent). */
static int parse_status_line(const char *line, size_t len, struct http_response *res,
			     const char **why)
{
	int v = http_parse_version(line, len < 8 ? len : 8, &res->version_minor);
	if (v == 0) {
		*why = "upstream answered with an HTTP version other than 1.x";
		return -502;
	}
	if (v < 0 || len < 12 || line[8] != ' ') {
		*why = "malformed status-line from upstream";
		return -502;
	}
	int st = 0;
	for (size_t i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9') {
			*why = "malformed status code from upstream";
			return -502;
		}
		st = st * 10 + (line[i] - '0');
	}
	if (st < 100) {
		*why = "status code below 100 from upstream";
		return -502;
	}
	res->status = st;
	res->reason.p = line + len;
	res->reason.len = 0;
	if (len == 12)
		return 0;
	if (line[12] != ' ') {
		*why = "malformed status code from upstream";
		return -502;
	}
	for (size_t i = 13; i < len; i++) {
		if (!http_is_field_char((unsigned char)line[i])) {
			*why = "invalid character in the reason phrase from upstream";
			return -502;
		}
	}
	res->reason.p = line + 13;
	res->reason.len = len - 13;
	return 0;
}

/* Body framing of a response (RFC 9112 6.3), refusing ambiguous combinations. */
static int check_framing(struct http_response *res, const char *m, size_t mlen,
			 const char **why)
{
	struct http_framing f;
	http_framing_scan(res->headers, res->nheaders, &f);
	if (f.n_te) {
		if (res->version_minor == 0) {
			*why = "Transfer-Encoding in an HTTP/1.0 response from upstream";
			return -502;
		}
		if (f.n_cl) {
			*why = "upstream sent both Content-Length and Transfer-Encoding";
			return -502;
		}
		if (f.te_bad) {
			*why = "malformed Transfer-Encoding from upstream";
			return -502;
		}
		if (f.chunked_count > 1) {
			*why = "upstream applied chunked transfer coding more than once";
			return -502;
		}
	} else if (f.n_cl) {
		if (f.n_cl > 1) {
			*why = "more than one Content-Length header from upstream";
			return -502;
		}
		if (f.cl_bad) {
			*why = "Content-Length from upstream is not a single decimal number";
			return -502;
		}
		if (f.cl_overflow) {
			*why = "Content-Length from upstream too large";
			return -502;
		}
	}
	int st = res->status;
	int is_head = mlen == 4 && memcmp(m, "HEAD", 4) == 0;
	int is_connect = mlen == 7 && memcmp(m, "CONNECT", 7) == 0;
	res->content_length = 0;
	if (is_head || st < 200 || st == 204 || st == 304 || (is_connect && st < 300))
		res->body = HTTP_BODY_NONE;
	else if (f.n_te)
		res->body = f.chunked_last ? HTTP_BODY_CHUNKED : HTTP_BODY_UNTIL_CLOSE;
	else if (f.n_cl) {
		res->content_length = f.cl;
		res->body = f.cl ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	} else
		res->body = HTTP_BODY_UNTIL_CLOSE;
	return 0;
}

int http_parse_response(const char *buf, size_t len, const char *req_method, size_t mlen,
			struct http_response *res, const char **why)
{
	size_t lim = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD, eol, end;
	*why = "";
	memset(res, 0, sizeof *res);
	int r = http_next_line(buf, lim, 0, &eol, why);
	if (r < 0)
		return -502;
	if (r == 0) {
		if (len > lim) {
			*why = "response head from upstream larger than 64 KiB";
			return -502;
		}
		return 0;
	}
	if ((r = parse_status_line(buf, eol, res, why)) < 0)
		return r;
	r = http_scan_fields(buf, len, eol + 2, res->headers, &res->nheaders, &end, why);
	if (r < 0)
		return -502;
	if (r == 0)
		return 0;
	if ((r = check_framing(res, req_method, mlen, why)) < 0)
		return r;
	const struct http_header *h = res->headers;
	size_t n = res->nheaders;
	int close = http_header_has_token(h, n, "connection", "close");
	int ka = http_header_has_token(h, n, "connection", "keep-alive");
	res->keep_alive = res->version_minor >= 1 ? !close : (ka && !close);
	if (res->body == HTTP_BODY_UNTIL_CLOSE)
		res->keep_alive = 0;
	return (int)end;
}
