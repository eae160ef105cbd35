/* upstream.c: see upstream.h. */
#include "proxy/upstream.h"
#include "proxy/proto/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/base/base64.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) into out (cap), returns the length or -1. */
static long pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h << 4 | l;
			i += 2;
		}
		if (o >= cap)
			return -1;
		out[o++] = (char)c;
	}
	return (long)o;
}

int upstream_parse_url(const char *url, struct upstream_proxy *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	const char *p = url;
	uint16_t defport = 1080;
	const char *sep = strstr(p, "://");
	if (sep) {
		size_t sl = (size_t)(sep - p);
		if (sl == 4 && strncasecmp(p, "http", 4) == 0) {
			defport = 80;
		} else {
			snprintf(err, errlen,
				 "upstream proxy '%.*s://...': only http:// proxies are supported "
				 "(the connection to the proxy itself is plain; CONNECT carries TLS)",
				 (int)(sl > 16 ? 16 : sl), p);
			return -1;
		}
		p = sep + 3;
	}
	size_t alen = strcspn(p, "/?#");
	if (p[alen] && strcmp(p + alen, "/") != 0) {
		snprintf(err, errlen, "upstream proxy URL must not have a path (only http://host:port)");
		return -1;
	}
	const char *at = memchr(p, '@', alen);
	if (at) {
		/* user:pass, percent-decoded, then base64 for Basic. */
		char cred[384];
		size_t ulen = (size_t)(at - p);
		const char *colon = memchr(p, ':', ulen);
		long n1 = pct_decode(p, colon ? (size_t)(colon - p) : ulen, cred, sizeof cred - 1);
		if (n1 < 0) {
			snprintf(err, errlen, "upstream proxy URL has bad user credentials");
			return -1;
		}
		cred[n1] = ':';
		long n2 = 0;
		if (colon) {
			n2 = pct_decode(colon + 1, ulen - (size_t)(colon + 1 - p), cred + n1 + 1,
					sizeof cred - (size_t)n1 - 1);
			if (n2 < 0) {
				snprintf(err, errlen, "upstream proxy URL has bad user credentials");
				return -1;
			}
		}
		size_t olen;
		memcpy(out->auth, "Basic ", 6);
		if (base64_encode((unsigned char *)cred, (size_t)(n1 + 1 + n2), out->auth + 6,
				  sizeof out->auth - 7, &olen) < 0) {
			snprintf(err, errlen, "upstream proxy credentials too long");
			return -1;
		}
		out->auth[6 + olen] = 0;
		memset(cred, 0, sizeof cred);
		alen -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	/* host[:port], as any authority: the one parser (proxy/proto/http.c). */
	char host[HTTP_MAX_HOST + 3];
	const char *why = "";
	int given, v6;
	if (alen == 0) {
		snprintf(err, errlen, "upstream proxy URL has no host");
		return -1;
	}
	if (http_parse_authority(p, alen, defport, host, &out->port, &given, &v6, &why) < 0) {
		snprintf(err, errlen, "upstream proxy URL: %s", why);
		return -1;
	}
	snprintf(out->host, sizeof out->host, "%s", host);
	snprintf(out->display, sizeof out->display, strchr(out->host, ':') ? "[%s]:%u" : "%s:%u",
		 out->host, out->port);
	return 0;
}

static const char *env2(char *(*get)(const char *), const char *lower, const char *upper)
{
	const char *v = get(lower);
	if (!v || !*v)
		v = get(upper);
	return v && *v ? v : NULL;
}

int upstream_conf_init(struct upstream_conf *c, const char *policy_value,
		       char *(*get)(const char *name), char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	char e[256];
	if (policy_value && strcasecmp(policy_value, "none") == 0) {
		c->source = "none";
		return 0;
	}
	if (policy_value) {
		c->source = "policy";
		if (upstream_parse_url(policy_value, &c->https, e, sizeof e) < 0) {
			snprintf(err, errlen, "[network] upstream_proxy: %s", e);
			return -1;
		}
		c->http = c->https;
		c->has_https = c->has_http = 1;
		return 0;
	}
	c->source = "environment";
	const char *hs = env2(get, "https_proxy", "HTTPS_PROXY");
	const char *h = env2(get, "http_proxy", "HTTP_PROXY");
	const char *np = env2(get, "no_proxy", "NO_PROXY");
	if (hs) {
		if (upstream_parse_url(hs, &c->https, e, sizeof e) < 0) {
			snprintf(err, errlen, "HTTPS_PROXY in the environment: %s "
				 "(fix it, or set [network] upstream_proxy)", e);
			return -1;
		}
		c->has_https = 1;
	}
	if (h) {
		if (upstream_parse_url(h, &c->http, e, sizeof e) < 0) {
			snprintf(err, errlen, "HTTP_PROXY in the environment: %s "
				 "(fix it, or set [network] upstream_proxy)", e);
			return -1;
		}
		c->has_http = 1;
	}
	if (np)
		snprintf(c->no_proxy, sizeof c->no_proxy, "%s", np);
	return 0;
}

/* Whether `host` equals `dom` or is a subdomain of it (both lower-case). */
static int domain_match(const char *host, const char *dom, size_t dl)
{
	size_t hl = strlen(host);
	if (dl == 0 || hl < dl)
		return 0;
	if (strncasecmp(host + hl - dl, dom, dl) != 0)
		return 0;
	return hl == dl || host[hl - dl - 1] == '.';
}

int upstream_no_proxy_match(const char *list, const char *host, uint16_t port)
{
	const char *p = list;
	while (p && *p) {
		p += strspn(p, ", \t");
		size_t n = strcspn(p, ", \t");
		if (n == 0)
			break;
		const char *e = p;
		size_t el = n;
		p += n;
		if (el == 1 && *e == '*')
			return 1;
		if (el >= 2 && e[0] == '*' && e[1] == '.')
			e += 2, el -= 2;
		else if (el >= 1 && e[0] == '.')
			e++, el--;
		/* An optional ":port"; IPv6 literals may be bracketed. */
		long eport = -1;
		if (el && e[0] == '[') {
			const char *rb = memchr(e, ']', el);
			if (!rb)
				continue;
			if ((size_t)(rb - e) + 1 < el && rb[1] == ':')
				eport = atol(rb + 2);
			el = (size_t)(rb - e) - 1;
			e++;
		} else {
			const char *c = memchr(e, ':', el);
			if (c && !memchr(c + 1, ':', el - (size_t)(c - e) - 1)) {
				eport = atol(c + 1);
				el = (size_t)(c - e);
			}
		}
		if (eport >= 0 && eport != port)
			continue;
		if (domain_match(host, e, el))
			return 1;
	}
	return 0;
}

const struct upstream_proxy *upstream_select(const struct upstream_conf *c, int tls,
					     const char *host, uint16_t port)
{
	int has = tls ? c->has_https : c->has_http;
	if (!has)
		return NULL;
	if (c->no_proxy[0] && upstream_no_proxy_match(c->no_proxy, host, port))
		return NULL;
	return tls ? &c->https : &c->http;
}

size_t upstream_connect_request(const struct upstream_proxy *up, const char *host,
				uint16_t port, char *buf, size_t len)
{
	const char *lb = strchr(host, ':') ? "[" : "", *rb = *lb ? "]" : "";
	int n = snprintf(buf, len,
			 "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n%s%s%s"
			 "User-Agent: airlock\r\n\r\n",
			 lb, host, rb, port, lb, host, rb, port, up->auth[0] ? "Proxy-Authorization: " : "",
			 up->auth, up->auth[0] ? "\r\n" : "");
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}
