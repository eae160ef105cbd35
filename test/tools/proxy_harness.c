/* proxy_harness: runs the proxy outside any sandbox, for integration tests.
 *
 *   proxy_harness --policy FILE [--audit FILE] [--port N] [--forward-listen N] [-v]
 *                 [--idle-ms N] [--head-ms N] [--connect-ms N] [--ca FILE]
 *
 * Loads the policy with policy_load_file, listens on 127.0.0.1:N (0 or absent: any free
 * port) and, with --forward-listen, relays 127.0.0.1:N to the policy's first `forward`
 * port (in the real sandbox both are the same port in different namespaces; here they
 * must differ). With --ca, TLS to `allow` hosts is terminated as in the sandbox: a CA
 * is made for the policy and its certificate written to FILE (for the client), and
 * upstream servers are verified against the policy's `trust` files and the system's.
 * Prints "port N" (and "forward N") on stdout once ready, then serves until SIGTERM
 * or SIGINT, then frees everything and exits 0.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/base/log.h"
#include "net/loop.h"
#include "policy/policy.h"
#include "proxy/tls/cert.h"
#include "proxy/ca_policy.h"
#include "proxy/proxy.h"
#include "proxy/tls/trust.h"

static int listen_on(uint16_t port, uint16_t *bound)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t l = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		log_fatal("proxy_harness: cannot listen on 127.0.0.1:%u: %m", port);
	*bound = ntohs(a.sin_port);
	return fd;
}

/* --ca: a CA for the policy, its certificate in `path`; the policy's trust files. */
static struct ca *make_ca(const struct policy *pol, const char *path, struct trust_store *ts)
{
	char err[512];
	struct ca *ca = ca_new();
	if (!ca || ca_generate_for_policy(ca, pol, time(NULL), err, sizeof err) < 0)
		log_fatal("proxy_harness: cannot make a CA: %s", ca ? err : "out of memory");
	static char pem[16384];
	size_t n = ca_cert_pem(ca, pem, sizeof pem);
	FILE *f = fopen(path, "w");
	if (!n || !f || fwrite(pem, 1, n, f) != n || fclose(f) != 0)
		log_fatal("proxy_harness: cannot write %s: %m", path);
	for (size_t i = 0; i < pol->ntrust; i++)
		if (trust_add_file(ts, pol->trust[i], err, sizeof err) < 0)
			log_fatal("proxy_harness: %s", err);
	return ca;
}

static void on_signal(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		loop_stop(l, 0);
}

int main(int argc, char **argv)
{
	const char *policy_path = NULL, *audit_path = NULL, *ca_path = NULL;
	int port = 0, fwd_listen = -1;
	unsigned idle_ms = 0, head_ms = 0, connect_ms = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--policy") && i + 1 < argc)
			policy_path = argv[++i];
		else if (!strcmp(argv[i], "--audit") && i + 1 < argc)
			audit_path = argv[++i];
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--forward-listen") && i + 1 < argc)
			fwd_listen = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--idle-ms") && i + 1 < argc)
			idle_ms = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--head-ms") && i + 1 < argc)
			head_ms = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--connect-ms") && i + 1 < argc)
			connect_ms = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ca") && i + 1 < argc)
			ca_path = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			log_verbosity = 1;
		else
			log_fatal("usage: proxy_harness --policy FILE [--audit FILE] [--port N] "
				  "[--forward-listen N] [--ca FILE] [-v]");
	}
	if (!policy_path)
		log_fatal("proxy_harness: --policy FILE is required");
	struct policy pol;
	struct policy_errors errs = {0};
	if (policy_load_file(policy_path, &pol, &errs) < 0) {
		for (size_t i = 0; i < errs.count; i++)
			log_msg("%s", errs.msgs[i]);
		log_fatal("proxy_harness: bad policy %s", policy_path);
	}
	policy_errors_free(&errs);
	int audit_fd = -1;
	if (audit_path) {
		audit_fd = open(audit_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (audit_fd < 0)
			log_fatal("proxy_harness: cannot open %s: %m", audit_path);
	}
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);

	struct loop *l = loop_new();
	struct proxy_config cfg = {.policy = &pol, .audit_fd = audit_fd, .verbose = log_verbosity,
				   .ca_fd = -1};
	struct trust_store trust;
	trust_init(&trust);
	if (ca_path) {
		cfg.ca = make_ca(&pol, ca_path, &trust);
		cfg.trust = &trust;
	}
	char err[512];
	struct proxy *p = proxy_new(l, &cfg, err, sizeof err);
	if (!p)
		log_fatal("%s", err);
	proxy_set_timeouts(p, idle_ms, head_ms, connect_ms);
	uint16_t bound;
	int lfd = listen_on((uint16_t)port, &bound);
	if (proxy_add_listener(p, lfd) < 0)
		log_fatal("proxy_harness: proxy_add_listener: %m");
	printf("port %u\n", bound);
	if (fwd_listen >= 0) {
		if (pol.nforwards == 0)
			log_fatal("proxy_harness: --forward-listen needs a forward in the policy");
		uint16_t fb;
		int ffd = listen_on((uint16_t)fwd_listen, &fb);
		if (proxy_add_forward(p, ffd, pol.forwards[0]) < 0)
			log_fatal("proxy_harness: proxy_add_forward: %m");
		printf("forward %u\n", fb);
	}
	fflush(stdout);
	loop_add(l, sfd, EPOLLIN, on_signal, NULL);
	int rc = loop_run(l);
	loop_del(l, sfd);
	close(sfd);
	proxy_free(p);
	loop_free(l);
	if (cfg.ca)
		ca_free(cfg.ca);
	trust_free(&trust);
	policy_free(&pol);
	if (audit_fd >= 0)
		close(audit_fd);
	return rc < 0 ? 1 : 0;
}
