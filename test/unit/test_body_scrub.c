/* proxy/body_scrub.c and the scrubbed, re-framed response bodies of proxy/exchange.c: a
 * value the connection sent upstream never comes back to the sandbox, however the body
 * is framed or split, and nothing else in the body changes. */
#include "test/unit/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/body_scrub.h"
#include "proxy/exchange.h"

#define VALUE "tok-1234567890abcdef"
#define PH "openshell:resolve:env:API_TOKEN"

static char *hosts[] = {"api.example.test"};
static struct policy_secret sec = {.name = "API_TOKEN", .hosts = hosts, .nhosts = 1};
static struct secret_store st;

static void init_store(void)
{
	st.entries[0] = (struct secret_entry){&sec, (char *)VALUE, strlen(VALUE),
					      SECRET_SOURCE_ENV, 0};
	st.count = 1;
}

/* Scrubs `in` put into the stream in pieces of `piece` bytes; the output, NUL-ended, in
 * a static buffer. */
static const char *stream(const char *in, size_t piece)
{
	static char out[4096];
	size_t o = 0, n = strlen(in);
	struct body_scrub *s = body_scrub_new(&st, 1, NULL, 0);
	if (!s)
		return "(no stream)";
	for (size_t i = 0; i < n; i += piece) {
		size_t k = n - i < piece ? n - i : piece;
		body_scrub_put(s, in + i, k);
		o += body_scrub_get(s, out + o, sizeof out - 1 - o, 0);
	}
	o += body_scrub_get(s, out + o, sizeof out - 1 - o, 1);
	out[o] = 0;
	body_scrub_free(s);
	return out;
}

TEST(body_scrub_replaces_a_value_split_at_any_point)
{
	init_store();
	const char *in = "{\"echo\": \"" VALUE "\", \"again\": \"x" VALUE "y\"}";
	const char *want = "{\"echo\": \"" PH "\", \"again\": \"x" PH "y\"}";
	for (size_t piece = 1; piece <= strlen(in); piece++)
		CHECK_EQ_STR(stream(in, piece), want);
}

TEST(body_scrub_replaces_the_percent_encoded_form)
{
	init_store();
	CHECK_EQ_STR(stream("a=tok%2D1234567890abcdef&b", 3), "a=" PH "&b");
	CHECK_EQ_STR(stream("a=%74%6F%6B-1234567890abcdef", 1), "a=" PH);
}

TEST(body_scrub_holds_only_what_could_begin_a_value)
{
	init_store();
	struct body_scrub *s = body_scrub_new(&st, 1, NULL, 0);
	CHECK(s != NULL);
	char out[256];
	/* An event stream's event is handed on whole at once: nothing in it starts a value. */
	const char *ev = "data: {\"delta\": \"hi\"}\n\n";
	body_scrub_put(s, ev, strlen(ev));
	size_t n = body_scrub_get(s, out, sizeof out, 0);
	CHECK_EQ_INT(n, strlen(ev));
	CHECK_MEM(out, ev, n);
	/* The start of the value waits for the rest... */
	body_scrub_put(s, "data: tok-1234", 14);
	n = body_scrub_get(s, out, sizeof out, 0);
	CHECK_EQ_INT(n, 6);
	CHECK_EQ_INT(body_scrub_held(s), 8);
	/* ...and goes out as it was once the next bytes show it is something else. */
	body_scrub_put(s, "!\n", 2);
	n = body_scrub_get(s, out, sizeof out, 0);
	CHECK_EQ_INT(n, 10);
	CHECK_MEM(out, "tok-1234!\n", 10);
	/* At the end of the input a held prefix is no value. */
	body_scrub_put(s, "tok-12", 6);
	CHECK_EQ_INT(body_scrub_get(s, out, sizeof out, 0), 0);
	CHECK_EQ_INT(body_scrub_get(s, out, sizeof out, 1), 6);
	CHECK_EQ_INT(body_scrub_count(s), 0);
	body_scrub_free(s);
}

TEST(body_scrub_output_waits_for_room)
{
	init_store();
	struct body_scrub *s = body_scrub_new(&st, 1, NULL, 0);
	char out[64];
	body_scrub_put(s, "ab" VALUE, 2 + strlen(VALUE));
	/* The placeholder is longer than the value: with 10 bytes of room only "ab" goes. */
	CHECK_EQ_INT(body_scrub_get(s, out, 10, 0), 2);
	size_t n = body_scrub_get(s, out, sizeof out, 0);
	CHECK_EQ_INT(n, strlen(PH));
	CHECK_MEM(out, PH, n);
	CHECK_EQ_INT(body_scrub_count(s), 1);
	body_scrub_free(s);
}

/* --- the exchange: scrubbed bodies, re-framed ------------------------------------ */

static const struct exchange_ctx CX = {"GET", "api.example.test", 443, &st, 1, NULL, 0, 0, 1, -1, NULL, 0};

/* Runs the response `resp` through an exchange for the request head `req`, fed `piece`
 * bytes at a time and drained by a client that takes everything cleared. The bytes the
 * client got, NUL-ended, in a static buffer; *outcome the last outcome. */
