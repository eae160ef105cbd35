/* mitm.c: TLS termination for `allow` hosts (spec section 4).
 *
 * After "200 Connection established" to an `allow` host, the sandbox's TLS is ended
 * here with a leaf for the CONNECT host minted by the sandbox's CA, and the requests
 * inside are parsed like http:// ones (forward.c): the Host header must name the CONNECT
 * host, placeholders become secrets for hosts they are bound to, and each request goes
 * upstream over a second TLS connection, verified against the trust store with the
 * CONNECT host as the expected name.
 *
 * The connection code does not know about TLS: a side whose TLS is on has the
 * transport transport_tls (transport.h), defined at the end of this file, which
 * mitm_begin() and mitm_upstream_ready() switch on, and its detach() and mitm_free()
 * off. state.c calls mitm_begin() once the plaintext 200 has gone out through the
 * client's buffer.
 *
 * Upstream sessions are resumed where the server agrees: once an upstream handshake
 * completes its session goes into the proxy's session cache (proxy/tls/session_cache.h)
 * under the host, port and address dialled, and the next upstream TLS with the same
 * key offers it. A handshake that fails, or an engine error later, drops the key's
 * entry, so the next attempt is a full handshake.
 */
#include "proxy/mitm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "proxy/tls/leaf_cache.h"
#include "proxy/proxy_int.h"
#include "proxy/tls/session_cache.h"
#include "proxy/tls/tls.h"

struct mitm {
	struct tls_end srv;     /* facing the sandbox, presenting the minted leaf */
	struct tls_end cli;     /* facing the upstream server */
	int cli_on;             /* cli runs on the current upstream socket */
	int srv_on;             /* srv faces the sandbox (not for mitm_upstream_only()) */
	int sni_checked;
	int cli_done;           /* cli's handshake completed (its session is cached) */
	int keyed;              /* key is set: cli's session may be cached */
	struct session_key key; /* what cli's session is cached under */
	char why[600];          /* why the last side failed, for the 502 or the audit */
	unsigned char stage[16 * 1024 + 512]; /* read-ahead for the upstream: downloads */
	unsigned char leaf[LEAF_CERT_MAX];
	br_x509_certificate chain[2];
};

static int mitm_pending(struct conn *c, int upstream);

static struct tls_end *side(struct conn *c, int upstream)
{
	return upstream ? &c->mitm->cli : &c->mitm->srv;
}

/* A zeroed struct mitm: a spare one when there is (memory already mapped: a fresh one
 * of about 80 KiB costs its page faults on every new connection), else a new one. */
static struct mitm *mitm_alloc(struct proxy *p)
{
	if (p->nmitm_spares == 0)
		return calloc(1, sizeof(struct mitm));
	struct mitm *m = p->mitm_spares[--p->nmitm_spares];
	memset(m, 0, sizeof *m);
	return m;
}

/* Keeps m (its engines wiped) for the next connection, or frees it. */
static void mitm_release(struct proxy *p, struct mitm *m)
{
	if (p->nmitm_spares < PROXY_MITM_SPARES)
		p->mitm_spares[p->nmitm_spares++] = m;
	else
		free(m);
}

void mitm_free_spares(struct proxy *p)
{
	while (p->nmitm_spares > 0)
		free(p->mitm_spares[--p->nmitm_spares]);
}

int mitm_begin(struct conn *c, char *why, size_t len)
{
	struct proxy *p = c->p; /* tunnel.c terminates allow hosts only when p->ca is set */
	struct mitm *m = mitm_alloc(p);
	if (!m) {
		snprintf(why, len, "out of memory for TLS termination");
		return -1;
	}
	size_t leaf_len;
	if (leaf_cache_get(p->leaves, p->ca, c->t.host, time(NULL), m->leaf, sizeof m->leaf,
			   &leaf_len, why, len) < 0) {
		mitm_release(p, m);
		return -1;
	}
	ca_chain(p->ca, m->leaf, leaf_len, m->chain);
	c->mitm = m;
	c->xprt[0] = &transport_tls;
	tls_server_init(&m->srv, m->chain, 2, ca_leaf_key(p->ca));
	m->srv_on = 1;
	/* The client may already have sent its ClientHello: those bytes are TLS now. */
	struct buf *u = &c->up;
	size_t fed = tls_feed(&m->srv, u->data + u->start, u->end - u->start);
	if (fed < u->end - u->start) {
		snprintf(why, len, "too much data before the TLS handshake");
		return -1;
	}
	u->start = u->end = u->fwd = 0;
	return 0;
}

int mitm_upstream_only(struct conn *c)
{
	if (!c->mitm && !(c->mitm = mitm_alloc(c->p)))
		return -1;
	return 0;
}

