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

json_t *
manifest_backup(const struct manifest_backup *b)
{
	json_t *spec = json_object();
	json_t *meta = json_pack("{s:s}", "name", b->name);
	json_t *online_conf;

	if (b->namespace)
		json_object_set_new(meta, "namespace",
				    json_string(b->namespace));
	json_object_set_new(meta, "labels",
			    json_pack("{s:s}", "cnpg.io/cluster", b->cluster));
	json_object_set_new(spec, "cluster",
			    json_pack("{s:s}", "name", b->cluster));
	json_object_set_new(spec, "method", json_string(b->method));
	if (b->plugin_name)
		json_object_set_new(spec, "pluginConfiguration",
				    json_pack("{s:s}", "name", b->plugin_name));
	if (b->target)
		json_object_set_new(spec, "target", json_string(b->target));
	set_tristate(spec, "online", b->online);
	online_conf = json_object();
	set_tristate(online_conf, "immediateCheckpoint",
		     b->immediate_checkpoint);
	set_tristate(online_conf, "waitForArchive", b->wait_for_archive);
	if (json_object_size(online_conf))
		json_object_set_new(spec, "onlineConfiguration", online_conf);
	else
		json_decref(online_conf);
	return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion",
			 "postgresql.cnpg.io/v1", "kind", "Backup", "metadata",
			 meta, "spec", spec);
}
