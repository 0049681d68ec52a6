/*
 * timefmt: --to parsing (tables in tests/fixtures/timefmt/), formatting and
 * durations, also with TZ set far from UTC.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "test.h"
#include "timefmt.h"

/* 2026-11-24T09:41:00.25Z, the "now" of the relative rows. */
static const struct timefmt_time fixture_now = { 1795513260, 250000 };

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

static int
check_parse_fixture(void)
{
	char *buf = test_read_fixture("timefmt/parse.tsv", NULL);
	char *cursor = buf, *line;
	int rows = 0;

	while ((line = next_row(&cursor))) {
		struct timefmt_target t;
		struct error err = ERROR_INIT;
		char *col[4];

		rows++;
		if (split_tabs(line, col, 4) != 4) {
			test_fail(__FILE__, __LINE__, "bad row '%s'", line);
			continue;
		}
		if (timefmt_parse_target(&t, col[0], fixture_now, &err) < 0) {
			test_fail(__FILE__, __LINE__, "'%s': %s", col[0],
				  err.msg);
			error_clear(&err);
			continue;
		}
		if (t.time.sec != strtoll(col[1], NULL, 10) ||
		    t.time.usec != strtol(col[2], NULL, 10))
			test_fail(__FILE__, __LINE__,
				  "'%s': got %lld.%06d, want %s.%s", col[0],
				  (long long)t.time.sec, (int)t.time.usec,
				  col[1], col[2]);
		CHECK_INT(t.assumed_utc, strcmp(col[3], "assumed") == 0);
		CHECK_INT(t.relative, strcmp(col[3], "relative") == 0);
	}
	free(buf);
	return rows;
}

static void
timefmt_parses_the_accepted_forms(void)
{
	CHECK(check_parse_fixture() >= 35);
}

static void
timefmt_rejects_bad_times_precisely(void)
{
	char *buf = test_read_fixture("timefmt/invalid.tsv", NULL);
	char *cursor = buf, *line;
	int rows = 0;

	while ((line = next_row(&cursor))) {
		struct timefmt_target t = { { 42, 7 }, 5, 5 };
		struct error err = ERROR_INIT;
		char *col[2];
		char *want;

		rows++;
		if (split_tabs(line, col, 2) != 2) {
			test_fail(__FILE__, __LINE__, "bad row '%s'", line);
			continue;
		}
		CHECK_INT(timefmt_parse_target(&t, col[0], fixture_now, &err),
			  -1);
		CHECK(t.time.sec == 42 && t.time.usec == 7 &&
		      t.assumed_utc == 5); /* out untouched */
		CHECK_INT(err.code, ERR_USAGE);
		want = malloc(strlen(col[0]) + strlen(col[1]) + 32);
		snprintf(want, strlen(col[0]) + strlen(col[1]) + 32,
			 "invalid time '%s': %s", col[0], col[1]);
		CHECK_STR(err.msg, want);
		CHECK(err.hint && strstr(err.hint, "'2026-11-24T09:41:00Z'") &&
		      strstr(err.hint, "'now-15m'"));
		free(want);
		error_clear(&err);
	}
	free(buf);
	CHECK(rows >= 30);
}

static void
timefmt_rejects_an_empty_time(void)
{
	static const char *const empties[] = { "", "  ", NULL };
	size_t i;

	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		struct timefmt_target t;
		struct error err = ERROR_INIT;

		CHECK_INT(
			timefmt_parse_target(&t, empties[i], fixture_now, &err),
			-1);
		CHECK_STR(err.msg, "empty time");
		CHECK(err.hint != NULL);
		error_clear(&err);
	}
}

