/*
 * recreate: recreate a cluster with a new bootstrap, never losing it.
 *
 * usage: kubectl cnpgops recreate CLUSTER (--bootstrap recovery
 *        [--backup-id ID | --to TIME | --latest] | --bootstrap initdb |
 *        --from-file MANIFEST) [--server-name NAME] [--state-dir DIR]
 *        [--gitops-ok] [--yes] [--wait] [--timeout DURATION]
 *        [--dry-run=client]
 *        kubectl cnpgops recreate --resume DIR [--yes] [--wait]
 *
 * Bootstrap is create-time only, and deleting a CNPG Cluster deletes its
 * PVCs, so this is a procedure of ten steps, each recorded in a journal in
 * the state directory before and after it runs (include/journal.h):
 *
 *   save       the Cluster, its ScheduledBackups and ObjectStore as clean
 *              manifests (cluster.yaml, scheduledbackups.yaml,
 *              objectstore.yaml)
 *   gitops     refuse a Flux, Argo CD or Helm owned cluster (--gitops-ok)
 *   preflight  ContinuousArchiving True and the catalog readable
 *   backup     a fresh Backup (or --backup-id), verified in the catalog:
 *              DONE, with WAL continuous through its end
 *   build      the new manifest (new-cluster.yaml), archiving under a new,
 *              empty serverName, validated by a server-side dry run
 *   confirm    the plan and the diff; a prompt on a terminal, else --yes
 *   suspend    the ScheduledBackups that were active
 *   delete     the Cluster (checked to be the saved one by uid), after the
 *              backup is checked again; waits until it and its PVCs are gone
 *   create     the new Cluster; --wait follows it to healthy
 *   restore    the ScheduledBackups suspended above
 *
 * --resume DIR continues after the last finished step; every step can be
 * repeated safely.  After the deletion every failure prints the command
 * that finishes the job.  --dry-run=client runs save to confirm (taking no
 * backup: the newest verified one stands in) and changes nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "archive.h"
#include "cli.h"
#include "cluster.h"
#include "journal.h"
#include "jsonmem.h"
#include "kube.h"
#include "manifest.h"
#include "output.h"
#include "plan.h"
#include "recreate.h"
#include "strbuf.h"
#include "textdiff.h"
#include "timefmt.h"
#include "xmalloc.h"
#include "yamljson.h"

struct recreate_opts {
	const char *bootstrap;
	const char *backup_id;
	const char *to;
	int latest;
	const char *from_file;
	const char *server_name;
	const char *state_dir;
	const char *resume;
	int yes;
	int wait;
	int gitops_ok;
	long timeout_ms;
	int timeout_set;
};

enum {
	OPT_BOOTSTRAP = OPT_LOCAL_BASE,
	OPT_BACKUP_ID,
	OPT_TO,
	OPT_LATEST,
	OPT_FROM_FILE,
	OPT_SERVER_NAME,
	OPT_STATE_DIR,
	OPT_RESUME,
	OPT_YES,
	OPT_WAIT,
	OPT_GITOPS_OK,
	OPT_TIMEOUT
};

static void recreate_init(void *state);
static int recreate_opt(void *state, int ch, const char *arg,
			struct error *err);
static int recreate_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option recreate_longopts[] = {
	GLOBAL_LONGOPTS,
	{ "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
	{ "backup-id", required_argument, NULL, OPT_BACKUP_ID },
	{ "to", required_argument, NULL, OPT_TO },
	{ "latest", no_argument, NULL, OPT_LATEST },
	{ "from-file", required_argument, NULL, OPT_FROM_FILE },
	{ "server-name", required_argument, NULL, OPT_SERVER_NAME },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "gitops-ok", no_argument, NULL, OPT_GITOPS_OK },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_recreate_entry = {
	.name = "recreate",
	.usage = "CLUSTER (--bootstrap recovery [--backup-id ID | --to TIME | "
		 "--latest] | --bootstrap initdb | --from-file MANIFEST) "
		 "[--server-name NAME] [--state-dir DIR] [--gitops-ok] [--yes] "
		 "[--wait] [--timeout DURATION] [--dry-run=client] | "
		 "--resume DIR [--yes] [--wait]",
	.summary = "Recreate a cluster with a new bootstrap, never losing it",
	.help = "      --bootstrap MODE         recovery (from its own archive) "
		"or initdb (a new, empty database)\n"
		"      --backup-id ID           recovery: from this existing "
		"backup (no new backup is taken)\n"
		"      --to TIME                recovery: up to this instant "
		"(default: the end of the archive)\n"
		"      --latest                 recovery: to the end of the "
		"archive (the default)\n"
		"      --from-file MANIFEST     recreate it as this Cluster "
		"manifest says\n"
		"      --server-name NAME       archive under this serverName "
		"(default: CLUSTER-rN, the next empty one)\n"
		"      --state-dir DIR          where the saved manifests and "
		"the journal go (default: ./cnpgops-recreate-NS-CLUSTER-TIME)\n"
		"      --resume DIR             continue an interrupted "
		"recreate from its state directory\n"
		"      --yes                    do not ask (required when stdin "
		"is not a terminal)\n"
		"      --wait                   follow the new cluster until it "
		"is healthy\n"
		"      --gitops-ok              go on although Flux, Argo CD or "
		"Helm manages the cluster\n"
		"      --timeout DURATION       for each wait: backup, deletion, "
		"new cluster (default 1h)\n",
	.shortopts = "",
	.longopts = recreate_longopts,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_NEEDS_KUBE | CMD_MUTATES | CMD_OUTPUT_YAML,
	.state_size = sizeof(struct recreate_opts),
	.init = recreate_init,
	.opt = recreate_opt,
	.exec = recreate_exec,
};

static void
recreate_init(void *state)
{
	struct recreate_opts *o = state;

	o->timeout_ms = 3600L * 1000;
}

static int
recreate_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct recreate_opts *o = state;

	switch (ch) {
	case OPT_BOOTSTRAP:
		if (o->from_file)
			return error_set(err, ERR_USAGE,
					 "give --bootstrap recovery, "
					 "--bootstrap initdb or --from-file "
					 "MANIFEST");
		if (strcmp(arg, "recovery") != 0 && strcmp(arg, "initdb") != 0)
			return error_set(err, ERR_USAGE,
					 "--bootstrap is recovery or initdb, "
					 "not '%s'",
					 arg);
		o->bootstrap = arg;
		return 0;
	case OPT_BACKUP_ID:
		o->backup_id = arg;
		return 0;
	case OPT_TO:
		o->to = arg;
		return 0;
	case OPT_LATEST:
		o->latest = 1;
		return 0;
	case OPT_FROM_FILE:
		if (o->bootstrap)
			return error_set(err, ERR_USAGE,
					 "give --bootstrap recovery, "
					 "--bootstrap initdb or --from-file "
					 "MANIFEST");
		o->from_file = arg;
		return 0;
	case OPT_SERVER_NAME:
		o->server_name = arg;
		return 0;
	case OPT_STATE_DIR:
		o->state_dir = arg;
		return 0;
	case OPT_RESUME:
		o->resume = arg;
		return 0;
	case OPT_YES:
		o->yes = 1;
		return 0;
	case OPT_WAIT:
		o->wait = 1;
		return 0;
	case OPT_GITOPS_OK:
		o->gitops_ok = 1;
		return 0;
	case OPT_TIMEOUT:
		o->timeout_set = 1;
		return cmd_parse_timeout(&o->timeout_ms, arg, err);
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

/* Everything the steps share; what a resumed run rebuilds from the files. */
struct rc {
	struct cmd_ctx *ctx;
	struct recreate_opts *o;
	json_t *plan; /* plan.json: the procedure's parameters */
	const char *ns;
	const char *name;
	char *dir;
	int dry; /* --dry-run=client: nothing changes, nothing is written */
	struct journal *j;
	json_t *old; /* the clean old Cluster */
	char *old_uid;
	struct archive_config *arch; /* the old archive */
	char *backup_id; /* the verified backup */
	char *new_server;
	json_t *fresh; /* the new Cluster manifest */
	json_t *schedules; /* the saved ScheduledBackups (array) */
	int deleted; /* the old Cluster is gone: failures say how to finish */
	int created; /* the new one exists */
};

