/* policy_user.c: `[sandbox] user` to uid and gid, through identity.h (passwd and group
 * read as files: a static binary has no NSS). The sandbox never runs as root.
 */
#include "policy/identity.h"
#include "policy/policy_internal.h"

#include <stdio.h>
#include <string.h>

int policy_resolve_user(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct identity id;
	if (identity_lookup(spec, &id, err, errlen) < 0)
		return -1;
	if (id.uid == 0) {
		snprintf(err, errlen, "'%.64s'%s is uid 0 (root), and the sandbox never runs as "
			 "root (name an unprivileged user, e.g. 65534:65534)", spec,
			 strlen(spec) > 64 ? "..." : "");
		return -1;
	}
	*uid = id.uid;
	*gid = id.gid;
	return 0;
}
