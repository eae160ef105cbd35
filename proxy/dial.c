/* dial.c: reaching a target's upstream (see dial.h). */
#include "proxy/dial.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "net/base/addr.h"
#include "net/resolve.h"
#include "policy/policy.h"
#include "proxy/upstream.h"

static void try_next(struct dial *d, int timed_out);
static void on_fd(struct loop *l, int fd, uint32_t ev, void *arg);
static void on_timer(struct loop *l, struct loop_timer *t, void *arg);

void dial_init(struct dial *d, const struct dial_env *env, dial_done_cb done, void *arg)
{
	memset(d, 0, sizeof *d);
	d->env = env;
	d->done = done;
	d->arg = arg;
	d->fd = -1;
	loop_timer_init(&d->timer, on_timer, d);
}

static void free_addrs(struct dial *d)
{
	free(d->addrs);
	free(d->addrlens);
	d->addrs = NULL;
	d->addrlens = NULL;
	d->naddrs = d->next_addr = 0;
}

static int set_addrs(struct dial *d, size_t n)
{
	free_addrs(d);
	d->addrs = calloc(n ? n : 1, sizeof *d->addrs);
	d->addrlens = calloc(n ? n : 1, sizeof *d->addrlens);
	d->naddrs = n;
	return d->addrs && d->addrlens ? 0 : -1;
}

static void close_socket(struct dial *d)
{
	if (d->fd < 0)
		return;
	loop_del(d->env->loop, d->fd);
	close(d->fd);
	d->fd = -1;
}

void dial_cancel(struct dial *d)
{
	if (d->rq)
		resolver_cancel(d->env->resolver, d->rq);
	d->rq = NULL;
	loop_timer_cancel(d->env->loop, &d->timer);
	close_socket(d);
	free_addrs(d);
	d->stage = DIAL_IDLE;
}

/* Ends the dial: releases everything but the socket on success, then calls back. */
static void finish(struct dial *d, struct dial_result *res)
{
	int fd = d->fd;
	if (res->fd >= 0) {
		loop_del(d->env->loop, fd);
		d->fd = -1;
	}
	dial_cancel(d);
	res->fd = res->fd >= 0 ? fd : -1;
	d->done(d->arg, res);
}

static void fail(struct dial *d, int status, const char *token, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct dial *d, int status, const char *token, const char *fmt, ...)
{
	struct dial_result res = {.fd = -1, .status = status, .token = token};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res.body, sizeof res.body, fmt, ap);
	va_end(ap);
	finish(d, &res);
}

static void succeed(struct dial *d)
{
	struct dial_result res = {.fd = 0};
	finish(d, &res);
}

/* Fills ss from a numeric address and port; 0 or -1. */
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

/* The 502 for a name whose every address the SSRF guard refused. */
static void refuse_ssrf(struct dial *d, const struct sockaddr *refused)
{
	char a[80];
	addr_format(refused, a, sizeof a);
	*strrchr(a, ':') = 0; /* the port means nothing here */
	const char *ip = a[0] == '[' ? a + 1 : a;
	if (a[0] == '[')
		a[strlen(a) - 1] = 0;
	const char *cls = addr_class_name(addr_classify(refused));
	struct dial_result res = {.fd = -1, .status = 502, .token = "ssrf-guard"};
	snprintf(res.notice, sizeof res.notice, "resolves to %s (%s): refused by the SSRF guard",
		 ip, cls);
	snprintf(res.body, sizeof res.body,
		 "airlock refused to connect to %s: it resolves to %s, a %s address. DNS "
		 "answers in loopback, private, link-local, CGNAT, ULA or multicast space are "
		 "refused so that a name cannot reach the supervisor's own network (SSRF "
		 "guard).\nIf this host really is internal, map it explicitly under [network] "
		 "in the policy:\n    map = %s %s\n",
		 d->host, ip, cls, d->host, ip);
	finish(d, &res);
}

