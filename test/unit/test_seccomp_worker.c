/* The proxy worker's seccomp allow-list (init/sandbox/seccomp_worker.c), run as a program by
 * cbpf.c over synthetic calls: what the event loop needs passes, the rest fails with
 * EPERM, and the other ABIs are killed. The constant the binary loads must equal what
 * libseccomp makes of the rules now, for the host's and the static build's libseccomp. */
#include "test/unit/harness.h"
#include "test/unit/cbpf.h"

#include "init/sandbox/seccomp_filter.h"
#include "init/sandbox/seccomp_rules.h"
#include "test/unit/seccomp_musl_program.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALLOW SECCOMP_RET_ALLOW
#define DENY (SECCOMP_RET_ERRNO | EPERM)
#define NOSYS (SECCOMP_RET_ERRNO | ENOSYS)
#define KILL SECCOMP_RET_KILL_PROCESS

static uint32_t verdict(const struct sock_filter *prog, size_t len, uint32_t arch, int nr,
			uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	d.arch = arch;
	d.nr = nr;
	d.args[0] = a0;
	d.args[1] = a1;
	d.args[2] = a2;
	uint32_t ret = 0xdead;
	if (cbpf_run(prog, len, &d, &ret) != 0)
		return 0xdead;
	return ret;
}

static int nr(const char *name)
{
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
}

static void check_program(const struct sock_filter *prog, size_t len)
{
	const uint32_t x86_64 = AUDIT_ARCH_X86_64;
#define V(name, a0, a1, a2) verdict(prog, len, x86_64, nr(name), a0, a1, a2)
	/* what the loop, the allocator, the resolver and its threads need */
	static const char *const needed[] = {"read", "write", "epoll_wait", "epoll_ctl",
		"accept4", "connect", "sendto", "recvfrom", "sendmsg", "recvmsg", "close",
		"mmap", "munmap", "brk", "futex", "clock_gettime", "getrandom", "exit_group",
		"setsockopt", "getsockopt", "shutdown", "poll", "eventfd2"};
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
		CHECK_EQ_INT(V(needed[i], 0, 0, 0), ALLOW);
	/* what a worker taken over by the sandbox would want */
	static const char *const refused[] = {"execve", "execveat", "ptrace", "kill",
		"process_vm_readv", "mount", "unshare", "setns", "setuid", "setresuid",
		"capset", "prctl", "bpf", "io_uring_setup", "chmod", "unlink", "rename",
		"mknodat", "symlinkat", "link", "pidfd_getfd", "memfd_create", "fork", "vfork",
		"seccomp", "personality", "keyctl", "perf_event_open", "listen", "chdir"};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		uint32_t v = V(refused[i], 0, 0, 0);
		if (v != DENY) {
			char m[128];
			snprintf(m, sizeof m, "%s: verdict %#x, want EPERM", refused[i], v);
			harness_fail(__FILE__, __LINE__, m);
		}
	}
	/* threads, not processes */
	CHECK_EQ_INT(V("clone", 0x7d0f00 /* musl's pthread_create */, 0, 0), ALLOW);
	CHECK_EQ_INT(V("clone", 17 /* SIGCHLD: fork */, 0, 0), DENY);
	CHECK_EQ_INT(V("clone3", 0, 0, 0), NOSYS);
	/* files for reading only */
	CHECK_EQ_INT(V("openat", (uint64_t)AT_FDCWD, 0, O_RDONLY | O_CLOEXEC), ALLOW);
	CHECK_EQ_INT(V("openat", (uint64_t)AT_FDCWD, 0, O_WRONLY), DENY);
	CHECK_EQ_INT(V("openat", (uint64_t)AT_FDCWD, 0, O_RDWR), DENY);
	CHECK_EQ_INT(V("openat", (uint64_t)AT_FDCWD, 0, O_RDONLY | O_CREAT), DENY);
	CHECK_EQ_INT(V("open", 0, O_WRONLY | O_TRUNC, 0), DENY);
	CHECK_EQ_INT(V("open", 0, O_RDONLY, 0), ALLOW);
	CHECK_EQ_INT(V("openat2", 0, 0, 0), NOSYS);
	/* sockets of the three families */
	CHECK_EQ_INT(V("socket", 2, 1, 0), ALLOW);
	CHECK_EQ_INT(V("socket", 10, 2, 0), ALLOW);
	CHECK_EQ_INT(V("socket", 1, 5, 0), ALLOW);
	CHECK_EQ_INT(V("socket", 16 /* netlink */, 3, 0), DENY);
	CHECK_EQ_INT(V("socket", 17 /* packet */, 3, 0), DENY);
	/* other ABIs are killed: x32 numbers and the i386 entry */
	CHECK_EQ_INT(verdict(prog, len, x86_64, nr("read") | 0x40000000, 0, 0, 0), KILL);
	CHECK_EQ_INT(verdict(prog, len, AUDIT_ARCH_I386, 3 /* read */, 0, 0, 0), KILL);
#undef V
}

TEST(seccomp_worker_program_built_in_is_what_libseccomp_makes)
{
	struct seccomp_program now;
	char err[256];
	CHECK(seccomp_export_worker(&now, err, sizeof err) == 0);
	size_t len;
	const struct sock_filter *built = seccomp_worker_builtin(&len);
	CHECK_EQ_INT(len, now.len);
	CHECK(len == now.len && memcmp(built, now.insns, len * sizeof *built) == 0);
	free(now.insns);
}

TEST(seccomp_worker_program_allows_the_loop_and_nothing_else)
{
	size_t len;
	const struct sock_filter *prog = seccomp_worker_builtin(&len);
	check_program(prog, len);
}

TEST(seccomp_worker_program_of_the_static_binary_too)
{
	size_t len;
	const struct sock_filter *prog = seccomp_musl_worker_program(&len);
	check_program(prog, len);
}
