/* The CA process's protocol (proxy/tls/mint.h): the names it certifies, each message's
 * encoding, refusals of malformed ones, and a real exchange over a SOCK_SEQPACKET pair
 * with mint_serve() in a child process, as the CA process runs it. */
#include "test/unit/harness.h"
#include "proxy/tls/leaf_cache.h"
#include "proxy/tls/mint.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW ((time_t)1800000000)

static const struct ca_name names[] = {
	{"api.example.test", CA_NAME_HOST},
	{"cdn.test", CA_NAME_SUBDOMAINS},
	{"10.1.2.3", CA_NAME_IP},
	{"2001:db8::1", CA_NAME_IP},
};
#define NNAMES (sizeof names / sizeof names[0])

static struct ca *make_ca(void)
{
	struct ca *ca = ca_new();
	char err[256] = "";
	if (!ca || ca_generate(ca, names, NNAMES, NOW, err, sizeof err) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		return NULL;
	}
	return ca;
}

TEST(mint_permits_exactly_the_names_of_the_constraints)
{
	CHECK(mint_host_permitted(names, NNAMES, "api.example.test"));
	CHECK(mint_host_permitted(names, NNAMES, "API.Example.TEST"));
	CHECK(!mint_host_permitted(names, NNAMES, "x.api.example.test"));
	CHECK(!mint_host_permitted(names, NNAMES, "example.test"));
	CHECK(!mint_host_permitted(names, NNAMES, "evilapi.example.test"));
	CHECK(mint_host_permitted(names, NNAMES, "a.cdn.test"));
	CHECK(mint_host_permitted(names, NNAMES, "a.b.cdn.test"));
	CHECK(!mint_host_permitted(names, NNAMES, "cdn.test"));
	CHECK(!mint_host_permitted(names, NNAMES, "xcdn.test"));
	CHECK(mint_host_permitted(names, NNAMES, "10.1.2.3"));
	CHECK(!mint_host_permitted(names, NNAMES, "10.1.2.4"));
	CHECK(mint_host_permitted(names, NNAMES, "2001:db8:0::1"));
	CHECK(!mint_host_permitted(names, NNAMES, "2001:db8::2"));
	CHECK(!mint_host_permitted(names, NNAMES, ""));
}

TEST(mint_request_round_trips_and_refuses_malformed)
{
	unsigned char msg[300];
	char host[MINT_HOST_MAX + 1], err[200];
	time_t now;
	size_t n = mint_request_encode("a.cdn.test", NOW, msg, sizeof msg);
	CHECK(n > 0);
	CHECK(mint_request_decode(msg, n, host, &now, err, sizeof err) == 0);
	CHECK_EQ_STR(host, "a.cdn.test");
	CHECK_EQ_INT(now, NOW);
	CHECK_EQ_INT(mint_request_encode("", NOW, msg, sizeof msg), 0);
	char longhost[300];
	memset(longhost, 'a', 254);
	longhost[254] = 0;
	CHECK_EQ_INT(mint_request_encode(longhost, NOW, msg, sizeof msg), 0);
	/* times the CA's arithmetic cannot take (fuzz_mint's find: INT64_MIN - 3600) */
	CHECK(mint_request_encode("a.cdn.test", (time_t)INT64_MIN, msg, sizeof msg) > 0);
	CHECK(mint_request_decode(msg, n, host, &now, err, sizeof err) < 0);
	CHECK(mint_request_encode("a.cdn.test", (time_t)INT64_MAX, msg, sizeof msg) > 0);
	CHECK(mint_request_decode(msg, n, host, &now, err, sizeof err) < 0);
	n = mint_request_encode("a.cdn.test", NOW, msg, sizeof msg);
	msg[12] = 0; /* a NUL inside the host */
	CHECK(mint_request_decode(msg, n, host, &now, err, sizeof err) < 0);
	msg[0] = 'X';
	CHECK(mint_request_decode(msg, n, host, &now, err, sizeof err) < 0);
	CHECK(mint_request_decode(msg, 9, host, &now, err, sizeof err) < 0);
}

TEST(mint_answer_refuses_a_host_outside_the_policy)
{
	struct ca *ca = make_ca();
	if (!ca)
		return;
	static unsigned char req[300], reply[9 + LEAF_CERT_MAX + 1024], der[LEAF_CERT_MAX];
	char err[300];
	size_t len;
	time_t not_after;
	size_t n = mint_request_encode("evil.example", NOW, req, sizeof req);
	size_t r = mint_answer(ca, names, NNAMES, req, n, reply, sizeof reply);
	CHECK(mint_reply_decode(reply, r, der, sizeof der, &len, &not_after, err, sizeof err) < 0);
	CHECK(strstr(err, "'evil.example' is not one of them") != NULL);
	n = mint_request_encode("api.example.test", NOW, req, sizeof req);
	r = mint_answer(ca, names, NNAMES, req, n, reply, sizeof reply);
	CHECK(mint_reply_decode(reply, r, der, sizeof der, &len, &not_after, err, sizeof err) == 0);
	CHECK(len > 100 && der[0] == 0x30);
	CHECK(not_after > NOW);
	/* garbage gets an error reply, not a crash */
	r = mint_answer(ca, names, NNAMES, (const unsigned char *)"K", 1, reply, sizeof reply);
	CHECK(r > 1 && reply[0] == 'E');
	ca_free(ca);
}

