/* gcp_key.h: a Google Cloud service-account key file (JSON), parsed from bytes.
 *
 * The supervisor, not the sandboxed program, holds the key: it signs the OAuth 2.0
 * JWT-bearer grant itself (proxy/tls/jwt.h) and hands the sandbox only a placeholder
 * token through the GCE metadata answerer (proxy/proto/gce_metadata.h). This module reads
 * the file Google's console downloads:
 *
 *   {"type": "service_account", "project_id": "...", "private_key_id": "...",
 *    "private_key": "-----BEGIN PRIVATE KEY-----\n...", "client_email": "...",
 *    "token_uri": "https://oauth2.googleapis.com/token", ...}
 *
 * Required: "type" (exactly "service_account"), "client_email", "private_key" (PEM,
 * "PRIVATE KEY" = PKCS#8 or "RSA PRIVATE KEY" = PKCS#1, unencrypted, RSA of 2048 to 4096
 * bits), "token_uri" (https://, kept as given: it is also the JWT's audience). Optional:
 * "private_key_id" (the JWT's "kid") and "project_id". Other members are ignored. The
 * document must be strict JSON (proxy/proto/json.h), every member used a string, named
 * once.
 *
 * Everything is I/O-free and lives in the caller's struct (no allocation). The key is
 * checked when parsed: its public half is recomputed (modulus from p and q, exponent
 * from the DER) and one signature is made and verified, so a damaged key fails here
 * rather than at Google's token endpoint. Error sentences name the field, never a byte
 * of the key.
 */
#ifndef AIRLOCK_GCP_KEY_H
#define AIRLOCK_GCP_KEY_H

#include <stddef.h>

#include <bearssl.h>

#define GCP_KEY_RSA_MIN_BITS 2048 /* what Google issues and accepts for uploaded keys */
#define GCP_KEY_RSA_MAX_BITS 4096 /* BearSSL's RSA limit */
#define GCP_KEY_EMAIL_MAX 256     /* longest client_email */
#define GCP_KEY_ID_MAX 128        /* longest private_key_id (Google's are 40 hex digits) */
#define GCP_KEY_PROJECT_MAX 128   /* longest project_id (Google's: at most 30) */
#define GCP_KEY_URI_MAX 512       /* longest token_uri */
#define GCP_KEY_PEM_MAX 8192      /* longest private_key text (a 4096-bit key: ~3.3 KB) */
#define GCP_KEY_DER_MAX 4096      /* its DER (a 4096-bit PKCS#8 key: ~2.4 KB) */

/* A parsed key. rsa and pub point into this struct's own buffers: do not copy it with
 * memcpy or assignment, pass pointers. Wipe it with gcp_key_wipe() when done. Every
 * string is NUL-terminated, printable ASCII; "" when an optional member was absent. */
struct gcp_key {
	char client_email[GCP_KEY_EMAIL_MAX + 1];
	char private_key_id[GCP_KEY_ID_MAX + 1];
	char project_id[GCP_KEY_PROJECT_MAX + 1];
	char token_uri[GCP_KEY_URI_MAX + 1];

	br_rsa_private_key rsa;       /* p, q, dp, dq, iq in rsa_buf; n_bitlen exact */
	unsigned char rsa_buf[3 * 512];
	br_rsa_public_key pub;        /* n and e below */
	unsigned char n[GCP_KEY_RSA_MAX_BITS / 8];
	unsigned char e[4];
};

/* Parses the key file doc[0..len) into *key. Returns 0, or -1 with a sentence in err
 * (errlen bytes, always NUL-terminated when errlen > 0) saying what is wrong: not JSON,
 * a required member missing, a member not a string or too long or with characters it may
 * not have, the wrong "type", a private_key that is not a PEM private key, encrypted,
 * not RSA, outside 2048..4096 bits or inconsistent. On failure *key holds nothing
 * (wiped). */
int gcp_key_parse(const char *doc, size_t len, struct gcp_key *key, char *err, size_t errlen);

/* Wipes every byte of *key (explicit_bzero), private key components included. */
void gcp_key_wipe(struct gcp_key *key);

#endif
