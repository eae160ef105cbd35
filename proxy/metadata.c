/* metadata.c: the GCE metadata server inside the sandbox ([gcp]; README: Google Cloud).
 *
 * Google's auth libraries, pointed at 127.0.0.1:PORT by GCE_METADATA_HOST (and _IP,
 * _ROOT), ask it for the project, the service account and an access token. The answers
 * come from the I/O-free gce_metadata.c; this file turns a connection's request into
 * one and the answer into bytes. The token handed out is the placeholder of the [gcp]
 * secret; when there is none, or it has under METADATA_REFRESH_S left, the connection
 * itself fetches a new one: the CA process, which alone holds the service-account key,
 * signs the grant, and the request goes to the key's token_uri over verified TLS as an
 * exchange whose answer is captured (exchange.c: the token is kept in the store, the
 * placeholder written in its place). Nothing of that answer reaches the sandbox; once
 * it is in, the metadata answer is made again with the placeholder. Every answer closes
 * the connection (Connection: close), which the libraries handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxy/mitm.h"
#include "proxy/proto/gce_metadata.h"
#include "proxy/proxy_int.h"
#include "proxy/tls/mint.h"

/* A token is handed out only with this much life left: the libraries refresh one that
 * has under 5 minutes, and must not be handed the same again. */
#define METADATA_REFRESH_S 600

/* The request a fetch answers, kept while the connection talks to the token endpoint. */
struct metadata_wait {
	char method[8];
	char target[GCE_PATH_MAX + 512];
	char flavor[64], google[64];
	size_t method_len, target_len, flavor_len, google_len;
	int has_flavor, has_google, forwarded;
};

void metadata_free(struct conn *c)
{
	free(c->md);
	c->md = NULL;
}

static void keep(char *dst, size_t cap, size_t *len, struct http_span s)
{
	*len = s.len < cap ? s.len : cap;
	memcpy(dst, s.p, *len);
}

static int wait_from(struct metadata_wait *w, const struct http_request *req)
{
	memset(w, 0, sizeof *w);
	if (req->method.len > sizeof w->method || req->target.len > sizeof w->target)
		return -1;
	keep(w->method, sizeof w->method, &w->method_len, req->method);
	keep(w->target, sizeof w->target, &w->target_len, req->target);
	const struct http_header *h;
	if ((h = http_find_header(req->headers, req->nheaders, "Metadata-Flavor"))) {
		w->has_flavor = 1;
		keep(w->flavor, sizeof w->flavor, &w->flavor_len, h->value);
	}
	if ((h = http_find_header(req->headers, req->nheaders, "X-Google-Metadata-Request"))) {
		w->has_google = 1;
		keep(w->google, sizeof w->google, &w->google_len, h->value);
	}
	w->forwarded = http_find_header(req->headers, req->nheaders, "X-Forwarded-For") != NULL;
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 502: return "Bad Gateway";
	default: return "Internal Server Error";
	}
}

/* Writes a whole answer into c->down (emptied first). */
static void put_answer(struct conn *c, int status, const char *type, const char *allow,
		       const char *body, size_t len, int omit_body)
{
	struct buf *d = &c->down;
	int n = snprintf(d->data, CONN_BUF,
			 "HTTP/1.1 %d %s\r\nMetadata-Flavor: Google\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n%s%s%sServer: airlock\r\nConnection: close\r\n\r\n",
			 status, reason(status), type, len, allow ? "Allow: " : "",
			 allow ? allow : "", allow ? "\r\n" : "");
	size_t hl = n < 0 ? 0 : (size_t)n;
	if (hl >= CONN_BUF || (!omit_body && hl + len > CONN_BUF)) {
		hl = (size_t)snprintf(d->data, CONN_BUF, "HTTP/1.1 500 Internal Server Error\r\n"
				      "Metadata-Flavor: Google\r\nContent-Length: 0\r\n"
				      "Connection: close\r\n\r\n");
		status = 500;
		omit_body = 1;
	}
	if (!omit_body)
		memcpy(d->data + hl, body, len);
	d->start = 0;
	d->end = d->fwd = hl + (omit_body ? 0 : len);
	c->h.status = status;
}

