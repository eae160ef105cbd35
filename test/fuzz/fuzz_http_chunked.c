/* libFuzzer target for the chunked-body validator: the verdict (bytes taken, end, error
 * and its reason) must not depend on how the body is split across calls. The first two
 * bytes seed the split points; the rest is the body. */
#include "proxy/proto/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct verdict {
	long taken; /* bytes that belong to the body, or -1 */
	int done;
	const char *why;
};

/* Feeds b[0..n) in pieces whose sizes come from a small PRNG (step 0: all at once). */
static struct verdict run(const char *b, size_t n, uint32_t seed, int mode)
{
	struct http_chunked c;
	struct verdict v = {0, 0, NULL};
	http_chunked_init(&c);
	size_t off = 0;
	while (off < n) {
		size_t piece = n - off;
		if (mode == 1)
			piece = 1;
		else if (mode == 2) {
			seed = seed * 1103515245u + 12345u;
			piece = 1 + (seed >> 16) % 17;
			if (piece > n - off)
				piece = n - off;
		}
		int done = 0;
		const char *why = NULL;
		long r = http_chunked_feed(&c, b + off, piece, &done, &why);
		if (r < 0) {
			if (!why || !*why)
				abort();
			v.taken = -1;
			v.why = why;
			return v;
		}
		if ((size_t)r > piece || ((size_t)r < piece && !done))
			abort();
		off += (size_t)r;
		if (done) {
			v.done = 1;
			break;
		}
	}
	v.taken = (long)off;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint32_t seed = (uint32_t)data[0] << 8 | data[1];
	const char *b = (const char *)data + 2;
	size_t n = size - 2;
	struct verdict whole = run(b, n, seed, 0);
	struct verdict split = run(b, n, seed, 2);
	if (whole.taken != split.taken || whole.done != split.done || whole.why != split.why)
		abort();
	if (n <= 4096) {
		struct verdict bytes = run(b, n, seed, 1);
		if (whole.taken != bytes.taken || whole.done != bytes.done || whole.why != bytes.why)
			abort();
	}
	return 0;
}
