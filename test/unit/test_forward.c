/* Unit tests for proxy/head.c (the origin-form rewrite of a request head) and
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
	return head_rewrite(&req, NULL, out, cap);
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

TEST(forward_rewrite_refuses_a_head_that_the_added_host_takes_past_the_header_limit)
{
	/* 128 lines without Host parse; with the Host airlock adds they would not
	 * (fuzz_forward's find): the rewrite says it does not fit. */
	static char head[8192];
	size_t n = (size_t)snprintf(head, sizeof head, "GET http://web.test/ HTTP/1.0\r\n"); /* no Host needed */
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		n += (size_t)snprintf(head + n, sizeof head - n, "X-%d: v\r\n", i);
	snprintf(head + n, sizeof head - n, "\r\n");
	char out[16384];
	CHECK(rewrite(head, out, sizeof out) == -1);
	/* one line fewer fits, and parses again */
	char *last = strstr(head, "X-127: v\r\n");
	memmove(last, last + 10, strlen(last + 10) + 1);
	long m = rewrite(head, out, sizeof out);
	CHECK(m > 0);
	static struct http_request again;
	const char *why = NULL;
	CHECK(m > 0 && http_parse_request(out, (size_t)m, &again, &why) == m);
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

/* A store with TOKEN bound to api.test, for the placeholder checks. */
static char *tok_hosts[] = {"api.test"};
static struct policy_secret tok_secret = {.name = "TOKEN", .hosts = tok_hosts, .nhosts = 1};

static long rewrite_sx(const char *head, const char *host, struct head_secrets *sx, char *out,
		       size_t cap)
{
	static struct secret_store st;
	static char value[] = "real-token-value";
	st.entries[0].secret = &tok_secret;
	st.entries[0].value = value;
	st.entries[0].len = strlen(value);
	st.count = 1;
	static struct http_request req;
	const char *why = NULL;
	if (http_parse_request(head, strlen(head), &req, &why) <= 0)
		return -100;
	memset(sx, 0, sizeof *sx);
	sx->store = &st;
	sx->host = host;
	sx->tls = 1;
	secrets_result_init(&sx->res);
	return req.is_connect ? head_check_dropped(&req, sx)
			      : head_rewrite(&req, sx, out, cap);
}

TEST(forward_placeholder_in_a_dropped_header_is_held_to_its_binding)
{
	char out[4096];
	struct head_secrets sx;
	/* Proxy-Authorization is dropped, but a placeholder bound elsewhere in it is a
	 * refusal naming the secret, the host and the line to change. */
	const char *h = "GET http://other.test/ HTTP/1.1\r\nHost: other.test\r\n"
			"Proxy-Authorization: Basic b3BlbnNoZWxsOnJlc29sdmU6ZW52OlRPS0VO\r\n\r\n";
	CHECK_EQ_INT(rewrite_sx(h, "other.test", &sx, out, sizeof out), -2);
	CHECK(strstr(sx.res.reason, "secret TOKEN is bound to api.test, not other.test") != NULL);
	CHECK(strstr(sx.res.reason, "[secret TOKEN]") != NULL);
	/* Also in a header named by Connection, and raw after a scheme. */
	h = "GET http://other.test/ HTTP/1.1\r\nHost: other.test\r\nConnection: X-Tok\r\n"
	    "X-Tok: Bearer openshell:resolve:env:TOKEN\r\n\r\n";
	CHECK_EQ_INT(rewrite_sx(h, "other.test", &sx, out, sizeof out), -2);
	/* To the bound host it is just dropped: nothing injected, the value nowhere. */
	h = "GET http://api.test/ HTTP/1.1\r\nHost: api.test\r\n"
	    "Proxy-Authorization: Bearer openshell:resolve:env:TOKEN\r\n\r\n";
	long n = rewrite_sx(h, "api.test", &sx, out, sizeof out);
	CHECK(n > 0);
	CHECK_EQ_INT(sx.res.injected, 0);
	CHECK(n > 0 && memmem(out, (size_t)n, "Proxy-Authorization", 19) == NULL);
	CHECK(n > 0 && memmem(out, (size_t)n, "real-token-value", 16) == NULL);
	/* A CONNECT head: none of it is forwarded, all of it is checked. */
	h = "CONNECT other.test:443 HTTP/1.1\r\nHost: other.test:443\r\n"
	    "Proxy-Authorization: Basic b3BlbnNoZWxsOnJlc29sdmU6ZW52OlRPS0VO\r\n\r\n";
	CHECK_EQ_INT(rewrite_sx(h, "other.test", &sx, out, sizeof out), -2);
	CHECK(strstr(sx.res.reason, "not other.test") != NULL);
	h = "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n"
	    "Proxy-Authorization: Basic b3BlbnNoZWxsOnJlc29sdmU6ZW52OlRPS0VO\r\n\r\n";
	CHECK_EQ_INT(rewrite_sx(h, "api.test", &sx, out, sizeof out), 0);
	h = "CONNECT api.test:443 HTTP/1.1\r\nX: openshell:resolve:env:NOPE\r\n\r\n";
	CHECK_EQ_INT(rewrite_sx(h, "api.test", &sx, out, sizeof out), -2);
	CHECK(strstr(sx.res.reason, "NOPE") != NULL);
}
