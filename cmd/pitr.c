/*
 * pitr: build a point-in-time-recovery Cluster from the catalog, validated
 * against it before anything is created.
 *
 * usage: kubectl cnpgops pitr CLUSTER (--to TIME | --to-lsn LSN |
 *        --to-xid XID | --to-name NAME | --immediate | --latest)
 *        [--backup-id ID] [--name NEW] [--target-namespace NS] [--exclusive]
 *        [--instances N] [--archive] [--object-store NAME] [--apply] [--wait]
 *        [--timeout DURATION] [--dry-run=client|server] [-o yaml|json]
 *
 * The plan (which backup, which WAL to replay, the window) comes from the
 * barman catalog in the object store, read from here; a target outside the
 * window, a gap in the WAL or a missing backup is refused (exit 3) before
 * anything is created.  Without --apply the manifest is printed; with it
 * the Cluster is created (after a server-side dry run) and --wait follows
 * it until it is healthy.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "archive.h"
#include "cli.h"
#include "cluster.h"
#include "kube.h"
#include "manifest.h"
#include "output.h"
#include "plan.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

struct pitr_opts {
	enum manifest_target_kind target;
	int ntargets;
	const char *value; /* the raw --to, --to-lsn, --to-xid or --to-name */
	const char *backup_id;
	const char *name;
	const char *target_ns;
	const char *object_store;
	int exclusive;
	int instances;
	int archive;
	int apply;
	int wait;
	int explain;
	long timeout_ms;
};

enum {
	OPT_TO = OPT_LOCAL_BASE,
	OPT_TO_LSN,
	OPT_TO_XID,
	OPT_TO_NAME,
	OPT_IMMEDIATE,
	OPT_LATEST,
	OPT_BACKUP_ID,
	OPT_NAME,
	OPT_TARGET_NS,
	OPT_EXCLUSIVE,
	OPT_INSTANCES,
	OPT_ARCHIVE,
	OPT_OBJECT_STORE,
	OPT_APPLY,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_EXPLAIN
};

static void pitr_init(void *state);
static int pitr_opt(void *state, int ch, const char *arg, struct error *err);
static int pitr_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option pitr_longopts[] = {
	GLOBAL_LONGOPTS,
	{ "to", required_argument, NULL, OPT_TO },
	{ "to-lsn", required_argument, NULL, OPT_TO_LSN },
	{ "to-xid", required_argument, NULL, OPT_TO_XID },
	{ "to-name", required_argument, NULL, OPT_TO_NAME },
	{ "immediate", no_argument, NULL, OPT_IMMEDIATE },
	{ "latest", no_argument, NULL, OPT_LATEST },
	{ "backup-id", required_argument, NULL, OPT_BACKUP_ID },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "target-namespace", required_argument, NULL, OPT_TARGET_NS },
	{ "exclusive", no_argument, NULL, OPT_EXCLUSIVE },
	{ "instances", required_argument, NULL, OPT_INSTANCES },
	{ "archive", no_argument, NULL, OPT_ARCHIVE },
	{ "object-store", required_argument, NULL, OPT_OBJECT_STORE },
	{ "apply", no_argument, NULL, OPT_APPLY },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_pitr_entry = {
	.name = "pitr",
	.usage = "CLUSTER (--to TIME | --to-lsn LSN | --to-xid XID | "
		 "--to-name NAME | --immediate | --latest) [--backup-id ID] "
		 "[--name NEW] [--target-namespace NS] [--exclusive] "
		 "[--instances N] [--archive] [--explain | --apply [--wait]] "
		 "[--timeout DURATION] [--dry-run=client|server] "
		 "[-o yaml|json]",
	.summary = "Build a point-in-time-recovery Cluster from the catalog",
	.help = "      --to TIME                recover up to this instant: "
		"RFC3339, '2026-11-24 09:41:00+00', now-15m\n"
		"      --to-lsn LSN             up to this WAL position "
		"(X/Y)\n"
		"      --to-xid XID             up to this transaction\n"
		"      --to-name NAME           up to this restore point\n"
		"      --immediate              only to the end of the "
		"backup\n"
		"      --latest                 to the end of the archived "
		"WAL\n"
		"      --backup-id ID           recover from this backup "
		"(checked against the target)\n"
		"      --name NEW               the new Cluster (default "
		"CLUSTER-pitr-YYYYMMDDHHMM, UTC)\n"
		"      --target-namespace NS    create it there (default: "
		"the source's namespace)\n"
		"      --exclusive              stop just before the target, "
		"not after it\n"
		"      --instances N            instances of the new cluster "
		"(default: the source's)\n"
		"      --archive                let the new cluster archive WAL "
		"under its own serverName\n"
		"      --object-store NAME      read the archive through this "
		"ObjectStore\n"
		"      --apply                  create the Cluster (after a "
		"server-side dry run)\n"
		"      --wait                   with --apply, follow it until "
		"it is healthy\n"
		"      --timeout DURATION       give up waiting after this "
		"long (default 1h)\n"
		"      --explain                print the plan, with the last "
		"transaction\n"
		"                               kept and the one recovery stops "
		"at, read\n"
		"                               from the WAL; create nothing\n",
	.shortopts = "",
	.longopts = pitr_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_KUBE | CMD_TARGET_CLUSTER | CMD_MUTATES |
		 CMD_OUTPUT_YAML,
	.state_size = sizeof(struct pitr_opts),
	.init = pitr_init,
	.opt = pitr_opt,
	.exec = pitr_exec,
};

