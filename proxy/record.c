/* record.c: the audit lines of a connection (see record.h, audit.h). */
#include "proxy/record.h"

#include <errno.h>
#include <string.h>

#include "net/base/log.h"
#include "proxy/audit.h"
#include "proxy/mitm.h"
#include "proxy/proxy_int.h"

/* Writes one audit line (and with -v, its log line) for c's target. */
static void write_line(struct conn *c, struct audit_event *ev, uint64_t start,
		       uint64_t injected)
{
	struct proxy *p = c->p;
	const char *reason = ev->reason;
	if (p->verbose)
		log_msg("%s %s %s:%u -> %d%s%s", ev->event, ev->method[0] ? ev->method : "-",
			c->t.host, c->t.port, ev->status, reason && *reason ? ": " : "",
			reason ? reason : "");
	if (p->audit_fd < 0)
		return;
	const char *names[SECRET_STORE_MAX];
	ev->secrets = names;
	ev->nsecrets = injected && p->secrets
			       ? secrets_injected_list(p->secrets, injected, names, SECRET_STORE_MAX)
			       : 0;
	ev->host = c->t.host;
	ev->port = c->t.port;
	ev->rule = c->t.rule;
	ev->duration_ms = loop_now(p->loop) - start;
	if (audit_write(p->audit_fd, ev) < 0 && p->verbose)
		log_msg("cannot write the audit line: %s", strerror(errno));
}

void record_request_begin(struct conn *c)
{
	struct conn_record *r = &c->rec;
	r->req_open = 1;
	r->start = loop_now(c->p->loop);
	r->up = c->up.end - c->up.start; /* the head and what came with it */
	r->down = 0;
}

void record_tunnel_begin(struct conn *c)
{
	struct conn_record *r = &c->rec;
	r->tun_open = 1;
	r->tun_200 = 0;
	r->tun_requests = 0;
	r->tun_start = r->start;
	r->tun_up = r->up;
	r->tun_down = 0;
}

void record_moved(struct conn *c, int up, uint64_t n)
{
	if (up) {
		c->rec.up += n;
		c->rec.tun_up += n;
	} else {
		c->rec.down += n;
		c->rec.tun_down += n;
	}
}

void record_end(struct conn *c, const char *event, const char *decision, int status,
		const char *reason)
{
	struct conn_record *r = &c->rec;
	/* A line about the CONNECT (or forward) itself is its decision line. */
	int tunnel = c->t.is_connect || c->t.forward_port;
	if (!r->req_open && !(tunnel && r->tun_open))
		return;
	r->req_open = 0;
	if (tunnel)
		r->tun_open = 0;
	struct audit_event ev = {
		.event = event,
		.method = c->t.method,
		.path = c->t.path,
		.decision = decision,
		.status = status,
		.bytes_up = r->up,
		.bytes_down = r->down,
		.reason = reason,
	};
	write_line(c, &ev, r->start, c->h.injected);
}

/* Why a tunnel ended without a line about itself, where that says more than "connect":
 * no ClientHello, no TLS handshake, no request, a TLS failure. */
static const char *tunnel_end_reason(const struct conn *c, int reset, const char **event)
{
	const char *why = mitm_why(c);
	if (c->mitm && c->rec.tun_requests == 0 && why) {
		*event = "error";
		return why;
	}
	if (!c->t.forward_port && !c->rec.tun_200)
		return "the connection closed before the tunnel was established";
	if (c->phase == PH_SNI)
		return "the connection closed before a TLS ClientHello";
	if (c->phase == PH_TLS_WAIT)
		return "the connection closed before the TLS handshake completed";
	if (c->mitm && c->rec.tun_requests == 0)
		return mitm_client_ready(c) ? "the client sent no request after the TLS handshake"
					    : "the connection closed before the TLS handshake completed";
	return reset ? "connection reset" : "";
}

void record_close(struct conn *c, int reset)
{
	struct conn_record *r = &c->rec;
	if (r->req_open && !c->t.is_connect && !c->t.forward_port)
		record_end(c, "error", conn_decision(c), c->h.status,
			   "connection closed before the exchange completed");
	if (!r->tun_open)
		return;
	const char *event = "connect";
	const char *reason = tunnel_end_reason(c, reset, &event);
	r->tun_open = 0;
	r->req_open = 0;
	struct audit_event ev = {
		.event = event,
		.method = c->t.forward_port ? "" : "CONNECT",
		.path = "",
		.decision = conn_decision(c),
		.status = r->tun_200 ? 200 : 0,
		.bytes_up = r->tun_up,
		.bytes_down = r->tun_down,
		.reason = reason,
	};
	write_line(c, &ev, r->tun_start, 0);
}
