/* libFuzzer target: proxy/tls/gcp_key.c over arbitrary bytes as a service-account key file,
 * then proxy/tls/jwt.c with every key that parses. A refusal must leave the struct wiped
 * and say why; a parsed key must have NUL-terminated printable fields within their
 * buffers, key components inside the struct, and sign a JWT of three base64url parts. */
#include "proxy/tls/gcp_key.h"
#include "proxy/tls/jwt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void check_field(const char *f, size_t cap, int required)
{
	const char *nul = memchr(f, 0, cap);
	if (!nul || (required && nul == f))
		abort();
	for (const char *p = f; p < nul; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			abort();
}

/* Whether [p, p + n) lies inside the key's component buffer. */
static int inside(const struct gcp_key *k, const unsigned char *p, size_t n)
{
	return p >= k->rsa_buf && n <= sizeof k->rsa_buf &&
	       (size_t)(p - k->rsa_buf) <= sizeof k->rsa_buf - n;
}

static void check_key(const struct gcp_key *k)
{
	check_field(k->client_email, sizeof k->client_email, 1);
	check_field(k->token_uri, sizeof k->token_uri, 1);
	check_field(k->private_key_id, sizeof k->private_key_id, 0);
	check_field(k->project_id, sizeof k->project_id, 0);
	if (!strchr(k->client_email, '@') || strncasecmp(k->token_uri, "https://", 8) != 0)
		abort();
	const br_rsa_private_key *r = &k->rsa;
	if (r->n_bitlen < GCP_KEY_RSA_MIN_BITS || r->n_bitlen > GCP_KEY_RSA_MAX_BITS)
		abort();
	if (!inside(k, r->p, r->plen) || !inside(k, r->q, r->qlen) || !inside(k, r->dp, r->dplen) ||
	    !inside(k, r->dq, r->dqlen) || !inside(k, r->iq, r->iqlen))
		abort();
	if (k->pub.n != k->n || k->pub.nlen != (r->n_bitlen + 7) / 8 || k->pub.e != k->e ||
	    k->pub.elen == 0 || k->pub.elen > sizeof k->e)
		abort();
}

static void check_jwt(const struct gcp_key *k)
{
	static char jwt[JWT_MAX], form[JWT_BODY_MAX];
	const char *why = NULL;
	long n = jwt_sign_grant(k, NULL, 1700000000, jwt, sizeof jwt, &why);
	if (n <= 0 || (size_t)n != strlen(jwt))
		abort(); /* a parsed key always signs, and its fields always fit */
	int dots = 0;
	for (long i = 0; i < n; i++) {
		char c = jwt[i];
		dots += c == '.';
		if (!(c == '.' || c == '-' || c == '_' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			abort();
	}
	if (dots != 2 || jwt_grant_body(jwt, (size_t)n, form, sizeof form) != n + 75)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gcp_key key;
	char err[256];
	memset(err, 0x55, sizeof err);
	if (gcp_key_parse((const char *)data, size, &key, err, sizeof err) == 0) {
		check_key(&key);
		check_jwt(&key);
		gcp_key_wipe(&key);
		return 0;
	}
	if (!memchr(err, 0, sizeof err) || err[0] == 0)
		abort(); /* a refusal says why */
	const unsigned char *b = (const unsigned char *)&key;
	for (size_t i = 0; i < sizeof key; i++)
		if (b[i])
			abort(); /* and leaves nothing behind */
	return 0;
}
