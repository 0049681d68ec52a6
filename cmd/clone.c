/*
 * clone: a copy of a cluster from its archive, in another namespace or
 * another kube context (prod to dev), sized for development.
 *
 * usage: kubectl cnpgops clone CLUSTER --name NEW [--from-context CTX]
 *        [--to-context CTX] [--target-namespace NS] [--to TIME | --latest]
 *        [--instances N] [--storage-size SIZE] [--storage-class NAME]
 *        [--cpu Q] [--memory Q] [--keep affinity,tolerations,monitoring]
 *        [--credentials copy|secret:NAME] [--apply] [--wait]
 *        [--timeout DURATION] [--dry-run=client|server] [-o yaml|json]
 *
 * The source and its catalog are read in one context, the clone written in
 * another.  It must be able to read the source's archive: --credentials
 * copy copies the Secret keys the archive configuration references into the
 * target namespace; --credentials secret:NAME uses a Secret there with the
 * same keys; in the same namespace and context nothing needs copying.  For
 * the plugin model an ObjectStore for the source's archive is created in
 * the target namespace (or reused).  Each thing left out for development
 * (affinity, tolerations, PodMonitor, cloud identity) is listed on stderr.
 * A clone that already exists is refused: a re-clone is a recreate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "archive.h"
#include "cli.h"
#include "kube.h"
#include "kubeconfig.h"
#include "manifest.h"
#include "output.h"
#include "plan.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

struct clone_opts {
	const char *name;
	const char *from_context;
	const char *to_context;
	const char *target_ns;
	const char *to;
	int latest;
	struct manifest_dev dev;
	const char *credentials; /* "copy" or "secret:NAME" */
	int apply;
	int wait;
	long timeout_ms;
};

enum {
	OPT_NAME = OPT_LOCAL_BASE,
	OPT_FROM_CONTEXT,
	OPT_TO_CONTEXT,
	OPT_TARGET_NS,
	OPT_TO,
	OPT_LATEST,
	OPT_INSTANCES,
	OPT_STORAGE_SIZE,
	OPT_STORAGE_CLASS,
	OPT_CPU,
	OPT_MEMORY,
	OPT_KEEP,
	OPT_CREDENTIALS,
	OPT_APPLY,
	OPT_WAIT,
	OPT_TIMEOUT
};

