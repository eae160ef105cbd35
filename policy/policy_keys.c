/* policy_keys.c: one handler per policy key. Each validates its items and adds them to
 * struct policy, or says what is wrong with the item and what would be right.
 */
#include "policy/policy_load.h"
#include "net/base/safe_open.h"
#include "policy/sandbox_env.h"
#include "policy/http_rules.h"
#include "proxy/proto/json.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The next space-separated item of *cur (split in place), or NULL at the end. */
static char *next_item(char **cur)
{
	char *s = *cur;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s) {
		*cur = s;
		return NULL;
	}
	char *e = s;
	while (*e && !isspace((unsigned char)*e))
		e++;
	if (*e)
		*e++ = '\0';
	*cur = e;
	return s;
}

/* For a key that takes one value: checks that it comes once and holds one item. */
static char *one_value(struct loader *L, int *seen, const char *key, char *value)
{
	if (*seen) {
		policy_load_fail(L, L->line, "%s is given twice (first on line %d; give it once)", key,
			  *seen);
		return NULL;
	}
	*seen = L->line;
	char *cur = value, *item = next_item(&cur);
	if (item && next_item(&cur)) {
		policy_load_fail(L, L->line, "%s takes one value, not several (write %s = VALUE)", key,
			  key);
		return NULL;
	}
	return item;
}

/* Expands a path item, remembering ${...} uses for the check against secret names. */
static char *path_item(struct loader *L, const char *key, const char *item)
{
	char err[512];
	char *path = policy_expand_path(item, err, sizeof err);
	if (!path) {
		policy_load_fail(L, L->line, "%s %s", key, err);
		return NULL;
	}
	if (strstr(item, "${")) {
		struct var_use *u = &ADD(L->vars, L->nvars);
		u->item = policy_xstrdup(item);
		u->key = key;
		u->line = L->line;
	}
	return path;
}

/* A path that must name an existing regular file (trust anchors, secret files). */
static char *file_item(struct loader *L, const char *key, const char *item, const char *hint)
{
	char q[128];
	char *path = path_item(L, key, item);
	struct stat st;
	if (!path)
		return NULL;
	const char *why = NULL;
	char reason[PATH_MAX + 200]; /* no link is followed: see safe_open.h */
	if (safe_stat(path, &st, reason, sizeof reason) < 0)
		why = reason;
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why) {
		policy_load_fail(L, L->line, "%s '%s': %s (%s)", key, policy_quote(item, q, sizeof q), why,
			  hint);
		free(path);
		return NULL;
	}
	return path;
}

static void k_user(struct loader *L, const char *key, char *value)
{
	char err[512];
	uid_t uid;
	gid_t gid;
	char *item = one_value(L, &L->user_line, key, value);
	if (!item)
		return;
	if (policy_resolve_user(item, &uid, &gid, err, sizeof err) < 0) {
		policy_load_fail(L, L->line, "user: %s", err);
		return;
	}
	L->p->user = policy_xstrdup(item);
	L->p->uid = uid;
	L->p->gid = gid;
}

static void k_workdir(struct loader *L, const char *key, char *value)
{
	char *item = one_value(L, &L->workdir_line, key, value);
	if (item)
		L->p->workdir = path_item(L, key, item);
}

static void k_mode(struct loader *L, const char *key, char *value)
{
	int landlock = strcmp(key, "landlock") == 0;
	char q[128];
	char *item = one_value(L, landlock ? &L->landlock_line : &L->seccomp_line, key, value);
	enum policy_mode m;
	if (!item)
		return;
	if (strcmp(item, "required") == 0)
		m = POLICY_REQUIRED;
	else if (strcmp(item, "best_effort") == 0)
		m = POLICY_BEST_EFFORT;
	else {
		policy_load_fail(L, L->line, "%s = '%s' is not a mode (required or best_effort)", key,
			  policy_quote(item, q, sizeof q));
		return;
	}
	if (landlock)
		L->p->landlock = m;
	else
		L->p->seccomp = m;
}

