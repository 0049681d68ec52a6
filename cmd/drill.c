/*
 * drill: restore into a throwaway cluster to prove the backups work, and
 * measure how long the recovery takes.
 *
 * usage: kubectl cnpgops drill CLUSTER [--to TIME | --latest]
 *        [--backup-id ID] [--target-namespace NS] [--name NAME] [--keep]
 *        [--timeout DURATION] [-o json]
 *        kubectl cnpgops drill CLUSTER --print-cronjob --schedule CRON
 *        [--image IMAGE]
 *
 * The plan is pitr's (the same catalog checks); the drill Cluster is the
 * pitr manifest cut down to one instance without archiving, labelled
 * cnpgops.io/drill-of=CLUSTER.  It is followed by polling (so that Ctrl-C
 * can still clean up) until it is healthy, recording the time to the
 * first ready instance and to healthy; then it is deleted unless --keep.
 * A drill left behind by an interrupted run (same label, not kept) is
 * deleted by the next run before it starts.  The verdict is the exit
 * status: 0 passed, 1 failed (the reason says why: the archive cannot
 * restore the target, the recovery failed, the timeout).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "archive.h"
#include "cli.h"
#include "cluster.h"
#include "cron.h"
#include "kube.h"
#include "manifest.h"
#include "output.h"
#include "plan.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

#define DRILL_LABEL	 "cnpgops.io/drill-of"
#define DRILL_KEEP	 "cnpgops.io/drill-keep"
#define DRILL_CHECK	 "cnpgops.io/drill-check"
#define DRILL_MAX_CHECKS 16
#define DRILL_LOG_MAX	 (64u << 10)

struct drill_opts {
	const char *to;
	int latest;
	const char *backup_id;
	const char *target_ns;
	const char *name;
	int keep;
	long timeout_ms;
	int print_cronjob;
	const char *schedule;
	const char *image;
	const char *checks[DRILL_MAX_CHECKS];
	int nchecks;
	long expect[DRILL_MAX_CHECKS]; /* -1: none */
	int nexpect;
};

enum {
	OPT_TO = OPT_LOCAL_BASE,
	OPT_LATEST,
	OPT_BACKUP_ID,
	OPT_TARGET_NS,
	OPT_NAME,
	OPT_KEEP,
	OPT_TIMEOUT,
	OPT_PRINT_CRONJOB,
	OPT_SCHEDULE,
	OPT_IMAGE,
	OPT_CHECK_SQL,
	OPT_EXPECT_ROWS
};

static void drill_init(void *state);
static int drill_opt(void *state, int ch, const char *arg, struct error *err);
static int drill_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option drill_longopts[] = {
	GLOBAL_LONGOPTS,
	{ "to", required_argument, NULL, OPT_TO },
	{ "latest", no_argument, NULL, OPT_LATEST },
	{ "backup-id", required_argument, NULL, OPT_BACKUP_ID },
	{ "target-namespace", required_argument, NULL, OPT_TARGET_NS },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "print-cronjob", no_argument, NULL, OPT_PRINT_CRONJOB },
	{ "schedule", required_argument, NULL, OPT_SCHEDULE },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "check-sql", required_argument, NULL, OPT_CHECK_SQL },
	{ "expect-rows", required_argument, NULL, OPT_EXPECT_ROWS },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_drill_entry = {
	.name = "drill",
	.usage = "CLUSTER [--to TIME | --latest] [--backup-id ID] "
		 "[--target-namespace NS] [--name NAME] [--check-sql SQL "
		 "[--expect-rows N]]... [--keep] [--timeout DURATION] "
		 "[-o json] | CLUSTER --print-cronjob "
		 "--schedule CRON [--image IMAGE]",
	.summary = "Restore into a throwaway cluster to prove the backups work",
	.help = "      --to TIME                recover up to this instant "
		"(default: --latest)\n"
		"      --latest                 to the end of the archived WAL\n"
		"      --backup-id ID           from this backup\n"
		"      --target-namespace NS    where the drill cluster goes "
		"(default: the source's)\n"
		"      --name NAME              the drill cluster (default "
		"CLUSTER-drill)\n"
		"      --check-sql SQL          run this query in the recovered "
		"database (a Job with psql; repeatable)\n"
		"      --expect-rows N          the query before it must return "
		"N rows\n"
		"      --keep                   leave the drill cluster running "
		"(the next drill keeps it too)\n"
		"      --timeout DURATION       give up after this long "
		"(default 1h)\n"
		"      --print-cronjob          print a CronJob, ServiceAccount "
		"and Role that run this drill\n"
		"      --schedule CRON          the CronJob's schedule (five "
		"fields, as Kubernetes reads it)\n"
		"      --image IMAGE            the plugin's image for the "
		"CronJob\n",
	.shortopts = "",
	.longopts = drill_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_KUBE | CMD_MUTATES | CMD_OUTPUT_YAML,
	.state_size = sizeof(struct drill_opts),
	.init = drill_init,
	.opt = drill_opt,
	.exec = drill_exec,
};

