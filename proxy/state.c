/* state.c: the state machine of a proxied connection, and the one place its phase is
 * assigned (enter()). io.c reports what happened on the sockets and the timer; the
 * handler of the current phase (decide.c, tunnel.c, forward.c, mitm.c, or the dial)
 * says what follows as an outcome (outcome.h); apply() carries it out. Handlers never
 * call each other: the chaining is here.
 *
 * Auditing is an action on leaving a state: an outcome that ends the request or tunnel
 * in progress carries its event and reason, and apply() writes that record's line
 * (record.c), once. Whatever is still open when the connection closes is written by
 * state_close().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/base/log.h"
#include "proxy/mitm.h"
#include "proxy/proxy_int.h"
#include "proxy/record.h"

static void apply(struct conn *c, struct outcome *o);

static const char *const phase_names[] = {
	[PH_HEAD] = "head", [PH_DIAL] = "dial", [PH_TLS_WAIT] = "tls-wait", [PH_SNI] = "sni",
	[PH_RELAY] = "relay", [PH_HTTP] = "http", [PH_FINISH] = "finish",
};

/* The one assignment of a connection's phase; with -v -v it logs the step. */
static void enter(struct conn *c, enum phase next)
{
	if (c->p->verbose > 1 && c->phase != next)
		log_msg("proxy: %s:%u %s -> %s", c->t.host[0] ? c->t.host : "-", c->t.port,
			phase_names[c->phase], phase_names[next]);
	c->phase = next;
}

void state_close(struct conn *c, int reset)
{
	if (c->dead)
		return;
	record_close(c, reset);
	conn_close(c, reset);
}

int state_reads_client(const struct conn *c)
{
	/* Bytes pushed aside by a rewritten head come before any new ones (io.c). */
	if (c->c_eof || (c->spill_len && c->phase != PH_FINISH))
		return 0;
	switch (c->phase) {
	case PH_HEAD:
	case PH_TLS_WAIT: /* a ClientHello sent early waits in `up` for the TLS engine */
	case PH_SNI:
	case PH_RELAY:
		return 1;
	case PH_HTTP:
		return !c->h.ex.req_done && c->ufd >= 0;
	case PH_FINISH:
		return c->draining;
	case PH_DIAL:
		return 0;
	}
	return 0;
}

int state_watches_client_hangup(const struct conn *c)
{
	return c->phase == PH_HTTP && c->h.ex.req_done && !c->c_eof && !c->h.hangup_deferred &&
	       c->cfd >= 0;
}

int state_reads_upstream(const struct conn *c)
{
	if (c->ufd < 0 || c->u_eof)
		return 0;
	switch (c->phase) {
	case PH_RELAY:
		return 1;
	case PH_HTTP:
		return c->h.ex.resp != EXCHANGE_RESP_DONE;
	case PH_HEAD: /* an idle keep-alive upstream: notice when it closes */
		return 1;
	default:
		return 0;
	}
}

/* A request head begins: its record opens and the answer part starts afresh. */
static void begin_request(struct conn *c)
{
	record_request_begin(c);
	c->h.status = 0;
	c->h.resp_started = 0;
	c->h.injected = 0;
	c->h.capture = -1; /* set again by whatever decides this request */
	c->h.body_mode = BODY_RELAY;
	c->h.hangup_deferred = 0;
}

