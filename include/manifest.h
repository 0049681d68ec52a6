/*
 * manifest: the objects this tool creates, built as json_t by pure
 * functions (no I/O), so that they can be compared with tests/golden/ and
 * validated against the CRDs.  Keys are inserted in the order kubectl users
 * expect to read them: apiVersion, kind, metadata, spec.
 */
#ifndef CNPGOPS_MANIFEST_H
#define CNPGOPS_MANIFEST_H

#include <jansson.h>

/* A tri-state flag: not given, false, true. */
enum manifest_tristate { MANIFEST_UNSET = 0, MANIFEST_FALSE, MANIFEST_TRUE };

struct manifest_backup {
	const char *name;
	const char *namespace;
	const char *cluster;
	const char *method; /* barmanObjectStore, volumeSnapshot, plugin */
	const char *plugin_name; /* method plugin: pluginConfiguration.name */
	const char *target; /* primary, prefer-standby, or NULL */
	enum manifest_tristate online;
	enum manifest_tristate immediate_checkpoint;
	enum manifest_tristate wait_for_archive;
};

/*
 * A postgresql.cnpg.io/v1 Backup labelled cnpg.io/cluster=CLUSTER.  Returns
 * a new reference.
 */
json_t *manifest_backup(const struct manifest_backup *b);

struct manifest_scheduled_backup {
	const char *name;
	const char *namespace;
	const char *cluster;
	const char *schedule; /* six fields, seconds first */
	const char *method;
	const char *plugin_name;
	const char *target;
	const char *owner; /* backupOwnerReference: none, self, cluster */
	int immediate;
	int suspend;
	enum manifest_tristate online;
	enum manifest_tristate immediate_checkpoint;
	enum manifest_tristate wait_for_archive;
};

/*
 * A postgresql.cnpg.io/v1 ScheduledBackup labelled cnpg.io/cluster=CLUSTER.
 * Returns a new reference.
 */
json_t *manifest_scheduled_backup(const struct manifest_scheduled_backup *s);

#endif
