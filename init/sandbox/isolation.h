/* isolation.h: which way of making the sandbox this process can have here
 * ([sandbox] isolation), tried, not guessed.
 *
 *  - full: the sandbox's namespaces made with the host's privilege (root or
 *    CAP_SYS_ADMIN, and CAP_NET_ADMIN to bring up its lo);
 *  - userns: the same namespaces, owned by a new user namespace any uid may make where
 *    the kernel and the container's seccomp profile allow it. The policy's user is the
 *    identity inside, mapped to the caller's uid and gid outside; nothing else is mapped.
 *
 *  - unprivileged: no namespace at all; Landlock (files, TCP ports, ptrace, signals,
 *    abstract sockets) and seccomp with connect() decided by the sandbox's reaper
 *    (init/sandbox/unprivileged.h, connect_notify.h).
 *
 * Each probe makes the namespaces in a throwaway child and brings up lo there.
 */
#ifndef AIRLOCK_ISOLATION_H
#define AIRLOCK_ISOLATION_H

#include <stddef.h>
#include <sys/types.h>

#include "policy/policy.h"

/* What a probe returns when all worked but a /proc of the sandbox's own: userns then
 * runs with the container's /proc (sandbox_fs.h). */
#define ISOLATION_NO_PROC 250

/* 0 when a child could make the full mode's namespaces (lo up and a /proc of their own
 * included), else the errno it met or ISOLATION_NO_PROC. */
int isolation_probe_full(void);

/* The same for the namespaces owned by a new user namespace. */
int isolation_probe_userns(void);

/* NULL when isolation unprivileged can run here (Landlock ABI 4, seccomp user
 * notification, pidfd_getfd), else what is missing, as words. */
const char *isolation_probe_unprivileged(void);

/* NULL when a reaper can perform its sandbox's connects (seccomp user notification,
 * pidfd_getfd, process_vm_readv), else what is missing: unprivileged mode needs it, and
 * the namespace modes' UNIX socket guard uses it where it is there. */
const char *isolation_probe_notify(void);

/* The mode to run in for `want` (AUTO: the strongest that works here). Returns
 * POLICY_ISOLATION_FULL, _USERNS or _UNPRIVILEGED, or -1 with one line in `why` naming what is missing
 * and what would provide it. */
int isolation_choose(enum policy_isolation want, char *why, size_t len);

/* isolation_choose() in two steps, so that the probe's throwaway child (making and
 * tearing down namespaces takes milliseconds) runs while the caller starts the CA:
 * _start forks the first probe the choice needs (none for UNPRIVILEGED), _finish waits
 * for it and decides as isolation_choose() does. Between the two the caller must not
 * reap children it did not make. */
struct isolation_ahead {
	enum policy_isolation want;
	pid_t pid; /* the probe's child, or -1 */
	int err;   /* why it could not be forked, or 0 */
};
void isolation_choose_start(struct isolation_ahead *ahead, enum policy_isolation want);
int isolation_choose_finish(struct isolation_ahead *ahead, char *why, size_t len);

/* For a root caller: maps uid `uid` and gid `gid` inside the user namespace of process
 * `pid` to the same ids outside (root's CAP_SETUID and CAP_SETGID allow it), so the
 * sandbox is the policy's user on the host too, never uid 0. Setgroups stays allowed.
 * 0, or an errno. */
int isolation_map_child(pid_t pid, uid_t uid, gid_t gid);

/* For any other caller, in the new user namespace it just entered: maps `uid` and `gid`
 * inside to `outside_uid` and `outside_gid` (its own ids before the namespace), after
 * denying setgroups as the kernel requires of an unprivileged map. Leaves the process as
 * dumpable as it was. 0, or an errno. */
int isolation_map_self(uid_t uid, gid_t gid, uid_t outside_uid, gid_t outside_gid);

/* A probe's answer as words: strerror(), or what ISOLATION_NO_PROC means and how to
 * allow it. */
const char *isolation_strerror(int err);

/* "full", "userns", ... */
const char *isolation_name(enum policy_isolation mode);

#endif
