/* Unit tests of the policy's decisions: policy_decide, policy_host_match, maps and
 * secrets. */
#include "test/unit/policy_testutil.h"

static const char rules[] =
	"[network]\n"
	"passthrough = pass.example.com\n"          /* line 2: before the wildcard */
	"allow = *.example.com\n"                   /* 3 */
	"allow = example.com:8443\n"                /* 4 */
	"allow = api.test\n"                        /* 5 */
	"allow = [::1]:443\n"                       /* 6 */
	"allow = 127.0.0.1:9000\n"                  /* 7 */
	"passthrough = *.tunnel.test:443\n"         /* 8 */
	"map = api.test 127.0.0.1:8443\n"
	"map = api.test:80 127.0.0.2\n"
	"map = v6.test [::1]:9443\n"
	"[secret TOKEN]\n"
	"hosts = api.test *.gh.test\n"
	"[secret OTHER]\n"
	"hosts = [::1]\n";

static enum policy_action decide(const struct policy *p, const char *host, uint16_t port,
				 uint16_t dport, int *line)
{
	const struct policy_host_rule *r = (const struct policy_host_rule *)1;
	enum policy_action a = policy_decide(p, host, port, dport, &r);
	*line = r ? r->line : 0;
	return a;
}

TEST(policy_decide_wildcard_and_apex)
{
	struct policy p;
	int line;
	if (!pt_loads(rules, &p))
		return;
	CHECK_EQ_INT(decide(&p, "a.example.com", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(line, 3);
	CHECK_EQ_INT(decide(&p, "a.b.example.com", 443, 443, &line), ACTION_ALLOW);
	/* *.x never matches x itself: example.com is only allowed on 8443 (line 4). */
	CHECK_EQ_INT(decide(&p, "example.com", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(line, 0);
	CHECK_EQ_INT(decide(&p, "badexample.com", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, "example.com.evil.test", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, ".example.com", 443, 443, &line), ACTION_DENY);
	policy_free(&p);
}

TEST(policy_decide_first_match_wins)
{
	struct policy p;
	int line;
	if (!pt_loads(rules, &p))
		return;
	CHECK_EQ_INT(decide(&p, "pass.example.com", 443, 443, &line), ACTION_PASSTHROUGH);
	CHECK_EQ_INT(line, 2);
	CHECK_EQ_INT(decide(&p, "x.tunnel.test", 443, 443, &line), ACTION_PASSTHROUGH);
	CHECK_EQ_INT(line, 8);
	policy_free(&p);
	/* The same rules in the other order: the wildcard comes first and wins. */
	CHECK(pt_loads("[network]\nallow = *.example.com\npassthrough = pass.example.com\n", &p));
	CHECK_EQ_INT(decide(&p, "pass.example.com", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(line, 2);
	policy_free(&p);
}

TEST(policy_decide_ports)
{
	struct policy p;
	int line;
	if (!pt_loads(rules, &p))
		return;
	/* No port in the rule: the request's default port (443 CONNECT, 80 http://). */
	CHECK_EQ_INT(decide(&p, "api.test", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(decide(&p, "api.test", 80, 80, &line), ACTION_ALLOW);
	CHECK_EQ_INT(decide(&p, "api.test", 8443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, "api.test", 443, 80, &line), ACTION_DENY);
	/* A port in the rule: exactly that port, whatever the default. */
	CHECK_EQ_INT(decide(&p, "example.com", 8443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(line, 4);
	CHECK_EQ_INT(decide(&p, "example.com", 8443, 80, &line), ACTION_ALLOW);
	CHECK_EQ_INT(decide(&p, "x.tunnel.test", 80, 80, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, "api.test", 0, 443, &line), ACTION_DENY);
	policy_free(&p);
}

TEST(policy_decide_case_and_trailing_dot)
{
	struct policy p;
	int line;
	if (!pt_loads(rules, &p))
		return;
	CHECK_EQ_INT(decide(&p, "API.Test", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(decide(&p, "A.EXAMPLE.com", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(decide(&p, "api.test.", 443, 443, &line), ACTION_ALLOW);
	policy_free(&p);
}

TEST(policy_decide_ip_literals)
{
	struct policy p;
	int line;
	if (!pt_loads(rules, &p))
		return;
	CHECK_EQ_INT(decide(&p, "::1", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(line, 6);
	CHECK_EQ_INT(decide(&p, "0:0:0:0:0:0:0:1", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(decide(&p, "[::1]", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(decide(&p, "::2", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, "127.0.0.1", 9000, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(decide(&p, "127.0.0.1", 443, 443, &line), ACTION_DENY);
	/* An address never matches a name rule, even one that would cover its text. */
	policy_free(&p);
	CHECK(pt_loads("[network]\nallow = *.0.0.1.example.com 127.0.0.1\n", &p));
	CHECK_EQ_INT(decide(&p, "127.0.0.1", 443, 443, &line), ACTION_ALLOW);
	CHECK_EQ_INT(line, 2);
	CHECK_EQ_INT(decide(&p, "127.0.0.2", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, "::ffff:127.0.0.1", 443, 443, &line), ACTION_DENY);
	policy_free(&p);
}

TEST(policy_decide_refuses_malformed_hosts)
{
	struct policy p;
	int line;
	CHECK(pt_loads("[network]\nallow = *.example.com\n", &p));
	CHECK_EQ_INT(decide(&p, "a..example.com", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, "*.example.com", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, "a b.example.com", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, "", 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(decide(&p, NULL, 443, 443, &line), ACTION_DENY);
	CHECK_EQ_INT(policy_decide(&p, "a.example.com", 443, 443, NULL), ACTION_ALLOW);
	policy_free(&p);
}

TEST(policy_host_match_patterns)
{
	CHECK(policy_host_match("a.com", "a.com"));
	CHECK(policy_host_match("a.com", "A.COM"));
	CHECK(!policy_host_match("a.com", "b.a.com"));
	CHECK(policy_host_match("*.a.com", "b.a.com"));
	CHECK(policy_host_match("*.a.com", "c.b.A.com"));
	CHECK(!policy_host_match("*.a.com", "a.com"));
	CHECK(!policy_host_match("*.a.com", "ba.com"));
	CHECK(policy_host_match("::1", "::1"));
	CHECK(policy_host_match("[::1]", "0::1"));
	CHECK(!policy_host_match("*.1", "::1"));
	CHECK(!policy_host_match(NULL, "a.com"));
	CHECK(!policy_host_match("a.com", NULL));
}

TEST(policy_find_map_entries)
{
	struct policy p;
	if (!pt_loads(rules, &p))
		return;
	const struct policy_map *m = policy_find_map(&p, "API.test", 443);
	CHECK(m && strcmp(m->addr, "127.0.0.1") == 0 && m->port == 8443);
	/* First match in file order: the any-port entry comes first. */
	m = policy_find_map(&p, "api.test", 80);
	CHECK(m && strcmp(m->addr, "127.0.0.1") == 0);
	m = policy_find_map(&p, "v6.test", 443);
	CHECK(m && strcmp(m->addr, "::1") == 0 && m->port == 9443);
	CHECK(policy_find_map(&p, "x.api.test", 443) == NULL);
	CHECK(policy_find_map(&p, "other.test", 443) == NULL);
	policy_free(&p);
	CHECK(pt_loads("[network]\nmap = a.test:8080 10.0.0.1\n", &p));
	CHECK(policy_find_map(&p, "a.test", 8080) != NULL);
	CHECK(policy_find_map(&p, "a.test", 443) == NULL);
	policy_free(&p);
}

TEST(policy_find_and_bind_secrets)
{
	struct policy p;
	if (!pt_loads(rules, &p))
		return;
	/* The name comes from a placeholder inside a longer buffer: not NUL-terminated. */
	const char *buf = "TOKEN/rest";
	const struct policy_secret *s = policy_find_secret(&p, buf, 5);
	CHECK(s && strcmp(s->name, "TOKEN") == 0);
	CHECK(policy_find_secret(&p, buf, 4) == NULL);
	CHECK(policy_find_secret(&p, "token", 5) == NULL);
	CHECK(policy_find_secret(&p, "NOPE", 4) == NULL);
	CHECK(policy_secret_bound(s, "api.test"));
	CHECK(policy_secret_bound(s, "x.gh.test"));
	CHECK(!policy_secret_bound(s, "gh.test"));
	CHECK(!policy_secret_bound(s, "example.com"));
	const struct policy_secret *o = policy_find_secret(&p, "OTHER", 5);
	CHECK(o && policy_secret_bound(o, "::1"));
	CHECK(!policy_secret_bound(o, "127.0.0.1"));
	CHECK(!policy_secret_bound(NULL, "api.test"));
	policy_free(&p);
}