/* tmpfs_size = N[K|M|G]: how much each tmpfs may hold. */
static void k_tmpfs_size(struct loader *L, const char *key, char *value)
{
	char q[128];
	char *item = one_value(L, &L->tmpfs_size_line, key, value);
	if (!item)
		return;
	char *end;
	errno = 0;
	unsigned long long n = item[0] >= '0' && item[0] <= '9' ? strtoull(item, &end, 10) : 0;
	int shift = 0;
	if (n && !errno && *end && !end[1])
		shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20 :
			*end == 'G' || *end == 'g' ? 30 : -1;
	else if (n && !errno && *end)
		shift = -1;
	if (!n || errno || shift < 0 || n > (POLICY_TMPFS_SIZE_MAX >> shift)) {
		policy_load_fail(L, L->line, "%s = '%s' is not a size (a number of bytes, or with K, M or "
			  "G, up to 1024G; the default is 512M)", key, policy_quote(item, q, sizeof q));
		return;
	}
	L->p->tmpfs_size = (uint64_t)n << shift;
}

static void k_isolation(struct loader *L, const char *key, char *value)
{
	static const char *const names[] = {"auto", "full", "userns", "unprivileged"};
	char q[128];
	char *item = one_value(L, &L->isolation_line, key, value);
	if (!item)
		return;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(item, names[i]) == 0) {
			L->p->isolation = (enum policy_isolation)i;
			return;
		}
	policy_load_fail(L, L->line, "%s = '%s' is not a mode (auto, full, userns or unprivileged)",
		  key, policy_quote(item, q, sizeof q));
}

static void k_max_processes(struct loader *L, const char *key, char *value)
{
	char q[128];
	char *item = one_value(L, &L->max_processes_line, key, value);
	if (!item)
		return;
	char *end;
	errno = 0;
	unsigned long n = item[0] >= '0' && item[0] <= '9' ? strtoul(item, &end, 10) : 0;
	if (!n || errno || *end || n < POLICY_MAX_PROCESSES_MIN || n > POLICY_MAX_PROCESSES_MAX) {
		policy_load_fail(L, L->line, "%s = '%s' is not a process count (a number %u..%u; the "
			  "default is %u)", key, policy_quote(item, q, sizeof q),
			  POLICY_MAX_PROCESSES_MIN, POLICY_MAX_PROCESSES_MAX,
			  POLICY_MAX_PROCESSES_DEFAULT);
		return;
	}
	L->p->max_processes = (unsigned)n;
}

static void k_paths(struct loader *L, const char *key, char *value)
{
	struct policy *p = L->p;
	int rw = strcmp(key, "read_write") == 0, tmp = strcmp(key, "tmpfs") == 0;
	char *item, *cur = value;
	while ((item = next_item(&cur))) {
		char *path = path_item(L, key, item);
		if (!path)
			continue;
		struct policy_path *pp = tmp ? &ADD(p->tmpfs, p->ntmpfs)
				       : rw  ? &ADD(p->read_write, p->nread_write)
					     : &ADD(p->read_only, p->nread_only);
		pp->path = path;
		pp->line = L->line;
	}
}

static void k_rules(struct loader *L, const char *key, char *value)
{
	struct policy *p = L->p;
	char err[256], q[128], *item, *cur = value;
	struct host_item h;
	while ((item = next_item(&cur))) {
		if (policy_parse_host(item, HOSTP_PORT | HOSTP_WILDCARD, &h, err, sizeof err) < 0) {
			policy_load_fail(L, L->line, "%s '%s' %s", key, policy_quote(item, q, sizeof q), err);
			continue;
		}
		struct policy_host_rule *r = &ADD(p->rules, p->nrules);
		r->host = policy_xstrdup(h.host);
		r->wildcard = h.wildcard;
		r->port = h.port;
		r->action = strcmp(key, "allow") == 0 ? ACTION_ALLOW : ACTION_PASSTHROUGH;
		r->text = policy_xstrdup(item);
		r->line = L->line;
	}
}

