/* exchange.c: see exchange.h. */
#include "proxy/exchange.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/body_inject.h"
#include "proxy/body_scrub.h"
#include "proxy/proto/json.h"
#include "proxy/secrets.h"

/* A response body being scrubbed and re-framed. */
struct exchange_scrub {
	struct body_scrub *stream;
	int chunked;     /* re-framed as chunked; else until close */
	int in_done;     /* the upstream's body has ended */
	size_t trl_len;  /* trailer section bytes kept (final CRLF included) */
	int trl_drop;    /* the trailers did not fit: dropped */
	char trl[EXCHANGE_TRAILERS_MAX];
};

static void scrub_free(struct exchange *x)
{
	if (!x->scrub)
		return;
	body_scrub_free(x->scrub->stream);
	explicit_bzero(x->scrub, sizeof *x->scrub);
	free(x->scrub);
	x->scrub = NULL;
}

void exchange_end(struct exchange *x)
{
	scrub_free(x);
	body_inject_free(x->capture);
	x->capture = NULL;
	body_inject_free(x->inject);
	x->inject = NULL;
	explicit_bzero(x->carry, sizeof x->carry);
}

void exchange_scan(struct exchange *x) { x->req_scan = 1; }

int exchange_inject(struct exchange *x, const struct http_request *req, const char *head,
		    size_t len)
{
	x->req_gather = 1;
	x->inject = body_inject_new(req->body, req->content_length, head, len);
	return x->inject ? 0 : -1;
}

/* Called for every read on the per-byte path: sets the fields, not the whole struct. */
static void result(struct exchange_result *r, enum exchange_outcome o)
{
	r->outcome = o;
	r->status = 0;
	r->token = NULL;
	r->why[0] = 0;
	r->head_sent = r->trailing = 0;
}

static void fail(struct exchange_result *r, int status, const char *token)
{
	r->outcome = EXCHANGE_FAIL;
	r->status = status;
	r->token = token;
}

void exchange_begin(struct exchange *x, const struct http_request *req)
{
	exchange_end(x);
	memset(x, 0, sizeof *x);
	x->req_minor = req->version_minor;
	x->req_expect = req->expect_continue;
	const struct http_header *ct = http_find_header(req->headers, req->nheaders, "Content-Type");
	x->req_kind = body_inject_kind(ct ? ct->value.p : NULL, ct ? ct->value.len : 0);
	x->req_body = req->body;
	x->req_left = req->content_length;
	http_chunked_init(&x->req_ch);
	x->req_done = req->body == HTTP_BODY_NONE;
	x->client_keep = req->keep_alive;
	x->upgrade_req = req->upgrade;
	x->resp = EXCHANGE_RESP_HEAD;
	x->resp_keep = 1;
}

/* Checks the body bytes p[0..n), about to be cleared, for a body placeholder, together
 * with the end of the bytes checked before (a placeholder may be cut between reads).
 * 0, or -1 with r failed: the bytes must not go. */
static int scan_body(struct exchange *x, const struct exchange_ctx *cx, const char *p,
		     size_t n, struct exchange_result *r)
{
	if (!x->req_scan || !cx->secrets || n == 0)
		return 0;
	char win[SECRETS_PLACEHOLDER_SPAN + BUF_SIZE];
	memcpy(win, x->carry, x->carry_len);
	memcpy(win + x->carry_len, p, n);
	size_t len = x->carry_len + n;
	if (secrets_body_placeholder(cx->secrets, win, len)) {
		/* The rewriter says why: not bound (403), or bound, so the body would have
		 * been buffered had it not been too long (413). */
		struct secrets_result res;
		secrets_result_init(&res);
		char junk[4096];
		size_t w;
		int rc = secrets_rewrite(cx->secrets, cx->host, cx->tls, SECRETS_BODY_FORM, NULL,
					 win, len, junk, sizeof junk, &w, &res);
		explicit_bzero(junk, sizeof junk);
		if (rc == 1) {
			fail(r, 403, "secret-not-bound");
			snprintf(r->why, sizeof r->why, "airlock refused the request to %s: %s.\n",
				 cx->host, res.reason);
		} else {
			fail(r, 413, "body-too-large");
			snprintf(r->why, sizeof r->why,
				 "airlock refused the request to %s: its body holds the placeholder "
				 "of a `body = yes` secret, and bodies are buffered to replace it "
				 "only up to %u bytes; this one is longer.\n",
				 cx->host, BODY_INJECT_MAX);
		}
		return -1;
	}
	size_t keep = len < sizeof x->carry ? len : sizeof x->carry;
	memcpy(x->carry, win + len - keep, keep);
	x->carry_len = keep;
	return 0;
}

