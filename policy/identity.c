/* identity.c: see identity.h.
 *
 * A static musl binary has no NSS, and a container image may have no libc at all, so
 * users and groups come from the passwd and group files read as plain text. The parser
 * works on bytes in memory (identity_lookup_mem) so that it can be fuzzed; only
 * identity_lookup_files touches the file system. Malformed lines are skipped, as libc's
 * getpwnam does, rather than failing the whole lookup.
 */
#include "policy/identity.h"
#include "net/base/file.h"
#include "net/base/log.h"
#include "net/base/safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A bigger passwd or group file is refused rather than read into memory. */
#define IDENTITY_MAX_FILE (64u << 20)

#define MAX_FIELDS 7

/* One line split at ':' (pointers into the text, not NUL-terminated). */
struct fields {
	const char *f[MAX_FIELDS];
	size_t len[MAX_FIELDS];
	size_t n;
};

/* Parses a decimal id of 1..10 digits. (uid_t)-1 is refused: setresuid() reads it as
 * "leave unchanged", which would silently keep root. */
static int parse_id(const char *s, size_t n, unsigned long *out)
{
	if (n == 0 || n > 10)
		return -1;
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v >= 0xffffffffUL)
		return -1;
	*out = v;
	return 0;
}

static int eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Splits the line [s, s+n) into fields; returns the field count (at most MAX_FIELDS,
 * the last one keeping any further colons). */
static size_t split(const char *s, size_t n, struct fields *fl)
{
	fl->n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= n && fl->n < MAX_FIELDS; i++) {
		if (i == n || (s[i] == ':' && fl->n < MAX_FIELDS - 1)) {
			fl->f[fl->n] = s + start;
			fl->len[fl->n] = i - start;
			fl->n++;
			start = i + 1;
		}
	}
	return fl->n;
}

/* Calls `fn` for each line of text that is not empty or a comment; stops when it
 * returns non-zero and returns that value. NIS "+"/"-" lines are not entries. */
static int each_line(const char *text, size_t len,
		     int (*fn)(const struct fields *fl, void *arg), void *arg)
{
	size_t pos = 0;
	while (text && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *line = text + pos;
		size_t n = end - pos;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		pos = end + 1;
		if (n == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
			continue;
		struct fields fl;
		split(line, n, &fl);
		int r = fn(&fl, arg);
		if (r)
			return r;
	}
	return 0;
}

/* --- passwd ----------------------------------------------------------------------- */

struct pw_query {
	const char *name; /* match by name when set ... */
	size_t namelen;
	unsigned long uid; /* ... else by uid */
	struct identity *id;
	int found;
};

static int pw_match(const struct fields *fl, void *arg)
{
	struct pw_query *q = arg;
	unsigned long uid, gid;
	/* name:password:uid:gid:gecos:home:shell; home and shell may be missing. */
	if (fl->n < 4 || fl->len[0] == 0 || parse_id(fl->f[2], fl->len[2], &uid) ||
	    parse_id(fl->f[3], fl->len[3], &gid))
		return 0;
	if (q->name ? !eq(fl->f[0], fl->len[0], q->name, q->namelen) : uid != q->uid)
		return 0;
	if (fl->len[0] >= sizeof q->id->name)
		return 0; /* a name we could not hold is not a usable entry */
	q->id->uid = (uid_t)uid;
	q->id->gid = (gid_t)gid;
	memcpy(q->id->name, fl->f[0], fl->len[0]);
	q->id->name[fl->len[0]] = '\0';
	q->id->home[0] = '\0';
	if (fl->n >= 6 && fl->len[5] < sizeof q->id->home) {
		memcpy(q->id->home, fl->f[5], fl->len[5]);
		q->id->home[fl->len[5]] = '\0';
	}
	q->found = 1;
	return 1;
}

/* --- group ------------------------------------------------------------------------ */

struct gr_query {
	const char *name;
	size_t namelen;
	unsigned long gid;
	int found;
};

static int gr_match(const struct fields *fl, void *arg)
{
	struct gr_query *q = arg;
	unsigned long gid;
	if (fl->n < 3 || fl->len[0] == 0 || parse_id(fl->f[2], fl->len[2], &gid))
		return 0;
	if (!eq(fl->f[0], fl->len[0], q->name, q->namelen))
		return 0;
	q->gid = gid;
	q->found = 1;
	return 1;
}

struct member_query {
	const char *user;
	size_t userlen;
	struct identity *id;
	int overflow;
};

static int add_group(struct identity *id, gid_t g)
{
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->groups[i] == g)
			return 0;
	if (id->ngroups == IDENTITY_MAX_GROUPS)
		return -1;
	id->groups[id->ngroups++] = g;
	return 0;
}

