/* supervisor.c: see supervisor.h. */
#include "init/supervisor.h"
#include "init/reload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init/log.h"
#include "init/sandbox.h"
#include "init/supervise.h"
#include "net/fdpass.h"
#include "net/loop.h"
#include "policy/safe_open.h"
#include "proxy/proxy.h"

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* Reads a whole (small) system file, following links only where root placed them (its
 * content is shown to the sandbox in bundle.pem); NULL when it cannot, with the reason
 * in `why`. */
static char *read_all(const char *path, size_t *len, char *why, size_t whylen)
{
	int fd = safe_open(path, O_RDONLY, 0, SAFE_ROOT_LINKS, why, whylen);
	if (fd < 0)
		return NULL;
	log_format(why, whylen, "not a regular file of at most 64 MiB");
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size > (64 << 20)) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[got] = 0;
	*len = got;
	return buf;
}

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

int supervisor_prepare(struct supervisor *sv, const struct policy *p, const char *audit)
{
	memset(sv, 0, sizeof *sv);
	sv->policy = p;
	sv->audit_fd = -1;
	sv->verbose = log_verbosity;
	/* The supervisor holds the real secrets: no core dumps, no ptrace by peers. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	char err[512];
	/* Values are read before CMD's environment replaces them with placeholders. */
	if (secret_store_load(p, &sv->secrets, err, sizeof err) < 0)
		log_fatal("%s", err);
	sv->secret_has_value = calloc(p->nsecrets + 1, sizeof *sv->secret_has_value);
	if (!sv->secret_has_value)
		log_fatal("out of memory");
	for (size_t i = 0; i < sv->secrets.count && i < p->nsecrets; i++)
		sv->secret_has_value[i] = sv->secrets.entries[i].value != NULL;

	/* A fresh CA for this sandbox, limited to the policy's allow hosts. */
	/* ca_new(): locked pages, left out of core dumps, zeroed in forked children, so
	 * the sandbox's PID 1 never holds the CA key. */
	sv->ca = ca_new();
	if (!sv->ca)
		log_fatal("cannot allocate memory for the sandbox CA: %s", strerror(errno));
	if (ca_generate_for_policy(sv->ca, p, time(NULL), err, sizeof err) < 0)
		log_fatal("%s", err);
	sv->ca_pem = malloc(8192 + 2 * sv->ca->cert_len);
	if (!sv->ca_pem)
		log_fatal("out of memory");
	sv->ca_pem_len = ca_cert_pem(sv->ca, sv->ca_pem, 8192 + 2 * sv->ca->cert_len);
	if (!sv->ca_pem_len)
		log_fatal("cannot encode the sandbox CA");

	trust_init(&sv->trust); /* filled in supervisor_run() and by the proxy */

	if (audit)
		sv->audit_fd = open_audit(audit);

	const char *roots = getenv("SSL_CERT_FILE");
	if (!roots || !*roots)
		roots = SYSTEM_BUNDLE;
	size_t rlen = 0;
	char why[PATH_MAX + 200];
	char *system = read_all(roots, &rlen, why, sizeof why);
	if (!system && errno == ELOOP)
		log_msg("%s: %s; bundle.pem holds the sandbox CA only", roots, why);
	else if (!system)
		log_verbose("no system trust store at %s (%s); bundle.pem holds the sandbox CA "
			    "only", roots, why);
	size_t total = rlen + sv->ca_pem_len + 2;
	sv->bundle_pem = malloc(total);
	if (!sv->bundle_pem)
		log_fatal("out of memory");
	size_t n = 0;
	if (system) {
		memcpy(sv->bundle_pem, system, rlen);
		n = rlen;
		if (n && sv->bundle_pem[n - 1] != '\n')
			sv->bundle_pem[n++] = '\n';
	}
	if (sv->ca_pem) {
		memcpy(sv->bundle_pem + n, sv->ca_pem, sv->ca_pem_len);
		n += sv->ca_pem_len;
	}
	sv->bundle_pem_len = n;
	free(system);
	return 0;
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

struct run_state {
	struct supervisor *sv;
	struct proxy *px;
	pid_t child;
	int sfd;
};

/* The signalfd's callback: forwards signals to the sandbox, and ends the loop with
 * CMD's status once the sandbox's PID 1 is gone. */
static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct run_state *rs = arg;
	struct signalfd_siginfo si;
	ssize_t n = read(fd, &si, sizeof si);
	if (n != (ssize_t)sizeof si)
		return;
	if (si.ssi_signo == SIGHUP) {
		/* The contract: SIGHUP reloads the policy; it is not forwarded. */
		reload_policy(rs->sv, rs->px);
		return;
	}
	if (si.ssi_signo != SIGCHLD) {
		/* The sandbox shares our process group: a key on our terminal (Ctrl-C,
		 * Ctrl-\, Ctrl-Z, a resize) already reached it from the kernel. */
		int keyboard = si.ssi_signo == SIGINT || si.ssi_signo == SIGQUIT ||
			       si.ssi_signo == SIGTSTP || si.ssi_signo == SIGWINCH;
		if (keyboard && si.ssi_code == SI_KERNEL)
			return;
		log_verbose("forwarding signal %u to the sandbox", si.ssi_signo);
		kill(rs->child, (int)si.ssi_signo);
		return;
	}
	int status;
	if (waitpid(rs->child, &status, WNOHANG) == rs->child)
		loop_stop(l, exit_status(status));
}

