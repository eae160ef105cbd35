/* forward.c: absolute-form http:// requests and the decision for every request head
 * (CONNECT included). The head is rewritten to origin-form in place; request and
 * response bodies are streamed as they arrive, their framing (Content-Length or
 * chunked, validated by proxy/proto/http.h) tracked only to know where each message ends, so
 * keep-alive, pipelining, `Expect: 100-continue` and `Upgrade` (relay after 101) work.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/base/addr.h"
#include "proxy/proxy_int.h"
#include "policy/http_rules.h"
#include "policy/policy_reload.h"

static int inner_request(struct conn *c, const struct http_request *req,
			 struct http_request *out);
static void send_request(struct conn *c, const struct http_request *req, size_t len);
static void refuse_secret(struct conn *c, const struct secrets_result *res);
static const struct secret_store no_secrets;

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

int forward_check_dropped_head(const struct http_request *req, struct head_secrets *sx)
{
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		if (check_dropped(sx, &h->name, h->value.p, h->value.len))
			return -2;
	}
	return 0;
}

long forward_rewrite_head(const struct http_request *req, struct head_secrets *sx, char *out,
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
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		if (span_is(h->name, "Host"))
			continue;
		/* The body is relayed exactly as framed, so its framing headers stay. */
		int keep = span_is(h->name, "Transfer-Encoding") || span_is(h->name, "Trailer") ||
			   span_is(h->name, "Content-Length") ||
			   (req->upgrade && span_is(h->name, "Upgrade"));
		if (!keep && http_is_hop_by_hop(req->headers, req->nheaders, h->name)) {
			if (check_dropped(sx, &h->name, h->value.p, h->value.len))
				return -2;
			continue;
		}
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
	if (put(out, cap, &pos, "\r\n", 2))
		return -1;
	return (long)pos;
}

static int is_ip_literal(const char *host, int is_v6)
{
	unsigned char b[16];
	return is_v6 || addr_parse_literal(host, b) != 0;
}

void forward_request(struct conn *c, const struct http_request *req, size_t len)
{
	struct proxy *p = c->p;
	c->txn_start = loop_now(p->loop);
	c->bytes_up = c->up.end - c->up.start; /* the head and what came with it */
	c->bytes_down = 0;
	c->status = 0;
	c->audited = 0;
	c->resp_started = 0;
	c->injected = 0;
	c->basic_sent_len = 0;
	snprintf(c->method, sizeof c->method, "%.*s", (int)req->method.len, req->method.p);
	size_t pl = req->path.len < sizeof c->path - 1 ? req->path.len : sizeof c->path - 1;
	memcpy(c->path, req->path.p, pl);
	c->path[pl] = 0;
	if (c->mitm) {
		/* Inside TLS terminated for an `allow` host: decided at CONNECT. */
		c->tun_requests++;
		struct http_request inner;
		if (inner_request(c, req, &inner) == 0)
			send_request(c, &inner, len);
		return;
	}
	c->rule = NULL;
	c->action = ACTION_DENY;
	snprintf(c->host, sizeof c->host, "%s", req->host);
	c->port = req->port;
	c->is_connect = req->is_connect;

	uint16_t defport;
	if (req->is_connect) {
		defport = 443;
	} else if (req->form == HTTP_TARGET_ABSOLUTE) {
		defport = 80;
	} else {
		conn_fail(c, 400, "not-a-proxy-request", "error",
			  "airlock is an HTTP proxy: send CONNECT host:port, or a request with an "
			  "absolute http:// URL (GET http://host/path).\n");
		return;
	}
	if (c->port == 0)
		c->port = defport;
	int literal = is_ip_literal(c->host, req->host_is_ipv6);
	const struct policy_host_rule *rule = NULL;
	enum policy_action a = policy_decide(p->policy, c->host, c->port, defport, &rule);
	if (a != ACTION_DENY && literal && rule && rule->wildcard)
		a = ACTION_DENY; /* "*.x" names hosts, never an address */
	if (a == ACTION_DENY) {
		char body[1400];
		deny_policy_body(body, sizeof body, c->method, c->host, c->port, defport, literal);
		const char *why = literal ? "IP address not allowed literally in [network]"
					  : "not in [network] allow";
		proxy_notice_denial(p, c->method, c->host, c->port, why);
		conn_fail(c, 403, literal ? "ip-literal" : "not-allowed", "deny", body);
		return;
	}
	if (a == ACTION_ALLOW && req->is_connect && !policy_ca_covers(p->first_policy, c->host)) {
		char body[1400];
		snprintf(body, sizeof body,
			 "airlock refused CONNECT %s:%u: %s was allowed by a policy reload, and this "
			 "sandbox's CA cannot sign for it (its name constraints were made from the "
			 "allow hosts at start). Use passthrough = %s in [network], or restart "
			 "sandbox-exec with the host in allow.\n",
			 c->host, c->port, c->host, c->host);
		proxy_notice_denial(p, c->method, c->host, c->port, "the CA cannot sign for it");
		conn_fail(c, 403, "ca-cannot-sign", "deny", body);
		return;
	}
	c->action = a;
	c->rule = rule ? rule->text : NULL;

	if (req->is_connect) {
		/* Its headers go nowhere (the upstream gets no CONNECT from the sandbox), but
		 * a placeholder in them is held to the same binding as in any request. Nothing
		 * is injected, so the whole store serves, passthrough too: its refusals then
		 * name the secret's real binding. */
		struct head_secrets sx = {
			.store = p->secrets ? p->secrets : &no_secrets,
			.host = c->host,
		};
		secrets_result_init(&sx.res);
		if (forward_check_dropped_head(req, &sx) < 0) {
			refuse_secret(c, &sx.res);
			return;
		}
		conn_tunnel_open(c);
		c->up.start += len;
		if (c->up.start == c->up.end)
			c->up.start = c->up.end = 0;
		c->up.fwd = 0;
		connect_start(c);
		return;
	}
	send_request(c, req, len);
}

