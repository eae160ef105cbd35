/* Unit tests of init/sandbox/landlock.c.
 *
 * The checks run in a forked child, once unrestricted and once after landlock_apply()
 * with a policy built by hand over a scratch directory, and report through a pipe. The
 * unrestricted run shows that every refusal seen in the restricted run is Landlock's.
 * The pure mask functions (landlock_access.h) are tested for every ABI, so the
 * degradation is checked on this kernel too.
 */
#include "test/unit/harness.h"

#include "init/sandbox/landlock.h"
#include "init/sandbox/landlock_access.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

#define SETUP_FAILED (-100000L)

/* --- the pure mask functions ------------------------------------------------- */

TEST(landlock_handled_mask_degrades_by_abi)
{
	const uint64_t v1 = 0x1fff; /* EXECUTE .. MAKE_SYM */
	CHECK_EQ_INT(landlock_handled_fs(0), 0);
	CHECK_EQ_INT(landlock_handled_fs(1), v1);
	CHECK_EQ_INT(landlock_handled_fs(2), v1 | LANDLOCK_ACCESS_FS_REFER);
	CHECK_EQ_INT(landlock_handled_fs(3),
		     v1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE);
	CHECK_EQ_INT(landlock_handled_fs(4), landlock_handled_fs(3));
	CHECK_EQ_INT(landlock_handled_fs(5),
		     landlock_handled_fs(3) | LANDLOCK_ACCESS_FS_IOCTL_DEV);
	CHECK_EQ_INT(landlock_handled_fs(7), landlock_handled_fs(5));
	CHECK_EQ_INT(landlock_scoped(5), 0);
	CHECK_EQ_INT(landlock_scoped(6), 3);
	CHECK_EQ_INT(landlock_scoped(7), 3);
	CHECK_EQ_INT(landlock_ruleset_attr_size(1), 8);
	CHECK_EQ_INT(landlock_ruleset_attr_size(3), 8);
	CHECK_EQ_INT(landlock_ruleset_attr_size(4), 16);
	CHECK_EQ_INT(landlock_ruleset_attr_size(5), 16);
	CHECK_EQ_INT(landlock_ruleset_attr_size(6), 24);
}

TEST(landlock_rule_bits_fit_the_inode_type)
{
	const uint64_t h7 = landlock_handled_fs(7);
	const uint64_t file_bits = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
				   LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
				   LANDLOCK_ACCESS_FS_IOCTL_DEV;
	/* read_only: read and execute, READ_DIR only on directories */
	CHECK_EQ_INT(landlock_rule_access(LL_READ_ONLY, 0, h7),
		     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE);
	CHECK_EQ_INT(landlock_rule_access(LL_READ_ONLY, 1, h7),
		     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE |
			     LANDLOCK_ACCESS_FS_READ_DIR);
	/* read_write: everything on a directory, only the file bits on a file */
	CHECK_EQ_INT(landlock_rule_access(LL_READ_WRITE, 1, h7), h7);
	CHECK_EQ_INT(landlock_rule_access(LL_READ_WRITE, 0, h7), file_bits);
	/* never more than the ruleset handles: no TRUNCATE/IOCTL_DEV at ABI 2 */
	CHECK_EQ_INT(landlock_rule_access(LL_READ_WRITE, 0, landlock_handled_fs(2)),
		     LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			     LANDLOCK_ACCESS_FS_READ_FILE);
	CHECK_EQ_INT(landlock_rule_access(LL_TTY, 0, landlock_handled_fs(4)),
		     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			     LANDLOCK_ACCESS_FS_TRUNCATE);
	CHECK_EQ_INT(landlock_rule_access(LL_TTY, 0, h7),
		     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			     LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV);
	/* the devices: read-only random, read-write null with truncate */
	CHECK_EQ_INT(landlock_rule_access(LL_DEV_READ, 0, h7), LANDLOCK_ACCESS_FS_READ_FILE);
	CHECK_EQ_INT(landlock_rule_access(LL_DEV_RW, 0, h7),
		     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			     LANDLOCK_ACCESS_FS_TRUNCATE);
	/* a secret's placeholder file: read, nothing else (not even execute) */
	CHECK_EQ_INT(landlock_rule_access(LL_SECRET_FILE, 0, h7), LANDLOCK_ACCESS_FS_READ_FILE);
	/* no class ever puts a directory-only bit on a file */
	for (int cls = LL_READ_ONLY; cls <= LL_SECRET_FILE; cls++)
		for (int abi = 1; abi <= 7; abi++)
			CHECK((landlock_rule_access((enum landlock_class)cls, 0,
						    landlock_handled_fs(abi)) &
			       ~file_bits) == 0);
}

