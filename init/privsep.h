/* privsep.h: sandbox-exec's three processes outside the sandbox.
 *
 * In the manner of OpenBSD's privsep daemons, what runs with privilege does the least:
 *
 *   monitor      sandbox-exec itself (root in the full mode): makes the sandbox, says
 *                "go", waits, forwards signals, hands the worker a reopened policy file
 *                on SIGHUP. It parses nothing the sandbox sends, and holds the secrets'
 *                values only while it masks CMD's arguments and environment.
 *   proxy worker forked before the secrets are loaded; receives them, the listeners
 *                (SCM_RIGHTS) and the policy, then runs as a uid of its own with no
 *                capabilities, no_new_privs, not dumpable, under a seccomp allow-list
 *                (init/sandbox/seccomp_worker.c). It parses everything: HTTP, TLS, SNI.
 *   CA process   holds the sandbox CA's private key and nothing else; answers "mint a
 *                leaf for HOST" (proxy/tls/mint.h) for the policy's allow hosts only.
 *
 * Messages on the monitor's control socket to the worker (SOCK_SEQPACKET, one per
 * packet): 'S' u32 index, u8 source, value (a secret's value); 'L' u32 tag + fd (a
 * listener, tagged as sandbox_child sends it); 'G' (all sent: serve, answer 'R'); 'P' +
 * fd (the policy file, reopened for a reload), or 'P' + why it could not be reopened. The worker exits when the socket closes;
 * both helpers die with the monitor (PR_SET_PDEATHSIG).
 */
#ifndef AIRLOCK_PRIVSEP_H
#define AIRLOCK_PRIVSEP_H

#include <stddef.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "proxy/tls/cert.h"
#include "proxy/secret_store.h"

struct privsep {
	pid_t ca_pid, worker_pid; /* -1 when not running */
	int ctl;                  /* the monitor's end of the worker's control socket */
	int mint, cert;           /* between the two starts: the worker's end of the CA's
	                             socket, and the pipe the CA's certificate comes on */
	unsigned char ca_cert[CA_CERT_MAX]; /* the CA certificate (DER), from the CA */
	size_t ca_cert_len;
};

/* What the worker is started with. */
struct privsep_config {
	const struct policy *policy;
	const char *policy_path; /* NULL: the embedded default */
	int audit_fd;            /* -1: none */
	int verbose;
	char **cmd_argv;         /* CMD and its arguments in sandbox-exec's argv: each
	                            helper wipes its copy, which /proc/PID/cmdline shows
	                            and which may hold real values */
	int control;             /* --control: hosts may be granted while it runs */
	uid_t control_owner;     /* the only peer uid the control socket serves */
	const char *mode;        /* the isolation mode's name, for the control socket */
};

/* Forks the CA process, which makes the CA (a P-256 key and its certificate) while the
 * caller goes on (the isolation probe runs meanwhile). cfg->mode is not used yet.
 * Returns 0, or -1 with a sentence in err. */
int privsep_start_ca(struct privsep *ps, const struct privsep_config *cfg, char *err,
		     size_t errlen);

/* After privsep_start_ca(): reads the CA's certificate into ps->ca_cert and forks the
 * proxy worker. Returns 0, or -1 with a sentence in err (both are stopped then). */
int privsep_start_worker(struct privsep *ps, const struct privsep_config *cfg, char *err,
			 size_t errlen);

/* Sends the worker secret i's value (then wiped by the caller). Returns 0 or -1. */
int privsep_send_secret(struct privsep *ps, size_t i, const char *value, size_t len,
			enum secret_source source);

/* Sends the worker a listener with sandbox_child's tag (the worker owns the fd now;
 * the caller closes its copy). Returns 0 or -1. */
int privsep_send_listener(struct privsep *ps, int fd, unsigned tag);

/* Says "all sent" and waits for the worker to serve. Returns 0, or -1 when the worker
 * exited instead (it said why on stderr). */
int privsep_go(struct privsep *ps);

/* Hands the worker the policy file open on fd for a reload, or, when fd is -1, why it
 * could not be opened (the worker says it and keeps the policy). Returns 0 or -1. */
int privsep_reload(struct privsep *ps, int fd, const char *why);

/* Whether pid is one of the helpers; fills what ("the proxy worker", "the CA process")
 * and marks it gone. */
int privsep_reaped(struct privsep *ps, pid_t pid, const char **what);

/* After one helper ended: waits up to 500 ms for the other to end by itself (the CA
 * process does when the worker is gone), else kills it; returns its pid with its name
 * in *what and its wait status in *status, or -1 when none was left. */
pid_t privsep_end_other(struct privsep *ps, const char **what, int *status);

/* Ends both helpers (the worker closes its connections) and waits for them. */
void privsep_stop(struct privsep *ps);

/* Confines the calling helper for good: privs_drop_worker() to privsep_helper_uid()
 * (never the sandbox's uid),
 * death with `monitor`, then the seccomp allow-list. Exits 125 saying why when any step
 * fails. `who` names the helper in that message. */
void privsep_confine(pid_t monitor, uid_t sandbox_uid, const char *who);

/* The uid a helper of the monitor drops to when root: 2000000000 + its pid, a uid no
 * account has, unique among running helpers, when the user namespace maps it; else the
 * highest mapped uid that is not 0 nor `avoid` (the sandbox's). */
uid_t privsep_helper_uid(pid_t pid, uid_t avoid);

#endif
