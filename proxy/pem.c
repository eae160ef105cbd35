/* pem.c: PEM encode/decode helpers over BearSSL (see pem.h). */
#include "proxy/pem.h"

#include <stdio.h>
#include <string.h>

#include <bearssl.h>

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

/* Where the decoder's output goes while inside an object. */
struct sink {
	unsigned char *buf;
	size_t cap;
	size_t len;
	int overflow;
};

static void sink_append(void *ctx, const void *data, size_t n)
{
	struct sink *s = ctx;
	if (s->overflow || n > s->cap - s->len) {
		s->overflow = 1;
		return;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
}

/* BearSSL strips the dashes closing a BEGIN line only before a bare LF: with CRLF line
 * ends the label keeps "-----" (and maybe the CR). Trim both so "CERTIFICATE" matches. */
static void trim_label(char *label)
{
	size_t n = strlen(label);
	while (n > 0 && (label[n - 1] == '-' || label[n - 1] == '\r' || label[n - 1] == ' '))
		label[--n] = 0;
}

long pem_decode_each(const void *text, size_t len, unsigned char *buf, size_t cap,
		     pem_object_fn fn, void *ctx, char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	struct sink sink = {buf, cap, 0, 0};
	const unsigned char *p = text;
	unsigned index = 0;
	int inside = 0, final_newline = 0;
	char label[128] = "";

	br_pem_decoder_init(&pc);
	/* A newline is pushed after the text so that a last line without one still ends. */
	while (len > 0 || !final_newline) {
		const unsigned char *chunk = len > 0 ? p : (const unsigned char *)"\n";
		size_t clen = len > 0 ? len : 1;
		size_t used = br_pem_decoder_push(&pc, chunk, clen);
		if (len > 0) {
			p += used;
			len -= used;
		} else if (used) {
			final_newline = 1;
		}
		int ev = br_pem_decoder_event(&pc);
		if (used == 0 && ev == 0) { /* cannot happen per BearSSL; never spin */
			snprintf(err, errlen, "entry %u: the PEM decoder stalled", index);
			return -1;
		}
		switch (ev) {
		case BR_PEM_BEGIN_OBJ:
			index++;
			inside = 1;
			snprintf(label, sizeof label, "%s", br_pem_decoder_name(&pc));
			trim_label(label);
			sink.len = 0;
			sink.overflow = 0;
			br_pem_decoder_setdest(&pc, sink_append, &sink);
			break;
		case BR_PEM_END_OBJ: {
			inside = 0;
			if (sink.overflow) {
				snprintf(err, errlen, "entry %u (%s): larger than %zu bytes", index,
					 label, cap);
				return -1;
			}
			struct pem_object obj = {label, buf, sink.len, index};
			if (fn && fn(ctx, &obj, err, errlen) != 0)
				return -1;
			break;
		}
		case BR_PEM_ERROR:
			snprintf(err, errlen,
				 "entry %u (%s): malformed PEM (bad base64 or a broken line)",
				 index, label);
			return -1;
		default:
			break;
		}
	}
	if (inside) {
		snprintf(err, errlen, "entry %u (%s): no \"-----END %s-----\" line", index, label,
			 label);
		return -1;
	}
	return (long)index;
}
