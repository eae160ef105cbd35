/* gcp_key.c: see gcp_key.h. JSON through proxy/proto/json.c, PEM through
 * proxy/tls/pem.c, the key itself through BearSSL's private-key decoder. */
#include "proxy/tls/gcp_key.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy/proto/json.h"
#include "proxy/tls/pem.h"

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...)
{
	if (errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* --- the JSON members ------------------------------------------------------------------ */

/* Decodes member `name` into out (cap bytes, NUL included). Returns 1 when found, 0 when
 * absent and optional, -1 with a sentence in err otherwise. Refuses NUL and other control
 * characters, so what comes out is a C string fit for a log line. */
static int member(const char *doc, size_t len, const char *name, int required, char *out,
		  size_t cap, char *err, size_t errlen)
{
	struct json_span tok;
	const char *why = "";
	out[0] = 0;
	switch (json_find_string(doc, len, name, &tok, &why)) {
	case JSON_INVALID:
		say(err, errlen, "not a valid JSON key file (%s)", why ? why : "invalid");
		return -1;
	case JSON_NOT_STRING:
		say(err, errlen, "\"%s\" is not a string", name);
		return -1;
	case JSON_ABSENT:
		if (required)
			say(err, errlen, "\"%s\" is missing", name);
		return required ? -1 : 0;
	case JSON_FOUND:
		break;
	}
	long n = json_string_decode(doc, tok, out, cap - 1);
	if (n < 0) {
		out[0] = 0;
		say(err, errlen, "\"%s\" is longer than %zu bytes", name, cap - 1);
		return -1;
	}
	out[n] = 0;
	for (long i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c < 0x20 && !(c == '\n' || c == '\r' || c == '\t')) {
			say(err, errlen, "\"%s\" holds a control character", name);
			return -1;
		}
	}
	if (required && n == 0) {
		say(err, errlen, "\"%s\" is empty", name);
		return -1;
	}
	return 1;
}

/* Whether s is printable ASCII without blanks (an e-mail address, a key id, a URL). */
static int plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* A member that must be plain_ascii(); see member(). */
static int ascii_member(const char *doc, size_t len, const char *name, int required, char *out,
			size_t cap, char *err, size_t errlen)
{
	int rc = member(doc, len, name, required, out, cap, err, errlen);
	if (rc > 0 && !plain_ascii(out)) {
		say(err, errlen, "\"%s\" holds characters other than printable ASCII", name);
		out[0] = 0;
		return -1;
	}
	return rc;
}

/* Names a "type" Google uses for other credential files, for a helpful error. */
static const char *other_type(const char *type)
{
	static const char *const known[] = {"authorized_user", "external_account",
					    "impersonated_service_account",
					    "external_account_authorized_user", "gdch_service_account"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(type, known[i]) == 0)
			return known[i];
	return NULL;
}

static int check_type(const char *doc, size_t len, char *err, size_t errlen)
{
	char type[64];
	if (member(doc, len, "type", 1, type, sizeof type, err, errlen) < 0)
		return -1;
	if (strcmp(type, "service_account") == 0)
		return 0;
	const char *other = other_type(type);
	if (other)
		say(err, errlen, "\"type\" is \"%s\", not \"service_account\": not a service-account key",
		    other);
	else
		say(err, errlen, "\"type\" is not \"service_account\": not a service-account key");
	return -1;
}

/* client_email: something@something. */
static int check_email(const char *email, char *err, size_t errlen)
{
	const char *at = strchr(email, '@');
	if (!at || at == email || at[1] == 0) {
		say(err, errlen, "\"client_email\" is not an e-mail address");
		return -1;
	}
	return 0;
}

/* token_uri: https:// followed by a host. */
static int check_token_uri(const char *uri, char *err, size_t errlen)
{
	if (strncasecmp(uri, "https://", 8) != 0 || uri[8] == 0 || uri[8] == '/') {
		say(err, errlen, "\"token_uri\" is not an https:// URL");
		return -1;
	}
	return 0;
}

/* --- the RSA key ----------------------------------------------------------------------- */

/* Reads the DER element at *p (before end): its tag, and its content in [*c, *c + *clen).
 * Advances *p past it. Returns 0, or -1 when it is cut or its length is not understood. */
static int der_next(const unsigned char **p, const unsigned char *end, unsigned *tag,
		    const unsigned char **c, size_t *clen)
{
	const unsigned char *q = *p;
	if (end - q < 2)
		return -1;
	*tag = *q++;
	size_t l = *q++;
	if (l & 0x80) {
		size_t nb = l & 0x7f;
		if (nb == 0 || nb > 3 || (size_t)(end - q) < nb)
			return -1;
		for (l = 0; nb > 0; nb--)
			l = l << 8 | *q++;
	}
	if ((size_t)(end - q) < l)
		return -1;
	*c = q, *clen = l, *p = q + l;
	return 0;
}

/* Finds publicExponent in an RSAPrivateKey (PKCS#1: SEQUENCE { version, n, e, ... }) or
 * in one wrapped in PKCS#8 (SEQUENCE { version, AlgorithmIdentifier, OCTET STRING }),
 * which BearSSL's decoder reads but does not return. Copies it to e (4 bytes, big-endian,
 * right-aligned). Returns its length, or 0 when not found or longer than 32 bits. */
static size_t rsa_pubexp(const unsigned char *der, size_t len, int wrapped, unsigned char *e)
{
	const unsigned char *p = der, *end = der + len, *c;
	unsigned tag;
	size_t cl;
	if (der_next(&p, end, &tag, &c, &cl) < 0 || tag != 0x30)
		return 0;
	p = c, end = c + cl;
	if (der_next(&p, end, &tag, &c, &cl) < 0 || tag != 0x02) /* version */
		return 0;
	if (der_next(&p, end, &tag, &c, &cl) < 0)
		return 0;
	if (tag == 0x30 && !wrapped) { /* PKCS#8: the AlgorithmIdentifier, then the key */
		if (der_next(&p, end, &tag, &c, &cl) < 0 || tag != 0x04)
			return 0;
		return rsa_pubexp(c, cl, 1, e);
	}
	if (tag != 0x02 || der_next(&p, end, &tag, &c, &cl) < 0 || tag != 0x02) /* n, e */
		return 0;
	while (cl > 0 && *c == 0)
		c++, cl--;
	if (cl == 0 || cl > 4)
		return 0;
	memcpy(e, c, cl);
	return cl;
}

/* Copies BearSSL's decoded components into key->rsa_buf. */
static int copy_private(struct gcp_key *key, const br_rsa_private_key *r)
{
	size_t total = r->plen + r->qlen + r->dplen + r->dqlen + r->iqlen;
	if (total > sizeof key->rsa_buf)
		return -1;
	unsigned char *b = key->rsa_buf;
	key->rsa.n_bitlen = r->n_bitlen;
	memcpy(key->rsa.p = b, r->p, key->rsa.plen = r->plen), b += r->plen;
	memcpy(key->rsa.q = b, r->q, key->rsa.qlen = r->qlen), b += r->qlen;
	memcpy(key->rsa.dp = b, r->dp, key->rsa.dplen = r->dplen), b += r->dplen;
	memcpy(key->rsa.dq = b, r->dq, key->rsa.dqlen = r->dqlen), b += r->dqlen;
	memcpy(key->rsa.iq = b, r->iq, key->rsa.iqlen = r->iqlen);
	return 0;
}

/* Signs a fixed hash and verifies it with the public half: 0 when the key works. */
static int self_test(const struct gcp_key *key)
{
	static const char msg[] = "airlock gcp_key self-test";
	unsigned char hash[32], back[32], sig[GCP_KEY_RSA_MAX_BITS / 8];
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, msg, sizeof msg - 1);
	br_sha256_out(&h, hash);
	size_t slen = (key->rsa.n_bitlen + 7) / 8;
	if (!br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, sizeof hash, &key->rsa, sig))
		return -1;
	if (!br_rsa_pkcs1_vrfy_get_default()(sig, slen, BR_HASH_OID_SHA256, sizeof back, &key->pub,
					     back))
		return -1;
	return memcmp(hash, back, sizeof hash) == 0 ? 0 : -1;
}

