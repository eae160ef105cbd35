/* Unit tests of proxy/tls/jwt.c: the RS256 grant assertion for a service-account key (the
 * TEST-ONLY key of gcp_testkeys.h), checked against a JWT that `openssl dgst -sha256 -sign`
 * produced for the same key and time, verified with the public key openssl printed,
 * decoded back and read with json.h; and the token request's form body. */
#include "test/unit/harness.h"

#include "net/base/base64.h"
#include "proxy/proto/json.h"
#include "proxy/tls/jwt.h"
#include "test/unit/gcp_testkeys.h"

#include <stdlib.h>

/* What openssl made (see above) for iat 1700000000, kid TEST_KID, the default scope. */
static const char expected_jwt[] =
	"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IjAxMjM0NTY3ODlhYmNkZWYwMTIz"
	"NDU2Nzg5YWJjZGVmMDEyMzQ1NjcifQ.eyJpc3MiOiJhaXJsb2NrLXRlc3RAYWlybG9jay10Z"
	"XN0LXByb2plY3QuaWFtLmdzZXJ2aWNlYWNjb3VudC5jb20iLCJzY29wZSI6Imh0dHBzOi8vd"
	"3d3Lmdvb2dsZWFwaXMuY29tL2F1dGgvY2xvdWQtcGxhdGZvcm0iLCJhdWQiOiJodHRwczovL"
	"29hdXRoMi5nb29nbGVhcGlzLmNvbS90b2tlbiIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxN"
	"zAwMDAzNjAwfQ.gFVok0qrCOMpkrjegJ2nagdZQ2UGgn62zayap0qi-RgRgQOekzrVZ9ASHF"
	"JuQ77yGGlZ0V7ZAWs5SUutElHuu-EkdBA1Ou1oW3LbOr_uFuofEqu3cNKZ88SmSA0NRAq9Ys"
	"uFSjNC5Af3R9ApsNuM5uKWdmyowO6mFD7ihaj3S9xAZTI-MrhRE6O_c1FhBiYSXkMRl6dPbh"
	"HUgApEVdpF5MMCrOpILvoYxnudZLLKcoZqztvI3oKbG7ePy5xSELBuc6th2pbS_glgUUm5cj"
	"vhYGVNeNjqBKTAxgM4n2bm3wcLGBmmRk0sci007mjs3Rp8IRzgAQLaHkkcodbJkogrZA";

static struct gcp_key key;

static void load(const char *kid)
{
	const char *doc = test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI,
				       kid, TEST_PROJECT);
	char err[256];
	CHECK_EQ_INT(gcp_key_parse(doc, strlen(doc), &key, err, sizeof err), 0);
}

/* Decodes the base64url part s[0..n) into out (NUL-terminated); its length or -1. */
static long unb64url(const char *s, size_t n, char *out, size_t cap)
{
	char std[JWT_MAX];
	if (n + 3 > sizeof std)
		return -1;
	for (size_t i = 0; i < n; i++)
		std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (n % 4)
		std[n++] = '=';
	size_t len;
	if (base64_decode(std, n, (unsigned char *)out, cap - 1, &len) < 0)
		return -1;
	out[len] = 0;
	return (long)len;
}

/* The JWT's three parts. */
struct parts {
	char header[1024], claims[JWT_CLAIMS_MAX];
	unsigned char sig[512];
	long siglen;
	size_t signed_len; /* header.claims */
};

static int split(const char *jwt, struct parts *p)
{
	const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2 || strchr(d2 + 1, '.'))
		return -1;
	p->signed_len = (size_t)(d2 - jwt);
	if (unb64url(jwt, (size_t)(d1 - jwt), p->header, sizeof p->header) < 0 ||
	    unb64url(d1 + 1, (size_t)(d2 - d1 - 1), p->claims, sizeof p->claims) < 0)
		return -1;
	p->siglen = unb64url(d2 + 1, strlen(d2 + 1), (char *)p->sig, sizeof p->sig);
	return p->siglen < 0 ? -1 : 0;
}

/* Verifies sig over msg[0..n) with the public key as openssl printed it (not the one
 * gcp_key derived). */
static int verify(const char *msg, size_t n, const unsigned char *sig, size_t siglen)
{
	unsigned char nb[256], e[3] = {1, 0, 1}, hash[32], back[32];
	for (size_t i = 0; i < sizeof nb; i++) {
		char h[3] = {test_rsa2048_modulus_hex[2 * i], test_rsa2048_modulus_hex[2 * i + 1], 0};
		nb[i] = (unsigned char)strtoul(h, NULL, 16);
	}
	br_rsa_public_key pk = {nb, sizeof nb, e, sizeof e};
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, msg, n);
	br_sha256_out(&h, hash);
	if (!br_rsa_pkcs1_vrfy_get_default()(sig, siglen, BR_HASH_OID_SHA256, sizeof back, &pk, back))
		return 0;
	return memcmp(hash, back, sizeof hash) == 0;
}

