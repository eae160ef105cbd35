/* secret_store.h: the real values of the policy's [secret NAME] sections, held by the
 * supervisor only.
 *
 * A value comes from the supervisor's environment variable NAME when that is set and
 * not empty, else from the section's `file` (trailing CR/LF stripped). A secret with
 * neither (variable unset or empty, and no file or an empty one) is loaded without a
 * value: airlock still starts, and a request that uses its placeholder is refused with
 * a reason that says the value is missing and where it would come from. That way a
 * policy can name secrets a particular run does not need.
 *
 * Values live in one private anonymous mapping of the supervisor, never written to a
 * file or printed. The mapping is excluded from core dumps (MADV_DONTDUMP), locked in
 * memory where the limit allows (mlock, best effort), and zeroed in every child
 * created by fork or clone without CLONE_VM (MADV_WIPEONFORK): the sandbox's PID 1 is
 * such a child, so the values are not in its memory even before it runs CMD. A child
 * therefore sees empty values; the rewriter treats such a value as missing and
 * refuses, rather than injecting zero bytes. secret_store_free() wipes the mapping
 * with explicit_bzero() before unmapping it. Load the store before the supervisor
 * replaces the variables with placeholders for CMD's environment.
 */
#ifndef AIRLOCK_SECRET_STORE_H
#define AIRLOCK_SECRET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* At most this many secrets: bit i of secrets_result.injected stands for entry i. */
#define SECRET_STORE_MAX 64
/* The longest value accepted (a token or key, not a file to ship). */
#define SECRET_VALUE_MAX 16384

enum secret_source {
	SECRET_SOURCE_NONE = 0, /* no value */
	SECRET_SOURCE_ENV,      /* the supervisor's environment variable NAME */
	SECRET_SOURCE_FILE,     /* the section's `file` */
	SECRET_SOURCE_TOKEN,    /* a [token] section: taken from its endpoint's answer */
};

/* The longest token a [token] section keeps. */
#define SECRET_TOKEN_MAX 8192

struct secret_entry {
	const struct policy_secret *secret; /* name, hosts, plaintext: owned by the policy */
	char *value;                        /* NULL when there is none; not NUL-terminated;
					       points into the store's arena */
	size_t len;
	enum secret_source source;
	int64_t expires_at;                 /* a token's: seconds since the epoch, 0 unknown */
};

/* One entry per [secret] section, in policy order. The policy must outlive the store.
 * (Tests may fill entries by hand with arena NULL: values are then the caller's.) */
struct secret_store {
	struct secret_entry entries[SECRET_STORE_MAX];
	size_t count;
	char *arena;      /* the mapping holding every value */
	size_t arena_cap; /* its size */
	size_t used;      /* bytes of it holding values */
};

/* Fills `st` from the policy's secrets (see the top of this file). Refuses, with a
 * sentence in `err` that names the secret (never its value): more than
 * SECRET_STORE_MAX secrets, a value containing CR, LF or NUL (it could split a
 * header), a value longer than SECRET_VALUE_MAX, a `file` that cannot be read or is
 * not a regular file. Returns 0, or -1 with `st` left empty. */
int secret_store_load(const struct policy *p, struct secret_store *st, char *err,
		      size_t errlen);

/* An empty store for the policy's secrets, every entry without a value: what the proxy
 * worker fills with secret_store_put() from the values the monitor sends it. Returns 0,
 * or -1 with a sentence in `err`. */
int secret_store_prepare(const struct policy *p, struct secret_store *st, char *err,
			 size_t errlen);

/* Gives entry i (one of the policy's secrets) its value, copied into the arena. Refuses
 * (-1) an index out of range, a second value, an empty, too long or unsafe (CR, LF,
 * NUL) one. */
int secret_store_put(struct secret_store *st, size_t i, const char *value, size_t len,
		     enum secret_source source);

/* Gives the [token] entry i its current value (taken from an answer of its endpoint),
 * wiping the one before: its slot of SECRET_TOKEN_MAX bytes is taken from the arena at
 * the first value. `expires_at`: seconds since the epoch, 0 when the answer said none.
 * Refuses (-1) an entry that is no token, an empty, too long or unsafe value. */
int secret_store_set_token(struct secret_store *st, size_t i, const char *value, size_t len,
			   int64_t expires_at);

/* The largest secret file read whole (a JSON credential file). */
#define SECRET_FILE_MAX (1 << 20)

struct safe_guard;

/* Reads the whole regular file `path` (at most SECRET_FILE_MAX bytes), reached without
 * links and refused when the sandbox's identity `g` could change it (safe_open.h), into
 * a malloc'd buffer in *out (the caller wipes and frees it). Returns 0, or -1 with a
 * reason in `why`. */
int secret_file_read(const char *path, const struct safe_guard *g, char **out, size_t *len,
		     char *why, size_t whylen);

/* The index of the secret called name[0..namelen), or -1 when the policy has none. */
int secret_store_find(const struct secret_store *st, const char *name, size_t namelen);

/* Whether entry i has a value usable in this process: loaded, and not wiped by a
 * fork (a loaded value never starts with a NUL byte, so a zero first byte means the
 * mapping was wiped in this child). */
int secret_store_has_value(const struct secret_store *st, size_t i);

/* Wipes every value (explicit_bzero), unmaps the arena; `st` is empty afterwards. */
void secret_store_free(struct secret_store *st);

#endif
