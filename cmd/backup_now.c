/*
 * backup now: create a Backup of a cluster, checked against how the cluster
 * is configured, and optionally follow it to the end.
 *
 * usage: kubectl cnpgops backup now CLUSTER [--method METHOD]
 *        [--target primary|prefer-standby] [--online|--offline]
 *        [--immediate-checkpoint] [--wait-for-archive|--no-wait-for-archive]
 *        [--name NAME] [--wait] [--timeout DURATION] [--force]
 *        [--dry-run=client|server] [-o yaml|json]
 *
 * --method auto (the default) picks what the cluster is set up for: the
 * barman-cloud plugin, else the inline barmanObjectStore, else volume
 * snapshots.  A base backup is useless without its WAL, so a cluster whose
 * ContinuousArchiving condition is False is refused unless --force.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cluster.h"
#include "kube.h"
#include "manifest.h"
#include "output.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

struct backup_now_opts {
	struct backup_flags bf;
	const char *name;
	int wait;
	long timeout_ms;
	int force;
};

enum { OPT_NAME = OPT_LOCAL_BASE, OPT_WAIT, OPT_TIMEOUT, OPT_FORCE };

static void backup_now_init(void *state);
static int backup_now_opt(void *state, int ch, const char *arg,
			  struct error *err);
static int backup_now_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option backup_now_longopts[] = {
	GLOBAL_LONGOPTS,
	BACKUP_FLAGS_LONGOPTS,
	{ "name", required_argument, NULL, OPT_NAME },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_backup_now_entry = {
	.name = "backup now",
	.usage = "CLUSTER [--method METHOD] [--target TARGET] "
		 "[--online|--offline] [--immediate-checkpoint] "
		 "[--wait-for-archive|--no-wait-for-archive] [--name NAME] "
		 "[--wait] [--timeout DURATION] [--force] "
		 "[--dry-run=client|server] [-o yaml|json]",
	.summary = "Create a Backup of a cluster now",
	.help = BACKUP_FLAGS_HELP
	"      --name NAME              the Backup's name (default "
	"CLUSTER-YYYYMMDDHHMMSS, UTC)\n"
	"      --wait                   follow the backup until it "
	"completes or fails\n"
	"      --timeout DURATION       give up waiting after this "
	"long (default 1h)\n"
	"      --force                  back up even though WAL "
	"archiving is failing\n",
	.shortopts = "",
	.longopts = backup_now_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_KUBE | CMD_TARGET_CLUSTER | CMD_MUTATES |
		 CMD_OUTPUT_YAML,
	.state_size = sizeof(struct backup_now_opts),
	.init = backup_now_init,
	.opt = backup_now_opt,
	.exec = backup_now_exec,
};

static void
backup_now_init(void *state)
{
	struct backup_now_opts *o = state;

	o->bf.method = "auto";
	o->timeout_ms = 3600L * 1000;
}

static int
backup_now_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct backup_now_opts *o = state;

	if (BACKUP_FLAG(ch))
		return backup_flags_parse(&o->bf, ch, arg, err);
	switch (ch) {
	case OPT_NAME:
		o->name = arg;
		return 0;
	case OPT_WAIT:
		o->wait = 1;
		return 0;
	case OPT_TIMEOUT:
		return cmd_parse_timeout(&o->timeout_ms, arg, err);
	case OPT_FORCE:
		o->force = 1;
		return 0;
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

static int
check_archiving(struct cmd_ctx *ctx, const struct backup_now_opts *o,
		const char *method, const char *cname)
{
	const json_t *c =
		cluster_condition(ctx->cluster, "ContinuousArchiving");
	const char *status = json_string_value(json_object_get(c, "status"));
	const char *msg = json_string_value(json_object_get(c, "message"));

	if (strcmp(method, "volumeSnapshot") == 0 &&
	    o->bf.online == MANIFEST_FALSE)
		return 0; /* a cold snapshot needs no WAL */
	if (!status || strcmp(status, "False") != 0)
		return 0;
	if (o->force) {
		cmd_warn("WAL archiving of cluster '%s/%s' is failing (%s); "
			 "the backup will not be restorable until it works",
			 ctx->namespace, cname, msg ? msg : "no message");
		return 0;
	}
	error_set(ctx->err, ERR_PRECONDITION,
		  "WAL archiving of cluster '%s/%s' is failing: "
		  "ContinuousArchiving is False (%s); a base backup without "
		  "its archived WAL cannot be restored",
		  ctx->namespace, cname, msg ? msg : "no message");
	error_hint(ctx->err,
		   "run 'kubectl cnpgops archive-test %s -n %s' to find the "
		   "cause, or pass --force to back up anyway",
		   cname, ctx->namespace);
	return -1;
}

