/* pem.h: PEM (RFC 7468) text <-> DER, with caller-provided buffers.
 *
 * Thin, I/O-free helpers over BearSSL's PEM encoder and decoder: the CA certificate is
 * written as PEM for the clients in the sandbox, and trust files are read as PEM.
 */
#ifndef AIRLOCK_PEM_H
#define AIRLOCK_PEM_H

#include <stddef.h>

/* Writes der as one PEM object "-----BEGIN label-----" with 64-column lines and LF line
 * ends, NUL-terminated. Returns the length without the NUL, or 0 when cap is too small
 * (out is then left empty when cap > 0). */
size_t pem_encode(char *out, size_t cap, const char *label, const void *der, size_t len);

/* One decoded PEM object. */
struct pem_object {
	const char *label;        /* as in the BEGIN line, upper-case ("CERTIFICATE") */
	const unsigned char *der; /* decoded bytes, in the caller's buffer */
	size_t len;
	unsigned index;           /* 1 for the first object of the text, 2 for the next... */
};

/* Called for each object; a non-zero return stops decoding, and pem_decode_each() then
 * fails with whatever the callback wrote in err. */
typedef int (*pem_object_fn)(void *ctx, const struct pem_object *obj, char *err,
			     size_t errlen);

/* Decodes every PEM object of text, calling fn with each one's bytes decoded into buf
 * (cap bytes, reused for each object). Text outside objects is ignored, as OpenSSL
 * does. Returns the number of objects, or -1 with a sentence in err naming the entry
 * ("entry 3: ...") when an object has bad base64, has no END line, is larger than cap,
 * or fn refused it. Never reads past text+len. */
long pem_decode_each(const void *text, size_t len, unsigned char *buf, size_t cap,
		     pem_object_fn fn, void *ctx, char *err, size_t errlen);

#endif
