/* [gcp] in the policy: its token secret (GCP_ACCESS_TOKEN, the key as its file), the
 * default Vertex AI hosts, scopes and metadata port, the refusals, the "*-x" host
 * pattern it brings, and the printed form loading back the same. */
#include "test/unit/policy_testutil.h"

#include <stdlib.h>
#include <string.h>

TEST(policy_gcp_defaults_and_keys)
{
	struct policy p;
	CHECK(pt_loads("[gcp]\nservice_account = /etc/hostname\n", &p));
	CHECK(p.gcp != NULL);
	CHECK_EQ_INT(p.nsecrets, 1);
	const struct policy_secret *s = &p.secrets[p.gcp->secret];
	CHECK_EQ_STR(s->name, "GCP_ACCESS_TOKEN");
	CHECK(s->token && s->gcp && s->from_host == NULL);
	CHECK_EQ_STR(s->file, "/etc/hostname");
	CHECK_EQ_INT(s->nhosts, 2);
	CHECK_EQ_STR(s->hosts[0], "aiplatform.googleapis.com");
	CHECK_EQ_STR(s->hosts[1], "*-aiplatform.googleapis.com");
	CHECK_EQ_STR(p.gcp->scopes, "https://www.googleapis.com/auth/cloud-platform");
	CHECK_EQ_INT(p.gcp->metadata_port, 3129);
	CHECK(policy_secret_bound(s, "us-east5-aiplatform.googleapis.com"));
	CHECK(policy_secret_bound(s, "aiplatform.googleapis.com"));
	CHECK(!policy_secret_bound(s, "a.b-aiplatform.googleapis.com"));
	CHECK(!policy_secret_bound(s, "-aiplatform.googleapis.com"));
	CHECK(!policy_secret_bound(s, "oauth2.googleapis.com"));
	CHECK(!policy_secret_bound(s, "www.googleapis.com"));
	/* The printed policy loads back the same. */
	char *text = policy_format(&p);
	struct policy q;
	CHECK(text && pt_loads(text, &q));
	CHECK(q.gcp && q.gcp->metadata_port == 3129 && q.nsecrets == 1);
	CHECK_EQ_STR(q.secrets[0].hosts[1], "*-aiplatform.googleapis.com");
	free(text);
	policy_free(&q);
	policy_free(&p);

	CHECK(pt_loads("[gcp]\nservice_account = /etc/hostname\nhosts = *.googleapis.com\n"
		       "scopes = https://a.test/x https://b.test/y\nmetadata_port = 8999\n", &p));
	CHECK_EQ_INT(p.secrets[0].nhosts, 1);
	CHECK_EQ_STR(p.gcp->scopes, "https://a.test/x https://b.test/y");
	CHECK_EQ_INT(p.gcp->metadata_port, 8999);
	policy_free(&p);
}

TEST(policy_gcp_refusals)
{
	CHECK(pt_fails_with("[gcp]\nhosts = x.test\n", "t.ini:1: [gcp] has no service_account"));
	CHECK(pt_fails_with("[gcp]\nservice_account = /etc/hostname\n[gcp]\n",
			    "t.ini:3: [gcp] is given twice"));
	CHECK(pt_fails_with("[gcp]\nservice_account = /etc/hostname\nmetadata_port = 3128\n",
			    "t.ini:3: metadata_port '3128' is not a port other than 3128"));
	CHECK(pt_fails_with("[gcp]\nservice_account = /etc/hostname\nscopes = http://x\n",
			    "t.ini:3: scope 'http://x' is not an https:// scope URL"));
	CHECK(pt_fails_with("[network]\nforward = 3129\n[gcp]\nservice_account = /etc/hostname\n",
			    "t.ini:3: [gcp] metadata_port 3129 is also a forward port"));
	CHECK(pt_fails_with("[secret GCP_ACCESS_TOKEN]\nhosts = x.test\n[gcp]\n"
			    "service_account = /etc/hostname\n",
			    "t.ini:3: [secret GCP_ACCESS_TOKEN] is defined twice"));
	CHECK(pt_fails_with("[gcp]\nservice_account = /nonexistent/key.json\n",
			    "t.ini:2: service_account"));
	/* "*-x" is for secrets' hosts: an allow rule cannot be one (its CA constraint). */
	CHECK(pt_fails_with("[network]\nallow = *-x.test\n", "t.ini:2: allow '*-x.test'"));
}
