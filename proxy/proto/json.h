/* json.h: a strict, I/O-free JSON (RFC 8259) scanner that finds string members by path.
 *
 * Credentials come in JSON: a Google OAuth file (access_token, refresh_token,
 * client_secret), a service-account key (private_key), a token endpoint's answer
 * (access_token, expires_in). airlock needs to find one member's string value, read it,
 * and replace it with a placeholder while every other byte stays as it was. Nothing here
 * allocates or keeps a pointer: results are offsets into the caller's document.
 *
 * Strict on purpose, since two parsers that read a document differently could disagree
 * on which value is the secret: the whole document must be valid JSON (UTF-8, escapes,
 * numbers, nesting at most JSON_MAX_DEPTH), and a path that names a member more than
 * once (a duplicate key anywhere along it) is an error, not "the last one wins".
 */
#ifndef AIRLOCK_JSON_H
#define AIRLOCK_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64
#define JSON_MAX_PATH 8       /* components of a dotted path */
#define JSON_MAX_KEY 256      /* longest path component */

/* A string token inside the document: doc[off] is its opening quote and
 * doc[off + len - 1] its closing one. */
struct json_span {
	size_t off;
	size_t len;
};

enum json_result {
	JSON_FOUND = 1,
	JSON_ABSENT = 0,      /* valid JSON without that member */
	JSON_INVALID = -1,    /* not valid JSON, or the member is named twice */
	JSON_NOT_STRING = -2, /* the member is there but its value is not a string */
};

/* Looks in doc[0..len) for the member named by `path`: "name" for a member of the
 * top-level object, "a.b" for member b of the object that is member a, and so on
 * (arrays are not entered). Stores its string token in *tok when found. On
 * JSON_INVALID, *why says what is wrong (a static string, never document bytes). */
enum json_result json_find_string(const char *doc, size_t len, const char *path,
				  struct json_span *tok, const char **why);

/* The same for a member whose value is an integer written without fraction or exponent
 * (an `expires_in`): JSON_FOUND with *v; JSON_NOT_STRING when the member holds anything
 * else (a string, 1.5, 1e3, more than 18 digits). */
enum json_result json_find_integer(const char *doc, size_t len, const char *path,
				   long long *v, const char **why);

/* Decodes the string token doc[tok] (as found above, so known to be valid) into
 * out[0..cap): escapes resolved, UTF-8 out. Returns the decoded length, or -1 when it
 * does not fit. Not NUL-terminated. */
long json_string_decode(const char *doc, struct json_span tok, char *out, size_t cap);

/* Writes s[0..n) as the inside of a JSON string (no quotes) to out[*pos..cap): '"', '\\'
 * and control characters escaped (\n \r \t, else \u00XX, DEL too), every other byte
 * as is. Returns 0; or -1 when it does not fit or s is not valid UTF-8 (overlong forms
 * and surrogates included), so the output is always valid JSON. *pos advances by the
 * escaped length either way (a caller learns the size needed) and nothing is written
 * past cap. */
int json_escape(const char *s, size_t n, char *out, size_t cap, size_t *pos);

#endif
