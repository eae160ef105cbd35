/* exchange.h: one HTTP/1.1 request and its response, as bytes in and decisions out.
 *
 * The connection code (forward.c) gives the exchange the bytes that arrive from the
 * client after a request head, and from the upstream; the exchange says how many of
 * them may be forwarded and what happens next: more is needed, the message is done
 * (and whether the connection may be kept), the connection upgrades, or it fails with
 * an answer for the client. It frames bodies (Content-Length, chunked, until close),
 * parses response heads, and rewrites a head that repeats injected secrets back to
 * their placeholders (secrets_scrub).
 *
 * On a connection that has carried secrets upstream, a response body is scrubbed too
 * (body_scrub.h): its bytes can no longer be passed on as they are, since a value and
 * its placeholder differ in length, so the body is taken apart (Content-Length,
 * chunked, or until close), scrubbed as a stream, and re-framed: chunked for an
 * HTTP/1.1 exchange (trailers scrubbed too, or dropped past EXCHANGE_TRAILERS_MAX as RFC
 * 9112 7.1.2 allows), until close for HTTP/1.0. Such requests ask for identity coding
 * (head.c); a response in another content coding could hide a value from the scrub
 * and is refused with 502. The 2xx answer of a [token] endpoint is gathered whole
 * (body_inject.h), its token kept in the store and replaced by the placeholder, and
 * sent with a new Content-Length. No I/O, no audit, no timers: the unit tests and
 * fuzz_exchange drive it in-process.
 *
 * A request body is relayed as it comes (EXCHANGE_BODY_PASS), checked on the way for
 * placeholders of `body = yes` secrets (EXCHANGE_BODY_SCAN: one is refused, 403 when its
 * secret is not bound to the host, 413 when the body was too long to be buffered), or
 * gathered whole with its head for the placeholders to be replaced (exchange_inject(),
 * body_inject.h).
 */
#ifndef AIRLOCK_EXCHANGE_H
#define AIRLOCK_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "net/base/buf.h"
#include "proxy/proto/http.h"
#include "proxy/secret_store.h"
#include "proxy/secrets.h"

struct body_inject;

enum exchange_resp { EXCHANGE_RESP_HEAD, EXCHANGE_RESP_BODY, EXCHANGE_RESP_DONE };

struct exchange {
	/* the request body */
	enum http_body req_body;
	uint64_t req_left;
	struct http_chunked req_ch;
	int req_done;
	int client_keep, upgrade_req; /* what the request head asked for */
	/* the response */
	enum exchange_resp resp;
	enum http_body resp_body;
	uint64_t resp_left;
	struct http_chunked resp_ch;
	int resp_keep;
	int status; /* the final response's status; 0 until its head */
	int req_minor; /* the request's HTTP/1.x */
	int req_expect; /* it asked for 100-continue */
	int req_scan;  /* its body is checked for body placeholders (EXCHANGE_BODY_SCAN) */
	size_t carry_len; /* the end of what was checked last, for a placeholder cut there */
	char carry[SECRETS_PLACEHOLDER_SPAN];
	int req_gather; /* the body is to be gathered (exchange_inject()) */
	struct body_inject *inject; /* the body gathered and rewritten (owned) */
	int inject_ready; /* its message is made; what is left goes out */
	enum secrets_field req_kind; /* the body's kind, from its Content-Type */
	struct exchange_scrub *scrub; /* the body is scrubbed and re-framed (owned) */
	struct body_inject *capture; /* a token endpoint's answer, gathered (owned) */
	int capture_ready; /* its message is made; what is left goes out */
};

/* Trailer fields of a scrubbed chunked body are kept up to this many bytes. */
#define EXCHANGE_TRAILERS_MAX 2048

