/*
 * Read-only questions about a CNPG Cluster object.
 */
#include <string.h>

#include <jansson.h>

#include "cluster.h"
#include "errors.h"

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

static const char *
method_word(int m)
{
	switch (m) {
	case CLUSTER_BACKUP_PLUGIN:
		return "plugin";
	case CLUSTER_BACKUP_INLINE:
		return "barmanObjectStore";
	default:
		return "volumeSnapshot";
	}
}

/* What --method auto picks among the configured methods. */
static int
preferred(int have)
{
	if (have & CLUSTER_BACKUP_PLUGIN)
		return CLUSTER_BACKUP_PLUGIN;
	if (have & CLUSTER_BACKUP_INLINE)
		return CLUSTER_BACKUP_INLINE;
	return CLUSTER_BACKUP_SNAPSHOT;
}

int
cluster_choose_backup_method(const char **out, const char **plugin,
			     const json_t *cluster, const char *requested,
			     struct error *err)
{
	int have = cluster_backup_methods(cluster);
	const char *ns = cluster_namespace(cluster),
		   *name = cluster_name(cluster);
	int want;

	if (strcmp(requested, "auto") == 0) {
		if (!have) {
			error_set(err, ERR_PRECONDITION,
				  "cluster '%s/%s' has no backup configuration "
				  "(no WAL archiver plugin, no "
				  "spec.backup.barmanObjectStore, no "
				  "spec.backup.volumeSnapshot)",
				  ns, name);
			error_hint(err, "configure the barman-cloud plugin "
					"(spec.plugins with isWALArchiver: "
					"true) or volume snapshots first");
			return -1;
		}
		want = preferred(have);
	} else {
		if (strcmp(requested, "plugin") == 0)
			want = CLUSTER_BACKUP_PLUGIN;
		else if (strcmp(requested, "barmanObjectStore") == 0)
			want = CLUSTER_BACKUP_INLINE;
		else
			want = CLUSTER_BACKUP_SNAPSHOT;
		if (!(have & want)) {
			error_set(err, ERR_PRECONDITION,
				  "cluster '%s/%s' is not configured for "
				  "backup method '%s'",
				  ns, name, requested);
			if (have)
				error_hint(err,
					   "use --method %s (what the cluster "
					   "is configured for), or leave "
					   "--method out",
					   method_word(preferred(have)));
			else
				error_hint(err, "configure backups for the "
						"cluster first");
			return -1;
		}
	}
	*out = method_word(want);
	*plugin = want == CLUSTER_BACKUP_PLUGIN
			  ? cluster_wal_archiver_plugin(cluster)
			  : NULL;
	return 0;
}

int
cluster_check_backup_flags(const char *method, enum manifest_tristate online,
			   enum manifest_tristate immediate_checkpoint,
			   enum manifest_tristate wait_for_archive,
			   struct error *err)
{
	int inline_method = strcmp(method, "barmanObjectStore") == 0;

	if (inline_method && online != MANIFEST_UNSET)
		return error_set(err, ERR_USAGE,
				 "--online/--offline apply only to "
				 "volumeSnapshot and plugin backups: "
				 "barmanObjectStore backups are always online");
	if (inline_method && wait_for_archive != MANIFEST_UNSET)
		return error_set(err, ERR_USAGE,
				 "--wait-for-archive applies only to "
				 "volumeSnapshot and plugin backups");
	if (inline_method && immediate_checkpoint == MANIFEST_TRUE) {
		error_set(err, ERR_USAGE,
			  "--immediate-checkpoint does not apply to "
			  "barmanObjectStore backups");
		error_hint(err, "set spec.backup.barmanObjectStore.data."
				"immediateCheckpoint: true in the cluster "
				"instead");
		return -1;
	}
	if (online == MANIFEST_FALSE &&
	    (immediate_checkpoint == MANIFEST_TRUE ||
	     wait_for_archive != MANIFEST_UNSET))
		return error_set(err, ERR_USAGE,
				 "--immediate-checkpoint and "
				 "--wait-for-archive take effect only with "
				 "online backups, not with --offline");
	return 0;
}
