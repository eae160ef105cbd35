/* Unit tests of ca_files_write(): bundle.pem is the roots as they are (a newline added
 * when their last line has none) followed by the CA; the roots' fd is read by offset,
 * its position left alone; no roots means the CA alone; an existing file is refused. */
#include "test/unit/harness.h"
#include "init/sandbox/ca_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char CA[] = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

/* A folder of its own, and a roots file holding `text`, open for reading. */
static int setup(char dir[64], const char *text)
{
	snprintf(dir, 64, "/tmp/airlock-cafiles-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char path[128];
	snprintf(path, sizeof path, "%s/roots", dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void cleanup(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

TEST(ca_files_bundle_is_roots_then_ca)
{
	char dir[64], ca[128], bundle[128];
	const char *failed = NULL;
	for (int newline = 0; newline < 2; newline++) {
		int roots = setup(dir, newline ? "ROOT A\nROOT B\n" : "ROOT A\nROOT B");
		CHECK(roots >= 0);
		snprintf(ca, sizeof ca, "%s/ca.pem", dir);
		snprintf(bundle, sizeof bundle, "%s/bundle.pem", dir);
		struct ca_files f = {CA, sizeof CA - 1, roots};
		CHECK_EQ_INT(ca_files_write(&f, ca, bundle, &failed), 0);
		CHECK_EQ_STR(slurp(ca), CA);
		char want[256];
		snprintf(want, sizeof want, "ROOT A\nROOT B\n%s", CA);
		CHECK_EQ_STR(slurp(bundle), want);
		CHECK_EQ_INT(lseek(roots, 0, SEEK_CUR), 0); /* the shared position untouched */
		/* written once: a second time finds the files there and says which */
		CHECK_EQ_INT(ca_files_write(&f, ca, bundle, &failed), -1);
		CHECK_EQ_INT(errno, EEXIST);
		CHECK_EQ_STR(failed, ca);
		close(roots);
		cleanup(dir);
	}
}

TEST(ca_files_without_roots_the_bundle_is_the_ca)
{
	char dir[64], ca[128], bundle[128];
	const char *failed = NULL;
	int roots = setup(dir, "");
	CHECK(roots >= 0);
	snprintf(ca, sizeof ca, "%s/ca.pem", dir);
	snprintf(bundle, sizeof bundle, "%s/bundle.pem", dir);
	struct ca_files none = {CA, sizeof CA - 1, -1};
	CHECK_EQ_INT(ca_files_write(&none, ca, bundle, &failed), 0);
	CHECK_EQ_STR(slurp(bundle), CA);
	unlink(ca);
	unlink(bundle);
	struct ca_files empty = {CA, sizeof CA - 1, roots}; /* an empty roots file */
	CHECK_EQ_INT(ca_files_write(&empty, ca, bundle, &failed), 0);
	CHECK_EQ_STR(slurp(bundle), CA);
	close(roots);
	cleanup(dir);
}
