/* sandbox_env.c: see sandbox_env.h. */
#include "policy/sandbox_env.h"

#include <ctype.h>
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

/* With [gcp]: Google's auth libraries find the metadata server inside by these (the
 * Node library by the first two, Python's google-auth 1.x by GCE_METADATA_ROOT), and
 * never read a key file: GOOGLE_APPLICATION_CREDENTIALS is dropped, even when passed. */
static const char *const gcp_names[] = {
	"GCE_METADATA_HOST", "GCE_METADATA_IP", "GCE_METADATA_ROOT",
	"METADATA_SERVER_DETECTION", "GOOGLE_APPLICATION_CREDENTIALS",
};
#define NGCP 5
#define NGCP_SET 4 /* the first four are set; the last only dropped */

static int is_gcp_name(const char *entry)
{
	for (size_t g = 0; g < NGCP; g++) {
		size_t n = strlen(gcp_names[g]);
		if (strncmp(entry, gcp_names[g], n) == 0 && (entry[n] == '=' || !entry[n]))
			return 1;
	}
	return 0;
}

int sandbox_env_sets(const char *name)
{
	for (size_t f = 0; f < NFIXED; f++)
		if (strcasecmp(name, fixed[f].name) == 0)
			return 1;
	return is_gcp_name(name);
}

const char *const sandbox_env_default_credentials[] = {
	"*TOKEN*", "*SECRET*", "*PASSWORD*", "*PASSWD*", "*PASSPHRASE*", "*_PASS",
	"*_KEY", "*_KEYS", "*APIKEY*", "*API_KEY*", "*PRIVATE_KEY*", "*_AUTH*",
	"*CREDENTIAL*", "*COOKIE*", "*_PAT", "*_DSN", NULL,
};

