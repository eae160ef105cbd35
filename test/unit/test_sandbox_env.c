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
	char **env = sandbox_env_build(in, &p, NULL, NULL);
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
	char **env = sandbox_env_build(in, &p, has_value, NULL);
	CHECK_EQ_STR(lookup(env, "ANTHROPIC_API_KEY"), "openshell:resolve:env:ANTHROPIC_API_KEY");
	CHECK(lookup(env, "GITHUB_TOKEN") == NULL);
	sandbox_env_free(env);
}

TEST(sandbox_env_sets_proxy_and_ca_variables_over_callers)
{
	struct policy p;
	memset(&p, 0, sizeof p);
	char *in[] = {"HTTPS_PROXY=http://corp:8080", "no_proxy=*", "SSL_CERT_FILE=/x", NULL};
	char **env = sandbox_env_build(in, &p, NULL, NULL);
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
	char **env = sandbox_env_build(in, &p, NULL, NULL);
	CHECK_EQ_STR(lookup(env, "GITHUB_TOKEN"), "openshell:resolve:env:GITHUB_TOKEN");
	CHECK_EQ_STR(lookup(env, "GITHUB_TOKENX"), "keep");
	sandbox_env_free(env);
}

/* --- credentials left out of the environment -------------------------------------- */

TEST(sandbox_env_match_globs_ignoring_case)
{
	CHECK(sandbox_env_match("*_TOKEN", "JIRA_API_TOKEN", 14));
	CHECK(sandbox_env_match("*_TOKEN", "jira_token", 10));
	CHECK(!sandbox_env_match("*_TOKEN", "TOKEN", 5));
	CHECK(sandbox_env_match("*TOKEN*", "TOKEN", 5));
	CHECK(sandbox_env_match("*_AUTH*", "MLFLOW_TRACKING_AUTH", 20));
	CHECK(sandbox_env_match("*CREDENTIAL*", "GOOGLE_APPLICATION_CREDENTIALS", 30));
	CHECK(sandbox_env_match("MCP_*_*", "MCP_JIRA_URL", 12));
	CHECK(!sandbox_env_match("MCP_*_*", "MCP_JIRA", 8));
	CHECK(sandbox_env_match("PATH", "PATH", 4));
	CHECK(!sandbox_env_match("PATH", "PATHS", 5));
	CHECK(!sandbox_env_match("*_KEY", "KEYBOARD", 8));
	/* only `len` bytes of the name count ("NAME=value" entries) */
	CHECK(sandbox_env_match("A*B", "AxxB=zzz", 4));
	CHECK(!sandbox_env_match("A*B", "AxxC=zzB", 4));
}

/* A policy with the default credential patterns, `pass`, and one secret. */
static struct policy runner_policy(struct policy_secret *s, char **pass, size_t npass)
{
	struct policy p;
	memset(&p, 0, sizeof p);
	memset(s, 0, sizeof *s);
	s->name = "ANTHROPIC_API_KEY";
	p.secrets = s;
	p.nsecrets = 1;
	static char *creds[64];
	size_t n = 0;
	for (; sandbox_env_default_credentials[n]; n++)
		creds[n] = (char *)sandbox_env_default_credentials[n];
	p.env_credentials = creds;
	p.nenv_credentials = n;
	p.env_pass = pass;
	p.nenv_pass = npass;
	return p;
}

