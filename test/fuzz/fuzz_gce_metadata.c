/* libFuzzer target: proxy/proto/gce_metadata.c. The first byte holds flags (which headers
 * are present, X-Forwarded-For, a token, a numeric project id, a small body buffer); the
 * rest is split at '\n' into method, target, Metadata-Flavor, X-Google-Metadata-Request
 * and the token. Every answer must fit its buffer, have a known status and type, and be
 * valid JSON when it says it is JSON. */
#include "proxy/proto/gce_metadata.h"
#include "proxy/proto/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The next '\n'-separated piece of [*p, end), as a span. */
static const char *piece(const char **p, const char *end, size_t *len)
{
	const char *s = *p;
	const char *nl = s < end ? memchr(s, '\n', (size_t)(end - s)) : NULL;
	const char *stop = nl ? nl : end;
	*len = (size_t)(stop - s);
	*p = nl ? nl + 1 : end;
	return s;
}

static void check(const struct gce_answer *a, const char *body, size_t cap)
{
	if (a->body_len > cap || !a->metadata_flavor || strcmp(a->metadata_flavor, "Google") != 0)
		abort();
	if (a->decision == GCE_NEED_TOKEN) {
		if (a->body_len != 0)
			abort();
		return;
	}
	if (a->decision != GCE_ANSWER || !a->content_type ||
	    (a->status != 200 && a->status != 403 && a->status != 404 && a->status != 405))
		abort();
	if ((a->status == 405) != (a->allow != NULL))
		abort();
	struct json_span t;
	const char *why;
	if (strcmp(a->content_type, "application/json") == 0 &&
	    json_find_string(body, a->body_len, "x", &t, &why) == JSON_INVALID)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	struct gce_request r;
	memset(&r, 0, sizeof r);
	r.method = piece(&p, end, &r.method_len);
	r.target = piece(&p, end, &r.target_len);
	size_t flen, glen, toklen;
	const char *f = piece(&p, end, &flen), *g = piece(&p, end, &glen);
	const char *tok = piece(&p, end, &toklen);
	if (flags & 1)
		r.metadata_flavor = f, r.metadata_flavor_len = flen;
	if (flags & 2)
		r.google_request = g, r.google_request_len = glen;
	r.forwarded = (flags & 4) != 0;
	char token[256];
	size_t tn = toklen < sizeof token - 1 ? toklen : sizeof token - 1;
	memcpy(token, tok, tn);
	token[tn] = 0;
	struct gce_context ctx = {
		.project_id = flags & 8 ? "proj-1" : NULL,
		.numeric_project_id = flags & 16 ? "1234" : NULL,
		.client_email = flags & 32 ? NULL : "sa@proj-1.iam.gserviceaccount.com",
		.token = flags & 64 ? token : NULL,
		.expires_in = 3599,
	};
	static char body[GCE_BODY_MAX];
	size_t cap = flags & 128 ? 40 : sizeof body;
	struct gce_answer a;
	if (gce_metadata_answer(&r, &ctx, body, cap, &a) == 0)
		check(&a, body, cap);
	return 0;
}
