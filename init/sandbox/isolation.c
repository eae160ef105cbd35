/* isolation.c: see isolation.h. */
#include "init/sandbox/isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/sandbox/landlock.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define NAMESPACES (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

/* Brings up `lo` in the current network namespace: 0, or an errno. */
static int lo_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int rc = s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ? errno : 0;
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = errno;
	if (s >= 0)
		close(s);
	return rc;
}

/* Writes `text` to /proc/`who`/`name` ("self", or a pid): 0, or an errno. */
static int write_proc(const char *who, const char *name, const char *text)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%s/%s", who, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = fd < 0 ? errno : write(fd, text, strlen(text)) < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	return rc;
}

int isolation_map_child(pid_t pid, uid_t uid, gid_t gid)
{
	char who[32], map[64];
	snprintf(who, sizeof who, "%ld", (long)pid);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	int rc = write_proc(who, "uid_map", map);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return rc ? rc : write_proc(who, "gid_map", map);
}

int isolation_map_self(uid_t uid, gid_t gid, uid_t outside_uid, gid_t outside_gid)
{
	char map[64];
	/* /proc/self's files belong to root while this process is not dumpable (a copy of
	 * the supervisor, which is not): dumpable for as long as the maps take. */
	int was = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return errno;
	int rc = write_proc("self", "setgroups", "deny");
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)outside_uid);
	if (!rc)
		rc = write_proc("self", "uid_map", map);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)outside_gid);
	if (!rc)
		rc = write_proc("self", "gid_map", map);
	if (prctl(PR_SET_DUMPABLE, was > 0 ? was : 0, 0, 0, 0) < 0 && !rc)
		rc = errno;
	return rc;
}

/* A user namespace mapping this process's uid and gid, as sandbox-exec makes it for a
 * caller other than root. 0, or an errno. */
static int own_userns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0)
		return errno;
	return isolation_map_self(65534, 65534, uid, gid);
}

/* Waits for `pid`: its exit status, or an errno when it could not be had. */
static int wait_status(pid_t pid)
{
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return errno ? errno : ECHILD;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
}

/* In the new PID namespace (a child of the one that unshared it): a /proc of its own,
 * over the old one in a private copy of the mounts. */
static int own_proc(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(errno & 0xff);
		_exit(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0
			      ? (errno == EPERM ? ISOLATION_NO_PROC : errno & 0xff) : 0);
	}
	return wait_status(pid);
}

/* In a throwaway child: a user namespace of its own when `userns` (mapped by this
 * process for root, as sandbox-exec does), then the sandbox's namespaces, lo up, and a
 * /proc of its own. 0, or the errno met. */
static _Noreturn void probe_child(int userns, int by_parent, const int up[2],
				   const int down[2])
{
	int rc = 0;
	char c = 0;
	if (by_parent) {
		rc = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1 || c)
			_exit(rc ? rc & 0xff : c ? c : EPERM);
	} else if (userns) {
		rc = own_userns();
	}
	if (!rc)
		rc = unshare(NAMESPACES) < 0 ? errno : lo_up();
	_exit((rc ? rc : own_proc()) & 0xff);
}

/* The throwaway child of a probe that needs nothing from this process (not the one
 * root maps): its pid, to wait_status() on, or -1 with errno. */
static pid_t probe_start(int userns)
{
	static const int none[2] = {-1, -1};
	pid_t pid = fork();
	if (pid == 0)
		probe_child(userns, 0, none, none);
	return pid;
}

static int probe(int userns)
{
	int by_parent = userns && geteuid() == 0, up[2] = {-1, -1}, down[2] = {-1, -1};
	if (!by_parent) {
		fflush(NULL);
		return wait_status(probe_start(userns));
	}
	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
		return errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		probe_child(userns, 1, up, down);
	char c;
	int rc = pid < 0 || read(up[0], &c, 1) != 1 ? EPERM : isolation_map_child(pid, 65534, 65534);
	c = (char)rc;
	if (write(down[1], &c, 1) != 1)
		rc = EPIPE;
	for (int i = 0; i < 2; i++) {
		close(up[i]);
		close(down[i]);
	}
	int st = wait_status(pid);
	return rc ? rc : st;
}

const char *isolation_strerror(int err)
{
	if (err == ISOLATION_NO_PROC)
		return "yes, but with this container's /proc (its /proc has masked paths, and "
		       "the kernel refuses a new one in a user namespace: the container's "
		       "processes are listed inside, Landlock keeps them unreadable; unmask it "
		       "for a /proc of the sandbox's own: podman --security-opt "
		       "unmask=/proc/*, Kubernetes procMount: Unmasked)";
	return strerror(err);
}

int isolation_probe_full(void)
{
	return probe(0);
}

int isolation_probe_userns(void)
{
	return probe(1);
}

const char *isolation_name(enum policy_isolation mode)
{
	static const char *const names[] = {"auto", "full", "userns", "unprivileged"};
	return (unsigned)mode < sizeof names / sizeof names[0] ? names[mode] : "?";
}

