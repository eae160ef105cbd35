/* libFuzzer target: policy/http_rules.c over request targets from the sandbox. The
 * normalized path must stay within its buffer, start with '/', hold no dot-segment,
 * and normalizing it again must change nothing. */
#include "policy/http_rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct policy pol;

static void setup(void)
{
	static const char text[] = "[http a.test]\naccess = read-only\nallow = POST /repos/*/x\n"
				   "deny = * /private/**\nallow = GET /s?q=*\n";
	struct policy_errors e;
	if (policy_load_string(text, sizeof text - 1, "fuzz", &pol, &e) != 0)
		abort();
	policy_errors_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!pol.nhttp)
		setup();
	char out[HTTP_RULES_PATH_MAX], again[HTTP_RULES_PATH_MAX], why[1200];
	const char *t = (const char *)data;
	for (int slash = 0; slash < 2; slash++) {
		long n = http_rules_normalize(t, size, slash, out, sizeof out);
		if (n < 0)
			continue;
		if ((size_t)n >= sizeof out || out[0] != '/' || strlen(out) != (size_t)n)
			abort();
		size_t q = strcspn(out, "?");
		if (strstr(out, "/../") && strstr(out, "/../") < out + q)
			abort();
		long m = http_rules_normalize(out, (size_t)n, slash, again, sizeof again);
		if (m != n || memcmp(out, again, (size_t)n) != 0)
			abort(); /* idempotent */
	}
	static const char *const methods[] = {"GET", "POST", "DELETE"};
	(void)http_rules_decide(&pol.http[0], methods[size % 3], t, size, "a.test", why,
				sizeof why);
	return 0;
}
