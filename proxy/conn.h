/* conn.h: one proxied connection, in parts: the connection itself (sockets, buffers,
 * events, lifetime: conn.c), its target and the policy's decision (decide.c), the dial
 * (dial.c), the http:// exchange (forward.c) and the audit records (record.c). Its
 * phase is assigned in state.c only. Internal to proxy/.
 */
#ifndef AIRLOCK_PROXY_CONN_H
#define AIRLOCK_PROXY_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "net/base/buf.h"
#include "net/loop.h"
#include "policy/policy.h"
#include "proxy/dial.h"
#include "proxy/exchange.h"
#include "proxy/proto/http.h"
#include "proxy/secrets.h"
#include "proxy/transport.h"

struct proxy;
struct mitm;
struct metadata_wait;

#define CONN_BUF BUF_SIZE /* net/base/buf.h */

enum phase {
	PH_HEAD,        /* reading a request head (or idle between requests) */
	PH_DIAL,        /* the dial (dial.h) reaches the upstream */
	PH_TLS_WAIT,    /* an `allow` CONNECT answered 200: TLS starts once that is out */
	PH_SNI,         /* a passthrough CONNECT answered 200: waiting for the ClientHello */
	PH_RELAY,       /* opaque bytes both ways (tunnel, forward, after 101) */
	PH_HTTP,        /* an http:// request and its response in flight */
	PH_FINISH,      /* writing a final answer, then draining the client, then close */
};

/* What the connection is for: the current request's or tunnel's target and the
 * policy's decision about it (decide.c). */
struct conn_target {
	char host[HTTP_MAX_HOST + 3];
	uint16_t port;
	int is_connect;         /* a CONNECT tunnel (until TLS is terminated in it) */
	uint16_t forward_port;  /* a `forward` connection: no HTTP at all */
	enum policy_action action;
	const char *rule;       /* the matching policy item's text */
	char method[24];
	char path[512];         /* as sent, cut for the audit line */
};

/* The http:// exchange in flight and the answer given to the client (forward.c). */
enum body_mode { BODY_RELAY, BODY_CHECK, BODY_GATHER }; /* decide.c's body_mode() */

struct conn_http {
	struct exchange ex;     /* framing and decisions (exchange.h) */
	enum body_mode body_mode;
	int capture;            /* the [token] whose endpoint this request is for, or -1 */
	size_t head_len;        /* rewritten request head waiting at the start of `up` */
	int status;             /* final status given to the client (audit) */
	int resp_started;       /* bytes of an answer to this request went to the client */
	int close_after;        /* close once the current answer is flushed */
	int hangup_deferred;    /* the client half-closed behind unread bytes (a request
				 * pipelined before its FIN): read them after this answer */
	uint64_t injected;      /* secrets injected into the request (store bits): audit */
	/* What the connection has carried upstream so far, for scrubbing every later
	 * response: the secrets (store bits) and the Basic credentials with them, as the
	 * sandbox sent them (space-separated, secrets_result.basic's form). */
	uint64_t scrub_mask;
	size_t basic_sent_len;
	char basic_sent[SECRETS_BASIC_SENT_MAX];
};

/* The audit records in progress (record.c). A request (or a CONNECT or `forward` not
 * yet decided) has one line; so has a tunnel's decision: the first line written about
 * the tunnel itself, else the one written when it ends, however it ends. Requests inside
 * a terminated tunnel have their own lines and leave the tunnel's pending. */
struct conn_record {
	int req_open;           /* the current request's line is not written yet */
	uint64_t start;         /* loop ms when the current request began */
	uint64_t up, down;      /* its bytes each way */
	int tun_open;           /* a tunnel decided, its line not written yet */
	int tun_200;            /* the CONNECT was answered 200 */
	unsigned tun_requests;  /* requests read inside the terminated tunnel */
	uint64_t tun_start, tun_up, tun_down;
};

struct conn {
	struct proxy *p;
	struct conn *prev, *next;
	int cfd, ufd;
	uint32_t cev, uev;      /* events watched on the loop (0: not in epoll at all) */
	enum phase phase;       /* assigned in state.c only */
	int busy, dead;         /* freed once no callback is running on it */
	struct loop_timer timer;
	uint64_t last_active;   /* loop ms of the last byte moved */
	const struct transport *xprt[2]; /* how bytes move on the sandbox's side [0] and
	                                    the upstream's [1]: plain, or TLS (mitm.c) */
	struct mitm *mitm;      /* TLS termination state (allow hosts only), else NULL */
	int metadata;           /* a [gcp] metadata server connection (metadata.c) */
	enum { REDIRECT_NONE, REDIRECT_LINE, REDIRECT_READ } redirect; /* redirect.c */
	uint16_t redirect_port; /* REDIRECT_READ: the port the sandbox connected to */
	struct metadata_wait *md; /* its request, while a token is fetched for it */
	int c_eof, u_eof, c_shut, u_shut, draining;

	/* The open upstream, kept between http:// requests to the same target. */
	char uhost[HTTP_MAX_HOST + 3];
	uint16_t uport;
	int ureusable;

	struct conn_target t;
	struct dial dial;
	struct conn_http h;
	struct conn_record rec;

	int pipe[2];            /* splice.h: upstream -> client, or -1 */
	size_t piped;           /* bytes in it, the client's next */
	int no_splice;          /* no pipe could be made: the buffers only */
	char *spill;            /* client bytes a rewritten request head pushed out of `up`
	                           (decide.c): they go back before anything is read */
	size_t spill_len;

	struct buf up;          /* client -> upstream */
	struct buf down;        /* upstream -> client */
};

/* --- conn.c: lifetime and sockets ------------------------------------------------- */
/* A connection for accepted socket cfd, in no list of the loop yet (io_accept() does
 * that, and sets up its timer and dial). */
struct conn *conn_new(struct proxy *p, int cfd, uint16_t forward_port);
/* Closes both sockets and releases everything; `reset` sends RSTs (SO_LINGER 0). Writes
 * nothing: state_close() ends the audit records first. */
void conn_close(struct conn *c, int reset);
/* Keeps c allocated across a callback (conn_close() may run inside it). */
void conn_hold(struct conn *c);
/* Ends a conn_hold(); frees c if it was closed meanwhile. */
void conn_release(struct conn *c);
/* Closes only the upstream socket (keep-alive reuse ended, or reconnect). */
void conn_close_upstream(struct conn *c, int reset);
/* Ends the sending direction of one side (a TLS side says close_notify first). */
void conn_half_close(struct conn *c, int upstream);
/* Sets the connection's timer. */
void conn_arm_timer(struct conn *c, uint64_t ms);
/* The audit "decision" of the connection: "allow", "passthrough", "forward", "deny". */
const char *conn_decision(const struct conn *c);

#endif
