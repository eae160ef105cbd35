/* sni.h: finds the server name (SNI) in a TLS ClientHello, for passthrough tunnels.
 *
 * A passthrough tunnel is only opened to the host named in CONNECT; the ClientHello's
 * server_name must name that same host, or a program could CONNECT to an allowed host
 * and then speak TLS to another name behind a shared front (domain fronting). The parser
 * reads TLS records from the start of the client's byte stream, joins the handshake
 * fragments (a ClientHello may span records), and walks the extensions. Bounded: a
 * ClientHello longer than SNI_MAX_HELLO is refused. I/O-free, no allocation.
 */
#ifndef AIRLOCK_PROXY_SNI_H
#define AIRLOCK_PROXY_SNI_H

#include <stddef.h>

#define SNI_MAX_HELLO 16384  /* handshake bytes we are willing to look at */
#define SNI_MAX_NAME 255

enum sni_result {
	SNI_FOUND = 0,   /* name[] holds the host_name (lower-case, NUL-terminated) */
	SNI_NEED_MORE,   /* the ClientHello is not complete yet in buf */
	SNI_ABSENT,      /* a valid ClientHello without a server_name host_name */
	SNI_NOT_TLS,     /* the bytes are not a TLS handshake record */
	SNI_MALFORMED,   /* a ClientHello whose lengths do not add up, or too long */
};

/* Looks at buf[0..len), the first bytes the client sent in the tunnel. On SNI_FOUND the
 * name (at most SNI_MAX_NAME bytes, lower-cased, one trailing dot removed) is written to
 * name (namelen >= SNI_MAX_NAME + 1). On failures other than NEED_MORE, *why (if not
 * NULL) gets a short static reason. */
enum sni_result sni_parse(const unsigned char *buf, size_t len, char *name, size_t namelen,
			  const char **why);

#endif