TEST(landlock_abi_is_reported)
{
	/* The machines airlock is built and tested on have Landlock (notes.md). */
	CHECK(landlock_abi() >= 1);
}

/* --- the scratch tree and the child runs --------------------------------------- */

struct tree {
	char dir[64];
	char ro[96], ro_file[128], rw[96], out[96], out_file[128], out_script[128];
	char single_ro[96], single_rw[96], missing[96], loop[96];
};

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int make_tree(struct tree *t)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/airlock-ll-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->ro, sizeof t->ro, "%s/ro", t->dir);
	snprintf(t->ro_file, sizeof t->ro_file, "%s/ro/f", t->dir);
	snprintf(t->rw, sizeof t->rw, "%s/rw", t->dir);
	snprintf(t->out, sizeof t->out, "%s/out", t->dir);
	snprintf(t->out_file, sizeof t->out_file, "%s/out/f", t->dir);
	snprintf(t->out_script, sizeof t->out_script, "%s/out/script", t->dir);
	snprintf(t->single_ro, sizeof t->single_ro, "%s/single-ro", t->dir);
	snprintf(t->single_rw, sizeof t->single_rw, "%s/single-rw", t->dir);
	snprintf(t->missing, sizeof t->missing, "%s/missing/nothing", t->dir);
	snprintf(t->loop, sizeof t->loop, "%s/loop", t->dir);
	if (mkdir(t->ro, 0755) || mkdir(t->rw, 0755) || mkdir(t->out, 0755))
		return -1;
	if (write_file(t->ro_file, "ro\n", 0644) || write_file(t->out_file, "out\n", 0644) ||
	    write_file(t->out_script, "#!/bin/sh\nexit 0\n", 0755) ||
	    write_file(t->single_ro, "single\n", 0644) ||
	    write_file(t->single_rw, "single\n", 0644))
		return -1;
	return symlink(t->loop, t->loop);
}

static void remove_tree(const struct tree *t)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	int rc = system(cmd);
	(void)rc;
}

/* The policy over the tree: lists of directories, single files and a missing path. */
struct tree_policy {
	struct policy p;
	struct policy_path ro[5], rw[2];
};

static void tree_policy(const struct tree *t, struct tree_policy *tp)
{
	memset(tp, 0, sizeof *tp);
	tp->ro[0].path = (char *)t->ro;
	tp->ro[1].path = (char *)t->single_ro;
	tp->ro[2].path = (char *)t->missing;
	tp->ro[3].path = "/usr"; /* for the exec check: /bin/true and its libraries */
	tp->ro[4].path = "/lib64";
	tp->rw[0].path = (char *)t->rw;
	tp->rw[1].path = (char *)t->single_rw;
	tp->p.read_only = tp->ro;
	tp->p.nread_only = 5;
	tp->p.read_write = tp->rw;
	tp->p.nread_write = 2;
}

/* open(2) with flags; writes one byte when opened for writing. 0 or -errno. */
static long try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	long r = 0;
	if ((flags & O_ACCMODE) != O_RDONLY && write(fd, "x", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

static long try_opendir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	closedir(d);
	return 0;
}

/* Runs `path` in a grandchild: 0 when it ran and exited 0, -errno when execve failed. */
static long try_exec(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)path, NULL};
		char *envp[] = {NULL};
		execve(path, argv, envp);
		_exit(100 + errno);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return SETUP_FAILED;
	return WEXITSTATUS(st) >= 100 ? -(long)(WEXITSTATUS(st) - 100) : WEXITSTATUS(st);
}

enum {
	R_APPLY,
	R_READ_RO,
	R_WRITE_RO,
	R_CREATE_RO,
	R_READ_OUT,
	R_LIST_OUT,
	R_CREATE_RW,
	R_MKDIR_RW,
	R_UNLINK_RW,
	R_READ_SINGLE_RO,
	R_WRITE_SINGLE_RO,
	R_TRUNC_SINGLE_RW,
	R_DEVNULL_TRUNC,
	R_URANDOM_READ,
	R_URANDOM_WRITE,
	R_PROC_READ,
	R_EXEC_USR,
	R_EXEC_OUT,
	R_COUNT
};