/* A map's address: IPv4[:PORT], [IPv6][:PORT] or a bare IPv6 address (no port). */
static int parse_addr(const char *item, struct host_item *a)
{
	char err[256];
	unsigned char ip[16];
	const char *c = strchr(item, ':');
	if (item[0] != '[' && c && strchr(c + 1, ':')) {
		memset(a, 0, sizeof *a);
		if (inet_pton(AF_INET6, item, ip) != 1)
			return -1;
		inet_ntop(AF_INET6, ip, a->host, sizeof a->host);
		return 0;
	}
	if (policy_parse_host(item, HOSTP_PORT, a, err, sizeof err) < 0)
		return -1;
	return policy_ip_family(a->host) ? 0 : -1;
}

static void k_map(struct loader *L, const char *key, char *value)
{
	struct policy *p = L->p;
	char err[256], q[128], *from, *to, *cur = value;
	struct host_item h, a;
	while ((from = next_item(&cur))) {
		to = next_item(&cur);
		if (!to) {
			policy_load_fail(L, L->line, "map '%s' has no address (write map = HOST[:PORT] "
				  "ADDR[:PORT], e.g. map = api.example.test 127.0.0.1:8443)",
				  policy_quote(from, q, sizeof q));
			return;
		}
		if (policy_parse_host(from, HOSTP_PORT, &h, err, sizeof err) < 0) {
			policy_load_fail(L, L->line, "map host '%s' %s", policy_quote(from, q, sizeof q), err);
			continue;
		}
		if (parse_addr(to, &a) < 0) {
			policy_load_fail(L, L->line, "map address '%s' is not a numeric IPv4 or IPv6 address "
				  "(write 127.0.0.1:8443 or [::1]:8443)", policy_quote(to, q, sizeof q));
			continue;
		}
		const struct policy_map *old = NULL;
		for (size_t i = 0; i < p->nmaps && !old; i++)
			if (p->maps[i].host_port == h.port && strcmp(p->maps[i].host, h.host) == 0)
				old = &p->maps[i];
		if (old) {
			policy_load_fail(L, L->line, "map for '%s' is given twice (first on line %d; keep "
				  "one)", policy_quote(from, q, sizeof q), old->line);
			continue;
		}
		struct policy_map *m = &ADD(p->maps, p->nmaps);
		m->host = policy_xstrdup(h.host);
		m->host_port = h.port;
		m->addr = policy_xstrdup(a.host);
		m->port = a.port;
		m->line = L->line;
	}
	(void)key;
}

static void k_trust(struct loader *L, const char *key, char *value)
{
	struct policy *p = L->p;
	char *item, *cur = value;
	while ((item = next_item(&cur))) {
		char *path = file_item(L, key, item, "give the path of an existing PEM file of CA certificates");
		if (path)
			ADD(p->trust, p->ntrust) = path;
	}
}

/* "none", or http://HOST[:PORT][/]: the proxy talks to it with CONNECT in clear. */
static void k_upstream(struct loader *L, const char *key, char *value)
{
	char q[128], err[256], hostport[POLICY_HOST_MAX + 8];
	struct host_item h;
	char *item = one_value(L, &L->upstream_line, key, value);
	if (!item)
		return;
	policy_quote(item, q, sizeof q);
	if (strcmp(item, "none") == 0) {
		L->p->upstream_proxy = policy_xstrdup(item);
		return;
	}
	if (strncasecmp(item, "http://", 7) != 0) {
		policy_load_fail(L, L->line, "upstream_proxy '%s' is not an http:// URL (write "
			  "http://HOST:PORT, or none)", q);
		return;
	}
	const char *hp = item + 7, *slash = strchr(hp, '/');
	size_t n = slash ? (size_t)(slash - hp) : strlen(hp);
	if (slash && slash[1] != '\0') {
		policy_load_fail(L, L->line, "upstream_proxy '%s' has a path (write http://HOST:PORT)", q);
		return;
	}
	if (memchr(hp, '@', n)) {
		policy_load_fail(L, L->line, "upstream_proxy '%s' has credentials, which a policy must not "
			  "hold (write http://HOST:PORT)", q);
		return;
	}
	if (n >= sizeof hostport) {
		policy_load_fail(L, L->line, "upstream_proxy '%s' has a host that is too long", q);
		return;
	}
	memcpy(hostport, hp, n);
	hostport[n] = '\0';
	if (policy_parse_host(hostport, HOSTP_PORT, &h, err, sizeof err) < 0) {
		policy_load_fail(L, L->line, "upstream_proxy '%s': the host %s", q, err);
		return;
	}
	L->p->upstream_proxy = policy_xstrdup(item);
}

