/* Unit tests for proxy/secrets: the placeholder rewriter. One rule per test: target raw
 * and percent-encoded, header values, Basic credentials, binding, plaintext, unknown
 * and malformed names, buffers too small, near-misses. The store is filled by hand. */
#include "test/unit/harness.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/base/base64.h"
#include "proxy/secrets.h"

/* Values with characters a URL must escape, so that percent-encoding shows. */
#define GH_VALUE "ghp_S3cr3t+/=:? x"
#define GH_PCT "ghp_S3cr3t%2B%2F%3D%3A%3F%20x"
#define OTHER_VALUE "other-VALUE_1"
#define PLAIN_VALUE "plain~value"
#define WILD_VALUE "wild.value"

#define PH(name) "openshell:resolve:env:" name

static char *gh_hosts[] = {"github.com", "api.github.com"};
static char *plain_hosts[] = {"plain.test"};
static char *wild_hosts[] = {"*.example.com"};
static char *empty_hosts[] = {"api.github.com"};

enum { GH, OTHER, PLAIN, WILD, EMPTY, NOFILE, NSECRETS };

static struct policy_secret secrets[NSECRETS] = {
	[GH] = {.name = "GITHUB_TOKEN", .hosts = gh_hosts, .nhosts = 2},
	[OTHER] = {.name = "OTHER", .hosts = gh_hosts + 1, .nhosts = 1},
	[PLAIN] = {.name = "PLAIN_KEY", .hosts = plain_hosts, .nhosts = 1, .plaintext = 1},
	[WILD] = {.name = "WILD", .hosts = wild_hosts, .nhosts = 1},
	[EMPTY] = {.name = "EMPTY_FILE", .hosts = empty_hosts, .nhosts = 1,
		   .file = "/run/secrets/empty"},
	[NOFILE] = {.name = "UNSET", .hosts = empty_hosts, .nhosts = 1},
};

static struct secret_store store;

static void set_value(int i, const char *v)
{
	store.entries[i].secret = &secrets[i];
	store.entries[i].value = v ? (char *)v : NULL;
	store.entries[i].len = v ? strlen(v) : 0;
	store.entries[i].source = v ? SECRET_SOURCE_ENV : SECRET_SOURCE_NONE;
}

static const struct secret_store *st(void)
{
	if (store.count == 0) {
		set_value(GH, GH_VALUE);
		set_value(OTHER, OTHER_VALUE);
		set_value(PLAIN, PLAIN_VALUE);
		set_value(WILD, WILD_VALUE);
		set_value(EMPTY, NULL);
		set_value(NOFILE, NULL);
		store.count = NSECRETS;
	}
	return &store;
}

#define BIT(i) ((uint64_t)1 << (i))

/* Like CHECK_EQ_STR, for the large output buffers here. */
static void expect_str(const char *file, int line, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return;
	char m[2048];
	snprintf(m, sizeof m, "got \"%.900s\", want \"%.900s\"", got, want);
	harness_fail(file, line, m);
}
#define EXPECT_STR(got, want) expect_str(__FILE__, __LINE__, (got), (want))

/* One rewrite with a fresh result; output NUL-terminated in out (cap 4096). */
struct outcome {
	int rc;
	char out[4096];
	size_t len;
	struct secrets_result res;
};

static struct outcome *rw(enum secrets_field kind, const char *header, const char *host,
			  int tls, const char *in)
{
	static struct outcome o;
	memset(&o, 0, sizeof o);
	secrets_result_init(&o.res);
	o.rc = secrets_rewrite(st(), host, tls, kind, header, in, strlen(in), o.out,
			       sizeof o.out - 1, &o.len, &o.res);
	if (o.rc >= 0 && o.len < sizeof o.out)
		o.out[o.len] = '\0';
	return &o;
}

/* Whether any real value occurs in buf[0..len). */
static int holds_a_value(const char *buf, size_t len)
{
	static const char *const values[] = {GH_VALUE, GH_PCT, OTHER_VALUE, PLAIN_VALUE,
					     WILD_VALUE};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		if (memmem(buf, len, values[i], strlen(values[i])))
			return 1;
	return 0;
}

/* Checks a refusal: rc 1, nothing out, reason has every `want` and no value. */
static void check_refused(const struct outcome *o, const char *want1, const char *want2)
{
	CHECK_EQ_INT(o->rc, 1);
	CHECK_EQ_INT(o->res.refused, 1);
	CHECK_EQ_INT(o->len, 0);
	CHECK(!holds_a_value(o->out, sizeof o->out));
	CHECK(!holds_a_value(o->res.reason, strlen(o->res.reason)));
	if (want1 && !strstr(o->res.reason, want1))
		harness_fail(__FILE__, __LINE__, o->res.reason);
	if (want2 && !strstr(o->res.reason, want2))
		harness_fail(__FILE__, __LINE__, o->res.reason);
}