/* The public half: n = p * q, e from the DER. */
static int derive_public(struct gcp_key *key, const unsigned char *der, size_t len)
{
	/* BearSSL 0.6's i31 code gives up on 4096-bit moduli (returns 0); i15 does not. */
	br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
	if (modulus(NULL, &key->rsa) == 0)
		modulus = br_rsa_i15_compute_modulus;
	size_t nlen = modulus(NULL, &key->rsa);
	if (nlen == 0 || nlen > sizeof key->n || modulus(key->n, &key->rsa) != nlen)
		return -1;
	unsigned char e[4] = {0};
	size_t elen = rsa_pubexp(der, len, 0, e);
	if (elen == 0)
		return -1;
	memcpy(key->e, e, elen);
	key->pub = (br_rsa_public_key){key->n, nlen, key->e, elen};
	return 0;
}

/* Decodes one DER private key into key->rsa and key->pub. */
static int decode_der(struct gcp_key *key, const unsigned char *der, size_t len, char *err,
		      size_t errlen)
{
	br_skey_decoder_context sk;
	br_skey_decoder_init(&sk);
	br_skey_decoder_push(&sk, der, len);
	int rc = -1;
	const br_rsa_private_key *r = br_skey_decoder_get_rsa(&sk);
	if (br_skey_decoder_last_error(&sk) == BR_ERR_X509_LIMIT_EXCEEDED)
		say(err, errlen, "\"private_key\" is larger than a %d-bit RSA key",
		    GCP_KEY_RSA_MAX_BITS);
	else if (br_skey_decoder_last_error(&sk) != 0)
		say(err, errlen, "\"private_key\" is not a valid PKCS#8 or PKCS#1 private key");
	else if (!r)
		say(err, errlen, "\"private_key\" is not an RSA key (an EC key?): Google signs "
				 "service-account grants with RS256");
	else if (r->n_bitlen > GCP_KEY_RSA_MAX_BITS)
		say(err, errlen, "\"private_key\" is a %u-bit RSA key, larger than %d bits",
		    (unsigned)r->n_bitlen, GCP_KEY_RSA_MAX_BITS);
	else if (r->n_bitlen < GCP_KEY_RSA_MIN_BITS)
		say(err, errlen, "\"private_key\" is a %u-bit RSA key, smaller than %d bits",
		    (unsigned)r->n_bitlen, GCP_KEY_RSA_MIN_BITS);
	else if (copy_private(key, r) < 0)
		say(err, errlen, "\"private_key\" has RSA components too large for a %d-bit key",
		    GCP_KEY_RSA_MAX_BITS);
	else if (derive_public(key, der, len) < 0 || self_test(key) < 0)
		say(err, errlen, "\"private_key\" is not a consistent RSA key (its test signature "
				 "does not verify)");
	else
		rc = 0;
	explicit_bzero(&sk, sizeof sk);
	return rc;
}

