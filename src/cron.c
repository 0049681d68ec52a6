/*
 * cron: robfig/cron v1.2.0 schedules as CNPG reads them (see cron.h).
 *
 * A schedule is six bit sets, one per field, as in robfig: bit N set means
 * value N matches, and bit 63 (the "star bit") records that an element of
 * the field started with '*' or '?', which decides how day of month and day
 * of week combine.  cron_next walks forward day by day in UTC and, on the
 * first day that matches, takes the first matching second of that day.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cron.h"
#include "errors.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

#define CRON_STAR_BIT (UINT64_C(1) << 63)
#define CRON_YEARS    5

enum cron_field {
	CRON_SEC,
	CRON_MIN,
	CRON_HOUR,
	CRON_DOM,
	CRON_MONTH,
	CRON_DOW,
	CRON_NFIELDS
};

struct cron_schedule {
	int64_t every; /* seconds between runs for "@every", else 0 */
	uint64_t bits[CRON_NFIELDS];
};

static const char *const month_names[] = { "jan", "feb", "mar", "apr",
					   "may", "jun", "jul", "aug",
					   "sep", "oct", "nov", "dec" };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed",
					 "thu", "fri", "sat" };

static const struct cron_bounds {
	const char *name;
	unsigned min, max;
	const char *const *names; /* names[i] is value min + i */
	const char *accepts; /* what a value may be, for messages */
} bounds[CRON_NFIELDS] = {
	{ "seconds", 0, 59, NULL, "a number" },
	{ "minutes", 0, 59, NULL, "a number" },
	{ "hours", 0, 23, NULL, "a number" },
	{ "day of month", 1, 31, NULL, "a number" },
	{ "month", 1, 12, month_names, "a number or a month name (JAN-DEC)" },
	{ "day of week", 0, 6, dow_names, "a number or a day name (SUN-SAT)" },
};

static const char fields_hint[] =
	"CNPG schedules have six fields, seconds first: second(0-59) "
	"minute(0-59) hour(0-23) day-of-month(1-31) month(1-12 or JAN-DEC) "
	"day-of-week(0-6 or SUN-SAT), e.g. '0 0 3 * * *' for 03:00:00 UTC "
	"daily, or a descriptor like '@daily' or '@every 6h'";

static const char descriptor_hint[] =
	"use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, "
	"@hourly or '@every DURATION' like '@every 6h', or six fields like "
	"'0 0 3 * * *'";

/* One value: digits, or a name of the field.  Sets *out; -1 on error. */
static int
parse_value(unsigned *out, enum cron_field f, const char *s, size_t len,
	    struct error *err)
{
	const struct cron_bounds *b = &bounds[f];
	size_t i;

	if (len > 0 && strspn(s, "0123456789") >= len) {
		unsigned long v = 0;

		for (i = 0; i < len; i++) {
			v = v * 10 + (unsigned long)(s[i] - '0');
			if (v > 1000)
				break;
		}
		if (v < b->min || v > b->max) {
			error_set(err, ERR_USAGE,
				  "%s value %.*s is out of range %u-%u",
				  b->name, (int)len, s, b->min, b->max);
			if (f == CRON_DOW && v == 7)
				error_hint(err, "robfig/cron v1 counts Sunday "
						"as 0 only: use 0 or SUN");
			return -1;
		}
		*out = (unsigned)v;
		return 0;
	}
	if (b->names && len == 3) {
		for (i = 0; i <= b->max - b->min; i++) {
			if (strncasecmp(s, b->names[i], 3) == 0) {
				*out = b->min + (unsigned)i;
				return 0;
			}
		}
	}
	return error_set(err, ERR_USAGE, "%s value '%.*s' is not %s", b->name,
			 (int)len, s, b->accepts);
}

/* One list element: range [ "/" step ]; ORs its bits into *bits. */
static int
parse_element(uint64_t *bits, enum cron_field f, const char *s, size_t len,
	      struct error *err)
{
	const struct cron_bounds *b = &bounds[f];
	const char *slash = memchr(s, '/', len);
	const char *dash;
	size_t rlen = slash ? (size_t)(slash - s) : len;
	unsigned start = 0, end = 0, step = 1, v;
	uint64_t star = 0;

