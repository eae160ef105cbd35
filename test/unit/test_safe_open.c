/* Unit tests of net/base/safe_open.c: links in any component are refused (by openat2 and
 * by the walk used without it), root's own links are followed for system files, and the
 * token-file rule refuses what the sandbox's uid/gid could write or rename.
 *
 * The tests run as root (they chown to the sandbox's 65534) in a fresh folder under /tmp.
 * The walk is tested on its own, and safe_open() once more in a child where a seccomp
 * filter makes openat2 answer ENOSYS, as an old kernel does.
 */
#include "test/unit/harness.h"

#include "policy/policy.h"
#include "net/base/safe_open.h"
#include "proxy/tls/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static const struct safe_walk no_links = {SAFE_NO_LINKS, NULL};
static const struct safe_walk root_links = {SAFE_ROOT_LINKS, NULL};
static const struct safe_guard sandbox = {65534, 65534};

/* A fresh root-owned 0755 folder D with D/real/f ("data"), D/link -> real (relative) and
 * D/flink -> D/real/f (absolute). Returns D (static buffer). */
static const char *tree(void)
{
	static char d[64];
	char p[256];
	snprintf(d, sizeof d, "/tmp/airlock-safe-XXXXXX");
	CHECK(mkdtemp(d) != NULL);
	CHECK_EQ_INT(chmod(d, 0755), 0);
	snprintf(p, sizeof p, "%s/real", d);
	CHECK_EQ_INT(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/real/f", d);
	FILE *f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("data", f);
		fclose(f);
	}
	char l[256];
	snprintf(l, sizeof l, "%s/link", d);
	CHECK_EQ_INT(symlink("real", l), 0);
	snprintf(l, sizeof l, "%s/flink", d);
	CHECK_EQ_INT(symlink(p, l), 0);
	return d;
}

static void rm_tree(const char *d)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	CHECK_EQ_INT(system(cmd), 0);
}

/* Whether fd reads "data"; closes it. */
static int reads_data(int fd)
{
	char buf[8] = "";
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	return n == 4 && memcmp(buf, "data", 4) == 0;
}

/* Opens D/rel with safe_open() and with the walk alone; both must agree. Returns the
 * safe_open() descriptor (the walk's is closed), with its error in err. */
static int open_both(const char *d, const char *rel, int flags, enum safe_links links,
		     char *err, size_t errlen)
{
	char p[512], err2[600] = "";
	snprintf(p, sizeof p, "%s/%s", d, rel);
	const struct safe_walk *w = links == SAFE_ROOT_LINKS ? &root_links : &no_links;
	int fd2 = safe_open_walk(AT_FDCWD, p, flags, 0, w, err2, sizeof err2);
	int e2 = errno;
	int fd = safe_open(p, flags, 0, links, err, errlen);
	CHECK_EQ_INT(fd >= 0, fd2 >= 0);
	if (fd < 0 && fd2 < 0) {
		CHECK_EQ_INT(errno, e2);
		CHECK_EQ_STR(err, err2);
	}
	if (fd2 >= 0)
		close(fd2);
	return fd;
}

TEST(safe_open_real_path_opens)
{
	const char *d = tree();
	char err[600] = "";
	CHECK(reads_data(open_both(d, "real/f", O_RDONLY, SAFE_NO_LINKS, err, sizeof err)));
	CHECK(reads_data(open_both(d, "real//./f", O_RDONLY, SAFE_NO_LINKS, err, sizeof err)));
	rm_tree(d);
}

TEST(safe_open_refuses_a_link_in_the_middle_naming_it)
{
	const char *d = tree();
	char err[600] = "", want[300];
	CHECK_EQ_INT(open_both(d, "link/f", O_RDONLY, SAFE_NO_LINKS, err, sizeof err), -1);
	CHECK_EQ_INT(errno, ELOOP);
	snprintf(want, sizeof want, "%s/link is a symbolic link; airlock does not follow links "
		 "in paths it opens as root; give the real path", d);
	CHECK_EQ_STR(err, want);
	rm_tree(d);
}

