/* control.c: see control.h. */
#include "init/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/base/log.h"
#include "net/fdpass.h"
#include "proxy/audit.h"
#include "proxy/proto/control_msg.h"

#define CONTROL_MAX_CLIENTS 16
#define REPLY_MAX 32768

struct client {
	struct control *ctl;
	int fd;
	int denials;             /* subscribed to the denials stream */
	int overlong;            /* dropping the rest of a line that was too long */
	size_t len;
	char line[CONTROL_LINE_MAX + 1];
};

struct control {
	struct worker *w;
	int listen_fd;
	uid_t owner;
	const char *mode;
	unsigned long denials;   /* seen since the start */
	struct client *clients[CONTROL_MAX_CLIENTS];
};

static struct control the_control; /* one per worker */

/* --- answers ------------------------------------------------------------------------ */

struct reply {
	char buf[REPLY_MAX];
	size_t pos;
	int full;
};

static void put_raw(struct reply *r, const char *s)
{
	size_t n = strlen(s);
	if (r->pos + n >= sizeof r->buf) {
		r->full = 1;
		return;
	}
	memcpy(r->buf + r->pos, s, n);
	r->pos += n;
}

/* ,"key":"value" (the first member without the comma). */
static void put_str(struct reply *r, const char *key, const char *value)
{
	if (r->pos > 1)
		put_raw(r, ",");
	put_raw(r, "\"");
	put_raw(r, key);
	put_raw(r, "\":\"");
	if (!r->full && audit_json_escape(r->buf, sizeof r->buf - 4, &r->pos, value,
					  strlen(value), 1024) < 0)
		r->full = 1;
	put_raw(r, "\"");
}

static void put_num(struct reply *r, const char *key, unsigned long v)
{
	char n[64];
	snprintf(n, sizeof n, "%s\"%s\":%lu", r->pos > 1 ? "," : "", key, v);
	put_raw(r, n);
}

static void begin(struct reply *r, int ok)
{
	r->pos = 0;
	r->full = 0;
	put_raw(r, ok ? "{\"ok\":true" : "{\"ok\":false");
}

static void drop(struct client *c);

/* Sends the reply; a client that does not take it at once is dropped (answers are
 * small; a stream reader that stops reading must not hold the proxy up). */
static void send_reply(struct client *c, struct reply *r)
{
	if (r->full) {
		begin(r, 0);
		put_str(r, "error", "the answer does not fit");
	}
	put_raw(r, "}\n");
	ssize_t w = send(c->fd, r->buf, r->pos, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w != (ssize_t)r->pos)
		drop(c);
}

static void error_reply(struct client *c, const char *why)
{
	struct reply r;
	begin(&r, 0);
	put_str(&r, "error", why);
	send_reply(c, &r);
}

/* --- commands ----------------------------------------------------------------------- */

static void do_status(struct client *c)
{
	struct control *ctl = c->ctl;
	struct reply r;
	begin(&r, 1);
	put_str(&r, "mode", ctl->mode);
	put_str(&r, "policy", ctl->w->policy_path ? ctl->w->policy_path : "(default)");
	put_num(&r, "connections", (unsigned long)proxy_connections(ctl->w->px));
	put_num(&r, "denials", ctl->denials);
	char grants[PROXY_MAX_GRANT_LIST][320];
	size_t n = proxy_grant_list(ctl->w->px, grants, PROXY_MAX_GRANT_LIST);
	put_raw(&r, ",\"grants\":[");
	for (size_t i = 0; i < n; i++) {
		put_raw(&r, i ? ",\"" : "\"");
		if (!r.full && audit_json_escape(r.buf, sizeof r.buf - 8, &r.pos, grants[i],
						 strlen(grants[i]), 320) < 0)
			r.full = 1;
		put_raw(&r, "\"");
	}
	put_raw(&r, "]");
	send_reply(c, &r);
}

/* Grants and revocations are audited like reloads: one line each. */
static void audit_change(struct control *ctl, const char *decision, const char *rule)
{
	log_msg("control: %s %s", decision, rule);
	worker_audit(ctl->w, "control", decision, rule, "");
}

static void do_grant(struct client *c, const struct control_request *req)
{
	char rule[400], note[600], err[600];
	struct reply r;
	int rc = req->cmd == CONTROL_REVOKE
			 ? proxy_revoke(c->ctl->w->px, req->host, rule, sizeof rule, err, sizeof err)
			 : proxy_grant(c->ctl->w->px, req->cmd == CONTROL_PASSTHROUGH, req->host,
				       rule, sizeof rule, note, sizeof note, err, sizeof err);
	if (rc < 0) {
		error_reply(c, err);
		return;
	}
	int revoke = req->cmd == CONTROL_REVOKE;
	audit_change(c->ctl, revoke ? "revoked" : "granted", rule);
	begin(&r, 1);
	put_str(&r, revoke ? "revoked" : "rule", rule);
	if (!revoke && note[0])
		put_str(&r, "note", note);
	send_reply(c, &r);
}

