/* Unit tests of the sandbox's file-system plan: where a read_write entry covers a path
 * (the userns rule for operator files), and airlock's own places. */
#include "test/unit/harness.h"

#include "init/sandbox/sandbox_fs_plan.h"

TEST(fs_plan_writable_at)
{
	struct fs_entry e[] = {{"/var/tmp/work", FS_READ_WRITE}, {"/etc", FS_READ_ONLY},
			       {"/tmp", FS_TMPFS}, {"/srv/a/b", FS_READ_WRITE}};
	struct fs_plan plan = {e, sizeof e / sizeof e[0], NULL, 0};
	CHECK_EQ_STR(fs_plan_writable_at(&plan, "/var/tmp/work"), "/var/tmp/work");
	CHECK_EQ_STR(fs_plan_writable_at(&plan, "/var/tmp/work/token"), "/var/tmp/work");
	CHECK_EQ_STR(fs_plan_writable_at(&plan, "/var/tmp/work/x/y"), "/var/tmp/work");
	CHECK(fs_plan_writable_at(&plan, "/var/tmp/workshop/token") == NULL);
	CHECK(fs_plan_writable_at(&plan, "/var/tmp/token") == NULL); /* above it */
	CHECK(fs_plan_writable_at(&plan, "/etc/token") == NULL);      /* read-only */
	CHECK(fs_plan_writable_at(&plan, "/tmp/token") == NULL);      /* the sandbox's own */
	CHECK(fs_plan_writable_at(&plan, "/srv/a/token") == NULL);
	CHECK_EQ_STR(fs_plan_writable_at(&plan, "/srv/a/b/c"), "/srv/a/b");
	struct fs_entry root[] = {{"/", FS_READ_WRITE}};
	struct fs_plan all = {root, 1, NULL, 0};
	CHECK_EQ_STR(fs_plan_writable_at(&all, "/etc/passwd"), "/");
}

TEST(fs_plan_reserved)
{
	static const char *const own[] = {"/", "/run", "/run/airlock", "/run/airlock/ca.pem",
					  "/proc", "/proc/1", "/dev", "/dev/pts", "/dev/pts/0",
					  "/.airlock-host", "/.airlock-host/etc"};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		CHECK(fs_plan_reserved(own[i]));
	static const char *const listable[] = {"/run/secrets", "/dev/kvm", "/dev/shm", "/usr",
					       "/runner", "/procfs", "/run/airlockx"};
	for (size_t i = 0; i < sizeof listable / sizeof listable[0]; i++)
		CHECK(!fs_plan_reserved(listable[i]));
}
