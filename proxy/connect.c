/* connect.c: reaching the upstream for a decided target. In order: an open keep-alive
 * upstream to the same target; the policy's `map` (exempt from the SSRF guard: mapping
 * is an explicit decision); an IP literal the policy allowed literally; the upstream
 * proxy (resolved without the guard: it is the supervisor's own configuration; IP
 * literals go through it too, only `map` bypasses it); else DNS
 * on the resolver's threads, refusing answers in non-public space. Addresses are tried
 * in order, each with a connect timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/base/addr.h"
#include "proxy/proxy_int.h"

static void try_next(struct conn *c, int timed_out);

/* Fills addr from a numeric address and port; 0 or -1. */
static int numeric_addr(const char *ip, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof *s4;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof *s6;
		return 0;
	}
	return -1;
}

static int set_addrs(struct conn *c, size_t n)
{
	free(c->addrs);
	free(c->addrlens);
	c->addrs = calloc(n ? n : 1, sizeof *c->addrs);
	c->addrlens = calloc(n ? n : 1, sizeof *c->addrlens);
	c->naddrs = n;
	c->next_addr = 0;
	return c->addrs && c->addrlens ? 0 : -1;
}

static void fail(struct conn *c, int status, const char *token, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct conn *c, int status, const char *token, const char *fmt, ...)
{
	char body[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	conn_fail(c, status, token, "error", body);
}

static void on_resolved(void *arg, const struct resolve_result *res)
{
	struct conn *c = arg;
	conn_hold(c);
	c->rq = NULL;
	const char *name = c->via ? c->via->host : c->host;
	if (res->error) {
		if (c->via)
			fail(c, 502, "upstream-proxy-dns",
			     "airlock could not resolve the upstream proxy %s: %s.\n", name, res->why);
		else
			fail(c, 502, "dns",
			     "airlock could not resolve %s: %s.\nCheck the name; if it only exists "
			     "locally, map it under [network] in the policy: map = %s ADDRESS\n",
			     name, res->why, name);
		goto out;
	}
	if (set_addrs(c, res->naddrs) < 0) {
		fail(c, 502, "no-memory", "airlock ran out of memory connecting to %s.\n", name);
		goto out;
	}
	size_t kept = 0;
	const struct sockaddr *refused = NULL;
	for (size_t i = 0; i < res->naddrs; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&res->addrs[i];
		if (!c->via && addr_classify(sa) != ADDR_PUBLIC) {
			if (!refused)
				refused = sa;
			continue;
		}
		memcpy(&c->addrs[kept], sa, res->lens[i]);
		c->addrlens[kept++] = res->lens[i];
	}
	c->naddrs = kept;
	if (kept == 0 && refused) {
		char a[80];
		addr_format(refused, a, sizeof a);
		*strrchr(a, ':') = 0; /* the port means nothing here */
		const char *ip = a[0] == '[' ? a + 1 : a;
		if (a[0] == '[')
			a[strlen(a) - 1] = 0;
		const char *cls = addr_class_name(addr_classify(refused));
		char why[160];
		snprintf(why, sizeof why, "resolves to %s (%s): refused by the SSRF guard", ip, cls);
		proxy_notice_denial(c->p, c->is_connect ? "CONNECT" : c->method, c->host, c->port, why);
		fail(c, 502, "ssrf-guard",
		     "airlock refused to connect to %s: it resolves to %s, a %s address. DNS "
		     "answers in loopback, private, link-local, CGNAT, ULA or multicast space are "
		     "refused so that a name cannot reach the supervisor's own network (SSRF "
		     "guard).\nIf this host really is internal, map it explicitly under [network] "
		     "in the policy:\n    map = %s %s\n",
		     c->host, ip, cls, c->host, ip);
		goto out;
	}
	try_next(c, 0);
out:
	conn_update(c);
	conn_release(c);
}

static void connected(struct conn *c)
{
	int one = 1;
	setsockopt(c->ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->connecting = 0;
	free(c->addrs);
	free(c->addrlens);
	c->addrs = NULL;
	c->addrlens = NULL;
	if (c->via) {
		char req[1200];
		size_t n = upstream_connect_request(c->via, c->host, c->port, req, sizeof req);
		/* A fresh socket's send buffer takes this whole, or something is wrong. */
		if (n == 0 || send(c->ufd, req, n, MSG_NOSIGNAL) != (ssize_t)n) {
			fail(c, 502, "upstream-proxy",
			     "airlock could not send CONNECT to the upstream proxy %s (%s).\n",
			     c->via->display, c->p->upstream.source);
			return;
		}
		c->handshake = 1;
		conn_arm_timer(c, c->p->connect_ms);
		return;
	}
	conn_upstream_ready(c);
}

static void try_next(struct conn *c, int timed_out)
{
	while (c->next_addr < c->naddrs) {
		size_t i = c->next_addr++;
		const struct sockaddr *sa = (const struct sockaddr *)&c->addrs[i];
		char a[80];
		addr_format(sa, a, sizeof a);
		int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(c->last_err, sizeof c->last_err, "%s: %s", a, strerror(errno));
			continue;
		}
		c->ufd = fd;
		c->uev = 0;
		if (connect(fd, sa, c->addrlens[i]) == 0) {
			connected(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->connecting = 1;
			conn_arm_timer(c, c->p->connect_ms);
			conn_update(c);
			return;
		}
		snprintf(c->last_err, sizeof c->last_err, "%s: %s", a, strerror(errno));
		close(fd);
		c->ufd = -1;
	}
	const char *what = c->via ? "the upstream proxy " : "";
	const char *name = c->via ? c->via->display : c->host;
	if (timed_out)
		fail(c, 504, "connect-timeout",
		     "airlock could not connect to %s%s for %s:%u within %g seconds (%s).\n", what,
		     name, c->host, c->port, (double)c->p->connect_ms / 1000, c->last_err);
	else
		fail(c, 502, "connect-failed", "airlock could not connect to %s%s for %s:%u (%s).\n",
		     what, name, c->host, c->port, c->last_err[0] ? c->last_err : "no address");
}

void connect_start(struct conn *c)
{
	struct proxy *p = c->p;
	conn_enter(c, PH_CONNECTING);
	c->last_err[0] = 0;
	c->via = NULL;
	if (c->ufd >= 0 && c->ureusable && !c->is_connect && !c->u_eof &&
	    strcmp(c->uhost, c->host) == 0 && c->uport == c->port) {
		/* Reuse only an upstream that has not closed meanwhile (EAGAIN: alive). A TLS
		 * upstream may hold handshake bytes unread: its engine knows whether it lives. */
		if (c->xprt[1]->alive(c, 1)) {
			conn_upstream_ready(c);
			return;
		}
	}
	conn_close_upstream(c, 0);
	/* The down buffer only ever holds bytes of this upstream. */
	c->down.start = c->down.end = c->down.fwd = 0;

	const char *ip = NULL;
	uint16_t port = c->port;
	struct sockaddr_storage ss;
	socklen_t sl;
	if (c->forward_port) {
		ip = "127.0.0.1";
		port = c->forward_port;
	} else {
		const struct policy_map *m = policy_find_map(p->policy, c->host, c->port);
		if (m) {
			ip = m->addr;
			port = m->port ? m->port : c->port;
		} else if (numeric_addr(c->host, c->port, &ss, &sl) == 0 &&
			   !upstream_select(&p->upstream, c->is_connect, c->host, c->port)) {
			ip = c->host; /* allowed literally; else it goes through the proxy */
		}
	}
	if (ip) {
		if (numeric_addr(ip, port, &ss, &sl) < 0 || set_addrs(c, 1) < 0) {
			fail(c, 502, "bad-map", "airlock cannot use the address %s for %s.\n", ip, c->host);
			return;
		}
		memcpy(&c->addrs[0], &ss, sl);
		c->addrlens[0] = sl;
		try_next(c, 0);
		return;
	}
	c->via = upstream_select(&p->upstream, c->is_connect, c->host, c->port);
	const char *name = c->via ? c->via->host : c->host;
	c->rq = resolver_start(p->resolver, name, c->via ? c->via->port : c->port, on_resolved, c);
	if (!c->rq) {
		fail(c, 502, "resolver", "airlock could not start resolving %s.\n", name);
		return;
	}
	conn_arm_timer(c, PROXY_RESOLVE_MS);
}

void connect_on_event(struct conn *c, uint32_t events)
{
	if (c->connecting) {
		int err = 0;
		socklen_t el = sizeof err;
		if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err == 0 && (events & EPOLLOUT) && !(events & EPOLLERR)) {
			connected(c);
			return;
		}
		char a[80];
		addr_format((const struct sockaddr *)&c->addrs[c->next_addr - 1], a, sizeof a);
		snprintf(c->last_err, sizeof c->last_err, "%s: %s", a,
			 strerror(err ? err : ECONNREFUSED));
		conn_close_upstream(c, 0);
		try_next(c, 0);
		return;
	}
	if (!c->handshake)
		return;
	/* The upstream proxy's answer to our CONNECT, read by the upstream side's transport
	 * (plain until TLS starts over the tunnel) and parsed from the buffer. */
	struct buf *b = &c->down;
	ssize_t n = c->xprt[1]->fill(c, 1, b);
	if (n == -1)
		return;
	if (n <= 0) {
		fail(c, 502, "upstream-proxy",
		     "the upstream proxy %s (%s) closed the connection instead of answering "
		     "CONNECT %s:%u.\n", c->via->display, c->p->upstream.source, c->host, c->port);
		return;
	}
	struct http_response res;
	const char *why = "";
	int r = http_parse_response(b->data + b->start, b->end - b->start, "CONNECT", 7, &res, &why);
	if (r == 0 && b->end - b->start < CONN_BUF)
		return;
	if (r <= 0) {
		fail(c, 502, "upstream-proxy",
		     "the upstream proxy %s sent an invalid answer to CONNECT %s:%u (%s).\n",
		     c->via->display, c->host, c->port, r == 0 ? "answer head too large" : why);
		return;
	}
	if (res.status < 200 || res.status > 299) {
		fail(c, 502, "upstream-proxy",
		     "the upstream proxy %s (%s) answered %d to CONNECT %s:%u.%s\n", c->via->display,
		     c->p->upstream.source, res.status, c->host, c->port,
		     res.status == 407 ? " It wants credentials: put them in the proxy URL "
					 "(http://user:pass@host:port)." : "");
		return;
	}
	b->start += (size_t)r;
	if (b->start == b->end)
		b->start = b->end = 0;
	c->handshake = 0;
	conn_upstream_ready(c);
}

void connect_on_timeout(struct conn *c)
{
	if (c->rq) {
		resolver_cancel(c->p->resolver, c->rq);
		c->rq = NULL;
		fail(c, 504, "dns-timeout", "airlock: resolving %s took longer than %d seconds.\n",
		     c->via ? c->via->host : c->host, PROXY_RESOLVE_MS / 1000);
		return;
	}
	if (c->connecting) {
		char a[80];
		addr_format((const struct sockaddr *)&c->addrs[c->next_addr - 1], a, sizeof a);
		snprintf(c->last_err, sizeof c->last_err, "%s: timed out", a);
		conn_close_upstream(c, 0);
		try_next(c, 1);
		return;
	}
	if (c->handshake) {
		fail(c, 504, "upstream-proxy-timeout",
		     "the upstream proxy %s did not answer CONNECT %s:%u within %g seconds.\n",
		     c->via->display, c->host, c->port, (double)c->p->connect_ms / 1000);
		return;
	}
}

void conn_upstream_ready(struct conn *c)
{
	if (mitm_upstream_ready(c) < 0) {
		/* A terminated connection never talks to its upstream in the clear. */
		char body[700];
		snprintf(body, sizeof body, "airlock: %s.\n", mitm_why(c));
		conn_fail(c, 502, "upstream-tls", "error", body);
		return;
	}
	loop_timer_cancel(c->p->loop, &c->timer);
	snprintf(c->uhost, sizeof c->uhost, "%s", c->host);
	c->uport = c->port;
	/* An http:// upstream may carry the client's next request to the same target. */
	c->ureusable = !c->forward_port && !c->is_connect;
	c->last_active = loop_now(c->p->loop);
	conn_arm_timer(c, c->p->idle_ms);
	if (c->forward_port) {
		c->status = 0;
		tunnel_relay(c);
	} else if (c->is_connect) {
		tunnel_established(c);
	} else {
		forward_established(c);
	}
	conn_update(c);
}
