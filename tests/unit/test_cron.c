/*
 * cron: next runs and error messages, table-driven over
 * tests/fixtures/cron/{next,invalid}.tsv.  The expected runs in next.tsv are
 * also checked by tests/cron/oracle.py (an independent brute-force
 * evaluator) in tests/cli/t040-cron-oracle.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "errors.h"
#include "test.h"
#include "timefmt.h"

/* Split line in place at tabs into at most max columns; returns the count. */
static int
split_tabs(char *line, char **cols, int max)
{
	int n = 0;

	while (n < max) {
		char *tab = strchr(line, '\t');

		cols[n++] = line;
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return n;
}

/* The next line of a fixture that is neither blank nor a comment. */
static char *
next_row(char **cursor)
{
	while (**cursor) {
		char *line = *cursor;
		char *nl = strchr(line, '\n');

		if (nl) {
			*nl = '\0';
			*cursor = nl + 1;
		} else {
			*cursor = line + strlen(line);
		}
		if (*line && *line != '#')
			return line;
	}
	return NULL;
}

static time_t
utc(const char *text)
{
	struct timefmt_target t;
	struct timefmt_time now = { 0, 0 };
	struct error err = ERROR_INIT;

	if (timefmt_parse_target(&t, text, now, &err) < 0) {
		test_fail(__FILE__, __LINE__, "bad fixture time '%s': %s", text,
			  err.msg);
		error_clear(&err);
		return 0;
	}
	return (time_t)t.time.sec;
}

static char *
show(time_t t)
{
	struct timefmt_time ft = { (int64_t)t, 0 };

	return t == (time_t)-1 ? strdup("none") : timefmt_format_rfc3339(ft);
}

static int
check_next_fixture(void)
{
	char *buf = test_read_fixture("cron/next.tsv", NULL);
	char *cursor = buf, *line;
	int rows = 0;

	while ((line = next_row(&cursor))) {
		struct cron_schedule *s = NULL;
		struct error err = ERROR_INIT;
		char *col[5];
		time_t after;
		int i;

		rows++;
		if (split_tabs(line, col, 5) != 5) {
			test_fail(__FILE__, __LINE__, "bad row '%s'", line);
			continue;
		}
		if (cron_parse(&s, col[0], &err) < 0) {
			test_fail(__FILE__, __LINE__, "'%s' did not parse: %s",
				  col[0], err.msg);
			error_clear(&err);
			continue;
		}
		after = utc(col[1]);
		for (i = 0; i < 3; i++) {
			time_t t = cron_next(s, after);
			char *got = show(t);

			if (strcmp(got, col[2 + i]) != 0)
				test_fail(__FILE__, __LINE__,
					  "'%s' after %s run %d: got %s, want "
					  "%s",
					  col[0], col[1], i + 1, got,
					  col[2 + i]);
			free(got);
			if (t == (time_t)-1)
				break;
			after = t;
		}
		cron_free(s);
	}
	free(buf);
	return rows;
}

static void
cron_next_runs_match_the_fixture(void)
{
	CHECK(check_next_fixture() >= 45);
}

static void
cron_next_runs_do_not_depend_on_tz(void)
{
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	struct tm tm = { 0 };

	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	/* The zone really is in force: local midnight is not UTC midnight. */
	tm.tm_year = 126;
	tm.tm_mon = 10;
	tm.tm_mday = 24;
	tm.tm_isdst = -1;
	CHECK(mktime(&tm) != timegm(&tm));
	CHECK(check_next_fixture() >= 45);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

static void
cron_rejects_invalid_schedules_precisely(void)
{
	char *buf = test_read_fixture("cron/invalid.tsv", NULL);
	char *cursor = buf, *line;
	int rows = 0;

	while ((line = next_row(&cursor))) {
		struct cron_schedule *s = (struct cron_schedule *)buf;
		struct error err = ERROR_INIT;
		char *col[3];

		rows++;
		if (split_tabs(line, col, 3) != 3) {
			test_fail(__FILE__, __LINE__, "bad row '%s'", line);
			continue;
		}
		if (cron_parse(&s, col[0], &err) == 0) {
			test_fail(__FILE__, __LINE__, "'%s' parsed", col[0]);
			cron_free(s);
			continue;
		}
		CHECK(s == (struct cron_schedule *)buf); /* out untouched */
		CHECK_INT(err.code, ERR_USAGE);
		CHECK_STR(err.msg, col[1]);
		if (strcmp(col[2], "-") == 0)
			CHECK(err.hint != NULL);
		else
			CHECK_STR(err.hint, col[2]);
		error_clear(&err);
	}
	free(buf);
	CHECK(rows >= 40);
}

static void
cron_rejects_an_empty_schedule(void)
{
	static const char *const empties[] = { "", "   ", "\t\n", NULL };
	size_t i;

	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		struct cron_schedule *s = NULL;
		struct error err = ERROR_INIT;

		CHECK_INT(cron_parse(&s, empties[i], &err), -1);
		CHECK(s == NULL);
		CHECK_STR(err.msg, "schedule is empty");
		CHECK(err.hint != NULL && strstr(err.hint, "six fields"));
		error_clear(&err);
	}
}

static void
cron_counts_fields_and_suggests_six(void)
{
	static const struct {
		const char *expr;
		int count;
		const char *six;
	} cases[] = {
		{ "0 3 * * *", 5, "0 0 3 * * *" },
		{ "  */5   1-5 * *  MON-FRI ", 5, "0 */5 1-5 * * MON-FRI" },
		{ "0 0 3 * * *", 6, NULL },
		{ "* * * *", 4, NULL },
		{ "@daily", 0, NULL },
		{ "@every 1h", 0, NULL },
		{ "", 0, NULL },
		{ "\t", 0, NULL },
		{ NULL, 0, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *six = cron_suggest_six_fields(cases[i].expr);

		CHECK_INT(cron_field_count(cases[i].expr), cases[i].count);
		CHECK_STR(six, cases[i].six);
		free(six);
	}
}

static void
cron_gives_up_past_year_9999(void)
{
	struct cron_schedule *s = NULL;
	struct error err = ERROR_INIT;

	CHECK_INT(cron_parse(&s, "* * * * * *", &err), 0);
	CHECK_INT(cron_next(s, (time_t)253402300799), -1);
	CHECK_INT(cron_next(s, (time_t)253402300798), 253402300799);
	cron_free(s);
	CHECK_INT(cron_parse(&s, "@every 1h", &err), 0);
	CHECK_INT(cron_next(s, (time_t)253402300000), -1);
	CHECK_INT(cron_next(s, (time_t)0), 3600);
	cron_free(s);
	CHECK(cron_next(NULL, 0) == (time_t)-1);
	cron_free(NULL);
}

const struct test cron_tests[] = {
	TEST(cron_next_runs_match_the_fixture),
	TEST(cron_next_runs_do_not_depend_on_tz),
	TEST(cron_rejects_invalid_schedules_precisely),
	TEST(cron_rejects_an_empty_schedule),
	TEST(cron_counts_fields_and_suggests_six),
	TEST(cron_gives_up_past_year_9999),
	{ NULL, NULL },
};
