/* sandbox_env.h: the environment CMD sees inside the sandbox (spec section 3). */
#ifndef AIRLOCK_SANDBOX_ENV_H
#define AIRLOCK_SANDBOX_ENV_H

#include "policy/policy.h"

#define SANDBOX_PROXY_PORT 3128
#define SANDBOX_RUN_DIR "/run/airlock"
#define SANDBOX_CA_FILE SANDBOX_RUN_DIR "/ca.pem"         /* the sandbox CA alone */
#define SANDBOX_BUNDLE_FILE SANDBOX_RUN_DIR "/bundle.pem" /* system roots + the CA */
#define SANDBOX_PLACEHOLDER_PREFIX "openshell:resolve:env:"

/* The default [environment] credentials patterns, NULL-terminated: names such as
 * *_TOKEN, *_KEY, *SECRET*, *PASSWORD*, *_AUTH*, *CREDENTIAL*. */
extern const char *const sandbox_env_default_credentials[];

/* Whether the variable name `name` (`len` bytes) matches `pattern`: `*` matches any run
 * of characters, everything else itself, ignoring case. */
int sandbox_env_match(const char *pattern, const char *name, size_t len);

/* Builds CMD's environment from `in` (NULL-terminated "NAME=value" strings): every
 * variable named by a [secret] of the policy holds its placeholder instead of its value
 * (also when the caller lacks the variable but the secret has a value from its file:
 * has_value[i] for secret i); a variable whose name matches one of the policy's
 * [environment] credentials patterns and none of its pass patterns is left out (fail
 * closed: a token the policy does not know of never reaches CMD); the proxy variables
 * point at the sandbox's proxy; the CA variables at the files under /run/airlock.
 * Variables the caller set for the proxy or CA are overridden. When `removed` is not
 * NULL it receives the names left out (a NULL-terminated array of copies of names
 * only, free with sandbox_env_free). Returns a NULL-terminated array (free with
 * sandbox_env_free), or NULL when out of memory. */
char **sandbox_env_build(char *const *in, const struct policy *p, const int *has_value,
			 char ***removed);

void sandbox_env_free(char **env);

/* isolation unprivileged, where /run/airlock is not the sandbox's: `env` (from
 * sandbox_env_build) with every value under /run/airlock moved under `dir`, TMPDIR and
 * CLAUDE_CODE_TMPDIR set to dir/tmp and AIRLOCK_SECRETS_DIR to dir/secrets (whatever the caller had for them
 * is dropped). `env` is freed; returns the new array, or NULL when out of memory. */
char **sandbox_env_unprivileged(char **env, const char *dir);

/* One secret value to hide from CMD's arguments. */
struct sandbox_value {
	const char *name;  /* the secret's NAME */
	const char *value; /* its real value, `len` bytes (not NUL-terminated) */
	size_t len;
};

/* Copies `argv` (NULL-terminated) with every occurrence of each non-empty value, as it
 * is and as it appears escaped inside a JSON string (\" \\ \/ \t \u00XX), replaced by
 * the secret's placeholder: so an MCP configuration passed on the command line carries
 * placeholders, which the proxy swaps back on requests to the secret's hosts. Longer
 * values are replaced first. Every string is a new copy (free with sandbox_env_free);
 * `*masked` receives the number of replacements. Returns NULL when out of memory. */
char **sandbox_args_mask(char *const *argv, const struct sandbox_value *v, size_t n,
			 size_t *masked);

/* Whether airlock itself sets the variable `name` (any case) in CMD's environment. */
int sandbox_env_sets(const char *name);

#endif
