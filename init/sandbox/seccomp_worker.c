/* seccomp_worker.c: the proxy worker's system-call allow-list (see seccomp_rules.h).
 *
 * The worker parses every byte the sandbox sends (HTTP, TLS, SNI) and holds the real
 * secrets, so it gets the opposite of the sandbox's filter: a default-deny list of the
 * calls an epoll loop of non-blocking sockets, musl's allocator and resolver, its
 * threads and the reading of the system trust store make. No exec, no ptrace, no
 * mount, no namespaces, no file writes beyond the descriptors it was given (openat is
 * allowed for reading /etc/resolv.conf, /etc/hosts and the trust bundle; O_WRONLY,
 * O_RDWR and O_CREAT fail). Like the sandbox's filter it is compiled at build time.
 */
#include "init/sandbox/seccomp_rules.h"
#include "net/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>

#define LOW32 0xffffffffULL

/* Allowed whatever their arguments. */
static const char *const allowed[] = {
	/* descriptors and memory */
	"read", "write", "readv", "writev", "pread64", "close", "fstat", "newfstatat",
	"statx", "lseek", "fcntl", "dup", "dup3", "pipe2", "eventfd2", "mmap", "munmap",
	"mremap", "mprotect", "madvise", "brk", "readlink", "readlinkat",
	/* the event loop and sockets */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "poll", "ppoll",
	"accept", "accept4", "connect", "bind", "getsockname", "getpeername", "getsockopt",
	"setsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	"shutdown", "splice",
	/* time, identity queries, signals of its own, threads */
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getppid",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
	"futex", "set_tid_address", "set_robust_list", "sched_yield", "sched_getaffinity",
	"membarrier", "exit", "exit_group", "getrandom", "uname", "getrlimit", "prlimit64",
	"sysinfo",
	/* glibc (the sanitizer build) registers each new thread with rseq and dies if it is
	 * refused; it names only a per-thread area of the caller's own memory */
	"rseq",
};

static int nrules; /* rules added to the filter being built, for seccomp_gen's comment */

static int add(scmp_filter_ctx ctx, const char *name, unsigned n,
	       const struct scmp_arg_cmp *cmp, uint32_t action, char *err, size_t errlen)
{
	nrules++;
	int nr = seccomp_syscall_resolve_name(name);
	int rc = nr == __NR_SCMP_ERROR ? -ENOENT
				      : seccomp_rule_add_array(ctx, action, nr, n, cmp);
	if (rc < 0) {
		log_format(err, errlen, "seccomp: cannot add the worker's rule for %s: %s", name,
			   strerror(-rc));
		return -1;
	}
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (add(ctx, allowed[i], 0, NULL, SCMP_ACT_ALLOW, err, errlen) < 0)
			return -1;
	/* Threads only (the resolver's): clone without CLONE_THREAD would be a process. */
	struct scmp_arg_cmp thread = {0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD};
	if (add(ctx, "clone", 1, &thread, SCMP_ACT_ALLOW, err, errlen) < 0 ||
	    add(ctx, "clone3", 0, NULL, SCMP_ACT_ERRNO(ENOSYS), err, errlen) < 0)
		return -1;
	/* Sockets for the upstream connections and DNS: IPv4, IPv6, UNIX. */
	static const uint32_t families[] = {AF_UNIX, AF_INET, AF_INET6};
	for (size_t i = 0; i < 3; i++) {
		struct scmp_arg_cmp c = {0, SCMP_CMP_MASKED_EQ, LOW32, families[i]};
		if (add(ctx, "socket", 1, &c, SCMP_ACT_ALLOW, err, errlen) < 0)
			return -1;
	}
	/* Files for reading only: no access mode but O_RDONLY, no O_CREAT. */
	const uint64_t not_read = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC;
	struct scmp_arg_cmp open_ro = {1, SCMP_CMP_MASKED_EQ, not_read, 0};
	struct scmp_arg_cmp openat_ro = {2, SCMP_CMP_MASKED_EQ, not_read, 0};
	if (add(ctx, "open", 1, &open_ro, SCMP_ACT_ALLOW, err, errlen) < 0 ||
	    add(ctx, "openat", 1, &openat_ro, SCMP_ACT_ALLOW, err, errlen) < 0)
		return -1;
	/* openat2 keeps its flags in memory the filter cannot read: ENOSYS makes
	 * safe_open() walk the path with openat instead. */
	return add(ctx, "openat2", 0, NULL, SCMP_ACT_ERRNO(ENOSYS), err, errlen);
}

int seccomp_export_worker(struct seccomp_program *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	scmp_filter_ctx ctx = seccomp_new_ctx(SCMP_ACT_ERRNO(EPERM), err, errlen);
	if (!ctx)
		return -1;
	nrules = 0;
	if (add_rules(ctx, err, errlen) < 0) {
		seccomp_release(ctx);
		return -1;
	}
	out->rules = nrules;
	return seccomp_export_ctx(ctx, out, err, errlen);
}
