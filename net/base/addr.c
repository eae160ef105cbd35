/* addr.c: see addr.h. Ranges follow the IANA special-purpose registries (RFC 6890). */
#include "net/base/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum addr_class addr_classify_v4(const unsigned char a[4])
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
#define IN(net, bits) ((bits) == 0 || (v >> (32 - (bits))) == ((uint32_t)(net) >> (32 - (bits))))
	if (v == 0xffffffffu)
		return ADDR_BROADCAST;
	if (IN(0x00000000, 8))
		return ADDR_UNSPECIFIED;
	if (IN(0x7f000000, 8))
		return ADDR_LOOPBACK;
	if (IN(0x0a000000, 8) || IN(0xac100000, 12) || IN(0xc0a80000, 16))
		return ADDR_PRIVATE;
	if (IN(0xa9fe0000, 16))
		return ADDR_LINK_LOCAL;
	if (IN(0x64400000, 10))
		return ADDR_CGNAT;
	if (IN(0xe0000000, 4))
		return ADDR_MULTICAST;
	/* 240/4 future use; 192.0.0/24 IETF protocol assignments; 198.18/15 benchmarking;
	 * 192.0.2/24, 198.51.100/24, 203.0.113/24 documentation. */
	if (IN(0xf0000000, 4) || IN(0xc0000000, 24) || IN(0xc6120000, 15) ||
	    IN(0xc0000200, 24) || IN(0xc6336400, 24) || IN(0xcb007100, 24))
		return ADDR_RESERVED;
#undef IN
	return ADDR_PUBLIC;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

enum addr_class addr_classify_v6(const unsigned char a[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

	if (all_zero(a, 16))
		return ADDR_UNSPECIFIED;
	if (all_zero(a, 15) && a[15] == 1)
		return ADDR_LOOPBACK;
	/* Forms that carry an IPv4 address: judge the IPv4 address, since a kernel or a
	 * NAT64 gateway would deliver the packet there. */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return addr_classify_v4(a + 12);
	if (all_zero(a, 12)) /* ::a.b.c.d, deprecated v4-compatible */
		return addr_classify_v4(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02) /* 6to4: 2002:AABB:CCDD::/48 */
		return addr_classify_v4(a + 2);
	if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0 &&
	    a[5] == 1) /* 64:ff9b:1::/48, local-use NAT64 */
		return ADDR_PRIVATE;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return ADDR_LINK_LOCAL;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) /* fec0::/10, old site-local */
		return ADDR_PRIVATE;
	if ((a[0] & 0xfe) == 0xfc)
		return ADDR_ULA;
	if (a[0] == 0xff)
		return ADDR_MULTICAST;
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) /* 2001:db8::/32 */
		return ADDR_RESERVED;
	if (all_zero(a, 8) && !(a[8] == 0 && a[9] == 0 && a[10] == 0xff && a[11] == 0xff))
		return ADDR_RESERVED; /* the rest of ::/64: discard-only and friends */
	return ADDR_PUBLIC;
}

enum addr_class addr_classify(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return addr_classify_v4((const unsigned char *)&in->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		return addr_classify_v6(in6->sin6_addr.s6_addr);
	}
	return ADDR_RESERVED;
}

const char *addr_class_name(enum addr_class c)
{
	switch (c) {
	case ADDR_PUBLIC: return "public";
	case ADDR_UNSPECIFIED: return "unspecified";
	case ADDR_LOOPBACK: return "loopback";
	case ADDR_PRIVATE: return "private";
	case ADDR_LINK_LOCAL: return "link-local";
	case ADDR_CGNAT: return "CGNAT";
	case ADDR_ULA: return "unique local (ULA)";
	case ADDR_MULTICAST: return "multicast";
	case ADDR_BROADCAST: return "broadcast";
	case ADDR_RESERVED: return "reserved";
	}
	return "unknown";
}

void addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (!len)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
}

int addr_parse_literal(const char *s, unsigned char ip[16])
{
	if (!s)
		return 0;
	if (inet_pton(AF_INET, s, ip) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, ip) == 1)
		return AF_INET6;
	return 0;
}
