/* gce_metadata.c: see gce_metadata.h. The request is classified into one node of the
 * metadata tree below, then that node is written as text or JSON. */
#include "proxy/proto/gce_metadata.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/base/percent.h"
#include "proxy/proto/json.h"

#define TEXT "application/text"
#define JSON "application/json"
#define PLAIN "text/plain; charset=utf-8"

enum node {
	N_NONE,
	N_ROOT,     /* "/" */
	N_CM,       /* /computeMetadata/ */
	N_V1,       /* /computeMetadata/v1/ */
	N_INSTANCE,
	N_SAS,      /* instance/service-accounts/ */
	N_SA,       /* instance/service-accounts/{default,EMAIL}/ */
	N_ALIASES,
	N_EMAIL,
	N_SCOPES,
	N_TOKEN,
	N_IDENTITY,
	N_PROJECT,
	N_PROJECT_ID,
	N_NUMERIC_ID,
	N_UNIVERSE,
	N_UNIVERSE_DOMAIN,
};

enum alt { ALT_DEFAULT, ALT_JSON, ALT_TEXT };

struct query {
	int recursive;
	enum alt alt;
};

/* The body being written; errors are sticky. */
struct out {
	char *b;
	size_t cap, pos;
	int err;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->err || o->cap - o->pos < n) {
		o->err = 1;
		return;
	}
	memcpy(o->b + o->pos, s, n);
	o->pos += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* s as a quoted JSON string. */
static void put_json(struct out *o, const char *s, size_t n)
{
	put(o, "\"", 1);
	if (!o->err && json_escape(s, n, o->b, o->cap, &o->pos) < 0)
		o->err = 1;
	put(o, "\"", 1);
}

static void put_jsons(struct out *o, const char *s)
{
	put_json(o, s, strlen(s));
}

/* --- the request ----------------------------------------------------------------------- */

static int span_is(const char *p, size_t n, const char *s)
{
	return p && n == strlen(s) && memcmp(p, s, n) == 0;
}

static int span_is_nocase(const char *p, size_t n, const char *s)
{
	return p && n == strlen(s) && strncasecmp(p, s, n) == 0;
}

/* Reads the query q[0..n): recursive=true and alt=json|text; the rest is ignored. */
static struct query parse_query(const char *q, size_t n)
{
	struct query r = {0, ALT_DEFAULT};
	size_t i = 0;
	while (i < n) {
		const char *amp = memchr(q + i, '&', n - i);
		size_t end = amp ? (size_t)(amp - q) : n;
		const char *p = q + i;
		size_t len = end - i;
		if (span_is_nocase(p, len, "recursive=true"))
			r.recursive = 1;
		else if (span_is_nocase(p, len, "recursive=false"))
			r.recursive = 0;
		else if (span_is_nocase(p, len, "alt=json"))
			r.alt = ALT_JSON;
		else if (span_is_nocase(p, len, "alt=text"))
			r.alt = ALT_TEXT;
		i = end + 1;
	}
	return r;
}

/* Percent-decodes the path t[0..n) into path (GCE_PATH_MAX + 1 bytes, NUL-terminated).
 * Returns 0, or -1 when it is too long or decodes to a NUL. */
static int decode_path(const char *t, size_t n, char *path)
{
	size_t k = 0, i = 0;
	while (i < n) {
		unsigned char c;
		i += percent_next(t + i, n - i, &c);
		if (c == 0 || k == GCE_PATH_MAX)
			return -1;
		path[k++] = (char)c;
	}
	path[k] = 0;
	return 0;
}

/* Whether p is `name` or `name/` (a directory). */
static int is_dir(const char *p, const char *name)
{
	size_t n = strlen(name);
	return strncmp(p, name, n) == 0 && (p[n] == 0 || (p[n] == '/' && p[n + 1] == 0));
}

