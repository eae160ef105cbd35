/* http_head.c: what request and response heads share: character classes, CRLF line
 * splitting, field-line checks, and reading the framing headers (RFC 9112 5 and 6).
 */
#include "proxy/proto/http_internal.h"

#include <string.h>

int http_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int http_is_field_char(unsigned char c)
{
	return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int http_span_eq(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	if (n != len)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

int http_next_line(const char *buf, size_t lim, size_t off, size_t *eol, const char **why)
{
	for (size_t i = off; i < lim; i++) {
		if (buf[i] == '\n') {
			/* Some parsers end lines at a bare LF, others do not: refusing it is
			 * the only reading that cannot disagree with the next hop. */
			*why = "bare LF in message head (lines must end with CRLF)";
			return -1;
		}
		if (buf[i] != '\r')
			continue;
		if (i + 1 >= lim)
			return 0;
		if (buf[i + 1] != '\n') {
			*why = "bare CR in message head (lines must end with CRLF)";
			return -1;
		}
		*eol = i;
		return 1;
	}
	return 0;
}

/* Checks one field line "name: value" and records it in *h. */
static int parse_field(const char *line, size_t len, struct http_header *h, const char **why)
{
	size_t i = 0;
	if (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
		/* obs-fold (RFC 9112 5.2), or whitespace between the start-line and the
		 * first field (RFC 9112 2.2): both are refused rather than unfolded. */
		*why = "line folding (obs-fold) or leading whitespace in a header line";
		return -1;
	}
	while (i < len && http_is_tchar((unsigned char)line[i]))
		i++;
	if (i == len) {
		*why = "header line without a colon";
		return -1;
	}
	if (line[i] == ' ' || line[i] == '\t') {
		*why = "whitespace between a header name and its colon";
		return -1;
	}
	if (line[i] != ':') {
		*why = "invalid character in a header name";
		return -1;
	}
	if (i == 0) {
		*why = "empty header name";
		return -1;
	}
	h->name.p = line;
	h->name.len = i;
	size_t v = i + 1, e = len;
	for (size_t k = v; k < len; k++) {
		if (!http_is_field_char((unsigned char)line[k])) {
			*why = "invalid character (control, NUL or DEL) in a header value";
			return -1;
		}
	}
	while (v < e && (line[v] == ' ' || line[v] == '\t'))
		v++;
	while (e > v && (line[e - 1] == ' ' || line[e - 1] == '\t'))
		e--;
	h->value.p = line + v;
	h->value.len = e - v;
	return 0;
}

int http_scan_fields(const char *buf, size_t len, size_t off, struct http_header *h,
		     size_t *n, size_t *end, const char **why)
{
	/* Look only at the first HTTP_MAX_HEAD bytes: a head that has not ended there
	 * is too large however it continues, so the verdict does not depend on how the
	 * bytes were split across reads. */
	size_t lim = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
	*n = 0;
	for (;;) {
		size_t eol;
		int r = http_next_line(buf, lim, off, &eol, why);
		if (r < 0)
			return HTTP_SCAN_INVALID;
		if (r == 0) {
			if (len > lim) {
				*why = "message head larger than 64 KiB";
				return HTTP_SCAN_TOO_LARGE;
			}
			return 0;
		}
		if (eol == off) {
			*end = eol + 2;
			return 1;
		}
		if (*n == HTTP_MAX_HEADERS) {
			*why = "more than 128 header lines";
			return HTTP_SCAN_TOO_MANY;
		}
		if (parse_field(buf + off, eol - off, &h[*n], why) < 0)
			return HTTP_SCAN_INVALID;
		(*n)++;
		off = eol + 2;
	}
}

/* Reads a Content-Length value: 1*DIGIT, nothing else. */
static void scan_cl(struct http_span v, struct http_framing *f)
{
	uint64_t x = 0;
	if (v.len == 0) {
		f->cl_bad = 1;
		return;
	}
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c < '0' || c > '9') {
			f->cl_bad = 1; /* also "5, 5": several values are refused */
			return;
		}
		/* Bounded by 2^63 - 1 so the length fits every signed offset type too. */
		if (x > (UINT64_C(0x7fffffffffffffff) - (c - '0')) / 10) {
			f->cl_overflow = 1;
			return;
		}
		x = x * 10 + (c - '0');
	}
	f->cl = x;
}

/* Reads a Transfer-Encoding list: transfer-coding *( OWS "," OWS transfer-coding ),
 * where a coding is a token with optional ";param" parts (kept, not interpreted). */
static void scan_te(struct http_span v, struct http_framing *f, int *any, int *last_chunked)
{
	size_t i = 0;
	while (i <= v.len) {
		size_t s = i;
		while (i < v.len && v.p[i] != ',')
			i++;
		size_t e = i;
		i++; /* past the comma (or the end) */
		while (s < e && (v.p[s] == ' ' || v.p[s] == '\t'))
			s++;
		while (e > s && (v.p[e - 1] == ' ' || v.p[e - 1] == '\t'))
			e--;
		if (s == e)
			continue; /* empty list elements are allowed (RFC 9110 5.6.1) */
		size_t t = s;
		while (t < e && http_is_tchar((unsigned char)v.p[t]))
			t++;
		size_t name_end = t;
		while (t < e && (v.p[t] == ' ' || v.p[t] == '\t'))
			t++;
		if (name_end == s || (t < e && v.p[t] != ';')) {
			f->te_bad = 1;
			return;
		}
		const char *name = v.p + s;
		size_t nlen = name_end - s;
		*any = 1;
		if (http_span_eq(name, nlen, "chunked")) {
			if (t < e) { /* chunked takes no parameters */
				f->te_bad = 1;
				return;
			}
			f->chunked_count++;
			*last_chunked = 1;
		} else {
			*last_chunked = 0;
			if (!http_span_eq(name, nlen, "gzip") && !http_span_eq(name, nlen, "deflate") &&
			    !http_span_eq(name, nlen, "compress") &&
			    !http_span_eq(name, nlen, "x-gzip") &&
			    !http_span_eq(name, nlen, "x-compress"))
				f->te_unknown = 1;
		}
	}
}

void http_framing_scan(const struct http_header *h, size_t n, struct http_framing *f)
{
	int any = 0, last_chunked = 0;
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < n; i++) {
		if (http_span_eq(h[i].name.p, h[i].name.len, "content-length")) {
			f->n_cl++;
			scan_cl(h[i].value, f);
		} else if (http_span_eq(h[i].name.p, h[i].name.len, "transfer-encoding")) {
			f->n_te++;
			scan_te(h[i].value, f, &any, &last_chunked);
		}
	}
	if (f->n_te && !any)
		f->te_bad = 1;
	f->chunked_last = last_chunked;
}

int http_parse_version(const char *s, size_t len, int *minor)
{
	if (len != 8 || memcmp(s, "HTTP/", 5) != 0 || s[6] != '.' || s[5] < '0' || s[5] > '9' ||
	    s[7] < '0' || s[7] > '9')
		return -1;
	if (s[5] != '1')
		return 0;
	*minor = s[7] - '0';
	return 1;
}