static void check_unchanged(const struct outcome *o, const char *in)
{
	CHECK_EQ_INT(o->rc, 0);
	CHECK_EQ_INT(o->res.refused, 0);
	CHECK_EQ_INT(o->res.injected, 0);
	EXPECT_STR(o->out, in);
}



TEST(secrets_target_raw_placeholder_is_percent_encoded_value)
{
	struct outcome *o = rw(SECRETS_TARGET, NULL, "api.github.com", 1,
			       "/user?token=" PH("GITHUB_TOKEN") "&x=1");
	CHECK_EQ_INT(o->rc, 0);
	EXPECT_STR(o->out, "/user?token=" GH_PCT "&x=1");
	CHECK_EQ_INT(o->res.injected, BIT(GH));
	CHECK_EQ_INT(o->res.refused, 0);

	o = rw(SECRETS_TARGET, NULL, "github.com", 1, "/" PH("GITHUB_TOKEN") "/repo");
	EXPECT_STR(o->out, "/" GH_PCT "/repo");
}

TEST(secrets_target_percent_encoded_placeholder)
{
	static const char *const forms[] = {
		"openshell%3Aresolve%3Aenv%3AGITHUB_TOKEN",
		"openshell%3aresolve%3aenv%3aGITHUB_TOKEN",
		"openshell%3aresolve:env%3AGITHUB_TOKEN",
		"openshell:resolve%3Aenv:GITHUB_TOKEN",
		"openshell:resolve:env%3AGITHUB_TOKEN",
		"%6Fpenshell%3Aresolve%3Aenv%3AGITHUB%5FTOKEN", /* other characters escaped too */
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char in[256];
		snprintf(in, sizeof in, "/search?q=%s&page=2", forms[i]);
		struct outcome *o = rw(SECRETS_TARGET, NULL, "api.github.com", 1, in);
		CHECK_EQ_INT(o->rc, 0);
		EXPECT_STR(o->out, "/search?q=" GH_PCT "&page=2");
		CHECK_EQ_INT(o->res.injected, BIT(GH));
	}
}

TEST(secrets_target_name_ends_at_first_non_name_character)
{
	/* An escaped '/' ends the name as a raw one does. */
	struct outcome *o = rw(SECRETS_TARGET, NULL, "api.github.com", 1,
			       "/a/openshell%3Aresolve%3Aenv%3AOTHER%2Fb");
	EXPECT_STR(o->out, "/a/" OTHER_VALUE "%2Fb");
	CHECK_EQ_INT(o->res.injected, BIT(OTHER));
}

TEST(secrets_header_whole_value)
{
	struct outcome *o = rw(SECRETS_HEADER, "x-api-key", "api.github.com", 1, PH("GITHUB_TOKEN"));
	CHECK_EQ_INT(o->rc, 0);
	EXPECT_STR(o->out, GH_VALUE); /* raw in a header: no percent-encoding */
	CHECK_EQ_INT(o->res.injected, BIT(GH));
}

TEST(secrets_header_after_auth_scheme)
{
	struct outcome *o = rw(SECRETS_HEADER, "Authorization", "api.github.com", 1,
			       "Bearer " PH("GITHUB_TOKEN"));
	EXPECT_STR(o->out, "Bearer " GH_VALUE);
	CHECK_EQ_INT(o->res.injected, BIT(GH));
	o = rw(SECRETS_HEADER, "authorization", "github.com", 1, "token " PH("GITHUB_TOKEN"));
	EXPECT_STR(o->out, "token " GH_VALUE);
}

TEST(secrets_header_embedded)
{
	struct outcome *o = rw(SECRETS_HEADER, "Cookie", "api.github.com", 1,
			       "a=1; sess=" PH("OTHER") "; b=2");
	EXPECT_STR(o->out, "a=1; sess=" OTHER_VALUE "; b=2");
	CHECK_EQ_INT(o->res.injected, BIT(OTHER));
}

TEST(secrets_header_percent_encoded_placeholder_is_left_alone)
{
	/* Only targets are percent-decoded; a header keeps an escaped one as text. */
	const char *in = "openshell%3Aresolve%3Aenv%3AGITHUB_TOKEN";
	check_unchanged(rw(SECRETS_HEADER, "X-Token", "api.github.com", 1, in), in);
}

TEST(secrets_multiple_placeholders_in_one_field)
{
	struct outcome *o = rw(SECRETS_TARGET, NULL, "api.github.com", 1,
			       "/x?a=" PH("GITHUB_TOKEN") "&b=" PH("OTHER") "&c=" PH("GITHUB_TOKEN"));
	CHECK_EQ_INT(o->rc, 0);
	EXPECT_STR(o->out, "/x?a=" GH_PCT "&b=" OTHER_VALUE "&c=" GH_PCT);
	CHECK_EQ_INT(o->res.injected, BIT(GH) | BIT(OTHER));

	o = rw(SECRETS_HEADER, "X-Both", "api.github.com", 1, PH("OTHER") "." PH("GITHUB_TOKEN"));
	EXPECT_STR(o->out, OTHER_VALUE "." GH_VALUE);
	CHECK_EQ_INT(o->res.injected, BIT(GH) | BIT(OTHER));
}

