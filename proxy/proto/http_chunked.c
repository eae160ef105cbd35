/* http_chunked.c: a byte-at-a-time validator of the chunked transfer coding (RFC 9112
 * 7.1). The proxy forwards chunked bodies unchanged; this only tells it where the body
 * ends and refuses framing that another parser could read differently.
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )
 *
 * The state is one small struct, so the verdict cannot depend on how the bytes are split
 * between calls. Chunk extensions are checked for their character set and bounded in
 * size, not interpreted.
 */
#include "proxy/proto/http.h"
#include "proxy/proto/http_internal.h"

#include <string.h>

enum {
	CS_SIZE0,     /* expecting the first hex digit of a chunk-size */
	CS_SIZE,      /* more hex digits, BWS, ';' or CR */
	CS_BWS,       /* whitespace after the size: more of it, or ';' */
	CS_EXT,       /* inside chunk extensions, until CR */
	CS_SIZE_LF,   /* CR seen after the size line */
	CS_DATA,      /* chunk data */
	CS_DATA_CR,   /* expecting CR after chunk data */
	CS_DATA_LF,   /* expecting LF after chunk data */
	CS_TRL_START, /* start of a trailer line, or of the final CRLF */
	CS_TRL_NAME,  /* in a trailer field name */
	CS_TRL_VALUE, /* in a trailer field value */
	CS_TRL_LF,    /* CR seen at the end of a trailer line */
	CS_END_LF,    /* CR of the final CRLF seen */
	CS_DONE,
	CS_ERROR,
};

#define MAX_SIZE_DIGITS 32 /* leading zeros are legal, but not without end */
#define Q_IN 1             /* inside a quoted-string */
#define Q_ESC 2            /* after a backslash inside a quoted-string */

void http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof *c);
	c->state = CS_SIZE0;
}

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int fail(struct http_chunked *c, const char *why)
{
	c->state = CS_ERROR;
	c->why = why;
	return -1;
}

/* One byte of a chunk extension: characters of tokens, ';', '=', BWS and quoted-strings;
 * CR (outside quotes) ends the line. */
static int ext_byte(struct http_chunked *c, unsigned char ch)
{
	if (++c->ext > HTTP_MAX_CHUNK_EXT)
		return fail(c, "chunk extension longer than 4 KiB");
	if (c->quoted & Q_ESC) {
		c->quoted = Q_IN;
		return http_is_field_char(ch) ? 0 : fail(c, "invalid character in a chunk extension");
	}
	if (c->quoted & Q_IN) {
		if (ch == '"')
			c->quoted = 0;
		else if (ch == '\\')
			c->quoted = Q_IN | Q_ESC;
		else if (!http_is_field_char(ch))
			return fail(c, "invalid character in a chunk extension");
		return 0;
	}
	if (ch == '\r') {
		c->state = CS_SIZE_LF;
		return 0;
	}
	if (ch == '"')
		c->quoted = Q_IN;
	else if (!http_is_tchar(ch) && ch != ';' && ch != '=' && ch != ' ' && ch != '\t')
		return fail(c, "invalid character in a chunk extension");
	return 0;
}

/* One byte of the trailer section (field lines, then the final CRLF). */
static int trailer_byte(struct http_chunked *c, unsigned char ch)
{
	if (++c->trailers > HTTP_MAX_TRAILERS)
		return fail(c, "trailer section longer than 64 KiB");
	switch (c->state) {
	case CS_TRL_START:
		if (ch == '\r')
			c->state = CS_END_LF;
		else if (http_is_tchar(ch))
			c->state = CS_TRL_NAME;
		else if (ch == ' ' || ch == '\t')
			return fail(c, "line folding or leading whitespace in a trailer");
		else
			return fail(c, "invalid character in a trailer field name");
		return 0;
	case CS_TRL_NAME:
		if (ch == ':')
			c->state = CS_TRL_VALUE;
		else if (ch == ' ' || ch == '\t')
			return fail(c, "whitespace between a trailer name and its colon");
		else if (!http_is_tchar(ch))
			return fail(c, "invalid character in a trailer field name");
		return 0;
	case CS_TRL_VALUE:
		if (ch == '\r')
			c->state = CS_TRL_LF;
		else if (!http_is_field_char(ch))
			return fail(c, "invalid character in a trailer field value");
		return 0;
	case CS_TRL_LF:
		if (ch != '\n')
			return fail(c, "bare CR in a trailer");
		c->state = CS_TRL_START;
		return 0;
	default: /* CS_END_LF */
		if (ch != '\n')
			return fail(c, "bare CR at the end of a chunked body");
		c->state = CS_DONE;
		return 0;
	}
}

