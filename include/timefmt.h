/*
 * timefmt: instants and durations as users type them and as CNPG wants them.
 *
 * Parsing a recovery target ("--to"): RFC3339 ("2026-11-24T09:41:00Z",
 * "...+02:00", "...09:41:00.123456Z"), PostgreSQL style ("2026-11-24
 * 09:41:00[.ffffff][+HH[:MM[:SS]]]", so "+00" too), either without a zone
 * (read as UTC, and the caller is told so), and "now", "now-15m",
 * "now-1h30m", "now-2d" relative to a caller-supplied now.  Calendar fields
 * are checked (no February 30, no hour 24, no second 60), unlike Go's
 * time.Date and lib/pq, which would silently roll them over.
 *
 * Formatting: RFC3339 in UTC, CNPG's targetTime form (what
 * cloudnative-pg's ConvertToPostgresFormat renders: "2026-11-24
 * 09:41:00.000000+00:00") and short human durations ("1h2m3s", "3d4h").
 *
 * Durations: Go's time.ParseDuration syntax, which is what Kubernetes and
 * kubectl flags ("--timeout 1h30m") and robfig/cron's "@every" take.
 *
 * All conversions use timegm/gmtime_r: nothing depends on TZ.
 */
#ifndef CNPGOPS_TIMEFMT_H
#define CNPGOPS_TIMEFMT_H

#include <stdint.h>

struct error;

/* An instant: seconds since the epoch (UTC) plus microseconds 0-999999. */
struct timefmt_time {
	int64_t sec;
	int32_t usec;
};

/* A parsed recovery target. */
struct timefmt_target {
	struct timefmt_time time;
	int assumed_utc; /* the text had no zone and was read as UTC */
	int relative; /* "now" or "now-DURATION" */
};

/*
 * Parse a user's target time (see the file comment for the forms; leading
 * and trailing white space is ignored).  now is the instant "now" refers
 * to.  Fractions beyond microseconds are truncated, as CNPG does.
 * Errors: ERR_USAGE "invalid time 'TEXT': REASON" naming the bad part
 * (e.g. "day 30 does not exist in February 2026"), with a hint listing the
 * accepted forms.
 */
int timefmt_parse_target(struct timefmt_target *out, const char *text,
			 struct timefmt_time now, struct error *err);

/* The current time from the real-time clock. */
struct timefmt_time timefmt_now(void);

/*
 * "2026-11-24T09:41:00Z", or "2026-11-24T09:41:00.123456Z" when the
 * microseconds are not zero.  The caller frees the string.
 */
char *timefmt_format_rfc3339(struct timefmt_time t);

/*
 * CNPG's targetTime form, "2026-11-24 09:41:00.000000+00:00" (always six
 * fractional digits and +00:00).  The caller frees the string.
 */
char *timefmt_format_pg(struct timefmt_time t);

/*
 * A duration for humans: days, hours, minutes and seconds, zero parts left
 * out: "1h2m3s", "45s", "3d4h", "0s"; negative ones get a leading '-'.
 * The caller frees the string.
 */
char *timefmt_format_duration(int64_t seconds);

/*
 * Parse a Go duration exactly as time.ParseDuration does: an optional sign,
 * then one or more decimal numbers (fractions allowed) each with a unit
 * ns, us (or µs), ms, s, m or h; "0" alone is allowed.  *out is in
 * nanoseconds.  Errors: ERR_USAGE "invalid duration 'TEXT': REASON"
 * (missing unit, unknown unit, too large) with a hint.
 */
int timefmt_parse_go_duration(int64_t *out, const char *text,
			      struct error *err);

/* Flags for timefmt_parse_duration. */
#define TIMEFMT_BARE_SECONDS \
	0x1 /* "30" means 30s (kubectl's --request-timeout) */

/*
 * Parse a Kubernetes-style duration for flags such as --timeout: Go's
 * syntax ("1h", "30m", "90s", "1h30m", "1.5h", "500ms"), not negative.
 * With TIMEFMT_BARE_SECONDS a plain integer is a number of seconds.  *out
 * is in milliseconds (sub-millisecond parts are dropped).
 * Errors: ERR_USAGE "invalid duration 'TEXT': REASON" or "duration 'TEXT'
 * is negative", with a hint.
 */
int timefmt_parse_duration(int64_t *out, const char *text, unsigned flags,
			   struct error *err);

#endif