/* The node under instance/service-accounts/ for the rest r ("default/token"...). */
static enum node sa_node(const char *r, const char *email)
{
	const char *slash = strchr(r, '/');
	size_t n = slash ? (size_t)(slash - r) : strlen(r);
	int known = (n == 7 && strncmp(r, "default", 7) == 0) ||
		    (email && *email && n == strlen(email) && strncasecmp(r, email, n) == 0);
	if (!known)
		return N_NONE;
	if (!slash || slash[1] == 0)
		return N_SA;
	static const struct {
		const char *name;
		enum node node;
	} leaves[] = {{"aliases", N_ALIASES}, {"email", N_EMAIL},       {"scopes", N_SCOPES},
		      {"token", N_TOKEN},     {"identity", N_IDENTITY}};
	for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
		if (strcmp(slash + 1, leaves[i].name) == 0)
			return leaves[i].node;
	return N_NONE;
}

/* The node of rel, the path below /computeMetadata/v1/. */
static enum node v1_node(const char *rel, const char *email)
{
	static const char sas[] = "instance/service-accounts/";
	if (rel[0] == 0)
		return N_V1;
	if (is_dir(rel, "instance"))
		return N_INSTANCE;
	if (is_dir(rel, "instance/service-accounts"))
		return N_SAS;
	if (strncmp(rel, sas, sizeof sas - 1) == 0)
		return sa_node(rel + sizeof sas - 1, email);
	if (is_dir(rel, "project"))
		return N_PROJECT;
	if (strcmp(rel, "project/project-id") == 0)
		return N_PROJECT_ID;
	if (strcmp(rel, "project/numeric-project-id") == 0)
		return N_NUMERIC_ID;
	if (is_dir(rel, "universe"))
		return N_UNIVERSE;
	if (strcmp(rel, "universe/universe-domain") == 0)
		return N_UNIVERSE_DOMAIN;
	return N_NONE;
}

static enum node classify(const char *path, const char *email)
{
	static const char cm[] = "/computeMetadata", v1[] = "/computeMetadata/v1";
	if (strcmp(path, "/") == 0)
		return N_ROOT;
	if (is_dir(path, cm))
		return N_CM;
	if (is_dir(path, v1))
		return N_V1;
	if (strncmp(path, v1, sizeof v1 - 1) == 0 && path[sizeof v1 - 1] == '/')
		return v1_node(path + sizeof v1, email);
	return N_NONE;
}

/* --- the answers ----------------------------------------------------------------------- */

static const char *scopes_of(const struct gce_context *ctx)
{
	return ctx->scopes ? ctx->scopes : GCE_SCOPE_DEFAULT;
}

/* The scopes, one per line (text) or as a JSON array. */
static void put_scopes(struct out *o, const struct gce_context *ctx, int json)
{
	const char *s = scopes_of(ctx);
	int first = 1;
	if (json)
		put(o, "[", 1);
	while (*s) {
		size_t n = strcspn(s, " ");
		if (n > 0) {
			if (json) {
				if (!first)
					put(o, ",", 1);
				put_json(o, s, n);
			} else {
				put(o, s, n);
				put(o, "\n", 1);
			}
			first = 0;
		}
		s += n;
		s += *s == ' ';
	}
	if (json)
		put(o, "]", 1);
}

static const char *email_of(const struct gce_context *ctx)
{
	return ctx->client_email ? ctx->client_email : "";
}

/* One service account, recursive: {"aliases":["default"],"email":..,"scopes":[..]}. */
static void put_sa_json(struct out *o, const struct gce_context *ctx)
{
	puts_(o, "{\"aliases\":[\"default\"],\"email\":");
	put_jsons(o, email_of(ctx));
	puts_(o, ",\"scopes\":");
	put_scopes(o, ctx, 1);
	puts_(o, "}");
}

static void put_sas_json(struct out *o, const struct gce_context *ctx)
{
	puts_(o, "{\"default\":");
	put_sa_json(o, ctx);
	if (*email_of(ctx)) {
		puts_(o, ",");
		put_jsons(o, email_of(ctx));
		puts_(o, ":");
		put_sa_json(o, ctx);
	}
	puts_(o, "}");
}

static int numeric_id_known(const struct gce_context *ctx)
{
	const char *s = ctx->numeric_project_id;
	if (!s || !*s || strlen(s) > 20)
		return 0;
	return strspn(s, "0123456789") == strlen(s);
}

static int project_known(const struct gce_context *ctx)
{
	return ctx->project_id && *ctx->project_id;
}

