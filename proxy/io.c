/* io.c: moving a connection's bytes. The event loop's callbacks for its two sockets,
 * its timer and its dial land here; they fill and drain the buffers through each side's
 * transport (transport.h), count the bytes, and tell state.c what happened. What the
 * bytes mean, and what follows, is decided there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "proxy/proxy_int.h"
#include "proxy/record.h"
#include "proxy/splice.h"

static void on_client(struct loop *l, int fd, uint32_t ev, void *arg);
static void on_upstream(struct loop *l, int fd, uint32_t ev, void *arg);
static int unspill(struct conn *c);

static size_t room(const struct buf *b)
{
	size_t held = b->end - b->start, cap = buf_fill_cap(b);
	return held < cap ? cap - held : 0;
}

/* While a response head is awaited on a connection that has carried secrets, the head
 * may be rewritten longer (placeholders for echoed values, chunked framing for the
 * scrubbed body) in place: reads leave it this much room behind whatever follows it. */
#define HEAD_REWRITE_SLACK 1024

static void reserve_for_head(struct conn *c)
{
	c->down.reserve = c->phase == PH_HTTP && c->h.ex.resp == EXCHANGE_RESP_HEAD &&
				  c->h.scrub_mask ? HEAD_REWRITE_SLACK : 0;
}

/* Makes the loop watch fd for `want` events. A side with no interest is removed from
 * epoll altogether: epoll reports EPOLLHUP/EPOLLERR even for an empty event mask, and a
 * level-triggered hang-up we are not ready to act on would make the loop spin. */
static void watch(struct loop *l, int fd, uint32_t want, uint32_t *cur, loop_fd_cb cb,
		  void *arg)
{
	if (want == *cur)
		return;
	if (want == 0) {
		loop_del(l, fd);
	} else if (*cur == 0) {
		if (loop_add(l, fd, want, cb, arg) < 0)
			return;
	} else {
		loop_mod(l, fd, want);
	}
	*cur = want;
}

void io_update(struct conn *c)
{
	/* Every callback ends here: bytes a rewritten head pushed aside go back as soon as
	 * `up` has room (the upstream took some, or a gathered body did), before the
	 * client is watched again. */
	if (c->spill_len && !c->dead && c->phase != PH_FINISH)
		unspill(c);
	if (c->dead)
		return;
	struct loop *l = c->p->loop;
	int rd = state_reads_client(c) && room(&c->up) > 0;
	/* Draining after a final answer reads and drops raw bytes: no TLS any more. */
	const struct transport *cx = c->phase == PH_FINISH && c->draining ? &transport_plain
									 : c->xprt[0];
	if (c->cfd >= 0) {
		uint32_t ev = cx->events(c, 0, rd, c->down.fwd > 0 || c->piped > 0);
		/* While an answer is awaited the client is not read, but its going away must
		 * be seen: a reset ends the exchange at once, a close ends it after the
		 * answer, instead of the idle timer finding them minutes later. */
		if (!rd && state_watches_client_hangup(c))
			ev |= EPOLLRDHUP;
		watch(l, c->cfd, ev, &c->cev, on_client, c);
	}
	if (c->ufd < 0)
		return;
	rd = state_reads_upstream(c) && room(&c->down) > 0 && c->piped == 0;
	watch(l, c->ufd, c->xprt[1]->events(c, 1, rd, c->up.fwd > 0), &c->uev, on_upstream, c);
}

/* Counts w bytes written to the client, or ends its side when w < 0 (a failure):
 * then -1. */
static int client_wrote(struct conn *c, ssize_t w)
{
	if (w < 0) {
		state_client_end(c, -2);
		return -1;
	}
	if (w > 0) {
		record_moved(c, 0, (uint64_t)w);
		c->last_active = loop_now(c->p->loop);
	}
	return 0;
}

