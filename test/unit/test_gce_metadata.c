/* Unit tests of proxy/proto/gce_metadata.c: every served path, the answers' types, the
 * refusals (headers, methods, X-Forwarded-For), the token decision, and bounded output. */
#include "test/unit/harness.h"

#include "proxy/proto/gce_metadata.h"
#include "proxy/proto/json.h"

#define EMAIL "sa-1@proj-1.iam.gserviceaccount.com"
#define TOKEN "openshell:resolve:env:GCP_ACCESS_TOKEN"
#define SA "/computeMetadata/v1/instance/service-accounts/"

static struct gce_context ctx;
static char body[GCE_BODY_MAX + 1];
static struct gce_answer ans;

static void reset(void)
{
	ctx = (struct gce_context){.project_id = "proj-1", .client_email = EMAIL, .token = TOKEN,
				   .expires_in = 3599};
}

static int ask(const char *method, const char *target, const char *flavor, const char *legacy,
	       int xff)
{
	struct gce_request r = {method, strlen(method), target, strlen(target),
				flavor, flavor ? strlen(flavor) : 0,
				legacy, legacy ? strlen(legacy) : 0, xff};
	memset(body, 0, sizeof body);
	int rc = gce_metadata_answer(&r, &ctx, body, sizeof body - 1, &ans);
	CHECK(ans.metadata_flavor && strcmp(ans.metadata_flavor, "Google") == 0);
	CHECK_EQ_INT(strlen(body), ans.body_len);
	return rc;
}

/* A GET with Metadata-Flavor: Google; 0 expected. */
static void get(const char *target)
{
	CHECK_EQ_INT(ask("GET", target, "Google", NULL, 0), 0);
	CHECK_EQ_INT(ans.decision, GCE_ANSWER);
}

/* Checks the last answer. */
static void is(int status, const char *type, const char *text, int line)
{
	if (ans.status != status || !ans.content_type || strcmp(ans.content_type, type) != 0 ||
	    strcmp(body, text) != 0) {
		char m[1200];
		snprintf(m, sizeof m, "line %d: %d %s \"%.900s\"", line, ans.status,
			 ans.content_type ? ans.content_type : "(null)", body);
		harness_fail(__FILE__, line, m);
	}
}
#define IS(status, type, text) is((status), (type), (text), __LINE__)
#define PLAIN "text/plain; charset=utf-8"

TEST(gce_root_answers_without_headers)
{
	reset();
	CHECK_EQ_INT(ask("GET", "/", NULL, NULL, 0), 0);
	IS(200, "application/text", "computeMetadata/\n");
	get("/computeMetadata/");
	IS(200, "application/text", "v1/\n");
	get("/computeMetadata/v1/");
	IS(200, "application/text", "instance/\nproject/\nuniverse/\n");
	get("/computeMetadata/v1");
	IS(200, "application/text", "instance/\nproject/\nuniverse/\n");
}

TEST(gce_refuses_without_the_header)
{
	reset();
	static const char *const targets[] = {"/computeMetadata/v1/instance/", SA "default/token",
					      "/computeMetadata/v1/project/project-id", "/nothing"};
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		CHECK_EQ_INT(ask("GET", targets[i], NULL, NULL, 0), 0);
		CHECK_EQ_INT(ans.decision, GCE_ANSWER);
		IS(403, PLAIN, "airlock metadata server: a request needs the header "
			       "\"Metadata-Flavor: Google\"\n");
		CHECK_EQ_INT(ask("GET", targets[i], "Googl", NULL, 0), 0);
		CHECK_EQ_INT(ans.status, 403);
		CHECK_EQ_INT(ask("GET", targets[i], "Google ", NULL, 0), 0);
		CHECK_EQ_INT(ans.status, 403);
		CHECK_EQ_INT(ask("GET", targets[i], "", "False", 0), 0);
		CHECK_EQ_INT(ans.status, 403);
	}
	/* either header, any case */
	CHECK_EQ_INT(ask("GET", "/computeMetadata/v1/instance", "gOOGLE", NULL, 0), 0);
	IS(200, "application/text", "service-accounts/\n");
	CHECK_EQ_INT(ask("GET", "/computeMetadata/v1/instance", NULL, "true", 0), 0);
	IS(200, "application/text", "service-accounts/\n");
	CHECK_EQ_INT(ask("GET", "/computeMetadata/v1/instance", "nope", "TRUE", 0), 0);
	CHECK_EQ_INT(ans.status, 200);
}

