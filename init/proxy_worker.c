/* proxy_worker.c: see proxy_worker.h. */
#include "init/proxy_worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/base/log.h"
#include "init/control.h"
#include "init/reload.h"
#include "init/sandbox.h"
#include "net/fdpass.h"
#include "proxy/audit.h"
#include "proxy/tls/mint.h"

void worker_audit(const struct worker *w, const char *event, const char *decision,
		  const char *rule, const char *reason)
{
	if (w->audit_fd < 0)
		return;
	struct audit_event ev;
	memset(&ev, 0, sizeof ev);
	ev.event = event;
	ev.host = "";
	ev.decision = decision;
	ev.rule = rule;
	ev.reason = reason;
	(void)audit_write(w->audit_fd, &ev);
}

static _Noreturn void fail(const char *fmt, const char *what)
{
	log_msg(fmt, what);
	_exit(EXIT_AIRLOCK);
}

/* The CA certificate and the leaf key, from the CA process's first message. */
static struct ca *take_leaf_key(int ca_fd)
{
	static unsigned char msg[MINT_MSG_MAX];
	char err[200];
	struct ca *ca = ca_new();
	ssize_t n = ca ? recv(ca_fd, msg, sizeof msg, 0) : -1;
	if (!ca || n <= 0 || mint_key_decode(msg, (size_t)n, ca, err, sizeof err) < 0)
		fail("the proxy worker: %s", !ca ? "out of memory" : n <= 0 ?
		     "the CA process sent no key" : err);
	explicit_bzero(msg, sizeof msg);
	return ca;
}

/* [gcp]: the service account's public half, the CA process's second message. */
static void take_account(int ca_fd, struct mint_account *a)
{
	static unsigned char msg[MINT_MSG_MAX];
	char err[200];
	ssize_t n = recv(ca_fd, msg, sizeof msg, 0);
	if (n <= 0 || mint_account_decode(msg, (size_t)n, a, err, sizeof err) < 0)
		fail("the proxy worker: %s", n <= 0 ? "the CA process sent no service account" : err);
}

static void add_listener(struct worker *w, int fd, uint32_t tag)
{
	if (tag & SANDBOX_FD_CONTROL) {
		if (control_start(w, fd, w->control_owner, w->mode) < 0)
			log_msg("cannot serve the control socket: %s", strerror(errno));
		return;
	}
	int rc = (tag & SANDBOX_FD_FORWARD)    ? proxy_add_forward(w->px, fd, (uint16_t)(tag & 0xffff))
		 : (tag & SANDBOX_FD_METADATA) ? proxy_add_metadata(w->px, fd)
		 : (tag & SANDBOX_FD_REDIRECT) ? proxy_add_redirect(w->px, fd)
					       : proxy_add_listener(w->px, fd);
	if (rc < 0) {
		log_msg("cannot serve a sandbox listener: %s", strerror(errno));
		close(fd);
	}
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* One message from the monitor. Returns 1 after 'G', 0 after any other, -1 at the end
 * of the stream. */
static int take_message(struct worker *w)
{
	static unsigned char msg[6 + SECRET_VALUE_MAX + 1];
	int fd;
	long n = fdpass_recvmsg(w->ctl, msg, sizeof msg, &fd);
	if (n <= 0)
		return -1;
	int rc = 0;
	switch (msg[0]) {
	case 'S':
		if (n < 7 || secret_store_put(&w->secrets, get32(msg + 1), (const char *)msg + 6,
					      (size_t)n - 6, (enum secret_source)msg[5]) < 0)
			log_msg("the proxy worker: the monitor sent a secret it cannot take");
		explicit_bzero(msg, (size_t)n);
		break;
	case 'L':
		if (n == 5 && fd >= 0) {
			add_listener(w, fd, get32(msg + 1));
			fd = -1;
		}
		break;
	case 'P':
		msg[n < (long)sizeof msg ? n : (long)sizeof msg - 1] = 0;
		reload_policy(w, fd, (const char *)msg + 1);
		fd = -1;
		break;
	case 'G':
		rc = 1;
		break;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static void on_ctl(struct loop *l, int fd, uint32_t events, void *arg)
{
	if (take_message(arg) < 0)
		loop_stop(l, 0);
}

_Noreturn void proxy_worker_main(const struct privsep_config *cfg, pid_t monitor, int ctl,
				 int ca_fd)
{
	struct worker w;
	memset(&w, 0, sizeof w);
	w.policy = cfg->policy;
	w.policy_path = cfg->policy_path;
	w.audit_fd = cfg->audit_fd;
	w.ctl = ctl;
	w.ca_fd = ca_fd;
	w.control_owner = cfg->control_owner;
	w.mode = cfg->mode;
	w.ca = take_leaf_key(ca_fd);
	static struct mint_account account;
	if (w.policy->gcp)
		take_account(ca_fd, &account);

	/* The policy's trust files may be readable by root only: loaded before the drop (a
	 * file that cannot be used stops airlock before CMD runs). */
	char err[512];
	trust_init(&w.trust);
	for (size_t i = 0; i < w.policy->ntrust; i++)
		if (trust_add_file(&w.trust, w.policy->trust[i], err, sizeof err) < 0)
			fail("upstream trust: %s (a [network] trust file of the policy)", err);
	if (secret_store_prepare(w.policy, &w.secrets, err, sizeof err) < 0)
		fail("%s", err);

	privsep_confine(monitor, w.policy->uid, "the proxy worker");

	/* Made after the drop: the resolver's threads start confined too. */
	w.loop = loop_new();
	struct proxy_config pc = {
		.policy = w.policy,
		.audit_fd = w.audit_fd,
		.verbose = cfg->verbose,
		.ca = w.ca,
		.ca_fd = ca_fd,
		.trust = &w.trust,
		.secrets = &w.secrets,
		.ca_unconstrained = cfg->control,
		.gcp = w.policy->gcp ? &account : NULL,
		.on_denial = control_on_denial,
		.denial_arg = &w,
	};
	w.px = w.loop ? proxy_new(w.loop, &pc, err, sizeof err) : NULL;
	if (!w.px)
		fail("cannot start the proxy: %s", w.loop ? err : strerror(errno));

	int rc;
	while ((rc = take_message(&w)) == 0)
		;
	if (rc < 0)
		_exit(EXIT_AIRLOCK); /* the monitor stopped before the sandbox ran */
	if (fdpass_sendmsg(ctl, "R", 1, -1) < 0 ||
	    loop_add(w.loop, ctl, EPOLLIN, on_ctl, &w) < 0)
		fail("the proxy worker: cannot talk to the monitor: %s", strerror(errno));
	if (loop_run(w.loop) < 0)
		log_msg("the proxy's event loop failed: %s", strerror(errno));
	proxy_free(w.px);
	reload_free(&w);
	secret_store_free(&w.secrets);
	ca_free(w.ca);
	_exit(0);
}