const char *isolation_probe_unprivileged(void)
{
	int abi = landlock_abi();
	if (abi < 4)
		return abi ? "this kernel's Landlock has no TCP rules (ABI 4, Linux 6.7)"
			   : "this kernel has no Landlock (or it is not in lsm=)";
	return isolation_probe_notify();
}

const char *isolation_probe_notify(void)
{
	uint32_t action = SECCOMP_RET_USER_NOTIF;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0)
		return "this kernel has no seccomp user notification (Linux 5.5)";
	if (syscall(SYS_pidfd_getfd, -1, 0, 0) == 0 || errno == ENOSYS || errno == EPERM)
		return "pidfd_getfd is not allowed here (Linux 5.6, and a seccomp profile "
		       "that allows it)";
	/* The reaper reads each connect's address with it (on its own memory here). */
	char from = 'x', to = 0;
	struct iovec mine = {&to, 1}, theirs = {&from, 1};
	if (process_vm_readv(getpid(), &mine, 1, &theirs, 1, 0) != 1)
		return "process_vm_readv is not allowed here (a seccomp profile that allows "
		       "it; Docker's does on Linux 4.8 and later)";
	return NULL;
}

/* isolation unprivileged, or -1 with why: what is missing. */
static int choose_unprivileged(enum policy_isolation want, const char *others, char *why,
			       size_t len)
{
	const char *missing = isolation_probe_unprivileged();
	if (!missing)
		return POLICY_ISOLATION_UNPRIVILEGED;
	snprintf(why, len, "%s: %s%s%s", want == POLICY_ISOLATION_UNPRIVILEGED ?
		 "[sandbox] isolation = unprivileged" : "no sandbox can be made", missing,
		 others ? "; " : "", others ? others : "");
	return -1;
}

void isolation_choose_start(struct isolation_ahead *ahead, enum policy_isolation want)
{
	ahead->want = want;
	ahead->pid = -1;
	ahead->err = 0;
	if (want == POLICY_ISOLATION_UNPRIVILEGED)
		return;
	/* The first probe the choice needs, where no answer from this process is: full for
	 * root, userns (mapped by the child itself) for any other caller. */
	fflush(NULL);
	ahead->pid = probe_start(geteuid() != 0);
	if (ahead->pid < 0)
		ahead->err = errno;
}

int isolation_choose(enum policy_isolation want, char *why, size_t len)
{
	struct isolation_ahead ahead;
	isolation_choose_start(&ahead, want);
	return isolation_choose_finish(&ahead, why, len);
}

int isolation_choose_finish(struct isolation_ahead *ahead, char *why, size_t len)
{
	enum policy_isolation want = ahead->want;
	int first = ahead->err ? ahead->err : ahead->pid > 0 ? wait_status(ahead->pid) : 0;
	ahead->pid = -1;
	if (want == POLICY_ISOLATION_UNPRIVILEGED)
		return choose_unprivileged(want, NULL, why, len);
	/* Full only for root: a non-root caller with CAP_SYS_ADMIN is rare, and its
	 * supervisor would still guard files as if it were root. */
	int full = geteuid() == 0 ? first : EPERM;
	if (full == 0 && want != POLICY_ISOLATION_USERNS)
		return POLICY_ISOLATION_FULL;
	if (want == POLICY_ISOLATION_FULL) {
		snprintf(why, len, "[sandbox] isolation = full: the sandbox's namespaces cannot "
			 "be made here: %s (run as root with CAP_SYS_ADMIN and CAP_NET_ADMIN, "
			 "under a seccomp profile that allows unshare; or set isolation = auto)",
			 geteuid() == 0 ? isolation_strerror(full) : "not root");
		return -1;
	}
	int userns = geteuid() == 0 ? isolation_probe_userns() : first;
	if (userns == 0 || userns == ISOLATION_NO_PROC)
		return POLICY_ISOLATION_USERNS;
	const char *what = want == POLICY_ISOLATION_USERNS ? "[sandbox] isolation = userns" :
			   "no namespace can be made";
	char full_why[512];
	snprintf(full_why, sizeof full_why, "%s", geteuid() == 0 ? isolation_strerror(full) : "not root");
	snprintf(why, len, "%s: a user namespace cannot be made here: %s%s%s (allow it with "
		 "a seccomp profile that allows unshare and clone with namespace flags, such as "
		 "podman's or CRI-O's default; on Kubernetes securityContext.hostUsers: false; "
		 "sysctl user.max_user_namespaces > 0%s)",
		 what, isolation_strerror(userns),
		 want == POLICY_ISOLATION_USERNS ? "" : "; full mode: ",
		 want == POLICY_ISOLATION_USERNS ? "" : full_why,
		 geteuid() == 0 ? "; as root, mapping the sandbox's uid needs CAP_SETUID and "
				  "CAP_SETGID" : "");
	if (want == POLICY_ISOLATION_USERNS)
		return -1;
	char ns_why[1024];
	snprintf(ns_why, sizeof ns_why, "%s", why);
	return choose_unprivileged(want, ns_why, why, len);
}
