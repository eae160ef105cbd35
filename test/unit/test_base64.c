/* Unit tests for proxy/base64 and proxy/percent: RFC 4648 vectors, strictness of the
 * decoder, the incremental encoder, and percent-encoding of values. */
#include "test/unit/harness.h"

#include "net/base/base64.h"
#include "net/base/percent.h"

static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
				    "Zm9vYmFy"};

TEST(base64_encode_rfc4648_vectors)
{
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		char out[16];
		size_t n = 99;
		CHECK_EQ_INT(base64_encode((const unsigned char *)plain[i], strlen(plain[i]), out,
					   sizeof out, &n),
			     0);
		CHECK_EQ_INT(n, strlen(coded[i]));
		CHECK_EQ_INT(n, base64_encoded_len(strlen(plain[i])));
		CHECK_MEM(out, coded[i], n);
	}
}

TEST(base64_decode_rfc4648_vectors)
{
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		unsigned char out[16];
		size_t n = 99;
		CHECK_EQ_INT(base64_decode(coded[i], strlen(coded[i]), out, sizeof out, &n), 0);
		CHECK_EQ_INT(n, strlen(plain[i]));
		CHECK_MEM(out, plain[i], n);
	}
}

TEST(base64_decode_all_bytes_roundtrip)
{
	unsigned char in[256], back[256];
	char enc[400];
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	for (size_t len = 0; len <= 256; len += 1) {
		size_t n, m;
		CHECK_EQ_INT(base64_encode(in, len, enc, sizeof enc, &n), 0);
		CHECK_EQ_INT(base64_decode(enc, n, back, sizeof back, &m), 0);
		CHECK_EQ_INT(m, len);
		CHECK_MEM(back, in, len);
	}
}

TEST(base64_decode_is_strict)
{
	static const char *const bad[] = {
		"Zm9",       /* length not a multiple of 4 */
		"Zm9v!A==",  /* character outside the alphabet */
		"Zm9v Zg==", /* space */
		"Zg==Zm9v",  /* padding before the end */
		"Zg=v",      /* '=' then a letter */
		"Z===",      /* three padding characters */
		"====",      /* padding only */
		"Zh==",      /* non-canonical: unused bits set ('f' is Zg==) */
		"Zm9=",      /* non-canonical: unused bits set ("fo" is Zm8=) */
		"Zm9v-_==",  /* URL-safe alphabet is not Basic's */
		"Zg",        /* unpadded */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned char out[16];
		size_t n;
		if (base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n) != -1) {
			harness_fail(__FILE__, __LINE__, bad[i]);
		}
	}
}

TEST(base64_decode_output_too_small)
{
	unsigned char out[5];
	size_t n;
	CHECK_EQ_INT(base64_decode("Zm9vYmFy", 8, out, sizeof out, &n), -1);
	CHECK_EQ_INT(base64_decode("Zm9vYmE=", 8, out, sizeof out, &n), 0);
	CHECK_EQ_INT(n, 5);
}

TEST(base64_encode_overflow_reports_size_and_stays_in_bounds)
{
	char out[8];
	memset(out, '#', sizeof out);
	size_t n;
	CHECK_EQ_INT(base64_encode((const unsigned char *)"foobar", 6, out, 6, &n), -1);
	CHECK_EQ_INT(n, 8);
	CHECK_EQ_INT(out[6], '#');
	CHECK_EQ_INT(out[7], '#');
	CHECK_EQ_INT(base64_encode((const unsigned char *)"foobar", 6, out, n, &n), 0);
	CHECK_MEM(out, "Zm9vYmFy", 8);
}

TEST(base64_stream_pieces_equal_one_shot)
{
	const char *text = "x-access-token:ghp_value_1234";
	size_t len = strlen(text);
	char whole[64];
	size_t wn;
	CHECK_EQ_INT(base64_encode((const unsigned char *)text, len, whole, sizeof whole, &wn), 0);
	for (size_t a = 0; a <= len; a++) {
		for (size_t b = a; b <= len; b++) {
			struct base64_stream s = {{0}, 0};
			char out[64];
			size_t pos = 0;
			int rc = base64_stream_put(&s, (const unsigned char *)text, a, out, sizeof out, &pos);
			rc |= base64_stream_put(&s, (const unsigned char *)text + a, b - a, out, sizeof out, &pos);
			rc |= base64_stream_put(&s, (const unsigned char *)text + b, len - b, out, sizeof out, &pos);
			rc |= base64_stream_end(&s, out, sizeof out, &pos);
			CHECK_EQ_INT(rc, 0);
			CHECK_EQ_INT(pos, wn);
			CHECK_MEM(out, whole, wn);
		}
	}
}

