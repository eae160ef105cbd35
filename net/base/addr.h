/* addr.h: classification of resolved addresses for the proxy's SSRF guard.
 *
 * A DNS answer that points into loopback, private, link-local, CGNAT, ULA, multicast,
 * unspecified, broadcast or reserved space must not be connected to (unless the host is
 * mapped explicitly in the policy): otherwise a public name could steer the proxy to the
 * supervisor's own loopback or the cloud metadata service. IPv6 forms that embed an IPv4
 * address (v4-mapped, v4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the
 * embedded IPv4 address. I/O-free.
 */
#ifndef AIRLOCK_NET_ADDR_H
#define AIRLOCK_NET_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

enum addr_class {
	ADDR_PUBLIC = 0,     /* globally routable: may be connected to */
	ADDR_UNSPECIFIED,    /* 0.0.0.0/8, :: */
	ADDR_LOOPBACK,       /* 127/8, ::1 */
	ADDR_PRIVATE,        /* 10/8, 172.16/12, 192.168/16, fec0::/10, 64:ff9b:1::/48 */
	ADDR_LINK_LOCAL,     /* 169.254/16 (incl. 169.254.169.254), fe80::/10 */
	ADDR_CGNAT,          /* 100.64/10 */
	ADDR_ULA,            /* fc00::/7 */
	ADDR_MULTICAST,      /* 224/4, ff00::/8 */
	ADDR_BROADCAST,      /* 255.255.255.255 */
	ADDR_RESERVED,       /* 240/4, 192.0.0/24, 198.18/15, documentation ranges */
};

/* Classifies an IPv4 address given in network byte order (as in struct in_addr). */
enum addr_class addr_classify_v4(const unsigned char a[4]);

/* Classifies an IPv6 address (16 bytes, network order). */
enum addr_class addr_classify_v6(const unsigned char a[16]);

/* Classifies a sockaddr_in or sockaddr_in6; any other family is ADDR_RESERVED. */
enum addr_class addr_classify(const struct sockaddr *sa);

/* A short English name for the class, for 502 bodies and audit lines ("loopback"). */
const char *addr_class_name(enum addr_class c);

/* Whether s is an IP address literal, without brackets ("10.0.0.1", "2001:db8::1"):
 * fills ip (4 or 16 bytes, network order) and returns its family (AF_INET, AF_INET6),
 * or returns 0. The one parser of IP literals: host names, policy rules and
 * certificates all use it. */
int addr_parse_literal(const char *s, unsigned char ip[16]);

/* Writes "1.2.3.4:80" or "[::1]:80" into buf (always NUL-terminated). */
void addr_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