/* A gathered body: its bytes leave b until it ends; then the message is made and
 * written back at b's cleared end as room allows. */
static void inject_request(struct exchange *x, const struct exchange_ctx *cx, struct buf *b,
			   struct exchange_result *r)
{
	if (!x->inject_ready) {
		char *p = b->data + b->start + b->fwd;
		size_t avail = b->end - b->start - b->fwd, used = 0;
		const char *why = "";
		enum body_take t = body_inject_take(x->inject, p, avail, &used, &why);
		memmove(p, p + used, avail - used);
		b->end -= used;
		if (t == BODY_TAKE_BAD) {
			fail(r, 400, "bad-chunked-body");
			snprintf(r->why, sizeof r->why,
				 "airlock refused a malformed chunked request body: %s.\n", why);
			return;
		}
		if (t == BODY_TAKE_OVER) {
			fail(r, 413, "body-too-large");
			snprintf(r->why, sizeof r->why,
				 "airlock refused the request to %s: a `body = yes` secret is bound "
				 "to it, so its chunked bodies are buffered to replace placeholders, "
				 "up to %u bytes; this one is longer (send a longer body with "
				 "Content-Length: then only one that holds a placeholder is refused).\n",
				 cx->host, BODY_INJECT_MAX);
			return;
		}
		if (t == BODY_TAKE_MORE)
			return;
		struct secrets_result res;
		secrets_result_init(&res);
		int rc = body_inject_finish(x->inject, cx->secrets, cx->host, cx->tls, x->req_kind,
					    &res);
		if (rc == 1) {
			fail(r, 403, "secret-not-bound");
			snprintf(r->why, sizeof r->why, "airlock refused the request to %s: %s.\n",
				 cx->host, res.reason);
			return;
		}
		if (rc < 0) {
			fail(r, 503, "no-memory");
			snprintf(r->why, sizeof r->why, "airlock: no memory for the request body.\n");
			return;
		}
		r->injected = res.injected;
		x->inject_ready = 1;
	}
	buf_compact(b);
	size_t rest = b->end - b->fwd, space = BUF_SIZE - b->fwd - rest;
	char tmp[BUF_SIZE];
	size_t n = body_inject_out(x->inject, tmp, space);
	memmove(b->data + b->fwd + n, b->data + b->fwd, rest);
	memcpy(b->data + b->fwd, tmp, n);
	explicit_bzero(tmp, n);
	b->fwd += n;
	b->end += n;
	if (body_inject_pending(x->inject) == 0) {
		body_inject_free(x->inject);
		x->inject = NULL;
		x->req_gather = 0;
		x->req_done = 1;
	}
}

