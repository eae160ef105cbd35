/* sandbox_child.c: the sandbox's PID 1 (see sandbox.h).
 *
 * Order of work, and why:
 *   1. die with the supervisor (PDEATHSIG), so that no sandbox outlives it;
 *   2. mounts: private propagation, a fresh /proc for the new PID namespace, a small
 *      tmpfs at /run/airlock with the CA files and the secrets' placeholder files, which
 *      are bind-mounted over the secrets' token files;
 *   3. network: lo up, the proxy and forward listeners, handed to the supervisor;
 *   4. privileges dropped, then Landlock, then seccomp (last: it forbids mount());
 *   5. once the supervisor says "go", CMD is spawned and this process stays as its
 *      reaper.
 */
#include "init/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init/log.h"
#include "init/supervise.h"
#include "net/fdpass.h"
#include "net/netns.h"
#include "policy/landlock.h"
#include "policy/privs.h"
#include "policy/sandbox_env.h"
#include "policy/seccomp_filter.h"

extern char **environ;

#define SECRETS_DIR SANDBOX_RUN_DIR "/secrets"

static int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return close(fd);
}

static void mkdir_quiet(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		log_fatal("cannot create %s: %s", path, strerror(errno));
}

/* mkdir -p for the parents of `path` (inside the sandbox's fresh /run). */
static void make_parents(const char *path)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s", path);
	for (char *q = dir + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		mkdir_quiet(dir, 0755);
		*q = '/';
	}
}

static int under_run(const char *path)
{
	return strncmp(path, "/run/", 5) == 0;
}

/* Each secret's `file` shows the placeholder: under /run (Docker's /run/secrets) it is
 * written there, elsewhere a read-only bind mount covers the real file. */
static void hide_secret_files(const struct policy *p)
{
	mkdir_quiet(SECRETS_DIR, 0755);
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		if (!s->file)
			continue;
		char path[512], text[256];
		snprintf(path, sizeof path, "%s/%s", SECRETS_DIR, s->name);
		int n = snprintf(text, sizeof text, "%s%s\n", SANDBOX_PLACEHOLDER_PREFIX, s->name);
		if (under_run(s->file)) {
			make_parents(s->file);
			snprintf(path, sizeof path, "%s", s->file);
		}
		if (write_file(path, text, (size_t)n, 0444) < 0)
			log_fatal("cannot write %s: %s", path, strerror(errno));
		if (!under_run(s->file) &&
		    (mount(path, s->file, NULL, MS_BIND, NULL) < 0 ||
		     mount(NULL, s->file, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
			   MS_NODEV | MS_NOEXEC, NULL) < 0))
			log_fatal("cannot hide secret file %s of [secret %s]: %s", s->file,
				  s->name, strerror(errno));
		log_verbose("secret %s: %s shows its placeholder", s->name, s->file);
	}
}

/* /run is a fresh, read-only tmpfs: the host's sockets there (D-Bus, systemd-resolved,
 * nscd, container runtimes) are out of reach, since Landlock does not govern connect()
 * to a named socket. It holds /run/airlock: the CA files and the secrets' placeholder
 * files. */
