/* http.c: header look-ups and authority ("host[:port]") parsing, for the parsers
 * and for the proxy (see http.h).
 */
#include "proxy/proto/http.h"
#include "proxy/proto/http_internal.h"

#include <arpa/inet.h>
#include <string.h>

const struct http_header *http_find_header(const struct http_header *h, size_t n,
					   const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (http_span_eq(h[i].name.p, h[i].name.len, name))
			return &h[i];
	return NULL;
}

size_t http_count_headers(const struct http_header *h, size_t n, const char *name)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (http_span_eq(h[i].name.p, h[i].name.len, name))
			k++;
	return k;
}

/* Whether the comma-separated list v holds tok[0..toklen) as an element. */
static int list_has(struct http_span v, const char *tok, size_t toklen)
{
	size_t i = 0;
	if (toklen == 0)
		return 0; /* empty list elements are noise, not a token */
	while (i <= v.len) {
		size_t s = i;
		while (i < v.len && v.p[i] != ',')
			i++;
		size_t e = i++;
		while (s < e && (v.p[s] == ' ' || v.p[s] == '\t'))
			s++;
		while (e > s && (v.p[e - 1] == ' ' || v.p[e - 1] == '\t'))
			e--;
		if (e - s != toklen)
			continue;
		size_t k = 0;
		while (k < toklen) {
			unsigned char a = (unsigned char)v.p[s + k], b = (unsigned char)tok[k];
			if (a >= 'A' && a <= 'Z')
				a += 'a' - 'A';
			if (b >= 'A' && b <= 'Z')
				b += 'a' - 'A';
			if (a != b)
				break;
			k++;
		}
		if (k == toklen)
			return 1;
	}
	return 0;
}

int http_header_has_token(const struct http_header *h, size_t n, const char *name,
			  const char *token)
{
	for (size_t i = 0; i < n; i++)
		if (http_span_eq(h[i].name.p, h[i].name.len, name) &&
		    list_has(h[i].value, token, strlen(token)))
			return 1;
	return 0;
}

int http_is_hop_by_hop(const struct http_header *h, size_t n, struct http_span name)
{
	static const char *const fixed[] = {
		"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
		"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (http_span_eq(name.p, name.len, fixed[i]))
			return 1;
	if (name.len == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (http_span_eq(h[i].name.p, h[i].name.len, "connection") &&
		    list_has(h[i].value, name.p, name.len))
			return 1;
	return 0;
}

/* Whether s[0..len) is a canonical dotted quad: four decimal parts 0..255 without
 * leading zeros. */
static int is_dotted_quad(const char *s, size_t len)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		size_t st = i;
		unsigned v = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - st < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == st || v > 255 || (i - st > 1 && s[st] == '0'))
			return 0;
	}
	return i == len;
}

/* Whether the label s[0..len) reads as a number to inet_aton-style parsers: all decimal
 * digits, or 0x followed by hex digits. */
static int label_is_numeric(const char *s, size_t len)
{
	size_t i = 0;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		i = 2;
		for (; i < len; i++) {
			char c = s[i];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			      (c >= 'A' && c <= 'F')))
				return 0;
		}
		return 1;
	}
	if (len == 0)
		return 0;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Checks and copies a host name (not an IPv6 literal) into host[]. */
static int parse_name(const char *s, size_t len, char *host, const char **why)
{
	if (len > 0 && s[len - 1] == '.')
		len--; /* "example.com." names the same host as "example.com" */
	if (len == 0) {
		*why = "empty host";
		return -1;
	}
	if (len > HTTP_MAX_HOST) {
		*why = "host name longer than 253 characters";
		return -1;
	}
	size_t label = 0, last = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0) {
				*why = "empty label in host name (\"..\" or a leading dot)";
				return -1;
			}
			label = 0;
			last = i + 1;
			host[i] = '.';
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_')) {
			*why = "invalid character in host (letters, digits, '-', '.', '_' only)";
			return -1;
		}
		if (++label > 63) {
			*why = "host name label longer than 63 characters";
			return -1;
		}
		host[i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
	}
	if (label == 0) {
		*why = "empty label in host name (\"..\" or a leading dot)";
		return -1;
	}
	host[len] = 0;
	/* "127.1", "2130706433" or "0x7f.0.0.1" are read as IPv4 addresses by
	 * inet_aton and by browsers' URL parsers, but are not dotted quads to a policy
	 * that matches names: such a host must be written as a plain dotted quad. */
	if (label_is_numeric(s + last, len - last) && !is_dotted_quad(s, len)) {
		*why = "numeric host that is not a dotted-quad IPv4 address";
		return -1;
	}
	return 0;
}

/* Checks and copies the inside of "[...]" into host[]. */
static int parse_ipv6(const char *s, size_t len, char *host, const char **why)
{
	char tmp[64];
	unsigned char bin[16];
	if (len == 0 || len >= sizeof tmp) {
		*why = "invalid IPv6 literal in host";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		      c == ':' || c == '.')) {
			/* Zone identifiers ("%25eth0") name an interface of the proxy's host:
			 * never meaningful from inside a sandbox. */
			*why = "invalid IPv6 literal in host";
			return -1;
		}
		tmp[i] = (c >= 'A' && c <= 'F') ? (char)(c + ('a' - 'A')) : c;
	}
	tmp[len] = 0;
	if (inet_pton(AF_INET6, tmp, bin) != 1) {
		*why = "invalid IPv6 literal in host";
		return -1;
	}
	memcpy(host, tmp, len + 1);
	return 0;
}

int http_parse_authority(const char *s, size_t len, uint16_t default_port, char *host,
			 uint16_t *port, int *port_given, int *is_ipv6, const char **why)
{
	size_t hend;
	const char *rest;
	size_t rlen;
	host[0] = 0;
	*is_ipv6 = 0;
	if (memchr(s, '@', len)) {
		*why = "userinfo (user@host) in an authority is not allowed";
		return -1;
	}
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close) {
			*why = "IPv6 literal without a closing ']'";
			return -1;
		}
		hend = (size_t)(close - s);
		if (parse_ipv6(s + 1, hend - 1, host, why) < 0)
			return -1;
		*is_ipv6 = 1;
		rest = close + 1;
		rlen = len - hend - 1;
		if (rlen > 0 && rest[0] != ':') {
			*why = "unexpected characters after an IPv6 literal";
			return -1;
		}
	} else {
		const char *colon = memchr(s, ':', len);
		hend = colon ? (size_t)(colon - s) : len;
		if (parse_name(s, hend, host, why) < 0)
			return -1;
		rest = s + hend;
		rlen = len - hend;
	}
	if (rlen == 0) {
		*port = default_port;
		*port_given = 0;
		return 0;
	}
	/* rest[0] is ':' */
	if (rlen == 1) {
		*why = "empty port after ':'";
		return -1;
	}
	unsigned v = 0;
	for (size_t i = 1; i < rlen; i++) {
		if (rest[i] < '0' || rest[i] > '9') {
			*why = "port is not a number";
			return -1;
		}
		v = v * 10 + (unsigned)(rest[i] - '0');
		if (v > 65535)
			v = 65536; /* saturate: any longer number is out of range too */
	}
	if (v == 0 || v > 65535) {
		*why = "port out of range (1-65535)";
		return -1;
	}
	*port = (uint16_t)v;
	*port_given = 1;
	return 0;
}