	if (slash) {
		const char *st = slash + 1;
		size_t slen = len - rlen - 1;
		unsigned long n = 0;
		size_t i;

		if (memchr(st, '/', slen))
			return error_set(err, ERR_USAGE,
					 "%s element '%.*s' has more than one "
					 "'/'",
					 b->name, (int)len, s);
		if (slen == 0 || strspn(st, "0123456789") < slen)
			return error_set(err, ERR_USAGE,
					 "%s step '%.*s' in '%.*s' is not a "
					 "number",
					 b->name, (int)slen, st, (int)len, s);
		for (i = 0; i < slen && n <= 1000; i++)
			n = n * 10 + (unsigned long)(st[i] - '0');
		if (n == 0)
			return error_set(err, ERR_USAGE,
					 "%s step 0 in '%.*s' must be at "
					 "least 1",
					 b->name, (int)len, s);
		step = n > 1000 ? 1000 : (unsigned)n;
	}
	dash = memchr(s, '-', rlen);
	if (rlen >= 1 && (s[0] == '*' || s[0] == '?')) {
		if (rlen != 1)
			return error_set(err, ERR_USAGE,
					 "%s element '%.*s': '%c' cannot be "
					 "combined with values",
					 b->name, (int)len, s, s[0]);
		start = b->min;
		end = b->max;
		star = CRON_STAR_BIT;
	} else if (rlen == 0) {
		return error_set(err, ERR_USAGE,
				 "%s element '%.*s' has no value before '/'",
				 b->name, (int)len, s);
	} else if (dash) {
		const char *hi = dash + 1;
		size_t hlen = rlen - (size_t)(hi - s);

		if (dash == s || hlen == 0)
			return error_set(err, ERR_USAGE,
					 "%s range '%.*s' is missing a number",
					 b->name, (int)rlen, s);

		if (memchr(hi, '-', hlen))
			return error_set(err, ERR_USAGE,
					 "%s range '%.*s' has more than one "
					 "'-'",
					 b->name, (int)rlen, s);
		if (parse_value(&start, f, s, (size_t)(dash - s), err) < 0 ||
		    parse_value(&end, f, hi, hlen, err) < 0)
			return -1;
		if (start > end)
			return error_set(err, ERR_USAGE,
					 "%s range '%.*s' starts after it "
					 "ends",
					 b->name, (int)rlen, s);
	} else {
		if (parse_value(&start, f, s, rlen, err) < 0)
			return -1;
		/* robfig: "N/step" means "N-max/step". */
		end = slash ? b->max : start;
	}
	for (v = start; v <= end; v += step)
		*bits |= UINT64_C(1) << v;
	*bits |= star;
	return 0;
}

/* A whole field: a comma list of elements. */
static int
parse_field(uint64_t *out, enum cron_field f, const char *s, size_t len,
	    struct error *err)
{
	uint64_t bits = 0;
	size_t i = 0;

	while (i <= len) {
		const char *comma = memchr(s + i, ',', len - i);
		size_t elen = comma ? (size_t)(comma - (s + i)) : len - i;

		if (elen == 0)
			return error_set(err, ERR_USAGE,
					 "%s list '%.*s' has an empty "
					 "element",
					 bounds[f].name, (int)len, s);
		if (parse_element(&bits, f, s + i, elen, err) < 0)
			return -1;
		i += elen + 1;
	}
	*out = bits;
	return 0;
}

/* Split expr at white space into at most max fields; returns the count. */
static int
split_fields(const char *expr, const char **starts, size_t *lens, int max)
{
	const char *p = expr;
	int n = 0;

	for (;;) {
		size_t l;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			return n;
		for (l = 0; p[l] && !isspace((unsigned char)p[l]); l++)
			;
		if (n < max) {
			starts[n] = p;
			lens[n] = l;
		}
		n++;
		p += l;
	}
}

static int
popcount(uint64_t v)
{
	int n = 0;

	for (v &= ~CRON_STAR_BIT; v; v &= v - 1)
		n++;
	return n;
}

static int
is_number(const char *s, size_t len)
{
	return len > 0 && strspn(s, "0123456789") >= len;
}

static int
is_star(const char *s, size_t len)
{
	return len == 1 && (*s == '*' || *s == '?');
}

/* "minute 3", "every hour", "minutes 1-5/2". */
static void
describe_field(struct strbuf *sb, const char *s, size_t len, const char *every,
	       const char *one, const char *many)
{
	if (is_star(s, len))
		strbuf_addstr(sb, every);
	else if (is_number(s, len))
		strbuf_addf(sb, "%s %.*s", one, (int)len, s);
	else
		strbuf_addf(sb, "%s %.*s", many, (int)len, s);
}

/*
 * A five-field expression: robfig would read it as seconds through month
 * with day of week "*".  Say what that means, and refuse it.
 */
static int
five_fields(const char *expr, const char **st, const size_t *ln,
	    struct error *err)
{
	static const char six[] = "CNPG's cron has 6, seconds first (second "
				  "minute hour day-of-month month "
				  "day-of-week)";
	struct error ferr = ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct cron_schedule tmp;
	char *suggest = NULL;
	struct cron_schedule *check = NULL;
	struct error serr = ERROR_INIT;
	int f;