static void
drill_init(void *state)
{
	struct drill_opts *o = state;

	o->timeout_ms = 3600L * 1000;
	o->image = "ghcr.io/cnpgops/kubectl-cnpgops:" CNPGOPS_VERSION;
}

static int
drill_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct drill_opts *o = state;

	switch (ch) {
	case OPT_TO:
	case OPT_LATEST:
		if ((ch == OPT_TO && o->latest) || (ch == OPT_LATEST && o->to))
			return error_set(err, ERR_USAGE,
					 "give --to or --latest, not both");
		if (ch == OPT_TO)
			o->to = arg;
		else
			o->latest = 1;
		return 0;
	case OPT_BACKUP_ID:
		o->backup_id = arg;
		return 0;
	case OPT_TARGET_NS:
		o->target_ns = arg;
		return 0;
	case OPT_NAME:
		o->name = arg;
		return 0;
	case OPT_KEEP:
		o->keep = 1;
		return 0;
	case OPT_TIMEOUT:
		return cmd_parse_timeout(&o->timeout_ms, arg, err);
	case OPT_PRINT_CRONJOB:
		o->print_cronjob = 1;
		return 0;
	case OPT_SCHEDULE:
		o->schedule = arg;
		return 0;
	case OPT_IMAGE:
		o->image = arg;
		return 0;
	case OPT_CHECK_SQL:
		if (o->nchecks == DRILL_MAX_CHECKS)
			return error_set(err, ERR_USAGE,
					 "at most %d --check-sql",
					 DRILL_MAX_CHECKS);
		o->checks[o->nchecks] = arg;
		o->expect[o->nchecks] = -1;
		o->nchecks++;
		return 0;
	case OPT_EXPECT_ROWS: {
		char *end;
		long n = strtol(arg, &end, 10);

		if (!o->nchecks || o->nexpect == o->nchecks)
			return error_set(err, ERR_USAGE,
					 "--expect-rows follows the "
					 "--check-sql it is about");
		if (*arg < '0' || *arg > '9' || *end || n < 0)
			return error_set(err, ERR_USAGE,
					 "--expect-rows takes a number of "
					 "rows, not '%s'",
					 arg);
		o->expect[o->nchecks - 1] = n;
		o->nexpect = o->nchecks;
		return 0;
	}
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	interrupted = sig;
}

