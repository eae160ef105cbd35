/* Unit tests of policy/identity.c: user/group resolution from fixture files. */
#include "test/unit/harness.h"
#include "policy/identity.h"
#include "init/sandbox/privs.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char fixture_passwd[] =
	"# comment line\n"
	"root:x:0:0:root:/root:/bin/bash\n"
	"\n"
	"alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
	"bob:x:1001:100::/home/bob\r\n"      /* CRLF and no shell */
	"broken:x:notanumber:5:::\n"         /* skipped: bad uid */
	"+nisuser::::::\n"                   /* NIS: never an entry */
	"1002:x:4242:4242::/home/digits:/bin/sh\n" /* a name that looks numeric */
	"max:x:4294967295:1::/:/bin/sh\n";   /* (uid_t)-1: skipped */

static const char fixture_group[] =
	"root:x:0:\n"
	"users:x:100:\n"
	"alice:x:1000:\n"
	"wheel:x:10:alice,carol\n"
	"audio:x:29:bob,alice\n"
	"video:x:44:alicex,xalice\n"        /* near-misses: not alice */
	"staff:x:50:\n";

static int lookup(const char *spec, struct identity *id, char *err, size_t errlen)
{
	return identity_lookup_mem(spec, fixture_passwd, sizeof fixture_passwd - 1,
				   fixture_group, sizeof fixture_group - 1, id, err, errlen);
}

static int has_group(const struct identity *id, gid_t g)
{
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->groups[i] == g)
			return 1;
	return 0;
}

