/* The seccomp filter as a program: every rule on every ABI, without the kernel.
 *
 * seccomp_builtin() is the classic-BPF program that seccomp_apply() loads (compiled at
 * build time); it must equal what libseccomp makes of the rules now (seccomp_export).
 * cbpf.c runs it over synthetic `struct seccomp_data`, one per (ABI, system call, arguments) case,
 * and each case's verdict is compared with what the contract asks for. This holds on
 * any kernel: it does not need the i386 entry (`int $0x80`), which some kernels kill.
 *
 * The expectations below are written from the contract (spec section 3), not copied from
 * the filter's own tables, and the last test removes each rule of the filter in turn and
 * requires that some case then fails: a rule no case sees would be a rule no test
 * protects.
 */
#include "test/unit/harness.h"
#include "test/unit/cbpf.h"

#include "init/sandbox/seccomp_filter.h"
#include "init/sandbox/seccomp_rules.h"
#include "test/unit/seccomp_musl_program.h"

#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X32_BIT 0x40000000u
#define TIOCSTI_ 0x5412u
#define TIOCLINUX_ 0x541Cu
#define TCGETS_ 0x5401u

struct abi {
	const char *name;
	uint32_t audit_arch;
	uint32_t scmp_arch;
	int wide_args; /* arguments are 64-bit registers (garbage above bit 31 possible) */
};

static const struct abi abis[] = {
	{"x86_64", AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64, 1},
	{"x32", AUDIT_ARCH_X86_64, SCMP_ARCH_X32, 1},
	{"i386", AUDIT_ARCH_I386, SCMP_ARCH_X86, 0},
};

/* Denied whatever the arguments (spec section 3, and the README's list). */
static const char *const always_denied[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "keyctl", "add_key", "request_key", "mount", "umount2",
	"pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr", "setns", "unshare", "open_by_handle_at", "fanotify_init",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime",
	"clock_adjtime", "syslog", "iopl", "ioperm",
};

/* Allowed whatever the arguments: what every program needs. */
static const char *const always_allowed[] = {
	"read", "write", "openat", "close", "mmap", "execve", "getpid", "connect",
	"sendto", "recvfrom", "wait4", "kill", "inotify_add_watch", "futex", "exit_group",
};

static const uint64_t clone_ns_flags[] = {
	0x00020000 /* NEWNS */, 0x02000000 /* NEWCGROUP */, 0x04000000 /* NEWUTS */,
	0x08000000 /* NEWIPC */, 0x10000000 /* NEWUSER */, 0x20000000 /* NEWPID */,
	0x40000000 /* NEWNET */,
};

/* A failed expectation: printed when `loud`, always counted. */
struct tally {
	int loud;
	int failed;
	int cases;
};

static uint32_t errno_ret(int e)
{
	return SECCOMP_RET_ERRNO | ((uint32_t)e & SECCOMP_RET_DATA);
}

static void expect3(struct tally *t, const struct seccomp_program *p, const struct abi *abi,
		    int nr, const char *what, uint64_t a0, uint64_t a1, uint64_t a2, uint32_t want)
{
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	d.nr = nr;
	d.arch = abi->audit_arch;
	d.args[0] = a0;
	d.args[1] = a1;
	d.args[2] = a2;
	uint32_t got = 0;
	int rc = cbpf_run(p->insns, p->len, &d, &got);
	t->cases++;
	if (rc == 0 && got == want)
		return;
	t->failed++;
	if (t->loud) {
		char m[256];
		snprintf(m, sizeof m, "%s %s(%#llx, %#llx): verdict %#x, want %#x%s", abi->name,
			 what, (unsigned long long)a0, (unsigned long long)a1, got, want,
			 rc ? " (program refused)" : "");
		harness_fail(__FILE__, __LINE__, m);
	}
}

