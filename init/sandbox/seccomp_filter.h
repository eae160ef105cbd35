/* seccomp_filter.h: the system-call layer of the sandbox. */
#ifndef AIRLOCK_SECCOMP_FILTER_H
#define AIRLOCK_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <stddef.h>

/* Loads the deny-list filter of spec section 3 into the calling process (inherited by
 * its children): each denied call fails with EPERM, for the native x86_64 ABI and the
 * x32 and i386 ABIs. Sets no_new_privs. Returns 0, or -1 with a sentence in `err`. */
int seccomp_apply(char *err, size_t errlen);

/* The program seccomp_apply() loads: compiled from seccomp_rules.c at build time.
 * Stores its length in `*len`. */
const struct sock_filter *seccomp_builtin(size_t *len);

/* Loads the proxy worker's allow-list (seccomp_worker.c) into every thread of the
 * calling process, with no_new_privs. Returns 0, or -1 with a sentence in `err`. */
int seccomp_apply_worker(char *err, size_t errlen);

/* The program seccomp_apply_worker() loads, compiled at build time. */
const struct sock_filter *seccomp_worker_builtin(size_t *len);

#endif
