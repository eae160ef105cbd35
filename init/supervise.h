/* supervise.h: run one command as a child and stand in for it, as an init does.
 *
 * Two callers: `airlock init` (PID 1 of a container, or anywhere) and the sandbox's
 * reaper (PID 1 of the sandbox's PID namespace). The supervisor
 *   - blocks every catchable signal before forking, so a signal that arrives while CMD
 *     starts is queued and forwarded once CMD exists, never lost;
 *   - forwards every signal it gets to CMD (or CMD's process group), except SIGKILL and
 *     SIGSTOP (impossible), SIGCHLD (its own business) and the synchronous fault
 *     signals (FPE ILL SEGV BUS ABRT TRAP SYS), which stay at their default action;
 *   - reaps every child, including orphans reparented to it (it makes itself a child
 *     subreaper when it is not PID 1 and asked to);
 *   - on SIGTERM/SIGINT, and when CMD exits while other descendants remain, gives the
 *     descendants `grace_ms` to finish, then SIGKILLs what is left;
 *   - when stdin is a terminal whose foreground process group is ours, puts CMD in its
 *     own process group and makes that the foreground (tini does the same), so Ctrl-C and
 *     Ctrl-Z reach CMD's jobs and not the supervisor. When CMD stops (Ctrl-Z) and the
 *     supervisor is not PID 1, it takes the terminal back and stops itself, so the shell
 *     that started it sees the job stop; on SIGCONT it resumes CMD in the foreground.
 *
 * One supervised command per process: the module keeps its state in static storage. No
 * work is done in signal handlers; signals are read synchronously with
 * sigtimedwait().
 */
#ifndef AIRLOCK_SUPERVISE_H
#define AIRLOCK_SUPERVISE_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy/identity.h"

struct supervise_opts {
	unsigned grace_ms;             /* time descendants get before SIGKILL (10000: init) */
	int pgroup;                    /* CMD leads its own process group; signals go to it */
	int subreaper;                 /* not PID 1: become a child subreaper */
	int verbose;                   /* log each forwarded signal and each reaped child */
	const struct identity *user;   /* CMD runs as this (groups included); NULL: as us */
	/* Called in the child just before exec, after the user switch: 0, or -1 with a
	 * sentence in err (CMD is then not run, status 125). NULL: none. */
	int (*before_exec)(void *arg, char *err, size_t errlen);
	void *before_exec_arg;
};

/* The one set of signals a supervisor blocks and waits for: every signal but the
 * synchronous fault signals (FPE ILL SEGV BUS ABRT TRAP SYS), including the real-time
 * signals a libc's sigfillset() leaves out. */
void supervise_signal_set(sigset_t *set);

/* Blocks every signal the supervisor forwards or waits for, remembering the previous
 * mask for CMD. Call it as early as possible: signals that arrive between this call and
 * supervise_wait() are queued and forwarded then. supervise_spawn() calls it when the
 * caller did not. Returns 0, or -1 with errno set. */
int supervise_block_signals(void);

/* Forks and execs argv[0] (searched in PATH) with the caller's environment, signal
 * dispositions, and signal mask as it was before supervise_block_signals() (a caller
 * that installed handlers resets them first). Exec failures are reported by the
 * child through a close-on-exec pipe, so the caller knows CMD never ran. Returns CMD's
 * pid; or -1 after printing "airlock: cannot run CMD: reason", with *status set to
 * 127 (not found), 126 (not executable) or 125 (fork or the user switch failed). */
pid_t supervise_spawn(char *const argv[], const struct supervise_opts *o, int *status);

/* Forwards signals to `cmd` and reaps children until CMD and every other descendant are
 * gone (see the top of this file for the shutdown rules). Returns CMD's exit status:
 * its own status, or 128+N when it was killed by signal N. */
int supervise_wait(pid_t cmd, const struct supervise_opts *o);

/* The exit status a shell would report for a wait(2) status: the exit code, or 128+N
 * for a process killed by signal N. */
int supervise_exit_status(int wstatus);

#endif
