/* sandbox_limit.c: see sandbox_limit.h. */
#include "init/sandbox/sandbox_limit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/base/log.h"

/* Whether the comma-separated `list` (length n) holds `item`. */
static int has_item(const char *list, size_t n, const char *item)
{
	size_t il = strlen(item);
	const char *end = list + n;
	while (list < end) {
		const char *c = memchr(list, ',', (size_t)(end - list));
		size_t len = c ? (size_t)(c - list) : (size_t)(end - list);
		if (len == il && memcmp(list, item, il) == 0)
			return 1;
		list += len + 1;
	}
	return 0;
}

/* The next line of `*s` as [start, end); NULL at the end. */
static const char *next_line(const char **s, const char **end)
{
	if (!**s)
		return NULL;
	const char *b = *s, *e = strchr(b, '\n');
	*end = e ? e : b + strlen(b);
	*s = e ? e + 1 : *end;
	return b;
}

/* Our cgroup's path in hierarchy v1 "pids" (v2 = 0) or in the unified one (v2 = 1). */
static int cgroup_path(const char *proc_cgroup, int v2, char *out, size_t outlen)
{
	const char *s = proc_cgroup, *e, *b;
	while ((b = next_line(&s, &e))) {
		const char *c1 = memchr(b, ':', (size_t)(e - b));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
		if (!c2)
			continue;
		int match = v2 ? (c1 - b == 1 && b[0] == '0' && c2 == c1 + 1)
			       : has_item(c1 + 1, (size_t)(c2 - c1 - 1), "pids");
		size_t n = (size_t)(e - c2 - 1);
		if (match && n > 0 && n < outlen && c2[1] == '/') {
			memcpy(out, c2 + 1, n);
			out[n] = 0;
			return 0;
		}
	}
	return -1;
}

/* The mount of hierarchy v1 "pids" or v2: its root in the hierarchy and mount point. */
static int cgroup_mount(const char *mountinfo, int v2, char *root, char *mnt, size_t len)
{
	const char *s = mountinfo, *e, *b;
	while ((b = next_line(&s, &e))) {
		char line[4096];
		size_t n = (size_t)(e - b);
		if (n >= sizeof line)
			continue;
		memcpy(line, b, n);
		line[n] = 0;
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = 0;
		char fstype[64], source[256], opts[1024], r[2048], m[2048];
		if (sscanf(sep + 3, "%63s %255s %1023s", fstype, source, opts) != 3 ||
		    sscanf(line, "%*s %*s %*s %2047s %2047s", r, m) != 2)
			continue;
		int match = v2 ? strcmp(fstype, "cgroup2") == 0
			       : strcmp(fstype, "cgroup") == 0 && has_item(opts, strlen(opts), "pids");
		if (match && strlen(r) < len && strlen(m) < len) {
			memcpy(root, r, strlen(r) + 1);
			memcpy(mnt, m, strlen(m) + 1);
			return 0;
		}
	}
	return -1;
}

int sandbox_limit_cgroup_dir(const char *proc_cgroup, const char *mountinfo, char *out,
			     size_t outlen, int *v2)
{
	for (int v = 0; v <= 1; v++) {
		char path[2048], root[2048], mnt[2048];
		if (cgroup_path(proc_cgroup, v, path, sizeof path) < 0 ||
		    cgroup_mount(mountinfo, v, root, mnt, sizeof root) < 0)
			continue;
		/* The path is seen from the mount's root: it must lie beneath it. */
		size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
		if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != 0))
			continue;
		const char *rest = path + rl;
		if (strcmp(rest, "/") == 0)
			rest = "";
		if (snprintf(out, outlen, "%s%s", mnt, rest) >= (int)outlen)
			continue;
		*v2 = v;
		return 0;
	}
	return -1;
}

static char *read_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == cap) {
			char *nb = cap < (8u << 20) ? realloc(buf, 2 * cap + 1) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (buf)
		buf[got] = 0;
	return buf;
}

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Whether the v2 cgroup `dir` hands the pids controller to its children. It is not
 * turned on here: that would change the host's cgroup set-up for every sibling (and a
 * cgroup holding processes, as ours does unless it is the root, cannot anyway). */
static int v2_pids_for_children(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
	char *ctl = read_text(path);
	int on = 0;
	for (char *w = ctl ? strtok(ctl, " \n") : NULL; w; w = strtok(NULL, " \n"))
		on |= strcmp(w, "pids") == 0;
	free(ctl);
	return on;
}

/* A supervisor that was killed (SIGKILL) could not remove its cgroup: empty ones of
 * supervisors that are gone are removed here (rmdir fails on one still in use). A
 * supervisor in another PID namespace looks gone from here, so only cgroups older than
 * a minute go: a live one fills its own within milliseconds of making it. */
static void remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);
	while (d && (de = readdir(d))) {
		char *end;
		if (strncmp(de->d_name, "airlock-", 8) != 0)
			continue;
		long pid = strtol(de->d_name + 8, &end, 10);
		if ((*end && *end != '-') || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char path[4200];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && now - st.st_mtime > 60)
			rmdir(path);
	}
	if (d)
		closedir(d);
}

