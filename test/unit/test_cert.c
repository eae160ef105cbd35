/* Unit tests of the sandbox CA and leaf minting, checked with BearSSL's own X.509
 * decoder and validator (br_x509_minimal). */
#include "test/unit/harness.h"
#include "proxy/tls/cert.h"
#include "proxy/ca_policy.h"
#include "proxy/tls/pem.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW ((time_t)1800000000) /* 2027-01-15 */

struct dnbuf {
	unsigned char b[512];
	size_t len;
};

static void dn_append(void *ctx, const void *p, size_t n)
{
	struct dnbuf *d = ctx;
	if (n <= sizeof d->b - d->len) {
		memcpy(d->b + d->len, p, n);
		d->len += n;
	}
}

/* Decodes a certificate; returns BearSSL's error (0: fine) and its key, DN and CA flag. */
static int decode(const unsigned char *der, size_t len, br_x509_decoder_context *dc,
		  struct dnbuf *dn)
{
	dn->len = 0;
	br_x509_decoder_init(dc, dn_append, dn);
	br_x509_decoder_push(dc, der, len);
	return br_x509_decoder_last_error(dc);
}

/* Validates [leaf] (and the CA after it when with_ca) for host at time `at` with the CA
 * as the only trust anchor; returns BearSSL's verdict (0: trusted). */
static int verify(const struct ca *ca, const unsigned char *leaf, size_t len,
		  const char *host, time_t at, int with_ca)
{
	br_x509_decoder_context dc;
	struct dnbuf dn;
	if (decode(ca->cert, ca->cert_len, &dc, &dn) != 0)
		return -1;
	br_x509_trust_anchor ta = {{dn.b, dn.len}, BR_X509_TA_CA, *br_x509_decoder_get_pkey(&dc)};
	br_x509_minimal_context xc;
	br_x509_minimal_init_full(&xc, &ta, 1);
	br_x509_minimal_set_time(&xc, (uint32_t)(at / 86400 + 719528), (uint32_t)(at % 86400));
	const br_x509_class **v = &xc.vtable;
	(*v)->start_chain(v, host);
	(*v)->start_cert(v, (uint32_t)len);
	(*v)->append(v, leaf, len);
	(*v)->end_cert(v);
	if (with_ca) {
		(*v)->start_cert(v, (uint32_t)ca->cert_len);
		(*v)->append(v, ca->cert, ca->cert_len);
		(*v)->end_cert(v);
	}
	return (int)(*v)->end_chain(v);
}

static struct ca *new_ca(const struct ca_name *names, size_t n)
{
	struct ca *ca = malloc(sizeof *ca);
	char err[256] = "";
	if (ca_generate(ca, names, n, NOW, err, sizeof err) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		free(ca);
		return NULL;
	}
	return ca;
}

static void free_ca(struct ca *ca)
{
	ca_wipe(ca);
	free(ca);
}

static const struct ca_name NAMES[] = {
	{"api.example.test", CA_NAME_HOST},
	{"example.org", CA_NAME_SUBDOMAINS},
	{"127.0.0.1", CA_NAME_IP},
};

static int contains(const unsigned char *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

TEST(cert_ca_decodes_as_ca_with_its_key_and_name)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	br_x509_decoder_context dc;
	struct dnbuf dn;
	CHECK_EQ_INT(decode(ca->cert, ca->cert_len, &dc, &dn), 0);
	CHECK(br_x509_decoder_isCA(&dc));
	CHECK_EQ_INT(br_x509_decoder_get_signer_key_type(&dc), BR_KEYTYPE_EC);
	CHECK_EQ_INT(br_x509_decoder_get_signer_hash_id(&dc), br_sha256_ID);
	br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	CHECK(pk && pk->key_type == BR_KEYTYPE_EC);
	CHECK(pk && pk->key.ec.curve == BR_EC_secp256r1);
	CHECK(pk && pk->key.ec.qlen == ca->pub.qlen && memcmp(pk->key.ec.q, ca->pub.q, 65) == 0);
	CHECK_EQ_INT(dn.len, ca->name_len);
	CHECK_MEM(dn.b, ca->name, ca->name_len);
	CHECK(contains(ca->name, ca->name_len, "airlock sandbox CA", 18));
	CHECK(contains(ca->name, ca->name_len, "airlock", 7));
	/* Version 3 and the SKI (SHA-1 of the point) inside the certificate. */
	static const unsigned char v3[] = {0xa0, 0x03, 0x02, 0x01, 0x02};
	CHECK(contains(ca->cert, ca->cert_len, v3, sizeof v3));
	unsigned char ski[20];
	br_sha1_context h;
	br_sha1_init(&h);
	br_sha1_update(&h, ca->pub.q, ca->pub.qlen);
	br_sha1_out(&h, ski);
	CHECK_MEM(ca->ski, ski, 20);
	CHECK(contains(ca->cert, ca->cert_len, ski, 20));
	free_ca(ca);
}