static const char *
plan_str(const struct rc *r, const char *key)
{
	return json_string_value(json_object_get(r->plan, key));
}

static int
rc_write_yaml(struct rc *r, const char *file, const json_t *v)
{
	char *yaml;
	int rc;

	if (r->dry)
		return 0;
	yaml = output_yaml_string(v, r->ctx->err);
	if (!yaml)
		return -1;
	rc = journal_write_file(r->dir, file, yaml, strlen(yaml), r->ctx->err);
	free(yaml);
	return rc;
}

/* The first document of a state file. */
static json_t *
rc_read_yaml(struct rc *r, const char *file)
{
	char *path = xasprintf("%s/%s", r->dir, file);
	json_t *docs = yamljson_read_file(path, r->ctx->err);
	json_t *v = NULL;

	if (docs && json_array_size(docs) > 0)
		v = json_incref(json_array_get(docs, 0));
	else if (docs)
		error_set(r->ctx->err, ERR_IO, "'%s' is empty", path);
	json_decref(docs);
	free(path);
	return v;
}

/* ---- step: save ---------------------------------------------------------- */

static int
load_schedules(struct rc *r)
{
	char *path = xasprintf("%s/scheduledbackups.yaml", r->dir);

	json_decref(r->schedules);
	r->schedules = yamljson_read_file(path, r->ctx->err);
	free(path);
	return r->schedules ? 0 : -1;
}

static int
resolve_archive(struct rc *r)
{
	if (r->arch)
		return 0;
	if (archive_resolve(&r->arch, r->ctx->kube, r->ns, r->old, NULL,
			    r->ctx->err)) {
		error_prefix(r->ctx->err, "cluster '%s/%s': ", r->ns, r->name);
		return -1;
	}
	return 0;
}

static int
step_save(struct rc *r, const json_t *done, json_t **result)
{
	struct error *err = r->ctx->err;
	json_t *live = NULL, *list = NULL, *saved = json_array();
	json_t *store = NULL, *item;
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int rc = -1;

	if (done) {
		const char *uid =
			json_string_value(json_object_get(done, "uid"));

		r->old = rc_read_yaml(r, "cluster.yaml");
		r->old_uid = xstrdup(uid ? uid : "");
		rc = r->old && !load_schedules(r) ? resolve_archive(r) : -1;
		goto out;
	}
	live = kube_get(r->ctx->kube, KUBE_CLUSTER, r->ns, r->name, err);
	if (!live) {
		error_prefix(err, "cluster '%s/%s': ", r->ns, r->name);
		goto out;
	}
	if (json_object_get(json_object_get(live, "metadata"),
			    "deletionTimestamp")) {
		error_set(err, ERR_PRECONDITION,
			  "cluster '%s/%s' is being deleted already", r->ns,
			  r->name);
		goto out;
	}
	r->old = recreate_clean(live);
	{
		const char *uid = json_string_value(json_object_get(
			json_object_get(live, "metadata"), "uid"));

		r->old_uid = xstrdup(uid ? uid : "");
	}
	if (resolve_archive(r))
		goto out;
	list = kube_list(r->ctx->kube, KUBE_SCHEDULED_BACKUP, r->ns, NULL, err);
	if (!list) {
		error_prefix(err, "listing scheduled backups in '%s': ", r->ns);
		goto out;
	}
	json_array_foreach(json_object_get(list, "items"), i, item)
	{
		const char *c = json_string_value(json_object_get(
			json_object_get(json_object_get(item, "spec"),
					"cluster"),
			"name"));

		if (c && strcmp(c, r->name) == 0)
			json_array_append_new(saved, recreate_clean(item));
	}
	if (r->arch->model == ARCHIVE_MODEL_PLUGIN) {
		json_t *s = kube_get(r->ctx->kube, KUBE_OBJECT_STORE, r->ns,
				     r->arch->object_store_name, err);

		if (!s)
			goto out;
		store = recreate_clean(s);
		json_decref(s);
	}
	if (rc_write_yaml(r, "cluster.yaml", r->old))
		goto out;
	json_array_foreach(saved, i, item)
	{
		char *y = output_yaml_string(item, err);

		if (!y)
			goto out;
		strbuf_addf(&sb, "---\n%s", y);
		free(y);
	}
	if (!r->dry && journal_write_file(r->dir, "scheduledbackups.yaml",
					  sb.len ? sb.buf : "", sb.len, err))
		goto out;
	if (store && rc_write_yaml(r, "objectstore.yaml", store))
		goto out;
	r->schedules = json_incref(saved);
	if (!r->dry)
		cmd_note("saved: %s/cluster.yaml (kubectl apply -f re-creates "
			 "it as it was), %zu ScheduledBackup(s)%s",
			 r->dir, json_array_size(saved),
			 store ? ", the ObjectStore" : "");
	*result = json_pack("{s:s, s:s, s:i}", "uid", r->old_uid, "serverName",
			    r->arch->server_name, "scheduledBackups",
			    (int)json_array_size(saved));
	rc = 0;
out:
	strbuf_release(&sb);
	json_decref(live);
	json_decref(list);
	json_decref(saved);
	json_decref(store);
	return rc;
}