static void on_resolved(void *arg, const struct resolve_result *res)
{
	struct dial *d = arg;
	d->rq = NULL;
	loop_timer_cancel(d->env->loop, &d->timer);
	const char *name = d->via ? d->via->host : d->host;
	if (res->error) {
		if (d->via)
			fail(d, 502, "upstream-proxy-dns",
			     "airlock could not resolve the upstream proxy %s: %s.\n", name, res->why);
		else
			fail(d, 502, "dns",
			     "airlock could not resolve %s: %s.\nCheck the name; if it only exists "
			     "locally, map it under [network] in the policy: map = %s ADDRESS\n",
			     name, res->why, name);
		return;
	}
	if (set_addrs(d, res->naddrs) < 0) {
		fail(d, 502, "no-memory", "airlock ran out of memory connecting to %s.\n", name);
		return;
	}
	size_t kept = 0;
	const struct sockaddr *refused = NULL;
	for (size_t i = 0; i < res->naddrs; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&res->addrs[i];
		if (!d->via && addr_classify(sa) != ADDR_PUBLIC) {
			if (!refused)
				refused = sa;
			continue;
		}
		memcpy(&d->addrs[kept], sa, res->lens[i]);
		d->addrlens[kept++] = res->lens[i];
	}
	d->naddrs = kept;
	if (kept == 0 && refused) {
		refuse_ssrf(d, refused);
		return;
	}
	try_next(d, 0);
}

/* The socket is connected: done, or ask the upstream proxy for the tunnel. */
static void connected(struct dial *d)
{
	int one = 1;
	setsockopt(d->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (!d->via) {
		succeed(d);
		return;
	}
	char req[1200];
	size_t n = upstream_connect_request(d->via, d->host, d->port, req, sizeof req);
	/* A fresh socket's send buffer takes this whole, or something is wrong. */
	if (n == 0 || send(d->fd, req, n, MSG_NOSIGNAL) != (ssize_t)n) {
		fail(d, 502, "upstream-proxy",
		     "airlock could not send CONNECT to the upstream proxy %s (%s).\n",
		     d->via->display, d->env->upstream->source);
		return;
	}
	d->stage = DIAL_PROXY_ANSWER;
	loop_mod(d->env->loop, d->fd, EPOLLIN);
	loop_timer_set(d->env->loop, &d->timer, *d->env->connect_ms);
}

static void try_next(struct dial *d, int timed_out)
{
	while (d->next_addr < d->naddrs) {
		size_t i = d->next_addr++;
		const struct sockaddr *sa = (const struct sockaddr *)&d->addrs[i];
		char a[80];
		addr_format(sa, a, sizeof a);
		int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(d->last_err, sizeof d->last_err, "%s: %s", a, strerror(errno));
			continue;
		}
		int r = connect(fd, sa, d->addrlens[i]);
		if (r == 0 || errno == EINPROGRESS) {
			if (loop_add(d->env->loop, fd, EPOLLOUT, on_fd, d) < 0) {
				snprintf(d->last_err, sizeof d->last_err, "%s: %s", a, strerror(errno));
				close(fd);
				continue;
			}
			d->fd = fd;
			d->stage = DIAL_CONNECTING;
			if (r == 0) {
				connected(d);
				return;
			}
			loop_timer_set(d->env->loop, &d->timer, *d->env->connect_ms);
			return;
		}
		snprintf(d->last_err, sizeof d->last_err, "%s: %s", a, strerror(errno));
		close(fd);
	}
	const char *what = d->via ? "the upstream proxy " : "";
	const char *name = d->via ? d->via->display : d->host;
	if (timed_out)
		fail(d, 504, "connect-timeout",
		     "airlock could not connect to %s%s for %s:%u within %g seconds (%s).\n", what,
		     name, d->host, d->port, (double)*d->env->connect_ms / 1000, d->last_err);
	else
		fail(d, 502, "connect-failed", "airlock could not connect to %s%s for %s:%u (%s).\n",
		     what, name, d->host, d->port, d->last_err[0] ? d->last_err : "no address");
}

/* One address failed (err, or a timeout): the next one. */
static void attempt_failed(struct dial *d, const char *why, int timed_out)
{
	char a[80];
	addr_format((const struct sockaddr *)&d->addrs[d->next_addr - 1], a, sizeof a);
	snprintf(d->last_err, sizeof d->last_err, "%s: %s", a, why);
	close_socket(d);
	try_next(d, timed_out);
}

