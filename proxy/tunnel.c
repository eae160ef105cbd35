/* tunnel.c: CONNECT tunnels and `forward` relays. After the upstream is open, CONNECT
 * gets "200 Connection established"; a passthrough host's tunnel then waits for the TLS
 * ClientHello and requires its SNI to name the CONNECT host before any byte goes
 * upstream; after that, and for `forward`, bytes are relayed untouched both ways.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy/proxy_int.h"
#include "proxy/proto/sni.h"

static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";

void tunnel_established(struct conn *c)
{
	struct buf *d = &c->down;
	size_t L = sizeof established - 1;
	/* Bytes the upstream sent early (after its proxy's 200) stay behind our 200. */
	size_t held = d->end - d->start;
	if (held + L > CONN_BUF) {
		conn_close(c, 1);
		return;
	}
	memmove(d->data + L, d->data + d->start, held);
	memcpy(d->data, established, L);
	d->start = 0;
	d->end = L + held;
	d->fwd = L;
	c->resp_started = 1;
	c->status = 200;
	c->tunnel_200 = 1;
	if (c->action == ACTION_ALLOW)
		conn_start_allowed_tunnel(c);
	else
		conn_start_passthrough(c);
}

void conn_start_allowed_tunnel(struct conn *c)
{
	/* TLS is terminated (mitm.c) and the requests inside go through forward.c, where
	 * secrets are injected. A proxy without a CA (test harnesses) tunnels `allow`
	 * hosts like passthrough ones, SNI check included, and injects nothing. */
	if (!c->p->ca) {
		conn_start_passthrough(c);
		return;
	}
	if (mitm_begin(c) < 0)
		conn_close(c, 1);
}

void conn_start_passthrough(struct conn *c)
{
	conn_enter(c, PH_SNI);
	conn_arm_timer(c, c->p->head_ms);
	tunnel_try_sni(c);
}

void tunnel_try_sni(struct conn *c)
{
	size_t len = c->up.end - c->up.start;
	if (len == 0)
		return;
	char name[SNI_MAX_NAME + 1];
	const char *why = "";
	enum sni_result r =
		sni_parse((const unsigned char *)c->up.data + c->up.start, len, name, sizeof name, &why);
	if (r == SNI_NEED_MORE && len < CONN_BUF)
		return;
	if (r == SNI_FOUND && strcasecmp(name, c->host) == 0) {
		tunnel_relay(c);
		return;
	}
	char reason[1024];
	if (r == SNI_FOUND)
		snprintf(reason, sizeof reason,
			 "SNI mismatch: the TLS ClientHello names %s but CONNECT named %s", name,
			 c->host);
	else if (r == SNI_ABSENT)
		snprintf(reason, sizeof reason,
			 "SNI mismatch: the TLS ClientHello names no server, CONNECT named %s (%s)",
			 c->host, why);
	else
		snprintf(reason, sizeof reason,
			 "SNI check failed: the tunnel to %s did not start with a TLS ClientHello (%s)",
			 c->host, r == SNI_NEED_MORE ? "ClientHello too long" : why);
	proxy_notice_denial(c->p, "CONNECT", c->host, c->port, reason);
	conn_audit(c, "deny", c->action == ACTION_ALLOW ? "allow" : "passthrough", 200, reason);
	conn_close(c, 1);
}

void tunnel_relay(struct conn *c)
{
	conn_enter(c, PH_RELAY);
	c->last_active = loop_now(c->p->loop);
	conn_arm_timer(c, c->p->idle_ms);
	conn_progress(c);
}
