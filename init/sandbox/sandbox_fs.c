/* sandbox_fs.c: see sandbox_fs.h.
 *
 * How: a tmpfs is mounted on /run and pivot_root'ed into with the host's root kept at
 * OLD (pivot_root moves the tmpfs away from /run, so OLD/run is the host's /run again).
 * Every source is then read as OLD + path, every target is the same path in the new
 * root. At the end OLD is detached and the root made read-only.
 */
#include "init/sandbox/sandbox_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init/sandbox/ca_files.h"
#include "net/base/log.h"
#include "init/sandbox/sandbox_fs_plan.h"
#include "net/base/safe_open.h"
#include "policy/sandbox_env.h"

#define OLD FS_PLAN_OLD_ROOT
#define SECRETS_DIR SANDBOX_RUN_DIR "/secrets"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define ATTR_RDONLY 0x1ULL
#define ATTR_NOSUID 0x2ULL
#define ATTR_NODEV 0x4ULL
#define ATTR_NOEXEC 0x8ULL

/* Our copy of struct mount_attr (linux/mount.h clashes with sys/mount.h). */
struct fs_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static char *host(const char *path, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s%s", OLD, path) >= (int)len)
		log_fatal("path too long: %s", path);
	return buf;
}

/* The file systems airlock mounted itself (the new root, [filesystem] tmpfs entries,
 * the tmpfs that opens the way to a secret's file): the only places it creates
 * anything. A folder bound from the host is the host's, and this process is root: a
 * mount point made there would be a root-owned file left on the host, in a tree the
 * sandbox (or an earlier one, through a link) chose. */
static dev_t own_devs[64];
static size_t nown_devs;

static void own_fs(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		log_fatal("cannot stat %s in the sandbox's root: %s", path, strerror(errno));
	if (nown_devs == sizeof own_devs / sizeof own_devs[0])
		log_fatal("too many tmpfs mounts in the sandbox's root");
	own_devs[nown_devs++] = st.st_dev;
}

/* Whether the folder `dir` of the new root lies on a file system airlock made. */
static int on_own_fs(const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	for (size_t i = 0; i < nown_devs; i++)
		if (own_devs[i] == st.st_dev)
			return 1;
	return 0;
}

/* The folder holding `path` ("/" for "/x"), in `dir` (which may be `path`). */
static void parent_of(const char *path, char *dir, size_t len)
{
	if (dir != path)
		snprintf(dir, len, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
}

/* Called before anything is created at `path` in the new root: refused (exit 125)
 * unless its folder is airlock's own. */
static void may_create(const char *path)
{
	char dir[PATH_MAX];
	parent_of(path, dir, sizeof dir);
	if (!on_own_fs(dir))
		log_fatal("cannot create %s in the sandbox: %s is a folder of the host bound in "
			  "by [filesystem], and airlock creates nothing on the host; create %s on "
			  "the host first (or name a path whose folder is not bound)",
			  path, dir, path);
}

/* isolation userns: this process is in the sandbox's own user namespace, where only
 * the sandbox's uid and gid are mapped (host owners show as the overflow uid). */
static int in_userns;

/* mkdir of one directory of the new root, with the owner and mode of the same
 * directory on the host: traversal permissions on the way to a listed path stay the
 * host's (a folder the sandbox user cannot enter on the host stays closed inside). */
static void mkdir_like_host(const char *path)
{
	char h[PATH_MAX];
	struct stat st;
	mode_t mode = 0755;
	uid_t uid = 0;
	gid_t gid = 0;
	if (stat(host(path, h, sizeof h), &st) == 0 && S_ISDIR(st.st_mode)) {
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	}
	struct stat here;
	if (lstat(path, &here) == 0 && S_ISDIR(here.st_mode))
		return;
	may_create(path);
	if (mkdir(path, 0700) < 0) {
		if (errno == EEXIST)
			return;
		log_fatal("cannot create %s in the sandbox's root: %s", path, strerror(errno));
	}
	if (in_userns) {
		/* Only the sandbox's own uid is mapped, so the folder is its: it gets as owner
		 * what the caller (the sandbox's identity on the host) may do there. The root
		 * is read-only by the time CMD runs, so it cannot chmod it. */
		mode = 0755;
		if (stat(h, &st) == 0)
			mode = (faccessat(AT_FDCWD, h, R_OK, AT_EACCESS) == 0 ? 0444 : 0) |
			       (faccessat(AT_FDCWD, h, X_OK, AT_EACCESS) == 0 ? 0111 : 0);
		if (chmod(path, mode) < 0)
			log_fatal("cannot set the mode of %s in the sandbox's root: %s", path,
				  strerror(errno));
		return;
	}
	if (chown(path, uid, gid) < 0 || chmod(path, mode) < 0)
		log_fatal("cannot set the owner and mode of %s in the sandbox's root: %s", path,
			  strerror(errno));
}

static void mkdir_open(const char *path)
{
	struct stat here;
	if (lstat(path, &here) == 0 && S_ISDIR(here.st_mode))
		return;
	may_create(path);
	if (mkdir(path, 0700) < 0) {
		if (errno == EEXIST)
			return;
		log_fatal("cannot create %s in the sandbox's root: %s", path, strerror(errno));
	}
	if (chmod(path, 0755) < 0)
		log_fatal("cannot set the mode of %s: %s", path, strerror(errno));
}

/* mkdir -p of the parents of `path` in the new root, each like the host's (see
 * mkdir_like_host), or 0755 root when `open` (the way to a secret's placeholder). */
static void make_parents_as(const char *path, int open)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	for (char *q = dir + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (open)
			mkdir_open(dir);
		else
			mkdir_like_host(dir);
		*q = '/';
	}
}