/* "Basic " + base64(text). */
static void basic_of(const char *text, char *buf, size_t cap)
{
	size_t n;
	memcpy(buf, "Basic ", 6);
	CHECK_EQ_INT(base64_encode((const unsigned char *)text, strlen(text), buf + 6,
				   cap - 7, &n), 0);
	buf[6 + n] = '\0';
}

TEST(secrets_basic_credentials_decoded_rewritten_reencoded)
{
	/* Users of every length mod 3 give every padding variant on both sides. */
	static const char *const users[] = {"x-access-token", "git", "ab", "a", ""};
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		char creds[256], want_creds[256], in[512], want[512];
		snprintf(creds, sizeof creds, "%s:" PH("GITHUB_TOKEN"), users[i]);
		snprintf(want_creds, sizeof want_creds, "%s:" GH_VALUE, users[i]);
		basic_of(creds, in, sizeof in);
		basic_of(want_creds, want, sizeof want);
		struct outcome *o = rw(SECRETS_HEADER, "Authorization", "github.com", 1, in);
		CHECK_EQ_INT(o->rc, 0);
		EXPECT_STR(o->out, want);
		CHECK_EQ_INT(o->res.injected, BIT(GH));
	}
	/* The placeholder as the user name, and with a 1- and 2-byte tail after it. */
	static const char *const tails[] = {":", ":x", ":xy", ":xyz"};
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		char creds[256], want_creds[256], in[512], want[512];
		snprintf(creds, sizeof creds, PH("OTHER") "%s", tails[i]);
		snprintf(want_creds, sizeof want_creds, OTHER_VALUE "%s", tails[i]);
		basic_of(creds, in, sizeof in);
		basic_of(want_creds, want, sizeof want);
		struct outcome *o = rw(SECRETS_HEADER, "Proxy-Authorization", "api.github.com", 1, in);
		EXPECT_STR(o->out, want);
		CHECK_EQ_INT(o->res.injected, BIT(OTHER));
	}
}

TEST(secrets_basic_keeps_scheme_spelling_and_spaces)
{
	char b64[256];
	size_t n;
	const char *creds = "u:" PH("OTHER");
	CHECK_EQ_INT(base64_encode((const unsigned char *)creds, strlen(creds), b64, sizeof b64, &n), 0);
	b64[n] = '\0';
	char in[300], want[300], wb64[256];
	snprintf(in, sizeof in, "bAsIc  %s ", b64);
	const char *wc = "u:" OTHER_VALUE;
	CHECK_EQ_INT(base64_encode((const unsigned char *)wc, strlen(wc), wb64, sizeof wb64, &n), 0);
	wb64[n] = '\0';
	snprintf(want, sizeof want, "bAsIc  %s ", wb64);
	struct outcome *o = rw(SECRETS_HEADER, "AUTHORIZATION", "api.github.com", 1, in);
	EXPECT_STR(o->out, want);
}

TEST(secrets_basic_without_placeholder_is_unchanged)
{
	char in[128];
	basic_of("user:password", in, sizeof in);
	check_unchanged(rw(SECRETS_HEADER, "Authorization", "evil.example", 1, in), in);
}

