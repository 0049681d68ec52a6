/*
 * backup schedule: create or update a cluster's ScheduledBackup, with the
 * schedule checked the way the CNPG operator reads it.
 *
 * usage: kubectl cnpgops backup schedule CLUSTER --schedule CRON
 *        [--name NAME] [--immediate] [--suspend] [--owner none|self|cluster]
 *        [--method METHOD] [--target TARGET] [--online|--offline]
 *        [--immediate-checkpoint] [--wait-for-archive|--no-wait-for-archive]
 *        [--overwrite] [--dry-run=client|server] [-o yaml|json]
 *
 * CNPG's cron has six fields, seconds first.  A five-field line is refused
 * with the six-field line the user most likely meant, because CNPG would
 * only warn and then run it every hour.  The next three runs are shown so
 * the user sees what the schedule means.  An existing ScheduledBackup of
 * the same name is changed only with --overwrite, after showing what
 * changes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "cluster.h"
#include "cron.h"
#include "jsonmem.h"
#include "kube.h"
#include "manifest.h"
#include "output.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

struct schedule_opts {
	struct backup_flags bf;
	const char *schedule;
	const char *name;
	const char *owner;
	int immediate;
	int suspend;
	int overwrite;
};

enum {
	OPT_SCHEDULE = OPT_LOCAL_BASE,
	OPT_NAME,
	OPT_IMMEDIATE,
	OPT_SUSPEND,
	OPT_OWNER,
	OPT_OVERWRITE
};

static void schedule_init(void *state);
static int schedule_opt(void *state, int ch, const char *arg,
			struct error *err);
static int schedule_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option schedule_longopts[] = {
	GLOBAL_LONGOPTS,
	BACKUP_FLAGS_LONGOPTS,
	{ "schedule", required_argument, NULL, OPT_SCHEDULE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "immediate", no_argument, NULL, OPT_IMMEDIATE },
	{ "suspend", no_argument, NULL, OPT_SUSPEND },
	{ "owner", required_argument, NULL, OPT_OWNER },
	{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_backup_schedule_entry = {
	.name = "backup schedule",
	.usage = "CLUSTER --schedule CRON [--name NAME] [--immediate] "
		 "[--suspend] [--owner none|self|cluster] [--method METHOD] "
		 "[--target TARGET] [--overwrite] [--dry-run=client|server] "
		 "[-o yaml|json]",
	.summary = "Create or update a ScheduledBackup",
	.help = "      --schedule CRON          six fields, seconds first "
		"('0 0 3 * * *' is daily at 03:00), or @daily, @every 6h\n"
		"      --name NAME              the ScheduledBackup's name "
		"(default CLUSTER-scheduled)\n"
		"      --immediate              also take a backup as soon as "
		"it is created\n"
		"      --suspend                create it suspended\n"
		"      --owner OWNER            owner of the Backups it makes: "
		"none (default), self or cluster\n"
		"      --overwrite              replace an existing "
		"ScheduledBackup of that name\n" BACKUP_FLAGS_HELP,
	.shortopts = "",
	.longopts = schedule_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_KUBE | CMD_TARGET_CLUSTER | CMD_MUTATES |
		 CMD_OUTPUT_YAML,
	.state_size = sizeof(struct schedule_opts),
	.init = schedule_init,
	.opt = schedule_opt,
	.exec = schedule_exec,
};

static void
schedule_init(void *state)
{
	struct schedule_opts *o = state;

	o->bf.method = "auto";
	o->owner = "none";
}

static int
schedule_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct schedule_opts *o = state;

	if (BACKUP_FLAG(ch))
		return backup_flags_parse(&o->bf, ch, arg, err);
	switch (ch) {
	case OPT_SCHEDULE:
		o->schedule = arg;
		return 0;
	case OPT_NAME:
		o->name = arg;
		return 0;
	case OPT_IMMEDIATE:
		o->immediate = 1;
		return 0;
	case OPT_SUSPEND:
		o->suspend = 1;
		return 0;
	case OPT_OWNER:
		if (strcmp(arg, "none") != 0 && strcmp(arg, "self") != 0 &&
		    strcmp(arg, "cluster") != 0)
			return error_set(
				err, ERR_USAGE,
				"unknown owner '%s' (use none, self or "
				"cluster)",
				arg);
		o->owner = arg;
		return 0;
	case OPT_OVERWRITE:
		o->overwrite = 1;
		return 0;
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

/* "next runs (UTC): A, B, C" on stderr. */
static void
show_next_runs(const struct cron_schedule *s, const char *expr)
{
	struct strbuf sb = STRBUF_INIT;
	time_t t = time(NULL);
	int i;

	for (i = 0; i < 3; i++) {
		struct timefmt_time tt;
		char *f;

		t = cron_next(s, t);
		if (t == (time_t)-1)
			break;
		tt.sec = (int64_t)t;
		tt.usec = 0;
		f = timefmt_format_rfc3339(tt);
		strbuf_addf(&sb, "%s%s", i ? ", " : "", f);
		free(f);
	}
	if (sb.len)
		cmd_note("schedule '%s' runs next at %s", expr, sb.buf);
	else
		cmd_warn("schedule '%s' never runs in the next five years",
			 expr);
	strbuf_release(&sb);
}

