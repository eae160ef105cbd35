/* Unit tests of the chunked-body validator: where bodies end, independence from how
 * the bytes are split, and each framing refusal. */
#include "test/unit/harness.h"
#include "proxy/proto/http.h"

#include <stdlib.h>

/* Feeds s[0..len) in pieces of `step` bytes (0: all at once). Returns the total of bytes
 * taken, or -1 on error; *done as at the end. */
static long feed_steps(const char *s, size_t len, size_t step, int *done, const char **why)
{
	struct http_chunked c;
	http_chunked_init(&c);
	size_t off = 0;
	*done = 0;
	if (step == 0)
		step = len ? len : 1;
	while (off < len && !*done) {
		size_t n = len - off < step ? len - off : step;
		long r = http_chunked_feed(&c, s + off, n, done, why);
		if (r < 0)
			return -1;
		off += (size_t)r;
		if ((size_t)r < n && !*done)
			return -2; /* took less without ending: a contract violation */
	}
	return (long)off;
}

/* Checks that lit is a complete body of `body` bytes, in every split from 1 to 7. */
static void expect_body(const char *name, const char *s, size_t len, long body)
{
	for (size_t step = 0; step < 8; step++) {
		int done;
		const char *why = NULL;
		long r = feed_steps(s, len, step, &done, &why);
		if (r != body || !done) {
			char m[256];
			snprintf(m, sizeof m, "case '%s' step %zu: got %ld done %d, want %ld (%s)", name,
				 step, r, done, body, why ? why : "");
			harness_fail(__FILE__, __LINE__, m);
		}
	}
}

/* Checks that lit is refused with a reason, in every split from 1 to 7. */
static void expect_bad(const char *name, const char *s, size_t len)
{
	for (size_t step = 0; step < 8; step++) {
		int done;
		const char *why = NULL;
		long r = feed_steps(s, len, step, &done, &why);
		if (r != -1 || !why || !*why) {
			char m[256];
			snprintf(m, sizeof m, "case '%s' step %zu: got %ld, want -1 with a reason", name,
				 step, r);
			harness_fail(__FILE__, __LINE__, m);
		}
	}
}

/* Checks that lit is valid so far but not finished. */
static void expect_partial(const char *name, const char *s, size_t len)
{
	for (size_t step = 0; step < 8; step++) {
		int done;
		const char *why = NULL;
		long r = feed_steps(s, len, step, &done, &why);
		if (r != (long)len || done) {
			char m[256];
			snprintf(m, sizeof m, "case '%s' step %zu: got %ld done %d, want %zu not done (%s)",
				 name, step, r, done, len, why ? why : "");
			harness_fail(__FILE__, __LINE__, m);
		}
	}
}

#define BODY(name, lit) expect_body(name, lit, sizeof(lit) - 1, (long)(sizeof(lit) - 1))
#define BAD(name, lit) expect_bad(name, lit, sizeof(lit) - 1)
#define PARTIAL(name, lit) expect_partial(name, lit, sizeof(lit) - 1)

