/* The unit-test runner: runs every registered test (or those whose name contains
 * argv[1]) and prints "N passed, N failed". Exit status 1 when any test failed. */
#include "test/unit/harness.h"

#include <stdlib.h>

static struct unit_test *tests;
static int current_failed;

void harness_register(struct unit_test *t)
{
	t->next = tests;
	tests = t;
}

void harness_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "  %s:%d: check failed: %s\n", file, line, what);
	current_failed = 1;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	/* Registration order is reversed; reverse back so files run top to bottom. */
	struct unit_test *rev = NULL;
	while (tests) {
		struct unit_test *n = tests->next;
		tests->next = rev;
		rev = tests;
		tests = n;
	}
	for (struct unit_test *t = rev; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		current_failed = 0;
		t->fn();
		if (current_failed) {
			fprintf(stderr, "FAIL %s (%s)\n", t->name, t->file);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
