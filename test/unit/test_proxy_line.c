/* The PROXY protocol v1 line of a redirected connection (proxy/proto/proxy_line.h). */
#include "test/unit/harness.h"
#include "proxy/proto/proxy_line.h"

#include <string.h>

static int parse(const char *s, struct proxy_line *pl, const char **why)
{
	return proxy_line_parse(s, strlen(s), pl, why);
}

TEST(proxy_line_reads_tcp4_and_tcp6)
{
	struct proxy_line pl;
	const char *why = "";
	const char *s = "PROXY TCP4 0.0.0.0 10.1.2.3 0 443\r\nGET / HTTP/1.1\r\n";
	CHECK_EQ_INT(parse(s, &pl, &why), 35);
	CHECK_EQ_STR(pl.dst, "10.1.2.3");
	CHECK_EQ_INT(pl.dst_port, 443);
	CHECK_EQ_INT(pl.v6, 0);
	CHECK(parse("PROXY TCP6 :: 2001:db8::7 0 8443\r\n", &pl, &why) > 0);
	CHECK_EQ_STR(pl.dst, "2001:db8::7");
	CHECK_EQ_INT(pl.dst_port, 8443);
	CHECK(parse("PROXY TCP4 1.2.3.4 5.6.7.8 40000 80\r\n", &pl, &why) > 0);
}

TEST(proxy_line_waits_for_the_whole_line)
{
	struct proxy_line pl;
	const char *why = "";
	CHECK_EQ_INT(parse("PRO", &pl, &why), 0);
	CHECK_EQ_INT(parse("PROXY TCP4 0.0.0.0 10.1.2.3 0 44", &pl, &why), 0);
}

TEST(proxy_line_refuses_what_is_not_a_tcp_line)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\n",
		"PROXY UNKNOWN\r\n",
		"PROXY TCP4 0.0.0.0 10.1.2.3 0 443\n",
		"PROXY TCP4 0.0.0.0 ::1 0 443\r\n",
		"PROXY TCP6 :: 10.1.2.3 0 443\r\n",
		"PROXY TCP4 0.0.0.0 10.1.2.3 0 0\r\n",
		"PROXY TCP4 0.0.0.0 10.1.2.3 0 65536\r\n",
		"PROXY TCP4 0.0.0.0 10.1.2.3 0 +44\r\n",
		"PROXY TCP4 0.0.0.0 10.1.2.3 0 0443\r\n",
		"PROXY TCP4 0.0.0.0 10.1.2.3 x 443\r\n",
		"PROXY TCP4 0.0.0.0 10.1.2.3 0 443 9\r\n",
		"PROXY TCP4 0.0.0.0 10.1.2.3\r\n",
		"PROXY UDP4 0.0.0.0 10.1.2.3 0 53\r\n",
	};
	struct proxy_line pl;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = "";
		CHECK_EQ_INT(parse(bad[i], &pl, &why), -1);
		CHECK(why[0] != '\0');
	}
	char longer[200];
	memset(longer, 'a', sizeof longer);
	memcpy(longer, "PROXY ", 6);
	const char *why = "";
	CHECK_EQ_INT(proxy_line_parse(longer, sizeof longer, &pl, &why), -1);
	CHECK(strstr(why, "107") != NULL);
	CHECK_EQ_INT(proxy_line_parse("PROXY TCP4 0.0.0.0 1.2.3.4 0 4\0\r\n", 33, &pl, &why), -1);
}
