/* sandbox_args.h: what the sandbox-exec supervisor hands to its child, the process that
 * becomes PID 1 of the sandbox's namespaces (init/sandbox_child.c), and what the
 * enforcement modules that build the sandbox read from it. */
#ifndef AIRLOCK_SANDBOX_ARGS_H
#define AIRLOCK_SANDBOX_ARGS_H

#include <stddef.h>

#include "policy/identity.h"
#include "policy/policy.h"
#include "init/sandbox/sandbox_fs_plan.h"

/* Tags of the fds the child sends to the supervisor (fdpass). */
#define SANDBOX_FD_PROXY 0x10000u     /* a proxy listener */
#define SANDBOX_FD_FORWARD 0x20000u   /* | port: a `forward` listener */
#define SANDBOX_FD_CONTROL 0x40000u   /* the control socket (--control), from the monitor */
#define SANDBOX_FD_METADATA 0x80000u  /* | port: the [gcp] metadata server's listener */
#define SANDBOX_FD_REDIRECT 0x100000u /* isolation unprivileged: redirected connects */

/* What a secret's `file` shows inside (secret_view.h); data NULL for a secret without
 * a file. */
struct sandbox_view {
	char *data;
	size_t len;
	int unreadable;  /* written with mode 0000: the [gcp] key's place */
};

struct unpriv; /* init/sandbox/unprivileged.h */

struct sandbox_child_args {
	const struct policy *policy;
	struct identity id;        /* who CMD runs as */
	char **argv;               /* CMD and its arguments, secret values masked */
	char **caller_argv;        /* sandbox-exec's own arguments: wiped in the child,
	                              whose /proc/1/cmdline would show them */
	char **envp;               /* CMD's environment (sandbox_env_build) */
	const char *ca_pem;        /* the CA certificate, PEM (NULL: none yet) */
	size_t ca_pem_len;
	int roots_fd;              /* the system's roots, for bundle.pem (ca_files.h), or -1 */
	const struct sandbox_view *views; /* per policy secret: what its `file` shows */
	const struct fs_plan *fs_plan;     /* the [filesystem] paths, resolved outside */
	int fd_sock;               /* UNIX socket to send the listeners on */
	int death_fd;              /* read end of a pipe whose write end only the supervisor
	                              holds: one byte means "go", EOF that the supervisor
	                              failed or is gone */
	unsigned nproc_rlimit;     /* RLIMIT_NPROC to set before dropping root; 0: none */
	int userns;                /* in a user namespace of its own (isolation userns):
	                              the policy's uid/gid inside is outside_uid/gid */
	uid_t outside_uid;
	gid_t outside_gid;
	int map_fd;                /* root caller: the supervisor maps the user namespace
	                              (the same ids outside) and writes one byte here;
	                              -1: the child maps itself */
	const struct unpriv *unpriv; /* isolation unprivileged: no namespaces; NULL else */
	int verbose;
};

#endif