static void put_project_json(struct out *o, const struct gce_context *ctx)
{
	puts_(o, "{");
	if (numeric_id_known(ctx)) {
		puts_(o, "\"numericProjectId\":");
		puts_(o, ctx->numeric_project_id);
		if (project_known(ctx))
			puts_(o, ",");
	}
	if (project_known(ctx)) {
		puts_(o, "\"projectId\":");
		put_jsons(o, ctx->project_id);
	}
	puts_(o, "}");
}

static void put_instance_json(struct out *o, const struct gce_context *ctx)
{
	puts_(o, "{\"serviceAccounts\":");
	put_sas_json(o, ctx);
	puts_(o, "}");
}

static void put_v1_json(struct out *o, const struct gce_context *ctx)
{
	puts_(o, "{\"instance\":");
	put_instance_json(o, ctx);
	puts_(o, ",\"project\":");
	put_project_json(o, ctx);
	puts_(o, ",\"universe\":{\"universeDomain\":\"" GCE_UNIVERSE_DOMAIN "\"}}");
}

static void put_token(struct out *o, const struct gce_context *ctx, enum alt alt)
{
	char n[32];
	snprintf(n, sizeof n, "%ld", ctx->expires_in);
	if (alt == ALT_TEXT) {
		puts_(o, "access_token ");
		puts_(o, ctx->token);
		puts_(o, "\nexpires_in ");
		puts_(o, n);
		puts_(o, "\ntoken_type Bearer\n");
		return;
	}
	puts_(o, "{\"access_token\":");
	put_jsons(o, ctx->token);
	puts_(o, ",\"expires_in\":");
	puts_(o, n);
	puts_(o, ",\"token_type\":\"Bearer\"}");
}

/* A text leaf: as is, or as a JSON string with ?alt=json. Returns the content type. */
static const char *put_leaf(struct out *o, const char *s, enum alt alt)
{
	if (alt == ALT_JSON) {
		put_jsons(o, s);
		return JSON;
	}
	puts_(o, s);
	return TEXT;
}

static void refuse(struct out *o, struct gce_answer *ans, int status, const char *msg)
{
	ans->status = status;
	ans->content_type = PLAIN;
	puts_(o, "airlock metadata server: ");
	puts_(o, msg);
	puts_(o, "\n");
}

/* A directory: its JSON with ?recursive=true, else its listing. */
static void dir(struct out *o, struct gce_answer *ans, const struct query *q,
		const struct gce_context *ctx, enum node n, const char *listing)
{
	if (!q->recursive) {
		puts_(o, listing);
		return;
	}
	ans->content_type = JSON;
	switch (n) {
	case N_V1: put_v1_json(o, ctx); break;
	case N_INSTANCE: put_instance_json(o, ctx); break;
	case N_SAS: put_sas_json(o, ctx); break;
	case N_SA: put_sa_json(o, ctx); break;
	case N_PROJECT: put_project_json(o, ctx); break;
	default: puts_(o, "{\"universeDomain\":\"" GCE_UNIVERSE_DOMAIN "\"}"); break;
	}
}

static void sas_listing(struct out *o, struct gce_answer *ans, const struct query *q,
			const struct gce_context *ctx)
{
	if (q->recursive) {
		dir(o, ans, q, ctx, N_SAS, "");
		return;
	}
	puts_(o, "default/\n");
	if (*email_of(ctx)) {
		puts_(o, email_of(ctx));
		puts_(o, "/\n");
	}
}

