/* init.c: `airlock init`, a PID 1 for containers (spec section 2).
 *
 *   airlock init [--grace SECONDS] [--user USER[:GROUP]] [--pgroup] [-v] -- CMD [ARG...]
 *
 * Parses the options, resolves --user (without NSS: /etc/passwd and /etc/group), then
 * hands over to supervise.c, which spawns CMD, forwards signals, reaps and shuts down.
 */
#include "init/commands.h"
#include "net/base/log.h"
#include "init/supervise.h"
#include "policy/identity.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_GRACE_MS 10000u
/* 49 days fit an unsigned count of milliseconds; more is surely a typo. */
#define MAX_GRACE_SECONDS 4000000.0

/* Parses a number of seconds ("10", "2.5") into milliseconds. */
static int parse_grace(const char *s, unsigned *ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > MAX_GRACE_SECONDS)
		return -1;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	return 0;
}

/* The value of option `name` given as "--name VALUE" or "--name=VALUE"; advances *i.
 * NULL when argv[*i] is not that option. Exits 125 when the value is missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		log_fatal("init: %s needs a value (see airlock --help)", name);
	return argv[++*i];
}

int init_main(int argc, char **argv)
{
	/* First of all, so that no signal sent while we start up is lost. */
	if (supervise_block_signals() < 0)
		log_fatal("init: cannot block signals: %s", strerror(errno));

	struct supervise_opts o = {.grace_ms = DEFAULT_GRACE_MS, .subreaper = 1};
	const char *user = NULL;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i], *v;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-')
			break; /* CMD without "--", as tini allows */
		if ((v = opt_value(argc, argv, &i, "--grace"))) {
			if (parse_grace(v, &o.grace_ms) < 0)
				log_fatal("init: --grace '%s' is not a number of seconds from 0 to "
					  "%.0f (e.g. --grace 10)",
					  v, MAX_GRACE_SECONDS);
		} else if ((v = opt_value(argc, argv, &i, "--user"))) {
			user = v;
		} else if (strcmp(a, "--pgroup") == 0) {
			o.pgroup = 1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o.verbose = 1;
			log_verbosity = 1;
		} else {
			log_fatal("init: unknown option '%s' (options: --grace SECONDS, --user "
				  "USER[:GROUP], --pgroup, -v; then -- CMD)",
				  a);
		}
	}
	if (i >= argc)
		log_fatal("init: no command given (usage: airlock init [OPTIONS] -- CMD [ARG...])");

	struct identity id;
	if (user) {
		char err[300];
		if (identity_lookup(user, &id, err, sizeof err) < 0)
			log_fatal("init: --user %s: %s", user, err);
		o.user = &id;
	}

	int status;
	pid_t cmd = supervise_spawn(argv + i, &o, &status);
	if (cmd < 0)
		return status;
	return supervise_wait(cmd, &o);
}
