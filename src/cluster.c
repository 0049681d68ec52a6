/*
 * Read-only questions about a CNPG Cluster object.
 */
#include <string.h>

#include <jansson.h>

#include "cluster.h"

const char *
cluster_wal_archiver_plugin(const json_t *cluster)
{
	const json_t *plugins =
		json_object_get(json_object_get(cluster, "spec"), "plugins");
	const json_t *p;
	size_t i;

	json_array_foreach(plugins, i, p)
	{
		if (json_is_false(json_object_get(p, "enabled")))
			continue;
		if (json_is_true(json_object_get(p, "isWALArchiver")))
			return json_string_value(json_object_get(p, "name"));
	}
	return NULL;
}

int
cluster_backup_methods(const json_t *cluster)
{
	const json_t *backup =
		json_object_get(json_object_get(cluster, "spec"), "backup");
	int m = 0;

	if (cluster_wal_archiver_plugin(cluster))
		m |= CLUSTER_BACKUP_PLUGIN;
	if (json_is_object(json_object_get(backup, "barmanObjectStore")))
		m |= CLUSTER_BACKUP_INLINE;
	if (json_is_object(json_object_get(backup, "volumeSnapshot")))
		m |= CLUSTER_BACKUP_SNAPSHOT;
	return m;
}

const json_t *
cluster_condition(const json_t *cluster, const char *type)
{
	const json_t *conds = json_object_get(
		json_object_get(cluster, "status"), "conditions");
	const json_t *c;
	size_t i;

	json_array_foreach(conds, i, c)
	{
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t && strcmp(t, type) == 0)
			return c;
	}
	return NULL;
}

const char *
cluster_name(const json_t *cluster)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(cluster, "metadata"), "name"));

	return s ? s : "";
}

const char *
cluster_namespace(const json_t *cluster)
{
	const char *s = json_string_value(json_object_get(
		json_object_get(cluster, "metadata"), "namespace"));

	return s ? s : "";
}
