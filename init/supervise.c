/* supervise.c: see supervise.h. Modelled on tini: signals are blocked and read with
 * sigtimedwait(), so nothing runs in a signal handler and nothing is lost. */
#include "init/supervise.h"

#include "net/base/log.h"
#include "init/sandbox/privs.h"
#include "init/sandbox/proc_parent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Linux numbers signals 1..64. */
#define MAX_SIG 64
/* How often the SIGKILL sweep repeats while descendants linger (new forks, zombies
 * whose parents have not reaped them yet). */
#define KILL_SWEEP_MS 100

static struct {
	int blocked;
	sigset_t block;    /* the signals we wait for */
	sigset_t old_mask; /* the caller's mask, restored in CMD */
	int tty_fg;        /* CMD's group was made the terminal's foreground */
	pid_t cmd_pgid;    /* CMD's own process group, 0 when it shares ours */
	int proc_warned;
} sv;

/* The child's report through the close-on-exec pipe when exec (or set-up) failed. */
struct spawn_report {
	int status;
	char msg[400];
};

/* Synchronous fault signals stay unblocked: a real fault must kill us at once, and a
 * kill() of one of them is not a request meant for CMD. */
static int is_fault_signal(int sig)
{
	return sig == SIGFPE || sig == SIGILL || sig == SIGSEGV || sig == SIGBUS ||
	       sig == SIGABRT || sig == SIGTRAP || sig == SIGSYS;
}

/* A name for logs. musl has no sigabbrev_np(), so the common ones are listed here. */
static const char *sig_name(int sig, char *buf, size_t len)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},     {SIGQUIT, "SIGQUIT"},
		{SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"},   {SIGPIPE, "SIGPIPE"},
		{SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},   {SIGCHLD, "SIGCHLD"},
		{SIGCONT, "SIGCONT"}, {SIGTSTP, "SIGTSTP"},   {SIGTTIN, "SIGTTIN"},
		{SIGTTOU, "SIGTTOU"}, {SIGURG, "SIGURG"},     {SIGXCPU, "SIGXCPU"},
		{SIGXFSZ, "SIGXFSZ"}, {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"},
		{SIGWINCH, "SIGWINCH"}, {SIGIO, "SIGIO"},     {SIGPWR, "SIGPWR"},
		{SIGKILL, "SIGKILL"}, {SIGSTKFLT, "SIGSTKFLT"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].sig == sig)
			return names[i].name;
	snprintf(buf, len, "signal %d", sig);
	return buf;
}

int supervise_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_AIRLOCK;
}

void supervise_signal_set(sigset_t *set)
{
	/* Every signal, written directly: musl's sigfillset() leaves out its internal
	 * signals 32-34 (glibc's leaves out 32-33), and an unblocked real-time signal would
	 * kill us by default. The kernel ignores the bits of SIGKILL and SIGSTOP. */
	memset(set, 0xff, sizeof *set);
	for (int sig = 1; sig <= MAX_SIG; sig++)
		if (is_fault_signal(sig))
			sigdelset(set, sig);
}

