#include "test/unit/harness.h"
#include "policy/sandbox_env.h"

#include <stdlib.h>

static const char *lookup(char **env, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;
	int count = 0;
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
			found = env[i] + n + 1;
			count++;
		}
	return count == 1 ? found : count ? "(duplicate)" : NULL;
}

static struct policy two_secrets(struct policy_secret *s)
{
	struct policy p;
	memset(&p, 0, sizeof p);
	memset(s, 0, 2 * sizeof *s);
	s[0].name = "GITHUB_TOKEN";
	s[1].name = "ANTHROPIC_API_KEY";
	p.secrets = s;
	p.nsecrets = 2;
	return p;
}

TEST(sandbox_env_replaces_secrets_with_placeholders)
{
	struct policy_secret s[2];
	struct policy p = two_secrets(s);
	char *in[] = {"PATH=/usr/bin", "GITHUB_TOKEN=ghp_real_value", "HOME=/root", NULL};
	char **env = sandbox_env_build(in, &p, NULL);
	CHECK(env != NULL);
	CHECK_EQ_STR(lookup(env, "GITHUB_TOKEN"), "openshell:resolve:env:GITHUB_TOKEN");
	CHECK_EQ_STR(lookup(env, "PATH"), "/usr/bin");
	CHECK_EQ_STR(lookup(env, "HOME"), "/root");
	/* not in the caller's environment and no value: not invented */
	CHECK(lookup(env, "ANTHROPIC_API_KEY") == NULL);
	for (size_t i = 0; env[i]; i++)
		CHECK(strstr(env[i], "ghp_real_value") == NULL);
	sandbox_env_free(env);
}

TEST(sandbox_env_placeholder_for_file_secret)
{
	struct policy_secret s[2];
	struct policy p = two_secrets(s);
	int has_value[2] = {0, 1};
	char *in[] = {NULL};
	char **env = sandbox_env_build(in, &p, has_value);
	CHECK_EQ_STR(lookup(env, "ANTHROPIC_API_KEY"), "openshell:resolve:env:ANTHROPIC_API_KEY");
	CHECK(lookup(env, "GITHUB_TOKEN") == NULL);
	sandbox_env_free(env);
}

TEST(sandbox_env_sets_proxy_and_ca_variables_over_callers)
{
	struct policy p;
	memset(&p, 0, sizeof p);
	char *in[] = {"HTTPS_PROXY=http://corp:8080", "no_proxy=*", "SSL_CERT_FILE=/x", NULL};
	char **env = sandbox_env_build(in, &p, NULL);
	const char *proxies[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
				 "https_proxy", "all_proxy"};
	for (size_t i = 0; i < 6; i++)
		CHECK_EQ_STR(lookup(env, proxies[i]), "http://127.0.0.1:3128");
	CHECK_EQ_STR(lookup(env, "NO_PROXY"), "localhost,127.0.0.1,::1");
	CHECK_EQ_STR(lookup(env, "no_proxy"), "localhost,127.0.0.1,::1");
	CHECK_EQ_STR(lookup(env, "NODE_USE_ENV_PROXY"), "1");
	CHECK_EQ_STR(lookup(env, "NODE_EXTRA_CA_CERTS"), "/run/airlock/ca.pem");
	CHECK_EQ_STR(lookup(env, "DENO_CERT"), "/run/airlock/ca.pem");
	const char *bundles[] = {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
				 "GIT_SSL_CAINFO", "PIP_CERT", "CARGO_HTTP_CAINFO", "AWS_CA_BUNDLE"};
	for (size_t i = 0; i < 7; i++)
		CHECK_EQ_STR(lookup(env, bundles[i]), "/run/airlock/bundle.pem");
	sandbox_env_free(env);
}

TEST(sandbox_env_duplicate_secret_entries_collapse)
{
	struct policy_secret s[2];
	struct policy p = two_secrets(s);
	char *in[] = {"GITHUB_TOKEN=a", "GITHUB_TOKEN=b", "GITHUB_TOKENX=keep", NULL};
	char **env = sandbox_env_build(in, &p, NULL);
	CHECK_EQ_STR(lookup(env, "GITHUB_TOKEN"), "openshell:resolve:env:GITHUB_TOKEN");
	CHECK_EQ_STR(lookup(env, "GITHUB_TOKENX"), "keep");
	sandbox_env_free(env);
}