static double
since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Delete drill clusters of src left by interrupted runs (not kept ones). */
static int
remove_leftovers(struct cmd_ctx *ctx, const char *ns, const char *src)
{
	struct kube_list_opts lo = { 0 };
	char *sel = xasprintf(DRILL_LABEL "=%s", src);
	json_t *list, *item;
	size_t i;
	int rc = 0;

	lo.label_selector = sel;
	list = kube_list(ctx->kube, KUBE_CLUSTER, ns, &lo, ctx->err);
	free(sel);
	if (!list)
		return -1;
	json_array_foreach(json_object_get(list, "items"), i, item)
	{
		const json_t *meta = json_object_get(item, "metadata");
		const char *name =
			json_string_value(json_object_get(meta, "name"));

		if (!name ||
		    json_object_get(json_object_get(meta, "annotations"),
				    DRILL_KEEP))
			continue;
		if (kube_delete(ctx->kube, KUBE_CLUSTER, ns, name, "Background",
				KUBE_DRY_RUN_NONE, ctx->err) &&
		    ctx->err->code != ERR_NOT_FOUND) {
			rc = -1;
			break;
		}
		error_clear(ctx->err);
		cmd_note("removed the drill cluster '%s/%s' an interrupted "
			 "drill left behind",
			 ns, name);
	}
	json_decref(list);
	if (rc)
		return rc;
	/* check Jobs of an interrupted drill */
	sel = xasprintf(DRILL_CHECK "=%s", src);
	lo.label_selector = sel;
	list = kube_list(ctx->kube, KUBE_JOB, ns, &lo, ctx->err);
	free(sel);
	if (!list)
		return -1;
	json_array_foreach(json_object_get(list, "items"), i, item)
	{
		const char *name = json_string_value(json_object_get(
			json_object_get(item, "metadata"), "name"));

		if (name &&
		    kube_delete(ctx->kube, KUBE_JOB, ns, name, "Background",
				KUBE_DRY_RUN_NONE, ctx->err) &&
		    ctx->err->code != ERR_NOT_FOUND) {
			rc = -1;
			break;
		}
		error_clear(ctx->err);
	}
	json_decref(list);
	return rc;
}

struct drill_result {
	double first_ready; /* seconds after creation; < 0: never */
	double healthy;
	char *failure; /* why it failed, or NULL */
	char *phase;
	json_t *checks; /* [{"sql", "rows", "output", "expectedRows", "passed"}]
			 */
};