TEST(secrets_basic_invalid_base64_left_alone)
{
	static const char *const bad[] = {
		"Basic !!notbase64!!",
		"Basic Zh==",                /* non-canonical */
		"Basic dXNlcjpwYXNz extra", /* more than one token */
		"Basic dXNlcjpwYXN",         /* unpadded */
		"Basic",
		"Basic ",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check_unchanged(rw(SECRETS_HEADER, "Authorization", "api.github.com", 1, bad[i]),
				bad[i]);
}

TEST(secrets_basic_only_in_authorization_headers)
{
	/* Elsewhere, base64 is opaque text: the placeholder inside is not looked for. */
	char in[256];
	basic_of("u:" PH("GITHUB_TOKEN"), in, sizeof in);
	check_unchanged(rw(SECRETS_HEADER, "X-Forward-Auth", "api.github.com", 1, in), in);
}

TEST(secrets_basic_raw_placeholder_after_scheme_still_replaced)
{
	/* Not base64 (':' is outside the alphabet): the plain header rule applies. */
	struct outcome *o = rw(SECRETS_HEADER, "Authorization", "api.github.com", 1,
			       "Basic " PH("OTHER"));
	EXPECT_STR(o->out, "Basic " OTHER_VALUE);
}

TEST(secrets_basic_placeholder_to_unbound_host_refused)
{
	char in[256];
	basic_of("x-access-token:" PH("GITHUB_TOKEN"), in, sizeof in);
	struct outcome *o = rw(SECRETS_HEADER, "Authorization", "evil.example", 1, in);
	check_refused(o, "GITHUB_TOKEN", "evil.example");
}

TEST(secrets_unbound_host_refused_with_reason)
{
	struct outcome *o = rw(SECRETS_HEADER, "Authorization", "evil.example", 1,
			       "Bearer " PH("GITHUB_TOKEN"));
	check_refused(o, "secret GITHUB_TOKEN is bound to github.com api.github.com, not evil.example",
		      "add the host to its `hosts` in [secret GITHUB_TOKEN]");
	CHECK_EQ_INT(o->res.injected, 0);

	/* A subdomain is not the host itself. */
	o = rw(SECRETS_TARGET, NULL, "gist.github.com", 1, "/?t=" PH("GITHUB_TOKEN"));
	check_refused(o, "not gist.github.com", NULL);
}

TEST(secrets_wildcard_binding)
{
	struct outcome *o = rw(SECRETS_HEADER, "X-Key", "api.example.com", 1, PH("WILD"));
	EXPECT_STR(o->out, WILD_VALUE);
	CHECK_EQ_INT(o->res.injected, BIT(WILD));
	/* "*.example.com" covers subdomains only. */
	check_refused(rw(SECRETS_HEADER, "X-Key", "example.com", 1, PH("WILD")), "WILD",
		      "not example.com");
}

TEST(secrets_unknown_name_refused)
{
	struct outcome *o = rw(SECRETS_HEADER, "Authorization", "api.github.com", 1,
			       "Bearer " PH("NOT_IN_POLICY"));
	check_refused(o, "secret NOT_IN_POLICY", "add a [secret NOT_IN_POLICY] section with hosts = api.github.com");
	o = rw(SECRETS_TARGET, NULL, "api.github.com", 1, "/openshell%3Aresolve%3Aenv%3AMISSING");
	check_refused(o, "secret MISSING", "request target");
}

TEST(secrets_name_is_read_greedily)
{
	/* GITHUB_TOKENx is a different (unknown) name, never GITHUB_TOKEN + "x". */
	struct outcome *o = rw(SECRETS_HEADER, "X-Key", "api.github.com", 1, PH("GITHUB_TOKENx"));
	check_refused(o, "secret GITHUB_TOKENx", NULL);
}

TEST(secrets_malformed_name_refused)
{
	static const char *const bad[] = {
		PH(""),            /* prefix at the end */
		PH("1ABC"),        /* starts with a digit */
		PH("-x"),          /* not a name character */
		"Bearer " PH(" GITHUB_TOKEN"),
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct outcome *o = rw(SECRETS_HEADER, "X-Key", "api.github.com", 1, bad[i]);
		check_refused(o, "is not followed by a variable name", "api.github.com");
	}
	check_refused(rw(SECRETS_TARGET, NULL, "api.github.com", 1, "/openshell%3Aresolve%3Aenv%3A%2F"),
		      "is not followed by a variable name", NULL);
}

TEST(secrets_plaintext_rules)
{
	/* Not allowed over http:// unless the secret says plaintext = yes. */
	struct outcome *o = rw(SECRETS_HEADER, "Authorization", "api.github.com", 0,
			       "Bearer " PH("GITHUB_TOKEN"));
	check_refused(o, "secret GITHUB_TOKEN may not be sent to api.github.com over plain http://",
		      "set plaintext = yes in [secret GITHUB_TOKEN]");
	o = rw(SECRETS_HEADER, "X-Key", "plain.test", 0, PH("PLAIN_KEY"));
	CHECK_EQ_INT(o->rc, 0);
	EXPECT_STR(o->out, PLAIN_VALUE);
	o = rw(SECRETS_HEADER, "X-Key", "plain.test", 1, PH("PLAIN_KEY"));
	EXPECT_STR(o->out, PLAIN_VALUE);
	/* plaintext does not loosen the binding. */
	check_refused(rw(SECRETS_HEADER, "X-Key", "api.github.com", 0, PH("PLAIN_KEY")),
		      "bound to plain.test", NULL);
}

TEST(secrets_no_value_refused_saying_where_it_would_come_from)
{
	check_refused(rw(SECRETS_HEADER, "X-Key", "api.github.com", 1, PH("EMPTY_FILE")),
		      "secret EMPTY_FILE has no value", "its file /run/secrets/empty is empty");
	check_refused(rw(SECRETS_HEADER, "X-Key", "api.github.com", 1, PH("UNSET")),
		      "environment variable UNSET is unset or empty", "names no file");
}

TEST(secrets_refusal_wipes_values_already_written)
{
	/* The first placeholder is fine and written, the second refuses the field. */
	struct outcome *o = rw(SECRETS_TARGET, NULL, "api.github.com", 1,
			       "/a=" PH("GITHUB_TOKEN") "&b=" PH("PLAIN_KEY"));
	check_refused(o, "PLAIN_KEY", "api.github.com");
	CHECK_EQ_INT(o->res.injected, 0);
}

TEST(secrets_result_accumulates_over_fields_first_reason_kept)
{
	struct secrets_result res;
	secrets_result_init(&res);
	char out[256];
	size_t n;
	const char *a = PH("OTHER");
	CHECK_EQ_INT(secrets_rewrite(st(), "api.github.com", 1, SECRETS_HEADER, "X-A", a,
				     strlen(a), out, sizeof out, &n, &res), 0);
	const char *b = "/" PH("GITHUB_TOKEN");
	CHECK_EQ_INT(secrets_rewrite(st(), "api.github.com", 1, SECRETS_TARGET, NULL, b,
				     strlen(b), out, sizeof out, &n, &res), 0);
	CHECK_EQ_INT(res.injected, BIT(GH) | BIT(OTHER));
	const char *c = PH("NOPE_ONE");
	CHECK_EQ_INT(secrets_rewrite(st(), "api.github.com", 1, SECRETS_HEADER, "X-C", c,
				     strlen(c), out, sizeof out, &n, &res), 1);
	const char *d = PH("NOPE_TWO");
	CHECK_EQ_INT(secrets_rewrite(st(), "api.github.com", 1, SECRETS_HEADER, "X-D", d,
				     strlen(d), out, sizeof out, &n, &res), 1);
	CHECK_EQ_INT(res.refused, 1);
	CHECK(strstr(res.reason, "NOPE_ONE") != NULL);
	CHECK(strstr(res.reason, "NOPE_TWO") == NULL);
}

TEST(secrets_out_too_small_reports_size_and_wipes)
{
	const char *in = "/x?t=" PH("GITHUB_TOKEN") "&more=1";
	const char *want = "/x?t=" GH_PCT "&more=1";
	size_t need = strlen(want);
	for (size_t cap = 0; cap < need; cap++) {
		char out[128];
		memset(out, '#', sizeof out);
		size_t n = 0;
		struct secrets_result res;
		secrets_result_init(&res);
		int rc = secrets_rewrite(st(), "api.github.com", 1, SECRETS_TARGET, NULL, in,
					 strlen(in), out, cap, &n, &res);
		CHECK_EQ_INT(rc, -1);
		CHECK_EQ_INT(n, need);
		CHECK_EQ_INT(res.refused, 0);
		CHECK_EQ_INT(res.injected, 0);
		CHECK_EQ_INT(out[cap], '#'); /* nothing past cap */
		CHECK(!holds_a_value(out, sizeof out));
		/* Not even a piece of the value is left behind. */
		CHECK(memmem(out, sizeof out, "S3cr3t", 6) == NULL);
	}
	char out[128];
	size_t n;
	struct secrets_result res;
	secrets_result_init(&res);
	CHECK_EQ_INT(secrets_rewrite(st(), "api.github.com", 1, SECRETS_TARGET, NULL, in,
				     strlen(in), out, need, &n, &res), 0);
	CHECK_EQ_INT(n, need);
	CHECK_MEM(out, want, need);
}

TEST(secrets_out_too_small_basic)
{
	char in[256], want[256];
	basic_of("x:" PH("GITHUB_TOKEN"), in, sizeof in);
	basic_of("x:" GH_VALUE, want, sizeof want);
	for (size_t cap = 0; cap < strlen(want); cap++) {
		char out[256];
		memset(out, '#', sizeof out);
		size_t n;
		struct secrets_result res;
		secrets_result_init(&res);
		CHECK_EQ_INT(secrets_rewrite(st(), "github.com", 1, SECRETS_HEADER, "Authorization",
					     in, strlen(in), out, cap, &n, &res), -1);
		CHECK_EQ_INT(n, strlen(want));
		CHECK_EQ_INT(out[cap], '#');
	}
}

TEST(secrets_refusal_wins_over_too_small)
{
	char out[4];
	size_t n;
	struct secrets_result res;
	secrets_result_init(&res);
	const char *in = "/a/long/path/" PH("GITHUB_TOKEN");
	CHECK_EQ_INT(secrets_rewrite(st(), "evil.example", 1, SECRETS_TARGET, NULL, in,
				     strlen(in), out, sizeof out, &n, &res), 1);
	CHECK_EQ_INT(res.refused, 1);
}

TEST(secrets_near_misses_untouched)
{
	static const char *const near[] = {
		"openshell:resolve:envGITHUB_TOKEN",
		"openshell:resolve:en",
		"openshell:resolve",
		"openshell-resolve-env-GITHUB_TOKEN",
		"OPENSHELL:RESOLVE:ENV:GITHUB_TOKEN",
		"openshell:resolv:env:GITHUB_TOKEN",
		"openshell%3Gresolve%3Aenv%3AGITHUB_TOKEN",
		"openshell%3resolve:env:GITHUB_TOKEN",
		"oopenshell:resolve:env",
		"o",
		"%",
		"%3",
		"",
		"GITHUB_TOKEN",
		"resolve:env:GITHUB_TOKEN",
	};
	for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
		check_unchanged(rw(SECRETS_TARGET, NULL, "api.github.com", 1, near[i]), near[i]);
		check_unchanged(rw(SECRETS_HEADER, "Authorization", "api.github.com", 1, near[i]),
				near[i]);
		CHECK_EQ_INT(secrets_scan(near[i], strlen(near[i])), 0);
	}
}

