/* Unit tests of policy/http_rules.c: path normalization, globs, and decisions with
 * access levels, allow and deny (each with a request that passes and one that must
 * not). */
#include "test/unit/harness.h"
#include "test/unit/policy_testutil.h"

#include "policy/http_rules.h"

#include <stdlib.h>

static const char *norm(const char *t, int slash)
{
	static char out[HTTP_RULES_PATH_MAX];
	return http_rules_normalize(t, strlen(t), slash, out, sizeof out) < 0 ? "(refused)" : out;
}

TEST(http_rules_normalize_as_the_upstream_reads)
{
	CHECK_EQ_STR(norm("/repos/acme/../../user", 0), "/user");
	CHECK_EQ_STR(norm("/repos/./acme/x/..", 0), "/repos/acme/");
	CHECK_EQ_STR(norm("/repos/%61cme/%2e%2e/%2E%2e/user?q=%2e", 0), "/user?q=%2e");
	CHECK_EQ_STR(norm("/a%2fb/%7e/%41", 0), "/a%2Fb/~/A");
	CHECK_EQ_STR(norm("/a%2fb/..", 1), "/a/");
	CHECK_EQ_STR(norm("/../../x", 0), "/x");
	CHECK_EQ_STR(norm("/", 0), "/");
	CHECK_EQ_STR(norm("/a%", 0), "(refused)");
	CHECK_EQ_STR(norm("/a%zz", 0), "(refused)");
	CHECK_EQ_STR(norm("/a\\b", 0), "(refused)");
	CHECK_EQ_STR(norm("x/y", 0), "(refused)");
	CHECK_EQ_STR(norm("/s?q=\x01", 0), "(refused)"); /* the fuzzer found a control byte kept */
}

TEST(http_rules_globs)
{
	CHECK(http_rules_glob("/repos/acme/*/pulls", "/repos/acme/web/pulls"));
	CHECK(!http_rules_glob("/repos/acme/*/pulls", "/repos/acme/web/x/pulls"));
	CHECK(!http_rules_glob("/repos/acme/*/pulls", "/repos/other/web/pulls"));
	CHECK(http_rules_glob("/**", "/anything/at/all"));
	CHECK(http_rules_glob("/**", "/"));
	CHECK(http_rules_glob("/repos/**/issues", "/repos/a/b/c/issues"));
	CHECK(http_rules_glob("/repos/**/issues", "/repos/issues"));
	CHECK(!http_rules_glob("/repos/**/issues", "/repos/a/issuesx"));
	CHECK(http_rules_glob("/v1/*.json", "/v1/a.json"));
	/* the query takes part only when the glob has one */
	CHECK(http_rules_glob("/graphql", "/graphql?x=1"));
	CHECK(!http_rules_glob("/search?q=*", "/search?x=1"));
	CHECK(http_rules_glob("/search?q=*", "/search?q=abc"));
}

static struct policy load(const char *text)
{
	struct policy p;
	memset(&p, 0, sizeof p);
	CHECK(pt_loads(text, &p));
	return p;
}

static int ok(const struct policy *p, const char *host, const char *m, const char *t, char *why)
{
	const struct policy_http *h = http_rules_for(p, host);
	if (!h)
		return 1;
	return http_rules_decide(h, m, t, strlen(t), host, why, 600);
}

TEST(http_rules_decide_levels_allow_and_deny)
{
	struct policy p = load("[http api.github.com]\naccess = read-only\n"
			       "allow = POST /repos/acme/*/pulls\nallow = post /graphql\n"
			       "deny = * /repos/acme/secret/**\n"
			       "[http *.example.test]\naccess = read-write\ndeny = DELETE /keep/**\n");
	char why[600] = "";
	CHECK(ok(&p, "api.github.com", "GET", "/user", why));
	CHECK(!ok(&p, "api.github.com", "POST", "/gists", why));
	CHECK(strstr(why, "POST /gists on api.github.com is refused by [http api.github.com] "
			  "access = read-only (line 2)"));
	CHECK(strstr(why, "allow = POST /gists"));
	CHECK(ok(&p, "api.github.com", "POST", "/repos/acme/web/pulls", why));
	CHECK(ok(&p, "api.github.com", "POST", "/graphql", why));
	CHECK(!ok(&p, "api.github.com", "DELETE", "/repos/acme/web", why));
	/* deny wins over allow and over the level */
	CHECK(!ok(&p, "api.github.com", "GET", "/repos/acme/secret/x", why));
	CHECK(strstr(why, "deny = * /repos/acme/secret/** (line 5)"));
	/* dot-segments and encodings cannot slip past a prefix */
	CHECK(!ok(&p, "api.github.com", "POST", "/repos/acme/web/../../../gists", why));
	CHECK(!ok(&p, "api.github.com", "POST", "/repos/acme/web/%2e%2e/%2e%2e/../gists", why));
	CHECK(!ok(&p, "api.github.com", "GET", "/repos/acme/%73ecret/x", why));
	CHECK(!ok(&p, "api.github.com", "GET", "/repos/acme/x%2F..%2Fsecret/y", why));
	CHECK(ok(&p, "api.github.com", "POST", "/repos/acme/%77eb/pulls", why));
	/* read-write: all but DELETE; another host has no rules */
	CHECK(ok(&p, "a.example.test", "PUT", "/x", why));
	CHECK(!ok(&p, "a.example.test", "DELETE", "/x", why));
	CHECK(ok(&p, "a.example.test", "POST", "/keep/../keep/a", why));
	CHECK(!ok(&p, "a.example.test", "DELETE", "/keep/a", why));
	CHECK(ok(&p, "gitlab.com", "DELETE", "/anything", why));
	policy_free(&p);
}

TEST(http_rules_policy_errors_and_print)
{
	CHECK(pt_fails_with("[http api.github.com]\naccess = readonly\n", "is not a level"));
	CHECK(pt_fails_with("[http api.github.com]\nallow = POST\n", "is not a rule"));
	CHECK(pt_fails_with("[http api.github.com]\nallow = POST gists\n", "is not a rule"));
	CHECK(pt_fails_with("[http api.github.com]\nallow = P0ST /x\n", "is not a rule"));
	CHECK(pt_fails_with("[http bad host]\n", "[http bad host]"));
	CHECK(pt_fails_with("[http a.test]\n[http a.test]\n", "is defined twice"));
	CHECK(pt_fails_with("[http a.test]\nhosts = x\n", "unknown key 'hosts' in [http a.test]"));
	struct policy p = load("[http API.github.com]\naccess = read-only\nallow = post /g\n"
			       "deny = DELETE /**\n");
	char *out = policy_format(&p);
	CHECK(out && strstr(out, "\n[http api.github.com]\naccess = read-only\nallow = POST /g\n"
			  "deny = DELETE /**\n"));
	free(out);
	policy_free(&p);
}
