/* sandbox.c: `airlock sandbox-exec`, the supervisor side.
 *
 * The supervisor stays outside the sandbox, as the caller in the caller's namespaces
 * (root in the full mode, any uid in userns: isolation.h), split in three (privsep.h):
 * this process, the monitor, makes the sandbox's PID 1 (sandbox_child.c) with clone(2),
 * passes the listeners the child creates inside the sandbox's network namespace to the
 * proxy worker, forwards signals to the sandbox, and exits with CMD's status; the
 * unprivileged proxy worker holds the secrets' values and serves the listeners; the CA
 * process holds the CA key.
 */
#include "init/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/commands.h"
#include "init/sandbox/isolation.h"
#include "init/sandbox/unprivileged.h"
#include "net/base/log.h"
#include "init/sandbox/sandbox_limit.h"
#include "init/supervise.h"
#include "init/supervisor.h"
#include "net/fdpass.h"
#include "policy/sandbox_env.h"
#include "proxy/secret_view.h"

extern char **environ;

struct options {
	const char *policy;
	const char *audit;
	const char *control;
	int verbose;
	char **argv;
};

static void usage_fail(const char *what)
{
	log_fatal("sandbox-exec: %s (usage: sandbox-exec [--policy FILE] [--audit FILE] "
		  "[--control PATH] [-v] -- CMD [ARG...])", what);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbose++;
		} else if (strcmp(a, "--policy") == 0 || strcmp(a, "--audit") == 0 ||
			   strcmp(a, "--control") == 0) {
			if (i + 1 >= argc)
				usage_fail("option needs a value");
			const char **to = a[2] == 'p' ? &o->policy : a[2] == 'a' ? &o->audit
										 : &o->control;
			*to = argv[++i];
		} else if (strncmp(a, "--policy=", 9) == 0) {
			o->policy = a + 9;
		} else if (strncmp(a, "--audit=", 8) == 0) {
			o->audit = a + 8;
		} else if (strncmp(a, "--control=", 10) == 0) {
			o->control = a + 10;
		} else if (a[0] == '-') {
			char msg[300];
			snprintf(msg, sizeof msg, "unknown option '%s'", a);
			usage_fail(msg);
		} else {
			break; /* CMD without "--" */
		}
	}
	if (i >= argc)
		usage_fail("no command given");
	o->argv = argv + i;
}

static void load_policy(const struct options *o, struct policy *p)
{
	struct policy_errors errs = {0};
	int rc = o->policy ? policy_load_file(o->policy, p, &errs)
			   : policy_load_default(p, &errs);
	if (rc < 0) {
		for (size_t i = 0; i < errs.count; i++)
			log_msg("%s", errs.msgs[i]);
		policy_errors_free(&errs);
		log_fatal("the policy %s is not valid: nothing was run (check it with "
			  "`airlock policy check FILE`)", o->policy ? o->policy : "(default)");
	}
	policy_errors_free(&errs);
}

/* The mode this run gets ([sandbox] isolation), from the probe started ahead, or exit
 * 125 saying what is missing. */
static int choose_isolation(struct isolation_ahead *ahead, struct supervisor *sv)
{
	char why[1024];
	int mode = isolation_choose_finish(ahead, why, sizeof why);
	if (mode < 0) {
		supervisor_stop(sv);
		log_fatal("%s", why);
	}
	log_verbose("sandbox-exec: isolation %s%s", isolation_name(mode),
		    mode == POLICY_ISOLATION_USERNS ? " (a user namespace of its own; the "
		    "policy's user inside is this process's uid and gid outside)" :
		    mode == POLICY_ISOLATION_UNPRIVILEGED ? " (no namespace: Landlock and seccomp "
		    "only; other processes are listed but not readable nor signalable, a "
		    "secret's file is hidden, not masked, its placeholder copy is in "
		    "$AIRLOCK_SECRETS_DIR; /tmp is not the sandbox's: TMPDIR is a private "
		    "folder; UDP, TCP bind and abstract UNIX sockets are refused)" : "");
	return mode;
}

/* isolation userns: the sandbox is this process's uid on the host, which owns the
 * runner's token files (the uid-based rule of safe_open_guarded() cannot tell them
 * apart). What the sandbox can reach of the host is what the policy binds, so a file
 * airlock reads for the operator must not lie in a read_write path, where one run
 * could change or rename it for the next. Exits 125 naming the file and the path. */
static void refuse_in_writable(const struct fs_plan *plan, const char *path, const char *what,
			       uid_t outside)
{
	char real[PATH_MAX];
	if (!path || !realpath(path, real)) /* links were refused already; missing: later */
		return;
	const char *rw = fs_plan_writable_at(plan, real);
	if (rw)
		log_fatal("%s %s lies in the read_write path %s, where the sandbox (uid %u on "
			  "the host, isolation userns) could change or rename it for the next run; "
			  "keep it outside the sandbox's read_write paths", what, path, rw,
			  (unsigned)outside);
}

