/* TLS endpoints: a real handshake between a server endpoint with a minted leaf and a
 * client endpoint over a socketpair, then data both ways; and the client's refusals. */
#include "test/unit/harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proxy/tls/cert.h"
#include "proxy/tls/tls.h"
#include "proxy/tls/trust.h"

struct pair {
	struct ca *ca;
	struct trust_store ts;
	unsigned char leaf[LEAF_CERT_MAX];
	size_t leaf_len;
	br_x509_certificate chain[2];
	struct tls_end *srv, *cli;
	int fd[2];
};

static int make_ca(struct ca *ca, const char *host)
{
	char err[256];
	struct ca_name n = {host, CA_NAME_HOST};
	return ca_generate(ca, &n, 1, time(NULL), err, sizeof err);
}

/* Server for `leaf_host` signed by a CA for `ca_host`; client trusting `trusted` (the
 * same CA when NULL) and expecting `expect`. */
static int setup(struct pair *p, const char *leaf_host, const char *expect, int other_ca)
{
	char err[256];
	memset(p, 0, sizeof *p);
	p->ca = calloc(1, sizeof *p->ca);
	p->srv = calloc(1, sizeof *p->srv);
	p->cli = calloc(1, sizeof *p->cli);
	if (make_ca(p->ca, leaf_host) < 0)
		return -1;
	time_t na;
	if (leaf_mint(p->ca, leaf_host, time(NULL), p->leaf, sizeof p->leaf, &p->leaf_len, &na,
		      err, sizeof err) < 0)
		return -1;
	ca_chain(p->ca, p->leaf, p->leaf_len, p->chain);
	trust_init(&p->ts);
	static char pem[16384];
	if (other_ca) {
		struct ca *o = calloc(1, sizeof *o);
		make_ca(o, leaf_host);
		ca_cert_pem(o, pem, sizeof pem);
		ca_wipe(o);
		free(o);
	} else {
		ca_cert_pem(p->ca, pem, sizeof pem);
	}
	if (trust_add_pem(&p->ts, "ca", pem, strlen(pem), err, sizeof err) != 1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->fd) < 0)
		return -1;
	/* With another CA, send the leaf alone: the sandbox CA carries a critical name
	 * constraints extension that BearSSL's validator would stop at first. */
	tls_server_init(p->srv, p->chain, other_ca ? 1 : 2, ca_leaf_key(p->ca));
	return tls_client_init(p->cli, p->ts.anchors, p->ts.count, expect);
}

static void teardown(struct pair *p)
{
	close(p->fd[0]);
	close(p->fd[1]);
	trust_free(&p->ts);
	ca_wipe(p->ca);
	free(p->ca);
	free(p->srv);
	free(p->cli);
}

/* Pumps both ends until both are ready or one failed. */
static int handshake(struct pair *p)
{
	for (int i = 0; i < 200; i++) {
		int a = tls_io(p->srv, p->fd[0]);
		int b = tls_io(p->cli, p->fd[1]);
		if (tls_ready(p->srv) && tls_ready(p->cli))
			return 0;
		if (a < 0 || b < 0)
			return -1;
	}
	return -1;
}

TEST(tls_handshake_and_data_both_ways)
{
	struct pair p;
	CHECK(setup(&p, "api.example.test", "api.example.test", 0) == 0);
	CHECK(handshake(&p) == 0);
	CHECK_EQ_STR(tls_server_name(p.srv), "api.example.test");
	CHECK(tls_can_write(p.cli));
	CHECK_EQ_INT(tls_app_write(p.cli, "GET / HTTP/1.1\r\n", 16), 16);
	tls_app_flush(p.cli);
	char buf[64] = {0};
	size_t got = 0;
	for (int i = 0; i < 50 && got < 16; i++) {
		tls_io(p.cli, p.fd[1]);
		tls_io(p.srv, p.fd[0]);
		got += tls_app_read(p.srv, buf + got, sizeof buf - got);
	}
	CHECK_EQ_INT(got, 16);
	CHECK_MEM(buf, "GET / HTTP/1.1\r\n", 16);
	CHECK_EQ_INT(tls_app_write(p.srv, "ok", 2), 2);
	tls_app_flush(p.srv);
	got = 0;
	for (int i = 0; i < 50 && got < 2; i++) {
		tls_io(p.srv, p.fd[0]);
		tls_io(p.cli, p.fd[1]);
		got += tls_app_read(p.cli, buf, sizeof buf);
	}
	CHECK_EQ_INT(got, 2);
	/* A clean close reaches the other side as a closed engine without error. */
	tls_close(p.cli);
	for (int i = 0; i < 50 && !tls_closed(p.srv); i++) {
		tls_io(p.cli, p.fd[1]);
		tls_io(p.srv, p.fd[0]);
	}
	CHECK(tls_closed(p.srv));
	teardown(&p);
}

TEST(tls_client_refuses_wrong_host)
{
	struct pair p;
	CHECK(setup(&p, "api.example.test", "other.example.test", 0) == 0);
	CHECK(handshake(&p) < 0);
	CHECK_EQ_INT(tls_error(p.cli), BR_ERR_X509_BAD_SERVER_NAME);
	CHECK(strlen(tls_error_text(tls_error(p.cli))) > 5);
	teardown(&p);
}

TEST(tls_client_refuses_untrusted_ca)
{
	struct pair p;
	CHECK(setup(&p, "api.example.test", "api.example.test", 1) == 0);
	CHECK(handshake(&p) < 0);
	CHECK_EQ_INT(tls_error(p.cli), BR_ERR_X509_NOT_TRUSTED);
	teardown(&p);
}

TEST(tls_peer_reset_is_an_io_error)
{
	struct pair p;
	CHECK(setup(&p, "api.example.test", "api.example.test", 0) == 0);
	tls_io(p.cli, p.fd[1]);     /* ClientHello sent */
	close(p.fd[0]);
	p.fd[0] = open("/dev/null", O_RDONLY);
	int rc = 0;
	for (int i = 0; i < 10 && rc == 0; i++)
		rc = tls_io(p.cli, p.fd[1]);
	CHECK(rc < 0 || p.cli->eof);
	teardown(&p);
}

TEST(tls_error_texts_name_the_cause)
{
	CHECK(strstr(tls_error_text(BR_ERR_BAD_VERSION), "1.2") != NULL);
	CHECK(strstr(tls_error_text(BR_ERR_RECV_FATAL_ALERT + 48), "unknown CA") != NULL);
	CHECK(strstr(tls_error_text(BR_ERR_SEND_FATAL_ALERT + 40), "airlock sent") != NULL);
}

TEST(tls_read_ahead_carries_a_large_transfer_intact)
{
	struct pair p;
	CHECK(setup(&p, "api.example.test", "api.example.test", 0) == 0);
	static unsigned char stage[16 * 1024 + 512];
	tls_set_stage(p.cli, stage, sizeof stage);
	CHECK(handshake(&p) == 0);
	enum { N = 300 * 1000 };
	static unsigned char sent[N], got[N];
	for (size_t i = 0; i < N; i++)
		sent[i] = (unsigned char)(i * 7 + i / 251);
	size_t out = 0, in = 0;
	for (int round = 0; round < 20000 && in < N; round++) {
		if (out < N) {
			out += tls_app_write(p.srv, sent + out, N - out);
			tls_app_flush(p.srv);
		}
		tls_io(p.srv, p.fd[0]);
		tls_io(p.cli, p.fd[1]);
		in += tls_app_read(p.cli, got + in, N - in);
	}
	CHECK_EQ_INT(in, N);
	CHECK_MEM(got, sent, N);
	teardown(&p);
}