TEST(gce_refuses_forwarded_requests_and_other_methods)
{
	reset();
	CHECK_EQ_INT(ask("GET", SA "default/token", "Google", NULL, 1), 0);
	IS(403, PLAIN, "airlock metadata server: a request with X-Forwarded-For is refused\n");
	CHECK_EQ_INT(ask("GET", "/", NULL, NULL, 1), 0);
	CHECK_EQ_INT(ans.status, 403);
	static const char *const methods[] = {"POST", "PUT", "DELETE", "get", "OPTIONS", "", "GETX"};
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		CHECK_EQ_INT(ask(methods[i], SA "default/token", "Google", NULL, 0), 0);
		IS(405, PLAIN, "airlock metadata server: only GET and HEAD are served\n");
		CHECK_EQ_STR(ans.allow, "GET, HEAD");
	}
	/* HEAD: the same answer, flagged to go without its body */
	get("/computeMetadata/v1/project/project-id");
	CHECK_EQ_INT(ans.omit_body, 0);
	CHECK(ans.allow == NULL);
	CHECK_EQ_INT(ask("HEAD", "/computeMetadata/v1/project/project-id", "Google", NULL, 0), 0);
	IS(200, "application/text", "proj-1");
	CHECK_EQ_INT(ans.omit_body, 1);
}

TEST(gce_instance_and_project)
{
	reset();
	get("/computeMetadata/v1/instance/");
	IS(200, "application/text", "service-accounts/\n");
	get("/computeMetadata/v1/project/project-id");
	IS(200, "application/text", "proj-1");
	get("/computeMetadata/v1/project/project-id?alt=json");
	IS(200, "application/json", "\"proj-1\"");
	get("/computeMetadata/v1/project/numeric-project-id");
	IS(404, PLAIN, "airlock metadata server: the numeric project id is not known\n");
	get("/computeMetadata/v1/project/?recursive=true");
	IS(200, "application/json", "{\"projectId\":\"proj-1\"}");
	get("/computeMetadata/v1/project");
	IS(200, "application/text", "numeric-project-id\nproject-id\n");
	ctx.numeric_project_id = "123456789012";
	get("/computeMetadata/v1/project/numeric-project-id");
	IS(200, "application/text", "123456789012");
	get("/computeMetadata/v1/project/numeric-project-id?alt=json");
	IS(200, "application/json", "123456789012");
	get("/computeMetadata/v1/project/?recursive=true");
	IS(200, "application/json", "{\"numericProjectId\":123456789012,\"projectId\":\"proj-1\"}");
	ctx.numeric_project_id = "12a";
	get("/computeMetadata/v1/project/numeric-project-id");
	CHECK_EQ_INT(ans.status, 404);
	ctx.project_id = NULL;
	get("/computeMetadata/v1/project/project-id");
	IS(404, PLAIN, "airlock metadata server: the project id is not known\n");
	get("/computeMetadata/v1/project/?recursive=true");
	IS(200, "application/json", "{}");
	get("/computeMetadata/v1/universe/universe-domain");
	IS(200, "application/text", "googleapis.com");
}

