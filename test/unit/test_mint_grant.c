/* The [gcp] messages of the CA process (proxy/tls/mint.h): the service account's public
 * half ('A') and the signed grant ('G' -> 'J'), with refusals of malformed requests and
 * replies. The grant must be exactly what jwt.c signs for the key: RSASSA-PKCS1-v1_5 is
 * deterministic, so the bytes compare. */
#include "test/unit/harness.h"
#include "test/unit/gcp_testkeys.h"
#include "proxy/tls/mint.h"

#include <string.h>

#define NOW 1700000000

static struct gcp_key key;

static void load_key(void)
{
	const char *doc = test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI,
				       "kid-1", TEST_PROJECT);
	char err[256];
	CHECK_EQ_INT(gcp_key_parse(doc, strlen(doc), &key, err, sizeof err), 0);
}

TEST(mint_account_round_trips_and_refuses_malformed)
{
	load_key();
	unsigned char msg[MINT_MSG_MAX];
	size_t n = mint_account_encode(&key, msg, sizeof msg);
	CHECK(n > 1 && msg[0] == 'A');
	struct mint_account a;
	char err[200];
	CHECK_EQ_INT(mint_account_decode(msg, n, &a, err, sizeof err), 0);
	CHECK_EQ_STR(a.email, TEST_EMAIL);
	CHECK_EQ_STR(a.project_id, TEST_PROJECT);
	CHECK_EQ_STR(a.token_uri, TEST_URI);
	CHECK_EQ_INT(mint_account_encode(&key, msg, 10), 0); /* does not fit */
	n = mint_account_encode(&key, msg, sizeof msg);
	CHECK_EQ_INT(mint_account_decode(msg, n - 1, &a, err, sizeof err), -1); /* cut */
	CHECK(strstr(err, "malformed") != NULL);
	CHECK_EQ_STR(a.email, ""); /* nothing half-filled */
	msg[0] = 'K';
	CHECK_EQ_INT(mint_account_decode(msg, n, &a, err, sizeof err), -1);
	msg[0] = 'A';
	msg[3] = '\n'; /* not printable */
	CHECK_EQ_INT(mint_account_decode(msg, n, &a, err, sizeof err), -1);
	static const unsigned char empty_email[] = "A\0p\0https://x.test/t";
	CHECK_EQ_INT(mint_account_decode(empty_email, sizeof empty_email, &a, err, sizeof err), -1);
	static const unsigned char no_project[] = "A\0e@x\0\0https://x.test/t";
	CHECK_EQ_INT(mint_account_decode(no_project + 0, sizeof no_project, &a, err, sizeof err), -1);
	static const unsigned char ok_no_project[] = "Ae@x\0\0https://x.test/t";
	CHECK_EQ_INT(mint_account_decode(ok_no_project, sizeof ok_no_project, &a, err, sizeof err), 0);
	CHECK_EQ_STR(a.project_id, "");
	unsigned char trailing[sizeof ok_no_project + 1];
	memcpy(trailing, ok_no_project, sizeof ok_no_project);
	trailing[sizeof ok_no_project] = 'x';
	CHECK_EQ_INT(mint_account_decode(trailing, sizeof trailing, &a, err, sizeof err), -1);
}

TEST(mint_grant_is_the_key_s_signed_jwt_body)
{
	load_key();
	unsigned char req[16], reply[JWT_BODY_MAX + 16];
	size_t rl = mint_grant_request_encode(NOW, req, sizeof req);
	CHECK_EQ_INT((int)rl, 9);
	CHECK_EQ_INT((int)mint_grant_request_encode(NOW, req, 8), 0);
	const struct mint_grantor g = {&key, "https://www.googleapis.com/auth/cloud-platform"};
	size_t n = mint_grant_answer(&g, req, rl, reply, sizeof reply);
	char body[JWT_BODY_MAX], err[200];
	size_t blen = 0;
	CHECK_EQ_INT(mint_grant_reply_decode(reply, n, body, sizeof body, &blen, err, sizeof err), 0);
	static char jwt[JWT_MAX], want[JWT_BODY_MAX];
	long jl = jwt_sign_grant(&key, g.scopes, NOW, jwt, sizeof jwt, NULL);
	CHECK(jl > 0);
	long wl = jwt_grant_body(jwt, (size_t)jl, want, sizeof want);
	CHECK(wl > 0 && (size_t)wl == blen);
	CHECK_EQ_STR(body, want);
	static const char start[] = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3A"
				    "jwt-bearer&assertion=";
	CHECK(strncmp(body, start, sizeof start - 1) == 0);
	/* A body that does not fit the caller's buffer is refused, not cut. */
	CHECK_EQ_INT(mint_grant_reply_decode(reply, n, body, blen, &blen, err, sizeof err), -1);
}

TEST(mint_grant_refuses_without_a_key_or_with_a_bad_request)
{
	load_key();
	unsigned char req[16], reply[JWT_BODY_MAX + 16];
	char body[JWT_BODY_MAX], err[200];
	size_t blen;
	size_t rl = mint_grant_request_encode(NOW, req, sizeof req);
	size_t n = mint_grant_answer(NULL, req, rl, reply, sizeof reply);
	CHECK_EQ_INT(mint_grant_reply_decode(reply, n, body, sizeof body, &blen, err, sizeof err), -1);
	CHECK(strstr(err, "no [gcp] service account") != NULL);
	const struct mint_grantor g = {&key, NULL};
	n = mint_grant_answer(&g, req, rl - 1, reply, sizeof reply);
	CHECK_EQ_INT(mint_grant_reply_decode(reply, n, body, sizeof body, &blen, err, sizeof err), -1);
	CHECK(strstr(err, "not a grant request") != NULL);
	rl = mint_grant_request_encode((time_t)-5, req, sizeof req);
	n = mint_grant_answer(&g, req, rl, reply, sizeof reply);
	CHECK_EQ_INT(mint_grant_reply_decode(reply, n, body, sizeof body, &blen, err, sizeof err), -1);
	CHECK(strstr(err, "out of range") != NULL);
	static const unsigned char nul[] = {'J', 'a', 0, 'b'};
	CHECK_EQ_INT(mint_grant_reply_decode(nul, sizeof nul, body, sizeof body, &blen, err,
					     sizeof err), -1);
	CHECK(strstr(err, "malformed") != NULL);
}
