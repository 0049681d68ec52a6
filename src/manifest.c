/*
 * The objects this tool creates, as json_t, built without I/O.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cluster.h"
#include "manifest.h"
#include "xmalloc.h"

static void
set_tristate(json_t *obj, const char *key, enum manifest_tristate v)
{
	if (v != MANIFEST_UNSET)
		json_object_set_new(obj, key, json_boolean(v == MANIFEST_TRUE));
}

static json_t *
metadata(const char *name, const char *ns, const char *cluster)
{
	json_t *meta = json_pack("{s:s}", "name", name);

	if (ns)
		json_object_set_new(meta, "namespace", json_string(ns));
	json_object_set_new(meta, "labels",
			    json_pack("{s:s}", "cnpg.io/cluster", cluster));
	return meta;
}

static void
set_online(json_t *spec, enum manifest_tristate online,
	   enum manifest_tristate immediate_checkpoint,
	   enum manifest_tristate wait_for_archive)
{
	json_t *conf = json_object();

	set_tristate(spec, "online", online);
	set_tristate(conf, "immediateCheckpoint", immediate_checkpoint);
	set_tristate(conf, "waitForArchive", wait_for_archive);
	if (json_object_size(conf))
		json_object_set_new(spec, "onlineConfiguration", conf);
	else
		json_decref(conf);
}

json_t *
manifest_backup(const struct manifest_backup *b)
{
	json_t *spec = json_object();
	json_t *meta = metadata(b->name, b->namespace, b->cluster);

	json_object_set_new(spec, "cluster",
			    json_pack("{s:s}", "name", b->cluster));
	json_object_set_new(spec, "method", json_string(b->method));
	if (b->plugin_name)
		json_object_set_new(spec, "pluginConfiguration",
				    json_pack("{s:s}", "name", b->plugin_name));
	if (b->target)
		json_object_set_new(spec, "target", json_string(b->target));
	set_online(spec, b->online, b->immediate_checkpoint,
		   b->wait_for_archive);
	return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion",
			 "postgresql.cnpg.io/v1", "kind", "Backup", "metadata",
			 meta, "spec", spec);
}

json_t *
manifest_scheduled_backup(const struct manifest_scheduled_backup *s)
{
	json_t *spec = json_object();
	json_t *meta = metadata(s->name, s->namespace, s->cluster);

	json_object_set_new(spec, "schedule", json_string(s->schedule));
	json_object_set_new(spec, "cluster",
			    json_pack("{s:s}", "name", s->cluster));
	json_object_set_new(spec, "method", json_string(s->method));
	if (s->plugin_name)
		json_object_set_new(spec, "pluginConfiguration",
				    json_pack("{s:s}", "name", s->plugin_name));
	if (s->target)
		json_object_set_new(spec, "target", json_string(s->target));
	json_object_set_new(spec, "backupOwnerReference",
			    json_string(s->owner ? s->owner : "none"));
	json_object_set_new(spec, "immediate", json_boolean(s->immediate));
	json_object_set_new(spec, "suspend", json_boolean(s->suspend));
	set_online(spec, s->online, s->immediate_checkpoint,
		   s->wait_for_archive);
	return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion",
			 "postgresql.cnpg.io/v1", "kind", "ScheduledBackup",
			 "metadata", meta, "spec", spec);
}

/* Spec fields that define the instances, copied from the source. */
static const char *const instance_fields[] = {
	"description",
	"instances",
	"imageName",
	"imageCatalogRef",
	"imagePullPolicy",
	"imagePullSecrets",
	"postgresUID",
	"postgresGID",
	"postgresql",
	"storage",
	"walStorage",
	"tablespaces",
	"ephemeralVolumeSource",
	"ephemeralVolumesSizeLimit",
	"resources",
	"affinity",
	"topologySpreadConstraints",
	"priorityClassName",
	"schedulerName",
	"primaryUpdateStrategy",
	"primaryUpdateMethod",
	"startDelay",
	"stopDelay",
	"smartShutdownTimeout",
	"switchoverDelay",
	"failoverDelay",
	"livenessProbeTimeout",
	"maxSyncReplicas",
	"minSyncReplicas",
	"enableSuperuserAccess",
	"superuserSecret",
	"enablePDB",
	"env",
	"envFrom",
	"inheritedMetadata",
	"logLevel",
	"monitoring",
	"serviceAccountTemplate",
	"projectedVolumeTemplate",
	"seccompProfile",
	"podSecurityContext",
	"securityContext",
	"replicationSlots",
	"managed",
	"probes",
	NULL,
};