TEST(gce_service_accounts)
{
	reset();
	get(SA);
	IS(200, "application/text", "default/\n" EMAIL "/\n");
	get("/computeMetadata/v1/instance/service-accounts");
	IS(200, "application/text", "default/\n" EMAIL "/\n");
	const char *sa_json = "{\"aliases\":[\"default\"],\"email\":\"" EMAIL "\",\"scopes\":"
			      "[\"https://www.googleapis.com/auth/cloud-platform\"]}";
	static const char *const dirs[] = {SA "default/?recursive=true", SA EMAIL "/?recursive=true",
					   SA "default?recursive=true",
					   SA "default/?foo=1&recursive=true&alt=text",
					   SA "sa-1%40proj-1.iam.gserviceaccount.com/?recursive=TRUE"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		get(dirs[i]);
		IS(200, "application/json", sa_json);
	}
	get(SA "default/");
	IS(200, "application/text", "aliases\nemail\nidentity\nscopes\ntoken\n");
	get(SA "default/?recursive=false");
	IS(200, "application/text", "aliases\nemail\nidentity\nscopes\ntoken\n");
	get(SA "default/email");
	IS(200, "application/text", EMAIL);
	get(SA EMAIL "/email?alt=json");
	IS(200, "application/json", "\"" EMAIL "\"");
	get(SA "default/aliases");
	IS(200, "application/text", "default");
	get(SA "default/scopes");
	IS(200, "application/text", "https://www.googleapis.com/auth/cloud-platform\n");
	ctx.scopes = "https://a/x  https://b/y";
	get(SA "default/scopes");
	IS(200, "application/text", "https://a/x\nhttps://b/y\n");
	get(SA "default/scopes?alt=json");
	IS(200, "application/json", "[\"https://a/x\",\"https://b/y\"]");
	/* the recursive JSON reads back */
	get("/computeMetadata/v1/?recursive=true");
	CHECK_EQ_INT(ans.status, 200);
	struct json_span t;
	const char *why;
	CHECK_EQ_INT(json_find_string(body, ans.body_len, "instance.serviceAccounts.default.email", &t,
				      &why),
		     JSON_FOUND);
	CHECK_EQ_INT(json_find_string(body, ans.body_len, "project.projectId", &t, &why), JSON_FOUND);
	CHECK_EQ_INT(json_find_string(body, ans.body_len, "universe.universeDomain", &t, &why),
		     JSON_FOUND);
	CHECK(!strstr(body, TOKEN)); /* never a token in a recursive answer */
	get("/computeMetadata/v1/instance/?recursive=true");
	CHECK_EQ_INT(ans.status, 200);
	CHECK(strncmp(body, "{\"serviceAccounts\":{\"default\":{", 31) == 0);
}

TEST(gce_token_needs_one_then_answers)
{
	reset();
	ctx.token = NULL;
	CHECK_EQ_INT(ask("GET", SA "default/token", "Google", NULL, 0), 0);
	CHECK_EQ_INT(ans.decision, GCE_NEED_TOKEN);
	CHECK_EQ_INT(ans.body_len, 0);
	ctx.token = TOKEN, ctx.expires_in = 0; /* expired counts as none */
	CHECK_EQ_INT(ask("GET", SA EMAIL "/token?scopes=x", "Google", NULL, 0), 0);
	CHECK_EQ_INT(ans.decision, GCE_NEED_TOKEN);
	/* other paths never need one */
	get(SA "default/email");
	IS(200, "application/text", EMAIL);
	ctx.expires_in = 1234;
	const char *tok = "{\"access_token\":\"" TOKEN "\",\"expires_in\":1234,\"token_type\":\"Bearer\"}";
	static const char *const paths[] = {
		SA "default/token", SA EMAIL "/token",
		SA "default/token?scopes=https://www.googleapis.com/auth/cloud-platform",
		SA "default/token?scopes=a,b&recursive=true", SA "sa-1%40proj-1.iam.gserviceaccount.com/token",
		SA "SA-1@PROJ-1.iam.gserviceaccount.com/token"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		get(paths[i]);
		IS(200, "application/json", tok);
	}
	get(SA "default/token?alt=text");
	IS(200, "application/text", "access_token " TOKEN "\nexpires_in 1234\ntoken_type Bearer\n");
	/* the token is JSON-escaped */
	ctx.token = "a\"b\\c";
	get(SA "default/token");
	IS(200, "application/json",
	   "{\"access_token\":\"a\\\"b\\\\c\",\"expires_in\":1234,\"token_type\":\"Bearer\"}");
}