TEST(secrets_doubled_prefix_is_one_placeholder)
{
	/* "oopenshell:..." : the placeholder starts at the second 'o'. */
	struct outcome *o = rw(SECRETS_HEADER, "X-Key", "api.github.com", 1, "o" PH("OTHER"));
	EXPECT_STR(o->out, "o" OTHER_VALUE);
}

TEST(secrets_scan_finds_raw_encoded_and_malformed)
{
	static const char *const yes[] = {
		PH("GITHUB_TOKEN"),
		"/x?q=openshell%3Aresolve%3Aenv%3AANY",
		"a openshell%3aresolve:env:b",
		PH(""),
		"Bearer " PH("1bad"),
	};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		CHECK_EQ_INT(secrets_scan(yes[i], strlen(yes[i])), 1);
	/* Length is honoured: the placeholder past `len` is not seen. */
	const char *s = "/x/" PH("A");
	CHECK_EQ_INT(secrets_scan(s, 10), 0);
}

TEST(secrets_reason_is_one_clean_line)
{
	struct outcome *o = rw(SECRETS_HEADER, "X-Key\r\nEvil", "evil\r\n.example", 1,
			       PH("GITHUB_TOKEN"));
	CHECK_EQ_INT(o->rc, 1);
	for (const char *p = o->res.reason; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

TEST(secrets_name_valid)
{
	CHECK(secrets_name_valid("A", 1));
	CHECK(secrets_name_valid("_x9", 3));
	CHECK(!secrets_name_valid("", 0));
	CHECK(!secrets_name_valid("9x", 2));
	CHECK(!secrets_name_valid("a-b", 3));
}

TEST(secrets_injected_names_for_audit)
{
	char buf[64];
	CHECK_EQ_INT(secrets_injected_names(st(), BIT(GH) | BIT(PLAIN), buf, sizeof buf),
		     strlen("GITHUB_TOKEN,PLAIN_KEY"));
	EXPECT_STR(buf, "GITHUB_TOKEN,PLAIN_KEY");
	CHECK_EQ_INT(secrets_injected_names(st(), 0, buf, sizeof buf), 0);
	EXPECT_STR(buf, "");
	char small[8];
	secrets_injected_names(st(), BIT(GH) | BIT(OTHER), small, sizeof small);
	CHECK(strlen(small) < sizeof small);
}

TEST(secrets_refused_in_a_forked_child_never_zero_bytes)
{
	/* A real store: its values are wiped in children, where the rewriter must refuse
	 * instead of injecting the zeroed bytes. */
	struct policy p;
	memset(&p, 0, sizeof p);
	struct policy_secret s = {.name = "AIRLOCK_T_CHILD", .hosts = gh_hosts, .nhosts = 2};
	p.secrets = &s;
	p.nsecrets = 1;
	setenv("AIRLOCK_T_CHILD", "child-value", 1);
	struct secret_store real;
	char err[256];
	CHECK_EQ_INT(secret_store_load(&p, &real, err, sizeof err), 0);
	unsetenv("AIRLOCK_T_CHILD");
	const char *in = "Bearer " PH("AIRLOCK_T_CHILD");
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char out[256];
		size_t n;
		struct secrets_result res;
		secrets_result_init(&res);
		int rc = secrets_rewrite(&real, "github.com", 1, SECRETS_HEADER, "Authorization",
					 in, strlen(in), out, sizeof out, &n, &res);
		_exit(rc == 1 && strstr(res.reason, "not available in this process") ? 0 : 1);
	}
	int status = -1;
	CHECK_EQ_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char out[256];
	size_t n;
	struct secrets_result res;
	secrets_result_init(&res);
	CHECK_EQ_INT(secrets_rewrite(&real, "github.com", 1, SECRETS_HEADER, "Authorization", in,
				     strlen(in), out, sizeof out, &n, &res), 0);
	CHECK(n == strlen("Bearer child-value") && memcmp(out, "Bearer child-value", n) == 0);
	secret_store_free(&real);
}

TEST(secrets_no_host_binds_nothing)
{
	char out[128];
	size_t n;
	struct secrets_result res;
	secrets_result_init(&res);
	const char *in = "Bearer " PH("GITHUB_TOKEN");
	CHECK_EQ_INT(secrets_rewrite(st(), NULL, 1, SECRETS_HEADER, "Authorization", in,
				     strlen(in), out, sizeof out, &n, &res), 1);
	CHECK(strstr(res.reason, "GITHUB_TOKEN") != NULL);
	const char *plain = "Bearer abc";
	CHECK_EQ_INT(secrets_rewrite(st(), NULL, 1, SECRETS_HEADER, "Authorization", plain,
				     strlen(plain), out, sizeof out, &n, &res), 0);
	CHECK(n == strlen(plain) && memcmp(out, plain, n) == 0);
}

TEST(secrets_injected_list_for_audit)
{
	const char *names[4];
	CHECK_EQ_INT(secrets_injected_list(st(), BIT(OTHER) | BIT(WILD), names, 4), 2);
	EXPECT_STR(names[0], "OTHER");
	EXPECT_STR(names[1], "WILD");
	CHECK_EQ_INT(secrets_injected_list(st(), BIT(OTHER) | BIT(WILD), names, 1), 1);
	CHECK_EQ_INT(secrets_injected_list(st(), 0, names, 4), 0);
}

TEST(secrets_scrub_puts_placeholders_back_into_a_response_head)
{
	const struct secret_store *s = st();
	char in[512], out[512];
	size_t n;
	/* Raw in a header, percent-encoded in a redirect (any hex case). */
	snprintf(in, sizeof in,
		 "HTTP/1.1 302 Found\r\nX-Echo: Bearer %s\r\nLocation: /a?t=%s\r\n\r\n", GH_VALUE,
		 GH_PCT);
	long k = secrets_scrub(s, BIT(GH), NULL, 0, in, strlen(in), out, sizeof out, &n);
	CHECK_EQ_INT(k, 2);
	out[n] = 0;
	CHECK_EQ_STR(out, "HTTP/1.1 302 Found\r\nX-Echo: Bearer openshell:resolve:env:GITHUB_TOKEN"
			  "\r\nLocation: /a?t=openshell:resolve:env:GITHUB_TOKEN\r\n\r\n");
	CHECK(!holds_a_value(out, n));
	/* Only the secrets of the mask: another's value is left (it was not injected). */
	snprintf(in, sizeof in, "X: %s\r\n", GH_VALUE);
	CHECK_EQ_INT(secrets_scrub(s, BIT(OTHER), NULL, 0, in, strlen(in), out, sizeof out, &n), 0);
	CHECK_EQ_INT(n, strlen(in));
	CHECK_MEM(out, in, n);
	/* Too small: -1 and nothing left behind. */
	snprintf(in, sizeof in, "X: %s\r\n", GH_VALUE);
	memset(out, 'z', sizeof out);
	CHECK_EQ_INT(secrets_scrub(s, BIT(GH), NULL, 0, in, strlen(in), out, 10, &n), -1);
	CHECK_EQ_INT(n, 0);
	CHECK(!holds_a_value(out, sizeof out));
}

/* Percent-encodes every byte of s that is not a letter or digit (as a server quoting a
 * header into a URL may). */
static void pct_all(const char *s, char *buf, size_t cap)
{
	size_t o = 0;
	for (; *s && o + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, cap - o, "%%%02X", c);
	}
	buf[o] = '\0';
}