static void guard_operator_files(const struct fs_plan *plan, const struct policy *p,
				 const char *policy_path)
{
	char what[128];
	/* Root maps the policy's uid to itself: that is who the sandbox is outside. */
	uid_t outside = geteuid() == 0 ? p->uid : geteuid();
	refuse_in_writable(plan, policy_path, "the policy", outside);
	for (size_t i = 0; i < p->ntrust; i++)
		refuse_in_writable(plan, p->trust[i], "[network] trust", outside);
	for (size_t i = 0; i < p->nsecrets; i++) {
		snprintf(what, sizeof what, "[secret %s] file", p->secrets[i].name);
		refuse_in_writable(plan, p->secrets[i].file, what, outside);
	}
}

/* A copy of `strv` (CMD's arguments, or its environment) with every secret's real value
 * replaced by its placeholder: an MCP configuration passed on the command line or in a
 * variable not named like a credential carries placeholders only. */
static char **mask_values(const struct supervisor *sv, char **strv, const char *what)
{
	struct sandbox_value v[SECRET_STORE_MAX];
	size_t n = 0, masked = 0;
	for (size_t i = 0; i < sv->secrets.count; i++) {
		const struct secret_entry *e = &sv->secrets.entries[i];
		if (e->value)
			v[n++] = (struct sandbox_value){e->secret->name, e->value, e->len};
	}
	char **out = sandbox_args_mask(strv, v, n, &masked);
	explicit_bzero(v, sizeof v);
	if (!out)
		log_fatal("out of memory masking secret values in the command's %s", what);
	if (masked)
		log_verbose("sandbox-exec: %zu secret value(s) in the command's %s replaced by "
			    "placeholders", masked, what);
	return out;
}

/* What each secret's `file` shows inside: made here, from the real files, so that the
 * sandbox's PID 1 only writes bytes that hold no value. */
static const struct sandbox_view *make_views(const struct policy *p)
{
	struct sandbox_view *v = calloc(p->nsecrets + 1, sizeof *v);
	if (!v)
		log_fatal("out of memory making the secret files' views");
	for (size_t i = 0; i < p->nsecrets; i++) {
		char err[PATH_MAX + 512];
		if (p->secrets[i].gcp) {
			/* The service-account key: nothing of it shows inside. */
			if (!(v[i].data = calloc(1, 1)))
				log_fatal("out of memory making the secret files' views");
			v[i].unreadable = 1;
		} else if (p->secrets[i].file &&
			   secret_view_make(p, i, &v[i].data, &v[i].len, err, sizeof err) < 0) {
			log_fatal("%s", err);
		}
	}
	return v;
}

/* -v: the variables left out of CMD's environment as credentials (names only). */
static void report_removed(char **removed)
{
	for (size_t i = 0; removed && removed[i]; i++)
		log_verbose("sandbox-exec: %s left out of the environment: it is named like a "
			    "credential ([environment] credentials); declare it as a [secret] or "
			    "add it to pass", removed[i]);
	sandbox_env_free(removed);
}

/* isolation unprivileged: the private folder, removed however the monitor ends. */
static struct unpriv unpriv;

static void remove_private_folder(void)
{
	if (getpid() == unpriv.owner)
		unpriv_cleanup(&unpriv);
}