/* A request inside a terminated TLS connection: origin-form, and its Host must name the
 * host the tunnel was opened to (else a client could reach another host under the
 * CONNECT host's decision, with that host's secrets). Fills *out for send_request(). */
static int inner_request(struct conn *c, const struct http_request *req,
			 struct http_request *out)
{
	if (req->is_connect || req->form != HTTP_TARGET_ORIGIN) {
		conn_fail(c, 400, "not-origin-form", "error",
			  "airlock refused the request: inside a TLS connection through the proxy, "
			  "send origin-form requests (GET /path HTTP/1.1 with a Host header).\n");
		return -1;
	}
	const struct http_header *h = http_find_header(req->headers, req->nheaders, "Host");
	char want[sizeof c->host + 16];
	int ok = 0;
	if (h) {
		int v6 = strchr(c->host, ':') != NULL;
		char bare[sizeof c->host + 2];
		snprintf(bare, sizeof bare, v6 ? "[%s]" : "%s", c->host);
		snprintf(want, sizeof want, "%s:%u", bare, c->port);
		size_t hl = strlen(bare);
		ok = (h->value.len == hl && strncasecmp(h->value.p, bare, hl) == 0) ||
		     (h->value.len == strlen(want) && strncasecmp(h->value.p, want, h->value.len) == 0);
	}
	if (!ok) {
		char body[1024];
		snprintf(body, sizeof body,
			 "airlock refused the request: its Host header (%.*s) does not name %s, the "
			 "host this TLS connection was opened to with CONNECT %s:%u. Open a "
			 "connection to each host you want to reach.\n",
			 h ? (int)(h->value.len > 300 ? 300 : h->value.len) : 6, h ? h->value.p : "(none)",
			 c->host, c->host, c->port);
		proxy_notice_denial(c->p, c->method, c->host, c->port, "Host header names another host");
		conn_fail(c, 403, "host-mismatch", "deny", body);
		return -1;
	}
	*out = *req;
	snprintf(out->host, sizeof out->host, "%s", c->host);
	out->port = c->port;
	out->port_given = c->port != 443;
	out->host_is_ipv6 = strchr(c->host, ':') != NULL;
	return 0;
}

/* Requests whose rewriting could make the upstream read them differently from airlock:
 * a Connection header naming a framing header (the hop-by-hop rule would drop it while
 * airlock still frames the body by it, so the body would become requests airlock never
 * checked), and TRACE/TRACK, which echo the request, secrets included, back to the
 * sandbox. Returns why, or NULL. */
static const char *framing_trick(const struct http_request *req)
{
	static const char *const framing[] = {"content-length", "transfer-encoding", "host",
					       "trailer"};
	for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++)
		if (http_header_has_token(req->headers, req->nheaders, "Connection", framing[i]))
			return "its Connection header names a header that frames the request";
	if (span_is(req->method, "TRACE") || span_is(req->method, "TRACK"))
		return "TRACE and TRACK echo the request (and any secret in it) back";
	return NULL;
}

/* The 403 for a placeholder the request's host may not receive. */
static void refuse_secret(struct conn *c, const struct secrets_result *res)
{
	char body[600];
	snprintf(body, sizeof body, "airlock refused the request to %s: %s.\n", c->host,
		 res->reason);
	proxy_notice_denial(c->p, c->method, c->host, c->port, res->reason);
	conn_fail(c, 403, "secret-not-bound", "deny", body);
}

/* Rewrites the head (origin-form, secrets put in where the policy binds them) and
 * starts the exchange with the upstream. */
