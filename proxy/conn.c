/* conn.c: one proxied connection's life: its two sockets, two buffers, events, timer,
 * end-of-stream handling and close. What the bytes mean is decided by the phase
 * handlers in forward.c (http://), tunnel.c (CONNECT, forward) and connect.c.
 *
 * A connection is freed only when no callback is running on it (busy == 0), so a
 * handler deep in a call chain may close it and its callers just see c->dead.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/base/log.h"
#include "proxy/audit.h"
#include "proxy/proxy_int.h"

static void on_client(struct loop *l, int fd, uint32_t ev, void *arg);
static void on_upstream(struct loop *l, int fd, uint32_t ev, void *arg);
static void on_timer(struct loop *l, struct loop_timer *t, void *arg);
static void audit_tunnel_end(struct conn *c, int reset);

void conn_hold(struct conn *c) { c->busy++; }

void conn_release(struct conn *c)
{
	if (--c->busy == 0 && c->dead)
		free(c);
}

struct conn *conn_new(struct proxy *p, int cfd, uint16_t forward_port)
{
	/* Buffers are not cleared: only bytes between start and end are ever read. */
	struct conn *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct conn, up));
	c->up.start = c->up.end = c->up.fwd = 0;
	c->down.start = c->down.end = c->down.fwd = 0;
	c->p = p;
	c->cfd = cfd;
	c->xprt[0] = c->xprt[1] = &transport_plain;
	c->ufd = -1;
	c->forward_port = forward_port;
	c->last_active = c->txn_start = loop_now(p->loop);
	if (forward_port)
		conn_tunnel_open(c);
	loop_timer_init(&c->timer, on_timer, c);
	if (loop_add(p->loop, cfd, EPOLLIN, on_client, c) < 0) {
		free(c);
		return NULL;
	}
	c->cev = EPOLLIN;
	c->next = p->conns;
	if (p->conns)
		p->conns->prev = c;
	p->conns = c;
	p->nconns++;
	return c;
}

static void close_fd(struct proxy *p, int fd, int reset)
{
	loop_del(p->loop, fd);
	if (reset) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	close(fd);
}

void conn_close_upstream(struct conn *c, int reset)
{
	if (c->ufd >= 0)
		close_fd(c->p, c->ufd, reset);
	c->ufd = -1;
	c->uev = 0;
	c->connecting = c->handshake = 0;
	c->u_eof = c->u_shut = 0;
	c->ureusable = 0;
	c->uhost[0] = 0;
	mitm_upstream_closed(c);
}

/* shutdown(SHUT_WR) of one side; a TLS side says close_notify first. */
static void half_close(struct conn *c, int upstream)
{
	c->xprt[upstream]->shutdown(c, upstream);
}

void conn_linger_close(struct conn *c)
{
	conn_close_upstream(c, 0);
	conn_enter(c, PH_FINISH);
	c->down.start = c->down.end = c->down.fwd = 0;
	c->up.start = c->up.end = c->up.fwd = 0;
	half_close(c, 0);
	c->draining = 1;
	conn_arm_timer(c, PROXY_LINGER_MS);
	conn_update(c);
}

void conn_close(struct conn *c, int reset)
{
	if (c->dead)
		return;
	struct proxy *p = c->p;
	/* Every decision and every request gets its audit line, however it ends: a
	 * request in flight inside a tunnel first, then the tunnel's decision. */
	if (!c->audited && c->method[0] && !c->is_connect &&
	    (c->phase == PH_HTTP || c->phase == PH_CONNECTING))
		conn_audit(c, "error", conn_decision(c), c->status, "connection closed before the exchange completed");
	if (c->tunnel_open)
		audit_tunnel_end(c, reset);
	if (c->rq)
		resolver_cancel(p->resolver, c->rq);
	c->rq = NULL;
	loop_timer_cancel(p->loop, &c->timer);
	if (c->ufd >= 0)
		close_fd(p, c->ufd, reset);
	c->ufd = -1;
	if (c->cfd >= 0)
		close_fd(p, c->cfd, reset);
	c->cfd = -1;
	mitm_free(c);
	free(c->addrs);
	free(c->addrlens);
	c->addrs = NULL;
	c->addrlens = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->nconns--;
	c->dead = 1;
	if (c->busy == 0)
		free(c);
}