/* Writes what is cleared for the client. Returns -1 when the connection was closed. */
static int client_writable(struct conn *c)
{
	if (c->piped > 0) { /* the pipe's bytes first: they came before anything in down */
		if (client_wrote(c, splice_drain(c)) < 0)
			return -1;
		if (c->piped > 0)
			return 0;
		/* All out: a body that ended in the pipe ends its exchange now. */
		if (c->phase == PH_HTTP && c->h.ex.resp == EXCHANGE_RESP_DONE) {
			state_upstream_bytes(c);
			if (c->dead)
				return -1;
		}
	}
	if (client_wrote(c, c->xprt[0]->drain(c, 0, &c->down)) < 0)
		return -1;
	state_client_sent(c);
	return c->dead ? -1 : 0;
}

/* Client bytes a rewritten head pushed aside (decide.c) back into `up` as it has room,
 * for the exchange to take as if just read. Returns -1 when the connection was closed. */
static int unspill(struct conn *c)
{
	size_t k = room(&c->up) < c->spill_len ? room(&c->up) : c->spill_len;
	if (k == 0)
		return 0;
	buf_compact(&c->up);
	memcpy(c->up.data + c->up.end, c->spill, k);
	c->up.end += k;
	memmove(c->spill, c->spill + k, c->spill_len - k);
	explicit_bzero(c->spill + c->spill_len - k, k);
	c->spill_len -= k;
	if (c->spill_len == 0) {
		free(c->spill);
		c->spill = NULL;
	}
	state_client_bytes(c);
	return c->dead ? -1 : 0;
}

/* Writes what is cleared for the upstream. Returns -1 when that side (or the whole
 * connection) is gone. */
static int upstream_writable(struct conn *c)
{
	if (c->ufd < 0)
		return 0;
	ssize_t w = c->xprt[1]->drain(c, 1, &c->up);
	if (w < 0) {
		state_upstream_end(c, -3, errno);
		return -1;
	}
	if (w > 0)
		c->last_active = loop_now(c->p->loop);
	state_upstream_sent(c);
	return c->dead ? -1 : 0;
}

/* The client hung up while an answer was awaited (it is not read then): a reset or a
 * close with nothing unread ends it now (state_client_end); a FIN behind unread bytes
 * (a pipelined request) waits until those are read after the answer. */
