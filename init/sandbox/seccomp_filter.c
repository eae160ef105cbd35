/* seccomp_filter.c: loads the sandbox's system-call filter (see seccomp_filter.h).
 *
 * The filter's rules live in seccomp_rules.c. libseccomp compiles them at build time
 * (init/sandbox/gen/seccomp_gen.c writes seccomp_program.h), so loading is one system call:
 * no filter is compiled while the sandbox starts.
 */
#include "init/sandbox/seccomp_filter.h"
#include "net/base/log.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp_program.h" /* generated: seccomp_builtin_insns[] */

const struct sock_filter *seccomp_builtin(size_t *len)
{
	*len = sizeof seccomp_builtin_insns / sizeof seccomp_builtin_insns[0];
	return seccomp_builtin_insns;
}

const struct sock_filter *seccomp_worker_builtin(size_t *len)
{
	*len = sizeof seccomp_worker_insns / sizeof seccomp_worker_insns[0];
	return seccomp_worker_insns;
}

const struct sock_filter *seccomp_unprivileged_builtin(size_t *len)
{
	*len = sizeof seccomp_unprivileged_insns / sizeof seccomp_unprivileged_insns[0];
	return seccomp_unprivileged_insns;
}

const struct sock_filter *seccomp_guarded_builtin(size_t *len)
{
	*len = sizeof seccomp_guarded_insns / sizeof seccomp_guarded_insns[0];
	return seccomp_guarded_insns;
}

/* Loads the program; with SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel's answer is the
 * notification fd, stored in *listener. */
static int load(const struct sock_filter *insns, size_t len, unsigned flags, int *listener,
		char *err, size_t errlen)
{
	struct sock_fprog prog = {(unsigned short)len, (struct sock_filter *)insns};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_format(err, errlen, "seccomp: cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (long)flags, &prog);
	if (rc != 0 && errno == ENOSYS && flags == 0) /* kernels before 3.17 */
		rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	if (rc >= 0 && listener) {
		*listener = (int)rc;
		rc = 0;
	}
	if (rc != 0) {
		log_format(err, errlen,
			"seccomp: the kernel refused the filter: %s; run on a kernel with "
			"CONFIG_SECCOMP_FILTER or set seccomp = best_effort",
			strerror(errno));
		return -1;
	}
	return 0;
}

int seccomp_apply(char *err, size_t errlen)
{
	size_t len;
	const struct sock_filter *insns = seccomp_builtin(&len);
	return load(insns, len, 0, NULL, err, errlen);
}

int seccomp_apply_unprivileged(int *listener, char *err, size_t errlen)
{
	size_t len;
	const struct sock_filter *insns = seccomp_unprivileged_builtin(&len);
	return load(insns, len, SECCOMP_FILTER_FLAG_NEW_LISTENER, listener, err, errlen);
}

int seccomp_apply_guarded(int *listener, char *err, size_t errlen)
{
	size_t len;
	const struct sock_filter *insns = seccomp_guarded_builtin(&len);
	return load(insns, len, SECCOMP_FILTER_FLAG_NEW_LISTENER, listener, err, errlen);
}

int seccomp_apply_worker(char *err, size_t errlen)
{
	size_t len;
	const struct sock_filter *insns = seccomp_worker_builtin(&len);
	/* TSYNC: every thread of the worker gets the filter (and no_new_privs). */
	return load(insns, len, SECCOMP_FILTER_FLAG_TSYNC, NULL, err, errlen);
}