	memset(&tmp, 0, sizeof(tmp));
	for (f = 0; f < 5; f++)
		if (parse_field(&tmp.bits[f], (enum cron_field)f, st[f], ln[f],
				&ferr) < 0)
			break;
	if (f < 5) {
		error_set(err, ERR_USAGE,
			  "schedule '%s' has 5 fields but %s; CNPG reads the "
			  "5 as second through month and rejects it: %s",
			  expr, six, ferr.msg);
	} else {
		int runs = popcount(tmp.bits[CRON_SEC]) *
			   popcount(tmp.bits[CRON_MIN]) *
			   popcount(tmp.bits[CRON_HOUR]);
		int daily = is_star(st[CRON_DOM], ln[CRON_DOM]) &&
			    is_star(st[CRON_MONTH], ln[CRON_MONTH]);

		describe_field(&sb, st[0], ln[0], "every second", "second",
			       "seconds");
		strbuf_addstr(&sb, ", ");
		describe_field(&sb, st[1], ln[1], "every minute", "minute",
			       "minutes");
		strbuf_addstr(&sb, ", ");
		describe_field(&sb, st[2], ln[2], "every hour", "hour",
			       "hours");
		strbuf_addstr(&sb, ", ");
		describe_field(&sb, st[3], ln[3], "every day", "day of month",
			       "days of month");
		if (!is_star(st[4], ln[4])) {
			strbuf_addstr(&sb, ", ");
			describe_field(&sb, st[4], ln[4], "", "month",
				       "months");
		}
		error_set(err, ERR_USAGE,
			  "schedule '%s' has 5 fields but %s; CNPG reads the "
			  "5 as second through month, so it would run at %s: "
			  "%d backup%s %s",
			  expr, six, sb.buf, runs, runs == 1 ? "" : "s",
			  daily ? "a day" : "on each day it runs");
	}
	suggest = cron_suggest_six_fields(expr);
	if (suggest && cron_parse(&check, suggest, &serr) == 0)
		error_hint(err,
			   "for a classic five-field cron line, add the "
			   "seconds first: '%s'",
			   suggest);
	else
		error_hint(err, "%s", fields_hint);
	cron_free(check);
	free(suggest);
	error_clear(&serr);
	error_clear(&ferr);
	strbuf_release(&sb);
	return -1;
}

static int
parse_descriptor(struct cron_schedule *s, const char *expr, struct error *err)
{
	static const struct {
		const char *name;
		int vals[CRON_NFIELDS]; /* -1: every value, else the value */
	} table[] = {
		{ "@yearly", { 0, 0, 0, 1, 1, -1 } },
		{ "@annually", { 0, 0, 0, 1, 1, -1 } },
		{ "@monthly", { 0, 0, 0, 1, -1, -1 } },
		{ "@weekly", { 0, 0, 0, -1, -1, 0 } },
		{ "@daily", { 0, 0, 0, -1, -1, -1 } },
		{ "@midnight", { 0, 0, 0, -1, -1, -1 } },
		{ "@hourly", { 0, 0, -1, -1, -1, -1 } },
	};
	size_t i;
	int64_t ns;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const int *vals = table[i].vals;
		int f;

		if (strcmp(expr, table[i].name) != 0)
			continue;
		for (f = 0; f < CRON_NFIELDS; f++) {
			const struct cron_bounds *b = &bounds[f];
			unsigned v;

			if (vals[f] >= 0) {
				s->bits[f] = UINT64_C(1) << vals[f];
				continue;
			}
			for (v = b->min; v <= b->max; v++)
				s->bits[f] |= UINT64_C(1) << v;
			s->bits[f] |= CRON_STAR_BIT;
		}
		return 0;
	}
	if (strncmp(expr, "@every ", 7) != 0) {
		if (strncmp(expr, "@every", 6) == 0)
			error_set(err, ERR_USAGE,
				  "schedule '%s': '@every' needs one space "
				  "then a duration, like '@every 6h'",
				  expr);
		else
			error_set(err, ERR_USAGE,
				  "schedule '%s' is not a known descriptor",
				  expr);
		error_hint(err, "%s", descriptor_hint);
		return -1;
	}
	if (timefmt_parse_go_duration(&ns, expr + 7, err) < 0) {
		error_prefix(err, "schedule '%s': ", expr);
		return -1;
	}
	if (ns < 1000000000LL) {
		error_set(err, ERR_USAGE,
			  "schedule '%s': the interval must be at least 1s "
			  "(robfig/cron would run it every second)",
			  expr);
		error_hint(err, "use a longer interval, like '@every 6h'");
		return -1;
	}
	s->every = ns / 1000000000LL;
	return 0;
}

