/* Unit tests of proxy/proto/json.c: finding, reading and the strictness that keeps two readers
 * of a credential file from disagreeing on which value is the secret. */
#include "test/unit/harness.h"

#include "proxy/proto/json.h"

#include <string.h>

static enum json_result find(const char *doc, const char *path, struct json_span *t)
{
	const char *why;
	return json_find_string(doc, strlen(doc), path, t, &why);
}

/* The decoded value of `path` in doc, in a static buffer ("" when not found). */
static const char *value(const char *doc, const char *path)
{
	static char buf[512];
	struct json_span t;
	if (find(doc, path, &t) != JSON_FOUND)
		return "(not found)";
	long n = json_string_decode(doc, t, buf, sizeof buf - 1);
	if (n < 0)
		return "(too long)";
	buf[n] = '\0';
	return buf;
}

TEST(json_finds_top_level_and_dotted_members)
{
	const char *doc = "{\"type\": \"authorized_user\", \"client_secret\":\"cs-1\",\n"
			  " \"token\": {\"access_token\": \"ya29.x\", \"n\": [1, {\"access_token\": 2}]},\n"
			  " \"expires_in\": 3599}";
	CHECK_EQ_STR(value(doc, "client_secret"), "cs-1");
	CHECK_EQ_STR(value(doc, "token.access_token"), "ya29.x");
	struct json_span t;
	CHECK_EQ_INT(find(doc, "access_token", &t), JSON_ABSENT); /* not at the top */
	CHECK_EQ_INT(find(doc, "expires_in", &t), JSON_NOT_STRING);
	CHECK_EQ_INT(find(doc, "token", &t), JSON_NOT_STRING);
	CHECK_EQ_INT(find(doc, "token.access_token.x", &t), JSON_ABSENT); /* not an object */
	CHECK_EQ_INT(find(doc, "nothing.here", &t), JSON_ABSENT);
	/* the span is the token with its quotes, inside the document */
	CHECK_EQ_INT(find(doc, "client_secret", &t), JSON_FOUND);
	CHECK_EQ_INT(t.len, 6);
	CHECK(memcmp(doc + t.off, "\"cs-1\"", 6) == 0);
}

TEST(json_decodes_escapes)
{
	const char *doc = "{\"private_key\": \"-----BEGIN\\nline\\/2\\t\\\"q\\\\ \\u00e9\\ud83d\\ude00\"}";
	CHECK_EQ_STR(value(doc, "private_key"), "-----BEGIN\nline/2\t\"q\\ \xc3\xa9\xf0\x9f\x98\x80");
	/* an escaped key name matches the plain path */
	CHECK_EQ_STR(value("{\"\\u0061b\": \"v\"}", "ab"), "v");
	/* a value too long for the caller's buffer */
	struct json_span t;
	char small[3];
	CHECK_EQ_INT(find("{\"k\":\"abcd\"}", "k", &t), JSON_FOUND);
	CHECK_EQ_INT(json_string_decode("{\"k\":\"abcd\"}", t, small, sizeof small), -1);
}

TEST(json_duplicate_members_on_the_path_are_refused)
{
	struct json_span t;
	const char *why = NULL;
	const char *d1 = "{\"a\": \"1\", \"a\": \"2\"}";
	CHECK_EQ_INT(json_find_string(d1, strlen(d1), "a", &t, &why), JSON_INVALID);
	CHECK(why && strstr(why, "twice"));
	/* the second "a" lacks b: a last-wins reader would find nothing */
	CHECK_EQ_INT(find("{\"a\": {\"b\": \"1\"}, \"a\": {}}", "a.b", &t), JSON_INVALID);
	/* duplicates off the path are no business of ours */
	CHECK_EQ_STR(value("{\"x\": 1, \"x\": 2, \"a\": \"v\"}", "a"), "v");
	/* an escaped duplicate is still a duplicate */
	CHECK_EQ_INT(find("{\"a\": \"1\", \"\\u0061\": \"2\"}", "a", &t), JSON_INVALID);
}

