/* secret_store.c: see secret_store.h. */
#include "proxy/secret_store.h"
#include "net/base/file.h"
#include "net/base/safe_open.h"
#include "proxy/proto/json.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Room for one value read from a file: the value, a trailing CR LF, and one byte more
 * to notice a file that is too long. */
#define FILE_SLOT (SECRET_VALUE_MAX + 3)

/* Reads the regular file `path` into buf (cap FILE_SLOT). Returns 0 with the length
 * after trailing line ends in *len (0 when empty), or -1 with a sentence in `err`.
 * On -1 the bytes read are wiped. The file is reached without links, and refused when
 * the sandbox's identity `g` could change it or rename it or a folder above it: it
 * would pick what root reads as the secret, or unmask the file in the next run. */
static int read_value_file(const char *name, const char *path, const struct safe_guard *g,
			   char *buf, size_t *len, char *err, size_t errlen)
{
	*len = 0;
	char why[PATH_MAX + 300];
	int fd = safe_open_guarded(path, O_RDONLY | O_NONBLOCK, g, why, sizeof why);
	if (fd < 0 && (errno == ELOOP || errno == EPERM)) {
		snprintf(err, errlen, "secret %s: its file %s: %s", name, path, why);
		return -1;
	}
	if (fd < 0) {
		snprintf(err, errlen,
			 "secret %s: cannot open its file %s: %s (fix `file` in [secret %s] "
			 "or set the environment variable %s)",
			 name, path, why, name, name);
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen,
			 "secret %s: its file %s is not a regular file (point `file` in "
			 "[secret %s] at a file holding the value)",
			 name, path, name);
		close(fd);
		return -1;
	}
	size_t n = 0;
	while (n < FILE_SLOT) {
		ssize_t r = read(fd, buf + n, FILE_SLOT - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "secret %s: cannot read its file %s: %s", name,
				 path, strerror(errno));
			explicit_bzero(buf, n);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == FILE_SLOT) {
		/* Full: only an end of file right here keeps it within the limit. */
		char extra;
		ssize_t r;
		do
			r = read(fd, &extra, 1);
		while (r < 0 && errno == EINTR);
		if (r != 0)
			n = FILE_SLOT + 1;
	}
	close(fd);
	while (n <= FILE_SLOT && n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n > SECRET_VALUE_MAX) {
		snprintf(err, errlen,
			 "secret %s: its file %s holds more than %d bytes; a secret is a "
			 "single token or key",
			 name, path, SECRET_VALUE_MAX);
		explicit_bzero(buf, FILE_SLOT);
		return -1;
	}
	explicit_bzero(buf + n, FILE_SLOT - n); /* the stripped line ends */
	*len = n;
	return 0;
}

/* Reads the JSON file `path` (reached and guarded as above) and puts the decoded string
 * of member `member` into buf (cap FILE_SLOT). Returns 0 with its length in *len, or -1
 * with a sentence in `err` that names the file and member, never file content. The
 * file's bytes are wiped before they are freed. */
static int read_json_value(const char *name, const char *path, const char *member,
			   const struct safe_guard *g, char *buf, size_t *len, char *err,
			   size_t errlen)
{
	char why[PATH_MAX + 300];
	size_t n = 0;
	char *doc = NULL;
	*len = 0;
	if (secret_file_read(path, g, &doc, &n, why, sizeof why) < 0) {
		snprintf(err, errlen, "secret %s: its file %s: %s (fix `file` in [secret %s])", name,
			 path, why, name);
		return -1;
	}
	struct json_span tok;
	const char *bad = NULL;
	enum json_result r = json_find_string(doc, n, member, &tok, &bad);
	long k = r == JSON_FOUND ? json_string_decode(doc, tok, buf, SECRET_VALUE_MAX) : -1;
	explicit_bzero(doc, n);
	free(doc);
	if (k >= 0) {
		*len = (size_t)k;
		return 0;
	}
	if (r == JSON_INVALID)
		snprintf(err, errlen, "secret %s: its file %s is not JSON airlock can read: %s", name,
			 path, bad);
	else if (r == JSON_FOUND)
		snprintf(err, errlen, "secret %s: member %s of %s is longer than %d bytes", name,
			 member, path, SECRET_VALUE_MAX);
	else
		snprintf(err, errlen, "secret %s: %s has no string member %s (fix json = in "
			 "[secret %s])", name, path, member, name);
	return -1;
}

