/* Unit tests of http_parse_request(): accepted heads and what they parse to, and one
 * case per rejection with the status it must return. */
#include "test/unit/harness.h"
#include "proxy/proto/http.h"

#include <stdlib.h>

static struct http_request req;
static const char *why;

static int parse(const char *s)
{
	why = NULL;
	return http_parse_request(s, strlen(s), &req, &why);
}

static int span_is(struct http_span s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

/* Checks that s[0..len) is refused with `status` and a non-empty reason, naming the
 * case in the failure message. */
static void expect_n(const char *name, const char *s, size_t len, int status)
{
	why = NULL;
	int r = http_parse_request(s, len, &req, &why);
	if (r != -status) {
		char m[256];
		snprintf(m, sizeof m, "case '%s': got %d, want %d (why: %s)", name, r, -status,
			 why ? why : "(null)");
		harness_fail(__FILE__, __LINE__, m);
		return;
	}
	if (!why || !*why) {
		char m[128];
		snprintf(m, sizeof m, "case '%s': no reason given", name);
		harness_fail(__FILE__, __LINE__, m);
	}
}

/* For string literals, which may hold a NUL. */
#define expect_status(name, lit, status) expect_n(name, lit, sizeof(lit) - 1, status)

TEST(http_req_origin_form_basic)
{
	const char *s = "GET /a/b?c=d HTTP/1.1\r\nHost: Example.COM\r\nAccept:  */*  \r\n\r\n";
	CHECK_EQ_INT(parse(s), strlen(s));
	CHECK(span_is(req.method, "GET"));
	CHECK(span_is(req.target, "/a/b?c=d"));
	CHECK(span_is(req.path, "/a/b?c=d"));
	CHECK_EQ_INT(req.version_minor, 1);
	CHECK_EQ_INT(req.form, HTTP_TARGET_ORIGIN);
	CHECK_EQ_STR(req.host, "example.com");
	CHECK_EQ_INT(req.port, 0);
	CHECK_EQ_INT(req.port_given, 0);
	CHECK_EQ_INT(req.nheaders, 2);
	CHECK(span_is(req.headers[1].name, "Accept"));
	CHECK(span_is(req.headers[1].value, "*/*")); /* OWS trimmed both sides */
	CHECK_EQ_INT(req.keep_alive, 1);
	CHECK_EQ_INT(req.body, HTTP_BODY_NONE);
	CHECK_EQ_INT(req.is_connect, 0);
	CHECK_EQ_INT(req.expect_continue, 0);
	CHECK_EQ_INT(req.upgrade, 0);
}

TEST(http_req_host_header_port)
{
	CHECK(parse("GET / HTTP/1.1\r\nHost: a.b:8080\r\n\r\n") > 0);
	CHECK_EQ_STR(req.host, "a.b");
	CHECK_EQ_INT(req.port, 8080);
	CHECK_EQ_INT(req.port_given, 1);
	CHECK(parse("GET / HTTP/1.1\r\nHost: [::1]:81\r\n\r\n") > 0);
	CHECK_EQ_STR(req.host, "::1");
	CHECK_EQ_INT(req.host_is_ipv6, 1);
	CHECK_EQ_INT(req.port, 81);
}

TEST(http_req_returns_head_length_only)
{
	const char *head = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
	char buf[256];
	snprintf(buf, sizeof buf, "%shelloGET / HTTP/1.1\r\n", head);
	CHECK_EQ_INT(parse(buf), strlen(head));
	CHECK_EQ_INT(req.body, HTTP_BODY_LENGTH);
	CHECK_EQ_INT(req.content_length, 5);
}

TEST(http_req_every_prefix_needs_more)
{
	const char *s = "PUT http://h.test:81/p HTTP/1.1\r\nHost: h.test:81\r\n"
			"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n";
	size_t n = strlen(s);
	for (size_t k = 0; k < n; k++) {
		why = NULL;
		int r = http_parse_request(s, k, &req, &why);
		if (r != 0) {
			char m[96];
			snprintf(m, sizeof m, "prefix %zu returned %d", k, r);
			harness_fail(__FILE__, __LINE__, m);
		}
	}
	CHECK_EQ_INT(parse(s), n);
	CHECK_EQ_INT(req.body, HTTP_BODY_CHUNKED);
	CHECK_EQ_INT(req.expect_continue, 1);
}

TEST(http_req_leading_empty_lines_skipped)
{
	const char *s = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
	CHECK_EQ_INT(parse(s), strlen(s));
	CHECK(span_is(req.method, "GET"));
	CHECK_EQ_INT(parse("\r\n"), 0);
	CHECK_EQ_INT(parse("\r"), 0);
}

TEST(http_req_absolute_form)
{
	CHECK(parse("GET http://Example.COM./a?b HTTP/1.1\r\nHost: example.com\r\n\r\n") > 0);
	CHECK_EQ_INT(req.form, HTTP_TARGET_ABSOLUTE);
	CHECK_EQ_STR(req.host, "example.com");
	CHECK_EQ_INT(req.port, 80);
	CHECK_EQ_INT(req.port_given, 0);
	CHECK(span_is(req.path, "/a?b"));
	CHECK(parse("GET HTTP://h:8080 HTTP/1.1\r\nHost: h:8080\r\n\r\n") > 0);
	CHECK_EQ_STR(req.host, "h");
	CHECK_EQ_INT(req.port, 8080);
	CHECK_EQ_INT(req.port_given, 1);
	CHECK(span_is(req.path, "/"));
	CHECK(parse("GET http://[2001:DB8::1]:8080/x HTTP/1.1\r\nHost: x\r\n\r\n") > 0);
	CHECK_EQ_STR(req.host, "2001:db8::1");
	CHECK_EQ_INT(req.host_is_ipv6, 1);
	CHECK(span_is(req.path, "/x"));
}

TEST(http_req_absolute_form_authority_wins_over_host)
{
	CHECK(parse("GET http://allowed.test/ HTTP/1.1\r\nHost: other.test:99\r\n\r\n") > 0);
	CHECK_EQ_STR(req.host, "allowed.test");
	CHECK_EQ_INT(req.port, 80);
}

TEST(http_req_connect)
{
	CHECK(parse("CONNECT API.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n") > 0);
	CHECK_EQ_INT(req.is_connect, 1);
	CHECK_EQ_INT(req.form, HTTP_TARGET_AUTHORITY);
	CHECK_EQ_STR(req.host, "api.example.com");
	CHECK_EQ_INT(req.port, 443);
	CHECK_EQ_INT(req.port_given, 1);
	CHECK_EQ_INT(req.path.len, 0);
	/* No Host: accepted for CONNECT (the target is the authority). */
	CHECK(parse("CONNECT h.test HTTP/1.1\r\n\r\n") > 0);
	CHECK_EQ_INT(req.port, 443);
	CHECK_EQ_INT(req.port_given, 0);
	CHECK(parse("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n") > 0);
	CHECK_EQ_STR(req.host, "::1");
	CHECK_EQ_INT(req.port, 8443);
	CHECK(parse("CONNECT h:443 HTTP/1.1\r\nContent-Length: 0\r\n\r\n") > 0);
}

TEST(http_req_asterisk_form)
{
	CHECK(parse("OPTIONS * HTTP/1.1\r\nHost: h.test\r\n\r\n") > 0);
	CHECK_EQ_INT(req.form, HTTP_TARGET_ASTERISK);
	CHECK(span_is(req.path, "*"));
	CHECK_EQ_STR(req.host, "h.test");
}

TEST(http_req_later_minor_version)
{
	/* HTTP/1.x with x > 1 is read with HTTP/1.1 rules (RFC 9110 2.5). */
	CHECK(parse("GET / HTTP/1.2\r\nHost: h\r\n\r\n") > 0);
	CHECK_EQ_INT(req.version_minor, 2);
	CHECK_EQ_INT(req.keep_alive, 1);
	expect_status("1.2 without Host", "GET / HTTP/1.2\r\n\r\n", 400);
}

TEST(http_req_http10)
{
	CHECK(parse("GET / HTTP/1.0\r\n\r\n") > 0);
	CHECK_EQ_INT(req.version_minor, 0);
	CHECK_EQ_STR(req.host, "");
	CHECK_EQ_INT(req.keep_alive, 0);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") > 0);
	CHECK_EQ_INT(req.keep_alive, 1);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n") > 0);
	CHECK_EQ_INT(req.keep_alive, 0);
	/* Expect and Upgrade are ignored in HTTP/1.0 (RFC 9110 10.1.1, 7.8). */
	CHECK(parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n") > 0);
	CHECK_EQ_INT(req.expect_continue, 0);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n") > 0);
	CHECK_EQ_INT(req.upgrade, 0);
}

TEST(http_req_connection_tokens)
{
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, CLOSE\r\n\r\n") > 0);
	CHECK_EQ_INT(req.keep_alive, 0);
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n") > 0);
	CHECK_EQ_INT(req.keep_alive, 1); /* "closed" is not "close" */
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n") > 0);
	CHECK_EQ_INT(req.keep_alive, 0);
	CHECK(parse("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\n"
		    "Upgrade: websocket\r\n\r\n") > 0);
	CHECK_EQ_INT(req.upgrade, 1);
	CHECK_EQ_INT(req.keep_alive, 1);
	CHECK(parse("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n") > 0);
	CHECK_EQ_INT(req.upgrade, 0);
	CHECK(parse("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n") > 0);
	CHECK_EQ_INT(req.upgrade, 0);
}

TEST(http_req_expect)
{
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n") > 0);
	CHECK_EQ_INT(req.expect_continue, 1);
	expect_status("other expectation", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n", 417);
	expect_status("100-continue plus more",
		      "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, x\r\n\r\n", 417);
}

TEST(http_req_framing_accepted)
{
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_EQ_INT(req.body, HTTP_BODY_NONE);
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\n") > 0);
	CHECK_EQ_INT(req.body, HTTP_BODY_LENGTH);
	CHECK_EQ_INT(req.content_length, 7);
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n") > 0);
	CHECK(req.content_length == 9223372036854775807ULL);
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n") > 0);
	CHECK_EQ_INT(req.body, HTTP_BODY_CHUNKED);
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n") > 0);
	CHECK_EQ_INT(req.body, HTTP_BODY_CHUNKED);
}

/* Every framing refusal of RFC 9112 6, with its status. */
TEST(http_req_framing_rejections)
{
#define H "POST / HTTP/1.1\r\nHost: h\r\n"
	expect_status("CL and TE", H "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	expect_status("TE and CL", H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400);
	expect_status("CL list", H "Content-Length: 5, 5\r\n\r\n", 400);
	expect_status("CL twice same", H "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400);
	expect_status("CL twice differ", H "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400);
	expect_status("CL not digits", H "Content-Length: abc\r\n\r\n", 400);
	expect_status("CL negative", H "Content-Length: -1\r\n\r\n", 400);
	expect_status("CL plus", H "Content-Length: +5\r\n\r\n", 400);
	expect_status("CL hex", H "Content-Length: 0x10\r\n\r\n", 400);
	expect_status("CL empty", H "Content-Length:\r\n\r\n", 400);
	expect_status("CL inner space", H "Content-Length: 1 2\r\n\r\n", 400);
	expect_status("CL 2^63", H "Content-Length: 9223372036854775808\r\n\r\n", 400);
	expect_status("CL overflow", H "Content-Length: 99999999999999999999999999\r\n\r\n", 400);
	expect_status("TE chunked not last", H "Transfer-Encoding: chunked, gzip\r\n\r\n", 400);
	expect_status("TE gzip only", H "Transfer-Encoding: gzip\r\n\r\n", 400);
	expect_status("TE chunked twice", H "Transfer-Encoding: chunked, chunked\r\n\r\n", 400);
	expect_status("TE chunked two lines",
		      H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	expect_status("TE unknown", H "Transfer-Encoding: foo\r\n\r\n", 400);
	expect_status("TE chunked then unknown", H "Transfer-Encoding: chunked, identity\r\n\r\n",
		      400);
	expect_status("TE unknown then chunked", H "Transfer-Encoding: foo, chunked\r\n\r\n", 501);
	expect_status("TE empty", H "Transfer-Encoding: \r\n\r\n", 400);
	expect_status("TE only commas", H "Transfer-Encoding: , ,\r\n\r\n", 400);
	expect_status("TE chunked param", H "Transfer-Encoding: chunked;x=1\r\n\r\n", 400);
	expect_status("TE not token", H "Transfer-Encoding: \"chunked\"\r\n\r\n", 400);
	expect_status("TE in HTTP/1.0",
		      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	expect_status("CONNECT with body",
		      "CONNECT h:443 HTTP/1.1\r\nContent-Length: 4\r\n\r\n", 400);
	expect_status("CONNECT chunked",
		      "CONNECT h:443 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
#undef H
}

TEST(http_req_line_rejections)
{
	expect_status("two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("space before version", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("trailing space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400);
	expect_status("tab separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("version junk", "GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400);
	expect_status("version short", "GET / HTTP/1\r\nHost: h\r\n\r\n", 400);
	expect_status("HTTP/0.9", "GET /\r\n\r\n", 400);
	expect_status("method only", "GET\r\n\r\n", 400);
	CHECK_EQ_INT(parse("\r\n\r\n\r\n"), 0); /* empty lines: still waiting */
	expect_status("bad method char", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("no method", " / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("non-ASCII target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("NUL in target", "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505);
	expect_status("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
	expect_status("HTTP/0.9 version", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505);
	expect_status("bare LF request-line", "GET / HTTP/1.1\nHost: h\r\n\r\n", 400);
	expect_status("bare CR request-line", "GET / HTTP/1.1\rHost: h\r\n\r\n", 400);
	expect_status("bare LF first", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

TEST(http_req_target_rejections)
{
	expect_status("https absolute", "GET https://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("HTTPS absolute", "GET HTTPS://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("ftp absolute", "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("authority for GET", "GET h.test:80 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("bare word", "GET index.html HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("fragment", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("absolute query no path", "GET http://h?q HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("absolute empty host", "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("absolute userinfo", "GET http://u:p@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("absolute port 0", "GET http://h:0/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("absolute port big", "GET http://h:65536/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("absolute numeric host", "GET http://2130706433/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("asterisk for GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("CONNECT origin-form", "CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("CONNECT absolute", "CONNECT http://h:80 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	expect_status("CONNECT userinfo", "CONNECT u@h:443 HTTP/1.1\r\n\r\n", 400);
	expect_status("CONNECT empty port", "CONNECT h: HTTP/1.1\r\n\r\n", 400);
	expect_status("CONNECT port letters", "CONNECT h:https HTTP/1.1\r\n\r\n", 400);
	expect_status("CONNECT path", "CONNECT h:443/x HTTP/1.1\r\n\r\n", 400);
	expect_status("CONNECT lower-case", "connect h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

TEST(http_req_host_rejections)
{
	expect_status("no Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400);
	expect_status("no Host absolute 1.1", "GET http://h/ HTTP/1.1\r\n\r\n", 400);
	expect_status("two Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
	expect_status("two Host CONNECT", "CONNECT h:1 HTTP/1.1\r\nHost: h\r\nhost: h\r\n\r\n", 400);
	expect_status("empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", 400);
	expect_status("Host userinfo", "GET / HTTP/1.1\r\nHost: user@h\r\n\r\n", 400);
	expect_status("Host bad port", "GET / HTTP/1.1\r\nHost: h:0\r\n\r\n", 400);
	expect_status("Host bad char", "GET / HTTP/1.1\r\nHost: h/x\r\n\r\n", 400);
	expect_status("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400);
	expect_status("absolute bad Host", "GET http://h/ HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
}

TEST(http_req_field_rejections)
{
#define L "GET / HTTP/1.1\r\n"
	expect_status("obs-fold", L "Host: h\r\nX-A: a\r\n b\r\n\r\n", 400);
	CHECK(why && strstr(why, "obs-fold")); /* the reason names what was refused */
	expect_status("obs-fold tab", L "Host: h\r\nX-A: a\r\n\tb\r\n\r\n", 400);
	expect_status("space after request-line", L " Host: h\r\n\r\n", 400);
	expect_status("space before colon", L "Host : h\r\n\r\n", 400);
	CHECK(why && strstr(why, "whitespace between a header name and its colon"));
	expect_status("tab before colon", L "Host\t: h\r\n\r\n", 400);
	expect_status("CL space before colon", L "Host: h\r\nContent-Length : 5\r\n\r\n", 400);
	expect_status("NUL in value", L "Host: h\r\nX-A: a\0b\r\n\r\n", 400);
	expect_status("NUL in name", L "Host: h\r\nX\0A: b\r\n\r\n", 400);
	expect_status("bare CR in value", L "Host: h\r\nX-A: a\rb\r\n\r\n", 400);
	expect_status("bare LF in value", L "Host: h\r\nX-A: a\nb: c\r\n\r\n", 400);
	expect_status("bare LF end", L "Host: h\r\n\n", 400);
	expect_status("DEL in value", L "Host: h\r\nX-A: a\x7f\r\n\r\n", 400);
	expect_status("control in value", L "Host: h\r\nX-A: a\x01\r\n\r\n", 400);
	expect_status("bad name char", L "Host: h\r\nX(A): b\r\n\r\n", 400);
	expect_status("non-ASCII name", L "Host: h\r\nX\xc3\xa9: b\r\n\r\n", 400);
	expect_status("empty name", L "Host: h\r\n: b\r\n\r\n", 400);
	expect_status("no colon", L "Host: h\r\nXA\r\n\r\n", 400);
#undef L
}

TEST(http_req_obs_text_value_accepted)
{
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xc3\xa9\t!\r\n\r\n") > 0);
	CHECK(span_is(req.headers[1].value, "caf\xc3\xa9\t!"));
}

TEST(http_req_errors_reported_before_head_ends)
{
	/* The bad line is complete; the head is not: refuse now, do not wait. */
	expect_status("early bad header", "GET / HTTP/1.1\r\nBad Header: x\r\nHost:", 400);
	expect_status("early bad line", "GET / HTTP/9.9\r\n", 505);
	expect_status("early https", "GET https://h/ HTTP/1.1\r\n", 400);
	/* A bad byte on an incomplete line waits for its CRLF. */
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nX-A: a\x01"), 0);
}

TEST(http_req_limits)
{
	size_t n = HTTP_MAX_HEAD + 100;
	char *b = malloc(n + 1);
	/* A target over HTTP_MAX_TARGET: 414, complete or not. */
	int k = snprintf(b, n, "GET /");
	memset(b + k, 'a', HTTP_MAX_TARGET);
	strcpy(b + k + HTTP_MAX_TARGET, " HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_n("long target", b, strlen(b), 414);
	b[k + HTTP_MAX_TARGET + 100] = 0;
	b[k + HTTP_MAX_TARGET] = 'a';
	memset(b + k, 'a', HTTP_MAX_TARGET + 100);
	expect_n("long incomplete line", b, strlen(b), 414);
	/* A target of exactly HTTP_MAX_TARGET is fine. */
	memset(b + k, 'a', HTTP_MAX_TARGET - 1);
	strcpy(b + k + HTTP_MAX_TARGET - 1, " HTTP/1.1\r\nHost: h\r\n\r\n");
	CHECK(parse(b) > 0);
	CHECK_EQ_INT(req.target.len, HTTP_MAX_TARGET);
	/* A head over 64 KiB: 431, whether its end has arrived or not. */
	k = snprintf(b, n, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ");
	memset(b + k, 'v', n - k);
	b[n] = 0;
	expect_n("big incomplete head", b, strlen(b), 431);
	memcpy(b + n - 4, "\r\n\r\n", 4);
	expect_n("big complete head", b, strlen(b), 431);
	/* A head of exactly HTTP_MAX_HEAD bytes is accepted. */
	memcpy(b + HTTP_MAX_HEAD - 4, "\r\n\r\n", 5);
	CHECK_EQ_INT(parse(b), HTTP_MAX_HEAD);
	free(b);
}

TEST(http_req_header_count_limit)
{
	static char b[16384];
	size_t k = (size_t)snprintf(b, sizeof b, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 1; i < HTTP_MAX_HEADERS; i++)
		k += (size_t)snprintf(b + k, sizeof b - k, "X-%d: v\r\n", i);
	strcpy(b + k, "\r\n");
	CHECK(parse(b) > 0);
	CHECK_EQ_INT(req.nheaders, HTTP_MAX_HEADERS);
	strcpy(b + k, "X-Last: v\r\n\r\n");
	expect_n("129 headers", b, strlen(b), 431);
}
