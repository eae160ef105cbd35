/* policy_paths.c: path items of the policy: ${NAME} expansion from the environment, "."
 * for the caller's working directory, and the checks that keep a path one item (no
 * spaces) and absolute.
 *
 * Messages name the item as written and the variables, never a variable's value: a
 * path could be built from a variable that holds a secret.
 */
#include "policy/policy_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *policy_next_var(const char *s, size_t *len)
{
	const char *a = strstr(s, "${");
	if (!a)
		return NULL;
	const char *e = strchr(a + 2, '}');
	if (!e)
		return NULL;
	*len = (size_t)(e - (a + 2));
	return a + 2;
}

/* Appends n bytes to out (PATH_MAX); -1 when it would not fit. */
static int append(char *out, size_t *o, const char *s, size_t n)
{
	if (*o + n >= PATH_MAX)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

char *policy_expand_path(const char *item, char *err, size_t errlen)
{
	char out[PATH_MAX], q[128];
	size_t o = 0;
	int used_var = 0;

	policy_quote(item, q, sizeof q);
	out[0] = '\0';
	if (strcmp(item, ".") == 0) {
		/* "." is the directory airlock was started in: the project the agent works on. */
		if (!getcwd(out, sizeof out)) {
			snprintf(err, errlen, "'.' cannot be resolved: the working directory is unknown");
			return NULL;
		}
		return policy_xstrdup(out);
	}
	for (const char *s = item; *s;) {
		if (*s != '$') {
			if (append(out, &o, s, 1) < 0)
				goto too_long;
			s++;
			continue;
		}
		if (s[1] != '{') {
			snprintf(err, errlen, "'%s' has a '$' that is not ${NAME} (write ${HOME}/x, "
				 "with braces)", q);
			return NULL;
		}
		const char *e = strchr(s + 2, '}');
		if (!e) {
			snprintf(err, errlen, "'%s' has '${' without '}' (write ${NAME})", q);
			return NULL;
		}
		size_t n = (size_t)(e - (s + 2));
		char name[POLICY_NAME_MAX + 1];
		if (!policy_name_valid(s + 2, n)) {
			snprintf(err, errlen, "'%s' has a bad variable name in ${...} (letters, digits "
				 "and _, not starting with a digit)", q);
			return NULL;
		}
		memcpy(name, s + 2, n);
		name[n] = '\0';
		const char *v = getenv(name);
		if (!v || !*v) {
			snprintf(err, errlen, "'%s' uses ${%s}, which is %s in the environment (set %s, "
				 "or write the path out)", q, name, v ? "empty" : "not set", name);
			return NULL;
		}
		if (append(out, &o, v, strlen(v)) < 0)
			goto too_long;
		used_var = 1;
		s = e + 1;
	}
	if (out[0] != '/') {
		if (used_var)
			snprintf(err, errlen, "'%s' expands to a relative path (its variables must "
				 "hold absolute paths)", q);
		else
			snprintf(err, errlen, "'%s' is a relative path (write an absolute path, "
				 "${NAME}/..., or '.' for the working directory)", q);
		return NULL;
	}
	for (size_t i = 0; i < o; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c <= ' ' || c == 0x7f) {
			snprintf(err, errlen, "'%s' %s a space or control character, which a policy "
				 "cannot list (values are split at spaces)", q,
				 used_var ? "expands to a path with" : "has");
			return NULL;
		}
	}
	while (o > 1 && out[o - 1] == '/') /* "/usr/" and "/usr" are one path */
		out[--o] = '\0';
	return policy_xstrdup(out);

too_long:
	snprintf(err, errlen, "'%s' is longer than %d bytes%s", q, PATH_MAX - 1,
		 used_var ? " once expanded" : "");
	return NULL;
}