static const char *
st(const json_t *b, const char *key)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(b, "status"), key));

	return s ? s : "-";
}

static void
print_summary(const json_t *b, const char *name)
{
	printf("backup/%s completed\n", name);
	printf("  backupId:  %s\n", st(b, "backupId"));
	printf("  WAL:       %s .. %s\n", st(b, "beginWal"), st(b, "endWal"));
	printf("  LSN:       %s .. %s\n", st(b, "beginLSN"), st(b, "endLSN"));
	printf("  started:   %s\n", st(b, "startedAt"));
	printf("  stopped:   %s\n", st(b, "stoppedAt"));
}

static int
follow(struct cmd_ctx *ctx, const char *name, const char *cname,
       long timeout_ms)
{
	json_t *final = NULL;
	int rc;

	if (cmd_wait_backup(&final, ctx, ctx->kube, ctx->namespace, name, cname,
			    timeout_ms))
		return -1;
	if (ctx->g->output == OUTPUT_JSON)
		rc = output_json(stdout, final, ctx->err);
	else if (ctx->g->output == OUTPUT_YAML)
		rc = output_yaml(stdout, final, ctx->err);
	else {
		print_summary(final, name);
		rc = 0;
	}
	json_decref(final);
	return rc;
}

static int
backup_now_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct backup_now_opts *o = ctx->state;
	struct manifest_backup mb = { 0 };
	const char *cname = argv[0];
	const char *method, *plugin;
	char *name = NULL;
	json_t *manifest = NULL, *created = NULL;
	int rc = -1;

	(void)argc;
	if (cluster_choose_backup_method(&method, &plugin, ctx->cluster,
					 o->bf.method, ctx->err) ||
	    cluster_check_backup_flags(method, o->bf.online,
				       o->bf.immediate_checkpoint,
				       o->bf.wait_for_archive, ctx->err) ||
	    check_archiving(ctx, o, method, cname))
		goto out;
	if (o->name) {
		name = xstrdup(o->name);
	} else {
		char *base = xasprintf("%s-", cname);

		name = cmd_stamped(base, CMD_STAMP_SECOND);
		free(base);
	}
	mb.name = name;
	mb.namespace = ctx->namespace;
	mb.cluster = cname;
	mb.method = method;
	mb.plugin_name = plugin;
	mb.target = o->bf.target;
	mb.online = o->bf.online;
	mb.immediate_checkpoint = o->bf.immediate_checkpoint;
	mb.wait_for_archive = o->bf.wait_for_archive;
	manifest = manifest_backup(&mb);

	if (ctx->g->dry_run == DRY_RUN_CLIENT) {
		rc = ctx->g->output == OUTPUT_JSON
			     ? output_json(stdout, manifest, ctx->err)
			     : output_yaml(stdout, manifest, ctx->err);
		goto out;
	}
	created = kube_create(ctx->kube, KUBE_BACKUP, ctx->namespace, manifest,
			      ctx->g->dry_run == DRY_RUN_SERVER
				      ? KUBE_DRY_RUN_SERVER
				      : KUBE_DRY_RUN_NONE,
			      ctx->err);
	if (!created) {
		error_prefix(ctx->err,
			     "creating backup '%s/%s': ", ctx->namespace, name);
		goto out;
	}
	if (ctx->g->dry_run == DRY_RUN_SERVER) {
		rc = ctx->g->output == OUTPUT_JSON
			     ? output_json(stdout, created, ctx->err)
			     : output_yaml(stdout, created, ctx->err);
		goto out;
	}
	if (!o->wait) {
		if (ctx->g->output == OUTPUT_JSON)
			rc = output_json(stdout, created, ctx->err);
		else if (ctx->g->output == OUTPUT_YAML)
			rc = output_yaml(stdout, created, ctx->err);
		else {
			printf("backup/%s created\n", name);
			rc = 0;
		}
		goto out;
	}
	fprintf(stderr, "backup/%s created; waiting for it to finish\n", name);
	fflush(stdout);
	rc = follow(ctx, name, cname, o->timeout_ms);
out:
	json_decref(created);
	json_decref(manifest);
	free(name);
	return rc;
}
