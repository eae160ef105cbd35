/* no_landlock: runs a command as if the kernel had no Landlock (the landlock_* system
 * calls fail with ENOSYS), to test how airlock's required/best_effort modes react.
 *   no_landlock CMD [ARG...] */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no_landlock CMD [ARG...]\n");
		return 2;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return 2;
	/* The filter must not stop airlock from setting up the rest: no_new_privs is not
	 * needed as root, and airlock's own filter stacks on top of this one. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	int calls[] = {__NR_landlock_create_ruleset, __NR_landlock_add_rule,
		       __NR_landlock_restrict_self};
	for (int i = 0; i < 3; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), calls[i], 0) < 0)
			return 2;
	if (seccomp_load(ctx) < 0) {
		perror("seccomp_load");
		return 2;
	}
	seccomp_release(ctx);
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
