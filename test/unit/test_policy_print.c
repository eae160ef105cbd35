/* Unit tests of policy printing (round trip) and of the embedded default policy. */
#include "test/unit/policy_testutil.h"

#include <stdlib.h>
#include <unistd.h>

/* Loads text, formats it, loads the result and formats again: both texts must be the
 * same, and the second load must succeed. Returns the first text (free it). */
static char *round_trip(const char *text)
{
	struct policy p, q;
	if (!pt_loads(text, &p))
		return NULL;
	char *a = policy_format(&p);
	policy_free(&p);
	CHECK(a != NULL);
	if (!a)
		return NULL;
	CHECK(pt_loads(a, &q));
	char *b = policy_format(&q);
	policy_free(&q);
	CHECK(b && strcmp(a, b) == 0);
	if (b && strcmp(a, b) != 0)
		fprintf(stderr, "    first:\n%s\n    second:\n%s\n", a, b);
	free(b);
	return a;
}

TEST(policy_print_round_trips_every_key)
{
	char path[] = "/tmp/airlock-test-print-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	char text[2048];
	snprintf(text, sizeof text,
		 "[sandbox]\nuser = 1000:1001\nworkdir = /workspace\nlandlock = best_effort\n"
		 "isolation = userns\nmax_processes = 77\n"
		 "[filesystem]\nread_only = /usr /no/such/dir\nread_write = /tmp\n"
		 "[network]\nallow = API.example.com *.gh.test:8443 [0::1]:443 10.1.2.3\n"
		 "passthrough = *.tunnel.test:443\n"
		 "map = a.test 127.0.0.1:8443 [::1]:443 [::2]:8443 b.test:80 ::3\n"
		 "trust = %s\nupstream_proxy = http://proxy.test:3128\nforward = 8090 9000\n"
		 "[secret TOK]\nhosts = a.test *.gh.test [::1]\nfile = %s\nplaintext = yes\n",
		 path, path);
	char *out = round_trip(text);
	CHECK(out != NULL);
	if (out) {
		CHECK(strstr(out, "\nuser = 1000:1001 ; uid 1000, gid 1001\n"));
		CHECK(strstr(out, "\nworkdir = /workspace\n"));
		CHECK(strstr(out, "\nlandlock = best_effort\nseccomp = required\n"
				  "isolation = userns\nmax_processes = 77\n"));
		CHECK(strstr(out, "\nread_only = /usr\nread_only = /no/such/dir ; does not exist here"));
		CHECK(strstr(out, "\nallow = api.example.com\nallow = *.gh.test:8443\n"
				  "allow = [::1]:443\nallow = 10.1.2.3\npassthrough = *.tunnel.test:443\n"));
		CHECK(strstr(out, "\nmap = a.test 127.0.0.1:8443\nmap = [::1]:443 [::2]:8443\n"
				  "map = b.test:80 [::3]\n"));
		CHECK(strstr(out, "\nupstream_proxy = http://proxy.test:3128\n"));
		CHECK(strstr(out, "\nforward = 8090\nforward = 9000\n"));
		CHECK(strstr(out, "\n[secret TOK]\nhosts = a.test\nhosts = *.gh.test\nhosts = [::1]\n"));
		CHECK(strstr(out, "\nplaintext = yes\n"));
	}
	free(out);
	unlink(path);
}

TEST(policy_print_writes_defaults)
{
	char *out = round_trip("");
	CHECK(out != NULL);
	if (out) {
		CHECK(strstr(out, "\nuser = 65534:65534 ; uid 65534, gid 65534\n"));
		CHECK(strstr(out, "\nlandlock = required\nseccomp = required\n"
				  "isolation = auto\nmax_processes = 1024\n"));
		CHECK(strstr(out, "\n; workdir: not set"));
		CHECK(strstr(out, "\n; upstream_proxy: not set"));
	}
	free(out);
}

TEST(policy_print_to_fd)
{
	struct policy p;
	int fds[2];
	char buf[4096];
	CHECK(pt_loads("[network]\nallow = a.test\n", &p));
	CHECK(pipe(fds) == 0);
	policy_print(&p, fds[1]);
	close(fds[1]);
	ssize_t n = read(fds[0], buf, sizeof buf - 1);
	close(fds[0]);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strstr(buf, "[network]\nallow = a.test\n") != NULL);
	policy_free(&p);
}

