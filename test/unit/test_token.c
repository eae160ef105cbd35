/* [token NAME]: the answer of a token endpoint is gathered, its token kept in the store
 * (secret_store_set_token) and replaced by the placeholder; the policy's [token]
 * section; json_find_integer for expires_in. */
#include "test/unit/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/exchange.h"
#include "proxy/proto/json.h"
#include "test/unit/policy_testutil.h"

static char *hosts[] = {"www.googleapis.com"};
static struct policy_secret tok = {.name = "GW_ACCESS", .hosts = hosts, .nhosts = 1,
				   .token = 1, .from_host = "oauth2.googleapis.com",
				   .from_path = "/token", .field = "access_token"};
static struct secret_store st;
static char arena[2 * SECRET_TOKEN_MAX];

static void init_store(void)
{
	memset(&st, 0, sizeof st);
	st.entries[0] = (struct secret_entry){&tok, NULL, 0, SECRET_SOURCE_NONE, 0};
	st.count = 1;
	st.arena = arena;
	st.arena_cap = sizeof arena;
}

/* Runs a response through an exchange for a request to the token endpoint, in pieces;
 * what the client got (NUL-ended, static), *outcome the last outcome. */
static const char *answer(const char *resp, size_t piece, int *outcome)
{
	static char got[65536];
	static struct buf b;
	size_t g = 0, n = strlen(resp), i = 0;
	memset(&b, 0, offsetof(struct buf, data));
	const char *req = "POST /token HTTP/1.1\r\nHost: oauth2.googleapis.com\r\n\r\n";
	struct http_request rq;
	const char *why;
	if (http_parse_request(req, strlen(req), &rq, &why) <= 0)
		return "(bad request)";
	struct exchange x = {0};
	exchange_begin(&x, &rq);
	const struct exchange_ctx cx = {.method = "POST", .host = "oauth2.googleapis.com",
					.port = 443, .secrets = &st, .tls = 1, .capture = 0,
					.vault = &st, .now = 1000000};
	struct exchange_result r = {0};
	for (int rounds = 0; rounds < 10000; rounds++) {
		size_t k = n - i < piece ? n - i : piece;
		memcpy(b.data + b.end, resp + i, k);
		b.end += k;
		i += k;
		exchange_response(&x, &cx, &b, &r);
		memcpy(got + g, b.data + b.start, b.fwd);
		g += b.fwd;
		b.start += b.fwd;
		b.fwd = 0;
		buf_compact(&b);
		if (r.outcome != EXCHANGE_MORE || (i == n && k == 0))
			break;
	}
	exchange_end(&x);
	got[g] = 0;
	*outcome = r.outcome;
	return got;
}