/* ---- step: gitops -------------------------------------------------------- */

static int
step_gitops(struct rc *r, const json_t *done, json_t **result)
{
	const char *evidence = NULL;
	const char *owner;

	if (done)
		return 0;
	owner = recreate_gitops_owner(r->old, &evidence);
	if (owner && !r->o->gitops_ok && !r->dry) {
		error_set(r->ctx->err, ERR_PRECONDITION,
			  "cluster '%s/%s' is managed by %s (%s): it would "
			  "revert or re-create the cluster behind this "
			  "command's back",
			  r->ns, r->name, owner, evidence);
		error_hint(r->ctx->err,
			   "print the manifest to commit with 'kubectl cnpgops "
			   "recreate %s -n %s ... --dry-run=client -o yaml', "
			   "suspend %s for this cluster, then re-run with "
			   "--gitops-ok",
			   r->name, r->ns, owner);
		return -1;
	}
	if (owner)
		cmd_warn(
			"cluster '%s/%s' is managed by %s (%s): commit the new "
			"manifest there too",
			r->ns, r->name, owner, evidence);
	*result = owner ? json_pack("{s:s}", "owner", owner) : NULL;
	return 0;
}

/* ---- step: preflight ----------------------------------------------------- */

static int
step_preflight(struct rc *r, const json_t *done, json_t **result)
{
	struct error *err = r->ctx->err;
	json_t *live;
	const json_t *c;
	const char *status, *msg;
	struct plan p = { 0 };
	int rc;

	(void)result;
	if (done)
		return 0;
	live = kube_get(r->ctx->kube, KUBE_CLUSTER, r->ns, r->name, err);
	if (!live)
		return -1;
	c = cluster_condition(live, "ContinuousArchiving");
	status = json_string_value(json_object_get(c, "status"));
	msg = json_string_value(json_object_get(c, "message"));
	if (!status || strcmp(status, "True") != 0) {
		error_set(err, ERR_PRECONDITION,
			  "WAL archiving of cluster '%s/%s' is not working "
			  "(ContinuousArchiving %s%s%s): no backup taken now "
			  "could be restored",
			  r->ns, r->name, status ? status : "not reported",
			  msg ? ": " : "", msg ? msg : "");
		error_hint(err, "run 'kubectl cnpgops archive-test %s -n %s'",
			   r->name, r->ns);
		json_decref(live);
		return -1;
	}
	json_decref(live);
	/* the catalog must be readable: a plan to the end of the archive */
	rc = plan_make(&p, r->arch, MANIFEST_TARGET_LATEST, NULL, NULL, NULL,
		       PLAN_NO_WAL, err);
	if (rc && (err->code == ERR_OBJSTORE || err->code == ERR_CONFIG ||
		   err->code == ERR_IO || err->code == ERR_CATALOG)) {
		error_prefix(err, "reading the archive of '%s/%s': ", r->ns,
			     r->name);
		error_hint(err, "run 'kubectl cnpgops archive-test %s -n %s'",
			   r->name, r->ns);
		return -1;
	}
	if (rc) { /* readable, but nothing restorable yet: the backup step */
		cmd_note("the archive holds no restorable backup yet (%s)",
			 err->msg);
		error_clear(err);
	}
	plan_release(&p);
	return 0;
}

/* ---- step: backup -------------------------------------------------------- */

/* DONE in the catalog, with its WAL through the end: a restorable backup. */
static int
verify_backup(struct rc *r, const char *id)
{
	struct plan p = { 0 };

	if (plan_make(&p, r->arch, MANIFEST_TARGET_IMMEDIATE, NULL, NULL, id,
		      PLAN_NO_WAL, r->ctx->err)) {
		error_prefix(
			r->ctx->err,
			"backup '%s' is not restorable from the catalog: ", id);
		return -1;
	}
	cmd_note("verified: backup %s is DONE in the catalog with WAL %s..%s",
		 id, p.first_wal, p.last_wal ? p.last_wal : "?");
	plan_release(&p);
	return 0;
}