void exchange_request(struct exchange *x, const struct exchange_ctx *cx, struct buf *b,
		      struct exchange_result *r)
{
	result(r, EXCHANGE_MORE);
	r->injected = 0;
	if (x->req_gather && !x->inject) {
		fail(r, 503, "no-memory");
		snprintf(r->why, sizeof r->why, "airlock: no memory for the request body.\n");
		return;
	}
	if (x->inject) {
		inject_request(x, cx, b, r);
		if (x->req_done)
			r->outcome = EXCHANGE_DONE;
		return;
	}
	const char *p = b->data + b->start + b->fwd;
	size_t avail = b->end - b->start - b->fwd;
	if (!x->req_done && avail > 0) {
		if (x->req_body == HTTP_BODY_LENGTH) {
			size_t take = avail < x->req_left ? avail : (size_t)x->req_left;
			if (scan_body(x, cx, p, take, r) < 0)
				return;
			b->fwd += take;
			x->req_left -= take;
			x->req_done = x->req_left == 0;
		} else if (x->req_body == HTTP_BODY_CHUNKED) {
			int done = 0;
			const char *why = "";
			struct http_chunked saved = x->req_ch;
			long k = http_chunked_feed(&x->req_ch, p, avail, &done, &why);
			if (k < 0) {
				fail(r, 400, "bad-chunked-body");
				snprintf(r->why, sizeof r->why,
					 "airlock refused a malformed chunked request body: %s.\n", why);
				return;
			}
			if (scan_body(x, cx, p, (size_t)k, r) < 0) {
				x->req_ch = saved;
				return;
			}
			b->fwd += (size_t)k;
			x->req_done = done;
		} else {
			x->req_done = 1;
		}
	}
	if (x->req_done)
		r->outcome = EXCHANGE_DONE;
}

/* Puts new[0..n) in place of the *headlen bytes at b's cleared end; -1 when it does
 * not fit (then nothing changed). */
static int replace_head(struct buf *b, size_t *headlen, const char *new, size_t n)
{
	buf_compact(b);
	size_t rest = b->end - b->fwd - *headlen;
	if (b->fwd + n + rest > BUF_SIZE)
		return -1;
	memmove(b->data + b->fwd + n, b->data + b->fwd + *headlen, rest);
	memcpy(b->data + b->fwd, new, n);
	b->end = b->fwd + n + rest;
	*headlen = n;
	return 0;
}

static void head_too_large(const struct exchange_ctx *cx, struct exchange_result *r)
{
	fail(r, 502, "bad-response");
	snprintf(r->why, sizeof r->why, "airlock: the response head from %s:%u does not "
		 "fit once the secrets it repeats are replaced by their placeholders.\n",
		 cx->host, cx->port);
}

/* A response head on a connection that carried secrets may repeat them (a redirect to
 * the same URL, an echoed header): each value goes back as its placeholder, each Basic
 * credential string as the sandbox sent it. *headlen is the head's length at b's
 * cleared end, updated. 0, or -1 with r failed. */
static int scrub_head(const struct exchange_ctx *cx, struct buf *b, size_t *headlen,
		      struct exchange_result *r)
{
	char tmp[BUF_SIZE];
	size_t n;
	long k = secrets_scrub(cx->secrets, cx->injected, cx->basic, cx->basic_len,
			       b->data + b->start + b->fwd, *headlen, tmp, sizeof tmp, &n);
	if (k == 0)
		return 0;
	int rc = k < 0 ? -1 : replace_head(b, headlen, tmp, n);
	explicit_bzero(tmp, sizeof tmp);
	if (rc < 0)
		head_too_large(cx, r);
	return rc;
}

static int put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (n > cap - *o)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

static int header_is(const struct http_header *h, const char *name)
{
	return h->name.len == strlen(name) && strncasecmp(h->name.p, name, h->name.len) == 0;
}

/* Whether the body of `res` is one the scrub can read: identity content and transfer
 * codings only. 0, or -1 with r failed. */
static int scrub_readable(const struct exchange_ctx *cx, const struct http_response *res,
			  struct exchange_result *r)
{
	for (size_t i = 0; i < res->nheaders; i++) {
		const struct http_header *h = &res->headers[i];
		int ce = header_is(h, "Content-Encoding");
		int te = header_is(h, "Transfer-Encoding");
		const char *ok = ce ? "identity" : "chunked";
		if ((!ce && !te) || (h->value.len == strlen(ok) &&
				     strncasecmp(h->value.p, ok, h->value.len) == 0))
			continue;
		fail(r, 502, "encoded-response");
		snprintf(r->why, sizeof r->why,
			 "airlock: %s:%u answered with %.*s: %.*s, though airlock asked for "
			 "identity coding; a secret was sent on this connection, and a coded body "
			 "could repeat it where airlock cannot replace it, so the response was "
			 "refused. Ask without secrets, or make the server answer uncoded.\n",
			 cx->host, cx->port, (int)h->name.len, h->name.p,
			 h->value.len > 64 ? 64 : (int)h->value.len, h->value.p);
		return -1;
	}
	return 0;
}