/* PH_HEAD: a complete head goes to decide.c; a malformed or endless one is refused. */
static void head_step(struct conn *c, struct outcome *o)
{
	outcome_step(o, STEP_WAIT);
	size_t len = c->up.end - c->up.start;
	if (len == 0)
		return;
	struct proxy *p = c->p;
	if (!loop_timer_armed(&c->timer) || c->timer.when > loop_now(p->loop) + p->head_ms)
		conn_arm_timer(c, p->head_ms);
	struct http_request req;
	if (c->redirect == REDIRECT_LINE && !redirect_read_line(c, o))
		return;
	if (c->redirect == REDIRECT_READ && !c->mitm && redirect_is_tls(c)) {
		char why[300];
		int k = redirect_tls_request(c, &req, why, sizeof why);
		if (k == 0)
			return;
		snprintf(c->t.method, sizeof c->t.method, "CONNECT");
		c->t.path[0] = 0;
		begin_request(c);
		if (k < 0) {
			outcome_end(o, STEP_RESET, "deny", why);
			outcome_notice(o, why);
			return;
		}
		decide_request(c, &req, 0, o);
		return;
	}
	len = c->up.end - c->up.start;
	if (len == 0)
		return;
	const char *why = "";
	int r = http_parse_request(c->up.data + c->up.start, len, &req, &why);
	if (r == 0 && len < CONN_BUF)
		return;
	if (r <= 0) {
		snprintf(c->t.method, sizeof c->t.method, "-");
		c->t.path[0] = 0;
		begin_request(c);
		if (r == 0)
			outcome_fail(o, 431, "head-too-large",
				     "airlock refused the request: its head is larger than 16384 "
				     "bytes.\n");
		else
			outcome_fail(o, -r, "bad-request",
				     "airlock refused a malformed request: %s.\n", why);
		return;
	}
	begin_request(c);
	if (c->redirect && req.is_connect) {
		/* It went around the proxy: it would wait for a 200 that a redirect never
		 * sends. */
		outcome_fail(o, 400, "connect-around-proxy",
			     "airlock refused a CONNECT sent to port %u directly: the connection went "
			     "around the proxy (isolation unprivileged redirected it); send CONNECT "
			     "to the proxy named in HTTPS_PROXY.\n", (unsigned)c->redirect_port);
		return;
	}
	if (c->metadata) {
		metadata_request(c, &req, (size_t)r, o);
		return;
	}
	if (c->mitm)
		c->rec.tun_requests++; /* a request inside the terminated tunnel */
	decide_request(c, &req, (size_t)r, o);
}

/* The handler of the current phase, for bytes that arrived or wait in the buffers. */
static void phase_step(struct conn *c, struct outcome *o)
{
	switch (c->phase) {
	case PH_HEAD:
		head_step(c, o);
		return;
	case PH_SNI:
		tunnel_check_sni(c, o);
		return;
	case PH_RELAY:
		tunnel_relay(c, o);
		return;
	case PH_HTTP:
		forward_step(c, o);
		return;
	default:
		outcome_step(o, STEP_WAIT);
		return;
	}
}

/* The upstream is open for the target: what the target is for begins. */
static void upstream_open(struct conn *c, struct outcome *o)
{
	if (mitm_upstream_ready(c) < 0) {
		/* A terminated connection never talks to its upstream in the clear. */
		outcome_fail(o, 502, "upstream-tls", "airlock: %s.\n", mitm_why(c));
		return;
	}
	snprintf(c->uhost, sizeof c->uhost, "%s", c->t.host);
	c->uport = c->t.port;
	/* An http:// upstream may carry the client's next request to the same target. */
	c->ureusable = !c->t.forward_port && !c->t.is_connect;
	c->last_active = loop_now(c->p->loop);
	conn_arm_timer(c, c->p->idle_ms);
	if (c->t.forward_port) {
		c->h.status = 0;
		outcome_step(o, STEP_RELAY);
	} else if (c->t.is_connect) {
		tunnel_answer(c, o);
		if (o->step == STEP_SNI || o->step == STEP_TLS)
			c->rec.tun_200 = 1;
	} else {
		enter(c, PH_HTTP);
		forward_start(c);
		forward_step(c, o);
	}
}