/* A Job that runs psql -c SQL against the drill cluster's -rw Service. */
static json_t *
check_job(const char *name, const char *ns, const char *src,
	  const char *cluster, const char *image, const char *sql)
{
	char *host = xasprintf("%s-rw", cluster);
	char *secret = xasprintf("%s-app", cluster);
	json_t *labels = json_pack("{s:s}", DRILL_CHECK, src);
	json_t *env = json_pack(
		"[{s:s, s:s}, {s:s, s:{s:{s:s, s:s}}}, {s:s, s:{s:{s:s, s:s}}},"
		" {s:s, s:{s:{s:s, s:s}}}]",
		"name", "PGHOST", "value", host, "name", "PGUSER", "valueFrom",
		"secretKeyRef", "name", secret, "key", "username", "name",
		"PGPASSWORD", "valueFrom", "secretKeyRef", "name", secret,
		"key", "password", "name", "PGDATABASE", "valueFrom",
		"secretKeyRef", "name", secret, "key", "dbname");
	json_t *job = json_pack(
		"{s:s, s:s, s:{s:s, s:s, s:O}, s:{s:i, s:i, s:{s:{s:O},"
		" s:{s:s, s:[{s:s, s:s, s:[s, s, s, s, s, s, s], s:o}]}}}}",
		"apiVersion", "batch/v1", "kind", "Job", "metadata", "name",
		name, "namespace", ns, "labels", labels, "spec", "backoffLimit",
		0, "ttlSecondsAfterFinished", 3600, "template", "metadata",
		"labels", labels, "spec", "restartPolicy", "Never",
		"containers", "name", "psql", "image", image, "args", "psql",
		"-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql, "env", env);

	json_decref(labels);
	free(host);
	free(secret);
	return job;
}

/*
 * Run one check: create its Job, poll it to the end, read its pod's log,
 * delete it.  Appends the check's record to res->checks; sets
 * res->failure when it fails.  Returns -1 only when the API fails.
 */
static int
run_check(struct cmd_ctx *ctx, const struct drill_opts *o, const char *ns,
	  const char *src, const char *cluster, const char *image, int i,
	  struct drill_result *res)
{
	char *name = xasprintf("%s-check-%d", cluster, i + 1);
	char *sel = xasprintf("job-name=%s", name);
	struct kube_list_opts lo = { 0 };
	struct strbuf log = STRBUF_INIT;
	struct timespec t0;
	json_t *job = check_job(name, ns, src, cluster, image, o->checks[i]);
	json_t *got, *rec = NULL, *pods = NULL;
	const char *pod;
	long rows = 0;
	size_t k;
	int done = 0, ok = 0, rc = -1;

	got = kube_create(ctx->kube, KUBE_JOB, ns, job, KUBE_DRY_RUN_NONE,
			  ctx->err);
	if (!got) {
		error_prefix(ctx->err, "creating the check job '%s/%s': ", ns,
			     name);
		goto out;
	}
	json_decref(got);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!done) {
		struct timespec ts = { 0, 300L * 1000 * 1000 };
		const json_t *st;

		got = kube_get(ctx->kube, KUBE_JOB, ns, name, ctx->err);
		if (!got)
			goto out;
		st = json_object_get(got, "status");
		if (json_integer_value(json_object_get(st, "succeeded")) > 0)
			done = ok = 1;
		else if (json_integer_value(json_object_get(st, "failed")) > 0)
			done = 1;
		json_decref(got);
		if (!done && (interrupted ||
			      since(&t0) * 1000 > (double)o->timeout_ms)) {
			done = 1;
			strbuf_addstr(&log, interrupted ? "interrupted"
							: "timed out");
		}
		if (!done)
			nanosleep(&ts, NULL);
	}
	lo.label_selector = sel;
	pods = kube_list(ctx->kube, KUBE_POD, ns, &lo, ctx->err);
	if (!pods)
		goto out;
	pod = json_string_value(json_object_get(
		json_object_get(
			json_array_get(json_object_get(pods, "items"), 0),
			"metadata"),
		"name"));
	if (pod &&
	    kube_pod_log(&log, ctx->kube, ns, pod, DRILL_LOG_MAX, ctx->err))
		goto out;
	strbuf_rtrim(&log);
	for (k = 0; ok && k < log.len; k++)
		rows += log.buf[k] == '\n';
	if (ok && log.len)
		rows++;
	rec = json_pack("{s:s, s:s, s:b}", "sql", o->checks[i], "output",
			log.len ? log.buf : "", "succeeded", ok);
	json_object_set_new(rec, "rows", ok ? json_integer(rows) : json_null());
	json_object_set_new(rec, "expectedRows",
			    o->expect[i] >= 0 ? json_integer(o->expect[i])
					      : json_null());
	if (!ok && !res->failure)
		res->failure = xasprintf("check %d failed: %s", i + 1,
					 log.len ? log.buf : "no output");
	else if (o->expect[i] >= 0 && rows != o->expect[i] && !res->failure)
		res->failure = xasprintf("check %d returned %ld rows, not %ld",
					 i + 1, rows, o->expect[i]);
	json_object_set_new(
		rec, "passed",
		json_boolean(ok && (o->expect[i] < 0 || rows == o->expect[i])));
	json_array_append_new(res->checks, rec);
	rc = 0;
out:
	if (kube_delete(ctx->kube, KUBE_JOB, ns, name, "Background",
			KUBE_DRY_RUN_NONE, rc ? NULL : ctx->err) &&
	    !rc && ctx->err->code != ERR_NOT_FOUND)
		cmd_warn("the check job '%s/%s' could not be deleted", ns,
			 name);
	if (!rc)
		error_clear(ctx->err);
	strbuf_release(&log);
	json_decref(pods);
	json_decref(job);
	free(sel);
	free(name);
	return rc;
}

