/* http_internal.h: pieces shared by the request and response head parsers (http_head.c).
 * Not for use outside proxy/http*.c: the public API is proxy/proto/http.h.
 */
#ifndef AIRLOCK_HTTP_INTERNAL_H
#define AIRLOCK_HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/proto/http.h"

/* RFC 9110 5.6.2 tchar: the characters of a token (method, header name, coding). */
int http_is_tchar(unsigned char c);

/* Whether c may appear in a field value: VCHAR, obs-text, SP or HTAB (RFC 9110 5.5). */
int http_is_field_char(unsigned char c);

/* Case-insensitive comparison of a span with a NUL-terminated ASCII string. */
int http_span_eq(const char *s, size_t len, const char *lit);

/* Finds the line that starts at buf[off], looking no further than buf[lim). Returns 1
 * with *eol = index of its CR (the line is buf[off..*eol), the next starts at *eol + 2),
 * 0 when its CRLF has not arrived yet, -1 with *why on a bare CR or bare LF. */
int http_next_line(const char *buf, size_t lim, size_t off, size_t *eol, const char **why);

/* Outcomes of http_scan_fields() besides 1 (done) and 0 (need more). */
enum {
	HTTP_SCAN_INVALID = -1,   /* a malformed field line; *why says how */
	HTTP_SCAN_TOO_MANY = -2,  /* more than HTTP_MAX_HEADERS field lines */
	HTTP_SCAN_TOO_LARGE = -3, /* the head does not fit in HTTP_MAX_HEAD bytes */
};

/* Reads the field lines of a head from buf[off..len) into h[] (*n of them), up to the
 * empty line that ends the head. Each complete line is checked as soon as it is there, so
 * an error is found before the rest of the head arrives. Returns 1 with *end = the head's
 * length, 0 when more bytes are needed, or an HTTP_SCAN_* error. */
int http_scan_fields(const char *buf, size_t len, size_t off, struct http_header *h,
		     size_t *n, size_t *end, const char **why);

/* What the Content-Length and Transfer-Encoding headers of a head say (RFC 9112 6). */
struct http_framing {
	size_t n_cl;        /* Content-Length field lines */
	int cl_bad;         /* a value that is not 1*DIGIT (including "5, 5") */
	int cl_overflow;    /* a value beyond 2^63 - 1 */
	uint64_t cl;        /* the value, when n_cl == 1 and it is valid */
	size_t n_te;        /* Transfer-Encoding field lines */
	int te_bad;         /* a coding that is not a token, or no coding at all */
	int te_unknown;     /* a coding other than chunked/gzip/deflate/compress/x-* */
	int chunked_count;  /* how many times "chunked" is listed */
	int chunked_last;   /* "chunked" is the final coding */
};

/* Fills *f from the headers h[0..n). */
void http_framing_scan(const struct http_header *h, size_t n, struct http_framing *f);

/* Parses "HTTP/x.y" (exactly 8 bytes, case-sensitive). Returns 1 for HTTP/1.y with
 * *minor = y, 0 for another major version (e.g. HTTP/2.0), -1 for anything else. */
int http_parse_version(const char *s, size_t len, int *minor);

#endif
