/*
 * doctor: the health of backup and recovery for one cluster, a namespace,
 * or every namespace, with a severity per finding and an exit status for
 * scripts: 0 healthy, 1 warnings, 2 critical.
 *
 * usage: kubectl cnpgops doctor [CLUSTER | -A] [-o json]
 *
 * It looks for the silent chain "WAL archiving failing -> WAL piles up on
 * the volume -> low disk -> CrashLoop" and for what makes a restore
 * impossible: no completed backup, a failed last backup, a backup older
 * than its schedule allows, a suspended or five-field ScheduledBackup, a
 * plugin barmanObjectName that names no ObjectStore.  Everything is read
 * with one list per kind, whatever the number of clusters.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "archive.h"
#include "catalog.h"
#include "cli.h"
#include "cluster.h"
#include "cron.h"
#include "kube.h"
#include "output.h"
#include "reader.h"
#include "s3.h"
#include "s3_xml.h"
#include "store.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

struct doctor_opts {
	int all_namespaces;
	int no_catalog;
};

enum { OPT_ALL_NAMESPACES = OPT_LOCAL_BASE, OPT_NO_CATALOG };

/* Newest archived WAL older than this: a warning; much older: critical. */
#define WAL_AGE_WARN	 (60L * 60)
#define WAL_AGE_CRITICAL (24L * 60 * 60)

enum severity { SEV_OK = 0, SEV_WARNING, SEV_CRITICAL };

static int doctor_opt(void *state, int ch, const char *arg, struct error *err);
static int doctor_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option doctor_longopts[] = {
	GLOBAL_LONGOPTS,
	{ "all-namespaces", no_argument, NULL, OPT_ALL_NAMESPACES },
	{ "no-catalog", no_argument, NULL, OPT_NO_CATALOG },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor",
	.usage = "[CLUSTER | -A] [--no-catalog] [-o json]",
	.summary = "Find failing WAL archiving and stale backups early",
	.help = "  -A, --all-namespaces         every cluster in every "
		"namespace\n"
		"      --no-catalog             do not read the object stores "
		"(API checks only)\n",
	.shortopts = "A",
	.longopts = doctor_longopts,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_NEEDS_KUBE,
	.state_size = sizeof(struct doctor_opts),
	.opt = doctor_opt,
	.exec = doctor_exec,
};