static void make_parents(const char *path)
{
	make_parents_as(path, 0);
}

/* Recreates the host's link `path` -> `target` in the new root, unless something is
 * there already (the link came in with a bind mount of its folder). */
static void recreate_link(const char *path, const char *target)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return;
	make_parents(path);
	may_create(path);
	if (symlink(target, path) < 0 && errno != EEXIST)
		log_fatal("cannot recreate the link %s -> %s in the sandbox's root: %s", path,
			  target, strerror(errno));
}

/* An empty file or directory to mount over, like the source. */
static void make_mount_point(const char *path, int is_dir, int open_parents)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return; /* inside a folder bound already: the host's own file is there */
	make_parents_as(path, open_parents);
	if (is_dir) {
		mkdir_like_host(path);
		return;
	}
	may_create(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		log_fatal("cannot create the mount point %s in the sandbox's root: %s", path,
			  strerror(errno));
	close(fd);
}

/* Adds `set` (ATTR_*) to the mount at `path` and every mount beneath it.
 * mount_setattr() only sets flags, so flags the host locked stay as they are. Kernels
 * before 5.12 get a remount of the top mount that keeps its current flags. */
static int restrict_mount(const char *path, uint64_t set)
{
	struct fs_mount_attr attr = {.attr_set = set};
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	struct statvfs sv;
	unsigned long flags = MS_REMOUNT | MS_BIND;
	if (statvfs(path, &sv) == 0)
		flags |= sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME |
				      ST_NODIRATIME | ST_RELATIME | ST_SYNCHRONOUS | ST_MANDLOCK);
	flags |= (set & ATTR_RDONLY ? MS_RDONLY : 0) | (set & ATTR_NOSUID ? MS_NOSUID : 0) |
		 (set & ATTR_NODEV ? MS_NODEV : 0) | (set & ATTR_NOEXEC ? MS_NOEXEC : 0);
	return mount(NULL, path, NULL, flags, NULL);
}

static void bind(const char *src, const char *dst, uint64_t set, const char *why)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0 || restrict_mount(dst, set) < 0)
		log_fatal("cannot bind-mount %s into the sandbox (%s): %s", dst, why,
			  strerror(errno));
}

/* [filesystem] tmpfs: an empty, writable (1777, like /tmp) folder of the sandbox's own,
 * gone with it, holding at most `size` bytes. Over whatever a listed folder has there. */
