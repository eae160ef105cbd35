/* sandbox_fs_plan.c: see sandbox_fs_plan.h. */
#include "init/sandbox/sandbox_fs_plan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/base/log.h"
#include "policy/sandbox_env.h"

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);
	if (!d)
		log_fatal("out of memory planning the sandbox's file system");
	return d;
}

static void add_link(struct fs_plan *plan, const char *path, const char *target)
{
	for (size_t i = 0; i < plan->nlinks; i++)
		if (strcmp(plan->links[i].path, path) == 0)
			return;
	struct fs_link *l = realloc(plan->links, (plan->nlinks + 1) * sizeof *l);
	if (!l)
		log_fatal("out of memory planning the sandbox's file system");
	plan->links = l;
	l[plan->nlinks].path = dup_or_die(path);
	l[plan->nlinks].target = dup_or_die(target);
	plan->nlinks++;
}

/* Whether only root could have placed the link `lnk` found in folder `dir`: the link
 * is root's, in a folder of root's that neither group nor others may write (/bin ->
 * usr/bin, /lib64 -> usr/lib64; safe_open.h's rule for system files). */
static int root_placed(const struct stat *lnk, const struct stat *dir)
{
	return lnk->st_uid == 0 && dir->st_uid == 0 && !(dir->st_mode & (S_IWGRP | S_IWOTH));
}

/* Resolves `path` (listed as `what`) as the kernel would, following only links root
 * placed (any other: exit 125, naming it) and adding each to the plan. Writes the path
 * without links to `out`. Returns 0, or -1 with errno (ENOENT when the path does not
 * exist on this image). */
static int resolve(struct fs_plan *plan, const char *path, const char *what, char *out,
		   size_t outlen)
{
	char todo[PATH_MAX], cur[PATH_MAX] = "", next[PATH_MAX];
	int links = 0;
	snprintf(todo, sizeof todo, "%s", path);
	const char *p = todo;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		char comp[NAME_MAX + 1];
		memcpy(comp, p, n);
		comp[n] = 0;
		p += n;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(cur, '/');
			if (slash)
				*slash = 0;
			continue;
		}
		if (snprintf(next, sizeof next, "%s/%s", cur, comp) >= (int)sizeof next) {
			errno = ENAMETOOLONG;
			return -1;
		}
		struct stat st, dir;
		if (lstat(next, &st) < 0)
			return -1;
		if (!S_ISLNK(st.st_mode)) {
			memcpy(cur, next, sizeof cur);
			continue;
		}
		if (++links > 40) {
			errno = ELOOP;
			return -1;
		}
		char target[PATH_MAX], rest[PATH_MAX];
		ssize_t tl = readlink(next, target, sizeof target - 1);
		if (tl < 0 || lstat(cur[0] ? cur : "/", &dir) < 0)
			return -1;
		target[tl] = 0;
		if (!root_placed(&st, &dir))
			log_fatal("%s %s: %s is a symbolic link (to %s) that root did not place "
				  "(the link is uid %u's, in a folder of uid %u's with mode %04o), "
				  "so an earlier sandbox could have made it to point this mount at "
				  "another host folder; airlock follows only root's links here; list "
				  "the real path instead",
				  what, path, next, target, (unsigned)st.st_uid, (unsigned)dir.st_uid,
				  (unsigned)(dir.st_mode & 07777));
		add_link(plan, next, target);
		if (snprintf(rest, sizeof rest, "%s/%s", target, p) >= (int)sizeof rest) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(todo, rest, sizeof todo);
		p = todo;
		if (target[0] == '/')
			cur[0] = 0;
	}
	snprintf(out, outlen, "%s", cur[0] ? cur : "/");
	return 0;
}

const char *fs_plan_writable_at(const struct fs_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->nentries; i++) {
		const struct fs_entry *e = &plan->entries[i];
		size_t n = strlen(e->path);
		if (e->kind == FS_READ_WRITE && strncmp(path, e->path, n) == 0 &&
		    (path[n] == '/' || path[n] == 0 || n == 1))
			return e->path;
	}
	return NULL;
}

