/* Unit tests of init/sandbox/seccomp_filter.c.
 *
 * Each case runs in a forked child twice: once without the filter and once after
 * seccomp_apply(). The tests run as root with every capability, and the arguments are
 * chosen so that without the filter the kernel answers with something other than the
 * filter's errno (EFAULT, EINVAL, EBADF, ESRCH, ENOSYS on a kernel built without the
 * feature, or success on something harmless): so each case shows that the filter, and
 * not a missing privilege, refused the call.
 */
#include "test/unit/harness.h"

#include "init/sandbox/seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_move_mount 429
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#define SYS_fspick 433
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#define X32_BIT 0x40000000L
#define SETUP_FAILED LONG_MIN
/* in_child()'s answer when the child was killed by signal `sig` before it reported. */
#define KILLED_BY(sig) (LONG_MIN + 1 + (sig))

/* The signal in a KILLED_BY() answer, or 0 for any other answer. */
static int killed_signal(long r)
{
	return r > KILLED_BY(0) && r <= KILLED_BY(64) ? (int)(r - KILLED_BY(0)) : 0;
}

/* A system call's result as 0 (or the non-negative value) or -errno. */
static long res(long r)
{
	return r < 0 ? -errno : r;
}

/* An i386 system call through int $0x80, from this 64-bit process. Returns the raw
 * kernel result (-errno on failure). */
static long sys_i386(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(0L), "D"(0L)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* Gives SIGSEGV, SIGBUS and SIGILL their default action again, with the raw system call:
 * a sanitizer's own handler (installed at start, and kept through signal() by its
 * interceptor) would turn a probe the kernel kills into an ordinary exit, and the
 * answer "killed by SIGSEGV" would be lost. */
static void default_fault_signals(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		/* The kernel's struct sigaction: handler, flags, restorer, mask. */
		unsigned long act[4] = {(unsigned long)SIG_DFL, 0, 0, 0};
		syscall(SYS_rt_sigaction, sigs[i], act, NULL, 8);
	}
}

/* Runs fn in a forked child, with the filter when `filtered`; returns fn's result,
 * KILLED_BY(sig) when a signal killed the child before it reported, or SETUP_FAILED
 * when the child could not apply the filter or report. */
static long in_child(int filtered, long (*fn)(void))
{
	int p[2];
	if (pipe(p) != 0)
		return SETUP_FAILED;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		default_fault_signals();
		long r = SETUP_FAILED;
		char err[256];
		if (!filtered || seccomp_apply(err, sizeof err) == 0)
			r = fn();
		else
			fprintf(stderr, "seccomp_apply: %s\n", err);
		ssize_t w = write(p[1], &r, sizeof r);
		_exit(w == sizeof r ? 0 : 1);
	}
	close(p[1]);
	long r = SETUP_FAILED;
	if (pid < 0 || read(p[0], &r, sizeof r) != sizeof r)
		r = SETUP_FAILED;
	close(p[0]);
	int st = 0;
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && r == SETUP_FAILED)
		r = KILLED_BY(WTERMSIG(st));
	return r;
}

/* Whether this kernel serves the i386 entry at all: on some machines `int $0x80` kills
 * the caller with SIGSEGV even without a filter (IA32 emulation built in, but the entry
 * unusable under the hypervisor). Probed once, in a throwaway child. Returns 1, or 0
 * and the signal that killed the probe in *sig. */
static long i386_getpid_raw(void);
static int i386_entry_works(int *sig)
{
	static int known, works, killer;
	if (!known) {
		long r = in_child(0, i386_getpid_raw);
		works = r == 0;
		killer = killed_signal(r);
		known = 1;
		if (!works)
			printf("  i386 entry: int $0x80 %s%s on this kernel even without a filter: "
			       "the ABI cannot be reached, so it cannot be used to get around the "
			       "filter (its rules are proven by test_seccomp_bpf.c instead)\n",
			       killer ? "is killed by " : "does not work",
			       killer ? strsignal(killer) : "");
	}
	*sig = killer;
	return works;
}

