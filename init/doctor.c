/* doctor.c: `airlock doctor`, what isolation this process can have here, and why.
 *
 * Every answer is tried, not guessed: namespaces are made in throwaway children, the
 * seccomp probes load a filter that allows everything in a child. The last lines say
 * which mode sandbox-exec would run in here and what each missing piece costs.
 */
#include "init/commands.h"
#include "init/sandbox/isolation.h"
#include "net/base/log.h"
#include "init/sandbox/landlock.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

enum probe { P_UNSHARE, P_SECCOMP, P_NOTIFY };

/* One probe, in the child: 0 when it worked, else an errno. */
static int probe_here(enum probe p)
{
	struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {1, allow};
	switch (p) {
	case P_UNSHARE:
		return unshare(CLONE_NEWUSER) < 0 ? errno : 0;
	case P_SECCOMP:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return errno;
		return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0L, &prog) < 0 ? errno : 0;
	case P_NOTIFY:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return errno;
		return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			       SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog) < 0 ? errno : 0;
	}
	return EINVAL;
}

/* Runs a probe in a throwaway child: 0 when it worked, else the errno it met. */
static int probe(enum probe p)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(probe_here(p) & 0xff);
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return errno ? errno : ECHILD;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
}

/* The hex CapEff of this process, or 0. */
static unsigned long long cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long v = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* Whether /etc/passwd names `uid`. */
static int passwd_has(uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[1024];
	int found = 0;
	while (!found && f && fgets(line, sizeof line, f)) {
		char *c = strchr(line, ':');
		c = c ? strchr(c + 1, ':') : NULL;
		found = c && strtoul(c + 1, NULL, 10) == uid;
	}
	if (f)
		fclose(f);
	return found;
}

static const char *result(int err)
{
	return err ? strerror(err) : "yes";
}

int doctor_main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		log_msg("doctor takes no arguments (usage: airlock doctor)");
		return 125;
	}
	uid_t uid = getuid();
	unsigned long long caps = cap_eff();
	int sys_admin = (caps >> 21) & 1, net_admin = (caps >> 12) & 1;
	int abi = landlock_abi();
	int e_userns = probe(P_UNSHARE), e_full = isolation_probe_full();
	int e_uns_net = isolation_probe_userns();
	int e_seccomp = probe(P_SECCOMP), e_notify = probe(P_NOTIFY);

	printf("uid %u (%s), gid %u\n", (unsigned)uid,
	       passwd_has(uid) ? "in /etc/passwd" : "no /etc/passwd entry", (unsigned)getgid());
	printf("capabilities: CapEff %016llx (CAP_SYS_ADMIN %s, CAP_NET_ADMIN %s)\n", caps,
	       sys_admin ? "yes" : "no", net_admin ? "yes" : "no");
	printf("no_new_privs: %s\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? "set" : "not set");
	if (abi > 0)
		printf("landlock: ABI %d\n", abi);
	else
		printf("landlock: unavailable (the kernel lacks it or it is not enabled: "
		       "lsm=landlock)\n");
	printf("seccomp filter: %s\n", result(e_seccomp));
	printf("seccomp user notification: %s\n", result(e_notify));
	printf("user namespace: %s\n", result(e_userns));
	printf("sandbox namespaces (network, PID, mount, IPC, UTS) with lo up: %s\n",
	       e_full ? isolation_strerror(e_full) : "yes");
	printf("the same owned by a user namespace: %s\n",
	       e_uns_net ? isolation_strerror(e_uns_net) : "yes");

	int full = geteuid() == 0 && e_full == 0 && e_seccomp == 0;
	int userns = (e_uns_net == 0 || e_uns_net == ISOLATION_NO_PROC) && e_seccomp == 0;
	printf("mode full (root or CAP_SYS_ADMIN): %s\n", full ? "available" :
	       geteuid() != 0 ? "unavailable: not root" :
	       e_full ? "unavailable: the sandbox's namespaces cannot be made here (run as root "
		       "or with CAP_SYS_ADMIN and CAP_NET_ADMIN, under a seccomp profile that "
		       "allows unshare)" : "unavailable: seccomp filters cannot be loaded");
	printf("mode userns (an unprivileged user namespace): %s\n",
	       userns && e_uns_net == ISOLATION_NO_PROC ? "available, with this container's /proc "
						       "(Landlock required)" :
	       userns ? "available" :
	       e_uns_net ? "unavailable: no user namespace owning the sandbox's namespaces can "
			   "be made here (a seccomp profile that allows unshare, or on Kubernetes "
			   "securityContext.hostUsers: false)" :
			   "unavailable: seccomp filters cannot be loaded");
	const char *unpriv_missing = isolation_probe_unprivileged();
	int unpriv = !unpriv_missing && e_seccomp == 0;
	if (unpriv)
		printf("mode unprivileged (Landlock and seccomp user notification): available "
		       "(no namespace: other processes are listed, not readable nor signalable; "
		       "a secret's file is hidden, not masked; TMPDIR is a private folder, /tmp "
		       "is closed; no UDP, no TCP bind, no abstract UNIX sockets)\n");
	else
		printf("mode unprivileged (Landlock and seccomp user notification): unavailable: "
		       "%s\n", unpriv_missing ? unpriv_missing : "seccomp filters cannot be loaded");
	if (abi <= 0)
		printf("without Landlock: the file-system layer rests on the mount namespace "
		       "alone (landlock = best_effort runs, required exits 125)\n");
	if (full || userns) {
		printf("sandbox-exec here: %s%s\n", full ? "full" : "userns",
		       full ? "" : " (the policy's user inside, mapped to this uid and gid; "
			       "the caller's supplementary groups still apply to host files)");
		return 0;
	}
	if (unpriv) {
		printf("sandbox-exec here: unprivileged (%s)\n", geteuid() == 0 ?
		       "the policy's user, on the host" : "as this uid: the policy's user cannot "
		       "be taken without a user namespace");
		return 0;
	}
	printf("sandbox-exec here: none; it would exit 125\n");
	return 1;
}
