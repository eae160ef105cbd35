/* decide.c: the decision about every request head, CONNECT included: the policy gate
 * for absolute-form http:// and CONNECT targets, the Host rule inside a terminated TLS
 * connection, [http HOST] rules, framing tricks, and the placeholders each host may
 * receive. An http:// request's head is rewritten to origin-form in place (head.c),
 * secrets put in where the policy binds them. The outcome is STEP_DIAL or a refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/base/addr.h"
#include "policy/http_rules.h"
#include "policy/policy_reload.h"
#include "proxy/body_inject.h"
#include "proxy/proxy_int.h"

static const struct secret_store no_secrets;

static int span_is(struct http_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && strncasecmp(s.p, lit, n) == 0;
}

static int is_ip_literal(const char *host, int is_v6)
{
	unsigned char b[16];
	return is_v6 || addr_parse_literal(host, b) != 0;
}

/* The 403 for a placeholder the request's host may not receive. */
static void refuse_secret(struct conn *c, const struct secrets_result *res, struct outcome *o)
{
	outcome_fail(o, 403, "secret-not-bound", "airlock refused the request to %s: %s.\n",
		     c->t.host, res->reason);
	outcome_notice(o, res->reason);
}

/* A request inside a terminated TLS connection: origin-form, and its Host must name the
 * host the tunnel was opened to (else a client could reach another host under the
 * CONNECT host's decision, with that host's secrets). Fills *out for the rewrite. */
static int inner_request(struct conn *c, const struct http_request *req,
			 struct http_request *out, struct outcome *o)
{
	const struct conn_target *t = &c->t;
	if (req->is_connect || req->form != HTTP_TARGET_ORIGIN) {
		outcome_fail(o, 400, "not-origin-form",
			     "airlock refused the request: inside a TLS connection through the "
			     "proxy, send origin-form requests (GET /path HTTP/1.1 with a Host "
			     "header).\n");
		return -1;
	}
	const struct http_header *h = http_find_header(req->headers, req->nheaders, "Host");
	char want[sizeof t->host + 16];
	int ok = 0;
	if (h) {
		int v6 = strchr(t->host, ':') != NULL;
		char bare[sizeof t->host + 2];
		snprintf(bare, sizeof bare, v6 ? "[%s]" : "%s", t->host);
		snprintf(want, sizeof want, "%s:%u", bare, t->port);
		size_t hl = strlen(bare);
		ok = (h->value.len == hl && strncasecmp(h->value.p, bare, hl) == 0) ||
		     (h->value.len == strlen(want) && strncasecmp(h->value.p, want, h->value.len) == 0);
	}
	if (!ok) {
		outcome_fail(o, 403, "host-mismatch",
			     "airlock refused the request: its Host header (%.*s) does not name %s, "
			     "the host this TLS connection was opened to with CONNECT %s:%u. Open a "
			     "connection to each host you want to reach.\n",
			     h ? (int)(h->value.len > 300 ? 300 : h->value.len) : 6,
			     h ? h->value.p : "(none)", t->host, t->host, t->port);
		outcome_notice(o, "Host header names another host");
		return -1;
	}
	*out = *req;
	snprintf(out->host, sizeof out->host, "%s", t->host);
	out->port = t->port;
	out->port_given = t->port != 443;
	out->host_is_ipv6 = strchr(t->host, ':') != NULL;
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

/* What happens to the request's body on its way (exchange.h): gathered to replace the
 * placeholders of `body = yes` secrets bound to the host, checked for them (any other
 * host, and bodies too long to gather), or relayed. */
static enum body_mode body_mode(const struct conn *c, const struct http_request *req)
{
	const struct secret_store *st = c->p->secrets;
	if (req->body == HTTP_BODY_NONE || !st || c->t.action != ACTION_ALLOW)
		return BODY_RELAY;
	int any = 0, bound = 0;
	for (size_t i = 0; i < st->count; i++) {
		const struct policy_secret *s = st->entries[i].secret;
		any |= s->body;
		bound |= s->body && policy_secret_bound(s, c->t.host);
	}
	if (bound && (req->body == HTTP_BODY_CHUNKED || req->content_length <= BODY_INJECT_MAX))
		return BODY_GATHER;
	return any ? BODY_CHECK : BODY_RELAY;
}

/* The [token] section (store index) whose endpoint the request is for, or -1: the
 * host and the path without its query, over TLS. */
static int token_endpoint(const struct conn *c, const struct http_request *req)
{
	const struct secret_store *st = c->p->secrets;
	if (!st || !c->mitm || c->t.action != ACTION_ALLOW)
		return -1;
	size_t plen = req->path.len;
	const char *q = memchr(req->path.p, '?', plen);
	if (q)
		plen = (size_t)(q - req->path.p);
	for (size_t i = 0; i < st->count; i++) {
		const struct policy_secret *s = st->entries[i].secret;
		if (s->token && s->from_host && strcmp(s->from_host, c->t.host) == 0 &&
		    strlen(s->from_path) == plen && memcmp(s->from_path, req->path.p, plen) == 0)
			return (int)i;
	}
	return -1;
}

/* Adds the Basic credentials of one request (space-separated) to the connection's
 * list, each once. -1 when they do not fit: their echo could not be recognised. */
static int remember_basic(struct conn_http *h, const char *list, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && list[j] != ' ')
			j++;
		size_t n = j - i, count = h->basic_sent_len ? 1 : 0;
		int known = 0;
		for (size_t a = 0; a < h->basic_sent_len && !known;) {
			size_t b = a;
			while (b < h->basic_sent_len && h->basic_sent[b] != ' ')
				b++;
			known = b - a == n && memcmp(h->basic_sent + a, list + i, n) == 0;
			a = b + 1;
		}
		for (size_t a = 0; a < h->basic_sent_len; a++)
			count += h->basic_sent[a] == ' ';
		if (!known && n) {
			size_t sep = h->basic_sent_len ? 1 : 0;
			if (count >= SECRETS_BASIC_SENT_COUNT ||
			    h->basic_sent_len + sep + n > sizeof h->basic_sent)
				return -1;
			if (sep)
				h->basic_sent[h->basic_sent_len++] = ' ';
			memcpy(h->basic_sent + h->basic_sent_len, list + i, n);
			h->basic_sent_len += n;
		}
		i = j + 1;
	}
	return 0;
}

