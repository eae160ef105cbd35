/* upstream.h: chaining to an upstream proxy (a corporate proxy, the runner's control
 * plane) named by the supervisor's environment or the policy.
 *
 * Where the policy's `[network] upstream_proxy` is unset, the supervisor's HTTPS_PROXY /
 * https_proxy (for CONNECT and https) and HTTP_PROXY / http_proxy (for http://) are
 * used, lower-case first as curl does, and NO_PROXY / no_proxy exempts hosts. The policy
 * value "none" disables chaining; a URL sends everything through that proxy (NO_PROXY is
 * then not consulted: the policy is explicit). Airlock always speaks `CONNECT host:port`
 * to the upstream proxy, also for http:// requests, and keeps its own policy decisions.
 * Only http:// proxy URLs are supported (no TLS to the proxy, no SOCKS). I/O-free.
 */
#ifndef AIRLOCK_PROXY_UPSTREAM_H
#define AIRLOCK_PROXY_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct upstream_proxy {
	char host[256];     /* lower-case; an IPv6 literal without brackets */
	uint16_t port;
	char auth[768];     /* "Basic ..." for Proxy-Authorization, or "" */
	char display[300];  /* "host:port" for messages (never the credentials) */
};

struct upstream_conf {
	int has_https, has_http;
	struct upstream_proxy https, http;
	char no_proxy[1024]; /* "" when none or when the policy named the proxy */
	const char *source;  /* "policy", "environment" or "none" for messages */
};

/* Parses a proxy URL "http://[user:pass@]host[:port][/]" or "host:port" (scheme-less
 * means http). The port defaults to 80 with http://, 1080 without a scheme (as curl).
 * user and pass are percent-decoded into a Basic credential. Returns 0, or -1 with a
 * sentence in err naming what is wrong. */
int upstream_parse_url(const char *url, struct upstream_proxy *out, char *err, size_t errlen);

/* Fills c from the policy value (NULL: the environment via `get`, normally getenv;
 * "none": no chaining; else a URL). Empty environment variables count as unset.
 * Returns 0, or -1 with a sentence in err naming the variable or key and the problem. */
int upstream_conf_init(struct upstream_conf *c, const char *policy_value,
		       char *(*get)(const char *name), char *err, size_t errlen);

/* Whether host:port is exempt by the NO_PROXY list `list` (entries separated by commas
 * or spaces; "*" exempts all; "example.com", ".example.com" and "*.example.com" exempt
 * example.com and its subdomains; an entry with ":port" only that port; IPv6 literals
 * with or without brackets). Case-insensitive. */
int upstream_no_proxy_match(const char *list, const char *host, uint16_t port);

/* The proxy to use for host:port (`tls` for CONNECT/https, else http://), or NULL to
 * connect directly. */
const struct upstream_proxy *upstream_select(const struct upstream_conf *c, int tls,
					     const char *host, uint16_t port);

/* Writes the CONNECT request for host:port to `up` into buf. Returns its length, or 0
 * when it does not fit. */
size_t upstream_connect_request(const struct upstream_proxy *up, const char *host,
				uint16_t port, char *buf, size_t len);

#endif
