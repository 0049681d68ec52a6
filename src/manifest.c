/*
 * The objects this tool creates, as json_t, built without I/O.
 */
#include <string.h>

#include <jansson.h>

#include "cluster.h"
#include "manifest.h"

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

static json_t *
recovery_target(const struct manifest_recovery *r)
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
	target = recovery_target(r);
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