static void setup_run_dir(const struct sandbox_child_args *a)
{
	mkdir_quiet("/run", 0755);
	if (mount("airlock", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=8m") < 0)
		log_fatal("cannot mount a tmpfs on /run: %s", strerror(errno));
	mkdir_quiet(SANDBOX_RUN_DIR, 0755);
	if (a->ca_pem && write_file(SANDBOX_CA_FILE, a->ca_pem, a->ca_pem_len, 0644) < 0)
		log_fatal("cannot write %s: %s", SANDBOX_CA_FILE, strerror(errno));
	if (a->bundle_pem &&
	    write_file(SANDBOX_BUNDLE_FILE, a->bundle_pem, a->bundle_pem_len, 0644) < 0)
		log_fatal("cannot write %s: %s", SANDBOX_BUNDLE_FILE, strerror(errno));
	hide_secret_files(a->policy);
	if (mount(NULL, "/run", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=8m") < 0)
		log_fatal("cannot make /run read-only: %s", strerror(errno));
	/* An old-style /var/run that is a directory of its own gets the same treatment. */
	struct stat st;
	if (lstat("/var/run", &st) == 0 && S_ISDIR(st.st_mode) &&
	    mount("airlock", "/var/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  "mode=0755,size=4k") < 0)
		log_fatal("cannot mount a tmpfs on /var/run: %s", strerror(errno));
}

static void setup_mounts(const struct sandbox_child_args *a)
{
	/* Nothing mounted in here may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		log_fatal("cannot make mounts private: %s", strerror(errno));
	/* A /proc of the new PID namespace: the supervisor and the host are not in it. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		log_fatal("cannot mount /proc for the sandbox: %s", strerror(errno));
	setup_run_dir(a);
}

static void send_listener(int sock, const char *addr, uint16_t port, uint32_t tag)
{
	int fd = netns_listen(addr, port);
	if (fd < 0) {
		/* IPv6 may be disabled on this host: ::1 is then simply absent. */
		if (strchr(addr, ':') && (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT)) {
			log_verbose("no %s in the sandbox: %s", addr, strerror(errno));
			return;
		}
		log_fatal("cannot listen on %s port %u in the sandbox: %s", addr, port,
			  strerror(errno));
	}
	if (fdpass_send(sock, fd, tag) < 0)
		log_fatal("cannot hand the listener to the supervisor: %s", strerror(errno));
	close(fd);
}

static void setup_network(const struct sandbox_child_args *a)
{
	if (netns_loopback_up() < 0)
		log_fatal("cannot bring up lo in the sandbox: %s", strerror(errno));
	static const char *const addrs[] = {"127.0.0.1", "::1"};
	for (int i = 0; i < 2; i++)
		send_listener(a->fd_sock, addrs[i], SANDBOX_PROXY_PORT, SANDBOX_FD_PROXY);
	for (size_t f = 0; f < a->policy->nforwards; f++)
		for (int i = 0; i < 2; i++)
			send_listener(a->fd_sock, addrs[i], a->policy->forwards[f],
				      SANDBOX_FD_FORWARD | a->policy->forwards[f]);
	close(a->fd_sock); /* end of the list for the supervisor */
}

/* This process began as a copy of the supervisor, whose own environment holds the
 * secrets' real values (and /proc/1/environ shows that memory). CMD's environment is a
 * separate copy (a->envp), so the original strings are wiped here. */
static void wipe_inherited_environment(void)
{
	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	environ = NULL;
}

/* The same for the arguments: sandbox-exec's command line may hold real values (an MCP
 * configuration with expanded tokens), and /proc/1/cmdline, which every process in the
 * sandbox may read, shows this process's copy of it. CMD gets the masked copy. */
static void wipe_inherited_arguments(char **argv)
{
	for (char **s = argv; s && *s; s++)
		explicit_bzero(*s, strlen(*s));
}

/* The parent-death signal is cleared by the uid change: set it again, then make sure the
 * supervisor did not die before it was set. */
static void die_with_supervisor(int death_fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		log_fatal("cannot set the parent-death signal: %s", strerror(errno));
	struct pollfd pfd = {death_fd, POLLIN, 0};
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
		_exit(EXIT_AIRLOCK);
}

/* Descriptors the caller of sandbox-exec left open (without close-on-exec) could name
 * files or sockets outside the sandbox: CMD gets stdin, stdout and stderr only. */
static void close_inherited_fds(void)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	for (int fd = 3; fd < 65536; fd++)
		close(fd);
}

/* CMD starts only once the supervisor says its side (trust store, proxy) is ready, so
 * a failure there still stops everything before CMD runs. */
static void wait_for_go(int death_fd)
{
	char go;
	ssize_t n;
	do
		n = read(death_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(EXIT_AIRLOCK); /* the supervisor failed (it said why) or died */
}

static void apply_layer(const char *name, int mode, int rc, const char *err)
{
	if (rc == 0)
		return;
	if (rc > 0 && mode == POLICY_BEST_EFFORT) {
		log_msg("warning: %s is not available on this kernel; running without it "
			"([sandbox] %s = best_effort)", name, name);
		return;
	}
	if (rc > 0)
		log_fatal("%s is required by the policy but this kernel does not offer it; "
			  "set [sandbox] %s = best_effort to run without it", name, name);
	if (mode == POLICY_BEST_EFFORT) {
		log_msg("warning: %s could not be applied (%s); running without it "
			"([sandbox] %s = best_effort)", name, err, name);
		return;
	}
	log_fatal("%s could not be applied: %s", name, err);
}

_Noreturn void sandbox_child(const struct sandbox_child_args *a)
{
	char err[512] = "";
	const struct policy *p = a->policy;

	die_with_supervisor(a->death_fd);
	wipe_inherited_environment();
	wipe_inherited_arguments(a->caller_argv);
	if (sethostname("airlock", 7) < 0)
		log_fatal("cannot set the sandbox's host name: %s", strerror(errno));
	setup_mounts(a);
	setup_network(a);
	if (p->workdir && chdir(p->workdir) < 0)
		log_fatal("cannot enter workdir %s: %s", p->workdir, strerror(errno));

	if (privs_drop(&a->id, err, sizeof err) < 0)
		log_fatal("cannot drop privileges: %s", err);
	die_with_supervisor(a->death_fd);

	int rc = landlock_apply(p, err, sizeof err);
	apply_layer("landlock", p->landlock, rc, err);
	rc = seccomp_apply(err, sizeof err);
	apply_layer("seccomp", p->seccomp, rc, err);

	wait_for_go(a->death_fd);
	close_inherited_fds();

	/* CMD is this process's only child; as PID 1 of the namespace it also reaps
	 * whatever CMD leaves behind. */
	struct supervise_opts opts;
	memset(&opts, 0, sizeof opts);
	opts.grace_ms = 10000;
	opts.verbose = a->verbose;
	environ = a->envp;
	int status = EXIT_AIRLOCK;
	pid_t cmd = supervise_spawn(a->argv, &opts, &status);
	if (cmd < 0)
		_exit(status);
	_exit(supervise_wait(cmd, &opts));
}
