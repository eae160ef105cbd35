/* policy_reload.h: which changes a running sandbox takes from a reloaded policy.
 *
 * SIGHUP re-reads the policy file. What the proxy decides per connection or request can
 * change: [network] allow, passthrough and map, [http HOST] sections, and each secret's
 * hosts and plaintext. What was built into the sandbox at start cannot: [sandbox],
 * [filesystem], [environment], the secrets themselves (names, files, members: their
 * values and placeholders are in place), trust files, forwards and the upstream proxy.
 * An `allow` host added by a reload works for http:// at once, but the sandbox's CA may
 * not sign for it (its name constraints were made from the allow hosts at start, and
 * clients would refuse the leaf): the proxy refuses such a CONNECT with a reason
 * (policy_ca_covers), and passthrough works for it.
 */
#ifndef AIRLOCK_POLICY_RELOAD_H
#define AIRLOCK_POLICY_RELOAD_H

#include <stddef.h>

#include "policy/policy.h"

/* Whether `next` may take the place of `cur`. Returns 1, or 0 with a sentence in `why`
 * saying what differs and why it cannot change. */
int policy_reload_allowed(const struct policy *cur, const struct policy *next, char *why,
			  size_t whylen);

/* Whether the CA made from `first`'s allow hosts may sign a leaf for `host`. */
int policy_ca_covers(const struct policy *first, const char *host);

#endif
