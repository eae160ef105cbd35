/* http_request.c: the request-head parser (RFC 9112 3, 6; see http.h for the choices). */
#include "proxy/proto/http.h"
#include "proxy/proto/http_internal.h"

#include <string.h>

/* A request-line longer than this is 414 even before it is complete: method, two
 * spaces and the version take far fewer than the 64 bytes beyond the target limit. */
#define REQUEST_LINE_MAX (HTTP_MAX_TARGET + 64)

static int has_prefix_ci(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	return len >= n && http_span_eq(s, n, lit);
}

/* METHOD SP request-target SP HTTP-version: exactly one space each (RFC 9112 3). */
static int parse_request_line(const char *line, size_t len, struct http_request *req,
			      const char **why)
{
	size_t i = 0;
	while (i < len && http_is_tchar((unsigned char)line[i]))
		i++;
	if (i == 0 || i == len || line[i] != ' ') {
		*why = i == len ? "request-line is not METHOD SP TARGET SP HTTP-VERSION"
				: "invalid or missing method in the request-line";
		return -400;
	}
	req->method.p = line;
	req->method.len = i;
	size_t t = i + 1, j = t;
	while (j < len && line[j] >= 0x21 && line[j] <= 0x7e)
		j++;
	if (j == t) {
		*why = "empty request-target (or more than one space after the method)";
		return -400;
	}
	if (j - t > HTTP_MAX_TARGET) {
		*why = "request-target longer than 16 KiB";
		return -414;
	}
	if (j == len) {
		*why = "request-line has no HTTP version (HTTP/0.9 is not supported)";
		return -400;
	}
	if (line[j] != ' ') {
		*why = "invalid character (control, space or non-ASCII) in the request-target";
		return -400;
	}
	req->target.p = line + t;
	req->target.len = j - t;
	int v = http_parse_version(line + j + 1, len - j - 1, &req->version_minor);
	if (v == 0) {
		*why = "HTTP version not supported (only HTTP/1.0 and HTTP/1.1)";
		return -505;
	}
	if (v < 0) {
		*why = "malformed HTTP version in the request-line (expected HTTP/1.1)";
		return -400;
	}
	return 0;
}

/* Classifies the target and, where it carries an authority, fills host/port/path. */
static int parse_target(struct http_request *req, const char **why)
{
	const char *t = req->target.p;
	size_t n = req->target.len;
	req->is_connect = req->method.len == 7 && memcmp(req->method.p, "CONNECT", 7) == 0;
	if (memchr(t, '#', n)) {
		*why = "fragment ('#') in the request-target";
		return -400;
	}
	if (req->is_connect) {
		if (t[0] == '/' || memmem(t, n, "://", 3)) {
			*why = "CONNECT needs an authority-form target (host:port)";
			return -400;
		}
		req->form = HTTP_TARGET_AUTHORITY;
		req->path.p = t + n;
		req->path.len = 0;
		if (http_parse_authority(t, n, 443, req->host, &req->port, &req->port_given,
					 &req->host_is_ipv6, why) < 0)
			return -400;
		return 0;
	}
	if (n == 1 && t[0] == '*') {
		if (!(req->method.len == 7 && memcmp(req->method.p, "OPTIONS", 7) == 0)) {
			*why = "the '*' request-target is for OPTIONS only";
			return -400;
		}
		req->form = HTTP_TARGET_ASTERISK;
		req->path = req->target;
		return 0;
	}
	if (t[0] == '/') {
		req->form = HTTP_TARGET_ORIGIN;
		req->path = req->target;
		return 0;
	}
	if (has_prefix_ci(t, n, "https://")) {
		*why = "https:// URL in absolute-form: a client must use CONNECT for TLS";
		return -400;
	}
	if (!has_prefix_ci(t, n, "http://")) {
		*why = memmem(t, n, "://", 3)
			       ? "only http:// URLs can be proxied (CONNECT for anything else)"
			       : "request-target must be /path, http://host/path, or host:port "
				 "with CONNECT";
		return -400;
	}
	req->form = HTTP_TARGET_ABSOLUTE;
	size_t a = 7, e = 7;
	while (e < n && t[e] != '/' && t[e] != '?')
		e++;
	if (http_parse_authority(t + a, e - a, 80, req->host, &req->port, &req->port_given,
				 &req->host_is_ipv6, why) < 0)
		return -400;
	if (e == n) {
		req->path.p = "/"; /* "http://host" means "/" (RFC 9112 3.2.1) */
		req->path.len = 1;
	} else if (t[e] == '?') {
		/* Valid as a URI, but no client sends it and the path to forward would
		 * have to be rewritten; refused rather than guessed. */
		*why = "absolute-form URL with a query but no path (send http://host/?query)";
		return -400;
	} else {
		req->path.p = t + e;
		req->path.len = n - e;
	}
	return 0;
}

/* Host header rules (RFC 9112 3.2): at most one, valid, required in HTTP/1.1 except
 * with CONNECT; for origin- and asterisk-form it names the destination. */