static void fs_checks(const struct tree *t, long *r)
{
	char path[160];
	r[R_READ_RO] = try_open(t->ro_file, O_RDONLY);
	r[R_WRITE_RO] = try_open(t->ro_file, O_WRONLY);
	snprintf(path, sizeof path, "%s/new", t->ro);
	r[R_CREATE_RO] = try_open(path, O_WRONLY | O_CREAT);
	r[R_READ_OUT] = try_open(t->out_file, O_RDONLY);
	r[R_LIST_OUT] = try_opendir(t->out);
	snprintf(path, sizeof path, "%s/new", t->rw);
	r[R_CREATE_RW] = try_open(path, O_WRONLY | O_CREAT | O_TRUNC);
	r[R_UNLINK_RW] = unlink(path) == 0 ? 0 : -errno;
	snprintf(path, sizeof path, "%s/d", t->rw);
	r[R_MKDIR_RW] = mkdir(path, 0755) == 0 ? 0 : -errno;
	r[R_READ_SINGLE_RO] = try_open(t->single_ro, O_RDONLY);
	r[R_WRITE_SINGLE_RO] = try_open(t->single_ro, O_WRONLY);
	r[R_TRUNC_SINGLE_RW] = try_open(t->single_rw, O_WRONLY | O_TRUNC);
	r[R_DEVNULL_TRUNC] = try_open("/dev/null", O_WRONLY | O_CREAT | O_TRUNC);
	r[R_URANDOM_READ] = try_open("/dev/urandom", O_RDONLY);
	r[R_URANDOM_WRITE] = try_open("/dev/urandom", O_WRONLY);
	r[R_PROC_READ] = try_open("/proc/self/status", O_RDONLY);
	r[R_EXEC_USR] = try_exec("/bin/true");
	r[R_EXEC_OUT] = try_exec(t->out_script);
}

/* Runs fs_checks in a child, after landlock_apply(policy) when `policy` is not NULL. */
static void run_checks(const struct tree *t, const struct policy *policy, long *r)
{
	for (int i = 0; i < R_COUNT; i++)
		r[i] = SETUP_FAILED;
	int p[2];
	if (pipe(p) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		long out[R_COUNT];
		char err[256] = "";
		out[R_APPLY] = policy ? landlock_apply(policy, err, sizeof err) : 0;
		if (out[R_APPLY] != 0)
			fprintf(stderr, "landlock_apply: %s\n", err);
		fs_checks(t, out);
		_exit(write(p[1], out, sizeof out) == sizeof out ? 0 : 1);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], r, sizeof(long) * R_COUNT) != (ssize_t)(sizeof(long) * R_COUNT))
		r[R_APPLY] = SETUP_FAILED;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

TEST(landlock_restricts_the_file_system_to_the_policy)
{
	struct tree t;
	CHECK_EQ_INT(make_tree(&t), 0);
	struct tree_policy tp;
	tree_policy(&t, &tp);

	long free_[R_COUNT], ll[R_COUNT];
	run_checks(&t, NULL, free_);
	/* undo what the free run created, so the restricted run starts the same */
	char path[160];
	snprintf(path, sizeof path, "%s/d", t.rw);
	rmdir(path);
	snprintf(path, sizeof path, "%s/new", t.ro);
	unlink(path);
	run_checks(&t, &tp.p, ll);

	/* unrestricted, everything works: the refusals below are Landlock's */
	for (int i = 0; i < R_COUNT; i++)
		CHECK_EQ_INT(free_[i], 0);

	CHECK_EQ_INT(ll[R_APPLY], 0); /* with a missing path and single files listed */
	CHECK_EQ_INT(ll[R_READ_RO], 0);
	CHECK_EQ_INT(ll[R_WRITE_RO], -EACCES);
	CHECK_EQ_INT(ll[R_CREATE_RO], -EACCES);
	CHECK_EQ_INT(ll[R_READ_OUT], -EACCES);
	CHECK_EQ_INT(ll[R_LIST_OUT], -EACCES);
	CHECK_EQ_INT(ll[R_CREATE_RW], 0);
	CHECK_EQ_INT(ll[R_UNLINK_RW], 0);
	CHECK_EQ_INT(ll[R_MKDIR_RW], 0);
	CHECK_EQ_INT(ll[R_READ_SINGLE_RO], 0);
	CHECK_EQ_INT(ll[R_WRITE_SINGLE_RO], -EACCES);
	CHECK_EQ_INT(ll[R_TRUNC_SINGLE_RW], 0);
	CHECK_EQ_INT(ll[R_DEVNULL_TRUNC], 0);
	CHECK_EQ_INT(ll[R_URANDOM_READ], 0);
	CHECK_EQ_INT(ll[R_URANDOM_WRITE], -EACCES);
	CHECK_EQ_INT(ll[R_PROC_READ], 0);
	CHECK_EQ_INT(ll[R_EXEC_USR], 0);
	CHECK_EQ_INT(ll[R_EXEC_OUT], -EACCES);
	remove_tree(&t);
}