/* The session cache key of the upstream socket: the target and the address the socket
 * is connected to (a mapped host's, or the upstream proxy's). 0, or -1: no caching. */
static int upstream_key(struct conn *c, struct session_key *k)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getpeername(c->ufd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return session_key_make(k, &c->p->sessions, c->t.host, c->t.port,
				(struct sockaddr *)&ss);
}

/* Starts cli on the upstream socket, offering the cached session of its key if any. */
static int start_upstream(struct conn *c, const struct trust_store *ts)
{
	struct mitm *m = c->mitm;
	br_ssl_session_parameters sp;
	m->keyed = upstream_key(c, &m->key) == 0;
	int resume = m->keyed &&
		     session_cache_get(&c->p->sessions, &m->key, loop_now(c->p->loop), &sp);
	int rc = tls_client_init_resume(&m->cli, ts->anchors, ts->count, c->t.host,
					resume ? &sp : NULL);
	explicit_bzero(&sp, sizeof sp);
	return rc;
}

int mitm_upstream_ready(struct conn *c)
{
	struct mitm *m = c->mitm;
	if (!m || m->cli_on || c->ufd < 0)
		return 0;
	const struct trust_store *ts = proxy_trust(c->p);
	if (!ts) {
		snprintf(m->why, sizeof m->why, "the upstream trust store cannot be used: %s",
			 c->p->trust_err);
		return -1;
	}
	m->cli_done = 0;
	if (start_upstream(c, ts) < 0) {
		snprintf(m->why, sizeof m->why, "cannot start TLS to %s (name too long)", c->t.host);
		return -1;
	}
	tls_set_stage(&m->cli, m->stage, sizeof m->stage);
	m->cli_on = 1;
	c->xprt[1] = &transport_tls;
	return 0;
}

/* After cli moved records: once its handshake has completed, its session is cached
 * (a resumed one only counts as a use). */
static void upstream_progress(struct conn *c)
{
	struct mitm *m = c->mitm;
	if (!m->cli_on || m->cli_done || !tls_ready(&m->cli))
		return;
	m->cli_done = 1;
	if (!m->keyed)
		return;
	br_ssl_session_parameters sp;
	tls_session(&m->cli, &sp);
	session_cache_put(&c->p->sessions, &m->key, &sp, loop_now(c->p->loop));
	explicit_bzero(&sp, sizeof sp);
}

/* cli failed or its socket went away. A handshake that did not complete (with a
 * resumed session or not) or an error of the engine itself drops the key's session:
 * the next connection makes a full handshake. A socket error after the handshake (a
 * reset) says nothing about the session and keeps it. */
static void upstream_over(struct conn *c, int socket_only)
{
	struct mitm *m = c->mitm;
	if (!m->cli_on || !m->keyed || (m->cli_done && socket_only))
		return;
	session_cache_drop(&c->p->sessions, &m->key);
}

static int mitm_upstream_alive(const struct conn *c, int upstream)
{
	const struct tls_end *t = &c->mitm->cli;
	return !t->eof && !tls_closed(t);
}

int mitm_client_ready(const struct conn *c)
{
	return c->mitm && c->mitm->srv_on && tls_ready(&c->mitm->srv);
}

/* The upstream socket closed: its TLS session is over, the side is plain again. */
static void mitm_detach(struct conn *c, int upstream)
{
	if (upstream && c->mitm) {
		upstream_over(c, 1);
		c->mitm->cli_on = 0;
	}
	c->xprt[upstream] = &transport_plain;
}

void mitm_free(struct conn *c)
{
	struct mitm *m = c->mitm;
	if (m) {
		upstream_over(c, 1);
		tls_wipe(&m->srv);
		tls_wipe(&m->cli);
		mitm_release(c->p, m);
	}
	c->mitm = NULL;
	c->xprt[0] = c->xprt[1] = &transport_plain;
}

/* After the sandbox's handshake: the name it asked for must be the CONNECT host. */
static int check_sni(struct conn *c)
{
	struct mitm *m = c->mitm;
	if (m->sni_checked || !tls_ready(&m->srv))
		return 0;
	m->sni_checked = 1;
	const char *sni = tls_server_name(&m->srv);
	if (!sni[0] || strcasecmp(sni, c->t.host) == 0)
		return 0;
	snprintf(m->why, sizeof m->why,
		 "SNI mismatch: the TLS ClientHello names %s but CONNECT named %s", sni, c->t.host);
	return -1;
}

