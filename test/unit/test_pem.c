/* Unit tests of the PEM helpers. */
#include "test/unit/harness.h"
#include "proxy/tls/pem.h"

struct seen {
	char labels[4][32];
	size_t lens[4];
	unsigned char first[4];
	unsigned idx[4];
	int n;
};

static int collect(void *ctx, const struct pem_object *o, char *err, size_t errlen)
{
	struct seen *s = ctx;
	if (s->n == 4) {
		snprintf(err, errlen, "too many objects (refused at entry %u)", o->index);
		return -1;
	}
	snprintf(s->labels[s->n], sizeof s->labels[0], "%s", o->label);
	s->lens[s->n] = o->len;
	s->first[s->n] = o->len ? o->der[0] : 0;
	s->idx[s->n] = o->index;
	s->n++;
	return 0;
}

TEST(pem_encode_round_trip_and_lines)
{
	unsigned char data[100], back[100];
	char pem[400];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 37 + 1);
	size_t sizes[] = {1, 2, 3, 47, 48, 49, 100};
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t n = pem_encode(pem, sizeof pem, "THING", data, sizes[k]);
		CHECK(n > 0 && strlen(pem) == n);
		CHECK(strncmp(pem, "-----BEGIN THING-----\n", 22) == 0);
		CHECK(n >= 20 && strcmp(pem + n - 20, "-----END THING-----\n") == 0);
		/* No line longer than 64 characters. */
		size_t col = 0, maxcol = 0;
		for (const char *p = pem + 22; *p && *p != '-'; p++) {
			col = *p == '\n' ? 0 : col + 1;
			if (col > maxcol)
				maxcol = col;
		}
		CHECK(maxcol <= 64);
		struct seen s = {.n = 0};
		char err[128];
		CHECK_EQ_INT(pem_decode_each(pem, n, back, sizeof back, collect, &s, err, sizeof err), 1);
		CHECK_EQ_INT(s.lens[0], sizes[k]);
		CHECK_EQ_STR(s.labels[0], "THING");
		CHECK_MEM(back, data, sizes[k]);
	}
	CHECK_EQ_INT(pem_encode(pem, 30, "THING", data, 48), 0);
	CHECK_EQ_STR(pem, "");
}

TEST(pem_decode_several_objects_crlf_and_no_final_newline)
{
	const char text[] = "junk before\r\n"
			    "-----BEGIN A-----\r\nAQID\r\n-----END A-----\r\n"
			    "text between\n"
			    "-----BEGIN b c-----\nBAUG\n-----END b c-----\n"
			    "-----BEGIN D-----\nBw==\n-----END D-----";
	unsigned char buf[16];
	struct seen s = {.n = 0};
	char err[128] = "";
	CHECK_EQ_INT(pem_decode_each(text, strlen(text), buf, sizeof buf, collect, &s, err,
				     sizeof err), 3);
	CHECK_EQ_INT(s.n, 3);
	CHECK_EQ_STR(s.labels[0], "A");
	CHECK_EQ_INT(s.lens[0], 3);
	CHECK_EQ_INT(s.first[0], 1);
	CHECK_EQ_STR(s.labels[1], "B C"); /* BearSSL upper-cases labels */
	CHECK_EQ_INT(s.first[1], 4);
	CHECK_EQ_INT(s.idx[2], 3);
	CHECK_EQ_INT(s.lens[2], 1);
	CHECK_EQ_INT(s.first[2], 7);
}

TEST(pem_decode_errors_name_the_entry)
{
	unsigned char buf[4];
	char err[256] = "";
	const char *big = "-----BEGIN A-----\nAQID\n-----END A-----\n"
			  "-----BEGIN B-----\nAQIDBAUG\n-----END B-----\n";
	CHECK_EQ_INT(pem_decode_each(big, strlen(big), buf, sizeof buf, NULL, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "entry 2 (B)") && strstr(err, "larger than 4 bytes"));

	const char *bad = "-----BEGIN A-----\nAQ!D\n-----END A-----\n";
	CHECK_EQ_INT(pem_decode_each(bad, strlen(bad), buf, sizeof buf, NULL, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "entry 1 (A)") && strstr(err, "malformed"));

	const char *open = "-----BEGIN A-----\nAQID\n";
	CHECK_EQ_INT(pem_decode_each(open, strlen(open), buf, sizeof buf, NULL, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "entry 1 (A)") && strstr(err, "-----END A-----"));

	struct seen s = {.n = 4};
	const char *ok = "-----BEGIN A-----\nAQID\n-----END A-----\n";
	CHECK_EQ_INT(pem_decode_each(ok, strlen(ok), buf, sizeof buf, collect, &s, err, sizeof err), -1);
	CHECK(strstr(err, "refused at entry 1") != NULL);

	CHECK_EQ_INT(pem_decode_each("", 0, buf, sizeof buf, NULL, NULL, err, sizeof err), 0);
}
