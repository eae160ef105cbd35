/* sandbox.h: what the sandbox-exec supervisor hands to its child, the process that
 * becomes PID 1 of the sandbox's namespaces.
 *
 * The child is made with clone(2) and new network, PID, mount, IPC and UTS namespaces.
 * It sets the namespaces up as root (mounts, loopback, listeners), sends the listeners to
 * the supervisor, drops every privilege, applies Landlock and seccomp, and then stays as
 * the sandbox's reaper with CMD as its only child. It never returns.
 */
#ifndef AIRLOCK_SANDBOX_H
#define AIRLOCK_SANDBOX_H

#include "init/sandbox/sandbox_args.h"

/* The child's whole life (init/sandbox_child.c). Exits with CMD's status (128+N when
 * CMD was killed by signal N), or 125 when the sandbox could not be set up. */
_Noreturn void sandbox_child(const struct sandbox_child_args *a);

#endif