TEST(cert_ca_extensions_encoded_exactly)
{
	static const struct ca_name names[] = {
		{"a.com", CA_NAME_HOST},
		{"b.com", CA_NAME_SUBDOMAINS},
		{"A.COM", CA_NAME_HOST}, /* a duplicate: dropped */
	};
	struct ca *ca = new_ca(names, 3);
	if (!ca)
		return;
	/* basicConstraints: critical, cA TRUE, pathLen 0. */
	static const unsigned char bc[] = {0x30, 0x12, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01,
					   0xff, 0x04, 0x08, 0x30, 0x06, 0x01, 0x01, 0xff,
					   0x02, 0x01, 0x00};
	CHECK(contains(ca->cert, ca->cert_len, bc, sizeof bc));
	/* keyUsage: critical keyCertSign | cRLSign. */
	static const unsigned char ku[] = {0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01,
					   0xff, 0x04, 0x04, 0x03, 0x02, 0x01, 0x06};
	CHECK(contains(ca->cert, ca->cert_len, ku, sizeof ku));
	/* nameConstraints: critical; permitted a.com and .b.com (once each); no IP allowed,
	 * so 0.0.0.0/0 and ::/0 excluded. */
	unsigned char nc[85], *p = nc;
	static const unsigned char head[] = {0x30, 0x53, 0x06, 0x03, 0x55, 0x1d, 0x1e, 0x01, 0x01,
					     0xff, 0x04, 0x49, 0x30, 0x47, 0xa0, 0x13,
					     0x30, 0x07, 0x82, 0x05, 'a', '.', 'c', 'o', 'm',
					     0x30, 0x08, 0x82, 0x06, '.', 'b', '.', 'c', 'o', 'm',
					     0xa1, 0x30, 0x30, 0x0a, 0x87, 0x08};
	memcpy(p, head, sizeof head);
	p += sizeof head;
	memset(p, 0, 8);
	p += 8;
	*p++ = 0x30, *p++ = 0x22, *p++ = 0x87, *p++ = 0x20;
	memset(p, 0, 32);
	p += 32;
	CHECK_EQ_INT(p - nc, 85);
	CHECK(contains(ca->cert, ca->cert_len, nc, 85));
	free_ca(ca);
}

TEST(cert_ca_ip_constraints_and_no_dns)
{
	static const struct ca_name names[] = {{"10.1.2.3", CA_NAME_IP}, {"::1", CA_NAME_IP}};
	struct ca *ca = new_ca(names, 2);
	if (!ca)
		return;
	/* permitted 10.1.2.3/32 and ::1/128; every DNS name excluded (empty dNSName). */
	static const unsigned char v4[] = {0x30, 0x0a, 0x87, 0x08, 10, 1, 2, 3,
					   0xff, 0xff, 0xff, 0xff};
	CHECK(contains(ca->cert, ca->cert_len, v4, sizeof v4));
	unsigned char v6[36] = {0x30, 0x22, 0x87, 0x20};
	v6[4 + 15] = 1;
	memset(v6 + 20, 0xff, 16);
	CHECK(contains(ca->cert, ca->cert_len, v6, sizeof v6));
	static const unsigned char nodns[] = {0xa1, 0x04, 0x30, 0x02, 0x82, 0x00};
	CHECK(contains(ca->cert, ca->cert_len, nodns, sizeof nodns));
	free_ca(ca);
}