/* Rewrites the head in place (origin-form, secrets put in where the policy binds them)
 * and prepares the exchange; STEP_DIAL, or the refusal. */
static void rewrite_request(struct conn *c, const struct http_request *req, size_t len,
			    struct outcome *o)
{
	struct proxy *p = c->p;
	const char *refuse = framing_trick(req);
	if (refuse) {
		outcome_fail(o, 400, "bad-request", "airlock refused the request: %s.\n", refuse);
		return;
	}
	/* [http HOST] rules: decided before any secret is put in and before anything goes
	 * upstream. */
	const struct policy_http *rules =
		c->t.action == ACTION_ALLOW ? http_rules_for(p->policy, c->t.host) : NULL;
	char why[1200];
	if (rules && !http_rules_decide(rules, c->t.method, req->path.p, req->path.len,
					c->t.host, why, sizeof why)) {
		outcome_fail(o, 403, "http-rule", "airlock refused the request: %s.\n", why);
		outcome_notice(o, "http rule");
		return;
	}
	struct head_secrets sx = {
		/* Secrets go only to `allow` hosts; elsewhere any placeholder is refused. */
		.store = c->t.action == ACTION_ALLOW && p->secrets ? p->secrets : &no_secrets,
		.host = c->t.host,
		.tls = c->mitm != NULL,
	};
	struct conn_http *h = &c->h;
	h->body_mode = body_mode(c, req);
	h->capture = token_endpoint(c, req);
	sx.reframe = h->body_mode == BODY_GATHER;
	/* A connection that carries secrets asks for identity coding: the response scrub
	 * must read the bodies (exchange.h). Known before the rewrite once a secret went
	 * (or may go, in a gathered body), else learnt from it, and the head is rewritten
	 * again. */
	sx.identity = h->scrub_mask != 0 || sx.reframe || h->capture >= 0;
	secrets_result_init(&sx.res);
	char tmp[CONN_BUF];
	long n = head_rewrite(req, &sx, tmp, sizeof tmp);
	if (n >= 0 && sx.res.injected && !sx.identity) {
		explicit_bzero(tmp, (size_t)n);
		sx.identity = 1;
		secrets_result_init(&sx.res);
		n = head_rewrite(req, &sx, tmp, sizeof tmp);
	}
	if (n == -2) {
		explicit_bzero(tmp, sizeof tmp); /* fields before the refused one */
		refuse_secret(c, &sx.res, o);
		return;
	}
	size_t rest = c->up.end - c->up.start - len;
	/* The head grew (values are longer than their placeholders) and the bytes read
	 * behind it leave no room: those that do not fit wait aside, and go back into
	 * `up` as it drains, before the client is read again (io.c). */
	size_t spill = n >= 0 && (size_t)n <= CONN_BUF && (size_t)n + rest > CONN_BUF
			       ? (size_t)n + rest - CONN_BUF : 0;
	if (spill && !c->spill_len && (c->spill = malloc(spill)) != NULL) {
		memcpy(c->spill, c->up.data + c->up.start + len + rest - spill, spill);
		explicit_bzero(c->up.data + c->up.start + len + rest - spill, spill);
		c->spill_len = spill;
		c->up.end -= spill;
		rest -= spill;
	}
	if (n < 0 || (size_t)n + rest > CONN_BUF) {
		explicit_bzero(tmp, sizeof tmp);
		outcome_fail(o, 431, "head-too-large",
			     "airlock refused the request: rewritten, its head does not fit in "
			     "16384 bytes and 128 header lines.\n");
		return;
	}
	if (remember_basic(h, sx.res.basic, sx.res.basic_len) < 0) {
		explicit_bzero(tmp, sizeof tmp);
		outcome_fail(o, 403, "secret-not-bound",
			     "airlock refused the request to %s: this connection has carried "
			     "more Basic credentials with secrets in them than airlock can "
			     "recognise in the responses (%d, %d bytes); open a new connection.\n",
			     c->t.host, SECRETS_BASIC_SENT_COUNT, SECRETS_BASIC_SENT_MAX);
		return;
	}
	h->injected = sx.res.injected;
	h->scrub_mask |= sx.res.injected;
	exchange_begin(&h->ex, req); /* while req's spans still point at its head */
	memmove(c->up.data + n, c->up.data + c->up.start + len, rest);
	memcpy(c->up.data, tmp, (size_t)n);
	explicit_bzero(tmp, (size_t)n);
	c->up.start = 0;
	c->up.end = (size_t)n + rest;
	c->up.fwd = 0;
	h->head_len = (size_t)n;
	h->close_after = 0;
	outcome_step(o, STEP_DIAL);
}

