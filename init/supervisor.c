/* supervisor.c: see supervisor.h. */
#include "init/supervisor.h"
#include "net/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/base/log.h"
#include "init/sandbox.h"
#include "init/supervise.h"
#include "net/fdpass.h"
#include "net/base/safe_open.h"
#include "proxy/tls/pem.h"

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* Reads a whole (small) system file, following links only where root placed them (its
 * content is shown to the sandbox in bundle.pem); NULL when it cannot, with the reason
 * in `why`. */
/* The audit file: not through a link in any component, and only a regular file with no
 * other name: the audit path may lie in a folder an earlier sandbox could write to, and
 * root must not be led to create or append to a file elsewhere. */
static int open_audit(const char *audit)
{
	char why[PATH_MAX + 200];
	int fd = safe_open(audit, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK, 0600,
			   SAFE_NO_LINKS, why, sizeof why);
	if (fd < 0 && errno == ELOOP)
		log_fatal("--audit %s: %s", audit, why);
	if (fd < 0)
		log_fatal("cannot open the audit file %s: %s", audit, why);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		log_fatal("the audit file %s is not a regular file; name a regular file "
			  "(it is created when missing)", audit);
	if (st.st_nlink > 1)
		log_fatal("--audit %s: the file has %lu names (hard links), so appending to it "
			  "would write into another file too; name a file with one name, or a new "
			  "one", audit, (unsigned long)st.st_nlink);
	fcntl(fd, F_SETFL, O_APPEND); /* writes block as usual again */
	return fd;
}

/* --control PATH: a listening UNIX socket at path, mode 0600, owned by the caller
 * (the real uid). A socket left by a sandbox-exec that is gone (nothing listens) is
 * replaced; anything else at path is refused. Exits 125 saying why. */
static int open_control(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof a.sun_path)
		log_fatal("--control %s: the path is longer than %zu bytes", path,
			  sizeof a.sun_path - 1);
	memcpy(a.sun_path, path, strlen(path) + 1);
	struct stat st;
	if (lstat(path, &st) == 0) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = S_ISSOCK(st.st_mode) && probe >= 0 &&
			   connect(probe, (struct sockaddr *)&a, sizeof a) == 0;
		int err = errno;
		if (probe >= 0)
			close(probe);
		if (!S_ISSOCK(st.st_mode) || live || err != ECONNREFUSED)
			log_fatal("--control %s: %s; name a new path", path,
				  !S_ISSOCK(st.st_mode) ? "something that is not a socket is there"
				  : "another process serves that socket");
		unlink(path);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	mode_t old = umask(0177);
	int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (rc < 0 || chown(path, getuid(), getgid()) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 8) < 0)
		log_fatal("--control %s: %s", path, strerror(errno));
	return fd;
}

void supervisor_begin(struct supervisor *sv, const struct policy *p, const char *audit,
		      const char *policy_path, char **cmd_argv, const char *control_path)
{
	memset(sv, 0, sizeof *sv);
	sv->policy = p;
	sv->policy_path = policy_path;
	sv->audit_fd = -1;
	sv->control_fd = sv->roots_fd = -1;
	sv->ps.ctl = sv->ps.mint = sv->ps.cert = -1;
	sv->ps.ca_pid = sv->ps.worker_pid = -1;
	sv->audit_path = audit;
	sv->control_path = control_path;
	/* The monitor holds the secrets' values for a moment: no core dumps, no ptrace. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The helpers first: they are forked before any value is in memory. */
	char err[512];
	struct privsep_config pc = {p, policy_path, -1, log_verbosity, cmd_argv,
				    control_path != NULL, getuid(), NULL};
	sv->pc = pc;
	if (privsep_start_ca(&sv->ps, &sv->pc, err, sizeof err) < 0) {
		supervisor_stop(sv);
		log_fatal("%s", err);
	}
}