static const char *const target_keys[] = {
	NULL, "targetTime", "targetLSN", "targetXID", "targetName", NULL,
};

json_t *
manifest_recovery_target(const struct manifest_recovery *r)
{
	json_t *t = json_object();

	if (r->backup_id)
		json_object_set_new(t, "backupID", json_string(r->backup_id));
	if (r->target_tli)
		json_object_set_new(t, "targetTLI",
				    json_sprintf("%u", r->target_tli));
	if (r->target == MANIFEST_TARGET_IMMEDIATE)
		json_object_set_new(t, "targetImmediate", json_true());
	else if (target_keys[r->target] && r->target_value)
		json_object_set_new(t, target_keys[r->target],
				    json_string(r->target_value));
	if (r->exclusive && r->target != MANIFEST_TARGET_LATEST &&
	    r->target != MANIFEST_TARGET_IMMEDIATE)
		json_object_set_new(t, "exclusive", json_true());
	if (json_object_size(t) == 0) {
		json_decref(t);
		return NULL;
	}
	return t;
}

/* The archive configuration with an explicit serverName. */
static json_t *
inline_store(const json_t *config, const char *server)
{
	json_t *c = json_deep_copy(config);

	json_object_set_new(c, "serverName", json_string(server));
	return c;
}

static json_t *
plugin_entry(const char *object_store, const char *server, int archiver)
{
	json_t *p = json_pack("{s:s}", "name", CLUSTER_BARMAN_PLUGIN);

	if (archiver)
		json_object_set_new(p, "isWALArchiver", json_true());
	json_object_set_new(p, "parameters",
			    json_pack("{s:s, s:s}", "barmanObjectName",
				      object_store, "serverName", server));
	return p;
}

json_t *
manifest_recovery_cluster(const struct manifest_recovery *r)
{
	const json_t *sspec = json_object_get(r->source, "spec");
	const json_t *initdb =
		json_object_get(json_object_get(sspec, "bootstrap"), "initdb");
	const char *source_name = json_string_value(json_object_get(
		json_object_get(r->source, "metadata"), "name"));
	json_t *spec = json_object(), *recovery, *ext, *target, *meta;
	size_t i;

	for (i = 0; instance_fields[i]; i++) {
		const json_t *v = json_object_get(sspec, instance_fields[i]);

		if (v)
			json_object_set_new(spec, instance_fields[i],
					    json_deep_copy(v));
	}
	if (r->instances > 0)
		json_object_set_new(spec, "instances",
				    json_integer(r->instances));

	recovery = json_pack("{s:s}", "source", source_name);
	if (initdb) {
		static const char *const carried[] = { "database", "owner",
						       "secret", NULL };

		for (i = 0; carried[i]; i++) {
			const json_t *v = json_object_get(initdb, carried[i]);

			if (v)
				json_object_set_new(recovery, carried[i],
						    json_deep_copy(v));
		}
	}
	target = manifest_recovery_target(r);
	if (target)
		json_object_set_new(recovery, "recoveryTarget", target);
	json_object_set_new(spec, "bootstrap",
			    json_pack("{s:o}", "recovery", recovery));

	ext = json_pack("{s:s}", "name", source_name);
	if (r->plugin_model)
		json_object_set_new(
			ext, "plugin",
			plugin_entry(r->object_store, r->server_name, 0));
	else
		json_object_set_new(
			ext, "barmanObjectStore",
			inline_store(r->inline_config, r->server_name));
	json_object_set_new(spec, "externalClusters", json_pack("[o]", ext));

	if (r->archive_server) {
		if (r->plugin_model)
			json_object_set_new(
				spec, "plugins",
				json_pack("[o]",
					  plugin_entry(r->object_store,
						       r->archive_server, 1)));
		else
			json_object_set_new(
				spec, "backup",
				json_pack("{s:o}", "barmanObjectStore",
					  inline_store(r->inline_config,
						       r->archive_server)));
	}

	meta = json_pack("{s:s, s:s}", "name", r->name, "namespace",
			 r->namespace);
	json_object_set_new(
		meta, "annotations",
		json_pack("{s:s}", "cnpgops.io/source-cluster", source_name));
	if (r->backup_id)
		json_object_set_new(json_object_get(meta, "annotations"),
				    "cnpgops.io/backup-id",
				    json_string(r->backup_id));
	return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion",
			 "postgresql.cnpg.io/v1", "kind", "Cluster", "metadata",
			 meta, "spec", spec);
}

