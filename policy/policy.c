/* policy.c: the policy's life cycle around the loader: reading the file, the embedded
 * default, freeing, the error list and the small helpers the loader's files share.
 */
#include "policy/policy_internal.h"
#include "net/base/file.h"
#include "net/base/safe_open.h"
#include "net/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *policy_xrealloc(void *ptr, size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		log_fatal("policy: out of memory");
	size_t bytes = n * size;
	void *q = realloc(ptr, bytes ? bytes : 1);
	if (!q)
		log_fatal("policy: out of memory");
	return q;
}

char *policy_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = policy_xrealloc(NULL, n, 1);
	memcpy(d, s, n);
	return d;
}

const char *policy_quote(const char *s, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, shown = 0;
	if (len == 0)
		return buf;
	for (; *s && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (shown >= 80) {
			if (o + 4 <= len) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c < 0x20 || c >= 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
		shown++;
	}
	buf[o] = '\0';
	return buf;
}

void policy_errors_add(struct policy_errors *e, const char *fmt, ...)
{
	char buf[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* The list stays readable however broken the input: past the limit only a count. */
	if (e->count < POLICY_ERRORS_MAX) {
		e->msgs = policy_xrealloc(e->msgs, e->count + 1, sizeof *e->msgs);
		e->msgs[e->count++] = policy_xstrdup(buf);
		return;
	}
	if (e->count == POLICY_ERRORS_MAX) {
		e->msgs = policy_xrealloc(e->msgs, e->count + 1, sizeof *e->msgs);
		e->msgs[e->count++] = policy_xstrdup("more errors follow; fix these first and check again");
	}
}

void policy_errors_free(struct policy_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->count; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->count = 0;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->source);
	free(p->user);
	free(p->workdir);
	for (size_t i = 0; i < p->nread_only; i++)
		free(p->read_only[i].path);
	free(p->read_only);
	for (size_t i = 0; i < p->nread_write; i++)
		free(p->read_write[i].path);
	free(p->read_write);
	for (size_t i = 0; i < p->nhttp; i++) {
		for (size_t j = 0; j < p->http[i].nrules; j++) {
			free(p->http[i].rules[j].method);
			free(p->http[i].rules[j].glob);
		}
		free(p->http[i].rules);
		free(p->http[i].pattern);
	}
	free(p->http);
	for (size_t i = 0; i < p->ntmpfs; i++)
		free(p->tmpfs[i].path);
	free(p->tmpfs);
	for (size_t i = 0; i < p->nrules; i++) {
		free(p->rules[i].host);
		free(p->rules[i].text);
	}
	free(p->rules);
	for (size_t i = 0; i < p->nmaps; i++) {
		free(p->maps[i].host);
		free(p->maps[i].addr);
	}
	free(p->maps);
	for (size_t i = 0; i < p->ntrust; i++)
		free(p->trust[i]);
	free(p->trust);
	free(p->upstream_proxy);
	free(p->forwards);
	for (size_t i = 0; i < p->nenv_credentials; i++)
		free(p->env_credentials[i]);
	free(p->env_credentials);
	for (size_t i = 0; i < p->nenv_pass; i++)
		free(p->env_pass[i]);
	free(p->env_pass);
	for (size_t i = 0; i < p->nsecrets; i++) {
		struct policy_secret *s = &p->secrets[i];
		free(s->name);
		for (size_t j = 0; j < s->nhosts; j++)
			free(s->hosts[j]);
		free(s->hosts);
		free(s->file);
		free(s->json);
		free(s->from_host);
		free(s->from_path);
		free(s->field);
	}
	free(p->secrets);
	if (p->gcp)
		free(p->gcp->scopes);
	free(p->gcp);
	memset(p, 0, sizeof *p);
}

int policy_load_default(struct policy *p, struct policy_errors *errs)
{
	return policy_load_string(policy_default_text, strlen(policy_default_text), "(default)",
				  p, errs);
}

/* Reads the whole file open on fd (at most POLICY_FILE_MAX bytes) into a malloc'd
 * buffer, and closes fd. */
static char *read_fd(int fd, const char *path, size_t *len, struct policy_errors *errs)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		policy_errors_add(errs, "%s: is a directory (give the path of a policy file)", path);
		close(fd);
		return NULL;
	}
	char *buf;
	int rc = file_read_fd(fd, POLICY_FILE_MAX, &buf, len);
	int e = errno;
	close(fd);
	if (rc < 0 && e == EFBIG)
		policy_errors_add(errs, "%s: is larger than %d bytes (a policy is a short text "
				  "file)", path, POLICY_FILE_MAX);
	else if (rc < 0)
		policy_errors_add(errs, "%s: cannot read the policy: %s", path, strerror(e));
	return rc < 0 ? NULL : buf;
}

/* Opens the policy file, not through a link: it may lie in a tree an earlier sandbox
 * could write. */
static int open_policy(const char *path, struct policy_errors *errs)
{
	char why[PATH_MAX + 200];
	int fd = safe_open(path, O_RDONLY, 0, SAFE_NO_LINKS, why, sizeof why);
	if (fd < 0 && errno == ELOOP)
		policy_errors_add(errs, "%s: %s", path, why);
	else if (fd < 0)
		policy_errors_add(errs, "%s: cannot open the policy: %s (give the path of a "
				  "readable policy file)", path, why);
	return fd;
}

/* The policy decides what the next sandbox may do: a file the sandbox's identity could
 * change (one kept in its read_write tree) would let one run widen the next. The same
 * rule as for token files (safe_open_guarded), with the identity the policy names. */
static int check_policy_file(const char *path, uid_t uid, gid_t gid,
			     struct policy_errors *errs)
{
	const struct safe_guard g = {uid, gid};
	char why[PATH_MAX + 300];
	int fd = safe_open_guarded(path, O_PATH, &g, why, sizeof why);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	policy_errors_add(errs, "%s: %s (the policy must live where the sandbox cannot change "
			  "it)", path, why);
	return -1;
}

int policy_load_file(const char *path, struct policy *p, struct policy_errors *errs)
{
	size_t len = 0;
	memset(p, 0, sizeof *p);
	memset(errs, 0, sizeof *errs);
	int fd = open_policy(path, errs);
	char *text = fd < 0 ? NULL : read_fd(fd, path, &len, errs);
	if (!text)
		return -1;
	int r = policy_load_string(text, len, path, p, errs);
	free(text);
	if (r == 0 && check_policy_file(path, p->uid, p->gid, errs) < 0) {
		policy_free(p);
		return -1;
	}
	return r;
}

int policy_file_open(const char *path, const struct policy *current,
		     struct policy_errors *errs)
{
	memset(errs, 0, sizeof *errs);
	int fd = open_policy(path, errs);
	if (fd >= 0 && check_policy_file(path, current->uid, current->gid, errs) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int policy_load_fd(int fd, const char *name, struct policy *p, struct policy_errors *errs)
{
	size_t len = 0;
	memset(p, 0, sizeof *p);
	memset(errs, 0, sizeof *errs);
	char *text = read_fd(fd, name, &len, errs);
	if (!text)
		return -1;
	int r = policy_load_string(text, len, name, p, errs);
	free(text);
	return r;
}