static const char *respond(const char *req, const char *resp, size_t piece, int eof,
			   int *outcome)
{
	static char got[65536];
	static struct buf b;
	size_t g = 0, n = strlen(resp), i = 0;
	memset(&b, 0, offsetof(struct buf, data));
	struct http_request rq;
	const char *why = "";
	if (http_parse_request(req, strlen(req), &rq, &why) <= 0)
		return "(bad request)";
	struct exchange x = {0};
	exchange_begin(&x, &rq);
	struct exchange_ctx cx = CX;
	struct exchange_result r;
	r.outcome = EXCHANGE_MORE;
	for (int rounds = 0; rounds < 100000; rounds++) {
		size_t k = n - i < piece ? n - i : piece;
		if (k > BUF_SIZE - b.end) {
			buf_compact(&b);
			if (k > BUF_SIZE - b.end)
				k = BUF_SIZE - b.end;
		}
		memcpy(b.data + b.end, resp + i, k);
		b.end += k;
		i += k;
		cx.upstream_eof = eof && i == n;
		exchange_response(&x, &cx, &b, &r);
		memcpy(got + g, b.data + b.start, b.fwd);
		g += b.fwd;
		b.start += b.fwd;
		b.fwd = 0;
		if (r.outcome != EXCHANGE_MORE || (i == n && k == 0 && !x.scrub))
			break;
	}
	exchange_end(&x);
	got[g] = 0;
	*outcome = r.outcome;
	return got;
}

/* The body of a chunked message (after its head), decoded; trailers appended after a
 * '|'. NULL when the framing is wrong. */
static const char *dechunk(const char *msg)
{
	static char body[65536];
	const char *p = strstr(msg, "\r\n\r\n");
	size_t o = 0;
	if (!p)
		return NULL;
	p += 4;
	for (;;) {
		char *end;
		unsigned long n = strtoul(p, &end, 16);
		if (end == p || strncmp(end, "\r\n", 2) != 0)
			return NULL;
		p = end + 2;
		if (n == 0)
			break;
		memcpy(body + o, p, n);
		o += n;
		p += n;
		if (strncmp(p, "\r\n", 2) != 0)
			return NULL;
		p += 2;
	}
	body[o++] = '|';
	size_t t = strlen(p);
	memcpy(body + o, p, t);
	body[o + t] = 0;
	return body;
}

TEST(exchange_scrubs_a_length_framed_body_into_chunks)
{
	init_store();
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			   "Content-Length: 33\r\n\r\n{\"token\": \"" VALUE "\"}";
	for (size_t piece = 1; piece < 120; piece += 7) {
		int out;
		const char *got = respond("GET / HTTP/1.1\r\nHost: h\r\n\r\n", resp, piece, 0, &out);
		CHECK_EQ_INT(out, EXCHANGE_DONE);
		CHECK(strstr(got, VALUE) == NULL);
		CHECK(strstr(got, "Content-Length") == NULL);
		CHECK(strstr(got, "Transfer-Encoding: chunked\r\n") != NULL);
		CHECK(strstr(got, "Content-Type: application/json\r\n") != NULL);
		const char *body = dechunk(got);
		CHECK(body != NULL);
		CHECK_EQ_STR(body ? body : "", "{\"token\": \"" PH "\"}|\r\n");
	}
}

TEST(exchange_scrubs_a_value_split_across_chunks_and_in_trailers)
{
	init_store();
	const char *resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			   "7\r\ndata: t\r\n"
			   "9\r\nok-123456\r\n"
			   "c;ext=1\r\n7890abcdef\n\n\r\n"
			   "0\r\nX-Echo: " VALUE "\r\n\r\n";
	for (size_t piece = 1; piece < 150; piece += 5) {
		int out;
		const char *got = respond("GET /events HTTP/1.1\r\nHost: h\r\n\r\n", resp, piece, 0,
					  &out);
		CHECK_EQ_INT(out, EXCHANGE_DONE);
		CHECK(strstr(got, VALUE) == NULL);
		const char *body = dechunk(got);
		CHECK(body != NULL);
		CHECK_EQ_STR(body ? body : "", "data: " PH "\n\n|X-Echo: " PH "\r\n\r\n");
	}
}

TEST(exchange_scrubs_a_body_until_close_for_http_1_0)
{
	init_store();
	const char *resp = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsaw " VALUE;
	int out;
	const char *got = respond("GET / HTTP/1.0\r\n\r\n", resp, 5, 1, &out);
	CHECK_EQ_INT(out, EXCHANGE_DONE);
	CHECK(strstr(got, "Connection: close\r\n\r\nsaw " PH) != NULL);
	CHECK(strstr(got, "Transfer-Encoding") == NULL);
}

TEST(exchange_refuses_a_coded_body_it_cannot_scrub)
{
	init_store();
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc";
	int out;
	const char *got = respond("GET / HTTP/1.1\r\nHost: h\r\n\r\n", resp, 500, 0, &out);
	CHECK_EQ_INT(out, EXCHANGE_FAIL);
	CHECK_EQ_STR(got, "");
	/* Identity passes. */
	resp = "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\nContent-Length: 3\r\n\r\nabc";
	got = respond("GET / HTTP/1.1\r\nHost: h\r\n\r\n", resp, 500, 0, &out);
	CHECK_EQ_INT(out, EXCHANGE_DONE);
}

TEST(exchange_leaves_bodies_alone_on_a_connection_without_secrets)
{
	init_store();
	struct exchange x = {0};
	struct http_request rq;
	const char *why;
	const char *req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	CHECK(http_parse_request(req, strlen(req), &rq, &why) > 0);
	exchange_begin(&x, &rq);
	static struct buf b;
	memset(&b, 0, offsetof(struct buf, data));
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" VALUE;
	memcpy(b.data, resp, strlen(resp));
	b.end = strlen(resp);
	struct exchange_ctx cx = CX;
	cx.injected = 0;
	struct exchange_result r;
	exchange_response(&x, &cx, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_DONE);
	CHECK_EQ_INT(b.fwd, strlen(resp));
	CHECK_MEM(b.data, resp, strlen(resp));
	CHECK(x.scrub == NULL);
}