void supervisor_prepare(struct supervisor *sv, const char *mode)
{
	const struct policy *p = sv->policy;
	char err[512];
	sv->pc.mode = mode;
	/* Files are made once the mode is known, as a refusal of the policy makes none. */
	if (sv->audit_path)
		sv->pc.audit_fd = sv->audit_fd = open_audit(sv->audit_path);
	if (sv->control_path) {
		sv->control_fd = open_control(sv->control_path);
		sv->control_made = 1;
	}
	if (privsep_start_worker(&sv->ps, &sv->pc, err, sizeof err) < 0) {
		supervisor_stop(sv);
		log_fatal("%s", err);
	}
	int control_fd = sv->control_fd;
	sv->control_fd = -1;
	if (control_fd >= 0) {
		if (privsep_send_listener(&sv->ps, control_fd, SANDBOX_FD_CONTROL) < 0) {
			supervisor_stop(sv);
			log_fatal("cannot hand the control socket to the proxy worker: %s",
				  strerror(errno));
		}
		close(control_fd);
	}

	/* Values are read before CMD's environment replaces them with placeholders. */
	if (secret_store_load(p, &sv->secrets, err, sizeof err) < 0) {
		supervisor_stop(sv);
		log_fatal("%s", err);
	}
	sv->secret_has_value = calloc(p->nsecrets + 1, sizeof *sv->secret_has_value);
	size_t pem_cap = 8192 + 2 * sv->ps.ca_cert_len;
	sv->ca_pem = malloc(pem_cap);
	if (!sv->secret_has_value || !sv->ca_pem)
		log_fatal("out of memory");
	for (size_t i = 0; i < sv->secrets.count && i < p->nsecrets; i++)
		sv->secret_has_value[i] = sv->secrets.entries[i].value != NULL;
	sv->ca_pem_len = pem_encode(sv->ca_pem, pem_cap, "CERTIFICATE", sv->ps.ca_cert,
				    sv->ps.ca_cert_len);
	if (!sv->ca_pem_len)
		log_fatal("cannot encode the sandbox CA");

	const char *roots = getenv("SSL_CERT_FILE");
	if (!roots || !*roots)
		roots = SYSTEM_BUNDLE;
	char why[PATH_MAX + 200];
	sv->roots_fd = safe_open(roots, O_RDONLY, 0, SAFE_ROOT_LINKS, why, sizeof why);
	if (sv->roots_fd < 0 && errno == ELOOP)
		log_msg("%s: %s; bundle.pem holds the sandbox CA only", roots, why);
	else if (sv->roots_fd < 0)
		log_verbose("no system trust store at %s (%s); bundle.pem holds the sandbox CA "
			    "only", roots, why);
}

extern char **environ;

void supervisor_hand_secrets(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->secrets.count; i++) {
		const struct secret_entry *e = &sv->secrets.entries[i];
		if (e->value && privsep_send_secret(&sv->ps, i, e->value, e->len, e->source) < 0) {
			supervisor_stop(sv);
			log_fatal("cannot hand the secrets to the proxy worker: %s",
				  strerror(errno));
		}
		if (e->source != SECRET_SOURCE_ENV)
			continue;
		size_t nl = strlen(e->secret->name);
		for (char **v = environ; *v; v++)
			if (strncmp(*v, e->secret->name, nl) == 0 && (*v)[nl] == '=')
				explicit_bzero(*v + nl + 1, strlen(*v + nl + 1));
	}
	secret_store_free(&sv->secrets);
}

void supervisor_stop(struct supervisor *sv)
{
	if (sv->control_fd >= 0)
		close(sv->control_fd);
	sv->control_fd = -1;
	privsep_stop(&sv->ps);
	if (sv->control_path && sv->control_made)
		unlink(sv->control_path);
	sv->control_path = NULL;
}

/* Signals the supervisor forwards: the set supervise_block_signals() blocked (built in
 * one place, so that the signalfd reads every signal that is held back), less SIGPIPE,
 * which is ignored and left unblocked: a closed socket is the proxy's business. */
void supervisor_block_signals(struct supervisor *sv)
{
	signal(SIGPIPE, SIG_IGN);
	supervise_signal_set(&sv->blocked);
	sigdelset(&sv->blocked, SIGPIPE);
	sigprocmask(SIG_SETMASK, &sv->blocked, NULL);
}


static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_AIRLOCK;
}

/* SIGHUP: the contract reloads the policy, it is not forwarded. The monitor reopens
 * the file (as the caller, with its checks); the worker parses it. */
static void reload(struct supervisor *sv)
{
	if (!sv->policy_path) {
		privsep_reload(&sv->ps, -1, "");
		return;
	}
	struct policy_errors errs;
	int fd = policy_file_open(sv->policy_path, sv->policy, &errs);
	privsep_reload(&sv->ps, fd, errs.count ? errs.msgs[0] : "the policy file cannot be opened");
	policy_errors_free(&errs);
	if (fd >= 0)
		close(fd);
}

static const char *how_it_ended(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	return buf;
}

/* Reaps what exited. Returns CMD's status once the sandbox's PID 1 is gone, 125 when a
 * helper died (the sandbox is stopped: without its proxy it cannot do its work, and
 * without its CA no TLS connection can start), or -1 while all run. */
