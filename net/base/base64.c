/* base64.c: see base64.h. */
#include "net/base/base64.h"

#include <string.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

int base64_decode(const char *in, size_t len, unsigned char *out, size_t outcap,
		  size_t *outlen)
{
	*outlen = 0;
	if (len % 4 != 0)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		int v[4];
		int npad = 0;
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)in[i + k];
			if (c == '=' && last && k >= 2) {
				/* "x=" then anything but "=" is not padding. */
				if (k == 2 && in[i + 3] != '=')
					return -1;
				npad++;
				v[k] = 0;
				continue;
			}
			v[k] = base64_sextet(c);
			if (v[k] < 0 || npad)
				return -1;
		}
		unsigned long q = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
				  (unsigned long)v[2] << 6 | (unsigned long)v[3];
		/* Non-canonical: bits the padding says are unused must be zero. */
		if ((npad == 1 && (q & 0xff)) || (npad == 2 && (q & 0xffff)))
			return -1;
		size_t n = 3 - (size_t)npad;
		if (outcap - o < n)
			return -1;
		out[o++] = (unsigned char)(q >> 16);
		if (n > 1)
			out[o++] = (unsigned char)(q >> 8);
		if (n > 2)
			out[o++] = (unsigned char)q;
	}
	*outlen = o;
	return 0;
}

/* Writes one quantum of 1..3 bytes (padded when fewer than 3). */
static int put_quantum(const unsigned char *b, unsigned n, char *out, size_t cap, size_t *pos)
{
	int rc = 0;
	if (cap >= 4 && *pos <= cap - 4) {
		unsigned long q = (unsigned long)b[0] << 16 |
				  (unsigned long)(n > 1 ? b[1] : 0) << 8 | (n > 2 ? b[2] : 0);
		out[*pos] = alphabet[q >> 18 & 63];
		out[*pos + 1] = alphabet[q >> 12 & 63];
		out[*pos + 2] = n > 1 ? alphabet[q >> 6 & 63] : '=';
		out[*pos + 3] = n > 2 ? alphabet[q & 63] : '=';
	} else {
		rc = -1;
	}
	*pos += 4;
	return rc;
}

int base64_stream_put(struct base64_stream *s, const unsigned char *in, size_t len, char *out,
		      size_t cap, size_t *pos)
{
	int rc = 0;
	for (size_t i = 0; i < len; i++) {
		s->pend[s->npend++] = in[i];
		if (s->npend == 3) {
			if (put_quantum(s->pend, 3, out, cap, pos) < 0)
				rc = -1;
			s->npend = 0;
		}
	}
	return rc;
}

int base64_stream_end(struct base64_stream *s, char *out, size_t cap, size_t *pos)
{
	int rc = 0;
	if (s->npend)
		rc = put_quantum(s->pend, s->npend, out, cap, pos);
	s->npend = 0;
	return rc;
}

int base64_encode(const unsigned char *in, size_t len, char *out, size_t outcap,
		  size_t *outlen)
{
	struct base64_stream s;
	memset(&s, 0, sizeof s);
	size_t pos = 0;
	int rc = base64_stream_put(&s, in, len, out, outcap, &pos);
	if (base64_stream_end(&s, out, outcap, &pos) < 0)
		rc = -1;
	*outlen = pos;
	/* The pending bytes may be part of a secret. */
	explicit_bzero(&s, sizeof s);
	return rc;
}

static const char url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64url_encoded_len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

int base64url_encode(const unsigned char *in, size_t len, char *out, size_t outcap,
		     size_t *outlen)
{
	size_t need = base64url_encoded_len(len);
	*outlen = need;
	if (need > outcap)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		size_t n = len - i < 3 ? len - i : 3;
		unsigned long q = (unsigned long)in[i] << 16 |
				  (unsigned long)(n > 1 ? in[i + 1] : 0) << 8 | (n > 2 ? in[i + 2] : 0);
		out[o++] = url_alphabet[q >> 18 & 63];
		out[o++] = url_alphabet[q >> 12 & 63];
		if (n > 1)
			out[o++] = url_alphabet[q >> 6 & 63];
		if (n > 2)
			out[o++] = url_alphabet[q & 63];
	}
	return 0;
}