TEST(sandbox_env_removes_undeclared_credentials)
{
	struct policy_secret s;
	char *pass[] = {"LANGFUSE_PUBLIC_KEY"};
	struct policy p = runner_policy(&s, pass, 1);
	/* what the agent runner hands the CLI, besides the declared secret */
	char *in[] = {"ANTHROPIC_API_KEY=sk-real", "GITHUB_TOKEN=ghp_x", "GITLAB_TOKEN=glpat",
		      "JIRA_API_TOKEN=j", "GOOGLE_OAUTH_CLIENT_SECRET=g", "CODERABBIT_API_KEY=c",
		      "AGUI_TOKEN=a", "LANGFUSE_SECRET_KEY=l", "LANGFUSE_PUBLIC_KEY=pk-pub",
		      "MLFLOW_TRACKING_AUTH=m", "MCP_JIRA_API_TOKEN=t", "DB_PASSWORD=p",
		      "GOOGLE_APPLICATION_CREDENTIALS=/app/vertex/key.json", "HOME=/home/u",
		      "PATH=/usr/bin", "TERM=xterm", "KEYBOARD=us", "CLAUDE_CODE_USE_VERTEX=1",
		      NULL};
	char **removed = NULL;
	char **env = sandbox_env_build(in, &p, NULL, &removed);
	CHECK(env && removed);
	CHECK_EQ_STR(lookup(env, "ANTHROPIC_API_KEY"), "openshell:resolve:env:ANTHROPIC_API_KEY");
	const char *gone[] = {"GITHUB_TOKEN", "GITLAB_TOKEN", "JIRA_API_TOKEN",
			      "GOOGLE_OAUTH_CLIENT_SECRET", "CODERABBIT_API_KEY", "AGUI_TOKEN",
			      "LANGFUSE_SECRET_KEY", "MLFLOW_TRACKING_AUTH", "MCP_JIRA_API_TOKEN",
			      "DB_PASSWORD", "GOOGLE_APPLICATION_CREDENTIALS"};
	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
		CHECK(lookup(env, gone[i]) == NULL);
		int listed = 0;
		for (size_t j = 0; removed[j]; j++)
			listed |= strcmp(removed[j], gone[i]) == 0;
		CHECK(listed);
	}
	size_t nremoved = 0;
	while (removed[nremoved]) {
		CHECK(strchr(removed[nremoved], '=') == NULL); /* names only */
		nremoved++;
	}
	CHECK_EQ_INT(nremoved, sizeof gone / sizeof gone[0]);
	CHECK_EQ_STR(lookup(env, "LANGFUSE_PUBLIC_KEY"), "pk-pub"); /* passed */
	CHECK_EQ_STR(lookup(env, "HOME"), "/home/u");
	CHECK_EQ_STR(lookup(env, "KEYBOARD"), "us");
	CHECK_EQ_STR(lookup(env, "CLAUDE_CODE_USE_VERTEX"), "1");
	sandbox_env_free(removed);
	sandbox_env_free(env);
}

/* --- secret values in CMD's arguments ---------------------------------------------- */

/* CHECK_EQ_STR for strings too long for its message. */
#define CHECK_STR_IS(a, b) CHECK((a) && strcmp((a), (b)) == 0)

static int any_contains(char **v, const char *needle)
{
	for (size_t i = 0; v[i]; i++)
		if (strstr(v[i], needle))
			return 1;
	return 0;
}

TEST(sandbox_args_mask_replaces_values_in_argv_and_json)
{
	struct sandbox_value v[] = {
		{"JIRA_API_TOKEN", "jira-REAL-123", 13},
		{"SHORT", "ab", 2},
		{"QUOTED", "p\"w/d\\x", 7},
	};
	char *argv[] = {"claude", "-p", "hi", "--mcp-config",
			"{\"mcpServers\":{\"jira\":{\"env\":{\"JIRA_API_TOKEN\":\"jira-REAL-123\","
			"\"Q\":\"p\\\"w\\/d\\\\x\",\"R\":\"p\\\"w/d\\\\x\"}}}}",
			"--token=jira-REAL-123jira-REAL-123", NULL};
	size_t masked = 0;
	char **out = sandbox_args_mask(argv, v, 3, &masked);
	CHECK(out != NULL);
	CHECK_EQ_STR(out[0], "claude");
	CHECK_EQ_STR(out[1], "-p");
	CHECK_EQ_STR(out[2], "hi");
	CHECK_STR_IS(out[4], "{\"mcpServers\":{\"jira\":{\"env\":{\"JIRA_API_TOKEN\":"
		     "\"openshell:resolve:env:JIRA_API_TOKEN\",\"Q\":\"openshell:resolve:env:QUOTED\","
		     "\"R\":\"openshell:resolve:env:QUOTED\"}}}}");
	CHECK_STR_IS(out[5], "--token=openshell:resolve:env:JIRA_API_TOKENopenshell:resolve:env:"
		     "JIRA_API_TOKEN");
	CHECK(!any_contains(out, "jira-REAL"));
	CHECK(out[6] == NULL);
	CHECK_EQ_INT(masked, 5);
	sandbox_env_free(out);
}

TEST(sandbox_args_mask_longer_values_first_and_short_ones_too)
{
	/* one value inside another: the longer is replaced whole */
	struct sandbox_value v[] = {{"A", "tok", 3}, {"B", "tok-long", 8}, {"E", "", 0}};
	char *argv[] = {"x", "tok-long", "tok", NULL};
	size_t masked = 0;
	char **out = sandbox_args_mask(argv, v, 3, &masked);
	CHECK_EQ_STR(out[1], "openshell:resolve:env:B");
	CHECK_EQ_STR(out[2], "openshell:resolve:env:A");
	CHECK_EQ_INT(masked, 2);
	sandbox_env_free(out);
}
