/* dial.h: reaching a decided target's upstream, all in one module. In order: the
 * policy's `map` (exempt from the SSRF guard: mapping is an explicit decision); an IP
 * literal the policy allowed literally; the upstream proxy (resolved without the guard:
 * it is the supervisor's own configuration), whose answer to our CONNECT is read into the
 * caller's buffer and parsed there; else DNS on the resolver's threads, refusing answers
 * in non-public space. Addresses are tried in order, each with a connect timeout.
 *
 * A dial owns its socket, its timer and its resolver request until it ends; then it
 * gives the socket, or why there is none, to its one completion callback. It knows
 * nothing of connections. Internal to proxy/.
 */
#ifndef AIRLOCK_PROXY_DIAL_H
#define AIRLOCK_PROXY_DIAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/base/buf.h"
#include "net/loop.h"
#include "proxy/proto/http.h"

struct policy;
struct resolver;
struct resolve_req;
struct upstream_conf;
struct upstream_proxy;

#define DIAL_RESOLVE_MS (20 * 1000) /* a DNS lookup */

/* What every dial of one proxy shares. */
struct dial_env {
	struct loop *loop;
	struct resolver *resolver;
	const struct policy *const *policy; /* the policy in force (reloads replace it) */
	const struct upstream_conf *upstream;
	const uint64_t *connect_ms;         /* one attempt's timeout in force */
};

/* The end of a dial. */
struct dial_result {
	int fd;              /* the connected, non-blocking socket; -1 when it failed */
	int status;          /* failed: 502, or 504 for a timeout */
	const char *token;   /* failed: the X-Airlock-Error token */
	char notice[160];    /* failed by a refusal: why, for the one-line notice; else "" */
	char body[1024];     /* failed: airlock's answer, naming what and why */
};

/* Called once per dial_start(), possibly before dial_start() returns. */
typedef void (*dial_done_cb)(void *arg, struct dial_result *res);

enum dial_stage {
	DIAL_IDLE,
	DIAL_RESOLVING,      /* waiting for the resolver */
	DIAL_CONNECTING,     /* a non-blocking connect() on fd */
	DIAL_PROXY_ANSWER,   /* waiting for the upstream proxy's answer to CONNECT */
};

struct dial {
	enum dial_stage stage;
	const struct dial_env *env;
	dial_done_cb done;
	void *arg;
	struct buf *rx;      /* the upstream's bytes: the proxy's answer, and what follows */
	char host[HTTP_MAX_HOST + 3];
	uint16_t port;
	int tls;             /* for CONNECT (the upstream proxy for https is chosen) */
	const struct upstream_proxy *via;
	struct resolve_req *rq;
	struct loop_timer timer;
	int fd;
	struct sockaddr_storage *addrs;
	socklen_t *addrlens;
	size_t naddrs, next_addr;
	char last_err[160];  /* why the last connect attempt failed */
};

/* Prepares d (idle) for dials in env, reporting to done(arg, ...). */
void dial_init(struct dial *d, const struct dial_env *env, dial_done_cb done, void *arg);

/* Reaches host:port (`tls`: a CONNECT target), or 127.0.0.1:forward_port when
 * forward_port is set. Bytes the upstream sends after its proxy's answer are left in rx.
 * The result comes through the completion callback, possibly at once. */
void dial_start(struct dial *d, const char *host, uint16_t port, int tls,
		uint16_t forward_port, struct buf *rx);

/* Stops a dial in progress without calling back: its socket and request are released. */
void dial_cancel(struct dial *d);

#endif