TEST(identity_by_name_gets_primary_and_member_groups)
{
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(lookup("alice", &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.uid, 1000);
	CHECK_EQ_INT(id.gid, 1000);
	CHECK_EQ_STR(id.name, "alice");
	CHECK_EQ_STR(id.home, "/home/alice");
	CHECK_EQ_INT(id.ngroups, 3);
	CHECK_EQ_INT(id.groups[0], 1000); /* primary first */
	CHECK(has_group(&id, 10));
	CHECK(has_group(&id, 29));
	CHECK(!has_group(&id, 44));
}

TEST(identity_crlf_and_missing_shell)
{
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(lookup("bob", &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.uid, 1001);
	CHECK_EQ_INT(id.gid, 100);
	CHECK_EQ_STR(id.home, "/home/bob");
	CHECK_EQ_INT(id.ngroups, 2);
	CHECK(has_group(&id, 29));
}

TEST(identity_numeric_uid_with_entry_uses_entry)
{
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(lookup("1000", &id, err, sizeof err), 0);
	CHECK_EQ_STR(id.name, "alice");
	CHECK_EQ_INT(id.gid, 1000);
	CHECK(has_group(&id, 10));
}

TEST(identity_numeric_uid_without_entry)
{
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(lookup("5555", &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.uid, 5555);
	CHECK_EQ_INT(id.gid, 5555);
	CHECK_EQ_STR(id.name, "");
	CHECK_EQ_STR(id.home, "");
	CHECK_EQ_INT(id.ngroups, 1);
	CHECK_EQ_INT(id.groups[0], 5555);
	CHECK_EQ_INT(lookup("5555:77", &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.uid, 5555);
	CHECK_EQ_INT(id.gid, 77);
	CHECK_EQ_INT(id.groups[0], 77);
}

TEST(identity_name_wins_over_number)
{
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(lookup("1002", &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.uid, 4242);
}

TEST(identity_group_override)
{
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(lookup("alice:staff", &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.uid, 1000);
	CHECK_EQ_INT(id.gid, 50);
	CHECK_EQ_INT(id.groups[0], 50);
	CHECK(has_group(&id, 10)); /* alice's memberships stay */
	CHECK_EQ_INT(lookup("alice:0", &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.gid, 0);
}

TEST(identity_errors_say_what_is_wrong)
{
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(lookup("nosuch", &id, err, sizeof err), -1);
	CHECK(strstr(err, "no user 'nosuch'") != NULL);
	CHECK_EQ_INT(lookup("alice:nogroup", &id, err, sizeof err), -1);
	CHECK(strstr(err, "no group 'nogroup'") != NULL);
	CHECK_EQ_INT(lookup("", &id, err, sizeof err), -1);
	CHECK(strstr(err, "empty user") != NULL);
	CHECK_EQ_INT(lookup(":5", &id, err, sizeof err), -1);
	CHECK_EQ_INT(lookup("alice:", &id, err, sizeof err), -1);
	CHECK(strstr(err, "empty group") != NULL);
	/* (uid_t)-1 would mean "unchanged" to setresuid: never accepted. */
	CHECK_EQ_INT(lookup("4294967295", &id, err, sizeof err), -1);
	CHECK_EQ_INT(lookup("max", &id, err, sizeof err), -1);
	CHECK_EQ_INT(lookup("99999999999", &id, err, sizeof err), -1);
	CHECK_EQ_INT(lookup("5:4294967295", &id, err, sizeof err), -1);
	CHECK_EQ_INT(lookup("broken", &id, err, sizeof err), -1);
	CHECK_EQ_INT(lookup("+nisuser", &id, err, sizeof err), -1);
	CHECK_EQ_INT(lookup("-1", &id, err, sizeof err), -1);
}

TEST(identity_too_many_groups_is_refused)
{
	char group[8192];
	size_t n = 0;
	for (int i = 0; i < IDENTITY_MAX_GROUPS + 1; i++)
		n += (size_t)snprintf(group + n, sizeof group - n, "g%d:x:%d:alice\n", i, 2000 + i);
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(identity_lookup_mem("alice", fixture_passwd, sizeof fixture_passwd - 1,
					 group, n, &id, err, sizeof err),
		     -1);
	CHECK(strstr(err, "more than 64 groups") != NULL);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

TEST(identity_lookup_files_reads_fixtures)
{
	char dir[] = "/tmp/airlock-identity-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char pw[128], gr[128], missing[128];
	snprintf(pw, sizeof pw, "%s/passwd", dir);
	snprintf(gr, sizeof gr, "%s/group", dir);
	snprintf(missing, sizeof missing, "%s/none", dir);
	write_file(pw, fixture_passwd);
	write_file(gr, fixture_group);

	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(identity_lookup_files("alice", pw, gr, &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.uid, 1000);
	CHECK(has_group(&id, 29));
	/* Missing files read as empty: numbers still work, names do not. */
	CHECK_EQ_INT(identity_lookup_files("77:88", missing, missing, &id, err, sizeof err), 0);
	CHECK_EQ_INT(id.uid, 77);
	CHECK_EQ_INT(id.gid, 88);
	CHECK_EQ_INT(identity_lookup_files("alice", missing, missing, &id, err, sizeof err), -1);
	/* A file that cannot be read (a directory) is an error naming it. */
	CHECK_EQ_INT(identity_lookup_files("alice", dir, gr, &id, err, sizeof err), -1);
	CHECK(strstr(err, dir) != NULL);

	unlink(pw);
	unlink(gr);
	rmdir(dir);
}

TEST(identity_switch_in_child)
{
	/* Tests run as root (CI does); the switch happens in a child so the runner stays
	 * root. Without root, identity_switch must fail with a sentence. */
	struct identity id;
	char err[256] = "";
	CHECK_EQ_INT(lookup("alice", &id, err, sizeof err), 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (identity_switch(&id, IDENTITY_GROUPS_SET, err, sizeof err) < 0)
			_exit(1);
		gid_t gs[IDENTITY_MAX_GROUPS];
		int n = getgroups(IDENTITY_MAX_GROUPS, gs);
		if (getuid() != 1000 || geteuid() != 1000 || getgid() != 1000 || n != 3)
			_exit(2);
		/* Once switched, going back must be impossible. */
		if (setuid(0) == 0)
			_exit(3);
		_exit(0);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ_INT(WEXITSTATUS(st), geteuid() == 0 ? 0 : 1);
	CHECK_EQ_INT(geteuid() == 0, 1);
}
