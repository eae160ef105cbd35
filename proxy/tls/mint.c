/* mint.c: see mint.h. */
#include "proxy/tls/mint.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define MINT_TIMEOUT_MS 5000

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put64(unsigned char *p, int64_t v)
{
	put32(p, (uint32_t)(uint64_t)v);
	put32(p + 4, (uint32_t)((uint64_t)v >> 32));
}

static int64_t get64(const unsigned char *p)
{
	return (int64_t)((uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32);
}

int mint_host_permitted(const struct ca_name *names, size_t n, const char *host)
{
	unsigned char ip[16], nip[16];
	size_t iplen, niplen;
	int is_ip = cert_parse_ip(host, ip, &iplen);
	size_t hlen = strlen(host);
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i].name;
		size_t len = strlen(name);
		switch (names[i].kind) {
		case CA_NAME_IP:
			if (is_ip && cert_parse_ip(name, nip, &niplen) && niplen == iplen &&
			    memcmp(ip, nip, iplen) == 0)
				return 1;
			break;
		case CA_NAME_HOST:
			if (!is_ip && hlen == len && strcasecmp(host, name) == 0)
				return 1;
			break;
		case CA_NAME_SUBDOMAINS:
			if (!is_ip && hlen > len + 1 && host[hlen - len - 1] == '.' &&
			    strcasecmp(host + hlen - len, name) == 0)
				return 1;
			break;
		}
	}
	return 0;
}

size_t mint_key_encode(const struct ca *ca, unsigned char *out, size_t cap)
{
	size_t need = 1 + 4 + ca->cert_len + 8 + ca->leaf_key.xlen;
	if (need > cap || ca->leaf_key.xlen > sizeof ca->leaf_x)
		return 0;
	unsigned char *p = out;
	*p++ = 'K';
	put32(p, (uint32_t)ca->cert_len);
	memcpy(p + 4, ca->cert, ca->cert_len);
	p += 4 + ca->cert_len;
	put32(p, (uint32_t)ca->leaf_key.curve);
	put32(p + 4, (uint32_t)ca->leaf_key.xlen);
	memcpy(p + 8, ca->leaf_key.x, ca->leaf_key.xlen);
	return need;
}

int mint_key_decode(const unsigned char *msg, size_t len, struct ca *ca, char *err,
		    size_t errlen)
{
	if (len < 5 || msg[0] != 'K') {
		snprintf(err, errlen, "the CA process sent no key message");
		return -1;
	}
	size_t cert_len = get32(msg + 1);
	if (cert_len == 0 || cert_len > sizeof ca->cert || len < 5 + cert_len + 8) {
		snprintf(err, errlen, "the CA process's key message is malformed");
		return -1;
	}
	const unsigned char *p = msg + 5 + cert_len;
	uint32_t curve = get32(p), xlen = get32(p + 4);
	if (xlen == 0 || xlen > sizeof ca->leaf_x || len != 5 + cert_len + 8 + xlen) {
		snprintf(err, errlen, "the CA process's key message is malformed");
		return -1;
	}
	memcpy(ca->cert, msg + 5, cert_len);
	ca->cert_len = cert_len;
	memcpy(ca->leaf_x, p + 8, xlen);
	ca->leaf_key.curve = (int)curve;
	ca->leaf_key.x = ca->leaf_x;
	ca->leaf_key.xlen = xlen;
	return 0;
}

size_t mint_request_encode(const char *host, time_t now, unsigned char *out, size_t cap)
{
	size_t hlen = strlen(host);
	if (hlen == 0 || hlen > MINT_HOST_MAX || 9 + hlen > cap)
		return 0;
	out[0] = 'M';
	put64(out + 1, (int64_t)now);
	memcpy(out + 9, host, hlen);
	return 9 + hlen;
}

int mint_request_decode(const unsigned char *msg, size_t len, char *host, time_t *now,
			char *err, size_t errlen)
{
	if (len < 10 || msg[0] != 'M' || len - 9 > MINT_HOST_MAX) {
		snprintf(err, errlen, "not a mint request (a type 'M', a time and a host of 1 to "
			 "%d bytes)", MINT_HOST_MAX);
		return -1;
	}
	size_t hlen = len - 9;
	if (memchr(msg + 9, 0, hlen)) {
		snprintf(err, errlen, "the host of a mint request holds a NUL byte");
		return -1;
	}
	/* The worker's clock is not trusted with arithmetic: a time before 1970 or after
	 * the year 6000 is refused (found by fuzz_mint: INT64_MIN overflowed). */
	int64_t t = get64(msg + 1);
	if (t < 0 || t > ((int64_t)1 << 37)) {
		snprintf(err, errlen, "the time of a mint request is out of range");
		return -1;
	}
	memcpy(host, msg + 9, hlen);
	host[hlen] = 0;
	*now = (time_t)t;
	return 0;
}

