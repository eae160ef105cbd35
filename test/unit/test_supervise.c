/* Unit tests of init/supervise.c. The supervisor blocks signals and reaps every child
 * of its process, so each test runs it in a forked child and checks the exit status. */
#include "test/unit/harness.h"
#include "init/supervise.h"
#include "init/supervisor.h"

#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn() in a child process; returns its exit status (or 1000+signal). */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

TEST(supervise_exit_status_maps_like_a_shell)
{
	CHECK_EQ_INT(supervise_exit_status(0), 0);
	CHECK_EQ_INT(supervise_exit_status(42 << 8), 42);
	CHECK_EQ_INT(supervise_exit_status(255 << 8), 255);
	CHECK_EQ_INT(supervise_exit_status(SIGTERM), 128 + SIGTERM);
	CHECK_EQ_INT(supervise_exit_status(SIGKILL), 137);
}

static int run_and_wait(char **argv, unsigned grace_ms)
{
	/* A subreaper, so that orphans stay ours (and are waited for), as in init. */
	struct supervise_opts o = {.grace_ms = grace_ms, .subreaper = 1};
	int status;
	pid_t pid = supervise_spawn(argv, &o, &status);
	if (pid < 0)
		return 200 + status - 125; /* 200..202 for 125..127 */
	return supervise_wait(pid, &o);
}

static int exits_3(void)
{
	char *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
	return run_and_wait(argv, 1000);
}

/* The expected "airlock: cannot run" lines would only clutter the test output. */
static void quiet(void)
{
	int fd = open("/dev/null", O_WRONLY);
	if (fd >= 0)
		dup2(fd, STDERR_FILENO);
}

static int not_found(void)
{
	quiet();
	char *argv[] = {"/nonexistent/airlock-test", NULL};
	return run_and_wait(argv, 1000);
}

static int not_executable(void)
{
	quiet();
	char *argv[] = {"/etc/passwd", NULL};
	return run_and_wait(argv, 1000);
}

static int killed_by_signal(void)
{
	char *argv[] = {"/bin/sh", "-c", "kill -USR2 $$", NULL};
	return run_and_wait(argv, 1000);
}

static int waits_for_background_child(void)
{
	/* CMD exits 4 at once; its background child gets SIGTERM and 5 s to write the
	 * marker. supervise_wait returns only once that child is gone. */
	char *argv[] = {"/bin/sh", "-c",
			"(trap 'touch /tmp/airlock-unit-supervise.mark; exit 0' TERM; "
			"for i in $(seq 100); do sleep 0.05; done) 2>/dev/null & sleep 0.2; exit 4",
			NULL};
	return run_and_wait(argv, 5000);
}

static int signal_while_starting_is_forwarded(void)
{
	/* SIGTERM raised before CMD exists stays queued and is forwarded to it. */
	if (supervise_block_signals() < 0)
		return 99;
	kill(getpid(), SIGTERM);
	char *argv[] = {"/bin/sleep", "30", NULL};
	return run_and_wait(argv, 1000);
}

TEST(supervise_spawn_and_wait_statuses)
{
	CHECK_EQ_INT(in_child(exits_3), 3);
	CHECK_EQ_INT(in_child(not_found), 202);
	CHECK_EQ_INT(in_child(not_executable), 201);
	CHECK_EQ_INT(in_child(killed_by_signal), 128 + SIGUSR2);
	CHECK_EQ_INT(in_child(signal_while_starting_is_forwarded), 128 + SIGTERM);
}

TEST(supervise_waits_for_descendants)
{
	unlink("/tmp/airlock-unit-supervise.mark");
	pid_t pid = fork();
	if (pid == 0)
		_exit(in_child(waits_for_background_child));
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ_INT(WEXITSTATUS(st), 4);
	/* The background child got SIGTERM from the supervisor and wrote the marker. */
	CHECK_EQ_INT(access("/tmp/airlock-unit-supervise.mark", F_OK), 0);
	unlink("/tmp/airlock-unit-supervise.mark");
}

/* The signals the kernel holds blocked for this process (SigBlk of /proc/self/status):
 * what libc's sigprocmask() reports back may hide its internal signals. */
static unsigned long long kernel_blocked(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long m = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "SigBlk: %llx", &m) == 1)
			break;
	if (f)
		fclose(f);
	return m;
}

/* The sandbox supervisor reads its signals from a signalfd over sv.blocked: a signal
 * that is blocked but not in that set would stay pending for ever, never forwarded. */
static int blocked_equals_waited(void)
{
	if (supervise_block_signals() < 0)
		return 99;
	struct supervisor s;
	memset(&s, 0, sizeof s);
	supervisor_block_signals(&s);
	unsigned long long blk = kernel_blocked();
	int bad = 0;
	for (int sig = 1; sig <= 64; sig++) {
		int blocked = (int)((blk >> (sig - 1)) & 1), waited = sigismember(&s.blocked, sig);
		/* glibc (this unit build) refuses to block its internal 32 and 33 at all;
		 * musl (out/airlock) blocks them, and the integration tests send them. */
		if (blocked != waited && !(sig == 32 || sig == 33) &&
		    sig != SIGKILL && sig != SIGSTOP)
			bad++;
	}
	for (int sig = 32; sig <= 34; sig++)
		if (!sigismember(&s.blocked, sig))
			bad++;
	if (sigismember(&s.blocked, SIGPIPE) || ((blk >> (SIGPIPE - 1)) & 1))
		bad++;
	return bad;
}

TEST(sandbox_supervisor_waits_for_every_signal_it_blocks)
{
	CHECK_EQ_INT(in_child(blocked_equals_waited), 0);
}
