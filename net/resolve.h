/* resolve.h: name resolution that never blocks the event loop.
 *
 * getaddrinfo() (musl's honours /etc/hosts and /etc/resolv.conf) runs on a small pool of
 * worker threads, started on the first request (so a process that forks before any
 * lookup has no threads yet). Results come back on the loop's thread through an eventfd
 * and are delivered to the request's callback there. A request can be cancelled at any
 * time before its callback runs (e.g. its connection closed): the callback then never
 * runs and its argument is never touched.
 */
#ifndef AIRLOCK_NET_RESOLVE_H
#define AIRLOCK_NET_RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/loop.h"

#define RESOLVE_MAX_ADDRS 16
#define RESOLVE_THREADS 4

struct resolve_result {
	int error;              /* 0, or a getaddrinfo EAI_* code */
	const char *why;        /* gai_strerror text when error != 0 */
	size_t naddrs;          /* in the order getaddrinfo gave them */
	struct sockaddr_storage addrs[RESOLVE_MAX_ADDRS];
	socklen_t lens[RESOLVE_MAX_ADDRS];
};

/* Runs on the loop's thread; `res` is valid only during the call. */
typedef void (*resolve_cb)(void *arg, const struct resolve_result *res);

struct resolver;
struct resolve_req;

/* A resolver delivering on loop `l` with up to `nthreads` workers. NULL on failure. */
struct resolver *resolver_new(struct loop *l, int nthreads);

/* Stops delivering and releases the resolver; workers still inside getaddrinfo finish
 * on their own and free what is left. */
void resolver_free(struct resolver *r);

/* Starts resolving host (a name or a numeric address) for TCP port `port`. Returns the
 * request, or NULL (out of memory, or the workers could not be started). */
struct resolve_req *resolver_start(struct resolver *r, const char *host, uint16_t port,
				   resolve_cb cb, void *arg);

/* Cancels a request whose callback has not run yet. */
void resolver_cancel(struct resolver *r, struct resolve_req *q);

#endif
