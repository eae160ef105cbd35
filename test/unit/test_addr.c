/* Unit tests for net/base/addr.c: the SSRF guard's address classes. */
#include "net/base/addr.h"
#include "test/unit/harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static enum addr_class cls(const char *ip)
{
	struct sockaddr_storage ss = {0};
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
			return (enum addr_class)-1;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1)
			return (enum addr_class)-1;
	}
	return addr_classify((struct sockaddr *)&ss);
}

TEST(addr_v4_ranges)
{
	CHECK_EQ_INT(cls("0.0.0.0"), ADDR_UNSPECIFIED);
	CHECK_EQ_INT(cls("0.1.2.3"), ADDR_UNSPECIFIED);
	CHECK_EQ_INT(cls("127.0.0.1"), ADDR_LOOPBACK);
	CHECK_EQ_INT(cls("127.255.255.254"), ADDR_LOOPBACK);
	CHECK_EQ_INT(cls("10.0.0.1"), ADDR_PRIVATE);
	CHECK_EQ_INT(cls("10.255.255.255"), ADDR_PRIVATE);
	CHECK_EQ_INT(cls("172.16.0.1"), ADDR_PRIVATE);
	CHECK_EQ_INT(cls("172.31.255.255"), ADDR_PRIVATE);
	CHECK_EQ_INT(cls("172.15.255.255"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("172.32.0.0"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("192.168.1.1"), ADDR_PRIVATE);
	CHECK_EQ_INT(cls("192.169.0.1"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("169.254.169.254"), ADDR_LINK_LOCAL);
	CHECK_EQ_INT(cls("169.254.0.1"), ADDR_LINK_LOCAL);
	CHECK_EQ_INT(cls("100.64.0.1"), ADDR_CGNAT);
	CHECK_EQ_INT(cls("100.127.255.255"), ADDR_CGNAT);
	CHECK_EQ_INT(cls("100.128.0.0"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("100.63.255.255"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("224.0.0.1"), ADDR_MULTICAST);
	CHECK_EQ_INT(cls("239.255.255.255"), ADDR_MULTICAST);
	CHECK_EQ_INT(cls("255.255.255.255"), ADDR_BROADCAST);
	CHECK_EQ_INT(cls("240.0.0.1"), ADDR_RESERVED);
	CHECK_EQ_INT(cls("198.18.0.1"), ADDR_RESERVED);
	CHECK_EQ_INT(cls("8.8.8.8"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("1.1.1.1"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("93.184.216.34"), ADDR_PUBLIC);
}

TEST(addr_v6_ranges)
{
	CHECK_EQ_INT(cls("::"), ADDR_UNSPECIFIED);
	CHECK_EQ_INT(cls("::1"), ADDR_LOOPBACK);
	CHECK_EQ_INT(cls("fe80::1"), ADDR_LINK_LOCAL);
	CHECK_EQ_INT(cls("febf::1"), ADDR_LINK_LOCAL);
	CHECK_EQ_INT(cls("fec0::1"), ADDR_PRIVATE);
	CHECK_EQ_INT(cls("fc00::1"), ADDR_ULA);
	CHECK_EQ_INT(cls("fd12:3456::1"), ADDR_ULA);
	CHECK_EQ_INT(cls("ff02::1"), ADDR_MULTICAST);
	CHECK_EQ_INT(cls("2001:db8::1"), ADDR_RESERVED);
	CHECK_EQ_INT(cls("2606:4700:4700::1111"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("2a00:1450:4001::200e"), ADDR_PUBLIC);
}

TEST(addr_v6_embedded_v4)
{
	/* v4-mapped */
	CHECK_EQ_INT(cls("::ffff:127.0.0.1"), ADDR_LOOPBACK);
	CHECK_EQ_INT(cls("::ffff:169.254.169.254"), ADDR_LINK_LOCAL);
	CHECK_EQ_INT(cls("::ffff:10.1.2.3"), ADDR_PRIVATE);
	CHECK_EQ_INT(cls("::ffff:100.64.1.1"), ADDR_CGNAT);
	CHECK_EQ_INT(cls("::ffff:0.0.0.0"), ADDR_UNSPECIFIED);
	CHECK_EQ_INT(cls("::ffff:8.8.8.8"), ADDR_PUBLIC);
	/* v4-compatible */
	CHECK_EQ_INT(cls("::127.0.0.1"), ADDR_LOOPBACK);
	CHECK_EQ_INT(cls("::192.168.0.1"), ADDR_PRIVATE);
	/* NAT64 well-known prefix */
	CHECK_EQ_INT(cls("64:ff9b::127.0.0.1"), ADDR_LOOPBACK);
	CHECK_EQ_INT(cls("64:ff9b::169.254.169.254"), ADDR_LINK_LOCAL);
	CHECK_EQ_INT(cls("64:ff9b::8.8.8.8"), ADDR_PUBLIC);
	CHECK_EQ_INT(cls("64:ff9b:1::1"), ADDR_PRIVATE);
	/* 6to4 */
	CHECK_EQ_INT(cls("2002:7f00:1::1"), ADDR_LOOPBACK);
	CHECK_EQ_INT(cls("2002:a9fe:a9fe::1"), ADDR_LINK_LOCAL);
	CHECK_EQ_INT(cls("2002:808:808::1"), ADDR_PUBLIC);
}

TEST(addr_format_and_names)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	char buf[64];
	addr_format((struct sockaddr *)&s6, buf, sizeof buf);
	CHECK_EQ_STR(buf, "[::1]:443");
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	addr_format((struct sockaddr *)&s4, buf, sizeof buf);
	CHECK_EQ_STR(buf, "127.0.0.1:80");
	CHECK_EQ_STR(addr_class_name(ADDR_LINK_LOCAL), "link-local");
	CHECK_EQ_STR(addr_class_name(ADDR_LOOPBACK), "loopback");
}
