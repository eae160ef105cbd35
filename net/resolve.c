/* resolve.c: see resolve.h. One mutex guards the shared state: the pending queue, the
 * done list and the shutdown flag. The state is reference-counted (the owner plus each
 * worker) so resolver_free() never waits for a slow DNS server. */
#include "net/resolve.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct resolve_req {
	struct resolve_req *next;
	resolve_cb cb;
	void *arg;
	int cancelled;             /* guarded by the mutex */
	uint16_t port;
	struct resolve_result res;
	char host[256];
};

struct shared {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct resolve_req *pending, *pending_tail;
	struct resolve_req *done;
	int refs;
	int shutdown;
	int efd;
};

struct resolver {
	struct loop *loop;
	struct shared *s;
	int nthreads, started;
};

static void shared_unref(struct shared *s)
{
	/* Called with s->mu held; unlocks. */
	int last = --s->refs == 0;
	pthread_mutex_unlock(&s->mu);
	if (!last)
		return;
	struct resolve_req *lists[2] = {s->pending, s->done};
	for (int i = 0; i < 2; i++)
		while (lists[i]) {
			struct resolve_req *n = lists[i]->next;
			free(lists[i]);
			lists[i] = n;
		}
	close(s->efd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

static void lookup(struct resolve_req *q)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	char port[8];
	snprintf(port, sizeof port, "%u", q->port);
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(q->host, port, &hints, &ai);
	q->res.error = rc;
	q->res.why = rc ? gai_strerror(rc) : NULL;
	q->res.naddrs = 0;
	for (struct addrinfo *p = ai; p && q->res.naddrs < RESOLVE_MAX_ADDRS; p = p->ai_next) {
		if ((p->ai_family != AF_INET && p->ai_family != AF_INET6) ||
		    p->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		memcpy(&q->res.addrs[q->res.naddrs], p->ai_addr, p->ai_addrlen);
		q->res.lens[q->res.naddrs++] = p->ai_addrlen;
	}
	if (ai)
		freeaddrinfo(ai);
	if (rc == 0 && q->res.naddrs == 0) {
		q->res.error = EAI_NONAME;
		q->res.why = "no IPv4 or IPv6 address";
	}
}

static void *worker(void *arg)
{
	struct shared *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->pending && !s->shutdown)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->shutdown)
			break;
		struct resolve_req *q = s->pending;
		s->pending = q->next;
		if (!s->pending)
			s->pending_tail = NULL;
		if (q->cancelled) {
			free(q);
			continue;
		}
		pthread_mutex_unlock(&s->mu);
		lookup(q);
		pthread_mutex_lock(&s->mu);
		q->next = s->done;
		s->done = q;
		uint64_t one = 1;
		ssize_t w = write(s->efd, &one, sizeof one);
		(void)w;
	}
	shared_unref(s);
	return NULL;
}

static void on_event(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct resolver *r = arg;
	struct shared *s = r->s;
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof v);
	(void)n;
	pthread_mutex_lock(&s->mu);
	struct resolve_req *q = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->mu);
	while (q) {
		struct resolve_req *next = q->next;
		/* `cancelled` is only set on this thread, so reading it here needs no lock. */
		if (!q->cancelled)
			q->cb(q->arg, &q->res);
		free(q);
		q = next;
	}
}

struct resolver *resolver_new(struct loop *l, int nthreads)
{
	struct resolver *r = calloc(1, sizeof *r);
	struct shared *s = calloc(1, sizeof *s);
	if (!r || !s)
		goto fail;
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0)
		goto fail;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->refs = 1;
	r->s = s;
	r->loop = l;
	r->nthreads = nthreads > 0 ? nthreads : 1;
	if (loop_add(l, s->efd, EPOLLIN, on_event, r) < 0) {
		close(s->efd);
		goto fail;
	}
	return r;
fail:
	free(r);
	free(s);
	return NULL;
}

static int start_workers(struct resolver *r)
{
	/* Workers must not take the supervisor's signals (they belong to its signalfd). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	int ok = 0;
	for (int i = 0; i < r->nthreads; i++) {
		pthread_t t;
		pthread_mutex_lock(&r->s->mu);
		r->s->refs++;
		pthread_mutex_unlock(&r->s->mu);
		if (pthread_create(&t, &at, worker, r->s) != 0) {
			pthread_mutex_lock(&r->s->mu);
			r->s->refs--;
			pthread_mutex_unlock(&r->s->mu);
			break;
		}
		ok++;
	}
	pthread_attr_destroy(&at);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r->started = ok;
	return ok > 0 ? 0 : -1;
}

struct resolve_req *resolver_start(struct resolver *r, const char *host, uint16_t port,
				   resolve_cb cb, void *arg)
{
	if (!r->started && start_workers(r) < 0)
		return NULL;
	struct resolve_req *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	snprintf(q->host, sizeof q->host, "%s", host);
	q->port = port;
	q->cb = cb;
	q->arg = arg;
	pthread_mutex_lock(&r->s->mu);
	if (r->s->pending_tail)
		r->s->pending_tail->next = q;
	else
		r->s->pending = q;
	r->s->pending_tail = q;
	pthread_cond_signal(&r->s->cv);
	pthread_mutex_unlock(&r->s->mu);
	return q;
}

void resolver_cancel(struct resolver *r, struct resolve_req *q)
{
	pthread_mutex_lock(&r->s->mu);
	q->cancelled = 1;
	pthread_mutex_unlock(&r->s->mu);
}

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	loop_del(r->loop, r->s->efd);
	pthread_mutex_lock(&r->s->mu);
	r->s->shutdown = 1;
	pthread_cond_broadcast(&r->s->cv);
	shared_unref(r->s);
	free(r);
}
