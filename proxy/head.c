/* head.c: the origin-form rewrite of a request head (see proxy_int.h): the
 * request-line with the path, Host from the target, hop-by-hop headers dropped, every
 * placeholder in the target and header values through the secret rewriter. I/O-free.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy/proxy_int.h"

static int span_is(struct http_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && strncasecmp(s.p, lit, n) == 0;
}

static int put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
	if (*pos + n > cap)
		return -1;
	memcpy(out + *pos, s, n);
	*pos += n;
	return 0;
}

/* Appends one field, through the secret rewriter when there is one. 0, -1 (no room)
 * or -2 (refused). */
static int put_field(char *out, size_t cap, size_t *pos, struct head_secrets *sx,
		     enum secrets_field kind, const struct http_span *name, const char *s,
		     size_t n)
{
	if (!sx)
		return put(out, cap, pos, s, n);
	char hname[128] = "";
	if (name)
		snprintf(hname, sizeof hname, "%.*s", (int)name->len, name->p);
	size_t w = 0;
	int r = secrets_rewrite(sx->store, sx->host, sx->tls, kind, hname, s, n, out + *pos,
				cap - *pos, &w, &sx->res);
	if (r == 1)
		return -2;
	if (r < 0)
		return -1;
	*pos += w;
	return 0;
}

/* A header airlock drops (hop-by-hop, or any header of a CONNECT) is never sent, yet a
 * placeholder in it must be one the host may receive, as anywhere else in the head:
 * otherwise Proxy-Authorization would be the one place where a placeholder bound
 * elsewhere passes without a 403. A placeholder the host may receive goes nowhere:
 * the header is dropped, nothing is injected (so the plain-http:// rule, which is about
 * the wire, does not apply). 0, or -2 with sx->res holding the refusal. */
static int check_dropped(struct head_secrets *sx, const struct http_span *name, const char *s,
			 size_t n)
{
	if (!sx)
		return 0;
	char hname[128];
	snprintf(hname, sizeof hname, "%.*s", (int)name->len, name->p);
	struct secrets_result res;
	secrets_result_init(&res);
	char junk[256];
	size_t w;
	int r = secrets_rewrite(sx->store, sx->host, 1, SECRETS_HEADER, hname, s, n, junk,
				sizeof junk, &w, &res);
	explicit_bzero(junk, sizeof junk);
	if (r != 1)
		return 0;
	if (!sx->res.refused) {
		sx->res.refused = 1;
		memcpy(sx->res.reason, res.reason, sizeof res.reason);
	}
	return -2;
}

int head_check_dropped(const struct http_request *req, struct head_secrets *sx)
{
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		if (check_dropped(sx, &h->name, h->value.p, h->value.len))
			return -2;
	}
	return 0;
}

long head_rewrite(const struct http_request *req, struct head_secrets *sx, char *out,
			  size_t cap)
{
	size_t pos = 0;
	char line[HTTP_MAX_HOST + 64];
	int r;
	if (put(out, cap, &pos, req->method.p, req->method.len) || put(out, cap, &pos, " ", 1))
		return -1;
	if ((r = put_field(out, cap, &pos, sx, SECRETS_TARGET, NULL, req->path.p, req->path.len)))
		return r;
	int n = snprintf(line, sizeof line, " HTTP/1.%d\r\n", req->version_minor);
	if (put(out, cap, &pos, line, (size_t)n))
		return -1;
	/* Host from the target (RFC 9112 3.2.2), never the client's own Host line. */
	const char *lb = req->host_is_ipv6 ? "[" : "", *rb = req->host_is_ipv6 ? "]" : "";
	if (req->port_given && req->port != 80)
		n = snprintf(line, sizeof line, "Host: %s%s%s:%u\r\n", lb, req->host, rb, req->port);
	else
		n = snprintf(line, sizeof line, "Host: %s%s%s\r\n", lb, req->host, rb);
	if (put(out, cap, &pos, line, (size_t)n))
		return -1;
	size_t lines = 1 + (req->upgrade != 0); /* Host, and Connection: upgrade */
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		if (span_is(h->name, "Host"))
			continue;
		if (sx && sx->identity && span_is(h->name, "Accept-Encoding"))
			continue; /* replaced below */
		if (sx && sx->reframe &&
		    (span_is(h->name, "Content-Length") || span_is(h->name, "Transfer-Encoding") ||
		     span_is(h->name, "Trailer") || span_is(h->name, "Expect")))
			continue; /* body_inject.h frames the body anew */
		/* The body is relayed exactly as framed, so its framing headers stay. */
		int keep = span_is(h->name, "Transfer-Encoding") || span_is(h->name, "Trailer") ||
			   span_is(h->name, "Content-Length") ||
			   (req->upgrade && span_is(h->name, "Upgrade"));
		if (!keep && http_is_hop_by_hop(req->headers, req->nheaders, h->name)) {
			if (check_dropped(sx, &h->name, h->value.p, h->value.len))
				return -2;
			continue;
		}
		/* Host is added from the target: with the lines kept, the head must still be
		 * one that airlock (and so, likely, the upstream) accepts. */
		if (++lines > HTTP_MAX_HEADERS)
			return -1;
		if (put(out, cap, &pos, h->name.p, h->name.len) || put(out, cap, &pos, ": ", 2))
			return -1;
		if ((r = put_field(out, cap, &pos, sx, SECRETS_HEADER, &h->name, h->value.p,
				   h->value.len)))
			return r;
		if (put(out, cap, &pos, "\r\n", 2))
			return -1;
	}
	if (req->upgrade && put(out, cap, &pos, "Connection: upgrade\r\n", 21))
		return -1;
	if (sx && sx->identity && put(out, cap, &pos, "Accept-Encoding: identity\r\n", 27))
		return -1;
	if (put(out, cap, &pos, "\r\n", 2))
		return -1;
	return (long)pos;
}
