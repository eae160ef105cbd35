/* libFuzzer target: proxy/proto/control_msg.c (the control socket's requests) over
 * arbitrary bytes: a request parses or is refused with a sentence; a parsed host is
 * NUL-terminated within its bound, and a command that takes one has one. */
#include "proxy/proto/control_msg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_request req;
	const char *why = NULL;
	if (control_parse((const char *)data, size, &req, &why) < 0) {
		if (!why || !*why)
			abort();
		return 0;
	}
	size_t n = strnlen(req.host, sizeof req.host);
	if (n == sizeof req.host)
		abort();
	int takes = req.cmd == CONTROL_ALLOW || req.cmd == CONTROL_PASSTHROUGH ||
		    req.cmd == CONTROL_REVOKE;
	if (takes != (n > 0))
		abort();
	return 0;
}
