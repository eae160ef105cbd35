/* Unit tests of the policy loader: defaults, every key, every kind of error (with file
 * and line), repeated keys, multi-item values. */
#include "test/unit/policy_testutil.h"

#include <stdlib.h>
#include <unistd.h>

TEST(policy_empty_gets_defaults)
{
	struct policy p;
	CHECK(pt_loads("", &p));
	CHECK_EQ_STR(p.source, "t.ini");
	CHECK_EQ_STR(p.user, "65534:65534");
	CHECK_EQ_INT(p.uid, 65534);
	CHECK_EQ_INT(p.gid, 65534);
	CHECK(p.workdir == NULL);
	CHECK_EQ_INT(p.landlock, POLICY_REQUIRED);
	CHECK_EQ_INT(p.seccomp, POLICY_REQUIRED);
	CHECK_EQ_INT(p.nrules, 0);
	CHECK_EQ_INT(p.nsecrets, 0);
	CHECK(p.upstream_proxy == NULL);
	CHECK_EQ_INT(p.max_processes, 1024);
	CHECK_EQ_INT(p.isolation, POLICY_ISOLATION_AUTO);
	policy_free(&p);
}

TEST(policy_isolation)
{
	static const struct {
		const char *word;
		enum policy_isolation mode;
	} ok[] = {{"auto", POLICY_ISOLATION_AUTO}, {"full", POLICY_ISOLATION_FULL},
		  {"userns", POLICY_ISOLATION_USERNS},
		  {"unprivileged", POLICY_ISOLATION_UNPRIVILEGED}};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct policy p;
		char text[64];
		snprintf(text, sizeof text, "[sandbox]\nisolation = %s\n", ok[i].word);
		CHECK(pt_loads(text, &p));
		CHECK_EQ_INT(p.isolation, ok[i].mode);
		policy_free(&p);
	}
	CHECK(pt_fails_with("[sandbox]\nisolation = root\n",
			    "t.ini:2: isolation = 'root' is not a mode (auto, full, userns or "
			    "unprivileged)"));
	CHECK(pt_fails_with("[sandbox]\nisolation = full\nisolation = auto\n",
			    "t.ini:3: isolation is given twice"));
}

TEST(policy_max_processes)
{
	struct policy p;
	CHECK(pt_loads("[sandbox]\nmax_processes = 50\n", &p));
	CHECK_EQ_INT(p.max_processes, 50);
	policy_free(&p);
	CHECK(pt_loads("[sandbox]\nmax_processes = 2\n", &p));
	CHECK_EQ_INT(p.max_processes, 2);
	policy_free(&p);
	CHECK(pt_loads("[sandbox]\nmax_processes = 4194304\n", &p));
	CHECK_EQ_INT(p.max_processes, 4194304);
	policy_free(&p);
	static const char *const bad[] = {"0", "1", "-5", "+5", " x", "12k", "4194305",
					  "99999999999999999999", "0x10"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[128];
		snprintf(text, sizeof text, "[sandbox]\nmax_processes = %s\n", bad[i]);
		CHECK(pt_fails_with(text, "t.ini:2: max_processes = '"));
		CHECK(pt_fails_with(text, "is not a process count (a number 2..4194304"));
	}
	CHECK(pt_fails_with("[sandbox]\nmax_processes = 5 6\n", "t.ini:2: max_processes takes one"));
	CHECK(pt_fails_with("[sandbox]\nmax_processes = 5\nmax_processes = 6\n",
			    "t.ini:3: max_processes is given twice (first on line 2"));
}

TEST(policy_sandbox_section)
{
	struct policy p;
	CHECK(pt_loads("[sandbox]\nuser = 1234:5678\nworkdir = /work/space/\n"
		       "landlock = best_effort\nseccomp = best_effort\n", &p));
	CHECK_EQ_STR(p.user, "1234:5678");
	CHECK_EQ_INT(p.uid, 1234);
	CHECK_EQ_INT(p.gid, 5678);
	CHECK_EQ_STR(p.workdir, "/work/space"); /* trailing slash dropped */
	CHECK_EQ_INT(p.landlock, POLICY_BEST_EFFORT);
	CHECK_EQ_INT(p.seccomp, POLICY_BEST_EFFORT);
	policy_free(&p);
}

TEST(policy_user_by_name)
{
	struct policy p;
	/* Debian's passwd has nobody = 65534 with group nogroup = 65534. */
	CHECK(pt_loads("[sandbox]\nuser = nobody\n", &p));
	CHECK_EQ_INT(p.uid, 65534);
	CHECK_EQ_INT(p.gid, 65534);
	policy_free(&p);
}