static void mount_tmpfs(const char *path, uint64_t size)
{
	char opts[64];
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		make_mount_point(path, 1, 0);
	snprintf(opts, sizeof opts, "mode=1777,size=%llu", (unsigned long long)size);
	if (mount("airlock", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		log_fatal("cannot mount the tmpfs %s of [filesystem] tmpfs: %s", path, strerror(errno));
	own_fs(path);
	log_verbose("filesystem: tmpfs %s (%llu bytes at most)", path, (unsigned long long)size);
}

/* The plan's links, then its paths, each bound at its own path. */
static void mount_policy_paths(const struct fs_plan *plan, uint64_t tmpfs_size)
{
	for (size_t i = 0; i < plan->nlinks; i++)
		recreate_link(plan->links[i].path, plan->links[i].target);
	for (size_t i = 0; i < plan->nentries; i++) {
		const struct fs_entry *e = &plan->entries[i];
		if (e->kind == FS_TMPFS) {
			mount_tmpfs(e->path, tmpfs_size);
			continue;
		}
		/* What was resolved, opened again without following any link: one swapped in
		 * since (by a sandbox of the same uid running now) is refused, not followed. */
		char h[PATH_MAX], err[256], src[64];
		struct stat st;
		int fd = safe_open(host(e->path, h, sizeof h), O_PATH, 0, SAFE_NO_LINKS, err,
				   sizeof err);
		if (fd < 0 || fstat(fd, &st) < 0)
			log_fatal("cannot open %s to bind it into the sandbox: %s", e->path,
				  fd < 0 ? err : strerror(errno));
		make_mount_point(e->path, S_ISDIR(st.st_mode), 0);
		/* The host's /proc (still mounted at OLD/proc) names the descriptor. */
		snprintf(src, sizeof src, OLD "/proc/self/fd/%d", fd);
		/* read_write is bound as it is but for set-id bits, so a listed device
		 * (/dev/kvm, /dev/dri) still works; read_only gets nodev too. */
		int ro = e->kind == FS_READ_ONLY;
		bind(access(src, F_OK) == 0 ? src : h, e->path,
		     ATTR_NOSUID | (ro ? ATTR_RDONLY | ATTR_NODEV : 0),
		     ro ? "[filesystem] read_only" : "[filesystem] read_write");
		close(fd);
		log_verbose("filesystem: %s %s", ro ? "read-only" : "read-write", e->path);
	}
}

static void mkdir_root_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		log_fatal("cannot create %s in the sandbox's root: %s", path, strerror(errno));
	if (chmod(path, mode) < 0)
		log_fatal("cannot set the mode of %s: %s", path, strerror(errno));
}

/* The baseline devices (the host's nodes, bound as files), a devpts instance of the
 * sandbox's own (no host terminal is in it) and the usual links. The terminal
 * sandbox-exec was given stays usable through the inherited descriptors and /dev/tty. */
static void mount_dev(void)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	mkdir_root_dir("/dev", 0755);
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		char dst[64], src[PATH_MAX];
		snprintf(dst, sizeof dst, "/dev/%s", nodes[i]);
		host(dst, src, sizeof src);
		struct stat st;
		if (stat(src, &st) < 0 || !S_ISCHR(st.st_mode)) {
			log_verbose("filesystem: no %s on this host", dst);
			continue;
		}
		make_mount_point(dst, 0, 0);
		/* nosuid and noexec, but not nodev: these are the devices */
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0 ||
		    restrict_mount(dst, ATTR_NOSUID | ATTR_NOEXEC) < 0)
			log_fatal("cannot bind %s into the sandbox: %s", dst, strerror(errno));
	}
	mkdir_root_dir("/dev/pts", 0755);
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		log_fatal("cannot mount a devpts of the sandbox's own on /dev/pts: %s",
			  strerror(errno));
	static const char *const links[][2] = {
		{"/dev/ptmx", "pts/ptmx"},       {"/dev/fd", "/proc/self/fd"},
		{"/dev/stdin", "/proc/self/fd/0"}, {"/dev/stdout", "/proc/self/fd/1"},
		{"/dev/stderr", "/proc/self/fd/2"},
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlink(links[i][1], links[i][0]) < 0 && errno != EEXIST)
			log_fatal("cannot create %s: %s", links[i][0], strerror(errno));
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0 || fchmod(fd, mode) < 0) /* whatever the caller's umask */
		return fd < 0 ? -1 : (close(fd), -1);
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return close(fd);
}

/* Whether `path` is under /run and every folder of it that exists so far is airlock's
 * own (the new root's /run): the placeholder file can then simply be written there.
 * Under a /run folder bound from the host (a listed /run/x), writing would truncate the
 * operator's real file: such a file gets a bind over it like anywhere else. */
static int in_own_run(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;
	if (strncmp(path, "/run/", 5) != 0 || fs_plan_reserved(path))
		return 0;
	parent_of(path, dir, sizeof dir);
	while (lstat(dir, &st) < 0 && errno == ENOENT)
		parent_of(dir, dir, sizeof dir);
	return on_own_fs(dir);
}

