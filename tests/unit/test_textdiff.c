/* textdiff: hunks as `diff -u` writes them (expectations taken from GNU diff).
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "textdiff.h"

static void
textdiff_matches_gnu_diff_hunks(void)
{
	static const struct {
		const char *a, *b, *want;
	} cases[] = {
		{ "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n",
		  "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl\n",
		  "--- old\n+++ new\n"
		  "@@ -1,5 +1,5 @@\n a\n b\n-c\n+C\n d\n e\n"
		  "@@ -10,2 +10,3 @@\n j\n k\n+l\n" },
		{ "x: 1\n", "", "--- old\n+++ new\n@@ -1 +0,0 @@\n-x: 1\n" },
		{ "", "x: 1\n", "--- old\n+++ new\n@@ -0,0 +1 @@\n+x: 1\n" },
		{ "a\nb\n", "a\nb\n", "" },
		{ "a\nb\nc\n", "a\nc\n",
		  "--- old\n+++ new\n@@ -1,3 +1,2 @@\n a\n-b\n c\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = textdiff_unified(cases[i].a, cases[i].b, "old",
					     "new", 2);

		CHECK_STR(got, cases[i].want);
		free(got);
	}
}

static void
textdiff_summarises_huge_texts(void)
{
	size_t n = 5001 * 2;
	char *a = malloc(n + 1), *b;
	char *got;

	memset(a, '\n', n);
	a[n] = 0;
	for (size_t i = 0; i < n; i += 2)
		a[i] = 'x';
	b = strdup(a);
	b[0] = 'y';
	got = textdiff_unified(a, b, "old", "new", 2);
	CHECK_STR(got, "old and new differ (too long to show)\n");
	free(got);
	free(a);
	free(b);
}

const struct test textdiff_tests[] = {
	TEST(textdiff_matches_gnu_diff_hunks),
	TEST(textdiff_summarises_huge_texts),
	{ NULL, NULL },
};
