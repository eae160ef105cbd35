/* sandbox_fs.h: the sandbox's file system, built instead of filtered.
 *
 * In the sandbox's own mount namespace, a fresh tmpfs becomes the root. It holds only
 * what the policy names (each `read_only` path bind-mounted read-only, nosuid, nodev;
 * each `read_write` path bind-mounted writable, nosuid), the parents of those
 * paths as directories with the host's owner and mode (so the host's permissions on the
 * way still apply), the symbolic links met while resolving them (so /lib -> usr/lib
 * resolves as on the host), the baseline devices, a devpts of the sandbox's own, a new
 * /proc, /run/airlock (CA files, read-only), the secrets' files showing their
 * placeholders, and CMD's working directory. Anything else does not exist inside: it
 * can be neither read, listed, watched nor stat'ed. Landlock stays on as a second layer.
 */
#ifndef AIRLOCK_SANDBOX_FS_H
#define AIRLOCK_SANDBOX_FS_H

#include "init/sandbox/sandbox_args.h"

/* Builds the new root and enters it (pivot_root; the host's root is detached), then
 * changes to CMD's working directory: the policy's workdir, else the caller's (`cwd`,
 * which is made an empty directory inside when the policy does not list it). Runs as
 * root in the sandbox's new mount and PID namespaces; exits 125 naming what failed.
 * Returns 1 when /proc is the container's own rather than the sandbox's (a user
 * namespace in a container whose /proc is masked): Landlock must then be applied. */
int sandbox_fs_build(const struct sandbox_child_args *a);

#endif
