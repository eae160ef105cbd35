/* net/base/file.c: the one whole-file reader, on regular files and pipes, at and past
 * its limit. */
#include "test/unit/harness.h"
#include "net/base/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int tmpfile_with(const char *text, size_t n)
{
	char path[] = "/tmp/airlock-file-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, text, n) != (ssize_t)n)
		return -1;
	lseek(fd, 0, SEEK_SET);
	return fd;
}

TEST(file_read_fd_reads_a_regular_file_whole_and_terminates_it)
{
	int fd = tmpfile_with("abc\0def", 7);
	char *buf;
	size_t len;
	CHECK(fd >= 0 && file_read_fd(fd, 7, &buf, &len) == 0);
	CHECK_EQ_INT(len, 7);
	CHECK(memcmp(buf, "abc\0def", 8) == 0); /* and the NUL after it */
	free(buf);
	close(fd);
}

TEST(file_read_fd_refuses_one_byte_past_the_limit)
{
	int fd = tmpfile_with("12345678", 8);
	char *buf = (char *)1;
	size_t len = 9;
	errno = 0;
	CHECK(fd >= 0 && file_read_fd(fd, 7, &buf, &len) < 0);
	CHECK_EQ_INT(errno, EFBIG);
	CHECK(buf == NULL && len == 0);
	close(fd);
}

TEST(file_read_fd_grows_for_a_pipe_and_reads_an_empty_one)
{
	int p[2];
	CHECK(pipe(p) == 0);
	static char big[60000];
	memset(big, 'x', sizeof big);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], big, sizeof big) == (ssize_t)sizeof big ? 0 : 1);
	}
	close(p[1]);
	char *buf;
	size_t len;
	CHECK(file_read_fd(p[0], 1 << 20, &buf, &len) == 0);
	CHECK_EQ_INT(len, sizeof big);
	CHECK(len == sizeof big && memcmp(buf, big, len) == 0 && buf[len] == 0);
	free(buf);
	close(p[0]);
	waitpid(pid, NULL, 0);
	CHECK(pipe(p) == 0);
	close(p[1]);
	CHECK(file_read_fd(p[0], 10, &buf, &len) == 0);
	CHECK_EQ_INT(len, 0);
	CHECK(buf && buf[0] == 0);
	free(buf);
	close(p[0]);
}