/* Starts scrubbing the body of `res`, whose head is at b's cleared end: its framing
 * headers go, and chunked (or, for HTTP/1.0, Connection: close) frames the scrubbed
 * body instead. 0, or -1 with r failed. */
static int scrub_begin(struct exchange *x, const struct exchange_ctx *cx,
		       const struct http_response *res, struct buf *b, size_t *headlen,
		       struct exchange_result *r)
{
	if (scrub_readable(cx, res, r) < 0)
		return -1;
	x->scrub = calloc(1, sizeof *x->scrub);
	if (x->scrub)
		x->scrub->stream = body_scrub_new(cx->secrets, cx->injected, cx->basic,
						  cx->basic_len);
	if (!x->scrub || !x->scrub->stream) {
		scrub_free(x);
		fail(r, 502, "no-memory");
		snprintf(r->why, sizeof r->why, "airlock: no memory to check the response "
			 "from %s:%u for secret values.\n", cx->host, cx->port);
		return -1;
	}
	int chunked = x->req_minor >= 1 && res->version_minor >= 1;
	x->scrub->chunked = chunked;
	const char *h = b->data + b->start + b->fwd;
	char tmp[BUF_SIZE];
	size_t o = 0;
	const char *eol = memchr(h, '\n', *headlen);
	int bad = put(tmp, sizeof tmp, &o, h, (size_t)(eol - h) + 1);
	for (size_t i = 0; i < res->nheaders && !bad; i++) {
		const struct http_header *f = &res->headers[i];
		if (header_is(f, "Content-Length") || header_is(f, "Transfer-Encoding"))
			continue;
		bad = put(tmp, sizeof tmp, &o, f->name.p, f->name.len) ||
		      put(tmp, sizeof tmp, &o, ": ", 2) ||
		      put(tmp, sizeof tmp, &o, f->value.p, f->value.len) ||
		      put(tmp, sizeof tmp, &o, "\r\n", 2);
	}
	const char *framing = chunked ? "Transfer-Encoding: chunked\r\n\r\n"
				      : "Connection: close\r\n\r\n";
	if (bad || put(tmp, sizeof tmp, &o, framing, strlen(framing)) ||
	    replace_head(b, headlen, tmp, o) < 0) {
		head_too_large(cx, r);
		return -1;
	}
	if (!chunked)
		x->resp_keep = 0;
	return 0;
}

/* The head of a token endpoint's 2xx answer, at b's cleared end: taken out of b, and
 * kept without its framing headers until the body is gathered. Returns 1 to go on,
 * 0 with r failed. */
static int capture_begin(struct exchange *x, const struct exchange_ctx *cx,
			 const struct http_response *res, struct buf *b, size_t hl,
			 struct exchange_result *r)
{
	if (scrub_readable(cx, res, r) < 0)
		return 0;
	char tmp[BUF_SIZE];
	size_t o = 0;
	const char *h = b->data + b->start + b->fwd;
	const char *eol = memchr(h, '\n', hl);
	int bad = put(tmp, sizeof tmp, &o, h, (size_t)(eol - h) + 1);
	for (size_t i = 0; i < res->nheaders && !bad; i++) {
		const struct http_header *f = &res->headers[i];
		if (header_is(f, "Content-Length") || header_is(f, "Transfer-Encoding"))
			continue;
		bad = put(tmp, sizeof tmp, &o, f->name.p, f->name.len) ||
		      put(tmp, sizeof tmp, &o, ": ", 2) ||
		      put(tmp, sizeof tmp, &o, f->value.p, f->value.len) ||
		      put(tmp, sizeof tmp, &o, "\r\n", 2);
	}
	bad = bad || put(tmp, sizeof tmp, &o, "\r\n", 2);
	x->capture = bad ? NULL : body_inject_new(res->body, res->content_length, tmp, o);
	if (!x->capture) {
		fail(r, 502, "bad-response");
		snprintf(r->why, sizeof r->why, "airlock: no room for the answer of %s:%u, whose "
			 "token it keeps.\n", cx->host, cx->port);
		return 0;
	}
	char *p = b->data + b->start + b->fwd;
	memmove(p, p + hl, b->end - b->start - b->fwd - hl);
	b->end -= hl;
	x->status = res->status;
	x->resp_keep = res->keep_alive && x->resp_keep;
	x->resp_body = res->body;
	x->resp = EXCHANGE_RESP_BODY;
	return 1;
}

