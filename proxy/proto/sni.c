/* sni.c: see sni.h. Layout per RFC 8446 4.1.2 / RFC 6066 3. */
#include "proxy/proto/sni.h"

#include <ctype.h>
#include <string.h>

static unsigned get16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

static enum sni_result fail(enum sni_result r, const char *msg, const char **why)
{
	if (why)
		*why = msg;
	return r;
}

/* Walks the complete ClientHello body h[0..n) (after the 4-byte handshake header). */
static enum sni_result parse_hello(const unsigned char *h, size_t n, char *name,
				   size_t namelen, const char **why)
{
	size_t p = 2 + 32; /* legacy_version, random */
	if (n < p + 1)
		return fail(SNI_MALFORMED, "ClientHello too short", why);
	p += 1 + h[p]; /* legacy_session_id */
	if (n < p + 2)
		return fail(SNI_MALFORMED, "ClientHello session id overruns", why);
	p += 2 + get16(h + p); /* cipher_suites */
	if (n < p + 1)
		return fail(SNI_MALFORMED, "ClientHello cipher suites overrun", why);
	p += 1 + h[p]; /* legacy_compression_methods */
	if (p == n)
		return fail(SNI_ABSENT, "ClientHello has no extensions", why);
	if (n < p + 2)
		return fail(SNI_MALFORMED, "ClientHello compression methods overrun", why);
	size_t extlen = get16(h + p);
	p += 2;
	if (p + extlen != n)
		return fail(SNI_MALFORMED, "ClientHello extensions length mismatch", why);
	while (p < n) {
		if (n - p < 4)
			return fail(SNI_MALFORMED, "truncated extension header", why);
		unsigned type = get16(h + p);
		size_t len = get16(h + p + 2);
		p += 4;
		if (n - p < len)
			return fail(SNI_MALFORMED, "extension overruns ClientHello", why);
		if (type == 0) { /* server_name */
			const unsigned char *e = h + p;
			if (len < 2 || get16(e) != len - 2)
				return fail(SNI_MALFORMED, "bad server_name list length", why);
			size_t q = 2;
			while (q < len) {
				if (len - q < 3)
					return fail(SNI_MALFORMED, "truncated server_name entry", why);
				unsigned ntype = e[q];
				size_t nlen = get16(e + q + 1);
				q += 3;
				if (len - q < nlen)
					return fail(SNI_MALFORMED, "server_name overruns", why);
				if (ntype == 0) {
					size_t l = nlen;
					if (l && e[q + l - 1] == '.')
						l--;
					if (l == 0 || l > SNI_MAX_NAME || l + 1 > namelen)
						return fail(SNI_MALFORMED, "bad server_name length", why);
					for (size_t i = 0; i < l; i++) {
						unsigned char c = e[q + i];
						if (c <= 0x20 || c >= 0x7f)
							return fail(SNI_MALFORMED, "server_name has invalid bytes", why);
						name[i] = (char)tolower(c);
					}
					name[l] = 0;
					return SNI_FOUND;
				}
				q += nlen;
			}
			return fail(SNI_ABSENT, "server_name has no host_name", why);
		}
		p += len;
	}
	return fail(SNI_ABSENT, "ClientHello has no server_name extension", why);
}

enum sni_result sni_parse(const unsigned char *buf, size_t len, char *name, size_t namelen,
			  const char **why)
{
	/* Handshake bytes gathered from consecutive records. */
	unsigned char hs[SNI_MAX_HELLO + 4];
	size_t hn = 0, off = 0;
	for (;;) {
		if (len - off < 5)
			return hn == 0 && len - off > 0 && buf[off] != 22
				       ? fail(SNI_NOT_TLS, "not a TLS handshake record", why)
				       : SNI_NEED_MORE;
		const unsigned char *r = buf + off;
		if (r[0] != 22)
			return fail(SNI_NOT_TLS, "not a TLS handshake record", why);
		if (r[1] != 3)
			return fail(SNI_NOT_TLS, "not a TLS record version", why);
		size_t rlen = get16(r + 3);
		if (rlen == 0 || rlen > 16384 + 2048)
			return fail(SNI_MALFORMED, "bad TLS record length", why);
		size_t avail = len - off - 5;
		size_t take = avail < rlen ? avail : rlen;
		if (hn + take > sizeof hs)
			return fail(SNI_MALFORMED, "ClientHello too long", why);
		memcpy(hs + hn, r + 5, take);
		hn += take;
		if (hn >= 1 && hs[0] != 1)
			return fail(SNI_NOT_TLS, "first handshake message is not a ClientHello", why);
		if (hn >= 4) {
			size_t mlen = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
			if (mlen > SNI_MAX_HELLO)
				return fail(SNI_MALFORMED, "ClientHello too long", why);
			if (hn >= 4 + mlen)
				return parse_hello(hs + 4, mlen, name, namelen, why);
		}
		if (take < rlen)
			return SNI_NEED_MORE;
		off += 5 + rlen;
	}
}
