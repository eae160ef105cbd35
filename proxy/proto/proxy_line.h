/* proxy_line.h: the PROXY protocol's version 1 line (HAProxy's text header), I/O-free.
 * isolation unprivileged's reaper begins each redirected connection with one, naming
 * where the sandbox was connecting: "PROXY TCP4 SRC DST SPORT DPORT\r\n" (TCP6 alike).
 * Nothing in it is trusted: the policy decides by the SNI or Host that follows, and the
 * line gives only the port (what the sandbox could also have connected to itself).
 */
#ifndef AIRLOCK_PROXY_LINE_H
#define AIRLOCK_PROXY_LINE_H

#include <stddef.h>
#include <stdint.h>

#define PROXY_LINE_MAX 107 /* the protocol's longest line, CRLF included */

struct proxy_line {
	int v6;                /* TCP6 */
	char dst[46];          /* the destination address, as written */
	uint16_t dst_port;
};

/* Parses the line at the start of the `len` bytes at `buf`. Returns its length (CRLF
 * included) when whole and valid, 0 when more bytes are needed, -1 when it is not a
 * valid TCP4/TCP6 line (with `why`). */
int proxy_line_parse(const char *buf, size_t len, struct proxy_line *out, const char **why);

#endif
