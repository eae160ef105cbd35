/* der.c: the DER writer (see der.h). */
#include "proxy/tls/der.h"

#include <stdio.h>
#include <string.h>

void der_init(struct der *d, void *buf, size_t cap)
{
	memset(d, 0, sizeof *d);
	d->buf = buf;
	d->cap = cap;
}

size_t der_put_length(unsigned char *out, size_t len)
{
	if (len < 0x80) {
		out[0] = (unsigned char)len;
		return 1;
	}
	/* Long form: 0x80 | number of length bytes, then the length big-endian with no
	 * leading zero byte (DER requires the shortest form). */
	size_t n = 0;
	for (size_t v = len; v; v >>= 8)
		n++;
	out[0] = (unsigned char)(0x80 | n);
	for (size_t i = 0; i < n; i++)
		out[1 + i] = (unsigned char)(len >> (8 * (n - 1 - i)));
	return 1 + n;
}

/* Reserves n bytes at the end; NULL (and the error set) when they do not fit. */
static unsigned char *reserve(struct der *d, size_t n)
{
	if (d->err)
		return NULL;
	if (n > d->cap - d->len) {
		d->err = DER_ERR_SPACE;
		return NULL;
	}
	unsigned char *p = d->buf + d->len;
	d->len += n;
	return p;
}

void der_raw(struct der *d, const void *p, size_t n)
{
	unsigned char *o = reserve(d, n);
	if (o && n)
		memcpy(o, p, n);
}

static void header(struct der *d, unsigned tag, size_t n)
{
	unsigned char h[10];
	h[0] = (unsigned char)tag;
	size_t k = 1 + der_put_length(h + 1, n);
	der_raw(d, h, k);
}

void der_tlv(struct der *d, unsigned tag, const void *p, size_t n)
{
	header(d, tag, n);
	der_raw(d, p, n);
}

void der_begin(struct der *d, unsigned tag)
{
	if (d->err)
		return;
	if (d->depth == DER_MAX_DEPTH) {
		d->err = DER_ERR_NESTING;
		return;
	}
	size_t at = d->len;
	unsigned char *p = reserve(d, 2); /* tag + a one-byte length, fixed up at the end */
	if (!p)
		return;
	p[0] = (unsigned char)tag;
	d->open[d->depth++] = at;
}

void der_end(struct der *d)
{
	if (d->err)
		return;
	if (d->depth == 0) {
		d->err = DER_ERR_NESTING;
		return;
	}
	size_t at = d->open[--d->depth];
	size_t content = d->len - at - 2;
	unsigned char l[10];
	size_t k = der_put_length(l, content);
	if (k > 1) {
		/* The length needs more bytes than reserved: shift the content up. */
		if (!reserve(d, k - 1))
			return;
		memmove(d->buf + at + 1 + k, d->buf + at + 2, content);
	}
	memcpy(d->buf + at + 1, l, k);
}

void der_uint(struct der *d, const void *be, size_t n)
{
	const unsigned char *p = be;
	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0) {
		static const unsigned char zero = 0;
		der_tlv(d, DER_INTEGER, &zero, 1);
		return;
	}
	int pad = (p[0] & 0x80) != 0;
	header(d, DER_INTEGER, n + (size_t)pad);
	if (pad)
		der_raw(d, "", 1);
	der_raw(d, p, n);
}

void der_uint64(struct der *d, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	der_uint(d, b, sizeof b);
}

void der_bool(struct der *d, int v)
{
	unsigned char b = v ? 0xff : 0x00;
	der_tlv(d, DER_BOOLEAN, &b, 1);
}

/* Appends one OID arc in base 128, most significant group first. */
static size_t put_arc(unsigned char *out, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;
	do {
		tmp[n++] = (unsigned char)(v & 0x7f);
		v >>= 7;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0));
	return n;
}

void der_oid(struct der *d, const char *dotted)
{
	uint64_t arcs[32];
	size_t narcs = 0;
	const char *s = dotted;
	if (d->err)
		return;
	while (*s) {
		uint64_t v = 0;
		const char *start = s;
		while (*s >= '0' && *s <= '9') {
			/* Arcs of 2^56 and more are refused: no real OID has them, and
			 * arcs[0] * 40 + arcs[1] below cannot overflow. */
			if (v >= ((uint64_t)1 << 56) / 10)
				goto bad;
			v = v * 10 + (uint64_t)(*s++ - '0');
		}
		if (s == start || narcs == sizeof arcs / sizeof arcs[0])
			goto bad;
		arcs[narcs++] = v;
		if (*s == '.' && s[1])
			s++;
		else if (*s)
			goto bad;
	}
	/* X.660: the first arc is 0, 1 or 2; under 0 and 1 the second is below 40. */
	if (narcs < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40))
		goto bad;
	unsigned char body[32 * 10];
	size_t n = put_arc(body, arcs[0] * 40 + arcs[1]);
	for (size_t i = 2; i < narcs; i++)
		n += put_arc(body + n, arcs[i]);
	der_tlv(d, DER_OID, body, n);
	return;
bad:
	d->err = DER_ERR_VALUE;
}

void der_bits(struct der *d, const void *p, size_t n)
{
	header(d, DER_BIT_STRING, n + 1);
	der_raw(d, "", 1); /* no unused bits */
	der_raw(d, p, n);
}

void der_named_bits(struct der *d, uint32_t bits)
{
	unsigned char b[5] = {0};
	int last = -1;
	for (int i = 0; i < 32; i++) {
		if (bits & (1u << i)) {
			b[1 + i / 8] |= (unsigned char)(0x80 >> (i % 8));
			last = i;
		}
	}
	if (last < 0) { /* no bit set: an empty bit string */
		der_tlv(d, DER_BIT_STRING, b, 1);
		return;
	}
	size_t nbytes = (size_t)last / 8 + 1;
	b[0] = (unsigned char)(7 - last % 8); /* unused bits in the last byte */
	der_tlv(d, DER_BIT_STRING, b, 1 + nbytes);
}

void der_time(struct der *d, time_t t)
{
	struct tm tm;
	char s[32];
	if (d->err)
		return;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		d->err = DER_ERR_VALUE;
		return;
	}
	int year = tm.tm_year + 1900;
	if (year >= 1950 && year <= 2049) {
		snprintf(s, sizeof s, "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		der_tlv(d, DER_UTC_TIME, s, 13);
	} else {
		snprintf(s, sizeof s, "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		der_tlv(d, DER_GENERALIZED_TIME, s, 15);
	}
}

size_t der_mark(const struct der *d)
{
	return d->len;
}

const unsigned char *der_since(const struct der *d, size_t mark, size_t *n)
{
	if (d->err || mark > d->len)
		return NULL;
	*n = d->len - mark;
	return d->buf + mark;
}

int der_finish(const struct der *d, size_t *len)
{
	if (d->err)
		return d->err;
	if (d->depth != 0)
		return DER_ERR_NESTING;
	*len = d->len;
	return DER_OK;
}
