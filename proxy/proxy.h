/* proxy.h: airlock's egress proxy (spec section 4), run by the sandbox supervisor.
 *
 * The supervisor creates listening sockets inside the sandbox's network namespace,
 * passes them here and runs the loop. Every connection is handled on that one loop with
 * non-blocking sockets: the decision is made from host and port alone (policy_decide)
 * before any DNS lookup; names resolve through `map` or the threaded resolver with the
 * SSRF guard; upstream connections are made from the supervisor's own namespace,
 * directly or through an upstream proxy (CONNECT). Denials are 403s an agent can read.
 */
#ifndef AIRLOCK_PROXY_PROXY_H
#define AIRLOCK_PROXY_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"
#include "policy/policy.h"
#include "proxy/tls/cert.h"
#include "proxy/tls/mint.h"
#include "proxy/secret_store.h"
#include "proxy/tls/trust.h"

/* A denial, as the control socket reports it. Strings are valid during the call. */
struct proxy_denial {
	const char *method, *host, *path, *reason;
	uint16_t port;
	const char *allow;  /* the policy line that would allow it, or "" */
};

struct proxy_config {
	const struct policy *policy; /* must outlive the proxy */
	int audit_fd;   /* JSON lines here (proxy/audit.h); -1: each denial as one human
	                   line on stderr: "airlock: denied CONNECT evil.example:443 — not in
	                   [network] allow" */
	int verbose;    /* log every connection and request on stderr */
	/* TLS termination for `allow` hosts (NULL ca: allow hosts are tunnelled like
	 * passthrough ones, and no secret is injected). All must outlive the proxy. */
	struct ca *ca;                        /* the sandbox CA, mints the leaves */
	int ca_fd;                            /* >= 0: ca holds only the CA certificate
	                                         and leaf key, and the CA process on this
	                                         socket mints (proxy/tls/mint.h); -1: ca does */
	struct trust_store *trust;            /* anchors for verifying upstream servers:
	                                         the policy's trust files, loaded; the
	                                         system's are added at first use */
	struct secret_store *secrets;   /* real values for placeholders (and where [token] values
	                                   are kept); NULL: none */
	int ca_unconstrained;                 /* the CA signs any host (--control), not
	                                         only the first policy's allow hosts */
	/* [gcp]: the service account's public half, from the CA process (which signs its
	 * grants on ca_fd); NULL without [gcp]. */
	const struct mint_account *gcp;
	/* Called for every denial (as the one-line notice is written), e.g. for the control
	 * socket's `denials` stream; NULL: none. */
	void (*on_denial)(void *arg, const struct proxy_denial *d);
	void *denial_arg;
};

struct proxy;

/* Creates the proxy on `loop`: raises the RLIMIT_NOFILE soft limit to the hard limit,
 * reads the upstream-proxy setting (policy, else HTTPS_PROXY/HTTP_PROXY/NO_PROXY of the
 * environment). Returns NULL with a sentence in err (e.g. a malformed HTTPS_PROXY). */
struct proxy *proxy_new(struct loop *loop, const struct proxy_config *cfg, char *err,
			size_t errlen);

/* Serves HTTP proxy requests (CONNECT, absolute-form http://) on `fd`, a bound and
 * listening socket. The proxy owns fd from now on (made non-blocking, closed by
 * proxy_free). Returns 0, or -1 with errno. */
int proxy_add_listener(struct proxy *p, int fd);

/* isolation unprivileged: serves connections the sandbox's reaper redirected here
 * (init/sandbox/connect_notify.h), each beginning with a PROXY protocol v1 line that
 * names where it was going; then the policy decides as for a CONNECT to the TLS
 * ClientHello's SNI at that port, or as for an http:// request by its Host, without a
 * "200 Connection established". The proxy owns fd. Returns 0, or -1 with errno. */
int proxy_add_redirect(struct proxy *p, int fd);

/* Relays every connection accepted on the listening socket `fd` as plain TCP to
 * 127.0.0.1:port in the supervisor's namespace (the policy's `forward`). The proxy owns
 * fd. Returns 0, or -1 with errno. */
int proxy_add_forward(struct proxy *p, int fd, uint16_t port);

/* Serves the GCE metadata server ([gcp], proxy/metadata.c) on `fd`, a bound and
 * listening socket; the proxy owns fd. Returns 0, or -1 with errno (EINVAL: no [gcp]). */
int proxy_add_metadata(struct proxy *p, int fd);

/* Changes the timeouts, in ms; 0 keeps one's default (300 s idle, 30 s for a request
 * head or a ClientHello, 10 s per connect attempt). Tests shorten them. */
void proxy_set_timeouts(struct proxy *p, unsigned idle_ms, unsigned head_ms,
			unsigned connect_ms);

/* Number of connections open right now (accepted and not yet closed). */
size_t proxy_connections(const struct proxy *p);

/* Closes every connection and listener and frees the proxy. */
void proxy_free(struct proxy *p);

/* Decides new connections and requests by `policy` from now on (a reload). The old
 * policy must stay allocated while the proxy runs: connections keep pointers into it. */
void proxy_set_policy(struct proxy *p, const struct policy *policy);

/* Grants `allow` (or `passthrough`) to HOST[:PORT] for the rest of the proxy's life,
 * beside whatever policy is in force (reloads keep grants). Returns 0 with the
 * effective rule in `rule` ("allow = docs.example.org") and, when the grant cannot do all
 * it says (the CA cannot sign for the host), a sentence in `note`; or -1 with why. */
int proxy_grant(struct proxy *p, int passthrough, const char *host, char *rule, size_t rulelen,
		char *note, size_t notelen, char *err, size_t errlen);
/* Takes back the grant for HOST[:PORT] as granted. Returns 0 with its rule, or -1. */
int proxy_revoke(struct proxy *p, const char *host, char *rule, size_t rulelen, char *err,
		 size_t errlen);
#define PROXY_MAX_GRANT_LIST 64 /* grants in force at once */

/* The grants in force, as rules ("allow = HOST"): how many were written to out. */
size_t proxy_grant_list(const struct proxy *p, char (*out)[320], size_t max);

#endif
