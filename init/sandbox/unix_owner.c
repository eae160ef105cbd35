/* unix_owner.c: see unix_owner.h. */
#include "init/sandbox/unix_owner.h"
#include "init/sandbox/proc_parent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define UNIX_LISTEN_STATE 10 /* TCP_LISTEN: the state of a listening UNIX socket */
#define DUMP_WAIT_MS 2000

int unix_diag_find(const void *buf, size_t len, unsigned major, unsigned minor,
		   uint64_t ino, uint32_t *sk_ino)
{
	const unsigned char *p = buf;
	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		memcpy(&h, p, sizeof h);
		if (h.nlmsg_len < sizeof h || h.nlmsg_len > len)
			return -1;
		if (h.nlmsg_type == NLMSG_DONE)
			return 2;
		if (h.nlmsg_type == NLMSG_ERROR)
			return -1;
		size_t body = h.nlmsg_len - sizeof h;
		const unsigned char *m = p + sizeof h;
		if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY && body >= sizeof(struct unix_diag_msg)) {
			struct unix_diag_msg msg;
			memcpy(&msg, m, sizeof msg);
			size_t off = NLMSG_ALIGN(sizeof msg);
			while (off + sizeof(struct rtattr) <= body) {
				struct rtattr a;
				memcpy(&a, m + off, sizeof a);
				if (a.rta_len < sizeof a || a.rta_len > body - off)
					break;
				if (a.rta_type == UNIX_DIAG_VFS &&
				    a.rta_len >= RTA_LENGTH(sizeof(struct unix_diag_vfs))) {
					struct unix_diag_vfs v;
					memcpy(&v, m + off + RTA_LENGTH(0), sizeof v);
					/* the kernel's own dev_t: major in the top 12 bits */
					if (v.udiag_vfs_ino == (uint32_t)ino &&
					    v.udiag_vfs_dev >> 20 == major &&
					    (v.udiag_vfs_dev & 0xfffff) == minor) {
						*sk_ino = msg.udiag_ino;
						return 1;
					}
				}
				off += RTA_ALIGN(a.rta_len);
			}
		}
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

int unix_listener_of(int fd, uint32_t *sk_ino)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return errno;
	if (!S_ISSOCK(st.st_mode))
		return ECONNREFUSED;
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return errno;
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req;
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = 1u << UNIX_LISTEN_STATE;
	req.r.udiag_show = UDIAG_SHOW_VFS;
	int rc = ECONNREFUSED;
	if (send(nl, &req, sizeof req, 0) != (ssize_t)sizeof req) {
		rc = errno;
		goto out;
	}
	static _Thread_local unsigned char buf[32768];
	for (;;) {
		struct pollfd pf = {nl, POLLIN, 0};
		if (poll(&pf, 1, DUMP_WAIT_MS) != 1) {
			rc = ETIMEDOUT;
			break;
		}
		ssize_t n = recv(nl, buf, sizeof buf, 0);
		if (n <= 0) {
			rc = n < 0 ? errno : EIO;
			break;
		}
		int f = unix_diag_find(buf, (size_t)n, major(st.st_dev), minor(st.st_dev),
				       (uint64_t)st.st_ino, sk_ino);
		if (f == 1) {
			rc = 0;
			/* the rest of the dump is dropped with the socket */
			break;
		}
		if (f == 2)
			break; /* nothing listens there: ECONNREFUSED, as connect() would say */
		if (f < 0) {
			rc = EIO;
			break;
		}
	}
out:
	close(nl);
	return rc;
}

static int is_below(pid_t pid, pid_t root)
{
	for (int depth = 0; pid > 1 && depth < 4096; depth++) {
		if (pid == root)
			return 1;
		pid = proc_parent(pid);
	}
	return pid == root;
}

static int holds(pid_t pid, const char *want)
{
	char path[48], link[64];
	snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
		if (n > 0) {
			link[n] = '\0';
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return found;
}

int unix_held_below(pid_t root, uint32_t sk_ino)
{
	char want[32];
	snprintf(want, sizeof want, "socket:[%u]", sk_ino);
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		found = holds((pid_t)pid, want) && is_below((pid_t)pid, root);
	}
	closedir(d);
	return found;
}