struct pem_walk {
	struct gcp_key *key;
	int keys;       /* private keys seen */
	char msg[256];  /* the callback's refusal */
};

static int on_pem(void *ctx, const struct pem_object *obj, char *err, size_t errlen)
{
	struct pem_walk *w = ctx;
	if (strcmp(obj->label, "ENCRYPTED PRIVATE KEY") == 0) {
		say(w->msg, sizeof w->msg, "\"private_key\" is encrypted; service-account keys are not");
		return 1;
	}
	if (strcmp(obj->label, "EC PRIVATE KEY") == 0) {
		say(w->msg, sizeof w->msg, "\"private_key\" is an EC key, not RSA: Google signs "
					   "service-account grants with RS256");
		return 1;
	}
	if (strcmp(obj->label, "PRIVATE KEY") != 0 && strcmp(obj->label, "RSA PRIVATE KEY") != 0) {
		say(w->msg, sizeof w->msg, "\"private_key\" holds a PEM object that is not a private key");
		return 1;
	}
	if (++w->keys > 1) {
		say(w->msg, sizeof w->msg, "\"private_key\" holds more than one private key");
		return 1;
	}
	return decode_der(w->key, obj->der, obj->len, w->msg, sizeof w->msg) < 0 ? 1 : 0;
}

/* Decodes the PEM text pem[0..len) into key->rsa. pem_decode_each's own sentences quote
 * the BEGIN line, which in a damaged file could be key bytes: they are replaced here. */