const char *conn_decision(const struct conn *c)
{
	if (c->forward_port)
		return "forward";
	return c->action == ACTION_PASSTHROUGH ? "passthrough"
	       : c->action == ACTION_ALLOW     ? "allow"
					       : "deny";
}

static const char *const phase_names[] = {
	[PH_HEAD] = "head", [PH_CONNECTING] = "connecting", [PH_SNI] = "sni",
	[PH_RELAY] = "relay", [PH_HTTP] = "http", [PH_FINISH] = "finish",
};

void conn_enter(struct conn *c, enum phase next)
{
	if (c->p->verbose > 1 && c->phase != next)
		log_msg("proxy: %s:%u %s -> %s", c->host[0] ? c->host : "-", c->port,
			phase_names[c->phase], phase_names[next]);
	c->phase = next;
}

void conn_arm_timer(struct conn *c, uint64_t ms) { loop_timer_set(c->p->loop, &c->timer, ms); }

/* Writes one audit line (and with -v, its log line) for c's target. */
static void audit_line(struct conn *c, struct audit_event *ev, uint64_t start, uint64_t injected)
{
	struct proxy *p = c->p;
	const char *reason = ev->reason;
	if (p->verbose)
		log_msg("%s %s %s:%u -> %d%s%s", ev->event, ev->method[0] ? ev->method : "-",
			c->host, c->port, ev->status, reason && *reason ? ": " : "",
			reason ? reason : "");
	if (p->audit_fd < 0)
		return;
	const char *names[SECRET_STORE_MAX];
	ev->secrets = names;
	ev->nsecrets = injected && p->secrets
			       ? secrets_injected_list(p->secrets, injected, names, SECRET_STORE_MAX)
			       : 0;
	ev->host = c->host;
	ev->port = c->port;
	ev->rule = c->rule;
	ev->duration_ms = loop_now(p->loop) - start;
	if (audit_write(p->audit_fd, ev) < 0 && p->verbose)
		log_msg("cannot write the audit line: %s", strerror(errno));
}

void conn_tunnel_open(struct conn *c)
{
	c->tunnel_open = 1;
	c->tunnel_200 = 0;
	c->tun_requests = 0;
	c->tun_start = c->txn_start;
	c->tun_up = c->bytes_up;
	c->tun_down = 0;
}

/* The tunnel's decision line when nothing about the tunnel itself was audited before
 * it ended: totals of the whole tunnel, and why it ended where that says more than
 * "connect" (no ClientHello, no TLS handshake, no request, a TLS failure). */
static void audit_tunnel_end(struct conn *c, int reset)
{
	const char *why = mitm_why(c), *reason = "", *event = "connect";
	if (c->mitm && c->tun_requests == 0 && why) {
		event = "error";
		reason = why;
	} else if (!c->forward_port && !c->tunnel_200) {
		reason = "the connection closed before the tunnel was established";
	} else if (c->phase == PH_SNI) {
		reason = "the connection closed before a TLS ClientHello";
	} else if (c->mitm && c->tun_requests == 0) {
		reason = mitm_client_ready(c) ? "the client sent no request after the TLS handshake"
					      : "the connection closed before the TLS handshake completed";
	} else if (reset) {
		reason = "connection reset";
	}
	c->tunnel_open = 0;
	struct audit_event ev = {
		.event = event,
		.method = c->forward_port ? "" : "CONNECT",
		.path = "",
		.decision = conn_decision(c),
		.status = c->tunnel_200 ? 200 : 0,
		.bytes_up = c->tun_up,
		.bytes_down = c->tun_down,
		.reason = reason,
	};
	audit_line(c, &ev, c->tun_start, 0);
}

void conn_audit(struct conn *c, const char *event, const char *decision, int status,
		const char *reason)
{
	c->audited = 1;
	/* A line about the CONNECT (or forward) itself is its decision line. */
	if (c->is_connect || c->forward_port)
		c->tunnel_open = 0;
	struct audit_event ev = {
		.event = event,
		.method = c->method,
		.path = c->path,
		.decision = decision,
		.status = status,
		.bytes_up = c->bytes_up,
		.bytes_down = c->bytes_down,
		.reason = reason,
	};
	audit_line(c, &ev, c->txn_start, c->injected);
}

