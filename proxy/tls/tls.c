/* tls.c: see tls.h. */
#include "proxy/tls/tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/tls/ec_p256.h"
#include "proxy/tls/trust.h"

/* AEAD suites only; AES-GCM first (AES-NI and PCLMUL make it the fastest here). */
static const uint16_t server_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const uint16_t client_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const char *alpn[] = {"http/1.1"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void tls_server_init(struct tls_end *t, const br_x509_certificate *chain, size_t n,
		     const br_ec_private_key *key)
{
	t->server = 1;
	t->eof = 0;
	t->io_errno = 0;
	t->stage = NULL;
	t->stage_cap = t->stage_off = t->stage_len = 0;
	br_ssl_server_context *sc = &t->u.sc;
	br_ssl_server_init_full_ec(sc, chain, n, BR_KEYTYPE_EC, key);
	t->eng = &sc->eng;
	br_ssl_engine_set_suites(t->eng, server_suites, NELEM(server_suites));
	/* Our order, not the client's: AES-128-GCM does 10 rounds where AES-256 does 14,
	 * and this side encrypts every byte of every download once more. */
	br_ssl_engine_add_flags(t->eng, BR_OPT_ENFORCE_SERVER_PREFERENCES);
	/* P-256 with 64-bit limbs (ec_p256.h) for the key exchange and the signature. */
	br_ssl_engine_set_ec(t->eng, &ec_all_fast);
	/* ECDHE only: the leaf key signs, it never does static ECDH. */
	br_ssl_server_set_single_ec(sc, chain, n, key, BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
				    &ec_all_fast, br_ecdsa_i31_sign_asn1);
	br_ssl_engine_set_versions(t->eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_protocol_names(t->eng, alpn, NELEM(alpn));
	br_ssl_engine_set_buffers_bidi(t->eng, t->ibuf, TLS_IBUF, t->obuf, TLS_OBUF_SERVER);
	br_ssl_server_reset(sc);
}

int tls_client_init(struct tls_end *t, const br_x509_trust_anchor *anchors, size_t n,
		    const char *host)
{
	return tls_client_init_resume(t, anchors, n, host, NULL);
}

int tls_client_init_resume(struct tls_end *t, const br_x509_trust_anchor *anchors, size_t n,
			   const char *host, const br_ssl_session_parameters *session)
{
	t->server = 0;
	t->eof = 0;
	t->io_errno = 0;
	t->stage = NULL;
	t->stage_cap = t->stage_off = t->stage_len = 0;
	br_ssl_client_context *cc = &t->u.c.cc;
	br_ssl_client_init_full(cc, &t->u.c.xc, anchors, n);
	t->eng = &cc->eng;
	br_ssl_engine_set_suites(t->eng, client_suites, NELEM(client_suites));
	/* P-256 with 64-bit limbs for the key exchange and for verifying the server's
	 * chain and signature (init_full gave the X.509 engine BearSSL's default). */
	br_ssl_engine_set_ec(t->eng, &ec_all_fast);
	br_x509_minimal_set_ecdsa(&t->u.c.xc, &ec_all_fast, br_ecdsa_i31_vrfy_asn1);
	br_ssl_engine_set_versions(t->eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_protocol_names(t->eng, alpn, NELEM(alpn));
	br_ssl_engine_set_buffers_bidi(t->eng, t->ibuf, TLS_IBUF, t->obuf, TLS_OBUF_CLIENT);
	/* The reset keeps the parameters set here when asked to resume, and offers their
	 * session ID in the ClientHello. */
	if (session)
		br_ssl_engine_set_session_parameters(t->eng, session);
	return br_ssl_client_reset(cc, host, session != NULL) ? 0 : -1;
}

void tls_session(const struct tls_end *t, br_ssl_session_parameters *out)
{
	br_ssl_engine_get_session_parameters(t->eng, out);
}

void tls_wipe(struct tls_end *t)
{
	explicit_bzero(&t->u, sizeof t->u);
	t->eng = NULL;
}

int tls_io(struct tls_end *t, int fd)
{
	for (;;) {
		unsigned st = br_ssl_engine_current_state(t->eng);
		if ((st & BR_SSL_CLOSED) || t->io_errno)
			return -1;
		int moved = 0;
		if (st & BR_SSL_SENDREC) {
			size_t len;
			unsigned char *buf = br_ssl_engine_sendrec_buf(t->eng, &len);
			ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
			if (n > 0) {
				br_ssl_engine_sendrec_ack(t->eng, (size_t)n);
				moved = 1;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				t->io_errno = errno;
				return -1;
			}
		}
		if ((st & BR_SSL_RECVREC) && t->stage_off < t->stage_len) {
			size_t k = tls_feed(t, t->stage + t->stage_off, t->stage_len - t->stage_off);
			t->stage_off += k;
			moved = k > 0;
		} else if ((st & BR_SSL_RECVREC) && !t->eof && t->stage) {
			ssize_t n = recv(fd, t->stage, t->stage_cap, 0);
			if (n > 0) {
				t->stage_off = 0;
				t->stage_len = (size_t)n;
				moved = 1;
			} else if (n == 0) {
				t->eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				t->io_errno = errno;
				return -1;
			}
		} else if ((st & BR_SSL_RECVREC) && !t->eof) {
			size_t len;
			unsigned char *buf = br_ssl_engine_recvrec_buf(t->eng, &len);
			ssize_t n = recv(fd, buf, len, 0);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(t->eng, (size_t)n);
				moved = 1;
			} else if (n == 0) {
				t->eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				t->io_errno = errno;
				return -1;
			}
		}
		if (!moved)
			return 0;
	}
}

size_t tls_app_read(struct tls_end *t, void *out, size_t cap)
{
	if (!(br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP))
		return 0;
	size_t len;
	unsigned char *buf = br_ssl_engine_recvapp_buf(t->eng, &len);
	if (len > cap)
		len = cap;
	memcpy(out, buf, len);
	br_ssl_engine_recvapp_ack(t->eng, len);
	return len;
}

void tls_set_stage(struct tls_end *t, unsigned char *buf, size_t cap)
{
	t->stage = buf;
	t->stage_cap = cap;
	t->stage_off = t->stage_len = 0;
}

int tls_buffered(const struct tls_end *t)
{
	return t->stage_off < t->stage_len;
}

size_t tls_feed(struct tls_end *t, const void *data, size_t len)
{
	size_t done = 0;
	while (done < len && (br_ssl_engine_current_state(t->eng) & BR_SSL_RECVREC)) {
		size_t room;
		unsigned char *buf = br_ssl_engine_recvrec_buf(t->eng, &room);
		size_t k = len - done < room ? len - done : room;
		memcpy(buf, (const unsigned char *)data + done, k);
		br_ssl_engine_recvrec_ack(t->eng, k);
		done += k;
	}
	return done;
}

int tls_app_pending(const struct tls_end *t)
{
	return (br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP) != 0;
}

size_t tls_app_write(struct tls_end *t, const void *in, size_t len)
{
	if (!(br_ssl_engine_current_state(t->eng) & BR_SSL_SENDAPP))
		return 0;
	size_t room;
	unsigned char *buf = br_ssl_engine_sendapp_buf(t->eng, &room);
	if (len > room)
		len = room;
	memcpy(buf, in, len);
	br_ssl_engine_sendapp_ack(t->eng, len);
	return len;
}

void tls_app_flush(struct tls_end *t)
{
	br_ssl_engine_flush(t->eng, 0);
}

int tls_ready(const struct tls_end *t)
{
	return (br_ssl_engine_current_state(t->eng) & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) != 0;
}

int tls_can_write(const struct tls_end *t)
{
	return (br_ssl_engine_current_state(t->eng) & BR_SSL_SENDAPP) != 0;
}

void tls_close(struct tls_end *t)
{
	br_ssl_engine_close(t->eng);
}

uint32_t tls_events(const struct tls_end *t)
{
	unsigned st = br_ssl_engine_current_state(t->eng);
	uint32_t ev = 0;
	if (st & BR_SSL_SENDREC)
		ev |= EPOLLOUT;
	if ((st & BR_SSL_RECVREC) && !t->eof)
		ev |= EPOLLIN;
	return ev;
}

int tls_closed(const struct tls_end *t)
{
	return t->io_errno || (br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED) != 0;
}

int tls_error(const struct tls_end *t)
{
	int err = br_ssl_engine_last_error(t->eng);
	return err ? err : t->io_errno ? BR_ERR_IO : 0;
}

const char *tls_server_name(const struct tls_end *t)
{
	return br_ssl_engine_get_server_name(t->eng);
}

static const char *alert_text(int alert)
{
	switch (alert) {
	case 40: return "handshake failure";
	case 42: return "bad certificate";
	case 43: return "unsupported certificate";
	case 44: return "certificate revoked";
	case 45: return "certificate expired";
	case 46: return "certificate unknown";
	case 48: return "unknown CA";
	case 70: return "protocol version (the peer does not speak TLS 1.2)";
	case 71: return "insufficient security";
	case 80: return "internal error";
	case 112: return "unrecognized name";
	case 120: return "no application protocol";
	default: return "alert";
	}
}

const char *tls_error_text(int err)
{
	static __thread char buf[96];
	if (err == BR_ERR_OK)
		return "closed";
	if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_RECV_FATAL_ALERT + 256) {
		int a = err - BR_ERR_RECV_FATAL_ALERT;
		snprintf(buf, sizeof buf, "the peer sent TLS alert %d (%s)", a, alert_text(a));
		return buf;
	}
	if (err >= BR_ERR_SEND_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT + 256) {
		int a = err - BR_ERR_SEND_FATAL_ALERT;
		snprintf(buf, sizeof buf, "airlock sent TLS alert %d (%s)", a, alert_text(a));
		return buf;
	}
	if (err >= 32 && err < 64)
		return trust_x509_error(err);
	switch (err) {
	case BR_ERR_BAD_VERSION:
		return "the peer does not speak TLS 1.2 (airlock's TLS is BearSSL, 1.2 only)";
	case BR_ERR_BAD_CIPHER_SUITE:
		return "no common cipher suite (airlock offers ECDHE with AES-GCM or ChaCha20)";
	case BR_ERR_UNSUPPORTED_VERSION:
		return "the peer asked for an unsupported TLS version";
	case BR_ERR_IO:
		return "the connection failed or was reset";
	case BR_ERR_UNEXPECTED:
	case BR_ERR_BAD_PARAM:
	case BR_ERR_BAD_STATE:
		return "the peer broke the TLS protocol";
	default:
		snprintf(buf, sizeof buf, "TLS error %d", err);
		return buf;
	}
}
