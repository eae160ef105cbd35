/* Unit tests of the leaf cache. */
#include "test/unit/harness.h"
#include "proxy/tls/leaf_cache.h"

#include <stdlib.h>

#define NOW ((time_t)1800000000)

static struct ca *make_ca(void)
{
	struct ca *ca = malloc(sizeof *ca);
	struct ca_name nm = {"example.test", CA_NAME_SUBDOMAINS};
	char err[256] = "";
	if (ca_generate(ca, &nm, 1, NOW, err, sizeof err) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		free(ca);
		return NULL;
	}
	return ca;
}

static int get(struct leaf_cache *c, struct ca *ca, const char *host, time_t now,
	       unsigned char *out, size_t *len)
{
	char err[256];
	return leaf_cache_get(c, ca, host, now, out, LEAF_CERT_MAX, len, err, sizeof err);
}

TEST(leaf_cache_hit_returns_same_certificate)
{
	struct leaf_cache *c = malloc(sizeof *c);
	struct ca *ca = make_ca();
	if (!ca || !c)
		goto out;
	leaf_cache_init(c);
	unsigned char a[LEAF_CERT_MAX], b[LEAF_CERT_MAX];
	size_t la = 0, lb = 0;
	CHECK_EQ_INT(get(c, ca, "a.example.test", NOW, a, &la), 0);
	CHECK_EQ_INT(get(c, ca, "A.Example.TEST", NOW + 60, b, &lb), 0);
	CHECK_EQ_INT(c->mints, 1);
	CHECK_EQ_INT(c->hits, 1);
	CHECK(la == lb && memcmp(a, b, la) == 0);
	CHECK_EQ_INT(get(c, ca, "b.example.test", NOW, b, &lb), 0);
	CHECK_EQ_INT(c->mints, 2);
	CHECK(memcmp(a, b, la < lb ? la : lb) != 0);
out:
	if (ca)
		ca_wipe(ca);
	free(ca);
	free(c);
}

TEST(leaf_cache_evicts_least_recently_used)
{
	struct leaf_cache *c = malloc(sizeof *c);
	struct ca *ca = make_ca();
	unsigned char out[LEAF_CERT_MAX];
	size_t len;
	char host[64];
	if (!ca || !c)
		goto out;
	leaf_cache_init(c);
	for (int i = 0; i < LEAF_CACHE_SIZE; i++) {
		snprintf(host, sizeof host, "h%d.example.test", i);
		CHECK_EQ_INT(get(c, ca, host, NOW, out, &len), 0);
	}
	CHECK_EQ_INT(c->mints, LEAF_CACHE_SIZE);
	CHECK_EQ_INT(get(c, ca, "h0.example.test", NOW, out, &len), 0); /* h0 now recent */
	CHECK_EQ_INT(c->hits, 1);
	CHECK_EQ_INT(get(c, ca, "new.example.test", NOW, out, &len), 0); /* evicts h1 */
	CHECK_EQ_INT(c->mints, LEAF_CACHE_SIZE + 1);
	CHECK_EQ_INT(get(c, ca, "h0.example.test", NOW, out, &len), 0);
	CHECK_EQ_INT(c->hits, 2);
	CHECK_EQ_INT(get(c, ca, "h2.example.test", NOW, out, &len), 0);
	CHECK_EQ_INT(c->hits, 3);
	CHECK_EQ_INT(get(c, ca, "h1.example.test", NOW, out, &len), 0); /* was evicted */
	CHECK_EQ_INT(c->mints, LEAF_CACHE_SIZE + 2);
out:
	if (ca)
		ca_wipe(ca);
	free(ca);
	free(c);
}

TEST(leaf_cache_renews_before_expiry)
{
	struct leaf_cache *c = malloc(sizeof *c);
	struct ca *ca = make_ca();
	unsigned char a[LEAF_CERT_MAX], b[LEAF_CERT_MAX];
	size_t la, lb;
	if (!ca || !c)
		goto out;
	leaf_cache_init(c);
	CHECK_EQ_INT(get(c, ca, "a.example.test", NOW, a, &la), 0);
	time_t end = NOW + LEAF_VALIDITY_DAYS * 86400;
	CHECK_EQ_INT(get(c, ca, "a.example.test", end - LEAF_RENEW_MARGIN - 10, b, &lb), 0);
	CHECK_EQ_INT(c->mints, 1);
	CHECK_EQ_INT(get(c, ca, "a.example.test", end - LEAF_RENEW_MARGIN + 10, b, &lb), 0);
	CHECK_EQ_INT(c->mints, 2);
	CHECK(la != lb || memcmp(a, b, la) != 0);
out:
	if (ca)
		ca_wipe(ca);
	free(ca);
	free(c);
}

TEST(leaf_cache_errors_cache_nothing)
{
	struct leaf_cache *c = malloc(sizeof *c);
	struct ca *ca = make_ca();
	unsigned char out[LEAF_CERT_MAX];
	size_t len;
	char err[256] = "", longhost[400];
	if (!ca || !c)
		goto out;
	leaf_cache_init(c);
	CHECK_EQ_INT(leaf_cache_get(c, ca, "bad host", NOW, out, sizeof out, &len, err, sizeof err), -1);
	CHECK(strstr(err, "bad host") != NULL);
	memset(longhost, 'a', sizeof longhost - 1);
	longhost[sizeof longhost - 1] = 0;
	CHECK_EQ_INT(leaf_cache_get(c, ca, longhost, NOW, out, sizeof out, &len, err, sizeof err), -1);
	CHECK_EQ_INT(leaf_cache_get(c, ca, "", NOW, out, sizeof out, &len, err, sizeof err), -1);
	CHECK_EQ_INT(c->mints, 0);
	for (int i = 0; i < LEAF_CACHE_SIZE; i++)
		CHECK(c->e[i].host[0] == 0);
	/* A too-small buffer fails on a hit as well as on a mint. */
	CHECK_EQ_INT(leaf_cache_get(c, ca, "a.example.test", NOW, out, 50, &len, err, sizeof err), -1);
	CHECK_EQ_INT(leaf_cache_get(c, ca, "a.example.test", NOW, out, 50, &len, err, sizeof err), -1);
	CHECK(strstr(err, "a.example.test") != NULL);
out:
	if (ca)
		ca_wipe(ca);
	free(ca);
	free(c);
}
