/* json.c: see json.h. A recursive-descent validator that, on its way, follows the
 * members named by the path. */
#include "proxy/proto/json.h"
#include "net/base/percent.h"

#include <string.h>

struct scan {
	const char *d;
	size_t n, i;
	const char *why;
	char comp[JSON_MAX_PATH][JSON_MAX_KEY];
	size_t clen[JSON_MAX_PATH];
	int ncomp;
	int found;          /* times the target member was seen */
	int not_string;
	struct json_span tok;
	struct json_span raw; /* the member's value as written, whatever its type */
};

static int fail(struct scan *s, const char *why)
{
	if (!s->why)
		s->why = why;
	return -1;
}

static void skip_ws(struct scan *s)
{
	while (s->i < s->n && (s->d[s->i] == ' ' || s->d[s->i] == '\t' ||
			       s->d[s->i] == '\n' || s->d[s->i] == '\r'))
		s->i++;
}

/* The 4 hex digits at p (known to be there): their value, or -1. */
static long hex4(const char *p)
{
	long v = 0;
	for (int k = 0; k < 4; k++) {
		int h = percent_hexval((unsigned char)p[k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at p[0..left), or 0 (overlong forms, surrogates
 * and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n;
	unsigned min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* One \uXXXX escape at d[i] (the backslash), with its pair when it is a high surrogate.
 * Stores the code point and the escape's length; returns 0, or -1 when invalid. */
static int u_escape(const char *d, size_t n, size_t i, unsigned long *cp, size_t *elen)
{
	if (n - i < 6)
		return -1;
	long hi = hex4(d + i + 2);
	if (hi < 0 || (hi >= 0xdc00 && hi <= 0xdfff))
		return -1;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = (unsigned long)hi;
		*elen = 6;
		return 0;
	}
	if (n - i < 12 || d[i + 6] != '\\' || d[i + 7] != 'u')
		return -1;
	long lo = hex4(d + i + 8);
	if (lo < 0xdc00 || lo > 0xdfff)
		return -1;
	*cp = 0x10000 + (((unsigned long)hi - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
	*elen = 12;
	return 0;
}

/* A string token at s->i (the opening quote); leaves s->i after the closing one. */
static int scan_string(struct scan *s, struct json_span *tok)
{
	size_t start = s->i++;
	while (s->i < s->n) {
		unsigned char c = (unsigned char)s->d[s->i];
		if (c == '"') {
			s->i++;
			tok->off = start;
			tok->len = s->i - start;
			return 0;
		}
		if (c < 0x20)
			return fail(s, "a control character inside a string (escape it)");
		if (c == '\\') {
			if (s->i + 1 >= s->n)
				break;
			char e = s->d[s->i + 1];
			if (e == 'u') {
				unsigned long cp;
				size_t elen;
				if (u_escape(s->d, s->n, s->i, &cp, &elen) < 0)
					return fail(s, "a bad \\u escape (four hex digits; surrogates in pairs)");
				s->i += elen;
			} else if (strchr("\"\\/bfnrt", e) && e) {
				s->i += 2;
			} else {
				return fail(s, "an unknown escape in a string");
			}
			continue;
		}
		size_t u = utf8_len((const unsigned char *)s->d + s->i, s->n - s->i);
		if (!u)
			return fail(s, "a string that is not valid UTF-8");
		s->i += u;
	}
	return fail(s, "a string without its closing quote");
}

static int scan_number(struct scan *s)
{
	const char *d = s->d;
	size_t n = s->n, i = s->i;
	if (i < n && d[i] == '-')
		i++;
	if (i < n && d[i] == '0')
		i++;
	else if (i < n && d[i] >= '1' && d[i] <= '9')
		while (i < n && d[i] >= '0' && d[i] <= '9')
			i++;
	else
		return fail(s, "a bad number");
	if (i < n && d[i] == '.') {
		size_t f = ++i;
		while (i < n && d[i] >= '0' && d[i] <= '9')
			i++;
		if (i == f)
			return fail(s, "a bad number (digits after the point)");
	}
	if (i < n && (d[i] == 'e' || d[i] == 'E')) {
		i++;
		if (i < n && (d[i] == '+' || d[i] == '-'))
			i++;
		size_t f = i;
		while (i < n && d[i] >= '0' && d[i] <= '9')
			i++;
		if (i == f)
			return fail(s, "a bad number (digits in the exponent)");
	}
	s->i = i;
	return 0;
}

static int scan_literal(struct scan *s, const char *word)
{
	size_t k = strlen(word);
	if (s->n - s->i < k || memcmp(s->d + s->i, word, k) != 0)
		return fail(s, "an unexpected character (not a JSON value)");
	s->i += k;
	return 0;
}

static int scan_value(struct scan *s, int depth, int level);

/* Whether the key token equals path component `level` once decoded. */
static int key_is(struct scan *s, struct json_span key, int level)
{
	char buf[JSON_MAX_KEY];
	long k = json_string_decode(s->d, key, buf, sizeof buf);
	return k >= 0 && (size_t)k == s->clen[level] && memcmp(buf, s->comp[level], (size_t)k) == 0;
}

/* An object at s->i; `level` path components matched on the way here (-1: off it). */
static int scan_object(struct scan *s, int depth, int level)
{
	int matches = 0;
	s->i++;
	skip_ws(s);
	if (s->i < s->n && s->d[s->i] == '}') {
		s->i++;
		return 0;
	}
	for (;;) {
		struct json_span key;
		if (s->i >= s->n || s->d[s->i] != '"')
			return fail(s, "a member name must be a string");
		if (scan_string(s, &key) < 0)
			return -1;
		skip_ws(s);
		if (s->i >= s->n || s->d[s->i] != ':')
			return fail(s, "a ':' must follow a member name");
		s->i++;
		skip_ws(s);
		int child = -1;
		if (level >= 0 && level < s->ncomp && key_is(s, key, level)) {
			if (++matches > 1)
				return fail(s, "a member on the path is named twice");
			child = level + 1;
		}
		if (child == s->ncomp) {
			size_t at = s->i;
			if (s->i < s->n && s->d[s->i] == '"') {
				s->found++;
				if (scan_string(s, &s->tok) < 0)
					return -1;
			} else {
				s->not_string = 1;
				if (scan_value(s, depth + 1, -1) < 0)
					return -1;
			}
			s->raw.off = at;
			s->raw.len = s->i - at;
		} else if (scan_value(s, depth + 1, child) < 0) {
			return -1;
		}
		skip_ws(s);
		if (s->i < s->n && s->d[s->i] == ',') {
			s->i++;
			skip_ws(s);
			continue;
		}
		if (s->i < s->n && s->d[s->i] == '}') {
			s->i++;
			return 0;
		}
		return fail(s, "a ',' or '}' must follow a member");
	}
}

static int scan_array(struct scan *s, int depth)
{
	s->i++;
	skip_ws(s);
	if (s->i < s->n && s->d[s->i] == ']') {
		s->i++;
		return 0;
	}
	for (;;) {
		if (scan_value(s, depth + 1, -1) < 0)
			return -1;
		skip_ws(s);
		if (s->i < s->n && s->d[s->i] == ',') {
			s->i++;
			skip_ws(s);
			continue;
		}
		if (s->i < s->n && s->d[s->i] == ']') {
			s->i++;
			return 0;
		}
		return fail(s, "a ',' or ']' must follow an array element");
	}
}

static int scan_value(struct scan *s, int depth, int level)
{
	if (depth > JSON_MAX_DEPTH)
		return fail(s, "nested too deeply");
	if (s->i >= s->n)
		return fail(s, "the document ends where a value should be");
	struct json_span ignored;
	switch (s->d[s->i]) {
	case '{': return scan_object(s, depth, level);
	case '[': return scan_array(s, depth);
	case '"': return scan_string(s, &ignored);
	case 't': return scan_literal(s, "true");
	case 'f': return scan_literal(s, "false");
	case 'n': return scan_literal(s, "null");
	default: return scan_number(s);
	}
}

/* Splits "a.b.c" into s->comp; -1 for an empty component or one too many or too long. */
static int split_path(struct scan *s, const char *path)
{
	s->ncomp = 0;
	for (const char *p = path;;) {
		const char *dot = strchr(p, '.');
		size_t k = dot ? (size_t)(dot - p) : strlen(p);
		if (k == 0 || k > JSON_MAX_KEY || s->ncomp == JSON_MAX_PATH)
			return -1;
		memcpy(s->comp[s->ncomp], p, k);
		s->clen[s->ncomp++] = k;
		if (!dot)
			return 0;
		p = dot + 1;
	}
}

/* Scans the whole document following `path`: 0, or -1 with *why set. */
static int scan_doc(struct scan *s, const char *doc, size_t len, const char *path,
		    const char **why)
{
	memset(s, 0, sizeof *s);
	s->d = doc;
	s->n = len;
	*why = NULL;
	if (split_path(s, path) < 0) {
		*why = "a bad path (components of 1 to 256 bytes, at most 8, joined by '.')";
		return -1;
	}
	skip_ws(s);
	if (scan_value(s, 1, 0) < 0) {
		*why = s->why;
		return -1;
	}
	skip_ws(s);
	if (s->i != s->n) {
		*why = "text after the JSON value";
		return -1;
	}
	return 0;
}

enum json_result json_find_integer(const char *doc, size_t len, const char *path,
				   long long *v, const char **why)
{
	struct scan s;
	if (scan_doc(&s, doc, len, path, why) < 0)
		return JSON_INVALID;
	if (!s.not_string)
		return s.found ? JSON_NOT_STRING : JSON_ABSENT;
	/* A number in plain integer form, small enough: "3599", "-1". */
	const char *p = doc + s.raw.off;
	size_t n = s.raw.len, i = p[0] == '-';
	if (n == i || n - i > 18)
		return JSON_NOT_STRING;
	long long x = 0;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return JSON_NOT_STRING;
		x = x * 10 + (p[i] - '0');
	}
	*v = p[0] == '-' ? -x : x;
	return JSON_FOUND;
}

enum json_result json_find_string(const char *doc, size_t len, const char *path,
				  struct json_span *tok, const char **why)
{
	struct scan s;
	memset(&s, 0, sizeof s);
	s.d = doc;
	s.n = len;
	*why = NULL;
	if (split_path(&s, path) < 0) {
		*why = "a bad path (components of 1 to 256 bytes, at most 8, joined by '.')";
		return JSON_INVALID;
	}
	/* A UTF-8 byte-order mark is not JSON (RFC 8259 8.1 lets a parser refuse it). */
	skip_ws(&s);
	if (scan_value(&s, 1, 0) < 0) {
		*why = s.why;
		return JSON_INVALID;
	}
	skip_ws(&s);
	if (s.i != s.n) {
		*why = "text after the JSON value";
		return JSON_INVALID;
	}
	if (s.found) {
		*tok = s.tok;
		return JSON_FOUND;
	}
	return s.not_string ? JSON_NOT_STRING : JSON_ABSENT;
}

/* Writes code point cp as UTF-8 at out[*k..cap); -1 when it does not fit. */
static int put_utf8(char *out, size_t cap, size_t *k, unsigned long cp)
{
	unsigned char b[4];
	size_t n;
	if (cp < 0x80)
		b[0] = (unsigned char)cp, n = 1;
	else if (cp < 0x800)
		b[0] = (unsigned char)(0xc0 | cp >> 6), b[1] = (unsigned char)(0x80 | (cp & 0x3f)), n = 2;
	else if (cp < 0x10000)
		b[0] = (unsigned char)(0xe0 | cp >> 12), b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)),
		b[2] = (unsigned char)(0x80 | (cp & 0x3f)), n = 3;
	else
		b[0] = (unsigned char)(0xf0 | cp >> 18), b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f)),
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (unsigned char)(0x80 | (cp & 0x3f)),
		n = 4;
	if (cap - *k < n)
		return -1;
	memcpy(out + *k, b, n);
	*k += n;
	return 0;
}

long json_string_decode(const char *doc, struct json_span tok, char *out, size_t cap)
{
	size_t k = 0, i = tok.off + 1, end = tok.off + tok.len - 1;
	while (i < end) {
		char c = doc[i];
		if (c != '\\') {
			if (k == cap)
				return -1;
			out[k++] = c;
			i++;
			continue;
		}
		char e = doc[i + 1];
		if (e == 'u') {
			unsigned long cp;
			size_t elen;
			if (u_escape(doc, end, i, &cp, &elen) < 0 || put_utf8(out, cap, &k, cp) < 0)
				return -1;
			i += elen;
			continue;
		}
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *m = strchr(from, e);
		if (!m || !e || k == cap)
			return -1;
		out[k++] = to[m - from];
		i += 2;
	}
	return (long)k;
}

/* Writes e[0..n) at out[*pos..cap) when it fits; advances *pos in any case. */
static int put_raw(const char *e, size_t n, char *out, size_t cap, size_t *pos)
{
	int rc = 0;
	if (*pos <= cap && cap - *pos >= n)
		memcpy(out + *pos, e, n);
	else
		rc = -1;
	*pos += n;
	return rc;
}

int json_escape(const char *s, size_t n, char *out, size_t cap, size_t *pos)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	int rc = 0;
	size_t i = 0;
	while (i < n) {
		unsigned char c = u[i];
		char esc[6] = {'\\', (char)c};
		size_t elen = 2, l = 1;
		if (c == '\n' || c == '\r' || c == '\t') {
			esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4], esc[5] = hex[c & 15], elen = 6;
		} else if (c != '"' && c != '\\') {
			l = utf8_len(u + i, n - i);
			if (l == 0)
				return -1;
			if (put_raw(s + i, l, out, cap, pos) < 0)
				rc = -1;
			i += l;
			continue;
		}
		if (put_raw(esc, elen, out, cap, pos) < 0)
			rc = -1;
		i += l;
	}
	return rc;
}