void conn_fail(struct conn *c, int status, const char *token, const char *event,
	       const char *body)
{
	const char *decision = status == 403 ? "deny" : conn_decision(c);
	c->status = status;
	/* The audit reason is the body's first line, without the trailing newline. */
	char reason[256];
	size_t rl = strcspn(body, "\n");
	snprintf(reason, sizeof reason, "%.*s", (int)(rl < 255 ? rl : 255), body);
	conn_audit(c, event, decision, status, reason);
	if (c->resp_started || c->forward_port || c->phase == PH_RELAY || c->phase == PH_SNI) {
		conn_close(c, 1);
		return;
	}
	conn_close_upstream(c, 1);
	const char *hdr = status == 403 ? "X-Airlock-Deny" : "X-Airlock-Error";
	size_t n = deny_format(c->down.data, CONN_BUF, status, hdr, token, body);
	if (n == 0) {
		conn_close(c, 0);
		return;
	}
	c->down.start = 0;
	c->down.end = c->down.fwd = n;
	conn_enter(c, PH_FINISH);
	c->resp_started = 1;
	c->up.start = c->up.end = c->up.fwd = 0;
	conn_arm_timer(c, c->p->head_ms);
	conn_update(c);
}

/* --- events --------------------------------------------------------------------- */

static int want_read_client(const struct conn *c)
{
	if (c->c_eof)
		return 0;
	switch (c->phase) {
	case PH_HEAD:
	case PH_SNI:
	case PH_RELAY:
		return 1;
	case PH_HTTP:
		return !c->ex.req_done && c->ufd >= 0 && !c->connecting;
	case PH_FINISH:
		return c->draining;
	case PH_CONNECTING:
		return 0;
	}
	return 0;
}

static int want_read_upstream(const struct conn *c)
{
	if (c->ufd < 0 || c->u_eof || c->connecting)
		return 0;
	switch (c->phase) {
	case PH_CONNECTING:
		return c->handshake;
	case PH_RELAY:
		return 1;
	case PH_HTTP:
		return c->ex.resp != EXCHANGE_RESP_DONE;
	case PH_HEAD: /* an idle keep-alive upstream: notice when it closes */
		return 1;
	default:
		return 0;
	}
}

static size_t room(const struct buf *b) { return CONN_BUF - (b->end - b->start); }

/* Makes the loop watch fd for `want` events. A side with no interest is removed from
 * epoll altogether: epoll reports EPOLLHUP/EPOLLERR even for an empty event mask, and a
 * level-triggered hang-up we are not ready to act on would make the loop spin. */
static void watch(struct loop *l, int fd, uint32_t want, uint32_t *cur, loop_fd_cb cb,
		  void *arg)
{
	if (want == *cur)
		return;
	if (want == 0) {
		loop_del(l, fd);
	} else if (*cur == 0) {
		if (loop_add(l, fd, want, cb, arg) < 0)
			return;
	} else {
		loop_mod(l, fd, want);
	}
	*cur = want;
}

void conn_update(struct conn *c)
{
	if (c->dead)
		return;
	struct loop *l = c->p->loop;
	uint32_t ce = 0, ue = 0;
	int rd = want_read_client(c) && room(&c->up) > 0;
	/* Draining after a final answer reads and drops raw bytes: no TLS any more. */
	const struct transport *cx = c->phase == PH_FINISH && c->draining ? &transport_plain
									 : c->xprt[0];
	ce = cx->events(c, 0, rd, c->down.fwd > 0);
	if (c->cfd >= 0)
		watch(l, c->cfd, ce, &c->cev, on_client, c);
	if (c->ufd < 0)
		return;
	rd = want_read_upstream(c) && room(&c->down) > 0;
	int wr = c->up.fwd > 0 && !c->handshake;
	ue = c->connecting ? EPOLLOUT : c->xprt[1]->events(c, 1, rd, wr);
	watch(l, c->ufd, ue, &c->uev, on_upstream, c);
}

/* fill()/drain() of one side, by its transport (transport.h). */
static ssize_t fill_side(struct conn *c, int upstream, struct buf *b)
{
	return c->xprt[upstream]->fill(c, upstream, b);
}

