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

/* isolation unprivileged: loads the same filter plus the rules of
 * seccomp_export_unprivileged() (connect() handed to a supervisor) with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, and stores the notification fd in *listener.
 * Returns 0, or -1 with a sentence in `err`. */
int seccomp_apply_unprivileged(int *listener, char *err, size_t errlen);

/* Its program, compiled at build time. */
const struct sock_filter *seccomp_unprivileged_builtin(size_t *len);

/* The namespace modes with the UNIX socket guard: loads the deny list plus connect()
 * handed to a supervisor (seccomp_export_guarded) with SECCOMP_FILTER_FLAG_NEW_LISTENER,
 * and stores the notification fd in *listener. Returns 0, or -1 with a sentence. */
int seccomp_apply_guarded(int *listener, char *err, size_t errlen);

/* Its program, compiled at build time. */
const struct sock_filter *seccomp_guarded_builtin(size_t *len);

/* Loads the proxy worker's allow-list (seccomp_worker.c) into every thread of the
 * calling process, with no_new_privs. Returns 0, or -1 with a sentence in `err`. */
int seccomp_apply_worker(char *err, size_t errlen);

/* The program seccomp_apply_worker() loads, compiled at build time. */
const struct sock_filter *seccomp_worker_builtin(size_t *len);

#endif
