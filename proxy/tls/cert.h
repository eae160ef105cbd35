/* cert.h: the per-sandbox certificate authority and the leaf certificates it mints.
 *
 * Every sandbox gets a fresh CA (EC P-256, self-signed X.509 v3) whose private key exists
 * only in this struct, in the supervisor's memory. The CA carries critical X.509 name
 * constraints (RFC 5280 4.2.1.10) that limit it to the policy's `allow` hosts, so even
 * a certificate it signed for any other name is rejected by clients that check them
 * (OpenSSL, hence curl, Python, Node; GnuTLS; Go).
 *
 * Leaves: one EC P-256 key per sandbox, one certificate per host, minted on demand by
 * the TLS-terminating proxy in about a millisecond (one ECDSA signature). Everything
 * here is I/O-free: DER goes into caller buffers; the only outside input is the kernel's
 * randomness, drawn once in ca_generate().
 *
 * For BearSSL's server:
 *     br_x509_certificate chain[2];
 *     ca_chain(ca, leaf_der, leaf_len, chain);
 *     br_ssl_server_set_single_ec(&sc, chain, 2, ca_leaf_key(ca),
 *                                 BR_KEYTYPE_SIGN, BR_KEYTYPE_EC, br_ec_get_default(),
 *                                 br_ecdsa_sign_asn1_get_default());
 */
#ifndef AIRLOCK_CERT_H
#define AIRLOCK_CERT_H

#include <stddef.h>
#include <time.h>

#include <bearssl.h>

#include "proxy/tls/rng.h"

#define CA_CERT_MAX 32768      /* the CA certificate grows with its name constraints */
#define LEAF_CERT_MAX 1024     /* a leaf for a 253-byte host name takes about 720 */
#define CERT_SKI_LEN 20        /* SHA-1 key identifiers (RFC 5280 4.2.1.2, method 1) */
#define CA_VALIDITY_DAYS 7     /* a sandbox CA lives a week at most */
#define LEAF_VALIDITY_DAYS 3   /* and a leaf a few days, never past the CA */
#define CERT_BACKDATE 3600     /* notBefore = now - 1 h, for clocks that lag */
#define CA_MAX_NAMES 1024      /* name-constraint entries ca_generate_for_policy takes */

/* One name the CA may certify. */
enum ca_name_kind {
	CA_NAME_HOST,       /* exactly this DNS name */
	CA_NAME_SUBDOMAINS, /* every name below it, not itself (the policy's "*.x") */
	CA_NAME_IP,         /* an IPv4 or IPv6 literal (no brackets) */
};
struct ca_name {
	const char *name;
	enum ca_name_kind kind;
};

/* The CA and the sandbox's leaf key. Large (the certificate buffer): keep it static or
 * on the heap. Wipe it with ca_wipe(). */
struct ca {
	struct rng rng;

	unsigned char key_x[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_private_key key;
	unsigned char pub_q[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_public_key pub;
	unsigned char ski[CERT_SKI_LEN];

	unsigned char name[96]; /* the subject DN, DER: O=airlock, CN=airlock sandbox CA */
	size_t name_len;
	time_t not_after;

	unsigned char cert[CA_CERT_MAX];
	size_t cert_len;

	unsigned char leaf_x[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_private_key leaf_key;
	unsigned char leaf_q[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_public_key leaf_pub;
	unsigned char leaf_ski[CERT_SKI_LEN];
};

/* A zeroed struct ca in pages of its own that are kept out of core dumps, locked out of
 * swap where the memlock limit allows, and wiped in forked children (MADV_WIPEONFORK):
 * the sandbox's child process never holds the CA key, not even before it execs CMD.
 * NULL when out of memory. */
struct ca *ca_new(void);

/* Wipes and releases a CA from ca_new(). */
void ca_free(struct ca *ca);

/* Makes a fresh CA valid from now - 1 h to now + CA_VALIDITY_DAYS, constrained to
 * names (duplicates are dropped), and the sandbox's leaf key. Seeds ca->rng from the
 * kernel. A name type with no entry is excluded entirely (no IP entry: 0.0.0.0/0 and
 * ::/0 excluded; no DNS entry: every DNS name excluded), since RFC 5280 leaves a type
 * without permitted entries unconstrained. Returns 0, or -1 with a sentence in err (a
 * bad name, too many names for CA_CERT_MAX). */
int ca_generate(struct ca *ca, const struct ca_name *names, size_t n, time_t now,
		char *err, size_t errlen);
/* The same without nameConstraints, for a sandbox whose hosts may be granted while it
 * runs (sandbox-exec --control): it may sign for any name, and only this sandbox trusts
 * it. */
int ca_generate_unconstrained(struct ca *ca, time_t now, char *err, size_t errlen);

/* The CA certificate as PEM (for the sandbox's CA files). Returns its length without
 * the NUL, or 0 when cap is too small. */
size_t ca_cert_pem(const struct ca *ca, char *out, size_t cap);

/* Mints the leaf certificate for host (a DNS name, or an IP literal without brackets),
 * valid from now - 1 h to now + LEAF_VALIDITY_DAYS (never past the CA), signed by the
 * CA, for the sandbox's leaf key: SAN, CN=host when it is a DNS name of at most 64
 * bytes, AKI, SKI, basicConstraints CA:FALSE, keyUsage digitalSignature, EKU
 * serverAuth, random positive 127-bit serial. The DER goes to out (cap bytes,
 * LEAF_CERT_MAX always suffices), its length to *len, its notAfter to *not_after.
 * It does not check the host against the name constraints: the proxy only asks for
 * allowed hosts, and clients enforce the constraints. Returns 0, or -1 with a sentence
 * in err (a host that is no DNS name or IP, an expired CA). */
int leaf_mint(struct ca *ca, const char *host, time_t now, unsigned char *out, size_t cap,
	      size_t *len, time_t *not_after, char *err, size_t errlen);

/* Fills chain with [leaf, CA] as BearSSL's server sends it. The chain points into
 * leaf and ca, which must outlive its use. */
void ca_chain(const struct ca *ca, const unsigned char *leaf, size_t len,
	      br_x509_certificate chain[2]);

/* The private key of every leaf of this sandbox (for br_ssl_server_set_single_ec). */
const br_ec_private_key *ca_leaf_key(const struct ca *ca);

/* Whether host is an IP literal; fills ip (4 or 16 bytes) and *iplen when it is. */
int cert_parse_ip(const char *host, unsigned char ip[16], size_t *iplen);

/* Erases every key and the generator state. */
void ca_wipe(struct ca *ca);

#endif