int
cron_parse(struct cron_schedule **out, const char *expr, struct error *err)
{
	struct cron_schedule s;
	const char *st[6];
	size_t ln[6];
	int n, f;

	memset(&s, 0, sizeof(s));
	if (!expr || strspn(expr, " \t\r\n\v\f") == strlen(expr)) {
		error_set(err, ERR_USAGE, "schedule is empty");
		error_hint(err, "%s", fields_hint);
		return -1;
	}
	if (strncmp(expr, "TZ=", 3) == 0 || strncmp(expr, "CRON_TZ=", 8) == 0) {
		error_set(err, ERR_USAGE,
			  "schedule '%s': CNPG's cron (robfig/cron v1.2.0) has "
			  "no time zone prefix; schedules run in the "
			  "operator's time zone, normally UTC",
			  expr);
		error_hint(err, "drop the prefix and give the time in UTC");
		return -1;
	}
	if (expr[0] == '@') {
		if (parse_descriptor(&s, expr, err) < 0)
			return -1;
		goto done;
	}
	n = split_fields(expr, st, ln, 6);
	if (n == 5)
		return five_fields(expr, st, ln, err);
	if (n != 6) {
		error_set(err, ERR_USAGE,
			  "schedule '%s' has %d field%s but CNPG's cron has "
			  "6, seconds first (second minute hour day-of-month "
			  "month day-of-week)",
			  expr, n, n == 1 ? "" : "s");
		error_hint(err, "%s", fields_hint);
		return -1;
	}
	for (f = 0; f < CRON_NFIELDS; f++) {
		if (parse_field(&s.bits[f], (enum cron_field)f, st[f], ln[f],
				err) < 0) {
			error_prefix(err, "schedule '%s': ", expr);
			error_hint_default(err, "%s", fields_hint);
			return -1;
		}
	}
done:
	*out = xmalloc(sizeof(**out));
	**out = s;
	return 0;
}

void
cron_free(struct cron_schedule *s)
{
	free(s);
}

int
cron_field_count(const char *expr)
{
	const char *st[1];
	size_t ln[1];

	if (!expr || expr[0] == '@')
		return 0;
	return split_fields(expr, st, ln, 0);
}

char *
cron_suggest_six_fields(const char *five_field_expr)
{
	struct strbuf sb = STRBUF_INIT;
	const char *st[5];
	size_t ln[5];
	int i;

	if (!five_field_expr || five_field_expr[0] == '@' ||
	    split_fields(five_field_expr, st, ln, 5) != 5)
		return NULL;
	strbuf_addstr(&sb, "0");
	for (i = 0; i < 5; i++)
		strbuf_addf(&sb, " %.*s", (int)ln[i], st[i]);
	return strbuf_detach(&sb, NULL);
}

static int
has(uint64_t bits, int v)
{
	return (int)((bits >> v) & 1);
}

/* robfig's dayMatches: with a star in either field, both must match. */
static int
day_matches(const struct cron_schedule *s, int mday, int wday)
{
	int dom = has(s->bits[CRON_DOM], mday);
	int dow = has(s->bits[CRON_DOW], wday);

	if ((s->bits[CRON_DOM] | s->bits[CRON_DOW]) & CRON_STAR_BIT)
		return dom && dow;
	return dom || dow;
}

/* The first matching second of a day at or after tod, or -1. */
static long
next_in_day(const struct cron_schedule *s, long tod)
{
	int h0 = (int)(tod / 3600), m0 = (int)(tod / 60 % 60);
	int s0 = (int)(tod % 60), h, m, sec;

	for (h = h0; h < 24; h++) {
		if (!has(s->bits[CRON_HOUR], h))
			continue;
		for (m = h == h0 ? m0 : 0; m < 60; m++) {
			if (!has(s->bits[CRON_MIN], m))
				continue;
			for (sec = (h == h0 && m == m0) ? s0 : 0; sec < 60;
			     sec++)
				if (has(s->bits[CRON_SEC], sec))
					return (long)h * 3600 + (long)m * 60 +
					       sec;
		}
	}
	return -1;
}

time_t
cron_next(const struct cron_schedule *s, time_t after)
{
	/* Past year 9999 nothing is meaningful; avoid overflow too. */
	const time_t limit = (time_t)253402300799; /* 9999-12-31T23:59:59Z */
	struct tm tm;
	time_t t, day;
	long tod;
	int year_limit;

	if (!s || after >= limit)
		return (time_t)-1;
	if (s->every)
		return after > limit - s->every ? (time_t)-1 : after + s->every;
	t = after + 1;
	if (!gmtime_r(&t, &tm))
		return (time_t)-1;
	year_limit = tm.tm_year + 1900 + CRON_YEARS;
	tod = tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec;
	for (day = t - tod;; day += 86400, tod = 0) {
		long r;

		if (!gmtime_r(&day, &tm) || tm.tm_year + 1900 > year_limit)
			return (time_t)-1;
		if (!has(s->bits[CRON_MONTH], tm.tm_mon + 1) ||
		    !day_matches(s, tm.tm_mday, tm.tm_wday))
			continue;
		r = next_in_day(s, tod);
		if (r >= 0)
			return day + r;
	}
}
