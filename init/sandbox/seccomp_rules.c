/* seccomp_rules.c: the rules of the system-call filter (see seccomp_rules.h).
 *
 * A deny list on a default-allow filter, like the default profiles of container
 * runtimes: what an agent's tools need keeps working, and the calls that reach into
 * other processes, the kernel's attack surface or the sandbox's own walls fail with
 * EPERM. clone3 fails with ENOSYS instead, because its flags sit in memory the filter
 * cannot read: libc then falls back to clone(), whose flags the filter can check.
 *
 * The same rules are loaded for the i386 and x32 ABIs (a process can always issue
 * `int $0x80` or set the x32 bit, even from a 64-bit binary); any other architecture
 * token kills the process. libseccomp sets no_new_privs when it loads the filter.
 *
 * Arguments the kernel reads as 32-bit ints (socket family, ioctl request, personality)
 * are compared on their low 32 bits only: comparing all 64 bits would let a caller slip
 * past a rule with garbage in the upper half, which the kernel then ignores.
 *
 * libseccomp compiles these rules into BPF at build time (init/sandbox/gen/seccomp_gen.c);
 * the binary loads that constant program (seccomp_filter.c), so no process compiles a
 * filter at start-up. The tests compile the rules again at run time and compare.
 */
#include "init/sandbox/seccomp_rules.h"
#include "net/base/log.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

#define LOW32 0xffffffffULL

/* Calls denied whatever their arguments, and why. */
static const struct {
	const char *name;
	int err;
} denied[] = {
	/* reaching into other processes */
	{"ptrace", EPERM},
	{"process_vm_readv", EPERM},
	{"process_vm_writev", EPERM},
	{"pidfd_getfd", EPERM}, /* steals another process's fds, like ptrace */
	{"kcmp", EPERM},        /* probes other processes' kernel objects */
	/* kernel attack surface */
	{"bpf", EPERM},
	{"perf_event_open", EPERM},
	{"userfaultfd", EPERM}, /* a classic tool to win kernel races */
	{"io_uring_setup", EPERM}, /* io_uring bypasses seccomp for its operations */
	{"io_uring_enter", EPERM},
	{"io_uring_register", EPERM},
	{"keyctl", EPERM},      /* the kernel keyring is not namespaced */
	{"add_key", EPERM},
	{"request_key", EPERM},
	/* the sandbox's walls: mounts and namespaces */
	{"mount", EPERM},
	{"umount2", EPERM},
	{"pivot_root", EPERM},
	{"move_mount", EPERM},
	{"open_tree", EPERM},
	{"fsopen", EPERM},
	{"fsconfig", EPERM},
	{"fsmount", EPERM},
	{"fspick", EPERM},
	{"mount_setattr", EPERM},
	{"setns", EPERM},
	{"unshare", EPERM},
	{"clone3", ENOSYS},
	{"open_by_handle_at", EPERM}, /* opens files by handle, around path checks */
	/* fanotify reports names and handles of files in folders the sandbox may not list
	 * (FAN_REPORT_DFID_NAME needs no privilege since Linux 5.13) */
	{"fanotify_init", EPERM},
	/* the machine itself */
	{"kexec_load", EPERM},
	{"kexec_file_load", EPERM},
	{"init_module", EPERM},
	{"finit_module", EPERM},
	{"delete_module", EPERM},
	{"reboot", EPERM},
	{"swapon", EPERM},
	{"swapoff", EPERM},
	{"acct", EPERM},
	{"settimeofday", EPERM},
	{"clock_settime", EPERM},
	{"clock_adjtime", EPERM},
	{"syslog", EPERM},      /* the kernel log leaks addresses */
	{"iopl", EPERM},
	{"ioperm", EPERM},
};

/* clone() flags that make a new namespace (CLONE_NEWTIME is 0x80, which clone() reads
 * as part of the exit signal; only unshare and clone3 accept it, and both are denied). */
