/* control_msg.c: see control_msg.h. */
#include "proxy/proto/control_msg.h"

#include <string.h>

#include "proxy/proto/json.h"

static const struct {
	const char *name;
	enum control_cmd cmd;
	int takes_host;
} commands[] = {
	{"status", CONTROL_STATUS, 0},   {"denials", CONTROL_DENIALS, 0},
	{"allow", CONTROL_ALLOW, 1},     {"passthrough", CONTROL_PASSTHROUGH, 1},
	{"revoke", CONTROL_REVOKE, 1},   {"reload", CONTROL_RELOAD, 0},
};

/* The string member `name` decoded into out (NUL-terminated): 1, 0 when absent, -1
 * when invalid (why set). */
static int member(const char *line, size_t len, const char *name, char *out, size_t cap,
		  const char **why)
{
	struct json_span tok;
	enum json_result r = json_find_string(line, len, name, &tok, why);
	if (r == JSON_ABSENT)
		return 0;
	if (r == JSON_NOT_STRING) {
		*why = "its members must be strings";
		return -1;
	}
	if (r != JSON_FOUND)
		return -1;
	long n = json_string_decode(line, tok, out, cap - 1);
	if (n < 0) {
		*why = "a member is too long";
		return -1;
	}
	out[n] = 0;
	if (memchr(out, 0, (size_t)n)) {
		*why = "a member holds a NUL character";
		return -1;
	}
	return 1;
}

int control_parse(const char *line, size_t len, struct control_request *req,
		  const char **why)
{
	char cmd[32];
	memset(req, 0, sizeof *req);
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == len || line[i] != '{') {
		*why = "a request is one JSON object per line, e.g. {\"cmd\":\"status\"}";
		return -1;
	}
	int r = member(line, len, "cmd", cmd, sizeof cmd, why);
	if (r < 0)
		return -1;
	if (r == 0) {
		*why = "the request has no \"cmd\"";
		return -1;
	}
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
		if (strcmp(cmd, commands[k].name) != 0)
			continue;
		req->cmd = commands[k].cmd;
		if (!commands[k].takes_host)
			return 0;
		r = member(line, len, "host", req->host, sizeof req->host, why);
		if (r < 0)
			return -1;
		if (r == 0 || !req->host[0]) {
			*why = "this command needs \"host\": \"HOST[:PORT]\"";
			return -1;
		}
		return 0;
	}
	*why = "unknown \"cmd\" (status, denials, allow, passthrough, revoke, reload)";
	return -1;
}