/* Tries to make the sandbox's pids cgroup; returns 0, or -1 with a reason in `why`. */
static int make_cgroup(struct sandbox_limit *l, char *why, size_t whylen)
{
	char *pc = read_text("/proc/self/cgroup"), *mi = read_text("/proc/self/mountinfo");
	char dir[2048];
	int v2 = 0;
	int rc = pc && mi ? sandbox_limit_cgroup_dir(pc, mi, dir, sizeof dir, &v2) : -1;
	free(pc);
	free(mi);
	if (rc < 0) {
		snprintf(why, whylen, "no pids cgroup is mounted here");
		return -1;
	}
	if (v2 && !v2_pids_for_children(dir)) {
		snprintf(why, whylen, "the pids controller is not enabled for children of %s",
			 dir);
		return -1;
	}
	remove_stale(dir);
	/* The pid names it for people; the random part keeps supervisors of other PID
	 * namespaces sharing this folder from meeting on one name. */
	unsigned tag = 0;
	if (getrandom(&tag, sizeof tag, 0) != sizeof tag)
		tag = (unsigned)time(NULL);
	snprintf(l->cgroup, sizeof l->cgroup, "%s/airlock-%ld-%08x", dir, (long)getpid(), tag);
	char max[32];
	snprintf(max, sizeof max, "%u", l->max);
	if (mkdir(l->cgroup, 0755) < 0) {
		snprintf(why, whylen, "cannot create %s: %s", l->cgroup, strerror(errno));
		l->cgroup[0] = 0;
		return -1;
	}
	if (write_text(l->cgroup, "pids.max", max) < 0) {
		snprintf(why, whylen, "cannot set pids.max in %s: %s", l->cgroup, strerror(errno));
		rmdir(l->cgroup);
		l->cgroup[0] = 0;
		return -1;
	}
	return 0;
}

/* How many processes other than ours have `uid` as their real uid. */
static unsigned others_with_uid(uid_t uid)
{
	DIR *d = opendir("/proc");
	unsigned n = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof path, "/proc/%s/status", de->d_name);
		char *st = read_text(path);
		const char *u = st ? strstr(st, "\nUid:") : NULL;
		unsigned long real;
		if (u && sscanf(u + 5, "%lu", &real) == 1 && real == (unsigned long)uid)
			n++;
		free(st);
	}
	if (d)
		closedir(d);
	return n;
}

int sandbox_limit_prepare(struct sandbox_limit *l, unsigned max, uid_t uid, int own_userns)
{
	memset(l, 0, sizeof *l);
	l->max = max;
	char why[4400];
	if (make_cgroup(l, why, sizeof why) == 0) {
		log_verbose("process limit: %u processes and threads, by the pids cgroup %s", max,
			    l->cgroup);
		return 0;
	}
	l->rlimit = max;
	if (own_userns) {
		log_verbose("process limit: %u processes and threads, by RLIMIT_NPROC in the "
			    "sandbox's own user namespace (no pids cgroup: %s)", max, why);
		return 0;
	}
	unsigned others = others_with_uid(uid);
	if (others == 0) {
		log_verbose("process limit: %u processes and threads, by RLIMIT_NPROC on uid %u, "
			    "which no other process uses (no pids cgroup: %s)",
			    max, (unsigned)uid, why);
		return 0;
	}
	log_msg("warning: max_processes = %u is enforced by RLIMIT_NPROC on uid %u, which "
		"%u other process(es) on this host also use: they count against the limit (no "
		"pids cgroup: %s; give the sandbox a uid of its own, or run it where airlock can "
		"create a pids cgroup)",
		max, (unsigned)uid, others, why);
	return 0;
}

int sandbox_limit_attach(const struct sandbox_limit *l, pid_t child)
{
	if (!l->cgroup[0])
		return 0;
	char pid[32];
	snprintf(pid, sizeof pid, "%ld", (long)child);
	if (write_text(l->cgroup, "cgroup.procs", pid) < 0) {
		log_msg("cannot put the sandbox in its pids cgroup %s: %s", l->cgroup,
			strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_limit_apply_rlimit(unsigned rlimit)
{
	if (!rlimit)
		return 0;
	/* A lower hard limit set by the container (podman --ulimit nproc) stays: raising it
	 * takes a privilege the sandbox must not need, and lower is stricter. */
	struct rlimit now, r = {rlimit, rlimit};
	if (getrlimit(RLIMIT_NPROC, &now) == 0 && now.rlim_max != RLIM_INFINITY &&
	    now.rlim_max < r.rlim_max) {
		log_verbose("process limit: the hard RLIMIT_NPROC here is %llu, below "
			    "max_processes = %u: %llu applies",
			    (unsigned long long)now.rlim_max, rlimit,
			    (unsigned long long)now.rlim_max);
		r.rlim_cur = r.rlim_max = now.rlim_max;
	}
	return setrlimit(RLIMIT_NPROC, &r);
}

void sandbox_limit_release(struct sandbox_limit *l)
{
	if (!l->cgroup[0])
		return;
	/* The sandbox's processes are gone once its PID 1 was reaped, but the kernel may
	 * take a moment to release the last of them from the cgroup. */
	for (int i = 0; i < 50 && rmdir(l->cgroup) < 0 && errno == EBUSY; i++) {
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	l->cgroup[0] = 0;
}
