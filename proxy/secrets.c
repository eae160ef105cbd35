/* secrets.c: see secrets.h. */
#include "proxy/secrets.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/policy.h"
#include "net/base/base64.h"
#include "net/base/percent.h"

/* Placeholder names longer than this cannot be in the policy's tables in practice;
 * they are still matched whole, and shown truncated. */
#define NAME_MAX_SHOWN 64
#define NAME_BUF 256

/* Where rewritten bytes go. Writes never pass `cap`; `pos` counts every byte the
 * complete output needs, so an overflow reports the size to ask for. In base64 mode
 * (Basic credentials) bytes are encoded on the way through. */
struct sink {
	char *out;
	size_t cap;
	size_t pos;
	int overflow;
	int b64;
	struct base64_stream bs;
};

/* The state of one secrets_rewrite() call. */
struct rewrite {
	const struct secret_store *st;
	const char *host;
	int tls;
	char where[96];      /* "in the request target", "in header X" */
	struct secrets_result *res;
	int refused;
	uint64_t injected;
	int body;            /* a request body: only `body = yes` secrets are acted on */
	int json;            /* values go into JSON strings: escaped */
};

static void sink_bytes(struct sink *k, const char *p, size_t n)
{
	if (k->b64) {
		if (base64_stream_put(&k->bs, (const unsigned char *)p, n, k->out, k->cap,
				      &k->pos) < 0)
			k->overflow = 1;
		return;
	}
	if (k->pos <= k->cap && n <= k->cap - k->pos)
		memcpy(k->out + k->pos, p, n);
	else
		k->overflow = 1;
	k->pos += n;
}

/* A value inside a JSON string: '"', '\\' and control characters escaped. */
static void sink_json(struct sink *k, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sink_bytes(k, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			sink_bytes(k, esc, 6);
		} else {
			sink_bytes(k, v + i, 1);
		}
	}
}

/* A secret's value: percent-encoded in a target, as-is elsewhere. */
static void sink_value(struct sink *k, const char *v, size_t n, int pct)
{
	if (pct && !k->b64) {
		if (percent_encode((const unsigned char *)v, n, k->out, k->cap, &k->pos) < 0)
			k->overflow = 1;
		return;
	}
	sink_bytes(k, v, n);
}

static int name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

