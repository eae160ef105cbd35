/* safe_open.h: opening the files the supervisor reads or writes as root for the operator
 * (the policy, `--audit`, `trust` files, secret `file`s, the system trust store, passwd
 * and group) without being redirected by a symbolic link.
 *
 * The threat is a link planted by an earlier sandbox in a folder it could write (its
 * `read_write` tree): root following it would read a root-only file as a secret or a
 * trust anchor, or create and append to a file in a protected folder. So:
 *
 *  - SAFE_NO_LINKS: a link in any component, the last included, is refused. openat2()
 *    with RESOLVE_NO_SYMLINKS does it in one call; where the kernel has no openat2
 *    (ENOSYS) the same is done one component at a time with O_NOFOLLOW.
 *  - SAFE_ROOT_LINKS (system files only: the trust store, /etc/passwd): a link is
 *    followed only where nobody but root could have placed it: the link is owned by
 *    root and lies in a folder owned by root that neither group nor others may write.
 *    Distributions link system files this way (Fedora's /etc/ssl/certs); a sandbox
 *    cannot.
 *
 * `..` is allowed and means the parent of the folder actually reached. Since no link is
 * ever followed (or only root's), that is the lexical parent: "a/b/../c" is "a/c".
 *
 * safe_open_guarded() adds the rule for token files: neither the file nor any folder
 * above it may be one the sandbox's uid/gid could write, so the sandbox can neither
 * change the value nor rename the file or a folder above it (to read it, or to put a link
 * in its place).
 */
#ifndef AIRLOCK_SAFE_OPEN_H
#define AIRLOCK_SAFE_OPEN_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

enum safe_links {
	SAFE_NO_LINKS = 0,
	SAFE_ROOT_LINKS = 1,
};

/* The sandbox's identity, for safe_open_guarded(). */
struct safe_guard {
	uid_t uid;
	gid_t gid;
};

/* How one walk goes; for safe_open_walk(). */
struct safe_walk {
	enum safe_links links;
	const struct safe_guard *guard; /* NULL: no ownership rule */
};

/* Opens `path` as open(2) would with `flags` and `mode` (O_CLOEXEC and O_NOCTTY are
 * added; O_PATH works), without following links as `links` says. Returns the
 * descriptor, or -1 with errno set and a sentence about the path in `err` (without the
 * path itself when it is a plain error: "No such file or directory"; naming the link
 * when that is why: "/w/logs is a symbolic link; airlock does not follow links in paths
 * it opens as root; give the real path", errno ELOOP). */
int safe_open(const char *path, int flags, mode_t mode, enum safe_links links, char *err,
	      size_t errlen);

/* Opens the existing file `path` with `flags` (no O_CREAT) without following any link,
 * and refuses it (errno EPERM, the reason in `err`) when the file, or any folder from it
 * up to "/", could be written by g->uid or g->gid: owned by that uid, or writable by
 * that gid or by others. A folder with the sticky bit that the uid does not own is fine
 * when what lies in it on the way is not owned by the uid either (/tmp). A relative path
 * is taken from the working directory, whose own folders are checked too. */
int safe_open_guarded(const char *path, int flags, const struct safe_guard *g, char *err,
		      size_t errlen);

/* fstat() of `path` reached without following links (the last component is not
 * followed either: a link there is refused). Returns 0, or -1 with errno and `err` as
 * for safe_open(). */
int safe_stat(const char *path, struct stat *st, char *err, size_t errlen);

/* The component-by-component walk behind all of the above, usable on its own (and by
 * the tests): resolves `path` from `dirfd` (AT_FDCWD, or a folder; ignored for an
 * absolute path) opening each folder with O_PATH|O_DIRECTORY|O_NOFOLLOW, and the last
 * component with `flags`|O_NOFOLLOW. Same results as safe_open(). */
int safe_open_walk(int dirfd, const char *path, int flags, mode_t mode,
		   const struct safe_walk *w, char *err, size_t errlen);

#endif