static int reap(struct supervisor *sv, pid_t child)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		const char *what;
		if (pid == child)
			return exit_status(status);
		if (!privsep_reaped(&sv->ps, pid, &what))
			continue;
		/* The other helper ends too (the CA process exits 0 once the worker is gone):
		 * the one that ended abnormally is the one to name. */
		const char *what2;
		int status2;
		pid_t pid2 = privsep_end_other(&sv->ps, &what2, &status2);
		int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (pid2 > 0 && clean && !(WIFEXITED(status2) && WEXITSTATUS(status2) == 0)) {
			what = what2;
			pid = pid2;
			status = status2;
		}
		char how[80];
		log_msg("%s (pid %d) %s; the sandbox is stopped", what, (int)pid,
			how_it_ended(status, how, sizeof how));
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return EXIT_AIRLOCK;
	}
	return -1;
}

/* Takes the listeners the child made inside the sandbox until it closes its end, and
 * passes them to the worker unread. */
static void pass_listeners(struct supervisor *sv, int fd_sock)
{
	for (;;) {
		uint32_t tag;
		int fd = fdpass_recv(fd_sock, &tag);
		if (fd < 0)
			break; /* all sent, or the child failed and exits with its reason */
		if (privsep_send_listener(&sv->ps, fd, tag) < 0)
			log_msg("cannot hand a sandbox listener to the proxy worker: %s",
				strerror(errno));
		close(fd);
	}
	close(fd_sock);
}

/* Stops the sandbox before CMD runs (the child exits 125 without a "go"). */
static int abort_child(struct supervisor *sv, pid_t child)
{
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	supervisor_stop(sv);
	return EXIT_AIRLOCK;
}

int supervisor_run(struct supervisor *sv, pid_t child, int fd_sock, int go_fd)
{
	pass_listeners(sv, fd_sock);
	if (privsep_go(&sv->ps) < 0) {
		int status;
		char how[80] = "did not start";
		pid_t worker = sv->ps.worker_pid;
		if (worker > 0 && waitpid(worker, &status, 0) == worker) {
			sv->ps.worker_pid = -1;
			how_it_ended(status, how, sizeof how);
		}
		log_msg("the proxy worker (pid %d) %s before the sandbox started; nothing was "
			"run", (int)worker, how);
		return abort_child(sv, child);
	}
	if (write(go_fd, "g", 1) != 1) {
		log_msg("cannot start the sandbox: %s", strerror(errno));
		return abort_child(sv, child);
	}
	int sfd = signalfd(-1, &sv->blocked, SFD_CLOEXEC);
	if (sfd < 0) {
		log_msg("cannot watch signals: %s", strerror(errno));
		return abort_child(sv, child);
	}
	/* A SIGCHLD that came before the signalfd existed is still pending and will be
	 * read; but the child may also be gone already. */
	int rc = reap(sv, child);
	int ctl = sv->ps.ctl; /* the worker asks for reloads here (the control socket) */
	while (rc < 0) {
		struct pollfd pfd[2] = {{sfd, POLLIN, 0}, {ctl, POLLIN, 0}};
		if (poll(pfd, ctl >= 0 ? 2 : 1, -1) < 0)
			continue; /* EINTR */
		if (ctl >= 0 && pfd[1].revents) {
			char m = 0;
			ssize_t k = recv(ctl, &m, 1, MSG_DONTWAIT);
			if (k == 1 && m == 'H')
				reload(sv);
			else if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
				ctl = -1; /* the worker is gone: its SIGCHLD says so */
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof si);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof si) {
			log_msg("the supervisor cannot read its signals: %s", strerror(errno));
			kill(child, SIGKILL);
			continue;
		}
		if (si.ssi_signo == SIGCHLD) {
			rc = reap(sv, child);
		} else if (si.ssi_signo == SIGHUP) {
			reload(sv);
		} else {
			/* The sandbox shares our process group: a key on our terminal (Ctrl-C,
			 * Ctrl-\, Ctrl-Z, a resize) already reached it from the kernel. */
			int keyboard = si.ssi_signo == SIGINT || si.ssi_signo == SIGQUIT ||
				       si.ssi_signo == SIGTSTP || si.ssi_signo == SIGWINCH;
			if (keyboard && si.ssi_code == SI_KERNEL)
				continue;
			log_verbose("forwarding signal %u to the sandbox", si.ssi_signo);
			kill(child, (int)si.ssi_signo);
		}
	}
	close(sfd);
	supervisor_stop(sv);
	return rc;
}