TEST(policy_user_root_refused)
{
	CHECK(pt_fails_with("[sandbox]\nuser = 0\n", "t.ini:2: user: '0' is uid 0 (root)"));
	CHECK(pt_fails_with("[sandbox]\nuser = 0:1000\n", "t.ini:2: user: '0:1000' is uid 0"));
	CHECK(pt_fails_with("[sandbox]\n\nuser = root\n", "t.ini:3: user: 'root' is uid 0"));
	CHECK(pt_fails_with("[sandbox]\nuser = no_such_user_here\n",
			    "t.ini:2: user: no user 'no_such_user_here'"));
}

TEST(policy_bad_mode)
{
	CHECK(pt_fails_with("[sandbox]\nlandlock = maybe\n",
			    "t.ini:2: landlock = 'maybe' is not a mode (required or best_effort)"));
	CHECK(pt_fails_with("[sandbox]\nseccomp = Required\n", "t.ini:2: seccomp = 'Required'"));
}

TEST(policy_one_value_keys)
{
	CHECK(pt_fails_with("[sandbox]\nuser = 1000\nuser = 1001\n",
			    "t.ini:3: user is given twice (first on line 2"));
	CHECK(pt_fails_with("[sandbox]\nworkdir = /a /b\n", "t.ini:2: workdir takes one value"));
	CHECK(pt_fails_with("[network]\nupstream_proxy = none\nupstream_proxy = none\n",
			    "t.ini:3: upstream_proxy is given twice"));
	CHECK(pt_fails_with("[secret A]\nhosts = a.com\nplaintext = yes\nplaintext = no\n",
			    "t.ini:4: plaintext is given twice (first on line 3"));
}

TEST(policy_empty_value)
{
	CHECK(pt_fails_with("[network]\nallow =\n", "t.ini:2: allow has no value"));
	CHECK(pt_fails_with("[network]\nallow = ; only a comment\n", "t.ini:2: allow has no value"));
}

TEST(policy_unknown_section_and_key)
{
	CHECK(pt_fails_with("[sandbox]\n[Network]\nallow = a.com\n", "t.ini:2: unknown section [Network]"));
	CHECK(pt_fails_with("[net]\n", "t.ini:1: unknown section [net]"));
	CHECK(pt_fails_with("[network]\nalow = a.com\n",
			    "t.ini:2: unknown key 'alow' in [network] (known there: allow, passthrough"));
	CHECK(pt_fails_with("[sandbox]\nread_only = /usr\n", "t.ini:2: unknown key 'read_only' in [sandbox]"));
	CHECK(pt_fails_with("[secret TOK]\nhosts = a.com\nhost = b.com\n",
			    "t.ini:3: unknown key 'host' in [secret TOK]"));
	CHECK(pt_fails_with("allow = a.com\n", "t.ini:1: 'allow' comes before any section"));
}

TEST(policy_keys_of_a_bad_section_are_not_reported_again)
{
	struct policy p;
	struct policy_errors e;
	CHECK(pt_load("[nope]\na = 1\nb = 2\n", &p, &e) < 0);
	CHECK_EQ_INT(e.count, 1);
	policy_errors_free(&e);
}

TEST(policy_syntax_errors)
{
	CHECK(pt_fails_with("[network]\nallow a.com\n", "t.ini:2: not a [section], a KEY = VALUE line"));
	CHECK(pt_fails_with("[network\nallow = a.com\n", "t.ini:1: section header without ']'"));
	CHECK(pt_fails_with("[network] x\n", "t.ini:1: text after ']'"));
	CHECK(pt_fails_with("[network]\n= a.com\n", "t.ini:2: no key before '='"));
}

TEST(policy_comments_bom_crlf)
{
	struct policy p;
	CHECK(pt_loads("\xEF\xBB\xBF; comment\r\n# another\r\n[network] ; here\r\n"
		       "allow = a.com ; inline comment\r\n\r\n  allow = b.com\r\n", &p));
	CHECK_EQ_INT(p.nrules, 2);
	CHECK_EQ_STR(p.rules[0].host, "a.com");
	CHECK_EQ_INT(p.rules[1].line, 6);
	policy_free(&p);
}

