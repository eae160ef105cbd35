/* cert.c: the per-sandbox CA and leaf minting (see cert.h). */
#include "proxy/tls/cert.h"
#include "net/base/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "proxy/tls/ec_p256.h"
#include "proxy/tls/der.h"
#include "proxy/tls/pem.h"

/* Object identifiers used below. */
#define OID_EC_PUBLIC_KEY "1.2.840.10045.2.1"
#define OID_P256 "1.2.840.10045.3.1.7"
#define OID_ECDSA_SHA256 "1.2.840.10045.4.3.2"
#define OID_CN "2.5.4.3"
#define OID_O "2.5.4.10"
#define OID_SKI "2.5.29.14"
#define OID_KEY_USAGE "2.5.29.15"
#define OID_SAN "2.5.29.17"
#define OID_BASIC_CONSTRAINTS "2.5.29.19"
#define OID_NAME_CONSTRAINTS "2.5.29.30"
#define OID_AKI "2.5.29.35"
#define OID_EKU "2.5.29.37"
#define OID_SERVER_AUTH "1.3.6.1.5.5.7.3.1"

/* keyUsage bits (RFC 5280 4.2.1.3). */
#define KU_DIGITAL_SIGNATURE (1u << 0)
#define KU_KEY_CERT_SIGN (1u << 5)
#define KU_CRL_SIGN (1u << 6)

/* GeneralName choices (RFC 5280 4.2.1.6), IMPLICIT primitive tags. */
#define GN_DNS DER_CONTEXT(2)
#define GN_IP DER_CONTEXT(7)

#define CA_ORG "airlock"
#define CA_CN "airlock sandbox CA"
#define DNS_MAX 253
#define CN_MAX 64 /* ub-common-name (RFC 5280 appendix A) */

int cert_parse_ip(const char *host, unsigned char ip[16], size_t *iplen)
{
	int family = addr_parse_literal(host, ip);
	*iplen = family == AF_INET ? 4 : 16;
	return family != 0;
}

/* Whether name is a DNS name a certificate may carry: 1 to 253 bytes of letters,
 * digits, '-' and '_' in non-empty labels of at most 63 bytes separated by dots. ('_'
 * occurs in real host names; IA5String allows it.) */