static const uint64_t clone_ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

/* The filter being built, and the one rule (by position) to leave out of it: only the
 * tests leave one out, to show that each rule is seen by some test. */
struct builder {
	scmp_filter_ctx ctx;
	int next; /* position of the next rule */
	int skip; /* position to leave out, or -1 */
};

/* Adds one rule: `name` takes `action` when every comparison holds. */
static int rule_act(struct builder *b, const char *name, uint32_t action, unsigned n,
		    const struct scmp_arg_cmp *cmp, char *err, size_t errlen)
{
	if (b->next++ == b->skip)
		return 0;
	scmp_filter_ctx ctx = b->ctx;
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		log_format(err, errlen,
			"seccomp: libseccomp does not know the system call %s; build airlock "
			"with a newer libseccomp or set seccomp = best_effort",
			name);
		return -1;
	}
	int rc = seccomp_rule_add_array(ctx, action, nr, n, cmp);
	if (rc < 0) {
		log_format(err, errlen,
			"seccomp: cannot add the rule for %s: %s; set seccomp = best_effort "
			"to run without the filter",
			name, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Adds one rule: `name` fails with `errnum` when every comparison holds. */
static int rule(struct builder *b, const char *name, int errnum, unsigned n,
		const struct scmp_arg_cmp *cmp, char *err, size_t errlen)
{
	return rule_act(b, name, SCMP_ACT_ERRNO((uint32_t)errnum), n, cmp, err, errlen);
}

/* Denies `name` when argument `arg`, read as a 32-bit int, is anything but one of the
 * `nok` values in `ok` (all below 16). Expressed as rules of one masked comparison
 * each, as libseccomp takes one comparison per argument and rule: any of bits 4..31
 * set, or bits 0..31 equal to a small value that is not allowed. */
static int deny_int_outside(struct builder *b, const char *name, unsigned arg,
			    const uint32_t *ok, size_t nok, char *err, size_t errlen)
{
	for (unsigned bit = 4; bit < 32; bit++) {
		struct scmp_arg_cmp c = {arg, SCMP_CMP_MASKED_EQ, 1ULL << bit, 1ULL << bit};
		if (rule(b, name, EPERM, 1, &c, err, errlen) != 0)
			return -1;
	}
	for (uint32_t v = 0; v < 16; v++) {
		int allowed = 0;
		for (size_t i = 0; i < nok; i++)
			allowed |= ok[i] == v;
		if (allowed)
			continue;
		struct scmp_arg_cmp c = {arg, SCMP_CMP_MASKED_EQ, LOW32, v};
		if (rule(b, name, EPERM, 1, &c, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* socket(): UNIX, IPv4 and IPv6, and netlink with protocol NETLINK_ROUTE (0) only:
 * getifaddrs() reads the interfaces through it (Node's os.networkInterfaces(), which
 * Google's auth library calls), and in the sandbox's network namespace it shows only
 * `lo`, which nothing inside has the capability to change. Every other netlink
 * protocol (audit, uevents, socket diagnostics...) and family is EPERM. As rules of
 * masked comparisons on the low 32 bits: family bits 5..31; bit 4 with any of bits
 * 0..3 (17..31); the small values not allowed; and family 16 with any protocol bit. */
static int deny_socket_families(struct builder *b, char *err, size_t errlen)
{
	for (unsigned bit = 5; bit < 32; bit++) {
		struct scmp_arg_cmp c = {0, SCMP_CMP_MASKED_EQ, 1ULL << bit, 1ULL << bit};
		if (rule(b, "socket", EPERM, 1, &c, err, errlen) != 0)
			return -1;
	}
	for (unsigned bit = 0; bit < 4; bit++) {
		uint64_t m = (1ULL << 4) | (1ULL << bit);
		struct scmp_arg_cmp c = {0, SCMP_CMP_MASKED_EQ, m, m};
		if (rule(b, "socket", EPERM, 1, &c, err, errlen) != 0)
			return -1;
	}
	for (uint32_t v = 0; v < 16; v++) {
		if (v == AF_UNIX || v == AF_INET || v == AF_INET6)
			continue;
		struct scmp_arg_cmp c = {0, SCMP_CMP_MASKED_EQ, LOW32, v};
		if (rule(b, "socket", EPERM, 1, &c, err, errlen) != 0)
			return -1;
	}
	for (unsigned bit = 0; bit < 32; bit++) {
		struct scmp_arg_cmp c[2] = {{0, SCMP_CMP_MASKED_EQ, LOW32, AF_NETLINK},
					    {2, SCMP_CMP_MASKED_EQ, 1ULL << bit, 1ULL << bit}};
		if (rule(b, "socket", EPERM, 2, c, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* personality(): only PER_LINUX (0) and the query 0xffffffff pass. Every other value of
 * the low 32 bits has bit 31 clear and some other bit set, or bit 31 set and some other
 * bit clear: one masked comparison per bit covers both. */
static int deny_personality(struct builder *b, char *err, size_t errlen)
{
	const uint64_t top = 1ULL << 31;
	for (unsigned bit = 0; bit < 31; bit++) {
		uint64_t m = 1ULL << bit;
		struct scmp_arg_cmp set = {0, SCMP_CMP_MASKED_EQ, top | m, m};
		struct scmp_arg_cmp clear = {0, SCMP_CMP_MASKED_EQ, top | m, top};
		if (rule(b, "personality", EPERM, 1, &set, err, errlen) != 0 ||
		    rule(b, "personality", EPERM, 1, &clear, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Every rule of the filter. */
static int add_rules(struct builder *b, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
		if (rule(b, denied[i].name, denied[i].err, 0, NULL, err, errlen) != 0)
			return -1;
	for (size_t i = 0; i < sizeof clone_ns_flags / sizeof clone_ns_flags[0]; i++) {
		struct scmp_arg_cmp c = {0, SCMP_CMP_MASKED_EQ, clone_ns_flags[i],
					 clone_ns_flags[i]};
		if (rule(b, "clone", EPERM, 1, &c, err, errlen) != 0)
			return -1;
	}
	/* Terminal injection: pushing input into the terminal of the runner. */
	static const uint64_t tty_inject[] = {TIOCSTI, TIOCLINUX};
	for (size_t i = 0; i < 2; i++) {
		struct scmp_arg_cmp c = {1, SCMP_CMP_MASKED_EQ, LOW32, tty_inject[i]};
		if (rule(b, "ioctl", EPERM, 1, &c, err, errlen) != 0)
			return -1;
	}
	/* Socket families: UNIX, IPv4 and IPv6, and route netlink for socket() (no packet,
	 * vsock, other netlink...). On i386, libseccomp turns these rules into a denial of
	 * socketcall(SYS_SOCKET) and socketcall(SYS_SOCKETPAIR) as a whole: their family
	 * sits in memory. */
	static const uint32_t families[] = {AF_UNIX, AF_INET, AF_INET6};
	if (deny_socket_families(b, err, errlen) != 0 ||
	    deny_int_outside(b, "socketpair", 0, families, 3, err, errlen) != 0)
		return -1;
	return deny_personality(b, err, errlen);
}

/* Adds the compat ABIs of the native architecture, so that they get the same rules. */
static int add_arches(scmp_filter_ctx ctx, char *err, size_t errlen)
{
#if defined(__x86_64__)
	static const uint32_t extra[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
#elif defined(__aarch64__)
	static const uint32_t extra[] = {SCMP_ARCH_ARM};
#else
	static const uint32_t extra[] = {0};
#endif
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		if (!extra[i])
			continue;
		int rc = seccomp_arch_add(ctx, extra[i]);
		if (rc < 0 && rc != -EEXIST) {
			log_format(err, errlen, "seccomp: cannot add a compat architecture: %s",
				strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void *seccomp_new_ctx(uint32_t default_action, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(default_action);
	if (!ctx) {
		log_format(err, errlen, "seccomp: cannot create a filter (out of memory?)");
		return NULL;
	}
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (rc < 0) {
		log_format(err, errlen, "seccomp: cannot set the filter's attributes: %s",
			strerror(-rc));
		seccomp_release(ctx);
		return NULL;
	}
	/* A binary tree of system-call numbers instead of a list: every allowed call runs
	 * the filter, so keep its path short. Only an optimisation: ignore a refusal. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	return ctx;
}

/* Denies socket(`family`, TYPE, ...) for every TYPE (its low four bits: the flags
 * above them are SOCK_NONBLOCK and SOCK_CLOEXEC) but `keep` (0: none kept). */
static int deny_types(struct builder *b, const char *name, uint32_t family, uint32_t keep,
		      char *err, size_t errlen)
{
	for (uint32_t t = 0; t < 16; t++) {
		if (keep && t == keep)
			continue;
		struct scmp_arg_cmp c[2] = {{0, SCMP_CMP_MASKED_EQ, LOW32, family},
					    {1, SCMP_CMP_MASKED_EQ, 0xf, t}};
		if (rule(b, name, EPERM, 2, c, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* isolation unprivileged: the sandbox shares the host's network, so what a socket may
 * reach is decided by the supervisor (init/sandbox/connect_notify.c), which performs
 * every connect() itself; the kernel must not let a socket reach an address any other
 * way. So: IPv4 and IPv6 sockets are TCP only (no UDP, raw, SCTP, MPTCP: their sendto
 * and sendmsg name an address per datagram); UNIX datagram sockets, which do too, are
 * refused from socket() and socketpair(); TCP Fast Open, whose send connects, is refused
 * as MSG_FASTOPEN and as TCP_FASTOPEN_CONNECT. A TCP or UNIX stream's sendto/sendmsg
 * ignore or refuse an address, so they need no check. */
static int add_unprivileged_rules(struct builder *b, char *err, size_t errlen)
{
	if (rule_act(b, "connect", SCMP_ACT_NOTIFY, 0, NULL, err, errlen) != 0)
		return -1;
	static const uint32_t inet[] = {AF_INET, AF_INET6};
	for (int f = 0; f < 2; f++) {
		if (deny_types(b, "socket", inet[f], SOCK_STREAM, err, errlen) != 0)
			return -1;
		/* protocol 0 or IPPROTO_TCP (6) only: bits 3..31 clear, low bits 0 or 6 */
		for (unsigned bit = 3; bit < 32; bit++) {
			struct scmp_arg_cmp c[2] = {{0, SCMP_CMP_MASKED_EQ, LOW32, inet[f]},
						    {2, SCMP_CMP_MASKED_EQ, 1ULL << bit, 1ULL << bit}};
			if (rule(b, "socket", EPERM, 2, c, err, errlen) != 0)
				return -1;
		}
		for (uint32_t v = 1; v < 8; v++) {
			if (v == IPPROTO_TCP)
				continue;
			struct scmp_arg_cmp c[2] = {{0, SCMP_CMP_MASKED_EQ, LOW32, inet[f]},
						    {2, SCMP_CMP_MASKED_EQ, 7, v}};
			if (rule(b, "socket", EPERM, 2, c, err, errlen) != 0)
				return -1;
		}
	}
	struct scmp_arg_cmp dgram[2] = {{0, SCMP_CMP_MASKED_EQ, LOW32, AF_UNIX},
					{1, SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM}};
	if (rule(b, "socket", EPERM, 2, dgram, err, errlen) != 0 ||
	    rule(b, "socketpair", EPERM, 2, dgram, err, errlen) != 0)
		return -1;
	static const struct {
		const char *name;
		unsigned flags_arg;
	} sends[] = {{"sendto", 3}, {"sendmsg", 2}, {"sendmmsg", 3}};
	for (size_t i = 0; i < 3; i++) {
		struct scmp_arg_cmp c = {sends[i].flags_arg, SCMP_CMP_MASKED_EQ, MSG_FASTOPEN,
					 MSG_FASTOPEN};
		if (rule(b, sends[i].name, EPERM, 1, &c, err, errlen) != 0)
			return -1;
	}
	struct scmp_arg_cmp tfo[2] = {{1, SCMP_CMP_MASKED_EQ, LOW32, IPPROTO_TCP},
				      {2, SCMP_CMP_MASKED_EQ, LOW32, TCP_FASTOPEN_CONNECT}};
	return rule(b, "setsockopt", EPERM, 2, tfo, err, errlen);
}

/* The namespace modes' UNIX socket guard: connect() is handed to the sandbox's reaper,
 * which performs it and refuses a named socket no sandbox process listens on (a host
 * process's socket in a read_write folder); everything else it does as given. */
static int add_guard_rules(struct builder *b, char *err, size_t errlen)
{
	return rule_act(b, "connect", SCMP_ACT_NOTIFY, 0, NULL, err, errlen);
}

enum variant { PLAIN, UNPRIVILEGED, GUARDED };

/* Makes the whole filter in a libseccomp context, leaving out rule `skip` (-1: none),
 * with the rules of `variant` after the deny list. Returns the context, or NULL with a
 * sentence in `err`. */
static scmp_filter_ctx build(int skip, enum variant variant, int *nrules, char *err,
			     size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_new_ctx(SCMP_ACT_ALLOW, err, errlen);
	if (!ctx)
		return NULL;
	struct builder b = {ctx, 0, skip};
	if (add_arches(ctx, err, errlen) != 0 || add_rules(&b, err, errlen) != 0 ||
	    (variant == UNPRIVILEGED && add_unprivileged_rules(&b, err, errlen) != 0) ||
	    (variant == GUARDED && add_guard_rules(&b, err, errlen) != 0)) {
		seccomp_release(ctx);
		return NULL;
	}
	if (nrules)
		*nrules = b.next;
	return ctx;
}

int seccomp_export_ctx(void *vctx, struct seccomp_program *out, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = vctx;
	/* libseccomp 2.5 exports only to a file descriptor: an anonymous file. */
	int fd = memfd_create("airlock-seccomp", MFD_CLOEXEC);
	int rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	off_t size = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (size > 0 && size % (off_t)sizeof(struct sock_filter) == 0 &&
	    (out->insns = malloc((size_t)size)) != NULL &&
	    pread(fd, out->insns, (size_t)size, 0) == size) {
		out->len = (size_t)size / sizeof(struct sock_filter);
		close(fd);
		return 0;
	}
	free(out->insns);
	out->insns = NULL;
	if (fd >= 0)
		close(fd);
	log_format(err, errlen, "seccomp: cannot export the filter as BPF: %s",
		strerror(rc < 0 ? -rc : EIO));
	return -1;
}

int seccomp_export(int skip, struct seccomp_program *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	scmp_filter_ctx ctx = build(skip, PLAIN, &out->rules, err, errlen);
	if (!ctx)
		return -1;
	return seccomp_export_ctx(ctx, out, err, errlen);
}

int seccomp_export_unprivileged(int skip, struct seccomp_program *out, char *err,
				size_t errlen)
{
	memset(out, 0, sizeof *out);
	scmp_filter_ctx ctx = build(skip, UNPRIVILEGED, &out->rules, err, errlen);
	if (!ctx)
		return -1;
	return seccomp_export_ctx(ctx, out, err, errlen);
}

int seccomp_export_guarded(int skip, struct seccomp_program *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	scmp_filter_ctx ctx = build(skip, GUARDED, &out->rules, err, errlen);
	if (!ctx)
		return -1;
	return seccomp_export_ctx(ctx, out, err, errlen);
}
