/* http.h: a strict, I/O-free HTTP/1.1 message-head parser (RFC 9112) for the proxy.
 *
 * The proxy reads bytes from a socket into its own buffer and asks these functions what
 * they are: "need more", "a complete head of N bytes" or "invalid, answer STATUS". Nothing
 * here allocates, reads or writes a socket, or keeps a pointer past the call: every span
 * points into the caller's buffer, so the caller must keep that buffer unchanged while it
 * uses the parsed struct.
 *
 * Strictness is deliberate: the proxy stands between a sandboxed program and the world,
 * and any ambiguity in message framing (Content-Length vs Transfer-Encoding, obs-fold,
 * bare CR/LF, whitespace before the colon) is how request smuggling starts. Whatever two
 * implementations could read differently is refused, with the status a server should
 * answer and a short reason saying what was refused.
 *
 * Decisions that RFC 9112 leaves open, taken here:
 *  - Line ends are CRLF only; a bare LF or bare CR anywhere in a head is refused.
 *  - Empty lines (CRLF) before a request-line are skipped (RFC 9112 2.2), and counted in
 *    the returned head length.
 *  - Several Content-Length values, even identical ones ("5, 5" or the header twice), are
 *    refused (400 for a request, 502 for a response): no real client needs them.
 *  - Transfer-Encoding: the codings may be gzip/deflate/compress/x-gzip/x-compress with
 *    "chunked" last and once. In a request, chunked not last is 400 and an unknown coding
 *    is 501; in a response, a coding list not ending in chunked means "until close". Any
 *    Transfer-Encoding in an HTTP/1.0 message is refused (RFC 9112 6.1).
 *  - Content-Length and Transfer-Encoding together are refused in requests (400) and in
 *    responses (502), rather than letting Transfer-Encoding win.
 *  - An HTTP/1.1 request needs exactly one Host header, except CONNECT, whose target
 *    already is the authority (several real clients send CONNECT without Host). More than
 *    one Host, or an invalid one, is 400 in every case.
 *  - A status-line without a reason phrase ("HTTP/1.1 200" + CRLF) is accepted: servers
 *    send it and the reason phrase carries no meaning.
 */
#ifndef AIRLOCK_HTTP_H
#define AIRLOCK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD 65536     /* a longer head is refused with 431 (request) / 502 */
#define HTTP_MAX_HEADERS 128    /* more header lines: 431 (request) / 502 (response) */
#define HTTP_MAX_TARGET 16384   /* a longer request-target is refused with 414 */
#define HTTP_MAX_HOST 253       /* longest DNS name; host[] below has room for it */
#define HTTP_MAX_CHUNK_EXT 4096 /* chunk-extension bytes allowed per chunk */
#define HTTP_MAX_TRAILERS 65536 /* trailer-section bytes allowed after the last chunk */

/* A run of bytes inside the caller's buffer; not NUL-terminated. */
struct http_span {
	const char *p;
	size_t len;
};

/* One header line: name as sent (case kept), value without leading/trailing whitespace. */
struct http_header {
	struct http_span name, value;
};

/* How the body that follows a head is delimited. */
enum http_body {
	HTTP_BODY_NONE,        /* no body (also Content-Length: 0) */
	HTTP_BODY_LENGTH,      /* exactly content_length bytes */
	HTTP_BODY_CHUNKED,     /* chunked coding: feed it to struct http_chunked */
	HTTP_BODY_UNTIL_CLOSE, /* responses only: the body ends when the server closes */
};

/* The four request-target forms of RFC 9112 3.2. */
enum http_target_form {
	HTTP_TARGET_ORIGIN,    /* "/path?query" */
	HTTP_TARGET_ABSOLUTE,  /* "http://host[:port]/path?query" (http only) */
	HTTP_TARGET_AUTHORITY, /* "host:port", CONNECT only */
	HTTP_TARGET_ASTERISK,  /* "*", OPTIONS only */
};

struct http_request {
	struct http_span method, target; /* target exactly as sent */
	int version_minor;               /* HTTP/1.x: x (1.2..1.9 have 1.1 semantics) */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	enum http_body body;
	uint64_t content_length;         /* valid for HTTP_BODY_LENGTH */
	int keep_alive;      /* the client wants the connection kept after this exchange */
	int expect_continue; /* "Expect: 100-continue" */
	int upgrade;         /* Connection lists "upgrade" and an Upgrade header is present */
	int is_connect;      /* CONNECT host:port (authority-form) */
	enum http_target_form form;
	/* Where the request goes: from the target (absolute-form, authority-form), else from
	 * the Host header (origin-form, asterisk-form). For absolute-form the target wins
	 * over Host (RFC 9112 3.2.2): a proxy forwarding the request must therefore send a
	 * Host built from these fields, never the client's own Host line. host is
	 * lower-case, NUL-terminated, without one trailing dot, an IPv6 literal without its
	 * brackets; "" for an HTTP/1.0 origin-form request without Host. */
	char host[HTTP_MAX_HOST + 3];
	uint16_t port;  /* as given, else 80 (http://) or 443 (CONNECT); 0 when an
	                   origin-form Host header gave none (the caller knows the scheme) */
	int port_given; /* the port was written out */
	int host_is_ipv6; /* host was a bracketed IPv6 literal */
	struct http_span path; /* origin-form path+query: the target itself for origin-form,
	                          the part after the authority for absolute-form ("/" when
	                          empty); empty for authority-form; "*" for asterisk-form */
};