static void
pitr_init(void *state)
{
	struct pitr_opts *o = state;

	o->timeout_ms = 3600L * 1000;
}

static int
set_target(struct pitr_opts *o, enum manifest_target_kind kind,
	   const char *value)
{
	o->target = kind;
	o->value = value;
	o->ntargets++;
	return 0;
}

static int
pitr_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct pitr_opts *o = state;

	switch (ch) {
	case OPT_TO:
		return set_target(o, MANIFEST_TARGET_TIME, arg);
	case OPT_TO_LSN:
		return set_target(o, MANIFEST_TARGET_LSN, arg);
	case OPT_TO_XID:
		return set_target(o, MANIFEST_TARGET_XID, arg);
	case OPT_TO_NAME:
		return set_target(o, MANIFEST_TARGET_NAME, arg);
	case OPT_IMMEDIATE:
		return set_target(o, MANIFEST_TARGET_IMMEDIATE, NULL);
	case OPT_LATEST:
		return set_target(o, MANIFEST_TARGET_LATEST, NULL);
	case OPT_BACKUP_ID:
		o->backup_id = arg;
		return 0;
	case OPT_NAME:
		o->name = arg;
		return 0;
	case OPT_TARGET_NS:
		o->target_ns = arg;
		return 0;
	case OPT_EXCLUSIVE:
		o->exclusive = 1;
		return 0;
	case OPT_INSTANCES:
		return cmd_parse_instances(&o->instances, arg, err);
	case OPT_ARCHIVE:
		o->archive = 1;
		return 0;
	case OPT_OBJECT_STORE:
		o->object_store = arg;
		return 0;
	case OPT_APPLY:
		o->apply = 1;
		return 0;
	case OPT_EXPLAIN:
		o->explain = 1;
		return 0;
	case OPT_WAIT:
		o->wait = 1;
		return 0;
	case OPT_TIMEOUT:
		return cmd_parse_timeout(&o->timeout_ms, arg, err);
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

/* "X/Y" with hex parts, as PostgreSQL writes an LSN. */
static int
check_lsn(const char *s, struct error *err)
{
	const char *slash = strchr(s, '/');
	size_t a = slash ? (size_t)(slash - s) : 0;
	size_t b = slash ? strlen(slash + 1) : 0;

	if (!slash || a < 1 || a > 8 || b < 1 || b > 8 ||
	    strspn(s, "0123456789abcdefABCDEF") != a ||
	    strspn(slash + 1, "0123456789abcdefABCDEF") != b) {
		error_set(err, ERR_USAGE, "invalid LSN '%s'", s);
		error_hint(err, "an LSN is two hex numbers, like 0/5000060 "
				"(see pg_current_wal_lsn())");
		return -1;
	}
	return 0;
}

static int
check_target(struct cmd_ctx *ctx, struct pitr_opts *o,
	     struct timefmt_target *when)
{
	struct error *err = ctx->err;

	if (o->ntargets == 0)
		return cmd_usage_error(ctx->entry, err,
				       "'pitr' needs a target: --to, --to-lsn, "
				       "--to-xid, --to-name, --immediate or "
				       "--latest");
	if (o->ntargets > 1)
		return cmd_usage_error(ctx->entry, err,
				       "give one recovery target, not %d",
				       o->ntargets);
	if (o->exclusive && (o->target == MANIFEST_TARGET_LATEST ||
			     o->target == MANIFEST_TARGET_IMMEDIATE))
		return cmd_usage_error(ctx->entry, err,
				       "--exclusive needs --to, --to-lsn, "
				       "--to-xid or --to-name");
	if (o->explain && o->apply)
		return error_set(
			err, ERR_USAGE,
			"--explain creates nothing: leave out --apply");
	if (o->wait && !o->apply)
		return cmd_usage_error(ctx->entry, err,
				       "--wait follows the Cluster --apply "
				       "creates: add --apply");
	switch (o->target) {
	case MANIFEST_TARGET_TIME:
		if (timefmt_parse_target(when, o->value, timefmt_now(), err))
			return -1;
		if (when->assumed_utc)
			cmd_note("note: '%s' has no time zone; taken as UTC",
				 o->value);
		break;
	case MANIFEST_TARGET_LSN:
		return check_lsn(o->value, err);
	case MANIFEST_TARGET_XID: {
		char *end;
		unsigned long long x;

		errno = 0;
		x = strtoull(o->value, &end, 10);
		if (errno || *end || !isdigit((unsigned char)*o->value) ||
		    x < 3 || x > 0xffffffffULL)
			return error_set(err, ERR_USAGE,
					 "invalid transaction id '%s' (a "
					 "number from 3 to 4294967295)",
					 o->value);
		break;
	}
	case MANIFEST_TARGET_NAME:
		if (!*o->value || strlen(o->value) >= 64)
			return error_set(err, ERR_USAGE,
					 "a restore point name has 1 to 63 "
					 "bytes");
		break;
	default:
		break;
	}
	return 0;
}

static int
print_object(struct cmd_ctx *ctx, const json_t *obj)
{
	return ctx->g->output == OUTPUT_JSON
		       ? output_json(stdout, obj, ctx->err)
		       : output_yaml(stdout, obj, ctx->err);
}

static int
pitr_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct pitr_opts *o = ctx->state;
	struct timefmt_target when = { { 0, 0 }, 0, 0 };
	struct archive_config *arch = NULL;
	struct plan plan = { 0 };
	struct manifest_recovery r = { 0 };
	const char *src = argv[0];
	const char *ns = o->target_ns ? o->target_ns : ctx->namespace;
	char *name = NULL, *target_value = NULL;
	json_t *manifest = NULL, *created = NULL;
	int rc = -1;

	(void)argc;
	if (check_target(ctx, o, &when))
		goto out;
	if (o->name) {
		name = xstrdup(o->name);
	} else {
		char *base = xasprintf("%s-pitr-", src);

		name = cmd_stamped(base, CMD_STAMP_MINUTE);
		free(base);
	}
	if (archive_resolve(&arch, ctx->kube, ctx->namespace, ctx->cluster,
			    o->object_store, ctx->err))
		goto out;
	if (o->target == MANIFEST_TARGET_TIME) {
		char *t = timefmt_format_rfc3339(when.time);

		cmd_note("target: %s (UTC)", t);
		free(t);
	} else if (o->target == MANIFEST_TARGET_XID ||
		   o->target == MANIFEST_TARGET_NAME) {
		cmd_note("looking for the %s in the archived WAL from the "
			 "oldest backup on: this reads all of it",
			 o->target == MANIFEST_TARGET_XID ? "transaction"
							  : "restore point");
	}
	if (plan_make(&plan, arch, o->target, &when.time, o->value,
		      o->backup_id, o->exclusive ? PLAN_EXCLUSIVE : 0,
		      ctx->err))
		goto out;
	/* --explain: the plan is the output */
	cmd_print_plan(&plan, o->explain ? stdout : stderr);
	if (o->explain) {
		rc = 0;
		goto out;
	}
	if (o->archive && plan_check_empty(arch, name, ctx->err))
		goto out;

	if (o->target == MANIFEST_TARGET_TIME)
		target_value = timefmt_format_pg(when.time);
	cmd_recovery_of(&r, ctx->cluster, name, ns, arch, &plan);
	r.target = o->target;
	r.target_value = target_value ? target_value : o->value;
	r.exclusive = o->exclusive;
	r.instances = o->instances;
	r.archive_server = o->archive ? name : NULL;
	manifest = manifest_recovery_cluster(&r);

	if (!o->apply && ctx->g->dry_run != DRY_RUN_SERVER) {
		rc = print_object(ctx, manifest);
		goto out;
	}
	/* a server-side dry run first: the API server's validation */
	created = kube_create(ctx->kube, KUBE_CLUSTER, ns, manifest,
			      KUBE_DRY_RUN_SERVER, ctx->err);
	if (!created) {
		error_prefix(ctx->err, "validating cluster '%s/%s': ", ns,
			     name);
		goto out;
	}
	if (ctx->g->dry_run != DRY_RUN_NONE) {
		rc = print_object(ctx, created);
		goto out;
	}
	json_decref(created);
	created = kube_create(ctx->kube, KUBE_CLUSTER, ns, manifest,
			      KUBE_DRY_RUN_NONE, ctx->err);
	if (!created) {
		error_prefix(ctx->err, "creating cluster '%s/%s': ", ns, name);
		goto out;
	}
	if (ctx->g->output == OUTPUT_TEXT)
		printf("cluster/%s created\n", name);
	else if (print_object(ctx, created))
		goto out;
	fflush(stdout);
	if (o->wait) {
		if (cmd_wait_cluster_healthy(ctx, ctx->kube, ns, name,
					     o->timeout_ms))
			goto out;
	}
	rc = 0;
out:
	plan_release(&plan);
	archive_config_free(arch);
	json_decref(manifest);
	json_decref(created);
	free(target_value);
	free(name);
	return rc;
}