/* Takes the listeners the child made inside the sandbox until it closes its end. */
static void receive_listeners(struct proxy *px, int fd_sock)
{
	for (;;) {
		uint32_t tag;
		int fd = fdpass_recv(fd_sock, &tag);
		if (fd < 0)
			break; /* all sent, or the child failed and exits with its reason */
		int rc = (tag & SANDBOX_FD_FORWARD)
				 ? proxy_add_forward(px, fd, (uint16_t)(tag & 0xffff))
				 : proxy_add_listener(px, fd);
		if (rc < 0) {
			log_msg("cannot serve a sandbox listener: %s", strerror(errno));
			close(fd);
		}
	}
	close(fd_sock);
}

/* Stops the sandbox before CMD runs (the child exits 125 without a "go"). */
static int abort_child(pid_t child)
{
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return EXIT_AIRLOCK;
}

int supervisor_run(struct supervisor *sv, pid_t child, int fd_sock, int go_fd)
{
	char err[512];
	struct run_state rs = {sv, NULL, child, -1};
	/* Upstream servers are verified against the policy's trust files, loaded here (a
	 * file that cannot be used stops airlock before CMD runs), and the system roots,
	 * which the proxy adds at first use. */
	const struct policy *p = sv->policy;
	for (size_t i = 0; i < p->ntrust; i++) {
		if (trust_add_file(&sv->trust, p->trust[i], err, sizeof err) < 0) {
			log_msg("upstream trust: %s (a [network] trust file of the policy)", err);
			return abort_child(child);
		}
	}
	struct loop *loop = loop_new();
	struct proxy_config cfg = {
		.policy = sv->policy,
		.audit_fd = sv->audit_fd,
		.verbose = sv->verbose,
		.ca = sv->ca,
		.trust = &sv->trust,
		.secrets = &sv->secrets,
	};
	struct proxy *px = loop ? proxy_new(loop, &cfg, err, sizeof err) : NULL;
	if (!px) {
		log_msg("cannot start the proxy: %s", loop ? err : strerror(errno));
		return abort_child(child);
	}
	rs.px = px;
	receive_listeners(px, fd_sock);
	if (write(go_fd, "g", 1) != 1) {
		log_msg("cannot start the sandbox: %s", strerror(errno));
		return abort_child(child);
	}

	rs.sfd = signalfd(-1, &sv->blocked, SFD_CLOEXEC | SFD_NONBLOCK);
	if (rs.sfd < 0 || loop_add(loop, rs.sfd, EPOLLIN, on_signal, &rs) < 0) {
		log_msg("cannot watch signals: %s", strerror(errno));
		kill(child, SIGKILL);
	}
	/* A SIGCHLD that came before the signalfd existed is still pending and will be
	 * read; but the child may also be gone already. */
	int status;
	int rc;
	if (waitpid(child, &status, WNOHANG) == child)
		rc = exit_status(status);
	else
		rc = loop_run(loop);
	if (rc < 0) {
		log_msg("the supervisor's event loop failed: %s", strerror(errno));
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		rc = exit_status(status);
	}
	proxy_free(px);
	reload_free(sv);
	if (rs.sfd >= 0) {
		loop_del(loop, rs.sfd);
		close(rs.sfd);
	}
	loop_free(loop);
	return rc;
}
