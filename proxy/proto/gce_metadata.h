/* gce_metadata.h: an I/O-free answerer for GCE metadata server requests
 * (http://metadata.google.internal, 169.254.169.254), enough for Google's auth libraries
 * (Python google-auth, Node gcp-metadata / google-auth-library) to find credentials.
 *
 * A program in the sandbox that uses Application Default Credentials without a key file
 * asks the metadata server for its project and an access token. airlock's supervisor,
 * which holds the service-account key, answers in its place: the token it hands out is a
 * placeholder (e.g. "openshell:resolve:env:GCP_ACCESS_TOKEN") that the proxy swaps for the
 * real one on the way out. This module only decides the answer; the caller reads the
 * request, fetches tokens and writes the response.
 *
 * Served under /computeMetadata/v1/ (directories with or without their trailing slash,
 * leaves without one):
 *   instance/                                  "service-accounts/"
 *   instance/service-accounts/                 "default/" and "<email>/" lines
 *   instance/service-accounts/{default,EMAIL}/ "aliases email identity scopes token"
 *                                              lines; with ?recursive=true the JSON
 *                                              {"aliases":["default"],"email":..,"scopes":[..]}
 *   .../aliases, .../email, .../scopes         text (one scope a line); ?alt=json: JSON
 *   .../token (any ?scopes=)                   {"access_token":..,"expires_in":N,
 *                                              "token_type":"Bearer"}, application/json;
 *                                              ?alt=text: "key value" lines
 *   .../identity                               404: airlock gives no identity tokens
 *   project/, project/project-id, project/numeric-project-id (404 when not known)
 *   universe/, universe/universe-domain        "googleapis.com"
 *   ?recursive=true on a directory             its JSON (camelCase keys), tokens excluded
 * and "/" (200 "computeMetadata/", even without the headers: the health check).
 * Refused like the real server: X-Forwarded-For present 403, a method other than GET or
 * HEAD 405, neither "Metadata-Flavor: Google" nor "X-Google-Metadata-Request: True"
 * (values case-insensitive) 403, anything else 404. Other query parameters are ignored.
 *
 * Every answer, refusals included, must carry the header "Metadata-Flavor: Google"
 * (answer.metadata_flavor): the libraries take a response without it for something
 * other than a metadata server.
 */
#ifndef AIRLOCK_GCE_METADATA_H
#define AIRLOCK_GCE_METADATA_H

#include <stddef.h>

#define GCE_SCOPE_DEFAULT "https://www.googleapis.com/auth/cloud-platform"
#define GCE_UNIVERSE_DOMAIN "googleapis.com"
#define GCE_PATH_MAX 1024  /* a longer (decoded) path is 404 */
#define GCE_BODY_MAX 16384 /* a body buffer this large fits any answer for a context whose
                              strings are under 256 bytes each (scopes: all together) */

/* The request, as the caller's HTTP parser saw it. Spans are not NUL-terminated; a NULL
 * header value means the header is absent. */
struct gce_request {
	const char *method;
	size_t method_len;
	const char *target; /* origin-form: path, optional "?query" */
	size_t target_len;
	const char *metadata_flavor; /* value of Metadata-Flavor */
	size_t metadata_flavor_len;
	const char *google_request;  /* value of X-Google-Metadata-Request (the old header) */
	size_t google_request_len;
	int forwarded;               /* an X-Forwarded-For header is present */
};

/* What the server knows. Strings are NUL-terminated UTF-8. */
struct gce_context {
	const char *project_id;         /* NULL or "": project/project-id is 404 */
	const char *numeric_project_id; /* digits; NULL, "" or not digits: 404 */
	const char *client_email;       /* the service account's e-mail; required */
	const char *scopes;             /* space-separated; NULL: GCE_SCOPE_DEFAULT */
	const char *token;              /* the (placeholder) access token; NULL: none yet */
	long expires_in;                /* its seconds left; <= 0 counts as no token */
};

enum gce_decision {
	GCE_ANSWER,     /* send the answer below */
	GCE_NEED_TOKEN, /* a token path with no (unexpired) token: fetch one, then ask again
	                   with it in the context */
};

struct gce_answer {
	enum gce_decision decision;
	int status;                   /* 200, 403, 404, 405 (GCE_ANSWER only) */
	const char *content_type;     /* static: "application/json", "application/text" (as the
	                                 real server says), or "text/plain; charset=utf-8" */
	size_t body_len;              /* the body is body[0..body_len) of the caller's buffer */
	const char *metadata_flavor;  /* always "Google": send "Metadata-Flavor: Google" */
	const char *allow;            /* 405: "GET, HEAD" for an Allow header; else NULL */
	int omit_body;                /* HEAD: send Content-Length: body_len but no body */
};

/* Decides the answer to req with ctx, writing the body to body[0..cap). Returns 0 with
 * *ans filled in (for GCE_NEED_TOKEN nothing is written, body_len 0), or -1 when the body
 * does not fit in cap or a context string is not valid UTF-8 (the caller then answers
 * 500). Never reads outside the given spans; any bytes are safe input. */
int gce_metadata_answer(const struct gce_request *req, const struct gce_context *ctx,
			char *body, size_t cap, struct gce_answer *ans);

#endif
