/* Unit tests of the upstream TLS session cache: keys (name, port, address dialled),
 * lifetime, least-recently-used replacement, and the wiping of master secrets. */
#include "test/unit/harness.h"
#include "proxy/tls/session_cache.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/un.h>

#define T0 1000000u /* ms; the loop's clock starts anywhere */
#define TTL SESSION_CACHE_TTL_MS

static struct sockaddr_in v4(const char *ip, uint16_t port)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static struct sockaddr_in6 v6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof s);
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &s.sin6_addr);
	return s;
}

/* The key of name:port dialled at ip:dport; the test fails if it cannot be made. */
static struct session_key key(const struct session_cache *sc, const char *name,
			      uint16_t port, const char *ip, uint16_t dport)
{
	struct session_key k;
	struct sockaddr_in s = v4(ip, dport);
	CHECK_EQ_INT(session_key_make(&k, sc, name, port, (struct sockaddr *)&s), 0);
	return k;
}

/* Session parameters whose ID and master secret are derived from `tag`. */
static br_ssl_session_parameters session(unsigned char tag)
{
	br_ssl_session_parameters p;
	memset(&p, 0, sizeof p);
	p.session_id_len = 32;
	for (size_t i = 0; i < 32; i++)
		p.session_id[i] = (unsigned char)(tag + i);
	p.version = BR_TLS12;
	p.cipher_suite = BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
	for (size_t i = 0; i < sizeof p.master_secret; i++)
		p.master_secret[i] = (unsigned char)(0xA0 ^ tag ^ (i * 7));
	return p;
}

static struct session_cache *new_cache(void)
{
	struct session_cache *sc = malloc(sizeof *sc);
	if (sc)
		session_cache_init(sc, 0);
	return sc;
}

/* Whether the master secret of p appears anywhere in the cache's memory. */
static int holds_secret(const struct session_cache *sc, const br_ssl_session_parameters *p)
{
	const unsigned char *m = (const unsigned char *)sc;
	size_t n = sizeof *sc, len = sizeof p->master_secret;
	for (size_t i = 0; i + len <= n; i++)
		if (memcmp(m + i, p->master_secret, len) == 0)
			return 1;
	return 0;
}

TEST(session_cache_hit_returns_the_saved_session)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key k = key(sc, "api.example.test", 443, "127.0.0.1", 8443);
	br_ssl_session_parameters a = session(1), out;
	CHECK_EQ_INT(session_cache_get(sc, &k, T0, &out), 0);
	session_cache_put(sc, &k, &a, T0);
	memset(&out, 0, sizeof out);
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 + 1, &out), 1);
	CHECK_MEM(&out, &a, sizeof a);
	/* The same key made again (another connection) finds it too. */
	struct session_key k2 = key(sc, "api.example.test", 443, "127.0.0.1", 8443);
	CHECK_EQ_INT(session_cache_get(sc, &k2, T0 + 2, &out), 1);
	CHECK_EQ_INT(session_cache_count(sc), 1);
	session_cache_clear(sc);
	free(sc);
}

TEST(session_cache_other_name_port_or_address_misses)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key k = key(sc, "a.example.test", 443, "127.0.0.1", 8443);
	br_ssl_session_parameters a = session(2), out;
	session_cache_put(sc, &k, &a, T0);
	struct session_key miss[] = {
		key(sc, "b.example.test", 443, "127.0.0.1", 8443),  /* another host, same server */
		key(sc, "A.example.test", 443, "127.0.0.1", 8443),  /* names compare exactly */
		key(sc, "a.example.test", 8443, "127.0.0.1", 8443), /* another port asked for */
		key(sc, "a.example.test", 443, "127.0.0.2", 8443),  /* a map to another address */
		key(sc, "a.example.test", 443, "127.0.0.1", 9443),  /* ... or another port */
	};
	for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++)
		CHECK_EQ_INT(session_cache_get(sc, &miss[i], T0, &out), 0);
	struct session_key k6;
	struct sockaddr_in6 s6 = v6("::ffff:127.0.0.1", 8443);
	CHECK_EQ_INT(session_key_make(&k6, sc, "a.example.test", 443, (struct sockaddr *)&s6), 0);
	CHECK_EQ_INT(session_cache_get(sc, &k6, T0, &out), 0);
	CHECK_EQ_INT(session_cache_get(sc, &k, T0, &out), 1);
	session_cache_clear(sc);
	free(sc);
}

TEST(session_cache_ipv6_key)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key a, b;
	struct sockaddr_in6 s = v6("2001:db8::1", 443), t = v6("2001:db8::2", 443);
	CHECK_EQ_INT(session_key_make(&a, sc, "v6.example.test", 443, (struct sockaddr *)&s), 0);
	CHECK_EQ_INT(session_key_make(&b, sc, "v6.example.test", 443, (struct sockaddr *)&t), 0);
	br_ssl_session_parameters p = session(3), out;
	session_cache_put(sc, &a, &p, T0);
	CHECK_EQ_INT(session_cache_get(sc, &a, T0, &out), 1);
	CHECK_EQ_INT(session_cache_get(sc, &b, T0, &out), 0);
	session_cache_clear(sc);
	free(sc);
}