TEST(safe_open_refuses_a_link_at_the_end_and_creates_nothing_through_it)
{
	const char *d = tree();
	char err[600] = "", want[300], p[300];
	CHECK_EQ_INT(open_both(d, "flink", O_RDONLY, SAFE_NO_LINKS, err, sizeof err), -1);
	CHECK_EQ_INT(errno, ELOOP);
	snprintf(want, sizeof want, "%s/flink is a symbolic link", d);
	CHECK(strstr(err, want) == err);
	/* O_PATH would open the link itself: refused the same. */
	CHECK_EQ_INT(open_both(d, "flink", O_PATH, SAFE_NO_LINKS, err, sizeof err), -1);
	CHECK(strstr(err, want) == err);

	/* A dangling link where the audit file would be created. */
	char l[300];
	snprintf(l, sizeof l, "%s/dangling", d);
	snprintf(p, sizeof p, "%s/real/created", d);
	CHECK_EQ_INT(symlink(p, l), 0);
	int fd = safe_open(l, O_WRONLY | O_CREAT | O_APPEND, 0600, SAFE_NO_LINKS, err, sizeof err);
	CHECK_EQ_INT(fd, -1);
	CHECK_EQ_INT(errno, ELOOP);
	fd = safe_open_walk(AT_FDCWD, l, O_WRONLY | O_CREAT, 0600, &no_links, err, sizeof err);
	CHECK_EQ_INT(fd, -1);
	CHECK_EQ_INT(access(p, F_OK), -1);
	/* Through a linked folder too. */
	snprintf(l, sizeof l, "%s/link/created", d);
	CHECK_EQ_INT(safe_open(l, O_WRONLY | O_CREAT, 0600, SAFE_NO_LINKS, err, sizeof err), -1);
	CHECK_EQ_INT(access(p, F_OK), -1);

	/* Created where the path is real, with the mode asked for. */
	fd = safe_open(p, O_WRONLY | O_CREAT | O_APPEND, 0600, SAFE_NO_LINKS, err, sizeof err);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600);
	if (fd >= 0)
		close(fd);
	rm_tree(d);
}