/* A gathered token answer: the token member becomes the placeholder, its value goes
 * into the store. 0, or -1 with r failed. */
static int capture_token(struct exchange *x, const struct exchange_ctx *cx,
			 struct exchange_result *r)
{
	const struct secret_entry *e = &cx->vault->entries[cx->capture];
	const char *name = e->secret->name, *why;
	size_t len;
	const char *doc = body_inject_body(x->capture, &len);
	struct json_span tok;
	if (json_find_string(doc, len, e->secret->field, &tok, &why) != JSON_FOUND)
		return body_inject_message(x->capture, doc, len); /* an answer without it */
	char value[SECRET_TOKEN_MAX];
	long n = json_string_decode(doc, tok, value, sizeof value);
	long long ttl = 0;
	const char *w2;
	if (json_find_integer(doc, len, "expires_in", &ttl, &w2) != JSON_FOUND || ttl < 0)
		ttl = 0;
	if (n <= 0 || secret_store_set_token(cx->vault, (size_t)cx->capture, value, (size_t)n,
					     ttl ? cx->now + ttl : 0) < 0) {
		explicit_bzero(value, sizeof value);
		fail(r, 502, "bad-token");
		snprintf(r->why, sizeof r->why, "airlock: the answer of %s:%u carries a %s that "
			 "airlock cannot keep (empty, longer than %d bytes, or with a line break), "
			 "so it was not handed on.\n", cx->host, cx->port, e->secret->field,
			 SECRET_TOKEN_MAX);
		return -1;
	}
	explicit_bzero(value, sizeof value);
	char ph[SECRETS_PREFIX_LEN + 260];
	int pl = snprintf(ph, sizeof ph, "\"%s%s\"", SECRETS_PREFIX, name);
	size_t out_len = len - tok.len + (size_t)pl;
	char *out = malloc(out_len);
	if (!out) {
		fail(r, 503, "no-memory");
		snprintf(r->why, sizeof r->why, "airlock: no memory for the token's answer.\n");
		return -1;
	}
	memcpy(out, doc, tok.off);
	memcpy(out + tok.off, ph, (size_t)pl);
	memcpy(out + tok.off + (size_t)pl, doc + tok.off + tok.len, len - tok.off - tok.len);
	int rc = body_inject_message(x->capture, out, out_len);
	explicit_bzero(out, out_len);
	free(out);
	return rc;
}

/* A token endpoint's answer: gathered, rewritten, scrubbed of what the connection
 * sent, then written back at b's cleared end as room allows. */
