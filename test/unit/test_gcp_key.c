/* Unit tests of proxy/tls/gcp_key.c: reading a service-account key file, with the
 * throwaway TEST-ONLY keys of gcp_testkeys.h, and a sentence for every refusal that never
 * quotes the key. */
#include "test/unit/harness.h"

#include "proxy/tls/gcp_key.h"
#include "test/unit/gcp_testkeys.h"

#include <stdlib.h>

static struct gcp_key key;
static char err[512];

static int parse(const char *doc)
{
	return gcp_key_parse(doc, strlen(doc), &key, err, sizeof err);
}

/* Whether all of *key is zero (as after a failure or a wipe). */
static int all_zero(const struct gcp_key *k)
{
	const unsigned char *b = (const unsigned char *)k;
	for (size_t i = 0; i < sizeof *k; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Parses doc, expecting a refusal whose sentence contains `want` and no key bytes. */
static void refused(const char *doc, const char *want, int line)
{
	memset(err, 0, sizeof err);
	int rc = parse(doc);
	if (rc != -1 || !strstr(err, want)) {
		char m[700];
		snprintf(m, sizeof m, "line %d: rc %d, err \"%s\", wanted \"%s\"", line, rc, err, want);
		harness_fail(__FILE__, line, m);
	}
	CHECK(all_zero(&key));
	CHECK(!strstr(err, "MII")); /* the start of every DER key in base64 */
}
#define REFUSED(doc, want) refused((doc), (want), __LINE__)

/* The modulus as hex, upper-case like openssl's. */
static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
}

TEST(gcp_key_parses_a_pkcs8_key_file)
{
	CHECK_EQ_INT(parse(test_keyfile_ok()), 0);
	CHECK_EQ_STR(key.client_email, TEST_EMAIL);
	CHECK_EQ_STR(key.token_uri, TEST_URI);
	CHECK_EQ_STR(key.private_key_id, TEST_KID);
	CHECK_EQ_STR(key.project_id, TEST_PROJECT);
	CHECK_EQ_INT(key.rsa.n_bitlen, 2048);
	CHECK_EQ_INT(key.pub.nlen, 256);
	char n[600];
	hex(key.pub.n, key.pub.nlen, n);
	CHECK_EQ_STR(n, test_rsa2048_modulus_hex);
	CHECK_EQ_INT(key.pub.elen, 3);
	CHECK_MEM(key.pub.e, "\x01\x00\x01", 3);
	/* the pointers lead into the struct itself */
	CHECK((unsigned char *)key.rsa.p >= key.rsa_buf &&
	      key.rsa.iq + key.rsa.iqlen <= key.rsa_buf + sizeof key.rsa_buf);
	gcp_key_wipe(&key);
	CHECK(all_zero(&key));
}

TEST(gcp_key_parses_pkcs1_and_the_largest_size)
{
	CHECK_EQ_INT(parse(test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs1, TEST_URI,
					NULL, NULL)),
		     0);
	char n[600];
	hex(key.pub.n, key.pub.nlen, n);
	CHECK_EQ_STR(n, test_rsa2048_modulus_hex);
	CHECK_EQ_STR(key.private_key_id, ""); /* optional members absent */
	CHECK_EQ_STR(key.project_id, "");
	CHECK_EQ_INT(parse(test_keyfile("service_account", TEST_EMAIL, test_rsa4096, TEST_URI, NULL,
					NULL)),
		     0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(key.rsa.n_bitlen, 4096);
	CHECK_EQ_INT(key.pub.nlen, 512);
	gcp_key_wipe(&key);
}

TEST(gcp_key_ignores_other_members_and_text_around_the_pem)
{
	char pem[4096];
	snprintf(pem, sizeof pem, "comment line\r\n%s\n", test_rsa2048_pkcs8);
	const char *d = test_keyfile("service_account", TEST_EMAIL, pem, TEST_URI, TEST_KID, NULL);
	char doc[8192];
	snprintf(doc, sizeof doc, "{\"client_id\": \"1234\", \"auth_provider_x509_cert_url\": "
				  "\"https://x\", \"universe_domain\": \"googleapis.com\", %s",
		 d + 1);
	CHECK_EQ_INT(parse(doc), 0);
	CHECK_EQ_STR(key.client_email, TEST_EMAIL);
	gcp_key_wipe(&key);
}

TEST(gcp_key_refuses_bad_json_and_missing_members)
{
	REFUSED("", "not a valid JSON");
	REFUSED("{\"type\": \"service_account\",}", "not a valid JSON");
	REFUSED("[]", "\"type\" is missing");
	REFUSED(test_keyfile(NULL, TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI, NULL, NULL),
		"\"type\" is missing");
	REFUSED(test_keyfile("service_account", NULL, test_rsa2048_pkcs8, TEST_URI, NULL, NULL),
		"\"client_email\" is missing");
	REFUSED(test_keyfile("service_account", TEST_EMAIL, NULL, TEST_URI, NULL, NULL),
		"\"private_key\" is missing");
	REFUSED(test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8, NULL, NULL, NULL),
		"\"token_uri\" is missing");
	REFUSED(test_keyfile("service_account", "", test_rsa2048_pkcs8, TEST_URI, NULL, NULL),
		"\"client_email\" is empty");
	/* a member named twice: which one is meant is not guessed */
	char doc[8192];
	snprintf(doc, sizeof doc, "{\"client_email\": \"a@b\", %s", test_keyfile_ok() + 1);
	REFUSED(doc, "not a valid JSON");
	/* the key file's JSON invalid after the key: no key bytes in the sentence */
	snprintf(doc, sizeof doc, "%s x", test_keyfile_ok());
	REFUSED(doc, "not a valid JSON");
}