TEST(percent_hex_and_unreserved)
{
	CHECK_EQ_INT(percent_hexval('0'), 0);
	CHECK_EQ_INT(percent_hexval('a'), 10);
	CHECK_EQ_INT(percent_hexval('F'), 15);
	CHECK_EQ_INT(percent_hexval('g'), -1);
	CHECK_EQ_INT(percent_hexval(':'), -1);
	const char *unres = "AZaz09-._~";
	for (const char *p = unres; *p; p++)
		CHECK(percent_unreserved((unsigned char)*p));
	const char *res = ":/?#[]@!$&'()*+,;=% \"";
	for (const char *p = res; *p; p++)
		CHECK(!percent_unreserved((unsigned char)*p));
	CHECK(!percent_unreserved(0x80));
}

TEST(percent_next_decodes_escapes_of_either_case)
{
	unsigned char c;
	CHECK_EQ_INT(percent_next("%3A", 3, &c), 3);
	CHECK_EQ_INT(c, ':');
	CHECK_EQ_INT(percent_next("%3a", 3, &c), 3);
	CHECK_EQ_INT(c, ':');
	CHECK_EQ_INT(percent_next("%3", 2, &c), 1); /* truncated: a literal '%' */
	CHECK_EQ_INT(c, '%');
	CHECK_EQ_INT(percent_next("%G1", 3, &c), 1);
	CHECK_EQ_INT(c, '%');
	CHECK_EQ_INT(percent_next("x%3A", 4, &c), 1);
	CHECK_EQ_INT(c, 'x');
}

TEST(percent_encode_value)
{
	const char *v = "a b/c+d~e_f.g-h:%\xff";
	char out[64];
	size_t pos = 0;
	CHECK_EQ_INT(percent_encode((const unsigned char *)v, strlen(v), out, sizeof out, &pos), 0);
	const char *want = "a%20b%2Fc%2Bd~e_f.g-h%3A%25%FF";
	CHECK_EQ_INT(pos, strlen(want));
	CHECK_EQ_INT(pos, percent_encoded_len((const unsigned char *)v, strlen(v)));
	CHECK_MEM(out, want, pos);
}

TEST(percent_encode_overflow_stays_in_bounds)
{
	char out[8];
	memset(out, '#', sizeof out);
	size_t pos = 0;
	/* "ab" fits, the escape for ' ' needs 3 bytes but only 2 remain. */
	CHECK_EQ_INT(percent_encode((const unsigned char *)"ab c", 4, out, 4, &pos), -1);
	CHECK_EQ_INT(pos, 6);
	CHECK_EQ_INT(out[4], '#');
}

TEST(base64url_encode_vectors_without_padding)
{
	static const char *const url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE",
					  "Zm9vYmFy"};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		char out[16];
		size_t n = 99;
		CHECK_EQ_INT(base64url_encode((const unsigned char *)plain[i], strlen(plain[i]), out,
					      sizeof out, &n),
			     0);
		CHECK_EQ_INT(n, strlen(url[i]));
		CHECK_EQ_INT(n, base64url_encoded_len(strlen(plain[i])));
		CHECK_MEM(out, url[i], n);
	}
	/* the two characters that differ from standard base64 */
	const unsigned char b[] = {0xfb, 0xff, 0xbf};
	char out[8];
	size_t n;
	CHECK_EQ_INT(base64url_encode(b, sizeof b, out, sizeof out, &n), 0);
	CHECK_EQ_INT(n, 4);
	CHECK_MEM(out, "-_-_", 4);
}

TEST(base64url_encode_matches_base64_for_all_bytes)
{
	unsigned char in[256];
	char std[400], url[400];
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)(255 - i);
	for (size_t len = 0; len <= 256; len += 1) {
		size_t ns, nu;
		CHECK_EQ_INT(base64_encode(in, len, std, sizeof std, &ns), 0);
		CHECK_EQ_INT(base64url_encode(in, len, url, sizeof url, &nu), 0);
		while (ns > 0 && std[ns - 1] == '=')
			ns--;
		CHECK_EQ_INT(nu, ns);
		for (size_t k = 0; k < ns; k++)
			CHECK(url[k] == (std[k] == '+' ? '-' : std[k] == '/' ? '_' : std[k]));
	}
}

TEST(base64url_encode_overflow_stays_in_bounds)
{
	char out[8];
	memset(out, '#', sizeof out);
	size_t n = 0;
	CHECK_EQ_INT(base64url_encode((const unsigned char *)"foobar", 6, out, 7, &n), -1);
	CHECK_EQ_INT(n, 8);
	CHECK(out[7] == '#');
	CHECK_EQ_INT(base64url_encode((const unsigned char *)"fooba", 5, out, 7, &n), 0);
	CHECK_EQ_INT(n, 7);
	CHECK_MEM(out, "Zm9vYmE", 7);
}