static ssize_t drain_side(struct conn *c, int upstream, struct buf *b)
{
	return c->xprt[upstream]->drain(c, upstream, b);
}

/* The upstream failed before any answer: a 502 saying why. A TLS failure (e.g. the
 * server's certificate) has its own reason and token. */
static void upstream_failed(struct conn *c, const char *what, int err)
{
	char body[1400];
	const char *why = c->xprt[1]->why(c, 1);
	if (why) {
		snprintf(body, sizeof body, "airlock: %s.\n", why);
		conn_fail(c, 502, "upstream-tls", "error", body);
		return;
	}
	snprintf(body, sizeof body, "airlock: %s %s:%u failed: %s.\n", what, c->host, c->port,
		 strerror(err));
	conn_fail(c, 502, "upstream-error", "error", body);
}

/* Half-closes in a relay once a side has ended and its bytes are delivered. */
static void relay_shutdowns(struct conn *c)
{
	if (c->phase != PH_RELAY)
		return;
	if (c->c_eof && !c->u_shut && c->up.fwd == 0 && c->ufd >= 0) {
		half_close(c, 1);
		c->u_shut = 1;
	}
	if (c->u_eof && !c->c_shut && c->down.fwd == 0) {
		half_close(c, 0);
		c->c_shut = 1;
	}
	if (c->c_eof && c->u_eof && c->up.fwd == 0 && c->down.fwd == 0)
		conn_close(c, 0); /* which writes the tunnel's audit line */
}

/* Bytes held in the buffers may mean something new after a phase change. */
void conn_progress(struct conn *c)
{
	if (c->dead)
		return;
	switch (c->phase) {
	case PH_HEAD: {
		size_t len = c->up.end - c->up.start;
		if (len == 0)
			return;
		if (!loop_timer_armed(&c->timer) || c->timer.when > loop_now(c->p->loop) + c->p->head_ms)
			conn_arm_timer(c, c->p->head_ms);
		struct http_request req;
		const char *why = "";
		int r = http_parse_request(c->up.data + c->up.start, len, &req, &why);
		if (r == 0) {
			if (len >= CONN_BUF)
				conn_fail(c, 431, "head-too-large", "error",
					  "airlock refused the request: its head is larger than 16384 "
					  "bytes.\n");
			return;
		}
		if (r < 0) {
			char body[1024];
			snprintf(body, sizeof body, "airlock refused a malformed request: %s.\n", why);
			snprintf(c->method, sizeof c->method, "-");
			c->txn_start = loop_now(c->p->loop);
			conn_fail(c, -r, "bad-request", "error", body);
			return;
		}
		forward_request(c, &req, (size_t)r);
		return;
	}
	case PH_SNI:
		tunnel_try_sni(c);
		return;
	case PH_RELAY:
		c->up.fwd = c->up.end - c->up.start;
		c->down.fwd = c->down.end - c->down.start;
		relay_shutdowns(c);
		return;
	case PH_HTTP:
		forward_feed_request(c);
		if (!c->dead && forward_feed_response(c) == 0)
			forward_check_done(c);
		return;
	default:
		return;
	}
}

static void client_eof(struct conn *c)
{
	c->c_eof = 1;
	switch (c->phase) {
	case PH_RELAY:
		relay_shutdowns(c);
		return;
	case PH_HTTP:
		if (!c->ex.req_done) {
			conn_audit(c, "error", conn_decision(c), 0, "client closed during the request body");
			conn_close(c, 1);
		} else {
			c->close_after = 1;
		}
		return;
	default:
		conn_close(c, 0);
		return;
	}
}

