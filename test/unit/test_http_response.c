/* Unit tests of http_parse_response(): body kinds by method and status, keep-alive, and
 * one case per rejection (all 502). */
#include "test/unit/harness.h"
#include "proxy/proto/http.h"

#include <stdlib.h>

static struct http_response res;
static const char *why;

static int parse_m(const char *s, const char *method)
{
	why = NULL;
	return http_parse_response(s, strlen(s), method, strlen(method), &res, &why);
}

static int parse(const char *s)
{
	return parse_m(s, "GET");
}

static int span_is(struct http_span s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static void expect_n(const char *name, const char *s, size_t len)
{
	why = NULL;
	int r = http_parse_response(s, len, "GET", 3, &res, &why);
	if (r != -502 || !why || !*why) {
		char m[256];
		snprintf(m, sizeof m, "case '%s': got %d, want -502 with a reason (why: %s)", name,
			 r, why ? why : "(null)");
		harness_fail(__FILE__, __LINE__, m);
	}
}

#define expect_502(name, lit) expect_n(name, lit, sizeof(lit) - 1)

TEST(http_res_basic_length)
{
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\n";
	char buf[256];
	snprintf(buf, sizeof buf, "%shello world!", s);
	CHECK_EQ_INT(parse(buf), strlen(s));
	CHECK_EQ_INT(res.status, 200);
	CHECK_EQ_INT(res.version_minor, 1);
	CHECK(span_is(res.reason, "OK"));
	CHECK_EQ_INT(res.nheaders, 2);
	CHECK_EQ_INT(res.body, HTTP_BODY_LENGTH);
	CHECK_EQ_INT(res.content_length, 12);
	CHECK_EQ_INT(res.keep_alive, 1);
}

TEST(http_res_every_prefix_needs_more)
{
	const char *s = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n";
	size_t n = strlen(s);
	for (size_t k = 0; k < n; k++) {
		why = NULL;
		int r = http_parse_response(s, k, "GET", 3, &res, &why);
		if (r != 0) {
			char m[96];
			snprintf(m, sizeof m, "prefix %zu returned %d", k, r);
			harness_fail(__FILE__, __LINE__, m);
		}
	}
	CHECK_EQ_INT(parse(s), n);
	CHECK_EQ_INT(res.body, HTTP_BODY_CHUNKED);
	CHECK(span_is(res.reason, "Not Found"));
}

TEST(http_res_no_body_cases)
{
	CHECK(parse_m("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", "HEAD") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_NONE);
	CHECK_EQ_INT(res.keep_alive, 1);
	CHECK(parse_m("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_NONE);
	CHECK(parse("HTTP/1.1 204 No Content\r\n\r\n") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_NONE);
	CHECK_EQ_INT(res.keep_alive, 1);
	CHECK(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_NONE);
	CHECK(parse("HTTP/1.1 100 Continue\r\n\r\n") > 0);
	CHECK_EQ_INT(res.status, 100);
	CHECK_EQ_INT(res.body, HTTP_BODY_NONE);
	CHECK(parse("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
		    "Upgrade: websocket\r\n\r\n") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_NONE);
	CHECK(parse_m("HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_NONE);
	/* A refused CONNECT has a body like any response. */
	CHECK(parse_m("HTTP/1.1 407 Auth\r\nContent-Length: 4\r\n\r\n", "CONNECT") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_LENGTH);
	/* Content-Length: 0 is no body. */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_NONE);
}

TEST(http_res_100_then_final)
{
	const char *s = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
	int n = parse(s);
	CHECK_EQ_INT(n, 25);
	CHECK_EQ_INT(parse(s + n), strlen(s + n) - 2);
	CHECK_EQ_INT(res.status, 201);
}

TEST(http_res_until_close)
{
	CHECK(parse("HTTP/1.1 200 OK\r\n\r\n") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_UNTIL_CLOSE);
	CHECK_EQ_INT(res.keep_alive, 0);
	/* A coding list that does not end in chunked: the body ends at close. */
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_UNTIL_CLOSE);
	CHECK_EQ_INT(res.keep_alive, 0);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: br\r\n\r\n") > 0);
	CHECK_EQ_INT(res.body, HTTP_BODY_UNTIL_CLOSE);
}

TEST(http_res_keep_alive)
{
	CHECK(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n") > 0);
	CHECK_EQ_INT(res.keep_alive, 0);
	CHECK(parse("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n") > 0);
	CHECK_EQ_INT(res.version_minor, 0);
	CHECK_EQ_INT(res.keep_alive, 0);
	CHECK(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n") > 0);
	CHECK_EQ_INT(res.keep_alive, 1);
}

TEST(http_res_reason_optional)
{
	CHECK(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_EQ_INT(res.status, 200);
	CHECK_EQ_INT(res.reason.len, 0);
	CHECK(parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_EQ_INT(res.reason.len, 0);
	CHECK(parse("HTTP/1.1 599 Caf\xc3\xa9 ok\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_EQ_INT(res.status, 599);
}

TEST(http_res_rejections)
{
	expect_502("HTTP/2", "HTTP/2.0 200 OK\r\n\r\n");
	expect_502("lower-case version", "http/1.1 200 OK\r\n\r\n");
	expect_502("no status", "HTTP/1.1\r\n\r\n");
	expect_502("two-digit status", "HTTP/1.1 20 OK\r\n\r\n");
	expect_502("status below 100", "HTTP/1.1 099 x\r\n\r\n");
	expect_502("status letters", "HTTP/1.1 2x0 OK\r\n\r\n");
	expect_502("no space after code", "HTTP/1.1 200OK\r\n\r\n");
	expect_502("four-digit status", "HTTP/1.1 2000 OK\r\n\r\n");
	expect_502("two spaces", "HTTP/1.1  200 OK\r\n\r\n");
	expect_502("control in reason", "HTTP/1.1 200 O\x01K\r\n\r\n");
	expect_502("NUL in reason", "HTTP/1.1 200 O\0K\r\n\r\n");
	expect_502("leading CRLF", "\r\nHTTP/1.1 200 OK\r\n\r\n");
	expect_502("bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n");
	expect_502("bare CR", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n");
	expect_502("obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n");
	expect_502("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n");
	expect_502("NUL in value", "HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n");
	expect_502("CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
	expect_502("CL twice", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n");
	expect_502("CL list", "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n");
	expect_502("CL junk", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n");
	expect_502("CL overflow", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n");
	expect_502("TE in 1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	expect_502("TE chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n");
	expect_502("TE malformed", "HTTP/1.1 200 OK\r\nTransfer-Encoding: a b\r\n\r\n");
	expect_502("TE empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n");
}

TEST(http_res_limits)
{
	size_t n = HTTP_MAX_HEAD + 10;
	char *b = malloc(n + 1);
	int k = snprintf(b, n, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(b + k, 'v', n - k);
	b[n] = 0;
	expect_n("big incomplete head", b, n);
	memcpy(b + n - 4, "\r\n\r\n", 4);
	expect_n("big complete head", b, n);
	free(b);
	static char h[16384];
	size_t m = (size_t)snprintf(h, sizeof h, "HTTP/1.1 204 No Content\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		m += (size_t)snprintf(h + m, sizeof h - m, "X-%d: v\r\n", i);
	strcpy(h + m, "\r\n");
	CHECK(parse(h) > 0);
	strcpy(h + m, "X-Last: v\r\n\r\n");
	expect_n("129 headers", h, strlen(h));
}