TEST(secrets_basic_credentials_are_recorded_as_the_sandbox_sent_them)
{
	char in[512];
	basic_of("x:" PH("GITHUB_TOKEN"), in, sizeof in);
	struct outcome *o = rw(SECRETS_HEADER, "Authorization", "github.com", 1, in);
	CHECK_EQ_INT(o->rc, 0);
	CHECK_EQ_INT(o->res.basic_len, strlen(in) - 6);
	CHECK_MEM(o->res.basic, in + 6, o->res.basic_len);
	/* Without a placeholder, or as text after the scheme: nothing to record. */
	basic_of("x:plain", in, sizeof in);
	o = rw(SECRETS_HEADER, "Authorization", "github.com", 1, in);
	CHECK_EQ_INT(o->res.basic_len, 0);
	o = rw(SECRETS_HEADER, "Authorization", "github.com", 1, "Basic " PH("GITHUB_TOKEN"));
	CHECK_EQ_INT(o->res.basic_len, 0);
	/* A field that fails records nothing. */
	basic_of("x:" PH("GITHUB_TOKEN"), in, sizeof in);
	struct secrets_result res;
	secrets_result_init(&res);
	char out[16];
	size_t n;
	CHECK_EQ_INT(secrets_rewrite(st(), "github.com", 1, SECRETS_HEADER, "Authorization", in,
				     strlen(in), out, sizeof out, &n, &res), -1);
	CHECK_EQ_INT(res.basic_len, 0);
	/* More than SECRETS_BASIC_SENT_COUNT credentials with secrets: refused. */
	secrets_result_init(&res);
	char big[4096];
	int rc = 0;
	for (int i = 0; i <= SECRETS_BASIC_SENT_COUNT && rc == 0; i++)
		rc = secrets_rewrite(st(), "github.com", 1, SECRETS_HEADER, "Authorization", in,
				     strlen(in), big, sizeof big, &n, &res);
	CHECK_EQ_INT(rc, 1);
	CHECK(strstr(res.reason, "Basic credentials") != NULL);
	CHECK(!holds_a_value(res.reason, strlen(res.reason)));
}

