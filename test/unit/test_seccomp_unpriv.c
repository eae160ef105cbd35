/* isolation unprivileged's seccomp program: the deny list plus the rules that keep a
 * socket from reaching an address except through the reaper (connect() notified; IPv4
 * and IPv6 TCP only; no UNIX datagram; no TCP Fast Open). Run over synthetic
 * `struct seccomp_data` with cbpf.c, as test_seccomp_bpf.c does for the deny list;
 * expectations written from the rules' purpose, and each added rule must be seen. */
#include "test/unit/harness.h"
#include "test/unit/cbpf.h"

#include "init/sandbox/seccomp_filter.h"
#include "init/sandbox/seccomp_rules.h"
#include "test/unit/seccomp_musl_program.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X32_BIT 0x40000000u
#define EPERM_RET (SECCOMP_RET_ERRNO | EPERM)
#define ALLOW SECCOMP_RET_ALLOW
#define NOTIFY SECCOMP_RET_USER_NOTIF
#define GARBAGE 0xdead000000000000ULL /* above bit 31: the kernel ignores it */

struct count {
	int loud, failed, cases;
};

static void want(struct count *c, const struct seccomp_program *p, int x32, const char *name,
		 uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint32_t verdict)
{
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	int nr = seccomp_syscall_resolve_name_arch(x32 ? SCMP_ARCH_X32 : SCMP_ARCH_X86_64, name);
	d.nr = nr;
	d.arch = AUDIT_ARCH_X86_64;
	d.args[0] = a0;
	d.args[1] = a1;
	d.args[2] = a2;
	d.args[3] = a3;
	uint32_t got = 0;
	int rc = cbpf_run(p->insns, p->len, &d, &got);
	c->cases++;
	if (nr >= 0 && rc == 0 && got == verdict)
		return;
	c->failed++;
	if (c->loud) {
		char m[200];
		snprintf(m, sizeof m, "%s %s(%#llx, %#llx, %#llx, %#llx): %#x, want %#x",
			 x32 ? "x32" : "x86_64", name, (unsigned long long)a0,
			 (unsigned long long)a1, (unsigned long long)a2, (unsigned long long)a3,
			 got, verdict);
		harness_fail(__FILE__, __LINE__, m);
	}
}

static void cases(const struct seccomp_program *p, struct count *c)
{
	for (int x32 = 0; x32 < 2; x32++) {
		/* every connect goes to the reaper, whatever its arguments */
		want(c, p, x32, "connect", 3, 0x1000, 16, 0, NOTIFY);
		want(c, p, x32, "connect", 0, 0, 0, 0, NOTIFY);
		/* the deny list is still there, and ordinary calls pass */
		want(c, p, x32, "ptrace", 0, 0, 0, 0, EPERM_RET);
		want(c, p, x32, "getpid", 0, 0, 0, 0, ALLOW);
		for (int fam = AF_INET; fam <= AF_INET6; fam += AF_INET6 - AF_INET) {
			want(c, p, x32, "socket", fam, SOCK_STREAM, 0, 0, ALLOW);
			want(c, p, x32, "socket", fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			     IPPROTO_TCP, 0, ALLOW);
			want(c, p, x32, "socket", fam | GARBAGE, SOCK_STREAM, 0, 0, ALLOW);
			for (uint64_t t = 0; t < 16; t++)
				if (t != SOCK_STREAM) {
					want(c, p, x32, "socket", fam, t, 0, 0, EPERM_RET);
					want(c, p, x32, "socket", fam | GARBAGE, t | SOCK_CLOEXEC, 0, 0,
					     EPERM_RET);
				}
			/* UDP lite, SCTP, MPTCP, ICMP, any protocol but TCP */
			static const uint64_t protos[] = {1, 2, 3, 4, 5, 7, 8, 17, 132, 136, 262, 255};
			for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
				want(c, p, x32, "socket", fam, SOCK_STREAM, protos[i], 0, EPERM_RET);
			for (unsigned bit = 3; bit < 32; bit++)
				want(c, p, x32, "socket", fam, SOCK_STREAM, 6 | (1ULL << bit), 0,
				     EPERM_RET);
		}
		want(c, p, x32, "socket", AF_UNIX, SOCK_STREAM, 0, 0, ALLOW);
		want(c, p, x32, "socket", AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, 0, ALLOW);
		want(c, p, x32, "socket", AF_UNIX, SOCK_DGRAM, 0, 0, EPERM_RET);
		want(c, p, x32, "socket", AF_UNIX | GARBAGE, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0,
		     EPERM_RET);
		want(c, p, x32, "socketpair", AF_UNIX, SOCK_DGRAM, 0, 0x1000, EPERM_RET);
		want(c, p, x32, "socketpair", AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, 0x1000,
		     EPERM_RET);
		want(c, p, x32, "socketpair", AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0x1000,
		     ALLOW);
		/* TCP Fast Open: a send that connects */
		want(c, p, x32, "sendto", 3, 0x1000, 10, MSG_FASTOPEN, EPERM_RET);
		want(c, p, x32, "sendto", 3, 0x1000, 10, MSG_FASTOPEN | MSG_NOSIGNAL, EPERM_RET);
		want(c, p, x32, "sendto", 3, 0x1000, 10, MSG_NOSIGNAL, ALLOW);
		want(c, p, x32, "sendmsg", 3, 0x1000, MSG_FASTOPEN, 0, EPERM_RET);
		want(c, p, x32, "sendmsg", 3, 0x1000, MSG_DONTWAIT, 0, ALLOW);
		want(c, p, x32, "sendmmsg", 3, 0x1000, 2, MSG_FASTOPEN, EPERM_RET);
		want(c, p, x32, "sendmmsg", 3, 0x1000, 2, 0, ALLOW);
		want(c, p, x32, "setsockopt", 3, IPPROTO_TCP, 30 /* TCP_FASTOPEN_CONNECT */, 0,
		     EPERM_RET);
		want(c, p, x32, "setsockopt", 3, IPPROTO_TCP | GARBAGE, 30 | GARBAGE, 0, EPERM_RET);
		want(c, p, x32, "setsockopt", 3, IPPROTO_TCP, 1 /* TCP_NODELAY */, 0, ALLOW);
		want(c, p, x32, "setsockopt", 3, SOL_SOCKET, 30, 0, ALLOW);
	}
}

