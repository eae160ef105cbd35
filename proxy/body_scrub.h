/* body_scrub.h: the stream scrub of a response body (and its trailers).
 *
 * For a connection that carried secrets upstream, every byte of every later response
 * passes through here before the sandbox may have it: each form in which those secrets
 * went upstream (secrets_scrubber) becomes what the sandbox sent. A body arrives in
 * pieces (TCP reads, TLS records, chunks), so a value may be split anywhere: bytes that
 * could begin a match are held back until the next piece says whether they do, and
 * only those, so that an event stream (SSE) is not delayed by a held line end.
 *
 * I/O-free: bytes are put in, scrubbed bytes are taken out. The stream holds at most
 * body_scrub_room() bytes of input; its buffer and the forms it looks for are wiped
 * when it is freed.
 */
#ifndef AIRLOCK_BODY_SCRUB_H
#define AIRLOCK_BODY_SCRUB_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/secrets.h"

struct body_scrub;

/* A stream for the secrets in `mask` and the Basic credential list basic[0..len) (which
 * the stream copies). NULL when memory is short or a credential cannot be rebuilt. */
struct body_scrub *body_scrub_new(const struct secret_store *st, uint64_t mask,
				  const char *basic, size_t basic_len);

/* Wipes and frees s (NULL is fine). */
void body_scrub_free(struct body_scrub *s);

/* How many more input bytes the stream takes now. */
size_t body_scrub_room(const struct body_scrub *s);

/* Appends in[0..len) (at most body_scrub_room() bytes are taken); returns how many. */
size_t body_scrub_put(struct body_scrub *s, const char *in, size_t len);

/* Writes scrubbed bytes to out[0..cap) and returns how many. Bytes that could begin a
 * match stay held unless `final` (the input has ended: nothing more can complete
 * them). Returns less than the stream holds when out is full. */
size_t body_scrub_get(struct body_scrub *s, char *out, size_t cap, int final);

/* Input bytes held (not yet returned by body_scrub_get()). */
size_t body_scrub_held(const struct body_scrub *s);

/* The replacements made so far. */
uint64_t body_scrub_count(const struct body_scrub *s);

#endif