static char *
value_text(const json_t *v)
{
	if (!v)
		return xstrdup("(unset)");
	return jsonmem_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* Print the spec changes on stderr; returns how many fields differ. */
static int
show_changes(const json_t *old_spec, const json_t *new_spec)
{
	const char *k;
	json_t *v;
	int n = 0;

	json_object_foreach((json_t *)(uintptr_t)new_spec, k, v)
	{
		const json_t *ov = json_object_get(old_spec, k);

		if (ov && json_equal(ov, v))
			continue;
		{
			char *a = value_text(ov), *b = value_text(v);

			cmd_note("  spec.%s: %s -> %s", k, a, b);
			free(a);
			free(b);
		}
		n++;
	}
	json_object_foreach((json_t *)(uintptr_t)old_spec, k, v)
	{
		char *a;

		if (json_object_get(new_spec, k))
			continue;
		a = value_text(v);
		cmd_note("  spec.%s: %s -> (removed)", k, a);
		free(a);
		n++;
	}
	return n;
}

static int
print_object(struct cmd_ctx *ctx, const json_t *obj)
{
	return ctx->g->output == OUTPUT_JSON
		       ? output_json(stdout, obj, ctx->err)
		       : output_yaml(stdout, obj, ctx->err);
}

static int
schedule_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct schedule_opts *o = ctx->state;
	struct manifest_scheduled_backup ms = { 0 };
	struct cron_schedule *sched = NULL;
	const char *cname = argv[0], *method, *plugin;
	enum kube_dry_run dry = ctx->g->dry_run == DRY_RUN_SERVER
					? KUBE_DRY_RUN_SERVER
					: KUBE_DRY_RUN_NONE;
	json_t *manifest = NULL, *existing = NULL, *result = NULL, *patch;
	char *name = NULL;
	const char *verb = "created";
	int rc = -1;

	(void)argc;
	if (!o->schedule) {
		cmd_usage_error(ctx->entry, ctx->err,
				"'backup schedule' needs --schedule");
		goto out;
	}
	if (cron_parse(&sched, o->schedule, ctx->err))
		goto out;
	if (cluster_choose_backup_method(&method, &plugin, ctx->cluster,
					 o->bf.method, ctx->err) ||
	    cluster_check_backup_flags(method, o->bf.online,
				       o->bf.immediate_checkpoint,
				       o->bf.wait_for_archive, ctx->err))
		goto out;
	name = o->name ? xstrdup(o->name) : xasprintf("%s-scheduled", cname);
	ms.name = name;
	ms.namespace = ctx->namespace;
	ms.cluster = cname;
	ms.schedule = o->schedule;
	ms.method = method;
	ms.plugin_name = plugin;
	ms.target = o->bf.target;
	ms.owner = o->owner;
	ms.immediate = o->immediate;
	ms.suspend = o->suspend;
	ms.online = o->bf.online;
	ms.immediate_checkpoint = o->bf.immediate_checkpoint;
	ms.wait_for_archive = o->bf.wait_for_archive;
	manifest = manifest_scheduled_backup(&ms);
	show_next_runs(sched, o->schedule);

	if (ctx->g->dry_run == DRY_RUN_CLIENT) {
		rc = print_object(ctx, manifest);
		goto out;
	}
	existing = kube_get(ctx->kube, KUBE_SCHEDULED_BACKUP, ctx->namespace,
			    name, ctx->err);
	if (!existing && ctx->err->code != ERR_NOT_FOUND)
		goto out;
	error_clear(ctx->err);
	if (!existing) {
		result = kube_create(ctx->kube, KUBE_SCHEDULED_BACKUP,
				     ctx->namespace, manifest, dry, ctx->err);
	} else {
		const json_t *old_spec = json_object_get(existing, "spec");
		const json_t *new_spec = json_object_get(manifest, "spec");
		const char *old_cluster = json_string_value(json_object_get(
			json_object_get(old_spec, "cluster"), "name"));

		if (old_cluster && strcmp(old_cluster, cname) != 0) {
			error_set(ctx->err, ERR_CONFLICT,
				  "scheduledbackup '%s/%s' belongs to cluster "
				  "'%s' (spec.cluster is immutable)",
				  ctx->namespace, name, old_cluster);
			error_hint(ctx->err, "choose another --name");
			goto out;
		}
		cmd_note("scheduledbackup '%s/%s' exists; changes:",
			 ctx->namespace, name);
		if (show_changes(old_spec, new_spec) == 0) {
			cmd_note("  none");
			if (ctx->g->output != OUTPUT_TEXT) {
				rc = print_object(ctx, existing);
				goto out;
			}
			printf("scheduledbackup/%s unchanged\n", name);
			rc = 0;
			goto out;
		}
		if (!o->overwrite) {
			error_set(ctx->err, ERR_CONFLICT,
				  "scheduledbackup '%s/%s' already exists with "
				  "another definition",
				  ctx->namespace, name);
			error_hint(ctx->err,
				   "add --overwrite to apply the changes "
				   "above, or choose another --name");
			goto out;
		}
		/* a merge patch: fields no longer wanted become null */
		patch = json_pack("{s:O}", "spec", new_spec);
		{
			const char *k;
			json_t *v;

			json_object_foreach((json_t *)(uintptr_t)old_spec, k, v)
			{
				if (!json_object_get(new_spec, k))
					json_object_set_new(
						json_object_get(patch, "spec"),
						k, json_null());
			}
		}
		json_object_set_new(
			patch, "metadata",
			json_pack("{s:O}", "labels",
				  json_object_get(
					  json_object_get(manifest, "metadata"),
					  "labels")));
		result = kube_patch(ctx->kube, KUBE_SCHEDULED_BACKUP,
				    ctx->namespace, name, patch, dry, ctx->err);
		json_decref(patch);
		verb = "configured";
	}
	if (!result) {
		error_prefix(ctx->err, "writing scheduledbackup '%s/%s': ",
			     ctx->namespace, name);
		goto out;
	}
	if (ctx->g->output != OUTPUT_TEXT || dry == KUBE_DRY_RUN_SERVER)
		rc = print_object(ctx, result);
	else {
		printf("scheduledbackup/%s %s\n", name, verb);
		rc = 0;
	}
out:
	cron_free(sched);
	json_decref(result);
	json_decref(existing);
	json_decref(manifest);
	free(name);
	return rc;
}
