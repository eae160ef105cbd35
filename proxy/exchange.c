/* exchange.c: see exchange.h. */
#include "proxy/exchange.h"

#include <stdio.h>
#include <string.h>

#include "proxy/secrets.h"

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
	memset(x, 0, sizeof *x);
	x->req_body = req->body;
	x->req_left = req->content_length;
	http_chunked_init(&x->req_ch);
	x->req_done = req->body == HTTP_BODY_NONE;
	x->client_keep = req->keep_alive;
	x->upgrade_req = req->upgrade;
	x->resp = EXCHANGE_RESP_HEAD;
	x->resp_keep = 1;
}

void exchange_request(struct exchange *x, struct buf *b, struct exchange_result *r)
{
	result(r, EXCHANGE_MORE);
	const char *p = b->data + b->start + b->fwd;
	size_t avail = b->end - b->start - b->fwd;
	if (!x->req_done && avail > 0) {
		if (x->req_body == HTTP_BODY_LENGTH) {
			size_t take = avail < x->req_left ? avail : (size_t)x->req_left;
			b->fwd += take;
			x->req_left -= take;
			x->req_done = x->req_left == 0;
		} else if (x->req_body == HTTP_BODY_CHUNKED) {
			int done = 0;
			const char *why = "";
			long k = http_chunked_feed(&x->req_ch, p, avail, &done, &why);
			if (k < 0) {
				fail(r, 400, "bad-chunked-body");
				snprintf(r->why, sizeof r->why,
					 "airlock refused a malformed chunked request body: %s.\n", why);
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

/* A response head to a request that carried secrets may repeat them (a redirect to the
 * same URL, an echoed header): each value goes back as its placeholder, each Basic
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
	/* Make room at the front, then put the new head where the old one was. */
	buf_compact(b);
	size_t rest = b->end - b->fwd - *headlen;
	if (k < 0 || b->fwd + n + rest > BUF_SIZE) {
		explicit_bzero(tmp, sizeof tmp);
		fail(r, 502, "bad-response");
		snprintf(r->why, sizeof r->why, "airlock: the response head from %s:%u does not "
			 "fit once the secrets it repeats are replaced by their placeholders.\n",
			 cx->host, cx->port);
		return -1;
	}
	memmove(b->data + b->fwd + n, b->data + b->fwd + *headlen, rest);
	memcpy(b->data + b->fwd, tmp, n);
	explicit_bzero(tmp, n);
	b->end = b->fwd + n + rest;
	*headlen = n;
	return 0;
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
	x->resp_keep = res.keep_alive;
	x->resp_body = res.body;
	x->resp_left = res.content_length;
	http_chunked_init(&x->resp_ch);
	x->resp = res.body == HTTP_BODY_NONE ? EXCHANGE_RESP_DONE : EXCHANGE_RESP_BODY;
	return 1;
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
		if (avail == 0)
			return;
		if (x->resp == EXCHANGE_RESP_HEAD) {
			if (!response_head(x, cx, b, r))
				return;
			continue;
		}
		if (x->resp_body == HTTP_BODY_LENGTH) {
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
