/* loop.c: see loop.h. Watches live in an array indexed by fd; the epoll data carries
 * fd and a generation number so events for a watch deleted (and maybe re-added for a new
 * fd with the same number) during the current batch are recognised and dropped. */
#include "net/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct watch {
	loop_fd_cb cb;
	void *arg;
	uint32_t gen;   /* bumped on every add; 0 never used for a live watch */
	int live;
};

struct loop {
	int epfd;
	struct watch *w;
	size_t nw;
	struct loop_timer **heap;
	size_t nheap, capheap;
	uint64_t now;
	int stopped, status;
	uint32_t gen;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->now = mono_ms();
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->w);
	free(l->heap);
	free(l);
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((size_t)fd >= l->nw) {
		size_t n = l->nw ? l->nw : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct watch *w = realloc(l->w, n * sizeof *w);
		if (!w)
			return -1;
		memset(w + l->nw, 0, (n - l->nw) * sizeof *w);
		l->w = w;
		l->nw = n;
	}
	if (++l->gen == 0)
		l->gen = 1;
	struct epoll_event ev = {.events = events,
				 .data.u64 = (uint64_t)l->gen << 32 | (uint32_t)fd};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	l->w[fd] = (struct watch){.cb = cb, .arg = arg, .gen = l->gen, .live = 1};
	return 0;
}

int loop_mod(struct loop *l, int fd, uint32_t events)
{
	if (fd < 0 || (size_t)fd >= l->nw || !l->w[fd].live) {
		errno = ENOENT;
		return -1;
	}
	struct epoll_event ev = {.events = events,
				 .data.u64 = (uint64_t)l->w[fd].gen << 32 | (uint32_t)fd};
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void loop_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nw || !l->w[fd].live)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->w[fd].live = 0;
	l->w[fd].gen = 0;
}

/* --- timers: a binary min-heap on `when` ------------------------------------------ */

static void heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];
	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->idx = a;
	l->heap[b]->idx = b;
}

static void heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (l->heap[p]->when <= l->heap[i]->when)
			break;
		heap_swap(l, p, i);
		i = p;
	}
}

static void heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		if (c < l->nheap && l->heap[c]->when < l->heap[m]->when)
			m = c;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[m]->when)
			m = c + 1;
		if (m == i)
			break;
		heap_swap(l, i, m);
		i = m;
	}
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg)
{
	t->when = 0;
	t->idx = (size_t)-1;
	t->cb = cb;
	t->arg = arg;
}

int loop_timer_armed(const struct loop_timer *t) { return t->idx != (size_t)-1; }

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (!loop_timer_armed(t))
		return;
	size_t i = t->idx;
	l->nheap--;
	if (i != l->nheap) {
		l->heap[i] = l->heap[l->nheap];
		l->heap[i]->idx = i;
		heap_down(l, i);
		heap_up(l, i);
	}
	t->idx = (size_t)-1;
}

void loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t ms)
{
	loop_timer_cancel(l, t);
	if (l->nheap == l->capheap) {
		size_t n = l->capheap ? l->capheap * 2 : 64;
		struct loop_timer **h = realloc(l->heap, n * sizeof *h);
		if (!h)
			abort(); /* a timer is a safety net; without memory we cannot go on */
		l->heap = h;
		l->capheap = n;
	}
	t->when = mono_ms() + ms;
	t->idx = l->nheap;
	l->heap[l->nheap++] = t;
	heap_up(l, t->idx);
}

uint64_t loop_now(struct loop *l) { return l->now; }

void loop_stop(struct loop *l, int status)
{
	l->stopped = 1;
	l->status = status;
}

static void run_timers(struct loop *l)
{
	/* Only timers already due fire; one re-armed from its callback waits for the next
	 * round even with a 0 ms delay, so a timer cannot starve the fds. */
	uint64_t now = l->now;
	size_t budget = l->nheap;
	while (l->nheap && l->heap[0]->when <= now && budget-- && !l->stopped) {
		struct loop_timer *t = l->heap[0];
		loop_timer_cancel(l, t);
		t->cb(l, t, t->arg);
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[128];
	l->stopped = 0;
	while (!l->stopped) {
		int timeout = -1;
		l->now = mono_ms();
		if (l->nheap) {
			uint64_t w = l->heap[0]->when;
			timeout = w <= l->now ? 0 : (int)(w - l->now > 60000 ? 60000 : w - l->now);
		}
		int n = epoll_wait(l->epfd, evs, (int)(sizeof evs / sizeof evs[0]), timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		l->now = mono_ms();
		for (int i = 0; i < n && !l->stopped; i++) {
			int fd = (int)(uint32_t)evs[i].data.u64;
			uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
			if ((size_t)fd >= l->nw || !l->w[fd].live || l->w[fd].gen != gen)
				continue;
			l->w[fd].cb(l, fd, evs[i].events, l->w[fd].arg);
		}
		if (!l->stopped)
			run_timers(l);
	}
	return l->status;
}
