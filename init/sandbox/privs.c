/* privs.c: see privs.h. The order matters: the bounding set can only be dropped while
 * we still hold CAP_SETPCAP, i.e. before the uid changes; the uid change then clears
 * the effective and permitted sets; the inheritable set is cleared last, explicitly. */
#include "init/sandbox/privs.h"
#include "net/base/log.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

int identity_switch(const struct identity *id, enum identity_groups groups, char *err,
		    size_t errlen)
{
	/* Order matters: groups and gid can only be changed while still privileged. */
	size_t n = groups == IDENTITY_GROUPS_CLEAR ? 0 : id->ngroups;
	if (groups != IDENTITY_GROUPS_KEEP && setgroups(n, n ? id->groups : NULL) < 0) {
		log_format(err, errlen,
		       "cannot set the supplementary groups for uid %u: %s (switching user needs "
		       "root or CAP_SETGID)",
		       (unsigned)id->uid, strerror(errno));
		return -1;
	}
	if (setresgid(id->gid, id->gid, id->gid) < 0) {
		log_format(err, errlen, "cannot switch to gid %u: %s (needs root or CAP_SETGID)",
		       (unsigned)id->gid, strerror(errno));
		return -1;
	}
	if (setresuid(id->uid, id->uid, id->uid) < 0) {
		log_format(err, errlen, "cannot switch to uid %u: %s (needs root or CAP_SETUID)",
		       (unsigned)id->uid, strerror(errno));
		return -1;
	}
	return 0;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = 63; /* dropping unknown caps fails with EINVAL, which we ignore */
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 63;
		fclose(f);
	}
	return last;
}

static int caps_all_zero(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	for (int i = 0; i < 2; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return 0;
	return 1;
}

/* Drops every privilege, switching to id (NULL: keeping the uid and gid, as a process
 * that is not root must); see privs.h. */
static int drop(const struct identity *id, enum identity_groups groups, char *err,
		size_t errlen)
{
	if (id && id->uid == 0) {
		snprintf(err, errlen, "refusing to run the sandbox as uid 0 (set [sandbox] user)");
		return -1;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	int last = last_cap();
	for (int cap = 0; cap <= last; cap++) {
		/* Without a new identity (not root) CAP_SETPCAP is missing: EPERM is fine. */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL && id) {
			snprintf(err, errlen, "cannot drop capability %d from the bounding set: %s",
				 cap, strerror(errno));
			return -1;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (id && identity_switch(id, groups, err, errlen) < 0)
		return -1;
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capset, &h, d) < 0) {
		snprintf(err, errlen, "cannot clear capabilities: %s", strerror(errno));
		return -1;
	}
	if (!caps_all_zero()) {
		snprintf(err, errlen, "capabilities remain after dropping them");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	struct rlimit core = {0, 0};
	setrlimit(RLIMIT_CORE, &core);
	/* execve() makes CMD dumpable again (it is an ordinary binary); ptrace stays denied
	 * by seccomp, and the supervisor, which holds the secrets, is neither dumpable nor
	 * visible in the sandbox's PID namespace. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (id && (getuid() != id->uid || geteuid() != id->uid || getgid() != id->gid ||
	    getegid() != id->gid || (groups == IDENTITY_GROUPS_CLEAR && getgroups(0, NULL) != 0))) {
		snprintf(err, errlen, "identity did not change as asked");
		return -1;
	}
	return 0;
}

int privs_drop(const struct identity *id, char *err, size_t errlen)
{
	return drop(id, IDENTITY_GROUPS_CLEAR, err, errlen);
}

int privs_drop_in_userns(const struct identity *id, char *err, size_t errlen)
{
	return drop(id, IDENTITY_GROUPS_KEEP, err, errlen);
}

int privs_drop_worker(uid_t uid, char *err, size_t errlen)
{
	if (geteuid() != 0) /* no other uid to take: only what capabilities it has go */
		return drop(NULL, IDENTITY_GROUPS_KEEP, err, errlen);
	struct identity id;
	memset(&id, 0, sizeof id);
	id.uid = uid;
	id.gid = (gid_t)uid;
	return drop(&id, IDENTITY_GROUPS_CLEAR, err, errlen);
}
