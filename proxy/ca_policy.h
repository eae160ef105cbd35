/* ca_policy.h: the sandbox CA made for a policy: its name constraints are the policy's
 * `allow` hosts. (proxy/tls/cert.h knows certificates, not policies.) */
#ifndef AIRLOCK_CA_POLICY_H
#define AIRLOCK_CA_POLICY_H

#include <stddef.h>
#include <time.h>

#include "policy/policy.h"
#include "proxy/tls/cert.h"

/* The names of the policy's ACTION_ALLOW rules (host, *.suffix or IP literal; ports do
 * not matter to certificates), pointing into p. Fills up to cap entries and returns how
 * many there are (more than cap: the array was too small). */
size_t ca_names_from_policy(const struct policy *p, struct ca_name *out, size_t cap);

/* ca_generate() constrained to the policy's allow hosts. */
int ca_generate_for_policy(struct ca *ca, const struct policy *p, time_t now, char *err,
			   size_t errlen);

#endif