static void k_forward(struct loader *L, const char *key, char *value)
{
	struct policy *p = L->p;
	char q[128], *item, *cur = value;
	uint16_t port;
	while ((item = next_item(&cur))) {
		policy_quote(item, q, sizeof q);
		if (policy_parse_port(item, &port) < 0) {
			policy_load_fail(L, L->line, "forward '%s' is not a port (a number 1..65535)", q);
			continue;
		}
		if (port == 3128) {
			policy_load_fail(L, L->line, "forward 3128 is the proxy's own port inside the sandbox "
				  "(forward another port)");
			continue;
		}
		int dup = 0;
		for (size_t i = 0; i < p->nforwards; i++)
			dup |= p->forwards[i] == port;
		if (dup) {
			policy_load_fail(L, L->line, "forward %u is given twice (give it once)", port);
			continue;
		}
		ADD(p->forwards, p->nforwards) = port;
	}
	(void)key;
}

/* An [environment] item: a variable name, or a pattern with `*`. */
static int env_pattern_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '*'))
			return 0;
	return 1;
}

void policy_add_default_credentials(struct policy *p)
{
	for (size_t i = 0; sandbox_env_default_credentials[i]; i++)
		ADD(p->env_credentials, p->nenv_credentials) =
			policy_xstrdup(sandbox_env_default_credentials[i]);
}

/* credentials = PATTERN... | default | none: the names that count as credentials.
 * Given at all, it replaces the default list; the item `default` stands for that list,
 * `none` alone for an empty one. pass = PATTERN...: names passed as they are. */
static void k_env_list(struct loader *L, const char *key, char *value)
{
	int creds = strcmp(key, "credentials") == 0;
	char **list = creds ? L->p->env_credentials : L->p->env_pass;
	size_t n = creds ? L->p->nenv_credentials : L->p->nenv_pass;
	char q[128];
	if (creds && !L->credentials_line)
		L->credentials_line = L->line;
	char *cur = value, *item;
	while ((item = next_item(&cur))) {
		if (creds && strcmp(item, "default") == 0) {
			for (size_t i = 0; sandbox_env_default_credentials[i]; i++)
				ADD(list, n) = policy_xstrdup(sandbox_env_default_credentials[i]);
			continue;
		}
		if (creds && strcmp(item, "none") == 0) {
			if (next_item(&cur) || n)
				policy_load_fail(L, L->line, "credentials = none stands alone (it means: "
					  "remove no variable by its name)");
			break;
		}
		if (!env_pattern_ok(item)) {
			policy_load_fail(L, L->line, "%s: '%s' is not a variable name or pattern (letters, "
				  "digits, _ and * only, as in *_TOKEN)", key,
				  policy_quote(item, q, sizeof q));
			continue;
		}
		ADD(list, n) = policy_xstrdup(item);
	}
	if (creds) {
		L->p->env_credentials = list;
		L->p->nenv_credentials = n;
	} else {
		L->p->env_pass = list;
		L->p->nenv_pass = n;
	}
}

