/* seccomp_musl_program.h: the seccomp program of the static binary, for the tests. */
#ifndef AIRLOCK_TEST_SECCOMP_MUSL_PROGRAM_H
#define AIRLOCK_TEST_SECCOMP_MUSL_PROGRAM_H

#include <linux/filter.h>
#include <stddef.h>

/* The program out/airlock loads; its length in *len. */
const struct sock_filter *seccomp_musl_program(size_t *len);

/* The proxy worker's program, as out/airlock loads it. */
const struct sock_filter *seccomp_musl_worker_program(size_t *len);

/* The same for isolation unprivileged's program. */
const struct sock_filter *seccomp_musl_unprivileged_program(size_t *len);

/* The same for the namespace modes' UNIX socket guard. */
const struct sock_filter *seccomp_musl_guarded_program(size_t *len);

#endif