static void upstream_eof(struct conn *c)
{
	c->u_eof = 1;
	switch (c->phase) {
	case PH_RELAY:
		relay_shutdowns(c);
		return;
	case PH_HEAD: /* the idle keep-alive upstream went away: fine */
		conn_close_upstream(c, 0);
		return;
	case PH_HTTP:
		if (c->ex.resp == EXCHANGE_RESP_BODY && c->ex.resp_body == HTTP_BODY_UNTIL_CLOSE) {
			c->ex.resp = EXCHANGE_RESP_DONE;
			c->ex.resp_keep = 0;
			c->ureusable = 0;
			forward_check_done(c);
			return;
		}
		if (c->ex.resp == EXCHANGE_RESP_DONE)
			return;
		if (c->ex.resp == EXCHANGE_RESP_HEAD && !c->resp_started) {
			char body[1024];
			snprintf(body, sizeof body,
				 "airlock: %s:%u closed the connection without answering the "
				 "request.\n", c->host, c->port);
			conn_fail(c, 502, "upstream-closed", "error", body);
			return;
		}
		/* Truncated: deliver what came, then close (the client sees the body end
		 * short of its framing). The response never counts as done. */
		conn_audit(c, "error", conn_decision(c), c->status, "upstream closed mid-response");
		c->close_after = 1;
		if (c->down.fwd == 0)
			conn_close(c, 1);
		return;
	case PH_CONNECTING:
		connect_on_event(c, EPOLLHUP);
		return;
	default:
		conn_close(c, 0);
		return;
	}
}

/* Writes what is cleared for the client, then whatever that completes. Returns -1 when
 * the connection was closed. */
/* The sandbox's side failed (TLS: e.g. it does not trust the sandbox CA): audit why. */
static void client_failed(struct conn *c)
{
	const char *why = c->xprt[0]->why(c, 0);
	/* A request in flight gets the reason; else the tunnel's line carries it. */
	if (why && c->method[0] && !c->audited)
		conn_audit(c, "error", conn_decision(c), 0, why);
	conn_close(c, 1);
}

static int client_writable(struct conn *c)
{
	ssize_t w = drain_side(c, 0, &c->down);
	if (w < 0) {
		client_failed(c);
		return -1;
	}
	if (w > 0) {
		c->bytes_down += (uint64_t)w;
		c->tun_down += (uint64_t)w;
		c->last_active = loop_now(c->p->loop);
	}
	if (c->phase == PH_FINISH && c->down.fwd == 0 && !c->draining && c->xprt[0]->flushed(c, 0)) {
		/* The answer is out: half-close and read what the client still sends, so
		 * closing does not turn into an RST that destroys the answer. */
		half_close(c, 0);
		c->draining = 1;
		conn_arm_timer(c, PROXY_LINGER_MS);
	}
	relay_shutdowns(c);
	if (!c->dead && c->phase == PH_HTTP)
		forward_check_done(c);
	if (!c->dead && c->close_after && c->down.fwd == 0 && c->phase == PH_HTTP)
		conn_close(c, 0);
	return c->dead ? -1 : 0;
}

/* Writes what is cleared for the upstream. Returns -1 when the connection was closed. */
static int upstream_writable(struct conn *c)
{
	if (c->ufd < 0 || c->connecting || c->handshake)
		return 0;
	ssize_t w = drain_side(c, 1, &c->up);
	if (w < 0) {
		if (c->phase == PH_HEAD) {
			/* A kept upstream failed between requests (e.g. its TLS handshake, begun
			 * at CONNECT): the next request reconnects and gets the reason. */
			conn_close_upstream(c, 1);
			return 0;
		}
		if (c->phase == PH_HTTP && !c->resp_started) {
			upstream_failed(c, "sending the request to", errno);
		} else {
			conn_close(c, 1);
		}
		return -1;
	}
	if (w > 0)
		c->last_active = loop_now(c->p->loop);
	relay_shutdowns(c);
	return c->dead ? -1 : 0;
}

