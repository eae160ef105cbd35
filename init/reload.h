/* reload.h: SIGHUP to sandbox-exec re-reads the policy (policy/policy_reload.h says
 * what may change while the sandbox runs). */
#ifndef AIRLOCK_RELOAD_H
#define AIRLOCK_RELOAD_H

#include "init/supervisor.h"
#include "proxy/proxy.h"

/* Loads sv->policy_path again and, when it loads and only changes what may change,
 * makes it the policy of the proxy `px` and of the secrets' bindings. Otherwise the
 * policy in force stays, and why is said on stderr and in the audit. */
void reload_policy(struct supervisor *sv, struct proxy *px);

/* Frees the policies reloads replaced (after the proxy is gone). */
void reload_free(struct supervisor *sv);

#endif