static void
note_removed(json_t *removed, const char *what)
{
	if (removed)
		json_array_append_new(removed, json_string(what));
}

void
manifest_size_for_dev(json_t *cluster, const struct manifest_dev *d,
		      json_t *removed)
{
	json_t *spec = json_object_get(cluster, "spec");
	json_t *aff = json_object_get(spec, "affinity");
	json_t *sat = json_object_get(
		json_object_get(json_object_get(spec, "serviceAccountTemplate"),
				"metadata"),
		"annotations");
	static const char *const identity[] = {
		"eks.amazonaws.com/role-arn",
		"iam.gke.io/gcp-service-account",
		"azure.workload.identity/client-id",
		NULL,
	};
	json_t *storage = json_object_get(spec, "storage");
	size_t i;

	json_object_set_new(spec, "instances",
			    json_integer(d->instances > 0 ? d->instances : 1));
	if (aff && !d->keep_tolerations &&
	    json_object_get(aff, "tolerations")) {
		json_object_del(aff, "tolerations");
		note_removed(removed,
			     "spec.affinity.tolerations (node pools of "
			     "the source)");
	}
	if (aff && !d->keep_affinity) {
		static const char *const keys[] = {
			"nodeSelector",
			"nodeAffinity",
			"podAntiAffinityType",
			"topologyKey",
			"additionalPodAffinity",
			"additionalPodAntiAffinity",
			NULL,
		};

		for (i = 0; keys[i]; i++) {
			char *what;

			if (!json_object_get(aff, keys[i]))
				continue;
			json_object_del(aff, keys[i]);
			what = xasprintf("spec.affinity.%s", keys[i]);
			note_removed(removed, what);
			free(what);
		}
	}
	if (aff && json_object_size(aff) == 0)
		json_object_del(spec, "affinity");
	if (!d->keep_monitoring &&
	    json_is_true(json_object_get(json_object_get(spec, "monitoring"),
					 "enablePodMonitor"))) {
		json_object_del(json_object_get(spec, "monitoring"),
				"enablePodMonitor");
		note_removed(removed, "spec.monitoring.enablePodMonitor");
		if (json_object_size(json_object_get(spec, "monitoring")) == 0)
			json_object_del(spec, "monitoring");
	}
	for (i = 0; identity[i]; i++) {
		char *what;

		if (!json_object_get(sat, identity[i]))
			continue;
		json_object_del(sat, identity[i]);
		what = xasprintf("serviceAccountTemplate annotation %s (the "
				 "source's cloud identity)",
				 identity[i]);
		note_removed(removed, what);
		free(what);
	}
	if (sat && json_object_size(sat) == 0) {
		json_t *tmpl = json_object_get(spec, "serviceAccountTemplate");
		json_t *meta = json_object_get(tmpl, "metadata");

		json_object_del(meta, "annotations");
		if (json_object_size(meta) == 0)
			json_object_del(tmpl, "metadata");
		if (json_object_size(tmpl) == 0)
			json_object_del(spec, "serviceAccountTemplate");
	}
	if (d->storage_size && storage)
		json_object_set_new(storage, "size",
				    json_string(d->storage_size));
	if (d->storage_class && storage)
		json_object_set_new(storage, "storageClass",
				    json_string(d->storage_class));
	if (d->storage_class && json_object_get(spec, "walStorage"))
		json_object_set_new(json_object_get(spec, "walStorage"),
				    "storageClass",
				    json_string(d->storage_class));
	if (d->cpu || d->memory) {
		json_t *res = json_object_get(spec, "resources");

		if (!res) {
			res = json_object();
			json_object_set_new(spec, "resources", res);
		}
		if (!json_object_get(res, "requests"))
			json_object_set_new(res, "requests", json_object());
		if (d->cpu) {
			json_object_set_new(json_object_get(res, "requests"),
					    "cpu", json_string(d->cpu));
			json_object_del(json_object_get(res, "limits"), "cpu");
		}
		if (d->memory) {
			json_object_set_new(json_object_get(res, "requests"),
					    "memory", json_string(d->memory));
			if (json_object_get(res, "limits"))
				json_object_set_new(
					json_object_get(res, "limits"),
					"memory", json_string(d->memory));
		}
	}
}