TEST(session_cache_key_refusals)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key k;
	struct sockaddr_in s = v4("127.0.0.1", 443);
	char longname[SESSION_NAME_MAX + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	CHECK_EQ_INT(session_key_make(&k, sc, longname, 443, (struct sockaddr *)&s), -1);
	longname[SESSION_NAME_MAX] = 0; /* the longest name that fits */
	CHECK_EQ_INT(session_key_make(&k, sc, longname, 443, (struct sockaddr *)&s), 0);
	CHECK_EQ_INT(session_key_make(&k, sc, "", 443, (struct sockaddr *)&s), -1);
	struct sockaddr_un u;
	memset(&u, 0, sizeof u);
	u.sun_family = AF_UNIX;
	CHECK_EQ_INT(session_key_make(&k, sc, "x.example.test", 443, (struct sockaddr *)&u), -1);
	free(sc);
}

TEST(session_cache_entries_expire)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key k = key(sc, "api.example.test", 443, "127.0.0.1", 8443);
	br_ssl_session_parameters a = session(4), out;
	session_cache_put(sc, &k, &a, T0);
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 + TTL - 1, &out), 1);
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 + TTL, &out), 0);
	CHECK_EQ_INT(session_cache_count(sc), 0); /* dropped when met... */
	CHECK(!holds_secret(sc, &a));             /* ...and wiped */
	/* A clock that went backwards does not keep an entry alive either. */
	session_cache_put(sc, &k, &a, T0);
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 - 1, &out), 0);
	/* A shorter lifetime. */
	session_cache_init(sc, 1000);
	k = key(sc, "api.example.test", 443, "127.0.0.1", 8443);
	session_cache_put(sc, &k, &a, T0);
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 + 999, &out), 1);
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 + 1000, &out), 0);
	session_cache_clear(sc);
	free(sc);
}

TEST(session_cache_resumption_keeps_the_sessions_age)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key k = key(sc, "api.example.test", 443, "127.0.0.1", 8443);
	br_ssl_session_parameters a = session(5), b = session(6), out;
	session_cache_put(sc, &k, &a, T0);
	session_cache_put(sc, &k, &a, T0 + TTL / 2); /* resumed: the same session */
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 + TTL, &out), 0);
	/* A new session (the server refused to resume) replaces the old, with a new age. */
	session_cache_put(sc, &k, &a, T0);
	session_cache_put(sc, &k, &b, T0 + TTL / 2);
	CHECK_EQ_INT(session_cache_count(sc), 1);
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 + TTL, &out), 1);
	CHECK_MEM(&out, &b, sizeof b);
	CHECK(!holds_secret(sc, &a));
	session_cache_clear(sc);
	free(sc);
}

TEST(session_cache_empty_session_id_is_not_kept)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key k = key(sc, "api.example.test", 443, "127.0.0.1", 8443);
	br_ssl_session_parameters a = session(7), none = session(8), out;
	none.session_id_len = 0;
	session_cache_put(sc, &k, &none, T0);
	CHECK_EQ_INT(session_cache_count(sc), 0);
	session_cache_put(sc, &k, &a, T0);
	session_cache_put(sc, &k, &none, T0 + 1); /* the server stopped caching sessions */
	CHECK_EQ_INT(session_cache_get(sc, &k, T0 + 2, &out), 0);
	CHECK(!holds_secret(sc, &a));
	CHECK(!holds_secret(sc, &none));
	free(sc);
}

TEST(session_cache_replaces_least_recently_used)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	br_ssl_session_parameters p[SESSION_CACHE_SIZE + 1], out;
	struct session_key k[SESSION_CACHE_SIZE + 1];
	char name[64];
	for (int i = 0; i <= SESSION_CACHE_SIZE; i++) {
		snprintf(name, sizeof name, "h%d.example.test", i);
		k[i] = key(sc, name, 443, "127.0.0.1", 8443);
		p[i] = session((unsigned char)i);
	}
	for (int i = 0; i < SESSION_CACHE_SIZE; i++)
		session_cache_put(sc, &k[i], &p[i], T0 + (uint64_t)i);
	CHECK_EQ_INT(session_cache_count(sc), SESSION_CACHE_SIZE);
	CHECK_EQ_INT(session_cache_get(sc, &k[0], T0 + 100, &out), 1); /* h0 now recent */
	session_cache_put(sc, &k[SESSION_CACHE_SIZE], &p[SESSION_CACHE_SIZE], T0 + 101);
	CHECK_EQ_INT(session_cache_count(sc), SESSION_CACHE_SIZE);
	CHECK_EQ_INT(session_cache_get(sc, &k[1], T0 + 102, &out), 0); /* h1 made room */
	CHECK(!holds_secret(sc, &p[1]));
	CHECK_EQ_INT(session_cache_get(sc, &k[0], T0 + 102, &out), 1);
	CHECK_EQ_INT(session_cache_get(sc, &k[2], T0 + 102, &out), 1);
	CHECK_EQ_INT(session_cache_get(sc, &k[SESSION_CACHE_SIZE], T0 + 102, &out), 1);
	CHECK_MEM(&out, &p[SESSION_CACHE_SIZE], sizeof out);
	session_cache_clear(sc);
	free(sc);
}

