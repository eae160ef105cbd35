/* proxy_int.h: the proxy object and what the connection code shares about it: proxy.c
 * (listeners, accepting, the connection cap), deny.c (refusal texts), and the
 * connection's modules (conn.h): conn.c (lifetime), io.c (moving bytes), state.c (the
 * state machine) and its handlers decide.c, dial.c, forward.c, tunnel.c and mitm.c.
 * Not for use outside proxy/.
 */
#ifndef AIRLOCK_PROXY_INT_H
#define AIRLOCK_PROXY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/base/buf.h"
#include "net/loop.h"
#include "net/resolve.h"
#include "policy/policy.h"
#include "proxy/conn.h"
#include "proxy/dial.h"
#include "proxy/outcome.h"
#include "proxy/proto/http.h"
#include "proxy/proxy.h"
#include "proxy/secrets.h"
#include "proxy/tls/leaf_cache.h"
#include "proxy/tls/session_cache.h"
#include "proxy/upstream.h"

/* Limits and timeouts. 16 KiB per direction keeps an idle tunnel well under 64 KiB. */
#define PROXY_MITM_SPARES 16 /* freed TLS states kept for new connections */
#define PROXY_MAX_CONNS 4096
#define PROXY_MAX_GRANTS PROXY_MAX_GRANT_LIST
#define PROXY_MAX_REVOKED 256
#define PROXY_IDLE_MS (300 * 1000)      /* no byte either way for this long: close */
#define PROXY_HEAD_MS (30 * 1000)       /* a whole request head (slowloris) */
#define PROXY_CONNECT_MS (10 * 1000)    /* one TCP connect attempt, or the upstream
                                           proxy's answer to CONNECT (dial.h) */
#define PROXY_LINGER_MS (2 * 1000)      /* draining a client after a final answer */

struct proxy {
	struct loop *loop;
	const struct policy *policy;
	const struct policy *first_policy; /* the one the CA's name constraints come from */
	int audit_fd;
	int verbose;
	struct resolver *resolver;
	struct upstream_conf upstream;
	struct dial_env dial_env; /* what every connection's dial uses (dial.h) */
	struct listener *listeners;
	struct conn *conns;     /* every live connection, for proxy_free */
	size_t nconns;
	int spare_fd;           /* closed to accept-and-refuse when out of fds */
	uint64_t idle_ms, head_ms, connect_ms; /* the timeouts in force */
	struct ca *ca;                    /* TLS termination (NULL: off) */
	int ca_fd;                        /* the CA process (mint.h), or -1 */
	struct leaf_cache *leaves;
	struct mitm *mitm_spares[PROXY_MITM_SPARES]; /* freed TLS states, reused (mitm.c) */
	size_t nmitm_spares;
	struct session_cache sessions;    /* upstream TLS sessions to resume (mitm.c);
	                                     cleared by every policy change */
	struct trust_store *trust;
	int system_trust;       /* 0: not loaded yet, 1: loaded, -1: failed (trust_err) */
	char trust_err[512];
	struct secret_store *secrets;
	void (*on_denial)(void *arg, const struct proxy_denial *d);
	void *denial_arg;
	int ca_unconstrained;   /* the CA signs any host: no ca-cannot-sign refusals */
	struct policy *grants[PROXY_MAX_GRANTS];  /* through the control socket (grant.c) */
	size_t ngrants;
	struct policy *retired_grants[PROXY_MAX_REVOKED]; /* revoked: decided connections
	                                                     may still name their rules */
	size_t nretired_grants;
	struct {                /* [gcp] (proxy.h): on when a service account is known */
		int on;
		char email[GCP_KEY_EMAIL_MAX + 1], project_id[GCP_KEY_PROJECT_MAX + 1];
		char token_host[HTTP_MAX_HOST + 3], token_path[GCP_KEY_URI_MAX + 1];
		char token_hostport[8]; /* ":PORT" when not 443, for Host and messages */
		uint16_t token_port;
	} gcp;
};

/* --- proxy.c --------------------------------------------------------------------- */
/* The trust store for upstream TLS, the system anchors added on first use (parsing the
 * system bundle takes tens of milliseconds: not at every sandbox's start). NULL with a
 * sentence in p->trust_err when it cannot be used. */