static void expect(struct tally *t, const struct seccomp_program *p, const struct abi *abi,
		   int nr, const char *what, uint64_t a0, uint64_t a1, uint32_t want)
{
	expect3(t, p, abi, nr, what, a0, a1, 0, want);
}

/* The number of `name` on `abi`, or -1 when that ABI has no such call. */
static int nr_of(const struct abi *abi, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(abi->scmp_arch, name);
	return nr < 0 ? -1 : nr;
}

/* Whether a socket family value (as the kernel reads it: the low 32 bits) is allowed,
 * for socketpair() and for socket() with protocol 0. */
static int family_ok(uint64_t v)
{
	uint32_t f = (uint32_t)v;
	return f == 1 /* AF_UNIX */ || f == 2 /* AF_INET */ || f == 10 /* AF_INET6 */;
}

/* socket(family, type, protocol): also AF_NETLINK with NETLINK_ROUTE (protocol 0, on
 * the low 32 bits); other netlink protocols are refused. */
static int socket_ok(uint64_t family, uint64_t protocol)
{
	return family_ok(family) || ((uint32_t)family == 16 && (uint32_t)protocol == 0);
}

/* Values to try for a 32-bit argument: small ones, each single bit, each bit cleared
 * from all-ones, and (for 64-bit registers) garbage above bit 31. */
static size_t int_probes(uint64_t *v, int wide)
{
	size_t n = 0;
	for (uint64_t i = 0; i < 64; i++)
		v[n++] = i;
	for (int b = 0; b < 32; b++) {
		v[n++] = 1ULL << b;
		v[n++] = 0xffffffffULL ^ (1ULL << b);
	}
	v[n++] = 0xffffffffULL;
	if (wide) {
		v[n++] = 0x100000000ULL | 1;          /* AF_UNIX with garbage above */
		v[n++] = 0x100000000ULL | 16;         /* AF_NETLINK with garbage above */
		v[n++] = 0xffffffff00000000ULL;       /* 0 with garbage above */
		v[n++] = 0xffffffff00000000ULL | 0x40000; /* ADDR_NO_RANDOMIZE, garbage */
	}
	return n;
}

