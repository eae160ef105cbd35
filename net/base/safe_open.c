/* safe_open.c: see safe_open.h. */
#include "net/base/safe_open.h"
#include "net/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* openat2(2): musl has no wrapper, and older headers lack the number and the struct. */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define SAFE_RESOLVE_NO_SYMLINKS 0x04 /* RESOLVE_NO_SYMLINKS of <linux/openat2.h> */
struct safe_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

/* As the kernel's limit on links followed while resolving one path. */
#define SAFE_MAX_HOPS 40

static const char link_refused[] =
	"is a symbolic link; airlock does not follow links in paths it opens as root; give "
	"the real path";

/* The state of one walk: the folder reached (fd), its name for messages (`done`: the
 * path as written up to there), and what is left to resolve (todo + pos). */
struct walker {
	const struct safe_walk *w;
	int fd;
	char done[PATH_MAX];
	char todo[2 * PATH_MAX];
	size_t pos;
	int hops;
	char *err;
	size_t errlen;
};

static int fail(struct walker *k, int e)
{
	log_format(k->err, k->errlen, "%s", strerror(e));
	errno = e;
	return -1;
}

/* "done/comp" for messages. */
static void joined(const struct walker *k, const char *comp, char *buf, size_t len)
{
	size_t n = strlen(k->done);
	const char *sep = n == 0 || k->done[n - 1] == '/' ? "" : "/";
	log_format(buf, len, "%s%s%s", k->done, sep, comp); /* a message name: may be cut */
}

static void descend(struct walker *k, int nfd, const char *comp)
{
	char buf[PATH_MAX];
	joined(k, comp, buf, sizeof buf);
	memcpy(k->done, buf, strlen(buf) + 1);
	close(k->fd);
	k->fd = nfd;
}

