/* leaf_cache.c: LRU cache of minted leaves (see leaf_cache.h). */
#include "proxy/tls/leaf_cache.h"
#include "proxy/tls/mint.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void leaf_cache_init(struct leaf_cache *c)
{
	memset(c, 0, sizeof *c);
	c->ca_fd = -1;
}

static int mint(struct leaf_cache *c, struct ca *ca, const char *host, time_t now,
		unsigned char *out, size_t cap, size_t *len, time_t *not_after, char *err,
		size_t errlen)
{
	if (c->ca_fd >= 0)
		return mint_call(c->ca_fd, host, now, out, cap, len, not_after, err, errlen);
	return leaf_mint(ca, host, now, out, cap, len, not_after, err, errlen);
}

static int copy_out(const struct leaf_entry *e, unsigned char *out, size_t cap, size_t *len,
		    char *err, size_t errlen)
{
	if (e->len > cap) {
		snprintf(err, errlen, "the certificate for '%s' needs %zu bytes, the buffer has %zu",
			 e->host, e->len, cap);
		return -1;
	}
	memcpy(out, e->der, e->len);
	*len = e->len;
	return 0;
}

int leaf_cache_get(struct leaf_cache *c, struct ca *ca, const char *host, time_t now,
		   unsigned char *out, size_t cap, size_t *len, char *err, size_t errlen)
{
	size_t hlen = strlen(host);
	if (hlen == 0 || hlen >= LEAF_HOST_MAX) /* no valid host is this long: let it say why */
		return mint(c, ca, host, now, out, cap, len, NULL, err, errlen);

	/* A linear scan of 256 names costs microseconds, against half a millisecond for
	 * one signature: no index needed. Free entries have used == 0, so the least
	 * recently used slot found is a free one whenever there is one. */
	struct leaf_entry *hit = NULL, *victim = &c->e[0];
	for (size_t i = 0; i < LEAF_CACHE_SIZE; i++) {
		struct leaf_entry *e = &c->e[i];
		if (e->host[0] && strcasecmp(e->host, host) == 0) {
			hit = e;
			break;
		}
		if (e->used < victim->used)
			victim = e;
	}
	c->clock++;
	if (hit && now + LEAF_RENEW_MARGIN < hit->not_after) {
		hit->used = c->clock;
		c->hits++;
		return copy_out(hit, out, cap, len, err, errlen);
	}
	struct leaf_entry *e = hit ? hit : victim;
	e->host[0] = 0; /* stays free unless the mint succeeds */
	e->used = 0;
	if (mint(c, ca, host, now, e->der, sizeof e->der, &e->len, &e->not_after, err,
		      errlen) < 0)
		return -1;
	for (size_t i = 0; i <= hlen; i++)
		e->host[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]);
	e->used = c->clock;
	c->mints++;
	return copy_out(e, out, cap, len, err, errlen);
}
