/* libFuzzer target for policy/identity.c: the input is "SPEC\0PASSWD\0GROUP" (missing
 * parts are empty). Any bytes must give an answer without a crash, and an accepted
 * identity must be one setresuid() would really apply: never (uid_t)-1, the primary
 * group first, no more than IDENTITY_MAX_GROUPS groups, names NUL-terminated. */
#include "policy/identity.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The spec is a C string: copy it out NUL-terminated. */
	const uint8_t *z1 = memchr(data, 0, size);
	size_t speclen = z1 ? (size_t)(z1 - data) : size;
	char *spec = malloc(speclen + 1);
	if (!spec)
		return 0;
	memcpy(spec, data, speclen);
	spec[speclen] = '\0';
	const char *pw = z1 ? (const char *)z1 + 1 : NULL;
	size_t rest = z1 ? size - speclen - 1 : 0;
	const char *z2 = pw ? memchr(pw, 0, rest) : NULL;
	size_t pwlen = z2 ? (size_t)(z2 - pw) : rest;
	const char *gr = z2 ? z2 + 1 : NULL;
	size_t grlen = z2 ? rest - pwlen - 1 : 0;

	struct identity id;
	char err[256];
	if (identity_lookup_mem(spec, pw, pwlen, gr, grlen, &id, err, sizeof err) == 0) {
		if (id.uid == (uid_t)-1 || id.gid == (gid_t)-1)
			abort();
		if (id.ngroups < 1 || id.ngroups > IDENTITY_MAX_GROUPS || id.groups[0] != id.gid)
			abort();
		if (!memchr(id.name, 0, sizeof id.name) || !memchr(id.home, 0, sizeof id.home))
			abort();
	} else if (!memchr(err, 0, sizeof err) || err[0] == '\0') {
		abort();
	}
	free(spec);
	return 0;
}