const struct trust_store *proxy_trust(struct proxy *p);

struct listener {
	struct listener *next;
	struct proxy *p;
	int fd;
	uint16_t forward_port;  /* 0: an HTTP proxy listener */
	int metadata;           /* the [gcp] metadata server's */
	int redirect;           /* isolation unprivileged's redirect listener */
};


/* --- io.c ------------------------------------------------------------------------ */
/* Takes an accepted socket: a connection watched on the loop (a `forward` listener's
 * dials at once). Returns -1 when it cannot (the caller closes cfd). */
int io_accept(struct proxy *p, int cfd, uint16_t forward_port, int metadata, int redirect);
/* Re-registers both sockets' events from the connection's state. */
void io_update(struct conn *c);

/* --- state.c: the state machine ---------------------------------------------------- */
/* A new connection: an HTTP proxy one waits for its head; a `forward` one dials. */
void state_accepted(struct conn *c);
/* New bytes from the client, or from the upstream, or bytes already buffered that may
 * mean something new: the handler of the connection's phase decides. */
void state_client_bytes(struct conn *c);
void state_upstream_bytes(struct conn *c);
/* Bytes went out to the client (or could not yet); to the upstream. */
void state_client_sent(struct conn *c);
void state_upstream_sent(struct conn *c);
/* The sandbox's side ended (how 0) or failed (-2; its transport says why). */
void state_client_end(struct conn *c, int how);
/* The upstream's side ended (0), failed reading (-2) or writing (-3), with errno err. */
void state_upstream_end(struct conn *c, int how, int err);
/* The connection's timer expired. */
void state_timer(struct conn *c);
/* The dial ended (dial.h). */
void state_dialed(struct conn *c, struct dial_result *res);
/* Closes c, writing the audit lines still pending. */
void state_close(struct conn *c, int reset);
/* Whether the client's side is read in the current state; the upstream's. */
int state_reads_client(const struct conn *c);
/* Whether the client is watched for a hang-up only (an answer is awaited, io.c). */
int state_watches_client_hangup(const struct conn *c);
int state_reads_upstream(const struct conn *c);

/* --- decide.c --------------------------------------------------------------------- */
/* A complete request head of `len` bytes is at the start of c->up (its record has
 * begun): the policy's decision, the head rewritten in place for an http:// request. */
void decide_request(struct conn *c, const struct http_request *req, size_t len,
		    struct outcome *o);

/* --- metadata.c: the [gcp] metadata server --------------------------------------- */
/* A request head on a metadata connection: STEP_REPLY with the answer in c->down, or
 * STEP_DIAL to fetch a token from the key's token_uri first (c->md keeps the request). */
void metadata_request(struct conn *c, const struct http_request *req, size_t len,
		      struct outcome *o);
/* STEP_FETCHED: the token endpoint's answer is in; STEP_REPLY with the answer to the
 * kept request, or with why there is no token. */
void metadata_fetched(struct conn *c, struct outcome *o);
/* Frees c->md. */
void metadata_free(struct conn *c);

/* --- tunnel.c --------------------------------------------------------------------- */
/* After the dial for CONNECT: "200 Connection established" queued for the client,
 * then STEP_SNI (passthrough) or STEP_TLS (`allow`, with a CA). */
void tunnel_answer(struct conn *c, struct outcome *o);

/* redirect.c: a redirected connection's PROXY line (REDIRECT_LINE): 1 once read
 * (REDIRECT_READ, redirect_port set), 0 to wait or when `o` ends the connection. */
int redirect_read_line(struct conn *c, struct outcome *o);
/* Whether what follows the line begins a TLS record. */
int redirect_is_tls(const struct conn *c);
/* The CONNECT a ClientHello stands for (its SNI at redirect_port) into *req: 1; 0 to
 * wait for more; -1 with a sentence in why when it names no server. */
int redirect_tls_request(struct conn *c, struct http_request *req, char *why, size_t len);
/* Client bytes in PH_SNI: STEP_RELAY once the ClientHello names the CONNECT host. */
void tunnel_check_sni(struct conn *c, struct outcome *o);
/* PH_RELAY: every buffered byte is cleared both ways; a side that ended is half-closed
 * on the other once its bytes are out; STEP_CLOSE when both are done. */