/* The 200 (or 404) answer for a node the request may see. */
static void serve(struct out *o, struct gce_answer *ans, enum node n, const struct query *q,
		  const struct gce_context *ctx)
{
	ans->status = 200;
	ans->content_type = TEXT;
	switch (n) {
	case N_CM: puts_(o, "v1/\n"); break;
	case N_V1: dir(o, ans, q, ctx, n, "instance/\nproject/\nuniverse/\n"); break;
	case N_INSTANCE: dir(o, ans, q, ctx, n, "service-accounts/\n"); break;
	case N_SAS: sas_listing(o, ans, q, ctx); break;
	case N_SA: dir(o, ans, q, ctx, n, "aliases\nemail\nidentity\nscopes\ntoken\n"); break;
	case N_ALIASES: /* a list: an array in JSON */
		ans->content_type = q->alt == ALT_JSON ? JSON : TEXT;
		puts_(o, q->alt == ALT_JSON ? "[\"default\"]" : "default");
		break;
	case N_EMAIL: ans->content_type = put_leaf(o, email_of(ctx), q->alt); break;
	case N_SCOPES:
		ans->content_type = q->alt == ALT_JSON ? JSON : TEXT;
		put_scopes(o, ctx, q->alt == ALT_JSON);
		break;
	case N_TOKEN:
		ans->content_type = q->alt == ALT_TEXT ? TEXT : JSON;
		put_token(o, ctx, q->alt);
		break;
	case N_IDENTITY:
		refuse(o, ans, 404, "identity tokens are not provided by airlock (only access tokens)");
		break;
	case N_PROJECT: dir(o, ans, q, ctx, n, "numeric-project-id\nproject-id\n"); break;
	case N_PROJECT_ID:
		if (project_known(ctx))
			ans->content_type = put_leaf(o, ctx->project_id, q->alt);
		else
			refuse(o, ans, 404, "the project id is not known");
		break;
	case N_NUMERIC_ID: /* a number in JSON */
		if (numeric_id_known(ctx)) {
			ans->content_type = q->alt == ALT_JSON ? JSON : TEXT;
			puts_(o, ctx->numeric_project_id);
		} else {
			refuse(o, ans, 404, "the numeric project id is not known");
		}
		break;
	case N_UNIVERSE: dir(o, ans, q, ctx, n, "universe-domain\n"); break;
	case N_UNIVERSE_DOMAIN: ans->content_type = put_leaf(o, GCE_UNIVERSE_DOMAIN, q->alt); break;
	default: refuse(o, ans, 404, "no such metadata path"); break;
	}
}

static int has_token(const struct gce_context *ctx)
{
	return ctx->token && ctx->expires_in > 0;
}

/* Whether the request carries one of the two headers the real server requires. */
static int flavored(const struct gce_request *req)
{
	return span_is_nocase(req->metadata_flavor, req->metadata_flavor_len, "Google") ||
	       span_is_nocase(req->google_request, req->google_request_len, "True");
}

int gce_metadata_answer(const struct gce_request *req, const struct gce_context *ctx,
			char *body, size_t cap, struct gce_answer *ans)
{
	*ans = (struct gce_answer){.decision = GCE_ANSWER, .metadata_flavor = "Google"};
	struct out o = {body, cap, 0, 0};
	const char *t = req->target ? req->target : "";
	size_t tlen = req->target ? req->target_len : 0;
	const char *qm = memchr(t, '?', tlen);
	size_t plen = qm ? (size_t)(qm - t) : tlen;
	struct query q = qm ? parse_query(qm + 1, tlen - plen - 1) : (struct query){0, ALT_DEFAULT};
	char path[GCE_PATH_MAX + 1];
	enum node n = tlen > 0 && t[0] == '/' && decode_path(t, plen, path) == 0
			      ? classify(path, ctx->client_email)
			      : N_NONE;
	int head = span_is(req->method, req->method_len, "HEAD");
	if (req->forwarded)
		refuse(&o, ans, 403, "a request with X-Forwarded-For is refused");
	else if (!head && !span_is(req->method, req->method_len, "GET"))
		refuse(&o, ans, 405, "only GET and HEAD are served"), ans->allow = "GET, HEAD";
	else if (n == N_ROOT)
		ans->status = 200, ans->content_type = TEXT, puts_(&o, "computeMetadata/\n");
	else if (!flavored(req))
		refuse(&o, ans, 403, "a request needs the header \"Metadata-Flavor: Google\"");
	else if (n == N_TOKEN && !has_token(ctx))
		ans->decision = GCE_NEED_TOKEN;
	else
		serve(&o, ans, n, &q, ctx);
	ans->omit_body = head;
	ans->body_len = o.pos;
	if (o.err) {
		ans->body_len = 0;
		return -1;
	}
	return 0;
}
