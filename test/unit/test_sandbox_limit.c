/* Unit tests of sandbox_limit_cgroup_dir(): which folder is this process's pids cgroup,
 * from the text of /proc/self/cgroup and /proc/self/mountinfo. */
#include "test/unit/harness.h"
#include "init/sandbox/sandbox_limit.h"

static const char *const V1_MOUNTS =
	"25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
	"30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	"31 30 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	"32 30 0:28 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids\n"
	"33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	"34 30 0:30 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

TEST(limit_cgroup_v1_pids_hierarchy_first)
{
	char dir[256];
	int v2 = -1;
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("9:name=systemd:/\n8:pids:/user.slice/s1\n"
					      "4:memory:/m\n0::/u\n",
					      V1_MOUNTS, dir, sizeof dir, &v2), 0);
	CHECK_EQ_STR(dir, "/sys/fs/cgroup/pids/user.slice/s1");
	CHECK_EQ_INT(v2, 0);
	/* at the root of the hierarchy: the mount point itself */
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("8:pids:/\n", V1_MOUNTS, dir, sizeof dir, &v2), 0);
	CHECK_EQ_STR(dir, "/sys/fs/cgroup/pids");
	/* "pids" is a whole controller name, not a prefix of another */
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("8:pidsx:/a\n",
					      "32 30 0:28 / /x rw - cgroup cgroup rw,pidsx\n", dir,
					      sizeof dir, &v2), -1);
}

TEST(limit_cgroup_v2_unified)
{
	char dir[256];
	int v2 = -1;
	const char *mounts = "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
			     "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("0::/system.slice/runner.service\n", mounts, dir,
					      sizeof dir, &v2), 0);
	CHECK_EQ_STR(dir, "/sys/fs/cgroup/system.slice/runner.service");
	CHECK_EQ_INT(v2, 1);
	/* v1 line present but no v1 pids mount: the unified hierarchy */
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("3:pids:/a\n0::/b\n", mounts, dir, sizeof dir, &v2),
		     0);
	CHECK_EQ_STR(dir, "/sys/fs/cgroup/b");
}

TEST(limit_cgroup_mount_root_is_respected)
{
	char dir[256];
	int v2 = -1;
	/* a container sees its part of the hierarchy mounted from /ctr */
	const char *mounts = "30 25 0:26 /ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("0::/ctr/app\n", mounts, dir, sizeof dir, &v2), 0);
	CHECK_EQ_STR(dir, "/sys/fs/cgroup/app");
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("0::/ctr\n", mounts, dir, sizeof dir, &v2), 0);
	CHECK_EQ_STR(dir, "/sys/fs/cgroup");
	/* outside the mounted part, or only a name sharing its prefix: not reachable */
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("0::/other\n", mounts, dir, sizeof dir, &v2), -1);
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("0::/ctrx\n", mounts, dir, sizeof dir, &v2), -1);
}

TEST(limit_cgroup_none_or_garbage)
{
	char dir[64], small[16];
	int v2 = -1;
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("", "", dir, sizeof dir, &v2), -1);
	/* lines that do not parse are passed over */
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("junk\n0::/a\n", "garbage\n - \n" "x - y\n"
					      "34 30 0:30 / /sys/fs/cgroup/unified rw - cgroup2 "
					      "cgroup2 rw\n", dir, sizeof dir, &v2), 0);
	CHECK_EQ_STR(dir, "/sys/fs/cgroup/unified/a");
	CHECK_EQ_INT(v2, 1);
	/* a folder that does not fit is no answer */
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("0::/a\n", V1_MOUNTS, small, sizeof small, &v2), -1);
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("no colons\n1:x\n", V1_MOUNTS, dir, sizeof dir,
					      &v2), -1);
	/* a path that is not absolute is not one */
	CHECK_EQ_INT(sandbox_limit_cgroup_dir("0::a\n", V1_MOUNTS, dir, sizeof dir, &v2), -1);
}