static void do_reload(struct client *c)
{
	/* The monitor reopens the file (as the caller) and hands it back, as on SIGHUP. */
	if (fdpass_sendmsg(c->ctl->w->ctl, "H", 1, -1) < 0) {
		error_reply(c, "cannot reach the monitor");
		return;
	}
	struct reply r;
	begin(&r, 1);
	put_str(&r, "reload", "requested: the outcome is on stderr and in the audit");
	send_reply(c, &r);
}

static void handle_line(struct client *c, const char *line, size_t len)
{
	struct control_request req;
	const char *why = "";
	if (control_parse(line, len, &req, &why) < 0) {
		error_reply(c, why);
		return;
	}
	switch (req.cmd) {
	case CONTROL_STATUS:
		do_status(c);
		return;
	case CONTROL_DENIALS: {
		c->denials = 1;
		struct reply r;
		begin(&r, 1);
		put_str(&r, "stream", "denials");
		send_reply(c, &r);
		return;
	}
	case CONTROL_ALLOW:
	case CONTROL_PASSTHROUGH:
	case CONTROL_REVOKE:
		do_grant(c, &req);
		return;
	case CONTROL_RELOAD:
		do_reload(c);
		return;
	}
}

/* --- connections ------------------------------------------------------------------- */

static void drop(struct client *c)
{
	struct control *ctl = c->ctl;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i] == c)
			ctl->clients[i] = NULL;
	loop_del(ctl->w->loop, c->fd);
	close(c->fd);
	c->fd = -1; /* freed by on_client once its callback ends */
}

static void on_client(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct client *c = arg;
	ssize_t n = recv(fd, c->line + c->len, CONTROL_LINE_MAX - c->len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		drop(c);
		free(c);
		return;
	}
	if (n < 0)
		return;
	c->len += (size_t)n;
	size_t start = 0;
	for (size_t i = 0; i < c->len && c->fd >= 0; i++) {
		if (c->line[i] != '\n')
			continue;
		if (!c->overlong)
			handle_line(c, c->line + start, i - start);
		c->overlong = 0;
		start = i + 1;
	}
	if (c->fd < 0) {
		free(c);
		return;
	}
	memmove(c->line, c->line + start, c->len - start);
	c->len -= start;
	if (c->len == CONTROL_LINE_MAX) {
		if (!c->overlong)
			error_reply(c, "a request line is longer than 4096 bytes");
		c->overlong = 1;
		c->len = 0;
		if (c->fd < 0)
			free(c);
	}
}

static void on_accept(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct control *ctl = arg;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	struct ucred cred;
	socklen_t cl = sizeof cred;
	char why[200];
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != ctl->owner) {
		snprintf(why, sizeof why,
			 "{\"ok\":false,\"error\":\"refused: only uid %u, which started sandbox-exec, "
			 "may use its control socket\"}\n", (unsigned)ctl->owner);
		ssize_t w = send(cfd, why, strlen(why), MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)w;
		log_msg("control: refused a connection from uid %ld", cl == sizeof cred ?
			(long)cred.uid : -1L);
		close(cfd);
		return;
	}
	size_t slot = 0;
	while (slot < CONTROL_MAX_CLIENTS && ctl->clients[slot])
		slot++;
	struct client *c = slot < CONTROL_MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
	if (!c) {
		const char busy[] = "{\"ok\":false,\"error\":\"too many control connections\"}\n";
		ssize_t w = send(cfd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)w;
		close(cfd);
		return;
	}
	c->ctl = ctl;
	c->fd = cfd;
	if (loop_add(l, cfd, EPOLLIN, on_client, c) < 0) {
		close(cfd);
		free(c);
		return;
	}
	ctl->clients[slot] = c;
}

int control_start(struct worker *w, int listen_fd, uid_t owner, const char *mode)
{
	struct control *ctl = &the_control;
	if (ctl->w) {
		close(listen_fd);
		errno = EEXIST;
		return -1;
	}
	ctl->w = w;
	ctl->listen_fd = listen_fd;
	ctl->owner = owner;
	ctl->mode = mode ? mode : "";
	if (loop_add(w->loop, listen_fd, EPOLLIN, on_accept, ctl) < 0) {
		ctl->w = NULL;
		close(listen_fd);
		return -1;
	}
	return 0;
}

void control_on_denial(void *arg, const struct proxy_denial *d)
{
	struct control *ctl = &the_control;
	(void)arg;
	ctl->denials++;
	if (!ctl->w)
		return;
	struct reply r;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *c = ctl->clients[i];
		if (!c || !c->denials)
			continue;
		begin(&r, 1);
		put_str(&r, "event", "denial");
		put_str(&r, "host", d->host);
		put_num(&r, "port", d->port);
		put_str(&r, "method", d->method);
		put_str(&r, "path", d->path);
		put_str(&r, "reason", d->reason);
		put_str(&r, "allow", d->allow);
		send_reply(c, &r);
		if (c->fd < 0)
			free(c);
	}
}
