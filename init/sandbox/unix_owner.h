/* unix_owner.h: whose listening UNIX socket is a socket file? In isolation unprivileged
 * the sandbox may connect only to named sockets its own processes listen on: a host
 * process's socket left in a folder the sandbox can reach (the workspace, its TMPDIR)
 * stays closed whatever its owner and mode, since the sandbox shares the caller's uid.
 *
 * The kernel's sock_diag (NETLINK_SOCK_DIAG, UDIAG_SHOW_VFS) maps a socket file's device
 * and inode to the listening socket bound to it; /proc/PID/fd of the sandbox's processes
 * shows whether one of them holds that socket. Both are read when the connect is asked
 * for, on the file the connect will use, so nothing can be swapped in between.
 */
#ifndef AIRLOCK_UNIX_OWNER_H
#define AIRLOCK_UNIX_OWNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* I/O-free: looks through `len` bytes of a NETLINK_SOCK_DIAG dump of UNIX sockets (with
 * UDIAG_SHOW_VFS) for the socket whose file is on device major:minor with inode `ino`
 * (the kernel gives the inode's low 32 bits); stores that socket's inode in *sk_ino.
 * Returns 1 found, 0 not in these bytes (read on), 2 the dump ended (NLMSG_DONE), -1 an
 * error message or bytes that are not netlink messages. */
int unix_diag_find(const void *buf, size_t len, unsigned major, unsigned minor,
		   uint64_t ino, uint32_t *sk_ino);

/* The listening socket bound to the socket file open as `fd` (O_PATH is enough): its
 * socket inode in *sk_ino. Returns 0, ECONNREFUSED when nothing listens on it, or
 * another errno. */
int unix_listener_of(int fd, uint32_t *sk_ino);

/* Whether process `root` or a process below it holds the socket `sk_ino` (in its
 * /proc/PID/fd). 1 yes, 0 no. */
int unix_held_below(pid_t root, uint32_t sk_ino);

#endif
