/* Unit tests of proxy/secret_view.c and the JSON members of proxy/secret_store.c: a
 * JSON credential file shows placeholders in the named members and is otherwise the
 * same bytes; the store holds the members' real values. */
#include "test/unit/harness.h"
#include "test/unit/policy_testutil.h"

#include "proxy/secret_store.h"
#include "proxy/secret_view.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char oauth[] =
	"{\n  \"token\": {\"access_token\": \"ya29.REAL-access\", \"expiry\": \"2026-12-03\"},\n"
	"  \"refresh_token\" : \"1//REAL-refresh\",\n  \"client_id\": \"123.apps\",\n"
	"  \"client_secret\": \"GOCSPX-REAL\\/secret\", \"scopes\": [\"a\", \"b\"]\n}\n";

/* A root-owned 0600 file in a root-owned 0700 folder (so the token rule holds). */
static void make_file(char *dir, char *path, size_t cap, const char *name, const char *text)
{
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, cap, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static void cleanup(const char *dir, const char *path)
{
	unlink(path);
	rmdir(dir);
}

TEST(secret_view_masks_json_members_and_keeps_the_rest)
{
	char dir[] = "/tmp/airlock-view-XXXXXX", path[128], text[1024];
	make_file(dir, path, sizeof path, "oauth.json", oauth);
	snprintf(text, sizeof text,
		 "[secret GW_ACCESS]\nhosts = www.googleapis.com\nfile = %s\njson = token.access_token\n"
		 "[secret GW_REFRESH]\nhosts = oauth2.googleapis.com\nfile = %s\njson = refresh_token\n"
		 "[secret GW_CLIENT]\nhosts = oauth2.googleapis.com\nfile = %s\njson = client_secret\n",
		 path, path, path);
	struct policy p;
	CHECK(pt_loads(text, &p));
	char *view = NULL, err[256];
	size_t len = 0;
	CHECK_EQ_INT(secret_view_make(&p, 1, &view, &len, err, sizeof err), 0);
	const char *want =
		"{\n  \"token\": {\"access_token\": \"openshell:resolve:env:GW_ACCESS\", \"expiry\": "
		"\"2026-12-03\"},\n  \"refresh_token\" : \"openshell:resolve:env:GW_REFRESH\",\n"
		"  \"client_id\": \"123.apps\",\n  \"client_secret\": \"openshell:resolve:env:GW_CLIENT\", "
		"\"scopes\": [\"a\", \"b\"]\n}\n";
	CHECK(view && len == strlen(want) && memcmp(view, want, len) == 0);
	CHECK(view && !memmem(view, len, "REAL", 4));
	free(view);

	struct secret_store st;
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	CHECK(st.entries[0].len == 16 && !memcmp(st.entries[0].value, "ya29.REAL-access", 16));
	CHECK(st.entries[1].len == 15 && !memcmp(st.entries[1].value, "1//REAL-refresh", 15));
	/* escapes decoded: the value is what the JSON means */
	CHECK(st.entries[2].len == 18 && !memcmp(st.entries[2].value, "GOCSPX-REAL/secret", 18));
	secret_store_free(&st);
	policy_free(&p);
	cleanup(dir, path);
}

TEST(secret_view_plain_file_and_errors)
{
	char dir[] = "/tmp/airlock-view-XXXXXX", path[128], text[512], err[256];
	make_file(dir, path, sizeof path, "k.json", "{\"n\": 5, \"a\": \"x\"}");
	struct policy p;
	char *view = NULL;
	size_t len = 0;
	/* a plain token file: its placeholder line */
	snprintf(text, sizeof text, "[secret T]\nhosts = a.test\nfile = %s\n", path);
	CHECK(pt_loads(text, &p));
	CHECK_EQ_INT(secret_view_make(&p, 0, &view, &len, err, sizeof err), 0);
	CHECK(view && len == 24 && !memcmp(view, "openshell:resolve:env:T\n", 24));
	free(view);
	policy_free(&p);
	/* a member that is not a string, or absent: refused, naming the member */
	snprintf(text, sizeof text, "[secret T]\nhosts = a.test\nfile = %s\njson = n\n", path);
	CHECK(pt_loads(text, &p));
	CHECK_EQ_INT(secret_view_make(&p, 0, &view, &len, err, sizeof err), -1);
	CHECK(strstr(err, "has no string member n"));
	struct secret_store st;
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
	CHECK(strstr(err, "has no string member n"));
	policy_free(&p);
	/* two secrets on one member */
	snprintf(text, sizeof text, "[secret T]\nhosts = a.test\nfile = %s\njson = a\n"
		 "[secret U]\nhosts = a.test\nfile = %s\njson = a\n", path, path);
	CHECK(pt_loads(text, &p));
	CHECK_EQ_INT(secret_view_make(&p, 0, &view, &len, err, sizeof err), -1);
	CHECK(strstr(err, "name the same member"));
	policy_free(&p);
	/* json without file is a policy error */
	CHECK(pt_fails_with("[secret T]\nhosts = a.test\njson = a\n",
			    "t.ini:3: [secret T] has json but no file"));
	CHECK(pt_fails_with("[secret T]\nhosts = a.test\njson = a..b\n", "is not a member name"));
	cleanup(dir, path);
}

TEST(secret_store_refuses_a_file_that_is_not_json)
{
	char dir[] = "/tmp/airlock-view-XXXXXX", path[128], text[512], err[256];
	make_file(dir, path, sizeof path, "bad.json", "{\"a\": \"x\", \"a\": \"y\"}");
	snprintf(text, sizeof text, "[secret T]\nhosts = a.test\nfile = %s\njson = a\n", path);
	struct policy p;
	CHECK(pt_loads(text, &p));
	struct secret_store st;
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
	CHECK(strstr(err, "is not JSON airlock can read: a member on the path is named twice"));
	CHECK(!strstr(err, "\"y\""));
	policy_free(&p);
	cleanup(dir, path);
}

TEST(secret_view_one_file_under_two_spellings_is_one_view)
{
	char dir[] = "/tmp/airlock-view-XXXXXX", path[128], text[1024], err[256];
	make_file(dir, path, sizeof path, "c.json", "{\"a\": \"AAAA-real\", \"b\": \"BBBB-real\"}");
	/* the same file as DIR/./c.json and DIR//c.json: each view masks both members */
	snprintf(text, sizeof text, "[secret SA]\nhosts = a.test\nfile = %s/./c.json\njson = a\n"
		 "[secret SB]\nhosts = a.test\nfile = %s//c.json\njson = b\n", dir, dir);
	struct policy p;
	CHECK(pt_loads(text, &p));
	for (size_t i = 0; i < 2; i++) {
		char *view = NULL;
		size_t len = 0;
		CHECK_EQ_INT(secret_view_make(&p, i, &view, &len, err, sizeof err), 0);
		CHECK(view && !memmem(view, len, "real", 4));
		free(view);
	}
	policy_free(&p);
	/* a whole-file secret and a member secret on one file: refused either way round */
	snprintf(text, sizeof text, "[secret SA]\nhosts = a.test\nfile = %s\n"
		 "[secret SB]\nhosts = a.test\nfile = %s/./c.json\njson = b\n", path, dir);
	CHECK(pt_loads(text, &p));
	for (size_t i = 0; i < 2; i++) {
		char *view = NULL;
		size_t len = 0;
		CHECK_EQ_INT(secret_view_make(&p, i, &view, &len, err, sizeof err), -1);
		CHECK(strstr(err, "one as a whole and one as a JSON member"));
	}
	policy_free(&p);
	cleanup(dir, path);
}
