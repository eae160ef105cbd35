/* ca_files.c: see ca_files.h. */
#include "init/sandbox/ca_files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_new(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd >= 0 && fchmod(fd, 0644) < 0) { /* whatever the caller's umask */
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The roots into fd, by offset (the roots' own file position is left alone, as the fd
 * is shared with the process that opened it), then a newline if they end without one. */
static int copy_roots(int fd, int roots)
{
	struct stat st;
	if (fstat(roots, &st) < 0)
		return -1;
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, roots, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break; /* it shrank meanwhile: what there was */
	}
	char last = '\n';
	if (off > 0 && pread(roots, &last, 1, off - 1) != 1)
		return -1;
	return last == '\n' ? 0 : write_all(fd, "\n", 1);
}

static int finish(int fd, int rc)
{
	int e = errno;
	if (close(fd) < 0 && rc == 0)
		return -1;
	errno = e;
	return rc;
}

int ca_files_write(const struct ca_files *f, const char *ca_path, const char *bundle_path,
		   const char **failed)
{
	*failed = ca_path;
	int fd = open_new(ca_path);
	if (fd < 0 || finish(fd, write_all(fd, f->ca_pem, f->ca_pem_len)) < 0)
		return -1;
	*failed = bundle_path;
	fd = open_new(bundle_path);
	if (fd < 0)
		return -1;
	int rc = f->roots_fd >= 0 ? copy_roots(fd, f->roots_fd) : 0;
	if (rc == 0)
		rc = write_all(fd, f->ca_pem, f->ca_pem_len);
	return finish(fd, rc);
}