static int
step_backup(struct rc *r, const json_t *done, json_t **result)
{
	struct error *err = r->ctx->err;
	const json_t *started =
		r->j ? journal_find(r->j, "backup", "start") : NULL;
	const char *method, *plugin;
	struct manifest_backup mb = { 0 };
	json_t *manifest = NULL, *got = NULL, *final = NULL, *live = NULL;
	char *name = NULL;
	const char *id;
	int rc = -1;

	if (done) {
		r->backup_id = xstrdup(
			json_string_value(json_object_get(done, "backupId")));
		return 0;
	}
	if (plan_str(r, "backupId")) {
		id = plan_str(r, "backupId");
		goto verify;
	}
	if (r->dry) {
		struct plan p = { 0 };

		if (plan_make(&p, r->arch, MANIFEST_TARGET_LATEST, NULL, NULL,
			      NULL, PLAN_NO_WAL, err)) {
			error_prefix(err, "dry run: no backup is taken, and "
					  "none stands in for it: ");
			error_hint(err,
				   "take one with 'kubectl cnpgops backup "
				   "now %s -n %s --wait', then dry-run "
				   "again",
				   r->name, r->ns);
			return -1;
		}
		cmd_note("dry run: no backup is taken; the newest restorable "
			 "one, %s, stands in for it",
			 p.backup_id);
		r->backup_id = p.backup_id;
		p.backup_id = NULL;
		plan_release(&p);
		return 0;
	}
	/* a backup named in an earlier attempt's start record is reused */
	if (started && json_string_value(json_object_get(started, "name")))
		name = xstrdup(
			json_string_value(json_object_get(started, "name")));
	got = name ? kube_get(r->ctx->kube, KUBE_BACKUP, r->ns, name, err)
		   : NULL;
	if (!got && name && err->code != ERR_NOT_FOUND)
		goto out;
	error_clear(err);
	if (!got) {
		/* method and plugin point into live: it lives until out */
		live = kube_get(r->ctx->kube, KUBE_CLUSTER, r->ns, r->name,
				err);
		if (!live || cluster_choose_backup_method(&method, &plugin,
							  live, "auto", err))
			goto out;
		if (strcmp(method, "volumeSnapshot") == 0) {
			error_set(err, ERR_PRECONDITION,
				  "cluster '%s/%s' backs up with volume "
				  "snapshots only: recreate needs a backup in "
				  "the object store's catalog",
				  r->ns, r->name);
			goto out;
		}
		if (!name) {
			char *base = xasprintf("%s-recreate-", r->name);

			name = cmd_stamped(base, CMD_STAMP_SECOND);
			free(base);
			if (journal_record(r->j, "backup", "start",
					   json_pack("{s:s}", "name", name),
					   err))
				goto out;
		}
		mb.name = name;
		mb.namespace = r->ns;
		mb.cluster = r->name;
		mb.method = method;
		mb.plugin_name = plugin;
		manifest = manifest_backup(&mb);
		got = kube_create(r->ctx->kube, KUBE_BACKUP, r->ns, manifest,
				  KUBE_DRY_RUN_NONE, err);
		if (!got && err->code != ERR_CONFLICT) {
			error_prefix(err, "creating backup '%s/%s': ", r->ns,
				     name);
			goto out;
		}
		error_clear(err);
		fprintf(stderr, "backup/%s created; waiting for it to finish\n",
			name);
	}
	if (cmd_wait_backup(&final, r->ctx, r->ctx->kube, r->ns, name, r->name,
			    r->o->timeout_ms))
		goto out;
	id = json_string_value(
		json_object_get(json_object_get(final, "status"), "backupId"));
	if (!id) {
		error_set(err, ERR_KUBE_API,
			  "backup '%s/%s' completed without a backupId", r->ns,
			  name);
		goto out;
	}
verify:
	if (verify_backup(r, id))
		goto out;
	r->backup_id = xstrdup(id);
	*result = json_pack("{s:s}", "backupId", id);
	if (name)
		json_object_set_new(*result, "name", json_string(name));
	rc = 0;
out:
	json_decref(manifest);
	json_decref(got);
	json_decref(final);
	json_decref(live);
	free(name);
	return rc;
}

/* ---- step: build --------------------------------------------------------- */

static int
choose_server(struct rc *r, const char *current)
{
	struct error *err = r->ctx->err;
	int n;

	if (plan_str(r, "serverName")) {
		if (plan_check_empty(r->arch, plan_str(r, "serverName"), err)) {
			error_hint(err, "give another --server-name: recreate "
					"never archives into a used path");
			return -1;
		}
		r->new_server = xstrdup(plan_str(r, "serverName"));
		return 0;
	}
	for (n = 1; n <= 20; n++) {
		char *s = recreate_server_candidate(r->name, current, n);

		if (plan_check_empty(r->arch, s, err) == 0) {
			r->new_server = s;
			return 0;
		}
		free(s);
		if (err->code != ERR_PRECONDITION)
			return -1;
		error_clear(err);
	}
	error_set(err, ERR_PRECONDITION, "no empty serverName among %s-r1..r%d",
		  r->name, 20);
	error_hint(err, "choose one with --server-name");
	return -1;
}

