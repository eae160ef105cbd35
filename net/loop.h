/* loop.h: a single-threaded epoll event loop with file-descriptor callbacks and timers.
 *
 * The supervisor runs everything it waits for on one loop: its signalfd, the proxy's
 * listeners and connections, the resolver's completion eventfd. Callbacks run on the
 * loop's thread, one at a time, so no state needs a lock. A callback may add, modify or
 * delete any watch or timer (including its own) and close fds: an event already fetched
 * for a watch that has since been deleted is dropped (watches carry a generation).
 */
#ifndef AIRLOCK_NET_LOOP_H
#define AIRLOCK_NET_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct loop;

/* Called with the epoll events (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, ...) of fd. */
typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *arg);

/* A timer lives in the caller's memory (embed it in the object it serves); the loop
 * keeps a min-heap of pointers to armed timers. */
struct loop_timer;
typedef void (*loop_timer_cb)(struct loop *l, struct loop_timer *t, void *arg);
struct loop_timer {
	uint64_t when;        /* monotonic ms at which it fires */
	size_t idx;           /* position in the heap, (size_t)-1 when not armed */
	loop_timer_cb cb;
	void *arg;
};

/* Creates a loop; NULL on failure (errno set). */
struct loop *loop_new(void);

/* Frees the loop (not the fds it watched, nor the timers). */
void loop_free(struct loop *l);

/* Watches fd for `events` (EPOLLIN, EPOLLOUT; level-triggered). One watch per fd.
 * Returns 0, or -1 with errno. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);

/* Changes the events watched on fd (same callback). Returns 0 or -1. */
int loop_mod(struct loop *l, int fd, uint32_t events);

/* Stops watching fd; call before closing it. Pending events for it are dropped. */
void loop_del(struct loop *l, int fd);

/* Prepares a timer (not armed). */
void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);

/* Arms (or re-arms) t to fire once, `ms` milliseconds from now. */
void loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t ms);

/* Disarms t if armed; safe to call on a disarmed timer. */
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Whether t is armed. */
int loop_timer_armed(const struct loop_timer *t);

/* The loop's current monotonic time in ms (refreshed after each wait). */
uint64_t loop_now(struct loop *l);

/* Runs callbacks until loop_stop() is called; returns the status passed to it, or -1
 * if epoll_wait fails for a reason other than EINTR. */
int loop_run(struct loop *l);

/* Makes loop_run() return `status` once the current callback returns. */
void loop_stop(struct loop *l, int status);

#endif
