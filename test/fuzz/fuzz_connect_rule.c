/* fuzz_connect_rule: the address a sandbox gives connect() in isolation unprivileged
 * (init/sandbox/connect_rule.c). The first byte picks the socket's domain and type;
 * the rest is the address, as the reaper reads it from the caller's memory. Checked: no
 * crash or overrun; a route goes only to a table's real port for a loopback address;
 * an abstract UNIX name is always refused; a UNIX path is NUL-terminated; the PROXY
 * line of a redirect is one CRLF-ended line. Bit 4 of the first byte sets the namespace
 * modes' table, where nothing but a named UNIX socket is decided: no route or redirect
 * then, and a UNIX path only for an AF_UNIX socket. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "init/sandbox/connect_rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const int domains[] = {AF_INET, AF_INET6, AF_UNIX, AF_NETLINK};
	int domain = domains[data[0] & 3];
	int type = data[0] & 4 ? SOCK_DGRAM : SOCK_STREAM;
	static const struct connect_route routes[] = {{3128, 40001}, {8090, 40002}};
	int ns = data[0] & 16 ? 1 : 0;
	struct connect_table t = {routes, 2, data[0] & 8 ? 40003 : 0, ns};
	struct connect_decision d;
	connect_rule_decide(domain, type, data + 1, size - 1, &t, &d);
	if (d.verdict == CONNECT_ROUTE && d.port != 40001 && d.port != 40002)
		abort();
	if (d.verdict == CONNECT_REDIRECT) {
		char line[128];
		size_t n = connect_rule_proxy_line(&d, line, sizeof line);
		if (d.port != 40003 || n < 8 || memcmp(line + n - 2, "\r\n", 2) != 0 ||
		    memchr(line, '\n', n - 1))
			abort();
	}
	if (d.verdict == CONNECT_UNIX_PATH && memchr(d.path, '\0', sizeof d.path) == NULL)
		abort();
	if (ns && (d.verdict == CONNECT_ROUTE || d.verdict == CONNECT_REDIRECT ||
		   (d.verdict == CONNECT_UNIX_PATH && domain != AF_UNIX)))
		abort();
	size_t off = offsetof(struct sockaddr_un, sun_path);
	if (domain == AF_UNIX && size - 1 > off && data[1 + off] == 0 &&
	    d.verdict != CONNECT_ERRNO && d.verdict != CONNECT_AS_GIVEN)
		abort();
	return 0;
}