static int
step_build(struct rc *r, const json_t *done, json_t **result)
{
	struct error *err = r->ctx->err;
	struct recreate_build b = { 0 };
	struct plan p = { 0 };
	struct timefmt_target when;
	json_t *file = NULL, *checked = NULL;
	char *pgtime = NULL;
	const char *mode = plan_str(r, "bootstrap");
	int rc = -1;

	if (done) {
		r->new_server = xstrdup(
			json_string_value(json_object_get(done, "serverName")));
		r->fresh = rc_read_yaml(r, "new-cluster.yaml");
		return r->fresh ? 0 : -1;
	}
	b.old = r->old;
	b.plugin_model = r->arch->model == ARCHIVE_MODEL_PLUGIN;
	b.object_store = r->arch->object_store_name;
	b.inline_config = r->arch->configuration;
	b.old_server = r->arch->server_name;
	b.backup_id = r->backup_id;
	b.target = MANIFEST_TARGET_LATEST;
	b.recreate_id = r->dry ? NULL : plan_str(r, "id");
	if (strcmp(mode, "file") == 0) {
		char *path = xasprintf("%s/from-file.yaml", r->dir);
		json_t *docs;

		docs = r->dry ? yamljson_read_file(r->o->from_file, err)
			      : yamljson_read_file(path, err);
		free(path);
		if (!docs)
			goto out;
		if (json_array_size(docs) != 1) {
			error_set(err, ERR_USAGE,
				  "--from-file: the file holds %zu objects; "
				  "give it the one Cluster",
				  json_array_size(docs));
			json_decref(docs);
			goto out;
		}
		file = json_incref(json_array_get(docs, 0));
		json_decref(docs);
		b.mode = RECREATE_FILE;
		b.file = file;
		b.new_server = plan_str(r, "serverName");
		b.backup_id = NULL;
	} else {
		if (choose_server(r, r->arch->server_name))
			goto out;
		b.new_server = r->new_server;
		b.mode = strcmp(mode, "initdb") == 0 ? RECREATE_INITDB
						     : RECREATE_RECOVERY;
	}
	if (b.mode == RECREATE_RECOVERY && plan_str(r, "to")) {
		if (timefmt_parse_target(&when, plan_str(r, "to"),
					 timefmt_now(), err))
			goto out;
		if (plan_make(&p, r->arch, MANIFEST_TARGET_TIME, &when.time,
			      NULL, NULL, 0, err))
			goto out;
		pgtime = timefmt_format_pg(when.time);
		b.backup_id = p.backup_id;
		b.target = MANIFEST_TARGET_TIME;
		b.target_value = pgtime;
		b.target_tli = p.target_tli;
	} else if (b.mode == RECREATE_RECOVERY) {
		/* to the end of the archive, from the verified backup */
		if (plan_make(&p, r->arch, MANIFEST_TARGET_LATEST, NULL, NULL,
			      r->backup_id, PLAN_NO_WAL, err))
			goto out;
		b.target_tli = p.target_tli;
	}
	if (b.mode != RECREATE_INITDB) {
		char *d = plan_describe(&p);

		if (p.backup_id)
			fputs(d, stderr);
		free(d);
	}
	r->fresh = recreate_new_cluster(&b, err);
	if (!r->fresh)
		goto out;
	if (b.mode == RECREATE_FILE) {
		/* the file's own archive: never a used path */
		struct archive_config *na = NULL;

		if (archive_resolve(&na, r->ctx->kube, r->ns, r->fresh, NULL,
				    err)) {
			error_prefix(err, "--from-file: ");
			goto out;
		}
		rc = plan_check_empty(na, na->server_name, err);
		if (rc)
			error_hint(err, "set a new serverName in the file, or "
					"pass --server-name");
		else
			r->new_server = xstrdup(na->server_name);
		archive_config_free(na);
		if (rc) {
			rc = -1;
			goto out;
		}
	}
	/*
	 * The API server validates before it looks for the name: a dry-run
	 * create that fails only with AlreadyExists is a valid manifest.
	 */
	checked = kube_create(r->ctx->kube, KUBE_CLUSTER, r->ns, r->fresh,
			      KUBE_DRY_RUN_SERVER, err);
	if (!checked && err->code != ERR_CONFLICT) {
		error_prefix(err, "validating the new cluster '%s/%s': ", r->ns,
			     r->name);
		goto out;
	}
	error_clear(err);
	if (rc_write_yaml(r, "new-cluster.yaml", r->fresh))
		goto out;
	*result = json_pack("{s:s}", "serverName", r->new_server);
	rc = 0;
out:
	plan_release(&p);
	json_decref(file);
	json_decref(checked);
	free(pgtime);
	return rc;
}

/* ---- step: confirm ------------------------------------------------------- */

static int
show_plan(struct rc *r)
{
	char *a = output_yaml_string(r->old, r->ctx->err);
	char *b = a ? output_yaml_string(r->fresh, r->ctx->err) : NULL;
	char *d;

	if (!b) {
		free(a);
		return -1;
	}
	d = textdiff_unified(a, b, "cluster (now)", "cluster (recreated)", 3);
	fprintf(stderr,
		"plan: recreate cluster %s/%s\n"
		"  1. suspend its %zu ScheduledBackup(s)\n"
		"  2. delete it and its PVCs (backup %s is verified "
		"restorable; saved manifest: %s/cluster.yaml)\n"
		"  3. create it again, archiving under serverName '%s' "
		"(was '%s')\n"
		"  4. resume the ScheduledBackups\n",
		r->ns, r->name, json_array_size(r->schedules),
		r->backup_id ? r->backup_id : "-",
		r->dry ? "(dry run)" : r->dir,
		r->new_server ? r->new_server : "-", r->arch->server_name);
	fputs(d, stderr);
	free(d);
	free(a);
	free(b);
	return 0;
}

static int
step_confirm(struct rc *r, const json_t *done, json_t **result)
{
	struct error *err = r->ctx->err;
	char line[256];
	size_t n;

	(void)result;
	if (done)
		return 0;
	if (show_plan(r))
		return -1;
	if (r->dry)
		return 0;
	if (r->o->yes)
		return 0;
	if (!isatty(STDIN_FILENO)) {
		error_set(err, ERR_PRECONDITION,
			  "not confirmed: stdin is not a terminal, and "
			  "recreate deletes cluster '%s/%s'",
			  r->ns, r->name);
		error_hint(err,
			   "review the plan above, then run 'kubectl "
			   "cnpgops recreate --resume %s --yes'",
			   r->dir);
		return -1;
	}
	fprintf(stderr,
		"Type the cluster's name (%s) to delete and recreate "
		"it: ",
		r->name);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	n = strcspn(line, "\r\n");
	line[n] = 0;
	if (strcmp(line, r->name) != 0) {
		error_set(err, ERR_PRECONDITION,
			  "not confirmed: nothing was "
			  "changed");
		error_hint(err,
			   "continue later with 'kubectl cnpgops "
			   "recreate --resume %s'",
			   r->dir);
		return -1;
	}
	return 0;
}

/* ---- steps: suspend and restore ------------------------------------------ */

/* The saved ScheduledBackups that were active: the ones we suspend. */
static int
set_suspend(struct rc *r, int suspend)
{
	json_t *s, *patch = json_pack("{s:{s:b}}", "spec", "suspend", suspend);
	size_t i;
	int rc = 0;

	json_array_foreach(r->schedules, i, s)
	{
		const char *name = json_string_value(json_object_get(
			json_object_get(s, "metadata"), "name"));
		json_t *got;

		if (!name || json_is_true(json_object_get(
				     json_object_get(s, "spec"), "suspend")))
			continue;
		got = kube_patch(r->ctx->kube, KUBE_SCHEDULED_BACKUP, r->ns,
				 name, patch, KUBE_DRY_RUN_NONE, r->ctx->err);
		if (!got) {
			error_prefix(r->ctx->err,
				     "%s scheduled backup '%s/%s': ",
				     suspend ? "suspending" : "resuming", r->ns,
				     name);
			rc = -1;
			break;
		}
		json_decref(got);
		cmd_note("scheduledbackup/%s %s", name,
			 suspend ? "suspended" : "resumed");
	}
	json_decref(patch);
	return rc;
}

static int
step_suspend(struct rc *r, const json_t *done, json_t **result)
{
	(void)result;
	return done ? 0 : set_suspend(r, 1);
}

