/* supervisor.h: the sandbox-exec supervisor's state and main loop (outside the
 * sandbox): secrets, CA material, audit, the proxy, signal forwarding. */
#ifndef AIRLOCK_SUPERVISOR_H
#define AIRLOCK_SUPERVISOR_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "proxy/cert.h"
#include "proxy/secret_store.h"
#include "proxy/trust.h"

struct supervisor {
	const struct policy *policy;
	struct secret_store secrets; /* the real values: never leave this process */
	struct ca *ca;               /* the sandbox's CA and leaf key */
	struct trust_store trust;    /* anchors for verifying upstream servers */
	int *secret_has_value;   /* per policy secret: a real value exists */
	char *ca_pem;            /* the sandbox CA, PEM; NULL until made */
	size_t ca_pem_len;
	char *bundle_pem;        /* system roots + CA, PEM */
	size_t bundle_pem_len;
	int audit_fd;            /* -1: denials on stderr */
	const char *policy_path; /* re-read on SIGHUP; NULL: the embedded default */
	struct policy **retired; /* policies replaced by a reload, freed at the end */
	size_t nretired;
	int verbose;
	sigset_t blocked;        /* the signals read from the signalfd and forwarded */
};

/* Before the sandbox exists: protects this process (not dumpable), loads the secrets'
 * values, makes the CA, opens the audit file. Returns 0, or -1 after saying why. */
int supervisor_prepare(struct supervisor *sv, const struct policy *p, const char *audit);

/* Before the clone, after supervise_block_signals() saved the caller's mask for CMD:
 * blocks exactly the set read from the signalfd (supervise_signal_set() less SIGPIPE)
 * into sv->blocked, and ignores SIGPIPE. */
void supervisor_block_signals(struct supervisor *sv);

/* Loads the upstream trust store, receives the sandbox's listeners on fd_sock, tells
 * the child to start CMD (one byte on go_fd), serves the listeners, forwards signals to
 * `child` and returns CMD's exit status once the child is gone. */
int supervisor_run(struct supervisor *sv, pid_t child, int fd_sock, int go_fd);

#endif
