/* policy_match.c: the questions the proxy asks the policy (which rule covers host:port,
 * which map entry, which secret, where a secret may go). I/O-free, no DNS: the answer
 * depends on the policy and the name as the client wrote it, nothing else.
 */
#include "net/base/addr.h"
#include "policy/policy_internal.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

/* The request's host in canonical form: an IP address as bytes (fam != 0), else a
 * valid lower-case DNS name. Returns -1 for anything that is neither: such a host
 * matches no rule, so it is denied. */
struct req_host {
	int fam;
	unsigned char ip[16];
	char name[POLICY_HOST_MAX];
};

static int canon_request(const char *host, struct req_host *r)
{
	char buf[POLICY_HOST_MAX];
	size_t n;

	memset(r, 0, sizeof *r);
	if (!host)
		return -1;
	n = strlen(host);
	if (n == 0 || n >= sizeof buf)
		return -1;
	if (host[0] == '[' && host[n - 1] == ']') { /* tolerate a bracketed IPv6 literal */
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, host, n + 1);
	}
	r->fam = addr_parse_literal(buf, r->ip);
	if (r->fam)
		return 0;
	struct host_item it;
	char err[128];
	if (policy_parse_host(buf, 0, &it, err, sizeof err) < 0)
		return -1;
	memcpy(r->name, it.host, sizeof r->name);
	return 0;
}

/* Whether the request host matches a rule host `h` (a wildcard's suffix when
 * `wildcard`). An IP address matches only the same address written literally. */
static int match_canon(const char *h, int wildcard, const struct req_host *r)
{
	if (r->fam) {
		unsigned char ip[16];
		if (wildcard || addr_parse_literal(h, ip) != r->fam)
			return 0;
		return memcmp(ip, r->ip, r->fam == AF_INET ? 4 : 16) == 0;
	}
	if (!wildcard)
		return strcasecmp(h, r->name) == 0;
	size_t hl = strlen(r->name), sl = strlen(h);
	/* "*.x" covers a.x and a.b.x: a non-empty prefix, then a dot, then x. Never x. */
	return hl > sl + 1 && r->name[hl - sl - 1] == '.' && strcasecmp(r->name + hl - sl, h) == 0;
}

/* "*-x" (a secret's hosts): one label, non-empty, then "-x": us-east5-aiplatform... for
 * "*-aiplatform.googleapis.com", never a.b-aiplatform... nor -aiplatform... itself. */
static int match_dash(const char *suffix, const struct req_host *r)
{
	if (r->fam)
		return 0;
	size_t hl = strlen(r->name), sl = strlen(suffix);
	if (hl <= sl || strcasecmp(r->name + hl - sl, suffix) != 0)
		return 0;
	return memchr(r->name, '.', hl - sl) == NULL;
}

int policy_host_match(const char *pattern, const char *host)
{
	struct req_host r;
	if (!pattern || canon_request(host, &r) < 0)
		return 0;
	if (pattern[0] == '*' && pattern[1] == '.')
		return match_canon(pattern + 2, 1, &r);
	if (pattern[0] == '*' && pattern[1] == '-')
		return match_dash(pattern + 1, &r);
	size_t n = strlen(pattern);
	if (n >= 2 && pattern[0] == '[' && pattern[n - 1] == ']') {
		char buf[POLICY_HOST_MAX];
		if (n - 2 >= sizeof buf)
			return 0;
		memcpy(buf, pattern + 1, n - 2);
		buf[n - 2] = '\0';
		return match_canon(buf, 0, &r);
	}
	return match_canon(pattern, 0, &r);
}

enum policy_action policy_decide(const struct policy *p, const char *host, uint16_t port,
				 uint16_t default_port, const struct policy_host_rule **rule)
{
	struct req_host r;
	if (rule)
		*rule = NULL;
	if (!p || canon_request(host, &r) < 0 || port == 0)
		return ACTION_DENY;
	/* First match in file order wins: the user reads the policy top to bottom. */
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_host_rule *x = &p->rules[i];
		uint16_t want = x->port ? x->port : default_port;
		if (want != port || !match_canon(x->host, x->wildcard, &r))
			continue;
		if (rule)
			*rule = x;
		return x->action;
	}
	return ACTION_DENY;
}

const struct policy_map *policy_find_map(const struct policy *p, const char *host,
					 uint16_t port)
{
	struct req_host r;
	if (!p || canon_request(host, &r) < 0)
		return NULL;
	for (size_t i = 0; i < p->nmaps; i++) {
		const struct policy_map *m = &p->maps[i];
		if ((m->host_port == 0 || m->host_port == port) && match_canon(m->host, 0, &r))
			return m;
	}
	return NULL;
}

const struct policy_secret *policy_find_secret(const struct policy *p, const char *name,
					       size_t namelen)
{
	if (!p || !name)
		return NULL;
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		if (strlen(s->name) == namelen && memcmp(s->name, name, namelen) == 0)
			return s;
	}
	return NULL;
}

int policy_secret_bound(const struct policy_secret *s, const char *host)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < s->nhosts; i++)
		if (policy_host_match(s->hosts[i], host))
			return 1;
	return 0;
}