TEST(cert_leaf_verifies_for_its_host_only)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	unsigned char leaf[LEAF_CERT_MAX];
	size_t len = 0;
	time_t until = 0;
	char err[256] = "";
	CHECK_EQ_INT(leaf_mint(ca, "api.example.test", NOW, leaf, sizeof leaf, &len, &until, err,
			       sizeof err), 0);
	CHECK(len > 200 && len < 700);
	CHECK_EQ_INT(until, NOW + LEAF_VALIDITY_DAYS * 86400);
	CHECK_EQ_INT(verify(ca, leaf, len, "api.example.test", NOW, 0), 0);
	CHECK_EQ_INT(verify(ca, leaf, len, "API.Example.Test", NOW, 0), 0);
	CHECK_EQ_INT(verify(ca, leaf, len, "api.example.test", NOW, 1), 0); /* as served */
	CHECK_EQ_INT(verify(ca, leaf, len, "other.example.test", NOW, 0), BR_ERR_X509_BAD_SERVER_NAME);
	CHECK_EQ_INT(verify(ca, leaf, len, "example.test", NOW, 0), BR_ERR_X509_BAD_SERVER_NAME);

	/* The leaf is no CA and carries the sandbox's leaf key. */
	br_x509_decoder_context dc;
	struct dnbuf dn;
	CHECK_EQ_INT(decode(leaf, len, &dc, &dn), 0);
	CHECK(!br_x509_decoder_isCA(&dc));
	br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	CHECK(pk && memcmp(pk->key.ec.q, ca->leaf_pub.q, 65) == 0);
	CHECK(contains(dn.b, dn.len, "api.example.test", 16));
	CHECK(contains(leaf, len, ca->ski, 20));      /* AKI */
	CHECK(contains(leaf, len, ca->leaf_ski, 20)); /* SKI */
	static const unsigned char eku[] = {0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
	CHECK(contains(leaf, len, eku, sizeof eku));
	static const unsigned char bc[] = {0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff,
					   0x04, 0x02, 0x30, 0x00};
	CHECK(contains(leaf, len, bc, sizeof bc));
	static const unsigned char ku[] = {0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff,
					   0x04, 0x04, 0x03, 0x02, 0x07, 0x80};
	CHECK(contains(leaf, len, ku, sizeof ku));
	free_ca(ca);
}

TEST(cert_leaf_validity_backdated_and_bounded)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	unsigned char leaf[LEAF_CERT_MAX];
	size_t len = 0;
	char err[256] = "";
	CHECK_EQ_INT(leaf_mint(ca, "api.example.test", NOW, leaf, sizeof leaf, &len, NULL, err,
			       sizeof err), 0);
	/* Back-dated one hour: valid 59 minutes ago, not 61. */
	CHECK_EQ_INT(verify(ca, leaf, len, "api.example.test", NOW - 3540, 0), 0);
	CHECK_EQ_INT(verify(ca, leaf, len, "api.example.test", NOW - 3660, 0), BR_ERR_X509_EXPIRED);
	CHECK_EQ_INT(verify(ca, leaf, len, "api.example.test",
			    NOW + LEAF_VALIDITY_DAYS * 86400 - 60, 0), 0);
	CHECK_EQ_INT(verify(ca, leaf, len, "api.example.test",
			    NOW + LEAF_VALIDITY_DAYS * 86400 + 60, 0), BR_ERR_X509_EXPIRED);

	/* Near the CA's end, a leaf ends with the CA; after it, minting fails and says why. */
	time_t late = NOW + CA_VALIDITY_DAYS * 86400 - 600, until = 0;
	CHECK_EQ_INT(leaf_mint(ca, "api.example.test", late, leaf, sizeof leaf, &len, &until, err,
			       sizeof err), 0);
	CHECK_EQ_INT(until, NOW + CA_VALIDITY_DAYS * 86400);
	CHECK_EQ_INT(leaf_mint(ca, "api.example.test", NOW + CA_VALIDITY_DAYS * 86400, leaf,
			       sizeof leaf, &len, &until, err, sizeof err), -1);
	CHECK(strstr(err, "expired") && strstr(err, "api.example.test"));
	free_ca(ca);
}

