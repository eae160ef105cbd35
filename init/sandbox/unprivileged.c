/* unprivileged.c: see unprivileged.h. */
#include "init/sandbox/unprivileged.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init/sandbox/ca_files.h"
#include "net/base/log.h"
#include "net/netns.h"
#include "policy/sandbox_env.h"

/* Whether `path` is `dir` or lies beneath it (both resolved). */
static int beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The first of the `n` policy paths that holds `real`, or NULL. */
static const char *held_by(const struct policy_path *paths, size_t n, const char *real)
{
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX];
		if (realpath(paths[i].path, dir) && beneath(real, dir))
			return paths[i].path;
	}
	return NULL;
}

void unpriv_check_policy(const struct policy *p)
{
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		char real[PATH_MAX];
		if (!s->file || !realpath(s->file, real))
			continue; /* missing: the secret's own check says so */
		const char *in = held_by(p->read_only, p->nread_only, real);
		if (!in)
			in = held_by(p->read_write, p->nread_write, real);
		if (in)
			log_fatal("%s %s lies in %s, which the sandbox is given: isolation "
				  "unprivileged has no mount namespace to mask it, so the sandbox "
				  "could read the real value; keep it outside the [filesystem] paths, "
				  "or run where a user namespace can be made (see `airlock doctor`)",
				  s->gcp ? "the [gcp] service_account" : "a [secret] file", s->file,
				  in);
	}
}

static void write_or_die(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	size_t off = 0;
	while (fd >= 0 && off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (fd < 0 || off < len || fchmod(fd, mode) != 0 || close(fd) != 0)
		log_fatal("cannot write %s (the sandbox's private folder): %s", path,
			  strerror(errno));
}

/* A listener on an ephemeral port of 127.0.0.1, standing for `port` inside (0: the
 * redirect listener, which stands for no port). Returns its real port. */
static uint16_t add_listener(struct unpriv *u, uint16_t port, unsigned tag)
{
	if (u->nlisteners == UNPRIV_MAX_LISTENERS)
		log_fatal("too many listeners for isolation unprivileged");
	int fd = netns_listen("127.0.0.1", 0);
	struct sockaddr_in in;
	socklen_t len = sizeof in;
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&in, &len) != 0)
		log_fatal("cannot listen on 127.0.0.1 for the sandbox's port %u: %s",
			  (unsigned)port, strerror(errno));
	uint16_t real = ntohs(in.sin_port);
	u->listeners[u->nlisteners++] = (struct unpriv_listener){fd, tag};
	u->ports[u->nports++] = real;
	if (!port) {
		log_verbose("sandbox-exec: other TCP connects go to the proxy's redirect "
			    "listener, 127.0.0.1:%u on the host", (unsigned)real);
		return real;
	}
	u->routes[u->nroutes++] = (struct connect_route){port, real};
	log_verbose("sandbox-exec: 127.0.0.1:%u inside is 127.0.0.1:%u on the host",
		    (unsigned)port, (unsigned)real);
	return real;
}

static void make_writable_list(struct unpriv *u, const struct policy *p)
{
	u->writable = calloc(p->nread_write + 2, sizeof *u->writable);
	size_t n = 0;
	for (size_t i = 0; u->writable && i < p->nread_write; i++) {
		char real[PATH_MAX];
		struct stat st;
		if (realpath(p->read_write[i].path, real) && stat(real, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			u->writable[n++] = strdup(real);
	}
	if (!u->writable || !(u->writable[n] = strdup(u->tmp)))
		log_fatal("out of memory preparing isolation unprivileged");
}

void unpriv_prepare(struct unpriv *u, const struct policy *p, const struct sandbox_child_args *a,
		    uid_t uid, gid_t gid)
{
	memset(u, 0, sizeof *u);
	u->owner = getpid();
	const char *base = getenv("TMPDIR");
	if (!base || base[0] != '/')
		base = "/tmp";
	char tmpl[PATH_MAX];
	snprintf(tmpl, sizeof tmpl, "%s/airlock-XXXXXX", base);
	if (!mkdtemp(tmpl) || !realpath(tmpl, u->dir))
		log_fatal("cannot make the sandbox's private folder in %s: %s (set TMPDIR to a "
			  "writable folder)", base, strerror(errno));
	if (chmod(u->dir, 0755) != 0)
		log_fatal("cannot open %s to the sandbox: %s", u->dir, strerror(errno));
	snprintf(u->tmp, sizeof u->tmp, "%s/tmp", u->dir);
	snprintf(u->secrets, sizeof u->secrets, "%s/secrets", u->dir);
	if (mkdir(u->tmp, 0700) != 0 || mkdir(u->secrets, 0755) != 0 ||
	    (geteuid() == 0 && chown(u->tmp, uid, gid) != 0))
		log_fatal("cannot make the sandbox's folders in %s: %s", u->dir, strerror(errno));
	char path[PATH_MAX + 300];
	if (a->ca_pem) {
		char bundle[PATH_MAX + 300];
		const char *failed;
		struct ca_files f = {a->ca_pem, a->ca_pem_len, a->roots_fd};
		snprintf(path, sizeof path, "%s/ca.pem", u->dir);
		snprintf(bundle, sizeof bundle, "%s/bundle.pem", u->dir);
		if (ca_files_write(&f, path, bundle, &failed) < 0)
			log_fatal("cannot write %s: %s", failed, strerror(errno));
	}
	for (size_t i = 0; i < p->nsecrets; i++) {
		if (!p->secrets[i].file || p->secrets[i].gcp || !a->views[i].data)
			continue; /* the [gcp] key: nothing of it is shown */
		snprintf(path, sizeof path, "%s/%s", u->secrets, p->secrets[i].name);
		write_or_die(path, a->views[i].data, a->views[i].len, 0444);
	}
	add_listener(u, SANDBOX_PROXY_PORT, SANDBOX_FD_PROXY);
	for (size_t f = 0; f < p->nforwards; f++)
		add_listener(u, p->forwards[f], SANDBOX_FD_FORWARD | p->forwards[f]);
	if (p->gcp)
		add_listener(u, p->gcp->metadata_port, SANDBOX_FD_METADATA | p->gcp->metadata_port);
	u->redirect_port = add_listener(u, 0, SANDBOX_FD_REDIRECT);
	make_writable_list(u, p);
}

/* Removes what is in the folder open as `dir` (closed here), following no link. */
static void remove_tree(int dir)
{
	DIR *d = fdopendir(dir);
	if (!d) {
		close(dir);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			continue;
		int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			remove_tree(sub);
			(void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

void unpriv_cleanup(const struct unpriv *u)
{
	if (!u->dir[0])
		return;
	int dir = open(u->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir >= 0)
		remove_tree(dir);
	if (rmdir(u->dir) != 0)
		log_verbose("sandbox-exec: could not remove %s: %s", u->dir, strerror(errno));
}