TEST(gcp_key_refuses_wrong_types_and_values)
{
	REFUSED("{\"type\": 1}", "\"type\" is not a string");
	char doc[8192];
	snprintf(doc, sizeof doc, "{\"client_email\": [\"a@b\"], %s",
		 test_keyfile("service_account", NULL, test_rsa2048_pkcs8, TEST_URI, NULL, NULL) + 1);
	REFUSED(doc, "\"client_email\" is not a string");
	snprintf(doc, sizeof doc, "{\"private_key_id\": null, %s",
		 test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI, NULL, NULL) + 1);
	REFUSED(doc, "\"private_key_id\" is not a string");
	REFUSED(test_keyfile("authorized_user", TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI, NULL, NULL),
		"\"type\" is \"authorized_user\", not \"service_account\"");
	REFUSED(test_keyfile("Service_Account", TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI, NULL, NULL),
		"\"type\" is not \"service_account\"");
	REFUSED(test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8,
			     "http://oauth2.googleapis.com/token", NULL, NULL),
		"\"token_uri\" is not an https:// URL");
	REFUSED(test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8, "https://", NULL,
			     NULL),
		"\"token_uri\" is not an https:// URL");
	REFUSED(test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8,
			     "https://x/token ", NULL, NULL),
		"\"token_uri\" holds characters other than printable ASCII");
	REFUSED(test_keyfile("service_account", "no-at-sign", test_rsa2048_pkcs8, TEST_URI, NULL,
			     NULL),
		"\"client_email\" is not an e-mail address");
	REFUSED(test_keyfile("service_account", "a@b\x01", test_rsa2048_pkcs8, TEST_URI, NULL, NULL),
		"\"client_email\" holds a control character");
	REFUSED(test_keyfile("service_account", "a\xc3\xa9@b", test_rsa2048_pkcs8, TEST_URI, NULL,
			     NULL),
		"\"client_email\" holds characters other than printable ASCII");
	REFUSED(test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI, "k 1",
			     NULL),
		"\"private_key_id\" holds characters");
	snprintf(doc, sizeof doc, "{\"project_id\": \"p\\u0000\", %s",
		 test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI, NULL, NULL) + 1);
	REFUSED(doc, "\"project_id\" holds a control character");
	char longmail[400];
	memset(longmail, 'a', sizeof longmail);
	memcpy(longmail + 300, "@b", 3);
	REFUSED(test_keyfile("service_account", longmail, test_rsa2048_pkcs8, TEST_URI, NULL, NULL),
		"\"client_email\" is longer than 256 bytes");
}