static void client_hung_up(struct conn *c, uint32_t ev)
{
	if (ev & EPOLLERR) {
		state_client_end(c, -2);
		return;
	}
	char b;
	ssize_t n = recv(c->cfd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		state_client_end(c, 0);
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		state_client_end(c, -2);
	else
		c->h.hangup_deferred = 1;
}

/* After a final answer the client's bytes are read and dropped until it closes. */
static void drain_client(struct conn *c)
{
	char junk[4096];
	ssize_t n = recv(c->cfd, junk, sizeof junk, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		state_client_end(c, 0);
}

/* What the client's socket said (ev; 0: plaintext its engine holds), handled. */
static void client_event(struct conn *c, uint32_t ev)
{
	struct loop *l = c->p->loop;
	if ((ev & EPOLLOUT) && client_writable(c) < 0)
		return;
	if (((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->xprt[0]->pending(c, 0)) &&
	    state_reads_client(c)) {
		if (c->phase == PH_FINISH) {
			drain_client(c);
			return;
		}
		ssize_t n = c->xprt[0]->fill(c, 0, &c->up);
		if (n > 0) {
			record_moved(c, 1, (uint64_t)n);
			c->last_active = loop_now(l);
			state_client_bytes(c);
			/* Forward at once rather than after another epoll round. */
			if (!c->dead && c->up.fwd > 0 && upstream_writable(c) < 0 && c->dead)
				return;
			if (!c->dead && c->down.fwd > 0)
				client_writable(c);
		} else if (n == 0) {
			state_client_end(c, 0);
		} else if (n == -2) {
			state_client_end(c, -2);
		}
	} else if ((ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && state_watches_client_hangup(c)) {
		client_hung_up(c, ev);
	} else if ((ev & (EPOLLHUP | EPOLLERR)) && !(ev & EPOLLOUT) && c->phase != PH_HTTP &&
		   c->phase != PH_RELAY) {
		/* Peer gone while we were not reading from it. */
		state_close(c, 1);
	}
}

/* What the upstream's socket said (ev; 0: plaintext its engine holds), handled. */
static void upstream_event(struct conn *c, uint32_t ev)
{
	struct loop *l = c->p->loop;
	reserve_for_head(c);
	if ((ev & EPOLLOUT) && upstream_writable(c) < 0)
		return;
	if (((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->xprt[1]->pending(c, 1)) &&
	    state_reads_upstream(c)) {
		ssize_t n = -1;
		/* While the client takes everything at once, keep reading (a few rounds, so
		 * one busy download cannot starve the other connections). */
		for (int round = 0; round < 4; round++) {
			if (splice_ready(c)) {
				n = splice_fill(c);
				if (n > 0) {
					c->last_active = loop_now(l);
					if (client_writable(c) < 0)
						return;
					if (c->piped > 0 || c->ufd < 0 || !state_reads_upstream(c))
						break;
					continue;
				}
				if (n < 0 && c->no_splice)
					continue; /* no pipe: the buffers take it */
				break;
			}
			n = c->xprt[1]->fill(c, 1, &c->down);
			if (n <= 0)
				break;
			c->last_active = loop_now(l);
			state_upstream_bytes(c);
			if (c->dead || c->ufd < 0)
				return;
			/* Forward at once rather than after another epoll round. */
			if (c->down.fwd > 0 && client_writable(c) < 0)
				return;
			if (c->ufd < 0 || c->down.end != c->down.start || (size_t)n < CONN_BUF / 2 ||
			    !state_reads_upstream(c))
				break;
		}
		if (c->dead || c->ufd < 0 || n > 0 || n == -1) {
			/* handled above, or nothing more to read now */
		} else if (n == 0) {
			state_upstream_end(c, 0, 0);
		} else if (n == -2) {
			state_upstream_end(c, -2, errno);
		}
	} else if ((ev & (EPOLLHUP | EPOLLERR)) && !(ev & EPOLLOUT) && c->phase == PH_HEAD) {
		state_upstream_end(c, 0, 0);
	}
}

/* A TLS engine reads what has arrived whenever it writes: serving one side can leave
 * the other's next plaintext (the client's next request, the upstream's answer) in its
 * engine. It is handled here, at once, rather than after an epoll round its pending
 * bytes would ask for (mitm_events). A few rounds at most; plain sides hold nothing. */
static void settle(struct conn *c)
{
	for (int round = 0; round < 4 && !c->dead; round++) {
		if (c->cfd >= 0 && room(&c->up) > 0 && state_reads_client(c) &&
		    c->xprt[0]->pending(c, 0))
			client_event(c, 0);
		else if (c->ufd >= 0 && room(&c->down) > 0 && state_reads_upstream(c) &&
			 c->xprt[1]->pending(c, 1))
			upstream_event(c, 0);
		else
			return;
	}
}

static void on_client(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct conn *c = arg;
	conn_hold(c);
	client_event(c, ev);
	settle(c);
	io_update(c);
	conn_release(c);
}

static void on_upstream(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct conn *c = arg;
	conn_hold(c);
	upstream_event(c, ev);
	settle(c);
	io_update(c);
	conn_release(c);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	struct conn *c = arg;
	conn_hold(c);
	state_timer(c);
	io_update(c);
	conn_release(c);
}

/* The dial's one completion callback. */
static void on_dialed(void *arg, struct dial_result *res)
{
	struct conn *c = arg;
	conn_hold(c);
	state_dialed(c, res);
	io_update(c);
	conn_release(c);
}

int io_accept(struct proxy *p, int cfd, uint16_t forward_port, int metadata, int redirect)
{
	struct conn *c = conn_new(p, cfd, forward_port);
	if (!c)
		return -1;
	c->metadata = metadata;
	c->redirect = redirect ? REDIRECT_LINE : REDIRECT_NONE;
	loop_timer_init(&c->timer, on_timer, c);
	dial_init(&c->dial, &p->dial_env, on_dialed, c);
	if (loop_add(p->loop, cfd, EPOLLIN, on_client, c) < 0) {
		c->cfd = -1; /* the caller closes it */
		conn_close(c, 0);
		return -1;
	}
	c->cev = EPOLLIN;
	conn_hold(c);
	state_accepted(c);
	io_update(c);
	conn_release(c);
	return 0;
}