static size_t refusal(unsigned char *out, size_t cap, const char *why)
{
	int n = snprintf((char *)out + 1, cap - 1, "%s", why);
	out[0] = 'E';
	return 1 + (n < 0 ? 0 : (size_t)n >= cap - 1 ? cap - 2 : (size_t)n);
}

size_t mint_answer(struct ca *ca, const struct ca_name *names, size_t n,
		   const unsigned char *req, size_t reqlen, unsigned char *out, size_t cap)
{
	char host[MINT_HOST_MAX + 1], err[600];
	time_t now;
	if (mint_request_decode(req, reqlen, host, &now, err, sizeof err) < 0)
		return refusal(out, cap, err);
	if (names && !mint_host_permitted(names, n, host)) {
		snprintf(err, sizeof err, "the sandbox CA certifies only the policy's allow "
			 "hosts, and '%s' is not one of them", host);
		return refusal(out, cap, err);
	}
	size_t len;
	time_t not_after;
	if (cap < 9 + LEAF_CERT_MAX ||
	    leaf_mint(ca, host, now, out + 9, cap - 9, &len, &not_after, err, sizeof err) < 0)
		return refusal(out, cap, cap < 9 + LEAF_CERT_MAX ? "reply buffer too small" : err);
	out[0] = 'C';
	put64(out + 1, (int64_t)not_after);
	return 9 + len;
}

int mint_reply_decode(const unsigned char *msg, size_t len, unsigned char *der, size_t cap,
		      size_t *der_len, time_t *not_after, char *err, size_t errlen)
{
	if (len >= 1 && msg[0] == 'E') {
		snprintf(err, errlen, "%.*s", (int)(len - 1), (const char *)msg + 1);
		return -1;
	}
	if (len < 10 || msg[0] != 'C' || len - 9 > cap) {
		snprintf(err, errlen, "the CA process sent a malformed reply");
		return -1;
	}
	memcpy(der, msg + 9, len - 9);
	*der_len = len - 9;
	if (not_after)
		*not_after = (time_t)get64(msg + 1);
	return 0;
}

int mint_call(int fd, const char *host, time_t now, unsigned char *out, size_t cap,
	      size_t *len, time_t *not_after, char *err, size_t errlen)
{
	unsigned char msg[MINT_HOST_MAX + 16];
	size_t n = mint_request_encode(host, now, msg, sizeof msg);
	if (n == 0) {
		snprintf(err, errlen, "cannot mint a certificate for '%s': not a host name", host);
		return -1;
	}
	if (send(fd, msg, n, MSG_NOSIGNAL) != (ssize_t)n) {
		snprintf(err, errlen, "cannot reach the CA process: %s", strerror(errno));
		return -1;
	}
	static unsigned char reply[9 + LEAF_CERT_MAX + 1024];
	struct pollfd pfd = {fd, POLLIN, 0};
	int ready = poll(&pfd, 1, MINT_TIMEOUT_MS);
	ssize_t got = ready > 0 ? recv(fd, reply, sizeof reply, 0) : -1;
	if (got <= 0) {
		snprintf(err, errlen, "the CA process did not answer: %s",
			 got == 0 ? "it is gone" : ready == 0 ? "timed out" : strerror(errno));
		return -1;
	}
	return mint_reply_decode(reply, (size_t)got, out, cap, len, not_after, err, errlen);
}

size_t mint_account_encode(const struct gcp_key *key, unsigned char *out, size_t cap)
{
	const char *f[3] = {key->client_email, key->project_id, key->token_uri};
	size_t o = 1;
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(f[i]) + 1;
		if (o + n > cap)
			return 0;
		memcpy(out + o, f[i], n);
		o += n;
	}
	out[0] = 'A';
	return o;
}

int mint_account_decode(const unsigned char *msg, size_t len, struct mint_account *a,
			char *err, size_t errlen)
{
	char *f[3] = {a->email, a->project_id, a->token_uri};
	const size_t cap[3] = {sizeof a->email, sizeof a->project_id, sizeof a->token_uri};
	memset(a, 0, sizeof *a);
	size_t o = 1;
	if (len < 1 || msg[0] != 'A')
		goto bad;
	for (int i = 0; i < 3; i++) {
		const unsigned char *end = o < len ? memchr(msg + o, 0, len - o) : NULL;
		size_t n = end ? (size_t)(end - (msg + o)) : 0;
		if (!end || n >= cap[i] || (i != 1 && n == 0))
			goto bad;
		for (size_t k = 0; k < n; k++)
			if (msg[o + k] < 0x21 || msg[o + k] > 0x7e)
				goto bad;
		memcpy(f[i], msg + o, n);
		o += n + 1;
	}
	if (o == len)
		return 0;
bad:
	memset(a, 0, sizeof *a);
	snprintf(err, errlen, "the CA process sent a malformed service account message");
	return -1;
}

