/* connect_rule.c: see connect_rule.h. */
#include "init/sandbox/connect_rule.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static void fail(struct connect_decision *d, int err)
{
	d->verdict = CONNECT_ERRNO;
	d->err = err;
}

/* 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. */
static int is_loopback(int family, const unsigned char *ip)
{
	return family == AF_INET ? ip[0] == 127
				 : memcmp(ip, &in6addr_loopback, 16) == 0;
}

/* Reads the destination of an IPv4 or IPv6 address into d (a v4-mapped IPv6 address
 * as IPv4). 0, or an errno as connect(2) would give it. */
static int read_inet(int domain, const unsigned char *a, size_t len,
		     struct connect_decision *d)
{
	sa_family_t fam;
	memcpy(&fam, a, sizeof fam);
	if (fam == AF_INET) {
		struct sockaddr_in in;
		if (len < sizeof in)
			return EINVAL;
		memcpy(&in, a, sizeof in);
		d->orig_family = AF_INET;
		memcpy(d->orig_ip, &in.sin_addr, 4);
		d->orig_port = ntohs(in.sin_port);
		return 0;
	}
	if (fam != AF_INET6 || domain != AF_INET6)
		return EAFNOSUPPORT;
	struct sockaddr_in6 in6;
	if (len < sizeof in6)
		return EINVAL;
	memcpy(&in6, a, sizeof in6);
	d->orig_port = ntohs(in6.sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
		d->orig_family = AF_INET;
		memcpy(d->orig_ip, in6.sin6_addr.s6_addr + 12, 4);
	} else {
		d->orig_family = AF_INET6;
		memcpy(d->orig_ip, &in6.sin6_addr, 16);
	}
	return 0;
}

static void decide_tcp(int domain, const unsigned char *a, size_t len,
		       const struct connect_table *t, struct connect_decision *d)
{
	int err = read_inet(domain, a, len, d);
	if (err) {
		fail(d, err);
		return;
	}
	if (d->orig_port == 0) {
		fail(d, ECONNREFUSED);
		return;
	}
	if (is_loopback(d->orig_family, d->orig_ip))
		for (size_t i = 0; i < t->nroutes; i++)
			if (t->routes[i].port == d->orig_port) {
				d->verdict = CONNECT_ROUTE;
				d->port = t->routes[i].real_port;
				return;
			}
	if (!t->redirect_port) {
		fail(d, ECONNREFUSED);
		return;
	}
	d->verdict = CONNECT_REDIRECT;
	d->port = t->redirect_port;
}

static void decide_unix(const unsigned char *a, size_t len, struct connect_decision *d)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	sa_family_t fam;
	memcpy(&fam, a, sizeof fam);
	if (fam != AF_UNIX || len <= off) {
		fail(d, EINVAL);
		return;
	}
	if (a[off] == '\0') { /* abstract: the host's namespace, out of Landlock's scope here */
		fail(d, EPERM);
		return;
	}
	size_t n = len - off;
	if (n > sizeof d->path - 1)
		n = sizeof d->path - 1;
	const unsigned char *end = memchr(a + off, '\0', n);
	if (end)
		n = (size_t)(end - (a + off));
	memcpy(d->path, a + off, n);
	d->path[n] = '\0';
	d->verdict = CONNECT_UNIX_PATH;
}

void connect_rule_decide(int domain, int type, const void *addr, size_t len,
			 const struct connect_table *t, struct connect_decision *d)
{
	memset(d, 0, sizeof *d);
	const unsigned char *a = addr;
	if (!a || len < sizeof(sa_family_t) || len > sizeof(struct sockaddr_storage)) {
		fail(d, EINVAL);
		return;
	}
	sa_family_t fam;
	memcpy(&fam, a, sizeof fam);
	if (fam == AF_UNSPEC) { /* dissolves an association: reaches nothing */
		d->verdict = CONNECT_AS_GIVEN;
		return;
	}
	if (t->namespaced) {
		/* The namespaces close the network; only a named UNIX socket, which they do
		 * not separate, needs looking at. */
		size_t off = offsetof(struct sockaddr_un, sun_path);
		if (domain == AF_UNIX && fam == AF_UNIX && len > off && a[off] != '\0')
			decide_unix(a, len, d);
		else /* abstract UNIX sockets are the network namespace's: the sandbox's */
			d->verdict = CONNECT_AS_GIVEN;
		return;
	}
	switch (domain) {
	case AF_INET:
	case AF_INET6:
		if ((type & 0xf) != SOCK_STREAM) /* socket() refuses others: never here */
			fail(d, EPERM);
		else
			decide_tcp(domain, a, len, t, d);
		return;
	case AF_UNIX:
		decide_unix(a, len, d);
		return;
	case AF_NETLINK: /* only route netlink sockets exist: the kernel's */
		d->verdict = CONNECT_AS_GIVEN;
		return;
	default:
		fail(d, EPERM);
	}
}

size_t connect_rule_proxy_line(const struct connect_decision *d, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	if (!inet_ntop(d->orig_family, d->orig_ip, ip, sizeof ip))
		return 0;
	int v6 = d->orig_family == AF_INET6;
	int n = snprintf(out, cap, "PROXY %s %s %s 0 %u\r\n", v6 ? "TCP6" : "TCP4",
			 v6 ? "::" : "0.0.0.0", ip, (unsigned)d->orig_port);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
