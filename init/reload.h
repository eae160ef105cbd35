/* reload.h: SIGHUP to sandbox-exec reloads the policy: the monitor reopens the file and
 * hands it to the proxy worker, which parses it here (policy/policy_reload.h says what
 * may change while the sandbox runs). */
#ifndef AIRLOCK_RELOAD_H
#define AIRLOCK_RELOAD_H

#include "init/proxy_worker.h"

/* Parses the policy file open on fd (the monitor opened it; -1: it could not, and
 * `why` says so) and, when it loads and only changes what may change, makes it the
 * policy of the proxy and of the secrets' bindings. Otherwise the policy in force
 * stays, and why is said on stderr and in the audit. */
void reload_policy(struct worker *w, int fd, const char *why);

/* Frees the policies reloads replaced (after the proxy is gone). */
void reload_free(struct worker *w);

#endif
