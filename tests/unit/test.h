/*
 * The unit-test runner's interface.  Each tests/unit/test_<module>.c
 * defines static test functions and one table:
 *
 *	const struct test <module>_tests[] = {
 *		TEST(strbuf_grows_past_the_first_allocation),
 *		{ NULL, NULL },
 *	};
 *
 * The Makefile finds the tables and registers them; nothing else to edit.
 * A test fails when any CHECK in it fails; the run ends with the line
 * "N passed, N failed".
 */
#ifndef CNPGOPS_TEST_H
#define CNPGOPS_TEST_H

#include <string.h>

struct test {
	const char *name;
	void (*fn)(void);
};

#define TEST(fn)        \
	{               \
#fn, fn \
	}

void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The directory of the fixtures (tests/fixtures unless TEST_FIXTURES). */
const char *test_fixtures_dir(void);
/* Read a fixture file into a new NUL-terminated buffer (aborts if absent). */
char *test_read_fixture(const char *name, size_t *len);

#define CHECK(cond)                                                 \
	do {                                                        \
		if (!(cond))                                        \
			test_fail(__FILE__, __LINE__, "%s", #cond); \
	} while (0)

#define CHECK_STR(got, want)                                           \
	do {                                                           \
		const char *got_ = (got), *want_ = (want);             \
		if (!got_ || !want_ ? got_ != want_                    \
				    : strcmp(got_, want_) != 0)        \
			test_fail(__FILE__, __LINE__,                  \
				  "%s: got \"%s\", want \"%s\"", #got, \
				  got_ ? got_ : "(null)",              \
				  want_ ? want_ : "(null)");           \
	} while (0)

#define CHECK_INT(got, want)                                                  \
	do {                                                                  \
		long long got_ = (long long)(got), want_ = (long long)(want); \
		if (got_ != want_)                                            \
			test_fail(__FILE__, __LINE__,                         \
				  "%s: got %lld, want %lld", #got, got_,      \
				  want_);                                     \
	} while (0)

#endif