/* Poll the drill cluster until healthy, failed, timed out or interrupted. */
static void
follow(struct cmd_ctx *ctx, const char *ns, const char *name, long timeout_ms,
       struct drill_result *res)
{
	struct timespec t0;
	char *what = xasprintf("cluster/%s", name);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	res->first_ready = res->healthy = -1;
	progress_start();
	for (;;) {
		struct timespec ts = { 0, 500L * 1000 * 1000 };
		json_t *c =
			kube_get(ctx->kube, KUBE_CLUSTER, ns, name, ctx->err);
		const json_t *st = json_object_get(c, "status");
		const char *phase =
			json_string_value(json_object_get(st, "phase"));
		const char *reason =
			json_string_value(json_object_get(st, "phaseReason"));
		json_int_t ready = json_integer_value(
			json_object_get(st, "readyInstances"));

		if (!c) {
			res->failure = xasprintf(
				"reading the drill cluster: %s", ctx->err->msg);
			error_clear(ctx->err);
			break;
		}
		if (phase && (!res->phase || strcmp(res->phase, phase) != 0)) {
			progress_state(what, phase);
			free(res->phase);
			res->phase = xstrdup(phase);
		}
		if (ready >= 1 && res->first_ready < 0)
			res->first_ready = since(&t0);
		if (phase && strcmp(phase, "Cluster in healthy state") == 0) {
			res->healthy = since(&t0);
			json_decref(c);
			break;
		}
		if (reason && *reason && strstr(reason, "fail")) {
			res->failure =
				xasprintf("the recovery failed: %s", reason);
			json_decref(c);
			break;
		}
		json_decref(c);
		if (interrupted) {
			res->failure = xstrdup("interrupted");
			break;
		}
		if (since(&t0) * 1000 > (double)timeout_ms) {
			res->failure = xasprintf(
				"not healthy after the timeout (last phase: %s)",
				res->phase ? res->phase : "none");
			break;
		}
		nanosleep(&ts, NULL);
	}
	progress_stop();
	free(what);
}

