/* connect_notify.c: see connect_notify.h. */
#include "init/sandbox/connect_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "init/sandbox/unix_owner.h"
#include "net/base/log.h"
#include "net/fdpass.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef AUDIT_ARCH_X86_64
#define AUDIT_ARCH_X86_64 0xc000003eU
#endif
#define X32_BIT 0x40000000

/* How long one connect may hold the thread (a full listen queue): the loopback
 * handshake takes microseconds otherwise. */
#define CONNECT_WAIT_MS 2000

/* connect(2) of the native ABI or x32; anything else the filter hands over (i386's
 * socketcall) is refused. */
static int is_connect(const struct seccomp_notif *req)
{
#if defined(__x86_64__)
	return req->data.arch == AUDIT_ARCH_X86_64 &&
	       (req->data.nr == SYS_connect || req->data.nr == (X32_BIT | 42));
#else
	return req->data.nr == SYS_connect;
#endif
}

/* connect() on `sock`, which the caller shares, bounded in time: the open file's
 * O_NONBLOCK is set for the call and put back. 0 or an errno; EINPROGRESS only for a
 * socket that was non-blocking and is still connecting. */
static int connect_bounded(int sock, const struct sockaddr *sa, socklen_t len)
{
	int fl = fcntl(sock, F_GETFL);
	int nb = fl >= 0 && (fl & O_NONBLOCK);
	if (fl >= 0 && !nb)
		(void)fcntl(sock, F_SETFL, fl | O_NONBLOCK);
	int rc = connect(sock, sa, len) == 0 ? 0 : errno;
	if (rc == EINPROGRESS) {
		struct pollfd p = {sock, POLLOUT, 0};
		if (poll(&p, 1, CONNECT_WAIT_MS) == 1) {
			int e = 0;
			socklen_t el = sizeof e;
			rc = getsockopt(sock, SOL_SOCKET, SO_ERROR, &e, &el) == 0 ? e : errno;
		} else {
			rc = nb ? EINPROGRESS : ETIMEDOUT;
		}
	}
	if (fl >= 0 && !nb)
		(void)fcntl(sock, F_SETFL, fl);
	return rc;
}

/* Connects `sock` (of `domain`) to 127.0.0.1:port, as ::ffff:127.0.0.1 for IPv6. */
static int connect_loopback(int sock, int domain, uint16_t port)
{
	if (domain == AF_INET) {
		struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return connect_bounded(sock, (struct sockaddr *)&in, sizeof in);
	}
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	in6.sin6_addr.s6_addr[10] = in6.sin6_addr.s6_addr[11] = 0xff;
	in6.sin6_addr.s6_addr[12] = 127;
	in6.sin6_addr.s6_addr[15] = 1;
	return connect_bounded(sock, (struct sockaddr *)&in6, sizeof in6);
}

/* A redirect: to the redirect listener, then the PROXY line naming the destination,
 * before the caller can write (it waits in connect() until answered). */
static int connect_redirect(int sock, int domain, const struct connect_decision *d)
{
	int rc = connect_loopback(sock, domain, d->port);
	if (rc)
		return rc;
	char line[128];
	size_t n = connect_rule_proxy_line(d, line, sizeof line);
	if (!n || send(sock, line, n, MSG_NOSIGNAL) != (ssize_t)n)
		return ECONNREFUSED;
	return 0;
}

/* 0 when a process of the sandbox listens on the socket file open as `fd`; else the
 * errno the caller's connect gets, said with -v: ECONNREFUSED when nothing of the
 * sandbox's network namespace listens there (in a namespace mode, a host process's
 * socket is not in it), EACCES when a process outside the sandbox does. */
static int sandbox_listens(int fd, const char *path)
{
	uint32_t sk = 0;
	int rc = unix_listener_of(fd, &sk);
	if (rc == 0 && !unix_held_below(getpid(), sk))
		rc = EACCES;
	if (rc == ECONNREFUSED || rc == EACCES)
		log_verbose("sandbox: connect to the UNIX socket %s refused: no process of the "
			    "sandbox listens on it%s; reach a host service through a [network] "
			    "forward port instead", path,
			    rc == EACCES ? " (a host process's socket)" : "");
	return rc;
}

/* Connects `sock` to the socket file open as `fd` (closed here) if a process of the
 * sandbox listens on it: through /proc/self/fd, so the socket reached is the one
 * checked. 0 or an errno. */
static int connect_checked(int sock, int fd, const char *path)
{
	int rc = sandbox_listens(fd, path);
	if (rc == 0) {
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		snprintf(un.sun_path, sizeof un.sun_path, "/proc/self/fd/%d", fd);
		rc = connect_bounded(sock, (struct sockaddr *)&un, sizeof un);
	}
	close(fd);
	return rc;
}

/* A named UNIX socket: only beneath one of the writable folders, looked up from there
 * with RESOLVE_BENEATH (no link leads out), only one that a process of the sandbox
 * listens on (unix_owner.h: a host process's socket there stays closed), and reached
 * through the O_PATH fd, so the socket connected to is the one checked. */