TEST(json_refuses_what_is_not_json)
{
	static const char *const bad[] = {
		"", " ", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "{a:1}", "{'a':1}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":+1}",
		"{\"a\":tru}", "{\"a\":\"x\ny\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":\"\\ud83d\"}", "{\"a\":\"\\ude00\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xc0\xaf\"}",
		"{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}", "{} {}", "{}x",
		"\xef\xbb\xbf{}", "{\"a\":\"unterminated}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct json_span t;
		const char *why = NULL;
		if (json_find_string(bad[i], strlen(bad[i]), "a", &t, &why) != JSON_INVALID || !why) {
			char m[128];
			snprintf(m, sizeof m, "accepted as JSON: case %zu", i);
			harness_fail(__FILE__, __LINE__, m);
		}
	}
	static const char *const good[] = {
		"{}", " {\"a\" : \"v\" } ", "[]", "\"s\"", "0", "-0.5e+10", "true", "null",
		"{\"b\":[[],{},\"\\u0000\",1E5,false]}", "{\"a\":\"\xf0\x9f\x98\x80\"}",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct json_span t;
		const char *why = NULL;
		if (json_find_string(good[i], strlen(good[i]), "a", &t, &why) == JSON_INVALID) {
			char m[160];
			snprintf(m, sizeof m, "refused valid JSON: case %zu (%s)", i, why ? why : "?");
			harness_fail(__FILE__, __LINE__, m);
		}
	}
}

TEST(json_depth_and_path_limits)
{
	char deep[2 * JSON_MAX_DEPTH + 8];
	size_t n = 0;
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		deep[n++] = ']';
	struct json_span t;
	const char *why;
	CHECK_EQ_INT(json_find_string(deep, n, "a", &t, &why), JSON_INVALID);
	CHECK_EQ_INT(json_find_string(deep + 1, n - 2, "a", &t, &why), JSON_ABSENT);
	CHECK_EQ_INT(find("{}", "", &t), JSON_INVALID);
	CHECK_EQ_INT(find("{}", "a..b", &t), JSON_INVALID);
	CHECK_EQ_INT(find("{}", "a.b.c.d.e.f.g.h.i", &t), JSON_INVALID);
}

/* json_escape of s, wrapped as {"k":"..."} and read back with the scanner. */
static const char *escape_roundtrip(const char *s, size_t n)
{
	static char doc[512];
	size_t pos = 7;
	memcpy(doc, "{\"k\": \"", 7);
	if (json_escape(s, n, doc, sizeof doc - 3, &pos) < 0)
		return "(escape failed)";
	memcpy(doc + pos, "\"}", 3);
	return value(doc, "k");
}

TEST(json_escape_roundtrips_through_the_scanner)
{
	const char s[] = "a\"b\\c/d\n\r\t\x01\x1f\x7f \xc3\xa9\xf0\x9f\x98\x80";
	CHECK_EQ_STR(escape_roundtrip(s, sizeof s - 1), s);
	/* an embedded NUL is escaped, not cut */
	static char out[32];
	size_t pos = 0;
	CHECK_EQ_INT(json_escape("a\0b", 3, out, sizeof out, &pos), 0);
	CHECK_EQ_INT(pos, 8);
	CHECK_MEM(out, "a\\u0000b", 8);
	pos = 0;
	CHECK_EQ_INT(json_escape("\"\x7f\n", 3, out, sizeof out, &pos), 0);
	CHECK_EQ_INT(pos, 10);
	CHECK_MEM(out, "\\\"\\u007f\\n", 10);
}

TEST(json_escape_refuses_invalid_utf8_and_stays_in_bounds)
{
	char out[8];
	size_t pos = 0;
	CHECK_EQ_INT(json_escape("a\xff", 2, out, sizeof out, &pos), -1);
	pos = 0;
	CHECK_EQ_INT(json_escape("\xc0\xaf", 2, out, sizeof out, &pos), -1); /* overlong */
	pos = 0;
	CHECK_EQ_INT(json_escape("\xed\xa0\x80", 3, out, sizeof out, &pos), -1); /* surrogate */
	pos = 0;
	CHECK_EQ_INT(json_escape("\xc3", 1, out, sizeof out, &pos), -1); /* cut sequence */
	/* too small: the size needed is reported, nothing past cap is written */
	memset(out, '#', sizeof out);
	pos = 0;
	CHECK_EQ_INT(json_escape("abc\"def", 7, out, 5, &pos), -1);
	CHECK_EQ_INT(pos, 8);
	CHECK(out[5] == '#' && out[6] == '#');
	CHECK_MEM(out, "abc", 3);
	/* appending after what is already there */
	pos = 2;
	CHECK_EQ_INT(json_escape("xy", 2, out, sizeof out, &pos), 0);
	CHECK_EQ_INT(pos, 4);
	CHECK_MEM(out + 2, "xy", 2);
}
