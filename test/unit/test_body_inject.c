/* Request bodies and `body = yes` secrets: the rewriter's body kinds (secrets.c),
 * gathering and re-framing (body_inject.c), and the exchange's gather and check modes
 * (exchange.c): a placeholder is replaced only for a bound host and only for a body
 * secret, a body that merely quotes one goes as it is, and a refusal sends nothing. */
#include "test/unit/harness.h"

#include <stdio.h>
#include <string.h>

#include "proxy/body_inject.h"
#include "proxy/exchange.h"

static char *oauth_hosts[] = {"oauth2.googleapis.com"};
static char *api_hosts[] = {"api.example.test"};
static struct policy_secret secs[] = {
	{.name = "REFRESH", .hosts = oauth_hosts, .nhosts = 1, .body = 1},
	{.name = "API_TOKEN", .hosts = api_hosts, .nhosts = 1},
	{.name = "QUOTE", .hosts = oauth_hosts, .nhosts = 1, .body = 1},
};
static struct secret_store st;

static void init_store(void)
{
	st.entries[0] = (struct secret_entry){&secs[0], (char *)"1//rt-value/x", 13,
					      SECRET_SOURCE_ENV, 0};
	st.entries[1] = (struct secret_entry){&secs[1], (char *)"api-value-123", 13,
					      SECRET_SOURCE_ENV, 0};
	st.entries[2] = (struct secret_entry){&secs[2], (char *)"a\"b\\c", 5, SECRET_SOURCE_ENV, 0};
	st.count = 3;
}

/* The rewritten body (NUL-ended, static) or "(refused: REASON)". */
static const char *body(const char *host, enum secrets_field kind, const char *in)
{
	static char out[1024];
	struct secrets_result res;
	secrets_result_init(&res);
	size_t n;
	int r = secrets_rewrite(&st, host, 1, kind, NULL, in, strlen(in), out, sizeof out - 1,
				&n, &res);
	if (r == 1) {
		snprintf(out, sizeof out, "(refused: %s)", res.reason);
		return out;
	}
	if (r < 0)
		return "(too small)";
	out[n] = 0;
	return out;
}

TEST(body_placeholders_of_body_secrets_are_replaced_per_kind)
{
	init_store();
	const char *g = "oauth2.googleapis.com";
	/* A form: the placeholder as requests encodes it, the value percent-encoded. */
	CHECK_EQ_STR(body(g, SECRETS_BODY_FORM,
			  "grant_type=refresh_token&refresh_token=openshell%3Aresolve%3Aenv%3AREFRESH"),
		     "grant_type=refresh_token&refresh_token=1%2F%2Frt-value%2Fx");
	CHECK_EQ_STR(body(g, SECRETS_BODY_FORM, "refresh=openshell:resolve:env:REFRESH&x=1"),
		     "refresh=1%2F%2Frt-value%2Fx&x=1");
	/* JSON: the value escaped for its string. */
	CHECK_EQ_STR(body(g, SECRETS_BODY_JSON, "{\"s\": \"openshell:resolve:env:QUOTE\"}"),
		     "{\"s\": \"a\\\"b\\\\c\"}");
	CHECK_EQ_STR(body(g, SECRETS_BODY_TEXT, "t=openshell:resolve:env:REFRESH;"), "t=1//rt-value/x;");
}

TEST(body_placeholders_of_other_secrets_and_unknown_names_are_text)
{
	init_store();
	const char *g = "oauth2.googleapis.com";
	const char *quoted = "the docs say use openshell:resolve:env:API_TOKEN, "
			     "openshell:resolve:env:NOPE or openshell:resolve:env:";
	CHECK_EQ_STR(body(g, SECRETS_BODY_TEXT, quoted), quoted);
	CHECK_EQ_STR(body("api.example.test", SECRETS_BODY_JSON, quoted), quoted);
}

TEST(body_placeholder_to_an_unbound_host_is_refused)
{
	init_store();
	const char *r = body("evil.example", SECRETS_BODY_FORM,
			     "refresh_token=openshell%3Aresolve%3Aenv%3AREFRESH");
	CHECK(strstr(r, "(refused: secret REFRESH is bound to oauth2.googleapis.com, not "
			"evil.example") == r);
	CHECK(strstr(r, "1//rt") == NULL);
}