static int
print_cronjob(struct cmd_ctx *ctx, const struct drill_opts *o, const char *src)
{
	struct cron_schedule *cs = NULL;
	char *six;
	json_t *docs;
	size_t i;
	int rc = 0;
	const char *name = "cnpgops-drill";

	if (!o->schedule)
		return cmd_usage_error(ctx->entry, ctx->err,
				       "--print-cronjob needs --schedule (five "
				       "fields, e.g. '0 4 * * 0')");
	if (o->schedule[0] != '@' && cron_field_count(o->schedule) != 5) {
		error_set(ctx->err, ERR_USAGE,
			  "a CronJob schedule has five fields (minute hour "
			  "day month weekday), not %d: '%s'",
			  cron_field_count(o->schedule), o->schedule);
		error_hint(ctx->err, "unlike a ScheduledBackup's, a CronJob's "
				     "schedule has no seconds field");
		return -1;
	}
	/* the five fields are the six-field grammar without seconds */
	six = o->schedule[0] == '@' ? xstrdup(o->schedule)
				    : xasprintf("0 %s", o->schedule);
	if (cron_parse(&cs, six, ctx->err)) {
		free(six);
		error_prefix(ctx->err, "--schedule: ");
		return -1;
	}
	cron_free(cs);
	free(six);
	docs = json_array();
	json_array_append_new(
		docs, json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1",
				"kind", "ServiceAccount", "metadata", "name",
				name, "namespace", ctx->namespace));
	/* the drill reads the source, its ObjectStore and Secret, and
	 * creates and deletes the drill Cluster */
	json_array_append_new(
		docs,
		json_pack("{s:s, s:s, s:{s:s, s:s}, s:["
			  "{s:[s], s:[s], s:[s, s, s, s]},"
			  "{s:[s], s:[s], s:[s]},"
			  "{s:[s], s:[s], s:[s]},"
			  "{s:[s], s:[s], s:[s, s, s, s]},"
			  "{s:[s], s:[s, s], s:[s, s]}]}",
			  "apiVersion", "rbac.authorization.k8s.io/v1", "kind",
			  "Role", "metadata", "name", name, "namespace",
			  ctx->namespace, "rules", "apiGroups",
			  "postgresql.cnpg.io", "resources", "clusters",
			  "verbs", "get", "list", "create", "delete",
			  "apiGroups", "barmancloud.cnpg.io", "resources",
			  "objectstores", "verbs", "get", "apiGroups", "",
			  "resources", "secrets", "verbs", "get", "apiGroups",
			  "batch", "resources", "jobs", "verbs", "get", "list",
			  "create", "delete", "apiGroups", "", "resources",
			  "pods", "pods/log", "verbs", "get", "list"));
	json_array_append_new(
		docs,
		json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s},"
			  " s:[{s:s, s:s, s:s}]}",
			  "apiVersion", "rbac.authorization.k8s.io/v1", "kind",
			  "RoleBinding", "metadata", "name", name, "namespace",
			  ctx->namespace, "roleRef", "apiGroup",
			  "rbac.authorization.k8s.io", "kind", "Role", "name",
			  name, "subjects", "kind", "ServiceAccount", "name",
			  name, "namespace", ctx->namespace));
	json_array_append_new(
		docs,
		json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:i, s:i,"
			  " s:{s:{s:i, s:{s:{s:s, s:s, s:[{s:s, s:s,"
			  " s:[s, s, s, s, s, s, s, s]}]}}}}}}",
			  "apiVersion", "batch/v1", "kind", "CronJob",
			  "metadata", "name", name, "namespace", ctx->namespace,
			  "spec", "schedule", o->schedule, "concurrencyPolicy",
			  "Forbid", "successfulJobsHistoryLimit", 3,
			  "failedJobsHistoryLimit", 3, "jobTemplate", "spec",
			  "backoffLimit", 0, "template", "spec",
			  "serviceAccountName", name, "restartPolicy", "Never",
			  "containers", "name", "drill", "image", o->image,
			  "args", "drill", src, "-n", ctx->namespace,
			  "--timeout", "2h", "-o", "json"));
	for (i = 0; i < json_array_size(docs) && rc == 0; i++) {
		if (ctx->g->output == OUTPUT_JSON)
			rc = output_json(stdout, json_array_get(docs, i),
					 ctx->err);
		else {
			printf("---\n");
			rc = output_yaml(stdout, json_array_get(docs, i),
					 ctx->err);
		}
	}
	json_decref(docs);
	return rc;
}

static json_t *
record(const char *src, const char *ns, const char *name, const struct plan *p,
       const char *target, const struct drill_result *res, int kept)
{
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "cluster", src,
			      "drillCluster", name, "namespace", ns, "target",
			      target, "verdict",
			      res->failure ? "failed" : "passed");

	json_object_set_new(r, "backupId",
			    p->backup_id ? json_string(p->backup_id)
					 : json_null());
	json_object_set_new(r, "walFrom",
			    p->first_wal ? json_string(p->first_wal)
					 : json_null());
	json_object_set_new(r, "walTo",
			    p->last_wal ? json_string(p->last_wal)
					: json_null());
	json_object_set_new(r, "secondsToFirstReady",
			    res->first_ready >= 0 ? json_real(res->first_ready)
						  : json_null());
	json_object_set_new(r, "secondsToHealthy",
			    res->healthy >= 0 ? json_real(res->healthy)
					      : json_null());
	json_object_set_new(r, "reason",
			    res->failure ? json_string(res->failure)
					 : json_null());
	json_object_set_new(r, "kept", json_boolean(kept));
	json_object_set(r, "checks", res->checks);
	return r;
}