/* The [gcp] token's placeholder and seconds left, when it has enough; else NULL. */
static const char *current_token(const struct proxy *p, char *buf, size_t cap, long *left)
{
	const struct secret_store *st = p->secrets;
	size_t i = p->policy->gcp->secret;
	if (!st || i >= st->count || !secret_store_has_value(st, i))
		return NULL;
	int64_t at = st->entries[i].expires_at, now = (int64_t)time(NULL);
	*left = at ? (long)(at - now) : 3600; /* no expires_in said: an hour, as Google's */
	if (*left < METADATA_REFRESH_S)
		return NULL;
	snprintf(buf, cap, "%s%s", SECRETS_PREFIX, st->entries[i].secret->name);
	return buf;
}

/* The answer to w from what is known now; 1 when a token must be fetched first. */
static int answer_wait(struct conn *c, const struct metadata_wait *w)
{
	struct proxy *p = c->p;
	struct gce_request gr = {
		.method = w->method, .method_len = w->method_len,
		.target = w->target, .target_len = w->target_len,
		.metadata_flavor = w->has_flavor ? w->flavor : NULL,
		.metadata_flavor_len = w->flavor_len,
		.google_request = w->has_google ? w->google : NULL,
		.google_request_len = w->google_len,
		.forwarded = w->forwarded,
	};
	char ph[SECRETS_PREFIX_LEN + 64];
	long left = 0;
	const char *tok = current_token(p, ph, sizeof ph, &left);
	struct gce_context ctx = {
		.project_id = p->gcp.project_id, .client_email = p->gcp.email,
		.scopes = p->policy->gcp->scopes, .token = tok, .expires_in = tok ? left : 0,
	};
	static char body[GCE_BODY_MAX];
	struct gce_answer ans;
	if (gce_metadata_answer(&gr, &ctx, body, sizeof body, &ans) < 0) {
		static const char oops[] = "airlock: the metadata answer does not fit.\n";
		put_answer(c, 500, "text/plain; charset=utf-8", NULL, oops, sizeof oops - 1, 0);
		return 0;
	}
	if (ans.decision == GCE_NEED_TOKEN)
		return 1;
	put_answer(c, ans.status, ans.content_type, ans.allow, body, ans.body_len, ans.omit_body);
	return 0;
}

/* The request to the token endpoint, in c->up, and the exchange for it. */
static int fetch_begin(struct conn *c, char *why, size_t whylen)
{
	struct proxy *p = c->p;
	static char body[JWT_BODY_MAX];
	size_t blen = 0;
	if (p->ca_fd < 0) {
		snprintf(why, whylen, "no CA process holds the service-account key");
		return -1;
	}
	if (mint_grant_call(p->ca_fd, time(NULL), body, sizeof body, &blen, why, whylen) < 0)
		return -1;
	struct buf *u = &c->up;
	int n = snprintf(u->data, CONN_BUF,
			 "POST %s HTTP/1.1\r\nHost: %s%s\r\nContent-Type: "
			 "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n"
			 "Accept: application/json\r\nAccept-Encoding: identity\r\n"
			 "User-Agent: airlock\r\n\r\n",
			 p->gcp.token_path, p->gcp.token_host, p->gcp.token_hostport, blen);
	if (n < 0 || (size_t)n + blen > CONN_BUF) {
		explicit_bzero(body, blen);
		snprintf(why, whylen, "the token request does not fit");
		return -1;
	}
	memcpy(u->data + n, body, blen);
	explicit_bzero(body, blen);
	u->start = 0;
	u->end = (size_t)n + blen;
	u->fwd = 0;
	struct http_request req;
	const char *bad = "";
	if (http_parse_request(u->data, u->end, &req, &bad) != n) {
		snprintf(why, whylen, "the token request is malformed: %s", bad);
		return -1;
	}
	struct conn_target *t = &c->t;
	snprintf(t->host, sizeof t->host, "%s", p->gcp.token_host);
	t->port = p->gcp.token_port;
	t->is_connect = 0;
	t->action = ACTION_ALLOW;
	t->rule = "[gcp] service_account";
	snprintf(t->method, sizeof t->method, "POST");
	snprintf(t->path, sizeof t->path, "%.*s", (int)sizeof t->path - 1, p->gcp.token_path);
	struct conn_http *h = &c->h;
	exchange_begin(&h->ex, &req);
	h->body_mode = BODY_RELAY;
	h->capture = (int)p->policy->gcp->secret;
	h->head_len = (size_t)n;
	h->close_after = 1;
	if (mitm_upstream_only(c) < 0) {
		snprintf(why, whylen, "out of memory for TLS");
		return -1;
	}
	return 0;
}