int secrets_name_valid(const char *name, size_t len)
{
	if (len == 0 || !name_start((unsigned char)name[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!name_char((unsigned char)name[i]))
			return 0;
	return 1;
}

/* Reads one character at in[0..len): with %XX decoding when `pct`. */
static size_t next_char(const char *in, size_t len, int pct, unsigned char *c)
{
	if (pct)
		return percent_next(in, len, c);
	*c = (unsigned char)in[0];
	return 1;
}

/* The raw length of the prefix `openshell:resolve:env:` at in[0..len), or 0. */
static size_t match_prefix(const char *in, size_t len, int pct)
{
	size_t i = 0;
	for (size_t k = 0; k < SECRETS_PREFIX_LEN; k++) {
		if (i >= len)
			return 0;
		unsigned char c;
		i += next_char(in + i, len - i, pct, &c);
		if (c != (unsigned char)SECRETS_PREFIX[k])
			return 0;
	}
	return i;
}

/* Reads the NAME after a prefix: as many name characters as follow (decoded when
 * `pct`), the first NAME_BUF - 1 of them into `name`. Returns the raw length read;
 * *namelen is the full decoded length (it may exceed the buffer). */
static size_t read_name(const char *in, size_t len, int pct, char *name, size_t *namelen)
{
	size_t i = 0, n = 0;
	while (i < len) {
		unsigned char c;
		size_t step = next_char(in + i, len - i, pct, &c);
		if (!name_char(c))
			break;
		if (n < NAME_BUF - 1)
			name[n] = (char)c;
		n++;
		i += step;
	}
	name[n < NAME_BUF - 1 ? n : NAME_BUF - 1] = '\0';
	*namelen = n;
	return i;
}

/* Records the first refusal of the request; a reason never holds a value. */
__attribute__((format(printf, 2, 3))) static void refuse(struct rewrite *r, const char *fmt, ...)
{
	r->refused = 1;
	if (r->res->refused)
		return;
	r->res->refused = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->res->reason, sizeof r->res->reason, fmt, ap);
	va_end(ap);
	/* Host and header names come from the request: keep the reason one clean line. */
	for (char *p = r->res->reason; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

/* The secret's hosts separated by spaces (truncated to fit). */
static void host_list(const struct policy_secret *s, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->nhosts && n < cap; i++) {
		int w = snprintf(buf + n, cap - n, "%s%s", i ? " " : "", s->hosts[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	if (s->nhosts == 0)
		snprintf(buf, cap, "no host");
}

/* Decides on one placeholder naming name[0..namelen): writes the value, or refuses. */
static void resolve(struct rewrite *r, struct sink *k, const char *name, size_t namelen,
		    int pct)
{
	const char *host = r->host;
	if (!secrets_name_valid(name, namelen < NAME_BUF ? namelen : NAME_BUF - 1)) {
		refuse(r,
		       "a placeholder prefix " SECRETS_PREFIX " %s to %s is not followed by a "
		       "variable name ([A-Za-z_][A-Za-z0-9_]*); a malformed placeholder is "
		       "never forwarded",
		       r->where, host);
		return;
	}
	int idx = namelen < NAME_BUF ? secret_store_find(r->st, name, namelen) : -1;
	if (idx < 0) {
		refuse(r,
		       "secret %.*s (placeholder %s to %s) is not defined in the policy; add "
		       "a [secret %.*s] section with hosts = %s",
		       NAME_MAX_SHOWN, name, r->where, host, NAME_MAX_SHOWN, name, host);
		return;
	}
	const struct secret_entry *e = &r->st->entries[idx];
	const struct policy_secret *s = e->secret;
	if (!policy_secret_bound(s, host)) {
		char hosts[128];
		host_list(s, hosts, sizeof hosts);
		refuse(r,
		       "secret %s is bound to %s, not %s; add the host to its `hosts` in "
		       "[secret %s]",
		       s->name, hosts, host, s->name);
		return;
	}
	if (!r->tls && !s->plaintext) {
		refuse(r,
		       "secret %s may not be sent to %s over plain http://; use https:// or "
		       "set plaintext = yes in [secret %s]",
		       s->name, host, s->name);
		return;
	}
	if (e->value && !secret_store_has_value(r->st, (size_t)idx)) {
		refuse(r,
		       "secret %s: its value is not available in this process (the store is "
		       "wiped in forked children); rewrite requests in the supervisor",
		       s->name);
		return;
	}
	if (!e->value) {
		if (s->gcp)
			refuse(r,
			       "token %s has no value yet: airlock gets it for the [gcp] service "
			       "account when the metadata server (GCE_METADATA_HOST) is asked for "
			       "a token; ask it first", s->name);
		else if (s->token)
			refuse(r,
			       "token %s has no value yet: airlock takes it from a 2xx answer of "
			       "https://%s%s through the proxy; request one there first",
			       s->name, s->from_host, s->from_path);
		else if (s->file)
			refuse(r,
			       "secret %s has no value: the supervisor's environment variable "
			       "%s is unset or empty and its file %s is empty; set %s for "
			       "sandbox-exec",
			       s->name, s->name, s->file, s->name);
		else
			refuse(r,
			       "secret %s has no value: the supervisor's environment variable "
			       "%s is unset or empty and [secret %s] names no file; set %s "
			       "for sandbox-exec",
			       s->name, s->name, s->name, s->name);
		return;
	}
	if (r->json)
		sink_json(k, e->value, e->len);
	else
		sink_value(k, e->value, e->len, pct);
	r->injected |= (uint64_t)1 << idx;
}

/* Whether a placeholder in a body is left as text: only `body = yes` secrets are
 * replaced there (or refused), so a body that merely quotes a placeholder (a
 * conversation about one, an unknown or malformed name) goes as it is. */
static int body_text(const struct rewrite *r, const char *name, size_t namelen)
{
	if (!r->body)
		return 0;
	int idx = namelen < NAME_BUF && secrets_name_valid(name, namelen)
			  ? secret_store_find(r->st, name, namelen)
			  : -1;
	return idx < 0 || !r->st->entries[idx].secret->body;
}

/* Copies in[0..len) to the sink with every placeholder resolved; stops at the first
 * refusal. `pct`: recognise %XX-encoded placeholders and percent-encode values. */
static void rewrite_span(struct rewrite *r, struct sink *k, const char *in, size_t len,
			 int pct)
{
	size_t i = 0, lit = 0;
	while (i < len) {
		unsigned char c = (unsigned char)in[i];
		size_t m = 0;
		if (c == 'o' || (pct && c == '%'))
			m = match_prefix(in + i, len - i, pct);
		if (!m) {
			i++;
			continue;
		}
		char name[NAME_BUF];
		size_t namelen;
		m += read_name(in + i + m, len - i - m, pct, name, &namelen);
		if (body_text(r, name, namelen)) {
			i += m;
			continue; /* copied with the literal bytes */
		}
		sink_bytes(k, in + lit, i - lit);
		resolve(r, k, name, namelen, pct);
		if (r->refused)
			return;
		i += m;
		lit = i;
	}
	sink_bytes(k, in + lit, len - lit);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* For `Basic` credentials: finds the token68 in the value `SP* Basic SP+ token SP*`.
 * Returns 1 with its offset and length, or 0 when the value has another form. */
static int basic_token(const char *in, size_t len, size_t *off, size_t *toklen)
{
	size_t i = 0;
	while (i < len && is_space(in[i]))
		i++;
	if (len - i < 6 || strncasecmp(in + i, "basic", 5) != 0 || !is_space(in[i + 5]))
		return 0;
	i += 5;
	while (i < len && is_space(in[i]))
		i++;
	size_t start = i;
	while (i < len && !is_space(in[i]))
		i++;
	size_t end = i;
	while (i < len && is_space(in[i]))
		i++;
	if (i != len || end == start)
		return 0;
	*off = start;
	*toklen = end - start;
	return 1;
}

static int is_auth_header(const char *name)
{
	return name && (strcasecmp(name, "authorization") == 0 ||
			strcasecmp(name, "proxy-authorization") == 0);
}

/* Records Basic credentials (as the sandbox sent them) that secrets went into, for
 * secrets_scrub(); refuses the request when they do not fit: an echo of credentials
 * that cannot be recognised could not be kept from the sandbox. */
static void remember_basic(struct rewrite *r, const char *tok, size_t len)
{
	struct secrets_result *res = r->res;
	size_t sep = res->basic_len ? 1 : 0, count = sep;
	for (size_t i = 0; i < res->basic_len; i++)
		count += res->basic[i] == ' ';
	if (count >= SECRETS_BASIC_SENT_COUNT) {
		refuse(r,
		       "more than %d Basic credentials with a secret in them %s to %s; send "
		       "one Authorization header",
		       SECRETS_BASIC_SENT_COUNT, r->where, r->host);
		return;
	}
	if (len > sizeof res->basic - res->basic_len - sep) {
		refuse(r,
		       "the Basic credentials %s to %s are %zu bytes of base64; with a secret "
		       "in them at most %zu (all Basic credentials of one request together) "
		       "can be sent, so that an echo of them can be recognised",
		       r->where, r->host, len, sizeof res->basic - 1);
		return;
	}
	if (sep)
		res->basic[res->basic_len++] = ' ';
	memcpy(res->basic + res->basic_len, tok, len);
	res->basic_len += len;
}

/* Basic credentials: decodes, rewrites and re-encodes. Returns 0 when the value is not
 * strict Basic credentials (nothing written), 1 when handled. */
static int rewrite_basic(struct rewrite *r, struct sink *k, const char *in, size_t len)
{
	size_t off, toklen;
	if (!basic_token(in, len, &off, &toklen) ||
	    toklen > base64_encoded_len(SECRETS_BASIC_MAX))
		return 0;
	unsigned char creds[SECRETS_BASIC_MAX];
	size_t n;
	if (base64_decode(in + off, toklen, creds, sizeof creds, &n) < 0) {
		explicit_bzero(creds, sizeof creds);
		return 0;
	}
	sink_bytes(k, in, off);
	k->b64 = 1;
	memset(&k->bs, 0, sizeof k->bs);
	uint64_t before = r->injected;
	rewrite_span(r, k, (const char *)creds, n, 0);
	if (!r->refused && r->injected != before)
		remember_basic(r, in + off, toklen);
	if (base64_stream_end(&k->bs, k->out, k->cap, &k->pos) < 0)
		k->overflow = 1;
	k->b64 = 0;
	explicit_bzero(&k->bs, sizeof k->bs);
	explicit_bzero(creds, sizeof creds);
	sink_bytes(k, in + off + toklen, len - off - toklen);
	return 1;
}

void secrets_result_init(struct secrets_result *res)
{
	memset(res, 0, sizeof *res);
}

int secrets_rewrite(const struct secret_store *st, const char *host, int tls,
		    enum secrets_field kind, const char *header_name, const char *in,
		    size_t inlen, char *out, size_t outcap, size_t *outlen,
		    struct secrets_result *res)
{
	/* No host binds no secret: every placeholder is refused. */
	struct rewrite r = {.st = st, .host = host ? host : "", .tls = tls, .res = res};
	struct sink k = {.out = out, .cap = outcap};
	size_t basic_mark = res->basic_len; /* a failed field records nothing */
	if (kind == SECRETS_TARGET) {
		snprintf(r.where, sizeof r.where, "in the request target");
		rewrite_span(&r, &k, in, inlen, 1);
	} else if (kind >= SECRETS_BODY_TEXT) {
		snprintf(r.where, sizeof r.where, "in the request body");
		r.body = 1;
		r.json = kind == SECRETS_BODY_JSON;
		rewrite_span(&r, &k, in, inlen, kind == SECRETS_BODY_FORM);
	} else {
		snprintf(r.where, sizeof r.where, "in header %.64s",
			 header_name ? header_name : "?");
		if (!(is_auth_header(header_name) && rewrite_basic(&r, &k, in, inlen)))
			rewrite_span(&r, &k, in, inlen, 0);
	}
	if (r.refused || k.overflow) {
		/* Earlier placeholders of the field may already hold values. */
		explicit_bzero(out, k.pos < outcap ? k.pos : outcap);
		res->basic_len = basic_mark;
		*outlen = r.refused ? 0 : k.pos;
		return r.refused ? 1 : -1;
	}
	res->injected |= r.injected;
	*outlen = k.pos;
	return 0;
}

int secrets_body_placeholder(const struct secret_store *st, const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		size_t m = c == 'o' || c == '%' ? match_prefix(in + i, len - i, 1) : 0;
		if (!m)
			continue;
		char name[NAME_BUF];
		size_t namelen;
		read_name(in + i + m, len - i - m, 1, name, &namelen);
		int idx = namelen < NAME_BUF ? secret_store_find(st, name, namelen) : -1;
		if (idx >= 0 && st->entries[idx].secret->body)
			return 1;
	}
	return 0;
}

int secrets_scan(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if ((c == 'o' || c == '%') && match_prefix(in + i, len - i, 1))
			return 1;
	}
	return 0;
}

size_t secrets_injected_names(const struct secret_store *st, uint64_t mask, char *buf,
			      size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < st->count && i < SECRET_STORE_MAX; i++) {
		if (!(mask >> i & 1))
			continue;
		int w = snprintf(buf + n, cap - n, "%s%s", n ? "," : "", st->entries[i].secret->name);
		if (w < 0 || (size_t)w >= cap - n) {
			n = strlen(buf);
			break;
		}
		n += (size_t)w;
	}
	return n;
}

size_t secrets_injected_list(const struct secret_store *st, uint64_t mask, const char **names,
			     size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < st->count && i < SECRET_STORE_MAX && n < cap; i++)
		if (mask >> i & 1)
			names[n++] = st->entries[i].secret->name;
	return n;
}

/* The length of value[0..vlen) at in[0..len), each of its bytes either as it is or
 * written %XX (hex digits of either case: as percent_encode() puts a value into a
 * target, or as a server may quote it), or 0 when it is not there. When in[] ends while
 * it still matches, 0 is returned with *partial set: more bytes could complete it. */
static size_t match_loose(const char *in, size_t len, const char *value, size_t vlen,
			  int *partial)
{
	size_t o = 0;
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		if (o >= len)
			goto more;
		if (in[o] == (char)c) {
			o++;
			continue;
		}
		if (in[o] != '%')
			return 0;
		if (o + 1 >= len)
			goto more;
		if (percent_hexval((unsigned char)in[o + 1]) != c >> 4)
			return 0;
		if (o + 2 >= len)
			goto more;
		if (percent_hexval((unsigned char)in[o + 2]) != (c & 15))
			return 0;
		o += 3;
	}
	return o;
more:
	*partial = 1;
	return 0;
}

/* Rebuilds how Basic credentials went upstream from how the sandbox sent them
 * (orig[0..olen), base64): decoded, each placeholder of a secret in `mask` replaced by
 * its value, encoded again; the rewriter did exactly this, and only masked secrets
 * were accepted in it. 0, 1 when orig is not credentials the rewriter decoded (nothing
 * to look for), -1 when the result does not fit out (cap). */
static int rebuild_basic(const struct secret_store *st, uint64_t mask, const char *orig,
			 size_t olen, char *out, size_t cap, size_t *outlen)
{
	unsigned char creds[SECRETS_BASIC_MAX];
	size_t n;
	if (olen > base64_encoded_len(SECRETS_BASIC_MAX) ||
	    base64_decode(orig, olen, creds, sizeof creds, &n) < 0) {
		explicit_bzero(creds, sizeof creds);
		return 1;
	}
	struct sink k = {.out = out, .cap = cap, .b64 = 1};
	const char *c = (const char *)creds;
	size_t i = 0, lit = 0;
	while (i < n) {
		size_t m = c[i] == 'o' ? match_prefix(c + i, n - i, 0) : 0;
		char name[NAME_BUF];
		size_t namelen;
		if (m)
			m += read_name(c + i + m, n - i - m, 0, name, &namelen);
		int idx = m && namelen < NAME_BUF ? secret_store_find(st, name, namelen) : -1;
		if (idx < 0 || !(mask >> idx & 1) || !st->entries[idx].value) {
			i += m ? m : 1;
			continue;
		}
		sink_bytes(&k, c + lit, i - lit);
		sink_bytes(&k, st->entries[idx].value, st->entries[idx].len);
		i += m;
		lit = i;
	}
	sink_bytes(&k, c + lit, n - lit);
	if (base64_stream_end(&k.bs, out, cap, &k.pos) < 0)
		k.overflow = 1;
	explicit_bzero(&k.bs, sizeof k.bs);
	explicit_bzero(creds, sizeof creds);
	if (k.overflow) {
		explicit_bzero(out, cap);
		return -1;
	}
	*outlen = k.pos;
	return 0;
}

/* Fills sc->basic from the space-separated list; -1 when a form cannot be rebuilt. */
static int scrub_basic_init(struct secrets_scrubber *sc, const char *list, size_t len)
{
	sc->nbasic = sc->used = 0;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && list[j] != ' ')
			j++;
		if (j > i) {
			size_t w;
			int rc = rebuild_basic(sc->st, sc->mask, list + i, j - i, sc->buf + sc->used,
					       sizeof sc->buf - sc->used, &w);
			if (rc < 0 || (rc == 0 && sc->nbasic == SECRETS_BASIC_SENT_COUNT))
				return -1;
			if (rc == 0 && w >= SECRETS_SCRUB_MIN) {
				sc->basic[sc->nbasic].orig = list + i;
				sc->basic[sc->nbasic].olen = j - i;
				sc->basic[sc->nbasic].sent = sc->buf + sc->used;
				sc->basic[sc->nbasic].slen = w;
				sc->nbasic++;
				sc->used += w;
			}
		}
		i = j + 1;
	}
	return 0;
}