TEST(body_kind_follows_the_content_type)
{
	const char *form = "application/x-www-form-urlencoded; charset=utf-8";
	CHECK_EQ_INT(body_inject_kind(form, strlen(form)), SECRETS_BODY_FORM);
	CHECK_EQ_INT(body_inject_kind("application/vnd.api+json", 25), SECRETS_BODY_JSON);
	CHECK_EQ_INT(body_inject_kind("text/plain", 10), SECRETS_BODY_TEXT);
	CHECK_EQ_INT(body_inject_kind(NULL, 0), SECRETS_BODY_TEXT);
}

/* --- the exchange ---------------------------------------------------------------- */

static const struct exchange_ctx G = {"POST", "oauth2.googleapis.com", 443, &st, 0, NULL, 0, 0, 1, -1, NULL, 0};

/* Sends the request `req` (head and body) through a gathering exchange in pieces of
 * `piece` bytes, draining cleared bytes as an upstream would; what went upstream
 * (NUL-ended, static), *out the last outcome. The head given to exchange_inject() is
 * `head` (as head_rewrite() would make it, without framing headers). */
static const char *gather(const char *req, const char *head, size_t piece, int *out,
			  struct exchange_result *last)
{
	static char sent[1 << 19];
	static struct buf b;
	size_t s = 0, n = strlen(req);
	memset(&b, 0, offsetof(struct buf, data));
	struct http_request rq;
	const char *why = "";
	int hl = http_parse_request(req, n, &rq, &why);
	if (hl <= 0)
		return "(bad request)";
	struct exchange x = {0};
	exchange_begin(&x, &rq);
	if (exchange_inject(&x, &rq, head, strlen(head)) < 0)
		return "(no memory)";
	struct exchange_result r = {0};
	for (size_t i = (size_t)hl; i < n || r.outcome == EXCHANGE_MORE;) {
		size_t k = n - i < piece ? n - i : piece;
		buf_compact(&b);
		if (k > BUF_SIZE - b.end)
			k = BUF_SIZE - b.end;
		memcpy(b.data + b.end, req + i, k);
		b.end += k;
		i += k;
		exchange_request(&x, &G, &b, &r);
		memcpy(sent + s, b.data + b.start, b.fwd);
		s += b.fwd;
		b.start += b.fwd;
		b.fwd = 0;
		if (r.outcome != EXCHANGE_MORE || (i == n && k == 0 && !x.inject))
			break;
		if (r.injected)
			*last = r;
	}
	if (r.outcome == EXCHANGE_DONE && r.injected)
		*last = r;
	exchange_end(&x);
	sent[s] = 0;
	*out = r.outcome;
	return sent;
}

TEST(exchange_gathers_a_form_body_and_sends_it_with_its_new_length)
{
	init_store();
	const char *req = "POST /token HTTP/1.1\r\nHost: oauth2.googleapis.com\r\n"
			  "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 74\r\n\r\n"
			  "grant_type=refresh_token&refresh_token=openshell%3Aresolve%3Aenv%3AREFRESH";
	const char *head = "POST /token HTTP/1.1\r\nHost: oauth2.googleapis.com\r\n"
			   "Content-Type: application/x-www-form-urlencoded\r\n\r\n";
	for (size_t piece = 1; piece < 100; piece += 9) {
		int out;
		struct exchange_result last = {0};
		const char *sent = gather(req, head, piece, &out, &last);
		CHECK_EQ_INT(out, EXCHANGE_DONE);
		const char *want = "POST /token HTTP/1.1\r\nHost: oauth2.googleapis.com\r\n"
				   "Content-Type: application/x-www-form-urlencoded\r\n"
				   "Content-Length: 58\r\n\r\n"
				   "grant_type=refresh_token&refresh_token=1%2F%2Frt-value%2Fx";
		CHECK(strcmp(sent, want) == 0);
		CHECK_EQ_INT(last.injected, 1);
	}
}

TEST(exchange_gathers_a_chunked_body_into_a_length_framed_one)
{
	init_store();
	const char *req = "POST /t HTTP/1.1\r\nHost: oauth2.googleapis.com\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n"
			  "10\r\nt=openshell:reso\r\n"
			  "f;x=y\r\nlve:env:REFRESH\r\n0\r\nX-T: 1\r\n\r\n";
	const char *head = "POST /t HTTP/1.1\r\nHost: oauth2.googleapis.com\r\n\r\n";
	int out;
	struct exchange_result last = {0};
	const char *sent = gather(req, head, 7, &out, &last);
	CHECK_EQ_INT(out, EXCHANGE_DONE);
	const char *want = "POST /t HTTP/1.1\r\nHost: oauth2.googleapis.com\r\n"
			   "Content-Length: 15\r\n\r\nt=1//rt-value/x";
	CHECK(strcmp(sent, want) == 0);
}

