/* tunnel.c: CONNECT tunnels and `forward` relays. After the dial, CONNECT gets "200
 * Connection established"; a passthrough host's tunnel then waits for the TLS
 * ClientHello and requires its SNI to name the CONNECT host before any byte goes
 * upstream; after that, and for `forward`, bytes are relayed untouched both ways. An
 * `allow` host's tunnel is terminated instead (mitm.c, once the 200 is out).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy/proto/sni.h"
#include "proxy/proxy_int.h"

static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";

void tunnel_answer(struct conn *c, struct outcome *o)
{
	/* TLS is terminated for `allow` hosts, and the requests inside go through
	 * forward.c, where secrets are injected. A proxy without a CA (test harnesses)
	 * tunnels them like passthrough ones, SNI check included, and injects nothing. */
	int terminate = c->t.action == ACTION_ALLOW && c->p->ca;
	struct buf *d = &c->down;
	/* A redirected connection asked for no proxy: it gets no 200. */
	size_t L = c->redirect ? 0 : sizeof established - 1;
	/* Bytes the upstream sent early (after its proxy's 200) stay behind our 200 in a
	 * relay; a terminated tunnel speaks TLS to the upstream itself: they are not ours
	 * to pass on. */
	size_t held = terminate ? 0 : d->end - d->start;
	if (held + L > CONN_BUF) {
		outcome_step(o, STEP_RESET);
		return;
	}
	memmove(d->data + L, d->data + d->start, held);
	memcpy(d->data, established, L);
	d->start = 0;
	d->end = L + held;
	d->fwd = L;
	c->h.resp_started = 1;
	c->h.status = 200;
	outcome_step(o, terminate ? STEP_TLS : STEP_SNI);
}

void tunnel_check_sni(struct conn *c, struct outcome *o)
{
	outcome_step(o, STEP_WAIT);
	size_t len = c->up.end - c->up.start;
	if (len == 0)
		return;
	char name[SNI_MAX_NAME + 1];
	const char *why = "";
	enum sni_result r =
		sni_parse((const unsigned char *)c->up.data + c->up.start, len, name, sizeof name, &why);
	if (r == SNI_NEED_MORE && len < CONN_BUF)
		return;
	if (r == SNI_FOUND && strcasecmp(name, c->t.host) == 0) {
		outcome_step(o, STEP_RELAY);
		return;
	}
	char reason[1024];
	if (r == SNI_FOUND)
		snprintf(reason, sizeof reason,
			 "SNI mismatch: the TLS ClientHello names %s but CONNECT named %s", name,
			 c->t.host);
	else if (r == SNI_ABSENT)
		snprintf(reason, sizeof reason,
			 "SNI mismatch: the TLS ClientHello names no server, CONNECT named %s (%s)",
			 c->t.host, why);
	else
		snprintf(reason, sizeof reason,
			 "SNI check failed: the tunnel to %s did not start with a TLS ClientHello (%s)",
			 c->t.host, r == SNI_NEED_MORE ? "ClientHello too long" : why);
	outcome_end(o, STEP_RESET, "deny", reason);
	outcome_notice(o, o->text);
}

void tunnel_relay(struct conn *c, struct outcome *o)
{
	outcome_step(o, STEP_WAIT);
	c->up.fwd = c->up.end - c->up.start;
	c->down.fwd = c->down.end - c->down.start;
	if (c->c_eof && !c->u_shut && c->up.fwd == 0 && c->ufd >= 0) {
		conn_half_close(c, 1);
		c->u_shut = 1;
	}
	if (c->u_eof && !c->c_shut && c->down.fwd == 0) {
		conn_half_close(c, 0);
		c->c_shut = 1;
	}
	if (c->c_eof && c->u_eof && c->up.fwd == 0 && c->down.fwd == 0)
		outcome_step(o, STEP_CLOSE); /* which writes the tunnel's audit line */
}
