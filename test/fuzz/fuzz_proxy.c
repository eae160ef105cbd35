/* libFuzzer target for the whole proxy (io.c, the state machine in state.c and its
 * handlers) end to end, over real loopback sockets (the HTTP exchange alone is fuzzed in
 * process by fuzz_exchange.c): the input is split into what a client sends
 * and what the upstream answers; both are delivered, the loop runs, both sides close,
 * and the proxy must neither crash nor keep a connection once everything has ended.
 *
 * Input: byte 0 chooses the split point (as a fraction of the rest), then client bytes,
 * then upstream bytes. The policy allows web.test:80 and tls.test (passthrough), both
 * mapped to a loopback listener this target owns, so no DNS is ever used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/loop.h"
#include "proxy/proxy.h"

static struct loop *L;
static struct proxy *P;
static struct policy POL;
static int proxy_port, up_lfd;

static int listen_any(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

static void stop_cb(struct loop *l, struct loop_timer *t, void *arg) { loop_stop(l, 0); }

/* Runs the loop for about `ms` milliseconds. */
static void spin(int ms)
{
	struct loop_timer t;
	loop_timer_init(&t, stop_cb, NULL);
	loop_timer_set(L, &t, (uint64_t)ms);
	loop_run(L);
	loop_timer_cancel(L, &t);
}

static void setup(void)
{
	static struct policy_host_rule rules[2];
	static struct policy_map maps[2];
	static char addr[] = "127.0.0.1";
	int up_port;
	signal(SIGPIPE, SIG_IGN);
	up_lfd = listen_any(&up_port);
	fcntl(up_lfd, F_SETFL, O_NONBLOCK);
	rules[0] = (struct policy_host_rule){.host = "web.test", .port = 80, .action = ACTION_ALLOW,
					     .text = "web.test:80"};
	rules[1] = (struct policy_host_rule){.host = "tls.test", .action = ACTION_PASSTHROUGH,
					     .text = "tls.test"};
	maps[0] = (struct policy_map){.host = "web.test", .addr = addr, .port = (uint16_t)up_port};
	maps[1] = (struct policy_map){.host = "tls.test", .addr = addr, .port = (uint16_t)up_port};
	POL.rules = rules;
	POL.nrules = 2;
	POL.maps = maps;
	POL.nmaps = 2;
	POL.upstream_proxy = "none";
	L = loop_new();
	struct proxy_config cfg = {.policy = &POL, .audit_fd = -1, .ca_fd = -1};
	char err[256];
	int devnull = open("/dev/null", O_WRONLY);
	cfg.audit_fd = devnull; /* exercise the audit path without printing */
	P = proxy_new(L, &cfg, err, sizeof err);
	if (!P)
		abort();
	if (proxy_add_listener(P, listen_any(&proxy_port)) < 0)
		abort();
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w <= 0)
			return; /* a full buffer or a closed peer: the rest is dropped */
		p += w;
		n -= (size_t)w;
	}
}

static void drain(int fd)
{
	char buf[65536];
	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!L)
		setup();
	if (size < 1 || size > 65536)
		return 0;
	size_t rest = size - 1;
	size_t split = rest * data[0] / 255;
	const uint8_t *cb = data + 1, *ub = data + 1 + split;
	size_t cn = split, un = rest - split;

	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)proxy_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
		abort();
	send_all(c, cb, cn);
	int u = -1;
	for (int round = 0; round < 4; round++) {
		spin(2);
		if (u < 0) {
			u = accept4(up_lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (u >= 0) {
				send_all(u, ub, un);
				shutdown(u, SHUT_WR);
			}
		}
		drain(c);
		if (u >= 0)
			drain(u);
	}
	shutdown(c, SHUT_WR);
	spin(2);
	drain(c);
	close(c);
	if (u >= 0)
		close(u);
	/* Everything has ended: the proxy must let go of the connection soon. */
	for (int i = 0; i < 200 && proxy_connections(P) > 0; i++)
		spin(2);
	if (proxy_connections(P) > 0)
		abort();
	/* Anything the proxy connected to and we have not accepted yet. */
	for (;;) {
		int x = accept4(up_lfd, NULL, NULL, SOCK_CLOEXEC);
		if (x < 0)
			break;
		close(x);
	}
	return 0;
}
