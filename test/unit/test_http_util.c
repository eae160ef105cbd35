/* Unit tests of http_parse_authority() and the header look-up helpers. */
#include "test/unit/harness.h"
#include "proxy/proto/http.h"

static char host[HTTP_MAX_HOST + 3];
static uint16_t port;
static int given, v6;
static const char *why;

static int auth(const char *s, uint16_t def)
{
	why = NULL;
	return http_parse_authority(s, strlen(s), def, host, &port, &given, &v6, &why);
}

static void expect_bad(const char *s)
{
	if (auth(s, 80) != -1 || !why || !*why) {
		char m[700];
		snprintf(m, sizeof m, "authority '%.300s' was accepted (host '%s')", s, host);
		harness_fail(__FILE__, __LINE__, m);
	}
}

TEST(http_authority_names)
{
	CHECK_EQ_INT(auth("Example.COM", 443), 0);
	CHECK_EQ_STR(host, "example.com");
	CHECK_EQ_INT(port, 443);
	CHECK_EQ_INT(given, 0);
	CHECK_EQ_INT(v6, 0);
	CHECK_EQ_INT(auth("example.com.:8443", 443), 0);
	CHECK_EQ_STR(host, "example.com"); /* one trailing dot stripped */
	CHECK_EQ_INT(port, 8443);
	CHECK_EQ_INT(given, 1);
	CHECK_EQ_INT(auth("a_b-c.d", 1), 0);
	CHECK_EQ_STR(host, "a_b-c.d");
	CHECK_EQ_INT(auth("localhost:1", 1), 0);
	CHECK_EQ_INT(port, 1);
	CHECK_EQ_INT(auth("h:65535", 1), 0);
	CHECK_EQ_INT(port, 65535);
	CHECK_EQ_INT(auth("h:00080", 1), 0);
	CHECK_EQ_INT(port, 80);
	CHECK_EQ_INT(auth("127.0.0.1:80", 1), 0);
	CHECK_EQ_STR(host, "127.0.0.1");
	CHECK_EQ_INT(auth("0.0.0.0", 1), 0);
	CHECK_EQ_INT(auth("1e100.net", 1), 0); /* last label not numeric */
}

TEST(http_authority_ipv6)
{
	CHECK_EQ_INT(auth("[::1]", 443), 0);
	CHECK_EQ_STR(host, "::1");
	CHECK_EQ_INT(v6, 1);
	CHECK_EQ_INT(port, 443);
	CHECK_EQ_INT(auth("[2001:DB8::A]:8080", 443), 0);
	CHECK_EQ_STR(host, "2001:db8::a");
	CHECK_EQ_INT(port, 8080);
	CHECK_EQ_INT(auth("[::ffff:127.0.0.1]", 1), 0);
	CHECK_EQ_STR(host, "::ffff:127.0.0.1");
}

TEST(http_authority_rejections)
{
	expect_bad("");
	expect_bad(".");
	expect_bad(":80");
	expect_bad("user@host");
	expect_bad("user:pw@host:80");
	expect_bad("@host");
	expect_bad("a..b");
	expect_bad(".a");
	expect_bad("a..");
	expect_bad("h:");
	expect_bad("h:0");
	expect_bad("h:65536");
	expect_bad("h:99999999999999999999");
	expect_bad("h:8a");
	expect_bad("h:-1");
	expect_bad("h:+80");
	expect_bad("h:80:81");
	expect_bad("h h");
	expect_bad("h/x");
	expect_bad("h%2ex");
	expect_bad("h\\x");
	expect_bad("caf\xc3\xa9.test");
	expect_bad("[::1");
	expect_bad("[]");
	expect_bad("[::1]x");
	expect_bad("[::1]:");
	expect_bad("[::1]:0");
	expect_bad("[fe80::1%25eth0]");
	expect_bad("[g::1]");
	expect_bad("[1:2:3:4:5:6:7:8:9]");
	expect_bad("[127.0.0.1]");
	expect_bad("::1");
	/* Numeric forms inet_aton reads as IPv4 but that are not dotted quads. */
	expect_bad("2130706433");
	expect_bad("127.1");
	expect_bad("0x7f.0.0.1");
	expect_bad("0x7f000001");
	expect_bad("127.0.0.01");
	expect_bad("010.0.0.1");
	expect_bad("256.0.0.1");
	expect_bad("1.2.3.4.5");
	expect_bad("example.123");
}