static void
check_formats(void)
{
	static const struct {
		int64_t sec;
		int32_t usec;
		const char *rfc3339, *pg;
	} cases[] = {
		{ 1795513260, 0, "2026-11-24T09:41:00Z",
		  "2026-11-24 09:41:00.000000+00:00" },
		{ 1795513260, 123456, "2026-11-24T09:41:00.123456Z",
		  "2026-11-24 09:41:00.123456+00:00" },
		{ 1795513260, 1, "2026-11-24T09:41:00.000001Z",
		  "2026-11-24 09:41:00.000001+00:00" },
		{ 0, 0, "1970-01-01T00:00:00Z",
		  "1970-01-01 00:00:00.000000+00:00" },
		{ -1, 500000, "1969-12-31T23:59:59.500000Z",
		  "1969-12-31 23:59:59.500000+00:00" },
		{ 951782400, 0, "2000-02-29T00:00:00Z",
		  "2000-02-29 00:00:00.000000+00:00" },
		{ 253402300799, 999999, "9999-12-31T23:59:59.999999Z",
		  "9999-12-31 23:59:59.999999+00:00" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct timefmt_time t = { cases[i].sec, cases[i].usec };
		char *a = timefmt_format_rfc3339(t);
		char *b = timefmt_format_pg(t);

		CHECK_STR(a, cases[i].rfc3339);
		CHECK_STR(b, cases[i].pg);
		free(a);
		free(b);
	}
}

static void
timefmt_formats_rfc3339_and_cnpg_target_time(void)
{
	check_formats();
}

static void
timefmt_round_trips_its_own_output(void)
{
	static const int64_t secs[] = { 0, 1795513260, 1835438400, -86401,
					253402300799 };
	static const int32_t usecs[] = { 0, 1, 500000, 999999 };
	size_t i, j;

	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		for (j = 0; j < sizeof(usecs) / sizeof(usecs[0]); j++) {
			struct timefmt_time t = { secs[i], usecs[j] };
			char *texts[2];
			int k;

			texts[0] = timefmt_format_rfc3339(t);
			texts[1] = timefmt_format_pg(t);
			for (k = 0; k < 2; k++) {
				struct timefmt_target p;
				struct error err = ERROR_INIT;

				CHECK_INT(timefmt_parse_target(&p, texts[k],
							       fixture_now,
							       &err),
					  0);
				CHECK_INT(p.time.sec, t.sec);
				CHECK_INT(p.time.usec, t.usec);
				CHECK_INT(p.assumed_utc, 0);
				error_clear(&err);
				free(texts[k]);
			}
		}
	}
}

static void
timefmt_ignores_tz(void)
{
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	struct tm tm = { 0 };

	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	/* The zone really is in force: local time is not UTC here. */
	tm.tm_year = 126;
	tm.tm_mon = 10;
	tm.tm_mday = 24;
	tm.tm_isdst = -1;
	CHECK(mktime(&tm) != timegm(&tm));
	CHECK(check_parse_fixture() >= 35);
	check_formats();
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

static void
timefmt_formats_durations_for_humans(void)
{
	static const struct {
		int64_t sec;
		const char *want;
	} cases[] = {
		{ 0, "0s" },
		{ 45, "45s" },
		{ 60, "1m" },
		{ 90, "1m30s" },
		{ 3600, "1h" },
		{ 3723, "1h2m3s" },
		{ 86400, "1d" },
		{ 3 * 86400 + 4 * 3600, "3d4h" },
		{ 90061, "1d1h1m1s" },
		{ 400 * 86400 + 59, "400d59s" },
		{ -90, "-1m30s" },
		{ INT64_MIN, "-106751991167300d15h30m8s" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = timefmt_format_duration(cases[i].sec);

		CHECK_STR(got, cases[i].want);
		free(got);
	}
}

static void
timefmt_parses_go_durations(void)
{
	static const struct {
		const char *text;
		int64_t ns;
	} ok[] = {
		{ "1h", 3600000000000LL },
		{ "30m", 1800000000000LL },
		{ "90s", 90000000000LL },
		{ "1h30m", 5400000000000LL },
		{ "1.5h", 5400000000000LL },
		{ "500ms", 500000000LL },
		{ "1us", 1000LL },
		{ "1\xc2\xb5s", 1000LL },
		{ "1\xce\xbcs", 1000LL },
		{ "7ns", 7LL },
		{ "0", 0 },
		{ "-1h", -3600000000000LL },
		{ "+5s", 5000000000LL },
		{ ".5s", 500000000LL },
		{ "1.s", 1000000000LL },
		{ "1h0m0.000000001s", 3600000000001LL },
		{ "2562047h47m16.854775807s", INT64_MAX },
	};
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "empty duration" },
		{ "5", "invalid duration '5': missing unit" },
		{ "0.0", "invalid duration '0.0': missing unit" },
		{ "5x", "invalid duration '5x': unknown unit 'x'" },
		{ "1d", "invalid duration '1d': unknown unit 'd'" },
		{ "h", "invalid duration 'h': not a duration" },
		{ ".", "invalid duration '.': not a duration" },
		{ "-", "invalid duration '-': not a duration" },
		{ "1h-5m", "invalid duration '1h-5m': unknown unit 'h-'" },
		{ "2562048h", "invalid duration '2562048h': too large" },
		{ "99999999999999999999s",
		  "invalid duration '99999999999999999999s': too large" },
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct error err = ERROR_INIT;
		int64_t ns = -12345;

		CHECK_INT(timefmt_parse_go_duration(&ns, ok[i].text, &err), 0);
		CHECK_INT(ns, ok[i].ns);
		if (err.msg)
			test_fail(__FILE__, __LINE__, "'%s': %s", ok[i].text,
				  err.msg);
		error_clear(&err);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct error err = ERROR_INIT;
		int64_t ns = -12345;

		CHECK_INT(timefmt_parse_go_duration(&ns, bad[i].text, &err),
			  -1);
		CHECK_INT(ns, -12345);
		CHECK_INT(err.code, ERR_USAGE);
		CHECK_STR(err.msg, bad[i].msg);
		CHECK(err.hint && strstr(err.hint, "1h30m"));
		error_clear(&err);
	}
}

