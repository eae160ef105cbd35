/* session_cache.c: upstream TLS sessions for resumption (see session_cache.h). */
#include "proxy/tls/session_cache.h"

#include <netinet/in.h>
#include <string.h>

void session_cache_init(struct session_cache *sc, uint64_t ttl_ms)
{
	memset(sc, 0, sizeof *sc);
	sc->ttl_ms = ttl_ms ? ttl_ms : SESSION_CACHE_TTL_MS;
}

int session_key_make(struct session_key *k, const struct session_cache *sc, const char *name,
		     uint16_t port, const struct sockaddr *peer)
{
	/* Every byte written, padding included, so a key never carries stale stack bytes. */
	memset(k, 0, sizeof *k);
	size_t n = strlen(name);
	if (n == 0 || n > SESSION_NAME_MAX)
		return -1;
	memcpy(k->name, name, n);
	k->generation = sc->generation;
	k->port = port;
	k->family = peer->sa_family;
	if (peer->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;
		memcpy(k->addr, &s4->sin_addr, sizeof s4->sin_addr);
		k->addr_port = ntohs(s4->sin_port);
		return 0;
	}
	if (peer->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;
		memcpy(k->addr, &s6->sin6_addr, sizeof s6->sin6_addr);
		k->addr_port = ntohs(s6->sin6_port);
		k->scope = s6->sin6_scope_id;
		return 0;
	}
	return -1;
}

static int same_key(const struct session_key *a, const struct session_key *b)
{
	return a->generation == b->generation && strcmp(a->name, b->name) == 0 &&
	       a->port == b->port &&
	       a->family == b->family && memcmp(a->addr, b->addr, sizeof a->addr) == 0 &&
	       a->addr_port == b->addr_port && a->scope == b->scope;
}

static int same_session(const br_ssl_session_parameters *a,
			const br_ssl_session_parameters *b)
{
	return a->session_id_len == b->session_id_len &&
	       memcmp(a->session_id, b->session_id, a->session_id_len) == 0;
}

/* Frees a slot; the master secret does not outlive its entry. */
static void wipe(struct session_entry *e)
{
	explicit_bzero(e, sizeof *e);
}

static int expired(const struct session_cache *sc, const struct session_entry *e,
		   uint64_t now)
{
	/* A clock that went backwards (it is monotonic: it should not) expires too. */
	return now < e->stored || now - e->stored >= sc->ttl_ms;
}

static struct session_entry *find(struct session_cache *sc, const struct session_key *k)
{
	for (size_t i = 0; i < SESSION_CACHE_SIZE; i++)
		if (sc->e[i].live && same_key(&sc->e[i].key, k))
			return &sc->e[i];
	return NULL;
}

int session_cache_get(struct session_cache *sc, const struct session_key *k, uint64_t now,
		      br_ssl_session_parameters *out)
{
	struct session_entry *e = find(sc, k);
	if (!e)
		return 0;
	if (expired(sc, e, now)) {
		wipe(e);
		return 0;
	}
	e->used = ++sc->clock;
	memcpy(out, &e->params, sizeof *out);
	return 1;
}

/* The slot for a new entry: a free one, else an expired one, else the least recently
 * used. 64 slots: a linear scan costs far less than the handshake it saves. */
static struct session_entry *victim(struct session_cache *sc, uint64_t now)
{
	struct session_entry *lru = &sc->e[0];
	for (size_t i = 0; i < SESSION_CACHE_SIZE; i++) {
		struct session_entry *e = &sc->e[i];
		if (!e->live || expired(sc, e, now))
			return e;
		if (e->used < lru->used)
			lru = e;
	}
	return lru;
}

void session_cache_put(struct session_cache *sc, const struct session_key *k,
		       const br_ssl_session_parameters *params, uint64_t now)
{
	if (k->generation != sc->generation)
		return; /* its handshake began before a clear */
	struct session_entry *e = find(sc, k);
	if (params->session_id_len == 0 || params->session_id_len > sizeof params->session_id) {
		if (e)
			wipe(e); /* the server no longer offers resumption */
		return;
	}
	if (e && same_session(&e->params, params) && !expired(sc, e, now)) {
		e->used = ++sc->clock; /* resumed: the session's age runs on */
		return;
	}
	if (!e)
		e = victim(sc, now);
	wipe(e);
	e->live = 1;
	e->key = *k;
	e->params = *params;
	e->stored = now;
	e->used = ++sc->clock;
}

void session_cache_drop(struct session_cache *sc, const struct session_key *k)
{
	struct session_entry *e = find(sc, k);
	if (e)
		wipe(e);
}

void session_cache_clear(struct session_cache *sc)
{
	for (size_t i = 0; i < SESSION_CACHE_SIZE; i++)
		wipe(&sc->e[i]);
	sc->generation++;
}

size_t session_cache_count(const struct session_cache *sc)
{
	size_t n = 0;
	for (size_t i = 0; i < SESSION_CACHE_SIZE; i++)
		n += sc->e[i].live != 0;
	return n;
}