TEST(exchange_refuses_a_gathered_body_for_the_wrong_secret_binding_and_sends_nothing)
{
	init_store();
	const char *req = "POST /t HTTP/1.1\r\nHost: h\r\nContent-Length: 39\r\n\r\n"
			  "x=openshell:resolve:env:REFRESH and mor";
	struct exchange_ctx cx = G;
	cx.host = "other.example";
	static struct buf b;
	memset(&b, 0, offsetof(struct buf, data));
	struct http_request rq;
	const char *why;
	int hl = http_parse_request(req, strlen(req), &rq, &why);
	CHECK(hl > 0);
	struct exchange x = {0};
	exchange_begin(&x, &rq);
	CHECK_EQ_INT(exchange_inject(&x, &rq, "POST /t HTTP/1.1\r\nHost: h\r\n\r\n", 29), 0);
	memcpy(b.data, req + hl, strlen(req) - (size_t)hl);
	b.end = strlen(req) - (size_t)hl;
	struct exchange_result r;
	exchange_request(&x, &cx, &b, &r);
	CHECK_EQ_INT(r.outcome, EXCHANGE_FAIL);
	CHECK_EQ_INT(r.status, 403);
	CHECK(strstr(r.why, "secret REFRESH is bound to oauth2.googleapis.com") != NULL);
	CHECK_EQ_INT(b.fwd, 0);
	exchange_end(&x);
}

TEST(exchange_refuses_a_chunked_body_too_long_to_gather)
{
	init_store();
	static char req[BODY_INJECT_MAX + 65536];
	int n = snprintf(req, sizeof req, "POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
			 "chunked\r\n\r\n");
	for (int i = 0; i < 66; i++)
		n += snprintf(req + n, sizeof req - (size_t)n, "1000\r\n%4096d\r\n", i);
	int out;
	struct exchange_result last = {0};
	const char *sent = gather(req, "POST /t HTTP/1.1\r\nHost: h\r\n\r\n", 4000, &out, &last);
	CHECK_EQ_INT(out, EXCHANGE_FAIL);
	CHECK_EQ_STR(sent, "");
}

/* The check mode: a body streamed to a host no body secret is bound to. */
static int check_body(const char *host, const char *a, const char *b2, size_t *cleared,
		      struct exchange_result *r)
{
	char req[512];
	snprintf(req, sizeof req, "POST /t HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n",
		 strlen(a) + strlen(b2));
	struct http_request rq;
	const char *why;
	if (http_parse_request(req, strlen(req), &rq, &why) <= 0)
		return -1;
	struct exchange x = {0};
	exchange_begin(&x, &rq);
	exchange_scan(&x);
	struct exchange_ctx cx = G;
	cx.host = host;
	static struct buf b;
	memset(&b, 0, offsetof(struct buf, data));
	*cleared = 0;
	const char *parts[] = {a, b2};
	for (int i = 0; i < 2; i++) {
		memcpy(b.data + b.end, parts[i], strlen(parts[i]));
		b.end += strlen(parts[i]);
		exchange_request(&x, &cx, &b, r);
		*cleared += b.fwd;
		b.start += b.fwd;
		b.fwd = 0;
		if (r->outcome == EXCHANGE_FAIL)
			break;
	}
	exchange_end(&x);
	return r->outcome;
}

TEST(exchange_check_mode_refuses_a_body_placeholder_cut_between_reads)
{
	init_store();
	size_t cleared;
	struct exchange_result r;
	CHECK_EQ_INT(check_body("api.example.test", "refresh=openshell%3Aresol",
				"ve%3Aenv%3AREFRESH&x=1", &cleared, &r),
		     EXCHANGE_FAIL);
	CHECK_EQ_INT(r.status, 403);
	CHECK_EQ_INT(cleared, 25); /* the first read went; the one completing it did not */
	CHECK(strstr(r.why, "REFRESH") != NULL);
	/* A body that quotes another secret's placeholder goes untouched. */
	CHECK_EQ_INT(check_body("api.example.test", "say openshell:resolve:env:API_",
				"TOKEN please", &cleared, &r),
		     EXCHANGE_DONE);
	CHECK_EQ_INT(cleared, 42);
}
