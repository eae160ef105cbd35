/* sandbox_child.c: the sandbox's PID 1 (see sandbox.h).
 *
 * Order of work, and why:
 *   1. die with the supervisor (PDEATHSIG), so that no sandbox outlives it, and leave
 *      the caller's terminal when CMD is given none on stdio;
 *   2. the file system (sandbox_fs.c): a new root holding only what the policy names,
 *      the baseline devices, a devpts and a /proc of its own, /run/airlock (CA files)
 *      and the secrets' placeholder files; the host's root is detached;
 *   3. network: lo up, the proxy and forward listeners, handed to the supervisor;
 *   4. privileges dropped, then Landlock, then seccomp (last: it forbids mount());
 *   5. once the supervisor says "go", CMD is spawned and this process stays as its
 *      reaper.
 */
#include "init/sandbox.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init/sandbox/connect_notify.h"
#include "init/sandbox/isolation.h"
#include "init/sandbox/unprivileged.h"
#include "net/base/log.h"
#include "init/sandbox/sandbox_fs.h"
#include "init/sandbox/sandbox_limit.h"
#include "init/supervise.h"
#include "net/fdpass.h"
#include "net/netns.h"
#include "init/sandbox/landlock.h"
#include "init/sandbox/privs.h"
#include "policy/sandbox_env.h"
#include "init/sandbox/seccomp_filter.h"

extern char **environ;

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
	if (a->policy->gcp) /* GCE_METADATA_HOST names 127.0.0.1 (the libraries want IPv4) */
		send_listener(a->fd_sock, addrs[0], a->policy->gcp->metadata_port,
			      SANDBOX_FD_METADATA | a->policy->gcp->metadata_port);
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

/* isolation userns: this process is in a user namespace of its own, with every
 * capability there and none outside. One uid and one gid are mapped: the policy's user
 * inside is the caller outside, so what CMD writes to a read_write folder is the
 * caller's. Done before CMD exists (the process is dumpable while the maps are made). */
static void map_own_userns(const struct sandbox_child_args *a)
{
	int err = isolation_map_self(a->id.uid, a->id.gid, a->outside_uid, a->outside_gid);
	if (err)
		log_fatal("cannot map the sandbox's user namespace: %s", strerror(err));
}

/* A root caller's supervisor maps this user namespace from outside: nothing may be done
 * in it before that (EOF: the supervisor failed and said why). This process is still
 * uid 0 outside, which is not mapped inside, so it takes the policy's ids at once (what
 * it creates must have an owner there). Root not being mapped, the change keeps the
 * capabilities it has in the namespace. */
