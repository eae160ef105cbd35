/* init_sig: a tiny CMD for the init tests, built static with musl-gcc so that it runs
 * in a FROM scratch image next to /airlock (test_container.py builds it that way).
 *
 *   init_sig exit N       exit with status N
 *   init_sig wait         print "ready"; print "got N" for each signal N (HUP INT QUIT
 *                         USR1 USR2 WINCH CONT); exit 42 on SIGTERM
 *   init_sig ignore       ignore SIGTERM, print "ready", sleep until killed
 *   init_sig orphans N    make N orphans (children that exit, leaving grandchildren to
 *                         be reparented), then print "zombies Z" for the zombies left
 *                         after they exited; exit 0 when Z is 0
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *s)
{
	ssize_t w = write(STDOUT_FILENO, s, strlen(s));
	(void)w;
}

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
}

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Zombies whose parent is `parent`, from /proc/PID/stat. */
static int count_zombies(pid_t parent)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int z = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char path[300], buf[512];
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		char state;
		int ppid;
		if (p && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && state == 'Z' &&
		    ppid == parent)
			z++;
	}
	closedir(d);
	return z;
}

static int orphans(int n)
{
	pid_t parent = getppid();
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		if (c == 0) {
			if (fork() == 0) {
				nap(100); /* exit after our parent did: an orphan */
				_exit(0);
			}
			_exit(0);
		}
		if (c > 0)
			waitpid(c, NULL, 0);
	}
	int z = -1;
	for (int tries = 0; tries < 100; tries++) { /* up to 10 s for the reaper */
		nap(100);
		z = count_zombies(parent);
		if (z == 0)
			break;
	}
	char msg[64];
	snprintf(msg, sizeof msg, "zombies %d\n", z);
	say(msg);
	return z == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 3 && strcmp(argv[1], "orphans") == 0)
		return orphans(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "ignore") == 0) {
		signal(SIGTERM, SIG_IGN);
		say("ready\n");
		for (;;)
			pause();
	}
	if (argc == 2 && strcmp(argv[1], "wait") == 0) {
		const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTERM};
		sigset_t all, none;
		sigfillset(&all);
		sigemptyset(&none);
		/* Handle signals only inside sigsuspend(), so none slips between checks. */
		sigprocmask(SIG_SETMASK, &all, NULL);
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			signal(sigs[i], on_signal);
		say("ready\n");
		for (;;) {
			sigsuspend(&none);
			char msg[32];
			snprintf(msg, sizeof msg, "got %d\n", (int)got);
			say(msg);
			if (got == SIGTERM)
				return 42;
		}
	}
	fprintf(stderr, "usage: init_sig exit N | wait | ignore | orphans N\n");
	return 2;
}
