/* policy_load.h: the loader's state, shared by policy_load.c (lines, sections, inih)
 * and policy_keys.c (one handler per key). Internal to the policy loader.
 */
#ifndef AIRLOCK_POLICY_LOAD_H
#define AIRLOCK_POLICY_LOAD_H

#include "policy/policy_internal.h"

enum load_section {
	SEC_NONE, SEC_SANDBOX, SEC_FILESYSTEM, SEC_NETWORK, SEC_ENVIRONMENT, SEC_SECRET, SEC_TOKEN,
	SEC_HTTP, SEC_GCP,
	SEC_SKIP
};

/* Lines where a one-value key of a secret was first given (0: not yet). */
struct secret_lines {
	int file;
	int plaintext;
	int body;
	int json;
	int from;
	int field;
	int hosts;                 /* the last hosts line */
};

/* A path item that used ${...}, checked at the end against the secrets' names. */
struct var_use {
	char *item;
	const char *key;
	int line;
};

struct loader {
	struct policy *p;
	struct policy_errors *errs;
	const char *name;          /* the file name in messages */

	const char *ptr;           /* the text not read yet */
	size_t left;
	int line;                  /* the line inih is working on */
	int at_start;              /* the next piece read starts a line */
	int long_line;             /* the last line reported as too long */

	enum load_section sec;
	size_t secret;             /* with SEC_SECRET: index in p->secrets */
	size_t http;               /* with SEC_HTTP: index in p->http */
	struct secret_lines *slines; /* parallel to p->secrets */

	int user_line, workdir_line, landlock_line, seccomp_line, upstream_line;
	int credentials_line;      /* the first credentials line (0: the default list) */
	int max_processes_line, isolation_line;
	int tmpfs_size_line;
	int gcp_scopes_line, gcp_port_line;

	struct var_use *vars;
	size_t nvars;

	int *elines;               /* the line of each message in errs (sorted at the end) */
};

/* Grows the array `arr` of `n` elements by one and yields the new last element (to be
 * filled in by the caller); n is incremented. */
#define ADD(arr, n) (*((arr) = policy_xrealloc((arr), (n) + 1, sizeof *(arr)), &(arr)[(n)++]))

/* Starts the [gcp] section (its token is a secret of its own). */
void policy_load_gcp_section(struct loader *L);

/* Adds "NAME:LINE: message" to the loader's errors ("NAME: message" for line 0). */
void policy_load_fail(struct loader *L, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "[network]", "[secret NAME]"...: the current section for messages. */
const char *policy_load_section_name(const struct loader *L, char *buf, size_t len);

/* Starts a [secret NAME] section (refusing a second one of the same name). */
void policy_load_secret_section(struct loader *L, const char *name);

/* Fills the [environment] credentials list with the default patterns. */
void policy_add_default_credentials(struct policy *p);

/* Starts a [http HOST] section. */
void policy_load_http_section(struct loader *L, const char *pattern);

/* Handles KEY = VALUE of the current section; `value` may be changed in place. */
void policy_load_key(struct loader *L, const char *key, char *value);

#endif
