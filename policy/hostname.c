/* hostname.c: parsing of the host items a policy lists (allow, passthrough, map, secret
 * hosts, upstream_proxy). I/O-free: bytes in, a parsed item or a reason out.
 *
 * Strict on purpose: a host pattern the proxy could read differently from the user
 * (a stray '*', an IPv6 address without brackets, "1.2.3" that a resolver would take
 * for an address) is an error, never a guess.
 */
#include "net/base/addr.h"
#include "policy/policy_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int policy_parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int policy_ip_family(const char *host)
{
	unsigned char buf[16];
	return addr_parse_literal(host, buf);
}

int policy_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > POLICY_NAME_MAX)
		return 0;
	if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
			return 0;
	return 1;
}

/* Checks a DNS name (already without "*." and trailing dot): labels of letters, digits,
 * '-' and '_', 1..63 bytes, 253 in all. A last label of digits only must make the whole
 * name a dotted-quad IPv4 address: "1.2.3" is refused rather than left to a resolver
 * that would read it as 1.2.0.3. */
static int check_name(const char *h, int wildcard, char *err, size_t errlen)
{
	size_t n = strlen(h), label = 0;
	if (n == 0) {
		snprintf(err, errlen, "has no host name");
		return -1;
	}
	if (n > 253) {
		snprintf(err, errlen, "is longer than 253 characters (a DNS name is at most 253)");
		return -1;
	}
	const char *last = h;
	for (size_t i = 0; i <= n; i++) {
		char c = h[i];
		if (c == '.' || c == '\0') {
			if (label == 0) {
				snprintf(err, errlen, "has an empty label (write host names as a.b.c)");
				return -1;
			}
			if (label > 63) {
				snprintf(err, errlen, "has a label longer than 63 characters");
				return -1;
			}
			label = 0;
			if (c == '.')
				last = h + i + 1;
			continue;
		}
		if (c == '*') {
			snprintf(err, errlen,
				 "has '*' where only a leading '*.' is allowed (write *.example.com)");
			return -1;
		}
		if (!(isalnum((unsigned char)c) || c == '-' || c == '_')) {
			snprintf(err, errlen,
				 "has a character a host name cannot have (letters, digits, '-', '_', '.')");
			return -1;
		}
		label++;
	}
	int numeric = 1;
	for (const char *q = last; *q; q++)
		if (!isdigit((unsigned char)*q))
			numeric = 0;
	if (numeric) {
		if (wildcard) {
			snprintf(err, errlen, "is a wildcard over an IP address (name the address itself)");
			return -1;
		}
		if (policy_ip_family(h) != AF_INET) {
			snprintf(err, errlen, "looks like an IPv4 address but is not one (write a.b.c.d)");
			return -1;
		}
	}
	return 0;
}

int policy_parse_host(const char *item, int flags, struct host_item *out, char *err,
		      size_t errlen)
{
	char buf[POLICY_HOST_MAX + 8];
	const char *port = NULL;
	size_t n = strlen(item);

	memset(out, 0, sizeof *out);
	if (n == 0) {
		snprintf(err, errlen, "is empty (write a host name)");
		return -1;
	}
	if (n >= sizeof buf) {
		snprintf(err, errlen, "is longer than 253 characters (a DNS name is at most 253)");
		return -1;
	}
	memcpy(buf, item, n + 1);

	if (buf[0] == '[') {
		/* [IPv6] or [IPv6]:port: the brackets keep the port apart from the address. */
		char *close = strchr(buf, ']');
		if (!close) {
			snprintf(err, errlen, "has '[' without ']' (write an IPv6 address as [::1]:443)");
			return -1;
		}
		*close = '\0';
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0') {
			snprintf(err, errlen, "has text after ']' (write [::1] or [::1]:443)");
			return -1;
		}
		unsigned char a[16];
		if (inet_pton(AF_INET6, buf + 1, a) != 1) {
			snprintf(err, errlen, "is not an IPv6 address in brackets (write [::1]:443)");
			return -1;
		}
		/* The canonical spelling, so that [0:0::1] and [::1] are the same rule. */
		inet_ntop(AF_INET6, a, out->host, sizeof out->host);
	} else {
		char *colon = strchr(buf, ':');
		if (colon && strchr(colon + 1, ':')) {
			snprintf(err, errlen,
				 "is an IPv6 address without brackets (write it as [::1] or [::1]:443)");
			return -1;
		}
		if (colon) {
			*colon = '\0';
			port = colon + 1;
		}
		char *h = buf;
		if (h[0] == '*' && h[1] == '-' && (flags & HOSTP_DASH)) {
			/* "*-aiplatform.googleapis.com": one label ending in "-aiplatform" (Google's
			 * regional endpoints), as in a secret's hosts. */
			out->wildcard = 2;
			h += 2;
		} else if (h[0] == '*') {
			if (h[1] != '.') {
				snprintf(err, errlen,
					 "has '*' where only a leading '*.' is allowed (write *.example.com)");
				return -1;
			}
			if (!(flags & HOSTP_WILDCARD)) {
				snprintf(err, errlen, "is a wildcard, which is not allowed here (name one host)");
				return -1;
			}
			out->wildcard = 1;
			h += 2;
		}
		size_t hl = strlen(h);
		if (hl > 0 && h[hl - 1] == '.')
			h[--hl] = '\0'; /* "example.com." is example.com */
		if (check_name(h, out->wildcard, err, errlen) < 0)
			return -1;
		for (size_t i = 0; i <= hl; i++)
			out->host[i] = (char)tolower((unsigned char)h[i]);
	}

	if (port) {
		if (!(flags & HOSTP_PORT)) {
			snprintf(err, errlen, "has a port, which is not allowed here (write the host alone)");
			return -1;
		}
		if (policy_parse_port(port, &out->port) < 0) {
			snprintf(err, errlen, "has a bad port (a number 1..65535 after ':')");
			return -1;
		}
	}
	return 0;
}
