/* privsep.c: see privsep.h. */
#include "init/privsep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/base/log.h"
#include "net/base/safe_open.h"
#include "init/proxy_worker.h"
#include "net/fdpass.h"
#include "init/sandbox/privs.h"
#include "init/sandbox/seccomp_filter.h"
#include "proxy/ca_policy.h"
#include "proxy/secret_store.h"
#include "proxy/tls/gcp_key.h"
#include "proxy/tls/mint.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

uid_t privsep_helper_uid(pid_t pid, uid_t avoid)
{
	uid_t want = 2000000000u + (uid_t)pid, top = 0;
	FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long inside, outside, count;
	int mapped = f == NULL; /* no /proc: try it */
	while (f && fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3) {
		if (want >= inside && want - inside < count)
			mapped = 1;
		if (count && inside + count - 1 > top)
			top = (uid_t)(inside + count - 1);
	}
	if (f)
		fclose(f);
	if (mapped)
		return want;
	return top == avoid ? top - 1 : top;
}

/* A helper keeps stderr, the descriptors in keep, and nothing else of the monitor's:
 * stdin and stdout are the runner's pipes to CMD, and other fds the caller's. */
static void keep_only(const int *keep, size_t n)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	DIR *d = opendir("/proc/self/fd");
	int dfd = d ? dirfd(d) : -1;
	for (int fd = 3; !d && fd < 1024; fd++) {
		int kept = 0;
		for (size_t i = 0; i < n; i++)
			kept |= keep[i] == fd;
		if (!kept)
			close(fd);
	}
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		int kept = fd <= 2 || fd == dfd || e->d_name[0] == '.';
		for (size_t i = 0; i < n; i++)
			kept |= keep[i] == fd;
		if (!kept)
			close(fd);
	}
	if (d)
		closedir(d);
}

/* The common start of a helper: named for ps(1), deaf to the signals a terminal or a
 * runner sends the whole process group (the monitor forwards what CMD should get, and
 * ends the helpers itself). */