static int
doctor_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct doctor_opts *o = state;

	(void)arg;
	if (ch == 'A' || ch == OPT_ALL_NAMESPACES) {
		o->all_namespaces = 1;
		return 0;
	}
	if (ch == OPT_NO_CATALOG) {
		o->no_catalog = 1;
		return 0;
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

static const char *const sev_names[] = { "ok", "warning", "critical" };

/* Everything read from the API, once. */
struct inventory {
	json_t *clusters, *backups, *schedules, *stores, *pods;
	time_t now;
	struct cmd_ctx *ctx; /* the API, for the archive's Secrets */
	int catalog; /* read the object stores */
};

struct report {
	json_t *findings; /* array of finding objects */
	enum severity worst;
};

static void add(struct report *r, enum severity sev, const char *check,
		const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
add(struct report *r, enum severity sev, const char *check, const char *hint,
    const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *f;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	f = json_pack("{s:s, s:s, s:s}", "severity", sev_names[sev], "check",
		      check, "message", sb.buf);
	if (hint)
		json_object_set_new(f, "hint", json_string(hint));
	json_array_append_new(r->findings, f);
	if (sev > r->worst)
		r->worst = sev;
	strbuf_release(&sb);
}

static const char *
sget(const json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

static int
same_ns(const json_t *o, const char *ns)
{
	const char *n = sget(o, "metadata", "namespace");

	return n && strcmp(n, ns) == 0;
}

static time_t
rfc3339(const char *s)
{
	struct timefmt_target t;
	struct timefmt_time now = { 0, 0 };
	struct error err = ERROR_INIT;

	if (!s || timefmt_parse_target(&t, s, now, &err)) {
		error_clear(&err);
		return (time_t)-1;
	}
	return (time_t)t.time.sec;
}

static char *
ago(time_t now, time_t then)
{
	char *d = timefmt_format_duration((int64_t)(now - then));
	char *s = xasprintf("%s ago", d);

	free(d);
	return s;
}

static void
check_archiving(struct report *r, const json_t *c, const char *ns,
		const char *name)
{
	const json_t *cond = cluster_condition(c, "ContinuousArchiving");
	const char *status = json_string_value(json_object_get(cond, "status"));
	const char *msg = json_string_value(json_object_get(cond, "message"));
	const char *phase = sget(c, "status", "phase");
	int methods = cluster_backup_methods(c);
	const char *last_ok, *last_bad;
	int failing_since;
	char *hint;

	if (!(methods & (CLUSTER_BACKUP_PLUGIN | CLUSTER_BACKUP_INLINE))) {
		if (!methods)
			add(r, SEV_WARNING, "configuration",
			    "configure the barman-cloud plugin for the cluster",
			    "no backup method is configured: the cluster "
			    "cannot be restored");
		else
			add(r, SEV_WARNING, "configuration", NULL,
			    "no WAL archive is configured (volume snapshots "
			    "only): no point-in-time recovery");
		return;
	}
	hint = xasprintf("kubectl cnpgops archive-test %s -n %s", name, ns);
	last_ok = sget(c, "status", "lastArchivedWALTime");
	last_bad = sget(c, "status", "lastFailedWALTime");
	failing_since =
		last_bad && (!last_ok || rfc3339(last_bad) > rfc3339(last_ok));
	if (status && strcmp(status, "False") == 0)
		add(r, SEV_CRITICAL, "archiving", hint,
		    "WAL archiving is failing (ContinuousArchiving=False: %s); "
		    "WAL piles up on the volume until the disk fills%s%s%s%s",
		    msg ? msg : "no message",
		    failing_since ? "; the last WAL archived at " : "",
		    failing_since ? (last_ok ? last_ok : "never") : "",
		    failing_since ? ", the last failure at " : "",
		    failing_since ? last_bad : "");
	else if (failing_since)
		add(r, SEV_CRITICAL, "archiving", hint,
		    "the last WAL archive attempt failed (at %s) after the "
		    "last success (%s), although ContinuousArchiving is not "
		    "False yet: WAL piles up on the volume",
		    last_bad, last_ok ? last_ok : "never");
	else if (!status)
		add(r, SEV_WARNING, "archiving", hint,
		    "the cluster reports no ContinuousArchiving condition yet");
	else if (strcmp(status, "True") == 0)
		add(r, SEV_OK, "archiving", NULL, "WAL archiving works");
	free(hint);
	if (phase && strstr(phase, "disk"))
		add(r, SEV_CRITICAL, "disk", NULL, "cluster phase: %s", phase);
}

static void
check_object_store(struct report *r, const struct inventory *inv,
		   const json_t *c, const char *ns)
{
	const json_t *plugins =
		json_object_get(json_object_get(c, "spec"), "plugins");
	const json_t *p, *s;
	size_t i, j;

	json_array_foreach(plugins, i, p)
	{
		const char *pname =
			json_string_value(json_object_get(p, "name"));
		const char *os = sget(p, "parameters", "barmanObjectName");
		int found = 0;

		if (!pname || strcmp(pname, CLUSTER_BARMAN_PLUGIN) != 0 || !os)
			continue;
		json_array_foreach(json_object_get(inv->stores, "items"), j,
				   s) if (same_ns(s, ns) &&
					  strcmp(sget(s, "metadata", "name"),
						 os) == 0) found = 1;
		if (!found)
			add(r, SEV_CRITICAL, "objectstore",
			    "create the ObjectStore or fix barmanObjectName in "
			    "spec.plugins",
			    "barmanObjectName '%s' names no ObjectStore in "
			    "namespace '%s': the cluster cannot archive or "
			    "back up",
			    os, ns);
	}
}

/* The schedule's period near now, in seconds; 0 when unknown. */
static long
schedule_period(const char *expr, time_t now)
{
	struct cron_schedule *s = NULL;
	struct error err = ERROR_INIT;
	time_t a, b;

	if (cron_parse(&s, expr, &err)) {
		error_clear(&err);
		return 0;
	}
	a = cron_next(s, now);
	b = a == (time_t)-1 ? a : cron_next(s, a);
	cron_free(s);
	return a == (time_t)-1 || b == (time_t)-1 ? 0 : (long)(b - a);
}

static void
check_backups(struct report *r, const struct inventory *inv, const json_t *c,
	      const char *ns, const char *name)
{
	const json_t *b, *s, *newest_done = NULL, *newest_failed = NULL;
	time_t done_at = 0, failed_at = 0;
	long period = 0;
	int nsched = 0, active = 0;
	size_t i;
	char *hint;

	if (!cluster_backup_methods(c))
		return;
	json_array_foreach(json_object_get(inv->backups, "items"), i, b)
	{
		const char *cl =
			sget(json_object_get(b, "spec"), "cluster", "name");
		const char *phase = sget(b, "status", "phase");
		time_t t = rfc3339(sget(b, "status", "stoppedAt"));

		if (!same_ns(b, ns) || !cl || strcmp(cl, name) != 0 || !phase)
			continue;
		if (t == (time_t)-1)
			t = rfc3339(sget(b, "metadata", "creationTimestamp"));
		if (strcmp(phase, "completed") == 0 && t >= done_at) {
			newest_done = b;
			done_at = t;
		} else if ((strcmp(phase, "failed") == 0 ||
			    strcmp(phase, "walArchivingFailing") == 0) &&
			   t >= failed_at) {
			newest_failed = b;
			failed_at = t;
		}
	}
	json_array_foreach(json_object_get(inv->schedules, "items"), i, s)
	{
		const char *cl =
			sget(json_object_get(s, "spec"), "cluster", "name");
		const char *sname = sget(s, "metadata", "name");
		const char *expr = sget(s, "spec", "schedule");

		if (!same_ns(s, ns) || !cl || strcmp(cl, name) != 0 || !expr)
			continue;
		nsched++;
		if (json_is_true(json_object_get(json_object_get(s, "spec"),
						 "suspend"))) {
			add(r, SEV_WARNING, "schedule", NULL,
			    "ScheduledBackup '%s' is suspended", sname);
			continue;
		}
		if (cron_field_count(expr) == 5) {
			char *six = cron_suggest_six_fields(expr);

			hint = xasprintf("kubectl cnpgops backup schedule %s "
					 "-n %s --name %s --schedule '%s' "
					 "--overwrite",
					 name, ns, sname, six ? six : expr);
			add(r, SEV_WARNING, "schedule", hint,
			    "ScheduledBackup '%s' has a five-field schedule "
			    "'%s': CNPG reads six fields, seconds first, so it "
			    "runs far more often than intended",
			    sname, expr);
			free(hint);
			free(six);
		}
		active++;
		{
			long p = schedule_period(expr, inv->now);

			if (p > 0 && (period == 0 || p < period))
				period = p;
		}
	}
	hint = xasprintf("kubectl cnpgops backup now %s -n %s --wait", name,
			 ns);
	if (!newest_done) {
		add(r, SEV_CRITICAL, "backups", hint,
		    "no completed backup: the cluster cannot be restored");
	} else {
		char *age = ago(inv->now, done_at);
		long allowed = period + (period / 2 > 3600 ? period / 2 : 3600);

		if (period > 0 && inv->now - done_at > allowed) {
			char *per = timefmt_format_duration(period);

			add(r, SEV_WARNING, "backups", hint,
			    "the last completed backup '%s' finished %s, but "
			    "the schedule runs every %s",
			    sget(newest_done, "metadata", "name"), age, per);
			free(per);
		} else {
			add(r, SEV_OK, "backups", NULL,
			    "last completed backup '%s' finished %s",
			    sget(newest_done, "metadata", "name"), age);
		}
		free(age);
	}
	if (newest_failed && failed_at >= done_at) {
		const char *e = sget(newest_failed, "status", "error");

		add(r, SEV_WARNING, "backups", hint,
		    "the newest backup '%s' failed: %s",
		    sget(newest_failed, "metadata", "name"),
		    e ? e : "no error message");
	}
	free(hint);
	if (nsched == 0)
		add(r, SEV_WARNING, "schedule", NULL,
		    "no ScheduledBackup: backups happen only by hand");
	else if (active == 0)
		add(r, SEV_WARNING, "schedule", NULL,
		    "every ScheduledBackup of the cluster is suspended");
}

static void
check_pods(struct report *r, const struct inventory *inv, const char *ns,
	   const char *name)
{
	const json_t *p, *cs;
	size_t i, j;

	json_array_foreach(json_object_get(inv->pods, "items"), i, p)
	{
		const char *cl = json_string_value(json_object_get(
			json_object_get(json_object_get(p, "metadata"),
					"labels"),
			"cnpg.io/cluster"));
		const char *pod = sget(p, "metadata", "name");

		if (!same_ns(p, ns) || !cl || strcmp(cl, name) != 0)
			continue;
		json_array_foreach(json_object_get(json_object_get(p, "status"),
						   "containerStatuses"),
				   j, cs)
		{
			const char *why = sget(json_object_get(cs, "state"),
					       "waiting", "reason");
			const char *msg = sget(json_object_get(cs, "state"),
					       "waiting", "message");

			if (why && strcmp(why, "CrashLoopBackOff") == 0)
				add(r, SEV_CRITICAL, "pods", NULL,
				    "pod '%s' is in CrashLoopBackOff%s%s", pod,
				    msg ? ": " : "", msg ? msg : "");
		}
	}
}

static char *
duration(long s)
{
	if (s >= 2L * 86400)
		return xasprintf("%ldd", s / 86400);
	if (s >= 2L * 3600)
		return xasprintf("%ldh", s / 3600);
	if (s >= 120)
		return xasprintf("%ldm", s / 60);
	return xasprintf("%lds", s);
}

/* What the archive itself says: backups, the newest WAL, gaps, window. */
/* A retentionPolicy ("30d", "4w", "3m") in days; -1 when unset or bad. */
static long
retention_days(const char *p)
{
	char *end;
	long n;

	if (!p || *p < '1' || *p > '9')
		return -1;
	n = strtol(p, &end, 10);
	if (n <= 0 || n > 100000 || !end[0] || end[1])
		return -1;
	switch (end[0]) {
	case 'd':
		return n;
	case 'w':
		return n * 7;
	case 'm':
		return n * 31;
	default:
		return -1;
	}
}

/* Lifecycle rules of the bucket that expire our objects. */
static void
check_lifecycle(struct report *r, struct reader *rd,
		const struct archive_config *arch, const char *retention)
{
	struct store_lifecycle l;
	struct error err = ERROR_INIT;
	const char *mine = reader_prefix(rd);
	char *path = archive_server_path(arch);
	long keep = retention_days(retention);
	size_t i;

	memset(&l, 0, sizeof(l));
	if (store_get_lifecycle(&l, reader_store(rd), &err)) {
		add(r, SEV_OK, "lifecycle", NULL,
		    "the bucket's lifecycle rules could not be read (%s): "
		    "check by hand that none expires %s",
		    err.msg, path);
		error_clear(&err);
		free(path);
		return;
	}
	for (i = 0; i < l.n; i++) {
		const struct store_lifecycle_rule *rule = &l.rules[i];
		size_t pl = strlen(rule->prefix), ml = strlen(mine);
		int covers = strncmp(mine, rule->prefix, pl) == 0 ||
			     strncmp(rule->prefix, mine, ml) == 0;
		const char *id = rule->id && *rule->id ? rule->id : "(no ID)";

		if (!rule->enabled || !covers ||
		    (rule->expiration_days < 0 && !rule->has_expiration_date))
			continue;
		if (rule->has_expiration_date)
			add(r, SEV_CRITICAL, "lifecycle",
			    "delete the rule: barman-cloud's retention policy "
			    "removes old backups itself",
			    "lifecycle rule '%s' (prefix '%s') deletes "
			    "everything under %s on a fixed date",
			    id, rule->prefix, path);
		else if (keep < 0)
			add(r, SEV_WARNING, "lifecycle",
			    "set a retentionPolicy and let barman-cloud remove "
			    "old backups, or make the rule longer than the "
			    "recovery window you need",
			    "lifecycle rule '%s' (prefix '%s') deletes objects "
			    "under %s after %ld days: the oldest base backups "
			    "and their WAL vanish, and PITR before them with "
			    "them",
			    id, rule->prefix, path, rule->expiration_days);
		else if (rule->expiration_days <= keep)
			add(r, SEV_CRITICAL, "lifecycle",
			    "delete the rule, or make it longer than the "
			    "retention policy: barman-cloud removes old "
			    "backups itself",
			    "lifecycle rule '%s' (prefix '%s') deletes objects "
			    "under %s after %ld days, within the retention "
			    "policy (%s): it deletes the base backup the "
			    "recovery window rests on",
			    id, rule->prefix, path, rule->expiration_days,
			    retention);
	}
	store_lifecycle_release(&l);
	free(path);
}

static void
check_catalog_of(struct report *r, const struct inventory *inv,
		 const struct archive_config *arch, const char *ns,
		 const char *name, const char *retention)
{
	struct error err = ERROR_INIT;
	struct reader *rd = NULL;
	struct catalog *cat = NULL;
	struct catalog_window w;
	char *hint =
		xasprintf("kubectl cnpgops archive-test %s -n %s", name, ns);
	char *path = archive_server_path(arch);
	size_t i, j, done = 0;
	time_t newest = 0;
	uint32_t newest_tli = 0;
	uint64_t newest_seg = 0;
	int have_wal = 0;

	memset(&w, 0, sizeof(w));
	if (reader_open(&rd, arch, &err) || reader_load(&cat, rd, &err)) {
		add(r, SEV_WARNING, "catalog", hint,
		    "cannot read the archive %s%s: %s", path,
		    arch->inherit_iam_role || arch->gke_environment ||
				    arch->azure_ad
			    ? " with the local identity (the cluster uses its "
			      "pods' own)"
			    : "",
		    err.msg);
		goto out;
	}
	check_lifecycle(r, rd, arch, retention);
	for (i = 0; i < catalog_backup_count(cat); i++)
		if (catalog_backup_at(cat, i)->status == CATALOG_STATUS_DONE)
			done++;
	for (i = 0; i < catalog_timeline_count(cat); i++) {
		const struct catalog_timeline *t = catalog_timeline_at(cat, i);

		for (j = 0; j < t->nr_ranges; j++) {
			have_wal = 1;
			if (t->ranges[j].last_mtime >= newest) {
				newest = t->ranges[j].last_mtime;
				newest_tli = t->id;
				newest_seg = t->ranges[j].last;
			}
		}
	}
	if (!done) {
		char *bhint = xasprintf("kubectl cnpgops backup now %s -n %s "
					"--wait",
					name, ns);

		add(r, SEV_CRITICAL, "catalog", bhint,
		    "no completed base backup in %s: nothing can be restored",
		    path);
		free(bhint);
		goto out;
	}
	if (!have_wal) {
		add(r, SEV_CRITICAL, "catalog", hint,
		    "no WAL in %s: the backups cannot be made consistent",
		    path);
		goto out;
	}
	if (inv->now - newest > WAL_AGE_WARN) {
		char *age = duration((long)(inv->now - newest));

		add(r,
		    inv->now - newest > WAL_AGE_CRITICAL ? SEV_CRITICAL
							 : SEV_WARNING,
		    "wal-age", hint,
		    "the newest WAL in the archive was archived %s ago: the "
		    "database is idle, or archiving has stalled",
		    age);
		free(age);
	}
	if (catalog_window(&w, cat, 0, &err)) {
		add(r, SEV_CRITICAL, "catalog", hint,
		    "no completed backup leads to the newest timeline: %s",
		    err.msg);
		goto out;
	}
	{
		/* what pitr --latest would do: any gap after the newest backup
		 * (or in its own WAL) makes it impossible */
		struct catalog_target t;
		struct catalog_plan p;

		memset(&t, 0, sizeof(t));
		t.kind = CATALOG_TARGET_LATEST;
		if (catalog_plan(&p, cat, &t, &err)) {
			add(r, SEV_CRITICAL, "wal-gap", hint,
			    "a recovery to the end of the archive is "
			    "impossible: %s; take a new base backup",
			    err.msg);
			error_clear(&err);
		} else {
			catalog_plan_release(&p);
			if (newest_tli == w.latest_tli &&
			    newest_seg > w.latest_segno) {
				char seg[32];

				catalog_wal_format(seg, w.latest_tli,
						   w.latest_segno + 1,
						   catalog_segsize(cat));
				add(r, SEV_CRITICAL, "wal-gap", hint,
				    "WAL is missing from %s on (timeline %u): "
				    "nothing after it can be recovered although "
				    "later WAL is archived; take a new base "
				    "backup",
				    seg, (unsigned)w.latest_tli);
			}
		}
	}
	{
		char *a = w.has_earliest ? timefmt_format_rfc3339(w.earliest)
					 : xstrdup("?");
		char *b = w.has_latest ? timefmt_format_rfc3339(w.latest)
				       : xstrdup("?");

		add(r, SEV_OK, "catalog", NULL,
		    "%zu completed backup(s); recoverable from %s to %s (an "
		    "upper bound) on timeline %u",
		    done, a, b, (unsigned)w.timeline);
		free(a);
		free(b);
	}
out:
	catalog_window_release(&w);
	catalog_free(cat);
	reader_free(rd);
	error_clear(&err);
	free(path);
	free(hint);
}

/* The retentionPolicy that applies: the ObjectStore's, or the inline one. */
static const char *
retention_of(const struct inventory *inv, const json_t *c,
	     const struct archive_config *arch)
{
	const json_t *s;
	size_t i;

	if (arch->model != ARCHIVE_MODEL_PLUGIN)
		return json_string_value(json_object_get(
			json_object_get(json_object_get(c, "spec"), "backup"),
			"retentionPolicy"));
	json_array_foreach(json_object_get(inv->stores, "items"), i, s)
	{
		const json_t *m = json_object_get(s, "metadata");
		const char *n = json_string_value(json_object_get(m, "name"));
		const char *sns =
			json_string_value(json_object_get(m, "namespace"));

		if (n && sns && strcmp(n, arch->object_store_name) == 0 &&
		    strcmp(sns, arch->namespace) == 0)
			return json_string_value(json_object_get(
				json_object_get(s, "spec"), "retentionPolicy"));
	}
	return NULL;
}

static void
check_catalog(struct report *r, const struct inventory *inv, const json_t *c,
	      const char *ns, const char *name)
{
	struct archive_config *arch = NULL;
	struct error err = ERROR_INIT;

	if (!inv->catalog || !(cluster_backup_methods(c) &
			       (CLUSTER_BACKUP_PLUGIN | CLUSTER_BACKUP_INLINE)))
		return;
	if (archive_resolve(&arch, inv->ctx->kube, ns, c, NULL, &err)) {
		/* a missing ObjectStore is reported by check_object_store */
		if (err.code != ERR_NOT_FOUND || !strstr(err.msg, "bject"))
			add(r, SEV_WARNING, "catalog", NULL,
			    "cannot resolve the archive: %s", err.msg);
		error_clear(&err);
		return;
	}
	/* with the pods' own identity the local one reads it */
	check_catalog_of(r, inv, arch, ns, name, retention_of(inv, c, arch));
	archive_config_free(arch);
}

static json_t *
diagnose(const struct inventory *inv, const json_t *c)
{
	const char *ns = cluster_namespace(c), *name = cluster_name(c);
	struct report r = { json_array(), SEV_OK };

	check_archiving(&r, c, ns, name);
	check_object_store(&r, inv, c, ns);
	check_backups(&r, inv, c, ns, name);
	check_catalog(&r, inv, c, ns, name);
	check_pods(&r, inv, ns, name);
	return json_pack("{s:s, s:s, s:s, s:o}", "namespace", ns, "name", name,
			 "status",
			 r.worst == SEV_OK ? "healthy" : sev_names[r.worst],
			 "findings", r.findings);
}

static void
print_text(const json_t *res)
{
	int tty = isatty(STDOUT_FILENO);
	const json_t *c, *f;
	size_t i, j;

	json_array_foreach(json_object_get(res, "clusters"), i, c)
	{
		printf("%s/%s: %s\n",
		       json_string_value(json_object_get(c, "namespace")),
		       json_string_value(json_object_get(c, "name")),
		       json_string_value(json_object_get(c, "status")));
		json_array_foreach(json_object_get(c, "findings"), j, f)
		{
			const char *sev = json_string_value(
				json_object_get(f, "severity"));
			const char *hint =
				json_string_value(json_object_get(f, "hint"));
			const char *mark = sev;

			if (tty)
				mark = strcmp(sev, "ok") == 0	     ? "✓"
				       : strcmp(sev, "warning") == 0 ? "!"
								     : "✗";
			printf("  %-8s %s: %s\n", mark,
			       json_string_value(json_object_get(f, "check")),
			       json_string_value(
				       json_object_get(f, "message")));
			if (hint && strcmp(sev, "ok") != 0)
				printf("  %-8s fix: %s\n", "", hint);
		}
	}
	c = json_object_get(res, "summary");
	printf("%lld cluster(s): %lld critical, %lld warning, %lld healthy\n",
	       (long long)json_integer_value(json_object_get(c, "clusters")),
	       (long long)json_integer_value(json_object_get(c, "critical")),
	       (long long)json_integer_value(json_object_get(c, "warning")),
	       (long long)json_integer_value(json_object_get(c, "healthy")));
}

static json_t *
list_or_empty(struct cmd_ctx *ctx, enum kube_kind kind, const char *ns,
	      const char *selector, int optional)
{
	struct kube_list_opts lo = { 0 };
	json_t *l;

	lo.label_selector = selector;
	l = kube_list(ctx->kube, kind, ns, &lo, ctx->err);
	if (!l && optional && ctx->err->code != ERR_OK) {
		/* RBAC may hide pods or ObjectStores; say so and go on */
		cmd_warn("cannot list %s: %s", kube_kind_plural(kind),
			 ctx->err->msg);
		error_clear(ctx->err);
		l = json_pack("{s:[]}", "items");
	}
	return l;
}

static int
doctor_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct doctor_opts *o = ctx->state;
	const char *ns = o->all_namespaces ? NULL : ctx->namespace;
	struct inventory inv = { 0 };
	json_t *res = NULL, *clusters = json_array(), *c;
	long crit = 0, warn = 0, ok = 0;
	size_t i;
	int rc = -1;

	if (argc == 1 && o->all_namespaces) {
		error_set(ctx->err, ERR_USAGE,
			  "name a cluster or pass --all-namespaces, not both");
		goto out;
	}
	inv.now = time(NULL);
	inv.ctx = ctx;
	inv.catalog = !o->no_catalog;
	if (argc == 1) {
		c = kube_get(ctx->kube, KUBE_CLUSTER, ns, argv[0], ctx->err);
		if (!c) {
			if (ctx->err->code == ERR_NOT_FOUND) {
				error_clear(ctx->err);
				error_set(ctx->err, ERR_NOT_FOUND,
					  "cluster '%s/%s' not found", ns,
					  argv[0]);
				error_hint(ctx->err,
					   "run 'kubectl cnpgops doctor -n %s' "
					   "to check every cluster there",
					   ns);
			}
			goto out;
		}
		inv.clusters = json_pack("{s:[o]}", "items", c);
	} else {
		inv.clusters =
			kube_list(ctx->kube, KUBE_CLUSTER, ns, NULL, ctx->err);
		if (!inv.clusters)
			goto out;
	}
	if (!(inv.backups = list_or_empty(ctx, KUBE_BACKUP, ns, NULL, 0)) ||
	    !(inv.schedules =
		      list_or_empty(ctx, KUBE_SCHEDULED_BACKUP, ns, NULL, 0)) ||
	    !(inv.stores =
		      list_or_empty(ctx, KUBE_OBJECT_STORE, ns, NULL, 1)) ||
	    !(inv.pods =
		      list_or_empty(ctx, KUBE_POD, ns, "cnpg.io/cluster", 1)))
		goto out;
	json_array_foreach(json_object_get(inv.clusters, "items"), i, c)
	{
		json_t *d = diagnose(&inv, c);
		const char *st =
			json_string_value(json_object_get(d, "status"));

		if (strcmp(st, "critical") == 0)
			crit++;
		else if (strcmp(st, "warning") == 0)
			warn++;
		else
			ok++;
		json_array_append_new(clusters, d);
	}
	res = json_pack("{s:O, s:{s:I, s:I, s:I, s:I}}", "clusters", clusters,
			"summary", "clusters", (json_int_t)crit + warn + ok,
			"critical", (json_int_t)crit, "warning",
			(json_int_t)warn, "healthy", (json_int_t)ok);
	if (ctx->g->output == OUTPUT_JSON) {
		if (output_json(stdout, res, ctx->err))
			goto out;
	} else {
		if (json_array_size(clusters) == 0)
			cmd_note("no CNPG clusters found%s%s",
				 ns ? " in namespace " : "", ns ? ns : "");
		print_text(res);
	}
	/* the documented exit status: 0 healthy, 1 warnings, 2 critical */
	rc = crit ? 2 : warn ? 1 : 0;
out:
	json_decref(res);
	json_decref(clusters);
	json_decref(inv.clusters);
	json_decref(inv.backups);
	json_decref(inv.schedules);
	json_decref(inv.stores);
	json_decref(inv.pods);
	return rc;
}
