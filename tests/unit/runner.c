/*
 * The unit-test runner: runs every registered table (or those whose test
 * names contain the filter argument) and ends with "N passed, N failed".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonmem.h"
#include "test.h"

#include "registry.h"

static int current_failed;

void
test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	current_failed = 1;
}

const char *
test_fixtures_dir(void)
{
	const char *d = getenv("TEST_FIXTURES");

	return d && *d ? d : "tests/fixtures";
}

char *
test_read_fixture(const char *name, size_t *len)
{
	char path[4096];
	FILE *fp;
	char *buf = NULL;
	size_t n = 0, cap = 0;

	snprintf(path, sizeof(path), "%s/%s", test_fixtures_dir(), name);
	fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "cannot open fixture %s\n", path);
		abort();
	}
	for (;;) {
		size_t r;

		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int
main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	size_t i;

	jsonmem_init(); /* as the binary does: mismatched frees show in ASan */
	for (i = 0; test_tables[i].tests; i++) {
		const struct test *t;

		for (t = test_tables[i].tests; t->name; t++) {
			if (filter && !strstr(t->name, filter) &&
			    !strstr(test_tables[i].module, filter))
				continue;
			current_failed = 0;
			t->fn();
			if (current_failed) {
				failed++;
				fprintf(stderr, "FAIL %s/%s\n",
					test_tables[i].module, t->name);
			} else {
				passed++;
			}
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
