/* control.h: sandbox-exec's control socket (--control PATH), served by the proxy
 * worker. The monitor makes the socket (mode 0600, owned by the caller, outside the
 * sandbox) and hands it over; here each connection's peer credentials are checked (the
 * caller's uid only), and its requests, one JSON object per line (control_msg.h), get
 * one JSON object per line back: {"ok":true,...} or {"ok":false,"error":"..."}. This is
 * what a runner's UI needs to show a person what was denied and apply the answer
 * without restarting the agent. */
#ifndef AIRLOCK_CONTROL_H
#define AIRLOCK_CONTROL_H

#include <sys/types.h>

#include "init/proxy_worker.h"

/* Serves the listening socket listen_fd on w's loop for peers of uid `owner`; `mode`
 * names the isolation mode for `status`. Returns 0, or -1 (listen_fd is closed). */
int control_start(struct worker *w, int listen_fd, uid_t owner, const char *mode);

/* The proxy's on_denial hook: counts the denial and sends it to `denials` streams. */
void control_on_denial(void *arg, const struct proxy_denial *d);

#endif