/* A fork-like raw clone() with extra flags: 0 when the child was made (it exits at
 * once), else -errno. */
static long clone_with(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0L, 0L, 0L, 0L);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -errno;
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

/* socket() with a raw 64-bit family argument: 0 when a socket was made, else -errno. */
static long socket_proto(unsigned long family, long type, unsigned long proto)
{
	long fd = syscall(SYS_socket, family, type, proto);
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

static long socket_raw(unsigned long family, long type)
{
	long fd = syscall(SYS_socket, family, type, 0L);
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

static long socketpair_family(int family)
{
	int sv[2];
	if (socketpair(family, SOCK_STREAM, 0, sv) != 0)
		return -errno;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* --- the denied calls, with arguments that are harmless without the filter ---- */
static long c_ptrace(void) { return res(syscall(SYS_ptrace, PTRACE_PEEKDATA, 0L, 0L, 0L)); }
static long c_vm_readv(void) { return res(syscall(SYS_process_vm_readv, getpid(), 0L, 0L, 0L, 0L, 1L)); }
static long c_vm_writev(void) { return res(syscall(SYS_process_vm_writev, getpid(), 0L, 0L, 0L, 0L, 1L)); }
static long c_pidfd_getfd(void) { return res(syscall(SYS_pidfd_getfd, -1L, 0L, 0L)); }
static long c_kcmp(void) { return res(syscall(SYS_kcmp, getpid(), getpid(), 99L, 0L, 0L)); }
static long c_bpf(void) { return res(syscall(SYS_bpf, 9999L, 0L, 0L)); }
static long c_perf(void) { return res(syscall(SYS_perf_event_open, 0L, 0L, -1L, -1L, ~0UL)); }
static long c_userfaultfd(void) { return res(syscall(SYS_userfaultfd, ~0UL)); }
static long c_uring_setup(void) { return res(syscall(SYS_io_uring_setup, 0L, 0L)); }
static long c_uring_enter(void) { return res(syscall(SYS_io_uring_enter, -1L, 0L, 0L, 0L, 0L, 0L)); }
static long c_uring_register(void) { return res(syscall(SYS_io_uring_register, -1L, 0L, 0L, 0L)); }
static long c_keyctl(void) { return res(syscall(SYS_keyctl, 9999L, 0L, 0L, 0L, 0L)); }
static long c_add_key(void) { return res(syscall(SYS_add_key, 1L, 1L, 0L, 0L, 0L)); }
static long c_request_key(void) { return res(syscall(SYS_request_key, 1L, 1L, 0L, 0L)); }
static long c_mount(void) { return res(syscall(SYS_mount, 0L, 0L, 1L, 0L, 0L)); }
static long c_umount2(void) { return res(syscall(SYS_umount2, "/nonexistent-airlock", 0x100L)); }
static long c_pivot_root(void) { return res(syscall(SYS_pivot_root, 1L, 1L)); }
static long c_move_mount(void) { return res(syscall(SYS_move_mount, -1L, "", -1L, "", 0xffffffffL)); }
static long c_open_tree(void) { return res(syscall(SYS_open_tree, -1L, "", 0xffffffffL)); }
static long c_fsopen(void) { return res(syscall(SYS_fsopen, 1L, 0xffffL)); }
static long c_fsconfig(void) { return res(syscall(SYS_fsconfig, -1L, 9999L, 0L, 0L, 0L)); }
static long c_fsmount(void) { return res(syscall(SYS_fsmount, -1L, 0xffffL, 0L)); }
static long c_fspick(void) { return res(syscall(SYS_fspick, -1L, "", 0xffffL)); }
static long c_mount_setattr(void) { return res(syscall(SYS_mount_setattr, -1L, "", 0xffffffffL, 0L, 0L)); }
static long c_setns(void) { return res(syscall(SYS_setns, -1L, 0L)); }
static long c_unshare(void) { return res(syscall(SYS_unshare, 1L)); }
static long c_clone3(void) { return res(syscall(SYS_clone3, 0L, 0L)); }
static long c_fanotify_init(void)
{
	long fd = syscall(SYS_fanotify_init, 0L /* FAN_CLASS_NOTIF */, 0L);
	if (fd >= 0)
		close((int)fd);
	return fd < 0 ? -errno : 0;
}
static long c_open_by_handle(void) { return res(syscall(SYS_open_by_handle_at, -1L, 0L, 0L)); }
static long c_kexec_load(void) { return res(syscall(SYS_kexec_load, 0L, 1000L, 0L, 0L)); }
static long c_kexec_file(void) { return res(syscall(SYS_kexec_file_load, -1L, -1L, 0L, 0L, ~0UL)); }
static long c_init_module(void) { return res(syscall(SYS_init_module, 0L, 0L, 0L)); }
static long c_finit_module(void) { return res(syscall(SYS_finit_module, -1L, 0L, 0L)); }
static long c_delete_module(void) { return res(syscall(SYS_delete_module, 1L, 0L)); }
static long c_reboot(void) { return res(syscall(SYS_reboot, 0L, 0L, 0L, 0L)); }
static long c_swapon(void) { return res(syscall(SYS_swapon, 1L, 0L)); }
static long c_swapoff(void) { return res(syscall(SYS_swapoff, 1L)); }
static long c_acct(void) { return res(syscall(SYS_acct, 1L)); }
static long c_settimeofday(void) { return res(syscall(SYS_settimeofday, 1L, 0L)); }
static long c_clock_settime(void) { return res(syscall(SYS_clock_settime, 9999L, 0L)); }
static long c_clock_adjtime(void) { return res(syscall(SYS_clock_adjtime, 9999L, 0L)); }
static long c_syslog(void) { return res(syscall(SYS_syslog, 9999L, 0L, 0L)); }
static long c_iopl(void) { return res(syscall(SYS_iopl, 99L)); }
static long c_ioperm(void) { return res(syscall(SYS_ioperm, 0L, 0L, 0L)); }
/* namespaces through clone() flags: harmless as the child exits at once */
static long c_clone_newuser(void) { return clone_with(CLONE_NEWUSER); }
static long c_clone_newns(void) { return clone_with(CLONE_NEWNS); }
static long c_clone_newnet(void) { return clone_with(CLONE_NEWNET); }
static long c_clone_newpid(void) { return clone_with(CLONE_NEWPID); }
static long c_clone_newipc(void) { return clone_with(CLONE_NEWIPC); }
static long c_clone_newuts(void) { return clone_with(CLONE_NEWUTS); }
static long c_clone_newcgroup(void) { return clone_with(CLONE_NEWCGROUP); }
/* terminal injection, also with garbage in the upper half of the request */
static long c_tiocsti(void) { return res(syscall(SYS_ioctl, -1L, (unsigned long)TIOCSTI, 0L)); }
static long c_tiocsti_hi(void) { return res(syscall(SYS_ioctl, -1L, 0x100000000UL | TIOCSTI, 0L)); }
static long c_tioclinux(void) { return res(syscall(SYS_ioctl, -1L, (unsigned long)TIOCLINUX, 0L)); }
/* socket families */
/* Netlink: route (protocol 0) is allowed (getifaddrs); audit (9), uevents (15) and
 * socket diagnostics (4) are not, whatever sits above the low 32 bits. */
static long c_netlink(void) { return socket_proto(AF_NETLINK, SOCK_RAW, 9); }
static long c_netlink_hi(void) { return socket_proto(0x100000000UL | AF_NETLINK, SOCK_RAW, 9); }
static long c_netlink_uevent(void) { return socket_proto(AF_NETLINK, SOCK_DGRAM, 15); }
static long c_netlink_diag(void) { return socket_proto(AF_NETLINK, SOCK_RAW, 4); }
static long c_netlink_proto_hi(void)
{
	return socket_proto(AF_NETLINK, SOCK_RAW, 0x100000000UL | 9);
}
static long c_packet(void) { return socket_raw(AF_PACKET, SOCK_RAW); }
static long c_socketpair_netlink(void) { return socketpair_family(AF_NETLINK); }
/* personality changes (each returns the previous persona when allowed) */
static long c_pers_norandom(void) { return res(syscall(SYS_personality, 0x0040000L)); }
static long c_pers_linux32(void) { return res(syscall(SYS_personality, 0x0008L)); }
static long c_pers_high(void) { return res(syscall(SYS_personality, 0xfffffffeL)); }
/* the i386 and x32 ABIs */
static long c_i386_ptrace(void) { return sys_i386(26, PTRACE_PEEKDATA, 0, 0); }
static long c_i386_unshare(void) { return sys_i386(310, 1, 0, 0); }
static long c_i386_bpf(void) { return sys_i386(357, 9999, 0, 0); }
static long c_i386_socket(void) { return sys_i386(359, AF_NETLINK, SOCK_RAW, 9); }
static long c_i386_socketcall(void) { return sys_i386(102, 1 /* SYS_SOCKET */, 0, 0); }
static long c_i386_clone3(void) { return sys_i386(435, 0, 0, 0); }
static long c_x32_ptrace(void) { return res(syscall(X32_BIT | 521, PTRACE_PEEKDATA, 0L, 0L, 0L)); }
static long c_x32_mount(void) { return res(syscall(X32_BIT | SYS_mount, 0L, 0L, 1L, 0L, 0L)); }
static long c_x32_socket(void) { return res(syscall(X32_BIT | SYS_socket, AF_NETLINK, SOCK_RAW, 9L)); }

static const struct {
	const char *name;
	long (*fn)(void);
	int want; /* errno once filtered */
} denied[] = {
	{"ptrace", c_ptrace, EPERM},
	{"process_vm_readv", c_vm_readv, EPERM},
	{"process_vm_writev", c_vm_writev, EPERM},
	{"pidfd_getfd", c_pidfd_getfd, EPERM},
	{"kcmp", c_kcmp, EPERM},
	{"bpf", c_bpf, EPERM},
	{"perf_event_open", c_perf, EPERM},
	{"userfaultfd", c_userfaultfd, EPERM},
	{"io_uring_setup", c_uring_setup, EPERM},
	{"io_uring_enter", c_uring_enter, EPERM},
	{"io_uring_register", c_uring_register, EPERM},
	{"keyctl", c_keyctl, EPERM},
	{"add_key", c_add_key, EPERM},
	{"request_key", c_request_key, EPERM},
	{"mount", c_mount, EPERM},
	{"umount2", c_umount2, EPERM},
	{"pivot_root", c_pivot_root, EPERM},
	{"move_mount", c_move_mount, EPERM},
	{"open_tree", c_open_tree, EPERM},
	{"fsopen", c_fsopen, EPERM},
	{"fsconfig", c_fsconfig, EPERM},
	{"fsmount", c_fsmount, EPERM},
	{"fspick", c_fspick, EPERM},
	{"mount_setattr", c_mount_setattr, EPERM},
	{"setns", c_setns, EPERM},
	{"unshare", c_unshare, EPERM},
	{"clone3", c_clone3, ENOSYS},
	{"open_by_handle_at", c_open_by_handle, EPERM},
	{"fanotify_init", c_fanotify_init, EPERM},
	{"kexec_load", c_kexec_load, EPERM},
	{"kexec_file_load", c_kexec_file, EPERM},
	{"init_module", c_init_module, EPERM},
	{"finit_module", c_finit_module, EPERM},
	{"delete_module", c_delete_module, EPERM},
	{"reboot", c_reboot, EPERM},
	{"swapon", c_swapon, EPERM},
	{"swapoff", c_swapoff, EPERM},
	{"acct", c_acct, EPERM},
	{"settimeofday", c_settimeofday, EPERM},
	{"clock_settime", c_clock_settime, EPERM},
	{"clock_adjtime", c_clock_adjtime, EPERM},
	{"syslog", c_syslog, EPERM},
	{"iopl", c_iopl, EPERM},
	{"ioperm", c_ioperm, EPERM},
	{"clone(CLONE_NEWUSER)", c_clone_newuser, EPERM},
	{"clone(CLONE_NEWNS)", c_clone_newns, EPERM},
	{"clone(CLONE_NEWNET)", c_clone_newnet, EPERM},
	{"clone(CLONE_NEWPID)", c_clone_newpid, EPERM},
	{"clone(CLONE_NEWIPC)", c_clone_newipc, EPERM},
	{"clone(CLONE_NEWUTS)", c_clone_newuts, EPERM},
	{"clone(CLONE_NEWCGROUP)", c_clone_newcgroup, EPERM},
	{"ioctl(TIOCSTI)", c_tiocsti, EPERM},
	{"ioctl(TIOCSTI | 1<<32)", c_tiocsti_hi, EPERM},
	{"ioctl(TIOCLINUX)", c_tioclinux, EPERM},
	{"socket(AF_NETLINK, NETLINK_AUDIT)", c_netlink, EPERM},
	{"socket(AF_NETLINK | 1<<32, NETLINK_AUDIT)", c_netlink_hi, EPERM},
	{"socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)", c_netlink_uevent, EPERM},
	{"socket(AF_NETLINK, NETLINK_SOCK_DIAG)", c_netlink_diag, EPERM},
	{"socket(AF_NETLINK, NETLINK_AUDIT | 1<<32)", c_netlink_proto_hi, EPERM},
	{"socket(AF_PACKET)", c_packet, EPERM},
	{"socketpair(AF_NETLINK)", c_socketpair_netlink, EPERM},
	{"personality(ADDR_NO_RANDOMIZE)", c_pers_norandom, EPERM},
	{"personality(PER_LINUX32)", c_pers_linux32, EPERM},
	{"personality(0xfffffffe)", c_pers_high, EPERM},
	{"i386 ptrace", c_i386_ptrace, EPERM},
	{"i386 unshare", c_i386_unshare, EPERM},
	{"i386 bpf", c_i386_bpf, EPERM},
	{"i386 socket(AF_NETLINK, NETLINK_AUDIT)", c_i386_socket, EPERM},
	{"i386 socketcall(SYS_SOCKET)", c_i386_socketcall, EPERM},
	{"i386 clone3", c_i386_clone3, ENOSYS},
	{"x32 ptrace", c_x32_ptrace, EPERM},
	{"x32 mount", c_x32_mount, EPERM},
	{"x32 socket(AF_NETLINK, NETLINK_AUDIT)", c_x32_socket, EPERM},
};

/* Checks one i386 case where the entry is unusable: filtered or not, the call cannot
 * be made (the probe dies), so nothing can get around the filter through it. */
static void check_i386_unreachable(const char *name, long (*fn)(void))
{
	long without = in_child(0, fn), with = in_child(1, fn);
	if (killed_signal(without) && killed_signal(with))
		return;
	char m[200];
	snprintf(m, sizeof m, "%s: the i386 entry failed its probe, yet this call returned "
		 "(%ld without the filter, %ld with it)", name, without, with);
	harness_fail(__FILE__, __LINE__, m);
}

TEST(seccomp_denies_every_listed_call)
{
	int sig;
	int i386_ok = i386_entry_works(&sig);
	for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
		if (strncmp(denied[i].name, "i386 ", 5) == 0 && !i386_ok) {
			check_i386_unreachable(denied[i].name, denied[i].fn);
			continue;
		}
		long without = in_child(0, denied[i].fn);
		long with = in_child(1, denied[i].fn);
		char m[200];
		if (with != -denied[i].want) {
			snprintf(m, sizeof m, "%s under the filter: %ld, want -%d", denied[i].name,
				 with, denied[i].want);
			harness_fail(__FILE__, __LINE__, m);
		}
		/* Proof that the filter made the difference. Where the kernel itself refuses
		 * new user namespaces (in a chroot, or with user.max_user_namespaces = 0) that
		 * case cannot show it live; its rule is proven over the exported program
		 * (test_seccomp_bpf.c). */
		if (without == -EPERM && strstr(denied[i].name, "CLONE_NEWUSER")) {
			printf("  %s: refused without the filter too: this environment refuses new "
			       "user namespaces (a chroot?)\n", denied[i].name);
			continue;
		}
		if (without == -denied[i].want || without == SETUP_FAILED || killed_signal(without)) {
			snprintf(m, sizeof m, "%s without the filter: %ld, so the case proves nothing",
				 denied[i].name, without);
			harness_fail(__FILE__, __LINE__, m);
		}
	}
}

static long a_socket_inet(void) { return socket_raw(AF_INET, SOCK_STREAM); }
static long a_socket_inet6(void) { return socket_raw(AF_INET6, SOCK_DGRAM); }
static long a_socket_unix(void) { return socket_raw(AF_UNIX, SOCK_STREAM); }
static long a_socketpair_unix(void) { return socketpair_family(AF_UNIX); }
static long a_fork(void) { return clone_with(0); }
static long a_thread_flags(void) { return clone_with(CLONE_FS | CLONE_FILES); }
static long a_open(void)
{
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}
static long a_pers_query(void) { return res(syscall(SYS_personality, 0xffffffffL)) >= 0 ? 0 : -1; }
static long a_pers_linux(void) { return res(syscall(SYS_personality, 0L)) >= 0 ? 0 : -1; }
static long a_ioctl_other(void) { return res(syscall(SYS_ioctl, -1L, (unsigned long)TIOCGWINSZ, 0L)); }
static long a_i386_getpid(void) { return sys_i386(20, 0, 0, 0) == getpid() ? 0 : -1; }
static long i386_getpid_raw(void) { return a_i386_getpid(); }
/* x32 is not built into this kernel: ENOSYS shows the call passed the filter. */
static long a_x32_getpid(void) { return res(syscall(X32_BIT | SYS_getpid)); }
static long a_nnp(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : -1; }

/* getifaddrs() (Node's os.networkInterfaces()): route netlink. */
static long a_socket_netlink_route(void) { return socket_proto(AF_NETLINK, SOCK_RAW, 0); }

TEST(seccomp_allows_ordinary_calls)
{
	CHECK_EQ_INT(in_child(1, a_socket_inet), 0);
	CHECK_EQ_INT(in_child(1, a_socket_inet6), 0);
	CHECK_EQ_INT(in_child(1, a_socket_unix), 0);
	CHECK_EQ_INT(in_child(1, a_socketpair_unix), 0);
	CHECK_EQ_INT(in_child(1, a_socket_netlink_route), 0);
	CHECK_EQ_INT(in_child(1, a_fork), 0);
	CHECK_EQ_INT(in_child(1, a_thread_flags), 0);
	CHECK_EQ_INT(in_child(1, a_open), 0);
	CHECK_EQ_INT(in_child(1, a_pers_query), 0);
	CHECK_EQ_INT(in_child(1, a_pers_linux), 0);
	CHECK_EQ_INT(in_child(1, a_ioctl_other), -EBADF);
	int sig;
	if (i386_entry_works(&sig))
		CHECK_EQ_INT(in_child(1, a_i386_getpid), 0);
	else
		check_i386_unreachable("i386 getpid", a_i386_getpid);
	CHECK_EQ_INT(in_child(1, a_x32_getpid), -ENOSYS);
}

TEST(seccomp_sets_no_new_privs)
{
	CHECK_EQ_INT(in_child(0, a_nnp), -1);
	CHECK_EQ_INT(in_child(1, a_nnp), 0);
}

/* The filter is inherited: a grandchild forked after it is loaded is still filtered. */
static long inherited(void)
{
	int p[2];
	if (pipe(p) != 0)
		return SETUP_FAILED;
	pid_t pid = fork();
	if (pid == 0) {
		long r = c_ptrace();
		_exit(write(p[1], &r, sizeof r) == sizeof r ? 0 : 1);
	}
	long r = SETUP_FAILED;
	if (read(p[0], &r, sizeof r) != sizeof r)
		r = SETUP_FAILED;
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	return r;
}

TEST(seccomp_is_inherited_by_children)
{
	CHECK_EQ_INT(in_child(1, inherited), -EPERM);
	CHECK(in_child(0, inherited) != -EPERM);
}
