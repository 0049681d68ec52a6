/*
 * cluster: read-only questions about a CNPG Cluster object (json_t): how it
 * is backed up, its conditions, its identity.
 */
#ifndef CNPGOPS_CLUSTER_H
#define CNPGOPS_CLUSTER_H

#include <jansson.h>

#include "manifest.h"

struct error;

/* The barman-cloud plugin's name in spec.plugins and pluginConfiguration. */
#define CLUSTER_BARMAN_PLUGIN "barman-cloud.cloudnative-pg.io"

/* Backup methods a cluster is configured for (a bit set). */
#define CLUSTER_BACKUP_PLUGIN	0x1 /* spec.plugins[] WAL archiver */
#define CLUSTER_BACKUP_INLINE	0x2 /* spec.backup.barmanObjectStore */
#define CLUSTER_BACKUP_SNAPSHOT 0x4 /* spec.backup.volumeSnapshot */

/* The methods cluster can take a Backup with (0: none). */
int cluster_backup_methods(const json_t *cluster);

/*
 * The name of the plugin that archives WAL (isWALArchiver: true, not
 * disabled), or NULL.  Borrowed from cluster.
 */
const char *cluster_wal_archiver_plugin(const json_t *cluster);

/* status.conditions[] entry of that type, or NULL (borrowed). */
const json_t *cluster_condition(const json_t *cluster, const char *type);

/* metadata.name and metadata.namespace ("" when absent; borrowed). */
const char *cluster_name(const json_t *cluster);
const char *cluster_namespace(const json_t *cluster);

/*
 * Choose the backup method for a Backup or ScheduledBackup: requested is
 * "auto" (the plugin, else inline barmanObjectStore, else volumeSnapshot)
 * or a method name that must be configured.  *out gets the method,
 * *plugin the plugin name for method "plugin" (else NULL); both borrowed.
 * Errors: ERR_PRECONDITION naming the cluster, with a hint.
 */
int cluster_choose_backup_method(const char **out, const char **plugin,
				 const json_t *cluster, const char *requested,
				 struct error *err);

/*
 * CNPG's webhook rules for online flags, said clearly before the server
 * says them: online/onlineConfiguration only for volumeSnapshot and plugin
 * backups, and only meaningful for online ones.  Errors: ERR_USAGE.
 */
int cluster_check_backup_flags(const char *method,
			       enum manifest_tristate online,
			       enum manifest_tristate immediate_checkpoint,
			       enum manifest_tristate wait_for_archive,
			       struct error *err);

#endif
