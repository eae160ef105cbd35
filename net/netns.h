/* netns.h: setting up the sandbox's own network namespace from inside it. */
#ifndef AIRLOCK_NETNS_H
#define AIRLOCK_NETNS_H

#include <stdint.h>

/* Brings the loopback interface `lo` up (the kernel then gives it 127.0.0.1 and ::1).
 * Returns 0, or -1 with errno. */
int netns_loopback_up(void);

/* A non-blocking, close-on-exec TCP socket listening on `addr` (numeric "127.0.0.1" or
 * "::1") port `port`. Returns the fd, or -1 with errno. */
int netns_listen(const char *addr, uint16_t port);

#endif