static int
step_restore(struct rc *r, const json_t *done, json_t **result)
{
	(void)result;
	return done ? 0 : set_suspend(r, 0);
}

/* ---- step: delete -------------------------------------------------------- */

static int
gone(struct rc *r, int *out)
{
	struct error *err = r->ctx->err;
	json_t *c = kube_get(r->ctx->kube, KUBE_CLUSTER, r->ns, r->name, err);
	json_t *pvcs;
	char *sel;
	struct kube_list_opts lo = { 0 };

	if (c) {
		const char *uid = json_string_value(
			json_object_get(json_object_get(c, "metadata"), "uid"));

		if (uid && strcmp(uid, r->old_uid) != 0) {
			error_set(err, ERR_CONFLICT,
				  "a different cluster '%s/%s' (uid %s) exists "
				  "now, not the one saved (uid %s)",
				  r->ns, r->name, uid, r->old_uid);
			json_decref(c);
			return -1;
		}
		json_decref(c);
		*out = 0;
		return 0;
	}
	if (err->code != ERR_NOT_FOUND)
		return -1;
	error_clear(err);
	sel = xasprintf("cnpg.io/cluster=%s", r->name);
	lo.label_selector = sel;
	pvcs = kube_list(r->ctx->kube, KUBE_PVC, r->ns, &lo, err);
	free(sel);
	if (!pvcs)
		return -1;
	*out = json_array_size(json_object_get(pvcs, "items")) == 0;
	json_decref(pvcs);
	return 0;
}

static int
step_delete(struct rc *r, const json_t *done, json_t **result)
{
	struct error *err = r->ctx->err;
	struct timespec start, now;
	int is_gone = 0;

	(void)result;
	if (done) {
		r->deleted = 1;
		return 0;
	}
	if (gone(r, &is_gone))
		return -1;
	if (!is_gone) {
		json_t *c = kube_get(r->ctx->kube, KUBE_CLUSTER, r->ns, r->name,
				     err);

		if (!c && err->code != ERR_NOT_FOUND)
			return -1;
		error_clear(err);
		if (c) {
			json_decref(c);
			/* the last word before the deletion: still restorable?
			 */
			if (verify_backup(r, r->backup_id))
				return -1;
			if (kube_delete(r->ctx->kube, KUBE_CLUSTER, r->ns,
					r->name, "Background",
					KUBE_DRY_RUN_NONE, err) &&
			    err->code != ERR_NOT_FOUND) {
				error_prefix(err, "deleting cluster '%s/%s': ",
					     r->ns, r->name);
				return -1;
			}
			error_clear(err);
			fprintf(stderr,
				"cluster/%s deleted; waiting for it and "
				"its PVCs to go\n",
				r->name);
		}
	}
	r->deleted = 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	progress_start();
	for (;;) {
		struct timespec ts = { 0, 250L * 1000 * 1000 };

		if (gone(r, &is_gone)) {
			progress_stop();
			return -1;
		}
		if (is_gone)
			break;
		progress_state("cluster/deletion", "waiting for PVCs");
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
			    (now.tv_nsec - start.tv_nsec) / 1000000 >
		    r->o->timeout_ms) {
			progress_stop();
			return error_set(err, ERR_TIMEOUT,
					 "cluster '%s/%s' or its PVCs are "
					 "still there after the timeout",
					 r->ns, r->name);
		}
		nanosleep(&ts, NULL);
	}
	progress_stop();
	return 0;
}

/* ---- step: create -------------------------------------------------------- */

static int
step_create(struct rc *r, const json_t *done, json_t **result)
{
	struct error *err = r->ctx->err;
	json_t *got;
	const char *uid;

	if (done) {
		r->created = 1;
		return 0;
	}
	got = kube_get(r->ctx->kube, KUBE_CLUSTER, r->ns, r->name, err);
	if (!got && err->code != ERR_NOT_FOUND)
		return -1;
	error_clear(err);
	if (got) {
		/* an earlier attempt's create went through? */
		const char *state = json_string_value(json_object_get(
			json_object_get(json_object_get(got, "metadata"),
					"annotations"),
			"cnpgops.io/recreate-id"));

		if (!state || !plan_str(r, "id") ||
		    strcmp(state, plan_str(r, "id")) != 0) {
			error_set(err, ERR_CONFLICT,
				  "cluster '%s/%s' exists, and this recreate "
				  "did not create it",
				  r->ns, r->name);
			json_decref(got);
			return -1;
		}
	} else {
		got = kube_create(r->ctx->kube, KUBE_CLUSTER, r->ns, r->fresh,
				  KUBE_DRY_RUN_NONE, err);
		if (!got) {
			error_prefix(err, "creating cluster '%s/%s': ", r->ns,
				     r->name);
			return -1;
		}
		fprintf(stderr, "cluster/%s created\n", r->name);
	}
	r->created = 1;
	uid = json_string_value(
		json_object_get(json_object_get(got, "metadata"), "uid"));
	*result = json_pack("{s:s}", "uid", uid ? uid : "");
	json_decref(got);
	return 0;
}

/* ---- the procedure --------------------------------------------------------
 */

struct step {
	const char *name;
	int (*fn)(struct rc *r, const json_t *done, json_t **result);
};

static const struct step steps[] = {
	{ "save", step_save },		 { "gitops", step_gitops },
	{ "preflight", step_preflight }, { "backup", step_backup },
	{ "build", step_build },	 { "confirm", step_confirm },
	{ "suspend", step_suspend },	 { "delete", step_delete },
	{ "create", step_create },	 { "restore", step_restore },
};

#define NSTEPS	  (sizeof(steps) / sizeof(steps[0]))
#define DRY_STEPS 6 /* save .. confirm */

/* For tests: die like a killed process right after a step is recorded. */
static void
crash_point(const char *step)
{
	const char *at = getenv("CNPGOPS_TEST_CRASH_AFTER");

	if (at && strcmp(at, step) == 0) {
		fflush(NULL);
		raise(SIGKILL);
	}
}