TEST(gce_identity_and_unknown_paths_are_404)
{
	reset();
	get(SA "default/identity?audience=https://x&format=full");
	IS(404, PLAIN, "airlock metadata server: identity tokens are not provided by airlock "
		       "(only access tokens)\n");
	get(SA EMAIL "/identity");
	CHECK_EQ_INT(ans.status, 404);
	static const char *const unknown[] = {
		"/computeMetadata/v1/instance/zone", "/computeMetadata/v2/", "/x", "", "computeMetadata",
		SA "default/token/", SA "other@x.iam.gserviceaccount.com/token", SA "/token",
		SA "default/email/", "/computeMetadata/v1//instance", "/computeMetadata/v1/instance//",
		"/computeMetadata/v1/project/project-id/", "/computeMetadataX", SA "default%00/token",
		"/computeMetadata/v1/instancex", "/computeMetadata/v1/instance/service-accountsx",
		"//", "/computeMetadata/v1/../v1/instance/"};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		get(unknown[i]);
		IS(404, PLAIN, "airlock metadata server: no such metadata path\n");
	}
	/* no e-mail known: only "default" */
	ctx.client_email = NULL;
	get(SA "/token");
	CHECK_EQ_INT(ans.status, 404);
	get(SA);
	IS(200, "application/text", "default/\n");
	/* a path longer than GCE_PATH_MAX */
	static char longp[GCE_PATH_MAX + 64];
	memset(longp, 'a', sizeof longp - 1);
	longp[0] = '/';
	get(longp);
	CHECK_EQ_INT(ans.status, 404);
}

TEST(gce_output_is_bounded)
{
	reset();
	const char *target = "/computeMetadata/v1/?recursive=true";
	struct gce_request r = {"GET", 3, target, strlen(target), "Google", 6, NULL, 0, 0};
	static char buf[GCE_BODY_MAX];
	CHECK_EQ_INT(gce_metadata_answer(&r, &ctx, buf, sizeof buf, &ans), 0);
	size_t need = ans.body_len;
	CHECK(need > 100);
	for (size_t cap = 0; cap < need; cap++) {
		memset(buf, '#', sizeof buf);
		CHECK_EQ_INT(gce_metadata_answer(&r, &ctx, buf, cap, &ans), -1);
		CHECK_EQ_INT(ans.body_len, 0);
		CHECK(buf[cap] == '#');
	}
	CHECK_EQ_INT(gce_metadata_answer(&r, &ctx, buf, need, &ans), 0);
	CHECK_EQ_INT(ans.body_len, need);
	/* a refusal needs room too */
	r.method = "POST", r.method_len = 4;
	CHECK_EQ_INT(gce_metadata_answer(&r, &ctx, buf, 10, &ans), -1);
	/* a context string that is not UTF-8 cannot go into JSON */
	ctx.token = "bad\xff";
	target = SA "default/token";
	struct gce_request t = {"GET", 3, target, strlen(target), "Google", 6, NULL, 0, 0};
	CHECK_EQ_INT(gce_metadata_answer(&t, &ctx, buf, sizeof buf, &ans), -1);
	/* a NULL target is a 404, not a crash */
	struct gce_request n = {"GET", 3, NULL, 0, "Google", 6, NULL, 0, 0};
	CHECK_EQ_INT(gce_metadata_answer(&n, &ctx, buf, sizeof buf, &ans), 0);
	CHECK_EQ_INT(ans.status, 404);
}