TEST(session_cache_expired_slot_is_taken_before_a_live_one)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	br_ssl_session_parameters p, out;
	struct session_key k[SESSION_CACHE_SIZE + 1];
	char name[64];
	for (int i = 0; i <= SESSION_CACHE_SIZE; i++) {
		snprintf(name, sizeof name, "h%d.example.test", i);
		k[i] = key(sc, name, 443, "127.0.0.1", 8443);
	}
	/* h0 is the oldest but the most recently used: it expires first, and its slot
	 * goes before the least recently used live one (h1's). */
	p = session(0);
	session_cache_put(sc, &k[0], &p, T0);
	for (int i = 1; i < SESSION_CACHE_SIZE; i++) {
		p = session((unsigned char)i);
		session_cache_put(sc, &k[i], &p, T0 + TTL / 2);
	}
	CHECK_EQ_INT(session_cache_get(sc, &k[0], T0 + TTL / 2, &out), 1);
	p = session(200);
	session_cache_put(sc, &k[SESSION_CACHE_SIZE], &p, T0 + TTL);
	CHECK_EQ_INT(session_cache_get(sc, &k[1], T0 + TTL, &out), 1);
	CHECK_EQ_INT(session_cache_get(sc, &k[0], T0 + TTL, &out), 0);
	session_cache_clear(sc);
	free(sc);
}

TEST(session_cache_drop_wipes_the_master_secret)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key a = key(sc, "a.example.test", 443, "127.0.0.1", 8443);
	struct session_key b = key(sc, "b.example.test", 443, "127.0.0.1", 8443);
	br_ssl_session_parameters pa = session(9), pb = session(10), out;
	session_cache_put(sc, &a, &pa, T0);
	session_cache_put(sc, &b, &pb, T0);
	CHECK(holds_secret(sc, &pa));
	session_cache_drop(sc, &a);
	CHECK(!holds_secret(sc, &pa));
	CHECK_EQ_INT(session_cache_get(sc, &a, T0, &out), 0);
	CHECK_EQ_INT(session_cache_get(sc, &b, T0, &out), 1); /* only a's went */
	session_cache_drop(sc, &a); /* nothing left to drop: no harm */
	CHECK_EQ_INT(session_cache_count(sc), 1);
	/* A freed slot is all zero, not only its secret. */
	for (size_t i = 0; i < SESSION_CACHE_SIZE; i++) {
		if (sc->e[i].live)
			continue;
		const unsigned char *m = (const unsigned char *)&sc->e[i];
		size_t nz = 0;
		for (size_t j = 0; j < sizeof sc->e[i]; j++)
			nz += m[j] != 0;
		CHECK_EQ_INT(nz, 0);
	}
	free(sc);
}

TEST(session_cache_clear_wipes_all_and_stales_old_keys)
{
	struct session_cache *sc = new_cache();
	if (!sc)
		return;
	struct session_key a = key(sc, "a.example.test", 443, "127.0.0.1", 8443);
	struct session_key b = key(sc, "b.example.test", 443, "127.0.0.1", 8443);
	br_ssl_session_parameters pa = session(11), pb = session(12), out;
	session_cache_put(sc, &a, &pa, T0);
	session_cache_put(sc, &b, &pb, T0);
	session_cache_clear(sc);
	CHECK_EQ_INT(session_cache_count(sc), 0);
	CHECK(!holds_secret(sc, &pa));
	CHECK(!holds_secret(sc, &pb));
	/* A handshake that began before the clear (a policy reload) cannot put its session
	 * back; a key made after it works as before. */
	session_cache_put(sc, &a, &pa, T0 + 1);
	CHECK_EQ_INT(session_cache_count(sc), 0);
	CHECK_EQ_INT(session_cache_get(sc, &a, T0 + 1, &out), 0);
	struct session_key a2 = key(sc, "a.example.test", 443, "127.0.0.1", 8443);
	session_cache_put(sc, &a2, &pa, T0 + 1);
	CHECK_EQ_INT(session_cache_get(sc, &a2, T0 + 2, &out), 1);
	CHECK_EQ_INT(session_cache_get(sc, &a, T0 + 2, &out), 0);
	session_cache_clear(sc);
	free(sc);
}
