/* The seccomp program out/airlock itself loads: compiled at build time with the pinned
 * libseccomp of the static build (out/gen/musl/seccomp_program.h; airlock.mk points this
 * file's include path there), as data for test_seccomp_bpf.c. The unit tests' own
 * seccomp_builtin() comes from the host's libseccomp. */
#include "test/unit/seccomp_musl_program.h"

#include "seccomp_program.h" /* generated: seccomp_builtin_insns[] */

const struct sock_filter *seccomp_musl_program(size_t *len)
{
	*len = sizeof seccomp_builtin_insns / sizeof seccomp_builtin_insns[0];
	return seccomp_builtin_insns;
}

const struct sock_filter *seccomp_musl_worker_program(size_t *len)
{
	*len = sizeof seccomp_worker_insns / sizeof seccomp_worker_insns[0];
	return seccomp_worker_insns;
}

const struct sock_filter *seccomp_musl_unprivileged_program(size_t *len)
{
	*len = sizeof seccomp_unprivileged_insns / sizeof seccomp_unprivileged_insns[0];
	return seccomp_unprivileged_insns;
}

const struct sock_filter *seccomp_musl_guarded_program(size_t *len)
{
	*len = sizeof seccomp_guarded_insns / sizeof seccomp_guarded_insns[0];
	return seccomp_guarded_insns;
}