void policy_load_http_section(struct loader *L, const char *pattern)
{
	struct policy *p = L->p;
	char err[256], q[128];
	struct host_item h;
	if (policy_parse_host(pattern, HOSTP_WILDCARD, &h, err, sizeof err) < 0) {
		policy_load_fail(L, L->line, "[http %s]: the host %s (write [http api.github.com] or "
			  "[http *.example.com])", policy_quote(pattern, q, sizeof q), err);
		L->sec = SEC_SKIP;
		return;
	}
	char pat[POLICY_HOST_MAX + 2];
	snprintf(pat, sizeof pat, "%s%s", h.wildcard ? "*." : "", h.host);
	for (size_t i = 0; i < p->nhttp; i++)
		if (strcmp(p->http[i].pattern, pat) == 0) {
			policy_load_fail(L, L->line, "[http %s] is defined twice (first on line %d; merge the "
				  "two sections)", pat, p->http[i].line);
			L->sec = SEC_SKIP;
			return;
		}
	struct policy_http *s = &ADD(p->http, p->nhttp);
	memset(s, 0, sizeof *s);
	s->pattern = policy_xstrdup(pat);
	s->line = L->line;
	L->http = p->nhttp - 1;
	L->sec = SEC_HTTP;
}

/* access = read-only | read-write | full */
static void k_access(struct loader *L, const char *key, char *value)
{
	struct policy_http *s = &L->p->http[L->http];
	char q[128];
	char *item = one_value(L, &s->access_line, key, value);
	if (!item)
		return;
	if (strcmp(item, "read-only") == 0)
		s->access = HTTP_ACCESS_READ_ONLY;
	else if (strcmp(item, "read-write") == 0)
		s->access = HTTP_ACCESS_READ_WRITE;
	else if (strcmp(item, "full") == 0)
		s->access = HTTP_ACCESS_FULL;
	else
		policy_load_fail(L, L->line, "access = '%s' is not a level (read-only, read-write or full)",
			  policy_quote(item, q, sizeof q));
}

/* allow = METHOD GLOB, deny = METHOD GLOB */
static void k_http_rule(struct loader *L, const char *key, char *value)
{
	struct policy_http *s = &L->p->http[L->http];
	char q[128], *cur = value;
	char *method = next_item(&cur), *glob = next_item(&cur);
	int ok = method && glob && !next_item(&cur) && glob[0] == '/' &&
		 strlen(glob) < HTTP_RULES_PATH_MAX;
	for (char *m = method; ok && *m; m++) {
		if (!(isalpha((unsigned char)*m) || (*m == '*' && m == method && !m[1])))
			ok = 0;
		*m = (char)toupper((unsigned char)*m);
	}
	if (!ok) {
		policy_load_fail(L, L->line, "%s = '%s' is not a rule (write %s = METHOD /path/glob, e.g. "
			  "%s = POST /repos/acme/*/pulls; * for any method)", key,
			  policy_quote(value, q, sizeof q), key, key);
		return;
	}
	struct policy_http_rule *r = &ADD(s->rules, s->nrules);
	r->method = policy_xstrdup(method);
	r->glob = policy_xstrdup(glob);
	r->deny = strcmp(key, "deny") == 0;
	r->line = L->line;
}

void policy_load_secret_section(struct loader *L, const char *name)
{
	struct policy *p = L->p;
	/* A secret of a name airlock sets inside could not hold its placeholder there. */
	if (sandbox_env_sets(name)) {
		policy_load_fail(L, L->line, "[secret %s] names a variable airlock sets inside the sandbox "
			  "(pick another variable for the secret)", name);
		L->sec = SEC_SKIP;
		return;
	}
	const struct policy_secret *old = policy_find_secret(p, name, strlen(name));
	if (old) {
		policy_load_fail(L, L->line, "[secret %s] is defined twice (first on line %d; merge the "
			  "two sections)", name, old->line);
		L->sec = SEC_SKIP;
		return;
	}
	L->slines = policy_xrealloc(L->slines, p->nsecrets + 1, sizeof *L->slines);
	memset(&L->slines[p->nsecrets], 0, sizeof *L->slines);
	struct policy_secret *s = &ADD(p->secrets, p->nsecrets);
	memset(s, 0, sizeof *s);
	s->name = policy_xstrdup(name);
	s->line = L->line;
	L->secret = p->nsecrets - 1;
	L->sec = SEC_SECRET;
}