static int dns_name_ok(const char *name)
{
	size_t len = strlen(name), label = 0;
	if (len == 0 || len > DNS_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

/* --- pieces of a certificate ----------------------------------------------------------- */

static void write_sigalg(struct der *d)
{
	der_begin(d, DER_SEQUENCE);
	der_oid(d, OID_ECDSA_SHA256); /* RFC 5758: no parameters, not even NULL */
	der_end(d);
}

static void write_spki(struct der *d, const br_ec_public_key *pub)
{
	der_begin(d, DER_SEQUENCE);
	der_begin(d, DER_SEQUENCE);
	der_oid(d, OID_EC_PUBLIC_KEY);
	der_oid(d, OID_P256); /* a named curve: explicit parameters fail x509_strict */
	der_end(d);
	der_bits(d, pub->q, pub->qlen);
	der_end(d);
}

/* One RDN holding one attribute, as UTF8String (RFC 5280 4.1.2.4). */
static void write_rdn(struct der *d, const char *oid, const char *value, size_t len)
{
	der_begin(d, DER_SET);
	der_begin(d, DER_SEQUENCE);
	der_oid(d, oid);
	der_tlv(d, DER_UTF8_STRING, value, len);
	der_end(d);
	der_end(d);
}

static void write_validity(struct der *d, time_t from, time_t to)
{
	der_begin(d, DER_SEQUENCE);
	der_time(d, from);
	der_time(d, to);
	der_end(d);
}

/* Starts an Extension: its OID, criticality (DEFAULT FALSE: omitted when false), and
 * the OCTET STRING that wraps the value; ext_end() closes both. */
static void ext_begin(struct der *d, const char *oid, int critical)
{
	der_begin(d, DER_SEQUENCE);
	der_oid(d, oid);
	if (critical)
		der_bool(d, 1);
	der_begin(d, DER_OCTET_STRING);
}

static void ext_end(struct der *d)
{
	der_end(d);
	der_end(d);
}

static void ext_key_ids(struct der *d, const unsigned char *ski, const unsigned char *aki)
{
	ext_begin(d, OID_SKI, 0);
	der_tlv(d, DER_OCTET_STRING, ski, CERT_SKI_LEN);
	ext_end(d);
	ext_begin(d, OID_AKI, 0);
	der_begin(d, DER_SEQUENCE);
	der_tlv(d, DER_CONTEXT(0), aki, CERT_SKI_LEN); /* keyIdentifier [0] */
	der_end(d);
	ext_end(d);
}

/* The nameConstraints value. names were validated and de-duplicated by the caller. */
static void write_name_constraints(struct der *d, const struct ca_name *names, size_t n)
{
	size_t ndns = 0, nip = 0;
	for (size_t i = 0; i < n; i++) {
		if (!names[i].name)
			continue;
		if (names[i].kind == CA_NAME_IP)
			nip++;
		else
			ndns++;
	}
	der_begin(d, DER_SEQUENCE);
	if (n > 0) {
		der_begin(d, DER_CONTEXT_CONS(0)); /* permittedSubtrees */
		for (size_t i = 0; i < n; i++) {
			const struct ca_name *nm = &names[i];
			if (!nm->name)
				continue;
			der_begin(d, DER_SEQUENCE); /* GeneralSubtree, minimum 0 omitted */
			if (nm->kind == CA_NAME_IP) {
				unsigned char ipmask[32];
				size_t iplen = 0;
				cert_parse_ip(nm->name, ipmask, &iplen);
				memset(ipmask + iplen, 0xff, iplen); /* one address: /32 or /128 */
				der_tlv(d, GN_IP, ipmask, 2 * iplen);
			} else if (nm->kind == CA_NAME_SUBDOMAINS) {
				/* ".x" means names below x only (RFC 5280 4.2.1.10 for URIs;
				 * honoured for dNSName by OpenSSL, GnuTLS and Go). */
				char dot[DNS_MAX + 2];
				size_t len = strlen(nm->name);
				dot[0] = '.';
				memcpy(dot + 1, nm->name, len);
				der_tlv(d, GN_DNS, dot, len + 1);
			} else {
				der_tlv(d, GN_DNS, nm->name, strlen(nm->name));
			}
			der_end(d);
		}
		der_end(d);
	}
	if (ndns == 0 || nip == 0) {
		/* A type with no permitted entry would be unconstrained: exclude all of it. */
		static const unsigned char any[32];
		der_begin(d, DER_CONTEXT_CONS(1)); /* excludedSubtrees */
		if (ndns == 0) {
			der_begin(d, DER_SEQUENCE);
			der_tlv(d, GN_DNS, "", 0); /* the empty name matches every name */
			der_end(d);
		}
		if (nip == 0) {
			der_begin(d, DER_SEQUENCE);
			der_tlv(d, GN_IP, any, 8); /* 0.0.0.0/0 */
			der_end(d);
			der_begin(d, DER_SEQUENCE);
			der_tlv(d, GN_IP, any, 32); /* ::/0 */
			der_end(d);
		}
		der_end(d);
	}
	der_end(d);
}

/* A random positive serial of 16 bytes: top bit clear (positive without padding), next
 * bit set (so it never shrinks to fewer bytes and is never zero). */
static void write_serial(struct der *d, struct rng *rng)
{
	unsigned char s[16];
	rng_bytes(rng, s, sizeof s);
	s[0] = (unsigned char)((s[0] & 0x7f) | 0x40);
	der_uint(d, s, sizeof s);
}

/* Hashes the TBSCertificate written since tbs, signs it with key and closes the
 * Certificate. Returns 0, or -1 when the writer failed or signing did. */
static int sign_and_close(struct der *d, size_t tbs, const br_ec_private_key *key)
{
	unsigned char hash[32], sig[80];
	size_t n = 0;
	const unsigned char *p = der_since(d, tbs, &n);
	if (!p)
		return -1;
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, p, n);
	br_sha256_out(&h, hash);
	/* BearSSL's ECDSA is deterministic (RFC 6979): no randomness needed here. */
	size_t slen = br_ecdsa_i31_sign_asn1(&ec_all_fast, &br_sha256_vtable, hash, key, sig);
	if (slen == 0)
		return -1;
	write_sigalg(d);
	der_bits(d, sig, slen);
	der_end(d);
	return 0;
}

static void key_id(const br_ec_public_key *pub, unsigned char out[CERT_SKI_LEN])
{
	/* RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
	br_sha1_context h;
	br_sha1_init(&h);
	br_sha1_update(&h, pub->q, pub->qlen);
	br_sha1_out(&h, out);
}

static int new_key(struct rng *rng, br_ec_private_key *sk, unsigned char *x,
		   br_ec_public_key *pk, unsigned char *q)
{
	const br_ec_impl *ec = &ec_all_fast;
	if (br_ec_keygen(rng_prng(rng), ec, sk, x, BR_EC_secp256r1) == 0)
		return -1;
	if (br_ec_compute_pub(ec, pk, q, sk) == 0)
		return -1;
	return 0;
}

/* --- the CA ------------------------------------------------------------------------------ */

/* Checks the names; marks duplicates by clearing their name in kept[] (a copy). */
static int check_names(const struct ca_name *names, size_t n, struct ca_name *kept,
		       char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ip[16];
		size_t iplen;
		const char *nm = names[i].name;
		kept[i] = names[i];
		if (!nm) {
			snprintf(err, errlen, "cannot make the sandbox CA: allow entry %zu has no name",
				 i + 1);
			return -1;
		}
		int bad = names[i].kind == CA_NAME_IP ? !cert_parse_ip(nm, ip, &iplen)
						     : !dns_name_ok(nm);
		if (bad) {
			snprintf(err, errlen,
				 "cannot make the sandbox CA: '%.260s' is not a valid %s for a "
				 "certificate name constraint; fix the [network] allow entry",
				 nm, names[i].kind == CA_NAME_IP ? "IP address" : "host name");
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (kept[j].name && kept[j].kind == names[i].kind &&
			    strcasecmp(kept[j].name, nm) == 0) {
				kept[i].name = NULL;
				break;
			}
		}
	}
	return 0;
}

/* ca_generate(), or with constrained == 0 a CA without nameConstraints. */
static int generate(struct ca *ca, const struct ca_name *names, size_t n, int constrained,
		    time_t now, char *err, size_t errlen)
{
	struct ca_name kept[CA_MAX_NAMES]; /* 16 KB of stack, once per sandbox */
	struct der d;

	memset(ca, 0, sizeof *ca);
	if (n > CA_MAX_NAMES) {
		snprintf(err, errlen,
			 "cannot make the sandbox CA: %zu allow entries, at most %d are supported; "
			 "use wildcard entries (*.example.com) to cover many hosts",
			 n, CA_MAX_NAMES);
		return -1;
	}
	if (check_names(names, n, kept, err, errlen) < 0)
		return -1;
	if (rng_init(&ca->rng, err, errlen) < 0)
		return -1;
	if (new_key(&ca->rng, &ca->key, ca->key_x, &ca->pub, ca->pub_q) < 0 ||
	    new_key(&ca->rng, &ca->leaf_key, ca->leaf_x, &ca->leaf_pub, ca->leaf_q) < 0) {
		snprintf(err, errlen, "cannot make the sandbox CA: EC P-256 key generation failed");
		ca_wipe(ca);
		return -1;
	}
	key_id(&ca->pub, ca->ski);
	key_id(&ca->leaf_pub, ca->leaf_ski);

	/* The subject (and issuer) name, kept to be the issuer of every leaf: BearSSL and
	 * OpenSSL match issuer to subject byte for byte. */
	der_init(&d, ca->name, sizeof ca->name);
	der_begin(&d, DER_SEQUENCE);
	write_rdn(&d, OID_O, CA_ORG, strlen(CA_ORG));
	write_rdn(&d, OID_CN, CA_CN, strlen(CA_CN));
	der_end(&d);
	if (der_finish(&d, &ca->name_len) != DER_OK)
		goto fail;

	ca->not_after = now + (time_t)CA_VALIDITY_DAYS * 86400;
	der_init(&d, ca->cert, sizeof ca->cert);
	der_begin(&d, DER_SEQUENCE);
	size_t tbs = der_mark(&d);
	der_begin(&d, DER_SEQUENCE);
	der_begin(&d, DER_CONTEXT_CONS(0)); /* version v3 */
	der_uint64(&d, 2);
	der_end(&d);
	write_serial(&d, &ca->rng);
	write_sigalg(&d);
	der_raw(&d, ca->name, ca->name_len);
	write_validity(&d, now - CERT_BACKDATE, ca->not_after);
	der_raw(&d, ca->name, ca->name_len);
	write_spki(&d, &ca->pub);
	der_begin(&d, DER_CONTEXT_CONS(3)); /* extensions */
	der_begin(&d, DER_SEQUENCE);
	ext_begin(&d, OID_BASIC_CONSTRAINTS, 1);
	der_begin(&d, DER_SEQUENCE);
	der_bool(&d, 1);     /* cA */
	der_uint64(&d, 0);   /* pathLenConstraint 0: it signs leaves, never other CAs */
	der_end(&d);
	ext_end(&d);
	ext_begin(&d, OID_KEY_USAGE, 1);
	der_named_bits(&d, KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	ext_end(&d);
	ext_key_ids(&d, ca->ski, ca->ski);
	if (constrained) {
		ext_begin(&d, OID_NAME_CONSTRAINTS, 1); /* RFC 5280: MUST be critical */
		write_name_constraints(&d, kept, n);
		ext_end(&d);
	}
	der_end(&d);
	der_end(&d);
	der_end(&d); /* TBSCertificate */
	if (sign_and_close(&d, tbs, &ca->key) < 0 || der_finish(&d, &ca->cert_len) != DER_OK)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen,
		 "cannot make the sandbox CA: its certificate does not fit in %d bytes "
		 "(%zu allow entries); use fewer or wildcard entries",
		 CA_CERT_MAX, n);
	ca_wipe(ca);
	return -1;
}

int ca_generate(struct ca *ca, const struct ca_name *names, size_t n, time_t now,
		char *err, size_t errlen)
{
	return generate(ca, names, n, 1, now, err, errlen);
}

int ca_generate_unconstrained(struct ca *ca, time_t now, char *err, size_t errlen)
{
	return generate(ca, NULL, 0, 0, now, err, errlen);
}

size_t ca_cert_pem(const struct ca *ca, char *out, size_t cap)
{
	return pem_encode(out, cap, "CERTIFICATE", ca->cert, ca->cert_len);
}

/* --- leaves ------------------------------------------------------------------------------ */

int leaf_mint(struct ca *ca, const char *host, time_t now, unsigned char *out, size_t cap,
	      size_t *len, time_t *not_after, char *err, size_t errlen)
{
	unsigned char ip[16];
	size_t iplen = 0;
	char lower[DNS_MAX + 1];
	int is_ip = cert_parse_ip(host, ip, &iplen);
	size_t hlen = strlen(host);

	if (!is_ip) {
		if (!dns_name_ok(host)) {
			snprintf(err, errlen,
				 "cannot mint a certificate for '%.260s': not a host name or IP "
				 "address",
				 host);
			return -1;
		}
		/* Names compare case-insensitively, but clients are happier with one form. */
		for (size_t i = 0; i <= hlen; i++)
			lower[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]);
	}
	time_t until = now + (time_t)LEAF_VALIDITY_DAYS * 86400;
	if (until > ca->not_after)
		until = ca->not_after;
	if (until <= now) {
		snprintf(err, errlen,
			 "cannot mint a certificate for '%s': the sandbox CA expired (it is valid "
			 "for %d days); restart the sandbox",
			 host, CA_VALIDITY_DAYS);
		return -1;
	}
	/* CN only for a DNS name that fits (an IP in the CN would be checked by OpenSSL as
	 * a DNS name against the constraints and fail); otherwise the subject is empty and
	 * RFC 5280 wants the SAN critical. */
	int with_cn = !is_ip && hlen <= CN_MAX;

	struct der d;
	der_init(&d, out, cap);
	der_begin(&d, DER_SEQUENCE);
	size_t tbs = der_mark(&d);
	der_begin(&d, DER_SEQUENCE);
	der_begin(&d, DER_CONTEXT_CONS(0));
	der_uint64(&d, 2);
	der_end(&d);
	write_serial(&d, &ca->rng);
	write_sigalg(&d);
	der_raw(&d, ca->name, ca->name_len);
	write_validity(&d, now - CERT_BACKDATE, until);
	der_begin(&d, DER_SEQUENCE);
	if (with_cn)
		write_rdn(&d, OID_CN, lower, hlen);
	der_end(&d);
	write_spki(&d, &ca->leaf_pub);
	der_begin(&d, DER_CONTEXT_CONS(3));
	der_begin(&d, DER_SEQUENCE);
	ext_begin(&d, OID_BASIC_CONSTRAINTS, 1);
	der_begin(&d, DER_SEQUENCE); /* cA FALSE is the DEFAULT, so omitted */
	der_end(&d);
	ext_end(&d);
	ext_begin(&d, OID_KEY_USAGE, 1);
	der_named_bits(&d, KU_DIGITAL_SIGNATURE); /* ECDHE_ECDSA: the key only signs */
	ext_end(&d);
	ext_begin(&d, OID_EKU, 0);
	der_begin(&d, DER_SEQUENCE);
	der_oid(&d, OID_SERVER_AUTH);
	der_end(&d);
	ext_end(&d);
	ext_begin(&d, OID_SAN, !with_cn);
	der_begin(&d, DER_SEQUENCE);
	if (is_ip)
		der_tlv(&d, GN_IP, ip, iplen);
	else
		der_tlv(&d, GN_DNS, lower, hlen);
	der_end(&d);
	ext_end(&d);
	ext_key_ids(&d, ca->leaf_ski, ca->ski);
	der_end(&d);
	der_end(&d);
	der_end(&d); /* TBSCertificate */
	if (sign_and_close(&d, tbs, &ca->key) < 0 || der_finish(&d, len) != DER_OK) {
		snprintf(err, errlen,
			 "cannot mint a certificate for '%s': it does not fit in %zu bytes", host,
			 cap);
		return -1;
	}
	if (not_after)
		*not_after = until;
	return 0;
}

