/* sandbox_probe: run INSIDE a sandbox by the integration tests, to try things and say
 * what happened. Plain C and libc only (it also builds with musl-gcc -static).
 *
 *   sandbox_probe syscalls            one line per probed call: "ABI NAME RESULT"
 *   sandbox_probe status              identity, no_new_privs, seccomp, capabilities
 *   sandbox_probe read PATH           open for reading and read
 *   sandbox_probe write PATH          create/truncate and write a line
 *   sandbox_probe list DIR            read a directory
 *   sandbox_probe mkdir PATH
 *   sandbox_probe exec PATH [ARG...]  execv; prints only when it fails
 *   sandbox_probe kill PID [SIG]      send a signal (0: only check permission)
 *   sandbox_probe connect-abstract NAME   connect to an abstract UNIX socket
 *   sandbox_probe listen-abstract NAME SECS  listen there, print "ready", wait
 *   sandbox_probe signal-child        fork a child and signal it (same domain)
 *
 * RESULT and the one-line answers are "ok" or the errno's name (EPERM, EACCES, ...).
 * Exit status: 0 ok, 1 the operation failed, 2 bad usage.
 *
 * The system calls are made with arguments that are harmless when nothing filters
 * them (invalid flags, bad pointers, fd -1), so the same probe run outside a sandbox
 * shows what the kernel answers without the filter.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
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
#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif

#define X32 0x40000000L
#define PTRACE_PEEKDATA_ 2

/* Under ASan (the test build) LeakSanitizer would need ptrace at exit, which the
 * sandbox denies: turn it off. A plain build just carries an unused function. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return 1;
}

static const char *errname(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {
		{EPERM, "EPERM"},       {ENOENT, "ENOENT"},   {ESRCH, "ESRCH"},
		{EINTR, "EINTR"},       {EIO, "EIO"},         {E2BIG, "E2BIG"},
		{ENOEXEC, "ENOEXEC"},   {EBADF, "EBADF"},     {ECHILD, "ECHILD"},
		{EAGAIN, "EAGAIN"},     {ENOMEM, "ENOMEM"},   {EACCES, "EACCES"},
		{EFAULT, "EFAULT"},     {EBUSY, "EBUSY"},     {EEXIST, "EEXIST"},
		{EXDEV, "EXDEV"},       {ENODEV, "ENODEV"},   {ENOTDIR, "ENOTDIR"},
		{EISDIR, "EISDIR"},     {EINVAL, "EINVAL"},   {ENOTTY, "ENOTTY"},
		{ETXTBSY, "ETXTBSY"},   {ENOSPC, "ENOSPC"},   {EROFS, "EROFS"},
		{EPIPE, "EPIPE"},       {ENOSYS, "ENOSYS"},   {ELOOP, "ELOOP"},
		{ENOTSOCK, "ENOTSOCK"}, {EOPNOTSUPP, "EOPNOTSUPP"},
		{EAFNOSUPPORT, "EAFNOSUPPORT"}, {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
		{ECONNREFUSED, "ECONNREFUSED"}, {ENETUNREACH, "ENETUNREACH"},
		{ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
	};
	static char other[16];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(other, sizeof other, "E%d", e);
	return other;
}

/* Prints "ok" or the errno name for a result that is 0/positive or -errno. */
static int answer(long r)
{
	puts(r >= 0 ? "ok" : errname((int)-r));
	return r >= 0 ? 0 : 1;
}

static long res(long r)
{
	return r < 0 ? -errno : r;
}

/* An i386 system call through int $0x80; returns the kernel's raw result. */
static long sys_i386(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(0L), "D"(0L)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* A fork-like raw clone() with extra flags; 0 when a child was made. */
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

/* Gives SIGSEGV, SIGBUS and SIGILL their default action again, with the raw system call
 * (a sanitizer's interceptor would keep its own handler through signal()): a probe the
 * kernel kills must die by that signal, not exit through the sanitizer's report. */
static void default_fault_signals(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		/* The kernel's struct sigaction: handler, flags, restorer, mask. */
		unsigned long act[4] = {(unsigned long)SIG_DFL, 0, 0, 0};
		syscall(SYS_rt_sigaction, sigs[i], act, NULL, 8);
	}
}

/* Runs `nr` (x86_64, or i386 when `i386`) in a forked child and returns its result:
 * a call that succeeds, such as unshare(CLONE_NEWUSER), changes only that child. */