static int connect_unix(const struct connect_notify *n, pid_t pid, int sock,
			const char *path)
{
	char abs[PATH_MAX + 128];
	if (path[0] == '/') {
		snprintf(abs, sizeof abs, "%s", path);
	} else {
		char cwd[64];
		snprintf(cwd, sizeof cwd, "/proc/%ld/cwd", (long)pid);
		ssize_t k = readlink(cwd, abs, PATH_MAX);
		if (k <= 0)
			return EACCES;
		snprintf(abs + k, sizeof abs - (size_t)k, "/%s", path);
	}
	for (size_t i = 0; n->writable && n->writable[i]; i++) {
		const char *root = n->writable[i];
		size_t rl = strlen(root);
		if (strncmp(abs, root, rl) != 0 || abs[rl] != '/')
			continue;
		int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct open_how how = {.flags = O_PATH | O_CLOEXEC,
				       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
		int fd = dir < 0 ? -1 : (int)syscall(SYS_openat2, dir, abs + rl + 1, &how, sizeof how);
		int rc = fd < 0 ? errno : 0;
		if (dir >= 0)
			close(dir);
		return rc ? rc : connect_checked(sock, fd, abs);
	}
	log_verbose("sandbox: connect to the UNIX socket %s refused: it is not beneath a "
		    "read_write path (isolation unprivileged)", abs);
	return EACCES;
}

/* The namespace modes: the sandbox's mount namespace already decides which socket files
 * exist; the path is looked up as the caller's connect would (relative to its working
 * folder, links followed), and only a socket a process of the sandbox listens on is
 * reached, through the O_PATH fd that was checked. */
static int connect_unix_namespaced(pid_t pid, int sock, const char *path)
{
	char cwd[64];
	snprintf(cwd, sizeof cwd, "/proc/%ld/cwd", (long)pid);
	int at = path[0] == '/' ? AT_FDCWD : open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (path[0] != '/' && at < 0)
		return EACCES;
	int fd = openat(at, path, O_PATH | O_CLOEXEC);
	int rc = fd < 0 ? errno : 0;
	if (at >= 0)
		close(at);
	if (rc)
		return rc;
	return connect_checked(sock, fd, path);
}

/* Does what the decision says on the caller's socket: 0 or an errno. */
static int perform(const struct connect_notify *n, pid_t pid, int sock, int domain,
		   const unsigned char *addr, size_t len, const struct connect_decision *d)
{
	switch (d->verdict) {
	case CONNECT_ROUTE:
		return connect_loopback(sock, domain, d->port);
	case CONNECT_REDIRECT:
		return connect_redirect(sock, domain, d);
	case CONNECT_AS_GIVEN:
		return connect_bounded(sock, (const struct sockaddr *)addr, (socklen_t)len);
	case CONNECT_UNIX_PATH:
		return n->table.namespaced ? connect_unix_namespaced(pid, sock, d->path)
					   : connect_unix(n, pid, sock, d->path);
	case CONNECT_ERRNO:
		break;
	}
	return d->err;
}

/* The caller's socket, as a descriptor of ours; -errno on failure. */
static int take_socket(int listener, const struct seccomp_notif *req, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, req->pid, 0);
	if (pidfd < 0)
		return -EPERM;
	/* The pidfd is the caller's only if it is still waiting on this notification. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) != 0) {
		close(pidfd);
		return -ENOENT;
	}
	int sock = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int e = errno;
	close(pidfd);
	return sock >= 0 ? sock : e == EBADF ? -EBADF : -EPERM;
}

/* The answer to one notification: 0 or -errno. */
static int answer(const struct connect_notify *n, const struct seccomp_notif *req)
{
	if (!is_connect(req))
		return -EPERM;
	int fd = (int)req->data.args[0];
	int ilen = (int)req->data.args[2];
	unsigned char addr[sizeof(struct sockaddr_storage)];
	if (ilen < 0 || (size_t)ilen > sizeof addr)
		return -EINVAL;
	size_t len = (size_t)ilen;
	struct iovec mine = {addr, len};
	struct iovec theirs = {(void *)(uintptr_t)req->data.args[1], len};
	if (len && process_vm_readv(req->pid, &mine, 1, &theirs, 1, 0) != (ssize_t)len)
		return errno == EFAULT ? -EFAULT : -EPERM;
	int sock = take_socket(n->listener, req, fd);
	if (sock < 0)
		return sock;
	int domain = 0, type = 0;
	socklen_t ol = sizeof domain;
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &ol) != 0 ||
	    getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &(socklen_t){sizeof type}) != 0) {
		close(sock);
		return -ENOTSOCK;
	}
	struct connect_decision d;
	connect_rule_decide(domain, type, addr, len, &n->table, &d);
	int rc = perform(n, req->pid, sock, domain, addr, len, &d);
	close(sock);
	return -rc;
}

static void *serve(void *arg)
{
	struct connect_notify *n = arg;
	/* Every signal stays the reaper's main thread's to take and forward: musl starts a
	 * thread with its internal signals 32-34 unblocked, and a process-directed signal
	 * 34 taken here would never reach CMD. Written directly, since libc's calls leave
	 * those out. */
	uint64_t all = ~0ULL;
	(void)syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, sizeof all);
	if (n->listener < 0) {
		uint32_t tag;
		n->listener = fdpass_recv(n->channel, &tag);
		close(n->channel);
		if (n->listener < 0)
			return NULL; /* CMD did not start under the filter: nothing to answer */
	}
	for (;;) {
		struct pollfd p = {n->listener, POLLIN, 0};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!(p.revents & POLLIN))
			break; /* POLLHUP: no process is left under the filter */
		struct seccomp_notif req;
		memset(&req, 0, sizeof req);
		if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			break;
		}
		struct seccomp_notif_resp resp = {.id = req.id};
		resp.error = answer(n, &req);
		/* ENOENT: the caller is gone (killed while waiting) */
		(void)ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	return NULL;
}

int connect_notify_start(struct connect_notify *n)
{
	/* musl unblocks its internal signals 33 and 34 in the calling thread when the first
	 * thread is made; the reaper forwards 34 to CMD, so its mask is put back. */
	uint64_t mask = 0;
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &mask, sizeof mask);
	pthread_t t;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &at, serve, n);
	pthread_attr_destroy(&at);
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof mask);
	return rc;
}
