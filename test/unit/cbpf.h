/* cbpf.h: a classic-BPF interpreter for seccomp programs, for tests.
 *
 * Runs a filter over a synthetic `struct seccomp_data` and gives back the action the
 * kernel would take, so the rules of every ABI can be checked without issuing the
 * system calls (the i386 entry, `int $0x80`, is unusable on some kernels). It accepts
 * exactly the instructions the kernel's seccomp_check_filter() accepts and checks what
 * the kernel checks at load time (jumps in range, aligned loads inside seccomp_data, no
 * constant division by zero, a final return), so a program it runs is one the kernel
 * would load.
 */
#ifndef AIRLOCK_TEST_CBPF_H
#define AIRLOCK_TEST_CBPF_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* Runs `prog` (`len` instructions) over `data`; stores the filter's return value
 * (SECCOMP_RET_*) in `*ret`. Returns 0, or -1 when the program is one the kernel would
 * refuse (unknown opcode, jump or load out of range, no return on some path). */
int cbpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data,
	     uint32_t *ret);

#endif
