/* policy_cmd.c: `airlock policy check FILE` and `airlock policy default`.
 *
 * check prints the effective policy on stdout and exits 0, or prints every error on
 * stderr ("airlock: FILE:LINE: ...") and exits 2, so that a script can tell a bad
 * policy (2) from bad usage (125).
 */
#include "init/commands.h"
#include "net/base/log.h"
#include "policy/policy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_BAD_POLICY = 2 };

static const char usage[] =
	"usage:\n"
	"  airlock policy check FILE   validate FILE, print the effective policy (exit 0),\n"
	"                              or print every error (exit 2)\n"
	"  airlock policy default      print the embedded default policy\n";

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int check(const char *file)
{
	struct policy p;
	struct policy_errors errs;
	if (policy_load_file(file, &p, &errs) < 0) {
		for (size_t i = 0; i < errs.count; i++)
			log_msg("%s", errs.msgs[i]);
		policy_errors_free(&errs);
		return EXIT_BAD_POLICY;
	}
	policy_errors_free(&errs);
	policy_print(&p, STDOUT_FILENO);
	policy_free(&p);
	return 0;
}

int policy_cmd_main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		fputs(usage, stderr);
		log_msg("policy: no sub-command given (use 'airlock policy check FILE' or "
			"'airlock policy default')");
		return EXIT_AIRLOCK;
	}
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(sub, "check") == 0) {
		if (argc != 3 || argv[2][0] == '\0') {
			log_msg("policy check: %s (use 'airlock policy check FILE')",
				argc < 3 || argv[2][0] == '\0' ? "no FILE given" : "takes one FILE only");
			return EXIT_AIRLOCK;
		}
		return check(argv[2]);
	}
	if (strcmp(sub, "default") == 0) {
		if (argc != 2) {
			log_msg("policy default: takes no arguments (use 'airlock policy default')");
			return EXIT_AIRLOCK;
		}
		if (write_all(STDOUT_FILENO, policy_default_text, strlen(policy_default_text)) < 0) {
			log_msg("policy default: cannot write to stdout: %s", strerror(errno));
			return EXIT_AIRLOCK;
		}
		return 0;
	}
	log_msg("policy: unknown sub-command '%s' (use 'airlock policy check FILE' or "
		"'airlock policy default')", sub);
	return EXIT_AIRLOCK;
}
