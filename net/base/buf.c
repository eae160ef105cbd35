/* buf.c: filling a byte buffer from a socket (see buf.h). */
#include "net/base/buf.h"

#include <errno.h>
#include <sys/socket.h>

long buf_fill_fd(struct buf *b, int fd)
{
	size_t cap = buf_fill_cap(b);
	if (b->end >= cap)
		buf_compact(b);
	if (b->end >= cap)
		return -1;
	ssize_t n = recv(fd, b->data + b->end, cap - b->end, 0);
	if (n > 0) {
		b->end += (size_t)n;
		return n;
	}
	if (n == 0)
		return 0;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
}
