/* landlock.c: the file-system layer of the sandbox (see landlock.h).
 *
 * musl has no Landlock wrappers, so the three system calls are made raw. The header of
 * the build machine may be older than the kernel the binary runs on: every constant
 * newer than ABI 1 is defined here when absent, and struct landlock_ruleset_attr is our
 * own three-field copy, passed with the size the running kernel's ABI understands.
 *
 * The ruleset handles every access right the kernel knows, so whatever no rule grants
 * is denied; rules are added for the fixed baseline and the policy's lists. Network
 * rights are handled only in isolation unprivileged, where no network namespace does
 * that: TCP connect to the proxy's listeners only, no TCP bind.
 */
#include "init/sandbox/landlock.h"
#include "init/sandbox/landlock_access.h"

#include "net/base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* Our copy of struct landlock_ruleset_attr at ABI 6; older kernels get a prefix. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC LANDLOCK_ACCESS_FS_EXECUTE
#define FS_WRITE LANDLOCK_ACCESS_FS_WRITE_FILE
#define FS_TRUNC LANDLOCK_ACCESS_FS_TRUNCATE
#define FS_IOCTL LANDLOCK_ACCESS_FS_IOCTL_DEV

/* The rights the kernel accepts in a rule on a non-directory (LANDLOCK_MASK_ACCESS_FILE
 * in the kernel): the rest only make sense beneath a directory. */
#define FS_FILE_BITS                                                                   \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                  \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                  \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

uint64_t landlock_handled_fs(int abi)
{
	if (abi < 1)
		return 0;
	/* ABI 1: EXECUTE .. MAKE_SYM, bits 0 to 12. */
	uint64_t m = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	if (abi >= 2)
		m |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		m |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		m |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return m;
}

uint64_t landlock_scoped(int abi)
{
	return abi >= 6 ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL : 0;
}

unsigned landlock_ruleset_attr_size(int abi)
{
	if (abi >= 6)
		return 24;
	return abi >= 4 ? 16 : 8;
}

uint64_t landlock_rule_access(enum landlock_class cls, int is_dir, uint64_t handled)
{
	uint64_t want = 0;
	switch (cls) {
	case LL_READ_ONLY:
		want = FS_READ | FS_EXEC;
		break;
	case LL_READ_WRITE:
		want = handled;
		break;
	case LL_DEV_READ:
	case LL_SECRET_FILE:
		want = LANDLOCK_ACCESS_FS_READ_FILE;
		break;
	case LL_DEV_RW:
		/* TRUNCATE because shells open `> /dev/null` with O_TRUNC. */
		want = LANDLOCK_ACCESS_FS_READ_FILE | FS_WRITE | FS_TRUNC;
		break;
	case LL_TTY:
		/* Terminal programs need the tty ioctls (window size, modes, job control);
		 * READ_DIR lets them find their pty under /dev/pts. */
		want = FS_READ | FS_WRITE | FS_TRUNC | FS_IOCTL;
		break;
	case LL_PROC:
		/* Programs write their own /proc/self files (oom_score_adj, comm of a
		 * thread); everything else there is guarded by DAC, and CMD is never root
		 * and holds no capability. No EXECUTE: /proc/self/exe resolves to the real
		 * file, whose own rule decides. */
		want = FS_READ | FS_WRITE | FS_TRUNC;
		break;
	}
	if (!is_dir)
		want &= FS_FILE_BITS;
	return want & handled;
}

/* The raw ABI query: the version, or -1 with errno. */
static long abi_query(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
}

int landlock_abi(void)
{
	long v = abi_query();
	return v < 0 ? 0 : (int)v;
}

static const char *class_name(enum landlock_class cls)
{
	switch (cls) {
	case LL_READ_ONLY:
		return "read-only";
	case LL_READ_WRITE:
		return "read-write";
	case LL_DEV_READ:
		return "read";
	case LL_DEV_RW:
		return "read-write device";
	case LL_TTY:
		return "terminal";
	case LL_PROC:
		return "proc";
	case LL_SECRET_FILE:
		return "secret placeholder";
	}
	return "?";
}

/* Adds the rule for `path` of class `cls` to `ruleset`. A path that does not exist,
 * or that the sandbox's user cannot reach, is skipped: no rule only means less access.
 * Returns 0, or -1 with a sentence in err. */
