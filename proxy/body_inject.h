/* body_inject.h: a request body gathered whole, so that placeholders of `body = yes`
 * secrets in it can be replaced (secrets.h, SECRETS_BODY_*), then given out again
 * framed by Content-Length.
 *
 * The proxy buffers a body only for a host a `body = yes` secret is bound to, and only
 * up to BODY_INJECT_MAX: a longer body goes on as it came, unless a placeholder is in
 * it (then 413). The head waits with the body (its length changes), so the request
 * leaves as one message: the head with the new Content-Length, then the body. I/O-free:
 * bytes in, bytes out; the buffers are wiped when freed (they hold values).
 */
#ifndef AIRLOCK_BODY_INJECT_H
#define AIRLOCK_BODY_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/proto/http.h"
#include "proxy/secrets.h"

#define BODY_INJECT_MAX (256u << 10) /* the largest body buffered */

struct body_inject;

/* A collector for a body framed as `framing` (Content-Length `length`, or chunked),
 * whose rewritten head `head`[0..len) ends with its empty line and carries no framing
 * header (head_rewrite() with reframe). NULL when memory is short. */
struct body_inject *body_inject_new(enum http_body framing, uint64_t length, const char *head,
				    size_t head_len);

/* Wipes and frees b (NULL is fine). */
void body_inject_free(struct body_inject *b);

enum body_take {
	BODY_TAKE_MORE,  /* all of in taken, the body goes on */
	BODY_TAKE_DONE,  /* the body ended: *used bytes of in were its last */
	BODY_TAKE_OVER,  /* the body is longer than BODY_INJECT_MAX */
	BODY_TAKE_BAD,   /* malformed chunked framing (*why says how) */
};

/* Takes the next bytes of the body from in[0..len); *used says how many belong to it.
 * Chunk framing and trailers are dropped: what is kept is the data. */
enum body_take body_inject_take(struct body_inject *b, const char *in, size_t len,
				size_t *used, const char **why);

/* The body gathered (valid until the next call on b). */
const char *body_inject_body(const struct body_inject *b, size_t *len);

/* Makes the message to send from the head and body[0..len) (which may be the gathered
 * body, or one made from it): the head with `Content-Length`, then the body. 0, or -1
 * without memory. */
int body_inject_message(struct body_inject *b, const char *body, size_t len);

/* Replaces the placeholders in the gathered body (secrets_rewrite() with `kind`) and
 * makes the message to send: the head with `Content-Length` of the new body, then the
 * body. 0; 1 refused (res says why); -1 no memory. */
int body_inject_finish(struct body_inject *b, const struct secret_store *st, const char *host,
		       int tls, enum secrets_field kind, struct secrets_result *res);

/* Scrubs the finished message (head and body) of the forms in which the secrets in
 * `mask` went upstream (secrets_scrub()), fixing its Content-Length: for a gathered
 * answer. 0, or -1 when it cannot be scrubbed (no memory, a credential that cannot be
 * rebuilt): the message must not go. */
int body_inject_scrub(struct body_inject *b, const struct secret_store *st, uint64_t mask,
		      const char *basic, size_t basic_len);

/* Copies the next bytes of the finished message into out[0..cap); returns how many (0
 * when all is out). */
size_t body_inject_out(struct body_inject *b, char *out, size_t cap);

/* The bytes of the finished message not yet copied out. */
size_t body_inject_pending(const struct body_inject *b);

/* The body's kind for the rewriter, from its Content-Type value (NULL: none): forms are
 * percent-encoded, JSON escaped, anything else text. */
enum secrets_field body_inject_kind(const char *ctype, size_t len);

#endif
