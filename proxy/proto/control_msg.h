/* control_msg.h: the requests of sandbox-exec's control socket (--control PATH), one
 * JSON object per line, I/O-free:
 *
 *   {"cmd":"status"}                        mode, counts, grants
 *   {"cmd":"denials"}                       from now on, a line for every denial
 *   {"cmd":"allow","host":"HOST[:PORT]"}    granted for the rest of the sandbox's life
 *   {"cmd":"passthrough","host":"HOST[:PORT]"}
 *   {"cmd":"revoke","host":"HOST[:PORT]"}   takes back a grant made here
 *   {"cmd":"reload"}                        rereads the policy file, as SIGHUP does
 *
 * Every member is a string; members other than these are ignored. The answers are
 * written by init/control.c. */
#ifndef AIRLOCK_CONTROL_MSG_H
#define AIRLOCK_CONTROL_MSG_H

#include <stddef.h>

#define CONTROL_LINE_MAX 4096 /* a longer request is refused */
#define CONTROL_HOST_MAX 300

enum control_cmd {
	CONTROL_STATUS,
	CONTROL_DENIALS,
	CONTROL_ALLOW,
	CONTROL_PASSTHROUGH,
	CONTROL_REVOKE,
	CONTROL_RELOAD,
};

struct control_request {
	enum control_cmd cmd;
	char host[CONTROL_HOST_MAX + 1]; /* ALLOW, PASSTHROUGH, REVOKE: HOST[:PORT] */
};

/* Parses one request line (without its newline). Returns 0, or -1 with a static
 * sentence in *why (never bytes of the line). */
int control_parse(const char *line, size_t len, struct control_request *req,
		  const char **why);

#endif
