/*
 * recreate: clean manifests, GitOps ownership, serverNames and the new
 * Cluster for `recreate`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cluster.h"
#include "errors.h"
#include "recreate.h"
#include "xmalloc.h"

json_t *
recreate_clean(const json_t *live)
{
	static const char *const server_set[] = {
		"uid",
		"resourceVersion",
		"generation",
		"creationTimestamp",
		"managedFields",
		"selfLink",
		"deletionTimestamp",
		"deletionGracePeriodSeconds",
		NULL,
	};
	json_t *c = json_deep_copy(live);
	json_t *meta = json_object_get(c, "metadata");
	json_t *ann = json_object_get(meta, "annotations");
	size_t i;

	json_object_del(c, "status");
	for (i = 0; server_set[i]; i++)
		json_object_del(meta, server_set[i]);
	if (ann) {
		json_object_del(
			ann,
			"kubectl.kubernetes.io/last-applied-configuration");
		if (json_object_size(ann) == 0)
			json_object_del(meta, "annotations");
	}
	return c;
}

/* The first key of map (labels or annotations) starting with prefix. */
static const char *
key_with_prefix(const json_t *map, const char *prefix)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)(uintptr_t)map, k, v)
	{
		(void)v;
		if (strncmp(k, prefix, strlen(prefix)) == 0)
			return k;
	}
	return NULL;
}

