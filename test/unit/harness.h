/* harness.h: a minimal unit-test harness.
 *
 * A test file defines tests with TEST(name) { ... } and checks with CHECK(cond) or
 * CHECK_EQ_INT/CHECK_EQ_STR/CHECK_MEM. Tests register themselves at load time, so a new
 * test/unit/test_*.c file needs no list to be edited. The runner (main.c) runs them all,
 * or those whose name contains argv[1], and ends with "N passed, N failed".
 */
#ifndef AIRLOCK_TEST_HARNESS_H
#define AIRLOCK_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct unit_test *next;
};

void harness_register(struct unit_test *t);
/* Records a failed check; the test goes on so that one run shows every failure. */
void harness_fail(const char *file, int line, const char *what);

#define TEST(name)                                                            \
	static void test_##name(void);                                        \
	static struct unit_test reg_##name = {#name, __FILE__, test_##name, 0}; \
	__attribute__((constructor)) static void register_##name(void)        \
	{                                                                     \
		harness_register(&reg_##name);                                \
	}                                                                     \
	static void test_##name(void)

#define CHECK(cond)                                                 \
	do {                                                        \
		if (!(cond))                                        \
			harness_fail(__FILE__, __LINE__, #cond);    \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                          \
	do {                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);                 \
		if (a_ != b_) {                                                     \
			char m_[256];                                               \
			snprintf(m_, sizeof m_, "%s == %s (%lld != %lld)", #a, #b, a_, b_); \
			harness_fail(__FILE__, __LINE__, m_);                       \
		}                                                                   \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                            \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                              \
			char m_[512];                                                 \
			snprintf(m_, sizeof m_, "%s == %s (\"%.200s\" != \"%.200s\")", #a, #b, \
				 a_ ? a_ : "(null)", b_ ? b_ : "(null)");             \
			harness_fail(__FILE__, __LINE__, m_);                         \
		}                                                                     \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

#endif
