/* main.c: picks the sub-command. Invoked as `sandbox-exec` (a link to the binary) it is
 * `airlock sandbox-exec`. */
#include "init/commands.h"
#include "net/base/log.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage:\n"
	"  airlock init [--grace SECONDS] [--user USER[:GROUP]] [--pgroup] [-v] -- CMD [ARG...]\n"
	"  airlock sandbox-exec [--policy FILE] [--audit FILE] [-v] -- CMD [ARG...]\n"
	"  airlock policy check FILE\n"
	"  airlock policy default\n"
	"  airlock doctor                 what isolation this process can have here\n"
	"  airlock --version | --help\n";

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? argv[0] : "airlock";
	const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;

	if (strcmp(base, "sandbox-exec") == 0)
		return sandbox_main(argc, argv);
	if (argc < 2) {
		fputs(usage, stderr);
		log_msg("no command given (see airlock --help)");
		return EXIT_AIRLOCK;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "init") == 0)
		return init_main(argc - 1, argv + 1);
	if (strcmp(cmd, "sandbox-exec") == 0)
		return sandbox_main(argc - 1, argv + 1);
	if (strcmp(cmd, "policy") == 0)
		return policy_cmd_main(argc - 1, argv + 1);
	if (strcmp(cmd, "doctor") == 0)
		return doctor_main(argc - 1, argv + 1);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("airlock %s\n", AIRLOCK_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	log_msg("unknown command '%s' (see airlock --help)", cmd);
	return EXIT_AIRLOCK;
}
