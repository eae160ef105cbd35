/* percent.h: percent-encoding (RFC 3986 section 2.1) for the request target.
 *
 * I/O-free helpers used by the secret rewriter: reading one character of a target that
 * may be written raw or as %XX, and writing a value so that only unreserved characters
 * appear as themselves.
 */
#ifndef AIRLOCK_PERCENT_H
#define AIRLOCK_PERCENT_H

#include <stddef.h>

/* The value of hex digit `c` (either case), or -1 when `c` is not a hex digit. */
int percent_hexval(unsigned char c);

/* Whether `c` is an RFC 3986 unreserved character (ALPHA DIGIT - . _ ~), the only ones
 * a percent-encoded value keeps as themselves. */
int percent_unreserved(unsigned char c);

/* Reads the character at in[0] (len > 0 bytes available): "%XX" with two hex digits of
 * either case decodes to that byte and counts 3; anything else, a lone '%' included,
 * is the byte itself and counts 1. Stores the character in *c and returns the count. */
size_t percent_next(const char *in, size_t len, unsigned char *c);

/* The length of `len` bytes percent-encoded by percent_encode(). */
size_t percent_encoded_len(const unsigned char *in, size_t len);

/* Writes `in` percent-encoded (unreserved bytes as-is, every other byte as %XX with
 * upper-case hex) to out[*pos..cap). Returns 0, or -1 when it does not fit; *pos
 * advances by the encoded length either way, so a caller learns the size it needed,
 * and nothing is written past `cap`. */
int percent_encode(const unsigned char *in, size_t len, char *out, size_t cap, size_t *pos);

#endif
