/* mint.h: the messages between the proxy worker and the CA process.
 *
 * The sandbox CA's private key lives in a process that holds nothing else (privsep.h).
 * The proxy worker, which parses everything the sandbox sends, only asks it, over a
 * SOCK_SEQPACKET pair, "mint a leaf for HOST"; the CA process refuses a host its name
 * constraints do not cover. One message per packet, all integers little-endian:
 *
 *   CA -> worker, once, first:  'K' u32 cert_len, CA cert DER, u32 curve, u32 xlen, leaf x
 *   worker -> CA:               'M' i64 now, host (1..253 bytes, no NUL)
 *   CA -> worker:               'C' i64 not_after, leaf DER   |   'E' sentence
 *   CA -> worker, with [gcp]:   'A' email NUL project_id NUL token_uri NUL   (second)
 *   worker -> CA:               'G' i64 now                   (with [gcp]: a grant)
 *   CA -> worker:               'J' token request body        |   'E' sentence
 *
 * With [gcp] the CA process also holds the service-account key: it signs the JWT grant
 * (proxy/tls/jwt.h) for the policy's scopes, and the worker gets only the form body to
 * post to the key's token_uri, an assertion that expires in an hour.
 * The encoders and decoders are I/O-free (the unit tests and fuzz_mint drive them);
 * mint_call() and mint_serve() are the two loops that move them over the socket.
 */
#ifndef AIRLOCK_MINT_H
#define AIRLOCK_MINT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proxy/tls/cert.h"
#include "proxy/tls/gcp_key.h"
#include "proxy/tls/jwt.h"

/* The service-account key the CA process signs grants with, and for what. */
struct mint_grantor {
	const struct gcp_key *key;
	const char *scopes;     /* space-separated; NULL: JWT_SCOPE_DEFAULT */
};

#define MINT_MSG_MAX (CA_CERT_MAX + 256) /* the largest message: the 'K' */
#define MINT_HOST_MAX 253

/* Whether `host` (a DNS name or an IP literal without brackets) is one the CA's names
 * cover: the same test its name constraints make a client apply. */
int mint_host_permitted(const struct ca_name *names, size_t n, const char *host);

/* The 'K' message for ca (its certificate and the leaf key) into out (MINT_MSG_MAX).
 * Returns its length, or 0 when it does not fit. */
size_t mint_key_encode(const struct ca *ca, unsigned char *out, size_t cap);

/* Fills ca (from ca_new()) with the certificate and leaf key of a 'K' message: a CA
 * that can build chains but holds no CA private key. Returns 0, or -1 with a sentence. */
int mint_key_decode(const unsigned char *msg, size_t len, struct ca *ca, char *err,
		    size_t errlen);

/* A mint request for host. Returns its length, or 0 when host is empty or too long. */
size_t mint_request_encode(const char *host, time_t now, unsigned char *out, size_t cap);

/* Decodes a mint request: host into host[MINT_HOST_MAX + 1], NUL-terminated. Returns 0,
 * or -1 with a sentence in err (wrong type, bad length, a NUL in the host). */
int mint_request_decode(const unsigned char *msg, size_t len, char *host, time_t *now,
			char *err, size_t errlen);

/* What the CA process answers one request with: the leaf when the host is permitted
 * (one of names; names NULL: any host, for an unconstrained CA) and minting succeeds,
 * else an 'E' saying why. Returns the reply's length. */
size_t mint_answer(struct ca *ca, const struct ca_name *names, size_t n,
		   const unsigned char *req, size_t reqlen, unsigned char *out, size_t cap);

/* Decodes a reply into the caller's buffer. Returns 0, or -1 with the CA's sentence (or
 * what is wrong with the reply) in err. */
int mint_reply_decode(const unsigned char *msg, size_t len, unsigned char *der, size_t cap,
		      size_t *der_len, time_t *not_after, char *err, size_t errlen);

/* The worker's side: one request and its reply on `fd`, waiting at most 5 s. Same
 * results as leaf_mint(). */
int mint_call(int fd, const char *host, time_t now, unsigned char *out, size_t cap,
	      size_t *len, time_t *not_after, char *err, size_t errlen);

/* The public half of the service account, for the worker's metadata answers. */
struct mint_account {
	char email[GCP_KEY_EMAIL_MAX + 1];
	char project_id[GCP_KEY_PROJECT_MAX + 1];
	char token_uri[GCP_KEY_URI_MAX + 1];
};

/* The 'A' message for key into out. Returns its length, or 0 when it does not fit. */
size_t mint_account_encode(const struct gcp_key *key, unsigned char *out, size_t cap);

/* Decodes an 'A' message. Returns 0, or -1 with a sentence in err (wrong type, a field
 * missing, too long or not printable ASCII). */
int mint_account_decode(const unsigned char *msg, size_t len, struct mint_account *a,
			char *err, size_t errlen);

/* A grant request ('G') for the time now. Returns its length (9), or 0 when cap is too
 * small. */
size_t mint_grant_request_encode(time_t now, unsigned char *out, size_t cap);

/* What the CA process answers a grant request with: 'J' and the token request's form
 * body (jwt_grant_body) signed by g's key, or an 'E' saying why (no key: g NULL; a
 * malformed request; the time out of range). Returns the reply's length. */
size_t mint_grant_answer(const struct mint_grantor *g, const unsigned char *req,
			 size_t reqlen, unsigned char *out, size_t cap);

/* Decodes a grant reply: the body into body (cap bytes), NUL-terminated. Returns 0, or
 * -1 with the CA's sentence (or what is wrong with the reply) in err. */
int mint_grant_reply_decode(const unsigned char *msg, size_t len, char *body, size_t cap,
			    size_t *body_len, char *err, size_t errlen);

/* The worker's side of a grant: the signed form body for now, waiting at most 5 s. */
int mint_grant_call(int fd, time_t now, char *body, size_t cap, size_t *len, char *err,
		    size_t errlen);

/* The CA process's loop: answers requests on fd until the peer closes it; grant
 * requests with g (NULL: refused). */
void mint_serve(int fd, struct ca *ca, const struct ca_name *names, size_t n,
		const struct mint_grantor *g);

#endif
