/* base64.h: standard base64 (RFC 4648 section 4, "+/" alphabet, "=" padding) for
 * `Authorization: Basic` credentials, and an unpadded base64url encoder (section 5,
 * "-_" alphabet) for the JWTs the supervisor signs.
 *
 * Decoding is strict on purpose: the secret rewriter only rewrites credentials it can
 * reproduce exactly, so anything not in canonical form is left alone rather than
 * guessed at.
 */
#ifndef AIRLOCK_BASE64_H
#define AIRLOCK_BASE64_H

#include <stddef.h>

/* The encoded length of `n` bytes (padded, a multiple of 4). */
size_t base64_encoded_len(size_t n);

/* The 6-bit value of the base64 character c, or -1 outside the alphabet ('=' too). */
int base64_sextet(unsigned char c);

/* Strictly decodes `len` characters of `in` into out (cap `outcap`), length in *outlen.
 * Accepted: only the standard alphabet, a length that is a multiple of 4, padding only
 * as the last one or two characters of the last quantum, and unused bits of the last
 * character zero (so every accepted input is the canonical encoding of its output).
 * The empty input decodes to nothing. Returns 0, or -1 on any deviation or when the
 * output does not fit (out may then hold partial bytes). */
int base64_decode(const char *in, size_t len, unsigned char *out, size_t outcap,
		  size_t *outlen);

/* Incremental encoder: feed bytes with base64_stream_put(), finish with
 * base64_stream_end(). Lets a caller encode pieces (text, then a secret value, then
 * text) without assembling them in a buffer first. Up to 2 input bytes wait in `pend`;
 * wipe the struct when they may be secret. */
struct base64_stream {
	unsigned char pend[3];
	unsigned npend;
};

/* Encodes `len` bytes of `in`, writing whole quanta to out[*pos..cap). Returns 0, or -1
 * when the output does not fit; *pos advances by the full encoded length either way
 * (so the caller learns the size needed) and nothing is written past `cap`. */
int base64_stream_put(struct base64_stream *s, const unsigned char *in, size_t len, char *out,
		      size_t cap, size_t *pos);

/* Writes the last, padded quantum (if any bytes are pending), same contract as
 * base64_stream_put(). */
int base64_stream_end(struct base64_stream *s, char *out, size_t cap, size_t *pos);

/* Encodes `len` bytes at once into out (cap `outcap`), length in *outlen; no NUL is
 * added. Returns 0, or -1 when it does not fit (then *outlen is the size needed). */
int base64_encode(const unsigned char *in, size_t len, char *out, size_t outcap,
		  size_t *outlen);

/* The length of `n` bytes in unpadded base64url: 4 characters per 3 bytes, plus 2 or 3
 * for a last group of 1 or 2 bytes. */
size_t base64url_encoded_len(size_t n);

/* Encodes `len` bytes as base64url without padding (RFC 4648 section 5; the JWS
 * encoding of RFC 7515 section 2) into out (cap `outcap`), length in *outlen; no NUL is
 * added. Returns 0, or -1 when it does not fit (then *outlen is the size needed and
 * nothing is written past outcap). */
int base64url_encode(const unsigned char *in, size_t len, char *out, size_t outcap,
		     size_t *outlen);

#endif
