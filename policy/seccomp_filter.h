/* seccomp_filter.h: the system-call layer of the sandbox (libseccomp). */
#ifndef AIRLOCK_SECCOMP_FILTER_H
#define AIRLOCK_SECCOMP_FILTER_H

#include <stddef.h>

#include <linux/filter.h>

/* The filter as a BPF program, built once and loaded later (the sandbox builds it in
 * the supervisor, on a thread, while the CA is being made). */
struct seccomp_prog {
	struct sock_filter insns[4096];
	unsigned short len;
};

/* Loads the deny-list filter of spec section 3 into the calling process (inherited by
 * its children): each denied call fails with EPERM, for the native x86_64 ABI and the
 * x32 and i386 ABIs. Sets no_new_privs. Returns 0, or -1 with a sentence in `err`. */
int seccomp_apply(char *err, size_t errlen);

/* The same filter, built but not loaded. Returns 0, or -1 with a sentence in `err`. */
int seccomp_build(struct seccomp_prog *prog, char *err, size_t errlen);

/* Loads a program from seccomp_build() into the calling process (inherited by its
 * children); sets no_new_privs. Returns 0, or -1 with a sentence in `err`. */
int seccomp_load_prog(const struct seccomp_prog *prog, char *err, size_t errlen);

#endif
