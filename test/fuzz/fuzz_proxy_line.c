/* fuzz_proxy_line: the PROXY line that begins a redirected connection
 * (proxy/proto/proxy_line.c), from bytes anyone inside could shape. Checked: no crash or
 * overrun; a line that parses ends in CRLF within 107 bytes and names a port. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/proto/proxy_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_line pl;
	const char *why = "";
	int n = proxy_line_parse((const char *)data, size, &pl, &why);
	if (n > 0 && ((size_t)n > size || n > PROXY_LINE_MAX || data[n - 1] != '\n' ||
		      data[n - 2] != '\r' || pl.dst_port == 0 || !memchr(pl.dst, 0, sizeof pl.dst)))
		abort();
	if (n < 0 && !why[0])
		abort();
	return 0;
}