void metadata_request(struct conn *c, const struct http_request *req, size_t len,
		      struct outcome *o)
{
	struct proxy *p = c->p;
	struct conn_target *t = &c->t;
	snprintf(t->host, sizeof t->host, "metadata");
	t->port = p->policy->gcp->metadata_port;
	snprintf(t->method, sizeof t->method, "%.*s", (int)req->method.len, req->method.p);
	snprintf(t->path, sizeof t->path, "%.*s", (int)req->target.len, req->target.p);
	t->rule = "[gcp]";
	struct metadata_wait w;
	if (wait_from(&w, req) < 0) {
		static const char nf[] = "airlock: no such metadata.\n";
		put_answer(c, 404, "text/plain; charset=utf-8", NULL, nf, sizeof nf - 1, 0);
		outcome_end(o, STEP_REPLY, "request", "");
		return;
	}
	c->up.start = c->up.end = c->up.fwd = 0; /* one request a connection */
	(void)len;
	if (!answer_wait(c, &w)) {
		outcome_end(o, STEP_REPLY, "request", "");
		return;
	}
	char why[600];
	int failed = !(c->md = malloc(sizeof *c->md));
	if (failed)
		snprintf(why, sizeof why, "out of memory");
	else
		*c->md = w;
	if (failed || fetch_begin(c, why, sizeof why) < 0) {
		char text[800];
		int n = snprintf(text, sizeof text, "airlock: cannot get an access token for the "
				 "[gcp] service account: %s.\n", why);
		put_answer(c, 500, "text/plain; charset=utf-8", NULL, text,
			   n < 0 ? 0 : (size_t)n >= sizeof text ? sizeof text - 1 : (size_t)n, 0);
		c->up.start = c->up.end = c->up.fwd = 0;
		outcome_end(o, STEP_REPLY, "error", why);
		return;
	}
	outcome_step(o, STEP_DIAL);
}

void metadata_fetched(struct conn *c, struct outcome *o)
{
	struct proxy *p = c->p;
	int status = c->h.ex.status;
	conn_close_upstream(c, 0);
	c->up.start = c->up.end = c->up.fwd = 0;
	struct conn_target *t = &c->t;
	char host[sizeof t->host];
	snprintf(host, sizeof host, "%s", t->host);
	snprintf(t->host, sizeof t->host, "metadata");
	t->port = p->policy->gcp->metadata_port;
	snprintf(t->method, sizeof t->method, "%.*s", (int)c->md->method_len, c->md->method);
	snprintf(t->path, sizeof t->path, "%.*s", (int)c->md->target_len, c->md->target);
	char ph[SECRETS_PREFIX_LEN + 64];
	long left;
	if (status >= 200 && status < 300 && current_token(p, ph, sizeof ph, &left) &&
	    !answer_wait(c, c->md)) {
		outcome_end(o, STEP_REPLY, "request", "a token was fetched from the key's token_uri");
		return;
	}
	char text[900];
	int n = snprintf(text, sizeof text, "airlock: the token endpoint https://%s%s%s answered "
			 "%d%s for the [gcp] service account %s: check that the key is valid and "
			 "enabled, and that the host is reachable from the supervisor.\n", host,
			 p->gcp.token_hostport, p->gcp.token_path, status,
			 status >= 200 && status < 300 ? " without a usable access_token" : "",
			 p->gcp.email);
	put_answer(c, 502, "text/plain; charset=utf-8", NULL, text,
		   n < 0 ? 0 : (size_t)n >= sizeof text ? sizeof text - 1 : (size_t)n, 0);
	outcome_end(o, STEP_REPLY, "error", "the token endpoint gave no token");
}
