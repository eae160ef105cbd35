/* connect_rule.h: what a connect() of the sandbox gets in isolation unprivileged,
 * where the sandbox shares the host's network and its reaper performs every connect()
 * itself (connect_notify.h). I/O-free: it reads the address the sandbox gave, as
 * bytes, and returns a decision, so tests and the fuzzer drive it without sockets.
 *
 * The sandbox sees the addresses of the other modes: the proxy at 127.0.0.1:3128 (and
 * [::1]:3128), the forwards and the metadata server at their ports. Each is a route to
 * the real listener, on an ephemeral port of the host's loopback. Any other TCP
 * destination goes to the redirect listener when there is one (the proxy then decides
 * by SNI or Host, as for a CONNECT), else it is refused. A named UNIX socket is looked
 * up beneath the sandbox's writable paths only, and must be a sandbox process's (by the
 * caller: unix_owner.h); an abstract one is
 * refused, since the reaper's own connect would reach the host's namespace.
 */
#ifndef AIRLOCK_CONNECT_RULE_H
#define AIRLOCK_CONNECT_RULE_H

#include <stddef.h>
#include <stdint.h>

/* A port the sandbox connects to on its loopback, and the real listener's port. */
struct connect_route {
	uint16_t port;
	uint16_t real_port;
};

struct connect_table {
	const struct connect_route *routes;
	size_t nroutes;
	uint16_t redirect_port; /* 0: no redirect listener, other destinations refused */
	int namespaced;         /* full or userns: only named UNIX sockets are decided here,
				 * every other connect is done as given (the sandbox's own
				 * network namespace closes it) */
};

enum connect_verdict {
	CONNECT_ERRNO,     /* fail with `err` */
	CONNECT_ROUTE,     /* connect to 127.0.0.1:port (a route's real listener) */
	CONNECT_REDIRECT,  /* connect to 127.0.0.1:port, then tell it the destination */
	CONNECT_AS_GIVEN,  /* do it with the bytes given (AF_UNSPEC, netlink) */
	CONNECT_UNIX_PATH, /* a named UNIX socket at `path`, if beneath a writable path */
};

struct connect_decision {
	enum connect_verdict verdict;
	int err;             /* CONNECT_ERRNO: the errno */
	uint16_t port;       /* CONNECT_ROUTE, _REDIRECT: the real listener's port */
	int orig_family;     /* the destination asked for: AF_INET or AF_INET6 */
	unsigned char orig_ip[16];
	uint16_t orig_port;
	char path[109];      /* CONNECT_UNIX_PATH: NUL-terminated */
};

/* Decides a connect() on a socket of `domain` and `type` (SOCK_STREAM, ...) to the
 * `len` bytes at `addr`. Fills *d; never fails. */
void connect_rule_decide(int domain, int type, const void *addr, size_t len,
			 const struct connect_table *t, struct connect_decision *d);

/* The PROXY protocol (version 1) line that tells the redirect listener where a
 * redirected connection was going: "PROXY TCP4 0.0.0.0 DST 0 PORT\r\n" (TCP6 with "::").
 * Returns its length, or 0 when `cap` is too small. */
size_t connect_rule_proxy_line(const struct connect_decision *d, char *out, size_t cap);

#endif
