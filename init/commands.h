/* commands.h: the entry points of airlock's sub-commands. Each takes the arguments
 * from the sub-command's name on (argv[0] is "init", "sandbox-exec" or "policy") and
 * returns the process's exit status. */
#ifndef AIRLOCK_COMMANDS_H
#define AIRLOCK_COMMANDS_H

int init_main(int argc, char **argv);       /* init/init.c */
int sandbox_main(int argc, char **argv);    /* init/sandbox.c */
int policy_cmd_main(int argc, char **argv); /* init/policy_cmd.c */
int doctor_main(int argc, char **argv);     /* init/doctor.c */

#endif