TEST(secrets_scrub_gives_back_the_basic_credentials_the_sandbox_sent)
{
	const struct secret_store *s = st();
	char sandbox[512];
	basic_of("x:" PH("GITHUB_TOKEN"), sandbox, sizeof sandbox);
	struct outcome *o = rw(SECRETS_HEADER, "Authorization", "github.com", 1, sandbox);
	CHECK_EQ_INT(o->rc, 0);
	char sent[512], list[SECRETS_BASIC_SENT_MAX];
	snprintf(sent, sizeof sent, "%s", o->out + 6); /* the base64 that went upstream */
	size_t list_len = o->res.basic_len;
	memcpy(list, o->res.basic, list_len);
	uint64_t mask = o->res.injected;
	const char *orig = sandbox + 6;

	/* Echoed as a whole header, as the bare blob in a lower-case header, and quoted
	 * percent-encoded into a redirect: each comes back as the sandbox sent it. */
	char sent_pct[1024], in[4096], want[4096], out[4096];
	pct_all(sent, sent_pct, sizeof sent_pct);
	snprintf(in, sizeof in,
		 "HTTP/1.1 302 Found\r\nX-Echo-Auth: Basic %s\r\nx-echo-token: %s\r\n"
		 "Location: /login?auth=Basic%%20%s\r\n\r\n", sent, sent, sent_pct);
	snprintf(want, sizeof want,
		 "HTTP/1.1 302 Found\r\nX-Echo-Auth: Basic %s\r\nx-echo-token: %s\r\n"
		 "Location: /login?auth=Basic%%20%s\r\n\r\n", orig, orig, orig);
	size_t n;
	long k = secrets_scrub(s, mask, list, list_len, in, strlen(in), out, sizeof out - 1, &n);
	CHECK_EQ_INT(k, 3);
	out[n] = 0;
	EXPECT_STR(out, want);
	CHECK(memmem(out, n, sent, strlen(sent)) == NULL);
	/* The decoded credentials echoed: the value becomes the placeholder. */
	snprintf(in, sizeof in, "X-User: x:%s\r\n", GH_VALUE);
	k = secrets_scrub(s, mask, list, list_len, in, strlen(in), out, sizeof out - 1, &n);
	CHECK_EQ_INT(k, 1);
	out[n] = 0;
	EXPECT_STR(out, "X-User: x:" PH("GITHUB_TOKEN") "\r\n");
	/* Without the list the blob would pass: what the fix is about. */
	snprintf(in, sizeof in, "X-Echo-Auth: Basic %s\r\n", sent);
	CHECK_EQ_INT(secrets_scrub(s, mask, NULL, 0, in, strlen(in), out, sizeof out, &n), 0);
	/* Too small: -1 and the rebuilt credentials are not left behind. */
	memset(out, 'z', sizeof out);
	CHECK_EQ_INT(secrets_scrub(s, mask, list, list_len, in, strlen(in), out, 20, &n), -1);
	CHECK_EQ_INT(n, 0);
	CHECK(memmem(out, sizeof out, sent, strlen(sent)) == NULL);
}