static void capture_body(struct exchange *x, const struct exchange_ctx *cx, struct buf *b,
			 struct exchange_result *r)
{
	if (!x->capture_ready) {
		char *p = b->data + b->start + b->fwd;
		size_t avail = b->end - b->start - b->fwd, used = 0;
		const char *why = "";
		enum body_take t = body_inject_take(x->capture, p, avail, &used, &why);
		memmove(p, p + used, avail - used);
		b->end -= used;
		if (t == BODY_TAKE_BAD || t == BODY_TAKE_OVER) {
			fail(r, 502, "bad-response");
			snprintf(r->why, sizeof r->why, "airlock: the answer of %s:%u, whose token "
				 "airlock keeps, is %s.\n", cx->host, cx->port,
				 t == BODY_TAKE_BAD ? why : "longer than 256 KiB");
			return;
		}
		if (t == BODY_TAKE_MORE)
			return;
		if (capture_token(x, cx, r) < 0 ||
		    (cx->injected && body_inject_scrub(x->capture, cx->secrets, cx->injected,
						       cx->basic, cx->basic_len) < 0)) {
			if (r->outcome != EXCHANGE_FAIL) {
				fail(r, 503, "no-memory");
				snprintf(r->why, sizeof r->why, "airlock: no memory for the answer.\n");
			}
			return;
		}
		x->capture_ready = 1;
	}
	buf_compact(b);
	size_t rest = b->end - b->fwd, space = BUF_SIZE - b->fwd - rest;
	char tmp[BUF_SIZE];
	size_t n = body_inject_out(x->capture, tmp, space);
	memmove(b->data + b->fwd + n, b->data + b->fwd, rest);
	memcpy(b->data + b->fwd, tmp, n);
	explicit_bzero(tmp, n);
	if (n)
		r->head_sent = 1;
	b->fwd += n;
	b->end += n;
	if (body_inject_pending(x->capture) == 0) {
		body_inject_free(x->capture);
		x->capture = NULL;
		x->resp = EXCHANGE_RESP_DONE;
	}
}

/* One response head at b's cleared end. Returns 1 to go on with the next bytes, 0 when
 * r holds the outcome. */
static int response_head(struct exchange *x, const struct exchange_ctx *cx, struct buf *b,
			 struct exchange_result *r)
{
	const char *p = b->data + b->start + b->fwd;
	size_t avail = b->end - b->start - b->fwd;
	struct http_response res;
	const char *why = "";
	int n = http_parse_response(p, avail, cx->method, strlen(cx->method), &res, &why);
	if (n == 0 && avail >= BUF_SIZE) {
		fail(r, 502, "bad-response");
		snprintf(r->why, sizeof r->why, "airlock: %s:%u sent a response head larger than "
			 "%d bytes.\n", cx->host, cx->port, BUF_SIZE);
		return 0;
	}
	if (n == 0)
		return 0; /* more */
	if (n < 0) {
		fail(r, 502, "bad-response");
		snprintf(r->why, sizeof r->why, "airlock: %s:%u sent an invalid response: %s.\n",
			 cx->host, cx->port, why);
		return 0;
	}
	size_t hl = (size_t)n;
	if (cx->capture >= 0 && cx->vault && res.status >= 200 && res.status < 300 &&
	    res.body != HTTP_BODY_NONE)
		return capture_begin(x, cx, &res, b, hl, r);
	struct secrets_scrubber sc = {.st = cx->secrets};
	int scrubbing = cx->secrets && cx->injected;
	if (scrubbing && secrets_scrubber_init(&sc, cx->secrets, cx->injected, cx->basic,
					       cx->basic_len) == 0) {
		scrubbing = secrets_scrubber_active(&sc);
		secrets_scrubber_wipe(&sc);
	}
	if (scrubbing && res.status >= 200 && res.body != HTTP_BODY_NONE &&
	    scrub_begin(x, cx, &res, b, &hl, r) < 0)
		return 0;
	if (cx->injected && scrub_head(cx, b, &hl, r) < 0)
		return 0;
	b->fwd += hl;
	r->head_sent = 1;
	if (res.status == 101) {
		if (!x->upgrade_req) {
			r->outcome = EXCHANGE_RESET;
			return 0; /* closed without a line of its own, as a broken upstream */
		}
		x->status = 101;
		x->req_done = 1;
		r->outcome = EXCHANGE_UPGRADE;
		return 0;
	}
	if (res.status < 200)
		return 1; /* 100 Continue and friends: passed on, the next head follows */
	x->status = res.status;
	x->resp_keep = res.keep_alive && x->resp_keep;
	x->resp_body = res.body;
	x->resp_left = res.content_length;
	http_chunked_init(&x->resp_ch);
	x->resp = res.body == HTTP_BODY_NONE ? EXCHANGE_RESP_DONE : EXCHANGE_RESP_BODY;
	return 1;
}

