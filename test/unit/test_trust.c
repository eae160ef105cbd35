/* Unit tests of the trust store: PEM bundles to BearSSL trust anchors, and clear errors
 * naming the file and entry for bad input. */
#include "test/unit/harness.h"
#include "proxy/tls/cert.h"
#include "proxy/tls/pem.h"
#include "proxy/tls/trust.h"

#include <stdlib.h>
#include <unistd.h>

/* Made with openssl req -x509 for these tests: an RSA-2048 root (CA:TRUE), an Ed25519
 * self-signed certificate (a key type BearSSL lacks) and an EC P-256 self-signed leaf
 * (CA:FALSE). Valid until 2126. */
static const char RSA_ROOT_PEM[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDIzCCAgugAwIBAgIUPSzJPTYMotEq75Y/XHepxF2EJcEwDQYJKoZIhvcNAQEL\n"
	"BQAwIDEeMBwGA1UEAwwVYWlybG9jayB0ZXN0IFJTQSByb290MCAXDTI2MTEyOTA0\n"
	"NDMxOFoYDzIxMjYxMTA1MDQ0MzE4WjAgMR4wHAYDVQQDDBVhaXJsb2NrIHRlc3Qg\n"
	"UlNBIHJvb3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCyoiqRwf7f\n"
	"2LVQGmNCz49SdzTN9Fzxr495edOWg4fuT/U2KDiHr9dR6nYNn5472uC40uDx0O89\n"
	"zq4+mM2PlQ7ILIXLzjV47pMfhxludy2NSD+QIGgVdh54h6Pj1554bYFa2QhlOt2p\n"
	"+Ld1utt1HeRuXQjPI0fxDZs0riQSkkc9CIKF3IBmEMj+qPYeg1HIPUwad7qxJIBh\n"
	"tvWu1bZNEu0bl4kkZqavSRmrO1tjE3SWAwsgq7rxXzI4x/wTU2FmwETkrzHm+U3b\n"
	"vyJaxJAi119XEUuGMzHP94EvLxxZTLFWvT/R9R64d+ENh+Wul5atvuCjhLtUKzoW\n"
	"SQdWmKI67lU5AgMBAAGjUzBRMB0GA1UdDgQWBBTaGw7FxyOGDMLmdDVOn2+urSkP\n"
	"cDAfBgNVHSMEGDAWgBTaGw7FxyOGDMLmdDVOn2+urSkPcDAPBgNVHRMBAf8EBTAD\n"
	"AQH/MA0GCSqGSIb3DQEBCwUAA4IBAQAeI1u7vMgtXFdypM2yegtEVQeaa/gxcX5x\n"
	"iyAHtggv2/DR/Ebrw13ZmyN8nKTvj5CW99N9Wlx/HU7YASjV1yf2wIvbo/wrq3RE\n"
	"BQTDkLrT4AB3X3FwK3j4LH1uAsTXmaUrD70u3pYEcJy6JDXKuRwq4PXUTJ1G4YDN\n"
	"GT1gPvcl69kTbqOTEtxsbJXW5QVFX9XkDJNn5VK6zrxiftoxtWyyHZFrdBXFMG/D\n"
	"/vWkw4rXrjTTj4en9dn9u5urnNt9KR7iKPnuIGBR4aiyO8UfVJl7CwuLsFnUeB8c\n"
	"spNzlYvxHI6UJ2oaKcsJ8HmegtCEIO46hna1oeU36O1U3bypcax9\n"
	"-----END CERTIFICATE-----\n";
static const char ED25519_PEM[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBMDCB46ADAgECAhR45fhCgqsPFDnSJDvDNnV9j2kP/DAFBgMrZXAwDTELMAkG\n"
	"A1UEAwwCZWQwIBcNMjYxMTI5MDQ0MzE4WhgPMjEyNjExMDUwNDQzMThaMA0xCzAJ\n"
	"BgNVBAMMAmVkMCowBQYDK2VwAyEAcABkrDEARRHV/NlmawKBwSzBqGGYrmEGZLj2\n"
	"xv1l2w2jUzBRMB0GA1UdDgQWBBT20FX5RKNDTe6EMK83RSSGx1bzgjAfBgNVHSME\n"
	"GDAWgBT20FX5RKNDTe6EMK83RSSGx1bzgjAPBgNVHRMBAf8EBTADAQH/MAUGAytl\n"
	"cANBALg8MHQfkR8c3MMl9YxgbX+XDTq7JJR7A/YPo/YWrSp3zMh3EEg8NNp0u5ml\n"
	"XsYKf53vrSouwhyJQPS+FkdNNAI=\n"
	"-----END CERTIFICATE-----\n";
static const char EC_LEAF_PEM[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBfTCCASKgAwIBAgIUeDL/PmepS3QN49pElGw1uEe3zy0wCgYIKoZIzj0EAwIw\n"
	"FDESMBAGA1UEAwwJbGVhZi50ZXN0MCAXDTI2MTEyOTA0NDMxOFoYDzIxMjYxMTA1\n"
	"MDQ0MzE4WjAUMRIwEAYDVQQDDAlsZWFmLnRlc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
	"PQMBBwNCAASLKE3XcTltbiiRVye7oOIEttO3CU32HfT/A5Fvedk5S/8umkadFa7E\n"
	"v7LJCLgN96BXpXHLTJpWD8zKP7DTyUn9o1AwTjAdBgNVHQ4EFgQU67zCVWyUhgS5\n"
	"exFdRMnBcawm5B8wHwYDVR0jBBgwFoAU67zCVWyUhgS5exFdRMnBcawm5B8wDAYD\n"
	"VR0TAQH/BAIwADAKBggqhkjOPQQDAgNJADBGAiEA21Mz7GN9izkSUJRmdZYyhRPN\n"
	"pNy2UTatkLQ3IHbKUfkCIQCyeCjDSl7pvRGgkddQaxJWz0UvRKEzr25d+WHz1WKx\n"
	"oA==\n"
	"-----END CERTIFICATE-----\n";

static const char EC_KEY_PEM[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIGx5lq3yQ6w3XK4wE3O8tq1E3K9m8fW8y7Cq0F7tK8dWoAoGCCqGSM49\n"
	"-----END EC PRIVATE KEY-----\n";

#define NOW ((time_t)1800000000)

static long add(struct trust_store *ts, const char *text, char *err, size_t errlen)
{
	return trust_add_pem(ts, "bundle.pem", text, strlen(text), err, errlen);
}

TEST(trust_bundle_with_rsa_ec_and_skipped_objects)
{
	struct trust_store ts;
	char err[512] = "", text[8192];
	trust_init(&ts);
	snprintf(text, sizeof text, "# a comment line, ignored\n%s\n%s%s", RSA_ROOT_PEM,
		 EC_KEY_PEM, EC_LEAF_PEM);
	CHECK_EQ_INT(add(&ts, text, err, sizeof err), 2);
	CHECK_EQ_INT(ts.count, 2);
	CHECK_EQ_INT(ts.anchors[0].pkey.key_type, BR_KEYTYPE_RSA);
	CHECK_EQ_INT(ts.anchors[0].pkey.key.rsa.nlen, 256);
	CHECK_EQ_INT(ts.anchors[0].flags, BR_X509_TA_CA);
	CHECK_EQ_INT(ts.anchors[1].pkey.key_type, BR_KEYTYPE_EC);
	CHECK_EQ_INT(ts.anchors[1].pkey.key.ec.curve, BR_EC_secp256r1);
	CHECK_EQ_INT(ts.anchors[1].flags, 0); /* CA:FALSE: trusted for itself only */
	/* The DN is the DER subject: ...CN=leaf.test */
	CHECK(ts.anchors[1].dn.len > 9 &&
	      memcmp(ts.anchors[1].dn.data + ts.anchors[1].dn.len - 9, "leaf.test", 9) == 0);
	trust_free(&ts);
	CHECK_EQ_INT(ts.count, 0);
}

TEST(trust_unsupported_key_is_skipped_and_counted)
{
	struct trust_store ts;
	char err[512] = "", text[4096];
	trust_init(&ts);
	snprintf(text, sizeof text, "%s%s", ED25519_PEM, EC_LEAF_PEM);
	CHECK_EQ_INT(add(&ts, text, err, sizeof err), 1);
	CHECK_EQ_INT(ts.unusable, 1);
	CHECK_EQ_INT(ts.count, 1);
	trust_free(&ts);
}

/* Expects add() to fail with a message containing each of the given words. */
static void expect_error(const char *text, const char *w1, const char *w2)
{
	struct trust_store ts;
	char err[512] = "";
	trust_init(&ts);
	long r = add(&ts, text, err, sizeof err);
	if (r != -1 || !strstr(err, "bundle.pem") || !strstr(err, w1) || (w2 && !strstr(err, w2))) {
		char m[700];
		snprintf(m, sizeof m, "r=%ld err=\"%s\" wanted \"%s\"", r, err, w1);
		harness_fail(__FILE__, __LINE__, m);
	}
	trust_free(&ts);
}

TEST(trust_bad_base64_names_the_entry)
{
	char text[8192];
	snprintf(text, sizeof text, "%s%s", RSA_ROOT_PEM, EC_LEAF_PEM);
	/* Break a base64 character inside the second object. */
	char *second = strstr(text + 10, "-----BEGIN");
	second[40] = '*';
	expect_error(text, "entry 2", "malformed");
}

TEST(trust_bad_der_names_the_entry)
{
	/* Valid base64 of bytes that are no certificate. */
	expect_error("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
		     "entry 1 (CERTIFICATE)", "not a valid X.509");
	/* A truncated certificate: the first lines of a real one only. */
	char text[4096];
	const char *p = EC_LEAF_PEM;
	const char *cut = strstr(p, "\n") + 1;
	cut = strstr(cut, "\n") + 1; /* BEGIN line and one line of base64 */
	snprintf(text, sizeof text, "%.*s-----END CERTIFICATE-----\n", (int)(cut - p), p);
	expect_error(text, "entry 1", "truncated");
}

TEST(trust_unterminated_and_empty)
{
	char text[4096];
	snprintf(text, sizeof text, "%.*s", (int)(strlen(EC_LEAF_PEM) - 26), EC_LEAF_PEM);
	expect_error(text, "entry 1", "END");
	expect_error("", "no certificate", NULL);
	expect_error("just some text\n", "no certificate", NULL);
	expect_error(EC_KEY_PEM, "no certificate", NULL);
}

TEST(trust_accepts_one_der_certificate)
{
	static unsigned char der[4096];
	char err[512] = "";
	struct trust_store ts;
	long n = pem_decode_each(EC_LEAF_PEM, strlen(EC_LEAF_PEM), der, sizeof der, NULL, NULL, err,
				 sizeof err);
	CHECK_EQ_INT(n, 1);
	trust_init(&ts);
	/* The DER length is in its header: 30 82 HH LL. */
	size_t len = 4 + ((size_t)der[2] << 8 | der[3]);
	CHECK_EQ_INT(trust_add_pem(&ts, "leaf.der", der, len, err, sizeof err), 1);
	CHECK_EQ_INT(ts.count, 1);
	CHECK_EQ_INT(trust_add_pem(&ts, "junk.der", der, 10, err, sizeof err), -1);
	CHECK(strstr(err, "junk.der") && strstr(err, "entry 1 (DER)"));
	trust_free(&ts);
}

/* A leaf of a sandbox CA verifies with anchors loaded from the CA's PEM: the anchor's
 * copied DN and key are right. */
TEST(trust_anchor_from_pem_verifies_a_leaf)
{
	struct ca *ca = malloc(sizeof *ca);
	struct ca_name nm = {"svc.example.test", CA_NAME_HOST};
	char err[512] = "";
	static char pem[50000];
	CHECK_EQ_INT(ca_generate(ca, &nm, 1, NOW, err, sizeof err), 0);
	CHECK(ca_cert_pem(ca, pem, sizeof pem) > 0);
	unsigned char leaf[LEAF_CERT_MAX];
	size_t len = 0;
	CHECK_EQ_INT(leaf_mint(ca, "svc.example.test", NOW, leaf, sizeof leaf, &len, NULL, err,
			       sizeof err), 0);
	struct trust_store ts;
	trust_init(&ts);
	CHECK_EQ_INT(add(&ts, pem, err, sizeof err), 1);
	CHECK_EQ_INT(ts.anchors[0].flags, BR_X509_TA_CA);
	for (int round = 0; round < 2; round++) {
		br_x509_minimal_context xc;
		br_x509_minimal_init_full(&xc, ts.anchors, ts.count);
		br_x509_minimal_set_time(&xc, (uint32_t)(NOW / 86400 + 719528),
					 (uint32_t)(NOW % 86400));
		const br_x509_class **v = &xc.vtable;
		(*v)->start_chain(v, "svc.example.test");
		(*v)->start_cert(v, (uint32_t)len);
		(*v)->append(v, leaf, len);
		(*v)->end_cert(v);
		unsigned r = (*v)->end_chain(v);
		if (round == 0) {
			CHECK_EQ_INT(r, 0);
			leaf[len - 5] ^= 1; /* break the signature */
		} else {
			CHECK_EQ_INT(r, BR_ERR_X509_NOT_TRUSTED);
		}
	}
	trust_free(&ts);
	ca_wipe(ca);
	free(ca);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(trust_files_and_load_order)
{
	char dir[] = "/tmp/airlock-trust-XXXXXX";
	char a[128], b[128], missing[128], err[512] = "";
	if (!mkdtemp(dir)) {
		harness_fail(__FILE__, __LINE__, "mkdtemp");
		return;
	}
	snprintf(a, sizeof a, "%s/a.pem", dir);
	snprintf(b, sizeof b, "%s/b.pem", dir);
	snprintf(missing, sizeof missing, "%s/missing.pem", dir);
	write_file(a, RSA_ROOT_PEM);
	write_file(b, EC_LEAF_PEM);

	struct trust_store ts;
	trust_init(&ts);
	const char *extra[] = {b};
	CHECK_EQ_INT(trust_load(&ts, a, extra, 1, err, sizeof err), 0);
	CHECK_EQ_INT(ts.count, 2);
	CHECK_EQ_INT(ts.anchors[0].pkey.key_type, BR_KEYTYPE_RSA); /* SSL_CERT_FILE first */
	CHECK_EQ_INT(ts.anchors[1].pkey.key_type, BR_KEYTYPE_EC);
	trust_free(&ts);

	trust_init(&ts);
	CHECK_EQ_INT(trust_load(&ts, missing, NULL, 0, err, sizeof err), -1);
	CHECK(strstr(err, missing) && strstr(err, "SSL_CERT_FILE"));
	trust_free(&ts);

	trust_init(&ts);
	const char *bad[] = {b, missing};
	CHECK_EQ_INT(trust_load(&ts, a, bad, 2, err, sizeof err), -1);
	CHECK(strstr(err, missing) && strstr(err, "trust file"));
	trust_free(&ts);

	trust_init(&ts);
	CHECK_EQ_INT(trust_add_file(&ts, dir, err, sizeof err), -1); /* a directory */
	CHECK(strstr(err, dir) != NULL);
	trust_free(&ts);

	unlink(a);
	unlink(b);
	rmdir(dir);
}

TEST(trust_error_texts)
{
	CHECK_EQ_STR(trust_x509_error(BR_ERR_X509_NOT_TRUSTED),
		     "not signed by a trusted certificate authority");
	CHECK_EQ_STR(trust_x509_error(BR_ERR_X509_BAD_SERVER_NAME),
		     "certificate is not for this host name");
	CHECK_EQ_STR(trust_x509_error(12345), "certificate error");
}

TEST(trust_crlf_bundle)
{
	char text[4096], err[512] = "";
	size_t n = 0;
	for (const char *p = EC_LEAF_PEM; *p; p++) {
		if (*p == '\n')
			text[n++] = '\r';
		text[n++] = *p;
	}
	text[n] = 0;
	struct trust_store ts;
	trust_init(&ts);
	CHECK_EQ_INT(add(&ts, text, err, sizeof err), 1);
	trust_free(&ts);
}