int sandbox_env_match(const char *pattern, const char *name, size_t len)
{
	/* Iterative glob with one back-track point: linear enough for short names. */
	const char *star = NULL;
	size_t i = 0, mark = 0;
	while (i < len) {
		if (*pattern == '*') {
			star = pattern++;
			mark = i;
		} else if (*pattern && tolower((unsigned char)*pattern) ==
					   tolower((unsigned char)name[i])) {
			pattern++;
			i++;
		} else if (star) {
			pattern = star + 1;
			i = ++mark;
		} else {
			return 0;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

/* Whether the variable of "NAME=value" is one the policy counts as a credential that is
 * neither a secret (those get placeholders) nor passed. */
static int is_stray_credential(const char *entry, const struct policy *p)
{
	const char *eq = strchr(entry, '=');
	size_t len = eq ? (size_t)(eq - entry) : strlen(entry);
	int cred = 0;
	for (size_t i = 0; i < p->nenv_credentials && !cred; i++)
		cred = sandbox_env_match(p->env_credentials[i], entry, len);
	for (size_t i = 0; i < p->nenv_pass && cred; i++)
		cred = !sandbox_env_match(p->env_pass[i], entry, len);
	return cred;
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

char **sandbox_env_build(char *const *in, const struct policy *p, const int *has_value,
			 char ***removed)
{
	size_t nin = 0, nremoved = 0;
	while (in && in[nin])
		nin++;
	char **out = calloc(nin + NFIXED + NGCP + p->nsecrets + 1, sizeof *out);
	char **gone = calloc(nin + 1, sizeof *gone);
	int *placed = calloc(p->nsecrets + 1, sizeof *placed);
	size_t n = 0;
	if (!out || !gone || !placed)
		goto oom;

	for (size_t i = 0; i < nin; i++) {
		int skip = 0;
		for (size_t f = 0; f < NFIXED && !skip; f++)
			skip = has_name(in[i], fixed[f].name);
		if (skip || (p->gcp && is_gcp_name(in[i])))
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
		} else if (is_stray_credential(in[i], p)) {
			const char *eq = strchr(in[i], '=');
			if (!(gone[nremoved++] = strndup(in[i], eq ? (size_t)(eq - in[i]) : strlen(in[i]))))
				goto oom;
			continue;
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
	for (size_t g = 0; p->gcp && g < NGCP_SET; g++) {
		char v[32];
		snprintf(v, sizeof v, "127.0.0.1:%u", p->gcp->metadata_port);
		out[n] = join(gcp_names[g], "", g == 3 ? "assume-present" : v);
		if (!out[n++])
			goto oom;
	}
	free(placed);
	if (removed)
		*removed = gone;
	else
		sandbox_env_free(gone);
	return out;
oom:
	free(placed);
	sandbox_env_free(gone);
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

static char *joined(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

char **sandbox_env_unprivileged(char **env, const char *dir)
{
	size_t n = 0;
	while (env && env[n])
		n++;
	char **out = calloc(n + 4, sizeof *out);
	size_t k = 0;
	const size_t run = strlen(SANDBOX_RUN_DIR);
	for (size_t i = 0; out && i < n; i++) {
		char *e = env[i], *eq = strchr(e, '=');
		if (!strncmp(e, "TMPDIR=", 7) || !strncmp(e, "AIRLOCK_SECRETS_DIR=", 20) ||
		    !strncmp(e, "CLAUDE_CODE_TMPDIR=", 19))
			continue;
		if (eq && !strncmp(eq + 1, SANDBOX_RUN_DIR "/", run + 1)) {
			/* NAME= + dir + the path below /run/airlock */
			size_t name = (size_t)(eq + 1 - e);
			char *v = malloc(name + strlen(dir) + strlen(eq + 1 + run) + 1);
			if (!v)
				goto oom;
			memcpy(v, e, name);
			strcpy(v + name, dir);
			strcat(v + name, eq + 1 + run);
			out[k++] = v;
		} else if (!(out[k++] = strdup(e))) {
			goto oom;
		}
	}
	/* The Claude Code CLI makes its per-uid folder in CLAUDE_CODE_TMPDIR, else in
	 * os.tmpdir() (TMPDIR), and exits silently when it cannot: both point there. */
	if (!out || !(out[k++] = joined("TMPDIR=", dir, "/tmp")) ||
	    !(out[k++] = joined("CLAUDE_CODE_TMPDIR=", dir, "/tmp")) ||
	    !(out[k++] = joined("AIRLOCK_SECRETS_DIR=", dir, "/secrets")))
		goto oom;
	sandbox_env_free(env);
	return out;
oom:
	sandbox_env_free(out);
	sandbox_env_free(env);
	return NULL;
}

/* --- CMD's arguments ---------------------------------------------------------------- */

/* `v` as it appears inside a JSON string: escaped the usual way, or (slash_too) with
 * `/` also written `\/`, as some encoders do. Returns a malloc'd string, or NULL. */
static char *json_escaped(const char *v, size_t len, int slash_too, size_t *outlen)
{
	char *o = malloc(len * 6 + 1), *w = o;
	if (!o)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\' || (c == '/' && slash_too)) {
			*w++ = '\\';
			*w++ = (char)c;
		} else if (c == '\t') {
			*w++ = '\\';
			*w++ = 't';
		} else if (c < 0x20) {
			w += sprintf(w, "\\u%04x", c);
		} else {
			*w++ = (char)c;
		}
	}
	*w = '\0';
	*outlen = (size_t)(w - o);
	return o;
}

/* Replaces every occurrence of `pat` in *s by `rep`, reallocating *s. Returns the count,
 * or -1 when out of memory. */
static long replace_all(char **s, const char *pat, size_t plen, const char *rep)
{
	long count = 0;
	size_t rlen = strlen(rep);
	for (char *at = *s; plen && (at = memmem(at, strlen(at), pat, plen)); count++) {
		size_t off = (size_t)(at - *s), tail = strlen(at + plen);
		char *t = malloc(off + rlen + tail + 1);
		if (!t)
			return -1;
		memcpy(t, *s, off);
		memcpy(t + off, rep, rlen);
		memcpy(t + off + rlen, at + plen, tail + 1);
		explicit_bzero(*s, off + plen + tail); /* it held a real value */
		free(*s);
		*s = t;
		at = t + off + rlen;
	}
	return count;
}

static int by_length_desc(const void *a, const void *b)
{
	size_t la = ((const struct sandbox_value *)a)->len;
	size_t lb = ((const struct sandbox_value *)b)->len;
	return la < lb ? 1 : la > lb ? -1 : 0;
}

char **sandbox_args_mask(char *const *argv, const struct sandbox_value *v, size_t n,
			 size_t *masked)
{
	size_t argc = 0;
	*masked = 0;
	while (argv[argc])
		argc++;
	char **out = calloc(argc + 1, sizeof *out);
	struct sandbox_value *order = calloc(n + 1, sizeof *order);
	if (!out || !order)
		goto oom;
	memcpy(order, v, n * sizeof *v);
	qsort(order, n, sizeof *order, by_length_desc);
	for (size_t i = 0; i < argc; i++)
		if (!(out[i] = strdup(argv[i])))
			goto oom;
	for (size_t k = 0; k < n; k++) {
		if (!order[k].len)
			continue;
		size_t phlen = strlen(SANDBOX_PLACEHOLDER_PREFIX) + strlen(order[k].name) + 1;
		char *ph = malloc(phlen);
		if (!ph)
			goto oom;
		snprintf(ph, phlen, "%s%s", SANDBOX_PLACEHOLDER_PREFIX, order[k].name);
		for (int form = 0; form < 3; form++) {
			size_t flen = order[k].len;
			char *f = form == 0 ? (char *)order[k].value
					    : json_escaped(order[k].value, order[k].len, form == 2, &flen);
			if (!f) {
				free(ph);
				goto oom;
			}
			/* an escaped form equal to the raw one has been replaced already */
			int same = form > 0 && flen == order[k].len && !memcmp(f, order[k].value, flen);
			for (size_t i = 0; i < argc && !same; i++) {
				long c = replace_all(&out[i], f, flen, ph);
				if (c < 0) {
					if (form)
						free(f);
					free(ph);
					goto oom;
				}
				*masked += (size_t)c;
			}
			if (form) {
				explicit_bzero(f, flen);
				free(f);
			}
		}
		free(ph);
	}
	free(order);
	return out;
oom:
	free(order);
	sandbox_env_free(out);
	return NULL;
}