const char *
recreate_gitops_owner(const json_t *obj, const char **evidence)
{
	static const struct {
		const char *prefix, *owner;
	} owners[] = {
		{ "kustomize.toolkit.fluxcd.io/", "Flux" },
		{ "helm.toolkit.fluxcd.io/", "Flux" },
		{ "argocd.argoproj.io/", "Argo CD" },
		{ "meta.helm.sh/", "Helm" },
	};
	const json_t *meta = json_object_get(obj, "metadata");
	const json_t *maps[2] = { json_object_get(meta, "labels"),
				  json_object_get(meta, "annotations") };
	const char *managed = json_string_value(
		json_object_get(maps[0], "app.kubernetes.io/managed-by"));
	size_t i, m;

	for (i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		for (m = 0; m < 2; m++) {
			const char *k =
				key_with_prefix(maps[m], owners[i].prefix);

			if (k) {
				*evidence = k;
				return owners[i].owner;
			}
		}
	if (managed && strcmp(managed, "Helm") == 0) {
		*evidence = "app.kubernetes.io/managed-by";
		return "Helm";
	}
	/* Argo CD's default tracking label */
	if (json_object_get(maps[0], "app.kubernetes.io/instance") &&
	    key_with_prefix(maps[1], "argocd.argoproj.io")) {
		*evidence = "app.kubernetes.io/instance";
		return "Argo CD";
	}
	return NULL;
}

char *
recreate_server_candidate(const char *cluster, const char *current, int n)
{
	size_t cl = strlen(cluster);
	int base = 0;

	/* "<cluster>-r<k>": count on from k */
	if (current && strncmp(current, cluster, cl) == 0 &&
	    strncmp(current + cl, "-r", 2) == 0 && current[cl + 2] &&
	    strspn(current + cl + 2, "0123456789") ==
		    strlen(current + cl + 2) &&
	    strlen(current + cl + 2) < 6)
		base = (int)strtol(current + cl + 2, NULL, 10);
	return xasprintf("%s-r%d", cluster, base + n);
}

/* The archiver plugin entry of spec, or NULL. */
static json_t *
archiver_plugin(json_t *spec)
{
	json_t *plugins = json_object_get(spec, "plugins");
	json_t *p;
	size_t i;

	json_array_foreach(plugins, i, p)
	{
		const char *name =
			json_string_value(json_object_get(p, "name"));

		if (json_is_false(json_object_get(p, "enabled")))
			continue;
		if (name && strcmp(name, CLUSTER_BARMAN_PLUGIN) == 0 &&
		    json_is_true(json_object_get(p, "isWALArchiver")))
			return p;
	}
	return NULL;
}

const char *
recreate_archive_server(const json_t *c)
{
	json_t *spec = json_object_get(c, "spec");
	const json_t *p = archiver_plugin(spec);
	const json_t *bos = json_object_get(json_object_get(spec, "backup"),
					    "barmanObjectStore");
	const char *s = NULL;

	if (p)
		s = json_string_value(json_object_get(
			json_object_get(p, "parameters"), "serverName"));
	else if (bos)
		s = json_string_value(json_object_get(bos, "serverName"));
	else
		return NULL;
	return s ? s
		 : json_string_value(json_object_get(
			   json_object_get(c, "metadata"), "name"));
}

/* Point the Cluster's own archive at server; -1 when it has none. */
static int
set_archive_server(json_t *c, const char *server)
{
	json_t *spec = json_object_get(c, "spec");
	json_t *p = archiver_plugin(spec);
	json_t *bos = json_object_get(json_object_get(spec, "backup"),
				      "barmanObjectStore");

	if (p) {
		json_t *params = json_object_get(p, "parameters");

		if (!json_is_object(params)) {
			params = json_object();
			json_object_set_new(p, "parameters", params);
		}
		json_object_set_new(params, "serverName", json_string(server));
		return 0;
	}
	if (bos) {
		json_object_set_new(bos, "serverName", json_string(server));
		return 0;
	}
	return -1;
}

static const char *const carried[] = { "database", "owner", "secret", NULL };

/* database, owner and secret of whichever bootstrap the old cluster had. */
static void
carry_database(json_t *to, const json_t *old_bootstrap)
{
	static const char *const methods[] = { "initdb", "recovery",
					       "pg_basebackup", NULL };
	size_t m, i;

	for (m = 0; methods[m]; m++) {
		const json_t *b = json_object_get(old_bootstrap, methods[m]);

		if (!b)
			continue;
		for (i = 0; carried[i]; i++) {
			const json_t *v = json_object_get(b, carried[i]);

			if (v)
				json_object_set_new(to, carried[i],
						    json_deep_copy(v));
		}
		return;
	}
}

/* The recoveryTarget, as pitr writes it (manifest.c). */
static json_t *
recovery_target(const struct recreate_build *b)
{
	struct manifest_recovery r;
	json_t *t;

	memset(&r, 0, sizeof(r));
	r.backup_id = b->backup_id;
	r.target_tli = b->target_tli;
	r.target = b->target;
	r.target_value = b->target_value;
	t = manifest_recovery_target(&r);
	return t ? t : json_object();
}

static void
replace_external(json_t *spec, json_t *entry)
{
	const char *name = json_string_value(json_object_get(entry, "name"));
	json_t *ext = json_object_get(spec, "externalClusters");
	size_t i;

	if (!json_is_array(ext)) {
		ext = json_array();
		json_object_set_new(spec, "externalClusters", ext);
	}
	for (i = json_array_size(ext); i-- > 0;) {
		const char *n = json_string_value(
			json_object_get(json_array_get(ext, i), "name"));

		if (n && strcmp(n, name) == 0)
			json_array_remove(ext, i);
	}
	json_array_append_new(ext, entry);
}

static void
annotate(json_t *c, const struct recreate_build *b)
{
	json_t *meta = json_object_get(c, "metadata");
	json_t *ann = json_object_get(meta, "annotations");

	if (!json_is_object(ann)) {
		ann = json_object();
		json_object_set_new(meta, "annotations", ann);
	}
	if (b->old_server)
		json_object_set_new(ann, "cnpgops.io/recreated-from",
				    json_string(b->old_server));
	if (b->backup_id)
		json_object_set_new(ann, "cnpgops.io/backup-id",
				    json_string(b->backup_id));
	if (b->recreate_id)
		json_object_set_new(ann, "cnpgops.io/recreate-id",
				    json_string(b->recreate_id));
}

static json_t *
from_file(const struct recreate_build *b, struct error *err)
{
	const json_t *om = json_object_get(b->old, "metadata");
	const char *oname = json_string_value(json_object_get(om, "name"));
	const char *ons = json_string_value(json_object_get(om, "namespace"));
	json_t *c = recreate_clean(b->file);
	json_t *meta = json_object_get(c, "metadata");
	const char *kind = json_string_value(json_object_get(c, "kind"));
	const char *api = json_string_value(json_object_get(c, "apiVersion"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));

	if (!kind || strcmp(kind, "Cluster") != 0 || !api ||
	    strcmp(api, "postgresql.cnpg.io/v1") != 0) {
		error_set(
			err, ERR_USAGE,
			"the manifest is a %s %s, not a postgresql.cnpg.io/v1 "
			"Cluster",
			api ? api : "(no apiVersion)",
			kind ? kind : "(no kind)");
		goto fail;
	}
	if (!name || !oname || strcmp(name, oname) != 0) {
		error_set(err, ERR_USAGE,
			  "the manifest's Cluster is named '%s', not '%s': "
			  "recreate keeps the name",
			  name ? name : "", oname ? oname : "");
		error_hint(err, "to make a cluster under another name, use "
				"'kubectl cnpgops pitr' or 'clone'");
		goto fail;
	}
	if (ns && ons && strcmp(ns, ons) != 0) {
		error_set(err, ERR_USAGE,
			  "the manifest's namespace is '%s', the cluster's is "
			  "'%s'",
			  ns, ons);
		goto fail;
	}
	if (ons)
		json_object_set_new(meta, "namespace", json_string(ons));
	if (b->new_server && set_archive_server(c, b->new_server)) {
		error_set(err, ERR_USAGE,
			  "--server-name: the manifest's Cluster does not "
			  "archive to an object store");
		goto fail;
	}
	return c;
fail:
	json_decref(c);
	return NULL;
}

json_t *
recreate_new_cluster(const struct recreate_build *b, struct error *err)
{
	const char *name = json_string_value(
		json_object_get(json_object_get(b->old, "metadata"), "name"));
	json_t *c, *spec, *bootstrap, *method, *old_bootstrap;

	if (b->mode == RECREATE_FILE) {
		c = from_file(b, err);
		if (c)
			annotate(c, b);
		return c;
	}
	c = recreate_clean(b->old);
	spec = json_object_get(c, "spec");
	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(c, "spec", spec);
	}
	if (!b->new_server || set_archive_server(c, b->new_server)) {
		error_set(err, ERR_PRECONDITION,
			  "cluster '%s' does not archive to an object store: "
			  "there is no archive to recreate it from",
			  name ? name : "");
		json_decref(c);
		return NULL;
	}
	old_bootstrap =
		json_object_get(json_object_get(b->old, "spec"), "bootstrap");
	if (b->mode == RECREATE_INITDB) {
		const json_t *initdb = json_object_get(old_bootstrap, "initdb");

		method = initdb ? json_deep_copy(initdb) : json_object();
		if (!initdb)
			carry_database(method, old_bootstrap);
		bootstrap = json_pack("{s:o}", "initdb", method);
	} else {
		char *origin = xasprintf("%s-origin", b->old_server);
		json_t *entry = json_pack("{s:s}", "name", origin);

		if (b->plugin_model)
			json_object_set_new(
				entry, "plugin",
				json_pack("{s:s, s:{s:s, s:s}}", "name",
					  CLUSTER_BARMAN_PLUGIN, "parameters",
					  "barmanObjectName", b->object_store,
					  "serverName", b->old_server));
		else {
			json_t *cfg = json_deep_copy(b->inline_config);

			json_object_set_new(cfg, "serverName",
					    json_string(b->old_server));
			json_object_set_new(entry, "barmanObjectStore", cfg);
		}
		replace_external(spec, entry);
		method = json_pack("{s:s}", "source", origin);
		carry_database(method, old_bootstrap);
		json_object_set_new(method, "recoveryTarget",
				    recovery_target(b));
		bootstrap = json_pack("{s:o}", "recovery", method);
		free(origin);
	}
	json_object_set_new(spec, "bootstrap", bootstrap);
	annotate(c, b);
	return c;
}
