/* Unit tests for proxy/upstream.c: proxy URLs, the environment, NO_PROXY. */
#include "proxy/upstream.h"
#include "test/unit/harness.h"

static const char *fake_env[16][2];

static char *fake_get(const char *name)
{
	for (int i = 0; i < 16 && fake_env[i][0]; i++)
		if (strcmp(fake_env[i][0], name) == 0)
			return (char *)fake_env[i][1];
	return NULL;
}

static void set_env(const char *const *kv)
{
	memset(fake_env, 0, sizeof fake_env);
	for (int i = 0; kv[2 * i]; i++)
		fake_env[i][0] = kv[2 * i], fake_env[i][1] = kv[2 * i + 1];
}

TEST(upstream_parse_urls)
{
	struct upstream_proxy u;
	char err[256];
	CHECK_EQ_INT(upstream_parse_url("http://Proxy.Corp:3128", &u, err, sizeof err), 0);
	CHECK(strcmp(u.host, "proxy.corp") == 0);
	CHECK_EQ_INT(u.port, 3128);
	CHECK(strcmp(u.auth, "") == 0);
	CHECK(strcmp(u.display, "proxy.corp:3128") == 0);
	CHECK_EQ_INT(upstream_parse_url("http://proxy/", &u, err, sizeof err), 0);
	CHECK_EQ_INT(u.port, 80);
	CHECK_EQ_INT(upstream_parse_url("10.0.0.1:8080", &u, err, sizeof err), 0);
	CHECK(strcmp(u.host, "10.0.0.1") == 0);
	CHECK_EQ_INT(u.port, 8080);
	CHECK_EQ_INT(upstream_parse_url("proxy", &u, err, sizeof err), 0);
	CHECK_EQ_INT(u.port, 1080);
	CHECK_EQ_INT(upstream_parse_url("http://[::1]:9", &u, err, sizeof err), 0);
	CHECK(strcmp(u.host, "::1") == 0);
	CHECK(strcmp(u.display, "[::1]:9") == 0);
	/* user:pass percent-decoded, then Basic (base64 of "us er:p@ss"). */
	CHECK_EQ_INT(upstream_parse_url("http://us%20er:p%40ss@proxy:1", &u, err, sizeof err), 0);
	CHECK(strcmp(u.auth, "Basic dXMgZXI6cEBzcw==") == 0);
	CHECK(strcmp(u.host, "proxy") == 0);
	CHECK(strstr(u.display, "ss") == NULL);
}

TEST(upstream_parse_url_errors)
{
	struct upstream_proxy u;
	char err[256];
	CHECK_EQ_INT(upstream_parse_url("https://proxy:443", &u, err, sizeof err), -1);
	CHECK(strstr(err, "only http://") != NULL);
	CHECK_EQ_INT(upstream_parse_url("socks5://proxy:1080", &u, err, sizeof err), -1);
	CHECK_EQ_INT(upstream_parse_url("http://proxy:0", &u, err, sizeof err), -1);
	CHECK_EQ_INT(upstream_parse_url("http://proxy:70000", &u, err, sizeof err), -1);
	CHECK_EQ_INT(upstream_parse_url("http://proxy:", &u, err, sizeof err), -1);
	CHECK_EQ_INT(upstream_parse_url("http://:8080", &u, err, sizeof err), -1);
	CHECK_EQ_INT(upstream_parse_url("http://proxy/path", &u, err, sizeof err), -1);
	CHECK_EQ_INT(upstream_parse_url("http://a%zz@proxy", &u, err, sizeof err), -1);
	CHECK_EQ_INT(upstream_parse_url("http://pro xy", &u, err, sizeof err), -1);
	CHECK_EQ_INT(upstream_parse_url("http://[::1", &u, err, sizeof err), -1);
}

