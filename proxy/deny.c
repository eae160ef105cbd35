/* deny.c: the texts of airlock's own answers (403 denials, 4xx for bad requests, 502
 * and 504 for upstream failures). Written for an agent to read and relay: each names
 * what was refused, why, and what would allow it, so nobody retries blindly. I/O-free.
 */
#include <stdio.h>
#include <string.h>

#include "proxy/proxy_int.h"

const char *deny_reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return status >= 500 ? "Server Error" : "Client Error";
}

size_t deny_format(char *buf, size_t cap, int status, const char *hdr, const char *token,
		   const char *body)
{
	size_t blen = strlen(body);
	int n = snprintf(buf, cap,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n%s%s%s%s"
			 "\r\n%s",
			 status, deny_reason_phrase(status), blen, hdr ? hdr : "", hdr ? ": " : "",
			 hdr ? token : "", hdr ? "\r\n" : "", body);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

void deny_policy_item(char *buf, size_t cap, const char *host, uint16_t port,
		      uint16_t default_port)
{
	int v6 = strchr(host, ':') != NULL;
	if (port == default_port && !v6)
		snprintf(buf, cap, "%s", host);
	else
		snprintf(buf, cap, v6 ? "[%s]:%u" : "%s:%u", host, port);
}

size_t deny_policy_body(char *buf, size_t cap, const char *method, const char *host,
			uint16_t port, uint16_t default_port, int ip_literal)
{
	char item[300];
	deny_policy_item(item, sizeof item, host, port, default_port);
	const char *lb = strchr(host, ':') ? "[" : "", *rb = *lb ? "]" : "";
	int n;
	if (ip_literal)
		n = snprintf(buf, cap,
			     "airlock denied %s %s%s%s:%u: the target is an IP address, and IP "
			     "addresses are denied unless the sandbox policy allows that address "
			     "literally.\n"
			     "Use the host's name if it has one. To allow this address, add this "
			     "line under [network] in the policy:\n"
			     "    allow = %s\n"
			     "Retrying will not help until the policy changes.\n",
			     method, lb, host, rb, port, item);
	else
		n = snprintf(buf, cap,
			     "airlock denied %s %s:%u: %s is not in [network] allow or "
			     "passthrough of the sandbox policy (port %u).\n"
			     "To allow it, add this line under [network] in the policy:\n"
			     "    allow = %s\n"
			     "(or \"passthrough = %s\" to tunnel TLS to it without inspection). "
			     "Retrying will not help until the policy changes.\n",
			     method, host, port, host, port, item, item);
	if (n < 0)
		n = 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}