TEST(policy_every_error_is_collected)
{
	struct policy p;
	struct policy_errors e;
	const char *text = "[sandbox]\n"           /* 1 */
			   "landlock = no\n"       /* 2 */
			   "[filesystem]\n"        /* 3 */
			   "read_only = usr\n"     /* 4 */
			   "[network]\n"           /* 5 */
			   "allow = *bad.com\n"    /* 6 */
			   "junk\n"                /* 7 */
			   "[secret 9X]\n"         /* 8 */
			   "[secret OK]\n";        /* 9: no hosts */
	CHECK(pt_load(text, &p, &e) < 0);
	CHECK_EQ_INT(e.count, 6);
	CHECK(pt_has(&e, "t.ini:2: "));
	CHECK(pt_has(&e, "t.ini:4: "));
	CHECK(pt_has(&e, "t.ini:6: "));
	CHECK(pt_has(&e, "t.ini:7: "));
	CHECK(pt_has(&e, "t.ini:8: "));
	CHECK(pt_has(&e, "t.ini:9: [secret OK] has no hosts"));
	/* A failed load leaves nothing to free in p. */
	CHECK(p.source == NULL && p.rules == NULL);
	policy_errors_free(&e);
}

TEST(policy_error_list_is_bounded)
{
	char *text = malloc(600 * 8 + 16);
	size_t o = 0;
	o += (size_t)sprintf(text, "[network]\n");
	for (int i = 0; i < 600; i++)
		o += (size_t)sprintf(text + o, "x y z\n");
	struct policy p;
	struct policy_errors e;
	CHECK(policy_load_string(text, o, "t.ini", &p, &e) < 0);
	CHECK_EQ_INT(e.count, 201);
	CHECK(strstr(e.msgs[200], "more errors follow") != NULL);
	policy_errors_free(&e);
	free(text);
}

TEST(policy_long_line_and_nul)
{
	char *text = malloc(6000);
	strcpy(text, "[network]\nallow = ");
	size_t o = strlen(text);
	memset(text + o, 'a', 5000);
	strcpy(text + o + 5000, "\nallow = b.com\n");
	CHECK(pt_fails_with(text, "t.ini:2: is longer than 4095 bytes"));
	/* The line after the long one is still line 3. */
	CHECK(pt_fails_with(strcat(text, "allow = *x\n"), "t.ini:4: allow '*x'"));
	free(text);

	struct policy p;
	struct policy_errors e;
	static const char nul[] = "[network]\nallow = a.com\0b\n";
	CHECK(policy_load_string(nul, sizeof nul - 1, "t.ini", &p, &e) < 0);
	CHECK(pt_has(&e, "t.ini:2: contains a NUL byte"));
	policy_errors_free(&e);
}

TEST(policy_repeated_keys_and_items_keep_order)
{
	struct policy p;
	CHECK(pt_loads("[filesystem]\n"
		       "read_only = /usr /lib\n"
		       "read_write = /tmp\n"
		       "read_only = /etc\n"
		       "[network]\n"
		       "allow = a.com b.com:8443\n"
		       "passthrough = *.c.com:443\n"
		       "allow = d.com\n", &p));
	CHECK_EQ_INT(p.nread_only, 3);
	CHECK_EQ_STR(p.read_only[0].path, "/usr");
	CHECK_EQ_STR(p.read_only[1].path, "/lib");
	CHECK_EQ_STR(p.read_only[2].path, "/etc");
	CHECK_EQ_INT(p.read_only[2].line, 4);
	CHECK_EQ_INT(p.nread_write, 1);
	CHECK_EQ_INT(p.nrules, 4);
	CHECK_EQ_STR(p.rules[1].host, "b.com");
	CHECK_EQ_INT(p.rules[1].port, 8443);
	CHECK_EQ_INT(p.rules[1].action, ACTION_ALLOW);
	CHECK_EQ_STR(p.rules[2].host, "c.com");
	CHECK_EQ_INT(p.rules[2].wildcard, 1);
	CHECK_EQ_INT(p.rules[2].action, ACTION_PASSTHROUGH);
	CHECK_EQ_STR(p.rules[2].text, "*.c.com:443");
	CHECK_EQ_INT(p.rules[3].line, 8);
	policy_free(&p);
}

