/*
 * timefmt: parsing and formatting instants and durations (see timefmt.h).
 * Calendar arithmetic goes through timegm and gmtime_r only, so the result
 * never depends on the process's TZ.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "errors.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

#define NS_PER_SEC 1000000000LL

static const char *const month_names[12] = {
	"January", "February", "March",	    "April",   "May",	   "June",
	"July",	   "August",   "September", "October", "November", "December",
};

static const char target_hint[] =
	"use RFC3339 like '2026-11-24T09:41:00Z' or "
	"'2026-11-24T11:41:00.5+02:00', PostgreSQL style like "
	"'2026-11-24 09:41:00.123456+00', or a time relative to now like "
	"'now-15m' or 'now-1h30m'";

static const char duration_hint[] =
	"use a number with a unit (ns, us, ms, s, m, h), like 90s, 30m or 1h30m";

static int
is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };

	return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/*
 * Go's time.ParseDuration.  allow_days adds the unit "d" (24h), used only
 * for "now-2d".  On failure *why says what is wrong (a static string, or
 * one written to whybuf).
 */
static int
go_duration(int64_t *out, const char *s, int allow_days, const char **why,
	    struct strbuf *whybuf)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{ "ns", 1LL },
		{ "us", 1000LL },
		{ "\xc2\xb5s", 1000LL }, /* U+00B5 micro sign */
		{ "\xce\xbcs", 1000LL }, /* U+03BC Greek mu */
		{ "ms", 1000000LL },
		{ "s", NS_PER_SEC },
		{ "m", 60 * NS_PER_SEC },
		{ "h", 3600 * NS_PER_SEC },
		{ "d", 86400 * NS_PER_SEC },
	};
	uint64_t total = 0;
	int neg = 0;

	*why = "not a duration";
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		uint64_t v = 0, frac = 0, scale = 1, unit = 0;
		const char *start = s;
		int pre, post = 0;
		size_t ulen, i;

		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		for (; isdigit((unsigned char)*s); s++) {
			if (v > (UINT64_C(1) << 63) / 10) {
				*why = "too large";
				return -1;
			}
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > UINT64_C(1) << 63) {
				*why = "too large";
				return -1;
			}
		}
		pre = s != start;
		if (*s == '.') {
			const char *fs = ++s;

			for (; isdigit((unsigned char)*s); s++) {
				if (scale > UINT64_C(100000000000000000))
					continue; /* beyond precision */
				frac = frac * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
			post = s != fs;
		}
		if (!pre && !post)
			return -1;
		ulen = 0;
		while (s[ulen] && s[ulen] != '.' &&
		       !isdigit((unsigned char)s[ulen]))
			ulen++;
		if (ulen == 0) {
			*why = "missing unit";
			return -1;
		}
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strlen(units[i].name) == ulen &&
			    strncmp(units[i].name, s, ulen) == 0 &&
			    (allow_days || units[i].name[0] != 'd')) {
				unit = (uint64_t)units[i].ns;
				break;
			}
		}
		if (!unit) {
			strbuf_reset(whybuf);
			strbuf_addf(whybuf, "unknown unit '%.*s'", (int)ulen,
				    s);
			*why = whybuf->buf;
			return -1;
		}
		s += ulen;
		if (v > (UINT64_C(1) << 63) / unit) {
			*why = "too large";
			return -1;
		}
		v *= unit;
		if (frac)
			v += (uint64_t)((double)frac *
					((double)unit / (double)scale));
		total += v;
		if (v > UINT64_C(1) << 63 || total > UINT64_C(1) << 63) {
			*why = "too large";
			return -1;
		}
	}
	if (!neg && total > INT64_MAX) {
		*why = "too large";
		return -1;
	}
	*out = neg ? (int64_t)(0 - total) : (int64_t)total;
	return 0;
}

int
timefmt_parse_go_duration(int64_t *out, const char *text, struct error *err)
{
	struct strbuf whybuf = STRBUF_INIT;
	const char *why;
	int64_t ns;
	int ret = -1;

	if (!text || !*text) {
		error_set(err, ERR_USAGE, "empty duration");
		error_hint(err, "%s", duration_hint);
		goto out;
	}
	if (go_duration(&ns, text, 0, &why, &whybuf) < 0) {
		error_set(err, ERR_USAGE, "invalid duration '%s': %s", text,
			  why);
		error_hint(err, "%s", duration_hint);
		goto out;
	}
	*out = ns;
	ret = 0;
out:
	strbuf_release(&whybuf);
	return ret;
}

int
timefmt_parse_duration(int64_t *out, const char *text, unsigned flags,
		       struct error *err)
{
	int64_t ns;