static void k_hosts(struct loader *L, const char *key, char *value)
{
	struct policy_secret *s = &L->p->secrets[L->secret];
	char err[256], q[128], *item, *cur = value;
	struct host_item h;
	L->slines[L->secret].hosts = L->line;
	while ((item = next_item(&cur))) {
		if (policy_parse_host(item, HOSTP_WILDCARD | HOSTP_DASH, &h, err, sizeof err) < 0) {
			policy_load_fail(L, L->line, "%s '%s' %s", key, policy_quote(item, q, sizeof q), err);
			continue;
		}
		char pat[POLICY_HOST_MAX + 2];
		snprintf(pat, sizeof pat, "%s%s", h.wildcard == 2 ? "*-" : h.wildcard ? "*." : "",
			 h.host);
		ADD(s->hosts, s->nhosts) = policy_xstrdup(pat);
	}
}

static void k_file(struct loader *L, const char *key, char *value)
{
	struct policy_secret *s = &L->p->secrets[L->secret];
	char *item = one_value(L, &L->slines[L->secret].file, key, value);
	if (item)
		s->file = file_item(L, key, item, "give the path of an existing file, or remove the file line");
}

/* Whether `item` is a JSON member path: names of 1..JSON_MAX_KEY bytes, at most
 * JSON_MAX_PATH of them, joined by '.'. */
static int member_path(const char *item)
{
	int ok = 1, parts = 0;
	for (const char *c = item, *start = item;; c++) {
		if (*c == '.' || !*c) {
			size_t n = (size_t)(c - start);
			ok &= n > 0 && n <= JSON_MAX_KEY && ++parts <= JSON_MAX_PATH;
			if (!*c)
				break;
			start = c + 1;
		}
	}
	return ok;
}

/* [token] from = https://HOST/PATH: where the token comes from. */
static void k_from(struct loader *L, const char *key, char *value)
{
	struct policy_secret *s = &L->p->secrets[L->secret];
	char q[128];
	char *item = one_value(L, &L->slines[L->secret].from, key, value);
	if (!item)
		return;
	const char *h = item + 8, *slash = strchr(h, '/');
	size_t hl = slash ? (size_t)(slash - h) : strlen(h);
	char host[POLICY_HOST_MAX + 1], err[256];
	struct host_item hi;
	int ok = strncmp(item, "https://", 8) == 0 && slash && hl > 0 && hl <= POLICY_HOST_MAX &&
		 !strpbrk(slash, "?# \t");
	if (ok) {
		memcpy(host, h, hl);
		host[hl] = '\0';
		ok = policy_parse_host(host, 0, &hi, err, sizeof err) == 0;
	}
	if (!ok) {
		policy_load_fail(L, L->line, "from = '%s' is not an https:// URL with a host name "
			  "and a path, without port or query (write from = "
			  "https://oauth2.googleapis.com/token)", policy_quote(item, q, sizeof q));
		return;
	}
	snprintf(host, sizeof host, "%s", hi.host);
	s->from_host = policy_xstrdup(host);
	s->from_path = policy_xstrdup(slash);
}

/* [token] field = MEMBER: the answer's member that holds the token. */
static void k_field(struct loader *L, const char *key, char *value)
{
	char q[128];
	char *item = one_value(L, &L->slines[L->secret].field, key, value);
	if (!item)
		return;
	if (!member_path(item)) {
		policy_load_fail(L, L->line, "field = '%s' is not a member name (write field = "
			  "access_token)", policy_quote(item, q, sizeof q));
		return;
	}
	L->p->secrets[L->secret].field = policy_xstrdup(item);
}