int secrets_scrubber_init(struct secrets_scrubber *sc, const struct secret_store *st,
			  uint64_t mask, const char *basic, size_t basic_len)
{
	sc->st = st;
	sc->mask = mask;
	if (scrub_basic_init(sc, basic, basic_len) < 0) {
		secrets_scrubber_wipe(sc);
		return -1;
	}
	return 0;
}

void secrets_scrubber_wipe(struct secrets_scrubber *sc)
{
	explicit_bzero(sc->buf, sizeof sc->buf);
	sc->nbasic = sc->used = 0;
	sc->mask = 0;
}

/* Whether entry j is one the scrubber looks for. */
static int scrubbed_entry(const struct secrets_scrubber *sc, size_t j)
{
	const struct secret_entry *e = &sc->st->entries[j];
	return sc->mask >> j & 1 && e->value && e->len >= SECRETS_SCRUB_MIN;
}

int secrets_scrubber_active(const struct secrets_scrubber *sc)
{
	if (sc->nbasic)
		return 1;
	for (size_t j = 0; sc->st && j < sc->st->count && j < SECRET_STORE_MAX; j++)
		if (scrubbed_entry(sc, j))
			return 1;
	return 0;
}

size_t secrets_scrubber_span(const struct secrets_scrubber *sc)
{
	size_t m = 0;
	for (size_t j = 0; j < sc->nbasic; j++)
		m = sc->basic[j].slen > m ? sc->basic[j].slen : m;
	for (size_t j = 0; sc->st && j < sc->st->count && j < SECRET_STORE_MAX; j++)
		if (scrubbed_entry(sc, j) && sc->st->entries[j].len > m)
			m = sc->st->entries[j].len;
	return 3 * m;
}