/* A key file with this private_key text. */
static const char *with_pem(const char *pem)
{
	return test_keyfile("service_account", TEST_EMAIL, pem, TEST_URI, NULL, NULL);
}

TEST(gcp_key_refuses_keys_that_are_not_rsa_or_not_usable)
{
	REFUSED(with_pem("not a key"), "\"private_key\" holds no PEM private key");
	REFUSED(with_pem(test_rsa_encrypted), "\"private_key\" is encrypted");
	REFUSED(with_pem(test_ec_pkcs8), "not an RSA key");
	REFUSED(with_pem(test_ec_sec1), "is an EC key, not RSA");
	REFUSED(with_pem(test_rsa1024), "1024-bit RSA key, smaller than 2048 bits");
	REFUSED(with_pem(test_rsa4608), "4608-bit RSA key, larger than 4096 bits");
	char two[4096];
	snprintf(two, sizeof two, "%s%s", test_rsa2048_pkcs8, test_rsa2048_pkcs1);
	REFUSED(with_pem(two), "more than one private key");
	REFUSED(with_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
		"a PEM object that is not a private key");
	REFUSED(with_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
		"not a valid PKCS#8 or PKCS#1 private key");
}

TEST(gcp_key_refuses_broken_pem_without_quoting_it)
{
	char pem[4096];
	/* a character outside base64 */
	snprintf(pem, sizeof pem, "%s", test_rsa2048_pkcs8);
	pem[100] = '*';
	REFUSED(with_pem(pem), "\"private_key\" is not well-formed PEM");
	/* no END line */
	snprintf(pem, sizeof pem, "%s", test_rsa2048_pkcs8);
	*strstr(pem, "-----END") = 0;
	REFUSED(with_pem(pem), "\"private_key\" is not well-formed PEM");
	/* a BEGIN line made of key bytes: pem.c would quote it, gcp_key does not */
	snprintf(pem, sizeof pem, "-----BEGIN %s", test_rsa2048_pkcs8 + 28);
	REFUSED(with_pem(pem), "\"private_key\" is not well-formed PEM");
	/* cut short: the DER ends early */
	snprintf(pem, sizeof pem, "-----BEGIN PRIVATE KEY-----\n%.256s\n-----END PRIVATE KEY-----\n",
		 test_rsa2048_pkcs8 + 28);
	REFUSED(with_pem(pem), "\"private_key\"");
	/* longer than any accepted key */
	static char big[GCP_KEY_PEM_MAX + 100];
	memset(big, 'A', sizeof big - 1);
	REFUSED(with_pem(big), "\"private_key\" is longer than 8192 bytes");
}

TEST(gcp_key_refuses_a_damaged_key)
{
	/* Each character of the base64 body changed in turn (a sample of them): the file is
	 * refused, or, when the change falls where BearSSL does not look (the private exponent
	 * d, the modulus n whose copy it skips), still yields the right public key. */
	const char *body = strchr(test_rsa2048_pkcs8, '\n') + 1;
	size_t off = (size_t)(body - test_rsa2048_pkcs8);
	int refused_n = 0;
	for (size_t i = off + 40; i < off + 1500; i += 37) {
		char pem[4096];
		snprintf(pem, sizeof pem, "%s", test_rsa2048_pkcs8);
		if (pem[i] == '\n')
			continue;
		pem[i] = pem[i] == 'A' ? 'B' : 'A';
		memset(err, 0, sizeof err);
		if (parse(with_pem(pem)) == 0) {
			char n[600];
			hex(key.pub.n, key.pub.nlen, n);
			CHECK_EQ_STR(n, test_rsa2048_modulus_hex);
		} else {
			refused_n++;
			CHECK(strstr(err, "\"private_key\""));
			CHECK(!strstr(err, "MII"));
		}
	}
	CHECK(refused_n > 10);
	gcp_key_wipe(&key);
}