TEST(policy_paths_expand_variables)
{
	struct policy p;
	setenv("AIRLOCK_T_DIR", "/home/t", 1);
	setenv("AIRLOCK_T_EMPTY", "", 1);
	setenv("AIRLOCK_T_REL", "rel", 1);
	unsetenv("AIRLOCK_T_UNSET");
	CHECK(pt_loads("[filesystem]\nread_write = ${AIRLOCK_T_DIR}/.claude ${AIRLOCK_T_DIR}\n", &p));
	CHECK_EQ_STR(p.read_write[0].path, "/home/t/.claude");
	CHECK_EQ_STR(p.read_write[1].path, "/home/t");
	policy_free(&p);
	CHECK(pt_fails_with("[filesystem]\nread_only = ${AIRLOCK_T_UNSET}/x\n",
			    "t.ini:2: read_only '${AIRLOCK_T_UNSET}/x' uses ${AIRLOCK_T_UNSET}, which is not set"));
	CHECK(pt_fails_with("[filesystem]\nread_only = ${AIRLOCK_T_EMPTY}/x\n",
			    "uses ${AIRLOCK_T_EMPTY}, which is empty"));
	CHECK(pt_fails_with("[filesystem]\nread_only = ${AIRLOCK_T_REL}/x\n",
			    "t.ini:2: read_only '${AIRLOCK_T_REL}/x' expands to a relative path"));
	CHECK(pt_fails_with("[filesystem]\nread_only = $AIRLOCK_T_DIR/x\n", "has a '$' that is not ${NAME}"));
	CHECK(pt_fails_with("[filesystem]\nread_only = /a/${AIRLOCK_T_DIR\n", "has '${' without '}'"));
	CHECK(pt_fails_with("[filesystem]\nread_only = /a/${1X}\n", "bad variable name"));
	unsetenv("AIRLOCK_T_DIR");
	unsetenv("AIRLOCK_T_EMPTY");
	unsetenv("AIRLOCK_T_REL");
}

TEST(policy_expanded_value_never_in_messages)
{
	setenv("AIRLOCK_T_SECRETISH", "s3cr3t-value", 1);
	struct policy p;
	struct policy_errors e;
	CHECK(pt_load("[filesystem]\nread_only = ${AIRLOCK_T_SECRETISH}/x\n", &p, &e) < 0);
	CHECK_EQ_INT(e.count, 1);
	CHECK(!pt_has(&e, "s3cr3t"));
	policy_errors_free(&e);
	setenv("AIRLOCK_T_SECRETISH", "/s3cr3t value", 1);
	CHECK(pt_load("[filesystem]\nread_only = ${AIRLOCK_T_SECRETISH}\n", &p, &e) < 0);
	CHECK(pt_has(&e, "expands to a path with a space"));
	CHECK(!pt_has(&e, "s3cr3t"));
	policy_errors_free(&e);
	unsetenv("AIRLOCK_T_SECRETISH");
}

TEST(policy_secret_variable_refused_in_paths)
{
	setenv("AIRLOCK_T_TOKEN", "/looks/like/a/path", 1);
	CHECK(pt_fails_with("[filesystem]\nread_only = ${AIRLOCK_T_TOKEN}\n"
			    "[secret AIRLOCK_T_TOKEN]\nhosts = a.com\n",
			    "t.ini:2: read_only uses ${AIRLOCK_T_TOKEN}, which is a secret"));
	unsetenv("AIRLOCK_T_TOKEN");
}

TEST(policy_relative_paths_and_dot)
{
	char cwd[4096];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	struct policy p;
	CHECK(pt_loads("[filesystem]\nread_write = .\n[sandbox]\nworkdir = /\n", &p));
	CHECK(strcmp(p.read_write[0].path, cwd) == 0);
	CHECK_EQ_STR(p.workdir, "/");
	policy_free(&p);
	CHECK(pt_fails_with("[filesystem]\nread_only = usr/lib\n",
			    "t.ini:2: read_only 'usr/lib' is a relative path"));
	CHECK(pt_fails_with("[filesystem]\nread_write = ./x\n", "'./x' is a relative path"));
	CHECK(pt_fails_with("[sandbox]\nworkdir = work\n", "t.ini:2: workdir 'work' is a relative path"));
}

TEST(policy_missing_filesystem_paths_are_kept)
{
	struct policy p;
	CHECK(pt_loads("[filesystem]\nread_only = /no/such/path/here\n", &p));
	CHECK_EQ_INT(p.nread_only, 1);
	CHECK_EQ_STR(p.read_only[0].path, "/no/such/path/here");
	policy_free(&p);
}

