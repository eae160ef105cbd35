/* secret_store.c: see secret_store.h. */
#include "proxy/secret_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads the regular file `path` into a fresh buffer (at most SECRET_VALUE_MAX bytes
 * after trailing line ends). Returns 0 with the buffer in *buf and its length in *len
 * (NULL and 0 when empty), or -1 with a sentence in `err`. */
static int read_value_file(const char *name, const char *path, char **buf, size_t *len,
			   char *err, size_t errlen)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen,
			 "secret %s: cannot open its file %s: %s (fix `file` in [secret %s] "
			 "or set the environment variable %s)",
			 name, path, strerror(errno), name, name);
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
	/* Room for the value, a trailing CR LF, and one byte to notice a longer file. */
	size_t cap = SECRET_VALUE_MAX + 3;
	char *b = malloc(cap);
	if (!b) {
		snprintf(err, errlen, "secret %s: out of memory", name);
		close(fd);
		return -1;
	}
	size_t n = 0;
	while (n < cap) {
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "secret %s: cannot read its file %s: %s", name,
				 path, strerror(errno));
			explicit_bzero(b, n);
			free(b);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap) {
		/* Full: only an end of file right here keeps it within the limit. */
		char extra;
		ssize_t r;
		do
			r = read(fd, &extra, 1);
		while (r < 0 && errno == EINTR);
		if (r != 0)
			n = cap + 1;
	}
	close(fd);
	while (n <= cap && n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	if (n > SECRET_VALUE_MAX) {
		snprintf(err, errlen,
			 "secret %s: its file %s holds more than %d bytes; a secret is a "
			 "single token or key",
			 name, path, SECRET_VALUE_MAX);
		explicit_bzero(b, cap);
		free(b);
		return -1;
	}
	if (n == 0) {
		free(b);
		return 0;
	}
	*buf = b;
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
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		struct secret_entry *e = &st->entries[i];
		e->secret = s;
		st->count = i + 1;
		const char *env = getenv(s->name);
		const char *from;
		if (env && *env) {
			size_t n = strlen(env);
			if (n > SECRET_VALUE_MAX) {
				snprintf(err, errlen,
					 "secret %s: the environment variable %s is longer than "
					 "%d bytes; a secret is a single token or key",
					 s->name, s->name, SECRET_VALUE_MAX);
				goto fail;
			}
			e->value = malloc(n);
			if (!e->value) {
				snprintf(err, errlen, "secret %s: out of memory", s->name);
				goto fail;
			}
			memcpy(e->value, env, n);
			e->len = n;
			e->source = SECRET_SOURCE_ENV;
			from = "the environment variable";
		} else if (s->file) {
			if (read_value_file(s->name, s->file, &e->value, &e->len, err, errlen) < 0)
				goto fail;
			e->source = e->value ? SECRET_SOURCE_FILE : SECRET_SOURCE_NONE;
			from = "the file";
		} else {
			continue;
		}
		if (e->value && value_unsafe(e->value, e->len)) {
			snprintf(err, errlen,
				 "secret %s: the value from %s %s contains a line break or NUL "
				 "byte, which could split an HTTP header; refusing to load it "
				 "(the value must be a single line)",
				 s->name, from, e->source == SECRET_SOURCE_ENV ? s->name : s->file);
			goto fail;
		}
	}
	return 0;
fail:
	secret_store_free(st);
	return -1;
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

void secret_store_free(struct secret_store *st)
{
	for (size_t i = 0; i < st->count; i++) {
		struct secret_entry *e = &st->entries[i];
		if (e->value) {
			explicit_bzero(e->value, e->len);
			free(e->value);
		}
	}
	explicit_bzero(st, sizeof *st);
}
