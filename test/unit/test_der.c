/* Unit tests of the DER writer: every primitive against known encodings. */
#include "test/unit/harness.h"
#include "proxy/tls/der.h"

#include <stdint.h>

/* Checks that the writer finished cleanly holding exactly the bytes of want. */
#define EXPECT_DER(buf, d, want)                                            \
	do {                                                                \
		size_t n_ = 0;                                              \
		CHECK_EQ_INT(der_finish(&(d), &n_), DER_OK);                \
		CHECK_EQ_INT(n_, sizeof(want));                             \
		CHECK(n_ == sizeof(want) && memcmp((buf), (want), n_) == 0); \
	} while (0)

TEST(der_integer_small_and_sign)
{
	unsigned char buf[64];
	struct der d;

	der_init(&d, buf, sizeof buf);
	der_uint64(&d, 0);
	der_uint64(&d, 127);
	der_uint64(&d, 128); /* top bit set: needs a 0x00 so it is not -128 */
	der_uint64(&d, 256);
	der_uint64(&d, 0x8000);
	static const unsigned char want[] = {
		0x02, 0x01, 0x00,
		0x02, 0x01, 0x7f,
		0x02, 0x02, 0x00, 0x80,
		0x02, 0x02, 0x01, 0x00,
		0x02, 0x03, 0x00, 0x80, 0x00,
	};
	EXPECT_DER(buf, d, want);
}

TEST(der_integer_leading_zeros_dropped)
{
	unsigned char buf[64];
	struct der d;
	static const unsigned char mag1[] = {0x00, 0x00, 0x01, 0x02};
	static const unsigned char mag2[] = {0x00, 0xff, 0x01};
	static const unsigned char mag3[] = {0x00, 0x00};

	der_init(&d, buf, sizeof buf);
	der_uint(&d, mag1, sizeof mag1);
	der_uint(&d, mag2, sizeof mag2); /* 0x00 stays: the first kept byte has bit 7 */
	der_uint(&d, mag3, sizeof mag3);
	der_uint(&d, NULL, 0);
	static const unsigned char want[] = {
		0x02, 0x02, 0x01, 0x02,
		0x02, 0x03, 0x00, 0xff, 0x01,
		0x02, 0x01, 0x00,
		0x02, 0x01, 0x00,
	};
	EXPECT_DER(buf, d, want);
}

TEST(der_length_forms)
{
	unsigned char l[10];
	CHECK_EQ_INT(der_put_length(l, 0), 1);
	CHECK_EQ_INT(l[0], 0);
	CHECK_EQ_INT(der_put_length(l, 127), 1);
	CHECK_EQ_INT(l[0], 0x7f);
	CHECK_EQ_INT(der_put_length(l, 128), 2);
	CHECK(l[0] == 0x81 && l[1] == 0x80);
	CHECK_EQ_INT(der_put_length(l, 255), 2);
	CHECK(l[0] == 0x81 && l[1] == 0xff);
	CHECK_EQ_INT(der_put_length(l, 256), 3);
	CHECK(l[0] == 0x82 && l[1] == 0x01 && l[2] == 0x00);
	CHECK_EQ_INT(der_put_length(l, 65535), 3);
	CHECK(l[0] == 0x82 && l[1] == 0xff && l[2] == 0xff);
	CHECK_EQ_INT(der_put_length(l, 65536), 4);
	CHECK(l[0] == 0x83 && l[1] == 0x01 && l[2] == 0x00 && l[3] == 0x00);
}

/* A SEQUENCE whose content grows past 127, 255 and 65535 bytes: der_end must move the
 * content and write the long length form. */