struct http_response {
	int status;        /* 100..999 */
	int version_minor;
	struct http_span reason; /* may be empty */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	enum http_body body;
	uint64_t content_length; /* valid for HTTP_BODY_LENGTH */
	int keep_alive;          /* the connection may carry another response after this */
};

/* Parses one request head from buf[0..len). Returns the head's length (>0, up to and
 * including the empty line) when a complete valid head is there; 0 when more bytes are
 * needed; or -STATUS (-400, -414, -417, -431, -501, -505) with a short reason in *why
 * (a static string, never containing request bytes) when the head is invalid. Errors in
 * lines already complete are reported before the rest of the head has arrived. The
 * contents of *req are meaningful only when the return is > 0. */
int http_parse_request(const char *buf, size_t len, struct http_request *req,
		       const char **why);

/* Parses one response head from buf[0..len), for a request whose method was
 * req_method[0..mlen): the method decides the body kind (HEAD: none; CONNECT with 2xx:
 * none, the tunnel starts). 1xx, 204 and 304 have no body. Returns the head's length,
 * 0 for "need more", or -502 with a reason in *why when the head is invalid. A 1xx head
 * (100 Continue, 101 Switching Protocols) is returned like any other: the caller reads
 * the next head after a 100. */
int http_parse_response(const char *buf, size_t len, const char *req_method, size_t mlen,
			struct http_response *res, const char **why);

/* State of the chunked-body validator; treat as opaque. */
struct http_chunked {
	int state;
	uint64_t remaining; /* data bytes left in the current chunk */
	size_t ndigits;     /* hex digits of the current chunk-size */
	size_t ext;         /* chunk-extension bytes of the current chunk */
	size_t trailers;    /* trailer-section bytes so far */
	int quoted;         /* 1: in a quoted-string of a chunk extension, 3: after a backslash */
	const char *why;    /* the error, once there is one (sticky) */
};

/* Prepares `c` for a new chunked body. */
void http_chunked_init(struct http_chunked *c);

/* Feeds the next bytes of a chunked body (the proxy forwards them unchanged). Returns
 * how many bytes of buf belong to the body (<= len; fewer than len only when the body
 * ended inside buf), and sets *done to 1 once the body's final CRLF (after the trailers)
 * has been seen. Returns -1 with a reason in *why on malformed framing: bad or
 * overflowing chunk-size, missing CRLF after chunk data, an over-long or invalid chunk
 * extension, an invalid or over-long trailer section. The result does not depend on how
 * the body is split across calls. After the end, or after an error, further calls
 * return 0 (with *done = 1) or -1 again. */
long http_chunked_feed(struct http_chunked *c, const char *buf, size_t len, int *done,
		       const char **why);

/* For a caller that takes a chunked body apart (to re-frame it): how many chunk-data
 * bytes follow now (0 when the next byte is framing), and whether the next byte belongs
 * to the trailer section (the trailer fields and the final CRLF). */
uint64_t http_chunked_data_left(const struct http_chunked *c);
int http_chunked_in_trailers(const struct http_chunked *c);

/* Finds the first header named `name` (case-insensitive); NULL if absent. */
const struct http_header *http_find_header(const struct http_header *h, size_t n,
					   const char *name);

/* Counts the headers named `name` (case-insensitive). */
size_t http_count_headers(const struct http_header *h, size_t n, const char *name);

/* Whether any header named `name` holds `token` (case-insensitive) in its
 * comma-separated list, e.g. http_header_has_token(h, n, "Connection", "close"). */
int http_header_has_token(const struct http_header *h, size_t n, const char *name,
			  const char *token);

/* Whether header `name` is hop-by-hop for a proxy: one of the fixed list of RFC 9110
 * 7.6.1 (Connection, Keep-Alive, Proxy-Connection, Proxy-Authenticate,
 * Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade) or a name listed in a
 * Connection header of h[0..n). */
int http_is_hop_by_hop(const struct http_header *h, size_t n, struct http_span name);

/* Parses an authority "host[:port]" (as in CONNECT, an http:// URL or a Host header) of
 * s[0..len): lower-cases the host into host[] (NUL-terminated, HTTP_MAX_HOST + 3 bytes),
 * strips one trailing dot, removes the brackets of an IPv6 literal. A missing port is
 * default_port with *port_given = 0. Refuses userinfo ("user@host"), an empty host,
 * characters outside letters, digits, '-', '.', '_' in a name, an invalid IPv6 literal,
 * a port that is empty, 0, above 65535 or not digits. Returns 0, or -1 with *why. */
int http_parse_authority(const char *s, size_t len, uint16_t default_port, char *host,
			 uint16_t *port, int *port_given, int *is_ipv6, const char **why);

#endif
