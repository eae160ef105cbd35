/* layers_exec: applies only the Landlock and seccomp layers of a policy, then runs CMD.
 *
 *   layers_exec [--skip landlock|seccomp]... POLICY -- CMD [ARG...]
 *
 * Loads POLICY, switches to its user (no supplementary groups), applies landlock_apply()
 * and seccomp_apply() in the order sandbox-exec does, and execs CMD. It lets the
 * integration tests look at the two layers without namespaces or the proxy, and, with
 * --skip, run the same probe as the same user without a layer for comparison.
 * Errors: one line "layers_exec: ..." and exit 125.
 */
#include "policy/identity.h"
#include "init/sandbox/privs.h"
#include "init/sandbox/landlock.h"
#include "policy/policy.h"
#include "init/sandbox/seccomp_filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Noreturn void fail(const char *what, const char *why)
{
	fprintf(stderr, "layers_exec: %s: %s\n", what, why);
	exit(125);
}

int main(int argc, char **argv)
{
	int skip_landlock = 0, skip_seccomp = 0, i = 1;
	for (; i + 1 < argc && !strcmp(argv[i], "--skip"); i += 2) {
		if (!strcmp(argv[i + 1], "landlock"))
			skip_landlock = 1;
		else if (!strcmp(argv[i + 1], "seccomp"))
			skip_seccomp = 1;
		else
			fail(argv[i + 1], "--skip takes landlock or seccomp");
	}
	if (i + 2 >= argc || strcmp(argv[i + 1], "--"))
		fail("usage", "layers_exec [--skip landlock|seccomp]... POLICY -- CMD [ARG...]");
	const char *file = argv[i];
	char **cmd = argv + i + 2;

	struct policy p;
	struct policy_errors errs = {0};
	if (policy_load_file(file, &p, &errs) != 0)
		fail(file, errs.count ? errs.msgs[0] : "cannot load the policy");
	policy_errors_free(&errs);

	char err[512];
	struct identity id = {.uid = p.uid, .gid = p.gid};
	if (identity_switch(&id, IDENTITY_GROUPS_CLEAR, err, sizeof err) != 0)
		fail("identity", err);
	if (!skip_landlock) {
		int rc = landlock_apply(&p, err, sizeof err);
		if (rc < 0 || (rc == 1 && p.landlock == POLICY_REQUIRED))
			fail("landlock", err);
	}
	if (!skip_seccomp && seccomp_apply(err, sizeof err) != 0)
		fail("seccomp", err);
	policy_free(&p);
	execvp(cmd[0], cmd);
	fprintf(stderr, "layers_exec: cannot run %s: %s\n", cmd[0], strerror(errno));
	/* _exit: under ASan, LeakSanitizer at exit() would need ptrace, now denied. */
	_exit(errno == ENOENT ? 127 : 126);
}