static void helper_begin(const char *name, char **cmd_argv)
{
	prctl(PR_SET_NAME, name, 0, 0, 0);
	for (char **a = cmd_argv; a && *a; a++)
		explicit_bzero(*a, strlen(*a));
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGSEGV && sig != SIGBUS &&
		    sig != SIGILL && sig != SIGFPE && sig != SIGABRT && sig != SIGSYS &&
		    sig != SIGCHLD)
			signal(sig, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void privsep_confine(pid_t monitor, uid_t sandbox_uid, const char *who)
{
	char err[300];
	if (privs_drop_worker(privsep_helper_uid(getpid(), sandbox_uid), err, sizeof err) < 0) {
		log_msg("%s: %s", who, err);
		_exit(EXIT_AIRLOCK);
	}
	/* After the uid change, which clears it: die with the monitor. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != monitor)
		_exit(EXIT_AIRLOCK);
	if (seccomp_apply_worker(err, sizeof err) < 0) {
		log_msg("%s: %s", who, err);
		_exit(EXIT_AIRLOCK);
	}
}

/* [gcp]: the service-account key, read and parsed here, in the CA process, which signs
 * with it: neither the monitor nor the worker ever holds it. Says why and returns -1
 * when it cannot be used. */
static int load_service_account(const struct policy *p, struct gcp_key *key)
{
	const char *path = p->secrets[p->gcp->secret].file;
	const struct safe_guard g = {p->uid, p->gid};
	char why[PATH_MAX + 300], *doc = NULL;
	size_t len = 0;
	if (secret_file_read(path, &g, &doc, &len, why, sizeof why) < 0) {
		log_msg("[gcp] service_account %s: %s", path, why);
		return -1;
	}
	int rc = gcp_key_parse(doc, len, key, why, sizeof why);
	explicit_bzero(doc, len);
	free(doc);
	if (rc < 0)
		log_msg("[gcp] service_account %s: %s", path, why);
	return rc;
}

/* The CA process: makes the CA, sends the monitor its certificate and the worker the
 * leaf key, and mints leaves until the worker is gone. */
static _Noreturn void ca_main(const struct privsep_config *cfg, pid_t monitor, int sock,
			       int cert_fd)
{
	const struct policy *p = cfg->policy;
	int keep[] = {sock, cert_fd};
	helper_begin("airlock-ca", cfg->cmd_argv);
	keep_only(keep, 2);
	char err[512];
	struct ca *ca = ca_new();
	if (!ca) {
		log_msg("the CA process: out of memory");
		_exit(EXIT_AIRLOCK);
	}
	/* With a control socket hosts may be granted while the sandbox runs, and grants
	 * reach the worker only: the CA then carries no name constraints and signs what
	 * the worker asks for (README, threat model). */
	int rc = cfg->control ? ca_generate_unconstrained(ca, time(NULL), err, sizeof err)
			      : ca_generate_for_policy(ca, p, time(NULL), err, sizeof err);
	if (rc < 0) {
		log_msg("%s", err);
		_exit(EXIT_AIRLOCK);
	}
	static struct ca_name names[CA_MAX_NAMES];
	size_t n = ca_names_from_policy(p, names, CA_MAX_NAMES);
	static struct gcp_key key;
	struct mint_grantor grantor = {p->gcp ? &key : NULL, p->gcp ? p->gcp->scopes : NULL};
	if (p->gcp && load_service_account(p, &key) < 0)
		_exit(EXIT_AIRLOCK);
	static unsigned char msg[MINT_MSG_MAX];
	size_t len = mint_key_encode(ca, msg, sizeof msg);
	if (write(cert_fd, ca->cert, ca->cert_len) != (ssize_t)ca->cert_len || len == 0 ||
	    send(sock, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		_exit(EXIT_AIRLOCK);
	explicit_bzero(msg, len);
	if (p->gcp && ((len = mint_account_encode(&key, msg, sizeof msg)) == 0 ||
		       send(sock, msg, len, MSG_NOSIGNAL) != (ssize_t)len))
		_exit(EXIT_AIRLOCK);
	close(cert_fd);
	/* Minting needs only the leaf's public half: the private one is the worker's. */
	explicit_bzero(ca->leaf_x, sizeof ca->leaf_x);
	privsep_confine(monitor, p->uid, "the CA process");
	mint_serve(sock, ca, cfg->control ? NULL : names, n, &grantor);
	gcp_key_wipe(&key);
	ca_free(ca);
	_exit(0);
}

static void kill_wait(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

/* Reads the CA certificate the CA process writes, until it closes the pipe. */
static int read_cert(struct privsep *ps, int fd)
{
	ps->ca_cert_len = 0;
	for (;;) {
		ssize_t n = read(fd, ps->ca_cert + ps->ca_cert_len,
				 sizeof ps->ca_cert - ps->ca_cert_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ps->ca_cert_len += (size_t)n;
	}
	close(fd);
	return ps->ca_cert_len ? 0 : -1;
}

int privsep_start_ca(struct privsep *ps, const struct privsep_config *cfg, char *err,
		     size_t errlen)
{
	memset(ps, 0, sizeof *ps);
	ps->ca_pid = ps->worker_pid = -1;
	ps->ctl = ps->mint = ps->cert = -1;
	pid_t monitor = getpid();
	int mint[2], cert[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, mint) < 0) {
		snprintf(err, errlen, "cannot create the channels to the CA: %s", strerror(errno));
		return -1;
	}
	if (pipe2(cert, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot create the channels to the CA: %s", strerror(errno));
		close(mint[0]);
		close(mint[1]);
		return -1;
	}
	fflush(NULL);
	ps->ca_pid = fork();
	if (ps->ca_pid == 0)
		ca_main(cfg, monitor, mint[0], cert[1]);
	close(mint[0]);
	close(cert[1]);
	ps->mint = mint[1];
	ps->cert = cert[0];
	if (ps->ca_pid < 0) {
		snprintf(err, errlen, "cannot make the sandbox CA (the CA process %s)",
			 strerror(errno));
		privsep_stop(ps);
		return -1;
	}
	return 0;
}

int privsep_start_worker(struct privsep *ps, const struct privsep_config *cfg, char *err,
			 size_t errlen)
{
	pid_t monitor = getpid();
	int got = read_cert(ps, ps->cert);
	ps->cert = -1;
	if (got < 0) {
		snprintf(err, errlen, "cannot make the sandbox CA (the CA process failed, as it "
			 "said above)");
		privsep_stop(ps);
		return -1;
	}
	int ctl[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		snprintf(err, errlen, "cannot create the channels to the proxy: %s",
			 strerror(errno));
		privsep_stop(ps);
		return -1;
	}
	fflush(NULL);
	ps->worker_pid = fork();
	if (ps->worker_pid == 0) {
		close(ctl[0]);
		int keep[] = {ctl[1], ps->mint, cfg->audit_fd};
		helper_begin("airlock-proxy", cfg->cmd_argv);
		keep_only(keep, 3);
		proxy_worker_main(cfg, monitor, ctl[1], ps->mint);
	}
	close(ps->mint);
	ps->mint = -1;
	close(ctl[1]);
	ps->ctl = ctl[0];
	if (ps->worker_pid < 0) {
		snprintf(err, errlen, "cannot start the proxy worker: %s", strerror(errno));
		privsep_stop(ps);
		return -1;
	}
	return 0;
}

int privsep_send_secret(struct privsep *ps, size_t i, const char *value, size_t len,
			enum secret_source source)
{
	static unsigned char msg[6 + SECRET_VALUE_MAX];
	if (len > SECRET_VALUE_MAX)
		return -1;
	msg[0] = 'S';
	for (int k = 0; k < 4; k++)
		msg[1 + k] = (unsigned char)((uint32_t)i >> (8 * k));
	msg[5] = (unsigned char)source;
	memcpy(msg + 6, value, len);
	int rc = fdpass_sendmsg(ps->ctl, msg, 6 + len, -1);
	explicit_bzero(msg, 6 + len);
	return rc;
}

int privsep_send_listener(struct privsep *ps, int fd, unsigned tag)
{
	unsigned char msg[5] = {'L', (unsigned char)tag, (unsigned char)(tag >> 8),
				(unsigned char)(tag >> 16), (unsigned char)(tag >> 24)};
	return fdpass_sendmsg(ps->ctl, msg, sizeof msg, fd);
}

int privsep_go(struct privsep *ps)
{
	if (fdpass_sendmsg(ps->ctl, "G", 1, -1) < 0)
		return -1;
	char reply[8];
	int fd;
	long n = fdpass_recvmsg(ps->ctl, reply, sizeof reply, &fd);
	if (fd >= 0)
		close(fd);
	return n == 1 && reply[0] == 'R' ? 0 : -1;
}

int privsep_reload(struct privsep *ps, int fd, const char *why)
{
	char msg[1200];
	int n = snprintf(msg, sizeof msg, "P%s", fd >= 0 ? "" : why);
	size_t len = n < 0 ? 1 : (size_t)n >= sizeof msg ? sizeof msg - 1 : (size_t)n;
	return fdpass_sendmsg(ps->ctl, msg, len, fd);
}

int privsep_reaped(struct privsep *ps, pid_t pid, const char **what)
{
	if (pid > 0 && pid == ps->worker_pid) {
		ps->worker_pid = -1;
		*what = "the proxy worker";
		return 1;
	}
	if (pid > 0 && pid == ps->ca_pid) {
		ps->ca_pid = -1;
		*what = "the CA process";
		return 1;
	}
	return 0;
}

/* Waits up to ms for pid to exit by itself: on its pidfd where the kernel has them
 * (Linux 5.3), else in short, growing naps. Returns 1 once it is reaped. */
static int wait_status(pid_t pid, int ms, int *status)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		struct pollfd p = {pfd, POLLIN, 0};
		int ready = poll(&p, 1, ms);
		close(pfd);
		return ready > 0 && waitpid(pid, status, 0) == pid;
	}
	long nap = 100 * 1000, waited = 0;
	while (waitpid(pid, status, WNOHANG) != pid) {
		if (waited >= ms * 1000000L)
			return 0;
		struct timespec ts = {0, nap};
		nanosleep(&ts, NULL);
		waited += nap;
		nap = nap < 8 * 1000 * 1000 ? nap * 2 : nap;
	}
	return 1;
}

static int wait_a_while(pid_t pid, int ms)
{
	int status;
	return wait_status(pid, ms, &status);
}

pid_t privsep_end_other(struct privsep *ps, const char **what, int *status)
{
	pid_t *other = ps->worker_pid > 0 ? &ps->worker_pid : &ps->ca_pid;
	pid_t pid = *other;
	if (pid <= 0)
		return -1;
	*what = other == &ps->worker_pid ? "the proxy worker" : "the CA process";
	if (!wait_status(pid, 500, status)) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
	}
	*other = -1;
	return pid;
}

void privsep_stop(struct privsep *ps)
{
	if (ps->mint >= 0) /* no worker yet: the CA sees its socket's end */
		close(ps->mint);
	if (ps->cert >= 0)
		close(ps->cert);
	ps->mint = ps->cert = -1;
	if (ps->ctl >= 0) {
		close(ps->ctl); /* the worker's end of stream: it closes up and exits */
		ps->ctl = -1;
	}
	/* The CA has nothing to finish (no file, no log at its end; the kernel takes its
	 * key's pages back): it ends now, while the worker writes its last audit lines. */
	if (ps->ca_pid > 0)
		kill(ps->ca_pid, SIGKILL);
	if (ps->worker_pid > 0 && wait_a_while(ps->worker_pid, 2000))
		ps->worker_pid = -1;
	kill_wait(&ps->worker_pid);
	kill_wait(&ps->ca_pid);
}
