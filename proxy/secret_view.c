/* secret_view.c: see secret_view.h. */
#include "proxy/secret_view.h"
#include "net/base/safe_open.h"
#include "policy/sandbox_env.h"
#include "proxy/proto/json.h"
#include "proxy/secret_store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One member to mask: its token in the document and the secret it belongs to. */
struct mask {
	struct json_span tok;
	const char *name;
};

static int by_offset(const void *a, const void *b)
{
	size_t x = ((const struct mask *)a)->tok.off, y = ((const struct mask *)b)->tok.off;
	return x < y ? -1 : x > y;
}

/* The document with each mask's token replaced by "PLACEHOLDER" (quoted). */
static char *apply(const char *doc, size_t n, struct mask *m, size_t nm, size_t *len)
{
	size_t prefix = strlen(SANDBOX_PLACEHOLDER_PREFIX), cap = n + 1;
	for (size_t k = 0; k < nm; k++)
		cap += prefix + strlen(m[k].name) + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t w = 0, r = 0; /* m is sorted by offset */
	for (size_t k = 0; k < nm; k++) {
		memcpy(out + w, doc + r, m[k].tok.off - r);
		w += m[k].tok.off - r;
		w += (size_t)sprintf(out + w, "\"%s%s\"", SANDBOX_PLACEHOLDER_PREFIX, m[k].name);
		r = m[k].tok.off + m[k].tok.len;
	}
	memcpy(out + w, doc + r, n - r);
	*len = w + n - r;
	return out;
}

/* Whether `path` (reached without links) is the file `st` describes. */
static int same_file(const char *path, const struct stat *st)
{
	struct stat o;
	char why[256];
	return safe_stat(path, &o, why, sizeof why) == 0 && o.st_dev == st->st_dev &&
	       o.st_ino == st->st_ino;
}

int secret_view_make(const struct policy *p, size_t i, char **out, size_t *len, char *err,
		     size_t errlen)
{
	const struct policy_secret *s = &p->secrets[i];
	*out = NULL;
	*len = 0;
	if (!s->json) {
		/* A whole-file secret on a file another secret reads a member of: whichever
		 * view were mounted, one of them would show what the other hides. */
		struct stat self;
		char why[PATH_MAX + 300];
		for (size_t j = 0; j < p->nsecrets; j++) {
			const struct policy_secret *o = &p->secrets[j];
			if (!o->json || !o->file)
				continue;
			if (safe_stat(s->file, &self, why, sizeof why) < 0 || same_file(o->file, &self)) {
				snprintf(err, errlen, "secrets %s and %s share the file %s, one as a whole "
					 "and one as a JSON member (give each its own file, or name a "
					 "member in both)", s->name, o->name, s->file);
				return -1;
			}
		}
		size_t cap = strlen(SANDBOX_PLACEHOLDER_PREFIX) + strlen(s->name) + 2;
		if (!(*out = malloc(cap)))
			goto oom;
		*len = (size_t)snprintf(*out, cap, "%s%s\n", SANDBOX_PLACEHOLDER_PREFIX, s->name);
		return 0;
	}
	const struct safe_guard g = {p->uid, p->gid};
	char why[PATH_MAX + 300], *doc;
	size_t n;
	if (secret_file_read(s->file, &g, &doc, &n, why, sizeof why) < 0) {
		snprintf(err, errlen, "secret %s: its file %s: %s", s->name, s->file, why);
		return -1;
	}
	struct mask m[SECRET_STORE_MAX];
	size_t nm = 0;
	int rc = 0;
	struct stat self;
	if (safe_stat(s->file, &self, why, sizeof why) < 0) {
		snprintf(err, errlen, "secret %s: its file %s: %s", s->name, s->file, why);
		rc = -1;
	}
	for (size_t j = 0; j < p->nsecrets && nm < SECRET_STORE_MAX && rc == 0; j++) {
		const struct policy_secret *o = &p->secrets[j];
		/* The same file however it is spelled ("a/./b", "a//b"): one view holds all
		 * its members, whichever of the spellings is mounted last. */
		if (!o->file || !same_file(o->file, &self))
			continue;
		if (!o->json) {
			snprintf(err, errlen, "secrets %s and %s share the file %s, one as a whole and "
				 "one as a JSON member (give each its own file, or name a member "
				 "in both)", s->name, o->name, s->file);
			rc = -1;
			break;
		}
		const char *bad = NULL;
		if (json_find_string(doc, n, o->json, &m[nm].tok, &bad) != JSON_FOUND) {
			snprintf(err, errlen, "secret %s: %s has no string member %s%s%s", o->name,
				 s->file, o->json, bad ? ": " : "", bad ? bad : "");
			rc = -1;
			break;
		}
		m[nm++].name = o->name;
	}
	qsort(m, nm, sizeof *m, by_offset);
	for (size_t k = 1; k < nm && rc == 0; k++)
		if (m[k].tok.off == m[k - 1].tok.off) {
			snprintf(err, errlen, "secrets %s and %s name the same member of %s (one "
				 "secret per member)", m[k - 1].name, m[k].name, s->file);
			rc = -1;
		}
	if (rc == 0 && !(*out = apply(doc, n, m, nm, len)))
		rc = -2;
	explicit_bzero(doc, n);
	free(doc);
	if (rc == -2)
		goto oom;
	return rc;
oom:
	snprintf(err, errlen, "secret %s: out of memory making its file's view", s->name);
	return -1;
}
