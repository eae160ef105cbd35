/* proxy.c: the proxy object: listeners, accepting, the connection cap, the fd limit,
 * notices. A connection's bytes move in io.c; what happens on it is decided in state.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/base/log.h"
#include "proxy/audit.h"
#include "proxy/mitm.h"
#include "proxy/proxy_int.h"

void proxy_notice_denial(struct proxy *p, const char *method, const char *host, uint16_t port,
			 const char *path, const char *why, const char *allow)
{
	if (p->on_denial) {
		struct proxy_denial d = {method, host, path, why, port, allow};
		p->on_denial(p->denial_arg, &d);
	}
	if (p->audit_fd >= 0)
		return;
	const char *lb = strchr(host, ':') ? "[" : "", *rb = *lb ? "]" : "";
	log_msg("denied %s %s%s%s:%u \xe2\x80\x94 %s", method && *method ? method : "-", lb, host,
		rb, port, why);
}

/* Refuses a connection beyond PROXY_MAX_CONNS with a 503, best effort, without
 * blocking: a full proxy must stay responsive to the connections it has. */
static void refuse_busy(struct proxy *p, int fd)
{
	char body[200], resp[600];
	snprintf(body, sizeof body,
		 "airlock: the proxy already serves %d connections (its limit); close some "
		 "and retry.\n", PROXY_MAX_CONNS);
	size_t n = deny_format(resp, sizeof resp, 503, "X-Airlock-Error", "too-many-connections",
			       body);
	ssize_t w = send(fd, resp, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
	if (p->audit_fd >= 0) {
		struct audit_event ev = {.event = "error", .status = 503,
					 .reason = "too many connections"};
		audit_write(p->audit_fd, &ev);
	}
	close(fd);
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct listener *ls = arg;
	struct proxy *p = ls->p;
	/* A bounded batch per wake-up keeps other connections served under a flood. */
	for (int i = 0; i < 64; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Out of fds: free the spare to accept and drop one, so the
				 * listener does not spin on a connection it cannot take. */
				if (p->spare_fd >= 0) {
					close(p->spare_fd);
					int x = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
					if (x >= 0)
						close(x);
					p->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				}
				log_msg("proxy: out of file descriptors; refused a connection");
			}
			return;
		}
		if (p->nconns >= PROXY_MAX_CONNS) {
			refuse_busy(p, cfd);
			continue;
		}
		int one = 1;
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (io_accept(p, cfd, ls->forward_port, ls->metadata, ls->redirect) < 0)
			close(cfd);
	}
}

/* [gcp]: the account and where its tokens come from (token_uri: https://HOST[:PORT]/PATH,
 * as gcp_key.c checked it begins). */