/* Each secret's `file` shows its view (the placeholder, or the JSON document with its
 * secrets' members masked: secret_view.h), read-only, whatever the policy lists:
 * under /run (Docker's /run/secrets) it is written in the new root's own /run (unless a
 * listed /run folder from the host holds it: in_own_run); elsewhere a
 * placeholder file is bound over the path (an empty file of the new root when its
 * folder is not listed, so nothing else of that folder appears). */
/* Whether the sandbox's identity (uid, gid, no other groups) may search folder `st`. */
static int searchable(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return (st->st_mode & S_IXUSR) != 0;
	if (st->st_gid == gid)
		return (st->st_mode & S_IXGRP) != 0;
	return (st->st_mode & S_IXOTH) != 0;
}

/* A secret's file must be readable inside whatever the lists say. In a listed folder, a
 * folder on the way that the sandbox's identity may not search (a token kept in a 0700
 * root folder, as it should be) would hide it: that folder gets an empty tmpfs over it,
 * in which the way to the file is made. The sandbox could reach nothing beneath such a
 * folder anyway, so it loses nothing. Returns 1 with the folder in `dir` (to be made
 * read-only once the file is in place), or 0 when the way is open. */
static int open_the_way(const char *file, uid_t uid, gid_t gid, char *dir, size_t len)
{
	snprintf(dir, len, "%s", file);
	for (char *q = dir + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		struct stat st;
		/* In a user namespace the owners seen are mapped ones: ask the kernel (whose
		 * override does not reach the host's unmapped owners) instead. */
		if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
		    (in_userns ? faccessat(AT_FDCWD, dir, X_OK, AT_EACCESS) < 0
			       : !searchable(&st, uid, gid))) {
			if (mount("airlock", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  "mode=0755,size=64k") < 0)
				log_fatal("cannot open the way to a secret's file through %s: %s", dir,
					  strerror(errno));
			own_fs(dir);
			return 1;
		}
		*q = '/';
	}
	return 0;
}

static void mount_secret_files(const struct policy *p, const struct sandbox_view *views)
{
	char (*ways)[PATH_MAX] = calloc(p->nsecrets + 1, sizeof *ways);
	size_t nways = 0;
	if (!ways)
		log_fatal("out of memory placing the secrets' files");
	mkdir_root_dir(SECRETS_DIR, 0755);
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		if (!s->file || !views[i].data)
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", SECRETS_DIR, s->name);
		if (in_own_run(s->file)) {
			make_parents_as(s->file, 1);
			snprintf(path, sizeof path, "%s", s->file);
		}
		if (write_file(path, views[i].data, views[i].len, views[i].unreadable ? 0 : 0444) < 0)
			log_fatal("cannot write %s: %s", path, strerror(errno));
		if (strcmp(path, s->file) != 0) {
			nways += (size_t)open_the_way(s->file, p->uid, p->gid, ways[nways], PATH_MAX);
			make_mount_point(s->file, 0, 1);
			if (mount(path, s->file, NULL, MS_BIND, NULL) < 0 ||
			    restrict_mount(s->file, ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV |
						      ATTR_NOEXEC) < 0)
				log_fatal("cannot hide secret file %s of [secret %s]: %s", s->file,
					  s->name, strerror(errno));
		}
		if (s->gcp)
			log_verbose("[gcp]: %s is an empty file that cannot be read", s->file);
		else
			log_verbose("secret %s: %s shows its placeholder", s->name, s->file);
	}
	/* Once every file is in place: nothing else may be made there. */
	for (size_t k = 0; k < nways; k++)
		if (restrict_mount(ways[k], ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV | ATTR_NOEXEC) < 0)
			log_fatal("cannot make %s read-only: %s", ways[k], strerror(errno));
	free(ways);
}

/* /run/airlock: the CA files and the secrets' placeholder files. */
static void make_run_dir(const struct sandbox_child_args *a)
{
	mkdir_root_dir("/run", 0755);
	mkdir_root_dir(SANDBOX_RUN_DIR, 0755);
	struct ca_files f = {a->ca_pem, a->ca_pem_len, a->roots_fd};
	const char *failed;
	if (a->ca_pem && ca_files_write(&f, SANDBOX_CA_FILE, SANDBOX_BUNDLE_FILE, &failed) < 0)
		log_fatal("cannot write %s: %s", failed, strerror(errno));
}

/* An old-style /var/run that is a folder of its own (inside a listed /var) would show
 * the host's sockets there: it gets an empty read-only tmpfs. */