/* What the response depends on besides its bytes. */
struct exchange_ctx {
	const char *method;      /* the request's, NUL-terminated (HEAD has no body) */
	const char *host;        /* for the messages */
	uint16_t port;
	const struct secret_store *secrets; /* for scrubbing; may be NULL */
	uint64_t injected;       /* the secrets the connection has carried (store bits) */
	const char *basic;       /* the Basic credentials with them, as the sandbox sent */
	size_t basic_len;
	int upstream_eof;        /* the upstream has ended its side */
	int tls;                 /* the upstream leg is TLS (for the request body's secrets) */
	/* A request to a [token] section's endpoint: the store entry (-1: none) whose value
	 * a 2xx JSON answer carries; it is kept in `vault` (the same store as `secrets`)
	 * and the sandbox gets the placeholder in its place. `now`: seconds since the
	 * epoch, for the token's expires_in. */
	int capture;
	struct secret_store *vault;
	int64_t now;
};

enum exchange_outcome {
	EXCHANGE_MORE,    /* what could be decided was; more bytes are needed */
	EXCHANGE_DONE,    /* the message ended */
	EXCHANGE_UPGRADE, /* 101 to a request that asked to upgrade: relay from now on */
	EXCHANGE_FAIL,    /* answer the client `status` with `token` and `why`, then close */
	EXCHANGE_RESET,   /* close both sides now; `why` is the audit reason */
};

struct exchange_result {
	enum exchange_outcome outcome;
	int status;         /* EXCHANGE_FAIL: the status of airlock's answer */
	const char *token;  /* EXCHANGE_FAIL: its X-Airlock-Error token */
	char why[640];      /* EXCHANGE_FAIL: its body; EXCHANGE_RESET: the reason */
	int head_sent;      /* a response head (1xx included) was cleared for the client */
	int trailing;       /* EXCHANGE_DONE: bytes follow the response (no reuse) */
	uint64_t injected;  /* secrets put into the request body (store bits) */
};

/* Starts the exchange for a request whose head was parsed as req (ending the previous
 * one: exchange_end()). The struct must be zeroed before its first use. */
void exchange_begin(struct exchange *x, const struct http_request *req);

/* Releases what the exchange holds (the body scrub: wiped). */
void exchange_end(struct exchange *x);

/* The request body is checked for placeholders of `body = yes` secrets on its way. */
void exchange_scan(struct exchange *x);

/* The request body is gathered whole (it has one, chunked or of a Content-Length up to
 * BODY_INJECT_MAX) with its rewritten head, head[0..len), which carries no framing
 * header: both go once the body's placeholders are replaced. 0, -1 without memory. */
int exchange_inject(struct exchange *x, const struct http_request *req, const char *head,
		    size_t len);

/* Request body bytes: b's bytes after its cleared ones. Clears (b->fwd) what belongs
 * to the body; the outcome is EXCHANGE_DONE once the body ended, EXCHANGE_FAIL for a
 * malformed chunked body or a refused placeholder, else EXCHANGE_MORE. A gathered body
 * takes the bytes out of b, then writes the message back as b has room: call again
 * when the upstream has taken cleared bytes. cx->secrets is the store the request's
 * host may receive secrets from (NULL: none). */
void exchange_request(struct exchange *x, const struct exchange_ctx *cx, struct buf *b,
		      struct exchange_result *r);

/* How many of the response body's next bytes may go to the client without the exchange
 * seeing them (splice(2), proxy/splice.h): what is left of a Content-Length body, or
 * UINT64_MAX for one that ends with the connection. 0 while the exchange must see the
 * bytes: a head is to come, the body is chunked, scrubbed or gathered, or it is done. */
uint64_t exchange_passthrough(const struct exchange *x);

/* n bytes of the body went that way (n <= exchange_passthrough(x)). */
void exchange_passed(struct exchange *x, uint64_t n);

/* Response bytes: b's bytes after its cleared ones. Clears what may go to the client,
 * head by head (1xx heads pass, the final one decides the framing), rewriting a head
 * that repeats a secret the connection carried, and its body as said above. A scrubbed
 * body is written back into b as room allows: call again once the client has taken
 * cleared bytes, and when the upstream ended (cx->upstream_eof). */
void exchange_response(struct exchange *x, const struct exchange_ctx *cx, struct buf *b,
		       struct exchange_result *r);

#endif