json_t *
manifest_secret_copy(const json_t *src, const char *name, const char *ns,
		     const char *const *keys)
{
	const json_t *data = json_object_get(src, "data");
	json_t *out_data = json_object();
	size_t i;

	for (i = 0; keys[i]; i++) {
		const json_t *v = json_object_get(data, keys[i]);

		if (v)
			json_object_set_new(out_data, keys[i],
					    json_deep_copy(v));
	}
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:o}", "apiVersion",
			 "v1", "kind", "Secret", "metadata", "name", name,
			 "namespace", ns, "type", "Opaque", "data", out_data);
}

/* Visit every SecretKeySelector of a configuration. */
static void
each_selector(json_t *conf, void (*fn)(json_t *sel, void *ud), void *ud)
{
	static const char *const sections[] = {
		"s3Credentials",
		"azureCredentials",
		"googleCredentials",
		NULL,
	};
	json_t *v, *sel;
	const char *k;
	size_t i;

	if (json_is_object(json_object_get(conf, "endpointCA")))
		fn(json_object_get(conf, "endpointCA"), ud);
	for (i = 0; sections[i]; i++) {
		json_t *sec = json_object_get(conf, sections[i]);

		json_object_foreach(sec, k, v)
		{
			sel = v;
			if (json_is_object(sel) && json_object_get(sel, "name"))
				fn(sel, ud);
		}
	}
}

struct rename {
	const char *from, *to;
};

static void
rename_one(json_t *sel, void *ud)
{
	const struct rename *r = ud;
	const char *n = json_string_value(json_object_get(sel, "name"));

	if (n && strcmp(n, r->from) == 0)
		json_object_set_new(sel, "name", json_string(r->to));
}

void
manifest_rename_secret(json_t *configuration, const char *from, const char *to)
{
	struct rename r = { from, to };

	each_selector(configuration, rename_one, &r);
}

static void
collect_name(json_t *sel, void *ud)
{
	json_t *names = ud;
	const char *n = json_string_value(json_object_get(sel, "name"));
	const json_t *it;
	size_t i;

	json_array_foreach(names, i, it) if (strcmp(json_string_value(it), n) ==
					     0) return;
	json_array_append_new(names, json_string(n));
}

void
manifest_secret_names(const json_t *configuration, json_t *names)
{
	each_selector((json_t *)(uintptr_t)configuration, collect_name, names);
}

json_t *
manifest_object_store(const char *name, const char *ns,
		      const json_t *configuration)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:o}}", "apiVersion",
			 "barmancloud.cnpg.io/v1", "kind", "ObjectStore",
			 "metadata", "name", name, "namespace", ns, "spec",
			 "configuration", json_deep_copy(configuration));
}