/* json = MEMBER: a top-level or dotted member name of the secret's JSON file. */
static void k_json(struct loader *L, const char *key, char *value)
{
	struct policy_secret *s = &L->p->secrets[L->secret];
	char q[128];
	char *item = one_value(L, &L->slines[L->secret].json, key, value);
	if (!item)
		return;
	int ok = 1, parts = 0;
	for (const char *c = item, *start = item;; c++) {
		if (*c == '.' || !*c) {
			size_t n = (size_t)(c - start);
			ok &= n > 0 && n <= JSON_MAX_KEY && ++parts <= JSON_MAX_PATH;
			if (!*c)
				break;
			start = c + 1;
		}
	}
	if (!ok) {
		policy_load_fail(L, L->line, "json = '%s' is not a member name (write json = access_token, "
			  "or json = token.access_token for a nested one)", policy_quote(item, q, sizeof q));
		return;
	}
	s->json = policy_xstrdup(item);
}

void policy_load_gcp_section(struct loader *L)
{
	struct policy *p = L->p;
	if (p->gcp) {
		policy_load_fail(L, L->line, "[gcp] is given twice (first on line %d; merge the two "
			  "sections)", p->gcp->line);
		L->sec = SEC_SKIP;
		return;
	}
	policy_load_secret_section(L, POLICY_GCP_TOKEN_NAME);
	if (L->sec != SEC_SECRET)
		return; /* a [secret GCP_ACCESS_TOKEN] is there: named by its message */
	p->secrets[L->secret].token = 1;
	p->secrets[L->secret].gcp = 1;
	p->secrets[L->secret].field = policy_xstrdup("access_token");
	p->gcp = policy_xrealloc(NULL, 1, sizeof *p->gcp);
	memset(p->gcp, 0, sizeof *p->gcp);
	p->gcp->secret = L->secret;
	p->gcp->metadata_port = POLICY_GCP_METADATA_PORT;
	p->gcp->line = L->line;
	L->sec = SEC_GCP;
}

/* [gcp] service_account = PATH: the key file (the secret's `file`, never shown). */
static void k_service_account(struct loader *L, const char *key, char *value)
{
	k_file(L, key, value);
}

/* [gcp] scopes = URL...: what the grants ask for. */
static void k_scopes(struct loader *L, const char *key, char *value)
{
	char q[128], *item, *cur = value;
	struct policy_gcp *g = L->p->gcp;
	if (L->gcp_scopes_line) {
		policy_load_fail(L, L->line, "%s is given twice (first on line %d; list every scope "
			  "on one line)", key, L->gcp_scopes_line);
		return;
	}
	L->gcp_scopes_line = L->line;
	size_t len = 0;
	char *all = NULL;
	while ((item = next_item(&cur))) {
		if (strncmp(item, "https://", 8) != 0 || strpbrk(item, "\"\\") ||
		    strlen(item) > 512) {
			policy_load_fail(L, L->line, "scope '%s' is not an https:// scope URL (write "
				  "scopes = https://www.googleapis.com/auth/cloud-platform)",
				  policy_quote(item, q, sizeof q));
			continue;
		}
		size_t n = strlen(item);
		all = policy_xrealloc(all, len + n + 2, 1);
		if (len)
			all[len++] = ' ';
		memcpy(all + len, item, n + 1);
		len += n;
	}
	if (len > 3000) {
		policy_load_fail(L, L->line, "scopes are longer than 3000 bytes in all");
		free(all);
		return;
	}
	free(g->scopes);
	g->scopes = all;
}

/* [gcp] metadata_port = PORT: where the metadata server listens inside. */
static void k_metadata_port(struct loader *L, const char *key, char *value)
{
	char q[128];
	char *item = one_value(L, &L->gcp_port_line, key, value);
	uint16_t port;
	if (!item)
		return;
	if (policy_parse_port(item, &port) < 0 || port == 3128) {
		policy_load_fail(L, L->line, "metadata_port '%s' is not a port other than 3128 (the "
			  "proxy's)", policy_quote(item, q, sizeof q));
		return;
	}
	L->p->gcp->metadata_port = port;
}

