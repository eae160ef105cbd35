/* body_inject.c: see body_inject.h. */
#include "proxy/body_inject.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct body_inject {
	enum http_body framing;
	uint64_t left;            /* Content-Length bytes still to come */
	struct http_chunked ch;
	char *head;               /* the head, without its final empty line */
	size_t head_len, head_cap;
	char *data;               /* the body as it came (data only) */
	size_t len, cap;
	char *msg;                /* finished: head, Content-Length, body */
	size_t msg_room, msg_len, msg_sent;
	size_t msg_body;          /* where the body starts in msg */
};

struct body_inject *body_inject_new(enum http_body framing, uint64_t length, const char *head,
				    size_t head_len)
{
	struct body_inject *b = calloc(1, sizeof *b);
	if (!b || head_len < 2)
		goto fail;
	b->framing = framing;
	b->left = length;
	http_chunked_init(&b->ch);
	b->head_len = head_len - 2; /* the Content-Length line goes before the empty line */
	b->head = malloc(head_len);
	b->head_cap = head_len;
	b->cap = framing == HTTP_BODY_LENGTH && length < BODY_INJECT_MAX ? (size_t)length : 16384;
	b->data = malloc(b->cap ? b->cap : 1);
	if (!b->head || !b->data)
		goto fail;
	memcpy(b->head, head, head_len);
	return b;
fail:
	body_inject_free(b);
	return NULL;
}

static void wipe_free(char *p, size_t n)
{
	if (p)
		explicit_bzero(p, n);
	free(p);
}

void body_inject_free(struct body_inject *b)
{
	if (!b)
		return;
	wipe_free(b->head, b->head_cap);
	wipe_free(b->data, b->cap);
	wipe_free(b->msg, b->msg_room);
	free(b);
}

/* Appends data bytes; 0, or -1 past BODY_INJECT_MAX (or without memory). */
static int keep(struct body_inject *b, const char *p, size_t n)
{
	if (n > BODY_INJECT_MAX - b->len)
		return -1;
	if (b->len + n > b->cap) {
		size_t cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n;
		cap = cap > BODY_INJECT_MAX ? BODY_INJECT_MAX : cap;
		char *d = malloc(cap);
		if (!d)
			return -1;
		memcpy(d, b->data, b->len);
		wipe_free(b->data, b->cap);
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

enum body_take body_inject_take(struct body_inject *b, const char *in, size_t len,
				size_t *used, const char **why)
{
	size_t i = 0;
	*used = 0;
	if (b->framing == HTTP_BODY_LENGTH) {
		size_t k = len < b->left ? len : (size_t)b->left;
		if (keep(b, in, k) < 0)
			return BODY_TAKE_OVER;
		b->left -= k;
		*used = k;
		return b->left ? BODY_TAKE_MORE : BODY_TAKE_DONE;
	}
	while (i < len) {
		uint64_t data = http_chunked_data_left(&b->ch);
		size_t k = data ? (len - i < data ? len - i : (size_t)data) : 1;
		int done = 0;
		if (http_chunked_feed(&b->ch, in + i, k, &done, why) < 0)
			return BODY_TAKE_BAD;
		if (data && keep(b, in + i, k) < 0)
			return BODY_TAKE_OVER;
		i += k;
		if (done) {
			*used = i;
			return BODY_TAKE_DONE;
		}
	}
	*used = i;
	return BODY_TAKE_MORE;
}

const char *body_inject_body(const struct body_inject *b, size_t *len)
{
	*len = b->len;
	return b->data;
}

int body_inject_message(struct body_inject *b, const char *body, size_t len)
{
	char line[48];
	int ll = snprintf(line, sizeof line, "Content-Length: %zu\r\n\r\n", len);
	size_t room = b->head_len + (size_t)ll + len;
	char *msg = malloc(room ? room : 1);
	if (!msg)
		return -1;
	memcpy(msg, b->head, b->head_len);
	memcpy(msg + b->head_len, line, (size_t)ll);
	memcpy(msg + b->head_len + (size_t)ll, body, len);
	wipe_free(b->msg, b->msg_room);
	b->msg = msg;
	b->msg_room = b->msg_len = room;
	b->msg_body = b->head_len + (size_t)ll;
	b->msg_sent = 0;
	return 0;
}

/* secrets_scrub() of in[0..len) into a malloc'd buffer (its size in *cap) that is large
 * enough: a placeholder is at most about 11 times the 8-byte value it replaces. */
static char *scrub_copy(const struct secret_store *st, uint64_t mask, const char *basic,
			size_t basic_len, const char *in, size_t len, size_t *outlen, size_t *cap)
{
	for (size_t c = len * 2 + 4096;; c *= 3) {
		char *out = malloc(c);
		if (!out)
			return NULL;
		if (secrets_scrub(st, mask, basic, basic_len, in, len, out, c, outlen) >= 0) {
			*cap = c;
			return out;
		}
		free(out); /* wiped by secrets_scrub() */
		if (c > len * 12 + 4096)
			return NULL;
	}
}

int body_inject_scrub(struct body_inject *b, const struct secret_store *st, uint64_t mask,
		      const char *basic, size_t basic_len)
{
	if (!mask || !b->msg)
		return 0;
	size_t blen, bcap, hlen, hcap;
	char *body = scrub_copy(st, mask, basic, basic_len, b->msg + b->msg_body,
				b->msg_len - b->msg_body, &blen, &bcap);
	char *head = body ? scrub_copy(st, mask, basic, basic_len, b->head, b->head_len, &hlen,
				       &hcap)
			  : NULL;
	if (!head) {
		if (body)
			wipe_free(body, bcap);
		return -1;
	}
	wipe_free(b->head, b->head_cap);
	b->head = head;
	b->head_cap = hcap;
	b->head_len = hlen;
	int rc = body_inject_message(b, body, blen);
	wipe_free(body, bcap);
	return rc;
}

int body_inject_finish(struct body_inject *b, const struct secret_store *st, const char *host,
		       int tls, enum secrets_field kind, struct secrets_result *res)
{
	size_t cap = b->len + 256, n = 0;
	for (int round = 0; round < 2; round++) {
		char *out = malloc(cap);
		if (!out)
			return -1;
		int r = secrets_rewrite(st, host, tls, kind, NULL, b->data, b->len, out, cap, &n,
					res);
		if (r == 0)
			r = body_inject_message(b, out, n);
		wipe_free(out, cap);
		if (r == 1)
			return 1;
		if (r == 0)
			return 0;
		if (round == 0 && n > cap) {
			cap = n; /* the size needed */
			continue;
		}
		return -1;
	}
	return -1;
}

size_t body_inject_out(struct body_inject *b, char *out, size_t cap)
{
	size_t n = b->msg_len - b->msg_sent;
	n = n < cap ? n : cap;
	memcpy(out, b->msg + b->msg_sent, n);
	b->msg_sent += n;
	return n;
}

size_t body_inject_pending(const struct body_inject *b) { return b->msg_len - b->msg_sent; }

static int starts_with(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	return len >= n && strncasecmp(s, lit, n) == 0;
}

enum secrets_field body_inject_kind(const char *ctype, size_t len)
{
	if (!ctype)
		return SECRETS_BODY_TEXT;
	if (starts_with(ctype, len, "application/x-www-form-urlencoded"))
		return SECRETS_BODY_FORM;
	for (size_t i = 0; i + 4 <= len; i++)
		if (strncasecmp(ctype + i, "json", 4) == 0)
			return SECRETS_BODY_JSON;
	return SECRETS_BODY_TEXT;
}
