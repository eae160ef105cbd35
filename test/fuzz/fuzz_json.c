/* libFuzzer target: proxy/proto/json.c over arbitrary bytes. The first byte picks a path;
 * a found span must lie inside the input, start and end with a quote, and decode. */
#include "proxy/proto/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {"a", "access_token", "a.b", "token.access_token",
					    "private_key", "a.b.c.d"};
	if (size < 1)
		return 0;
	const char *path = paths[data[0] % (sizeof paths / sizeof paths[0])];
	const char *doc = (const char *)data + 1;
	size_t len = size - 1;
	struct json_span t;
	const char *why = NULL;
	enum json_result r = json_find_string(doc, len, path, &t, &why);
	if (r == JSON_INVALID && !why)
		abort();
	if (r == JSON_FOUND) {
		if (t.len < 2 || t.off + t.len > len || doc[t.off] != '"' || doc[t.off + t.len - 1] != '"')
			abort();
		char *out = malloc(t.len * 4 + 1);
		if (!out || json_string_decode(doc, t, out, t.len * 4) < 0)
			abort(); /* a decoded string is never longer than its token */
		free(out);
	}
	return 0;
}