/* Every expectation, over program `p`. */
static void check_all(const struct seccomp_program *p, struct tally *t)
{
	uint64_t probes[256];
	for (size_t a = 0; a < sizeof abis / sizeof abis[0]; a++) {
		const struct abi *abi = &abis[a];
		int nr;
		for (size_t i = 0; i < sizeof always_denied / sizeof always_denied[0]; i++)
			if ((nr = nr_of(abi, always_denied[i])) >= 0)
				expect(t, p, abi, nr, always_denied[i], 0, 0, errno_ret(EPERM));
		for (size_t i = 0; i < sizeof always_allowed / sizeof always_allowed[0]; i++)
			if ((nr = nr_of(abi, always_allowed[i])) >= 0)
				expect(t, p, abi, nr, always_allowed[i], 0, 0, SECCOMP_RET_ALLOW);
		/* clone3's flags are in memory: ENOSYS, so libc falls back to clone() */
		expect(t, p, abi, nr_of(abi, "clone3"), "clone3", 0, 0, errno_ret(ENOSYS));

		/* clone(): any namespace flag, alone or among ordinary thread flags */
		int clone = nr_of(abi, "clone");
		for (size_t i = 0; i < sizeof clone_ns_flags / sizeof clone_ns_flags[0]; i++) {
			expect(t, p, abi, clone, "clone", clone_ns_flags[i] | 17, 0, errno_ret(EPERM));
			expect(t, p, abi, clone, "clone", clone_ns_flags[i] | 0x3d0f00, 0,
			       errno_ret(EPERM));
		}
		expect(t, p, abi, clone, "clone", 17 /* SIGCHLD: fork */, 0, SECCOMP_RET_ALLOW);
		expect(t, p, abi, clone, "clone", 0x3d0f00 /* pthread_create */, 0,
		       SECCOMP_RET_ALLOW);

		/* ioctl(): terminal injection, compared on the low 32 bits of the request */
		int ioctl = nr_of(abi, "ioctl");
		expect(t, p, abi, ioctl, "ioctl", 0, TIOCSTI_, errno_ret(EPERM));
		expect(t, p, abi, ioctl, "ioctl", 0, TIOCLINUX_, errno_ret(EPERM));
		expect(t, p, abi, ioctl, "ioctl", 0, TCGETS_, SECCOMP_RET_ALLOW);
		if (abi->wide_args) {
			expect(t, p, abi, ioctl, "ioctl", 0, 0x100000000ULL | TIOCSTI_, errno_ret(EPERM));
			expect(t, p, abi, ioctl, "ioctl", 0, 0x100000000ULL | TIOCLINUX_,
			       errno_ret(EPERM));
		}

		/* personality(): only PER_LINUX and the query, on the low 32 bits */
		int pers = nr_of(abi, "personality");
		size_t n = int_probes(probes, abi->wide_args);
		for (size_t i = 0; i < n; i++) {
			uint32_t low = (uint32_t)probes[i];
			int ok = low == 0 || low == 0xffffffffu;
			expect(t, p, abi, pers, "personality", probes[i], 0,
			       ok ? SECCOMP_RET_ALLOW : errno_ret(EPERM));
		}

		/* socket families: UNIX, IPv4, IPv6 only */
		if (abi->scmp_arch == SCMP_ARCH_X86) {
			/* i386 has socket() and socketpair() as calls of their own (359, 360),
			 * and socketcall(102), whose arguments sit in memory the filter cannot
			 * read: creating sockets through it is denied as a whole, the other
			 * operations pass. */
			for (size_t i = 0; i < n; i++) {
				uint32_t want = family_ok(probes[i]) ? SECCOMP_RET_ALLOW : errno_ret(EPERM);
				expect(t, p, abi, 359, "socket", probes[i], 0,
				       socket_ok(probes[i], 0) ? SECCOMP_RET_ALLOW : errno_ret(EPERM));
				expect(t, p, abi, 360, "socketpair", probes[i], 0, want);
				expect3(t, p, abi, 359, "socket(AF_NETLINK, proto)", 16, 3, probes[i],
					socket_ok(16, probes[i]) ? SECCOMP_RET_ALLOW : errno_ret(EPERM));
			}
			int sc = nr_of(abi, "socketcall");
			expect(t, p, abi, sc, "socketcall(SYS_SOCKET)", 1, 0, errno_ret(EPERM));
			expect(t, p, abi, sc, "socketcall(SYS_SOCKETPAIR)", 8, 0, errno_ret(EPERM));
			expect(t, p, abi, sc, "socketcall(SYS_CONNECT)", 3, 0, SECCOMP_RET_ALLOW);
			expect(t, p, abi, sc, "socketcall(SYS_SENDMSG)", 16, 0, SECCOMP_RET_ALLOW);
		} else {
			int sock = nr_of(abi, "socket"), pair = nr_of(abi, "socketpair");
			for (size_t i = 0; i < n; i++) {
				uint32_t want = family_ok(probes[i]) ? SECCOMP_RET_ALLOW : errno_ret(EPERM);
				expect(t, p, abi, sock, "socket", probes[i], 0,
				       socket_ok(probes[i], 0) ? SECCOMP_RET_ALLOW : errno_ret(EPERM));
				expect(t, p, abi, pair, "socketpair", probes[i], 0, want);
				expect3(t, p, abi, sock, "socket(AF_NETLINK, proto)", 16, 3, probes[i],
					socket_ok(16, probes[i]) ? SECCOMP_RET_ALLOW : errno_ret(EPERM));
				/* A protocol other than route with another family: not netlink's. */
				expect3(t, p, abi, sock, "socket(AF_INET, proto)", 2, 1, probes[i],
					SECCOMP_RET_ALLOW);
			}
		}
	}
	/* Any other architecture token: the process is killed, whatever the call. */
	static const struct abi other[] = {
		{"aarch64", AUDIT_ARCH_AARCH64, 0, 1},
		{"arm", AUDIT_ARCH_ARM, 0, 0},
		{"no-arch", 0, 0, 1},
	};
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		expect(t, p, &other[i], 39, "getpid?", 0, 0, SECCOMP_RET_KILL_PROCESS);
		expect(t, p, &other[i], 101, "ptrace?", 0, 0, SECCOMP_RET_KILL_PROCESS);
	}
}

