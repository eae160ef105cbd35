/* secrets.h: the credential-placeholder rewriter (spec section 4, "Secrets").
 *
 * Inside the sandbox a secret's variable holds the placeholder
 * `openshell:resolve:env:NAME` (NAME = [A-Za-z_][A-Za-z0-9_]*). The proxy hands each
 * field of a request head to secrets_rewrite(), which swaps placeholders for the real
 * values held in the secret store, but only for a request to a host the secret is
 * bound to, and over plain http:// only when the secret allows it. Every other use of
 * a placeholder refuses the whole request, so a placeholder never reaches a host it
 * was not meant for, and a value never reaches a host at all unless bound.
 *
 * Where placeholders are recognised:
 *   - request target (path and query): raw, or with any of its characters written as
 *     %XX (hex digits of either case; typically the colons, `%3A`). The value is
 *     inserted percent-encoded: unreserved characters as-is, every other byte %XX.
 *   - header values: raw, anywhere in the value (the whole value, after a scheme such
 *     as `Bearer `, or embedded). The value is inserted as-is (the store refuses values
 *     with CR, LF or NUL, so it cannot split the header).
 *   - `Authorization` and `Proxy-Authorization` with the `Basic` scheme: when the
 *     credentials are strict, canonical base64 (see base64.h), they are decoded, the
 *     placeholders in `user:password` are replaced, and the result is re-encoded (git
 *     sends a token from a credential helper this way). Credentials that are not
 *     strict base64, or decode to more than SECRETS_BASIC_MAX bytes, are treated as
 *     any other header value. The credential string is recorded (res->basic) for
 *     scrubbing its echo from the response.
 *   - request bodies (SECRETS_BODY_*): only placeholders of secrets with `body = yes`,
 *     which are held to the same binding as in heads (the proxy buffers such bodies).
 * In heads, the prefix `openshell:resolve:env:` followed by anything that is not a valid NAME
 * is refused too: a mangled placeholder is more likely a bug or a probe than data,
 * and failing closed costs nothing. A NAME runs as far as name characters go, so
 * `openshell:resolve:env:TOKENx` names TOKENx, not TOKEN. The prefix is matched as
 * written (lower case); other spellings are plain text that is forwarded as it is: no
 * value is ever put there.
 *
 * The rewriter is I/O-free and allocates nothing: it works in caller buffers (plus a
 * bounded stack buffer for Basic credentials, wiped after use), so tests and fuzzers
 * drive it directly.
 */
#ifndef AIRLOCK_SECRETS_H
#define AIRLOCK_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/secret_store.h"

#define SECRETS_PREFIX "openshell:resolve:env:"
#define SECRETS_PREFIX_LEN (sizeof SECRETS_PREFIX - 1)
/* The longest decoded Basic credentials the rewriter looks into. */
#define SECRETS_BASIC_MAX 6144
/* Room for the Basic credentials (base64, as the sandbox sent them, so with
 * placeholders, not values) that one request put secrets into: secrets_scrub() needs
 * them to recognise their echo. Credentials that do not fit refuse the request. */
#define SECRETS_BASIC_SENT_MAX 1024
#define SECRETS_BASIC_SENT_COUNT 8

enum secrets_field {
	SECRETS_TARGET, /* the request target: path and query */
	SECRETS_HEADER, /* one header's value (header_name says which header) */
	/* A whole request body, for `body = yes` secrets only: a placeholder of any other
	 * secret (or of none, or malformed) is text and stays as it is. */
	SECRETS_BODY_TEXT, /* raw placeholders, raw values */
	SECRETS_BODY_FORM, /* application/x-www-form-urlencoded: %XX placeholders too,
	                      values percent-encoded */
	SECRETS_BODY_JSON, /* raw placeholders, values escaped for a JSON string */
};

/* The outcome for one request, accumulated over its fields. */
struct secrets_result {
	int refused;       /* 1: the request must get 403 and never be forwarded */
	char reason[256];  /* the first refusal: names the secret and host, never a value;
			      printable ASCII only, fit for an X-Airlock-Deny header */
	uint64_t injected; /* bit i: the store's entry i was injected */
	/* Each Basic credential string (token68) of the request that a secret went into,
	 * as the sandbox sent it, separated by single spaces: for secrets_scrub(). */
	char basic[SECRETS_BASIC_SENT_MAX];
	size_t basic_len;
};

/* Clears `res` before the first field of a request. */
void secrets_result_init(struct secrets_result *res);

/* Rewrites one field of a request to `host` (lower-case, no port); `tls`: whether the
 * upstream leg is TLS. For SECRETS_HEADER, `header_name` is the header's name (any
 * case); it is ignored for SECRETS_TARGET. Writes the rewritten bytes to out (cap
 * `outcap`, no NUL added) and their length to *outlen; without a placeholder the
 * output equals the input.
 * Returns
 *    0  rewritten; the bits of the secrets injected are or-ed into res->injected.
 *    1  refused: res->refused is set (res->reason keeps the first refusal of the
 *       request), *outlen is 0 and whatever was written to out is wiped.
 *   -1  out is too small (the caller answers 431 or 414): *outlen is the size needed,
 *       and whatever was written to out is wiped.
 * A refusal is reported even when out is also too small. */
int secrets_rewrite(const struct secret_store *st, const char *host, int tls,
		    enum secrets_field kind, const char *header_name, const char *in,
		    size_t inlen, char *out, size_t outcap, size_t *outlen,
		    struct secrets_result *res);

