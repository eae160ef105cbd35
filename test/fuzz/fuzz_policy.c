/* fuzz_policy: the policy loader on arbitrary bytes must not crash or leak, and what it
 * accepts must print to text that loads again to the same policy (print(load(print(x)))
 * == print(x)). The decisions are exercised on the loaded policy too. */
#include "policy/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Paths may use ${HOME}; give the fuzzer a fixed one to expand. */
	setenv("HOME", "/home/fuzz", 1);
	return 0;
}

static void ask(const struct policy *p)
{
	static const char *hosts[] = {"a.example.com", "example.com", "::1", "127.0.0.1",
				      "API.Anthropic.com", "x..y", ""};
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		const struct policy_host_rule *r;
		policy_decide(p, hosts[i], 443, 443, &r);
		policy_find_map(p, hosts[i], 80);
		for (size_t j = 0; j < p->nsecrets; j++)
			policy_secret_bound(&p->secrets[j], hosts[i]);
	}
	policy_find_secret(p, "GITHUB_TOKEN", 12);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p, q;
	struct policy_errors e, e2;

	if (policy_load_string((const char *)data, size, "fuzz", &p, &e) == 0) {
		ask(&p);
		char *a = policy_format(&p);
		if (!a)
			abort();
		if (policy_load_string(a, strlen(a), "fuzz", &q, &e2) != 0)
			abort(); /* printed policy does not load again */
		char *b = policy_format(&q);
		if (!b || strcmp(a, b) != 0)
			abort(); /* printing is not stable */
		free(a);
		free(b);
		policy_free(&q);
		policy_errors_free(&e2);
		policy_free(&p);
	}
	policy_errors_free(&e);
	return 0;
}