static size_t min3(size_t a, uint64_t b, size_t c)
{
	size_t m = a < c ? a : c;
	return b < m ? (size_t)b : m;
}

/* Takes the upstream's body bytes at b's cleared end apart into the scrub stream (data)
 * and the trailer buffer, as far as the stream has room; returns how many were taken,
 * or -1 with r set for malformed chunked framing. */
static long scrub_take(struct exchange *x, const struct exchange_ctx *cx, const char *p,
		       size_t avail, struct exchange_result *r)
{
	struct exchange_scrub *z = x->scrub;
	size_t used = 0;
	while (used < avail && !z->in_done) {
		size_t room = body_scrub_room(z->stream), k;
		if (x->resp_body == HTTP_BODY_LENGTH) {
			k = min3(avail - used, x->resp_left, room);
			x->resp_left -= k;
			z->in_done = x->resp_left == 0;
		} else if (x->resp_body == HTTP_BODY_UNTIL_CLOSE) {
			k = min3(avail - used, room, room);
		} else {
			uint64_t left = http_chunked_data_left(&x->resp_ch);
			int trl = http_chunked_in_trailers(&x->resp_ch), done = 0;
			const char *why = "";
			k = left ? min3(avail - used, left, room) : 1;
			if (k == 0 || http_chunked_feed(&x->resp_ch, p + used, k, &done, &why) < 0) {
				if (k == 0)
					break;
				r->outcome = EXCHANGE_RESET;
				snprintf(r->why, sizeof r->why, "%s", why);
				return -1;
			}
			z->in_done = done;
			if (!left) { /* framing: only the trailer section is kept */
				if (trl && z->trl_len < sizeof z->trl)
					z->trl[z->trl_len++] = p[used];
				else if (trl)
					z->trl_drop = 1;
				used++;
				continue;
			}
		}
		if (k == 0)
			break;
		body_scrub_put(z->stream, p + used, k);
		used += k;
	}
	if (x->resp_body == HTTP_BODY_UNTIL_CLOSE && cx->upstream_eof && used == avail)
		z->in_done = 1;
	return (long)used;
}

/* Writes the end of a re-framed chunked body into out: the last chunk, the trailers
 * (scrubbed, or dropped when they did not fit or cannot be scrubbed) and the final
 * CRLF. Returns the length, 0 when cap is too small. */
static size_t scrub_last_chunk(struct exchange_scrub *z, const struct exchange_ctx *cx,
			       char *out, size_t cap)
{
	static const char bare[] = "0\r\n\r\n";
	char trl[EXCHANGE_TRAILERS_MAX];
	size_t n = 0;
	if (cap < sizeof bare - 1)
		return 0;
	if (z->trl_drop || z->trl_len < 2 ||
	    secrets_scrub(cx->secrets, cx->injected, cx->basic, cx->basic_len, z->trl,
			  z->trl_len, trl, sizeof trl, &n) < 0 || n + 3 > cap) {
		explicit_bzero(trl, sizeof trl);
		memcpy(out, bare, sizeof bare - 1);
		return sizeof bare - 1;
	}
	memcpy(out, "0\r\n", 3);
	memcpy(out + 3, trl, n);
	explicit_bzero(trl, n);
	return 3 + n;
}

/* The body of a response being scrubbed: input taken apart, scrubbed bytes written back
 * at b's cleared end, framed, as far as b has room. */