TEST(policy_bad_host_patterns)
{
	static const struct {
		const char *item, *why;
	} bad[] = {
		{"a..com", "has an empty label"},
		{".a.com", "has an empty label"},
		{"*", "has '*' where only a leading '*.' is allowed"},
		{"*.", "has no host name"},
		{"a.*.com", "has '*' where only"},
		{"*a.com", "has '*' where only"},
		{"*.*.a.com", "has '*' where only"},
		{"foo*", "has '*' where only"},
		{"a!b.com", "has a character a host name cannot have"},
		{"a.com:0", "has a bad port"},
		{"a.com:65536", "has a bad port"},
		{"a.com:https", "has a bad port"},
		{"a.com:", "has a bad port"},
		{"a.com:+443", "has a bad port"},
		{"::1", "is an IPv6 address without brackets"},
		{"[::1", "has '[' without ']'"},
		{"[::1]443", "has text after ']'"},
		{"[a.com]:443", "is not an IPv6 address in brackets"},
		{"1.2.3", "looks like an IPv4 address but is not one"},
		{"1.2.3.256", "looks like an IPv4 address"},
		{"*.1.2.3.4", "is a wildcard over an IP address"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
		 "has a label longer than 63"},
	};
	char text[512], want[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[network]\n\nallow = ok.com %s\n", bad[i].item);
		snprintf(want, sizeof want, "t.ini:3: allow '%s' %s", bad[i].item, bad[i].why);
		CHECK(pt_fails_with(text, want));
	}
}

TEST(policy_host_patterns_are_normalised)
{
	struct policy p;
	CHECK(pt_loads("[network]\nallow = API.Example.COM. [0:0::1]:8443 127.0.0.1:80 *.X.org\n", &p));
	CHECK_EQ_STR(p.rules[0].host, "api.example.com");
	CHECK_EQ_STR(p.rules[0].text, "API.Example.COM.");
	CHECK_EQ_STR(p.rules[1].host, "::1");
	CHECK_EQ_INT(p.rules[1].port, 8443);
	CHECK_EQ_STR(p.rules[2].host, "127.0.0.1");
	CHECK_EQ_STR(p.rules[3].host, "x.org");
	CHECK_EQ_INT(p.rules[3].wildcard, 1);
	CHECK_EQ_INT(p.rules[3].port, 0);
	policy_free(&p);
}

TEST(policy_map_entries)
{
	struct policy p;
	CHECK(pt_loads("[network]\nmap = api.example.test 127.0.0.1:8443 Other.test:80 ::1\n"
		       "map = [::1]:443 [fe80::1]:8443 v4.test 10.0.0.1\n", &p));
	CHECK_EQ_INT(p.nmaps, 4);
	CHECK_EQ_STR(p.maps[0].host, "api.example.test");
	CHECK_EQ_INT(p.maps[0].host_port, 0);
	CHECK_EQ_STR(p.maps[0].addr, "127.0.0.1");
	CHECK_EQ_INT(p.maps[0].port, 8443);
	CHECK_EQ_STR(p.maps[1].host, "other.test");
	CHECK_EQ_INT(p.maps[1].host_port, 80);
	CHECK_EQ_STR(p.maps[1].addr, "::1");
	CHECK_EQ_INT(p.maps[1].port, 0);
	CHECK_EQ_STR(p.maps[2].host, "::1");
	CHECK_EQ_INT(p.maps[2].host_port, 443);
	CHECK_EQ_STR(p.maps[2].addr, "fe80::1");
	CHECK_EQ_INT(p.maps[2].port, 8443);
	policy_free(&p);
	CHECK(pt_fails_with("[network]\nmap = a.test\n", "t.ini:2: map 'a.test' has no address"));
	CHECK(pt_fails_with("[network]\nmap = a.test 1.1.1.1 b.test\n", "map 'b.test' has no address"));
	CHECK(pt_fails_with("[network]\nmap = a.test other.test\n",
			    "t.ini:2: map address 'other.test' is not a numeric IPv4 or IPv6 address"));
	CHECK(pt_fails_with("[network]\nmap = *.a.test 1.1.1.1\n", "t.ini:2: map host '*.a.test' is a wildcard"));
	CHECK(pt_fails_with("[network]\nmap = a.test 1.1.1.1:0\n", "map address '1.1.1.1:0'"));
	CHECK(pt_fails_with("[network]\nmap = a.test 1.1.1.1\nmap = A.test 2.2.2.2\n",
			    "t.ini:3: map for 'A.test' is given twice (first on line 2"));
}

