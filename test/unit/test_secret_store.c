/* Unit tests for proxy/secret_store: where values come from, what is refused at load,
 * and that error messages name the secret but never hold its value. Policies are
 * filled by hand (the loader is tested on its own). */
#include "test/unit/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proxy/secret_store.h"

static char *no_hosts[] = {"example.test"};

/* A policy with one secret NAME (file may be NULL). */
static void one_secret(struct policy *p, struct policy_secret *s, const char *name,
		       const char *file)
{
	memset(p, 0, sizeof *p);
	memset(s, 0, sizeof *s);
	s->name = (char *)name;
	s->hosts = no_hosts;
	s->nhosts = 1;
	s->file = (char *)file;
	p->source = "test.ini";
	p->uid = 65534; /* as the loader fills in: the sandbox is never root */
	p->gid = 65534;
	p->secrets = s;
	p->nsecrets = 1;
}

/* Writes `len` bytes to a fresh temporary file; returns its path (static buffer). */
static const char *temp_file(const char *data, size_t len)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/airlock-store-XXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_EQ_INT(write(fd, data, len), (long long)len);
	close(fd);
	return path;
}

static int loaded_value_is(const struct secret_store *st, size_t i, const char *want)
{
	const struct secret_entry *e = &st->entries[i];
	return e->value && e->len == strlen(want) && memcmp(e->value, want, e->len) == 0;
}

TEST(store_value_from_environment)
{
	struct policy p;
	struct policy_secret s;
	one_secret(&p, &s, "AIRLOCK_T_ENV", NULL);
	setenv("AIRLOCK_T_ENV", "tok-from-env", 1);
	struct secret_store st;
	char err[256] = "";
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.count, 1);
	CHECK(st.entries[0].secret == &s);
	CHECK_EQ_INT(st.entries[0].source, SECRET_SOURCE_ENV);
	CHECK(loaded_value_is(&st, 0, "tok-from-env"));
	secret_store_free(&st);
	CHECK_EQ_INT(st.count, 0);
	CHECK(st.entries[0].value == NULL);
	unsetenv("AIRLOCK_T_ENV");
}

TEST(store_value_from_file_strips_trailing_newlines)
{
	static const char *const contents[] = {"tok-file", "tok-file\n", "tok-file\r\n",
					       "tok-file\n\n\n"};
	for (size_t i = 0; i < sizeof contents / sizeof contents[0]; i++) {
		const char *path = temp_file(contents[i], strlen(contents[i]));
		struct policy p;
		struct policy_secret s;
		one_secret(&p, &s, "AIRLOCK_T_FILE", path);
		unsetenv("AIRLOCK_T_FILE");
		struct secret_store st;
		char err[256] = "";
		CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
		CHECK_EQ_INT(st.entries[0].source, SECRET_SOURCE_FILE);
		CHECK(loaded_value_is(&st, 0, "tok-file"));
		secret_store_free(&st);
		unlink(path);
	}
}

TEST(store_environment_wins_over_file_and_empty_env_falls_back)
{
	const char *path = temp_file("from-file\n", 10);
	struct policy p;
	struct policy_secret s;
	one_secret(&p, &s, "AIRLOCK_T_BOTH", path);
	struct secret_store st;
	char err[256] = "";

	setenv("AIRLOCK_T_BOTH", "from-env", 1);
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	CHECK(loaded_value_is(&st, 0, "from-env"));
	secret_store_free(&st);

	setenv("AIRLOCK_T_BOTH", "", 1);
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	CHECK(loaded_value_is(&st, 0, "from-file"));
	CHECK_EQ_INT(st.entries[0].source, SECRET_SOURCE_FILE);
	secret_store_free(&st);
	unsetenv("AIRLOCK_T_BOTH");
	unlink(path);
}