/* A CONNECT: its headers go nowhere (the upstream gets no CONNECT from the sandbox),
 * but a placeholder in them is held to the same binding as in any request. Nothing is
 * injected, so the whole store serves, passthrough too: its refusals then name the
 * secret's real binding. */
static void decide_connect(struct conn *c, const struct http_request *req, size_t len,
			   struct outcome *o)
{
	struct head_secrets sx = {
		.store = c->p->secrets ? c->p->secrets : &no_secrets,
		.host = c->t.host,
	};
	secrets_result_init(&sx.res);
	if (head_check_dropped(req, &sx) < 0) {
		refuse_secret(c, &sx.res, o);
		return;
	}
	c->up.start += len;
	if (c->up.start == c->up.end)
		c->up.start = c->up.end = 0;
	c->up.fwd = 0;
	outcome_step(o, STEP_DIAL);
}

void decide_request(struct conn *c, const struct http_request *req, size_t len,
		    struct outcome *o)
{
	struct proxy *p = c->p;
	struct conn_target *t = &c->t;
	snprintf(t->method, sizeof t->method, "%.*s", (int)req->method.len, req->method.p);
	size_t pl = req->path.len < sizeof t->path - 1 ? req->path.len : sizeof t->path - 1;
	if (pl) /* a request without a target (a PROXY-line redirect) has no bytes */
		memcpy(t->path, req->path.p, pl);
	t->path[pl] = 0;
	if (c->mitm) {
		/* Inside TLS terminated for an `allow` host: decided at CONNECT. */
		struct http_request inner;
		if (inner_request(c, req, &inner, o) == 0)
			rewrite_request(c, &inner, len, o);
		return;
	}
	t->rule = NULL;
	t->action = ACTION_DENY;
	snprintf(t->host, sizeof t->host, "%s", req->host);
	t->port = req->port;
	t->is_connect = req->is_connect;

	uint16_t defport;
	if (req->is_connect) {
		defport = 443;
	} else if (req->form == HTTP_TARGET_ABSOLUTE) {
		defport = 80;
	} else if (c->redirect && req->form == HTTP_TARGET_ORIGIN && req->host[0]) {
		/* redirected (isolation unprivileged): the Host at the port connected to */
		defport = 80;
		t->port = c->redirect_port;
	} else {
		outcome_fail(o, 400, "not-a-proxy-request",
			     "airlock is an HTTP proxy: send CONNECT host:port, or a request with "
			     "an absolute http:// URL (GET http://host/path).\n");
		return;
	}
	if (t->port == 0)
		t->port = defport;
	int literal = is_ip_literal(t->host, req->host_is_ipv6);
	const struct policy_host_rule *rule = NULL;
	enum policy_action a = policy_decide(p->policy, t->host, t->port, defport, &rule);
	if (a == ACTION_DENY) /* then what the control socket granted */
		a = proxy_granted(p, t->host, t->port, defport, &rule);
	if (a != ACTION_DENY && literal && rule && rule->wildcard)
		a = ACTION_DENY; /* "*.x" names hosts, never an address */
	if (a == ACTION_DENY) {
		outcome_fail(o, 403, literal ? "ip-literal" : "not-allowed", "%s", "");
		deny_policy_body(o->text, sizeof o->text, t->method, t->host, t->port, defport,
				 literal);
		outcome_notice(o, literal ? "IP address not allowed literally in [network]"
				    : "not in [network] allow");
		char item[300];
		deny_policy_item(item, sizeof item, t->host, t->port, defport);
		snprintf(o->allow, sizeof o->allow, "allow = %s", item);
		return;
	}
	if (a == ACTION_ALLOW && req->is_connect && !p->ca_unconstrained &&
	    !policy_ca_covers(p->first_policy, t->host)) {
		outcome_fail(o, 403, "ca-cannot-sign",
			     "airlock refused CONNECT %s:%u: %s was allowed by a policy reload, and "
			     "this sandbox's CA cannot sign for it (its name constraints were made "
			     "from the allow hosts at start). Use passthrough = %s in [network], or "
			     "restart sandbox-exec with the host in allow.\n",
			     t->host, t->port, t->host, t->host);
		outcome_notice(o, "the CA cannot sign for it");
		return;
	}
	t->action = a;
	t->rule = rule ? rule->text : NULL;
	if (req->is_connect)
		decide_connect(c, req, len, o);
	else
		rewrite_request(c, req, len, o);
}
