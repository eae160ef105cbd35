/* trust.h: trust anchors for verifying upstream servers.
 *
 * The proxy re-sends requests for `allow` hosts over TLS that BearSSL verifies against
 * these anchors: the supervisor's SSL_CERT_FILE, else the system bundle
 * /etc/ssl/certs/ca-certificates.crt, plus the policy's `trust` files. Each PEM
 * CERTIFICATE becomes a br_x509_trust_anchor (its subject DN and public key, copied);
 * other PEM objects (keys, CRLs) are skipped. The store allocates (the number of anchors
 * is not known in advance) and is freed with trust_free().
 */
#ifndef AIRLOCK_TRUST_H
#define AIRLOCK_TRUST_H

#include <stddef.h>

#include <bearssl.h>

#define TRUST_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define TRUST_MAX_FILE (16u << 20) /* a trust file larger than 16 MiB is refused */

struct trust_store {
	br_x509_trust_anchor *anchors; /* for br_x509_minimal_init(..., anchors, count) */
	size_t count;
	size_t cap;
	size_t unusable; /* certificates skipped for a key BearSSL cannot use (e.g. Ed25519) */
	char note[320];  /* set when the system bundle was missing: worth a -v line */
};

/* An empty store. */
void trust_init(struct trust_store *ts);

/* Adds the CERTIFICATE objects of PEM text; name (a file name) is for messages. A
 * certificate whose key type BearSSL does not support is counted in ts->unusable and
 * skipped, which only ever trusts less. Returns the number of anchors added, or -1 with
 * a sentence in err naming name and the entry number ("FILE: entry 3 (CERTIFICATE):
 * ..."); the store then holds what was added before. A text without any certificate is
 * an error too. */
long trust_add_pem(struct trust_store *ts, const char *name, const void *text, size_t len,
		   char *err, size_t errlen);

/* trust_add_pem() on a file's content. */
long trust_add_file(struct trust_store *ts, const char *path, char *err, size_t errlen);

/* The system anchors: the file named by ssl_cert_file (the supervisor's SSL_CERT_FILE;
 * NULL or "" for none), else TRUST_SYSTEM_BUNDLE; then each of the extra files. A named
 * SSL_CERT_FILE or extra file that cannot be read is an error; a missing system bundle
 * is not (a minimal image may have none) but is told in ts->note, and upstream TLS then
 * verifies against the extra files alone. Returns 0, or -1 with a sentence in err. */
int trust_load(struct trust_store *ts, const char *ssl_cert_file, const char *const *extra,
	       size_t nextra, char *err, size_t errlen);

/* A short text for a BearSSL X.509 error code (BR_ERR_X509_*), for messages such as
 * the proxy's 502 body. */
const char *trust_x509_error(int code);

/* Frees every anchor. */
void trust_free(struct trust_store *ts);

#endif
