/*
 * The objects this tool creates, as json_t, built without I/O.
 */
#include <jansson.h>

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