static int decode_pem(struct gcp_key *key, const char *pem, size_t len, char *err, size_t errlen)
{
	unsigned char der[GCP_KEY_DER_MAX];
	char pemerr[256] = "";
	struct pem_walk w = {.key = key};
	long n = pem_decode_each(pem, len, der, sizeof der, on_pem, &w, pemerr, sizeof pemerr);
	explicit_bzero(der, sizeof der);
	int too_large = strstr(pemerr, "larger than") != NULL;
	explicit_bzero(pemerr, sizeof pemerr);
	if (n < 0 && w.msg[0])
		say(err, errlen, "%s", w.msg);
	else if (n < 0 && too_large)
		say(err, errlen, "\"private_key\" is larger than a %d-bit RSA key",
		    GCP_KEY_RSA_MAX_BITS);
	else if (n < 0)
		say(err, errlen, "\"private_key\" is not well-formed PEM (bad base64, or a BEGIN "
				 "line without its END line)");
	else if (w.keys == 0)
		say(err, errlen, "\"private_key\" holds no PEM private key "
				 "(\"-----BEGIN PRIVATE KEY-----\")");
	return n < 0 || w.keys == 0 ? -1 : 0;
}

static int parse_key(const char *doc, size_t len, struct gcp_key *key, char *err, size_t errlen)
{
	char pem[GCP_KEY_PEM_MAX + 1];
	int rc = member(doc, len, "private_key", 1, pem, sizeof pem, err, errlen);
	if (rc > 0)
		rc = decode_pem(key, pem, strlen(pem), err, errlen);
	explicit_bzero(pem, sizeof pem);
	return rc < 0 ? -1 : 0;
}

int gcp_key_parse(const char *doc, size_t len, struct gcp_key *key, char *err, size_t errlen)
{
	memset(key, 0, sizeof *key);
	say(err, errlen, "%s", "");
	int ok = check_type(doc, len, err, errlen) == 0 &&
		 ascii_member(doc, len, "client_email", 1, key->client_email,
			      sizeof key->client_email, err, errlen) > 0 &&
		 check_email(key->client_email, err, errlen) == 0 &&
		 ascii_member(doc, len, "token_uri", 1, key->token_uri, sizeof key->token_uri, err,
			      errlen) > 0 &&
		 check_token_uri(key->token_uri, err, errlen) == 0 &&
		 ascii_member(doc, len, "private_key_id", 0, key->private_key_id,
			      sizeof key->private_key_id, err, errlen) >= 0 &&
		 ascii_member(doc, len, "project_id", 0, key->project_id, sizeof key->project_id,
			      err, errlen) >= 0 &&
		 parse_key(doc, len, key, err, errlen) == 0;
	if (!ok)
		gcp_key_wipe(key);
	return ok ? 0 : -1;
}

void gcp_key_wipe(struct gcp_key *key)
{
	explicit_bzero(key, sizeof *key);
}
