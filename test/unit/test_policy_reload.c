/* Unit tests of policy/policy_reload.c: what a reload may change, and which hosts the
 * CA made at start may sign for. */
#include "test/unit/harness.h"
#include "test/unit/policy_testutil.h"

#include "policy/policy_reload.h"

static const char base[] = "[sandbox]\nuser = 1000:1000\n[filesystem]\nread_only = /usr\n"
			   "[network]\nallow = a.test *.b.test\n[secret T]\nhosts = a.test\n";

static int allowed(const char *extra_net, const char *tail, char *why)
{
	char text[1024];
	snprintf(text, sizeof text, "%s%s%s", base, extra_net, tail);
	struct policy cur, next;
	CHECK(pt_loads(base, &cur));
	if (!pt_loads(text, &next)) {
		policy_free(&cur);
		return -1;
	}
	int r = policy_reload_allowed(&cur, &next, why, 600);
	policy_free(&cur);
	policy_free(&next);
	return r;
}

TEST(policy_reload_takes_network_http_and_bindings_only)
{
	char why[600];
	/* what may change: network rules, maps, http sections, a secret's hosts */
	CHECK_EQ_INT(allowed("", "[http a.test]\naccess = read-only\n", why), 1);
	CHECK_EQ_INT(allowed("", "", why), 1);
	char text[1024];
	snprintf(text, sizeof text, "%s", base);
	struct policy cur, next;
	CHECK(pt_loads(base, &cur));
	CHECK(pt_loads("[sandbox]\nuser = 1000:1000\n[filesystem]\nread_only = /usr\n"
		       "[network]\nallow = c.test\nmap = c.test 127.0.0.1:1\npassthrough = d.test\n"
		       "[secret T]\nhosts = c.test\nplaintext = yes\n", &next));
	CHECK_EQ_INT(policy_reload_allowed(&cur, &next, why, sizeof why), 1);
	policy_free(&next);
	/* what may not */
	static const char *const fixed[][2] = {
		{"[sandbox]\nuser = 1001:1000\n", "[sandbox]"},
		{"[sandbox]\nuser = 1000:1000\nmax_processes = 9\n", "[sandbox]"},
		{"[sandbox]\nuser = 1000:1000\n[filesystem]\nread_only = /usr /opt\n", "[filesystem]"},
		{"[sandbox]\nuser = 1000:1000\n[filesystem]\nread_only = /usr\ntmpfs = /tmp\n",
		 "[filesystem]"},
		{"[sandbox]\nuser = 1000:1000\n[filesystem]\nread_only = /usr\n[network]\n"
		 "forward = 8090\n[secret T]\nhosts = a.test\n", "[network] forward"},
		{"[sandbox]\nuser = 1000:1000\n[filesystem]\nread_only = /usr\n[secret U]\n"
		 "hosts = a.test\n", "[secret]"},
		{"[sandbox]\nuser = 1000:1000\n[filesystem]\nread_only = /usr\n[environment]\n"
		 "pass = X\n[secret T]\nhosts = a.test\n", "[environment]"},
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		CHECK(pt_loads(fixed[i][0], &next));
		why[0] = 0;
		CHECK_EQ_INT(policy_reload_allowed(&cur, &next, why, sizeof why), 0);
		CHECK(strstr(why, fixed[i][1]) && strstr(why, "built into the sandbox at start"));
		policy_free(&next);
	}
	policy_free(&cur);
}

TEST(policy_ca_covers_the_allow_hosts_of_the_start)
{
	struct policy p;
	CHECK(pt_loads(base, &p));
	CHECK(policy_ca_covers(&p, "a.test"));
	CHECK(policy_ca_covers(&p, "x.b.test"));
	CHECK(policy_ca_covers(&p, "y.x.b.test"));
	CHECK(!policy_ca_covers(&p, "b.test"));
	CHECK(!policy_ca_covers(&p, "c.test"));
	policy_free(&p);
}
