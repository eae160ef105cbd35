/* http_parse: runs airlock's HTTP head parser (proxy/proto/http.h) on bytes from stdin and
 * prints what it found as one JSON object, so integration tests can check the parser
 * against what real clients and servers send.
 *
 *   http_parse request  < bytes      a request head (and its chunked body, if any)
 *   http_parse response METHOD < bytes   a response to a METHOD request
 *
 * Output: {"result": N, "why": "...", ...the parsed fields..., "body_rest": bytes after
 * the head, "chunked_taken": N, "chunked_done": 0|1, "chunked_why": "..."}. Exit 0
 * whenever a verdict was printed (the verdict is in "result"), 2 on bad usage.
 */
#include "proxy/proto/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (16u << 20)

static void json_str(const char *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void field_span(const char *name, struct http_span s)
{
	printf(", \"%s\": ", name);
	json_str(s.p ? s.p : "", s.len);
}

static void headers(const struct http_header *h, size_t n)
{
	printf(", \"headers\": [");
	for (size_t i = 0; i < n; i++) {
		printf(i ? ", [" : "[");
		json_str(h[i].name.p, h[i].name.len);
		printf(", ");
		json_str(h[i].value.p, h[i].value.len);
		printf("]");
	}
	printf("]");
}

static const char *body_name(enum http_body b)
{
	switch (b) {
	case HTTP_BODY_NONE: return "none";
	case HTTP_BODY_LENGTH: return "length";
	case HTTP_BODY_CHUNKED: return "chunked";
	default: return "until_close";
	}
}

/* Runs the chunked validator over the bytes after the head. */
static void chunked(const char *p, size_t n)
{
	struct http_chunked c;
	int done = 0;
	const char *why = "";
	http_chunked_init(&c);
	long r = http_chunked_feed(&c, p, n, &done, &why);
	printf(", \"chunked_taken\": %ld, \"chunked_done\": %d, \"chunked_why\": ", r, done);
	json_str(r < 0 ? why : "", r < 0 ? strlen(why) : 0);
}

int main(int argc, char **argv)
{
	static const char *forms[] = {"origin", "absolute", "authority", "asterisk"};
	if (argc < 2 || (strcmp(argv[1], "request") && strcmp(argv[1], "response")) ||
	    (!strcmp(argv[1], "response") && argc < 3)) {
		fprintf(stderr, "usage: http_parse request | response METHOD  < bytes\n");
		return 2;
	}
	char *buf = malloc(MAX_INPUT);
	size_t len = 0, got;
	while (len < MAX_INPUT && (got = fread(buf + len, 1, MAX_INPUT - len, stdin)) > 0)
		len += got;
	const char *why = "";
	int r;
	enum http_body body;
	if (!strcmp(argv[1], "request")) {
		static struct http_request q;
		r = http_parse_request(buf, len, &q, &why);
		printf("{\"result\": %d, \"why\": ", r);
		json_str(why, strlen(why));
		if (r > 0) {
			field_span("method", q.method);
			field_span("target", q.target);
			field_span("path", q.path);
			printf(", \"version_minor\": %d, \"form\": \"%s\", \"host\": ", q.version_minor,
			       forms[q.form]);
			json_str(q.host, strlen(q.host));
			printf(", \"port\": %u, \"port_given\": %d, \"is_connect\": %d, "
			       "\"keep_alive\": %d, \"expect_continue\": %d, \"upgrade\": %d",
			       q.port, q.port_given, q.is_connect, q.keep_alive, q.expect_continue,
			       q.upgrade);
			printf(", \"body\": \"%s\", \"content_length\": %llu", body_name(q.body),
			       (unsigned long long)q.content_length);
			headers(q.headers, q.nheaders);
		}
		body = q.body;
	} else {
		static struct http_response s;
		r = http_parse_response(buf, len, argv[2], strlen(argv[2]), &s, &why);
		printf("{\"result\": %d, \"why\": ", r);
		json_str(why, strlen(why));
		if (r > 0) {
			printf(", \"status\": %d, \"version_minor\": %d", s.status, s.version_minor);
			field_span("reason", s.reason);
			printf(", \"keep_alive\": %d, \"body\": \"%s\", \"content_length\": %llu",
			       s.keep_alive, body_name(s.body), (unsigned long long)s.content_length);
			headers(s.headers, s.nheaders);
		}
		body = s.body;
	}
	if (r > 0) {
		printf(", \"body_rest\": %zu", len - (size_t)r);
		if (body == HTTP_BODY_CHUNKED)
			chunked(buf + r, len - (size_t)r);
	}
	printf("}\n");
	free(buf);
	return 0;
}