static int
run_steps(struct rc *r)
{
	struct error *err = r->ctx->err;
	size_t i, last = r->dry ? DRY_STEPS : NSTEPS;

	for (i = 0; i < last; i++) {
		const json_t *done =
			r->dry ? NULL
			       : journal_find(r->j, steps[i].name, "done");
		json_t *result = NULL;

		if (!done && !r->dry &&
		    !journal_find(r->j, steps[i].name, "start") &&
		    journal_record(r->j, steps[i].name, "start", NULL, err))
			return -1;
		if (steps[i].fn(r, done, &result)) {
			json_decref(result);
			if (!r->dry)
				error_prefix(err, "step %zu/%zu (%s): ", i + 1,
					     NSTEPS, steps[i].name);
			return -1;
		}
		if (!done && !r->dry) {
			if (journal_record(r->j, steps[i].name, "done", result,
					   err))
				return -1;
			crash_point(steps[i].name);
		} else {
			json_decref(result);
		}
	}
	return 0;
}

static char *
default_dir(const char *ns, const char *name)
{
	char *base = xasprintf("cnpgops-recreate-%s-%s-", ns, name);
	char *dir = cmd_stamped(base, CMD_STAMP_ISO);

	free(base);
	return dir;
}

static int
check_flags(struct cmd_ctx *ctx, const struct recreate_opts *o, int argc)
{
	const struct cmd_entry *ce = ctx->entry;
	int ntargets = !!o->backup_id + !!o->to + !!o->latest;

	if (o->resume) {
		if (argc || o->bootstrap || o->from_file || ntargets ||
		    o->server_name || o->state_dir)
			return cmd_usage_error(
				ce, ctx->err,
				"--resume DIR takes its cluster "
				"and options from DIR: give only "
				"--yes, --wait and --timeout");
		if (ctx->g->dry_run != DRY_RUN_NONE)
			return cmd_usage_error(ce, ctx->err,
					       "--resume cannot be a dry run");
		return 0;
	}
	if (argc != 1)
		return cmd_usage_error(ce, ctx->err,
				       "'recreate' needs the CLUSTER (or "
				       "--resume DIR)");
	if (!!o->bootstrap + !!o->from_file != 1)
		return cmd_usage_error(ce, ctx->err,
				       "give --bootstrap recovery, --bootstrap "
				       "initdb or --from-file MANIFEST");
	if (ntargets > 1)
		return cmd_usage_error(ce, ctx->err,
				       "give one of --backup-id, --to and "
				       "--latest");
	if (o->to && (!o->bootstrap || strcmp(o->bootstrap, "recovery") != 0))
		return cmd_usage_error(ce, ctx->err,
				       "--to is for --bootstrap recovery");
	if (o->latest &&
	    (!o->bootstrap || strcmp(o->bootstrap, "recovery") != 0))
		return cmd_usage_error(ce, ctx->err,
				       "--latest is for --bootstrap recovery");
	if (ctx->g->dry_run == DRY_RUN_SERVER)
		return cmd_usage_error(ce, ctx->err,
				       "recreate has --dry-run=client only "
				       "(the server cannot dry-run a "
				       "deletion followed by a creation)");
	return 0;
}

/* plan.json for a fresh run: the parameters, the --to instant fixed. */
static json_t *
make_plan(struct cmd_ctx *ctx, const struct recreate_opts *o, const char *name)
{
	json_t *p =
		json_pack("{s:i, s:s, s:s, s:s, s:s}", "version", 1, "cluster",
			  name, "namespace", ctx->namespace, "server",
			  kube_client_server(ctx->kube), "bootstrap",
			  o->from_file ? "file" : o->bootstrap);

	{
		unsigned char rnd[4] = { 0 };
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		FILE *f = fopen("/dev/urandom", "rb");

		if (f) {
			if (fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd))
				memset(rnd, 0, sizeof(rnd));
			fclose(f);
		}
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		json_object_set_new(p, "id",
				    json_sprintf("%s-%02x%02x%02x%02x", stamp,
						 rnd[0], rnd[1], rnd[2],
						 rnd[3]));
	}
	if (o->backup_id)
		json_object_set_new(p, "backupId", json_string(o->backup_id));
	if (o->server_name)
		json_object_set_new(p, "serverName",
				    json_string(o->server_name));
	if (o->to) {
		struct timefmt_target when;
		char *t;

		if (timefmt_parse_target(&when, o->to, timefmt_now(),
					 ctx->err)) {
			json_decref(p);
			return NULL;
		}
		t = timefmt_format_rfc3339(when.time);
		json_object_set_new(p, "to", json_string(t));
		free(t);
	}
	return p;
}