size_t mint_grant_request_encode(time_t now, unsigned char *out, size_t cap)
{
	if (cap < 9)
		return 0;
	out[0] = 'G';
	put64(out + 1, (int64_t)now);
	return 9;
}

size_t mint_grant_answer(const struct mint_grantor *g, const unsigned char *req,
			 size_t reqlen, unsigned char *out, size_t cap)
{
	if (!g || !g->key)
		return refusal(out, cap, "this sandbox has no [gcp] service account to sign with");
	if (reqlen != 9 || req[0] != 'G')
		return refusal(out, cap, "not a grant request (a type 'G' and a time)");
	int64_t t = get64(req + 1);
	if (t < 0 || t > ((int64_t)1 << 37))
		return refusal(out, cap, "the time of a grant request is out of range");
	static char jwt[JWT_MAX];
	const char *why = "cannot sign";
	long n = jwt_sign_grant(g->key, g->scopes, t, jwt, sizeof jwt, &why);
	long m = n < 0 || cap < 2 ? -1 : jwt_grant_body(jwt, (size_t)n, (char *)out + 1, cap - 1);
	explicit_bzero(jwt, sizeof jwt);
	if (m < 0)
		return refusal(out, cap, n < 0 ? why : "reply buffer too small");
	out[0] = 'J';
	return 1 + (size_t)m;
}

int mint_grant_reply_decode(const unsigned char *msg, size_t len, char *body, size_t cap,
			    size_t *body_len, char *err, size_t errlen)
{
	if (len >= 1 && msg[0] == 'E') {
		snprintf(err, errlen, "%.*s", (int)(len - 1), (const char *)msg + 1);
		return -1;
	}
	if (len < 2 || msg[0] != 'J' || len - 1 >= cap || memchr(msg + 1, 0, len - 1)) {
		snprintf(err, errlen, "the CA process sent a malformed grant");
		return -1;
	}
	memcpy(body, msg + 1, len - 1);
	body[len - 1] = 0;
	*body_len = len - 1;
	return 0;
}

int mint_grant_call(int fd, time_t now, char *body, size_t cap, size_t *len, char *err,
		    size_t errlen)
{
	unsigned char msg[16];
	size_t n = mint_grant_request_encode(now, msg, sizeof msg);
	if (send(fd, msg, n, MSG_NOSIGNAL) != (ssize_t)n) {
		snprintf(err, errlen, "cannot reach the CA process: %s", strerror(errno));
		return -1;
	}
	static unsigned char reply[JWT_BODY_MAX + 16];
	struct pollfd pfd = {fd, POLLIN, 0};
	int ready = poll(&pfd, 1, MINT_TIMEOUT_MS);
	ssize_t got = ready > 0 ? recv(fd, reply, sizeof reply, 0) : -1;
	if (got <= 0) {
		snprintf(err, errlen, "the CA process did not answer: %s",
			 got == 0 ? "it is gone" : ready == 0 ? "timed out" : strerror(errno));
		return -1;
	}
	int rc = mint_grant_reply_decode(reply, (size_t)got, body, cap, len, err, errlen);
	explicit_bzero(reply, (size_t)got);
	return rc;
}

void mint_serve(int fd, struct ca *ca, const struct ca_name *names, size_t n,
		const struct mint_grantor *g)
{
	static unsigned char req[MINT_HOST_MAX + 64];
	static unsigned char reply[(9 + LEAF_CERT_MAX + 1024) > (JWT_BODY_MAX + 16)
					   ? (9 + LEAF_CERT_MAX + 1024)
					   : (JWT_BODY_MAX + 16)];
	for (;;) {
		ssize_t got = recv(fd, req, sizeof req, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return;
		size_t len = req[0] == 'G'
				     ? mint_grant_answer(g, req, (size_t)got, reply, sizeof reply)
				     : mint_answer(ca, names, n, req, (size_t)got, reply, sizeof reply);
		int sent = send(fd, reply, len, MSG_NOSIGNAL) >= 0 || errno == EINTR;
		explicit_bzero(reply, len);
		if (!sent)
			return;
	}
}