/* STEP_DIAL: reuses the kept upstream (1, with o filled) or starts the dial (0). */
static int start_dial(struct conn *c, struct outcome *o)
{
	enter(c, PH_DIAL);
	loop_timer_cancel(c->p->loop, &c->timer);
	if (c->t.is_connect || c->t.forward_port)
		record_tunnel_begin(c);
	if (c->ufd >= 0 && c->ureusable && !c->t.is_connect && !c->u_eof &&
	    strcmp(c->uhost, c->t.host) == 0 && c->uport == c->t.port &&
	    c->xprt[1]->alive(c, 1)) {
		/* Reused only when it has not closed meanwhile (a TLS upstream may hold
		 * handshake bytes unread: its engine knows whether it lives). */
		upstream_open(c, o);
		return 1;
	}
	conn_close_upstream(c, 0);
	/* The down buffer only ever holds bytes of this upstream. */
	c->down.start = c->down.end = c->down.fwd = 0;
	dial_start(&c->dial, c->t.host, c->t.port, c->t.is_connect, c->t.forward_port, &c->down);
	return 0;
}

void state_dialed(struct conn *c, struct dial_result *res)
{
	struct outcome o;
	if (res->fd < 0) {
		outcome_fail(&o, res->status, res->token, "%s", res->body);
		if (res->notice[0])
			outcome_notice(&o, res->notice);
		apply(c, &o);
		return;
	}
	c->ufd = res->fd;
	c->uev = 0;
	upstream_open(c, &o);
	apply(c, &o);
}

/* PH_TLS_WAIT, once the 200 is out: TLS with the sandbox (and the upstream) starts and
 * the requests inside follow. The CONNECT's own record is now the tunnel's. */
static void begin_tls(struct conn *c, struct outcome *o)
{
	char why[300];
	if (mitm_begin(c, why, sizeof why) < 0) {
		outcome_end(o, STEP_RESET, "error", why);
		return;
	}
	if (mitm_upstream_ready(c) < 0)
		conn_close_upstream(c, 1); /* the first request gets the 502 with the reason */
	enter(c, PH_HEAD);
	c->t.is_connect = 0;
	c->t.method[0] = c->t.path[0] = 0;
	c->ureusable = c->ufd >= 0;
	c->h.resp_started = 0; /* the 200 is not part of an answer to the requests */
	c->h.status = 0;
	c->rec.req_open = 0;
	c->rec.up = c->rec.down = 0;
	conn_arm_timer(c, c->p->head_ms);
	outcome_step(o, STEP_WAIT);
}

/* STEP_FAIL: airlock's own answer, then close; just a close when the client already has
 * part of another answer (or the bytes are not HTTP). */
static void answer(struct conn *c, const struct outcome *o)
{
	if (c->h.resp_started || c->t.forward_port || c->phase == PH_RELAY || c->phase == PH_SNI) {
		state_close(c, 1);
		return;
	}
	dial_cancel(&c->dial);
	conn_close_upstream(c, 1);
	const char *hdr = o->status == 403 ? "X-Airlock-Deny" : "X-Airlock-Error";
	size_t n = deny_format(c->down.data, CONN_BUF, o->status, hdr, o->token, o->text);
	if (n == 0) {
		state_close(c, 0);
		return;
	}
	c->down.start = 0;
	c->down.end = c->down.fwd = n;
	enter(c, PH_FINISH);
	c->h.resp_started = 1;
	c->up.start = c->up.end = c->up.fwd = 0;
	conn_arm_timer(c, c->p->head_ms);
}

/* STEP_REPLY: airlock's whole answer is in c->down (metadata.c): out, then close. */
static void reply(struct conn *c)
{
	dial_cancel(&c->dial);
	conn_close_upstream(c, 0);
	enter(c, PH_FINISH);
	c->h.resp_started = 1;
	c->up.start = c->up.end = c->up.fwd = 0;
	conn_arm_timer(c, c->p->head_ms);
}

/* STEP_LINGER: after a complete answer, half-closes the client, drains it briefly, then
 * closes (closing with unread input would send an RST that can destroy the answer). */
