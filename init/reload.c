/* reload.c: see reload.h. */
#include "init/reload.h"
#include "net/base/log.h"
#include "policy/policy_reload.h"
#include "proxy/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One audit line (when there is an audit file) and one stderr line for the outcome. */
static void say(const struct worker *sv, const char *decision, const char *reason)
{
	log_msg("policy reload %s: %s", decision, reason);
	worker_audit(sv, "reload", decision, sv->policy_path ? sv->policy_path : "", reason);
}

void reload_policy(struct worker *sv, int fd, const char *opened)
{
	char why[1400];
	if (!sv->policy_path) {
		if (fd >= 0)
			close(fd);
		say(sv, "refused", "sandbox-exec runs the embedded default policy: there is no "
		    "policy file to reload (start it with --policy FILE)");
		return;
	}
	if (fd < 0) {
		snprintf(why, sizeof why, "%s; the policy in force is unchanged", opened);
		say(sv, "refused", why);
		return;
	}
	struct policy *next = calloc(1, sizeof *next);
	struct policy_errors errs;
	if (!next) {
		close(fd);
		say(sv, "refused", "out of memory; the policy in force is unchanged");
		return;
	}
	if (policy_load_fd(fd, sv->policy_path, next, &errs) < 0) {
		snprintf(why, sizeof why, "%s%s; the policy in force is unchanged",
			 errs.count ? errs.msgs[0] : "the policy file cannot be loaded",
			 errs.count > 1 ? " (and more: airlock policy check shows all)" : "");
		policy_errors_free(&errs);
		free(next);
		say(sv, "refused", why);
		return;
	}
	policy_errors_free(&errs);
	if (!policy_reload_allowed(sv->policy, next, why, sizeof why)) {
		char msg[1600];
		snprintf(msg, sizeof msg, "%s: %s; the policy in force is unchanged",
			 sv->policy_path, why);
		policy_free(next);
		free(next);
		say(sv, "refused", msg);
		return;
	}
	struct policy **r = realloc(sv->retired, (sv->nretired + 1) * sizeof *r);
	if (!r) {
		policy_free(next);
		free(next);
		say(sv, "refused", "out of memory; the policy in force is unchanged");
		return;
	}
	sv->retired = r;
	sv->retired[sv->nretired++] = (struct policy *)sv->policy;
	/* The secrets are the same sections in the same order (checked): their bindings
	 * now come from the new policy. */
	for (size_t i = 0; i < sv->secrets.count; i++)
		sv->secrets.entries[i].secret = &next->secrets[i];
	sv->policy = next;
	proxy_set_policy(sv->px, next);
	snprintf(why, sizeof why, "%s is in force for new connections and requests",
		 sv->policy_path);
	say(sv, "applied", why);
}

void reload_free(struct worker *sv)
{
	/* retired[0] is the policy sandbox-exec started with: its caller owns it. */
	for (size_t i = 1; i < sv->nretired; i++) {
		policy_free(sv->retired[i]);
		free(sv->retired[i]);
	}
	free(sv->retired);
	sv->retired = NULL;
	sv->nretired = 0;
}
