/* proxy_int.h: the proxy's internals, shared by proxy.c (listeners, accounting),
 * conn.c (connection I/O and lifetime), connect.c (resolution and upstream connect),
 * tunnel.c (CONNECT, SNI check, relay), forward.c (http:// requests) and deny.c
 * (refusal texts). Not for use outside proxy/.
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
#include "proxy/proto/http.h"
#include "proxy/proxy.h"
#include "proxy/upstream.h"
#include "proxy/tls/leaf_cache.h"
#include "proxy/mitm.h"
#include "proxy/secrets.h"
#include "proxy/transport.h"
#include "proxy/exchange.h"

/* Limits and timeouts. 16 KiB per direction keeps an idle tunnel well under 64 KiB. */
#define CONN_BUF BUF_SIZE /* net/base/buf.h */
#define PROXY_MAX_CONNS 4096
#define PROXY_IDLE_MS (300 * 1000)      /* no byte either way for this long: close */
#define PROXY_HEAD_MS (30 * 1000)       /* a whole request head (slowloris) */
#define PROXY_CONNECT_MS (10 * 1000)    /* one TCP connect attempt */
#define PROXY_RESOLVE_MS (20 * 1000)    /* a DNS lookup */
#define PROXY_HANDSHAKE_MS (10 * 1000)  /* the upstream proxy's answer to CONNECT */
#define PROXY_LINGER_MS (2 * 1000)      /* draining a client after a final answer */

struct proxy {
	struct loop *loop;
	const struct policy *policy;
	const struct policy *first_policy; /* the one the CA's name constraints come from */
	int audit_fd;
	int verbose;
	struct resolver *resolver;
	struct upstream_conf upstream;
	struct listener *listeners;
	struct conn *conns;     /* every live connection, for proxy_free */
	size_t nconns;
	int spare_fd;           /* closed to accept-and-refuse when out of fds */
	uint64_t idle_ms, head_ms, connect_ms; /* the timeouts in force */
	struct ca *ca;                    /* TLS termination (NULL: off) */
	struct leaf_cache *leaves;
	struct trust_store *trust;
	int system_trust;       /* 0: not loaded yet, 1: loaded, -1: failed (trust_err) */
	char trust_err[512];
	const struct secret_store *secrets;
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
};


enum phase {
	PH_HEAD,        /* reading a request head (or idle between requests) */
	PH_CONNECTING,  /* resolving, connecting, or the upstream proxy's CONNECT */
	PH_SNI,         /* CONNECT answered 200, waiting for the ClientHello */
	PH_RELAY,       /* opaque bytes both ways (tunnel, forward, after 101) */
	PH_HTTP,        /* an http:// request and its response in flight */
	PH_FINISH,      /* writing a final answer, then draining the client, then close */
};


struct conn {
	struct proxy *p;
	struct mitm *mitm;      /* TLS termination state (allow hosts only), else NULL */
	const struct transport *xprt[2]; /* how bytes move on the sandbox's side [0] and
	                                    the upstream's [1]: plain, or TLS (mitm.c) */
	uint64_t injected;      /* secrets injected into the current request (store bits) */
	size_t basic_sent_len;  /* its Basic credentials with secrets, as the sandbox sent */
	char basic_sent[SECRETS_BASIC_SENT_MAX]; /* them (secrets_result.basic): for scrubbing */
	struct conn *prev, *next;
	int cfd, ufd;
	uint32_t cev, uev;      /* events watched on the loop (0: not in epoll at all) */
	enum phase phase;
	int busy, dead;         /* freed once no callback is running on it */
	struct loop_timer timer;
	uint64_t last_active;   /* loop ms of the last byte moved */
	uint64_t txn_start;     /* loop ms when the current request/tunnel began */

	/* The current target. */
	char host[HTTP_MAX_HOST + 3];
	uint16_t port;
	int is_connect;
	uint16_t forward_port;  /* a `forward` connection: no HTTP at all */
	enum policy_action action;
	const char *rule;       /* the matching policy item's text */
	char method[24];
	char path[512];         /* as sent, cut for the audit line */

	/* Reaching the upstream. */
	struct resolve_req *rq;
	struct sockaddr_storage *addrs;
	socklen_t *addrlens;
	size_t naddrs, next_addr;
	int connecting;         /* a non-blocking connect() is in progress on ufd */
	int handshake;          /* waiting for the upstream proxy's answer to CONNECT */
	const struct upstream_proxy *via;
	char last_err[160];     /* why the last connect attempt failed */
	char uhost[HTTP_MAX_HOST + 3]; /* what ufd is connected to, for keep-alive reuse */
	uint16_t uport;
	int ureusable;

	/* The http:// exchange. */
	size_t head_len;        /* rewritten request head waiting at the start of `up` */
	struct exchange ex;     /* its framing and decisions (exchange.h) */
	int status;             /* final status given to the client (audit) */
	int audited;            /* the current request/tunnel has its audit line */
	int resp_started;       /* bytes of an answer to this request went to the client */
	int close_after;        /* close once the current answer is flushed */

	/* The tunnel's decision (CONNECT allowed or passthrough, or a `forward` relay) has
	 * one audit line: the first line written about the tunnel itself (a failure to
	 * reach the upstream, an SNI refusal, an idle timeout), else the one conn_close()
	 * writes when the tunnel ends, however it ends. Requests inside a terminated
	 * tunnel have their own lines and leave it pending. */
	int tunnel_open;        /* decided, its line not written yet */
	int tunnel_200;         /* the CONNECT was answered 200 */
	unsigned tun_requests;  /* requests read inside the terminated tunnel */
	uint64_t tun_start, tun_up, tun_down;

	/* End-of-stream bookkeeping. */
	int c_eof, u_eof, c_shut, u_shut, draining;
	uint64_t bytes_up, bytes_down;

