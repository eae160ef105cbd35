/* policy_internal.h: helpers shared by the policy's files (policy.c, policy_load.c,
 * policy_keys.c, policy_paths.c, policy_user.c, hostname.c, policy_match.c,
 * policy_print.c). Not for other modules: they use policy.h only.
 */
#ifndef AIRLOCK_POLICY_INTERNAL_H
#define AIRLOCK_POLICY_INTERNAL_H

#include "policy/policy.h"

#include <stdint.h>

/* Room for the longest DNS name (253) or an IPv6 literal, plus the NUL. */
#define POLICY_HOST_MAX 256
/* Longest secret name accepted: far more than any real environment variable. */
#define POLICY_NAME_MAX 128
/* A policy file larger than this is refused: it is a mistake, not a policy. */
#define POLICY_FILE_MAX (1024 * 1024)
/* Errors listed at most; one more line says how many were left out. */
#define POLICY_ERRORS_MAX 200

/* What policy_parse_host() accepts besides a plain host. */
enum { HOSTP_PORT = 1, HOSTP_WILDCARD = 2, HOSTP_DASH = 4 };

/* One parsed host item. */
struct host_item {
	char host[POLICY_HOST_MAX]; /* lower-case, no trailing dot, IPv6 without brackets;
				       for a wildcard the suffix without "*." */
	int wildcard;               /* 1: "*.suffix"; 2: "*-suffix" (HOSTP_DASH) */
	uint16_t port;              /* 0: none given */
};

/* Parses "host", "host:port", "*.suffix[:port]", "1.2.3.4[:port]" or "[v6][:port]" (the
 * parts `flags` allows). Returns 0, or -1 with the reason, phrased to follow the item,
 * in `err` (e.g. "has an empty label (write host names as a.b.c)"). */
int policy_parse_host(const char *item, int flags, struct host_item *out, char *err,
		      size_t errlen);

/* Parses a whole string as a port 1..65535. Returns 0 or -1. */
int policy_parse_port(const char *s, uint16_t *port);

/* AF_INET or AF_INET6 when `host` is a numeric IP address (IPv6 without brackets),
 * else 0. */
int policy_ip_family(const char *host);

/* Whether `name` is a valid secret/environment variable name. */
int policy_name_valid(const char *name, size_t len);

/* Expands a path item: "." is the caller's working directory, ${NAME} a variable of the
 * environment; the result must be absolute. Returns a malloc'd path, or NULL with the
 * reason in `err`. The reason never contains a variable's value (it could be a
 * secret): only the item as written and variable names. */
char *policy_expand_path(const char *item, char *err, size_t errlen);

/* The next ${NAME} in `s`: returns a pointer to NAME and its length in *len, or NULL. */
const char *policy_next_var(const char *s, size_t *len);

/* Copies `s` into `buf` for a message: non-printable bytes as \xHH, cut at ~80 bytes
 * with "...". Returns buf. */
const char *policy_quote(const char *s, char *buf, size_t len);

/* Appends one message to `e` (formatted); past POLICY_ERRORS_MAX only counts it. */
void policy_errors_add(struct policy_errors *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Allocation that cannot fail: out of memory ends airlock with status 125, which is
 * the honest outcome for a policy loader at start-up. */
void *policy_xrealloc(void *ptr, size_t n, size_t size);
char *policy_xstrdup(const char *s);

/* Resolves `[sandbox] user` to ids; refuses uid 0. Returns 0 or -1 with a sentence in
 * `err`. */
int policy_resolve_user(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen);

#endif