TEST(safe_open_dotdot_is_the_parent_of_the_real_folder)
{
	const char *d = tree();
	char err[600] = "", want[300];
	CHECK(reads_data(open_both(d, "real/../real/f", O_RDONLY, SAFE_NO_LINKS, err,
				   sizeof err)));
	/* ".." does not make a link in front of it harmless. */
	CHECK_EQ_INT(open_both(d, "link/../real/f", O_RDONLY, SAFE_NO_LINKS, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s/link is a symbolic link", d);
	CHECK(strstr(err, want) == err);
	rm_tree(d);
}

TEST(safe_open_walk_relative_to_a_folder_and_trailing_slash)
{
	const char *d = tree();
	char err[600] = "";
	int dfd = open(d, O_PATH | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(reads_data(safe_open_walk(dfd, "real/f", O_RDONLY, 0, &no_links, err, sizeof err)));
	CHECK_EQ_INT(safe_open_walk(dfd, "link/f", O_RDONLY, 0, &no_links, err, sizeof err), -1);
	CHECK_EQ_STR(err, "link is a symbolic link; airlock does not follow links in paths it "
			  "opens as root; give the real path");
	int fd = safe_open_walk(dfd, "real/", O_PATH | O_DIRECTORY, 0, &no_links, err, sizeof err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_EQ_INT(safe_open_walk(dfd, "link/", O_PATH, 0, &no_links, err, sizeof err), -1);
	CHECK_EQ_INT(errno, ELOOP);
	CHECK_EQ_INT(safe_open_walk(dfd, "real/f/", O_RDONLY, 0, &no_links, err, sizeof err), -1);
	CHECK_EQ_INT(errno, ENOTDIR);
	CHECK_EQ_INT(safe_open_walk(dfd, "missing/f", O_RDONLY, 0, &no_links, err, sizeof err), -1);
	CHECK_EQ_INT(errno, ENOENT);
	CHECK_EQ_STR(err, "No such file or directory");
	close(dfd);
	rm_tree(d);
}

/* In a child: openat2 answers ENOSYS (as on a kernel before 5.6), then `what` runs;
 * its result is the exit status. */
static int without_openat2(int (*what)(const char *), const char *d)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {sizeof f / sizeof f[0], f};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(90);
		_exit(what(d));
	}
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static int fallback_case(const char *d)
{
	char p[300], err[600] = "", want[300];
	struct open_how_raw {
		unsigned long long flags, mode, resolve;
	} how = {O_RDONLY, 0, 4};
	snprintf(p, sizeof p, "%s/real/f", d);
	if (syscall(SYS_openat2, AT_FDCWD, p, &how, sizeof how) != -1 || errno != ENOSYS)
		return 1; /* the filter is not in place: the test would prove nothing */
	if (!reads_data(safe_open(p, O_RDONLY, 0, SAFE_NO_LINKS, err, sizeof err)))
		return 2;
	snprintf(p, sizeof p, "%s/link/f", d);
	if (safe_open(p, O_RDONLY, 0, SAFE_NO_LINKS, err, sizeof err) != -1 || errno != ELOOP)
		return 3;
	snprintf(want, sizeof want, "%s/link is a symbolic link", d);
	if (strstr(err, want) != err)
		return 4;
	snprintf(p, sizeof p, "%s/link/new", d);
	if (safe_open(p, O_WRONLY | O_CREAT, 0600, SAFE_NO_LINKS, err, sizeof err) != -1)
		return 5;
	snprintf(p, sizeof p, "%s/real/new", d);
	if (access(p, F_OK) == 0)
		return 6;
	return 0;
}

TEST(safe_open_falls_back_to_the_walk_without_openat2)
{
	const char *d = tree();
	CHECK_EQ_INT(without_openat2(fallback_case, d), 0);
	rm_tree(d);
}

TEST(safe_open_follows_only_links_root_placed_for_system_files)
{
	const char *d = tree();
	char err[600] = "", want[300], l[300];
	/* D is root's, 0755: its links are root's doing. */
	CHECK(reads_data(open_both(d, "link/f", O_RDONLY, SAFE_ROOT_LINKS, err, sizeof err)));
	CHECK(reads_data(open_both(d, "flink", O_RDONLY, SAFE_ROOT_LINKS, err, sizeof err)));
	/* A folder others may write: anyone could have put the link there. */
	CHECK_EQ_INT(chmod(d, 01777), 0);
	CHECK_EQ_INT(open_both(d, "link/f", O_RDONLY, SAFE_ROOT_LINKS, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s/link is a symbolic link that root did not place", d);
	CHECK(strstr(err, want) == err);
	CHECK_EQ_INT(chmod(d, 0755), 0);
	/* A link owned by another user. */
	snprintf(l, sizeof l, "%s/link", d);
	CHECK_EQ_INT(lchown(l, 65534, 65534), 0);
	CHECK_EQ_INT(open_both(d, "link/f", O_RDONLY, SAFE_ROOT_LINKS, err, sizeof err), -1);
	CHECK(strstr(err, want) == err);
	/* A root link that leads through a folder someone else owns, to a link there. */
	snprintf(l, sizeof l, "%s/real", d);
	CHECK_EQ_INT(chown(l, 65534, 65534), 0);
	snprintf(l, sizeof l, "%s/real/again", d);
	CHECK_EQ_INT(symlink("f", l), 0);
	snprintf(l, sizeof l, "%s/link", d);
	CHECK_EQ_INT(lchown(l, 0, 0), 0);
	CHECK_EQ_INT(open_both(d, "link/again", O_RDONLY, SAFE_ROOT_LINKS, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s/real/again is a symbolic link that root did not", d);
	CHECK(strstr(err, want) == err);
	/* A loop ends. */
	snprintf(l, sizeof l, "%s/loop", d);
	CHECK_EQ_INT(symlink("loop", l), 0);
	CHECK_EQ_INT(open_both(d, "loop", O_RDONLY, SAFE_ROOT_LINKS, err, sizeof err), -1);
	CHECK_EQ_INT(errno, ELOOP);
	rm_tree(d);
}

TEST(safe_open_system_trust_store_and_passwd_open)
{
	/* Debian's bundle is a real file in a real folder (readlink -f gives it back); on
	 * distributions that link it, root placed the link. Either way it opens. */
	char err[600] = "";
	if (access(TRUST_SYSTEM_BUNDLE, F_OK) == 0) {
		int fd = safe_open(TRUST_SYSTEM_BUNDLE, O_RDONLY, 0, SAFE_ROOT_LINKS, err, sizeof err);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
	int fd = safe_open("/etc/passwd", O_RDONLY, 0, SAFE_ROOT_LINKS, err, sizeof err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* On merged-/usr systems /bin is root's link to usr/bin. */
	struct stat st;
	if (lstat("/bin", &st) == 0 && S_ISLNK(st.st_mode)) {
		CHECK_EQ_INT(safe_open("/bin/sh", O_PATH, 0, SAFE_NO_LINKS, err, sizeof err), -1);
		CHECK_EQ_STR(err, "/bin is a symbolic link; airlock does not follow links in paths "
				  "it opens as root; give the real path");
		fd = safe_open("/bin/sh", O_PATH, 0, SAFE_ROOT_LINKS, err, sizeof err);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
}

/* mkdir -p of D/rel with owner and mode; returns the path (static). */
static const char *dir_as(const char *d, const char *rel, uid_t uid, gid_t gid, mode_t mode)
{
	static char p[300];
	snprintf(p, sizeof p, "%s/%s", d, rel);
	CHECK_EQ_INT(mkdir(p, 0700), 0);
	CHECK_EQ_INT(chown(p, uid, gid), 0);
	CHECK_EQ_INT(chmod(p, mode), 0);
	return p;
}

static const char *token_as(const char *d, const char *rel, uid_t uid, gid_t gid, mode_t mode)
{
	static char p[300];
	snprintf(p, sizeof p, "%s/%s", d, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	CHECK_EQ_INT(write(fd, "data", 4), 4);
	close(fd);
	CHECK_EQ_INT(chown(p, uid, gid), 0);
	CHECK_EQ_INT(chmod(p, mode), 0);
	return p;
}

/* safe_open_guarded() of D/rel for the sandbox 65534:65534: 0 when it opens, else -1
 * with the reason in err. */
static int guarded(const char *d, const char *rel, char *err, size_t errlen)
{
	char p[300];
	snprintf(p, sizeof p, "%s/%s", d, rel);
	int fd = safe_open_guarded(p, O_RDONLY, &sandbox, err, errlen);
	if (fd < 0)
		return -1;
	CHECK(reads_data(fd));
	return 0;
}

TEST(safe_open_guarded_accepts_root_files_in_root_folders_and_sticky_tmp)
{
	const char *d = tree();
	char err[700] = "";
	token_as(d, "tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "tok", err, sizeof err), 0);
	token_as(d, "readable", 0, 65534, 0644); /* readable by the sandbox: not its to change */
	CHECK_EQ_INT(guarded(d, "readable", err, sizeof err), 0);
	/* A sticky folder everyone may write, holding root's folder and file. */
	dir_as(d, "sticky", 0, 0, 01777);
	dir_as(d, "sticky/rootdir", 0, 0, 0755);
	token_as(d, "sticky/rootdir/tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "sticky/rootdir/tok", err, sizeof err), 0);
	token_as(d, "sticky/tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "sticky/tok", err, sizeof err), 0);
	rm_tree(d);

	/* Root's token right in /tmp, as the README's example has it. */
	char p[64];
	snprintf(p, sizeof p, "/tmp/airlock-tok-XXXXXX");
	int fd = mkstemp(p);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4);
	close(fd);
	fd = safe_open_guarded(p, O_RDONLY, &sandbox, err, sizeof err);
	CHECK(reads_data(fd));
	unlink(p);
}

TEST(safe_open_guarded_refuses_what_the_sandbox_could_write_or_rename)
{
	const char *d = tree();
	char err[700] = "", want[700];
	static const char hint[] = "a token file must live where the sandbox cannot touch it";

	token_as(d, "own", 65534, 0, 0400);
	CHECK_EQ_INT(guarded(d, "own", err, sizeof err), -1);
	CHECK_EQ_INT(errno, EPERM);
	snprintf(want, sizeof want, "%s/own is owned by the sandbox's uid 65534, so the sandbox "
		 "could change what airlock reads from it; %s", d, hint);
	CHECK(strstr(err, want) == err);

	token_as(d, "grp", 0, 65534, 0660);
	CHECK_EQ_INT(guarded(d, "grp", err, sizeof err), -1);
	CHECK(strstr(err, "is writable by the sandbox's group 65534") && strstr(err, hint));
	token_as(d, "grp-other", 0, 12345, 0660); /* another group's: fine */
	CHECK_EQ_INT(guarded(d, "grp-other", err, sizeof err), 0);
	token_as(d, "world", 0, 0, 0666);
	CHECK_EQ_INT(guarded(d, "world", err, sizeof err), -1);
	CHECK(strstr(err, "is writable by everyone"));

	/* The folder, or one further up, belongs to the sandbox: it could rename the file
	 * (or the folder) and put a link in its place. */
	dir_as(d, "sbx", 65534, 65534, 0755);
	token_as(d, "sbx/tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "sbx/tok", err, sizeof err), -1);
	snprintf(want, sizeof want, "the folder %s/sbx is owned by the sandbox's uid 65534, so "
		 "the sandbox could rename %s/sbx/tok or put a link in its place; %s", d, d, hint);
	CHECK(strstr(err, want) == err);
	dir_as(d, "sbx/inner", 0, 0, 0755);
	token_as(d, "sbx/inner/tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "sbx/inner/tok", err, sizeof err), -1);
	CHECK(strstr(err, "could rename") && strstr(err, "/sbx/inner or put a link"));

	dir_as(d, "gdir", 0, 65534, 0775);
	token_as(d, "gdir/tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "gdir/tok", err, sizeof err), -1);
	CHECK(strstr(err, "gdir is writable by the sandbox's group 65534"));
	dir_as(d, "wdir", 0, 0, 0777);
	token_as(d, "wdir/tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "wdir/tok", err, sizeof err), -1);
	CHECK(strstr(err, "wdir is writable by everyone"));

	/* Sticky does not help with what the sandbox owns in it, nor in its own sticky dir. */
	dir_as(d, "sticky", 0, 0, 01777);
	dir_as(d, "sticky/sbx", 65534, 65534, 0755);
	token_as(d, "sticky/sbx/tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "sticky/sbx/tok", err, sizeof err), -1);
	CHECK(strstr(err, "/sticky/sbx is owned by the sandbox's uid 65534, so the sandbox could "
		     "rename it or put a link in its place (the sticky folder "));
	dir_as(d, "sbxsticky", 65534, 65534, 01777);
	token_as(d, "sbxsticky/tok", 0, 0, 0600);
	CHECK_EQ_INT(guarded(d, "sbxsticky/tok", err, sizeof err), -1);

	/* Links are refused as by safe_open(). */
	CHECK_EQ_INT(guarded(d, "link/f", err, sizeof err), -1);
	CHECK_EQ_INT(errno, ELOOP);
	snprintf(want, sizeof want, "%s/link is a symbolic link", d);
	CHECK(strstr(err, want) == err);
	rm_tree(d);
}

static int guarded_relative(const char *d)
{
	char err[700];
	if (chdir(d) < 0)
		return 1;
	/* D/sbx belongs to the sandbox; from inside it, "tok" has that folder above it. */
	if (chdir("sbx") < 0)
		return 2;
	int fd = safe_open_guarded("tok", O_RDONLY, &sandbox, err, sizeof err);
	if (fd >= 0 || errno != EPERM || !strstr(err, "sbx is owned by the sandbox's uid"))
		return 3;
	if (chdir("..") < 0)
		return 4;
	fd = safe_open_guarded("real/f", O_RDONLY, &sandbox, err, sizeof err);
	return reads_data(fd) ? 0 : 5;
}

TEST(safe_open_guarded_checks_the_folders_above_a_relative_path)
{
	const char *d = tree();
	dir_as(d, "sbx", 65534, 65534, 0755);
	token_as(d, "sbx/tok", 0, 0, 0600);
	pid_t pid = fork(); /* chdir stays in the child */
	if (pid == 0)
		_exit(guarded_relative(d));
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	rm_tree(d);
}

TEST(safe_open_policy_loader_refuses_linked_trust_and_touchable_token_files)
{
	const char *d = tree();
	dir_as(d, "sbx", 65534, 65534, 0755);
	token_as(d, "sbx/tok", 0, 0, 0600);
	char text[1024];
	snprintf(text, sizeof text,
		 "[sandbox]\nuser = 65534:65534\n[network]\ntrust = %s/link/f\n"
		 "[secret TOK]\nhosts = a.com\nfile = %s/sbx/tok\n"
		 "[secret OK]\nhosts = a.com\nfile = %s/real/f\n", d, d, d);
	struct policy p;
	struct policy_errors e;
	CHECK_EQ_INT(policy_load_string(text, strlen(text), "t.ini", &p, &e), -1);
	CHECK_EQ_INT(e.count, 2);
	char want[400];
	snprintf(want, sizeof want, "t.ini:4: trust '%s/link/f': %s/link is a symbolic link; "
		 "airlock does not follow links", d, d);
	CHECK(e.count > 0 && strstr(e.msgs[0], want) == e.msgs[0]);
	snprintf(want, sizeof want, "t.ini:7: [secret TOK] file %s/sbx/tok: the folder %s/sbx "
		 "is owned by the sandbox's uid 65534", d, d);
	CHECK(e.count > 1 && strstr(e.msgs[1], want) == e.msgs[1]);
	CHECK(e.count > 1 && strstr(e.msgs[1], "a token file must live where the sandbox "
				    "cannot touch it"));
	policy_errors_free(&e);

	/* The uid comes from [sandbox] user wherever that line is: here the folder's owner
	 * is not the sandbox, so the same file is fine. */
	snprintf(text, sizeof text, "[secret TOK]\nhosts = a.com\nfile = %s/sbx/tok\n"
		 "[sandbox]\nuser = 4242:4242\n", d);
	CHECK_EQ_INT(policy_load_string(text, strlen(text), "t.ini", &p, &e), 0);
	policy_errors_free(&e);
	policy_free(&p);
	rm_tree(d);
}

TEST(safe_open_trust_file_through_a_link_is_refused)
{
	const char *d = tree();
	struct trust_store ts;
	char err[700] = "", p[300];
	trust_init(&ts);
	snprintf(p, sizeof p, "%s/link/f", d);
	CHECK_EQ_INT(trust_add_file(&ts, p, err, sizeof err), -1);
	CHECK(strstr(err, "/link is a symbolic link; airlock does not follow links"));
	/* The real path is read (and found to hold no certificate). */
	snprintf(p, sizeof p, "%s/real/f", d);
	CHECK_EQ_INT(trust_add_file(&ts, p, err, sizeof err), -1);
	CHECK(strstr(err, "no certificate"));
	trust_free(&ts);
	rm_tree(d);
}
