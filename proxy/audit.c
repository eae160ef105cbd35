/* audit.c: see audit.h. */
#include "proxy/audit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned min;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int put(char *buf, size_t len, size_t *pos, const char *s, size_t n)
{
	if (*pos + n >= len)
		return -1;
	memcpy(buf + *pos, s, n);
	*pos += n;
	return 0;
}

int audit_json_escape(char *buf, size_t len, size_t *pos, const char *s, size_t n, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t lim = n > cap ? cap : n;
	size_t i = 0;
	while (i < lim) {
		unsigned char c = u[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c;
			if (put(buf, len, pos, esc, 2))
				return -1;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			const char *e = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
			if (e) {
				if (put(buf, len, pos, e, 2))
					return -1;
			} else {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				if (put(buf, len, pos, esc, 6))
					return -1;
			}
			i++;
		} else {
			size_t l = utf8_len(u + i, lim - i);
			if (l == 0) {
				if (put(buf, len, pos, "\\ufffd", 6))
					return -1;
				i++;
			} else {
				if (put(buf, len, pos, s + i, l))
					return -1;
				i += l;
			}
		}
	}
	if (n > lim && put(buf, len, pos, "...", 3))
		return -1;
	return 0;
}

static int put_str(char *buf, size_t len, size_t *pos, const char *key, const char *val,
		   size_t cap)
{
	char k[40];
	int kn = snprintf(k, sizeof k, ",\"%s\":\"", key);
	if (put(buf, len, pos, k, (size_t)kn))
		return -1;
	if (!val)
		val = "";
	if (audit_json_escape(buf, len, pos, val, strlen(val), cap))
		return -1;
	return put(buf, len, pos, "\"", 1);
}

static int put_num(char *buf, size_t len, size_t *pos, const char *key, unsigned long long v)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof tmp, ",\"%s\":%llu", key, v);
	return put(buf, len, pos, tmp, (size_t)n);
}

size_t audit_format(const struct audit_event *ev, char *buf, size_t len)
{
	struct timespec ts = ev->time;
	if (ts.tv_sec == 0 && ts.tv_nsec == 0)
		clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char head[96];
	int hn = snprintf(head, sizeof head, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\"",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			  tm.tm_sec, ts.tv_nsec / 1000000);
	size_t pos = 0;
	if (put(buf, len, &pos, head, (size_t)hn) ||
	    put_str(buf, len, &pos, "event", ev->event, AUDIT_FIELD_MAX) ||
	    put_str(buf, len, &pos, "host", ev->host, AUDIT_FIELD_MAX) ||
	    put_num(buf, len, &pos, "port", ev->port) ||
	    put_str(buf, len, &pos, "method", ev->method, AUDIT_FIELD_MAX) ||
	    put_str(buf, len, &pos, "path", ev->path, AUDIT_PATH_MAX) ||
	    put_str(buf, len, &pos, "decision", ev->decision, AUDIT_FIELD_MAX) ||
	    put_str(buf, len, &pos, "rule", ev->rule, AUDIT_FIELD_MAX) ||
	    put(buf, len, &pos, ",\"secrets\":[", 12))
		return 0;
	/* A bounded number of names keeps the line within AUDIT_LINE_MAX. */
	for (size_t i = 0; i < ev->nsecrets && i < 16; i++) {
		const char *s = ev->secrets[i] ? ev->secrets[i] : "";
		if ((i && put(buf, len, &pos, ",", 1)) || put(buf, len, &pos, "\"", 1) ||
		    audit_json_escape(buf, len, &pos, s, strlen(s), 64) ||
		    put(buf, len, &pos, "\"", 1))
			return 0;
	}
	if (put(buf, len, &pos, "]", 1) || put_num(buf, len, &pos, "status", (unsigned)ev->status) ||
	    put_num(buf, len, &pos, "bytes_up", ev->bytes_up) ||
	    put_num(buf, len, &pos, "bytes_down", ev->bytes_down) ||
	    put_num(buf, len, &pos, "duration_ms", ev->duration_ms) ||
	    put_str(buf, len, &pos, "reason", ev->reason, AUDIT_FIELD_MAX) ||
	    put(buf, len, &pos, "}\n", 2))
		return 0;
	buf[pos] = 0;
	return pos;
}

int audit_write(int fd, const struct audit_event *ev)
{
	char buf[AUDIT_LINE_MAX];
	size_t n = audit_format(ev, buf, sizeof buf);
	if (n == 0) {
		errno = ENOBUFS;
		return -1;
	}
	ssize_t w;
	do
		w = write(fd, buf, n);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)n ? 0 : -1;
}
