/* identity.h: who a process runs as. Users and groups are read from /etc/passwd and
 * /etc/group directly (a static musl binary has no NSS), and numeric ids need no entry.
 */
#ifndef AIRLOCK_IDENTITY_H
#define AIRLOCK_IDENTITY_H

#include <stddef.h>
#include <sys/types.h>

#define IDENTITY_MAX_GROUPS 64

struct identity {
	uid_t uid;
	gid_t gid;
	gid_t groups[IDENTITY_MAX_GROUPS]; /* supplementary groups (from /etc/group) */
	size_t ngroups;
	char name[64];                     /* "" when given numerically without an entry */
	char home[256];                    /* "" when unknown */
};

/* Resolves "USER[:GROUP]" where USER is a name or a uid and GROUP a name or a gid.
 * Without GROUP the gid is the user's primary group; a numeric uid without a passwd
 * entry gets gid = uid. Supplementary groups are those of /etc/group naming the user.
 * Reads `passwd` and `group` (normally "/etc/passwd", "/etc/group"; a missing file is
 * treated as empty). Returns 0, or -1 with a sentence in `err`. */
int identity_lookup_files(const char *spec, const char *passwd, const char *group,
			  struct identity *id, char *err, size_t errlen);

/* identity_lookup_files() on the text of passwd and group files already in memory
 * (`passwd`/`group` may be NULL when the length is 0). I/O-free: what the fuzzer and the
 * unit tests drive. */
int identity_lookup_mem(const char *spec, const char *passwd, size_t passwd_len,
			const char *group, size_t group_len, struct identity *id, char *err,
			size_t errlen);

/* identity_lookup_files() with /etc/passwd and /etc/group. */
int identity_lookup(const char *spec, struct identity *id, char *err, size_t errlen);

#endif
