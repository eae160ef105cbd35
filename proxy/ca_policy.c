/* ca_policy.c: see ca_policy.h. */
#include "proxy/ca_policy.h"

#include <stdio.h>

size_t ca_names_from_policy(const struct policy *p, struct ca_name *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_host_rule *r = &p->rules[i];
		unsigned char ip[16];
		size_t iplen;
		if (r->action != ACTION_ALLOW || !r->host)
			continue;
		if (n < cap) {
			out[n].name = r->host;
			if (!r->wildcard && cert_parse_ip(r->host, ip, &iplen))
				out[n].kind = CA_NAME_IP;
			else
				out[n].kind = r->wildcard ? CA_NAME_SUBDOMAINS : CA_NAME_HOST;
		}
		n++;
	}
	return n;
}

int ca_generate_for_policy(struct ca *ca, const struct policy *p, time_t now, char *err,
			   size_t errlen)
{
	struct ca_name names[CA_MAX_NAMES];
	size_t n = ca_names_from_policy(p, names, CA_MAX_NAMES);
	if (n > CA_MAX_NAMES) {
		snprintf(err, errlen,
			 "cannot make the sandbox CA: %s has %zu allow entries, at most %d are "
			 "supported; use wildcard entries (*.example.com) to cover many hosts",
			 p->source ? p->source : "the policy", n, CA_MAX_NAMES);
		return -1;
	}
	return ca_generate(ca, names, n, now, err, errlen);
}