static void linger(struct conn *c)
{
	conn_close_upstream(c, 0);
	enter(c, PH_FINISH);
	c->down.start = c->down.end = c->down.fwd = 0;
	c->up.start = c->up.end = c->up.fwd = 0;
	conn_half_close(c, 0);
	c->draining = 1;
	conn_arm_timer(c, PROXY_LINGER_MS);
}

/* STEP_NEXT: the exchange is over and both sides keep the connection. */
static void next_request(struct conn *c)
{
	if (c->down.end != c->down.start)
		conn_close_upstream(c, 0); /* bytes after the response: not reusable */
	c->down.start = c->down.end = c->down.fwd = 0;
	enter(c, PH_HEAD);
	c->h.resp_started = 0; /* the next request's errors are answered again */
	c->t.method[0] = c->t.path[0] = 0;
	conn_arm_timer(c, c->p->idle_ms);
}

/* Writes the line of what o ends. */
static void end_record(struct conn *c, const struct outcome *o)
{
	const char *decision = conn_decision(c);
	int status = c->h.status;
	const char *reason = o->text;
	char line[256];
	if (o->step == STEP_FAIL) {
		if (o->status == 403)
			decision = "deny";
		status = c->h.status = o->status;
		/* The audit reason is the body's first line, without its newline. */
		size_t n = strcspn(o->text, "\n");
		n = n < sizeof line - 1 ? n : sizeof line - 1;
		memcpy(line, o->text, n);
		line[n] = 0;
		reason = line;
	}
	record_end(c, o->event, decision, status, reason);
}

/* Carries out o, and whatever the handlers it runs say next, until there is nothing to
 * do but wait. */
static void apply(struct conn *c, struct outcome *o)
{
	while (!c->dead) {
		if (o->notice[0])
			proxy_notice_denial(c->p, c->t.method, c->t.host, c->t.port, c->t.path,
					    o->notice, o->allow);
		if (o->event)
			end_record(c, o);
		switch (o->step) {
		case STEP_WAIT:
			return;
		case STEP_DIAL:
			if (!start_dial(c, o))
				return; /* state_dialed() goes on */
			continue;
		case STEP_SNI:
			enter(c, PH_SNI);
			conn_arm_timer(c, c->p->head_ms);
			tunnel_check_sni(c, o);
			continue;
		case STEP_TLS:
			enter(c, PH_TLS_WAIT);
			conn_arm_timer(c, c->p->head_ms);
			if (c->down.fwd == 0 && c->xprt[0]->flushed(c, 0)) {
				begin_tls(c, o); /* no 200 to wait for (a redirect) */
				continue;
			}
			return; /* state_client_sent() goes on once the 200 is out */
		case STEP_RELAY:
			enter(c, PH_RELAY);
			c->last_active = loop_now(c->p->loop);
			conn_arm_timer(c, c->p->idle_ms);
			tunnel_relay(c, o);
			continue;
		case STEP_NEXT:
			next_request(c);
			head_step(c, o);
			continue;
		case STEP_LINGER:
			linger(c);
			return;
		case STEP_FAIL:
			answer(c, o);
			return;
		case STEP_REPLY:
			reply(c);
			return;
		case STEP_FETCHED:
			metadata_fetched(c, o);
			continue;
		case STEP_CLOSE:
		case STEP_RESET:
			state_close(c, o->step == STEP_RESET);
			return;
		}
	}
}

void state_accepted(struct conn *c)
{
	if (!c->t.forward_port) {
		conn_arm_timer(c, c->p->head_ms);
		return;
	}
	snprintf(c->t.host, sizeof c->t.host, "127.0.0.1");
	c->t.port = c->t.forward_port;
	snprintf(c->t.method, sizeof c->t.method, "FORWARD");
	begin_request(c);
	struct outcome o;
	outcome_step(&o, STEP_DIAL);
	apply(c, &o);
}

