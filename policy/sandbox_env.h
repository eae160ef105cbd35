/* sandbox_env.h: the environment CMD sees inside the sandbox (spec section 3). */
#ifndef AIRLOCK_SANDBOX_ENV_H
#define AIRLOCK_SANDBOX_ENV_H

#include "policy/policy.h"

#define SANDBOX_PROXY_PORT 3128
#define SANDBOX_RUN_DIR "/run/airlock"
#define SANDBOX_CA_FILE SANDBOX_RUN_DIR "/ca.pem"         /* the sandbox CA alone */
#define SANDBOX_BUNDLE_FILE SANDBOX_RUN_DIR "/bundle.pem" /* system roots + the CA */
#define SANDBOX_PLACEHOLDER_PREFIX "openshell:resolve:env:"

/* Builds CMD's environment from `in` (NULL-terminated "NAME=value" strings): every
 * variable named by a [secret] of the policy holds its placeholder instead of its value
 * (also when the caller lacks the variable but the secret has a value from its file:
 * has_value[i] for secret i); the proxy variables point at the sandbox's proxy; the CA
 * variables at the files under /run/airlock. Variables the caller set for the proxy or
 * CA are overridden. Returns a NULL-terminated array (free with sandbox_env_free), or
 * NULL when out of memory. */
char **sandbox_env_build(char *const *in, const struct policy *p, const int *has_value);

void sandbox_env_free(char **env);

/* Whether airlock itself sets the variable `name` (any case) in CMD's environment. */
int sandbox_env_sets(const char *name);

#endif
