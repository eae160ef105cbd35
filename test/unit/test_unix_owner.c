/* Whose is a named UNIX socket (init/sandbox/unix_owner.h): the sock_diag reply reader
 * on built messages, and the whole lookup on real sockets of this process. */
#include "test/unit/harness.h"
#include "init/sandbox/unix_owner.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Appends one SOCK_DIAG_BY_FAMILY message for socket `sk` bound to a file with the
 * kernel's dev_t `kdev` and inode `ino` to buf at *off. */
static void add_msg(unsigned char *buf, size_t *off, uint32_t sk, uint32_t kdev, uint32_t ino)
{
	struct nlmsghdr h = {0};
	struct unix_diag_msg m = {0};
	struct rtattr a = {RTA_LENGTH(sizeof(struct unix_diag_vfs)), UNIX_DIAG_VFS};
	struct unix_diag_vfs v = {ino, kdev};
	m.udiag_family = AF_UNIX;
	m.udiag_ino = sk;
	h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h.nlmsg_len = NLMSG_LENGTH(NLMSG_ALIGN(sizeof m) + RTA_ALIGN(a.rta_len));
	memcpy(buf + *off, &h, sizeof h);
	memcpy(buf + *off + sizeof h, &m, sizeof m);
	memcpy(buf + *off + sizeof h + NLMSG_ALIGN(sizeof m), &a, sizeof a);
	memcpy(buf + *off + sizeof h + NLMSG_ALIGN(sizeof m) + sizeof a, &v, sizeof v);
	*off += NLMSG_ALIGN(h.nlmsg_len);
}

static void add_done(unsigned char *buf, size_t *off)
{
	struct nlmsghdr h = {NLMSG_LENGTH(4), NLMSG_DONE, 0, 0, 0};
	memset(buf + *off, 0, NLMSG_LENGTH(4));
	memcpy(buf + *off, &h, sizeof h);
	*off += NLMSG_ALIGN(h.nlmsg_len);
}

TEST(unix_diag_find_matches_device_and_inode)
{
	unsigned char buf[1024];
	size_t n = 0;
	add_msg(buf, &n, 111, (8u << 20) | 3, 500);
	add_msg(buf, &n, 222, (8u << 20) | 1, 777);
	add_msg(buf, &n, 333, (259u << 20) | 0x10001, 777);
	uint32_t sk = 0;
	CHECK_EQ_INT(unix_diag_find(buf, n, 8, 1, 777, &sk), 1);
	CHECK_EQ_INT(sk, 222);
	/* a minor past 8 bits and a major past 8 bits: the kernel's encoding, not stat's */
	CHECK_EQ_INT(unix_diag_find(buf, n, 259, 0x10001, 777, &sk), 1);
	CHECK_EQ_INT(sk, 333);
	/* only the inode's low 32 bits are in the reply */
	CHECK_EQ_INT(unix_diag_find(buf, n, 8, 3, (1ULL << 32) | 500, &sk), 1);
	CHECK_EQ_INT(sk, 111);
	CHECK_EQ_INT(unix_diag_find(buf, n, 8, 2, 777, &sk), 0);
	add_done(buf, &n);
	CHECK_EQ_INT(unix_diag_find(buf, n, 8, 2, 777, &sk), 2);
}

TEST(unix_diag_find_refuses_what_is_not_netlink)
{
	unsigned char buf[256];
	size_t n = 0;
	uint32_t sk = 0;
	add_msg(buf, &n, 9, 1, 1);
	struct nlmsghdr h;
	memcpy(&h, buf, sizeof h);
	h.nlmsg_len = (uint32_t)n + 4; /* longer than the bytes */
	memcpy(buf, &h, sizeof h);
	CHECK_EQ_INT(unix_diag_find(buf, n, 0, 1, 1, &sk), -1);
	h.nlmsg_len = 3; /* shorter than a header */
	memcpy(buf, &h, sizeof h);
	CHECK_EQ_INT(unix_diag_find(buf, n, 0, 1, 1, &sk), -1);
	h.nlmsg_len = sizeof h;
	h.nlmsg_type = NLMSG_ERROR;
	memcpy(buf, &h, sizeof h);
	CHECK_EQ_INT(unix_diag_find(buf, n, 0, 1, 1, &sk), -1);
	/* an attribute longer than its message is not read */
	n = 0;
	add_msg(buf, &n, 9, 1, 1);
	struct rtattr a;
	size_t at = sizeof h + NLMSG_ALIGN(sizeof(struct unix_diag_msg));
	memcpy(&a, buf + at, sizeof a);
	a.rta_len = 200;
	memcpy(buf + at, &a, sizeof a);
	CHECK_EQ_INT(unix_diag_find(buf, n, 0, 1, 1, &sk), 0);
	CHECK_EQ_INT(unix_diag_find(buf, 0, 0, 1, 1, &sk), 0);
}

/* A listening socket at a fresh path; returns its fd and the path's O_PATH fd. */
static int listen_at(char *path, size_t cap, int *opath)
{
	snprintf(path, cap, "/tmp/airlock-unit-owner-%ld.sock", (long)getpid());
	unlink(path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
	if (s < 0 || bind(s, (struct sockaddr *)&un, sizeof un) != 0 || listen(s, 1) != 0)
		return -1;
	*opath = open(path, O_PATH | O_CLOEXEC);
	return s;
}

TEST(unix_listener_of_finds_the_socket_bound_to_a_file)
{
	char path[108];
	int o = -1;
	int s = listen_at(path, sizeof path, &o);
	CHECK(s >= 0 && o >= 0);
	struct stat st;
	CHECK(fstat(s, &st) == 0);
	uint32_t sk = 0;
	CHECK_EQ_INT(unix_listener_of(o, &sk), 0);
	CHECK_EQ_INT(sk, (uint32_t)st.st_ino); /* the socket's own inode, as /proc shows it */
	CHECK_EQ_INT(unix_held_below(getpid(), sk), 1);
	/* held by this process, which is below its parent too */
	CHECK_EQ_INT(unix_held_below(getppid(), sk), 1);
	close(s);
	/* closed: the file stays, nothing listens on it */
	CHECK_EQ_INT(unix_listener_of(o, &sk), ECONNREFUSED);
	close(o);
	unlink(path);
	/* a file that is not a socket */
	int f = open("/dev/null", O_PATH);
	CHECK_EQ_INT(unix_listener_of(f, &sk), ECONNREFUSED);
	close(f);
}

TEST(unix_held_below_needs_the_holder_to_be_a_descendant)
{
	char path[108];
	int o = -1;
	int s = listen_at(path, sizeof path, &o);
	CHECK(s >= 0);
	uint32_t sk = 0;
	CHECK_EQ_INT(unix_listener_of(o, &sk), 0);
	/* a child holds the socket after this process closes it: found below us, and not
	 * below the child's sibling-to-be (a pid that is not an ancestor) */
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(go[1]);
		(void)read(go[0], &c, 1);
		_exit(0);
	}
	close(s);
	CHECK_EQ_INT(unix_held_below(getpid(), sk), 1);
	CHECK_EQ_INT(unix_held_below(child, sk), 1);
	pid_t other = fork();
	if (other == 0) {
		char c;
		close(go[1]);
		(void)read(go[0], &c, 1);
		_exit(0);
	}
	CHECK_EQ_INT(unix_held_below(other, sk), 0);
	close(go[1]);
	close(go[0]);
	waitpid(child, NULL, 0);
	waitpid(other, NULL, 0);
	CHECK_EQ_INT(unix_held_below(getpid(), sk), 0);
	close(o);
	unlink(path);
}