static int
start_fresh(struct rc *r, const char *name)
{
	struct cmd_ctx *ctx = r->ctx;
	char *text;

	r->plan = make_plan(ctx, r->o, name);
	if (!r->plan)
		return -1;
	r->dir = r->o->state_dir ? xstrdup(r->o->state_dir)
				 : default_dir(ctx->namespace, name);
	if (r->dry)
		return 0;
	if (journal_make_dir(r->dir, ctx->err))
		return -1;
	if (r->o->from_file) {
		json_t *docs = yamljson_read_file(r->o->from_file, ctx->err);
		char *y;

		if (!docs)
			return -1;
		if (json_array_size(docs) != 1) {
			json_decref(docs);
			return error_set(ctx->err, ERR_USAGE,
					 "--from-file: '%s' must hold exactly "
					 "one Cluster",
					 r->o->from_file);
		}
		y = output_yaml_string(json_array_get(docs, 0), ctx->err);
		json_decref(docs);
		if (!y || journal_write_file(r->dir, "from-file.yaml", y,
					     strlen(y), ctx->err)) {
			free(y);
			return -1;
		}
		free(y);
	}
	text = jsonmem_dumps(r->plan, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (journal_write_file(r->dir, "plan.json", text, strlen(text),
			       ctx->err)) {
		free(text);
		return -1;
	}
	free(text);
	fprintf(stderr,
		"state directory: %s (resume with: kubectl cnpgops "
		"recreate --resume %s)\n",
		r->dir, r->dir);
	return journal_open(&r->j, r->dir, 1, ctx->err);
}

static int
start_resume(struct rc *r)
{
	struct cmd_ctx *ctx = r->ctx;
	char *path = xasprintf("%s/plan.json", r->o->resume);
	json_error_t jerr;
	const char *server;

	r->dir = xstrdup(r->o->resume);
	if (journal_open(&r->j, r->dir, 0, ctx->err)) {
		free(path);
		return -1;
	}
	r->plan = json_load_file(path, 0, &jerr);
	free(path);
	if (!json_is_object(r->plan) || !plan_str(r, "cluster") ||
	    !plan_str(r, "namespace") || !plan_str(r, "bootstrap"))
		return error_set(ctx->err, ERR_IO,
				 "'%s/plan.json' is missing or damaged",
				 r->dir);
	server = plan_str(r, "server");
	if (server && strcmp(server, kube_client_server(ctx->kube)) != 0) {
		error_set(ctx->err, ERR_PRECONDITION,
			  "'%s' is a recreate on the API server %s, but the "
			  "current context points at %s",
			  r->dir, server, kube_client_server(ctx->kube));
		error_hint(ctx->err, "select the right one with --context");
		return -1;
	}
	fprintf(stderr, "resuming the recreate of %s/%s from %s\n",
		plan_str(r, "namespace"), plan_str(r, "cluster"), r->dir);
	return 0;
}

/* After --wait: the new cluster archives (ContinuousArchiving True). */
static int
check_archiving(struct rc *r)
{
	struct error *err = r->ctx->err;
	json_t *live =
		kube_get(r->ctx->kube, KUBE_CLUSTER, r->ns, r->name, err);
	const json_t *c;
	const char *status, *msg;
	int rc = 0;

	if (!live)
		return -1;
	c = cluster_condition(live, "ContinuousArchiving");
	status = json_string_value(json_object_get(c, "status"));
	msg = json_string_value(json_object_get(c, "message"));
	if (status && strcmp(status, "False") == 0) {
		error_set(err, ERR_PRECONDITION,
			  "the new cluster '%s/%s' is healthy but its WAL "
			  "archiving fails (%s)",
			  r->ns, r->name, msg ? msg : "no message");
		error_hint(err, "run 'kubectl cnpgops archive-test %s -n %s'",
			   r->name, r->ns);
		rc = -1;
	} else if (!status) {
		cmd_note("the new cluster does not report ContinuousArchiving "
			 "yet: check it with 'kubectl cnpgops doctor %s -n %s'",
			 r->name, r->ns);
	} else {
		cmd_note("the new cluster archives WAL under serverName '%s'",
			 r->new_server);
	}
	json_decref(live);
	return rc;
}

static int
report(struct rc *r)
{
	struct cmd_ctx *ctx = r->ctx;
	json_t *out;
	int rc;

	if (r->dry) {
		return ctx->g->output == OUTPUT_JSON
			       ? output_json(stdout, r->fresh, ctx->err)
			       : output_yaml(stdout, r->fresh, ctx->err);
	}
	if (ctx->g->output == OUTPUT_TEXT) {
		printf("cluster/%s recreated\n", r->name);
		printf("  namespace:     %s\n", r->ns);
		printf("  backup:        %s\n", r->backup_id);
		printf("  serverName:    %s (was %s)\n", r->new_server,
		       r->arch->server_name);
		printf("  state:         %s\n", r->dir);
		cmd_note("the new archive path has no base backup yet: take "
			 "one with 'kubectl cnpgops backup now %s -n %s "
			 "--wait' (point-in-time recovery of the new cluster "
			 "needs it)",
			 r->name, r->ns);
		return 0;
	}
	out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "cluster", r->name,
			"namespace", r->ns, "backupId", r->backup_id,
			"serverName", r->new_server, "previousServerName",
			r->arch->server_name, "stateDir", r->dir);
	rc = ctx->g->output == OUTPUT_JSON ? output_json(stdout, out, ctx->err)
					   : output_yaml(stdout, out, ctx->err);
	json_decref(out);
	return rc;
}

static int
recreate_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct recreate_opts *o = ctx->state;
	struct rc r = { 0 };
	int rc = -1;

	if (check_flags(ctx, o, argc))
		return -1;
	r.ctx = ctx;
	r.o = o;
	r.dry = ctx->g->dry_run == DRY_RUN_CLIENT;
	if (o->resume ? start_resume(&r) : start_fresh(&r, argv[0]))
		goto out;
	r.ns = plan_str(&r, "namespace");
	r.name = plan_str(&r, "cluster");
	if (run_steps(&r))
		goto out;
	if (o->wait && !r.dry) {
		if (cmd_wait_cluster_healthy(ctx, ctx->kube, r.ns, r.name,
					     o->timeout_ms) ||
		    check_archiving(&r))
			goto out;
	}
	rc = report(&r);
out:
	if (rc && r.created) {
		error_hint(ctx->err,
			   "the new cluster '%s/%s' is created; finish the "
			   "remaining steps with 'kubectl cnpgops recreate "
			   "--resume %s --yes'",
			   r.ns, r.name, r.dir);
	} else if (rc && r.deleted) {
		error_hint(ctx->err,
			   "cluster '%s/%s' is deleted and its backup %s is "
			   "safe: finish with 'kubectl cnpgops recreate "
			   "--resume %s --yes', or create it by hand with "
			   "'kubectl apply -f %s/new-cluster.yaml'",
			   r.ns, r.name, r.backup_id ? r.backup_id : "", r.dir,
			   r.dir);
	} else if (rc && r.j && !r.dry) {
		char *then = xasprintf("nothing was deleted; continue with "
				       "'kubectl cnpgops recreate --resume "
				       "%s' once the cause is fixed",
				       r.dir);

		char *before = ctx->err->hint ? xstrdup(ctx->err->hint) : NULL;

		if (before && strstr(before, "--resume"))
			; /* the hint says how to go on already */
		else if (before)
			error_hint(ctx->err, "%s; then: %s", before, then);
		else
			error_hint(ctx->err, "%s", then);
		free(before);
		free(then);
	}
	journal_close(r.j);
	json_decref(r.plan);
	json_decref(r.old);
	json_decref(r.fresh);
	json_decref(r.schedules);
	archive_config_free(r.arch);
	free(r.old_uid);
	free(r.backup_id);
	free(r.new_server);
	free(r.dir);
	return rc;
}