TEST(cert_leaf_serials_random_positive)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	unsigned char a[LEAF_CERT_MAX], b[LEAF_CERT_MAX];
	size_t la = 0, lb = 0;
	char err[256];
	CHECK_EQ_INT(leaf_mint(ca, "x.example.org", NOW, a, sizeof a, &la, NULL, err, sizeof err), 0);
	CHECK_EQ_INT(leaf_mint(ca, "x.example.org", NOW, b, sizeof b, &lb, NULL, err, sizeof err), 0);
	/* Certificate: 30 82 LL LL; TBS: 30 82 LL LL; version a0 03 02 01 02; serial 02 10 .. */
	CHECK(a[13] == 0x02 && a[14] == 0x10 && b[13] == 0x02 && b[14] == 0x10);
	CHECK((a[15] & 0x80) == 0 && (b[15] & 0x80) == 0);
	CHECK(memcmp(a + 15, b + 15, 16) != 0);
	free_ca(ca);
}

TEST(cert_leaf_long_host_has_no_cn_and_critical_san)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	char host[200];
	memset(host, 'a', 60);
	strcpy(host + 60, ".b.example.org"); /* 74 bytes: over the 64-byte CN limit */
	unsigned char leaf[LEAF_CERT_MAX];
	size_t len = 0;
	char err[256];
	CHECK_EQ_INT(leaf_mint(ca, host, NOW, leaf, sizeof leaf, &len, NULL, err, sizeof err), 0);
	br_x509_decoder_context dc;
	struct dnbuf dn;
	CHECK_EQ_INT(decode(leaf, len, &dc, &dn), 0);
	CHECK_EQ_INT(dn.len, 2); /* empty subject: 30 00 */
	static const unsigned char san[] = {0x06, 0x03, 0x55, 0x1d, 0x11, 0x01, 0x01, 0xff};
	CHECK(contains(leaf, len, san, sizeof san));
	CHECK_EQ_INT(verify(ca, leaf, len, host, NOW, 0), 0);
	free_ca(ca);
}

TEST(cert_leaf_for_ip_has_ip_san)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	unsigned char leaf[LEAF_CERT_MAX];
	size_t len = 0;
	char err[256];
	CHECK_EQ_INT(leaf_mint(ca, "127.0.0.1", NOW, leaf, sizeof leaf, &len, NULL, err, sizeof err), 0);
	static const unsigned char san4[] = {0x30, 0x06, 0x87, 0x04, 127, 0, 0, 1};
	CHECK(contains(leaf, len, san4, sizeof san4));
	CHECK_EQ_INT(leaf_mint(ca, "::1", NOW, leaf, sizeof leaf, &len, NULL, err, sizeof err), 0);
	unsigned char san6[20] = {0x30, 0x12, 0x87, 0x10};
	san6[19] = 1;
	CHECK(contains(leaf, len, san6, sizeof san6));
	br_x509_decoder_context dc;
	struct dnbuf dn;
	CHECK_EQ_INT(decode(leaf, len, &dc, &dn), 0);
	CHECK_EQ_INT(dn.len, 2); /* no CN for an IP */
	free_ca(ca);
}

TEST(cert_refuses_bad_names)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	unsigned char leaf[LEAF_CERT_MAX];
	size_t len = 0;
	char err[256];
	static const char *bad[] = {"", "a..b", ".a", "a.", "a b", "a/b", "é.com",
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		if (leaf_mint(ca, bad[i], NOW, leaf, sizeof leaf, &len, NULL, err, sizeof err) != -1 ||
		    !strstr(err, "cannot mint"))
			harness_fail(__FILE__, __LINE__, bad[i]);
	}
	/* Too small a buffer is an error, not an overflow. */
	CHECK_EQ_INT(leaf_mint(ca, "a.example.org", NOW, leaf, 100, &len, NULL, err, sizeof err), -1);
	free_ca(ca);

	struct ca *ca2 = malloc(sizeof *ca2);
	struct ca_name n1 = {"bad name", CA_NAME_HOST}, n2 = {"300.1.1.1", CA_NAME_IP};
	CHECK_EQ_INT(ca_generate(ca2, &n1, 1, NOW, err, sizeof err), -1);
	CHECK(strstr(err, "'bad name'") && strstr(err, "allow"));
	CHECK_EQ_INT(ca_generate(ca2, &n2, 1, NOW, err, sizeof err), -1);
	CHECK(strstr(err, "300.1.1.1") && strstr(err, "IP address"));
	free(ca2);
}

