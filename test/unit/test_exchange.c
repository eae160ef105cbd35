/* proxy/exchange.c, the I/O-free HTTP/1.1 exchange: framing of request and response
 * bodies, 1xx heads, upgrades, malformed input, and the scrubbing of a response head
 * that repeats a secret. Bytes go in through a struct buf, as the proxy's do. */
#include "test/unit/harness.h"
#include "proxy/exchange.h"

#include <string.h>

static void put(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	memcpy(b->data + b->end, s, n);
	b->end += n;
}

static void request(struct exchange *x, const char *head)
{
	struct http_request req;
	const char *why = "";
	int n = http_parse_request(head, strlen(head), &req, &why);
	if (n <= 0)
		harness_fail(__FILE__, __LINE__, why);
	exchange_begin(x, &req);
}

static const struct exchange_ctx GET = {"GET", "api.example.test", 443, NULL, 0, NULL, 0, 0, 1, -1, NULL, 0};

TEST(exchange_request_body_by_length_in_pieces)
{
	struct exchange x = {0};
	request(&x, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n");
	static struct buf b;
	put(&b, "01234");
	struct exchange_result r;
	exchange_request(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_MORE);
	CHECK_EQ_INT(b.fwd, 5);
	put(&b, "56789GET / HTTP/1.1\r\n"); /* a pipelined request is not body */
	exchange_request(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_DONE);
	CHECK_EQ_INT(b.fwd, 10);
	CHECK(x.req_done && x.client_keep);
}

TEST(exchange_refuses_a_malformed_chunked_request_body)
{
	struct exchange x = {0};
	request(&x, "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
	static struct buf b;
	put(&b, "5\r\nhello\r\nzz\r\n");
	struct exchange_result r;
	exchange_request(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_FAIL);
	CHECK_EQ_INT(r.status, 400);
	CHECK_EQ_STR(r.token, "bad-chunked-body");
	CHECK(strstr(r.why, "malformed chunked") != NULL);
}

TEST(exchange_response_passes_1xx_then_frames_the_final_one)
{
	struct exchange x = {0};
	request(&x, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	static struct buf b;
	put(&b, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab");
	struct exchange_result r;
	exchange_response(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_MORE);
	CHECK(r.head_sent);
	CHECK_EQ_INT(x.status, 200);
	CHECK_EQ_INT(b.fwd, b.end); /* both heads and the two body bytes */
	put(&b, "cdX");
	exchange_response(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_DONE);
	CHECK(r.trailing); /* "X" after the response: the upstream is not reused */
	CHECK_EQ_INT(b.end - b.fwd, 1);
	CHECK(x.resp_keep);
}

TEST(exchange_head_response_has_no_body)
{
	struct exchange x = {0};
	request(&x, "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
	static struct buf b;
	put(&b, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nConnection: close\r\n\r\n");
	const struct exchange_ctx head = {"HEAD", "h", 80, NULL, 0, NULL, 0, 0, 1, -1, NULL, 0};
	struct exchange_result r;
	exchange_response(&x, &head, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_DONE);
	CHECK(!r.trailing);
	CHECK(!x.resp_keep);
}

TEST(exchange_upgrade_only_when_asked)
{
	struct exchange x = {0};
	static struct buf b;
	struct exchange_result r;
	request(&x, "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n");
	put(&b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n");
	exchange_response(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_UPGRADE);
	CHECK_EQ_INT(x.status, 101);
	memset(&b, 0, sizeof b);
	request(&x, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	put(&b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
	exchange_response(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_RESET);
}

TEST(exchange_fails_invalid_and_oversized_response_heads)
{
	struct exchange x = {0};
	static struct buf b;
	struct exchange_result r;
	request(&x, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	put(&b, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
	exchange_response(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_FAIL);
	CHECK_EQ_INT(r.status, 502);
	CHECK(strstr(r.why, "api.example.test:443 sent an invalid response") != NULL);
	memset(&b, 0, sizeof b);
	request(&x, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	put(&b, "HTTP/1.1 200 OK\r\nX: ");
	while (b.end < BUF_SIZE)
		b.data[b.end++] = 'a';
	exchange_response(&x, &GET, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_FAIL);
	CHECK(strstr(r.why, "larger than") != NULL);
}

TEST(exchange_scrubs_a_secret_the_response_head_repeats)
{
	static char *hosts[] = {"api.example.test"};
	static struct policy_secret sec = {.name = "API_TOKEN", .hosts = hosts, .nhosts = 1};
	static struct secret_store st;
	st.entries[0] = (struct secret_entry){&sec, (char *)"tok-1234567890", 14,
					      SECRET_SOURCE_ENV, 0};
	st.count = 1;
	struct exchange x = {0};
	request(&x, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	static struct buf b;
	put(&b, "HTTP/1.1 302 Found\r\nLocation: /x?t=tok-1234567890\r\nContent-Length: 0\r\n\r\n");
	const struct exchange_ctx cx = {"GET", "api.example.test", 443, &st, 1, NULL, 0, 0, 1, -1, NULL, 0};
	struct exchange_result r;
	exchange_response(&x, &cx, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_DONE);
	b.data[b.end] = 0;
	CHECK(strstr(b.data, "tok-1234567890") == NULL);
	CHECK(strstr(b.data, "Location: /x?t=openshell:resolve:env:API_TOKEN\r\n") != NULL);
	CHECK_EQ_INT(b.fwd, b.end);
}
