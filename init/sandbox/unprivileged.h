/* unprivileged.h: what the monitor prepares for isolation unprivileged, where no
 * namespace can be made: the sandbox shares the host's mounts, network and PIDs, and is
 * held by Landlock and by seccomp with connect() handed to its reaper
 * (connect_notify.h).
 *
 * In place of the sandbox's own mounts, a private folder (under $TMPDIR, else /tmp)
 * holds the CA files, the secrets' placeholder copies (secrets/NAME, the path in
 * AIRLOCK_SECRETS_DIR) and the sandbox's TMPDIR (tmp/, its uid's). In place of its
 * network namespace, the listeners are on ephemeral ports of the host's loopback, and
 * the routes map the addresses the sandbox is given (127.0.0.1:3128, ...) to them.
 */
#ifndef AIRLOCK_UNPRIVILEGED_H
#define AIRLOCK_UNPRIVILEGED_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "init/sandbox/connect_rule.h"
#include "init/sandbox/sandbox_args.h"
#include "policy/policy.h"

#define UNPRIV_MAX_LISTENERS 72 /* proxy, metadata, 64 forwards, room */

struct unpriv_listener {
	int fd;
	unsigned tag; /* as sandbox_child sends it (SANDBOX_FD_*) */
};

struct unpriv {
	char dir[PATH_MAX];      /* the private folder */
	char tmp[PATH_MAX + 8];  /* dir/tmp: TMPDIR */
	char secrets[PATH_MAX + 8]; /* dir/secrets: AIRLOCK_SECRETS_DIR */
	struct unpriv_listener listeners[UNPRIV_MAX_LISTENERS];
	size_t nlisteners;
	struct connect_route routes[UNPRIV_MAX_LISTENERS];
	size_t nroutes;
	uint16_t redirect_port;  /* the proxy's redirect listener (other TCP connects) */
	uint16_t ports[UNPRIV_MAX_LISTENERS + 1]; /* every real port, for Landlock */
	size_t nports;
	char **writable;         /* resolved read_write paths and tmp; NULL-ended */
	pid_t owner;             /* the process that made it, and removes it */
};

/* Refuses (exits 125 saying why) a policy whose secrets' files, or the [gcp] key, lie
 * in a folder the sandbox would be given: without a mount namespace they cannot be
 * masked. */
void unpriv_check_policy(const struct policy *p);

/* Makes the private folder (tmp/ owned by uid:gid), writes the CA files and the
 * secrets' views, and opens the listeners. Exits 125 saying why on failure. */
void unpriv_prepare(struct unpriv *u, const struct policy *p, const struct sandbox_child_args *a,
		    uid_t uid, gid_t gid);

/* Removes the private folder and all the sandbox left in it, following no link. */
void unpriv_cleanup(const struct unpriv *u);

#endif
