/* Unit tests for proxy/proto/control_msg.c: the control socket's requests. */
#include "proxy/proto/control_msg.h"
#include "test/unit/harness.h"

#include <string.h>

static int parse(const char *line, struct control_request *r, const char **why)
{
	*why = "";
	return control_parse(line, strlen(line), r, why);
}

TEST(control_msg_parses_each_command)
{
	struct control_request r;
	const char *why;
	CHECK(parse("{\"cmd\":\"status\"}", &r, &why) == 0 && r.cmd == CONTROL_STATUS);
	CHECK(parse(" {\"cmd\":\"denials\",\"x\":1}", &r, &why) == 0 && r.cmd == CONTROL_DENIALS);
	CHECK(parse("{\"cmd\":\"reload\"}\r", &r, &why) == 0 && r.cmd == CONTROL_RELOAD);
	CHECK(parse("{\"host\":\"docs.example.org:443\",\"cmd\":\"allow\"}", &r, &why) == 0);
	CHECK(r.cmd == CONTROL_ALLOW && strcmp(r.host, "docs.example.org:443") == 0);
	CHECK(parse("{\"cmd\":\"passthrough\",\"host\":\"x.test\"}", &r, &why) == 0 &&
	      r.cmd == CONTROL_PASSTHROUGH);
	CHECK(parse("{\"cmd\":\"revoke\",\"host\":\"\\u0078.test\"}", &r, &why) == 0 &&
	      strcmp(r.host, "x.test") == 0);
}

TEST(control_msg_refuses_with_a_reason)
{
	struct control_request r;
	const char *why;
	CHECK(parse("status", &r, &why) < 0 && strstr(why, "one JSON object per line"));
	CHECK(parse("{\"cmd\":\"status\"", &r, &why) < 0 && *why);
	CHECK(parse("{}", &r, &why) < 0 && strstr(why, "no \"cmd\""));
	CHECK(parse("{\"cmd\":1}", &r, &why) < 0 && strstr(why, "strings"));
	CHECK(parse("{\"cmd\":\"status\",\"cmd\":\"reload\"}", &r, &why) < 0); /* twice */
	CHECK(parse("{\"cmd\":\"fly\"}", &r, &why) < 0 && strstr(why, "unknown"));
	CHECK(parse("{\"cmd\":\"allow\"}", &r, &why) < 0 && strstr(why, "needs \"host\""));
	CHECK(parse("{\"cmd\":\"allow\",\"host\":\"\"}", &r, &why) < 0);
	CHECK(parse("{\"cmd\":\"allow\",\"host\":\"a\\u0000b\"}", &r, &why) < 0 &&
	      strstr(why, "NUL"));
	char big[CONTROL_HOST_MAX + 64];
	memset(big, 'a', sizeof big);
	big[sizeof big - 1] = 0;
	char line[sizeof big + 64];
	snprintf(line, sizeof line, "{\"cmd\":\"allow\",\"host\":\"%s\"}", big);
	CHECK(parse(line, &r, &why) < 0 && strstr(why, "too long"));
}
