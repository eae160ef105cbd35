/* STUB: replaced by the real implementation. */
#include "init/commands.h"
#include "init/log.h"

int init_main(int argc, char **argv)
{
	(void)argc;
	log_msg("%s: not implemented yet", argv[0]);
	return EXIT_AIRLOCK;
}