TEST(cert_ca_without_names_still_valid)
{
	struct ca *ca = new_ca(NULL, 0);
	if (!ca)
		return;
	br_x509_decoder_context dc;
	struct dnbuf dn;
	CHECK_EQ_INT(decode(ca->cert, ca->cert_len, &dc, &dn), 0);
	static const unsigned char nodns[] = {0x30, 0x02, 0x82, 0x00};
	CHECK(contains(ca->cert, ca->cert_len, nodns, sizeof nodns));
	free_ca(ca);
}

TEST(cert_each_ca_is_fresh)
{
	struct ca *a = new_ca(NAMES, 3), *b = new_ca(NAMES, 3);
	if (a && b) {
		CHECK(memcmp(a->pub.q, b->pub.q, 65) != 0);
		CHECK(memcmp(a->leaf_pub.q, b->leaf_pub.q, 65) != 0);
		CHECK(memcmp(a->pub.q, a->leaf_pub.q, 65) != 0);
	}
	if (a)
		free_ca(a);
	if (b)
		free_ca(b);
}

static int grab(void *ctx, const struct pem_object *o, char *err, size_t errlen)
{
	struct dnbuf *d = ctx;
	(void)err, (void)errlen;
	if (strcmp(o->label, "CERTIFICATE") != 0 || o->len > 40000)
		return -1;
	d->len = o->len;
	return 0;
}

TEST(cert_ca_pem_round_trips)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	static char pem[50000];
	static unsigned char der[CA_CERT_MAX];
	size_t n = ca_cert_pem(ca, pem, sizeof pem);
	CHECK(n > 0 && strlen(pem) == n);
	CHECK(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
	CHECK(strstr(pem, "-----END CERTIFICATE-----\n") != NULL);
	struct dnbuf got = {.len = 0};
	char err[256];
	CHECK_EQ_INT(pem_decode_each(pem, n, der, sizeof der, grab, &got, err, sizeof err), 1);
	CHECK_EQ_INT(got.len, ca->cert_len);
	CHECK_MEM(der, ca->cert, ca->cert_len);
	CHECK_EQ_INT(ca_cert_pem(ca, pem, 100), 0);
	free_ca(ca);
}

TEST(cert_chain_and_leaf_key)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	unsigned char leaf[10] = {1};
	br_x509_certificate chain[2];
	ca_chain(ca, leaf, sizeof leaf, chain);
	CHECK(chain[0].data == leaf && chain[0].data_len == 10);
	CHECK(chain[1].data == ca->cert && chain[1].data_len == ca->cert_len);
	const br_ec_private_key *k = ca_leaf_key(ca);
	CHECK(k->curve == BR_EC_secp256r1 && k->xlen == 32);
	/* The leaf key's public half is the one in the leaves. */
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
	CHECK_EQ_INT(br_ec_compute_pub(br_ec_get_default(), NULL, q, k), 65);
	CHECK_MEM(q, ca->leaf_pub.q, 65);
	free_ca(ca);
}

TEST(cert_names_from_policy)
{
	struct policy_host_rule rules[] = {
		{.host = "api.example.test", .action = ACTION_ALLOW},
		{.host = "example.org", .wildcard = 1, .action = ACTION_ALLOW},
		{.host = "googleapis.com", .wildcard = 1, .action = ACTION_PASSTHROUGH},
		{.host = "10.0.0.5", .port = 8443, .action = ACTION_ALLOW},
		{.host = "::1", .action = ACTION_ALLOW},
	};
	struct policy p = {.rules = rules, .nrules = 5, .source = "test.ini"};
	struct ca_name names[8];
	CHECK_EQ_INT(ca_names_from_policy(&p, names, 8), 4);
	CHECK_EQ_STR(names[0].name, "api.example.test");
	CHECK_EQ_INT(names[0].kind, CA_NAME_HOST);
	CHECK_EQ_STR(names[1].name, "example.org");
	CHECK_EQ_INT(names[1].kind, CA_NAME_SUBDOMAINS);
	CHECK_EQ_STR(names[2].name, "10.0.0.5");
	CHECK_EQ_INT(names[2].kind, CA_NAME_IP);
	CHECK_EQ_INT(names[3].kind, CA_NAME_IP);
	CHECK_EQ_INT(ca_names_from_policy(&p, names, 2), 4); /* reports the need */

	struct ca *ca = malloc(sizeof *ca);
	char err[256] = "";
	CHECK_EQ_INT(ca_generate_for_policy(ca, &p, NOW, err, sizeof err), 0);
	CHECK(contains(ca->cert, ca->cert_len, ".example.org", 12));
	CHECK(!contains(ca->cert, ca->cert_len, "googleapis", 10));
	free_ca(ca);
}

