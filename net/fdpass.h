/* fdpass.h: handing sockets from the sandbox's side to the supervisor.
 *
 * The sandbox's listeners must be created inside its network namespace, but they are
 * served by the supervisor, outside. The child creates them and sends them over a UNIX
 * socketpair (SCM_RIGHTS), each with a small tag saying what it is for.
 */
#ifndef AIRLOCK_FDPASS_H
#define AIRLOCK_FDPASS_H

#include <stdint.h>

/* Sends `fd` with the 32-bit `tag` over the UNIX socket `sock`. Returns 0 or -1 (errno). */
int fdpass_send(int sock, int fd, uint32_t tag);

/* Receives one fd and its tag. Returns the fd (close-on-exec), or -1 with errno set;
 * errno is 0 at end of stream (the sender closed its end). */
int fdpass_recv(int sock, uint32_t *tag);

#endif