void dial_start(struct dial *d, const char *host, uint16_t port, int tls,
		uint16_t forward_port, struct buf *rx)
{
	const struct dial_env *env = d->env;
	dial_cancel(d);
	snprintf(d->host, sizeof d->host, "%s", host);
	d->port = port;
	d->tls = tls;
	d->rx = rx;
	d->via = NULL;
	d->last_err[0] = 0;

	const char *ip = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	if (forward_port) {
		ip = "127.0.0.1";
		port = forward_port;
	} else {
		const struct policy_map *m = policy_find_map(*env->policy, host, port);
		if (m) {
			ip = m->addr;
			port = m->port ? m->port : port;
		} else if (numeric_addr(host, port, &ss, &sl) == 0 &&
			   !upstream_select(env->upstream, tls, host, port)) {
			ip = host; /* allowed literally; else it goes through the proxy */
		}
	}
	if (ip) {
		if (numeric_addr(ip, port, &ss, &sl) < 0 || set_addrs(d, 1) < 0) {
			fail(d, 502, "bad-map", "airlock cannot use the address %s for %s.\n", ip, host);
			return;
		}
		memcpy(&d->addrs[0], &ss, sl);
		d->addrlens[0] = sl;
		try_next(d, 0);
		return;
	}
	d->via = upstream_select(env->upstream, tls, host, port);
	const char *name = d->via ? d->via->host : host;
	d->rq = resolver_start(env->resolver, name, d->via ? d->via->port : port, on_resolved, d);
	if (!d->rq) {
		fail(d, 502, "resolver", "airlock could not start resolving %s.\n", name);
		return;
	}
	d->stage = DIAL_RESOLVING;
	loop_timer_set(env->loop, &d->timer, DIAL_RESOLVE_MS);
}

/* The upstream proxy's answer to our CONNECT, read into rx and parsed from there. */
static void proxy_answer(struct dial *d)
{
	struct buf *b = d->rx;
	long n = buf_fill_fd(b, d->fd);
	if (n == -1)
		return;
	if (n <= 0) {
		fail(d, 502, "upstream-proxy",
		     "the upstream proxy %s (%s) closed the connection instead of answering "
		     "CONNECT %s:%u.\n", d->via->display, d->env->upstream->source, d->host, d->port);
		return;
	}
	struct http_response res;
	const char *why = "";
	int r = http_parse_response(b->data + b->start, b->end - b->start, "CONNECT", 7, &res, &why);
	if (r == 0 && b->end - b->start < BUF_SIZE)
		return;
	if (r <= 0) {
		fail(d, 502, "upstream-proxy",
		     "the upstream proxy %s sent an invalid answer to CONNECT %s:%u (%s).\n",
		     d->via->display, d->host, d->port, r == 0 ? "answer head too large" : why);
		return;
	}
	if (res.status < 200 || res.status > 299) {
		fail(d, 502, "upstream-proxy",
		     "the upstream proxy %s (%s) answered %d to CONNECT %s:%u.%s\n", d->via->display,
		     d->env->upstream->source, res.status, d->host, d->port,
		     res.status == 407 ? " It wants credentials: put them in the proxy URL "
					 "(http://user:pass@host:port)." : "");
		return;
	}
	b->start += (size_t)r;
	if (b->start == b->end)
		b->start = b->end = 0;
	succeed(d);
}

static void on_fd(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct dial *d = arg;
	if (d->stage == DIAL_PROXY_ANSWER) {
		proxy_answer(d);
		return;
	}
	if (d->stage != DIAL_CONNECTING)
		return;
	int err = 0;
	socklen_t el = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err == 0 && (ev & EPOLLOUT) && !(ev & EPOLLERR)) {
		loop_timer_cancel(l, &d->timer);
		connected(d);
		return;
	}
	attempt_failed(d, strerror(err ? err : ECONNREFUSED), 0);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	struct dial *d = arg;
	switch (d->stage) {
	case DIAL_RESOLVING:
		fail(d, 504, "dns-timeout", "airlock: resolving %s took longer than %d seconds.\n",
		     d->via ? d->via->host : d->host, DIAL_RESOLVE_MS / 1000);
		return;
	case DIAL_CONNECTING:
		attempt_failed(d, "timed out", 1);
		return;
	case DIAL_PROXY_ANSWER:
		fail(d, 504, "upstream-proxy-timeout",
		     "the upstream proxy %s did not answer CONNECT %s:%u within %g seconds.\n",
		     d->via->display, d->host, d->port, (double)*d->env->connect_ms / 1000);
		return;
	case DIAL_IDLE:
		return;
	}
}
