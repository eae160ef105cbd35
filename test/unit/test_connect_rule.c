/* What a connect() of the sandbox gets in isolation unprivileged
 * (init/sandbox/connect_rule.h): routes for the addresses the sandbox is given, a
 * redirect (or a refusal) for every other TCP destination, UNIX paths handed on,
 * abstract names refused, malformed addresses refused as connect(2) would. */
#include "test/unit/harness.h"
#include "init/sandbox/connect_rule.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static const struct connect_route routes[] = {{3128, 40001}, {8090, 40002}};
static const struct connect_table table = {routes, 2, 0, 0};
static const struct connect_table redirecting = {routes, 2, 40009, 0};

static struct sockaddr_in v4(const char *ip, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static struct sockaddr_in6 v6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	inet_pton(AF_INET6, ip, &a.sin6_addr);
	return a;
}

TEST(connect_rule_routes_the_proxy_and_forward_ports_on_loopback)
{
	struct connect_decision d;
	struct sockaddr_in a = v4("127.0.0.1", 3128);
	connect_rule_decide(AF_INET, SOCK_STREAM, &a, sizeof a, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_ROUTE);
	CHECK_EQ_INT(d.port, 40001);
	a = v4("127.0.0.53", 8090); /* all of 127/8 is loopback */
	connect_rule_decide(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, &a, sizeof a, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_ROUTE);
	CHECK_EQ_INT(d.port, 40002);
	struct sockaddr_in6 b = v6("::1", 3128);
	connect_rule_decide(AF_INET6, SOCK_STREAM, &b, sizeof b, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_ROUTE);
	b = v6("::ffff:127.0.0.1", 8090);
	connect_rule_decide(AF_INET6, SOCK_STREAM, &b, sizeof b, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_ROUTE);
	CHECK_EQ_INT(d.orig_family, AF_INET);
}

TEST(connect_rule_refuses_or_redirects_every_other_destination)
{
	struct connect_decision d;
	struct sockaddr_in a = v4("127.0.0.1", 8091); /* a sidecar not forwarded */
	connect_rule_decide(AF_INET, SOCK_STREAM, &a, sizeof a, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_ERRNO);
	CHECK_EQ_INT(d.err, ECONNREFUSED);
	a = v4("10.1.2.3", 3128); /* the proxy's port elsewhere is not the proxy */
	connect_rule_decide(AF_INET, SOCK_STREAM, &a, sizeof a, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_ERRNO);
	connect_rule_decide(AF_INET, SOCK_STREAM, &a, sizeof a, &redirecting, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_REDIRECT);
	CHECK_EQ_INT(d.port, 40009);
	char line[128];
	size_t n = connect_rule_proxy_line(&d, line, sizeof line);
	CHECK_EQ_STR(line, "PROXY TCP4 0.0.0.0 10.1.2.3 0 3128\r\n");
	CHECK_EQ_INT(n, strlen(line));
	CHECK_EQ_INT(connect_rule_proxy_line(&d, line, 10), 0);
	struct sockaddr_in6 b = v6("2001:db8::7", 443);
	connect_rule_decide(AF_INET6, SOCK_STREAM, &b, sizeof b, &redirecting, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_REDIRECT);
	connect_rule_proxy_line(&d, line, sizeof line);
	CHECK_EQ_STR(line, "PROXY TCP6 :: 2001:db8::7 0 443\r\n");
	a = v4("127.0.0.1", 0);
	connect_rule_decide(AF_INET, SOCK_STREAM, &a, sizeof a, &redirecting, &d);
	CHECK_EQ_INT(d.err, ECONNREFUSED);
}