static int export_or_fail(int skip, struct seccomp_program *p)
{
	char err[256];
	if (seccomp_export_unprivileged(skip, p, err, sizeof err) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		return -1;
	}
	return 0;
}

TEST(seccomp_unprivileged_built_in_is_what_libseccomp_makes)
{
	struct seccomp_program now;
	if (export_or_fail(-1, &now) != 0)
		return;
	size_t len;
	const struct sock_filter *built = seccomp_unprivileged_builtin(&len);
	CHECK_EQ_INT(len, now.len);
	CHECK(len == now.len && memcmp(built, now.insns, len * sizeof *built) == 0);
	free(now.insns);
}

TEST(seccomp_unprivileged_program_gives_each_case_its_verdict)
{
	struct seccomp_program p = {0};
	struct count c = {1, 0, 0};
	p.insns = (struct sock_filter *)seccomp_unprivileged_builtin(&p.len);
	cases(&p, &c);
	/* and the program of the static binary, made with the pinned libseccomp */
	p.insns = (struct sock_filter *)seccomp_musl_unprivileged_program(&p.len);
	cases(&p, &c);
	CHECK(c.cases > 400);
}

TEST(seccomp_unprivileged_every_added_rule_is_seen_by_a_case)
{
	struct seccomp_program base, whole;
	char err[256];
	if (seccomp_export(-1, &base, err, sizeof err) != 0 || export_or_fail(-1, &whole) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		return;
	}
	free(base.insns);
	free(whole.insns);
	CHECK(whole.rules > base.rules + 50);
	for (int k = base.rules; k < whole.rules; k++) {
		struct seccomp_program p;
		if (export_or_fail(k, &p) != 0)
			return;
		struct count c = {0, 0, 0};
		cases(&p, &c);
		if (c.failed == 0) {
			char m[128];
			snprintf(m, sizeof m, "added rule %d of %d can be removed and no case notices",
				 k, whole.rules);
			harness_fail(__FILE__, __LINE__, m);
		}
		free(p.insns);
	}
}

/* --- the namespace modes' UNIX socket guard (seccomp_export_guarded) --------------- */

static void guarded_cases(const struct seccomp_program *p, struct count *c)
{
	for (int x32 = 0; x32 < 2; x32++) {
		/* every connect goes to the reaper, which checks named UNIX sockets */
		want(c, p, x32, "connect", 3, 0x1000, 110, 0, NOTIFY);
		want(c, p, x32, "connect", 0, 0, 0, 0, NOTIFY);
		/* the deny list is intact, and what the namespaces close is not narrowed */
		want(c, p, x32, "ptrace", 0, 0, 0, 0, EPERM_RET);
		want(c, p, x32, "process_vm_readv", 0, 0, 0, 0, EPERM_RET);
		want(c, p, x32, "getpid", 0, 0, 0, 0, ALLOW);
		want(c, p, x32, "socket", AF_INET, SOCK_DGRAM, 0, 0, ALLOW);
		want(c, p, x32, "socket", AF_UNIX, SOCK_DGRAM, 0, 0, ALLOW);
		want(c, p, x32, "bind", 3, 0x1000, 16, 0, ALLOW);
	}
}

TEST(seccomp_guarded_built_in_is_what_libseccomp_makes)
{
	struct seccomp_program now;
	char err[256];
	if (seccomp_export_guarded(-1, &now, err, sizeof err) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		return;
	}
	size_t len;
	const struct sock_filter *built = seccomp_guarded_builtin(&len);
	CHECK_EQ_INT(len, now.len);
	CHECK(len == now.len && memcmp(built, now.insns, len * sizeof *built) == 0);
	struct count c = {1, 0, 0};
	guarded_cases(&now, &c);
	/* and the program of the static binary, made with the pinned libseccomp */
	struct seccomp_program musl = {0};
	musl.insns = (struct sock_filter *)seccomp_musl_guarded_program(&musl.len);
	guarded_cases(&musl, &c);
	/* without its last rule (the guard's own), connect is no longer handed over */
	struct seccomp_program less;
	if (seccomp_export_guarded(now.rules - 1, &less, err, sizeof err) == 0) {
		struct count q = {0, 0, 0};
		guarded_cases(&less, &q);
		CHECK(q.failed > 0);
		free(less.insns);
	}
	free(now.insns);
}
