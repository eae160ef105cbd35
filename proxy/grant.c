/* grant.c: hosts granted through the control socket (see proxy.h). Each grant is a
 * one-line policy, "[network]\nallow = HOST[:PORT]", loaded by the policy's own loader:
 * the same syntax, the same checks, the same matching as the file. Grants stand beside
 * the policy in force, so a reload keeps them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/policy_reload.h"
#include "proxy/proxy_int.h"

int proxy_grant(struct proxy *p, int passthrough, const char *host, char *rule, size_t rulelen,
		char *note, size_t notelen, char *err, size_t errlen)
{
	const char *kind = passthrough ? "passthrough" : "allow";
	note[0] = 0;
	if (strpbrk(host, "\r\n;#= \t")) {
		snprintf(err, errlen, "\"%.300s\" is not one HOST[:PORT]", host);
		return -1;
	}
	if (p->ngrants == PROXY_MAX_GRANTS) {
		snprintf(err, errlen, "there are %d grants already; revoke some first",
			 PROXY_MAX_GRANTS);
		return -1;
	}
	char text[400];
	int n = snprintf(text, sizeof text, "[network]\n%s = %s\n", kind, host);
	struct policy *g = calloc(1, sizeof *g);
	struct policy_errors errs;
	if (!g || n < 0 || (size_t)n >= sizeof text) {
		free(g);
		snprintf(err, errlen, "\"%.300s\" is too long", host);
		return -1;
	}
	if (policy_load_string(text, (size_t)n, "control", g, &errs) < 0 || g->nrules != 1) {
		snprintf(err, errlen, "%s", errs.count ? errs.msgs[0] : "not a HOST[:PORT]");
		policy_errors_free(&errs);
		free(g);
		return -1;
	}
	policy_errors_free(&errs);
	p->grants[p->ngrants++] = g;
	snprintf(rule, rulelen, "%s = %s", kind, g->rules[0].text);
	if (!passthrough && g->rules[0].port != 80 && p->ca && !p->ca_unconstrained &&
	    !policy_ca_covers(p->first_policy, g->rules[0].host))
		snprintf(note, notelen,
			 "this sandbox's CA cannot sign for %s (its name constraints come from the "
			 "allow hosts at start): CONNECT to it is refused; grant passthrough for "
			 "TLS to it", g->rules[0].text);
	return 0;
}

int proxy_revoke(struct proxy *p, const char *host, char *rule, size_t rulelen, char *err,
		 size_t errlen)
{
	for (size_t i = p->ngrants; i-- > 0;) {
		const struct policy_host_rule *r = &p->grants[i]->rules[0];
		if (strcasecmp(r->text, host) != 0)
			continue;
		snprintf(rule, rulelen, "%s = %s",
			 r->action == ACTION_PASSTHROUGH ? "passthrough" : "allow", r->text);
		/* Connections it decided keep going; new ones no longer match it. The policy
		 * is kept: a decided connection points at its rule text. */
		if (p->nretired_grants == PROXY_MAX_REVOKED) {
			snprintf(err, errlen, "too many grants were revoked in this sandbox");
			return -1;
		}
		p->retired_grants[p->nretired_grants++] = p->grants[i];
		memmove(&p->grants[i], &p->grants[i + 1], (p->ngrants - i - 1) * sizeof p->grants[0]);
		p->ngrants--;
		return 0;
	}
	snprintf(err, errlen, "no grant for \"%.300s\" (status lists them)", host);
	return -1;
}

size_t proxy_grant_list(const struct proxy *p, char (*out)[320], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->ngrants && n < max; i++, n++) {
		const struct policy_host_rule *r = &p->grants[i]->rules[0];
		snprintf(out[n], sizeof out[n], "%s = %s",
			 r->action == ACTION_PASSTHROUGH ? "passthrough" : "allow", r->text);
	}
	return n;
}

enum policy_action proxy_granted(const struct proxy *p, const char *host, uint16_t port,
				 uint16_t default_port, const struct policy_host_rule **rule)
{
	for (size_t i = 0; i < p->ngrants; i++) {
		enum policy_action a =
			policy_decide(p->grants[i], host, port, default_port, rule);
		if (a != ACTION_DENY)
			return a;
	}
	return ACTION_DENY;
}

void proxy_grants_free(struct proxy *p)
{
	for (size_t i = 0; i < p->ngrants; i++) {
		policy_free(p->grants[i]);
		free(p->grants[i]);
	}
	for (size_t i = 0; i < p->nretired_grants; i++) {
		policy_free(p->retired_grants[i]);
		free(p->retired_grants[i]);
	}
	p->ngrants = p->nretired_grants = 0;
}