void state_client_bytes(struct conn *c)
{
	if (c->dead)
		return;
	struct outcome o;
	phase_step(c, &o);
	apply(c, &o);
}

void state_upstream_bytes(struct conn *c)
{
	if (c->dead)
		return;
	if (c->phase == PH_HEAD) { /* unsolicited bytes from an idle upstream */
		conn_close_upstream(c, 1);
		return;
	}
	state_client_bytes(c);
}

void state_client_sent(struct conn *c)
{
	if (c->phase == PH_FINISH && c->down.fwd == 0 && !c->draining && c->xprt[0]->flushed(c, 0)) {
		/* The answer is out: half-close and read what the client still sends, so
		 * closing does not turn into an RST that destroys the answer. */
		conn_half_close(c, 0);
		c->draining = 1;
		conn_arm_timer(c, PROXY_LINGER_MS);
	}
	struct outcome o;
	outcome_step(&o, STEP_WAIT);
	if (c->phase == PH_TLS_WAIT && c->down.fwd == 0 && c->xprt[0]->flushed(c, 0))
		begin_tls(c, &o);
	else if (c->phase == PH_RELAY)
		tunnel_relay(c, &o);
	else if (c->phase == PH_HTTP)
		forward_step(c, &o); /* a scrubbed body goes on as room frees up */
	if (o.step == STEP_WAIT && c->phase == PH_HTTP && c->h.close_after && c->down.fwd == 0 &&
	    c->u_eof)
		outcome_step(&o, STEP_CLOSE); /* a truncated answer is all delivered */
	apply(c, &o);
}

void state_upstream_sent(struct conn *c)
{
	struct outcome o;
	if (c->phase == PH_RELAY)
		tunnel_relay(c, &o);
	else if (c->phase == PH_HTTP && c->h.ex.inject)
		forward_step(c, &o); /* more of a gathered request goes as room frees up */
	else
		return;
	apply(c, &o);
}

void state_client_end(struct conn *c, int how)
{
	struct outcome o;
	if (how < 0) {
		/* The sandbox's side failed (TLS: e.g. it does not trust the sandbox CA). A
		 * request in flight gets the reason; else the tunnel's line carries it. */
		const char *why = c->xprt[0]->why(c, 0);
		if (why)
			outcome_end(&o, STEP_RESET, "error", why);
		else
			outcome_step(&o, STEP_RESET);
		apply(c, &o);
		return;
	}
	c->c_eof = 1;
	switch (c->phase) {
	case PH_RELAY:
		tunnel_relay(c, &o);
		break;
	case PH_HTTP:
		if (!c->h.ex.req_done) {
			outcome_end(&o, STEP_RESET, "error", "client closed during the request body");
		} else {
			c->h.close_after = 1;
			outcome_step(&o, STEP_WAIT);
		}
		break;
	default:
		outcome_step(&o, STEP_CLOSE);
		break;
	}
	apply(c, &o);
}

/* The upstream failed before any answer: a 502 saying why. A TLS failure (e.g. the
 * server's certificate) has its own reason and token. */
static void upstream_failed(struct conn *c, const char *what, int err, struct outcome *o)
{
	const char *why = c->xprt[1]->why(c, 1);
	if (why)
		outcome_fail(o, 502, "upstream-tls", "airlock: %s.\n", why);
	else
		outcome_fail(o, 502, "upstream-error", "airlock: %s %s:%u failed: %s.\n", what,
			     c->t.host, c->t.port, strerror(err));
}