TEST(mint_an_unconstrained_ca_has_no_name_constraints_and_signs_any_host)
{
	/* sandbox-exec --control: hosts may be granted while the sandbox runs */
	struct ca *ca = ca_new();
	char err[300] = "";
	CHECK(ca && ca_generate_unconstrained(ca, NOW, err, sizeof err) == 0);
	if (!ca)
		return;
	/* id-ce-nameConstraints, 2.5.29.30: 06 03 55 1d 1e */
	static const unsigned char oid[] = {0x06, 0x03, 0x55, 0x1d, 0x1e};
	CHECK(!memmem(ca->cert, ca->cert_len, oid, sizeof oid));
	struct ca *constrained = make_ca();
	CHECK(constrained && memmem(constrained->cert, constrained->cert_len, oid, sizeof oid));
	ca_free(constrained);
	static unsigned char req[300], reply[9 + LEAF_CERT_MAX + 1024], der[LEAF_CERT_MAX];
	size_t len;
	time_t not_after;
	size_t n = mint_request_encode("granted.example", NOW, req, sizeof req);
	size_t r = mint_answer(ca, NULL, 0, req, n, reply, sizeof reply);
	CHECK(mint_reply_decode(reply, r, der, sizeof der, &len, &not_after, err, sizeof err) == 0);
	ca_free(ca);
}

TEST(mint_key_message_gives_a_chain_without_the_ca_key)
{
	struct ca *ca = make_ca();
	struct ca *view = ca_new();
	if (!ca || !view)
		return;
	static unsigned char msg[MINT_MSG_MAX];
	char err[200];
	size_t n = mint_key_encode(ca, msg, sizeof msg);
	CHECK(n > ca->cert_len);
	CHECK(mint_key_decode(msg, n, view, err, sizeof err) == 0);
	CHECK_EQ_INT(view->cert_len, ca->cert_len);
	CHECK(memcmp(view->cert, ca->cert, ca->cert_len) == 0);
	CHECK_EQ_INT(view->leaf_key.xlen, ca->leaf_key.xlen);
	CHECK(memcmp(view->leaf_key.x, ca->leaf_key.x, ca->leaf_key.xlen) == 0);
	static const unsigned char zero[sizeof view->key_x];
	CHECK(memcmp(view->key_x, zero, sizeof zero) == 0); /* no CA private key */
	CHECK(mint_key_decode(msg, n - 1, view, err, sizeof err) < 0);
	CHECK(mint_key_decode(msg, 4, view, err, sizeof err) < 0);
	ca_free(ca);
	ca_free(view);
}

TEST(mint_call_and_serve_over_a_socket_pair)
{
	int sp[2];
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* made in the child, as the CA process does: ca_new()'s pages are wiped in a
		 * forked child */
		struct ca *ca = make_ca();
		close(sp[0]);
		if (ca)
			mint_serve(sp[1], ca, names, NNAMES, NULL);
		_exit(ca ? 0 : 1);
	}
	close(sp[1]);
	static unsigned char der[LEAF_CERT_MAX];
	char err[300];
	size_t len;
	time_t not_after;
	int rc = mint_call(sp[0], "a.cdn.test", NOW, der, sizeof der, &len, &not_after, err,
			   sizeof err);
	if (rc != 0)
		harness_fail(__FILE__, __LINE__, err);
	CHECK(len > 100);
	CHECK(mint_call(sp[0], "other.test", NOW, der, sizeof der, &len, &not_after, err,
			sizeof err) < 0);
	CHECK(strstr(err, "allow hosts") != NULL);
	/* the leaf cache asks the CA process when it has the socket */
	static struct leaf_cache cache;
	leaf_cache_init(&cache);
	cache.ca_fd = sp[0];
	rc = leaf_cache_get(&cache, NULL, "10.1.2.3", NOW, der, sizeof der, &len, err,
			    sizeof err);
	if (rc != 0)
		harness_fail(__FILE__, __LINE__, err);
	CHECK_EQ_INT(cache.mints, 1);
	close(sp[0]);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* a CA process that is gone is an error, not a hang */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
	close(sp[1]);
	CHECK(mint_call(sp[0], "a.cdn.test", NOW, der, sizeof der, &len, &not_after, err,
			sizeof err) < 0);
	close(sp[0]);
}