int secrets_scrubber_match(const struct secrets_scrubber *sc, const char *in, size_t len,
			   struct secrets_scrub_match *m)
{
	int partial = 0;
	for (size_t j = 0; j < sc->nbasic; j++) {
		size_t n = match_loose(in, len, sc->basic[j].sent, sc->basic[j].slen, &partial);
		if (n) {
			m->len = n;
			m->rep = sc->basic[j].orig;
			m->rlen = sc->basic[j].olen;
			m->prefixed = 0;
			return SECRETS_SCRUB_FOUND;
		}
	}
	for (size_t j = 0; j < sc->st->count && j < SECRET_STORE_MAX; j++) {
		if (!scrubbed_entry(sc, j))
			continue;
		const struct secret_entry *e = &sc->st->entries[j];
		size_t n = match_loose(in, len, e->value, e->len, &partial);
		if (n) {
			m->len = n;
			m->rep = e->secret->name;
			m->rlen = strlen(e->secret->name);
			m->prefixed = 1;
			return SECRETS_SCRUB_FOUND;
		}
	}
	return partial ? SECRETS_SCRUB_PARTIAL : SECRETS_SCRUB_NONE;
}

long secrets_scrub(const struct secret_store *st, uint64_t mask, const char *basic,
		   size_t basic_len, const char *in, size_t len, char *out, size_t cap,
		   size_t *outlen)
{
	struct secrets_scrubber sc;
	long n = 0;
	size_t o = 0;
	if (secrets_scrubber_init(&sc, st, mask, basic, basic_len) < 0)
		goto full;
	for (size_t i = 0; i < len;) {
		struct secrets_scrub_match m;
		/* A partial match at the end of a whole head is no match. */
		if (secrets_scrubber_match(&sc, in + i, len - i, &m) == SECRETS_SCRUB_FOUND) {
			size_t pre = m.prefixed ? SECRETS_PREFIX_LEN : 0;
			if (pre + m.rlen > cap - o)
				goto full;
			memcpy(out + o, SECRETS_PREFIX, pre);
			memcpy(out + o + pre, m.rep, m.rlen);
			o += pre + m.rlen;
			i += m.len;
			n++;
			continue;
		}
		if (o == cap)
			goto full;
		out[o++] = in[i++];
	}
	secrets_scrubber_wipe(&sc);
	*outlen = o;
	return n;
full:
	secrets_scrubber_wipe(&sc);
	explicit_bzero(out, o);
	*outlen = 0;
	return -1;
}