static int check_host(struct http_request *req, const char **why)
{
	size_t k = http_count_headers(req->headers, req->nheaders, "host");
	if (k > 1) {
		*why = "more than one Host header";
		return -400;
	}
	if (k == 0) {
		if (req->version_minor >= 1 && req->form != HTTP_TARGET_AUTHORITY) {
			*why = "HTTP/1.1 request without a Host header";
			return -400;
		}
		if (req->form == HTTP_TARGET_ORIGIN || req->form == HTTP_TARGET_ASTERISK) {
			req->host[0] = 0;
			req->port = 0;
			req->port_given = 0;
			req->host_is_ipv6 = 0;
		}
		return 0;
	}
	const struct http_header *h = http_find_header(req->headers, req->nheaders, "host");
	char host[HTTP_MAX_HOST + 3];
	uint16_t port;
	int given, v6;
	const char *hwhy;
	if (http_parse_authority(h->value.p, h->value.len, 0, host, &port, &given, &v6,
				 &hwhy) < 0) {
		*why = "invalid Host header (want a host name or [IPv6], optional :port 1-65535)";
		return -400;
	}
	if (req->form == HTTP_TARGET_ORIGIN || req->form == HTTP_TARGET_ASTERISK) {
		memcpy(req->host, host, sizeof host);
		req->port = port;
		req->port_given = given;
		req->host_is_ipv6 = v6;
	}
	return 0;
}

/* Body framing (RFC 9112 6.1-6.3), refusing every ambiguous combination. */
static int check_framing(struct http_request *req, const char **why)
{
	struct http_framing f;
	http_framing_scan(req->headers, req->nheaders, &f);
	req->content_length = 0;
	req->body = HTTP_BODY_NONE;
	if (f.n_te) {
		if (req->version_minor == 0) {
			*why = "Transfer-Encoding in an HTTP/1.0 request";
			return -400;
		}
		if (f.n_cl) {
			*why = "both Content-Length and Transfer-Encoding (request smuggling risk)";
			return -400;
		}
		if (f.te_bad) {
			*why = "malformed Transfer-Encoding";
			return -400;
		}
		/* Framing first: a request whose last coding is not chunked has no length a
		 * server can find (RFC 9112 6.3 point 4: 400, whatever else it names). */
		if (f.chunked_count > 1) {
			*why = "chunked transfer coding applied more than once";
			return -400;
		}
		if (!f.chunked_last) {
			*why = "Transfer-Encoding of a request must end with chunked";
			return -400;
		}
		if (f.te_unknown) {
			*why = "unsupported transfer coding (chunked, after gzip/deflate/compress)";
			return -501;
		}
		req->body = HTTP_BODY_CHUNKED;
	} else if (f.n_cl) {
		if (f.n_cl > 1) {
			*why = "more than one Content-Length header";
			return -400;
		}
		if (f.cl_bad) {
			*why = "Content-Length is not a single decimal number";
			return -400;
		}
		if (f.cl_overflow) {
			*why = "Content-Length too large";
			return -400;
		}
		req->content_length = f.cl;
		req->body = f.cl ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	}
	if (req->is_connect && req->body != HTTP_BODY_NONE) {
		*why = "CONNECT request with a body";
		return -400;
	}
	return 0;
}

/* Connection, Upgrade and Expect (RFC 9112 9.3, RFC 9110 7.8, 10.1.1). */
static int check_connection(struct http_request *req, const char **why)
{
	const struct http_header *h = req->headers;
	size_t n = req->nheaders;
	int close = http_header_has_token(h, n, "connection", "close");
	int ka = http_header_has_token(h, n, "connection", "keep-alive");
	req->keep_alive = req->version_minor >= 1 ? !close : (ka && !close);
	/* RFC 9110 7.8: Upgrade in an HTTP/1.0 request is ignored. */
	req->upgrade = req->version_minor >= 1 && http_header_has_token(h, n, "connection", "upgrade") &&
		       http_find_header(h, n, "upgrade") != NULL;
	req->expect_continue = 0;
	for (size_t i = 0; i < n; i++) {
		if (!http_span_eq(h[i].name.p, h[i].name.len, "expect"))
			continue;
		if (!http_span_eq(h[i].value.p, h[i].value.len, "100-continue")) {
			*why = "Expect other than 100-continue";
			return -417;
		}
		/* RFC 9110 10.1.1: ignored in an HTTP/1.0 request. */
		req->expect_continue = req->version_minor >= 1;
	}
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req,
		       const char **why)
{
	size_t lim = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD, off = 0, eol, end;
	*why = "";
	memset(req, 0, sizeof *req);
	/* RFC 9112 2.2: empty lines before the request-line are skipped. */
	while (off + 1 < lim && buf[off] == '\r' && buf[off + 1] == '\n')
		off += 2;
	int r = http_next_line(buf, lim, off, &eol, why);
	if (r < 0)
		return -400;
	if (r == 0) {
		if (lim - off > REQUEST_LINE_MAX) {
			*why = "request-line longer than 16 KiB";
			return -414;
		}
		if (len > lim) {
			*why = "message head larger than 64 KiB";
			return -431;
		}
		return 0;
	}
	if (eol - off > REQUEST_LINE_MAX) {
		*why = "request-line longer than 16 KiB";
		return -414;
	}
	if ((r = parse_request_line(buf + off, eol - off, req, why)) < 0)
		return r;
	if ((r = parse_target(req, why)) < 0)
		return r;
	r = http_scan_fields(buf, len, eol + 2, req->headers, &req->nheaders, &end, why);
	if (r == HTTP_SCAN_INVALID)
		return -400;
	if (r == HTTP_SCAN_TOO_MANY || r == HTTP_SCAN_TOO_LARGE)
		return -431;
	if (r == 0)
		return 0;
	if ((r = check_host(req, why)) < 0 || (r = check_framing(req, why)) < 0 ||
	    (r = check_connection(req, why)) < 0)
		return r;
	return (int)end;
}