TEST(policy_trust_and_secret_files)
{
	char path[] = "/tmp/airlock-test-policy-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	char text[512];
	struct policy p;
	snprintf(text, sizeof text, "[network]\ntrust = %s\n[secret TOK]\nhosts = a.com\nfile = %s\n",
		 path, path);
	CHECK(pt_loads(text, &p));
	CHECK_EQ_INT(p.ntrust, 1);
	CHECK_EQ_STR(p.trust[0], path);
	CHECK_EQ_STR(p.secrets[0].file, path);
	policy_free(&p);
	unlink(path);
	CHECK(pt_fails_with(text, "t.ini:2: trust '/tmp/airlock-test-policy-"));
	CHECK(pt_fails_with(text, "No such file or directory (give the path of an existing PEM file"));
	CHECK(pt_fails_with(text, "t.ini:5: file '/tmp/airlock-test-policy-"));
	CHECK(pt_fails_with("[network]\ntrust = /tmp\n", "t.ini:2: trust '/tmp': not a regular file"));
	CHECK(pt_fails_with("[network]\ntrust = rel.pem\n", "t.ini:2: trust 'rel.pem' is a relative path"));
}

TEST(policy_upstream_proxy_values)
{
	struct policy p;
	CHECK(pt_loads("[network]\nupstream_proxy = none\n", &p));
	CHECK_EQ_STR(p.upstream_proxy, "none");
	policy_free(&p);
	CHECK(pt_loads("[network]\nupstream_proxy = http://proxy.corp.test:3128/\n", &p));
	CHECK_EQ_STR(p.upstream_proxy, "http://proxy.corp.test:3128/");
	policy_free(&p);
	CHECK(pt_loads("[network]\nupstream_proxy = http://[::1]:8080\n", &p));
	policy_free(&p);
	CHECK(pt_fails_with("[network]\nupstream_proxy = https://p.test:3128\n",
			    "t.ini:2: upstream_proxy 'https://p.test:3128' is not an http:// URL"));
	CHECK(pt_fails_with("[network]\nupstream_proxy = http://u:pw@p.test:3128\n", "has credentials"));
	CHECK(pt_fails_with("[network]\nupstream_proxy = http://p.test:3128/x\n", "has a path"));
	CHECK(pt_fails_with("[network]\nupstream_proxy = http://p.test:0\n", "the host has a bad port"));
	CHECK(pt_fails_with("[network]\nupstream_proxy = http://\n", "the host is empty"));
}

TEST(policy_forward_ports)
{
	struct policy p;
	CHECK(pt_loads("[network]\nforward = 8090 9000\nforward = 1\n", &p));
	CHECK_EQ_INT(p.nforwards, 3);
	CHECK_EQ_INT(p.forwards[0], 8090);
	CHECK_EQ_INT(p.forwards[2], 1);
	policy_free(&p);
	CHECK(pt_fails_with("[network]\nforward = 3128\n", "t.ini:2: forward 3128 is the proxy's own port"));
	CHECK(pt_fails_with("[network]\nforward = 0\n", "t.ini:2: forward '0' is not a port"));
	CHECK(pt_fails_with("[network]\nforward = 65536\n", "forward '65536' is not a port"));
	CHECK(pt_fails_with("[network]\nforward = http\n", "forward 'http' is not a port"));
	CHECK(pt_fails_with("[network]\nforward = 80\nforward = 80\n", "t.ini:3: forward 80 is given twice"));
}

