/* forward.c: the http:// exchange (absolute-form requests, and those inside a
 * terminated TLS connection) once its head is decided and rewritten (decide.c). Request
 * and response bodies stream as they arrive; the I/O-free exchange (exchange.h) tracks
 * their framing to know where each message ends, so keep-alive, pipelining,
 * `Expect: 100-continue` and `Upgrade` (relay after 101) work. This file turns its
 * answers into outcomes.
 */
#include <time.h>

#include "proxy/proxy_int.h"

void forward_start(struct conn *c)
{
	struct conn_http *h = &c->h;
	if (h->body_mode == BODY_CHECK)
		exchange_scan(&h->ex);
	if (h->body_mode != BODY_GATHER || h->ex.req_done) {
		c->up.fwd = h->head_len;
		h->head_len = 0;
		return;
	}
	/* The head waits with the body, which changes its Content-Length. */
	struct http_request req = {.body = h->ex.req_body, .content_length = h->ex.req_left};
	if (exchange_inject(&h->ex, &req, c->up.data + c->up.start, h->head_len) == 0) {
		explicit_bzero(c->up.data + c->up.start, h->head_len);
		c->up.start += h->head_len;
		/* The upstream never sees Expect: airlock answers it, since it waits for the
		 * body before it sends the head. */
		if (h->ex.req_expect && c->down.end + 25 <= CONN_BUF) {
			memcpy(c->down.data + c->down.end, "HTTP/1.1 100 Continue\r\n\r\n", 25);
			c->down.end += 25;
			c->down.fwd += 25;
		}
		h->head_len = 0;
	}
	/* Else no memory: the head stays uncleared, and exchange_request() fails the
	 * request (the head has no framing left, so it must never go alone). */
}

void forward_done(struct conn *c, struct outcome *o)
{
	const struct exchange *ex = &c->h.ex;
	outcome_step(o, STEP_WAIT);
	if (ex->resp != EXCHANGE_RESP_DONE || c->down.fwd != 0 || !c->xprt[0]->flushed(c, 0))
		return;
	if (!ex->req_done || c->up.fwd > 0 || !c->xprt[1]->flushed(c, 1)) {
		/* Answered before the body was complete or sent (e.g. 413): the rest of the
		 * body has nowhere to go, and must never be read as a next request, so the
		 * connection ends here. */
		outcome_end(o, STEP_LINGER, "request", "answered before the request body ended");
		return;
	}
	int keep = !c->h.close_after && ex->client_keep && ex->resp_keep && !c->c_eof;
	outcome_end(o, keep ? STEP_NEXT : STEP_LINGER, "request", "");
}

void forward_step(struct conn *c, struct outcome *o)
{
	struct conn_http *h = &c->h;
	struct exchange_result r;
	if (!h->ex.req_done) {
		const struct exchange_ctx rq = {
			.method = c->t.method, .host = c->t.host, .port = c->t.port,
			.secrets = c->t.action == ACTION_ALLOW ? c->p->secrets : NULL,
			.tls = c->mitm != NULL, .capture = -1,
		};
		exchange_request(&h->ex, &rq, &c->up, &r);
		h->injected |= r.injected;
		h->scrub_mask |= r.injected;
		if (r.outcome == EXCHANGE_FAIL) {
			outcome_fail(o, r.status, r.token, "%s", r.why);
			return;
		}
	}
	/* Every value this connection has carried upstream is kept from every later
	 * response, whichever request it came with. */
	const struct exchange_ctx cx = {
		.method = c->t.method, .host = c->t.host, .port = c->t.port,
		.secrets = c->p->secrets, .injected = h->scrub_mask, .basic = h->basic_sent,
		.basic_len = h->basic_sent_len, .upstream_eof = c->u_eof, .tls = c->mitm != NULL,
		.capture = h->capture, .vault = c->p->secrets, .now = (int64_t)time(NULL),
	};
	exchange_response(&h->ex, &cx, &c->down, &r);
	if (c->md) {
		/* The metadata server's token request: its answer is airlock's alone (the token
		 * went into the store), and nothing of it goes to the sandbox. */
		explicit_bzero(c->down.data + c->down.start, c->down.fwd);
		c->down.start += c->down.fwd;
		c->down.fwd = 0;
		if (c->down.start == c->down.end)
			c->down.start = c->down.end = 0;
		if (r.outcome == EXCHANGE_DONE) {
			outcome_step(o, STEP_FETCHED);
			return;
		}
		r.head_sent = 0;
	}
	if (r.head_sent)
		h->resp_started = 1;
	if (h->ex.status)
		h->status = h->ex.status;
	switch (r.outcome) {
	case EXCHANGE_MORE:
		break;
	case EXCHANGE_DONE:
		if (r.trailing)
			c->ureusable = 0; /* bytes after the response: do not reuse */
		break;
	case EXCHANGE_UPGRADE:
		outcome_end(o, STEP_RELAY, "request", "");
		return;
	case EXCHANGE_FAIL:
		outcome_fail(o, r.status, r.token, "%s", r.why);
		return;
	case EXCHANGE_RESET:
		if (r.why[0])
			outcome_end(o, STEP_RESET, "error", r.why);
		else
			outcome_step(o, STEP_RESET);
		return;
	}
	forward_done(c, o);
}