static void check_seq_of(size_t content)
{
	static unsigned char buf[70000], body[66000];
	struct der d;
	memset(body, 0x5a, sizeof body);
	der_init(&d, buf, sizeof buf);
	der_begin(&d, DER_SEQUENCE);
	der_raw(&d, body, content);
	der_end(&d);
	size_t n = 0;
	unsigned char hdr[10];
	size_t k = der_put_length(hdr, content);
	CHECK_EQ_INT(der_finish(&d, &n), DER_OK);
	CHECK_EQ_INT(n, 1 + k + content);
	CHECK_EQ_INT(buf[0], 0x30);
	CHECK_MEM(buf + 1, hdr, k);
	CHECK(memcmp(buf + 1 + k, body, content) == 0);
}

TEST(der_sequence_lengths_127_128_255_256_65536)
{
	check_seq_of(0);
	check_seq_of(127);
	check_seq_of(128);
	check_seq_of(255);
	check_seq_of(256);
	check_seq_of(65536);
}

TEST(der_nesting)
{
	unsigned char buf[600];
	unsigned char big[200];
	struct der d;
	memset(big, 1, sizeof big);
	der_init(&d, buf, sizeof buf);
	der_begin(&d, DER_SEQUENCE);
	der_begin(&d, DER_CONTEXT_CONS(3));
	der_begin(&d, DER_SEQUENCE);
	der_raw(&d, big, sizeof big); /* 200: inner needs 0x81 */
	der_end(&d);
	der_end(&d);
	der_bool(&d, 1);
	der_end(&d);
	size_t n = 0;
	CHECK_EQ_INT(der_finish(&d, &n), DER_OK);
	/* inner 30 81 c8 +200 = 203; [3] a3 81 cb +203 = 206; bool 3; outer 30 81 d1 */
	static const unsigned char head[] = {0x30, 0x81, 0xd1, 0xa3, 0x81, 0xcb, 0x30, 0x81, 0xc8};
	CHECK_EQ_INT(n, 3 + 209);
	CHECK_MEM(buf, head, sizeof head);
	CHECK(memcmp(buf + 9, big, sizeof big) == 0);
	static const unsigned char tail[] = {0x01, 0x01, 0xff};
	CHECK_MEM(buf + 9 + 200, tail, 3);
}

TEST(der_unbalanced_is_an_error)
{
	unsigned char buf[16];
	struct der d;
	size_t n;
	der_init(&d, buf, sizeof buf);
	der_begin(&d, DER_SEQUENCE);
	CHECK_EQ_INT(der_finish(&d, &n), DER_ERR_NESTING);
	der_init(&d, buf, sizeof buf);
	der_end(&d);
	CHECK_EQ_INT(der_finish(&d, &n), DER_ERR_NESTING);
	der_init(&d, buf, sizeof buf);
	for (int i = 0; i < DER_MAX_DEPTH + 1; i++)
		der_begin(&d, DER_SEQUENCE);
	CHECK(der_finish(&d, &n) != DER_OK);
}

TEST(der_overflow_is_sticky)
{
	unsigned char buf[8];
	struct der d;
	size_t n = 99;
	der_init(&d, buf, 4);
	der_tlv(&d, DER_OCTET_STRING, "abcdef", 6);
	der_bool(&d, 0); /* would fit, but the writer has already failed */
	CHECK_EQ_INT(der_finish(&d, &n), DER_ERR_SPACE);
	CHECK_EQ_INT(n, 99);
	/* A long length that does not fit when der_end has to grow it. */
	unsigned char b2[130], src[128] = {0};
	der_init(&d, b2, sizeof b2);
	der_begin(&d, DER_SEQUENCE);
	der_raw(&d, src, sizeof src);
	der_end(&d);
	CHECK_EQ_INT(der_finish(&d, &n), DER_ERR_SPACE);
}

