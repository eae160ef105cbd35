/* Unit tests for proxy/audit.c: JSON lines and string escaping. */
#include "proxy/audit.h"
#include "test/unit/harness.h"

#include <stdlib.h>

static const char *esc(const char *s, size_t n, size_t cap)
{
	static char buf[1024];
	size_t pos = 0;
	if (audit_json_escape(buf, sizeof buf, &pos, s, n, cap))
		return "(full)";
	buf[pos] = 0;
	return buf;
}

TEST(audit_escape_specials)
{
	CHECK_EQ_STR(esc("a\"b\\c", 5, 100), "a\\\"b\\\\c");
	CHECK_EQ_STR(esc("l1\nl2\r\t", 7, 100), "l1\\nl2\\r\\t");
	CHECK_EQ_STR(esc("\x01\x1f\x7f", 3, 100), "\\u0001\\u001f\\u007f");
	CHECK_EQ_STR(esc("nul\0x", 5, 100), "nul\\u0000x");
	CHECK_EQ_STR(esc("/p?q=openshell:resolve:env:K", 28, 100), "/p?q=openshell:resolve:env:K");
}

TEST(audit_escape_utf8)
{
	CHECK_EQ_STR(esc("caf\xc3\xa9", 5, 100), "caf\xc3\xa9");          /* valid kept */
	CHECK_EQ_STR(esc("\xe2\x82\xac", 3, 100), "\xe2\x82\xac");
	CHECK_EQ_STR(esc("a\xff" "b", 3, 100), "a\\ufffdb");              /* invalid byte */
	CHECK_EQ_STR(esc("\xc0\xaf", 2, 100), "\\ufffd\\ufffd");           /* overlong */
	CHECK_EQ_STR(esc("\xed\xa0\x80", 3, 100), "\\ufffd\\ufffd\\ufffd"); /* surrogate */
	CHECK_EQ_STR(esc("\xc3", 1, 100), "\\ufffd");                     /* truncated */
}

TEST(audit_escape_cap)
{
	CHECK_EQ_STR(esc("abcdef", 6, 3), "abc...");
	/* A cut never splits a UTF-8 sequence into something invalid. */
	CHECK_EQ_STR(esc("a\xc3\xa9", 3, 2), "a\\ufffd...");
	char small[4];
	size_t pos = 0;
	CHECK_EQ_INT(audit_json_escape(small, sizeof small, &pos, "abcdef", 6, 100), -1);
}

TEST(audit_format_line)
{
	const char *secrets[] = {"GITHUB_TOKEN", "KEY"};
	struct audit_event ev = {
		.time = {.tv_sec = 1767323045, .tv_nsec = 678000000},
		.event = "request",
		.host = "api.example.com",
		.port = 443,
		.method = "GET",
		.path = "/v1?q=\"x\"",
		.decision = "allow",
		.rule = "api.example.com",
		.secrets = secrets,
		.nsecrets = 2,
		.status = 200,
		.bytes_up = 12,
		.bytes_down = 3400,
		.duration_ms = 31,
	};
	char buf[AUDIT_LINE_MAX];
	size_t n = audit_format(&ev, buf, sizeof buf);
	CHECK(n > 0);
	const char *want = "{\"time\":\"2026-01-02T03:04:05.678Z\",\"event\":\"request\","
			  "\"host\":\"api.example.com\",\"port\":443,\"method\":\"GET\","
			  "\"path\":\"/v1?q=\\\"x\\\"\",\"decision\":\"allow\","
			  "\"rule\":\"api.example.com\",\"secrets\":[\"GITHUB_TOKEN\",\"KEY\"],"
			  "\"status\":200,\"bytes_up\":12,\"bytes_down\":3400,\"duration_ms\":31,"
			  "\"reason\":\"\"}\n";
	if (strcmp(buf, want) != 0)
		fprintf(stderr, "  got:  %s  want: %s", buf, want);
	CHECK(strcmp(buf, want) == 0);
	CHECK_EQ_INT(n, strlen(buf));
}

TEST(audit_format_nulls_and_long_path)
{
	char *path = malloc(AUDIT_PATH_MAX * 3);
	memset(path, '"', AUDIT_PATH_MAX * 3 - 1);
	path[AUDIT_PATH_MAX * 3 - 1] = 0;
	struct audit_event ev = {.time = {.tv_sec = 1}, .event = "deny", .host = "h", .path = path};
	char buf[AUDIT_LINE_MAX];
	size_t n = audit_format(&ev, buf, sizeof buf);
	CHECK(n > 0 && n < sizeof buf);
	CHECK(strstr(buf, "\"secrets\":[]") != NULL);
	CHECK(strstr(buf, "\"method\":\"\"") != NULL);
	CHECK(strstr(buf, "...\",\"decision\"") != NULL);
	CHECK(buf[n - 1] == '\n');
	/* Too small a buffer fails cleanly instead of writing broken JSON. */
	CHECK_EQ_INT(audit_format(&ev, buf, 100), 0);
	free(path);
}
