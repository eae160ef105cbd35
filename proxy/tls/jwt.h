/* jwt.h: the OAuth 2.0 JWT-bearer grant (RFC 7523) for a Google service-account key,
 * signed by the supervisor, I/O-free.
 *
 * To get an access token, Google's auth libraries POST to the key's token_uri a form
 * whose assertion is a JWT (RFC 7519) signed with RS256 (RSASSA-PKCS1-v1_5, SHA-256):
 *
 *   header  {"alg":"RS256","typ":"JWT","kid":"<private_key_id>"}   (kid when known)
 *   claims  {"iss":"<client_email>","scope":"<scope>","aud":"<token_uri>",
 *            "iat":NOW,"exp":NOW+3600}
 *   JWT     base64url(header) "." base64url(claims) "." base64url(signature)
 *
 * (base64url without padding.) This module builds exactly that, the way Google's Python
 * and Node libraries do, with the time passed in (there is no clock here) and the result
 * in the caller's buffer. The answer's access_token is then what the sandbox is given,
 * behind a placeholder; the key never leaves the supervisor.
 *
 *   char jwt[JWT_MAX], body[JWT_BODY_MAX];
 *   long n = jwt_sign_grant(&key, NULL, time(NULL), jwt, sizeof jwt, &why);
 *   long m = n < 0 ? -1 : jwt_grant_body(jwt, (size_t)n, body, sizeof body);
 *   POST key.token_uri, Content-Type: application/x-www-form-urlencoded, body[0..m)
 */
#ifndef AIRLOCK_JWT_H
#define AIRLOCK_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/tls/gcp_key.h"

#define JWT_SCOPE_DEFAULT "https://www.googleapis.com/auth/cloud-platform"
#define JWT_LIFETIME 3600    /* exp - iat: the most Google accepts */
#define JWT_CLAIMS_MAX 4096  /* longest claims JSON (so a scope of up to ~3 KB) */
#define JWT_MAX 8192         /* always enough for jwt_sign_grant() */
#define JWT_BODY_MAX (JWT_MAX + 128) /* always enough for jwt_grant_body() */
#define JWT_GRANT_TYPE "urn:ietf:params:oauth:grant-type:jwt-bearer"

/* Writes the signed grant assertion for key to out (cap bytes), NUL-terminated: issuer
 * key->client_email, audience key->token_uri, "kid" key->private_key_id when not empty,
 * `scope` (space-separated scopes; NULL for JWT_SCOPE_DEFAULT), iat `now` (seconds since
 * the epoch) and exp now + JWT_LIFETIME. Strings are JSON-escaped. Returns the length
 * without the NUL, or -1 with a static sentence in *why (why may be NULL): out too small,
 * scope not UTF-8 or too long, now negative or too large, or the signature failed. */
long jwt_sign_grant(const struct gcp_key *key, const char *scope, int64_t now, char *out,
		    size_t cap, const char **why);

/* Writes the token request's form body for the assertion jwt[0..len) to out (cap bytes),
 * NUL-terminated: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer
 * &assertion=<jwt>" (one line; the assertion percent-encoded, which leaves a JWT as it
 * is). Returns the length without the NUL, or -1 when out is too small. */
long jwt_grant_body(const char *jwt, size_t len, char *out, size_t cap);

#endif