static long in_child(int i386, long nr, long a)
{
	pid_t pid = fork();
	if (pid == 0) {
		default_fault_signals();
		long r = i386 ? sys_i386(nr, a, 0, 0) : res(syscall(nr, a, 0L, 0L));
		_exit(r >= 0 ? 0 : (int)(-r & 0xff));
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -EIO;
	return -(long)WEXITSTATUS(st);
}

static long sock(unsigned long family, long type)
{
	long fd = syscall(SYS_socket, family, type, 0L);
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

static long sock_proto(unsigned long family, long type, long proto)
{
	long fd = syscall(SYS_socket, family, type, proto);
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

static long sockpair(long family)
{
	int sv[2];
	if (syscall(SYS_socketpair, family, (long)SOCK_STREAM, 0L, sv) != 0)
		return -errno;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* i386 results are raw (-errno); file descriptors they return are closed. */
static long i386_res(long r)
{
	if (r > 2)
		close((int)r);
	return r > 0 ? 0 : r;
}

/* A call that returns a descriptor: closed, and reported as 0. */
static long fd_res(long r)
{
	if (r < 0)
		return -errno;
	close((int)r);
	return 0;
}

static void line(const char *abi, const char *name, long r)
{
	printf("%s %s %s\n", abi, name, r >= 0 ? "ok" : errname((int)-r));
}

/* How an i386 call's raw result is read: as is, as a descriptor or value to drop (any
 * non-negative result is "ok"), or as getpid (which must give this child's pid). */
enum i386_kind { I386_RAW, I386_FD, I386_GETPID };

/* Prints "i386 NAME RESULT" for one call made through `int $0x80` in a forked child:
 * RESULT is ok, an errno name, or killed-SIGNAME when the kernel killed the child. */
static void i386_line(const char *name, long nr, long a, long b, long c, enum i386_kind k)
{
	int p[2];
	fflush(stdout);
	if (pipe(p) != 0) {
		line("i386", name, -EIO);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		default_fault_signals();
		long r = sys_i386(nr, a, b, c);
		if (k == I386_FD)
			r = i386_res(r);
		else if (k == I386_GETPID)
			r = r == getpid() ? 0 : -EINVAL;
		_exit(write(p[1], &r, sizeof r) == sizeof r ? 0 : 1);
	}
	close(p[1]);
	long r = -EIO;
	int got = pid > 0 && read(p[0], &r, sizeof r) == sizeof r;
	close(p[0]);
	int st = 0;
	if (pid > 0 && waitpid(pid, &st, 0) == pid && !got && WIFSIGNALED(st)) {
		const char *sig = sigabbrev_np(WTERMSIG(st));
		printf("i386 %s killed-SIG%s\n", name, sig ? sig : "NUM");
		return;
	}
	line("i386", name, got ? r : -EIO);
}

static int cmd_syscalls(void)
{
	const char *a = "x86_64";
	line(a, "ptrace", res(syscall(SYS_ptrace, PTRACE_PEEKDATA_, 0L, 0L, 0L)));
	line(a, "process_vm_readv", res(syscall(SYS_process_vm_readv, getpid(), 0L, 0L, 0L, 0L, 1L)));
	line(a, "process_vm_writev", res(syscall(SYS_process_vm_writev, getpid(), 0L, 0L, 0L, 0L, 1L)));
	line(a, "pidfd_getfd", res(syscall(SYS_pidfd_getfd, -1L, 0L, 0L)));
	line(a, "kcmp", res(syscall(SYS_kcmp, getpid(), getpid(), 99L, 0L, 0L)));
	line(a, "bpf", res(syscall(SYS_bpf, 9999L, 0L, 0L)));
	line(a, "perf_event_open", res(syscall(SYS_perf_event_open, 0L, 0L, -1L, -1L, ~0UL)));
	line(a, "userfaultfd", res(syscall(SYS_userfaultfd, ~0UL)));
	line(a, "io_uring_setup", res(syscall(SYS_io_uring_setup, 0L, 0L)));
	line(a, "io_uring_enter", res(syscall(SYS_io_uring_enter, -1L, 0L, 0L, 0L, 0L, 0L)));
	line(a, "io_uring_register", res(syscall(SYS_io_uring_register, -1L, 0L, 0L, 0L)));
	line(a, "keyctl", res(syscall(SYS_keyctl, 9999L, 0L, 0L, 0L, 0L)));
	line(a, "add_key", res(syscall(SYS_add_key, 1L, 1L, 0L, 0L, 0L)));
	line(a, "request_key", res(syscall(SYS_request_key, 1L, 1L, 0L, 0L)));
	line(a, "mount", res(syscall(SYS_mount, 0L, 0L, 1L, 0L, 0L)));
	line(a, "umount2", res(syscall(SYS_umount2, "/nonexistent-airlock", 0x100L)));
	line(a, "pivot_root", res(syscall(SYS_pivot_root, 1L, 1L)));
	line(a, "move_mount", res(syscall(SYS_move_mount, -1L, "", -1L, "", 0xffffffffL)));
	line(a, "open_tree", res(syscall(SYS_open_tree, -1L, "", 0xffffffffL)));
	line(a, "fsopen", res(syscall(SYS_fsopen, 1L, 0xffffL)));
	line(a, "fsconfig", res(syscall(SYS_fsconfig, -1L, 9999L, 0L, 0L, 0L)));
	line(a, "fsmount", res(syscall(SYS_fsmount, -1L, 0xffffL, 0L)));
	line(a, "fspick", res(syscall(SYS_fspick, -1L, "", 0xffffL)));
	line(a, "mount_setattr", res(syscall(SYS_mount_setattr, -1L, "", 0xffffffffL, 0L, 0L)));
	line(a, "setns", res(syscall(SYS_setns, -1L, 0L)));
	line(a, "unshare", in_child(0, SYS_unshare, 1L));
	line(a, "unshare(CLONE_NEWUSER)", in_child(0, SYS_unshare, (long)CLONE_NEWUSER));
	line(a, "clone3", res(syscall(SYS_clone3, 0L, 0L)));
	line(a, "fanotify_init", fd_res(syscall(SYS_fanotify_init, 0x200L /* FAN_REPORT_FID */, 0L)));
	line(a, "open_by_handle_at", res(syscall(SYS_open_by_handle_at, -1L, 0L, 0L)));
	line(a, "kexec_load", res(syscall(SYS_kexec_load, 0L, 1000L, 0L, 0L)));
	line(a, "kexec_file_load", res(syscall(SYS_kexec_file_load, -1L, -1L, 0L, 0L, ~0UL)));
	line(a, "init_module", res(syscall(SYS_init_module, 0L, 0L, 0L)));
	line(a, "finit_module", res(syscall(SYS_finit_module, -1L, 0L, 0L)));
	line(a, "delete_module", res(syscall(SYS_delete_module, 1L, 0L)));
	line(a, "reboot", res(syscall(SYS_reboot, 0L, 0L, 0L, 0L)));
	line(a, "swapon", res(syscall(SYS_swapon, 1L, 0L)));
	line(a, "swapoff", res(syscall(SYS_swapoff, 1L)));
	line(a, "acct", res(syscall(SYS_acct, 1L)));
	line(a, "settimeofday", res(syscall(SYS_settimeofday, 1L, 0L)));
	line(a, "clock_settime", res(syscall(SYS_clock_settime, 9999L, 0L)));
	line(a, "clock_adjtime", res(syscall(SYS_clock_adjtime, 9999L, 0L)));
	line(a, "syslog", res(syscall(SYS_syslog, 9999L, 0L, 0L)));
	line(a, "iopl", res(syscall(SYS_iopl, 99L)));
	line(a, "ioperm", res(syscall(SYS_ioperm, 0L, 0L, 0L)));
	line(a, "clone(CLONE_NEWUSER)", clone_with(CLONE_NEWUSER));
	line(a, "clone(CLONE_NEWNS)", clone_with(CLONE_NEWNS));
	line(a, "clone(CLONE_NEWNET)", clone_with(CLONE_NEWNET));
	line(a, "clone(CLONE_NEWPID)", clone_with(CLONE_NEWPID));
	line(a, "clone(CLONE_NEWIPC)", clone_with(CLONE_NEWIPC));
	line(a, "clone(CLONE_NEWUTS)", clone_with(CLONE_NEWUTS));
	line(a, "clone(CLONE_NEWCGROUP)", clone_with(CLONE_NEWCGROUP));
	line(a, "ioctl(TIOCSTI)", res(syscall(SYS_ioctl, -1L, (unsigned long)TIOCSTI, 0L)));
	line(a, "ioctl(TIOCSTI|1<<32)", res(syscall(SYS_ioctl, -1L, 0x100000000UL | TIOCSTI, 0L)));
	line(a, "ioctl(TIOCLINUX)", res(syscall(SYS_ioctl, -1L, (unsigned long)TIOCLINUX, 0L)));
	/* netlink: route (0) is allowed, socket diagnostics (4) and the rest are not */
	line(a, "socket(AF_NETLINK,SOCK_DIAG)", sock_proto(AF_NETLINK, SOCK_RAW, 4));
	line(a, "socket(AF_NETLINK|1<<32,SOCK_DIAG)",
	     sock_proto(0x100000000UL | AF_NETLINK, SOCK_RAW, 4));
	line(a, "socket(AF_PACKET)", sock(17, SOCK_RAW));
	line(a, "socket(AF_VSOCK)", sock(40, SOCK_STREAM));
	line(a, "socketpair(AF_NETLINK)", sockpair(AF_NETLINK));
	line(a, "personality(ADDR_NO_RANDOMIZE)", res(syscall(SYS_personality, 0x0040000L)));
	line(a, "personality(PER_LINUX32)", res(syscall(SYS_personality, 0x0008L)));
	/* allowed */
	line(a, "socket(AF_INET)", sock(AF_INET, SOCK_STREAM));
	line(a, "socket(AF_INET6)", sock(AF_INET6, SOCK_STREAM));
	line(a, "socket(AF_UNIX)", sock(AF_UNIX, SOCK_STREAM));
	line(a, "socket(AF_NETLINK,ROUTE)", sock_proto(AF_NETLINK, SOCK_RAW, 0));
	line(a, "socketpair(AF_UNIX)", sockpair(AF_UNIX));
	line(a, "fork", clone_with(0));
	line(a, "personality(query)", res(syscall(SYS_personality, 0xffffffffL)));

	/* Each i386 call runs in a child of its own: on some kernels `int $0x80` kills the
	 * caller even without a filter, and "entry" says whether the ABI is usable here. */
	a = "i386";
	i386_line("entry", 20, 0, 0, 0, I386_GETPID);
	i386_line("ptrace", 26, PTRACE_PEEKDATA_, 0, 0, I386_RAW);
	i386_line("mount", 21, 0, 0, 1, I386_RAW);
	i386_line("unshare(CLONE_NEWUSER)", 310, CLONE_NEWUSER, 0, 0, I386_RAW);
	i386_line("setns", 346, -1, 0, 0, I386_RAW);
	i386_line("bpf", 357, 9999, 0, 0, I386_RAW);
	i386_line("keyctl", 288, 9999, 0, 0, I386_RAW);
	i386_line("perf_event_open", 336, 0, 0, -1, I386_RAW);
	i386_line("userfaultfd", 374, -1, 0, 0, I386_RAW);
	i386_line("io_uring_setup", 425, 0, 0, 0, I386_RAW);
	i386_line("fanotify_init", 338, 0, 0, 0, I386_FD);
	i386_line("clone3", 435, 0, 0, 0, I386_RAW);
	i386_line("socket(AF_NETLINK,SOCK_DIAG)", 359, AF_NETLINK, SOCK_RAW, 4, I386_FD);
	i386_line("socketcall(SYS_SOCKET)", 102, 1, 0, 0, I386_RAW);
	i386_line("ioctl(TIOCSTI)", 54, -1, TIOCSTI, 0, I386_RAW);
	i386_line("personality(ADDR_NO_RANDOMIZE)", 136, 0x0040000, 0, 0, I386_FD);
	i386_line("getpid", 20, 0, 0, 0, I386_GETPID);

	/* x32 numbers that differ from x86_64: ptrace 521, process_vm_readv 539, ioctl 514 */
	a = "x32";
	line(a, "ptrace", res(syscall(X32 | 521, PTRACE_PEEKDATA_, 0L, 0L, 0L)));
	line(a, "process_vm_readv", res(syscall(X32 | 539, getpid(), 0L, 0L, 0L, 0L, 1L)));
	line(a, "mount", res(syscall(X32 | SYS_mount, 0L, 0L, 1L, 0L, 0L)));
	line(a, "unshare(CLONE_NEWUSER)", in_child(0, X32 | SYS_unshare, (long)CLONE_NEWUSER));
	line(a, "bpf", res(syscall(X32 | SYS_bpf, 9999L, 0L, 0L)));
	line(a, "clone3", res(syscall(X32 | SYS_clone3, 0L, 0L)));
	line(a, "socket(AF_NETLINK,SOCK_DIAG)", res(syscall(X32 | SYS_socket, AF_NETLINK, SOCK_RAW, 4L)));
	line(a, "ioctl(TIOCSTI)", res(syscall(X32 | 514, -1L, (long)TIOCSTI, 0L)));
	line(a, "getpid", res(syscall(X32 | SYS_getpid)));
	fflush(stdout);
	return 0;
}

/* Prints the /proc/self/status line `key` as "key value". */
static void status_line(const char *key)
{
	FILE *f = fopen("/proc/self/status", "re");
	char buf[512];
	size_t n = strlen(key);
	while (f && fgets(buf, sizeof buf, f)) {
		if (strncmp(buf, key, n) == 0 && buf[n] == ':') {
			char *v = buf + n + 1;
			v += strspn(v, " \t");
			printf("%s %s", key, v);
		}
	}
	if (f)
		fclose(f);
}

static int cmd_status(void)
{
	printf("uid %d\ngid %d\n", (int)getuid(), (int)getgid());
	printf("dumpable %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	printf("no_new_privs %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	static const char *keys[] = {"Groups", "Seccomp", "Seccomp_filters", "CapInh", "CapPrm",
				     "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		status_line(keys[i]);
	return 0;
}

static int cmd_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return answer(-errno);
	char buf[256];
	long r = read(fd, buf, sizeof buf) < 0 ? -errno : 0;
	close(fd);
	return answer(r);
}

static int cmd_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return answer(-errno);
	long r = write(fd, "probe\n", 6) == 6 ? 0 : -errno;
	close(fd);
	return answer(r);
}

static int cmd_list(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return answer(-errno);
	errno = 0;
	while (readdir(d))
		;
	long r = errno ? -errno : 0;
	closedir(d);
	return answer(r);
}

static int connect_abstract(const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	if (n + 1 > sizeof a.sun_path)
		return answer(-ENAMETOOLONG);
	memcpy(a.sun_path + 1, name, n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return answer(-errno);
	long r = connect(fd, (struct sockaddr *)&a, (socklen_t)(sizeof(sa_family_t) + 1 + n));
	r = r == 0 ? 0 : -errno;
	close(fd);
	return answer(r);
}

static int listen_abstract(const char *name, int secs)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	if (n + 1 > sizeof a.sun_path)
		return answer(-ENAMETOOLONG);
	memcpy(a.sun_path + 1, name, n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, (socklen_t)(sizeof(sa_family_t) + 1 + n)) ||
	    listen(fd, 8))
		return answer(-errno);
	puts("ready");
	fflush(stdout);
	sleep((unsigned)secs);
	close(fd);
	return 0;
}

/* Forks a child in the same domain; the child signals us (0), we SIGTERM it. */
static int signal_child(void)
{
	int p[2];
	if (pipe(p) != 0)
		return answer(-errno);
	pid_t parent = getpid();
	pid_t c = fork();
	if (c < 0)
		return answer(-errno);
	if (c == 0) {
		long k = kill(parent, 0) == 0 ? 0 : -errno;
		ssize_t w = write(p[1], &k, sizeof k);
		(void)w;
		pause();
		_exit(0);
	}
	long k = -EIO;
	if (read(p[0], &k, sizeof k) != sizeof k)
		k = -EIO;
	int st = 0;
	long r = kill(c, SIGTERM) == 0 ? 0 : -errno;
	waitpid(c, &st, 0);
	if (r == 0 && !(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM))
		r = -EIO;
	printf("child-to-parent %s\n", k == 0 ? "ok" : errname((int)-k));
	printf("parent-to-child %s\n", r == 0 ? "ok" : errname((int)-r));
	return k == 0 && r == 0 ? 0 : 1;
}

static int usage(void)
{
	fputs("usage: sandbox_probe syscalls|status|read P|write P|list D|mkdir P|exec P [A..]|"
	      "kill PID [SIG]|connect-abstract N|listen-abstract N SECS|signal-child\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *c = argv[1];
	if (!strcmp(c, "syscalls"))
		return cmd_syscalls();
	if (!strcmp(c, "status"))
		return cmd_status();
	if (!strcmp(c, "signal-child"))
		return signal_child();
	if (argc < 3)
		return usage();
	if (!strcmp(c, "read"))
		return cmd_read(argv[2]);
	if (!strcmp(c, "write"))
		return cmd_write(argv[2]);
	if (!strcmp(c, "list"))
		return cmd_list(argv[2]);
	if (!strcmp(c, "mkdir"))
		return answer(mkdir(argv[2], 0755) == 0 ? 0 : -errno);
	if (!strcmp(c, "exec")) {
		execv(argv[2], argv + 2);
		return answer(-errno);
	}
	if (!strcmp(c, "kill"))
		return answer(kill(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0) == 0 ? 0 : -errno);
	if (!strcmp(c, "connect-abstract"))
		return connect_abstract(argv[2]);
	if (!strcmp(c, "listen-abstract") && argc > 3)
		return listen_abstract(argv[2], atoi(argv[3]));
	return usage();
}