static void send_request(struct conn *c, const struct http_request *req, size_t len)
{
	struct proxy *p = c->p;
	const char *refuse = framing_trick(req);
	if (refuse) {
		char body[400];
		snprintf(body, sizeof body, "airlock refused the request: %s.\n", refuse);
		conn_fail(c, 400, "bad-request", "error", body);
		return;
	}
	/* [http HOST] rules: decided before any secret is put in and before anything goes
	 * upstream. */
	const struct policy_http *rules =
		c->action == ACTION_ALLOW ? http_rules_for(p->policy, c->host) : NULL;
	char why[1200];
	if (rules && !http_rules_decide(rules, c->method, req->path.p, req->path.len, c->host,
					why, sizeof why)) {
		char body[1300];
		snprintf(body, sizeof body, "airlock refused the request: %s.\n", why);
		proxy_notice_denial(p, c->method, c->host, c->port, "http rule");
		conn_fail(c, 403, "http-rule", "deny", body);
		return;
	}
	struct head_secrets sx = {
		/* Secrets go only to `allow` hosts; elsewhere any placeholder is refused. */
		.store = c->action == ACTION_ALLOW && p->secrets ? p->secrets : &no_secrets,
		.host = c->host,
		.tls = c->mitm != NULL,
	};
	secrets_result_init(&sx.res);
	char tmp[CONN_BUF];
	long n = forward_rewrite_head(req, &sx, tmp, sizeof tmp);
	if (n == -2) {
		explicit_bzero(tmp, sizeof tmp); /* fields before the refused one */
		refuse_secret(c, &sx.res);
		return;
	}
	c->injected = sx.res.injected;
	memcpy(c->basic_sent, sx.res.basic, sx.res.basic_len);
	c->basic_sent_len = sx.res.basic_len;
	size_t rest = c->up.end - c->up.start - len;
	if (n < 0 || (size_t)n + rest > CONN_BUF) {
		explicit_bzero(tmp, sizeof tmp);
		conn_fail(c, 431, "head-too-large", "error",
			  "airlock refused the request: its head does not fit in 16384 bytes.\n");
		return;
	}
	memmove(c->up.data + n, c->up.data + c->up.start + len, rest);
	memcpy(c->up.data, tmp, (size_t)n);
	explicit_bzero(tmp, (size_t)n);
	c->up.start = 0;
	c->up.end = (size_t)n + rest;
	c->up.fwd = 0;
	c->head_len = (size_t)n;
	exchange_begin(&c->ex, req);
	c->close_after = 0;
	connect_start(c);
}

void forward_established(struct conn *c)
{
	conn_enter(c, PH_HTTP);
	c->up.fwd = c->head_len;
	c->head_len = 0;
	forward_feed_request(c);
}

void forward_feed_request(struct conn *c)
{
	if (c->ex.req_done || c->phase != PH_HTTP)
		return;
	struct exchange_result r;
	exchange_request(&c->ex, &c->up, &r);
	if (r.outcome == EXCHANGE_FAIL)
		conn_fail(c, r.status, r.token, "error", r.why);
}

int forward_feed_response(struct conn *c)
{
	if (c->phase != PH_HTTP || c->dead)
		return c->dead ? -1 : 0;
	const struct exchange_ctx cx = {
		c->method, c->host, c->port, c->p->secrets, c->injected, c->basic_sent,
		c->basic_sent_len,
	};
	struct exchange_result r;
	exchange_response(&c->ex, &cx, &c->down, &r);
	if (r.head_sent)
		c->resp_started = 1;
	if (c->ex.status)
		c->status = c->ex.status;
	switch (r.outcome) {
	case EXCHANGE_MORE:
		return 0;
	case EXCHANGE_DONE:
		if (r.trailing)
			c->ureusable = 0; /* bytes after the response: do not reuse */
		return 0;
	case EXCHANGE_UPGRADE:
		conn_audit(c, "request", conn_decision(c), 101, "");
		tunnel_relay(c);
		return c->dead ? -1 : 0;
	case EXCHANGE_FAIL:
		conn_fail(c, r.status, r.token, "error", r.why);
		return -1;
	case EXCHANGE_RESET:
		if (r.why[0])
			conn_audit(c, "error", conn_decision(c), c->status, r.why);
		conn_close(c, 1);
		return -1;
	}
	return 0;
}

void forward_check_done(struct conn *c)
{
	if (c->dead || c->phase != PH_HTTP || c->ex.resp != EXCHANGE_RESP_DONE || c->down.fwd != 0 ||
	    !c->xprt[0]->flushed(c, 0))
		return;
	const char *decision = conn_decision(c);
	if (!c->ex.req_done || c->up.fwd > 0 || !c->xprt[1]->flushed(c, 1)) {
		/* Answered before the body was complete or sent (e.g. 413): the rest of the
		 * body has nowhere to go, and must never be read as a next request, so the
		 * connection ends here. */
		conn_audit(c, "request", decision, c->status, "answered before the request body ended");
		conn_linger_close(c);
		return;
	}
	conn_audit(c, "request", decision, c->status, "");
	if (c->close_after || !c->ex.client_keep || !c->ex.resp_keep || c->c_eof) {
		conn_linger_close(c);
		return;
	}
	if (c->down.end != c->down.start)
		conn_close_upstream(c, 0);
	c->down.start = c->down.end = c->down.fwd = 0;
	conn_enter(c, PH_HEAD);
	c->resp_started = 0; /* the next request's errors are answered again */
	c->method[0] = c->path[0] = 0;
	c->txn_start = loop_now(c->p->loop);
	conn_arm_timer(c, c->p->idle_ms);
	conn_progress(c);
}