static void
timefmt_parses_timeouts(void)
{
	static const struct {
		const char *text;
		unsigned flags;
		int64_t ms;
		const char *msg;
	} cases[] = {
		{ "1h", 0, 3600000, NULL },
		{ "30m", 0, 1800000, NULL },
		{ "90s", 0, 90000, NULL },
		{ "1h30m", 0, 5400000, NULL },
		{ "1.5s", 0, 1500, NULL },
		{ "0", 0, 0, NULL },
		{ "1500us", 0, 1, NULL },
		{ "30", TIMEFMT_BARE_SECONDS, 30000, NULL },
		{ "0", TIMEFMT_BARE_SECONDS, 0, NULL },
		{ "2m", TIMEFMT_BARE_SECONDS, 120000, NULL },
		{ "30", 0, 0, "invalid duration '30': missing unit" },
		{ "-5m", 0, 0, "duration '-5m' is negative" },
		{ "-5m", TIMEFMT_BARE_SECONDS, 0,
		  "duration '-5m' is negative" },
		{ "10x", TIMEFMT_BARE_SECONDS, 0,
		  "invalid duration '10x': unknown unit 'x'" },
		{ "99999999999999999", TIMEFMT_BARE_SECONDS, 0,
		  "invalid duration '99999999999999999': too large" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct error err = ERROR_INIT;
		int64_t ms = -7;
		int rc = timefmt_parse_duration(&ms, cases[i].text,
						cases[i].flags, &err);

		if (cases[i].msg) {
			CHECK_INT(rc, -1);
			CHECK_INT(ms, -7);
			CHECK_INT(err.code, ERR_USAGE);
			CHECK_STR(err.msg, cases[i].msg);
			CHECK(err.hint != NULL);
		} else {
			CHECK_INT(rc, 0);
			CHECK_INT(ms, cases[i].ms);
			CHECK(err.msg == NULL);
		}
		error_clear(&err);
	}
}

static void
timefmt_now_reads_the_clock(void)
{
	struct timefmt_time a = timefmt_now();
	time_t b = time(NULL);

	CHECK(a.sec > 1700000000); /* after 2023 */
	CHECK(b - a.sec >= 0 && b - a.sec <= 5);
	CHECK(a.usec >= 0 && a.usec <= 999999);
}

const struct test timefmt_tests[] = {
	TEST(timefmt_now_reads_the_clock),
	TEST(timefmt_parses_the_accepted_forms),
	TEST(timefmt_rejects_bad_times_precisely),
	TEST(timefmt_rejects_an_empty_time),
	TEST(timefmt_formats_rfc3339_and_cnpg_target_time),
	TEST(timefmt_round_trips_its_own_output),
	TEST(timefmt_ignores_tz),
	TEST(timefmt_formats_durations_for_humans),
	TEST(timefmt_parses_go_durations),
	TEST(timefmt_parses_timeouts),
	{ NULL, NULL },
};