int secret_file_read(const char *path, const struct safe_guard *g, char **out, size_t *len,
		     char *why, size_t whylen)
{
	*out = NULL;
	*len = 0;
	int fd = safe_open_guarded(path, O_RDONLY | O_NONBLOCK, g, why, whylen);
	if (fd < 0)
		return -1;
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > SECRET_FILE_MAX) {
		snprintf(why, whylen, "%s", S_ISREG(sb.st_mode) ? "larger than 1 MiB" :
			 "not a regular file");
		close(fd);
		return -1;
	}
	char *buf;
	size_t n;
	int rc = file_read_fd(fd, (size_t)sb.st_size, &buf, &n);
	int e = errno;
	close(fd);
	if (rc < 0) {
		snprintf(why, whylen, "%s", e == EFBIG ? "it changed while being read" :
			 strerror(e));
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Whether the value could split an HTTP header or end a C string early. */
static int value_unsafe(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0')
			return 1;
	return 0;
}

/* Maps the arena for `n` secrets: each needs at most FILE_SLOT bytes while loading.
 * Untouched pages cost nothing, so sizing for the worst case is fine. */
static int arena_map(struct secret_store *st, size_t n, char *err, size_t errlen)
{
	if (n == 0)
		return 0;
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096;
	size_t cap = (n * FILE_SLOT + ps - 1) / ps * ps;
	void *a = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		snprintf(err, errlen, "cannot map memory for the secrets' values: %s",
			 strerror(errno));
		return -1;
	}
	/* Best effort: these protect the values, but a kernel or a limit that refuses them
	 * leaves the values as safe as any heap memory of a non-dumpable process. */
	(void)madvise(a, cap, MADV_DONTDUMP);
	(void)madvise(a, cap, MADV_WIPEONFORK);
	st->arena = a;
	st->arena_cap = cap;
	return 0;
}

int secret_store_load(const struct policy *p, struct secret_store *st, char *err,
		      size_t errlen)
{
	memset(st, 0, sizeof *st);
	if (p->nsecrets > SECRET_STORE_MAX) {
		snprintf(err, errlen,
			 "%s: the policy has %zu [secret] sections; at most %d are supported",
			 p->source ? p->source : "policy", p->nsecrets, SECRET_STORE_MAX);
		return -1;
	}
	if (arena_map(st, p->nsecrets, err, errlen) < 0)
		return -1;
	size_t used = 0;
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		struct secret_entry *e = &st->entries[i];
		char *slot = st->arena + used;
		e->secret = s;
		st->count = i + 1;
		if (s->token)
			continue; /* its value comes from the endpoint's answers, later */
		const char *env = getenv(s->name);
		if (env && *env) {
			size_t n = strlen(env);
			if (n > SECRET_VALUE_MAX) {
				snprintf(err, errlen,
					 "secret %s: the environment variable %s is longer than "
					 "%d bytes; a secret is a single token or key",
					 s->name, s->name, SECRET_VALUE_MAX);
				goto fail;
			}
			memcpy(slot, env, n);
			e->len = n;
			e->source = SECRET_SOURCE_ENV;
		} else if (s->file) {
			const struct safe_guard g = {p->uid, p->gid};
			if (s->json ? read_json_value(s->name, s->file, s->json, &g, slot, &e->len,
						      err, errlen) < 0
				    : read_value_file(s->name, s->file, &g, slot, &e->len, err,
						      errlen) < 0)
				goto fail;
			if (e->len == 0)
				continue;
			e->source = SECRET_SOURCE_FILE;
		} else {
			continue;
		}
		e->value = slot;
		used += e->len;
		if (value_unsafe(e->value, e->len)) {
			snprintf(err, errlen,
				 "secret %s: the value from %s %s contains a line break or NUL "
				 "byte, which could split an HTTP header; refusing to load it "
				 "(the value must be a single line)",
				 s->name,
				 e->source == SECRET_SOURCE_ENV ? "the environment variable" : "the file",
				 e->source == SECRET_SOURCE_ENV ? s->name : s->file);
			goto fail;
		}
	}
	/* Keep the values out of swap where the memlock limit allows. */
	if (used)
		(void)mlock(st->arena, used);
	st->used = used;
	return 0;
