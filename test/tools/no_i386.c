/* no_i386: runs CMD as on a kernel whose i386 entry is unusable.
 *
 *   no_i386 CMD [ARG...]
 *
 * On some machines `int $0x80` kills the caller (SIGSEGV) even without a filter. This
 * tool makes the same world on any machine: it loads a one-rule seccomp filter that
 * kills a process making any i386 system call (SIGSYS), then execs CMD, which inherits
 * it. The tests run airlock's own seccomp tests under it, so the branch they take on
 * such a kernel is exercised everywhere. Needs root (no no_new_privs is set, so that
 * what CMD sees of no_new_privs stays its own).
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no_i386 CMD [ARG...]\n");
		return 2;
	}
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		perror("no_i386: seccomp");
		return 125;
	}
	execvp(argv[1], argv + 1);
	perror("no_i386: exec");
	return 127;
}
