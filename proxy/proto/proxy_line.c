/* proxy_line.c: see proxy_line.h. */
#include "proxy/proto/proxy_line.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A port written in decimal without a sign or leading zero: 1..65535, else 0. */
static uint16_t port_of(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 5 || (s[0] == '0' && n > 1) || strspn(s, "0123456789") != n)
		return 0;
	long v = strtol(s, NULL, 10);
	return v > 0 && v <= 65535 ? (uint16_t)v : 0;
}

int proxy_line_parse(const char *buf, size_t len, struct proxy_line *out, const char **why)
{
	static const char magic[] = "PROXY ";
	size_t m = len < 6 ? len : 6;
	if (memcmp(buf, magic, m) != 0) {
		*why = "the connection does not begin with a PROXY line";
		return -1;
	}
	const char *lf = memchr(buf, '\n', len < PROXY_LINE_MAX ? len : PROXY_LINE_MAX);
	if (!lf) {
		if (len < PROXY_LINE_MAX)
			return 0;
		*why = "the PROXY line is longer than 107 bytes";
		return -1;
	}
	size_t n = (size_t)(lf - buf) + 1;
	if (n < 8 || buf[n - 2] != '\r') {
		*why = "the PROXY line does not end with CRLF";
		return -1;
	}
	char line[PROXY_LINE_MAX + 1];
	memcpy(line, buf, n - 2);
	line[n - 2] = '\0';
	if (memchr(line, '\0', n - 2)) {
		*why = "the PROXY line holds a NUL byte";
		return -1;
	}
	char *f[6], *save = NULL;
	int k = 0;
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (k < 6)
			f[k++] = t;
		else
			k = 7;
	memset(out, 0, sizeof *out);
	if (k != 6 || (strcmp(f[1], "TCP4") != 0 && strcmp(f[1], "TCP6") != 0)) {
		*why = "the PROXY line is not TCP4 or TCP6 with two addresses and two ports";
		return -1;
	}
	out->v6 = f[1][3] == '6';
	unsigned char ip[16];
	int fam = out->v6 ? AF_INET6 : AF_INET;
	if (inet_pton(fam, f[2], ip) != 1 || inet_pton(fam, f[3], ip) != 1 ||
	    strlen(f[3]) >= sizeof out->dst) {
		*why = "the PROXY line's addresses are not of its family";
		return -1;
	}
	snprintf(out->dst, sizeof out->dst, "%s", f[3]);
	if ((strcmp(f[4], "0") != 0 && !port_of(f[4])) || !(out->dst_port = port_of(f[5]))) {
		*why = "the PROXY line's ports are not ports";
		return -1;
	}
	return (int)n;
}