fail:
	secret_store_free(st);
	return -1;
}

int secret_store_prepare(const struct policy *p, struct secret_store *st, char *err,
			 size_t errlen)
{
	memset(st, 0, sizeof *st);
	if (p->nsecrets > SECRET_STORE_MAX) {
		snprintf(err, errlen, "the policy has %zu [secret] sections; at most %d are "
			 "supported", p->nsecrets, SECRET_STORE_MAX);
		return -1;
	}
	if (arena_map(st, p->nsecrets, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < p->nsecrets; i++)
		st->entries[i].secret = &p->secrets[i];
	st->count = p->nsecrets;
	return 0;
}

int secret_store_put(struct secret_store *st, size_t i, const char *value, size_t len,
		     enum secret_source source)
{
	if (i >= st->count || st->entries[i].value || len == 0 || len > SECRET_VALUE_MAX ||
	    !st->arena || st->used + len > st->arena_cap || value_unsafe(value, len))
		return -1;
	struct secret_entry *e = &st->entries[i];
	e->value = st->arena + st->used;
	memcpy(e->value, value, len);
	e->len = len;
	e->source = source;
	(void)mlock(e->value, len);
	st->used += len;
	return 0;
}

int secret_store_set_token(struct secret_store *st, size_t i, const char *value, size_t len,
			   int64_t expires_at)
{
	if (i >= st->count || !st->entries[i].secret->token || len == 0 ||
	    len > SECRET_TOKEN_MAX || value_unsafe(value, len) || !st->arena)
		return -1;
	struct secret_entry *e = &st->entries[i];
	if (!e->value) { /* the slot, taken once: later values replace the one in it */
		if (st->used + SECRET_TOKEN_MAX > st->arena_cap)
			return -1;
		e->value = st->arena + st->used;
		st->used += SECRET_TOKEN_MAX;
		(void)mlock(e->value, SECRET_TOKEN_MAX);
	}
	explicit_bzero(e->value, SECRET_TOKEN_MAX);
	memcpy(e->value, value, len);
	e->len = len;
	e->source = SECRET_SOURCE_TOKEN;
	e->expires_at = expires_at;
	return 0;
}

int secret_store_find(const struct secret_store *st, const char *name, size_t namelen)
{
	for (size_t i = 0; i < st->count; i++) {
		const char *n = st->entries[i].secret->name;
		if (strlen(n) == namelen && memcmp(n, name, namelen) == 0)
			return (int)i;
	}
	return -1;
}

int secret_store_has_value(const struct secret_store *st, size_t i)
{
	if (i >= st->count)
		return 0;
	const struct secret_entry *e = &st->entries[i];
	return e->value && e->len > 0 && e->value[0] != '\0';
}

void secret_store_free(struct secret_store *st)
{
	if (st->arena) {
		/* Wipe the whole mapping: a failed load may have left bytes past `used`. */
		explicit_bzero(st->arena, st->arena_cap);
		munlock(st->arena, st->arena_cap);
		munmap(st->arena, st->arena_cap);
	}
	explicit_bzero(st, sizeof *st);
}