TEST(der_oid_known_encodings)
{
	unsigned char buf[64];
	struct der d;
	der_init(&d, buf, sizeof buf);
	der_oid(&d, "2.5.29.19");            /* basicConstraints */
	der_oid(&d, "1.2.840.10045.4.3.2");  /* ecdsa-with-SHA256 */
	der_oid(&d, "1.3.6.1.5.5.7.3.1");    /* serverAuth */
	der_oid(&d, "1.2.840.113549");       /* rsadsi: multi-byte arcs */
	der_oid(&d, "2.999.3");              /* first two arcs sum past 127 */
	static const unsigned char want[] = {
		0x06, 0x03, 0x55, 0x1d, 0x13,
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
		0x06, 0x06, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x06, 0x03, 0x88, 0x37, 0x03,
	};
	EXPECT_DER(buf, d, want);
}

TEST(der_oid_rejects_bad_text)
{
	static const char *bad[] = {"", "1", "3.1", "1.40", "1..2", "1.2.", "a.b", "1.2x",
				    ".1.2", "1.2.99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned char buf[64];
		struct der d;
		size_t n;
		der_init(&d, buf, sizeof buf);
		der_oid(&d, bad[i]);
		if (der_finish(&d, &n) != DER_ERR_VALUE)
			harness_fail(__FILE__, __LINE__, bad[i]);
	}
}

TEST(der_bit_strings)
{
	unsigned char buf[64];
	struct der d;
	static const unsigned char key[] = {0x04, 0xaa};
	der_init(&d, buf, sizeof buf);
	der_bits(&d, key, sizeof key);
	der_named_bits(&d, 1u << 0);              /* digitalSignature */
	der_named_bits(&d, (1u << 5) | (1u << 6)); /* keyCertSign | cRLSign */
	der_named_bits(&d, 1u << 8);              /* decipherOnly: second byte */
	der_named_bits(&d, 0);
	static const unsigned char want[] = {
		0x03, 0x03, 0x00, 0x04, 0xaa,
		0x03, 0x02, 0x07, 0x80,
		0x03, 0x02, 0x01, 0x06,
		0x03, 0x03, 0x07, 0x00, 0x80,
		0x03, 0x01, 0x00,
	};
	EXPECT_DER(buf, d, want);
}

TEST(der_time_utc_before_2050_generalized_after)
{
	unsigned char buf[64];
	struct der d;
	der_init(&d, buf, sizeof buf);
	der_time(&d, 1700000000);      /* 2023-11-14 22:13:20 */
	der_time(&d, 2524607999);      /* 2049-12-31 23:59:59: last UTCTime second */
	der_time(&d, 2524608000);      /* 2050-01-01 00:00:00 */
	size_t n = 0;
	CHECK_EQ_INT(der_finish(&d, &n), DER_OK);
	static const char want[] = "\x17\x0d" "231114221320Z"
				   "\x17\x0d" "491231235959Z"
				   "\x18\x0f" "20500101000000Z";
	CHECK_EQ_INT(n, sizeof want - 1);
	CHECK_MEM(buf, want, sizeof want - 1);
}

TEST(der_time_before_1950_is_generalized)
{
	unsigned char buf[32];
	struct der d;
	der_init(&d, buf, sizeof buf);
	der_time(&d, -631152001); /* 1949-12-31 23:59:59 */
	size_t n = 0;
	CHECK_EQ_INT(der_finish(&d, &n), DER_OK);
	static const char want[] = "\x18\x0f" "19491231235959Z";
	CHECK_EQ_INT(n, sizeof want - 1);
	CHECK_MEM(buf, want, sizeof want - 1);
}

TEST(der_bool_and_tlv)
{
	unsigned char buf[32];
	struct der d;
	der_init(&d, buf, sizeof buf);
	der_bool(&d, 1);
	der_bool(&d, 0);
	der_tlv(&d, DER_CONTEXT(2), "a.b", 3); /* dNSName */
	der_tlv(&d, DER_NULL, NULL, 0);
	static const unsigned char want[] = {0x01, 0x01, 0xff, 0x01, 0x01, 0x00,
					     0x82, 0x03, 'a', '.', 'b', 0x05, 0x00};
	EXPECT_DER(buf, d, want);
}