	struct buf up;          /* client -> upstream */
	struct buf down;        /* upstream -> client */
};

/* --- conn.c ---------------------------------------------------------------------- */
struct conn *conn_new(struct proxy *p, int cfd, uint16_t forward_port);
/* Closes both sockets and releases everything; `reset` sends RSTs (SO_LINGER 0). */
void conn_close(struct conn *c, int reset);
/* Keeps c allocated across a callback (conn_close() may run inside it). */
void conn_hold(struct conn *c);
/* Ends a conn_hold(); frees c if it was closed meanwhile. */
void conn_release(struct conn *c);
/* After a complete answer: half-closes the client, drains it briefly, then closes
 * (closing with unread input would send an RST that can destroy the answer). */
void conn_linger_close(struct conn *c);
/* Closes only the upstream socket (keep-alive reuse ended, or reconnect). */
void conn_close_upstream(struct conn *c, int reset);
/* Re-registers both sockets' events from the connection's state. */
void conn_update(struct conn *c);
/* The one place a connection's phase is assigned (test_include_order.py checks it):
 * every handler that moves a connection on calls this. With -v -v it logs the step. */
void conn_enter(struct conn *c, enum phase next);
/* Sets the connection's timer for its phase. */
void conn_arm_timer(struct conn *c, uint64_t ms);
/* Ends the current request with an answer from airlock (status, X-Airlock-Deny or
 * X-Airlock-Error token, plain-text body), then closes; when part of an upstream answer
 * has already gone to the client, just closes. Writes the audit line. */
void conn_fail(struct conn *c, int status, const char *token, const char *event,
	       const char *body);
/* The audit "decision" of the connection: "allow", "passthrough", "forward", "deny". */
const char *conn_decision(const struct conn *c);
/* Starts the tunnel's pending decision line (see struct conn). */
void conn_tunnel_open(struct conn *c);
/* Writes an audit line for the current request or tunnel. */
void conn_audit(struct conn *c, const char *event, const char *decision, int status,
		const char *reason);
/* Processes bytes already in the buffers after a phase change. */
void conn_progress(struct conn *c);

/* --- connect.c ------------------------------------------------------------------- */
/* Reaches c->host:c->port (map, literal, DNS with the SSRF guard, or via the upstream
 * proxy), reusing an open upstream for the same target; calls conn_upstream_ready(). */
void connect_start(struct conn *c);
/* The connection's upstream socket became writable/readable while connecting. */
void connect_on_event(struct conn *c, uint32_t events);
/* Timer expiry during PH_CONNECTING. */
void connect_on_timeout(struct conn *c);
/* Called when the upstream byte pipe to host:port is open. */
void conn_upstream_ready(struct conn *c);

/* --- tunnel.c -------------------------------------------------------------------- */
/* After connect for CONNECT: 200 to the client, then the ACTION's path. */
void tunnel_established(struct conn *c);
/* ACTION_ALLOW on CONNECT: TLS termination (mitm.c), then the requests inside go
 * through forward.c; without a CA (test harnesses) the passthrough path. */
void conn_start_allowed_tunnel(struct conn *c);
/* ACTION_PASSTHROUGH: SNI check, then relay untouched. */
void conn_start_passthrough(struct conn *c);
/* New client bytes in PH_SNI. */
void tunnel_try_sni(struct conn *c);
/* Enters PH_RELAY: every buffered byte is cleared both ways. */
void tunnel_relay(struct conn *c);

/* How forward_rewrite_head() treats placeholders: every field of the request goes
 * through secrets_rewrite() for `host`; sx NULL copies fields unchanged (tests). */
struct head_secrets {
	const struct secret_store *store;
	const char *host;
	int tls;                    /* the upstream leg is TLS */
	struct secrets_result res;  /* what was injected, or why the request is refused */
};

/* --- forward.c ------------------------------------------------------------------- */
/* A complete request head of `len` bytes is at the start of c->up: decide and start. */
void forward_request(struct conn *c, const struct http_request *req, size_t len);
/* After connect for an http:// request: the head and body start flowing. */
void forward_established(struct conn *c);
/* New request-body bytes arrived (PH_HTTP). */
void forward_feed_request(struct conn *c);
/* New response bytes arrived (PH_HTTP). Returns -1 if the connection was closed. */
int forward_feed_response(struct conn *c);
/* Whether the exchange is over (both sides done, answer flushed); moves on if so. */
void forward_check_done(struct conn *c);
/* Writes the origin-form request head for `req` into out: request-line with the path,
 * Host from the target, hop-by-hop headers (Connection and the names it lists,
 * Proxy-Connection, Proxy-Authorization, Keep-Alive, TE) removed; Transfer-Encoding and
 * Trailer kept (the body is relayed as framed); Upgrade kept with "Connection: upgrade"
 * when the client asked to upgrade. With sx, placeholders in the target and header
 * values become secrets (or refuse the request); in a dropped header, one the host may
 * not receive refuses the request too. Returns the length, -1 when it does
 * not fit, -2 when a placeholder was refused (sx->res.reason says why). */
long forward_rewrite_head(const struct http_request *req, struct head_secrets *sx, char *out,
			  size_t cap);
/* For a head none of whose headers is forwarded (CONNECT): whether every placeholder in
 * them is one sx->host may receive (0), else -2 with sx->res saying why. Headers that
 * forward_rewrite_head() drops are held to the same rule; what they carry is dropped,
 * never injected. */
int forward_check_dropped_head(const struct http_request *req, struct head_secrets *sx);

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
/* A one-line human notice on stderr for a denial when there is no audit file. */
void proxy_notice_denial(struct proxy *p, const char *method, const char *host, uint16_t port,
			 const char *why);

#endif
