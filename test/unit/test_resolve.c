/* Unit tests for net/resolve.c: lookups run off the loop and report back on it. */
#include "net/resolve.h"
#include "test/unit/harness.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

static int got, got_err;
static char got_addr[64];

static void done(void *arg, const struct resolve_result *res)
{
	struct loop *l = arg;
	got++;
	got_err = res->error;
	if (!res->error && res->naddrs) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&res->addrs[0];
		inet_ntop(AF_INET, &in->sin_addr, got_addr, sizeof got_addr);
		CHECK_EQ_INT(ntohs(in->sin_port), 8080);
	}
	loop_stop(l, 0);
}

static void never(void *arg, const struct resolve_result *res)
{
	(void)arg, (void)res;
	harness_fail(__FILE__, __LINE__, "a cancelled request's callback ran");
}

static void stop_timer(struct loop *l, struct loop_timer *t, void *arg) { loop_stop(l, 9); }

TEST(resolve_numeric_and_cancel)
{
	struct loop *l = loop_new();
	struct resolver *r = resolver_new(l, 2);
	CHECK(r != NULL);
	/* A cancelled request never calls back, even though its lookup completes. */
	struct resolve_req *c = resolver_start(r, "127.0.0.2", 1, never, NULL);
	CHECK(c != NULL);
	resolver_cancel(r, c);
	got = 0;
	got_addr[0] = 0;
	CHECK(resolver_start(r, "127.0.0.1", 8080, done, l) != NULL);
	struct loop_timer t;
	loop_timer_init(&t, stop_timer, NULL);
	loop_timer_set(l, &t, 5000);
	CHECK_EQ_INT(loop_run(l), 0);
	CHECK_EQ_INT(got, 1);
	CHECK_EQ_INT(got_err, 0);
	CHECK_EQ_STR(got_addr, "127.0.0.1");
	/* Let the cancelled one finish too; its callback must stay silent. */
	loop_timer_set(l, &t, 200);
	CHECK_EQ_INT(loop_run(l), 9);
	loop_timer_cancel(l, &t);
	resolver_free(r);
	loop_free(l);
}

TEST(resolve_failure_reported)
{
	struct loop *l = loop_new();
	struct resolver *r = resolver_new(l, 1);
	got = 0;
	/* An invalid name that getaddrinfo refuses without asking any DNS server. */
	CHECK(resolver_start(r, "bad..name..", 80, done, l) != NULL);
	struct loop_timer t;
	loop_timer_init(&t, stop_timer, NULL);
	loop_timer_set(l, &t, 15000);
	loop_run(l);
	loop_timer_cancel(l, &t);
	CHECK_EQ_INT(got, 1);
	CHECK(got_err != 0);
	resolver_free(r);
	loop_free(l);
}