void state_upstream_end(struct conn *c, int how, int err)
{
	struct outcome o;
	outcome_step(&o, STEP_WAIT);
	if (how < 0) {
		if (c->phase == PH_HEAD) {
			/* A kept upstream failed between requests (e.g. its TLS handshake, begun
			 * at CONNECT): the next request reconnects and gets the reason. */
			conn_close_upstream(c, 1);
		} else if (c->phase == PH_HTTP && !c->h.resp_started) {
			upstream_failed(c, how == -3 ? "sending the request to" : "the connection to",
					err, &o);
		} else if (how == -3) {
			outcome_step(&o, STEP_RESET);
		} else {
			outcome_end(&o, STEP_RESET, "error", "upstream reset the connection");
		}
		apply(c, &o);
		return;
	}
	c->u_eof = 1;
	struct exchange *ex = &c->h.ex;
	switch (c->phase) {
	case PH_RELAY:
		tunnel_relay(c, &o);
		break;
	case PH_HEAD: /* the idle keep-alive upstream went away: fine */
		conn_close_upstream(c, 0);
		break;
	case PH_HTTP:
		if (ex->resp == EXCHANGE_RESP_BODY && ex->scrub &&
		    ex->resp_body == HTTP_BODY_UNTIL_CLOSE) {
			ex->resp_keep = 0;
			c->ureusable = 0;
			forward_step(c, &o); /* the held bytes go, and the body ends */
		} else if (ex->resp == EXCHANGE_RESP_BODY &&
			   ex->resp_body == HTTP_BODY_UNTIL_CLOSE) {
			ex->resp = EXCHANGE_RESP_DONE;
			ex->resp_keep = 0;
			c->ureusable = 0;
			forward_done(c, &o);
		} else if (ex->resp == EXCHANGE_RESP_DONE) {
			break;
		} else if (ex->resp == EXCHANGE_RESP_HEAD && !c->h.resp_started) {
			outcome_fail(&o, 502, "upstream-closed",
				     "airlock: %s:%u closed the connection without answering the "
				     "request.\n", c->t.host, c->t.port);
		} else {
			/* Truncated: deliver what came, then close (the client sees the body end
			 * short of its framing). The response never counts as done. */
			c->h.close_after = 1;
			outcome_end(&o, c->down.fwd == 0 ? STEP_RESET : STEP_WAIT, "error",
				    "upstream closed mid-response");
		}
		break;
	default:
		outcome_step(&o, STEP_CLOSE);
		break;
	}
	apply(c, &o);
}

void state_timer(struct conn *c)
{
	struct proxy *p = c->p;
	uint64_t now = loop_now(p->loop);
	struct outcome o;
	outcome_step(&o, STEP_CLOSE);
	switch (c->phase) {
	case PH_HEAD:
		if (c->up.end > c->up.start) {
			snprintf(c->t.method, sizeof c->t.method, "-");
			c->t.path[0] = 0;
			begin_request(c);
			outcome_fail(&o, 408, "head-timeout", "airlock: the request head did not "
				     "arrive within %g seconds.\n", (double)p->head_ms / 1000);
		}
		break;
	case PH_DIAL: /* the dial keeps its own time */
		outcome_step(&o, STEP_WAIT);
		break;
	case PH_SNI: {
		char why[120];
		snprintf(why, sizeof why, "no TLS ClientHello within %g seconds",
			 (double)p->head_ms / 1000);
		outcome_end(&o, STEP_RESET, "deny", why);
		break;
	}
	case PH_RELAY:
	case PH_HTTP:
		if (now - c->last_active < p->idle_ms) {
			conn_arm_timer(c, p->idle_ms - (now - c->last_active));
			outcome_step(&o, STEP_WAIT);
		} else if (c->phase == PH_HTTP && !c->h.resp_started) {
			outcome_fail(&o, 504, "upstream-timeout",
				     "airlock: %s:%u did not answer within %g seconds.\n", c->t.host,
				     c->t.port, (double)p->idle_ms / 1000);
		} else {
			outcome_end(&o, STEP_RESET, c->phase == PH_RELAY ? "connect" : "error",
				    "idle timeout");
		}
		break;
	case PH_TLS_WAIT:
	case PH_FINISH:
		break;
	}
	apply(c, &o);
}
