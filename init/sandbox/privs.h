/* privs.h: dropping every privilege before the sandboxed command runs. */
#ifndef AIRLOCK_PRIVS_H
#define AIRLOCK_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

#include "policy/identity.h"

/* identity_switch()'s `groups`: the identity's supplementary groups, none, or those the
 * process has (in a user namespace where setgroups is denied, as an unprivileged one
 * must be, they cannot be changed). */
enum identity_groups { IDENTITY_GROUPS_SET = 0, IDENTITY_GROUPS_CLEAR = 1,
		       IDENTITY_GROUPS_KEEP = 2 };

/* Switches the calling process to `id`: setgroups (as `groups` says), then setresgid,
 * then setresuid. Returns 0, or -1 with a sentence in `err`. */
int identity_switch(const struct identity *id, enum identity_groups groups, char *err,
		    size_t errlen);

/* Turns the calling process (root, in the sandbox's namespaces) into `id` with no
 * supplementary groups and every capability set empty (effective, permitted,
 * inheritable, ambient, bounding), sets no_new_privs, makes it not dumpable and turns
 * core dumps off. Refuses uid 0. Checks the result. Returns 0, or -1 with a sentence in
 * `err`. */
int privs_drop(const struct identity *id, char *err, size_t errlen);

/* The same in a user namespace of the sandbox's own, where the supplementary groups the
 * caller had cannot be dropped (setgroups is denied there): they are kept. */
int privs_drop_in_userns(const struct identity *id, char *err, size_t errlen);

/* The proxy worker's drop (init/privsep.c): as root, to `uid` and gid `uid` with no
 * supplementary groups and no capabilities in any set; as anyone else, keeping the uid
 * but clearing every capability. Both set no_new_privs, turn core dumps off and make
 * the process not dumpable. Returns 0, or -1 with a sentence in `err`. */
int privs_drop_worker(uid_t uid, char *err, size_t errlen);

#endif