static void cover_var_run(void)
{
	struct stat st;
	if (lstat("/var/run", &st) == 0 && S_ISDIR(st.st_mode) &&
	    mount("airlock", "/var/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  "mode=0755,size=4k") < 0)
		log_fatal("cannot mount a tmpfs on /var/run: %s", strerror(errno));
}

/* CMD's working directory must resolve inside the new root: the policy's workdir, or
 * the caller's directory, made an empty directory when the policy does not list it. */
static void make_cwd(const char *dir)
{
	char h[PATH_MAX];
	struct stat st;
	if (!dir || stat(dir, &st) == 0 || stat(host(dir, h, sizeof h), &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return;
	make_parents(dir);
	mkdir_like_host(dir);
}

/* A /proc of the sandbox's PID namespace. In a user namespace the kernel refuses a new
 * /proc where the one already there has paths masked by mounts (a container's /proc:
 * /proc/kcore, /proc/keys, ...), as it would reveal what they hide. The container's own
 * /proc, masks included, is bound instead: the container's processes are listed there,
 * but their memory, environment and descriptors stay closed to the sandbox (Landlock's
 * ptrace rule, which sandbox_child then requires; seccomp denies ptrace itself), and
 * none of them can be signalled from the sandbox's PID namespace. Returns 1 then, else 0. */
static int mount_proc(void)
{
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
		return 0;
	if (!in_userns || errno != EPERM)
		log_fatal("cannot mount /proc for the sandbox: %s", strerror(errno));
	if (mount(OLD "/proc", "/proc", NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    restrict_mount("/proc", ATTR_NOSUID | ATTR_NODEV | ATTR_NOEXEC) < 0)
		log_fatal("cannot bind this place's /proc into the sandbox: %s", strerror(errno));
	log_verbose("filesystem: /proc is this container's (a new one is refused in a user "
		    "namespace while its /proc has masked paths): its processes are listed, "
		    "Landlock keeps them unreadable");
	return 1;
}

/* Enters the tmpfs at /run as the new root, keeping the host's root at OLD. */
static void enter_new_root(void)
{
	if (mkdir("/run", 0755) < 0 && errno != EEXIST)
		log_fatal("cannot create /run: %s", strerror(errno));
	if (mount("airlock", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m") < 0)
		log_fatal("cannot mount a tmpfs for the sandbox's root: %s", strerror(errno));
	if (chdir("/run") < 0 || mkdir("." OLD, 0700) < 0)
		log_fatal("cannot prepare the sandbox's root: %s", strerror(errno));
	if (syscall(SYS_pivot_root, ".", "." OLD) < 0)
		log_fatal("cannot enter the sandbox's root (pivot_root): %s (the host's root "
			  "must be a mount point; in a chroot, bind-mount its folder onto itself "
			  "first)", strerror(errno));
	if (chdir("/") < 0)
		log_fatal("cannot enter the sandbox's root: %s", strerror(errno));
	own_fs("/");
}

static void leave_host_root(void)
{
	if (umount2(OLD, MNT_DETACH) < 0 || rmdir(OLD) < 0)
		log_fatal("cannot detach the host's root from the sandbox: %s", strerror(errno));
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		log_fatal("cannot make the sandbox's root read-only: %s", strerror(errno));
}

int sandbox_fs_build(const struct sandbox_child_args *a)
{
	const struct policy *p = a->policy;
	in_userns = a->userns;
	char cwd[PATH_MAX];
	int have_cwd = getcwd(cwd, sizeof cwd) != NULL;
	/* Nothing mounted in here may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		log_fatal("cannot make mounts private: %s", strerror(errno));
	enter_new_root();
	mount_policy_paths(a->fs_plan, p->tmpfs_size);
	mount_dev();
	/* A /proc of the new PID namespace: the supervisor and the host are not in it.
	 * Mounted while the host's /proc is still in this namespace (the kernel wants a
	 * fully visible /proc there before it allows a new one). */
	mkdir_root_dir("/proc", 0555);
	int shared_proc = mount_proc();
	make_run_dir(a);
	mount_secret_files(p, a->views);
	cover_var_run();
	const char *dir = p->workdir ? p->workdir : (have_cwd ? cwd : NULL);
	make_cwd(dir);
	leave_host_root();
	if (chdir(dir ? dir : "/") < 0)
		log_fatal("cannot enter %s %s: %s", p->workdir ? "workdir" : "the working directory",
			  dir, strerror(errno));
	return shared_proc;
}