int sandbox_main(int argc, char **argv)
{
	struct options o;
	parse_options(argc, argv, &o);
	log_verbosity = o.verbose;

	struct policy policy;
	load_policy(&o, &policy);
	/* The isolation probe's child makes and tears down namespaces (milliseconds) while
	 * the CA process makes its key. Not before the policy is read: with isolation =
	 * unprivileged no namespace is ever tried (an audited unshare would surprise). */
	struct isolation_ahead ahead;
	isolation_choose_start(&ahead, policy.isolation);
	struct supervisor sv;
	supervisor_begin(&sv, &policy, o.audit, o.policy, o.argv, o.control);
	int mode = choose_isolation(&ahead, &sv);
	int userns = mode == POLICY_ISOLATION_USERNS;
	int unprivileged = mode == POLICY_ISOLATION_UNPRIVILEGED;
	if (unprivileged)
		unpriv_check_policy(&policy);
	supervisor_prepare(&sv, isolation_name(mode));

	struct sandbox_child_args a;
	memset(&a, 0, sizeof a);
	a.policy = &policy;
	a.argv = mask_values(&sv, o.argv, "arguments");
	/* CMD's arguments may hold real values (an MCP configuration with expanded tokens),
	 * and this process's /proc/PID/cmdline shows them to whoever may read it (in a
	 * container whose /proc the sandbox shares, the sandbox too): CMD gets the masked
	 * copy, the originals are wiped. The options before CMD hold no value. */
	for (char **s = o.argv; *s; s++)
		explicit_bzero(*s, strlen(*s));
	a.caller_argv = argv;
	a.verbose = o.verbose;
	char err[512];
	if (identity_lookup(policy.user, &a.id, err, sizeof err) < 0)
		log_fatal("[sandbox] user: %s", err);
	if (unprivileged && geteuid() != 0) {
		/* No namespace maps the policy's user: the sandbox is the caller. */
		log_verbose("sandbox-exec: CMD runs as uid %u, the caller's (isolation "
			    "unprivileged cannot take the policy's user %s)", (unsigned)geteuid(),
			    policy.user);
		a.id.uid = geteuid();
		a.id.gid = getegid();
		a.id.ngroups = 0;
	}
	char **removed = NULL;
	char **env = sandbox_env_build(environ, &policy, sv.secret_has_value, &removed);
	if (!env)
		log_fatal("out of memory building the sandbox's environment");
	a.envp = mask_values(&sv, env, "environment");

	for (size_t i = 0; env[i]; i++) /* copies of the caller's values: wiped */
		explicit_bzero(env[i], strlen(env[i]));
	sandbox_env_free(env);
	report_removed(removed);
	supervisor_hand_secrets(&sv); /* the values live in the proxy worker only now */
	a.views = make_views(&policy);
	struct fs_plan plan;
	fs_plan_make(&policy, &plan);
	a.fs_plan = &plan;
	if (userns || unprivileged)
		guard_operator_files(&plan, &policy, o.policy);
	a.ca_pem = sv.ca_pem;
	a.ca_pem_len = sv.ca_pem_len;
	a.roots_fd = sv.roots_fd;
	if (unprivileged) {
		unpriv_prepare(&unpriv, &policy, &a, a.id.uid, a.id.gid);
		atexit(remove_private_folder);
		for (size_t i = 0; i < policy.ntmpfs; i++)
			log_verbose("sandbox-exec: tmpfs %s is closed in isolation unprivileged (no "
				    "mount namespace); TMPDIR is %s", policy.tmpfs[i].path, unpriv.tmp);
		if (!(a.envp = sandbox_env_unprivileged(a.envp, unpriv.dir)))
			log_fatal("out of memory building the sandbox's environment");
		a.unpriv = &unpriv;
	}
	struct sandbox_limit limit;
	a.userns = userns;
	/* Root maps the policy's user to itself, so the sandbox is never uid 0 on the host;
	 * any other caller can only map its own ids. */
	int root_maps = userns && geteuid() == 0, map[2] = {-1, -1};
	a.outside_uid = root_maps ? a.id.uid : geteuid();
	a.outside_gid = root_maps ? a.id.gid : getegid();
	if (root_maps && pipe2(map, O_CLOEXEC) < 0)
		log_fatal("cannot create the supervisor's channels: %s", strerror(errno));
	a.map_fd = map[0];
	if (sandbox_limit_prepare(&limit, policy.max_processes, a.id.uid, userns) < 0)
		return EXIT_AIRLOCK;
	a.nproc_rlimit = limit.rlimit;

	int sp[2], death[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 ||
	    pipe2(death, O_CLOEXEC) < 0)
		log_fatal("cannot create the supervisor's channels: %s", strerror(errno));
	a.fd_sock = sp[1];
	a.death_fd = death[0];

	/* Signals are blocked before the clone: none that arrives while the sandbox starts
	 * is lost; the supervisor reads them from a signalfd. */
	if (supervise_block_signals() < 0)
		log_fatal("cannot block signals: %s", strerror(errno));
	supervisor_block_signals(&sv);
	int ns = unprivileged ? 0 : (userns ? CLONE_NEWUSER : 0) | CLONE_NEWNS | CLONE_NEWPID |
				      CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
	pid_t pid = (pid_t)syscall(SYS_clone, ns | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		if (errno == EPERM)
			log_fatal("cannot create the sandbox's namespaces (isolation %s): operation "
				  "not permitted, though a probe a moment ago could; run `airlock "
				  "doctor` to see what this place allows",
				  userns ? "userns" : "full");
		log_fatal("cannot create the sandbox's namespaces: %s", strerror(errno));
	}
	if (pid == 0) {
		close(sp[0]);
		close(death[1]);
		if (map[1] >= 0)
			close(map[1]);
		/* Signals stay blocked: the sandbox's PID 1 would drop those that arrive with
		 * the default action. supervise_spawn() gives CMD the caller's original mask. */
		signal(SIGPIPE, SIG_DFL);
		sandbox_child(&a);
	}
	close(sp[1]);
	close(death[0]);
	if (sv.roots_fd >= 0) /* the child has its copy for bundle.pem */
		close(sv.roots_fd);
	if (root_maps) {
		int err = isolation_map_child(pid, a.id.uid, a.id.gid);
		if (err || write(map[1], "", 1) != 1) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			log_fatal("cannot map the sandbox's user namespace (uid %u to itself): %s "
				  "(root needs CAP_SETUID and CAP_SETGID for it)", (unsigned)a.id.uid,
				  strerror(err ? err : errno));
		}
		close(map[0]);
		close(map[1]);
	}
	/* In the cgroup before the "go": CMD and all it makes are counted. */
	if (sandbox_limit_attach(&limit, pid) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sandbox_limit_release(&limit);
		return EXIT_AIRLOCK;
	}
	/* death[1] stays open until the supervisor dies; its one byte is the child's "go". */
	for (size_t i = 0; i < unpriv.nlisteners; i++)
		close(unpriv.listeners[i].fd); /* the child hands them to the worker */
	int rc = supervisor_run(&sv, pid, sp[0], death[1]);
	sandbox_limit_release(&limit);
	return rc;
}