static int
drill_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct drill_opts *o = ctx->state;
	const char *src = argv[0];
	const char *ns = o->target_ns ? o->target_ns : ctx->namespace;
	struct archive_config *arch = NULL;
	struct timefmt_target when = { { 0, 0 }, 0, 0 };
	struct plan plan = { 0 };
	struct manifest_recovery r = { 0 };
	struct manifest_dev dev = { 0 };
	struct drill_result res = { -1, -1, NULL, NULL, NULL };
	struct sigaction sa, old_int, old_term;
	json_t *source = NULL, *manifest = NULL, *removed = NULL, *created;
	json_t *meta, *rec = NULL;
	char *name = NULL, *pgtime = NULL, *target = NULL;
	int rc = -1, have_signals = 0;

	(void)argc;
	if (o->print_cronjob)
		return print_cronjob(ctx, o, src);
	res.checks = json_array();
	if (ctx->g->dry_run != DRY_RUN_NONE)
		return cmd_usage_error(ctx->entry, ctx->err,
				       "a drill is a real recovery: use 'pitr "
				       "--dry-run' to see the plan");
	name = o->name ? xstrdup(o->name) : xasprintf("%s-drill", src);
	source = kube_get(ctx->kube, KUBE_CLUSTER, ctx->namespace, src,
			  ctx->err);
	if (!source) {
		error_prefix(ctx->err, "cluster '%s/%s': ", ctx->namespace,
			     src);
		goto out;
	}
	if (archive_resolve(&arch, ctx->kube, ctx->namespace, source, NULL,
			    ctx->err))
		goto out;
	if (o->to &&
	    timefmt_parse_target(&when, o->to, timefmt_now(), ctx->err))
		goto out;
	if (plan_make(&plan, arch,
		      o->to ? MANIFEST_TARGET_TIME : MANIFEST_TARGET_LATEST,
		      &when.time, NULL, o->backup_id, 0, ctx->err)) {
		/* the archive cannot do it: that is the drill's finding */
		if (ctx->err->code != ERR_PRECONDITION &&
		    ctx->err->code != ERR_NOT_FOUND)
			goto out;
		res.failure = xasprintf("the archive cannot restore it, no "
					"cluster was created: %s",
					ctx->err->msg);
		if (ctx->err->hint)
			cmd_note("hint: %s", ctx->err->hint);
		error_clear(ctx->err);
		target = o->to ? xstrdup(o->to) : xstrdup("latest");
		goto report;
	}
	cmd_print_plan(&plan, stderr);
	if (o->to) {
		pgtime = timefmt_format_pg(when.time);
		target = timefmt_format_rfc3339(when.time);
	} else {
		target = xstrdup("latest");
	}
	if (remove_leftovers(ctx, ns, src))
		goto out;

	cmd_recovery_of(&r, source, name, ns, arch, &plan);
	r.target = o->to ? MANIFEST_TARGET_TIME : MANIFEST_TARGET_LATEST;
	r.target_value = pgtime;
	manifest = manifest_recovery_cluster(&r);
	removed = json_array();
	dev.instances = 1;
	manifest_size_for_dev(manifest, &dev, removed);
	meta = json_object_get(manifest, "metadata");
	json_object_set_new(meta, "labels",
			    json_pack("{s:s}", DRILL_LABEL, src));
	if (o->keep)
		json_object_set_new(json_object_get(meta, "annotations"),
				    DRILL_KEEP, json_string("true"));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	have_signals = 1;
	created = kube_create(ctx->kube, KUBE_CLUSTER, ns, manifest,
			      KUBE_DRY_RUN_NONE, ctx->err);
	if (!created) {
		error_prefix(ctx->err,
			     "creating the drill cluster '%s/%s': ", ns, name);
		if (ctx->err->code == ERR_CONFLICT)
			error_hint(ctx->err,
				   "a kept drill of that name exists: delete "
				   "it, or give --name");
		goto out;
	}
	json_decref(created);
	fprintf(stderr, "cluster/%s created (drill of %s/%s)\n", name,
		ctx->namespace, src);
	{
		const char *crash = getenv("CNPGOPS_TEST_CRASH_AFTER");

		if (crash && strcmp(crash, "create") == 0) {
			fflush(NULL);
			raise(SIGKILL); /* tests: an interrupted drill */
		}
	}
	follow(ctx, ns, name, o->timeout_ms, &res);
	if (!res.failure && o->nchecks) {
		const char *image = json_string_value(json_object_get(
			json_object_get(manifest, "spec"), "imageName"));
		int i;

		for (i = 0; i < o->nchecks && !res.failure; i++)
			if (run_check(ctx, o, ns, src, name,
				      image ? image
					    : "ghcr.io/cloudnative-pg/"
					      "postgresql:17",
				      i, &res))
				break;
		if (ctx->err->code != ERR_OK) {
			res.failure = xasprintf("running the checks: %s",
						ctx->err->msg);
			error_clear(ctx->err);
		}
	}
	if (!o->keep) {
		if (kube_delete(ctx->kube, KUBE_CLUSTER, ns, name, "Background",
				KUBE_DRY_RUN_NONE, ctx->err) &&
		    ctx->err->code != ERR_NOT_FOUND) {
			cmd_warn("the drill cluster '%s/%s' could not be "
				 "deleted (%s): the next drill removes it",
				 ns, name, ctx->err->msg);
		}
		error_clear(ctx->err);
	}
