/* redirect.c: connections that isolation unprivileged's reaper redirected to the proxy
 * (proxy_add_redirect): a tool inside connected somewhere directly, ignoring the proxy
 * variables. Each begins with a PROXY line naming the port it connected to; then a TLS
 * ClientHello stands for a CONNECT to its SNI at that port, and anything else is read as
 * an HTTP request whose Host names the target (decide.c). The address it connected to
 * is not used: the proxy resolves the name itself, so an allowed SNI cannot be sent to
 * another address.
 */
#include <stdio.h>
#include <string.h>

#include "proxy/proto/proxy_line.h"
#include "proxy/proto/sni.h"
#include "proxy/proxy_int.h"

int redirect_read_line(struct conn *c, struct outcome *o)
{
	outcome_step(o, STEP_WAIT);
	size_t len = c->up.end - c->up.start;
	if (len == 0)
		return 0;
	struct proxy_line pl;
	const char *why = "";
	int n = proxy_line_parse(c->up.data + c->up.start, len, &pl, &why);
	if (n == 0)
		return 0;
	if (n < 0) {
		outcome_end(o, STEP_RESET, "error", why);
		return 0;
	}
	c->up.start += (size_t)n;
	if (c->up.start == c->up.end)
		c->up.start = c->up.end = 0;
	c->redirect = REDIRECT_READ;
	c->redirect_port = pl.dst_port;
	return 1;
}

int redirect_is_tls(const struct conn *c)
{
	return c->up.end > c->up.start && (unsigned char)c->up.data[c->up.start] == 0x16;
}

int redirect_tls_request(struct conn *c, struct http_request *req, char *why, size_t len)
{
	size_t n = c->up.end - c->up.start;
	char name[SNI_MAX_NAME + 1];
	const char *what = "";
	enum sni_result r = sni_parse((const unsigned char *)c->up.data + c->up.start, n, name,
				      sizeof name, &what);
	if (r == SNI_NEED_MORE && n < CONN_BUF)
		return 0;
	if (r != SNI_FOUND) {
		snprintf(why, len, "a TLS connection to port %u around the proxy names no server "
			 "(%s): nothing to decide it by; connect through HTTPS_PROXY",
			 (unsigned)c->redirect_port, r == SNI_NEED_MORE ? "ClientHello too long" : what);
		return -1;
	}
	static const char connect[] = "CONNECT";
	memset(req, 0, sizeof *req);
	req->method = (struct http_span){connect, sizeof connect - 1};
	req->version_minor = 1;
	req->is_connect = 1;
	req->form = HTTP_TARGET_AUTHORITY;
	snprintf(req->host, sizeof req->host, "%s", name);
	req->port = c->redirect_port;
	req->port_given = 1;
	return 1;
}