TEST(token_answer_gives_the_sandbox_the_placeholder_and_keeps_the_value)
{
	init_store();
	const char *body = "{\"access_token\": \"ya29.first\", \"expires_in\": 3599, "
			   "\"token_type\": \"Bearer\"}";
	char resp[512];
	snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	for (size_t piece = 1; piece < 200; piece += 13) {
		init_store();
		int out;
		const char *got = answer(resp, piece, &out);
		CHECK_EQ_INT(out, EXCHANGE_DONE);
		const char *want_body = "{\"access_token\": \"openshell:resolve:env:GW_ACCESS\", "
					"\"expires_in\": 3599, \"token_type\": \"Bearer\"}";
		char want[512];
		snprintf(want, sizeof want, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n%s", strlen(want_body), want_body);
		CHECK(strcmp(got, want) == 0);
		CHECK_EQ_INT(st.entries[0].len, 10);
		CHECK(st.entries[0].value && memcmp(st.entries[0].value, "ya29.first", 10) == 0);
		CHECK_EQ_INT(st.entries[0].expires_at, 1000000 + 3599);
	}
	/* A refresh replaces the value in the same slot. */
	const char *again = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "8\r\n{\"access\r\n"
			    "17\r\n_token\": \"ya29.second\"}\r\n0\r\n\r\n";
	const char *slot = st.entries[0].value;
	int out;
	const char *got = answer(again, 5, &out);
	CHECK_EQ_INT(out, EXCHANGE_DONE);
	CHECK(strstr(got, "Content-Length: 51\r\n\r\n{\"access_token\": \"openshell:resolve:env:GW_ACCESS\"}") != NULL);
	CHECK(strstr(got, "ya29") == NULL);
	CHECK(st.entries[0].value == slot);
	CHECK_EQ_INT(st.entries[0].len, 11);
	CHECK_EQ_INT(st.entries[0].expires_at, 0);
}

TEST(token_endpoint_answers_without_the_token_pass_as_they_are)
{
	init_store();
	int out;
	const char *err = "HTTP/1.1 400 Bad Request\r\nContent-Length: 27\r\n\r\n"
			  "{\"error\": \"invalid_grant\"}\n";
	CHECK_EQ_STR(answer(err, 7, &out), err);
	CHECK_EQ_INT(out, EXCHANGE_DONE);
	const char *none = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\n";
	const char *got = answer(none, 100, &out);
	CHECK_EQ_INT(out, EXCHANGE_DONE);
	CHECK(strstr(got, "Content-Length: 9\r\n\r\n{\"a\": 1}\n") != NULL);
	CHECK(st.entries[0].value == NULL);
	/* A token airlock cannot keep is not handed on either. */
	const char *bad = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{\"access_token\": \"\"}";
	answer(bad, 100, &out);
	CHECK_EQ_INT(out, EXCHANGE_FAIL);
}

TEST(json_find_integer_reads_expires_in)
{
	long long v = 0;
	const char *why;
	const char *d = "{\"expires_in\": 3599, \"s\": \"1\", \"f\": 1.5, \"n\": -7}";
	CHECK_EQ_INT(json_find_integer(d, strlen(d), "expires_in", &v, &why), JSON_FOUND);
	CHECK_EQ_INT(v, 3599);
	CHECK_EQ_INT(json_find_integer(d, strlen(d), "n", &v, &why), JSON_FOUND);
	CHECK_EQ_INT(v, -7);
	CHECK_EQ_INT(json_find_integer(d, strlen(d), "s", &v, &why), JSON_NOT_STRING);
	CHECK_EQ_INT(json_find_integer(d, strlen(d), "f", &v, &why), JSON_NOT_STRING);
	CHECK_EQ_INT(json_find_integer(d, strlen(d), "x", &v, &why), JSON_ABSENT);
	CHECK_EQ_INT(json_find_integer("{\"a\":1,\"a\":2}", 13, "a", &v, &why), JSON_INVALID);
}

TEST(token_section_in_the_policy)
{
	struct policy p;
	CHECK(pt_loads("[token GW_ACCESS]\nfrom = https://OAuth2.googleapis.com/token\n"
		       "hosts = www.googleapis.com *.googleapis.com\n", &p));
	CHECK_EQ_INT(p.nsecrets, 1);
	CHECK_EQ_INT(p.secrets[0].token, 1);
	CHECK_EQ_STR(p.secrets[0].from_host, "oauth2.googleapis.com");
	CHECK_EQ_STR(p.secrets[0].from_path, "/token");
	CHECK_EQ_STR(p.secrets[0].field, "access_token");
	char *text = policy_format(&p);
	CHECK(text && strstr(text, "[token GW_ACCESS]\nhosts = www.googleapis.com\nhosts = "
			     "*.googleapis.com\nfrom = https://oauth2.googleapis.com/token\n"
			     "field = access_token\n"));
	free(text);
	policy_free(&p);
	CHECK(pt_fails_with("[token T]\nhosts = a.com\n", "t.ini:1: [token T] has no from"));
	CHECK(pt_fails_with("[token T]\nhosts = a.com\nfrom = http://a.com/t\n",
			    "t.ini:3: from = 'http://a.com/t' is not an https:// URL"));
	CHECK(pt_fails_with("[token T]\nhosts = a.com\nfrom = https://a.com/t?x=1\n",
			    "is not an https:// URL"));
	CHECK(pt_fails_with("[token T]\nhosts = a.com\nfrom = https://a.com:8443/t\n",
			    "is not an https:// URL"));
	CHECK(pt_fails_with("[token T]\nhosts = a.com\nfrom = https://a.com/t\nfile = /etc/hostname\n",
			    "t.ini:4: unknown key"));
	CHECK(pt_fails_with("[token T]\nfrom = https://a.com/t\n", "[token T] has no hosts"));
}