static int add_path(int ruleset, const char *path, enum landlock_class cls, uint64_t handled,
		    char *err, size_t errlen)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ENOTDIR) {
			log_verbose("landlock: skipping %s: it does not exist on this image", path);
			return 0;
		}
		if (e == EACCES) {
			log_verbose("landlock: skipping %s: the sandbox user cannot reach it (%s), "
				    "so it stays out of reach",
				    path, strerror(e));
			return 0;
		}
		log_format(err, errlen,
			"landlock: cannot open %s to add its %s rule: %s; remove it from the "
			"policy's [filesystem] lists or fix the path",
			path, class_name(cls), strerror(e));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		log_format(err, errlen, "landlock: cannot stat %s (%s rule): %s", path,
			class_name(cls), strerror(e));
		return -1;
	}
	struct landlock_path_beneath_attr pb = {
		.allowed_access = landlock_rule_access(cls, S_ISDIR(st.st_mode), handled),
		.parent_fd = fd,
	};
	int rc = 0;
	if (pb.allowed_access &&
	    syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
		int e = errno;
		log_format(err, errlen,
			"landlock: the kernel refused the %s rule for %s: %s; remove the path "
			"from the policy or set landlock = best_effort",
			class_name(cls), path, strerror(e));
		rc = -1;
	}
	close(fd);
	if (rc == 0)
		log_verbose("landlock: %s access to %s", class_name(cls), path);
	return rc;
}

/* The fixed baseline of spec section 3, added whatever the policy says. */
static const struct {
	const char *path;
	enum landlock_class cls;
} baseline[] = {
	{"/proc", LL_PROC},
	{"/dev/null", LL_DEV_RW},
	{"/dev/zero", LL_DEV_RW},
	{"/dev/full", LL_DEV_RW},
	{"/dev/random", LL_DEV_READ},
	{"/dev/urandom", LL_DEV_READ},
	{"/dev/tty", LL_TTY},
	{"/dev/ptmx", LL_TTY},
	{"/dev/pts", LL_TTY},
	{"/run/airlock", LL_READ_ONLY},
};

#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define LANDLOCK_RULE_NET_PORT 2
struct landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};
#endif

/* The policy's lists; the tmpfs paths and the secrets' files only `with_mounts`
 * (there they are the sandbox's own tmpfs and the placeholder views). */
static int add_lists(int rs, const struct policy *p, int with_mounts, uint64_t handled,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < p->nread_only; i++)
		if (add_path(rs, p->read_only[i].path, LL_READ_ONLY, handled, err, errlen) != 0)
			return -1;
	for (size_t i = 0; i < p->nread_write; i++)
		if (add_path(rs, p->read_write[i].path, LL_READ_WRITE, handled, err, errlen) != 0)
			return -1;
	for (size_t i = 0; with_mounts && i < p->ntmpfs; i++)
		if (add_path(rs, p->tmpfs[i].path, LL_READ_WRITE, handled, err, errlen) != 0)
			return -1;
	/* The secrets' files show their placeholders by then (sandbox_fs.c): readable
	 * whatever the lists say, as the contract promises (a git credential helper reads
	 * one). Only the file: nothing else of its folder. */
	for (size_t i = 0; with_mounts && i < p->nsecrets; i++)
		if (p->secrets[i].file &&
		    add_path(rs, p->secrets[i].file, LL_SECRET_FILE, handled, err, errlen) != 0)
			return -1;
	return 0;
}