/* One byte of a chunk-size line or of the CRLF after chunk data. */
static int line_byte(struct http_chunked *c, unsigned char ch)
{
	int h;
	switch (c->state) {
	case CS_SIZE0:
		if ((h = hexval(ch)) < 0)
			return fail(c, "chunk-size is not a hexadecimal number");
		c->remaining = (uint64_t)h;
		c->ndigits = 1;
		c->ext = 0;
		c->quoted = 0;
		c->state = CS_SIZE;
		return 0;
	case CS_SIZE:
		if ((h = hexval(ch)) >= 0) {
			/* Bounded by 2^63 - 1 like Content-Length. */
			if (++c->ndigits > MAX_SIZE_DIGITS ||
			    c->remaining > (UINT64_C(0x7fffffffffffffff) - (uint64_t)h) >> 4)
				return fail(c, "chunk-size too large");
			c->remaining = (c->remaining << 4) | (uint64_t)h;
		} else if (ch == '\r')
			c->state = CS_SIZE_LF;
		else if (ch == ';')
			c->state = CS_EXT;
		else if (ch == ' ' || ch == '\t')
			c->state = CS_BWS;
		else
			return fail(c, "invalid character after a chunk-size");
		return 0;
	case CS_BWS:
		if (++c->ext > HTTP_MAX_CHUNK_EXT)
			return fail(c, "chunk extension longer than 4 KiB");
		if (ch == ';')
			c->state = CS_EXT;
		else if (ch != ' ' && ch != '\t')
			return fail(c, "whitespace after a chunk-size not followed by ';'");
		return 0;
	case CS_SIZE_LF:
		if (ch != '\n')
			return fail(c, "bare CR in a chunk-size line");
		c->state = c->remaining ? CS_DATA : CS_TRL_START;
		return 0;
	case CS_DATA_CR:
		if (ch != '\r')
			return fail(c, "chunk data not followed by CRLF (chunk-size wrong?)");
		c->state = CS_DATA_LF;
		return 0;
	default: /* CS_DATA_LF */
		if (ch != '\n')
			return fail(c, "chunk data not followed by CRLF (chunk-size wrong?)");
		c->state = CS_SIZE0;
		return 0;
	}
}

long http_chunked_feed(struct http_chunked *c, const char *buf, size_t len, int *done,
		       const char **why)
{
	size_t i = 0;
	*done = 0;
	while (i < len && c->state != CS_DONE && c->state != CS_ERROR) {
		unsigned char ch = (unsigned char)buf[i];
		int r;
		if (c->state == CS_DATA) {
			/* The bulk of a body: skip it without looking at each byte. */
			size_t take = len - i;
			if (take > c->remaining)
				take = (size_t)c->remaining;
			c->remaining -= take;
			i += take;
			if (c->remaining == 0)
				c->state = CS_DATA_CR;
			continue;
		}
		if (c->state == CS_EXT)
			r = ext_byte(c, ch);
		else if (c->state >= CS_TRL_START)
			r = trailer_byte(c, ch);
		else
			r = line_byte(c, ch);
		if (r < 0)
			break;
		i++;
	}
	if (c->state == CS_ERROR) {
		*why = c->why;
		return -1;
	}
	*done = c->state == CS_DONE;
	return (long)i;
}

uint64_t http_chunked_data_left(const struct http_chunked *c)
{
	return c->state == CS_DATA ? c->remaining : 0;
}

int http_chunked_in_trailers(const struct http_chunked *c)
{
	return c->state >= CS_TRL_START && c->state <= CS_END_LF;
}
