/* sandbox_env.c: see sandbox_env.h. */
#include "policy/sandbox_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROXY_URL "http://127.0.0.1:3128"

/* Variables airlock sets itself: whatever the caller had for them is dropped. */
static const struct {
	const char *name;
	const char *value;
} fixed[] = {
	{"HTTP_PROXY", PROXY_URL},
	{"HTTPS_PROXY", PROXY_URL},
	{"ALL_PROXY", PROXY_URL},
	{"http_proxy", PROXY_URL},
	{"https_proxy", PROXY_URL},
	{"all_proxy", PROXY_URL},
	{"NO_PROXY", "localhost,127.0.0.1,::1"},
	{"no_proxy", "localhost,127.0.0.1,::1"},
	{"NODE_USE_ENV_PROXY", "1"},
	{"NODE_EXTRA_CA_CERTS", SANDBOX_CA_FILE},
	{"DENO_CERT", SANDBOX_CA_FILE},
	{"SSL_CERT_FILE", SANDBOX_BUNDLE_FILE},
	{"REQUESTS_CA_BUNDLE", SANDBOX_BUNDLE_FILE},
	{"CURL_CA_BUNDLE", SANDBOX_BUNDLE_FILE},
	{"GIT_SSL_CAINFO", SANDBOX_BUNDLE_FILE},
	{"PIP_CERT", SANDBOX_BUNDLE_FILE},
	{"CARGO_HTTP_CAINFO", SANDBOX_BUNDLE_FILE},
	{"AWS_CA_BUNDLE", SANDBOX_BUNDLE_FILE},
};
#define NFIXED (sizeof fixed / sizeof fixed[0])

int sandbox_env_sets(const char *name)
{
	for (size_t f = 0; f < NFIXED; f++)
		if (strcasecmp(name, fixed[f].name) == 0)
			return 1;
	return 0;
}

/* Whether "NAME=..." has the name `name`. */
static int has_name(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static char *join(const char *name, const char *prefix, const char *value)
{
	size_t len = strlen(name) + 1 + strlen(prefix) + strlen(value) + 1;
	char *s = malloc(len);
	if (s)
		snprintf(s, len, "%s=%s%s", name, prefix, value);
	return s;
}

char **sandbox_env_build(char *const *in, const struct policy *p, const int *has_value)
{
	size_t nin = 0;
	while (in && in[nin])
		nin++;
	char **out = calloc(nin + NFIXED + p->nsecrets + 1, sizeof *out);
	if (!out)
		return NULL;
	size_t n = 0;
	int *placed = calloc(p->nsecrets + 1, sizeof *placed);
	if (!placed)
		goto oom;

	for (size_t i = 0; i < nin; i++) {
		int skip = 0;
		for (size_t f = 0; f < NFIXED && !skip; f++)
			skip = has_name(in[i], fixed[f].name);
		if (skip)
			continue;
		size_t s;
		for (s = 0; s < p->nsecrets; s++)
			if (has_name(in[i], p->secrets[s].name))
				break;
		if (s < p->nsecrets) {
			if (placed[s]) /* a duplicate entry: keep one placeholder */
				continue;
			placed[s] = 1;
			out[n] = join(p->secrets[s].name, SANDBOX_PLACEHOLDER_PREFIX, p->secrets[s].name);
		} else {
			out[n] = strdup(in[i]);
		}
		if (!out[n++])
			goto oom;
	}
	for (size_t s = 0; s < p->nsecrets; s++) {
		if (placed[s] || !has_value || !has_value[s])
			continue;
		out[n] = join(p->secrets[s].name, SANDBOX_PLACEHOLDER_PREFIX, p->secrets[s].name);
		if (!out[n++])
			goto oom;
	}
	for (size_t f = 0; f < NFIXED; f++) {
		out[n] = join(fixed[f].name, "", fixed[f].value);
		if (!out[n++])
			goto oom;
	}
	free(placed);
	return out;
oom:
	free(placed);
	sandbox_env_free(out);
	return NULL;
}

void sandbox_env_free(char **env)
{
	if (!env)
		return;
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}
