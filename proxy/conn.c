/* conn.c: a proxied connection's lifetime: allocation, its sockets, its timer, close.
 * What happens on it is decided in state.c; io.c moves its bytes.
 *
 * A connection is freed only when no callback is running on it (busy == 0), so a close
 * deep in a handler's work leaves it allocated and its callers just see c->dead.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/mitm.h"
#include "proxy/proxy_int.h"
#include "proxy/splice.h"

void conn_hold(struct conn *c) { c->busy++; }

void conn_release(struct conn *c)
{
	if (--c->busy == 0 && c->dead)
		free(c);
}

struct conn *conn_new(struct proxy *p, int cfd, uint16_t forward_port)
{
	/* Buffers are not cleared: only bytes between start and end are ever read. */
	struct conn *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct conn, up));
	c->up.start = c->up.end = c->up.fwd = c->up.reserve = 0;
	c->down.start = c->down.end = c->down.fwd = c->down.reserve = 0;
	c->p = p;
	c->cfd = cfd;
	c->xprt[0] = c->xprt[1] = &transport_plain;
	c->ufd = -1;
	c->pipe[0] = c->pipe[1] = -1;
	c->t.forward_port = forward_port;
	c->last_active = loop_now(p->loop);
	c->next = p->conns;
	if (p->conns)
		p->conns->prev = c;
	p->conns = c;
	p->nconns++;
	return c;
}

static void close_fd(struct proxy *p, int fd, int reset)
{
	loop_del(p->loop, fd);
	if (reset) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	close(fd);
}

void conn_close_upstream(struct conn *c, int reset)
{
	if (c->ufd >= 0)
		close_fd(c->p, c->ufd, reset);
	c->ufd = -1;
	c->uev = 0;
	c->u_eof = c->u_shut = 0;
	c->ureusable = 0;
	c->uhost[0] = 0;
	c->xprt[1]->detach(c, 1);
}

void conn_half_close(struct conn *c, int upstream)
{
	c->xprt[upstream]->shutdown(c, upstream);
}

void conn_close(struct conn *c, int reset)
{
	if (c->dead)
		return;
	struct proxy *p = c->p;
	dial_cancel(&c->dial);
	loop_timer_cancel(p->loop, &c->timer);
	if (c->ufd >= 0)
		close_fd(p, c->ufd, reset);
	c->ufd = -1;
	if (c->cfd >= 0)
		close_fd(p, c->cfd, reset);
	c->cfd = -1;
	splice_close(c);
	if (c->spill) {
		explicit_bzero(c->spill, c->spill_len); /* it may hold a request body */
		free(c->spill);
	}
	c->spill = NULL;
	c->spill_len = 0;
	mitm_free(c);
	metadata_free(c);
	exchange_end(&c->h.ex);
	explicit_bzero(c->h.basic_sent, sizeof c->h.basic_sent);
	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->nconns--;
	c->dead = 1;
	if (c->busy == 0)
		free(c);
}

const char *conn_decision(const struct conn *c)
{
	if (c->t.forward_port)
		return "forward";
	if (c->metadata)
		return "metadata";
	return c->t.action == ACTION_PASSTHROUGH ? "passthrough"
	       : c->t.action == ACTION_ALLOW     ? "allow"
						 : "deny";
}

void conn_arm_timer(struct conn *c, uint64_t ms) { loop_timer_set(c->p->loop, &c->timer, ms); }
