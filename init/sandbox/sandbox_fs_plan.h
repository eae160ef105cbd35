/* sandbox_fs_plan.h: what the sandbox's new root will hold, decided in the supervisor.
 *
 * The supervisor resolves each `[filesystem]` path on the host before the sandbox is
 * made, with the host's real owners (inside a user namespace, root's files show as the
 * overflow uid, so the sandbox's PID 1 could not tell root's links from others'). A
 * link on the way is followed only where root placed it; any other could have been
 * planted by an earlier sandbox in its read_write tree, to point this run's mount at a
 * host folder the policy never named: exit 125, naming it. The plan lists the resolved
 * paths (no link in them), sorted parents first, with what each lands in already
 * dropped, and the links to recreate so the paths as written resolve inside as on the
 * host. The sandbox's PID 1 (sandbox_fs.c) mounts it, opening each path again without
 * following any link, so a link swapped in since is refused, not followed.
 */
#ifndef AIRLOCK_SANDBOX_FS_PLAN_H
#define AIRLOCK_SANDBOX_FS_PLAN_H

#include <stddef.h>

#include "policy/policy.h"

/* The host's root, as the sandbox's PID 1 sees it between pivot_root and its detach. */
#define FS_PLAN_OLD_ROOT "/.airlock-host"

enum fs_entry_kind { FS_READ_ONLY, FS_READ_WRITE, FS_TMPFS };

struct fs_entry {
	char *path; /* resolved on the host, no symbolic link in it */
	enum fs_entry_kind kind;
};

struct fs_link {
	char *path;   /* a link met on the way, by its path without links */
	char *target; /* what it holds */
};

struct fs_plan {
	struct fs_entry *entries;
	size_t nentries;
	struct fs_link *links;
	size_t nlinks;
};

/* Makes the plan for `p` from the host's file system as this process sees it. Paths
 * missing here are left out (-v says so); a path airlock makes itself (/run/airlock,
 * /proc, ...) is left out with a warning; a link root did not place exits 125. */
void fs_plan_make(const struct policy *p, struct fs_plan *plan);

/* The read_write entry of `plan` that is `path` (absolute, without links) or a folder
 * above it, or NULL: where a sandbox could change or rename what `path` names. */
const char *fs_plan_writable_at(const struct fs_plan *plan, const char *path);

/* Whether `path` (without links) is one of airlock's own places in the new root: "/",
 * /run, /dev, or anything beneath /run/airlock, /proc, /dev/pts or the old root. */
int fs_plan_reserved(const char *path);

#endif