TEST(policy_default_loads_and_round_trips)
{
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", "/home/tester", 1);
	struct policy p;
	struct policy_errors e;
	CHECK(policy_load_default(&p, &e) == 0);
	pt_dump(&e);
	policy_errors_free(&e);
	CHECK_EQ_STR(p.source, "(default)");
	CHECK_EQ_INT(p.uid, 65534);
	int line;
	const struct policy_host_rule *r;
	CHECK_EQ_INT(policy_decide(&p, "api.anthropic.com", 443, 443, &r), ACTION_ALLOW);
	CHECK_EQ_INT(policy_decide(&p, "statsig.anthropic.com", 443, 443, &r), ACTION_ALLOW);
	CHECK_EQ_INT(policy_decide(&p, "github.com", 443, 443, &r), ACTION_ALLOW);
	CHECK_EQ_INT(policy_decide(&p, "raw.githubusercontent.com", 443, 443, &r), ACTION_ALLOW);
	CHECK_EQ_INT(policy_decide(&p, "gitlab.com", 443, 443, &r), ACTION_ALLOW);
	CHECK_EQ_INT(policy_decide(&p, "example.com", 443, 443, &r), ACTION_DENY);
	(void)line;
	const struct policy_secret *s = policy_find_secret(&p, "ANTHROPIC_API_KEY", 17);
	CHECK(s && policy_secret_bound(s, "api.anthropic.com"));
	CHECK(s && !policy_secret_bound(s, "statsig.anthropic.com"));
	s = policy_find_secret(&p, "GH_TOKEN", 8);
	CHECK(s && policy_secret_bound(s, "api.github.com") && !policy_secret_bound(s, "gitlab.com"));
	s = policy_find_secret(&p, "GITLAB_TOKEN", 12);
	CHECK(s && policy_secret_bound(s, "gitlab.com"));
	CHECK(policy_find_secret(&p, "GITHUB_TOKEN", 12) != NULL);
	/* the runner's other credentials, each bound to its own service */
	s = policy_find_secret(&p, "JIRA_API_TOKEN", 14);
	CHECK(s && policy_secret_bound(s, "acme.atlassian.net") && !policy_secret_bound(s, "github.com"));
	CHECK_EQ_INT(policy_decide(&p, "acme.atlassian.net", 443, 443, &r), ACTION_ALLOW);
	s = policy_find_secret(&p, "GOOGLE_OAUTH_CLIENT_SECRET", 26);
	CHECK(s && policy_secret_bound(s, "oauth2.googleapis.com") &&
	      !policy_secret_bound(s, "www.googleapis.com"));
	s = policy_find_secret(&p, "CLAUDE_CODE_OAUTH_TOKEN", 23);
	CHECK(s && policy_secret_bound(s, "api.anthropic.com") && s->nhosts == 1);
	CHECK(p.nenv_credentials > 10); /* undeclared credentials are left out */
	int claude = 0, tmp = 0, cwd = 0;
	char dir[4096];
	CHECK(getcwd(dir, sizeof dir) != NULL);
	for (size_t i = 0; i < p.nread_write; i++) {
		claude |= strcmp(p.read_write[i].path, "/home/tester/.claude") == 0;
		tmp |= strcmp(p.read_write[i].path, "/tmp") == 0;
		cwd |= strcmp(p.read_write[i].path, dir) == 0;
	}
	CHECK(claude && !tmp && cwd); /* the host's /tmp is not shared... */
	CHECK(p.ntmpfs == 1 && strcmp(p.tmpfs[0].path, "/tmp") == 0); /* ...it gets its own */
	CHECK_EQ_INT(p.tmpfs_size, 512ull << 20);
	policy_free(&p);
	free(round_trip(policy_default_text));

	/* Without HOME the default cannot be loaded, and says why. */
	unsetenv("HOME");
	CHECK(policy_load_default(&p, &e) < 0);
	CHECK(pt_has(&e, "(default):"));
	CHECK(pt_has(&e, "uses ${HOME}, which is not set in the environment"));
	policy_errors_free(&e);
	if (home)
		setenv("HOME", home, 1);
	free(home);
}

TEST(policy_print_environment_round_trips)
{
	char *out = round_trip("[environment]\ncredentials = A_* *_B\npass = A_OK\n");
	CHECK(out && strstr(out, "\n[environment]\n"));
	CHECK(out && strstr(out, "\ncredentials = A_* *_B\npass = A_OK\n"));
	free(out);
	out = round_trip("[environment]\ncredentials = none\n");
	CHECK(out && strstr(out, "\ncredentials = none\n"));
	free(out);
	out = round_trip("");
	CHECK(out && strstr(out, "\ncredentials = *TOKEN* *SECRET*"));
	free(out);
}

TEST(policy_print_tmpfs_round_trips)
{
	char *out = round_trip("[filesystem]\ntmpfs = /tmp\ntmpfs_size = 3072K\n");
	CHECK(out && strstr(out, "\ntmpfs = /tmp\ntmpfs_size = 3M ;"));
	free(out);
	out = round_trip("[filesystem]\ntmpfs_size = 1000\n");
	CHECK(out && strstr(out, "\ntmpfs_size = 1000 ;"));
	free(out);
}
