/* connect_notify.h: isolation unprivileged's network wall, and the namespace modes'
 * UNIX socket guard (table.namespaced: every connect is done as given except to a named
 * UNIX socket, which must be one a sandbox process listens on). CMD runs under a seccomp
 * filter that hands every connect() to this process (SECCOMP_RET_USER_NOTIF); a thread
 * here reads the address from the caller's memory, decides with connect_rule.h, and
 * performs the connect itself on the caller's socket (pidfd_getfd): a route to the
 * proxy's or a forward's real listener, a redirect to the proxy with the original
 * destination, a named UNIX socket beneath a writable path that a process of the
 * sandbox listens on (never a host process's), or an error. The answer is
 * the result of that connect; the kernel is never told to go on with the caller's own
 * arguments (SECCOMP_USER_NOTIF_FLAG_CONTINUE), which the caller could change between
 * the check and the kernel's read.
 *
 * The thread runs in the sandbox's reaper: an ancestor of every process it answers (as
 * Yama's ptrace_scope 1 requires), of the sandbox's uid, not dumpable, under the same
 * Landlock domain, and without the seccomp filter (it needs pidfd_getfd).
 */
#ifndef AIRLOCK_CONNECT_NOTIFY_H
#define AIRLOCK_CONNECT_NOTIFY_H

#include "init/sandbox/connect_rule.h"

struct connect_notify {
	int listener;                /* the seccomp notification fd; -1: received first */
	int channel;                 /* with listener -1: the socket it arrives on (closed
				      * once read); the thread can so start before CMD */
	struct connect_table table;  /* the routes and the redirect listener */
	const char *const *writable; /* absolute, resolved writable folders; NULL-ended */
};

/* Starts the thread answering notifications on n->listener (n must outlive it).
 * Returns 0, or an errno. Made before CMD starts (listener -1, channel set), so that
 * libc's first thread, which unblocks its internal signals for a moment, is made
 * while no signal meant for CMD can arrive. */
int connect_notify_start(struct connect_notify *n);

#endif