/* landlock_apply in a child: its return value and the start of its error sentence. */
static int apply_in_child(const struct policy *p, char *err, size_t errlen)
{
	int fds[2];
	if (pipe(fds) != 0)
		return SETUP_FAILED;
	pid_t pid = fork();
	if (pid == 0) {
		char e[256] = "";
		int rc = landlock_apply(p, e, sizeof e);
		ssize_t a = write(fds[1], &rc, sizeof rc);
		ssize_t b = write(fds[1], e, sizeof e);
		_exit(a > 0 && b > 0 ? 0 : 1);
	}
	close(fds[1]);
	int rc = SETUP_FAILED;
	char e[256] = "";
	if (read(fds[0], &rc, sizeof rc) != sizeof rc || read(fds[0], e, sizeof e) != sizeof e)
		rc = SETUP_FAILED;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	snprintf(err, errlen, "%s", e);
	return rc;
}

TEST(landlock_refuses_a_broken_path_and_names_it)
{
	struct tree t;
	CHECK_EQ_INT(make_tree(&t), 0);
	struct policy_path ro = {.path = t.loop};
	struct policy p = {.read_only = &ro, .nread_only = 1};
	char err[256];
	CHECK_EQ_INT(apply_in_child(&p, err, sizeof err), -1);
	CHECK(strstr(err, t.loop) != NULL);
	CHECK(strstr(err, "landlock: ") == err);
	remove_tree(&t);
}

/* --- scoping: signals and abstract UNIX sockets ----------------------------------- */

enum { S_APPLY, S_KILL_OUTSIDE, S_KILL_OWN_CHILD, S_CHILD_KILLS_PARENT, S_CONNECT_OUTSIDE,
       S_CONNECT_INSIDE, S_COUNT };