	if ((flags & TIMEFMT_BARE_SECONDS) && text && *text &&
	    strspn(text, "0123456789") == strlen(text)) {
		int64_t v = 0;
		const char *p;

		for (p = text; *p; p++) {
			v = v * 10 + (*p - '0');
			if (v > INT64_MAX / 1000 / 10) {
				error_set(err, ERR_USAGE,
					  "invalid duration '%s': too large",
					  text);
				error_hint(err, "%s", duration_hint);
				return -1;
			}
		}
		*out = v * 1000;
		return 0;
	}
	if (timefmt_parse_go_duration(&ns, text, err) < 0)
		return -1;
	if (ns < 0) {
		error_set(err, ERR_USAGE, "duration '%s' is negative", text);
		error_hint(err, "%s", duration_hint);
		return -1;
	}
	*out = ns / 1000000;
	return 0;
}

/* Exactly n digits at *p; advances *p.  Returns -1 if they are not there. */
static int
take_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* "now", "now-DURATION" (case-insensitive "now"). */
static int
parse_relative(struct timefmt_target *out, const char *s,
	       struct timefmt_time now, struct strbuf *why)
{
	struct strbuf whybuf = STRBUF_INIT;
	const char *dwhy;
	int64_t ns, us;
	int ret = -1;

	s += 3;
	if (*s == '\0') {
		ns = 0;
	} else if (*s == '+') {
		strbuf_addstr(why, "a target cannot be in the future; use "
				   "'now-DURATION', like 'now-15m'");
		goto out;
	} else if (*s != '-') {
		strbuf_addstr(why, "expected '-' and a duration after 'now', "
				   "like 'now-15m'");
		goto out;
	} else if (s[1] == '\0') {
		strbuf_addstr(why, "expected a duration after 'now-', like "
				   "'now-15m'");
		goto out;
	} else if (s[1] == '-' || s[1] == '+') {
		strbuf_addf(why,
			    "the duration '%s' after 'now-' must not "
			    "have a sign",
			    s + 1);
		goto out;
	} else if (go_duration(&ns, s + 1, 1, &dwhy, &whybuf) < 0) {
		strbuf_addf(why,
			    "'%s' is not a duration (%s); use units d, h, m "
			    "or s, like 'now-1h30m'",
			    s + 1, dwhy);
		goto out;
	}
	us = now.sec * 1000000 + now.usec - ns / 1000;
	out->time.sec = us / 1000000;
	out->time.usec = (int32_t)(us % 1000000);
	if (out->time.usec < 0) {
		out->time.usec += 1000000;
		out->time.sec--;
	}
	out->assumed_utc = 0;
	out->relative = 1;
	ret = 0;
out:
	strbuf_release(&whybuf);
	return ret;
}

