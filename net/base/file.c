/* file.c: see file.h. */
#include "net/base/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void discard(char *buf, size_t n)
{
	if (buf)
		explicit_bzero(buf, n);
	free(buf);
}

int file_read_fd(int fd, size_t max, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	struct stat st;
	/* A regular file's size is a good first guess; one byte more sees it grow. */
	size_t cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
			     (size_t)st.st_size <= max ? (size_t)st.st_size + 1 : 4096;
	size_t n = 0;
	char *buf = NULL;
	for (;;) {
		if (n == cap || !buf) {
			size_t want = buf ? cap * 2 : cap;
			if (want > max + 1)
				want = max + 1;
			char *nb = want > n ? malloc(want + 1) : NULL;
			if (!nb) {
				discard(buf, n);
				errno = n > max ? EFBIG : ENOMEM;
				return -1;
			}
			if (buf)
				memcpy(nb, buf, n);
			discard(buf, n);
			buf = nb;
			cap = want;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			discard(buf, n);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			discard(buf, n);
			errno = EFBIG;
			return -1;
		}
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}
