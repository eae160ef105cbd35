/* supervisor.h: sandbox-exec's monitor (init/privsep.h): the privileged process outside
 * the sandbox. It starts the CA process and the proxy worker, gives the worker the
 * secrets and the sandbox's listeners, tells the sandbox to start, forwards signals and
 * returns CMD's status. It parses nothing the sandbox sends. */
#ifndef AIRLOCK_SUPERVISOR_H
#define AIRLOCK_SUPERVISOR_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "init/privsep.h"
#include "policy/policy.h"
#include "proxy/secret_store.h"

struct supervisor {
	const struct policy *policy;
	struct secret_store secrets; /* the real values, until supervisor_hand_secrets() */
	int *secret_has_value;   /* per policy secret: a real value exists */
	char *ca_pem;            /* the sandbox CA, PEM */
	size_t ca_pem_len;
	int roots_fd;            /* the system's roots, open, for bundle.pem; or -1 */
	int audit_fd;            /* -1: denials on stderr */
	const char *policy_path; /* reopened on SIGHUP; NULL: the embedded default */
	struct privsep ps;       /* the CA process and the proxy worker */
	struct privsep_config pc; /* what they are started with */
	int control_fd;          /* --control's socket until the worker has it, or -1 */
	sigset_t blocked;        /* the signals read from the signalfd and forwarded */
	const char *audit_path;  /* --audit, opened by supervisor_prepare() */
	const char *control_path; /* --control: the socket, removed at the end */
	int control_made;        /* this process made it (it is not another's) */
};

/* Before the sandbox exists: makes this process not dumpable and starts the CA process,
 * which makes the CA while the caller chooses the isolation mode. Exits 125 saying why
 * on failure. */
void supervisor_begin(struct supervisor *sv, const struct policy *p, const char *audit,
		      const char *policy_path, char **cmd_argv, const char *control_path);

/* Then, once the mode is known (`mode` names it for the control socket): opens the
 * audit file and makes the control socket named to supervisor_begin(), starts the proxy
 * worker, loads the secrets' values (for masking CMD's arguments and environment) and
 * makes the CA's PEM texts. Exits 125 saying why on failure. */
void supervisor_prepare(struct supervisor *sv, const char *mode);

/* Once CMD's arguments and environment are masked: sends the values to the proxy
 * worker, wipes this process's copies, and blanks the values of secret variables in its
 * own environment (what /proc/PID/environ shows). */
void supervisor_hand_secrets(struct supervisor *sv);

/* Before the clone, after supervise_block_signals() saved the caller's mask for CMD:
 * blocks exactly the set read from the signalfd (supervise_signal_set() less SIGPIPE)
 * into sv->blocked, and ignores SIGPIPE. */
void supervisor_block_signals(struct supervisor *sv);

/* Receives the sandbox's listeners on fd_sock and passes them to the worker, tells the
 * child to start CMD (one byte on go_fd) once the worker serves, forwards signals to
 * `child`, and returns CMD's exit status once the child is gone, or 125 when a helper
 * died (the sandbox is stopped then). */
int supervisor_run(struct supervisor *sv, pid_t child, int fd_sock, int go_fd);

/* Stops the helpers (on the way out before the sandbox runs, too). */
void supervisor_stop(struct supervisor *sv);

#endif