TEST(store_no_value_is_not_an_error)
{
	struct policy p;
	struct policy_secret s;
	struct secret_store st;
	char err[256] = "";

	one_secret(&p, &s, "AIRLOCK_T_NONE", NULL);
	unsetenv("AIRLOCK_T_NONE");
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.count, 1);
	CHECK(st.entries[0].value == NULL);
	CHECK_EQ_INT(st.entries[0].source, SECRET_SOURCE_NONE);
	secret_store_free(&st);

	const char *path = temp_file("\n", 1); /* only a newline: empty */
	one_secret(&p, &s, "AIRLOCK_T_NONE", path);
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	CHECK(st.entries[0].value == NULL);
	CHECK_EQ_INT(st.entries[0].source, SECRET_SOURCE_NONE);
	secret_store_free(&st);
	unlink(path);
}

TEST(store_refuses_line_breaks_in_env_naming_the_secret_not_the_value)
{
	static const char *const bad[] = {"abc\r\nX-Evil: 1", "abc\ndef", "abc\rdef"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct policy p;
		struct policy_secret s;
		one_secret(&p, &s, "AIRLOCK_T_CRLF", NULL);
		setenv("AIRLOCK_T_CRLF", bad[i], 1);
		struct secret_store st;
		char err[512] = "";
		CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
		CHECK(strstr(err, "secret AIRLOCK_T_CRLF") != NULL);
		CHECK(strstr(err, "line break") != NULL);
		CHECK(strstr(err, "abc") == NULL);
		CHECK_EQ_INT(st.count, 0);
	}
	unsetenv("AIRLOCK_T_CRLF");
}

TEST(store_refuses_nul_and_inner_newline_in_file)
{
	static const char bad1[] = "abc\0def";
	static const char bad2[] = "abc\ndef\n";
	const char *data[] = {bad1, bad2};
	size_t lens[] = {sizeof bad1 - 1, sizeof bad2 - 1};
	for (int i = 0; i < 2; i++) {
		const char *path = temp_file(data[i], lens[i]);
		struct policy p;
		struct policy_secret s;
		one_secret(&p, &s, "AIRLOCK_T_NUL", path);
		unsetenv("AIRLOCK_T_NUL");
		struct secret_store st;
		char err[512] = "";
		CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
		CHECK(strstr(err, "secret AIRLOCK_T_NUL") != NULL);
		CHECK(strstr(err, path) != NULL);
		CHECK(strstr(err, "abc") == NULL);
		unlink(path);
	}
}

TEST(store_refuses_unreadable_or_odd_file)
{
	struct policy p;
	struct policy_secret s;
	struct secret_store st;
	char err[512] = "";
	unsetenv("AIRLOCK_T_MISSING");
	one_secret(&p, &s, "AIRLOCK_T_MISSING", "/nonexistent/airlock/token");
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
	CHECK(strstr(err, "secret AIRLOCK_T_MISSING") != NULL);
	CHECK(strstr(err, "/nonexistent/airlock/token") != NULL);

	one_secret(&p, &s, "AIRLOCK_T_MISSING", "/tmp");
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
	CHECK(strstr(err, "not a regular file") != NULL);
}

TEST(store_size_limit)
{
	static char big[SECRET_VALUE_MAX + 2];
	memset(big, 'k', sizeof big);
	struct policy p;
	struct policy_secret s;
	struct secret_store st;
	char err[512] = "";
	unsetenv("AIRLOCK_T_BIG");

	/* Exactly the limit plus a newline: accepted. */
	big[SECRET_VALUE_MAX] = '\n';
	const char *path = temp_file(big, SECRET_VALUE_MAX + 1);
	one_secret(&p, &s, "AIRLOCK_T_BIG", path);
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.entries[0].len, SECRET_VALUE_MAX);
	secret_store_free(&st);
	unlink(path);

	/* One byte more: refused. */
	big[SECRET_VALUE_MAX] = 'k';
	path = temp_file(big, SECRET_VALUE_MAX + 1);
	one_secret(&p, &s, "AIRLOCK_T_BIG", path);
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
	CHECK(strstr(err, "secret AIRLOCK_T_BIG") != NULL);
	unlink(path);

	/* A long file whose byte at the limit happens to be a newline: still refused. */
	static char longer[SECRET_VALUE_MAX + 100];
	memset(longer, 'k', sizeof longer);
	longer[SECRET_VALUE_MAX + 2] = '\n';
	path = temp_file(longer, sizeof longer);
	one_secret(&p, &s, "AIRLOCK_T_BIG", path);
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
	unlink(path);

	big[SECRET_VALUE_MAX + 1] = '\0';
	setenv("AIRLOCK_T_BIG", big, 1);
	one_secret(&p, &s, "AIRLOCK_T_BIG", NULL);
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
	CHECK(strstr(err, "environment variable AIRLOCK_T_BIG") != NULL);
	unsetenv("AIRLOCK_T_BIG");
}