void tunnel_relay(struct conn *c, struct outcome *o);

/* --- forward.c: the http:// exchange -------------------------------------------- */
/* The upstream is open: the rewritten head at the start of c->up (decide.c) may go. */
void forward_start(struct conn *c);
/* Bytes of the exchange arrived either way: what may be forwarded (exchange.h), and
 * whether it failed, became a relay (101) or ended (as forward_done()). */
void forward_step(struct conn *c, struct outcome *o);
/* Whether the exchange is over (both sides done, the answer flushed): STEP_NEXT for
 * keep-alive, STEP_LINGER otherwise; else STEP_WAIT. */
void forward_done(struct conn *c, struct outcome *o);

/* --- head.c: the origin-form rewrite of a request head ------------------------------ */
/* How head_rewrite() treats placeholders: every field of the request goes through
 * secrets_rewrite() for `host`; sx NULL copies fields unchanged (tests). */
struct head_secrets {
	const struct secret_store *store;
	const char *host;
	int tls;                    /* the upstream leg is TLS */
	int identity;               /* ask for identity coding (Accept-Encoding dropped) */
	int reframe;                /* the body is gathered (body_inject.h): its framing
	                               headers and Expect are dropped */
	struct secrets_result res;  /* what was injected, or why the request is refused */
};

/* Writes the origin-form request head for `req` into out: request-line with the path,
 * Host from the target, hop-by-hop headers (Connection and the names it lists,
 * Proxy-Connection, Proxy-Authorization, Keep-Alive, TE) removed; Transfer-Encoding and
 * Trailer kept (the body is relayed as framed); Upgrade kept with "Connection: upgrade"
 * when the client asked to upgrade. With sx, placeholders in the target and header
 * values become secrets (or refuse the request); in a dropped header, one the host may
 * not receive refuses the request too. Returns the length, -1 when it does
 * not fit, -2 when a placeholder was refused (sx->res.reason says why). */
long head_rewrite(const struct http_request *req, struct head_secrets *sx, char *out,
		  size_t cap);
/* For a head none of whose headers is forwarded (CONNECT): whether every placeholder in
 * them is one sx->host may receive (0), else -2 with sx->res saying why. Headers that
 * head_rewrite() drops are held to the same rule; what they carry is dropped, never
 * injected. */
int head_check_dropped(const struct http_request *req, struct head_secrets *sx);

/* --- deny.c ---------------------------------------------------------------------- */
/* The reason phrase of an HTTP status ("Forbidden"). */
const char *deny_reason_phrase(int status);
/* Formats a complete answer from airlock into buf: status line, Content-Type text/plain,
 * Content-Length, Connection: close, `hdr: token` (e.g. X-Airlock-Deny), body. Returns
 * the length, or 0 when it does not fit. */
size_t deny_format(char *buf, size_t cap, int status, const char *hdr, const char *token,
		   const char *body);
/* The body of a 403 for a target the policy does not allow: names host and port, the
 * reason, and the exact [network] line that would allow it. `ip_literal`: the target
 * was an IP address. Returns the length (cut to fit cap, NUL-terminated). */
size_t deny_policy_body(char *buf, size_t cap, const char *method, const char *host,
			uint16_t port, uint16_t default_port, int ip_literal);
/* The [network] item that would allow host:port: "host", "host:port", "[v6]:port". */
void deny_policy_item(char *buf, size_t cap, const char *host, uint16_t port,
		      uint16_t default_port);

/* --- proxy.c --------------------------------------------------------------------- */
/* A denial: a one-line human notice on stderr when there is no audit file, and the
 * on_denial hook. `allow`: the policy line that would allow it, or "". */
void proxy_notice_denial(struct proxy *p, const char *method, const char *host, uint16_t port,
			 const char *path, const char *why, const char *allow);

/* --- grant.c ---------------------------------------------------------------------- */
/* The action a grant gives host:port (ACTION_DENY: none), with its rule. */
enum policy_action proxy_granted(const struct proxy *p, const char *host, uint16_t port,
				 uint16_t default_port, const struct policy_host_rule **rule);
/* Frees every grant (proxy_free). */
void proxy_grants_free(struct proxy *p);

#endif
