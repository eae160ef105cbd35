/* sandbox_limit.h: the sandbox's process limit ([sandbox] max_processes).
 *
 * Enforced, in order of preference, by
 *   - a pids cgroup: a child cgroup "airlock-PID" of the supervisor's own pids cgroup
 *     (cgroup v1's pids hierarchy, else cgroup v2 where the supervisor's cgroup already
 *     hands the pids controller to its children), with
 *     pids.max = N, holding the sandbox's PID 1 and so everything inside; removed at
 *     the end;
 *   - else RLIMIT_NPROC = N for the sandbox's uid, set in the sandbox's PID 1 before it
 *     drops root. That limit counts every process of the uid on the host: when other
 *     processes use the uid too it is still applied (the host stays protected), with a
 *     warning that those processes count against it.
 * Either way a fork bomb inside gets EAGAIN, and the supervisor (outside the cgroup,
 * and root) is not limited.
 */
#ifndef AIRLOCK_SANDBOX_LIMIT_H
#define AIRLOCK_SANDBOX_LIMIT_H

#include <stddef.h>
#include <sys/types.h>

struct sandbox_limit {
	unsigned max;        /* the policy's max_processes */
	char cgroup[4096];   /* the cgroup made for the sandbox; "" when none */
	unsigned rlimit;     /* RLIMIT_NPROC for the sandbox's PID 1 to set; 0: none */
};

/* From the text of /proc/self/cgroup and /proc/self/mountinfo: the folder of this
 * process's pids cgroup (v1 "pids" hierarchy first, else the v2 unified one). Writes it
 * to `out` and sets *v2; returns 0, or -1 when there is none. Pure: no I/O. */
int sandbox_limit_cgroup_dir(const char *proc_cgroup, const char *mountinfo, char *out,
			     size_t outlen, int *v2);

/* In the supervisor, before the clone: chooses and prepares the means (see the top),
 * says which with -v (or warns). `own_userns`: the sandbox gets a user namespace of its
 * own, where RLIMIT_NPROC counts its processes only (Linux 5.14 and later). Returns 0, or -1 after saying why. */
int sandbox_limit_prepare(struct sandbox_limit *l, unsigned max, uid_t uid, int own_userns);

/* After the clone, before CMD may start: puts the sandbox's PID 1 in the cgroup.
 * Returns 0, or -1 after saying why. */
int sandbox_limit_attach(const struct sandbox_limit *l, pid_t child);

/* In the sandbox's PID 1, while still root: sets RLIMIT_NPROC when that is the means.
 * Returns 0, or -1 with errno. */
int sandbox_limit_apply_rlimit(unsigned rlimit);

/* Once the sandbox is gone: removes the cgroup. */
void sandbox_limit_release(struct sandbox_limit *l);

#endif