/* The absolute forms.  On failure, appends the reason to why. */
static int
parse_absolute(struct timefmt_target *out, const char *s, struct strbuf *why)
{
	const char *p = s;
	int year, mon, day, hour, min, sec, usec = 0;
	int zsign = 0, zh = 0, zm = 0, zs = 0, has_zone = 0;
	struct tm tm;
	time_t t;

	if (take_digits(&p, 4, &year) < 0 || *p++ != '-' ||
	    take_digits(&p, 2, &mon) < 0 || *p++ != '-' ||
	    take_digits(&p, 2, &day) < 0) {
		strbuf_addstr(why, "expected a date like 2026-11-24 at the "
				   "start");
		return -1;
	}
	if (mon < 1 || mon > 12) {
		strbuf_addf(why, "month %02d is out of range 01-12", mon);
		return -1;
	}
	if (year < 1) {
		strbuf_addstr(why, "year 0000 is out of range 0001-9999");
		return -1;
	}
	if (day < 1 || day > 31) {
		strbuf_addf(why, "day %02d is out of range 01-31", day);
		return -1;
	}
	if (day > days_in_month(year, mon)) {
		strbuf_addf(why, "day %d does not exist in %s %04d", day,
			    month_names[mon - 1], year);
		return -1;
	}
	if (*p == '\0') {
		strbuf_addf(why,
			    "there is no time of day; write it, like "
			    "'%.10s 00:00:00'",
			    s);
		return -1;
	}
	if (*p != 'T' && *p != 't' && *p != ' ') {
		strbuf_addstr(why, "expected 'T' or a space between the date "
				   "and the time");
		return -1;
	}
	p++;
	if (take_digits(&p, 2, &hour) < 0 || *p++ != ':' ||
	    take_digits(&p, 2, &min) < 0) {
		strbuf_addstr(why, "expected a time of day like 09:41:00 "
				   "after the date");
		return -1;
	}
	if (*p != ':' || (p++, take_digits(&p, 2, &sec) < 0)) {
		strbuf_addf(why,
			    "the time %02d:%02d has no seconds; write "
			    "%02d:%02d:00",
			    hour, min, hour, min);
		return -1;
	}
	if (hour > 23) {
		strbuf_addf(why, "hour %02d is out of range 00-23", hour);
		return -1;
	}
	if (min > 59) {
		strbuf_addf(why, "minute %02d is out of range 00-59", min);
		return -1;
	}
	if (sec > 59) {
		strbuf_addf(why, "second %02d is out of range 00-59", sec);
		return -1;
	}
	if (*p == '.') {
		size_t n = strspn(++p, "0123456789"), i;

		if (n == 0) {
			strbuf_addstr(why, "expected digits after '.'");
			return -1;
		}
		if (n > 9) {
			strbuf_addstr(why, "more than 9 fractional digits");
			return -1;
		}
		for (i = 0; i < 6; i++)
			usec = usec * 10 + (i < n ? p[i] - '0' : 0);
		p += n;
	}
	if (*p == 'Z' || *p == 'z') {
		has_zone = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		zsign = *p++ == '-' ? -1 : 1;
		has_zone = 1;
		if (take_digits(&p, 2, &zh) < 0) {
			strbuf_addstr(why, "expected a zone offset like +02 "
					   "or +02:00 after the time");
			return -1;
		}
		if (isdigit((unsigned char)*p)) {
			if (take_digits(&p, 2, &zm) < 0) {
				strbuf_addstr(why, "expected a zone offset "
						   "like +02 or +02:00");
				return -1;
			}
		} else if (*p == ':') {
			p++;
			if (take_digits(&p, 2, &zm) < 0) {
				strbuf_addstr(why, "expected two digits of "
						   "minutes in the zone "
						   "offset");
				return -1;
			}
			if (*p == ':') {
				p++;
				if (take_digits(&p, 2, &zs) < 0) {
					strbuf_addstr(why,
						      "expected two digits "
						      "of seconds in the "
						      "zone offset");
					return -1;
				}
			}
		}
		if (zh > 15 || zm > 59 || zs > 59) {
			strbuf_addstr(why, "the zone offset is out of range "
					   "(at most 15:59:59 either way)");
			return -1;
		}
	}
	if (*p) {
		strbuf_addf(why, "unexpected '%s' after the %s", p,
			    has_zone ? "zone" : "time");
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	out->time.sec = (int64_t)t - (int64_t)zsign * ((int64_t)zh * 3600 +
						       (int64_t)zm * 60 + zs);
	out->time.usec = usec;
	out->assumed_utc = !has_zone;
	out->relative = 0;
	return 0;
}

int
timefmt_parse_target(struct timefmt_target *out, const char *text,
		     struct timefmt_time now, struct error *err)
{
	struct strbuf why = STRBUF_INIT;
	struct timefmt_target t;
	char *s = NULL;
	size_t len;
	int ret = -1;

	if (!text)
		text = "";
	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	s = xstrndup(text, len);
	if (!*s) {
		error_set(err, ERR_USAGE, "empty time");
		error_hint(err, "%s", target_hint);
		goto out;
	}
	if (strncasecmp(s, "now", 3) == 0 ? parse_relative(&t, s, now, &why)
					  : parse_absolute(&t, s, &why)) {
		error_set(err, ERR_USAGE, "invalid time '%s': %s", s, why.buf);
		error_hint(err, "%s", target_hint);
		goto out;
	}
	*out = t;
	ret = 0;
out:
	strbuf_release(&why);
	free(s);
	return ret;
}

struct timefmt_time
timefmt_now(void)
{
	struct timefmt_time t = { 0, 0 };
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0) {
		t.sec = (int64_t)ts.tv_sec;
		t.usec = (int32_t)(ts.tv_nsec / 1000);
	}
	return t;
}

/* Broken-down UTC time of sec (all zero if gmtime_r cannot say). */
static void
utc_tm(struct tm *tm, int64_t sec)
{
	time_t t = (time_t)sec;

	memset(tm, 0, sizeof(*tm));
	if (!gmtime_r(&t, tm))
		memset(tm, 0, sizeof(*tm));
}

char *
timefmt_format_rfc3339(struct timefmt_time t)
{
	struct tm tm;

	utc_tm(&tm, t.sec);
	if (t.usec)
		return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)t.usec);
	return xasprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
}

char *
timefmt_format_pg(struct timefmt_time t)
{
	struct tm tm;

	utc_tm(&tm, t.sec);
	return xasprintf("%04d-%02d-%02d %02d:%02d:%02d.%06d+00:00",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)t.usec);
}

char *
timefmt_format_duration(int64_t seconds)
{
	struct strbuf sb = STRBUF_INIT;
	uint64_t v;

	if (seconds == 0)
		return xstrdup("0s");
	if (seconds < 0) {
		strbuf_addch(&sb, '-');
		v = (uint64_t)0 - (uint64_t)seconds;
	} else {
		v = (uint64_t)seconds;
	}
	if (v >= 86400)
		strbuf_addf(&sb, "%llud", (unsigned long long)(v / 86400));
	if (v % 86400 / 3600)
		strbuf_addf(&sb, "%lluh",
			    (unsigned long long)(v % 86400 / 3600));
	if (v % 3600 / 60)
		strbuf_addf(&sb, "%llum", (unsigned long long)(v % 3600 / 60));
	if (v % 60)
		strbuf_addf(&sb, "%llus", (unsigned long long)(v % 60));
	return strbuf_detach(&sb, NULL);
}
