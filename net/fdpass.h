/* fdpass.h: handing sockets from the sandbox's side to the supervisor.
 *
 * The sandbox's listeners must be created inside its network namespace, but they are
 * served by the supervisor, outside. The child creates them and sends them over a UNIX
 * socketpair (SCM_RIGHTS), each with a small tag saying what it is for.
 */
#ifndef AIRLOCK_FDPASS_H
#define AIRLOCK_FDPASS_H

#include <stddef.h>
#include <stdint.h>

/* Sends `fd` with the 32-bit `tag` over the UNIX socket `sock`. Returns 0 or -1 (errno). */
int fdpass_send(int sock, int fd, uint32_t tag);

/* Receives one fd and its tag. Returns the fd (close-on-exec), or -1 with errno set;
 * errno is 0 at end of stream (the sender closed its end). */
int fdpass_recv(int sock, uint32_t *tag);

/* One message of up to len bytes on a SOCK_SEQPACKET socket, with `fd` attached when
 * it is >= 0 (the typed messages between the supervisor's processes, init/privsep.h).
 * Returns 0, or -1 with errno. */
int fdpass_sendmsg(int sock, const void *buf, size_t len, int fd);

/* Receives one message into buf (cap bytes; a longer one is cut, and refused with
 * EMSGSIZE) and the fd attached to it (close-on-exec) into *fd, or -1 when none.
 * Returns the message's length, 0 at end of stream, or -1 with errno. */
long fdpass_recvmsg(int sock, void *buf, size_t cap, int *fd);

#endif