TEST(upstream_env_and_policy)
{
	struct upstream_conf c;
	char err[256];
	const char *env1[] = {"HTTPS_PROXY", "http://up:3128", "http_proxy", "http://low:1",
			      "HTTP_PROXY", "http://high:2", "NO_PROXY", "internal.corp,.local:8080",
			      NULL};
	set_env(env1);
	CHECK_EQ_INT(upstream_conf_init(&c, NULL, fake_get, err, sizeof err), 0);
	CHECK(c.has_https && c.has_http);
	CHECK(strcmp(c.https.host, "up") == 0);
	CHECK(strcmp(c.http.host, "low") == 0); /* lower-case wins, as curl */
	const struct upstream_proxy *u = upstream_select(&c, 1, "api.example.com", 443);
	CHECK(u && strcmp(u->host, "up") == 0);
	CHECK(upstream_select(&c, 1, "git.internal.corp", 443) == NULL);
	CHECK(upstream_select(&c, 0, "x.local", 8080) == NULL);
	CHECK(upstream_select(&c, 0, "x.local", 80) != NULL);
	/* The policy's "none" and URL win over the environment. */
	CHECK_EQ_INT(upstream_conf_init(&c, "none", fake_get, err, sizeof err), 0);
	CHECK(upstream_select(&c, 1, "api.example.com", 443) == NULL);
	CHECK(upstream_select(&c, 0, "api.example.com", 80) == NULL);
	CHECK_EQ_INT(upstream_conf_init(&c, "http://pol:9", fake_get, err, sizeof err), 0);
	u = upstream_select(&c, 0, "git.internal.corp", 80);
	CHECK(u && strcmp(u->host, "pol") == 0 && u->port == 9);
	/* Empty variables are unset; a bad one names itself. */
	const char *env2[] = {"https_proxy", "", "HTTPS_PROXY", "", NULL};
	set_env(env2);
	CHECK_EQ_INT(upstream_conf_init(&c, NULL, fake_get, err, sizeof err), 0);
	CHECK(!c.has_https && !c.has_http);
	const char *env3[] = {"HTTPS_PROXY", "https://x", NULL};
	set_env(env3);
	CHECK_EQ_INT(upstream_conf_init(&c, NULL, fake_get, err, sizeof err), -1);
	CHECK(strstr(err, "HTTPS_PROXY") != NULL);
	CHECK_EQ_INT(upstream_conf_init(&c, "ftp://x", fake_get, err, sizeof err), -1);
	CHECK(strstr(err, "upstream_proxy") != NULL);
}

TEST(upstream_no_proxy_rules)
{
	CHECK(upstream_no_proxy_match("*", "anything.example", 443));
	CHECK(upstream_no_proxy_match("example.com", "example.com", 443));
	CHECK(upstream_no_proxy_match("example.com", "api.example.com", 443));
	CHECK(!upstream_no_proxy_match("example.com", "badexample.com", 443));
	CHECK(upstream_no_proxy_match(".example.com", "example.com", 443));
	CHECK(upstream_no_proxy_match("*.example.com", "a.b.example.com", 443));
	CHECK(upstream_no_proxy_match("EXAMPLE.com", "api.example.com", 443));
	CHECK(upstream_no_proxy_match("a.test, b.test", "b.test", 1));
	CHECK(upstream_no_proxy_match("a.test b.test", "x.b.test", 1));
	CHECK(upstream_no_proxy_match("b.test:8443", "b.test", 8443));
	CHECK(!upstream_no_proxy_match("b.test:8443", "b.test", 443));
	CHECK(upstream_no_proxy_match("localhost,127.0.0.1,::1", "::1", 80));
	CHECK(upstream_no_proxy_match("[::1]:80", "::1", 80));
	CHECK(!upstream_no_proxy_match("[::1]:80", "::1", 81));
	CHECK(upstream_no_proxy_match("127.0.0.1", "127.0.0.1", 80));
	CHECK(!upstream_no_proxy_match("127.0.0.1", "127.0.0.10", 80));
	CHECK(!upstream_no_proxy_match("", "example.com", 80));
	CHECK(!upstream_no_proxy_match(",,  ,", "example.com", 80));
}

TEST(upstream_connect_request_text)
{
	struct upstream_proxy u;
	char err[128], buf[1024];
	upstream_parse_url("http://a:b@p:1", &u, err, sizeof err);
	size_t n = upstream_connect_request(&u, "api.example.com", 443, buf, sizeof buf);
	CHECK(n > 0);
	CHECK(strcmp(buf, "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n"
			  "Proxy-Authorization: Basic YTpi\r\nUser-Agent: airlock\r\n\r\n") == 0);
	upstream_parse_url("http://p:1", &u, err, sizeof err);
	n = upstream_connect_request(&u, "::1", 80, buf, sizeof buf);
	CHECK(strcmp(buf, "CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\nUser-Agent: airlock\r\n\r\n") == 0);
	CHECK_EQ_INT(upstream_connect_request(&u, "::1", 80, buf, 10), 0);
}
