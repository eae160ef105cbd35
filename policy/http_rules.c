/* http_rules.c: see http_rules.h. */
#include "policy/http_rules.h"
#include "net/base/percent.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Removes dot-segments (RFC 3986 5.2.4) from the NUL-terminated path `s`, in place. */
static void remove_dots(char *s)
{
	char *w = s; /* output end; s[0] is '/' */
	const char *r = s;
	while (*r) {
		/* r is at a '/' that starts a segment */
		const char *seg = r + 1;
		size_t n = strcspn(seg, "/");
		if (n == 1 && seg[0] == '.') {
			r = seg + 1;
			if (!*r)
				*w++ = '/';
			continue;
		}
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (w > s && *--w != '/')
				;
			r = seg + 2;
			if (!*r)
				*w++ = '/';
			continue;
		}
		memmove(w, r, n + 1);
		w += n + 1;
		r = seg + n;
	}
	if (w == s)
		*w++ = '/';
	*w = '\0';
}

long http_rules_normalize(const char *target, size_t len, int slash, char *out, size_t cap)
{
	if (!len || target[0] != '/' || cap < 2)
		return -1;
	size_t w = 0, i = 0;
	/* the path: decode what only has one meaning */
	for (; i < len && target[i] != '?'; i++) {
		char c = target[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int h = percent_hexval((unsigned char)target[i + 1]),
			    l = h < 0 ? -1 : percent_hexval((unsigned char)target[i + 2]);
			if (l < 0)
				return -1; /* a bare '%': not a path anyone agrees on */
			unsigned char v = (unsigned char)(h * 16 + l);
			if (percent_unreserved(v) || (slash && v == '/')) {
				if (w + 1 >= cap)
					return -1;
				out[w++] = (char)v;
			} else {
				if (w + 3 >= cap)
					return -1;
				out[w++] = '%';
				out[w++] = "0123456789ABCDEF"[v >> 4];
				out[w++] = "0123456789ABCDEF"[v & 15];
			}
			i += 2;
			continue;
		}
		if (c == '\\' || (unsigned char)c < 0x20 || c == 0x7f)
			return -1; /* '\\' is '/' to some servers, data to others */
		if (w + 1 >= cap)
			return -1;
		out[w++] = c;
	}
	out[w] = '\0';
	remove_dots(out);
	w = strlen(out);
	/* the query, as it is */
	if (i < len) {
		if (w + (len - i) + 1 > cap)
			return -1;
		for (size_t k = i; k < len; k++)
			if ((unsigned char)target[k] < 0x20 || target[k] == 0x7f)
				return -1;
		memcpy(out + w, target + i, len - i);
		w += len - i;
		out[w] = '\0';
	}
	return (long)w;
}

/* `*` within one segment (no '/'), `**` as a whole segment: any number of segments. */
static int match(const char *g, const char *p)
{
	for (;;) {
		if (g[0] == '*' && g[1] == '*' && (g[2] == '/' || g[2] == '\0')) {
			/* "**" then "/rest" or the end: try every position that starts a segment */
			const char *rest = g + 2;
			if (!*rest)
				return 1;
			for (const char *q = p;; q++) {
				if ((q == p || q[-1] == '/') && match(rest + 1, q))
					return 1;
				if (*q == '/' && match(rest, q))
					return 1;
				if (!*q)
					return 0;
			}
		}
		if (*g == '*') {
			for (const char *q = p;; q++) {
				if (match(g + 1, q))
					return 1;
				if (!*q || *q == '/' || *q == '?')
					return 0;
			}
		}
		if (!*g)
			return !*p;
		if (*g != *p)
			return 0;
		g++;
		p++;
	}
}

int http_rules_glob(const char *glob, const char *path)
{
	/* Without a '?' in the glob, the query does not take part. */
	if (!strchr(glob, '?')) {
		char bare[HTTP_RULES_PATH_MAX];
		size_t n = strcspn(path, "?");
		if (n >= sizeof bare)
			return 0;
		memcpy(bare, path, n);
		bare[n] = '\0';
		return match(glob, bare);
	}
	return match(glob, path);
}

const struct policy_http *http_rules_for(const struct policy *p, const char *host)
{
	for (size_t i = 0; i < p->nhttp; i++)
		if (policy_host_match(p->http[i].pattern, host))
			return &p->http[i];
	return NULL;
}

static int method_is(const char *rule, const char *method)
{
	return strcmp(rule, "*") == 0 || strcasecmp(rule, method) == 0;
}

static int access_allows(enum policy_http_access a, const char *m)
{
	int read = !strcasecmp(m, "GET") || !strcasecmp(m, "HEAD") || !strcasecmp(m, "OPTIONS");
	return a == HTTP_ACCESS_FULL || read ||
	       (a == HTTP_ACCESS_READ_WRITE && strcasecmp(m, "DELETE") != 0);
}

static const char *access_name(enum policy_http_access a)
{
	return a == HTTP_ACCESS_READ_ONLY ? "read-only" : a == HTTP_ACCESS_READ_WRITE ? "read-write"
										   : "full";
}

/* The decision for one spelling of the path: 1 passes; 0 with `why`. */
static int decide_one(const struct policy_http *h, const char *method, const char *path,
		      const char *host, char *why, size_t whylen)
{
	for (size_t i = 0; i < h->nrules; i++) {
		const struct policy_http_rule *r = &h->rules[i];
		if (r->deny && method_is(r->method, method) && http_rules_glob(r->glob, path)) {
			snprintf(why, whylen, "%s %.300s on %s is refused by [http %s] deny = %s %s "
				 "(line %d); remove that line to allow it", method, path, host,
				 h->pattern, r->method, r->glob, r->line);
			return 0;
		}
	}
	for (size_t i = 0; i < h->nrules; i++) {
		const struct policy_http_rule *r = &h->rules[i];
		if (!r->deny && method_is(r->method, method) && http_rules_glob(r->glob, path))
			return 1;
	}
	if (access_allows(h->access, method))
		return 1;
	char at[32] = "the default";
	if (h->access_line)
		snprintf(at, sizeof at, "line %d", h->access_line);
	size_t q = strcspn(path, "?");
	snprintf(why, whylen, "%s %.300s on %s is refused by [http %s] access = %s (%s), which "
		 "allows %s; to allow it, add under [http %s]: allow = %s %.*s", method, path, host,
		 h->pattern, access_name(h->access), at,
		 h->access == HTTP_ACCESS_READ_ONLY ? "GET, HEAD and OPTIONS only" : "all but DELETE",
		 h->pattern, method, (int)(q > 300 ? 300 : q), path);
	return 0;
}

int http_rules_decide(const struct policy_http *h, const char *method, const char *target,
		      size_t len, const char *host, char *why, size_t whylen)
{
	char a[HTTP_RULES_PATH_MAX], b[HTTP_RULES_PATH_MAX];
	if (http_rules_normalize(target, len, 0, a, sizeof a) < 0 ||
	    http_rules_normalize(target, len, 1, b, sizeof b) < 0) {
		snprintf(why, whylen, "%s on %s is refused: its path is not one airlock can compare "
			 "with the rules of [http %s] (a bare %%, a backslash or NUL, or over %d "
			 "bytes)", method, host, h->pattern, HTTP_RULES_PATH_MAX);
		return 0;
	}
	/* Both readings of a %2F must pass. */
	return decide_one(h, method, a, host, why, whylen) &&
	       decide_one(h, method, b, host, why, whylen);
}
