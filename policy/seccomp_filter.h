/* seccomp_filter.h: the system-call layer of the sandbox (libseccomp). */
#ifndef AIRLOCK_SECCOMP_FILTER_H
#define AIRLOCK_SECCOMP_FILTER_H

#include <stddef.h>

/* Loads the deny-list filter of spec section 3 into the calling process (inherited by
 * its children): each denied call fails with EPERM, for the native x86_64 ABI and the
 * x32 and i386 ABIs. Sets no_new_privs. Returns 0, or -1 with a sentence in `err`. */
int seccomp_apply(char *err, size_t errlen);

#endif