/* isolation unprivileged: the private folder's rules and the TCP ports. */
static int add_unprivileged(int rs, const struct landlock_unprivileged *u, uint64_t handled,
			    char *err, size_t errlen)
{
	if (add_path(rs, u->own_dir, LL_READ_ONLY, handled, err, errlen) != 0 ||
	    add_path(rs, u->own_tmp, LL_READ_WRITE, handled, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < u->nports; i++) {
		struct landlock_net_port_attr np = {LANDLOCK_ACCESS_NET_CONNECT_TCP, u->ports[i]};
		if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_NET_PORT, &np, 0) != 0) {
			log_format(err, errlen, "landlock: the kernel refused the TCP port rule for "
				   "%u: %s", (unsigned)u->ports[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Baseline paths isolation unprivileged leaves out: /run/airlock is not the sandbox's,
 * and /dev/pts and /dev/ptmx are the host's, where every terminal of the sandbox's uid
 * (another session's) could be opened. */
static int unprivileged_skips(const char *path)
{
	return strcmp(path, "/run/airlock") == 0 || strcmp(path, "/dev/pts") == 0 ||
	       strcmp(path, "/dev/ptmx") == 0;
}

/* isolation unprivileged: the terminal on CMD's stdio, if any, and no other. */
static int add_own_terminals(int rs, uint64_t handled, char *err, size_t errlen)
{
	for (int fd = 0; fd < 3; fd++) {
		char name[128];
		if (isatty(fd) && ttyname_r(fd, name, sizeof name) == 0 &&
		    strncmp(name, "/dev/pts/", 9) == 0 &&
		    add_path(rs, name, LL_TTY, handled, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Adds every rule; returns 0 or -1 with err set. */
static int add_rules(int rs, const struct policy *p, const struct landlock_unprivileged *u,
		     uint64_t handled, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof baseline / sizeof baseline[0]; i++)
		if ((!u || !unprivileged_skips(baseline[i].path)) &&
		    add_path(rs, baseline[i].path, baseline[i].cls, handled, err, errlen) != 0)
			return -1;
	if (u && (add_unprivileged(rs, u, handled, err, errlen) != 0 ||
		  add_own_terminals(rs, handled, err, errlen) != 0))
		return -1;
	return add_lists(rs, p, !u, handled, err, errlen);
}

static int apply(const struct policy *p, const struct landlock_unprivileged *u, char *err,
		 size_t errlen)
{
	long v = abi_query();
	if (v < 0) {
		int e = errno;
		if (e == ENOSYS || e == EOPNOTSUPP) {
			log_format(err, errlen,
				"landlock: this kernel has no Landlock (%s); boot a kernel with "
				"Landlock enabled (CONFIG_SECURITY_LANDLOCK, \"landlock\" in lsm=) "
				"or set landlock = best_effort in the policy",
				strerror(e));
			return 1;
		}
		log_format(err, errlen, "landlock: cannot query the Landlock ABI: %s", strerror(e));
		return -1;
	}
	int abi = (int)v;
	struct ll_ruleset_attr attr = {
		.handled_access_fs = landlock_handled_fs(abi),
		.handled_access_net = u && abi >= 4 ? LANDLOCK_ACCESS_NET_BIND_TCP |
							      LANDLOCK_ACCESS_NET_CONNECT_TCP : 0,
		.scoped = landlock_scoped(abi),
	};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr,
			      (size_t)landlock_ruleset_attr_size(abi), 0);
	if (rs < 0) {
		int e = errno;
		log_format(err, errlen,
			"landlock: cannot create a ruleset: %s; set landlock = best_effort to "
			"run without it",
			strerror(e));
		return -1;
	}
	log_verbose("landlock: ABI %d", abi);
	if (u && abi < 4) {
		close(rs);
		log_format(err, errlen, "landlock: ABI %d has no TCP rules (ABI 4, Linux 6.7, "
			   "is needed for isolation unprivileged)", abi);
		return 1;
	}
	if (add_rules(rs, p, u, attr.handled_access_fs, err, errlen) != 0) {
		close(rs);
		return -1;
	}
	/* Required for an unprivileged landlock_restrict_self(), and wanted anyway. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		int e = errno;
		close(rs);
		log_format(err, errlen, "landlock: cannot set no_new_privs: %s", strerror(e));
		return -1;
	}
	if (syscall(SYS_landlock_restrict_self, rs, 0) != 0) {
		int e = errno;
		close(rs);
		log_format(err, errlen,
			"landlock: the kernel refused to enforce the ruleset: %s; set "
			"landlock = best_effort to run without it",
			strerror(e));
		return -1;
	}
	close(rs);
	return 0;
}

int landlock_apply(const struct policy *p, char *err, size_t errlen)
{
	return apply(p, NULL, err, errlen);
}

int landlock_apply_unprivileged(const struct policy *p, const struct landlock_unprivileged *u,
				char *err, size_t errlen)
{
	return apply(p, u, err, errlen);
}
