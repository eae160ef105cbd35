/* der.h: a small DER (ASN.1 Distinguished Encoding Rules) writer.
 *
 * BearSSL decodes X.509 but has no encoder; this writer is what the certificate builder
 * (proxy/tls/cert.c) uses. It writes forward into one caller-provided buffer, with no
 * allocation: a constructed element is opened with der_begin() and closed with
 * der_end(), which then writes the length (moving the content when the length needs
 * more than one byte). Errors are sticky, as in BearSSL's encoders: after an overflow
 * or a misuse every call does nothing, and der_finish() reports the failure once, so
 * callers write a whole structure and check once at the end.
 */
#ifndef AIRLOCK_DER_H
#define AIRLOCK_DER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Universal tags (X.680), and the context-specific forms X.509 uses. */
enum {
	DER_BOOLEAN = 0x01,
	DER_INTEGER = 0x02,
	DER_BIT_STRING = 0x03,
	DER_OCTET_STRING = 0x04,
	DER_NULL = 0x05,
	DER_OID = 0x06,
	DER_UTF8_STRING = 0x0c,
	DER_PRINTABLE_STRING = 0x13,
	DER_IA5_STRING = 0x16,
	DER_UTC_TIME = 0x17,
	DER_GENERALIZED_TIME = 0x18,
	DER_SEQUENCE = 0x30,
	DER_SET = 0x31,
};
#define DER_CONTEXT(n) (0x80 | (n))          /* [n] IMPLICIT, primitive */
#define DER_CONTEXT_CONS(n) (0xa0 | (n))     /* [n] EXPLICIT, or IMPLICIT constructed */

/* How deep der_begin() may nest (a certificate with name constraints needs 9). */
#define DER_MAX_DEPTH 16

/* Writer state. Fields are private; use the functions. */
struct der {
	unsigned char *buf;
	size_t cap;
	size_t len;
	size_t open[DER_MAX_DEPTH]; /* offset of each open element's tag byte */
	int depth;
	int err; /* DER_ERR_* once anything went wrong */
};

enum { DER_OK = 0, DER_ERR_SPACE = 1, DER_ERR_NESTING = 2, DER_ERR_VALUE = 3 };

/* Starts writing at buf (cap bytes). */
void der_init(struct der *d, void *buf, size_t cap);

/* Opens a constructed element (SEQUENCE, SET, [n] EXPLICIT) or a primitive one whose
 * content is itself DER (the OCTET STRING of an extension's value): what follows until
 * der_end() is its content. */
void der_begin(struct der *d, unsigned tag);
/* Closes the innermost element opened with der_begin(), writing its length. */
void der_end(struct der *d);

/* Appends bytes as they are (an already encoded element, e.g. a stored Name). */
void der_raw(struct der *d, const void *p, size_t n);
/* Appends one element: tag, length, content. */
void der_tlv(struct der *d, unsigned tag, const void *p, size_t n);

/* INTEGER from an unsigned big-endian magnitude: leading zero bytes are dropped and a
 * 0x00 is prepended when the top bit is set, so the value is never read as negative. An
 * empty or all-zero magnitude is the INTEGER 0. */
void der_uint(struct der *d, const void *be, size_t n);
/* INTEGER from a small non-negative number. */
void der_uint64(struct der *d, uint64_t v);
/* BOOLEAN (DER: 0xff for TRUE). */
void der_bool(struct der *d, int v);
/* OBJECT IDENTIFIER from dotted text ("2.5.29.19"); bad text sets DER_ERR_VALUE. */
void der_oid(struct der *d, const char *dotted);
/* BIT STRING holding whole bytes (a public key, a signature). */
void der_bits(struct der *d, const void *p, size_t n);
/* BIT STRING of named bits (keyUsage): bit 0 is the first, most significant, bit.
 * DER drops trailing zero bits, so the encoding is as short as the highest set bit. */
void der_named_bits(struct der *d, uint32_t bits);
/* Time as X.509 wants it (RFC 5280 4.1.2.5): UTCTime for the years 1950 to 2049,
 * GeneralizedTime otherwise, always UTC with seconds and "Z". */
void der_time(struct der *d, time_t t);

/* The current end of the output, to find an element again with der_since(). */
size_t der_mark(const struct der *d);
/* The bytes written since mark (e.g. a just-closed TBSCertificate, to sign it), or NULL
 * when the writer has failed. Valid until the next call that writes. */
const unsigned char *der_since(const struct der *d, size_t mark, size_t *n);

/* Encodes a length in DER form into out (at most 9 bytes); returns how many bytes. */
size_t der_put_length(unsigned char *out, size_t len);

/* Ends writing: returns DER_OK and the total length in *len, or the first error (an
 * element still open is DER_ERR_NESTING). */
int der_finish(const struct der *d, size_t *len);

#endif
