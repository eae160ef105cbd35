/* fuzz_exchange: the HTTP/1.1 exchange in-process, no sockets. The input is split: the
 * first byte picks the request head (and whether a secret was injected), the rest is
 * fed as request body bytes and as upstream bytes in pieces whose sizes come from the
 * input, through the same struct buf the proxy uses; the upstream ends with the input.
 * Checked: the buffer's bounds, and, when a secret was injected, that the bytes cleared
 * for the client never hold its value (heads and scrubbed bodies alike) until an
 * upgrade hands the connection over. */
#include "proxy/exchange.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const heads[] = {
	"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
	"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
	"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
};

static char *hosts[] = {"h"};
static struct policy_secret sec = {.name = "TOKEN", .hosts = hosts, .nhosts = 1};
static struct policy_secret tok = {.name = "ACCESS", .hosts = hosts, .nhosts = 1, .token = 1,
				   .from_host = "h", .from_path = "/token", .field = "access_token"};

static void feed(struct buf *b, const uint8_t **p, size_t *n, size_t want)
{
	size_t room = BUF_SIZE - b->end;
	if (room == 0) {
		buf_compact(b);
		room = BUF_SIZE - b->end;
	}
	if (want > *n)
		want = *n;
	if (want > room)
		want = room;
	memcpy(b->data + b->end, *p, want);
	b->end += want;
	*p += want;
	*n -= want;
}

/* What the proxy does with cleared bytes: they leave the buffer. */
static void drain(struct buf *b)
{
	b->start += b->fwd;
	b->fwd = 0;
	if (b->start == b->end)
		b->start = b->end = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	static struct secret_store st;
	st.entries[0] = (struct secret_entry){&sec, (char *)"value-0123456789", 16,
					      SECRET_SOURCE_ENV, 0};
	st.entries[1] = (struct secret_entry){&tok, NULL, 0, SECRET_SOURCE_NONE, 0};
	st.count = 2;
	if (!st.arena) { /* a token needs a slot of the arena: one mapping for the run */
		st.arena_cap = 2 * SECRET_TOKEN_MAX;
		st.arena = calloc(1, st.arena_cap);
	}
	st.used = 0;
	const char *head = heads[data[0] % (sizeof heads / sizeof heads[0])];
	struct http_request req;
	const char *why;
	if (http_parse_request(head, strlen(head), &req, &why) <= 0)
		abort();
	struct exchange x = {0};
	exchange_begin(&x, &req);
	/* Bit 0x20: the request went to the [token] endpoint, whose answer is gathered. */
	struct exchange_ctx cx = {data[0] & 0x80 ? "HEAD" : "GET", "h", 443, &st,
					(data[0] & 0x40) ? 1 : 0, NULL, 0, 0, 1,
					(data[0] & 0x20) ? 1 : -1, &st, 1000};
	static struct buf up, down;
	memset(&up, 0, offsetof(struct buf, data));
	memset(&down, 0, offsetof(struct buf, data));
	const uint8_t *p = data + 2;
	size_t n = size - 2;
	size_t piece = (size_t)data[1] + 1;
	struct exchange_result r;
	int done = 0;
	static char seen[1 << 20];
	size_t nseen = 0;
	int rounds = 0;
	while ((n > 0 || rounds++ < 4) && !done) {
		cx.upstream_eof = n == 0;
		feed(&up, &p, &n, piece / 2 + 1);
		exchange_request(&x, &cx, &up, &r);
		if (up.fwd > up.end - up.start)
			abort();
		if (r.outcome == EXCHANGE_FAIL)
			break;
		drain(&up);
		feed(&down, &p, &n, piece);
		exchange_response(&x, &cx, &down, &r);
		if (down.fwd > down.end - down.start || down.end > BUF_SIZE)
			abort();
		done = r.outcome != EXCHANGE_MORE;
		if (r.outcome != EXCHANGE_UPGRADE && nseen + down.fwd <= sizeof seen) {
			memcpy(seen + nseen, down.data + down.start, down.fwd);
			nseen += down.fwd;
		}
		drain(&down);
	}
	exchange_end(&x);
	if (cx.injected && memmem(seen, nseen, "value-0123456789", 16))
		abort(); /* a value reached the client */
	return 0;
}