int supervise_block_signals(void)
{
	if (sv.blocked)
		return 0;
	supervise_signal_set(&sv.block);
	if (sigprocmask(SIG_SETMASK, &sv.block, &sv.old_mask) < 0)
		return -1;
	sv.blocked = 1;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- the child ---------------------------------------------------------------------- */

static _Noreturn void child_fail(int fd, int status, const char *msg)
{
	struct spawn_report r = {.status = status};
	snprintf(r.msg, sizeof r.msg, "%s", msg);
	ssize_t w = write(fd, &r, sizeof r);
	(void)w;
	_exit(status);
}

/* Runs in the forked child: takes its process group (and the terminal), drops to the
 * requested user, restores the caller's signal mask and execs. Signal dispositions are
 * left as inherited (we install no handlers): a signal ignored by whoever started us,
 * as a shell does for background jobs, stays ignored in CMD. */
static _Noreturn void child_exec(char *const argv[], const struct supervise_opts *o,
				 int own_group, int fg, int fd)
{
	/* Both parent and child set the group so neither can act on the old one. */
	if (own_group)
		setpgid(0, 0);
	/* SIGTTOU is blocked here, so a background group may take the terminal. */
	if (fg)
		tcsetpgrp(STDIN_FILENO, getpid());
	if (o->user) {
		char err[300];
		if (identity_switch(o->user, IDENTITY_GROUPS_SET, err, sizeof err) < 0)
			child_fail(fd, EXIT_AIRLOCK, err);
	}
	if (o->before_exec) {
		char err[300];
		if (o->before_exec(o->before_exec_arg, err, sizeof err) < 0)
			child_fail(fd, EXIT_AIRLOCK, err);
	}
	sigprocmask(SIG_SETMASK, &sv.old_mask, NULL);
	execvp(argv[0], argv);
	int e = errno;
	child_fail(fd, (e == ENOENT || e == ENOTDIR) ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE,
		   strerror(e));
}

pid_t supervise_spawn(char *const argv[], const struct supervise_opts *o, int *status)
{
	*status = EXIT_AIRLOCK;
	if (supervise_block_signals() < 0) {
		log_msg("cannot block signals before starting %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (o->subreaper && getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		log_msg("cannot become a child subreaper (needed to reap orphans when not PID 1): "
			"%s",
			strerror(errno));
		return -1;
	}
	/* Take the terminal for CMD only when it is ours to give: a supervisor started in
	 * the background must not steal it. In a PID namespace a foreground group outside
	 * it reads as 0 (as may our own group): that is not ours either. */
	pid_t tty_pgrp = isatty(STDIN_FILENO) ? tcgetpgrp(STDIN_FILENO) : -1;
	int fg = tty_pgrp > 0 && tty_pgrp == getpgrp();
	int own_group = o->pgroup || fg;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_msg("cannot run %s: pipe: %s", argv[0], strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_msg("cannot run %s: fork: %s", argv[0], strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_exec(argv, o, own_group, fg, pfd[1]);
	}
	close(pfd[1]);
	if (own_group)
		setpgid(pid, pid); /* may fail once the child has exec'd: it did it itself */
	if (fg)
		tcsetpgrp(STDIN_FILENO, pid);

	struct spawn_report r;
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = read(pfd[0], (char *)&r + got, sizeof r - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(pfd[0]);
	if (got == 0) {
		sv.cmd_pgid = own_group ? pid : 0;
		sv.tty_fg = fg;
		return pid; /* EOF: the pipe closed on exec */
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (fg)
		tcsetpgrp(STDIN_FILENO, getpgrp());
	if (got < sizeof r) {
		log_msg("cannot run %s: its start-up report was cut short", argv[0]);
		return -1;
	}
	r.msg[sizeof r.msg - 1] = '\0';
	log_msg("cannot run %s: %s", argv[0], r.msg);
	*status = r.status;
	return -1;
}

/* --- descendants -------------------------------------------------------------------- */

struct proc_entry {
	pid_t pid, ppid;
	int mine;
};

/* Sends `sig` to every process whose ancestry leads to us (walking /proc), or, as PID 1
 * of a namespace, to every process in it. Returns how many were signalled (for PID 1:
 * 1 when any was). */
static int signal_descendants(int sig, pid_t cmd, const struct supervise_opts *o)
{
	if (getpid() == 1)
		return kill(-1, sig) == 0;
	DIR *d = opendir("/proc");
	if (!d) {
		if (!sv.proc_warned++)
			log_msg("cannot list processes (%s): only CMD can be signalled at "
				"shutdown; mount /proc to reach all descendants",
				strerror(errno));
		return kill(sv.cmd_pgid ? -sv.cmd_pgid : cmd, sig) == 0;
	}
	struct proc_entry *e = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid_t ppid = proc_parent((pid_t)atol(de->d_name));
		if (ppid < 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct proc_entry *ne = realloc(e, nc * sizeof *e);
			if (!ne)
				break; /* signal what we have; the next sweep retries */
			e = ne;
			cap = nc;
		}
		e[n++] = (struct proc_entry){.pid = (pid_t)atoi(de->d_name), .ppid = ppid};
	}
	closedir(d);
	/* Mark descendants until nothing changes: a child of ours or of a marked one. */
	pid_t self = getpid();
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (e[i].mine)
				continue;
			int m = e[i].ppid == self;
			for (size_t j = 0; !m && j < n; j++)
				m = e[j].mine && e[j].pid == e[i].ppid;
			if (m) {
				e[i].mine = 1;
				changed = 1;
			}
		}
	}
	int count = 0;
	char nb[32];
	for (size_t i = 0; i < n; i++) {
		if (e[i].mine && kill(e[i].pid, sig) == 0) {
			count++;
			if (o->verbose)
				log_msg("sent %s to pid %d", sig_name(sig, nb, sizeof nb),
					(int)e[i].pid);
		}
	}
	free(e);
	return count;
}

/* --- the loop ----------------------------------------------------------------------- */

/* CMD stopped (Ctrl-Z) on our terminal: hand the terminal back to our own group and stop
 * too, so that the shell that started us sees its job stop. Once continued, give the
 * terminal to CMD again (if we are in the foreground) and continue it. */
static void follow_stop(const struct supervise_opts *o)
{
	if (!sv.tty_fg || getpid() == 1 || !sv.cmd_pgid)
		return;
	if (o->verbose)
		log_msg("CMD stopped; stopping too");
	tcsetpgrp(STDIN_FILENO, getpgrp());
	kill(getpid(), SIGSTOP); /* returns once someone sends us SIGCONT */
	if (tcgetpgrp(STDIN_FILENO) == getpgrp())
		tcsetpgrp(STDIN_FILENO, sv.cmd_pgid);
	kill(-sv.cmd_pgid, SIGCONT);
	if (o->verbose)
		log_msg("continued; sent SIGCONT to process group %d", (int)sv.cmd_pgid);
}

/* Forwards `sig` to CMD. Returns 0 for a signal that was not a request to us: one our
 * own writes raised, or one the terminal sent to a process group CMD is in as well. */
static int forward(int sig, const siginfo_t *si, pid_t cmd, int cmd_alive,
		   const struct supervise_opts *o)
{
	char nb[32];
	const char *name = sig_name(sig, nb, sizeof nb);
	/* SIGPIPE and SIGXFSZ from our own writes name us as sender: not meant for CMD. */
	if ((sig == SIGPIPE || sig == SIGXFSZ) && si->si_code == SI_USER && si->si_pid == getpid())
		return 0;
	/* Ctrl-C, Ctrl-\, Ctrl-Z and window resizes come from the kernel to the terminal's
	 * whole foreground group. When CMD shares our group (we could not give it its own
	 * foreground, e.g. PID 1 of a namespace whose group lives outside), CMD got the
	 * signal itself: a second copy, or a shutdown, would be wrong. */
	if ((sig == SIGINT || sig == SIGQUIT || sig == SIGTSTP || sig == SIGWINCH) &&
	    si->si_code == SI_KERNEL && !sv.cmd_pgid) {
		if (o->verbose)
			log_msg("%s from the terminal reached CMD directly; not forwarding it", name);
		return 0;
	}
	/* 32 and 33 are the libc-internal signals of glibc and musl (musl also uses 34,
	 * which is forwarded: a dynamically linked CMD could be either): never meant for
	 * another process. */
	if (sig == 32 || sig == 33 || !cmd_alive) {
		if (o->verbose)
			log_msg("not forwarding %s (%s)", name,
				cmd_alive ? "libc-internal signal" : "CMD has exited");
		return 1;
	}
	pid_t target = o->pgroup && sv.cmd_pgid ? -sv.cmd_pgid : cmd;
	if (kill(target, sig) < 0) {
		if (o->verbose)
			log_msg("could not forward %s to %s %d: %s", name,
				target < 0 ? "process group" : "pid", (int)(target < 0 ? -target : target),
				strerror(errno));
		return 1;
	}
	if (o->verbose)
		log_msg("forwarded %s to %s %d", name, target < 0 ? "process group" : "pid",
			(int)(target < 0 ? -target : target));
	return 1;
}

static void log_reap(pid_t pid, int ws, pid_t cmd)
{
	char nb[32];
	if (WIFSIGNALED(ws))
		log_msg("reaped pid %d%s (killed by %s)", (int)pid, pid == cmd ? " (CMD)" : "",
			sig_name(WTERMSIG(ws), nb, sizeof nb));
	else
		log_msg("reaped pid %d%s (exit status %d)", (int)pid, pid == cmd ? " (CMD)" : "",
			WEXITSTATUS(ws));
}

int supervise_wait(pid_t cmd, const struct supervise_opts *o)
{
	int status = EXIT_AIRLOCK, cmd_alive = 1;
	int swept = 0;            /* SIGTERM sent to the rest after CMD's exit */
	long long deadline = -1;  /* when the grace period ends; -1: not started */
	int killing = 0;
	int wflags = WNOHANG | (sv.tty_fg && getpid() != 1 ? WUNTRACED : 0);

	for (;;) {
		int ws;
		pid_t p;
		while ((p = waitpid(-1, &ws, wflags)) > 0) {
			if (WIFSTOPPED(ws)) {
				if (p == cmd)
					follow_stop(o);
				continue;
			}
			if (o->verbose)
				log_reap(p, ws, cmd);
			if (p == cmd) {
				status = supervise_exit_status(ws);
				cmd_alive = 0;
				if (sv.tty_fg && tcgetpgrp(STDIN_FILENO) == sv.cmd_pgid)
					tcsetpgrp(STDIN_FILENO, getpgrp());
			}
		}
		if (p < 0 && errno == ECHILD && !cmd_alive)
			return status; /* CMD and every descendant are gone */
		if (p < 0 && errno == ECHILD) {
			/* Cannot happen (CMD is our child); do not spin if it does. */
			log_msg("lost track of CMD (pid %d)", (int)cmd);
			return EXIT_AIRLOCK;
		}

		long long now = now_ms();
		if (!cmd_alive && !swept) {
			swept = 1;
			int n = signal_descendants(SIGTERM, cmd, o);
			if (o->verbose && n)
				log_msg("CMD exited; gave the remaining processes SIGTERM and %u ms",
					o->grace_ms);
			if (deadline < 0)
				deadline = now + o->grace_ms;
		}
		if (deadline >= 0 && now >= deadline) {
			if (!killing && o->verbose)
				log_msg("grace period of %u ms is over; sending SIGKILL", o->grace_ms);
			killing = 1;
			signal_descendants(SIGKILL, cmd, o);
		}

		long long wait_ms = killing ? KILL_SWEEP_MS : deadline >= 0 ? deadline - now : 60000;
		if (wait_ms < 0)
			wait_ms = 0;
		struct timespec ts = {.tv_sec = wait_ms / 1000, .tv_nsec = (wait_ms % 1000) * 1000000};
		siginfo_t si;
		int sig = sigtimedwait(&sv.block, &si, &ts);
		if (sig < 0 || sig == SIGCHLD)
			continue; /* timeout, EINTR, or a child to reap */
		if (forward(sig, &si, cmd, cmd_alive, o) && (sig == SIGTERM || sig == SIGINT) &&
		    deadline < 0)
			deadline = now_ms() + o->grace_ms;
	}
}