static void scrub_body(struct exchange *x, const struct exchange_ctx *cx, struct buf *b,
		       struct exchange_result *r)
{
	struct exchange_scrub *z = x->scrub;
	char *p = b->data + b->start + b->fwd;
	size_t avail = b->end - b->start - b->fwd;
	long used = scrub_take(x, cx, p, avail, r);
	if (used < 0)
		return;
	/* The bytes taken leave b; what follows the body (if anything) stays behind. */
	memmove(p, p + used, avail - (size_t)used);
	b->end -= (size_t)used;
	buf_compact(b);
	size_t rest = b->end - b->fwd;
	size_t space = BUF_SIZE - b->fwd - rest;
	char tmp[BUF_SIZE];
	size_t o = 0, hdr = z->chunked ? 10 : 0, tail = z->chunked ? 2 : 0;
	if (space > hdr + tail) {
		size_t n = body_scrub_get(z->stream, tmp + hdr, space - hdr - tail, z->in_done);
		if (n && z->chunked) {
			char h[16];
			int hl = snprintf(h, sizeof h, "%zx\r\n", n);
			memmove(tmp + hl, tmp + hdr, n);
			memcpy(tmp, h, (size_t)hl);
			memcpy(tmp + hl + n, "\r\n", 2);
			o = (size_t)hl + n + 2;
		} else {
			o = n;
		}
	}
	int last = z->in_done && body_scrub_held(z->stream) == 0;
	if (last && z->chunked) {
		size_t e = scrub_last_chunk(z, cx, tmp + o, space - o);
		last = e > 0;
		o += e;
	}
	memmove(b->data + b->fwd + o, b->data + b->fwd, rest);
	memcpy(b->data + b->fwd, tmp, o);
	explicit_bzero(tmp, o);
	b->end += o;
	b->fwd += o;
	if (last) {
		x->resp = EXCHANGE_RESP_DONE;
		scrub_free(x);
	}
}

void exchange_response(struct exchange *x, const struct exchange_ctx *cx, struct buf *b,
		       struct exchange_result *r)
{
	result(r, EXCHANGE_MORE);
	for (;;) {
		const char *p = b->data + b->start + b->fwd;
		size_t avail = b->end - b->start - b->fwd;
		if (x->resp == EXCHANGE_RESP_DONE) {
			r->outcome = EXCHANGE_DONE;
			r->trailing = avail > 0;
			return;
		}
		if (avail == 0 && !((x->scrub || x->capture) && x->resp == EXCHANGE_RESP_BODY))
			return;
		if (x->resp == EXCHANGE_RESP_HEAD) {
			if (!response_head(x, cx, b, r))
				return;
			continue;
		}
		if (x->capture) {
			capture_body(x, cx, b, r);
			if (r->outcome == EXCHANGE_FAIL)
				return;
		} else if (x->scrub) {
			scrub_body(x, cx, b, r);
			if (r->outcome == EXCHANGE_RESET)
				return;
		} else if (x->resp_body == HTTP_BODY_LENGTH) {
			size_t take = avail < x->resp_left ? avail : (size_t)x->resp_left;
			b->fwd += take;
			x->resp_left -= take;
			if (x->resp_left == 0)
				x->resp = EXCHANGE_RESP_DONE;
		} else if (x->resp_body == HTTP_BODY_CHUNKED) {
			int done = 0;
			const char *why = "";
			long k = http_chunked_feed(&x->resp_ch, p, avail, &done, &why);
			if (k < 0) {
				r->outcome = EXCHANGE_RESET;
				snprintf(r->why, sizeof r->why, "%s", why);
				return;
			}
			b->fwd += (size_t)k;
			if (done)
				x->resp = EXCHANGE_RESP_DONE;
		} else {
			b->fwd += avail; /* until close */
		}
		if (x->resp != EXCHANGE_RESP_DONE)
			return;
	}
}

uint64_t exchange_passthrough(const struct exchange *x)
{
	if (x->resp != EXCHANGE_RESP_BODY || x->scrub || x->capture)
		return 0;
	if (x->resp_body == HTTP_BODY_LENGTH)
		return x->resp_left;
	return x->resp_body == HTTP_BODY_UNTIL_CLOSE ? UINT64_MAX : 0;
}

void exchange_passed(struct exchange *x, uint64_t n)
{
	if (x->resp_body != HTTP_BODY_LENGTH)
		return;
	x->resp_left -= n < x->resp_left ? n : x->resp_left;
	if (x->resp_left == 0)
		x->resp = EXCHANGE_RESP_DONE;
}
