/*
 * cron: ScheduledBackup schedules, read exactly as the CNPG operator reads
 * them.  The operator calls cron.Parse of github.com/robfig/cron v1.2.0,
 * whose syntax is SIX fields, seconds first:
 *
 *	second(0-59) minute(0-59) hour(0-23) day-of-month(1-31)
 *	month(1-12 or JAN-DEC) day-of-week(0-6 or SUN-SAT)
 *
 * Each field is a comma list of elements: "*", "?", N, A-B, or any of
 * these followed by "/S" for a step S ("*" then "/15" is every 15th; A/S
 * means A through the field's maximum, step S).  Names are three letters,
 * any case, allowed wherever a number is but in a step.  Day of week 7 is
 * rejected, as robfig does.  Descriptors: @yearly @annually @monthly
 * @weekly @daily @midnight @hourly, and "@every DURATION" (Go syntax: 90s,
 * 1h30m).
 *
 * Day matching follows robfig: if the day-of-month or the day-of-week field
 * has an element starting with '*' or '?' (with or without a step), a day
 * must match both fields; otherwise it must match either (Vixie cron's
 * OR).  So "0 0 0 1 * MON" runs on the 1st and on every Monday, "0 0 0 1-31
 * * MON" every day, while "0 0 0 * * MON" and a day of month of "*" with a
 * step of 1 run only on Mondays.
 *
 * robfig also accepts five fields and reads them as seconds through month,
 * which turns "0 3 * * *" into "minute 3 of every hour".  cron_parse
 * refuses five fields and says what CNPG would have done.
 *
 * Where robfig quietly accepts malformed text (empty list elements as in
 * "1,,2", "*-5" meaning "*", "+5"), cron_parse is stricter and says so.
 * @every intervals under one second are refused (robfig rounds them up to
 * one second).  A "TZ=" or "CRON_TZ=" prefix is refused with a message of
 * its own (v1.2.0 has none; the operator runs schedules in its own zone,
 * normally UTC).  All times are UTC, at one-second resolution.
 */
#ifndef CNPGOPS_CRON_H
#define CNPGOPS_CRON_H

#include <time.h>

struct error;
struct cron_schedule;

/*
 * Parse expr into a new schedule (free it with cron_free).  Errors:
 * ERR_USAGE, always starting "schedule 'EXPR'" and naming the field
 * (seconds, minutes, hours, day of month, month, day of week), the value
 * and the allowed range, e.g. "schedule '0 61 * * * *': minutes value 61 is
 * out of range 0-59"; a five-field expression gets a message saying what
 * CNPG would run and a hint with the six-field line.
 */
int cron_parse(struct cron_schedule **out, const char *expr, struct error *err);

/*
 * The first run strictly after `after` (UTC, seconds), or (time_t)-1 if
 * none falls within five calendar years (robfig's limit: the year of
 * after+1s plus five), e.g. "0 0 0 30 2 *".  "@every D" runs at after + D.
 */
time_t cron_next(const struct cron_schedule *s, time_t after);

/* Free a schedule; NULL is a no-op. */
void cron_free(struct cron_schedule *s);

/*
 * The number of white-space separated fields in expr; 0 for NULL, an empty
 * string or a descriptor (text starting with '@').
 */
int cron_field_count(const char *expr);

/*
 * For a five-field (classic crontab) line, the six-field line CNPG needs:
 * "0 " followed by the fields separated by single spaces, so "0 3 * * *"
 * gives "0 0 3 * * *".  NULL if expr does not have exactly five fields.
 * The caller frees the string.
 */
char *cron_suggest_six_fields(const char *five_field_expr);

#endif
