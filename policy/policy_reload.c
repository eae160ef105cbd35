/* policy_reload.c: see policy_reload.h. */
#include "policy/policy_reload.h"
#include "policy/policy_internal.h"

#include <stdio.h>
#include <string.h>

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_paths(const struct policy_path *a, size_t na, const struct policy_path *b,
		      size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].path, b[i].path) != 0)
			return 0;
	return 1;
}

static int same_strs(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

/* The part of the policy that was built into the sandbox: NULL when `a` and `b` agree,
 * else the name of what differs. */
static const char *fixed_part_differs(const struct policy *a, const struct policy *b)
{
	if (!same_str(a->user, b->user) || a->uid != b->uid || a->gid != b->gid ||
	    !same_str(a->workdir, b->workdir) || a->landlock != b->landlock ||
	    a->seccomp != b->seccomp || a->max_processes != b->max_processes ||
	    a->isolation != b->isolation)
		return "[sandbox]";
	if (!same_paths(a->read_only, a->nread_only, b->read_only, b->nread_only) ||
	    !same_paths(a->read_write, a->nread_write, b->read_write, b->nread_write) ||
	    !same_paths(a->tmpfs, a->ntmpfs, b->tmpfs, b->ntmpfs) || a->tmpfs_size != b->tmpfs_size)
		return "[filesystem]";
	if (!same_strs(a->env_credentials, a->nenv_credentials, b->env_credentials,
		       b->nenv_credentials) ||
	    !same_strs(a->env_pass, a->nenv_pass, b->env_pass, b->nenv_pass))
		return "[environment]";
	if (!same_strs(a->trust, a->ntrust, b->trust, b->ntrust))
		return "[network] trust";
	if (!same_str(a->upstream_proxy, b->upstream_proxy))
		return "[network] upstream_proxy";
	if (a->nforwards != b->nforwards ||
	    (a->nforwards && memcmp(a->forwards, b->forwards, a->nforwards * sizeof *a->forwards)))
		return "[network] forward";
	if (a->nsecrets != b->nsecrets)
		return "the [secret] sections (their number)";
	for (size_t i = 0; i < a->nsecrets; i++)
		if (strcmp(a->secrets[i].name, b->secrets[i].name) != 0 ||
		    !same_str(a->secrets[i].file, b->secrets[i].file) ||
		    !same_str(a->secrets[i].json, b->secrets[i].json) ||
		    a->secrets[i].token != b->secrets[i].token ||
		    !same_str(a->secrets[i].from_host, b->secrets[i].from_host) ||
		    !same_str(a->secrets[i].from_path, b->secrets[i].from_path) ||
		    !same_str(a->secrets[i].field, b->secrets[i].field))
			return "the [secret] sections (names, files, members)";
	if (!a->gcp != !b->gcp ||
	    (a->gcp && (!same_str(a->gcp->scopes, b->gcp->scopes) ||
			a->gcp->metadata_port != b->gcp->metadata_port)))
		return "[gcp]";
	return NULL;
}

int policy_ca_covers(const struct policy *first, const char *host)
{
	for (size_t i = 0; i < first->nrules; i++) {
		const struct policy_host_rule *o = &first->rules[i];
		char pat[POLICY_HOST_MAX + 2];
		snprintf(pat, sizeof pat, "%s%s", o->wildcard ? "*." : "", o->host);
		if (o->action == ACTION_ALLOW && policy_host_match(pat, host))
			return 1;
	}
	return 0;
}

int policy_reload_allowed(const struct policy *cur, const struct policy *next, char *why,
			  size_t whylen)
{
	const char *part = fixed_part_differs(cur, next);
	if (part) {
		snprintf(why, whylen, "%s differs from the running sandbox's, and it was built into "
			 "the sandbox at start; only [network] allow, passthrough and map, [http] "
			 "sections and secrets' hosts, plaintext and body change on reload (restart "
			 "sandbox-exec for the rest)", part);
		return 0;
	}
	return 1;
}