static void clone_init(void *state);
static int clone_opt(void *state, int ch, const char *arg, struct error *err);
static int clone_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option clone_longopts[] = {
	GLOBAL_LONGOPTS,
	{ "name", required_argument, NULL, OPT_NAME },
	{ "from-context", required_argument, NULL, OPT_FROM_CONTEXT },
	{ "to-context", required_argument, NULL, OPT_TO_CONTEXT },
	{ "target-namespace", required_argument, NULL, OPT_TARGET_NS },
	{ "to", required_argument, NULL, OPT_TO },
	{ "latest", no_argument, NULL, OPT_LATEST },
	{ "instances", required_argument, NULL, OPT_INSTANCES },
	{ "storage-size", required_argument, NULL, OPT_STORAGE_SIZE },
	{ "storage-class", required_argument, NULL, OPT_STORAGE_CLASS },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
	{ "apply", no_argument, NULL, OPT_APPLY },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_clone_entry = {
	.name = "clone",
	.usage = "CLUSTER --name NEW [--from-context CTX] [--to-context CTX] "
		 "[--target-namespace NS] [--to TIME | --latest] "
		 "[--instances N] [--storage-size SIZE] [--storage-class NAME] "
		 "[--cpu Q] [--memory Q] [--keep affinity,tolerations,"
		 "monitoring] [--credentials copy|secret:NAME] [--apply] "
		 "[--wait] [--timeout DURATION] [-o yaml|json]",
	.summary = "Clone a cluster from its catalog (prod to dev)",
	.help = "      --name NEW               the clone's name (required)\n"
		"      --from-context CTX       read the source in this "
		"context (default: --context)\n"
		"      --to-context CTX         create the clone in this "
		"context (default: the source's)\n"
		"      --target-namespace NS    create it in this namespace\n"
		"      --to TIME                recover up to this instant "
		"(default: --latest)\n"
		"      --latest                 to the end of the archived "
		"WAL\n"
		"      --instances N            instances (default 1)\n"
		"      --storage-size SIZE      volume size (default: the "
		"source's)\n"
		"      --storage-class NAME     storage class for its volumes\n"
		"      --cpu Q, --memory Q      resource requests (memory also "
		"the limit)\n"
		"      --keep LIST              keep affinity, tolerations or "
		"monitoring from the source\n"
		"      --credentials HOW        copy (the archive's Secret keys) "
		"or secret:NAME (an existing Secret)\n"
		"      --apply                  create it (after a server-side "
		"dry run)\n"
		"      --wait                   with --apply, follow it until "
		"it is healthy\n"
		"      --timeout DURATION       give up waiting after this "
		"long (default 1h)\n",
	.shortopts = "",
	.longopts = clone_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.state_size = sizeof(struct clone_opts),
	.init = clone_init,
	.opt = clone_opt,
	.exec = clone_exec,
};

static void
clone_init(void *state)
{
	struct clone_opts *o = state;

	o->timeout_ms = 3600L * 1000;
}

static int
parse_keep(struct clone_opts *o, const char *arg, struct error *err)
{
	char *copy = xstrdup(arg), *p = copy, *comma;
	int rc = 0;

	for (;;) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (strcmp(p, "affinity") == 0)
			o->dev.keep_affinity = 1;
		else if (strcmp(p, "tolerations") == 0)
			o->dev.keep_tolerations = 1;
		else if (strcmp(p, "monitoring") == 0)
			o->dev.keep_monitoring = 1;
		else {
			rc = error_set(err, ERR_USAGE,
				       "--keep takes affinity, tolerations and "
				       "monitoring, not '%s'",
				       p);
			break;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	return rc;
}

static int
clone_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct clone_opts *o = state;

	switch (ch) {
	case OPT_NAME:
		o->name = arg;
		return 0;
	case OPT_FROM_CONTEXT:
		o->from_context = arg;
		return 0;
	case OPT_TO_CONTEXT:
		o->to_context = arg;
		return 0;
	case OPT_TARGET_NS:
		o->target_ns = arg;
		return 0;
	case OPT_TO:
		o->to = arg;
		return 0;
	case OPT_LATEST:
		o->latest = 1;
		return 0;
	case OPT_INSTANCES:
		return cmd_parse_instances(&o->dev.instances, arg, err);
	case OPT_STORAGE_SIZE:
		o->dev.storage_size = arg;
		return 0;
	case OPT_STORAGE_CLASS:
		o->dev.storage_class = arg;
		return 0;
	case OPT_CPU:
		o->dev.cpu = arg;
		return 0;
	case OPT_MEMORY:
		o->dev.memory = arg;
		return 0;
	case OPT_KEEP:
		return parse_keep(o, arg, err);
	case OPT_CREDENTIALS:
		if (strcmp(arg, "copy") != 0 &&
		    (strncmp(arg, "secret:", 7) != 0 || !arg[7]))
			return error_set(err, ERR_USAGE,
					 "--credentials takes copy or "
					 "secret:NAME, not '%s'",
					 arg);
		o->credentials = arg;
		return 0;
	case OPT_APPLY:
		o->apply = 1;
		return 0;
	case OPT_WAIT:
		o->wait = 1;
		return 0;
	case OPT_TIMEOUT:
		return cmd_parse_timeout(&o->timeout_ms, arg, err);
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

/* The target side: its own client when --to-context names another. */
struct target {
	struct kube_config *cfg;
	struct kube_client *kc; /* borrowed from ctx when the same */
	int own;
	const char *ns;
	int same_place; /* same context and namespace as the source */
};

static int
open_target(struct target *t, struct cmd_ctx *ctx, const struct clone_opts *o)
{
	struct kubeconfig_opts ko = { 0 };
	struct kube_client_opts co = { 0 };

	if (!o->to_context ||
	    (ctx->kcfg->context_name &&
	     strcmp(o->to_context, ctx->kcfg->context_name) == 0)) {
		t->kc = ctx->kube;
		t->ns = o->target_ns ? o->target_ns : ctx->namespace;
		t->same_place = strcmp(t->ns, ctx->namespace) == 0;
		return 0;
	}
	ko.kubeconfig = ctx->g->kubeconfig;
	ko.context = o->to_context;
	ko.namespace = o->target_ns;
	if (kubeconfig_load(&t->cfg, &ko, ctx->err))
		return -1;
	co.timeout_ms = ctx->g->request_timeout_ms;
	co.verbose = ctx->g->verbose;
	co.log = cmd_log;
	if (kube_client_new(&t->kc, t->cfg, &co, ctx->err))
		return -1;
	t->own = 1;
	t->ns = t->cfg->namespace;
	return 0;
}

static void
close_target(struct target *t)
{
	if (t->own)
		kube_client_free(t->kc);
	kubeconfig_free(t->cfg);
}

/*
 * Make the archive readable from the target: the objects to create there
 * (Secrets, ObjectStore) go to extra; names in the recovery are adjusted.
 */
static int
credentials(struct cmd_ctx *ctx, const struct clone_opts *o, struct target *t,
	    const struct archive_config *arch, json_t *config,
	    char **store_name, json_t *extra)
{
	json_t *names = json_array(), *it;
	size_t i;
	int rc = -1;

	manifest_secret_names(config, names);
	if (t->same_place) {
		rc = 0;
		goto out;
	}
	if (!o->credentials) {
		error_set(
			ctx->err, ERR_PRECONDITION,
			"the clone in namespace '%s' cannot read the source's "
			"archive without credentials there",
			t->ns);
		error_hint(ctx->err,
			   "add --credentials copy (copies the keys the "
			   "archive configuration references), or "
			   "--credentials secret:NAME (a Secret in '%s' with "
			   "the same keys)",
			   t->ns);
		goto out;
	}
	json_array_foreach(names, i, it)
	{
		const char *from = json_string_value(it);
		char *to;

		if (strcmp(o->credentials, "copy") == 0) {
			struct error lerr = ERROR_INIT;
			json_t *src = kube_get(ctx->kube, KUBE_SECRET,
					       ctx->namespace, from, &lerr);
			const char *k;
			json_t *v;
			const char **keys;
			size_t n = 0;

			if (!src) {
				error_move(ctx->err, &lerr);
				goto out;
			}
			keys = xcalloc(
				json_object_size(json_object_get(src, "data")) +
					1,
				sizeof(char *));
			json_object_foreach(json_object_get(src, "data"), k, v)
				keys[n++] = k;
			to = xasprintf("%s-%s", o->name, from);
			json_array_append_new(
				extra,
				manifest_secret_copy(src, to, t->ns, keys));
			cmd_note("copying the keys of secret '%s/%s' to "
				 "'%s/%s'",
				 ctx->namespace, from, t->ns, to);
			free(keys);
			json_decref(src);
		} else {
			to = xstrdup(o->credentials + 7);
		}
		manifest_rename_secret(config, from, to);
		free(to);
	}
	if (arch->model == ARCHIVE_MODEL_PLUGIN) {
		*store_name = xasprintf("%s-source", o->name);
		json_array_append_new(
			extra,
			manifest_object_store(*store_name, t->ns, config));
		cmd_note("an ObjectStore '%s/%s' gives the clone read access "
			 "to the source's archive",
			 t->ns, *store_name);
	}
	rc = 0;
out:
	json_decref(names);
	return rc;
}

/* Secrets are never printed: their values are replaced. */
static json_t *
printable(const json_t *list)
{
	json_t *out = json_deep_copy(list), *it;
	size_t i;

	json_array_foreach(json_object_get(out, "items"), i, it)
	{
		const char *kind =
			json_string_value(json_object_get(it, "kind"));
		json_t *data = json_object_get(it, "data"), *v;
		const char *k;

		if (!kind || strcmp(kind, "Secret") != 0)
			continue;
		json_object_foreach(data, k, v) json_object_set_new(
			data, k, json_string("<copied on --apply>"));
	}
	return out;
}

static enum kube_kind
kind_of(const json_t *obj)
{
	const char *k = json_string_value(json_object_get(obj, "kind"));

	if (k && strcmp(k, "Secret") == 0)
		return KUBE_SECRET;
	if (k && strcmp(k, "ObjectStore") == 0)
		return KUBE_OBJECT_STORE;
	return KUBE_CLUSTER;
}

static int
create_all(struct cmd_ctx *ctx, struct target *t, const json_t *list,
	   enum kube_dry_run dry)
{
	const json_t *it;
	size_t i;

	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		json_t *res = kube_create(t->kc, kind_of(it), t->ns, it, dry,
					  ctx->err);
		const char *name = json_string_value(json_object_get(
			json_object_get(it, "metadata"), "name"));

		if (!res) {
			error_prefix(ctx->err, "creating %s '%s/%s': ",
				     kube_kind_name(kind_of(it)), t->ns, name);
			return -1;
		}
		if (dry == KUBE_DRY_RUN_NONE)
			printf("%s/%s created\n", kube_kind_plural(kind_of(it)),
			       name);
		json_decref(res);
	}
	return 0;
}

static int
clone_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct clone_opts *o = ctx->state;
	struct target t = { 0 };
	struct archive_config *arch = NULL;
	struct plan plan = { 0 };
	struct manifest_recovery r = { 0 };
	struct timefmt_target when = { { 0, 0 }, 0, 0 };
	json_t *src = NULL, *cluster = NULL, *list = NULL, *items, *removed,
	       *config = NULL, *existing, *shown = NULL, *it;
	char *store = NULL, *target_value = NULL;
	enum manifest_target_kind kind = MANIFEST_TARGET_LATEST;
	size_t i;
	int rc = -1;

	(void)argc;
	if (!o->name) {
		cmd_usage_error(ctx->entry, ctx->err,
				"'clone' needs --name for the new cluster");
		goto out;
	}
	if (o->to && o->latest) {
		cmd_usage_error(ctx->entry, ctx->err,
				"--to and --latest exclude each other");
		goto out;
	}
	if (o->wait && !o->apply) {
		cmd_usage_error(ctx->entry, ctx->err,
				"--wait follows the Cluster --apply creates: "
				"add --apply");
		goto out;
	}
	if (o->to) {
		kind = MANIFEST_TARGET_TIME;
		if (timefmt_parse_target(&when, o->to, timefmt_now(), ctx->err))
			goto out;
		target_value = timefmt_format_pg(when.time);
	}
	if (o->from_context)
		ctx->g->context = o->from_context;
	if (cmd_open_kube(ctx) || open_target(&t, ctx, o))
		goto out;
	src = kube_get(ctx->kube, KUBE_CLUSTER, ctx->namespace, argv[0],
		       ctx->err);
	if (!src)
		goto out;
	existing = kube_get(t.kc, KUBE_CLUSTER, t.ns, o->name, ctx->err);
	if (existing) {
		json_decref(existing);
		error_set(ctx->err, ERR_PRECONDITION,
			  "cluster '%s/%s' already exists", t.ns, o->name);
		error_hint(ctx->err,
			   "a re-clone replaces it: run 'kubectl cnpgops "
			   "recreate %s -n %s --bootstrap recovery' or delete "
			   "it first",
			   o->name, t.ns);
		goto out;
	}
	if (ctx->err->code != ERR_NOT_FOUND)
		goto out;
	error_clear(ctx->err);
	if (archive_resolve(&arch, ctx->kube, ctx->namespace, src, NULL,
			    ctx->err))
		goto out;
	config = json_deep_copy(arch->configuration);
	list = json_pack("{s:s, s:s, s:[]}", "apiVersion", "v1", "kind", "List",
			 "items");
	items = json_object_get(list, "items");
	if (credentials(ctx, o, &t, arch, config, &store, items))
		goto out;
	if (plan_make(&plan, arch, kind, &when.time, NULL, NULL, 0, ctx->err))
		goto out;
	cmd_print_plan(&plan, stderr);
	cmd_recovery_of(&r, src, o->name, t.ns, arch, &plan);
	/* in the target: the copied ObjectStore and configuration */
	if (store)
		r.object_store = store;
	r.inline_config = config;
	r.target = kind;
	r.target_value = target_value;
	cluster = manifest_recovery_cluster(&r);
	removed = json_array();
	manifest_size_for_dev(cluster, &o->dev, removed);
	json_array_foreach(removed, i, it)
		cmd_note("left out for development: %s (keep it with --keep)",
			 json_string_value(it));
	json_decref(removed);
	json_array_append(items, cluster);

	if (!o->apply && ctx->g->dry_run != DRY_RUN_SERVER) {
		shown = printable(list);
		rc = ctx->g->output == OUTPUT_JSON
			     ? output_json(stdout, shown, ctx->err)
			     : output_yaml(stdout, shown, ctx->err);
		goto out;
	}
	if (create_all(ctx, &t, list, KUBE_DRY_RUN_SERVER))
		goto out;
	if (ctx->g->dry_run != DRY_RUN_NONE) {
		cmd_note("the API server accepted every object (dry run)");
		rc = 0;
		goto out;
	}
	if (create_all(ctx, &t, list, KUBE_DRY_RUN_NONE))
		goto out;
	fflush(stdout);
	if (o->wait &&
	    cmd_wait_cluster_healthy(ctx, t.kc, t.ns, o->name, o->timeout_ms))
		goto out;
	rc = 0;
out:
	plan_release(&plan);
	archive_config_free(arch);
	json_decref(shown);
	json_decref(config);
	json_decref(cluster);
	json_decref(list);
	json_decref(src);
	free(store);
	free(target_value);
	close_target(&t);
	return rc;
}
