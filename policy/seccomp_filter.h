/* seccomp_filter.h: the system-call layer of the sandbox (libseccomp). */
#ifndef AIRLOCK_SECCOMP_FILTER_H
#define AIRLOCK_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <stddef.h>

/* Loads the deny-list filter of spec section 3 into the calling process (inherited by
 * its children): each denied call fails with EPERM, for the native x86_64 ABI and the
 * x32 and i386 ABIs. Sets no_new_privs. Returns 0, or -1 with a sentence in `err`. */
int seccomp_apply(char *err, size_t errlen);

/* A compiled filter: `len` classic-BPF instructions (malloc'd), as the kernel gets them
 * from seccomp_apply(), and the number of rules the filter was made from. */
struct seccomp_program {
	struct sock_filter *insns;
	size_t len;
	int rules;
};

/* Compiles the same filter that seccomp_apply() loads into `out`, without loading it,
 * leaving out the rule at position `skip` (-1 for none; positions run from 0 to
 * out->rules - 1), so a test can run the program over synthetic system calls and show
 * that every rule matters. The caller frees out->insns. Returns 0, or -1 with a
 * sentence in `err`. */
int seccomp_export(int skip, struct seccomp_program *out, char *err, size_t errlen);

#endif