report:
	rec = record(src, ns, name, &plan, target, &res, o->keep);
	if (ctx->g->output == OUTPUT_JSON) {
		if (output_json(stdout, rec, ctx->err))
			goto out;
	} else if (ctx->g->output == OUTPUT_YAML) {
		if (output_yaml(stdout, rec, ctx->err))
			goto out;
	} else {
		printf("drill of %s/%s: %s\n", ctx->namespace, src,
		       res.failure ? "FAILED" : "passed");
		printf("  backup:          %s\n",
		       plan.backup_id ? plan.backup_id : "-");
		printf("  target:          %s\n", target);
		if (plan.first_wal)
			printf("  WAL replayed:    %s .. %s\n", plan.first_wal,
			       plan.last_wal ? plan.last_wal : "?");
		if (res.first_ready >= 0)
			printf("  first ready:     %.1fs after creation\n",
			       res.first_ready);
		if (res.healthy >= 0)
			printf("  healthy:         %.1fs after creation (the "
			       "recovery time an incident would see)\n",
			       res.healthy);
		{
			const json_t *c;
			size_t k;

			json_array_foreach(res.checks, k, c)
			{
				const json_t *rows = json_object_get(c, "rows");

				printf("  check %zu:         %s\n", k + 1,
				       json_string_value(
					       json_object_get(c, "sql")));
				printf("    %s: %s\n",
				       json_is_true(
					       json_object_get(c, "passed"))
					       ? "passed"
					       : "FAILED",
				       json_string_value(
					       json_object_get(c, "output")));
				if (json_is_integer(rows))
					printf("    rows: %lld\n",
					       (long long)json_integer_value(
						       rows));
			}
		}
		if (res.failure)
			printf("  reason:          %s\n", res.failure);
		if (plan.backup_id)
			printf("  drill cluster:   %s/%s %s\n", ns, name,
			       o->keep ? "kept" : "deleted");
	}
	rc = res.failure ? 1 : 0;
out:
	if (have_signals) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	json_decref(rec);
	json_decref(source);
	json_decref(manifest);
	json_decref(removed);
	plan_release(&plan);
	archive_config_free(arch);
	free(res.failure);
	free(res.phase);
	json_decref(res.checks);
	free(name);
	free(pgtime);
	free(target);
	return rc;
}