static int export_or_fail(int skip, struct seccomp_program *p)
{
	char err[256];
	if (seccomp_export(skip, p, err, sizeof err) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		return -1;
	}
	return 0;
}

TEST(seccomp_program_numbers_are_the_kernels)
{
	/* The ABI tables the cases use (libseccomp's) agree with the kernel's numbers. */
	CHECK_EQ_INT(nr_of(&abis[2], "ptrace"), 26);
	CHECK_EQ_INT(nr_of(&abis[2], "socketcall"), 102);
	CHECK_EQ_INT(nr_of(&abis[2], "unshare"), 310);
	CHECK_EQ_INT(nr_of(&abis[2], "clone3"), 435);
	CHECK_EQ_INT(nr_of(&abis[1], "ptrace"), (int)(X32_BIT | 521));
	CHECK_EQ_INT(nr_of(&abis[1], "mount"), (int)(X32_BIT | 165));
	CHECK_EQ_INT(nr_of(&abis[0], "ptrace"), 101);
	CHECK_EQ_INT(nr_of(&abis[0], "fanotify_init"), 300);
}

TEST(seccomp_program_built_in_is_what_libseccomp_makes)
{
	struct seccomp_program now;
	if (export_or_fail(-1, &now) != 0)
		return;
	size_t len;
	const struct sock_filter *built = seccomp_builtin(&len);
	CHECK_EQ_INT(len, now.len);
	CHECK(len == now.len && memcmp(built, now.insns, len * sizeof *built) == 0);
	free(now.insns);
}

TEST(seccomp_program_gives_each_case_its_verdict)
{
	/* the program the binary loads */
	struct seccomp_program p = {0};
	p.insns = (struct sock_filter *)seccomp_builtin(&p.len);
	CHECK(p.len > 10);
	struct tally t = {1, 0, 0};
	check_all(&p, &t);
	CHECK(t.cases > 1000);
	printf("  seccomp program: %zu instructions, %d cases on x86_64, x32, i386 and "
	       "foreign architectures\n", p.len, t.cases);
}

TEST(seccomp_program_of_the_static_binary_gives_each_case_its_verdict)
{
	/* what out/airlock loads, compiled with the pinned libseccomp: checked too, so the
	 * cases do not rest on the host's libseccomp making the same program */
	struct seccomp_program p = {0};
	p.insns = (struct sock_filter *)seccomp_musl_program(&p.len);
	CHECK(p.len > 10);
	struct tally t = {1, 0, 0};
	check_all(&p, &t);
	CHECK(t.cases > 1000);
}

TEST(seccomp_program_every_rule_is_seen_by_a_case)
{
	struct seccomp_program whole;
	if (export_or_fail(-1, &whole) != 0)
		return;
	free(whole.insns);
	CHECK(whole.rules > 50);
	for (int k = 0; k < whole.rules; k++) {
		struct seccomp_program p;
		if (export_or_fail(k, &p) != 0)
			return;
		struct tally t = {0, 0, 0};
		check_all(&p, &t);
		if (t.failed == 0) {
			char m[128];
			snprintf(m, sizeof m, "rule %d of %d can be removed and no case notices", k,
				 whole.rules);
			harness_fail(__FILE__, __LINE__, m);
		}
		free(p.insns);
	}
}
