/* body_scrub.c: see body_scrub.h. */
#include "proxy/body_scrub.h"

#include <stdlib.h>
#include <string.h>

#include "net/base/buf.h"

struct body_scrub {
	struct secrets_scrubber sc;
	char *basic;         /* the copied credential list sc points into */
	uint64_t count;
	size_t len, cap;     /* held input: data[0..len) */
	char data[];
};

struct body_scrub *body_scrub_new(const struct secret_store *st, uint64_t mask,
				  const char *basic, size_t basic_len)
{
	struct secrets_scrubber probe;
	if (secrets_scrubber_init(&probe, st, mask, basic, basic_len) < 0)
		return NULL;
	/* Room for a whole match plus a read's worth of bytes, so a held partial match
	 * never blocks the input. */
	size_t cap = secrets_scrubber_span(&probe) + BUF_SIZE;
	secrets_scrubber_wipe(&probe);
	struct body_scrub *s = calloc(1, sizeof *s + cap);
	char *copy = malloc(basic_len + 1);
	if (!s || !copy) {
		free(s);
		free(copy);
		return NULL;
	}
	if (basic_len)
		memcpy(copy, basic, basic_len);
	s->basic = copy;
	s->cap = cap;
	if (secrets_scrubber_init(&s->sc, st, mask, copy, basic_len) < 0) {
		body_scrub_free(s);
		return NULL;
	}
	return s;
}

void body_scrub_free(struct body_scrub *s)
{
	if (!s)
		return;
	secrets_scrubber_wipe(&s->sc);
	explicit_bzero(s->data, s->cap);
	free(s->basic);
	free(s);
}

size_t body_scrub_room(const struct body_scrub *s) { return s->cap - s->len; }

size_t body_scrub_held(const struct body_scrub *s) { return s->len; }

uint64_t body_scrub_count(const struct body_scrub *s) { return s->count; }

size_t body_scrub_put(struct body_scrub *s, const char *in, size_t len)
{
	size_t n = len < s->cap - s->len ? len : s->cap - s->len;
	memcpy(s->data + s->len, in, n);
	s->len += n;
	return n;
}

size_t body_scrub_get(struct body_scrub *s, char *out, size_t cap, int final)
{
	size_t i = 0, o = 0;
	while (i < s->len) {
		struct secrets_scrub_match m;
		int r = secrets_scrubber_match(&s->sc, s->data + i, s->len - i, &m);
		if (r == SECRETS_SCRUB_FOUND) {
			size_t pre = m.prefixed ? SECRETS_PREFIX_LEN : 0;
			if (pre + m.rlen > cap - o)
				break;
			memcpy(out + o, SECRETS_PREFIX, pre);
			memcpy(out + o + pre, m.rep, m.rlen);
			o += pre + m.rlen;
			i += m.len;
			s->count++;
			continue;
		}
		if (r == SECRETS_SCRUB_PARTIAL && !final)
			break; /* the next bytes decide */
		if (o == cap)
			break;
		out[o++] = s->data[i++];
	}
	/* What was taken out is wiped where it lay: it may have held a value. */
	memmove(s->data, s->data + i, s->len - i);
	explicit_bzero(s->data + (s->len - i), i);
	s->len -= i;
	return o;
}
