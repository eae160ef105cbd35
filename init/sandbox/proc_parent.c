/* proc_parent.c: see proc_parent.h. */
#include "init/sandbox/proc_parent.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

pid_t proc_parent(pid_t pid)
{
	char path[48], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold spaces and ')', so use the last ')'. */
	char *p = strrchr(buf, ')');
	char state;
	long ppid;
	if (!p || sscanf(p + 1, " %c %ld", &state, &ppid) != 2 || state == 'Z')
		return -1;
	return (pid_t)ppid;
}
