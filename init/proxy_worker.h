/* proxy_worker.h: the proxy worker process (privsep.h): the one that parses what the
 * sandbox sends, holds the secrets' values and the leaf key, and runs the proxy. */
#ifndef AIRLOCK_PROXY_WORKER_H
#define AIRLOCK_PROXY_WORKER_H

#include <sys/types.h>

#include "init/privsep.h"
#include "net/loop.h"
#include "proxy/proxy.h"
#include "proxy/secret_store.h"
#include "proxy/tls/trust.h"

struct worker {
	const struct policy *policy; /* in force; the first is the monitor's, inherited */
	const char *policy_path;     /* shown in reload messages; NULL: the default */
	struct secret_store secrets; /* the real values: never leave this process */
	struct ca *ca;               /* the CA certificate and leaf key; no CA key */
	struct trust_store trust;    /* anchors for verifying upstream servers */
	struct loop *loop;
	struct proxy *px;
	int audit_fd, ctl, ca_fd;
	struct policy **retired;     /* policies replaced by a reload, freed at the end */
	uid_t control_owner;         /* the control socket's one peer uid */
	const char *mode;            /* the isolation mode's name */
	size_t nretired;
};

/* One audit line about the sandbox rather than a connection (a reload, a grant), when
 * there is an audit file. */
void worker_audit(const struct worker *w, const char *event, const char *decision,
		  const char *rule, const char *reason);

/* The worker's life, in the child of privsep_start(): takes the CA's leaf key, loads the
 * policy's trust files, confines itself (privsep_confine), then takes the secrets and
 * listeners from the monitor on ctl and serves until ctl closes. Exits 0 then, or 125
 * after saying why it could not start. */
_Noreturn void proxy_worker_main(const struct privsep_config *cfg, pid_t monitor, int ctl,
				 int ca_fd);

#endif
