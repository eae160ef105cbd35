/* jwt.c: see jwt.h. */
#include "proxy/tls/jwt.h"

#include <stdio.h>
#include <string.h>

#include <bearssl.h>

#include "net/base/base64.h"
#include "net/base/percent.h"
#include "proxy/proto/json.h"

static long fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

/* Appends raw text at out[*pos..cap); advances *pos in any case. */
static int put(const char *s, size_t n, char *out, size_t cap, size_t *pos)
{
	int rc = 0;
	if (*pos <= cap && cap - *pos >= n)
		memcpy(out + *pos, s, n);
	else
		rc = -1;
	*pos += n;
	return rc;
}

/* Appends "name":"<escaped value>" (with a leading comma unless first). */
static int put_member(const char *name, const char *val, int first, char *out, size_t cap,
		      size_t *pos)
{
	int rc = put(first ? "\"" : ",\"", first ? 1 : 2, out, cap, pos);
	rc |= put(name, strlen(name), out, cap, pos);
	rc |= put("\":\"", 3, out, cap, pos);
	rc |= json_escape(val, strlen(val), out, cap, pos);
	rc |= put("\"", 1, out, cap, pos);
	return rc ? -1 : 0;
}

/* The header JSON into h (cap bytes); its length, or -1. */
static long header_json(const struct gcp_key *key, char *h, size_t cap)
{
	size_t pos = 0;
	int rc = put("{", 1, h, cap, &pos);
	rc |= put_member("alg", "RS256", 1, h, cap, &pos);
	rc |= put_member("typ", "JWT", 0, h, cap, &pos);
	if (key->private_key_id[0])
		rc |= put_member("kid", key->private_key_id, 0, h, cap, &pos);
	rc |= put("}", 1, h, cap, &pos);
	return rc ? -1 : (long)pos;
}

/* The claims JSON into c (cap bytes); its length, or -1. */
static long claims_json(const struct gcp_key *key, const char *scope, int64_t now, char *c,
			size_t cap)
{
	char times[64];
	int tn = snprintf(times, sizeof times, ",\"iat\":%lld,\"exp\":%lld}", (long long)now,
			  (long long)(now + JWT_LIFETIME));
	size_t pos = 0;
	int rc = put("{", 1, c, cap, &pos);
	rc |= put_member("iss", key->client_email, 1, c, cap, &pos);
	rc |= put_member("scope", scope, 0, c, cap, &pos);
	rc |= put_member("aud", key->token_uri, 0, c, cap, &pos);
	rc |= put(times, (size_t)tn, c, cap, &pos);
	return rc ? -1 : (long)pos;
}

/* Appends base64url(b[0..n)) at out[*pos..cap). */
static int put_b64url(const void *b, size_t n, char *out, size_t cap, size_t *pos)
{
	size_t len;
	if (*pos > cap || base64url_encode(b, n, out + *pos, cap - *pos, &len) < 0)
		return -1;
	*pos += len;
	return 0;
}

long jwt_sign_grant(const struct gcp_key *key, const char *scope, int64_t now, char *out,
		    size_t cap, const char **why)
{
	if (!scope)
		scope = JWT_SCOPE_DEFAULT;
	if (now < 0 || now > INT64_MAX - JWT_LIFETIME)
		return fail(why, "the time is out of range");
	size_t slen = (key->rsa.n_bitlen + 7) / 8;
	if (slen == 0 || slen > GCP_KEY_RSA_MAX_BITS / 8)
		return fail(why, "no RSA key");
	char header[GCP_KEY_ID_MAX * 6 + 64], claims[JWT_CLAIMS_MAX];
	long hn = header_json(key, header, sizeof header);
	long cn = claims_json(key, scope, now, claims, sizeof claims);
	if (hn < 0 || cn < 0)
		return fail(why, "the scope is not UTF-8, or the claims are too long");
	if (cap == 0)
		return fail(why, "the output buffer is too small");
	size_t pos = 0;
	int rc = put_b64url(header, (size_t)hn, out, cap - 1, &pos);
	rc |= put(".", 1, out, cap - 1, &pos);
	rc |= put_b64url(claims, (size_t)cn, out, cap - 1, &pos);
	if (rc)
		return fail(why, "the output buffer is too small");
	unsigned char hash[32], sig[GCP_KEY_RSA_MAX_BITS / 8];
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, out, pos);
	br_sha256_out(&h, hash);
	if (!br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, sizeof hash, &key->rsa, sig))
		return fail(why, "the RSA signature failed");
	rc = put(".", 1, out, cap - 1, &pos);
	rc |= put_b64url(sig, slen, out, cap - 1, &pos);
	if (rc)
		return fail(why, "the output buffer is too small");
	out[pos] = 0;
	return (long)pos;
}

long jwt_grant_body(const char *jwt, size_t len, char *out, size_t cap)
{
	static const char head[] = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
				   "&assertion=";
	if (cap == 0)
		return -1;
	size_t pos = 0;
	int rc = put(head, sizeof head - 1, out, cap - 1, &pos);
	rc |= percent_encode((const unsigned char *)jwt, len, out, cap - 1, &pos);
	if (rc)
		return -1;
	out[pos] = 0;
	return (long)pos;
}