static int is_link(int dirfd, const char *comp)
{
	struct stat st;
	return fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/* The link `comp` in the folder k->fd: refused, or (SAFE_ROOT_LINKS, placed by root)
 * its target put in front of what is left to resolve. */
static int follow(struct walker *k, const char *comp)
{
	char name[PATH_MAX];
	struct stat dir, lnk;
	joined(k, comp, name, sizeof name);
	if (k->w->links != SAFE_ROOT_LINKS) {
		log_format(k->err, k->errlen, "%s %s", name, link_refused);
		errno = ELOOP;
		return -1;
	}
	if (fstat(k->fd, &dir) < 0 || fstatat(k->fd, comp, &lnk, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(k, errno);
	if (dir.st_uid != 0 || (dir.st_mode & (S_IWGRP | S_IWOTH)) || lnk.st_uid != 0) {
		log_format(k->err, k->errlen,
			   "%s is a symbolic link that root did not place (it, or the folder "
			   "holding it, is not root's alone); airlock follows links in system "
			   "paths only where nobody but root could have made them; give the real "
			   "path",
			   name);
		errno = ELOOP;
		return -1;
	}
	if (++k->hops > SAFE_MAX_HOPS)
		return fail(k, ELOOP);
	char target[PATH_MAX];
	ssize_t n = readlinkat(k->fd, comp, target, sizeof target - 1);
	if (n <= 0)
		return fail(k, n < 0 ? errno : ENOENT);
	target[n] = '\0';
	const char *rest = k->todo + k->pos;
	while (*rest == '/')
		rest++;
	char next[sizeof k->todo];
	int len = snprintf(next, sizeof next, "%s%s%s", target, *rest ? "/" : "", rest);
	if (len < 0 || (size_t)len >= sizeof k->todo)
		return fail(k, ENAMETOOLONG);
	memcpy(k->todo, next, (size_t)len + 1);
	k->pos = 0;
	if (target[0] == '/') {
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return fail(k, errno);
		close(k->fd);
		k->fd = root;
		strcpy(k->done, "/");
	}
	return 0;
}

/* Why the sandbox (g) could write the inode `st`, or NULL. Its owner could chmod it, so
 * ownership alone counts; supplementary groups do not (the sandbox has none). */
static const char *writable_by(const struct stat *st, const struct safe_guard *g, char *buf,
			       size_t len)
{
	if (st->st_uid == g->uid)
		snprintf(buf, len, "is owned by the sandbox's uid %u", (unsigned)g->uid);
	else if ((st->st_mode & S_IWGRP) && st->st_gid == g->gid)
		snprintf(buf, len, "is writable by the sandbox's group %u", (unsigned)g->gid);
	else if (st->st_mode & S_IWOTH)
		snprintf(buf, len, "is writable by everyone");
	else
		return NULL;
	return buf;
}

static const char guard_hint[] =
	"a token file must live where the sandbox cannot touch it (owned by root, writable by "
	"nobody else, in folders only root can write)";

/* The token-file rule for `child` (just opened as `comp` in the folder k->fd): the
 * sandbox must not be able to write the file, nor rename or replace anything on its
 * way in a folder above it. In a sticky folder it does not own, it can rename only what
 * it owns. */
static int guard_step(struct walker *k, int nfd, const char *comp, int last)
{
	const struct safe_guard *g = k->w->guard;
	char why[96], name[PATH_MAX];
	struct stat dir, child;
	if (fstat(k->fd, &dir) < 0 || fstat(nfd, &child) < 0)
		return fail(k, errno);
	joined(k, comp, name, sizeof name);
	/* Only a regular file holds a value; the caller refuses anything else by name. */
	if (last && S_ISREG(child.st_mode) && writable_by(&child, g, why, sizeof why)) {
		log_format(k->err, k->errlen,
			   "%s %s, so the sandbox could change what airlock reads from it; %s",
			   name, why, guard_hint);
		errno = EPERM;
		return -1;
	}
	if (!writable_by(&dir, g, why, sizeof why))
		return 0;
	if ((dir.st_mode & S_ISVTX) && dir.st_uid != g->uid) {
		if (child.st_uid != g->uid)
			return 0;
		log_format(k->err, k->errlen,
			   "%s is owned by the sandbox's uid %u, so the sandbox could rename it "
			   "or put a link in its place (the sticky folder %s lets it rename what "
			   "it owns); %s",
			   name, (unsigned)g->uid, k->done, guard_hint);
		errno = EPERM;
		return -1;
	}
	log_format(k->err, k->errlen,
		   "the folder %s %s, so the sandbox could rename %s or put a link in its "
		   "place; %s",
		   k->done, why, name, guard_hint);
	errno = EPERM;
	return -1;
}

/* The next component of what is left, into comp; whether it is the last one (nothing but
 * an end follows: a trailing slash makes the folder's "." the last). 0 at the end. */
static int next_component(struct walker *k, char *comp, int *last)
{
	const char *s = k->todo + k->pos;
	size_t skip = 0;
	while (s[skip] == '/')
		skip++;
	s += skip;
	size_t n = strcspn(s, "/");
	if (n == 0)
		return 0;
	if (n > NAME_MAX)
		return -1;
	memcpy(comp, s, n);
	comp[n] = '\0';
	k->pos += skip + n;
	*last = s[n] == '\0';
	return 1;
}

/* Opens the folder `comp` in k->fd and moves there; a link is followed or refused. */
static int step_folder(struct walker *k, const char *comp)
{
	if (strcmp(comp, ".") == 0)
		return 0;
	int nfd = openat(k->fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nfd < 0) {
		int e = errno;
		if ((e == ENOTDIR || e == ELOOP) && is_link(k->fd, comp))
			return follow(k, comp);
		return fail(k, e);
	}
	/* Going up with ".." leads to a folder already checked on the way down. */
	if (k->w->guard && strcmp(comp, "..") != 0 && guard_step(k, nfd, comp, 0) < 0) {
		close(nfd);
		return -1;
	}
	descend(k, nfd, comp);
	return 0;
}

/* Opens the last component; 1 when it was a link that was followed (walk on). */
static int step_last(struct walker *k, const char *comp, int flags, mode_t mode)
{
	int nfd = openat(k->fd, comp, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
	if (nfd < 0) {
		int e = errno;
		if (e == ELOOP && is_link(k->fd, comp))
			return follow(k, comp) < 0 ? -1 : 1;
		return fail(k, e);
	}
	struct stat st;
	if ((flags & O_PATH) && fstat(nfd, &st) == 0 && S_ISLNK(st.st_mode)) {
		close(nfd); /* O_PATH|O_NOFOLLOW opened the link itself */
		return follow(k, comp) < 0 ? -1 : 1;
	}
	if (k->w->guard && guard_step(k, nfd, comp, 1) < 0) {
		close(nfd);
		return -1;
	}
	close(k->fd);
	k->fd = nfd;
	return 0;
}

int safe_open_walk(int dirfd, const char *path, int flags, mode_t mode,
		   const struct safe_walk *w, char *err, size_t errlen)
{
	struct walker *k = calloc(1, sizeof *k);
	if (!k) {
		log_format(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	k->w = w;
	k->err = err;
	k->errlen = errlen;
	k->fd = -1;
	int rc = -1;
	size_t n = path ? strlen(path) : 0;
	if (n == 0 || n >= PATH_MAX) {
		fail(k, n ? ENAMETOOLONG : ENOENT);
		goto out;
	}
	memcpy(k->todo, path, n + 1);
	if (path[0] == '/') {
		k->fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		strcpy(k->done, "/");
	} else {
		k->fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (k->fd < 0) {
		fail(k, errno);
		goto out;
	}
	for (;;) {
		char comp[NAME_MAX + 1];
		int last = 0;
		int c = next_component(k, comp, &last);
		if (c < 0) {
			fail(k, ENAMETOOLONG);
			goto out;
		}
		if (c == 0) /* "/", or a trailing slash: the folder reached is the file */
			strcpy(comp, ".");
		int r = c == 0 || last ? step_last(k, comp, flags, mode) : step_folder(k, comp);
		if (r < 0)
			goto out;
		if (r == 0 && (c == 0 || last))
			break;
	}
	rc = k->fd;
	k->fd = -1;
out:;
	int e = errno;
	if (k->fd >= 0)
		close(k->fd);
	free(k);
	errno = e;
	return rc;
}

int safe_open(const char *path, int flags, mode_t mode, enum safe_links links, char *err,
	      size_t errlen)
{
	struct safe_walk w = {links, NULL};
	if (!path || !*path) {
		log_format(err, errlen, "%s", strerror(ENOENT));
		errno = ENOENT;
		return -1;
	}
	/* openat2 refuses flags that mean nothing for O_PATH (O_NOCTTY), where openat
	 * ignores them. */
	int add = (flags & O_PATH) ? O_CLOEXEC : O_CLOEXEC | O_NOCTTY;
	struct safe_open_how how = {
		.flags = (uint64_t)(unsigned)(flags | add),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = SAFE_RESOLVE_NO_SYMLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
	if (fd >= 0)
		return (int)fd;
	/* Walk instead where the kernel (or a seccomp profile) has no openat2, and where
	 * it found a link: the walk names it, or follows it when root placed it. */
	if (errno == ENOSYS || errno == EPERM || errno == ELOOP || errno == EAGAIN)
		return safe_open_walk(AT_FDCWD, path, flags, mode, &w, err, errlen);
	int e = errno;
	log_format(err, errlen, "%s", strerror(e));
	errno = e;
	return -1;
}

int safe_open_guarded(const char *path, int flags, const struct safe_guard *g, char *err,
		      size_t errlen)
{
	/* Always the walk: the rule needs each folder on the way, which it holds open, so
	 * what is checked is what is opened. */
	struct safe_walk w = {SAFE_NO_LINKS, g};
	char abs[PATH_MAX];
	if (path && path[0] && path[0] != '/') {
		/* The folders above the working directory count as much as any. */
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd) ||
		    (size_t)snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= sizeof abs) {
			log_format(err, errlen, "%s", strerror(errno ? errno : ENAMETOOLONG));
			return -1;
		}
		path = abs;
	}
	return safe_open_walk(AT_FDCWD, path, flags & ~O_CREAT, 0, &w, err, errlen);
}

int safe_stat(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd = safe_open(path, O_PATH, 0, SAFE_NO_LINKS, err, errlen);
	if (fd < 0)
		return -1;
	int r = fstat(fd, st);
	int e = errno;
	close(fd);
	if (r < 0) {
		log_format(err, errlen, "%s", strerror(e));
		errno = e;
	}
	return r;
}