TEST(store_at_most_64_secrets)
{
	static struct policy_secret many[SECRET_STORE_MAX + 1];
	static char names[SECRET_STORE_MAX + 1][32];
	for (int i = 0; i <= SECRET_STORE_MAX; i++) {
		snprintf(names[i], sizeof names[i], "AIRLOCK_T_M%d", i);
		many[i].name = names[i];
		many[i].hosts = no_hosts;
		many[i].nhosts = 1;
	}
	struct policy p;
	memset(&p, 0, sizeof p);
	p.source = "many.ini";
	p.secrets = many;
	struct secret_store st;
	char err[256] = "";
	p.nsecrets = SECRET_STORE_MAX;
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.count, SECRET_STORE_MAX);
	CHECK_EQ_INT(secret_store_find(&st, "AIRLOCK_T_M63", 13), 63);
	CHECK_EQ_INT(secret_store_find(&st, "AIRLOCK_T_M6", 12), 6);
	CHECK_EQ_INT(secret_store_find(&st, "AIRLOCK_T_M", 11), -1);
	secret_store_free(&st);
	p.nsecrets = SECRET_STORE_MAX + 1;
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), -1);
	CHECK(strstr(err, "many.ini") != NULL);
	CHECK(strstr(err, "at most 64") != NULL);
}

TEST(store_values_are_wiped_in_forked_children)
{
	struct policy p;
	struct policy_secret s;
	one_secret(&p, &s, "AIRLOCK_T_FORK", NULL);
	setenv("AIRLOCK_T_FORK", "tok-fork", 1);
	struct secret_store st;
	char err[256] = "";
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	unsetenv("AIRLOCK_T_FORK");
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* The sandbox's PID 1 is such a child: it must not hold the value. */
		int ok = !secret_store_has_value(&st, 0) && st.entries[0].len == 8;
		for (size_t i = 0; i < st.entries[0].len; i++)
			ok &= st.entries[0].value[i] == '\0';
		_exit(ok ? 0 : 1);
	}
	int status = -1;
	CHECK_EQ_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(secret_store_has_value(&st, 0));
	CHECK(loaded_value_is(&st, 0, "tok-fork"));
	secret_store_free(&st);
}

TEST(store_arena_is_not_dumped_and_wiped_on_fork)
{
	struct policy p;
	struct policy_secret s;
	one_secret(&p, &s, "AIRLOCK_T_FLAGS", NULL);
	setenv("AIRLOCK_T_FLAGS", "tok-flags", 1);
	struct secret_store st;
	char err[256] = "";
	CHECK_EQ_INT(secret_store_load(&p, &st, err, sizeof err), 0);
	unsetenv("AIRLOCK_T_FLAGS");
	/* The kernel reports madvise flags per mapping: dd = MADV_DONTDUMP, wf = WIPEONFORK. */
	FILE *f = fopen("/proc/self/smaps", "r");
	CHECK(f != NULL);
	char line[512];
	int in_arena = 0, dd = 0, wf = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) { /* a mapping's first line */
			in_arena = lo <= (unsigned long)st.arena && (unsigned long)st.arena < hi;
			continue;
		}
		if (in_arena && strncmp(line, "VmFlags:", 8) == 0) {
			dd = strstr(line, " dd") != NULL;
			wf = strstr(line, " wf") != NULL;
		}
	}
	if (f)
		fclose(f);
	CHECK(dd);
	CHECK(wf);
	secret_store_free(&st);
	CHECK(st.arena == NULL);
}