static void on_client(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct conn *c = arg;
	conn_hold(c);
	if ((ev & EPOLLOUT) && client_writable(c) < 0)
		goto out;
	if (((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->xprt[0]->pending(c, 0)) && want_read_client(c)) {
		if (c->phase == PH_FINISH) {
			char junk[4096];
			ssize_t n = recv(c->cfd, junk, sizeof junk, 0);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				conn_close(c, 0);
			goto out;
		}
		ssize_t n = fill_side(c, 0, &c->up);
		if (n > 0) {
			c->bytes_up += (uint64_t)n;
			c->tun_up += (uint64_t)n;
			c->last_active = loop_now(l);
			conn_progress(c);
			/* Forward at once rather than after another epoll round. */
			if (!c->dead && c->up.fwd > 0 && upstream_writable(c) < 0)
				goto out;
			if (!c->dead && c->down.fwd > 0)
				client_writable(c);
		} else if (n == 0) {
			client_eof(c);
		} else if (n == -2) {
			client_failed(c);
		}
	} else if ((ev & (EPOLLHUP | EPOLLERR)) && !(ev & EPOLLOUT) && c->phase != PH_HTTP &&
		   c->phase != PH_RELAY) {
		/* Peer gone while we were not reading from it. */
		conn_close(c, 1);
	}
out:
	conn_update(c);
	conn_release(c);
}

static void on_upstream(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct conn *c = arg;
	conn_hold(c);
	if (c->phase == PH_CONNECTING && (c->connecting || c->handshake)) {
		connect_on_event(c, ev);
		goto out;
	}
	if ((ev & EPOLLOUT) && upstream_writable(c) < 0)
		goto out;
	if (((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->xprt[1]->pending(c, 1)) && want_read_upstream(c)) {
		ssize_t n = -1;
		/* While the client takes everything at once, keep reading (a few rounds, so
		 * one busy download cannot starve the other connections). */
		for (int round = 0; round < 4; round++) {
			n = fill_side(c, 1, &c->down);
			if (n <= 0)
				break;
			c->last_active = loop_now(l);
			if (c->phase == PH_HEAD) { /* unsolicited bytes from an idle upstream */
				conn_close_upstream(c, 1);
				goto out;
			}
			conn_progress(c);
			/* Forward at once rather than after another epoll round. */
			if (!c->dead && c->down.fwd > 0 && client_writable(c) < 0)
				goto out;
			if (c->dead || c->down.end != c->down.start || (size_t)n < CONN_BUF / 2 ||
			    !want_read_upstream(c))
				break;
		}
		if (c->dead || n > 0 || n == -1) {
			/* handled above, or nothing more to read now */
		} else if (n == 0) {
			upstream_eof(c);
		} else if (n == -2) {
			if (c->phase == PH_HEAD) {
				conn_close_upstream(c, 1);
			} else if (c->phase == PH_HTTP && !c->resp_started) {
				upstream_failed(c, "the connection to", errno);
			} else {
				conn_audit(c, "error", conn_decision(c), c->status, "upstream reset the connection");
				conn_close(c, 1);
			}
		}
	} else if ((ev & (EPOLLHUP | EPOLLERR)) && !(ev & EPOLLOUT) && c->phase == PH_HEAD) {
		conn_close_upstream(c, 0);
	}
out:
	conn_update(c);
	conn_release(c);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	struct conn *c = arg;
	conn_hold(c);
	uint64_t now = loop_now(l);
	switch (c->phase) {
	case PH_HEAD:
		if (c->up.end > c->up.start) {
			char body[200];
			snprintf(body, sizeof body, "airlock: the request head did not arrive "
				 "within %g seconds.\n", (double)c->p->head_ms / 1000);
			snprintf(c->method, sizeof c->method, "-");
			conn_fail(c, 408, "head-timeout", "error", body);
		} else {
			conn_close(c, 0);
		}
		break;
	case PH_CONNECTING:
		connect_on_timeout(c);
		break;
	case PH_SNI: {
		char why[120];
		snprintf(why, sizeof why, "no TLS ClientHello within %g seconds",
			 (double)c->p->head_ms / 1000);
		conn_audit(c, "deny", c->action == ACTION_ALLOW ? "allow" : "passthrough", 200, why);
		conn_close(c, 1);
		break;
	}
	case PH_RELAY:
	case PH_HTTP:
		if (now - c->last_active < c->p->idle_ms) {
			conn_arm_timer(c, c->p->idle_ms - (now - c->last_active));
			break;
		}
		if (c->phase == PH_HTTP && !c->resp_started) {
			char body[1024];
			snprintf(body, sizeof body, "airlock: %s:%u did not answer within %g "
				 "seconds.\n", c->host, c->port, (double)c->p->idle_ms / 1000);
			conn_fail(c, 504, "upstream-timeout", "error", body);
		} else {
			conn_audit(c, c->phase == PH_RELAY ? "connect" : "error", conn_decision(c),
				   c->status, "idle timeout");
			conn_close(c, 1);
		}
		break;
	case PH_FINISH:
		conn_close(c, 0);
		break;
	}
	conn_update(c);
	conn_release(c);
}