TEST(policy_secrets)
{
	struct policy p;
	CHECK(pt_loads("[secret GITHUB_TOKEN]\nhosts = GitHub.com api.github.com\nhosts = *.ghe.test\n"
		       "plaintext = yes\nbody = yes\n"
		       "[secret _A_VERY_LONG_SECRET_NAME_THAT_IS_LONGER_THAN_INIH_SECTION_BUFFER]\n"
		       "hosts = [::1]\n", &p));
	CHECK_EQ_INT(p.nsecrets, 2);
	CHECK_EQ_STR(p.secrets[0].name, "GITHUB_TOKEN");
	CHECK_EQ_INT(p.secrets[0].nhosts, 3);
	CHECK_EQ_STR(p.secrets[0].hosts[0], "github.com");
	CHECK_EQ_STR(p.secrets[0].hosts[2], "*.ghe.test");
	CHECK_EQ_INT(p.secrets[0].plaintext, 1);
	CHECK_EQ_INT(p.secrets[0].body, 1);
	CHECK(p.secrets[0].file == NULL);
	CHECK_EQ_INT(p.secrets[0].line, 1);
	CHECK_EQ_STR(p.secrets[1].name,
		     "_A_VERY_LONG_SECRET_NAME_THAT_IS_LONGER_THAN_INIH_SECTION_BUFFER");
	CHECK_EQ_STR(p.secrets[1].hosts[0], "::1");
	CHECK_EQ_INT(p.secrets[1].plaintext, 0);
	CHECK_EQ_INT(p.secrets[1].body, 0); /* bodies are opt-in */
	policy_free(&p);

	CHECK(pt_fails_with("[secret 1TOKEN]\nhosts = a.com\n", "t.ini:1: bad secret name in [secret 1TOKEN]"));
	CHECK(pt_fails_with("[secret]\n", "t.ini:1: bad secret name in [secret]"));
	CHECK(pt_fails_with("[secret A-B]\n", "t.ini:1: bad secret name"));
	CHECK(pt_fails_with("[secret A B]\n", "t.ini:1: bad secret name"));
	CHECK(pt_fails_with("[secret T]\nhosts = a.com\n[secret T]\nhosts = b.com\n",
			    "t.ini:3: [secret T] is defined twice (first on line 1"));
	CHECK(pt_fails_with("[secret T]\nplaintext = no\n", "t.ini:1: [secret T] has no hosts"));
	CHECK(pt_fails_with("[secret https_proxy]\nhosts = a.com\n",
			    "t.ini:1: [secret https_proxy] names a variable airlock sets inside"));
	CHECK(pt_fails_with("[secret SSL_CERT_FILE]\nhosts = a.com\n", "names a variable airlock sets"));
	CHECK(pt_fails_with("[secret T]\nhosts = a.com:443\n", "t.ini:2: hosts 'a.com:443' has a port"));
	{
		/* A refused hosts item is reported once, not again as "no hosts". */
		struct policy p2;
		struct policy_errors e;
		CHECK(pt_load("[secret T]\nhosts = a.com:443\n", &p2, &e) < 0);
		CHECK_EQ_INT(e.count, 1);
		policy_errors_free(&e);
	}
	CHECK(pt_fails_with("[secret T]\nhosts = a.com\nplaintext = maybe\n",
			    "t.ini:3: plaintext = 'maybe' is not yes or no"));
	CHECK(pt_fails_with("[secret T]\nhosts = a.com\nbody = 1\n",
			    "t.ini:3: body = '1' is not yes or no"));
	CHECK(pt_fails_with("[secret T]\nhosts = a.com\nbody = yes\nbody = no\n",
			    "t.ini:4: body is given twice (first on line 3"));
	CHECK(pt_fails_with("[secret T]\nhosts = a.com\nfile = /no/such/token\n",
			    "t.ini:3: file '/no/such/token': No such file"));
}

TEST(policy_load_file_errors_name_the_file)
{
	struct policy p;
	struct policy_errors e;
	CHECK(policy_load_file("/no/such/policy.ini", &p, &e) < 0);
	CHECK(pt_has(&e, "/no/such/policy.ini: cannot open the policy: No such file"));
	policy_errors_free(&e);
	CHECK(policy_load_file("/tmp", &p, &e) < 0);
	CHECK(pt_has(&e, "/tmp: is a directory"));
	policy_errors_free(&e);

	char path[] = "/tmp/airlock-test-policy-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "[network]\nallow = a.com\nallow = b..com\n";
	CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
	close(fd);
	CHECK(policy_load_file(path, &p, &e) < 0);
	char want[128];
	snprintf(want, sizeof want, "%s:3: allow 'b..com' has an empty label", path);
	CHECK(pt_has(&e, want));
	policy_errors_free(&e);
	unlink(path);
}

TEST(policy_errors_are_listed_in_file_order)
{
	struct policy p;
	struct policy_errors e;
	/* "no hosts" is found at the end of the file but belongs to line 1. */
	CHECK(pt_load("[secret A]\n[bogus]\n[network]\nallow = *x\nallow = y..z\n", &p, &e) < 0);
	CHECK_EQ_INT(e.count, 4);
	if (e.count == 4) {
		CHECK(strncmp(e.msgs[0], "t.ini:1: [secret A] has no hosts", 32) == 0);
		CHECK(strncmp(e.msgs[1], "t.ini:2: unknown section", 24) == 0);
		CHECK(strncmp(e.msgs[2], "t.ini:4: allow '*x'", 19) == 0);
		CHECK(strncmp(e.msgs[3], "t.ini:5: allow 'y..z'", 21) == 0);
	}
	policy_errors_free(&e);
}