TEST(http_chunked_valid_bodies)
{
	BODY("simple", "5\r\nhello\r\n0\r\n\r\n");
	BODY("empty", "0\r\n\r\n");
	BODY("two chunks", "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
	BODY("hex sizes", "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n");
	BODY("leading zeros", "0005\r\nhello\r\n000\r\n\r\n");
	BODY("data holds CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n");
	BODY("extension", "5;name=value\r\nhello\r\n0;last\r\n\r\n");
	BODY("extension BWS", "5 ;a = b ; c\r\nhello\r\n0\r\n\r\n");
	BODY("extension quoted", "5;a=\"x y;\\\"z\\\\\"\r\nhello\r\n0\r\n\r\n");
	BODY("trailers", "5\r\nhello\r\n0\r\nX-Sum: abc\r\nX-Other:\r\n\r\n");
}

TEST(http_chunked_stops_at_end)
{
	const char *s = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
	struct http_chunked c;
	int done;
	const char *why;
	http_chunked_init(&c);
	CHECK_EQ_INT(http_chunked_feed(&c, s, strlen(s), &done, &why), 13);
	CHECK_EQ_INT(done, 1);
	/* After the end: nothing more is taken. */
	CHECK_EQ_INT(http_chunked_feed(&c, s + 13, 4, &done, &why), 0);
	CHECK_EQ_INT(done, 1);
}

TEST(http_chunked_large_chunk_in_pieces)
{
	static char data[70000];
	memset(data, 'x', sizeof data);
	struct http_chunked c;
	int done;
	const char *why;
	http_chunked_init(&c);
	CHECK_EQ_INT(http_chunked_feed(&c, "11170\r\n", 7, &done, &why), 7); /* 70000 */
	CHECK_EQ_INT(http_chunked_feed(&c, data, 30000, &done, &why), 30000);
	CHECK_EQ_INT(done, 0);
	CHECK_EQ_INT(http_chunked_feed(&c, data, 40000, &done, &why), 40000);
	CHECK_EQ_INT(http_chunked_feed(&c, "\r\n0\r\n\r\n", 7, &done, &why), 7);
	CHECK_EQ_INT(done, 1);
}

TEST(http_chunked_partial)
{
	PARTIAL("size only", "5");
	PARTIAL("size line", "5\r\n");
	PARTIAL("mid data", "5\r\nhel");
	PARTIAL("after data", "5\r\nhello\r\n");
	PARTIAL("last chunk", "5\r\nhello\r\n0\r\n");
	PARTIAL("in trailer", "0\r\nX-A: b\r\n");
	PARTIAL("final CR", "0\r\n\r");
	PARTIAL("max size", "7fffffffffffffff\r\n");
}

TEST(http_chunked_rejections)
{
	BAD("no size", "\r\nhello\r\n");
	BAD("size not hex", "g\r\n");
	BAD("negative", "-5\r\nhello\r\n");
	BAD("0x prefix", "0x5\r\nhello\r\n");
	BAD("space before size", " 5\r\nhello\r\n");
	BAD("space after size", "5 \r\nhello\r\n0\r\n\r\n");
	BAD("size overflow 2^63", "8000000000000000\r\n");
	BAD("size overflow long", "fffffffffffffffffffff\r\n");
	BAD("too many zeros", "000000000000000000000000000000001\r\n");
	BAD("bare LF after size", "5\nhello\r\n0\r\n\r\n");
	BAD("bare CR after size", "5\rhello\r\n");
	BAD("data too long", "5\r\nhelloX\r\n0\r\n\r\n");
	BAD("data LF only", "5\r\nhello\n0\r\n\r\n");
	BAD("data CR only", "5\r\nhello\rX");
	BAD("ext control char", "5;a\x01\r\nhello\r\n");
	BAD("ext bare LF", "5;a\nhello\r\n");
	BAD("ext CR in quotes", "5;a=\"x\r\n\"\r\nhello\r\n");
	BAD("ext NUL", "5;a=\0\r\n");
	BAD("trailer obs-fold", "0\r\nX-A: b\r\n c\r\n\r\n");
	BAD("trailer space before colon", "0\r\nX-A : b\r\n\r\n");
	BAD("trailer no colon", "0\r\nX-A\r\n\r\n");
	BAD("trailer bad name", "0\r\n(x): b\r\n\r\n");
	BAD("trailer NUL", "0\r\nX-A: \0\r\n\r\n");
	BAD("trailer bare CR", "0\r\nX-A: b\rc\r\n\r\n");
	BAD("final bare CR", "0\r\n\rX");
	BAD("final bare LF", "0\r\n\n");
}

TEST(http_chunked_extension_bound)
{
	static char b[HTTP_MAX_CHUNK_EXT + 64];
	strcpy(b, "1;");
	memset(b + 2, 'a', HTTP_MAX_CHUNK_EXT - 1);
	strcpy(b + 2 + HTTP_MAX_CHUNK_EXT - 1, "\r\nx\r\n0\r\n\r\n");
	expect_body("ext at the limit", b, strlen(b), (long)strlen(b));
	strcpy(b + 2 + HTTP_MAX_CHUNK_EXT - 1, "a\r\nx\r\n0\r\n\r\n");
	expect_bad("ext over the limit", b, strlen(b));
	/* Whitespace after the size counts too. */
	memset(b + 1, ' ', HTTP_MAX_CHUNK_EXT + 1);
	strcpy(b + HTTP_MAX_CHUNK_EXT + 2, ";\r\nx\r\n0\r\n\r\n");
	expect_bad("BWS over the limit", b, strlen(b));
}

TEST(http_chunked_trailer_bound)
{
	size_t n = HTTP_MAX_TRAILERS + 64;
	char *b = malloc(n + 1);
	strcpy(b, "0\r\nX-Big: ");
	memset(b + 10, 'v', n - 10);
	b[n] = 0;
	expect_bad("trailers over the limit", b, n);
	free(b);
}

TEST(http_chunked_error_is_sticky)
{
	struct http_chunked c;
	int done;
	const char *why = NULL, *why2 = NULL;
	http_chunked_init(&c);
	CHECK_EQ_INT(http_chunked_feed(&c, "z", 1, &done, &why), -1);
	CHECK_EQ_INT(http_chunked_feed(&c, "0\r\n\r\n", 5, &done, &why2), -1);
	CHECK(why && why == why2);
	CHECK_EQ_INT(done, 0);
}