static int set_gcp(struct proxy *p, const struct mint_account *a, char *err, size_t errlen)
{
	const char *h = a->token_uri + 8, *slash = strchr(h, '/');
	const char *colon = memchr(h, ':', slash ? (size_t)(slash - h) : strlen(h));
	size_t hl = (size_t)((colon ? colon : slash ? slash : h + strlen(h)) - h);
	unsigned long port = 443;
	char *end = NULL;
	if (colon)
		port = strtoul(colon + 1, &end, 10);
	if (strncmp(a->token_uri, "https://", 8) != 0 || hl == 0 ||
	    hl >= sizeof p->gcp.token_host || (colon && (end != (slash ? slash : h + strlen(h)) ||
						       port == 0 || port > 65535))) {
		snprintf(err, errlen, "[gcp]: the key's token_uri is not https://HOST[:PORT]/PATH");
		return -1;
	}
	for (size_t i = 0; i < hl; i++)
		p->gcp.token_host[i] = (char)tolower((unsigned char)h[i]);
	p->gcp.token_host[hl] = 0;
	snprintf(p->gcp.token_path, sizeof p->gcp.token_path, "%s", slash ? slash : "/");
	p->gcp.token_port = (uint16_t)port;
	if (port != 443)
		snprintf(p->gcp.token_hostport, sizeof p->gcp.token_hostport, ":%lu", port);
	snprintf(p->gcp.email, sizeof p->gcp.email, "%s", a->email);
	snprintf(p->gcp.project_id, sizeof p->gcp.project_id, "%s", a->project_id);
	p->gcp.on = 1;
	return 0;
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

const struct trust_store *proxy_trust(struct proxy *p)
{
	if (!p->trust) {
		snprintf(p->trust_err, sizeof p->trust_err, "no trust store is configured");
		return NULL;
	}
	if (p->system_trust == 0) {
		p->system_trust = 1;
		if (trust_load(p->trust, getenv("SSL_CERT_FILE"), NULL, 0, p->trust_err,
			       sizeof p->trust_err) < 0) {
			p->system_trust = -1;
			log_msg("upstream trust: %s", p->trust_err);
		} else if (p->trust->note[0]) {
			log_verbose("%s", p->trust->note);
		}
	}
	return p->system_trust < 0 ? NULL : p->trust;
}

struct proxy *proxy_new(struct loop *loop, const struct proxy_config *cfg, char *err,
			size_t errlen)
{
	struct proxy *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "proxy: out of memory");
		return NULL;
	}
	p->loop = loop;
	p->policy = cfg->policy;
	p->first_policy = cfg->policy;
	p->audit_fd = cfg->audit_fd;
	p->verbose = cfg->verbose;
	p->spare_fd = -1;
	p->ca = cfg->ca;
	p->trust = cfg->trust;
	p->secrets = cfg->secrets;
	p->on_denial = cfg->on_denial;
	p->ca_unconstrained = cfg->ca_unconstrained;
	p->denial_arg = cfg->denial_arg;
	p->ca_fd = cfg->ca ? cfg->ca_fd : -1;
	session_cache_init(&p->sessions, 0);
	if (cfg->gcp && set_gcp(p, cfg->gcp, err, errlen) < 0) {
		free(p);
		return NULL;
	}
	proxy_set_timeouts(p, 0, 0, 0);
	p->dial_env.loop = loop;
	p->dial_env.policy = &p->policy;
	p->dial_env.upstream = &p->upstream;
	p->dial_env.connect_ms = &p->connect_ms;
	if (upstream_conf_init(&p->upstream, cfg->policy->upstream_proxy, getenv, err, errlen) < 0) {
		free(p);
		return NULL;
	}
	p->resolver = resolver_new(loop, RESOLVE_THREADS);
	if (!p->resolver) {
		snprintf(err, errlen, "proxy: cannot create the resolver: %s", strerror(errno));
		free(p);
		return NULL;
	}
	p->dial_env.resolver = p->resolver;
	if (p->ca) {
		p->leaves = malloc(sizeof *p->leaves);
		if (!p->leaves) {
			snprintf(err, errlen, "proxy: out of memory for the leaf cache");
			resolver_free(p->resolver);
			free(p);
			return NULL;
		}
		leaf_cache_init(p->leaves);
		p->leaves->ca_fd = cfg->ca_fd;
	}
	raise_nofile();
	p->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (p->verbose && (p->upstream.has_https || p->upstream.has_http))
		log_msg("proxy: upstream proxy from the %s: %s", p->upstream.source,
			p->upstream.has_https ? p->upstream.https.display : p->upstream.http.display);
	return p;
}

static int add_listener(struct proxy *p, int fd, uint16_t port, int metadata)
{
	struct listener *ls = calloc(1, sizeof *ls);
	if (!ls)
		return -1;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		free(ls);
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	ls->p = p;
	ls->fd = fd;
	ls->forward_port = port;
	ls->metadata = metadata;
	if (loop_add(p->loop, fd, EPOLLIN, on_accept, ls) < 0) {
		free(ls);
		return -1;
	}
	ls->next = p->listeners;
	p->listeners = ls;
	return 0;
}

int proxy_add_listener(struct proxy *p, int fd) { return add_listener(p, fd, 0, 0); }

int proxy_add_redirect(struct proxy *p, int fd)
{
	if (add_listener(p, fd, 0, 0) < 0)
		return -1;
	p->listeners->redirect = 1;
	return 0;
}

int proxy_add_metadata(struct proxy *p, int fd)
{
	if (!p->gcp.on || !p->policy->gcp) {
		errno = EINVAL;
		return -1;
	}
	return add_listener(p, fd, 0, 1);
}

int proxy_add_forward(struct proxy *p, int fd, uint16_t port)
{
	if (port == 0) {
		errno = EINVAL;
		return -1;
	}
	return add_listener(p, fd, port, 0);
}

size_t proxy_connections(const struct proxy *p) { return p->nconns; }

void proxy_set_timeouts(struct proxy *p, unsigned idle_ms, unsigned head_ms,
			unsigned connect_ms)
{
	p->idle_ms = idle_ms ? idle_ms : PROXY_IDLE_MS;
	p->head_ms = head_ms ? head_ms : PROXY_HEAD_MS;
	p->connect_ms = connect_ms ? connect_ms : PROXY_CONNECT_MS;
}

void proxy_set_policy(struct proxy *p, const struct policy *policy)
{
	p->policy = policy;
	/* Sessions were verified under the old policy (its maps decided which server
	 * answered, its trust what was accepted): none is resumed under the new one. */
	session_cache_clear(&p->sessions);
}

void proxy_free(struct proxy *p)
{
	if (!p)
		return;
	while (p->conns)
		state_close(p->conns, 0);
	while (p->listeners) {
		struct listener *n = p->listeners->next;
		loop_del(p->loop, p->listeners->fd);
		close(p->listeners->fd);
		free(p->listeners);
		p->listeners = n;
	}
	resolver_free(p->resolver);
	proxy_grants_free(p);
	if (p->spare_fd >= 0)
		close(p->spare_fd);
	free(p->leaves);
	mitm_free_spares(p);
	session_cache_clear(&p->sessions); /* wipes the master secrets */
	free(p);
}