TEST(cert_leaf_longest_host_fits)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	char host[254];
	/* 63 + 1 + 63 + 1 + 63 + 1 + 49 + ".example.org" = 253 bytes */
	memset(host, 'a', sizeof host);
	host[63] = host[127] = host[191] = '.';
	strcpy(host + 241, ".example.org");
	CHECK_EQ_INT(strlen(host), 253);
	unsigned char leaf[LEAF_CERT_MAX];
	size_t len = 0;
	char err[256] = "";
	CHECK_EQ_INT(leaf_mint(ca, host, NOW, leaf, sizeof leaf, &len, NULL, err, sizeof err), 0);
	CHECK(len > 0 && len < 800);
	CHECK_EQ_INT(verify(ca, leaf, len, host, NOW, 0), 0);
	free_ca(ca);
}

/* Reads one DER header at p (no long lengths beyond 2 bytes: enough for these
 * certificates); returns the header size and the content length in *len. */
static size_t der_header(const unsigned char *p, size_t *len)
{
	if (p[1] < 0x80) {
		*len = p[1];
		return 2;
	}
	if (p[1] == 0x81) {
		*len = p[2];
		return 3;
	}
	*len = (size_t)p[2] << 8 | p[3];
	return 4;
}

TEST(cert_ca_self_signature_verifies)
{
	struct ca *ca = new_ca(NAMES, 3);
	if (!ca)
		return;
	size_t clen, tlen, alen, slen;
	const unsigned char *c = ca->cert;
	const unsigned char *tbs = c + der_header(c, &clen);
	size_t th = der_header(tbs, &tlen);
	const unsigned char *alg = tbs + th + tlen;
	const unsigned char *sig = alg + der_header(alg, &alen) + alen;
	size_t sh = der_header(sig, &slen);
	CHECK_EQ_INT(sig[0], 0x03);
	CHECK_EQ_INT(sig[sh], 0x00); /* no unused bits */
	CHECK_EQ_INT(sig + sh + slen - c, ca->cert_len);
	unsigned char hash[32];
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, tbs, th + tlen);
	br_sha256_out(&h, hash);
	CHECK(br_ecdsa_i31_vrfy_asn1(br_ec_get_default(), hash, 32, &ca->pub, sig + sh + 1,
				     slen - 1) == 1);
	hash[0] ^= 1;
	CHECK(br_ecdsa_i31_vrfy_asn1(br_ec_get_default(), hash, 32, &ca->pub, sig + sh + 1,
				     slen - 1) == 0);
	free_ca(ca);
}

TEST(cert_ca_new_is_wiped_in_forked_children)
{
	struct ca *ca = ca_new();
	char err[256] = "";
	CHECK(ca != NULL);
	if (!ca)
		return;
	CHECK_EQ_INT(ca->cert_len, 0);
	CHECK_EQ_INT(ca_generate(ca, NAMES, 3, NOW, err, sizeof err), 0);
	static const unsigned char zero[BR_EC_KBUF_PRIV_MAX_SIZE];
	CHECK(memcmp(ca->key_x, zero, sizeof zero) != 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child sees zeroed pages: no key, no certificate. */
		int ok = memcmp(ca->key_x, zero, sizeof zero) == 0 &&
			 memcmp(ca->leaf_x, zero, sizeof zero) == 0 && ca->cert_len == 0;
		_exit(ok ? 0 : 1);
	}
	int st = -1;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The parent keeps its CA. */
	CHECK(memcmp(ca->key_x, zero, sizeof zero) != 0 && ca->cert_len > 0);
	ca_free(ca);
	ca_free(NULL);
}