static void failed(struct conn *c, int upstream)
{
	struct tls_end *t = side(c, upstream);
	int err = tls_error(t);
	const char *who = upstream ? "upstream" : "sandbox client";
	if (upstream)
		upstream_over(c, err == BR_ERR_IO);
	if (upstream && err >= 32 && err < 64)
		snprintf(c->mitm->why, sizeof c->mitm->why,
			 "the certificate of %s:%u could not be verified: %s. If this server is "
			 "meant to be trusted, add the certificate of the CA that issued it to the "
			 "policy as \"trust = FILE\" under [network]",
			 c->t.host, c->t.port, tls_error_text(err));
	else
		snprintf(c->mitm->why, sizeof c->mitm->why, "TLS with the %s (%s:%u) failed: %s",
			 who, c->t.host, c->t.port,
			 t->io_errno ? strerror(t->io_errno) : tls_error_text(err));
}

static ssize_t mitm_fill(struct conn *c, int upstream, struct buf *b)
{
	struct tls_end *t = side(c, upstream);
	int fd = upstream ? c->ufd : c->cfd;
	size_t cap = buf_fill_cap(b);
	if (b->end >= cap)
		buf_compact(b);
	size_t total = 0;
	int rc = 0;
	for (;;) {
		rc = tls_io(t, fd);
		if (upstream)
			upstream_progress(c);
		if (!upstream && check_sni(c) < 0)
			return -2;
		size_t n = b->end < cap ? tls_app_read(t, b->data + b->end, cap - b->end) : 0;
		b->end += n;
		total += n;
		if (n == 0 || b->end >= cap || rc < 0)
			break;
	}
	if (total)
		return (ssize_t)total;
	if (rc < 0) {
		if (tls_error(t) == 0)
			return 0; /* close_notify: a clean end */
		failed(c, upstream);
		return -2;
	}
	return t->eof ? 0 : -1;
}

static ssize_t mitm_drain(struct conn *c, int upstream, struct buf *b)
{
	struct tls_end *t = side(c, upstream);
	int fd = upstream ? c->ufd : c->cfd;
	size_t total = 0;
	while (b->fwd > 0) {
		size_t k = tls_app_write(t, b->data + b->start, b->fwd);
		if (k == 0)
			break;
		b->start += k;
		b->fwd -= k;
		total += k;
	}
	if (b->start == b->end)
		b->start = b->end = 0;
	if (total)
		tls_app_flush(t);
	int rc = tls_io(t, fd);
	if (upstream)
		upstream_progress(c);
	if (rc < 0 && tls_error(t) != 0) {
		failed(c, upstream);
		return -2;
	}
	if (!upstream && check_sni(c) < 0)
		return -2;
	return (ssize_t)total;
}

static uint32_t mitm_events(struct conn *c, int upstream, int want_read, int want_write)
{
	struct tls_end *t = side(c, upstream);
	uint32_t ev = tls_events(t);
	/* An end the engine met while writing (the peer's close_notify read along with the
	 * last answer, or a failure) leaves it wanting nothing; the next fill reports it,
	 * which a writable socket brings at once. Without this the side would leave epoll
	 * and its end would never be seen. */
	if (tls_closed(t))
		return want_read ? ev | EPOLLOUT : ev;
	if (!tls_ready(t))
		return ev; /* the handshake needs whatever the engine asks for */
	if (!want_read)
		ev &= ~(uint32_t)EPOLLIN;
	/* Plaintext to send once the engine takes it; plaintext the engine already holds
	 * (our buffer was full) is read on the next callback, which a writable socket
	 * brings at once. */
	if ((want_write && tls_can_write(t)) || (want_read && mitm_pending(c, upstream)))
		ev |= EPOLLOUT;
	return ev;
}

static int mitm_pending(struct conn *c, int upstream)
{
	struct tls_end *t = side(c, upstream);
	/* Plaintext to read, or an end (EOF, close_notify, failure) that tls_io() met
	 * while it was writing: the next fill reports it. */
	return tls_app_pending(t) || tls_buffered(t) || t->eof || tls_closed(t);
}

static int mitm_flushed(const struct conn *c, int upstream)
{
	const struct tls_end *t = upstream ? &c->mitm->cli : &c->mitm->srv;
	return !(tls_events(t) & EPOLLOUT);
}

static void mitm_shutdown(struct conn *c, int upstream)
{
	struct tls_end *t = side(c, upstream);
	int fd = upstream ? c->ufd : c->cfd;
	tls_close(t);
	tls_io(t, fd);
	shutdown(fd, SHUT_WR);
}

const char *mitm_why(const struct conn *c)
{
	return c->mitm && c->mitm->why[0] ? c->mitm->why : NULL;
}

static const char *mitm_side_why(const struct conn *c, int upstream)
{
	return mitm_why(c);
}

const struct transport transport_tls = {
	"tls", mitm_fill, mitm_drain, mitm_events, mitm_pending, mitm_flushed, mitm_shutdown,
	mitm_upstream_alive, mitm_detach, mitm_side_why,
};
