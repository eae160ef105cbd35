/* Unit tests for proxy/forward.c (the origin-form rewrite of a request head) and
 * proxy/deny.c (the texts of airlock's own answers). */
#include "proxy/proxy_int.h"
#include "test/unit/harness.h"

static long rewrite(const char *head, char *out, size_t cap)
{
	static struct http_request req;
	const char *why = NULL;
	int n = http_parse_request(head, strlen(head), &req, &why);
	if (n <= 0)
		return -100;
	return forward_rewrite_head(&req, NULL, out, cap);
}

#define HEAD_EQ(in, want)                                                   \
	do {                                                                \
		char out_[4096];                                            \
		long n_ = rewrite(in, out_, sizeof out_);                   \
		CHECK(n_ > 0);                                              \
		if (n_ > 0) {                                               \
			out_[n_] = 0;                                       \
			if (strcmp(out_, want) != 0)                        \
				fprintf(stderr, "  got:\n%s  want:\n%s", out_, want); \
			CHECK(strcmp(out_, want) == 0);                     \
		}                                                           \
	} while (0)

TEST(forward_rewrite_origin_form_and_host)
{
	HEAD_EQ("GET http://Web.Test/a/b?q=1 HTTP/1.1\r\nHost: web.test\r\nAccept: */*\r\n\r\n",
		"GET /a/b?q=1 HTTP/1.1\r\nHost: web.test\r\nAccept: */*\r\n\r\n");
	/* The target wins over a different Host line; a non-default port is kept. */
	HEAD_EQ("GET http://web.test:8080 HTTP/1.1\r\nHost: other.test\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: web.test:8080\r\n\r\n");
	HEAD_EQ("GET http://[::1]:81/x HTTP/1.0\r\n\r\n", "GET /x HTTP/1.0\r\nHost: [::1]:81\r\n\r\n");
}

TEST(forward_rewrite_drops_hop_by_hop)
{
	HEAD_EQ("POST http://web.test/ HTTP/1.1\r\nHost: web.test\r\n"
		"Proxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\n"
		"Connection: keep-alive, X-Private\r\nX-Private: 1\r\nKeep-Alive: 5\r\n"
		"TE: trailers\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n"
		"Authorization: Bearer openshell:resolve:env:TOKEN\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: web.test\r\nTransfer-Encoding: chunked\r\n"
		"Trailer: X-Sum\r\nAuthorization: Bearer openshell:resolve:env:TOKEN\r\n\r\n");
}

TEST(forward_rewrite_keeps_upgrade)
{
	HEAD_EQ("GET http://ws.test/chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Key: k\r\n\r\n",
		"GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\n"
		"Sec-WebSocket-Key: k\r\nConnection: upgrade\r\n\r\n");
}

TEST(forward_rewrite_does_not_overflow)
{
	char out[20];
	CHECK_EQ_INT(rewrite("GET http://web.test/a HTTP/1.1\r\nHost: web.test\r\n\r\n", out,
			     sizeof out), -1);
}

TEST(deny_texts)
{
	char body[2048], resp[4096], item[300];
	deny_policy_item(item, sizeof item, "evil.example", 443, 443);
	CHECK_EQ_STR(item, "evil.example");
	deny_policy_item(item, sizeof item, "evil.example", 8443, 443);
	CHECK_EQ_STR(item, "evil.example:8443");
	deny_policy_item(item, sizeof item, "::1", 443, 443);
	CHECK_EQ_STR(item, "[::1]:443");
	deny_policy_body(body, sizeof body, "CONNECT", "evil.example", 8443, 443, 0);
	CHECK(strstr(body, "evil.example") != NULL);
	CHECK(strstr(body, "not in [network] allow") != NULL);
	CHECK(strstr(body, "    allow = evil.example:8443\n") != NULL);
	deny_policy_body(body, sizeof body, "GET", "10.1.2.3", 80, 80, 1);
	CHECK(strstr(body, "IP address") != NULL);
	CHECK(strstr(body, "    allow = 10.1.2.3\n") != NULL);
	size_t n = deny_format(resp, sizeof resp, 403, "X-Airlock-Deny", "not-allowed", "why\n");
	CHECK(n > 0);
	CHECK(strcmp(resp, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
			   "Content-Length: 4\r\nConnection: close\r\nX-Airlock-Deny: not-allowed\r\n"
			   "\r\nwhy\n") == 0);
	CHECK_EQ_INT(deny_format(resp, 30, 403, "X-Airlock-Deny", "x", "why\n"), 0);
	/* A cut body stays NUL-terminated within its buffer. */
	char small[40];
	size_t m = deny_policy_body(small, sizeof small, "GET", "evil.example", 80, 80, 0);
	CHECK_EQ_INT(m, 39);
	CHECK_EQ_INT(strlen(small), 39);
}