/* The decoded string member `name` of json (static buffer), or "(absent)". */
static const char *member(const char *json, const char *name)
{
	static char buf[1024];
	struct json_span t;
	const char *why;
	if (json_find_string(json, strlen(json), name, &t, &why) != JSON_FOUND)
		return "(absent)";
	long n = json_string_decode(json, t, buf, sizeof buf - 1);
	if (n < 0)
		return "(too long)";
	buf[n] = 0;
	return buf;
}

TEST(jwt_matches_openssl_and_verifies)
{
	load(TEST_KID);
	char jwt[JWT_MAX];
	const char *why = NULL;
	long n = jwt_sign_grant(&key, NULL, 1700000000, jwt, sizeof jwt, &why);
	CHECK_EQ_INT(n, (long)strlen(expected_jwt));
	CHECK_EQ_STR(jwt, expected_jwt); /* RSASSA-PKCS1-v1_5 is deterministic */
	CHECK_EQ_INT(strlen(jwt), n);
	/* only the base64url alphabet and the two dots */
	CHECK(!strpbrk(jwt, "+/= \n"));
	for (long i = 0; i < n; i++)
		CHECK(jwt[i] == '.' || jwt[i] == '-' || jwt[i] == '_' || (jwt[i] >= '0' && jwt[i] <= '9') ||
		      (jwt[i] >= 'a' && jwt[i] <= 'z') || (jwt[i] >= 'A' && jwt[i] <= 'Z'));
	static struct parts p;
	CHECK_EQ_INT(split(jwt, &p), 0);
	CHECK_EQ_INT(p.siglen, 256);
	CHECK(verify(jwt, p.signed_len, p.sig, (size_t)p.siglen));
	gcp_key_wipe(&key);
}