/* Whether in[0..len) holds anything secrets_rewrite() would act on in a target or a
 * header: the prefix `openshell:resolve:env:`, raw or with %XX escapes. It does not
 * look inside base64 (a Basic credential's placeholder goes through rewriting, not
 * this check). A detector independent of the rewriter: the fuzzer checks against it
 * that a field without a placeholder is never changed or refused. The proxy itself
 * needs no separate scan: it passes every field of every request it can read through
 * secrets_rewrite(), with an empty store where nothing may be injected. */
int secrets_scan(const char *in, size_t len);

/* Whether in[0..len) holds a placeholder (raw or %XX-encoded) of a `body = yes` secret
 * of st: what a request body streamed without buffering is checked for. */
int secrets_body_placeholder(const struct secret_store *st, const char *in, size_t len);

/* The length a placeholder can have at most, %XX-encoded: a stream checked piece by
 * piece keeps this many bytes of the previous piece. */
#define SECRETS_PLACEHOLDER_SPAN (3 * (SECRETS_PREFIX_LEN + 255))

/* Whether name[0..len) is a valid placeholder NAME: [A-Za-z_][A-Za-z0-9_]*. */
int secrets_name_valid(const char *name, size_t len);

/* Writes the names of the secrets in `mask` (bits as in res->injected), separated by
 * `,`, NUL-terminated into buf (cap > 0; truncated when too small). For the audit
 * log, which records secrets by name. Returns the length written. */
size_t secrets_injected_names(const struct secret_store *st, uint64_t mask, char *buf,
			      size_t cap);

/* Stores pointers to the names of the secrets in `mask` (bits as in res->injected),
 * in store order, into names[0..cap); returns how many. The form proxy/audit.h takes. */
size_t secrets_injected_list(const struct secret_store *st, uint64_t mask, const char **names,
			     size_t cap);

/* Secrets shorter than this are not scrubbed from responses: replacing a very short
 * value wherever it occurs would garble unrelated text. */
#define SECRETS_SCRUB_MIN 8

/* Replaces, in a response head in[0..len), every form in which this request's secrets
 * went upstream, so that a redirect or a header that repeats the request does not hand
 * a value to the sandbox:
 *   - the value of each secret in `mask` (bits as in res->injected), as is or with any
 *     of its bytes written %XX (as it was put into a target), becomes the placeholder;
 *   - each Basic credential string the request carried with secrets in it
 *     (`basic`[0..basic_len), the list res->basic holds), as it went upstream, i.e.
 *     base64 of the credentials with the values, as is or %XX-encoded, becomes the
 *     string the sandbox sent, so the sandbox gets back what it sent.
 * Values shorter than SECRETS_SCRUB_MIN are left alone. Writes the result to out (cap
 * bytes) and its length to *outlen. Returns the number of replacements, or -1 when
 * out is too small or a credential string cannot be rebuilt (out is then wiped and
 * the caller must not pass the head on). I/O-free; allocates nothing. */
long secrets_scrub(const struct secret_store *st, uint64_t mask, const char *basic,
		   size_t basic_len, const char *in, size_t len, char *out, size_t cap,
		   size_t *outlen);

/* The forms in which secrets went upstream, prepared once for recognising their echo
 * in a response (secrets_scrub() for a head, proxy/body_scrub.h for a body stream): the
 * values of the secrets in `mask` (as is or with bytes written %XX), and each Basic
 * credential string rebuilt as it went upstream. Holds values: wipe it after use. */
struct secrets_scrubber {
	const struct secret_store *st;
	uint64_t mask;
	size_t nbasic;
	struct {
		const char *orig; /* as the sandbox sent it (points into the caller's list) */
		size_t olen;
		const char *sent; /* as it went upstream (in buf) */
		size_t slen;
	} basic[SECRETS_BASIC_SENT_COUNT];
	char buf[16384];
	size_t used;
};

/* Prepares sc for the secrets in `mask` and the Basic credential list basic[0..len)
 * (res->basic's form; it must outlive sc). Returns 0, or -1 when a credential string
 * cannot be rebuilt (sc is then wiped and must not be used). */
int secrets_scrubber_init(struct secrets_scrubber *sc, const struct secret_store *st,
			  uint64_t mask, const char *basic, size_t basic_len);

/* Wipes the upstream forms sc holds. */
void secrets_scrubber_wipe(struct secrets_scrubber *sc);

/* Whether sc looks for anything at all (values shorter than SECRETS_SCRUB_MIN are left
 * alone, so a mask of only such values looks for nothing). */
int secrets_scrubber_active(const struct secrets_scrubber *sc);

/* The most input bytes one match can span: a stream must be able to hold this many
 * bytes back to see a match split across reads. */
size_t secrets_scrubber_span(const struct secrets_scrubber *sc);

enum { SECRETS_SCRUB_NONE = 0, SECRETS_SCRUB_FOUND = 1, SECRETS_SCRUB_PARTIAL = 2 };

/* A match: `len` input bytes are replaced by SECRETS_PREFIX (when `prefixed`) followed
 * by rep[0..rlen). */
struct secrets_scrub_match {
	size_t len;
	const char *rep;
	size_t rlen;
	int prefixed;
};

/* Whether a form sc looks for starts at in[0..len): SECRETS_SCRUB_FOUND with *m filled,
 * SECRETS_SCRUB_PARTIAL when in[] ends inside what could still become one, else
 * SECRETS_SCRUB_NONE. */
int secrets_scrubber_match(const struct secrets_scrubber *sc, const char *in, size_t len,
			   struct secrets_scrub_match *m);

#endif
