/* policy_testutil.h: helpers for the policy unit tests (header-only, static). */
#ifndef AIRLOCK_POLICY_TESTUTIL_H
#define AIRLOCK_POLICY_TESTUTIL_H

#include "policy/policy.h"
#include "test/unit/harness.h"

#include <stdio.h>
#include <string.h>

/* Loads `text` as file "t.ini". */
static inline int pt_load(const char *text, struct policy *p, struct policy_errors *e)
{
	return policy_load_string(text, strlen(text), "t.ini", p, e);
}

/* Whether one of the errors contains `want`. */
static inline int pt_has(const struct policy_errors *e, const char *want)
{
	for (size_t i = 0; i < e->count; i++)
		if (strstr(e->msgs[i], want))
			return 1;
	return 0;
}

static inline void pt_dump(const struct policy_errors *e)
{
	for (size_t i = 0; i < e->count; i++)
		fprintf(stderr, "    error: %s\n", e->msgs[i]);
}

/* Loading `text` fails, and some error contains `want` (e.g. "t.ini:3: ..."). */
static inline int pt_fails_with(const char *text, const char *want)
{
	struct policy p;
	struct policy_errors e;
	int r = pt_load(text, &p, &e);
	int ok = r < 0 && pt_has(&e, want);
	if (!ok) {
		fprintf(stderr, "    wanted an error with \"%s\" for:\n%s\n", want, text);
		pt_dump(&e);
	}
	if (r == 0)
		policy_free(&p);
	policy_errors_free(&e);
	return ok;
}

/* Loading `text` succeeds (errors are shown when it does not). */
static inline int pt_loads(const char *text, struct policy *p)
{
	struct policy_errors e;
	int r = pt_load(text, p, &e);
	if (r < 0) {
		fprintf(stderr, "    unexpected errors for:\n%s\n", text);
		pt_dump(&e);
	}
	policy_errors_free(&e);
	return r == 0;
}

#endif
