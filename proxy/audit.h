/* audit.h: the proxy's audit trail, one JSON object per line (spec section 4).
 *
 * One line per decision (a CONNECT or request allowed or denied) and per completed
 * request, e.g.
 *   {"time":"2026-01-02T03:04:05.678Z","event":"request","host":"api.example.com",
 *    "port":443,"method":"GET","path":"/v1?key=openshell:resolve:env:KEY",
 *    "decision":"allow","rule":"api.example.com","secrets":[],"status":200,
 *    "bytes_up":120,"bytes_down":5120,"duration_ms":31,"reason":""}
 * `path` is the request target as the client sent it, i.e. with placeholders: a real
 * secret value is never passed here. Formatting is I/O-free; audit_write() does one
 * write(2) per line so concurrent writers to an O_APPEND file never interleave.
 */
#ifndef AIRLOCK_PROXY_AUDIT_H
#define AIRLOCK_PROXY_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Enough for every line: long strings are cut (marked with "...") before escaping. */
#define AUDIT_LINE_MAX 32768
#define AUDIT_PATH_MAX 2048   /* bytes of `path` kept */
#define AUDIT_FIELD_MAX 256   /* bytes of every other string kept */

struct audit_event {
	struct timespec time;   /* CLOCK_REALTIME; {0,0}: now */
	const char *event;      /* "connect", "request", "deny", "error" */
	const char *host;
	uint16_t port;
	const char *method;     /* "CONNECT", "GET", ...; NULL: "" */
	const char *path;       /* as sent by the client; NULL: "" */
	const char *decision;   /* "allow", "passthrough", "deny", "forward" */
	const char *rule;       /* the policy item's text; NULL: "" */
	const char *const *secrets; /* names of secrets injected */
	size_t nsecrets;
	int status;             /* HTTP status given to the client; 0: none */
	uint64_t bytes_up;      /* client -> upstream */
	uint64_t bytes_down;    /* upstream -> client */
	uint64_t duration_ms;
	const char *reason;     /* why (denials, errors); NULL: "" */
};

/* Formats `ev` as one JSON object plus '\n' into buf (at least AUDIT_LINE_MAX bytes
 * are needed for every input to fit). Returns the length written (no NUL counted), or 0
 * when buf is too small. */
size_t audit_format(const struct audit_event *ev, char *buf, size_t len);

/* Appends the JSON-escaped form of s[0..n) to buf at *pos (without quotes): ", \ and
 * control characters escaped, valid UTF-8 kept, invalid bytes as \ufffd. At most `cap`
 * input bytes are used; a cut string ends in "...". Returns -1 when buf is full. */
int audit_json_escape(char *buf, size_t len, size_t *pos, const char *s, size_t n, size_t cap);

/* Formats `ev` and writes it to fd in one write(2). Returns 0 or -1 (errno set). */
int audit_write(int fd, const struct audit_event *ev);

#endif
