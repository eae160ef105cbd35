/* landlock_access.h: the access masks behind landlock_apply(), as pure functions of the
 * kernel's Landlock ABI, so that the degradation by ABI is tested on any kernel.
 *
 * Bits are those of <linux/landlock.h> (LANDLOCK_ACCESS_FS_*, LANDLOCK_SCOPE_*); this
 * header only needs <stdint.h>.
 */
#ifndef AIRLOCK_LANDLOCK_ACCESS_H
#define AIRLOCK_LANDLOCK_ACCESS_H

#include <stdint.h>

/* What a rule is for: the policy's lists and the classes of the fixed baseline. */
enum landlock_class {
	LL_READ_ONLY,   /* [filesystem] read_only, /run/airlock: read and execute */
	LL_READ_WRITE,  /* [filesystem] read_write: every access the ruleset handles */
	LL_DEV_READ,    /* /dev/random, /dev/urandom: read */
	LL_DEV_RW,      /* /dev/null, /dev/zero, /dev/full: read, write, truncate */
	LL_TTY,         /* /dev/tty, /dev/ptmx, /dev/pts: read, write, ioctl */
	LL_PROC,        /* the sandbox's /proc: read, and write (DAC guards the rest) */
	LL_SECRET_FILE, /* a secret's `file`, masked by its placeholder: read */
};

/* The handled_access_fs mask for Landlock ABI `abi` (1 and up): every file-system
 * access right the ABI knows (REFER from 2, TRUNCATE from 3, IOCTL_DEV from 5), so that
 * anything not granted by a rule is denied. 0 for abi < 1. */
uint64_t landlock_handled_fs(int abi);

/* The `scoped` mask for ABI `abi`: abstract UNIX sockets and signals from 6, else 0. */
uint64_t landlock_scoped(int abi);

/* The size of struct landlock_ruleset_attr the kernel of ABI `abi` understands (8, 16
 * from ABI 4 with handled_access_net, 24 from ABI 6 with scoped). */
unsigned landlock_ruleset_attr_size(int abi);

/* The allowed_access of a rule of class `cls` on an inode that is a directory
 * (`is_dir`) or not, limited to `handled`. A non-directory only ever gets the bits the
 * kernel accepts on files (EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE, IOCTL_DEV):
 * directory-only bits on a file make landlock_add_rule fail with EINVAL. */
uint64_t landlock_rule_access(enum landlock_class cls, int is_dir, uint64_t handled);

#endif