TEST(secrets_scrub_basic_two_credentials_and_strangers)
{
	const struct secret_store *s = st();
	char a[256], b[256];
	basic_of("u1:" PH("GITHUB_TOKEN"), a, sizeof a);
	basic_of(PH("OTHER") ":" PH("GITHUB_TOKEN"), b, sizeof b);
	struct secrets_result res;
	secrets_result_init(&res);
	char sa[512], sb[512];
	size_t na, nb;
	CHECK_EQ_INT(secrets_rewrite(s, "api.github.com", 1, SECRETS_HEADER, "Authorization", a,
				     strlen(a), sa, sizeof sa - 1, &na, &res), 0);
	CHECK_EQ_INT(secrets_rewrite(s, "api.github.com", 1, SECRETS_HEADER, "authorization", b,
				     strlen(b), sb, sizeof sb - 1, &nb, &res), 0);
	sa[na] = sb[nb] = 0;
	CHECK_EQ_INT(res.injected, BIT(GH) | BIT(OTHER));
	char in[2048], want[2048], out[2048];
	snprintf(in, sizeof in, "A: %s\r\nB: %s\r\nC: dXNlcjpwYXNz\r\n\r\n", sa + 6, sb + 6);
	snprintf(want, sizeof want, "A: %s\r\nB: %s\r\nC: dXNlcjpwYXNz\r\n\r\n", a + 6, b + 6);
	size_t n;
	CHECK_EQ_INT(secrets_scrub(s, res.injected, res.basic, res.basic_len, in, strlen(in), out,
				   sizeof out - 1, &n), 2);
	out[n] = 0;
	EXPECT_STR(out, want);
	/* A list entry that is not credentials the rewriter decoded is ignored. */
	CHECK_EQ_INT(secrets_scrub(s, res.injected, "!! x", 4, "ok", 2, out, sizeof out, &n), 0);
	CHECK_EQ_INT(n, 2);
}
