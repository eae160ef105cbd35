/* tls.h: one TLS endpoint of a terminated connection, BearSSL underneath.
 *
 * A connection to an `allow` host has two: a server facing the sandbox (the minted leaf
 * for the CONNECT host) and a client facing the upstream server (verified against the
 * trust store, with the CONNECT host as the expected name). Both speak TLS 1.2 only
 * (BearSSL has no 1.3) with AEAD suites, and offer ALPN "http/1.1" only, so HTTP/2 is
 * never negotiated.
 *
 * The engine is BearSSL's own I/O-free state machine; this module adds the little that
 * is needed to run it on a non-blocking socket: tls_io() moves records between the
 * engine and the socket, tls_app_read()/tls_app_write() move plaintext in and out, and
 * tls_events() says which socket events the engine waits for. No allocation: the caller
 * embeds struct tls_end (about 50 KiB) in its connection object.
 */
#ifndef AIRLOCK_TLS_H
#define AIRLOCK_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

/* Input must hold a whole record; output may be smaller (records are then smaller). The
 * server's output carries downloads, so it is full size; the client's carries request
 * bodies and is smaller. */
#define TLS_IBUF BR_SSL_BUFSIZE_INPUT
#define TLS_OBUF_SERVER BR_SSL_BUFSIZE_OUTPUT
#define TLS_OBUF_CLIENT (4096 + 85)

struct tls_end {
	br_ssl_engine_context *eng;   /* points into u */
	int server;
	int eof;                      /* the peer closed the socket */
	int io_errno;                 /* errno of a failed read/write on the socket */
	unsigned char *stage;         /* optional: socket bytes read ahead of the engine */
	size_t stage_cap, stage_off, stage_len;
	union {
		br_ssl_server_context sc;
		struct {
			br_ssl_client_context cc;
			br_x509_minimal_context xc;
		} c;
	} u;
	unsigned char ibuf[TLS_IBUF];
	unsigned char obuf[TLS_OBUF_SERVER];
};

/* Prepares a server endpoint presenting `chain` (leaf first) with the EC key `key`.
 * The chain and key must outlive the endpoint. */
void tls_server_init(struct tls_end *t, const br_x509_certificate *chain, size_t n,
		     const br_ec_private_key *key);

/* Prepares a client endpoint for `host` (SNI and the name the certificate must carry),
 * verifying against the trust anchors (which must outlive the endpoint). Returns 0, or
 * -1 when the engine refuses to start (a name too long). */
int tls_client_init(struct tls_end *t, const br_x509_trust_anchor *anchors, size_t n,
		    const char *host);

/* tls_client_init(), offering the server to resume `session` (a session of a handshake
 * with this same host, address and trust anchors: session_cache.h), or none when it is
 * NULL. The server may refuse; the handshake is then a full one, verified as usual. */
int tls_client_init_resume(struct tls_end *t, const br_x509_trust_anchor *anchors, size_t n,
			   const char *host, const br_ssl_session_parameters *session);

/* Copies the session parameters (master secret included: wipe the copy when done) of a
 * client endpoint whose handshake has completed (tls_ready()). */
void tls_session(const struct tls_end *t, br_ssl_session_parameters *out);

/* Wipes the engine's state (its master secret and record keys) once the endpoint is no
 * longer used; it must be initialised again before any other call. */
void tls_wipe(struct tls_end *t);

/* Gives the endpoint a read-ahead buffer: the engine asks for a record's header, then
 * its body, so reading straight into it takes several recv() calls per record; with a
 * buffer of a record's size it takes about one. For endpoints that move bulk data. */
void tls_set_stage(struct tls_end *t, unsigned char *buf, size_t cap);

/* Whether read-ahead bytes wait to be fed to the engine (process them without waiting
 * for the socket). */
int tls_buffered(const struct tls_end *t);

/* Moves records between the engine and the non-blocking socket fd: writes what the
 * engine has to send, reads what the socket has when the engine wants it. Returns 0
 * while the connection lives (nothing more to do now), -1 once it is closed or failed
 * (see tls_error, t->eof, t->io_errno). */
int tls_io(struct tls_end *t, int fd);

/* Copies up to cap bytes of received plaintext to out; returns how many (0: none now). */
size_t tls_app_read(struct tls_end *t, void *out, size_t cap);

/* Hands up to len bytes of plaintext to the engine; returns how many it took (0: its
 * buffer is full or the handshake is not done). Call tls_io() to send them. */
size_t tls_app_write(struct tls_end *t, const void *in, size_t len);

/* Sends what tls_app_write() took even if a record is not full yet. */
void tls_app_flush(struct tls_end *t);

/* Hands raw TLS bytes already read from the socket (by code that peeked at them
 * before TLS began) to the engine, as if tls_io() had read them. Returns how many it
 * took; less than len means the engine's input buffer is full. */
size_t tls_feed(struct tls_end *t, const void *data, size_t len);

/* Whether received plaintext waits to be read with tls_app_read(). */
int tls_app_pending(const struct tls_end *t);

/* Whether the handshake is complete (application data can flow). */
int tls_ready(const struct tls_end *t);

/* Whether plaintext written now would be accepted. */
int tls_can_write(const struct tls_end *t);

/* Starts a clean close (close_notify). */
void tls_close(struct tls_end *t);

/* The socket events (EPOLLIN, EPOLLOUT) the engine needs to make progress. */
uint32_t tls_events(const struct tls_end *t);

/* Whether the engine is closed; its error code (0: closed cleanly). */
int tls_closed(const struct tls_end *t);
int tls_error(const struct tls_end *t);

/* A short text for a BearSSL error code: TLS alerts, X.509 failures, I/O. */
const char *tls_error_text(int err);

/* The server name (SNI) the client sent to a server endpoint, "" when none. */
const char *tls_server_name(const struct tls_end *t);

#endif