void ca_chain(const struct ca *ca, const unsigned char *leaf, size_t len,
	      br_x509_certificate chain[2])
{
	/* BearSSL's type is not const-qualified but only reads the data. */
	chain[0].data = (unsigned char *)leaf;
	chain[0].data_len = len;
	chain[1].data = (unsigned char *)ca->cert;
	chain[1].data_len = ca->cert_len;
}

const br_ec_private_key *ca_leaf_key(const struct ca *ca)
{
	return &ca->leaf_key;
}

void ca_wipe(struct ca *ca)
{
	explicit_bzero(ca, sizeof *ca);
}

struct ca *ca_new(void)
{
	void *p = mmap(NULL, sizeof(struct ca), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Best effort, each: an old kernel without WIPEONFORK or a small memlock limit
	 * still gets a working CA (the supervisor is not dumpable either way). */
	(void)madvise(p, sizeof(struct ca), MADV_DONTDUMP);
	(void)madvise(p, sizeof(struct ca), MADV_WIPEONFORK);
	(void)mlock(p, sizeof(struct ca));
	return p; /* anonymous pages are zero */
}

void ca_free(struct ca *ca)
{
	if (!ca)
		return;
	ca_wipe(ca);
	(void)munlock(ca, sizeof *ca);
	munmap(ca, sizeof *ca);
}
