/* pem.c: PEM encoding (BearSSL) and decoding (our own, see below); see pem.h. */
#include "proxy/tls/pem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bearssl.h>

#include "net/base/base64.h"

size_t pem_encode(char *out, size_t cap, const char *label, const void *der, size_t len)
{
	/* With dest NULL BearSSL only computes the length (without the NUL). */
	size_t need = br_pem_encode(NULL, der, len, label, BR_PEM_LINE64);
	if (need + 1 > cap) {
		if (cap > 0)
			out[0] = 0;
		return 0;
	}
	return br_pem_encode(out, der, len, label, BR_PEM_LINE64);
}

/* PEM decoding is done here rather than with br_pem_decoder: BearSSL's decoder is a
 * byte-at-a-time interpreter that needs about 100 ms for the 200 KB system bundle, which
 * every sandbox loads at start; this one needs well under a millisecond. */

/* The label as written between "BEGIN " and "-----", without a stray CR or blank. */
static void trim_label(char *label)
{
	size_t n = strlen(label);
	while (n > 0 && (label[n - 1] == '-' || label[n - 1] == '\r' || label[n - 1] == ' '))
		label[--n] = 0;
}

/* Decodes the base64 body [p, end) into buf, ignoring line breaks and blanks. Returns
 * the length, -1 on a bad character or padding, -2 when it does not fit in cap. */
static long b64_body(const unsigned char *p, const unsigned char *end, unsigned char *buf,
		     size_t cap)
{
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	size_t n = 0;
	for (; p < end; p++) {
		unsigned char c = *p;
		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = base64_sextet(c);
		if (v < 0 || pad)
			return -1; /* a stray character, or data after padding */
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -2;
			buf[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* Leftover bits must be padding (zero), and padding must complete a quantum. */
	if (pad > 2 || (bits == 0 && pad) || (bits == 4 && pad != 2 && pad != 0) ||
	    (bits == 2 && pad != 1 && pad != 0) || bits == 6)
		return -1;
	return (long)n;
}

static const unsigned char *find(const unsigned char *p, const unsigned char *end,
				 const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - p) < n)
		return NULL;
	return memmem(p, (size_t)(end - p), s, n);
}

long pem_decode_each(const void *text, size_t len, unsigned char *buf, size_t cap,
		     pem_object_fn fn, void *ctx, char *err, size_t errlen)
{
	const unsigned char *p = text, *end = p + len;
	unsigned index = 0;
	for (;;) {
		const unsigned char *begin = find(p, end, "-----BEGIN ");
		if (!begin)
			break;
		index++;
		const unsigned char *lab = begin + 11;
		const unsigned char *eol = memchr(lab, '\n', (size_t)(end - lab));
		if (!eol)
			eol = end;
		const unsigned char *dash = find(lab, eol, "-----");
		char label[128];
		size_t ll = (size_t)((dash ? dash : eol) - lab);
		snprintf(label, sizeof label, "%.*s", (int)(ll < 127 ? ll : 127), (const char *)lab);
		trim_label(label);
		if (!dash) {
			snprintf(err, errlen, "entry %u (%s): the BEGIN line does not end in \"-----\"",
				 index, label);
			return -1;
		}
		char endline[160];
		snprintf(endline, sizeof endline, "-----END %s-----", label);
		const unsigned char *body = eol < end ? eol + 1 : end;
		const unsigned char *stop = find(body, end, endline);
		if (!stop) {
			snprintf(err, errlen, "entry %u (%s): no \"%s\" line", index, label, endline);
			return -1;
		}
		long n = b64_body(body, stop, buf, cap);
		if (n == -2) {
			snprintf(err, errlen, "entry %u (%s): larger than %zu bytes", index, label, cap);
			return -1;
		}
		if (n < 0) {
			snprintf(err, errlen,
				 "entry %u (%s): malformed PEM (bad base64 or a broken line)", index,
				 label);
			return -1;
		}
		for (char *q = label; *q; q++) /* labels are reported upper-case */
			if (*q >= 'a' && *q <= 'z')
				*q = (char)(*q - 'a' + 'A');
		struct pem_object obj = {label, buf, (size_t)n, index};
		if (fn && fn(ctx, &obj, err, errlen) != 0)
			return -1;
		p = stop + strlen(endline);
	}
	return (long)index;
}
