/* Unit tests for the connection's handlers (proxy/decide.c, tunnel.c, forward.c): each
 * works on its part of a connection and returns an outcome, so they run here in
 * process, with no socket, loop or state machine behind them. */
#include "proxy/proxy_int.h"
#include "test/unit/harness.h"
#include "test/unit/policy_testutil.h"

static struct policy pol;
static struct proxy px;
static struct conn cn;

/* A connection of a proxy with a small policy, its client buffer holding `in`. */
static struct conn *fresh(const char *in)
{
	static int loaded;
	if (!loaded) {
		CHECK(pt_loads("[network]\nallow = api.test\nallow = web.test:80\n"
			       "passthrough = tls.test\n", &pol));
		loaded = 1;
	}
	memset(&px, 0, sizeof px);
	px.policy = px.first_policy = &pol;
	px.audit_fd = -1;
	memset(&cn, 0, offsetof(struct conn, up));
	cn.p = &px;
	cn.cfd = cn.ufd = -1;
	cn.xprt[0] = cn.xprt[1] = &transport_plain;
	size_t n = strlen(in);
	memcpy(cn.up.data, in, n);
	cn.up.start = cn.up.fwd = 0;
	cn.up.end = n;
	cn.down.start = cn.down.end = cn.down.fwd = 0;
	return &cn;
}

/* Parses the head in c->up and runs the decision on it. */
static void decide(struct conn *c, struct outcome *o)
{
	struct http_request req;
	const char *why = "";
	int n = http_parse_request(c->up.data, c->up.end, &req, &why);
	CHECK(n > 0);
	if (n > 0)
		decide_request(c, &req, (size_t)n, o);
}

TEST(handlers_decide_refuses_a_host_outside_the_policy_with_the_line_that_allows_it)
{
	struct conn *c = fresh("CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n");
	struct outcome o;
	decide(c, &o);
	CHECK(o.step == STEP_FAIL && o.status == 403);
	CHECK(strcmp(o.token, "not-allowed") == 0 && strcmp(o.event, "deny") == 0);
	CHECK(strstr(o.text, "allow = evil.test") != NULL);
	CHECK(strstr(o.notice, "not in [network] allow") != NULL);
	CHECK(c->phase == PH_HEAD); /* a handler never moves the connection on */
}

TEST(handlers_decide_sends_an_allowed_connect_to_the_dial_and_consumes_its_head)
{
	struct conn *c = fresh("CONNECT api.test:443 HTTP/1.1\r\n\r\nEARLY");
	struct outcome o;
	decide(c, &o);
	CHECK(o.step == STEP_DIAL && o.event == NULL);
	CHECK(c->t.is_connect && c->t.action == ACTION_ALLOW && c->t.port == 443);
	CHECK(strcmp(c->t.host, "api.test") == 0 && strcmp(c->t.rule, "api.test") == 0);
	CHECK(c->up.end - c->up.start == 5 && c->up.fwd == 0); /* the early bytes wait */
}

TEST(handlers_decide_rewrites_an_http_request_to_origin_form_in_place)
{
	struct conn *c = fresh("GET http://web.test/a?b HTTP/1.1\r\nHost: x\r\n"
			       "Proxy-Connection: keep-alive\r\n\r\n");
	struct outcome o;
	decide(c, &o);
	CHECK(o.step == STEP_DIAL);
	const char want[] = "GET /a?b HTTP/1.1\r\nHost: web.test\r\n\r\n";
	CHECK(c->h.head_len == sizeof want - 1);
	CHECK(memcmp(c->up.data + c->up.start, want, sizeof want - 1) == 0);
	CHECK(c->up.fwd == 0); /* nothing goes before the dial */
	CHECK(strcmp(c->t.method, "GET") == 0 && strcmp(c->t.path, "/a?b") == 0);
}

TEST(handlers_decide_refuses_origin_form_outside_a_tunnel_and_trace)
{
	struct conn *c = fresh("GET /x HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct outcome o;
	decide(c, &o);
	CHECK(o.step == STEP_FAIL && o.status == 400 && strcmp(o.event, "error") == 0);
	CHECK(strcmp(o.token, "not-a-proxy-request") == 0);
	c = fresh("TRACE http://web.test/ HTTP/1.1\r\nHost: web.test\r\n\r\n");
	decide(c, &o);
	CHECK(o.step == STEP_FAIL && o.status == 400 && strstr(o.text, "TRACE") != NULL);
}

TEST(handlers_tunnel_answers_200_and_keeps_early_upstream_bytes_for_a_relay)
{
	struct conn *c = fresh("");
	c->t.is_connect = 1;
	c->t.action = ACTION_PASSTHROUGH;
	memcpy(c->down.data, "XY", 2);
	c->down.end = 2;
	struct outcome o;
	tunnel_answer(c, &o);
	CHECK(o.step == STEP_SNI);
	const char want[] = "HTTP/1.1 200 Connection established\r\n\r\nXY";
	CHECK(c->down.end == sizeof want - 1 && memcmp(c->down.data, want, c->down.end) == 0);
	CHECK(c->down.fwd == sizeof want - 3); /* the 200 goes now, XY after the SNI check */
	CHECK(c->h.status == 200 && c->h.resp_started);
}

TEST(handlers_tunnel_refuses_a_tunnel_that_does_not_start_with_a_client_hello)
{
	struct conn *c = fresh("GET / HTTP/1.1\r\n\r\n");
	snprintf(c->t.host, sizeof c->t.host, "tls.test");
	struct outcome o;
	tunnel_check_sni(c, &o);
	CHECK(o.step == STEP_RESET && strcmp(o.event, "deny") == 0);
	CHECK(strstr(o.text, "did not start with a TLS ClientHello") != NULL);
	CHECK(strcmp(o.notice, o.text) == 0);
	c = fresh("\x16\x03\x01"); /* a record header alone: wait for the rest */
	tunnel_check_sni(c, &o);
	CHECK(o.step == STEP_WAIT && o.event == NULL);
}

TEST(handlers_relay_half_closes_nothing_until_a_side_ends_and_closes_when_both_did)
{
	struct conn *c = fresh("abc");
	struct outcome o;
	tunnel_relay(c, &o);
	CHECK(o.step == STEP_WAIT && c->up.fwd == 3);
	c = fresh("");
	c->c_eof = c->u_eof = c->c_shut = c->u_shut = 1;
	tunnel_relay(c, &o);
	CHECK(o.step == STEP_CLOSE);
}

TEST(handlers_forward_ends_a_complete_exchange_with_one_request_line)
{
	struct conn *c = fresh("");
	c->h.ex.req_done = 1;
	c->h.ex.resp = EXCHANGE_RESP_DONE;
	c->h.ex.client_keep = c->h.ex.resp_keep = 1;
	struct outcome o;
	forward_done(c, &o);
	CHECK(o.step == STEP_NEXT && strcmp(o.event, "request") == 0 && o.text[0] == 0);
	c->h.ex.resp_keep = 0;
	forward_done(c, &o);
	CHECK(o.step == STEP_LINGER && strcmp(o.event, "request") == 0);
	c->h.ex.req_done = 0; /* answered before the body ended */
	forward_done(c, &o);
	CHECK(o.step == STEP_LINGER && strstr(o.text, "before the request body ended") != NULL);
	c->h.ex.resp = EXCHANGE_RESP_BODY;
	forward_done(c, &o);
	CHECK(o.step == STEP_WAIT && o.event == NULL);
}