TEST(jwt_header_and_claims_read_back)
{
	load(TEST_KID);
	char jwt[JWT_MAX];
	CHECK(jwt_sign_grant(&key, "https://www.googleapis.com/auth/a https://x/b", 1234567890, jwt,
			     sizeof jwt, NULL) > 0);
	static struct parts p;
	CHECK_EQ_INT(split(jwt, &p), 0);
	CHECK_EQ_STR(member(p.header, "alg"), "RS256");
	CHECK_EQ_STR(member(p.header, "typ"), "JWT");
	CHECK_EQ_STR(member(p.header, "kid"), TEST_KID);
	CHECK_EQ_STR(member(p.claims, "iss"), TEST_EMAIL);
	CHECK_EQ_STR(member(p.claims, "aud"), TEST_URI);
	CHECK_EQ_STR(member(p.claims, "scope"), "https://www.googleapis.com/auth/a https://x/b");
	CHECK(strstr(p.claims, ",\"iat\":1234567890,"));
	CHECK(strstr(p.claims, ",\"exp\":1234571490}"));
	CHECK(verify(jwt, p.signed_len, p.sig, (size_t)p.siglen));
	/* no kid without a private_key_id */
	load(NULL);
	CHECK(jwt_sign_grant(&key, NULL, 0, jwt, sizeof jwt, NULL) > 0);
	CHECK_EQ_INT(split(jwt, &p), 0);
	CHECK_EQ_STR(p.header, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
	CHECK_EQ_STR(member(p.claims, "scope"), JWT_SCOPE_DEFAULT);
	CHECK(strstr(p.claims, ",\"iat\":0,\"exp\":3600}"));
	CHECK(verify(jwt, p.signed_len, p.sig, (size_t)p.siglen));
	gcp_key_wipe(&key);
}

TEST(jwt_escapes_what_it_puts_in_json)
{
	const char *doc = test_keyfile("service_account", "a\"b\\c@d", test_rsa2048_pkcs8,
				       "https://t/\"x", "k\"1", NULL);
	char err[256];
	CHECK_EQ_INT(gcp_key_parse(doc, strlen(doc), &key, err, sizeof err), 0);
	char jwt[JWT_MAX];
	CHECK(jwt_sign_grant(&key, "s\"\n\x01\xc3\xa9", 5, jwt, sizeof jwt, NULL) > 0);
	static struct parts p;
	CHECK_EQ_INT(split(jwt, &p), 0);
	CHECK_EQ_STR(member(p.header, "kid"), "k\"1");
	CHECK_EQ_STR(member(p.claims, "iss"), "a\"b\\c@d");
	CHECK_EQ_STR(member(p.claims, "aud"), "https://t/\"x");
	CHECK_EQ_STR(member(p.claims, "scope"), "s\"\n\x01\xc3\xa9");
	/* a scope that is not UTF-8 cannot be put in JSON */
	const char *why = NULL;
	CHECK_EQ_INT(jwt_sign_grant(&key, "s\xff", 5, jwt, sizeof jwt, &why), -1);
	CHECK(why && strstr(why, "UTF-8"));
	gcp_key_wipe(&key);
}

TEST(jwt_tampering_breaks_the_signature)
{
	load(TEST_KID);
	char jwt[JWT_MAX];
	long n = jwt_sign_grant(&key, NULL, 1700000000, jwt, sizeof jwt, NULL);
	CHECK(n > 0);
	static struct parts p;
	CHECK_EQ_INT(split(jwt, &p), 0);
	CHECK(verify(jwt, p.signed_len, p.sig, (size_t)p.siglen));
	/* one byte of the signed part changed: every position tried */
	for (size_t i = 0; i < p.signed_len; i++) {
		char t[JWT_MAX];
		memcpy(t, jwt, p.signed_len);
		t[i] ^= 1;
		CHECK(!verify(t, p.signed_len, p.sig, (size_t)p.siglen));
	}
	/* one byte of the signature changed */
	for (long i = 0; i < p.siglen; i += 7) {
		unsigned char s[512];
		memcpy(s, p.sig, (size_t)p.siglen);
		s[i] ^= 0x80;
		CHECK(!verify(jwt, p.signed_len, s, (size_t)p.siglen));
	}
	gcp_key_wipe(&key);
}

TEST(jwt_refuses_small_buffers_and_bad_times)
{
	load(TEST_KID);
	char full[JWT_MAX];
	long n = jwt_sign_grant(&key, NULL, 1700000000, full, sizeof full, NULL);
	CHECK(n > 0);
	static char out[JWT_MAX + 16];
	const char *why;
	for (size_t cap = 0; cap <= (size_t)n + 1; cap += (cap < 8 || cap + 9 > (size_t)n) ? 1 : 61) {
		memset(out, '#', sizeof out);
		why = NULL;
		long r = jwt_sign_grant(&key, NULL, 1700000000, out, cap, &why);
		if (cap == (size_t)n + 1) {
			CHECK_EQ_INT(r, n);
			CHECK_EQ_STR(out, full);
		} else {
			CHECK_EQ_INT(r, -1);
			CHECK(why && strstr(why, "too small"));
		}
		CHECK(out[cap] == '#'); /* nothing written past cap */
	}
	CHECK_EQ_INT(jwt_sign_grant(&key, NULL, -1, out, sizeof out, &why), -1);
	CHECK(strstr(why, "time"));
	CHECK_EQ_INT(jwt_sign_grant(&key, NULL, INT64_MAX - 3599, out, sizeof out, &why), -1);
	CHECK(jwt_sign_grant(&key, NULL, INT64_MAX - 3600, out, sizeof out, &why) > 0);
	static char scope[JWT_CLAIMS_MAX];
	memset(scope, 's', sizeof scope - 1);
	CHECK_EQ_INT(jwt_sign_grant(&key, scope, 0, out, sizeof out, &why), -1);
	CHECK(strstr(why, "too long"));
	/* a wiped key signs nothing */
	gcp_key_wipe(&key);
	CHECK_EQ_INT(jwt_sign_grant(&key, NULL, 0, out, sizeof out, &why), -1);
}

TEST(jwt_grant_body_is_the_form_google_expects)
{
	char body[JWT_BODY_MAX];
	long n = jwt_grant_body("aa.bb-_.cc", 10, body, sizeof body);
	CHECK_EQ_STR(body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
			   "&assertion=aa.bb-_.cc");
	CHECK_EQ_INT(n, (long)strlen(body));
	/* anything else in it would be percent-encoded */
	CHECK(jwt_grant_body("a+b=", 4, body, sizeof body) > 0);
	CHECK(strstr(body, "&assertion=a%2Bb%3D"));
	/* too small: -1 and nothing past cap */
	for (size_t cap = 0; cap < 88; cap++) {
		memset(body, '#', 100);
		long r = jwt_grant_body("aa.bb-_.cc", 10, body, cap);
		CHECK_EQ_INT(r, cap >= 86 ? 85 : -1);
		CHECK(body[cap] == '#' || cap >= 86);
	}
	/* the whole real assertion */
	CHECK_EQ_INT(jwt_grant_body(expected_jwt, strlen(expected_jwt), body, sizeof body),
		     75 + (long)strlen(expected_jwt));
	CHECK(strcmp(body + 75, expected_jwt) == 0);
}
