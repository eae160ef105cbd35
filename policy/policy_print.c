/* policy_print.c: the effective policy as INI text that loads again to the same policy:
 * defaults written out, one item per line, hosts in their normalised form, paths
 * expanded. Comments say what is implicit (the user's ids, missing paths).
 */
#include "policy/policy_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "*.x", "[::1]", with ":port" when given. */
static void host_text(char *buf, size_t len, const char *host, int wildcard, uint16_t port)
{
	int v6 = strchr(host, ':') != NULL;
	int n = snprintf(buf, len, "%s%s%s%s", wildcard ? "*." : "", v6 ? "[" : "", host,
			 v6 ? "]" : "");
	if (port && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ":%u", port);
}

static void paths(FILE *f, const char *key, const struct policy_path *pp, size_t n)
{
	struct stat st;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s = %s%s\n", key, pp[i].path,
			stat(pp[i].path, &st) < 0 ? " ; does not exist here: skipped" : "");
}

static const char *mode(enum policy_mode m)
{
	return m == POLICY_BEST_EFFORT ? "best_effort" : "required";
}

static void write_policy(FILE *f, const struct policy *p)
{
	char a[POLICY_HOST_MAX + 16], b[POLICY_HOST_MAX + 16];

	fprintf(f, "; The effective airlock policy: defaults filled in, one item per line.\n"
		   "; Check it with `airlock policy check FILE`.\n\n");
	fprintf(f, "[sandbox]\nuser = %s ; uid %u, gid %u\n", p->user ? p->user : "65534:65534",
		(unsigned)p->uid, (unsigned)p->gid);
	if (p->workdir)
		fprintf(f, "workdir = %s\n", p->workdir);
	else
		fprintf(f, "; workdir: not set, CMD starts in the caller's working directory\n");
	fprintf(f, "landlock = %s\nseccomp = %s\n", mode(p->landlock), mode(p->seccomp));
	static const char *const isolation[] = {"auto", "full", "userns", "unprivileged"};
	fprintf(f, "isolation = %s\n", isolation[p->isolation]);
	fprintf(f, "max_processes = %u\n\n", p->max_processes);

	fprintf(f, "[filesystem]\n");
	paths(f, "read_only", p->read_only, p->nread_only);
	paths(f, "read_write", p->read_write, p->nread_write);
	for (size_t i = 0; i < p->ntmpfs; i++)
		fprintf(f, "tmpfs = %s\n", p->tmpfs[i].path);
	static const char units[][2] = {"", "K", "M", "G"};
	unsigned long long sz = p->tmpfs_size;
	int u = 0;
	while (u < 3 && sz && sz % 1024 == 0) {
		sz /= 1024;
		u++;
	}
	fprintf(f, "tmpfs_size = %llu%s ; what each tmpfs may hold\n", sz, units[u]);

	fprintf(f, "\n[network]\n");
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_host_rule *r = &p->rules[i];
		host_text(a, sizeof a, r->host, r->wildcard, r->port);
		fprintf(f, "%s = %s\n", r->action == ACTION_PASSTHROUGH ? "passthrough" : "allow", a);
	}
	for (size_t i = 0; i < p->nmaps; i++) {
		const struct policy_map *m = &p->maps[i];
		host_text(a, sizeof a, m->host, 0, m->host_port);
		host_text(b, sizeof b, m->addr, 0, m->port);
		fprintf(f, "map = %s %s\n", a, b);
	}
	for (size_t i = 0; i < p->ntrust; i++)
		fprintf(f, "trust = %s\n", p->trust[i]);
	if (p->upstream_proxy)
		fprintf(f, "upstream_proxy = %s\n", p->upstream_proxy);
	else
		fprintf(f, "; upstream_proxy: not set, the supervisor's HTTPS_PROXY or HTTP_PROXY "
			   "(if any) is used\n");
	for (size_t i = 0; i < p->nforwards; i++)
		fprintf(f, "forward = %u\n", p->forwards[i]);

	fprintf(f, "\n[environment]\n; the caller's variables named like this are removed, "
		   "unless a [secret] or pass\ncredentials =");
	for (size_t i = 0; i < p->nenv_credentials; i++)
		fprintf(f, " %s", p->env_credentials[i]);
	fprintf(f, "%s\n", p->nenv_credentials ? "" : " none");
	if (p->nenv_pass) {
		fprintf(f, "pass =");
		for (size_t i = 0; i < p->nenv_pass; i++)
			fprintf(f, " %s", p->env_pass[i]);
		fprintf(f, "\n");
	}

	static const char *const levels[] = {"full", "read-write", "read-only"};
	for (size_t i = 0; i < p->nhttp; i++) {
		const struct policy_http *h = &p->http[i];
		fprintf(f, "\n[http %s]\naccess = %s\n", h->pattern, levels[h->access]);
		for (size_t j = 0; j < h->nrules; j++)
			fprintf(f, "%s = %s %s\n", h->rules[j].deny ? "deny" : "allow",
				h->rules[j].method, h->rules[j].glob);
	}

	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		if (s->gcp)
			fprintf(f, "\n[gcp]\nservice_account = %s\nscopes = %s\nmetadata_port = %u\n",
				s->file, p->gcp->scopes, p->gcp->metadata_port);
		else
			fprintf(f, "\n[%s %s]\n", s->token ? "token" : "secret", s->name);
		for (size_t j = 0; j < s->nhosts; j++) {
			const char *h = s->hosts[j];
			int wild = h[0] == '*' && h[1] == '.';
			if (h[0] == '*' && h[1] == '-')
				snprintf(a, sizeof a, "%s", h); /* printed as given: *-x */
			else
				host_text(a, sizeof a, wild ? h + 2 : h, wild, 0);
			fprintf(f, "hosts = %s\n", a);
		}
		if (s->gcp)
			continue;
		if (s->token) {
			fprintf(f, "from = https://%s%s\n", s->from_host, s->from_path);
			fprintf(f, "field = %s\n", s->field);
			continue;
		}
		if (s->file)
			fprintf(f, "file = %s\n", s->file);
		if (s->json)
			fprintf(f, "json = %s\n", s->json);
		fprintf(f, "plaintext = %s\n", s->plaintext ? "yes" : "no");
		fprintf(f, "body = %s\n", s->body ? "yes" : "no");
	}
}

char *policy_format(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	write_policy(f, p);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void policy_print(const struct policy *p, int fd)
{
	char *text = policy_format(p);
	if (!text)
		return;
	size_t n = strlen(text), o = 0;
	while (o < n) {
		ssize_t w = write(fd, text + o, n - o);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		o += (size_t)w;
	}
	free(text);
}
