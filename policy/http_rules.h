/* http_rules.h: what may be done on an allowed host, by method and path ([http HOST]).
 *
 * An `allow` host receives what the sandbox sends: with a token injected, an agent could
 * POST /gists or DELETE a repository under the user's name. A [http HOST] section says
 * which requests go there: an access level (read-only: GET, HEAD, OPTIONS; read-write:
 * all but DELETE; full: all), `allow = METHOD GLOB` rules that add to it and
 * `deny = METHOD GLOB` rules that win over both. In a glob `*` matches within one path
 * segment, `**` (a whole segment) any number of segments; the query takes part only when
 * the glob has a `?`.
 *
 * Paths are compared as the upstream would read them: unreserved characters
 * percent-decoded, dot-segments removed, so /repos/acme/../../user cannot slip past a
 * prefix. A `%2F` may be a separator to one server and a character to another: the path
 * is checked both ways, and a request passes only when both pass. Nothing here does I/O.
 */
#ifndef AIRLOCK_HTTP_RULES_H
#define AIRLOCK_HTTP_RULES_H

#include <stddef.h>

#include "policy/policy.h"

#define HTTP_RULES_PATH_MAX 8192

/* Writes the path of `target` (origin-form: path and optional query; `len` bytes) as it
 * is compared: unreserved %XX decoded, other %xx in upper case, dot-segments removed;
 * with `slash`, %2F also decoded to '/'. The query is kept as it is, after '?'. Returns
 * the length written (NUL-terminated), or -1 when it does not fit or is not a path. */
long http_rules_normalize(const char *target, size_t len, int slash, char *out, size_t cap);

/* Whether `path` (normalized, NUL-terminated) matches `glob`. */
int http_rules_glob(const char *glob, const char *path);

/* The [http ...] section for `host`: the first in file order whose pattern matches, or
 * NULL (then every request passes). */
const struct policy_http *http_rules_for(const struct policy *p, const char *host);

/* The decision for `method` and `target` on section `h`: returns 1 when the request may
 * go; else 0, with a sentence in `why` naming the method, path, host, the rule or level
 * that refused it and the line that would allow it. */
int http_rules_decide(const struct policy_http *h, const char *method, const char *target,
		      size_t len, const char *host, char *why, size_t whylen);

#endif