static void wait_for_map(const struct sandbox_child_args *a)
{
	char c;
	ssize_t n;
	do
		n = read(a->map_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(EXIT_AIRLOCK);
	close(a->map_fd);
	if (setresgid(a->id.gid, a->id.gid, a->id.gid) < 0 ||
	    setresuid(a->id.uid, a->id.uid, a->id.uid) < 0)
		log_fatal("cannot take the sandbox's ids in its user namespace: %s",
			  strerror(errno));
}

/* /dev/tty opens the controlling terminal, whichever it is. sandbox-exec started with
 * stdio on pipes (the runner's NDJSON) from a shell on a terminal still has that
 * terminal as its controlling one, and CMD could read what is typed there. Where no
 * descriptor handed to CMD is a terminal, a new session leaves it without one (open of
 * /dev/tty: ENXIO); a terminal given on stdio stays CMD's, for job control. */
static void leave_unused_terminal(void)
{
	if (isatty(0) || isatty(1) || isatty(2))
		return;
	if (setsid() < 0)
		log_fatal("cannot leave the caller's terminal (setsid): %s", strerror(errno));
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

/* --- isolation unprivileged ----------------------------------------------------------- */

/* In CMD's process, before exec: the filter that hands connect() to this reaper (the
 * unprivileged mode's, or the namespace modes' guard), and its notification fd sent
 * over `sock`. */
struct connect_filter {
	int sock;
	int unprivileged;
};

static int load_connect_filter(void *arg, char *err, size_t errlen)
{
	const struct connect_filter *f = arg;
	int sock = f->sock, listener = -1;
	if ((f->unprivileged ? seccomp_apply_unprivileged : seccomp_apply_guarded)(
		    &listener, err, errlen) != 0)
		return -1;
	if (fdpass_send(sock, listener, 0) < 0) {
		snprintf(err, errlen, "cannot hand the connect filter to the sandbox's reaper: %s",
			 strerror(errno));
		return -1;
	}
	close(listener);
	return 0;
}

/* Starts CMD under the connect filter, answers its connects with `n` and reaps; never
 * returns. */
static _Noreturn void spawn_answering_connects(const struct sandbox_child_args *a,
					       struct supervise_opts *opts,
					       struct connect_notify *n, int unprivileged);

/* The reaper without namespaces (unprivileged.h): the monitor made the listeners and
 * the private folder; this process passes the listeners on, drops root if it has it,
 * applies Landlock (required: it alone keeps the host's processes and files closed),
 * starts CMD under the connect filter and answers its connects. */
static _Noreturn void unprivileged_life(const struct sandbox_child_args *a)
{
	char err[512] = "";
	const struct unpriv *u = a->unpriv;
	for (size_t i = 0; i < u->nlisteners; i++) {
		if (fdpass_send(a->fd_sock, u->listeners[i].fd, u->listeners[i].tag) < 0)
			log_fatal("cannot hand the listener to the supervisor: %s", strerror(errno));
		close(u->listeners[i].fd);
	}
	close(a->fd_sock);
	if (sandbox_limit_apply_rlimit(a->nproc_rlimit) < 0)
		log_fatal("cannot set RLIMIT_NPROC to %u ([sandbox] max_processes): %s",
			  a->nproc_rlimit, strerror(errno));
	if (geteuid() == 0 && privs_drop(&a->id, err, sizeof err) < 0)
		log_fatal("cannot drop privileges: %s", err);
	die_with_supervisor(a->death_fd);
	struct landlock_unprivileged ll = {u->dir, u->tmp, u->ports, u->nports};
	int rc = landlock_apply_unprivileged(a->policy, &ll, err, sizeof err);
	if (rc != 0)
		log_fatal("isolation unprivileged needs Landlock with TCP rules (ABI 4, Linux "
			  "6.7): without a namespace it alone keeps the host's files and the "
			  "memory and environment of its processes closed (%s)", err);
	wait_for_go(a->death_fd);
	close_inherited_fds();

	struct supervise_opts opts;
	memset(&opts, 0, sizeof opts);
	opts.grace_ms = 10000;
	opts.verbose = a->verbose;
	opts.subreaper = 1; /* orphans stay descendants: their connects are answered */
	static struct connect_notify n;
	n.table = (struct connect_table){u->routes, u->nroutes, u->redirect_port, 0};
	n.writable = (const char *const *)u->writable;
	spawn_answering_connects(a, &opts, &n, 1);
}

static _Noreturn void spawn_answering_connects(const struct sandbox_child_args *a,
					       struct supervise_opts *opts,
					       struct connect_notify *n, int unprivileged)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		log_fatal("cannot create the reaper's channel: %s", strerror(errno));
	struct connect_filter f = {sp[1], unprivileged};
	opts->before_exec = load_connect_filter;
	opts->before_exec_arg = &f;
	n->listener = -1;
	n->channel = sp[0];
	if ((errno = connect_notify_start(n)) != 0)
		log_fatal("cannot answer the sandbox's connects: %s", strerror(errno));
	environ = a->envp;
	int status = EXIT_AIRLOCK;
	pid_t cmd = supervise_spawn(a->argv, opts, &status);
	close(sp[1]); /* CMD's copy went with its exec: the thread sees EOF if none came */
	if (cmd < 0)
		_exit(status);
	_exit(supervise_wait(cmd, opts));
}

_Noreturn void sandbox_child(const struct sandbox_child_args *a)
{
	char err[512] = "";
	const struct policy *p = a->policy;

	die_with_supervisor(a->death_fd);
	if (a->userns && a->map_fd >= 0)
		wait_for_map(a);
	else if (a->userns)
		map_own_userns(a);
	leave_unused_terminal();
	wipe_inherited_environment();
	wipe_inherited_arguments(a->caller_argv);
	if (a->unpriv)
		unprivileged_life(a);
	/* The UTS namespace is the sandbox's own either way; a container's seccomp profile
	 * may refuse sethostname (podman's does without CAP_SYS_ADMIN): the name then stays
	 * the caller's, which CMD could read anyway. */
	if (sethostname("airlock", 7) < 0)
		log_verbose("the sandbox keeps the caller's host name: sethostname: %s",
			    strerror(errno));
	int shared_proc = sandbox_fs_build(a);
	setup_network(a);

	if (sandbox_limit_apply_rlimit(a->nproc_rlimit) < 0)
		log_fatal("cannot set RLIMIT_NPROC to %u ([sandbox] max_processes): %s",
			  a->nproc_rlimit, strerror(errno));
	/* Only an unprivileged map denies setgroups; root's leaves it to be emptied. */
	int keep_groups = a->userns && a->map_fd < 0;
	if ((keep_groups ? privs_drop_in_userns : privs_drop)(&a->id, err, sizeof err) < 0)
		log_fatal("cannot drop privileges: %s", err);
	die_with_supervisor(a->death_fd);

	int rc = landlock_apply(p, err, sizeof err);
	if (rc != 0 && shared_proc)
		log_fatal("landlock is required here: the sandbox shares this container's /proc "
			  "(a new one is refused in a user namespace while it has masked paths), "
			  "and only Landlock keeps those processes' memory and environment closed "
			  "(%s); unmask the container's /proc (podman --security-opt "
			  "unmask=/proc/*, Kubernetes procMount: Unmasked) or run where Landlock is",
			  rc > 0 ? "this kernel has no Landlock" : err);
	apply_layer("landlock", p->landlock, rc, err);
	/* The UNIX socket guard: where this reaper can perform CMD's connects, the filter
	 * (the deny list plus connect handed here) is CMD's, loaded just before exec, and a
	 * named socket only a host process listens on stays closed. Elsewhere the deny
	 * list is loaded here, as before, and such sockets are a stated limit. */
	const char *no_guard = isolation_probe_notify();
	if (no_guard) {
		log_verbose("sandbox: seccomp cannot hand connects to the reaper here (%s): a "
			    "host process's UNIX socket in a read_write folder stays reachable",
			    no_guard);
		rc = seccomp_apply(err, sizeof err);
		apply_layer("seccomp", p->seccomp, rc, err);
	}

	wait_for_go(a->death_fd);
	close_inherited_fds();

	/* CMD is this process's only child; as PID 1 of the namespace it also reaps
	 * whatever CMD leaves behind. */
	struct supervise_opts opts;
	memset(&opts, 0, sizeof opts);
	opts.grace_ms = 10000;
	opts.verbose = a->verbose;
	if (!no_guard) {
		static struct connect_notify n;
		n.table.namespaced = 1;
		spawn_answering_connects(a, &opts, &n, 0);
	}
	environ = a->envp;
	int status = EXIT_AIRLOCK;
	pid_t cmd = supervise_spawn(a->argv, &opts, &status);
	if (cmd < 0)
		_exit(status);
	_exit(supervise_wait(cmd, &opts));
}
