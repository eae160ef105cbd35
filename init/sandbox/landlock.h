/* landlock.h: the file-system layer of the sandbox. */
#ifndef AIRLOCK_LANDLOCK_H
#define AIRLOCK_LANDLOCK_H

#include <stddef.h>

#include "policy/policy.h"

/* The Landlock ABI this kernel offers, 0 when it has none (or it is disabled). */
int landlock_abi(void);

/* Restricts the calling process and its future children to the policy's read_only and
 * read_write lists plus the fixed baseline of spec section 3 (the sandbox's /proc, the
 * standard /dev nodes, /dev/tty and the pty devices, /run/airlock read-only), and read
 * access to each secret's `file` (call it only once those show their placeholders:
 * sandbox_fs_build()). Paths
 * that do not exist are skipped (reported with -v). Uses the newest ABI the kernel
 * offers and degrades by ABI; where the ABI has them, also scopes abstract UNIX sockets
 * and signals. Sets no_new_privs. Returns 0 when applied, 1 when the kernel has no
 * Landlock (nothing done), -1 on error with a sentence in `err`. */
int landlock_apply(const struct policy *p, char *err, size_t errlen);

/* isolation unprivileged: what the sandbox gets instead of its mounts and network
 * namespace. */
struct landlock_unprivileged {
	const char *own_dir;      /* its private folder: read-only (CA files, secrets) */
	const char *own_tmp;      /* in it, the TMPDIR: read-write */
	const uint16_t *ports;    /* the real listeners' ports: the only TCP connects */
	size_t nports;
};

/* The same for isolation unprivileged (u not NULL): the tmpfs paths and the secrets'
 * own files get no rule (they are not masked there: a secret's file stays out of
 * reach, its placeholder copy is in u->own_dir), u's folders do, and with ABI 4 and
 * later TCP connect is limited to u->ports and TCP bind denied. Requires ABI 4: returns
 * 1 (nothing done, `err` says why) on a kernel without it. */
int landlock_apply_unprivileged(const struct policy *p, const struct landlock_unprivileged *u,
				char *err, size_t errlen);

#endif