TEST(policy_environment_section)
{
	struct policy p;
	/* without the section: the default credential patterns */
	CHECK(pt_loads("", &p));
	CHECK(p.nenv_credentials > 10);
	CHECK_EQ_STR(p.env_credentials[0], "*TOKEN*");
	CHECK_EQ_INT(p.nenv_pass, 0);
	policy_free(&p);
	/* given: replaces the list; `default` brings it back; pass items kept in order */
	CHECK(pt_loads("[environment]\ncredentials = MY_*\npass = GIT_* HOME\npass = X\n", &p));
	CHECK_EQ_INT(p.nenv_credentials, 1);
	CHECK_EQ_STR(p.env_credentials[0], "MY_*");
	CHECK_EQ_INT(p.nenv_pass, 3);
	CHECK_EQ_STR(p.env_pass[2], "X");
	policy_free(&p);
	CHECK(pt_loads("[environment]\ncredentials = default *_PAT2\n", &p));
	CHECK_EQ_STR(p.env_credentials[0], "*TOKEN*");
	CHECK_EQ_STR(p.env_credentials[p.nenv_credentials - 1], "*_PAT2");
	policy_free(&p);
	CHECK(pt_loads("[environment]\ncredentials = none\n", &p));
	CHECK_EQ_INT(p.nenv_credentials, 0);
	policy_free(&p);
	CHECK(pt_fails_with("[environment]\ncredentials = A-B\n",
			    "t.ini:2: credentials: 'A-B' is not a variable name or pattern"));
	CHECK(pt_fails_with("[environment]\ncredentials = none X\n", "t.ini:2: credentials = none"));
	CHECK(pt_fails_with("[environment]\nremove = X\n", "unknown key 'remove' in [environment]"));
}

TEST(policy_tmpfs_and_its_size)
{
	struct policy p;
	CHECK(pt_loads("[filesystem]\ntmpfs = /tmp /var/tmp\ntmpfs_size = 64M\n", &p));
	CHECK_EQ_INT(p.ntmpfs, 2);
	CHECK_EQ_STR(p.tmpfs[1].path, "/var/tmp");
	CHECK_EQ_INT(p.tmpfs_size, 64ull << 20);
	policy_free(&p);
	CHECK(pt_loads("", &p));
	CHECK_EQ_INT(p.tmpfs_size, 512ull << 20);
	policy_free(&p);
	CHECK(pt_loads("[filesystem]\ntmpfs_size = 1000\n", &p));
	CHECK_EQ_INT(p.tmpfs_size, 1000);
	policy_free(&p);
	CHECK(pt_fails_with("[filesystem]\ntmpfs_size = 5T\n", "t.ini:2: tmpfs_size = '5T' is not a size"));
	CHECK(pt_fails_with("[filesystem]\ntmpfs_size = 0\n", "is not a size"));
	CHECK(pt_fails_with("[filesystem]\ntmpfs_size = 2048G\n", "is not a size"));
	CHECK(pt_fails_with("[filesystem]\ntmpfs_size = 1MB\n", "is not a size"));
}

TEST(policy_and_trust_files_the_sandbox_could_change_are_refused)
{
	char dir[] = "/tmp/airlock-pol-XXXXXX", path[128], trust[128], text[256];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/p.ini", dir);
	snprintf(trust, sizeof trust, "%s/ca.pem", dir);
	FILE *f = fopen(trust, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	snprintf(text, sizeof text, "[sandbox]\nuser = 4242:4242\n");
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	struct policy p;
	struct policy_errors e;
	/* root's 0700 folder: fine */
	CHECK_EQ_INT(policy_load_file(path, &p, &e), 0);
	policy_errors_free(&e);
	policy_free(&p);
	/* a folder the sandbox's uid owns: a run could rewrite the next run's policy */
	CHECK(chown(dir, 4242, 4242) == 0);
	CHECK_EQ_INT(policy_load_file(path, &p, &e), -1);
	CHECK(pt_has(&e, "the policy must live where the sandbox cannot change it"));
	policy_errors_free(&e);
	/* a trust file there: refused too (the policy itself given as text) */
	snprintf(text, sizeof text, "[sandbox]\nuser = 4242:4242\n[network]\ntrust = %s\n", trust);
	CHECK(pt_fails_with(text, "a trust file must live where the sandbox cannot change it"));
	unlink(path);
	unlink(trust);
	rmdir(dir);
}