/* A yes/no key of a [secret] section, given once. */
static void secret_flag(struct loader *L, int *line, int *flag, const char *key, char *value)
{
	char q[128];
	char *item = one_value(L, line, key, value);
	if (!item)
		return;
	if (strcmp(item, "yes") == 0)
		*flag = 1;
	else if (strcmp(item, "no") == 0)
		*flag = 0;
	else
		policy_load_fail(L, L->line, "%s = '%s' is not yes or no", key,
				 policy_quote(item, q, sizeof q));
}

static void k_plaintext(struct loader *L, const char *key, char *value)
{
	secret_flag(L, &L->slines[L->secret].plaintext, &L->p->secrets[L->secret].plaintext,
		    key, value);
}

static void k_body(struct loader *L, const char *key, char *value)
{
	secret_flag(L, &L->slines[L->secret].body, &L->p->secrets[L->secret].body, key, value);
}

static const struct {
	enum load_section sec;
	const char *name;
	void (*fn)(struct loader *, const char *, char *);
} keys[] = {
	{SEC_SANDBOX, "user", k_user},
	{SEC_SANDBOX, "workdir", k_workdir},
	{SEC_SANDBOX, "landlock", k_mode},
	{SEC_SANDBOX, "seccomp", k_mode},
	{SEC_SANDBOX, "max_processes", k_max_processes},
	{SEC_SANDBOX, "isolation", k_isolation},
	{SEC_FILESYSTEM, "read_only", k_paths},
	{SEC_FILESYSTEM, "read_write", k_paths},
	{SEC_FILESYSTEM, "tmpfs", k_paths},
	{SEC_FILESYSTEM, "tmpfs_size", k_tmpfs_size},
	{SEC_NETWORK, "allow", k_rules},
	{SEC_NETWORK, "passthrough", k_rules},
	{SEC_NETWORK, "map", k_map},
	{SEC_NETWORK, "trust", k_trust},
	{SEC_NETWORK, "upstream_proxy", k_upstream},
	{SEC_NETWORK, "forward", k_forward},
	{SEC_ENVIRONMENT, "credentials", k_env_list},
	{SEC_ENVIRONMENT, "pass", k_env_list},
	{SEC_SECRET, "hosts", k_hosts},
	{SEC_SECRET, "file", k_file},
	{SEC_SECRET, "plaintext", k_plaintext},
	{SEC_SECRET, "body", k_body},
	{SEC_SECRET, "json", k_json},
	{SEC_TOKEN, "hosts", k_hosts},
	{SEC_TOKEN, "from", k_from},
	{SEC_TOKEN, "field", k_field},
	{SEC_GCP, "service_account", k_service_account},
	{SEC_GCP, "hosts", k_hosts},
	{SEC_GCP, "scopes", k_scopes},
	{SEC_GCP, "metadata_port", k_metadata_port},
	{SEC_HTTP, "access", k_access},
	{SEC_HTTP, "allow", k_http_rule},
	{SEC_HTTP, "deny", k_http_rule},
};

void policy_load_key(struct loader *L, const char *key, char *value)
{
	char q[128], sec[POLICY_NAME_MAX + 16], known[128] = "";
	size_t o = 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].sec != L->sec)
			continue;
		if (strcmp(keys[i].name, key) == 0) {
			if (!*value) {
				policy_load_fail(L, L->line, "%s has no value (write %s = VALUE, or remove the "
					  "line)", key, key);
				return;
			}
			keys[i].fn(L, keys[i].name, value);
			return;
		}
		int n = snprintf(known + o, sizeof known - o, "%s%s", o ? ", " : "", keys[i].name);
		if (n > 0 && (size_t)n < sizeof known - o)
			o += (size_t)n;
	}
	policy_load_fail(L, L->line, "unknown key '%s' in %s (known there: %s)",
		  policy_quote(key, q, sizeof q), policy_load_section_name(L, sec, sizeof sec), known);
}
