/* Unit tests for proxy/proto/sni.c: the ClientHello server_name parser. */
#include "proxy/proto/sni.h"
#include "test/unit/harness.h"

/* Builds a TLS 1.2-style ClientHello record carrying `sni` (NULL: no server_name
 * extension) after an unrelated extension; returns the record length. */
static size_t build_hello(unsigned char *out, const char *sni)
{
	unsigned char body[1024];
	size_t p = 0;
	body[p++] = 3, body[p++] = 3;
	memset(body + p, 0xab, 32), p += 32;   /* random */
	body[p++] = 0;                         /* session id */
	body[p++] = 0, body[p++] = 2, body[p++] = 0x13, body[p++] = 0x01; /* suites */
	body[p++] = 1, body[p++] = 0;          /* compression */
	size_t extstart = p;
	p += 2;
	/* supported_versions-like filler extension */
	body[p++] = 0, body[p++] = 43, body[p++] = 0, body[p++] = 3;
	body[p++] = 2, body[p++] = 3, body[p++] = 4;
	if (sni) {
		size_t n = strlen(sni);
		body[p++] = 0, body[p++] = 0;                       /* type server_name */
		body[p++] = (unsigned char)((n + 5) >> 8), body[p++] = (unsigned char)(n + 5);
		body[p++] = (unsigned char)((n + 3) >> 8), body[p++] = (unsigned char)(n + 3);
		body[p++] = 0;                                      /* host_name */
		body[p++] = (unsigned char)(n >> 8), body[p++] = (unsigned char)n;
		memcpy(body + p, sni, n), p += n;
	}
	size_t extlen = p - extstart - 2;
	body[extstart] = (unsigned char)(extlen >> 8), body[extstart + 1] = (unsigned char)extlen;
	size_t hs = p + 4;
	out[0] = 22, out[1] = 3, out[2] = 1;
	out[3] = (unsigned char)(hs >> 8), out[4] = (unsigned char)hs;
	out[5] = 1, out[6] = 0, out[7] = (unsigned char)(p >> 8), out[8] = (unsigned char)p;
	memcpy(out + 9, body, p);
	return p + 9;
}

TEST(sni_found_lowercased)
{
	unsigned char rec[2048];
	size_t n = build_hello(rec, "Api.Example.COM.");
	char name[SNI_MAX_NAME + 1];
	CHECK_EQ_INT(sni_parse(rec, n, name, sizeof name, NULL), SNI_FOUND);
	CHECK_EQ_STR(name, "api.example.com");
}

TEST(sni_need_more_on_every_prefix)
{
	unsigned char rec[2048];
	size_t n = build_hello(rec, "a.example");
	char name[SNI_MAX_NAME + 1];
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_INT(sni_parse(rec, i, name, sizeof name, NULL), SNI_NEED_MORE);
}

TEST(sni_absent)
{
	unsigned char rec[2048];
	size_t n = build_hello(rec, NULL);
	char name[SNI_MAX_NAME + 1];
	const char *why = NULL;
	CHECK_EQ_INT(sni_parse(rec, n, name, sizeof name, &why), SNI_ABSENT);
	CHECK(why != NULL);
}

TEST(sni_split_across_records)
{
	unsigned char rec[2048], two[2100];
	size_t n = build_hello(rec, "split.example");
	size_t body = n - 5, first = 20;
	memcpy(two, rec, 5);
	two[3] = 0, two[4] = (unsigned char)first;
	memcpy(two + 5, rec + 5, first);
	unsigned char *r2 = two + 5 + first;
	r2[0] = 22, r2[1] = 3, r2[2] = 1;
	r2[3] = (unsigned char)((body - first) >> 8), r2[4] = (unsigned char)(body - first);
	memcpy(r2 + 5, rec + 5 + first, body - first);
	size_t total = n + 5;
	char name[SNI_MAX_NAME + 1];
	CHECK_EQ_INT(sni_parse(two, total, name, sizeof name, NULL), SNI_FOUND);
	CHECK_EQ_STR(name, "split.example");
	CHECK_EQ_INT(sni_parse(two, 5 + first + 3, name, sizeof name, NULL), SNI_NEED_MORE);
}

TEST(sni_not_tls_and_malformed)
{
	char name[SNI_MAX_NAME + 1];
	const unsigned char get[] = "GET / HTTP/1.1\r\n\r\n";
	CHECK_EQ_INT(sni_parse(get, sizeof get - 1, name, sizeof name, NULL), SNI_NOT_TLS);
	CHECK_EQ_INT(sni_parse(get, 1, name, sizeof name, NULL), SNI_NOT_TLS);
	/* A handshake record whose message is not a ClientHello. */
	const unsigned char sh[] = {22, 3, 3, 0, 4, 2, 0, 0, 0};
	CHECK_EQ_INT(sni_parse(sh, sizeof sh, name, sizeof name, NULL), SNI_NOT_TLS);
	/* Extensions length that overruns the message. */
	unsigned char rec[2048];
	size_t n = build_hello(rec, "x.example");
	rec[9 + 2 + 32 + 1 + 4 + 2 + 1] ^= 0x10;
	const char *why = NULL;
	CHECK_EQ_INT(sni_parse(rec, n, name, sizeof name, &why), SNI_MALFORMED);
	CHECK(why != NULL);
	/* A server name with a space in it. */
	n = build_hello(rec, "bad name");
	CHECK_EQ_INT(sni_parse(rec, n, name, sizeof name, NULL), SNI_MALFORMED);
	/* Too long a ClientHello for the bound. */
	const unsigned char big[] = {22, 3, 1, 0x40, 0x00, 1, 0x01, 0x00, 0x00};
	CHECK_EQ_INT(sni_parse(big, sizeof big, name, sizeof name, NULL), SNI_MALFORMED);
}
