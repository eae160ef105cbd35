/* Unit tests for net/loop.c: fd callbacks, timers, deletion during a batch, stop. */
#include "net/loop.h"
#include "test/unit/harness.h"

#include <sys/epoll.h>
#include <unistd.h>

static int order[8], norder;

static void tcb(struct loop *l, struct loop_timer *t, void *arg)
{
	order[norder++] = (int)(long)arg;
	if ((long)arg == 3)
		loop_stop(l, 42);
}

TEST(loop_timers_fire_in_order_and_cancel)
{
	struct loop *l = loop_new();
	struct loop_timer a, b, c, d;
	loop_timer_init(&a, tcb, (void *)1L);
	loop_timer_init(&b, tcb, (void *)2L);
	loop_timer_init(&c, tcb, (void *)3L);
	loop_timer_init(&d, tcb, (void *)4L);
	norder = 0;
	loop_timer_set(l, &c, 30);
	loop_timer_set(l, &a, 5);
	loop_timer_set(l, &d, 10);
	loop_timer_set(l, &b, 20);
	loop_timer_cancel(l, &d);
	CHECK(!loop_timer_armed(&d));
	CHECK(loop_timer_armed(&a));
	CHECK_EQ_INT(loop_run(l), 42);
	CHECK_EQ_INT(norder, 3);
	CHECK_EQ_INT(order[0], 1);
	CHECK_EQ_INT(order[1], 2);
	CHECK_EQ_INT(order[2], 3);
	loop_free(l);
}

struct pair {
	int rfd[2];
	int calls[2];
};
static struct pair P;

static void fdcb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	int who = (int)(long)arg;
	P.calls[who]++;
	/* The first to run deletes the other: its already-fetched event must be dropped. */
	int other = P.rfd[!who];
	loop_del(l, other);
	char c;
	CHECK_EQ_INT(read(fd, &c, 1), 1);
	loop_del(l, fd);
	loop_stop(l, 7);
}

TEST(loop_fd_events_and_delete_during_batch)
{
	struct loop *l = loop_new();
	int p1[2], p2[2];
	CHECK(pipe(p1) == 0 && pipe(p2) == 0);
	P.rfd[0] = p1[0], P.rfd[1] = p2[0];
	P.calls[0] = P.calls[1] = 0;
	CHECK(loop_add(l, p1[0], EPOLLIN, fdcb, (void *)0L) == 0);
	CHECK(loop_add(l, p2[0], EPOLLIN, fdcb, (void *)1L) == 0);
	CHECK(write(p1[1], "x", 1) == 1 && write(p2[1], "y", 1) == 1);
	CHECK_EQ_INT(loop_run(l), 7);
	CHECK_EQ_INT(P.calls[0] + P.calls[1], 1);
	CHECK(loop_mod(l, 12345, EPOLLIN) < 0);               /* not watched */
	close(p1[0]), close(p1[1]), close(p2[0]), close(p2[1]);
	loop_free(l);
}