static int member_match(const struct fields *fl, void *arg)
{
	struct member_query *q = arg;
	unsigned long gid;
	if (fl->n < 4 || parse_id(fl->f[2], fl->len[2], &gid))
		return 0;
	const char *m = fl->f[3], *end = fl->f[3] + fl->len[3];
	while (m < end) {
		const char *comma = memchr(m, ',', (size_t)(end - m));
		const char *e = comma ? comma : end;
		if (eq(m, (size_t)(e - m), q->user, q->userlen) &&
		    add_group(q->id, (gid_t)gid) < 0) {
			q->overflow = 1;
			return 1;
		}
		m = e + 1;
	}
	return 0;
}

/* --- lookups ---------------------------------------------------------------------- */

int identity_lookup_mem(const char *spec, const char *passwd, size_t passwd_len,
			const char *group, size_t group_len, struct identity *id, char *err,
			size_t errlen)
{
	memset(id, 0, sizeof *id);
	if (!spec) {
		log_format(err, errlen, "no user given (expected USER[:GROUP])");
		return -1;
	}
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (ulen == 0) {
		log_format(err, errlen, "empty user in '%s' (expected USER[:GROUP], a name or a number)",
		       spec);
		return -1;
	}

	/* A name that is in passwd wins over reading it as a number, as runc does. */
	struct pw_query pq = {.name = spec, .namelen = ulen, .id = id};
	each_line(passwd, passwd_len, pw_match, &pq);
	if (!pq.found) {
		unsigned long uid;
		if (parse_id(spec, ulen, &uid)) {
			log_format(err, errlen,
			       "no user '%.*s' in the passwd file (give a user listed there, or a "
			       "numeric uid below 4294967295)",
			       (int)ulen, spec);
			return -1;
		}
		pq = (struct pw_query){.uid = uid, .id = id};
		each_line(passwd, passwd_len, pw_match, &pq);
		if (!pq.found) {
			/* A bare number needs no entry: it runs as uid:uid, nameless. */
			id->uid = (uid_t)uid;
			id->gid = (gid_t)uid;
		}
	}

	if (colon) {
		const char *g = colon + 1;
		size_t glen = strlen(g);
		if (glen == 0) {
			log_format(err, errlen, "empty group in '%s' (expected USER:GROUP, or just USER)",
			       spec);
			return -1;
		}
		struct gr_query gq = {.name = g, .namelen = glen};
		each_line(group, group_len, gr_match, &gq);
		if (!gq.found && parse_id(g, glen, &gq.gid)) {
			log_format(err, errlen,
			       "no group '%s' in the group file (give a group listed there, or a "
			       "numeric gid below 4294967295)",
			       g);
			return -1;
		}
		id->gid = (gid_t)gq.gid;
	}

	/* The primary group comes first, as initgroups() does, so that a switch drops
	 * every group the caller had. */
	id->groups[0] = id->gid;
	id->ngroups = 1;
	if (id->name[0]) {
		struct member_query mq = {.user = id->name, .userlen = strlen(id->name), .id = id};
		each_line(group, group_len, member_match, &mq);
		if (mq.overflow) {
			log_format(err, errlen,
			       "user '%s' is in more than %d groups; airlock supports at most %d "
			       "(remove some, or give a numeric uid:gid)",
			       id->name, IDENTITY_MAX_GROUPS, IDENTITY_MAX_GROUPS);
			return -1;
		}
	}
	return 0;
}

/* Reads a whole file into a malloc'd buffer; a missing file reads as empty. */
static int read_all(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	*buf = NULL;
	*len = 0;
	char why[PATH_MAX + 200];
	/* A system file: a link is followed only where nobody but root could have made it. */
	int fd = safe_open(path, O_RDONLY, 0, SAFE_ROOT_LINKS, why, sizeof why);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP)
			log_format(err, errlen, "%s", why);
		else
			log_format(err, errlen, "cannot read %s: %s", path, why);
		return -1;
	}
	int rc = file_read_fd(fd, IDENTITY_MAX_FILE, buf, len);
	int e = errno;
	close(fd);
	if (rc < 0 && e == EFBIG)
		log_format(err, errlen, "%s is larger than %u MiB; refusing to read it", path,
			   IDENTITY_MAX_FILE >> 20);
	else if (rc < 0)
		log_format(err, errlen, "cannot read %s: %s", path, strerror(e));
	return rc;
}

int identity_lookup_files(const char *spec, const char *passwd, const char *group,
			  struct identity *id, char *err, size_t errlen)
{
	char *pw = NULL, *gr = NULL;
	size_t pwlen = 0, grlen = 0;
	int r = -1;
	if (read_all(passwd, &pw, &pwlen, err, errlen) == 0 &&
	    read_all(group, &gr, &grlen, err, errlen) == 0)
		r = identity_lookup_mem(spec, pw, pwlen, gr, grlen, id, err, errlen);
	else
		memset(id, 0, sizeof *id);
	free(pw);
	free(gr);
	return r;
}

int identity_lookup(const char *spec, struct identity *id, char *err, size_t errlen)
{
	return identity_lookup_files(spec, "/etc/passwd", "/etc/group", id, err, errlen);
}