int fs_plan_reserved(const char *path)
{
	static const char *const own[] = {"/", "/run", SANDBOX_RUN_DIR, "/proc", "/dev",
					  "/dev/pts", FS_PLAN_OLD_ROOT};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
		size_t n = strlen(own[i]);
		if (strcmp(path, own[i]) == 0)
			return 1;
		/* beneath /run/airlock, /proc, /dev/pts or the old root; /run/x and /dev/x
		 * are fine */
		if (i >= 2 && i != 4 && strncmp(path, own[i], n) == 0 && path[n] == '/')
			return 1;
	}
	return 0;
}

static void add_entries(struct fs_plan *plan, const struct policy_path *list, size_t count,
			enum fs_entry_kind kind)
{
	static const char *const what[] = {"[filesystem] read_only", "[filesystem] read_write",
					   "[filesystem] tmpfs"};
	for (size_t i = 0; i < count; i++) {
		char real[PATH_MAX];
		int rc = resolve(plan, list[i].path, what[kind], real, sizeof real);
		/* A tmpfs needs nothing of the host: where the path is missing there, its
		 * mount point is made. */
		if (rc < 0 && kind == FS_TMPFS && errno == ENOENT && list[i].path[0] == '/') {
			snprintf(real, sizeof real, "%s", list[i].path);
		} else if (rc < 0) {
			/* Landlock's rules report the path as missing too (-v). */
			log_verbose("filesystem: %s is not in the sandbox: %s", list[i].path,
				    strerror(errno));
			continue;
		}
		if (fs_plan_reserved(real)) {
			log_msg("warning: [filesystem] %s is not mounted in the sandbox: %s is "
				"made by airlock itself", list[i].path, real);
			continue;
		}
		plan->entries[plan->nentries].path = dup_or_die(real);
		plan->entries[plan->nentries].kind = kind;
		plan->nentries++;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	const struct fs_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	/* parents before their children; for the same path, read_write wins */
	return c ? c : (int)x->kind - (int)y->kind;
}

/* Of the entries kept before `i` (sorted: parents first), the deepest one that is
 * `i`'s path or one of its parents: the mount `i` would land in. NULL when none. */
static const struct fs_entry *covering(const struct fs_entry *e, size_t i)
{
	for (size_t j = i; j-- > 0;) {
		if (!e[j].path)
			continue;
		size_t n = strlen(e[j].path);
		if (strncmp(e[i].path, e[j].path, n) == 0 &&
		    (e[i].path[n] == '/' || e[i].path[n] == 0 || n == 1))
			return &e[j];
	}
	return NULL;
}

void fs_plan_make(const struct policy *p, struct fs_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	size_t total = p->nread_only + p->nread_write + p->ntmpfs;
	plan->entries = calloc(total + 1, sizeof *plan->entries);
	if (!plan->entries)
		log_fatal("out of memory planning the sandbox's file system");
	add_entries(plan, p->read_only, p->nread_only, FS_READ_ONLY);
	add_entries(plan, p->read_write, p->nread_write, FS_READ_WRITE);
	add_entries(plan, p->tmpfs, p->ntmpfs, FS_TMPFS);
	struct fs_entry *e = plan->entries;
	qsort(e, plan->nentries, sizeof *e, entry_cmp);
	/* /bin -> usr/bin under a listed /usr: already there, as it should be. */
	for (size_t i = 0; i < plan->nentries; i++) {
		const struct fs_entry *over = covering(e, i);
		if (over && over->kind == e[i].kind) {
			log_verbose("filesystem: %s is in %s already", e[i].path, over->path);
			free(e[i].path);
			e[i].path = NULL;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < plan->nentries; i++)
		if (e[i].path)
			e[kept++] = e[i];
	plan->nentries = kept;
}