TEST(connect_rule_refuses_malformed_addresses_as_connect_would)
{
	struct connect_decision d;
	struct sockaddr_in a = v4("127.0.0.1", 3128);
	connect_rule_decide(AF_INET, SOCK_STREAM, &a, sizeof a - 1, &table, &d);
	CHECK_EQ_INT(d.err, EINVAL);
	connect_rule_decide(AF_INET, SOCK_STREAM, &a, 1, &table, &d);
	CHECK_EQ_INT(d.err, EINVAL);
	connect_rule_decide(AF_INET, SOCK_STREAM, NULL, 16, &table, &d);
	CHECK_EQ_INT(d.err, EINVAL);
	unsigned char big[sizeof(struct sockaddr_storage) + 1] = {0};
	connect_rule_decide(AF_INET, SOCK_STREAM, big, sizeof big, &table, &d);
	CHECK_EQ_INT(d.err, EINVAL);
	struct sockaddr_in6 b = v6("::1", 3128);
	connect_rule_decide(AF_INET, SOCK_STREAM, &b, sizeof b, &table, &d);
	CHECK_EQ_INT(d.err, EAFNOSUPPORT);
	connect_rule_decide(AF_INET6, SOCK_STREAM, &b, sizeof b - 1, &table, &d);
	CHECK_EQ_INT(d.err, EINVAL);
	/* a datagram socket never gets this far (socket() refuses it): refused anyway */
	connect_rule_decide(AF_INET, SOCK_DGRAM, &a, sizeof a, &table, &d);
	CHECK_EQ_INT(d.err, EPERM);
}

TEST(connect_rule_hands_on_unix_paths_and_refuses_abstract_names)
{
	struct connect_decision d;
	struct sockaddr_un u = {.sun_family = AF_UNIX};
	strcpy(u.sun_path, "/work/ws/agent.sock");
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, sizeof u, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_UNIX_PATH);
	CHECK_EQ_STR(d.path, "/work/ws/agent.sock");
	/* without a NUL: the length given ends it */
	memset(u.sun_path, 'a', sizeof u.sun_path);
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, offsetof(struct sockaddr_un, sun_path) + 5,
			    &table, &d);
	CHECK_EQ_STR(d.path, "aaaaa");
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, sizeof u, &table, &d);
	CHECK_EQ_INT(strlen(d.path), sizeof u.sun_path);
	u.sun_path[0] = '\0';
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, sizeof u, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_ERRNO);
	CHECK_EQ_INT(d.err, EPERM);
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, sizeof(sa_family_t), &table, &d);
	CHECK_EQ_INT(d.err, EINVAL);
	struct sockaddr_in a = v4("127.0.0.1", 3128);
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &a, sizeof a, &table, &d);
	CHECK_EQ_INT(d.err, EINVAL);
	/* AF_UNSPEC dissolves an association on any socket */
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	connect_rule_decide(AF_INET, SOCK_STREAM, &unspec, sizeof unspec, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_AS_GIVEN);
}

/* The namespace modes' guard: the network namespace closes TCP and UDP, so every
 * connect is done as given, except a named UNIX socket, which is handed on to be
 * checked; abstract names are the sandbox's own network namespace's. */
TEST(connect_rule_namespaced_decides_only_named_unix_sockets)
{
	static const struct connect_table ns = {NULL, 0, 0, 1};
	struct connect_decision d;
	struct sockaddr_in a = v4("10.1.2.3", 443);
	connect_rule_decide(AF_INET, SOCK_STREAM, &a, sizeof a, &ns, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_AS_GIVEN);
	connect_rule_decide(AF_INET, SOCK_DGRAM, &a, sizeof a, &ns, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_AS_GIVEN);
	struct sockaddr_in6 b = v6("::1", 3128);
	connect_rule_decide(AF_INET6, SOCK_STREAM, &b, sizeof b, &ns, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_AS_GIVEN);
	struct sockaddr_un u = {.sun_family = AF_UNIX};
	strcpy(u.sun_path, "rel/agent.sock");
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, sizeof u, &ns, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_UNIX_PATH);
	CHECK_EQ_STR(d.path, "rel/agent.sock");
	connect_rule_decide(AF_UNIX, SOCK_DGRAM, &u, sizeof u, &ns, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_UNIX_PATH);
	u.sun_path[0] = '\0';
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, sizeof u, &ns, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_AS_GIVEN);
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, sizeof(sa_family_t), &ns, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_AS_GIVEN); /* the kernel answers it */
	/* the same bytes without the flag: the unprivileged mode's refusal */
	connect_rule_decide(AF_UNIX, SOCK_STREAM, &u, sizeof u, &table, &d);
	CHECK_EQ_INT(d.verdict, CONNECT_ERRNO);
}