TEST(http_authority_length_limits)
{
	char b[400];
	/* 63-character labels are fine, 64 are not. */
	memset(b, 'a', 63);
	strcpy(b + 63, ".test");
	CHECK_EQ_INT(auth(b, 1), 0);
	memset(b, 'a', 64);
	strcpy(b + 64, ".test");
	expect_bad(b);
	/* 253 characters (plus a trailing dot) are fine, 254 are not. */
	size_t k = 0;
	while (k + 50 <= 250) {
		memset(b + k, 'b', 49);
		b[k + 49] = '.';
		k += 50;
	}
	memset(b + k, 'c', 3); /* 253 in all */
	b[k + 3] = 0;
	CHECK_EQ_INT(strlen(b), 253);
	CHECK_EQ_INT(auth(b, 1), 0);
	CHECK_EQ_INT(strlen(host), 253);
	strcat(b, ".");
	CHECK_EQ_INT(auth(b, 1), 0);
	strcpy(b + 253, "c");
	expect_bad(b);
}

static struct http_header hdr(const char *name, const char *value)
{
	struct http_header h = {{name, strlen(name)}, {value, strlen(value)}};
	return h;
}

TEST(http_header_lookups)
{
	struct http_header h[] = {
		hdr("Host", "a"),
		hdr("connection", "Keep-Alive, X-Secret-Hop"),
		hdr("Accept", "*/*"),
		hdr("CONNECTION", " , upgrade ,"),
		hdr("accept", "text/html"),
	};
	size_t n = sizeof h / sizeof h[0];
	CHECK(http_find_header(h, n, "ACCEPT") == &h[2]);
	CHECK(http_find_header(h, n, "accep") == NULL);
	CHECK(http_find_header(h, n, "x") == NULL);
	CHECK_EQ_INT(http_count_headers(h, n, "accept"), 2);
	CHECK_EQ_INT(http_count_headers(h, n, "cookie"), 0);
	CHECK(http_header_has_token(h, n, "Connection", "keep-alive"));
	CHECK(http_header_has_token(h, n, "Connection", "UPGRADE"));
	CHECK(!http_header_has_token(h, n, "Connection", "close"));
	CHECK(!http_header_has_token(h, n, "Connection", "keep"));
	CHECK(!http_header_has_token(h, n, "Connection", ""));
	CHECK(!http_header_has_token(h, n, "Accept", "keep-alive"));
}

TEST(http_hop_by_hop)
{
	struct http_header h[] = {
		hdr("Connection", "x-secret-hop"),
		hdr("Host", "a"),
	};
	size_t n = 2;
	struct http_span s;
#define HOP(lit) (s.p = lit, s.len = strlen(lit), http_is_hop_by_hop(h, n, s))
	CHECK(HOP("Connection"));
	CHECK(HOP("keep-alive"));
	CHECK(HOP("Proxy-Connection"));
	CHECK(HOP("Proxy-Authorization"));
	CHECK(HOP("Proxy-Authenticate"));
	CHECK(HOP("TE"));
	CHECK(HOP("Trailer"));
	CHECK(HOP("Transfer-Encoding"));
	CHECK(HOP("Upgrade"));
	CHECK(HOP("X-Secret-Hop")); /* listed in Connection */
	CHECK(!HOP("Host"));
	CHECK(!HOP("Content-Length"));
	CHECK(!HOP("Authorization"));
	CHECK(!HOP(""));
#undef HOP
}