static long connect_abstract(const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	memcpy(a.sun_path + 1, name, n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	long r = connect(fd, (struct sockaddr *)&a, (socklen_t)(sizeof(sa_family_t) + 1 + n)) == 0
			 ? 0
			 : -errno;
	close(fd);
	return r;
}

static int listen_abstract(const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	memcpy(a.sun_path + 1, name, n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    bind(fd, (struct sockaddr *)&a, (socklen_t)(sizeof(sa_family_t) + 1 + n)) != 0 ||
	    listen(fd, 4) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* In the (maybe restricted) child: signals and connects across the domain's edge. */
static void scope_checks(pid_t outside, const char *outside_sock, long *r)
{
	r[S_KILL_OUTSIDE] = kill(outside, 0) == 0 ? 0 : -errno;

	/* a child in the same domain: it can signal us, and we can signal it */
	int p[2];
	r[S_KILL_OWN_CHILD] = r[S_CHILD_KILLS_PARENT] = SETUP_FAILED;
	if (pipe(p) == 0) {
		pid_t parent = getpid();
		pid_t c = fork();
		if (c == 0) {
			long k = kill(parent, 0) == 0 ? 0 : -errno;
			ssize_t w = write(p[1], &k, sizeof k);
			(void)w;
			pause();
			_exit(0);
		}
		long k = SETUP_FAILED;
		if (c > 0 && read(p[0], &k, sizeof k) == sizeof k)
			r[S_CHILD_KILLS_PARENT] = k;
		int st = 0;
		if (c > 0 && kill(c, SIGTERM) == 0 && waitpid(c, &st, 0) == c)
			r[S_KILL_OWN_CHILD] = WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? 0 : -1;
		close(p[0]);
		close(p[1]);
	}

	r[S_CONNECT_OUTSIDE] = connect_abstract(outside_sock);
	char inside[64];
	snprintf(inside, sizeof inside, "airlock-ll-inside-%d", (int)getpid());
	int lfd = listen_abstract(inside);
	r[S_CONNECT_INSIDE] = lfd < 0 ? -errno : connect_abstract(inside);
	if (lfd >= 0)
		close(lfd);
}

static void run_scope(int restricted, pid_t outside, const char *sock, long *r)
{
	for (int i = 0; i < S_COUNT; i++)
		r[i] = SETUP_FAILED;
	int p[2];
	if (pipe(p) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		long out[S_COUNT];
		char err[256];
		struct policy none = {0};
		out[S_APPLY] = restricted ? landlock_apply(&none, err, sizeof err) : 0;
		scope_checks(outside, sock, out);
		_exit(write(p[1], out, sizeof out) == sizeof out ? 0 : 1);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], r, sizeof(long) * S_COUNT) != (ssize_t)(sizeof(long) * S_COUNT))
		r[S_APPLY] = SETUP_FAILED;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

TEST(landlock_scopes_signals_and_abstract_sockets)
{
	pid_t outside = fork();
	if (outside == 0) {
		pause();
		_exit(0);
	}
	CHECK(outside > 0);
	char sock[64];
	snprintf(sock, sizeof sock, "airlock-ll-outside-%d", (int)getpid());
	int lfd = listen_abstract(sock);
	CHECK(lfd >= 0);

	long free_[S_COUNT], ll[S_COUNT];
	run_scope(0, outside, sock, free_);
	run_scope(1, outside, sock, ll);
	for (int i = 0; i < S_COUNT; i++)
		CHECK_EQ_INT(free_[i], 0);
	CHECK_EQ_INT(ll[S_APPLY], 0);
	/* Scoping exists from ABI 6; below it the kernel cannot refuse these. */
	long scoped = landlock_abi() >= 6 ? -EPERM : 0;
	CHECK_EQ_INT(ll[S_KILL_OUTSIDE], scoped);
	CHECK_EQ_INT(ll[S_CONNECT_OUTSIDE], scoped);
	/* within the domain (the sandbox's reaper and CMD) signals and sockets work */
	CHECK_EQ_INT(ll[S_KILL_OWN_CHILD], 0);
	CHECK_EQ_INT(ll[S_CHILD_KILLS_PARENT], 0);
	CHECK_EQ_INT(ll[S_CONNECT_INSIDE], 0);

	if (lfd >= 0)
		close(lfd);
	if (outside > 0) {
		kill(outside, SIGKILL);
		waitpid(outside, NULL, 0);
	}
}

TEST(landlock_process_can_be_signalled_from_outside)
{
	/* The supervisor stays outside the domain and must still reach CMD. */
	int p[2];
	CHECK_EQ_INT(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char err[256];
		struct policy none = {0};
		int rc = landlock_apply(&none, err, sizeof err);
		ssize_t w = write(p[1], &rc, sizeof rc);
		(void)w;
		for (;;)
			pause();
	}
	int rc = -1;
	CHECK(read(p[0], &rc, sizeof rc) == sizeof rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(kill(pid, SIGTERM), 0);
	int st = 0;
	CHECK_EQ_INT(waitpid(pid, &st, 0), pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	close(p[0]);
	close(p[1]);
}

/* --- kernels without Landlock, simulated with a seccomp filter ---------------------- */

/* In a child: makes landlock_create_ruleset fail with `errnum`, then landlock_apply();
 * returns its result, with its sentence in err, and whether a file outside any list
 * was still readable afterwards in *free_after. */
static int apply_without_landlock(int errnum, char *err, size_t errlen, int *free_after)
{
	int fds[2];
	if (pipe(fds) != 0)
		return SETUP_FAILED;
	pid_t pid = fork();
	if (pid == 0) {
		struct {
			int rc, readable;
			char e[256];
		} out = {SETUP_FAILED, 0, ""};
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (ctx &&
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)errnum),
				     SCMP_SYS(landlock_create_ruleset), 0) == 0 &&
		    seccomp_load(ctx) == 0) {
			struct policy none = {0};
			out.rc = landlock_apply(&none, out.e, sizeof out.e);
			out.readable = try_open("/etc/passwd", O_RDONLY) == 0;
		}
		_exit(write(fds[1], &out, sizeof out) == sizeof out ? 0 : 1);
	}
	close(fds[1]);
	struct {
		int rc, readable;
		char e[256];
	} in = {SETUP_FAILED, 0, ""};
	if (read(fds[0], &in, sizeof in) != sizeof in)
		in.rc = SETUP_FAILED;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	snprintf(err, errlen, "%s", in.e);
	*free_after = in.readable;
	return in.rc;
}

TEST(landlock_missing_from_the_kernel_returns_1)
{
	char err[256];
	int readable = 0;
	/* not built in (ENOSYS) or disabled at boot (EOPNOTSUPP): 1, nothing restricted */
	CHECK_EQ_INT(apply_without_landlock(ENOSYS, err, sizeof err, &readable), 1);
	CHECK(strstr(err, "has no Landlock") != NULL);
	CHECK(strstr(err, "best_effort") != NULL);
	CHECK_EQ_INT(readable, 1);
	CHECK_EQ_INT(apply_without_landlock(EOPNOTSUPP, err, sizeof err, &readable), 1);
	CHECK_EQ_INT(readable, 1);
	/* any other failure is an error with a sentence */
	CHECK_EQ_INT(apply_without_landlock(EPERM, err, sizeof err, &readable), -1);
	CHECK(strstr(err, "landlock: ") == err);
}
